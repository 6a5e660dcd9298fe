#!/usr/bin/env python3
"""Benchmark: what serving a big pod list costs pilothouse-sim itself, in CPU time.

Starts `pilothouse-sim --pods N`, waits until it is idle, then for each way a client lists the
pods reads the CPU time (utime+stime, /proc/PID/task/*/stat) of the sim's threads before and
after:

  full list            one GET /api/v1/pods, the whole JSON list
  pages of 500         GET /api/v1/pods?limit=500 and its continue tokens to the end, the way an
                       informer's first list goes (one keep-alive connection)
  table pages of 500   the same with Accept: application/json;as=Table;v=v1;g=meta.k8s.io and
                       includeObject=Object, as the console's Table-form informer asks
  kubectl -o json      kubectl get pods -A -o json (kubectl pages by 500 too), warm discovery cache

"API threads" is the CPU of the threads that serve HTTP: every thread but those that were busy
while the sim was idle (the controllers' periodic passes, which a list does not cause); "whole
sim" includes them. It prints figures and asserts nothing (docs/benchmarks.md records runs).

usage: bench_simlist.py [--pods N ...] [--runs N] [--sim PATH]
       PILOTHOUSE_SIM names the simulator when --sim is not given.
"""
import argparse
import base64
import http.client
import json
import os
import shutil
import signal
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

import yaml

TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def thread_cpu(pid):
    """CPU seconds per thread id."""
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            out[tid] = (int(fields[11]) + int(fields[12])) / TICKS
        except OSError:
            pass
    return out


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0


