#!/usr/bin/python3
# A test exec credential plugin; the kubeconfig's exec.env tells it what to do and where to report.
#   PLUGIN_COUNTER      file that gets one line per run
#   PLUGIN_ARGS_OUT     file for sys.argv[1:] as JSON (arguments must arrive verbatim)
#   PLUGIN_INFO_OUT     file for $KUBERNETES_EXEC_INFO
#   PLUGIN_ENV_OUT      file for the whole environment as JSON
#   PLUGIN_MODE         token (default), cert, certfiles, fail, sleep, badjson, wrongversion, nocred
#   PLUGIN_EXPIRES_IN   seconds until expirationTimestamp; unset: no expiry
#   PLUGIN_API_VERSION  apiVersion to answer with; default: the one in KUBERNETES_EXEC_INFO
#   PLUGIN_DELAY        seconds to wait before answering (a slow SSO round trip)
#   PLUGIN_TOKENS       comma-separated tokens, one per run (the last one repeats); default exec-token-N
#   PLUGIN_STDERR       what the fail mode writes to stderr instead of its usual lines
#   PLUGIN_CERT_FILE, PLUGIN_KEY_FILE  certfiles mode: the PEM files to answer with
import datetime
import json
import os
import sys
import time

env = os.environ


def write(name, text):
    path = env.get(name)
    if path:
        with open(path, "w") as f:
            f.write(text)


runs = 1
counter = env.get("PLUGIN_COUNTER")
if counter:
    with open(counter, "a") as f:
        f.write("run\n")
    with open(counter) as f:
        runs = len(f.readlines())

write("PLUGIN_ARGS_OUT", json.dumps(sys.argv[1:]))
write("PLUGIN_INFO_OUT", env.get("KUBERNETES_EXEC_INFO", ""))
write("PLUGIN_ENV_OUT", json.dumps(dict(env)))

info = json.loads(env.get("KUBERNETES_EXEC_INFO") or "{}")
api_version = env.get("PLUGIN_API_VERSION") or info.get("apiVersion", "client.authentication.k8s.io/v1")
mode = env.get("PLUGIN_MODE", "token")
if env.get("PLUGIN_DELAY"):
    time.sleep(float(env["PLUGIN_DELAY"]))

if mode == "sleep":
    time.sleep(60)
    sys.exit(0)
if mode == "fail":
    # stdout may hold secrets in real plugins; the provider must never show it.
    print("SECRET-STDOUT-MUST-NOT-SHOW")
    sys.stderr.write(env.get("PLUGIN_STDERR") or "\nerror: your SSO session has expired\nrun 'example-login' to log in again\nthird line\nfourth line\n")
    sys.exit(3)
if mode == "badjson":
    print("this is not json SECRET-STDOUT-MUST-NOT-SHOW")
    sys.exit(0)

status = {}
if mode == "cert":
    status["clientCertificateData"] = "-----BEGIN CERTIFICATE-----\nZXhlYyBjZXJ0\n-----END CERTIFICATE-----\n"
    status["clientKeyData"] = "-----BEGIN PRIVATE KEY-----\nZXhlYyBrZXk=\n-----END PRIVATE KEY-----\n"
elif mode == "certfiles":
    with open(env["PLUGIN_CERT_FILE"]) as f:
        status["clientCertificateData"] = f.read()
    with open(env["PLUGIN_KEY_FILE"]) as f:
        status["clientKeyData"] = f.read()
elif mode != "nocred":
    tokens = [t for t in env.get("PLUGIN_TOKENS", "").split(",") if t]
    status["token"] = tokens[min(runs, len(tokens)) - 1] if tokens else "exec-token-%d" % runs
if env.get("PLUGIN_EXPIRES_IN"):
    expiry = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=float(env["PLUGIN_EXPIRES_IN"]))
    status["expirationTimestamp"] = expiry.strftime("%Y-%m-%dT%H:%M:%SZ")
if mode == "wrongversion":
    api_version = "client.authentication.k8s.io/v1alpha1"

print(json.dumps({"apiVersion": api_version, "kind": "ExecCredential", "status": status}))
