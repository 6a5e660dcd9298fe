#!/usr/bin/env python3
"""Lists every pod with the official Python client (python3-kubernetes), as a script would.

The peer of the console's pod informer in bench/bench_informer: CoreV1Api
.list_pod_for_all_namespaces in pages of --limit (500, like kubectl's --chunk-size and the
informer), following the continue token, every page deserialized into V1Pod models and kept
(the usual `pods += page.items`). --limit 0 asks for the whole list in one call.

Prints one line: `pods N list_ms T import_ms I setup_ms S maxrss_kb R`. bench_informer times
the whole process from start to exit and takes the list alone (list_ms) from here.

usage: list_pods.py --kubeconfig PATH [--context sim-admin] [--limit 500]
"""
import time

T_START = time.monotonic()

import argparse  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402

import kubernetes  # noqa: E402  (python3-kubernetes on Debian)

T_IMPORTED = time.monotonic()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kubeconfig", required=True)
    parser.add_argument("--context", default="sim-admin")
    parser.add_argument("--limit", type=int, default=500, help="page size; 0 lists in one call")
    args = parser.parse_args()

    kubernetes.config.load_kube_config(config_file=args.kubeconfig, context=args.context)
    api = kubernetes.client.CoreV1Api()
    t_setup = time.monotonic()

    pods = []
    token = None
    while True:
        if args.limit > 0:
            page = api.list_pod_for_all_namespaces(limit=args.limit, _continue=token)
        else:
            page = api.list_pod_for_all_namespaces()
        pods += page.items
        token = page.metadata._continue
        if args.limit <= 0 or not token:
            break
    t_listed = time.monotonic()

    maxrss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(f"pods {len(pods)} list_ms {(t_listed - t_setup) * 1000:.0f} import_ms {(T_IMPORTED - T_START) * 1000:.0f} "
          f"setup_ms {(t_setup - T_IMPORTED) * 1000:.0f} maxrss_kb {maxrss_kb}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