class Sim:
    def __init__(self, binary, pods):
        self.dir = tempfile.mkdtemp(prefix="bench-simlist-")
        self.kubeconfig = os.path.join(self.dir, "kubeconfig")
        t0 = time.monotonic()
        self.proc = subprocess.Popen([binary, "--pods", str(pods), "--kubeconfig-out", self.kubeconfig],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for line in self.proc.stdout:
            if "serving the Kubernetes API at" in line:
                self.url = line.split(" at ")[1].strip()
            if "Press Ctrl+C" in line:
                break
        self.up_seconds = time.monotonic() - t0
        if self.proc.poll() is not None:
            raise RuntimeError("pilothouse-sim exited")
        u = urllib.parse.urlparse(self.url)
        self.host, self.port = u.hostname, u.port
        kc = yaml.safe_load(open(self.kubeconfig))
        self.ca = os.path.join(self.dir, "ca.pem")
        self.cert = os.path.join(self.dir, "cert.pem")
        self.key = os.path.join(self.dir, "key.pem")
        open(self.ca, "wb").write(base64.b64decode(kc["clusters"][0]["cluster"]["certificate-authority-data"]))
        admin = next(x for x in kc["users"] if x["name"] == "sim-admin")["user"]
        open(self.cert, "wb").write(base64.b64decode(admin["client-certificate-data"]))
        open(self.key, "wb").write(base64.b64decode(admin["client-key-data"]))
        self.ctx = ssl.create_default_context(cafile=self.ca)
        self.ctx.load_cert_chain(self.cert, self.key)

    def connection(self):
        return http.client.HTTPSConnection(self.host, self.port, context=self.ctx, timeout=600)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


def get(conn, path, accept="application/json"):
    conn.request("GET", path, headers={"Accept": accept})
    r = conn.getresponse()
    body = r.read()
    if r.status != 200:
        raise RuntimeError(f"GET {path}: {r.status} {body[:200]!r}")
    return body


def full_list(sim):
    conn = sim.connection()
    body = get(conn, "/api/v1/pods")
    conn.close()
    return len(body), 1


def pages(sim, accept="application/json", query=""):
    conn = sim.connection()
    total, count, cont = 0, 0, ""
    while True:
        path = "/api/v1/pods?limit=500" + query + ("&continue=" + urllib.parse.quote(cont) if cont else "")
        for attempt in range(3):
            try:
                body = get(conn, path, accept)
                break
            except (http.client.HTTPException, ConnectionError):
                # The server closed the keep-alive connection (its timeout is 2 s): again, on a new one.
                conn.close()
                conn = sim.connection()
                if attempt == 2:
                    raise
        total += len(body)
        count += 1
        cont = json.loads(body)["metadata"].get("continue", "")
        if not cont:
            break
    conn.close()
    return total, count


def kubectl_json(sim):
    out = subprocess.run(["kubectl", "--kubeconfig", sim.kubeconfig, "--cache-dir", os.path.join(sim.dir, "kcache"),
                          "get", "pods", "-A", "-o", "json"], stdout=subprocess.PIPE, check=True)
    return len(out.stdout), 0


def idle_rate(sim, seconds=11.0):
    """The sim's CPU use while nobody asks it anything, and the threads that spend it: the
    controllers' periodic passes (every 5 s), not the HTTP workers, which are idle then."""
    t0, c0, per0 = time.monotonic(), cpu_seconds(sim.proc.pid), thread_cpu(sim.proc.pid)
    time.sleep(seconds)
    per1 = thread_cpu(sim.proc.pid)
    background = {tid for tid, c in per1.items() if c - per0.get(tid, 0.0) > 0.005 * seconds}
    return (cpu_seconds(sim.proc.pid) - c0) / (time.monotonic() - t0), background


def measure(sim, fn, background):
    """The CPU the sim spends on one way of listing: its threads but the background ones."""
    per0, c0, t0 = thread_cpu(sim.proc.pid), cpu_seconds(sim.proc.pid), time.monotonic()
    size, requests = fn(sim)
    wall = time.monotonic() - t0
    per1 = thread_cpu(sim.proc.pid)
    serving = sum(c - per0.get(tid, 0.0) for tid, c in per1.items() if tid not in background)
    return {"cpu": cpu_seconds(sim.proc.pid) - c0, "net": serving, "wall": wall, "bytes": size, "requests": requests}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--pods", type=int, nargs="+", default=[10000, 100000])
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--sim", default=os.environ.get("PILOTHOUSE_SIM", ""))
    p.add_argument("--no-kubectl", action="store_true")
    p.add_argument("--kubectl-runs", type=int, help="runs of kubectl (default: --runs); it takes minutes at 100,000 pods")
    a = p.parse_args()
    if not a.sim:
        sys.exit("bench_simlist: name the simulator with --sim or PILOTHOUSE_SIM")
    kinds = [("full list", full_list), ("pages of 500", pages), ("table pages of 500", lambda s: pages(s, TABLE, "&includeObject=Object"))]
    if not a.no_kubectl and shutil.which("kubectl"):
        kinds.append(("kubectl -o json", kubectl_json))
    print(f"simulator: {a.sim}")
    print(f"machine  : {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}")
    for pods in a.pods:
        sim = Sim(a.sim, pods)
        try:
            if shutil.which("kubectl"):
                subprocess.run(["kubectl", "--kubeconfig", sim.kubeconfig, "--cache-dir", os.path.join(sim.dir, "kcache"),
                                "get", "ns"], stdout=subprocess.DEVNULL, check=True)
            time.sleep(3)  # the scenario's pods settle
            idle, background = idle_rate(sim)
            print(f"\n-- --pods {pods}: up in {sim.up_seconds:.1f} s, RSS {rss_mib(sim.proc.pid):.0f} MiB, "
                  f"idle {idle * 100:.1f} % of a CPU in {len(background)} background thread(s)")
            print(f"   {'':20} {'API threads':>14} {'whole sim':>14} {'wall':>9} {'MiB':>8} {'requests':>9}   (median of {a.runs})")
            for name, fn in kinds:
                runs = a.kubectl_runs if fn is kubectl_json and a.kubectl_runs else a.runs
                rs = [measure(sim, fn, background) for _ in range(runs)]
                med = lambda k: statistics.median(r[k] for r in rs)
                print(f"   {name:20} {med('net') * 1000:11.0f} ms {med('cpu') * 1000:11.0f} ms {med('wall'):7.2f} s "
                      f"{med('bytes') / 1048576:8.1f} {int(med('requests')) or '':>9}" + ("" if runs == a.runs else f"   ({runs} run(s))"))
            print(f"   RSS after            {rss_mib(sim.proc.pid):.0f} MiB")
        finally:
            sim.stop()


if __name__ == "__main__":
    main()
