#!/usr/bin/python3
# A test exec credential plugin; the kubeconfig's exec.env tells it what to do and where to report.
#   PLUGIN_COUNTER      file that gets one line per run
#   PLUGIN_ARGS_OUT     file for sys.argv[1:] as JSON (arguments must arrive verbatim)
#   PLUGIN_INFO_OUT     file for $KUBERNETES_EXEC_INFO
#   PLUGIN_ENV_OUT      file for the whole environment as JSON
#   PLUGIN_MODE         token (default), cert, fail, sleep, badjson, wrongversion, nocred
#   PLUGIN_EXPIRES_IN   seconds until expirationTimestamp; unset: no expiry
#   PLUGIN_API_VERSION  apiVersion to answer with; default: the one in KUBERNETES_EXEC_INFO
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

if mode == "sleep":
    time.sleep(60)
    sys.exit(0)
if mode == "fail":
    # stdout may hold secrets in real plugins; the provider must never show it.
    print("SECRET-STDOUT-MUST-NOT-SHOW")
    sys.stderr.write("\nerror: your SSO session has expired\nrun 'example-login' to log in again\nthird line\nfourth line\n")
    sys.exit(3)
if mode == "badjson":
    print("this is not json SECRET-STDOUT-MUST-NOT-SHOW")
    sys.exit(0)

status = {}
if mode == "cert":
    status["clientCertificateData"] = "-----BEGIN CERTIFICATE-----\nZXhlYyBjZXJ0\n-----END CERTIFICATE-----\n"
    status["clientKeyData"] = "-----BEGIN PRIVATE KEY-----\nZXhlYyBrZXk=\n-----END PRIVATE KEY-----\n"
elif mode != "nocred":
    status["token"] = "exec-token-%d" % runs
if env.get("PLUGIN_EXPIRES_IN"):
    expiry = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=float(env["PLUGIN_EXPIRES_IN"]))
    status["expirationTimestamp"] = expiry.strftime("%Y-%m-%dT%H:%M:%SZ")
if mode == "wrongversion":
    api_version = "client.authentication.k8s.io/v1alpha1"

print(json.dumps({"apiVersion": api_version, "kind": "ExecCredential", "status": status}))
