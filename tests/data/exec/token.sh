#!/bin/sh
# A minimal POSIX sh exec credential plugin: a fixed v1beta1 token, its arguments appended to $PLUGIN_ARGS_OUT.
if [ -n "$PLUGIN_ARGS_OUT" ]; then
    for arg in "$@"; do printf '%s\n' "$arg" >> "$PLUGIN_ARGS_OUT"; done
fi
printf '%s\n' '{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"sh-token"}}'
