#!/usr/bin/env python3
"""Soak benchmark (issue 10): `evalbridge run` for SOAK_SECONDS (default 600) against the
simulator, evaluations arriving continuously in two orgs, and ServiceNow answering 30% 429
(Retry-After 1), 10% 503 and 5% connection resets. Every 10 s it samples the daemon's RSS and
open file descriptors; at the end it checks that every matching evaluation became exactly one
incident, and that RSS and descriptors stayed flat after warm-up (within 10%).

Not a CTest test: it runs for minutes. Usage:
    bench/soak.py [BUILD_DIR]          (default: build; needs build/evalbridge and evalbridge-sim)
Prints one line per sample and a summary; exits 1 when a check fails.
"""
import datetime
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

BUILD = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build")
SECONDS = int(os.environ.get("SOAK_SECONDS", "600"))
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def call(url, method="GET", body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"null")


def wait_for_file(path, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if os.path.exists(path) and os.path.getsize(path) > 0:
            with open(path) as f:
                return f.read().strip()
        time.sleep(0.1)
    raise SystemExit("timed out waiting for " + path)


def proc_sample(pid):
    with open(f"/proc/{pid}/status") as f:
        rss = next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
    fds = len(os.listdir(f"/proc/{pid}/fd"))
    return rss, fds


def iso(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def main():
    work = tempfile.mkdtemp(prefix="evalbridge-soak-")
    start = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=5)
    scenario = {"orgs": [
        {"name": "acme-us", "evaluationCount": 20, "firstEvaluation": iso(start), "spacingSeconds": 1, "seed": 1},
        {"name": "acme-eu", "orgId": "3b5e9c1d-7777-4888-9999-aaaabbbbcccc", "clientId": "acme-eu-client",
         "clientSecret": "acme-eu-secret", "evaluationCount": 20, "firstEvaluation": iso(start),
         "spacingSeconds": 1, "seed": 2}]}
    with open(os.path.join(work, "scenario.json"), "w") as f:
        json.dump(scenario, f)
    sim = subprocess.Popen([os.path.join(BUILD, "evalbridge-sim"), "--scenario", os.path.join(work, "scenario.json"),
                            "--port-file", os.path.join(work, "sim.json")], stdout=subprocess.DEVNULL)
    state = json.loads(wait_for_file(os.path.join(work, "sim.json")))
    control = state["control"]
    for rule in ({"server": "servicenow", "kind": "status", "status": 429, "retryAfter": "1", "probability": 0.3, "seed": 11},
                 {"server": "servicenow", "kind": "status", "status": 503, "probability": 0.1, "seed": 12},
                 {"server": "servicenow", "kind": "reset", "probability": 0.05, "seed": 13}):
        call(control + "/control/faults", "POST", rule)

    with open(os.path.join(ROOT, "mappings", "qa-failures.json")) as f:
        mapping = f.read()
    with open(os.path.join(work, "mapping.json"), "w") as f:
        f.write(mapping)
    orgs = []
    for name, org in state["orgs"].items():
        with open(os.path.join(work, name + ".secret"), "w") as f:
            f.write(next(o for o in scenario["orgs"] if o["name"] == name).get("clientSecret", "acme-us-secret"))
        orgs.append({"name": name, "orgId": org["orgId"], "apiBase": org["url"], "loginBase": org["url"],
                     "clientId": org["clientId"], "clientSecret": "${file:%s.secret}" % name,
                     "mapping": "mapping.json", "startFrom": iso(start - datetime.timedelta(minutes=1)),
                     "intervalS": 5})
    with open(os.path.join(work, "sn.secret"), "w") as f:
        f.write("sn-password")
    config = {"ledger": {"path": "ledger.db"},
              "genesys": {"orgs": orgs, "search": {"maxWindow": "PT1H", "overlap": "PT2M"}},
              "sync": {"intervalS": 5, "pullIntervalS": 15},
              "servicenow": {"instanceUrl": state["servicenow"], "maxConcurrency": 4, "maxRequestsPerSecond": 50,
                             "auth": {"type": "basic", "username": "svc_evalbridge", "password": "${file:sn.secret}"},
                             "retry": {"maxAttempts": 8, "initialMs": 100, "maxMs": 2000, "maxElapsedS": 60}},
              "server": {"listen": "127.0.0.1:0"}}
    with open(os.path.join(work, "evalbridge.json"), "w") as f:
        json.dump(config, f)
    log = open(os.path.join(work, "run.log"), "w")
    bridge = subprocess.Popen([os.path.join(BUILD, "evalbridge"), "--config", os.path.join(work, "evalbridge.json"),
                               "--quiet", "run", "--port-file", os.path.join(work, "port")], stderr=log,
                              stdout=subprocess.DEVNULL)
    wait_for_file(os.path.join(work, "port"))

    samples = []
    began = time.time()
    added = 0
    next_sample = began
    print(f"soak: {SECONDS} s, working folder {work}")
    while time.time() - began < SECONDS:
        for name in state["orgs"]:
            now = datetime.datetime.now(datetime.timezone.utc)
            call(f"{control}/control/orgs/{name}/evaluations", "POST", {"count": 2, "from": iso(now)})
            added += 2
        if time.time() >= next_sample:
            rss, fds = proc_sample(bridge.pid)
            samples.append((time.time() - began, rss, fds))
            print(f"  t={samples[-1][0]:6.0f} s  rss={rss / 1024:7.1f} MiB  fds={fds:4d}  evaluations added={added}",
                  flush=True)
            next_sample += 10
        time.sleep(1)

    # Let the last evaluations be swept and delivered (faults off), then stop.
    call(control + "/control/faults", "DELETE")
    time.sleep(20)
    bridge.send_signal(signal.SIGTERM)
    code = bridge.wait(timeout=60)

    failures = []
    if code != 0:
        failures.append(f"run exited {code}")
    expected = set()
    for name, org in state["orgs"].items():
        evaluations = call(f"{control}/control/orgs/{name}/evaluations")["evaluations"]
        with open(os.path.join(work, name + "-evaluations.json"), "w") as f:
            json.dump(evaluations, f)
        preview = subprocess.run([os.path.join(BUILD, "evalbridge"), "map", "--mapping", os.path.join(work, "mapping.json"),
                                  "--input", os.path.join(work, name + "-evaluations.json"), "--json"],
                                 capture_output=True, text=True, check=True)
        for result in json.loads(preview.stdout)["results"]:
            if result["matched"]:
                expected.add(f"evalbridge:{org['orgId']}:{result['evaluationId']}")
    incidents = call(control + "/control/incidents")["result"]
    keys = [i.get("correlation_id", "") for i in incidents]
    duplicates = len(keys) - len(set(keys))
    missing = len(expected - set(keys))
    if duplicates:
        failures.append(f"{duplicates} duplicate incident(s)")
    if missing:
        failures.append(f"{missing} matching evaluation(s) without an incident")

    # Warm-up: the first quarter of the run (the ledger's page cache, the statement cache and the
    # allocator's arenas fill). Flat means the median of the last minute is within 10% of the
    # median of the first minute after warm-up; single samples are noisy (a delivery burst).
    warm = [s for s in samples if s[0] >= SECONDS / 4] or samples

    def median(values):
        values = sorted(values)
        return values[len(values) // 2]

    rss_first, rss_last = median([s[1] for s in warm[:6]]), median([s[1] for s in warm[-6:]])
    fds_first, fds_last = median([s[2] for s in warm[:6]]), median([s[2] for s in warm[-6:]])
    rss_max, fds_max = max(s[1] for s in warm), max(s[2] for s in warm)
    if rss_last > rss_first * 1.10:
        failures.append(f"RSS grew from {rss_first} KiB to {rss_last} KiB after warm-up")
    if fds_last > fds_first * 1.10 + 2:
        failures.append(f"open descriptors grew from {fds_first} to {fds_last} after warm-up")
    print(f"soak summary: {SECONDS} s, {added} evaluations added, {len(expected)} matching, {len(keys)} incidents, "
          f"{duplicates} duplicates, {missing} missing; RSS after warm-up {rss_first / 1024:.1f} -> "
          f"{rss_last / 1024:.1f} MiB (max {rss_max / 1024:.1f}); fds {fds_first} -> {fds_last} (max {fds_max})")
    sim.send_signal(signal.SIGTERM)
    sim.wait(timeout=30)
    if failures:
        print("soak FAILED: " + "; ".join(failures))
        return 1
    print("soak ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
