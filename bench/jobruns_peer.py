"""bench_jobruns' peer: Debian's python3-jenkins (1.4) reading a job's runs as a script would.

Usage: jobruns_peer.py URL USER TOKEN CA_FILE JOB VISIBLE REPEATS
Prints one JSON object: per repeat, the seconds for get_job_info plus allBuilds[number,url] (what
fetch_all_builds=True asks for; every build's number and URL, no stages), and for that list plus wfapi/describe of the VISIBLE newest
runs one after another (what the matrix shows first), on a new session each time.
"""
import json
import os
import sys
import time

import jenkins
import requests


def all_builds(server, url, job):
    """get_job_info(fetch_all_builds=True) as it is meant to work: python-jenkins 1.4 asks for the
    missing builds of a job in a folder at /job/<name>/ without the folder (404, "does not exist"),
    so the job's first 100 builds come from get_job_info and the rest as its allBuilds query would."""
    info = server.get_job_info(job)
    if len(info["builds"]) >= 100:
        path = "".join("job/" + part + "/" for part in job.split("/"))
        r = server.jenkins_open(requests.Request("GET", url.rstrip("/") + "/" + path + "api/json?tree=allBuilds[number,url]"))
        info["builds"] = json.loads(r)["allBuilds"]
    return info


def main():
    url, user, token, ca, job, visible, repeats = sys.argv[1:8]
    visible, repeats = int(visible), int(repeats)
    os.environ["REQUESTS_CA_BUNDLE"] = ca
    out = {"list_s": [], "list_and_visible_s": [], "builds": 0, "described": 0}
    for _ in range(repeats):
        server = jenkins.Jenkins(url, username=user, password=token, timeout=60)
        t = time.perf_counter()
        info = all_builds(server, url, job)
        out["list_s"].append(time.perf_counter() - t)
        out["builds"] = len(info["builds"])
        server._session.close()

        server = jenkins.Jenkins(url, username=user, password=token, timeout=60)
        t = time.perf_counter()
        info = all_builds(server, url, job)
        described = 0
        for b in info["builds"][:visible]:
            r = server.jenkins_open(requests.Request("GET", b["url"] + "wfapi/describe"))
            described += len(json.loads(r)["stages"]) > 0
        out["list_and_visible_s"].append(time.perf_counter() - t)
        out["described"] = described
        server._session.close()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
