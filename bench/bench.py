#!/usr/bin/env python3
"""bench.py: every figure of bench/run.sh, each beside its ceiling or yardstick, from one run.

    python3 bench/bench.py --build BUILD_DIR [--quick] [--json FILE] [--parts delivery,export,orgs,idle,push,replicas]

Everything runs on 127.0.0.1: evalbridge-sim (the simulator) and evalbridge as child processes,
wrk for the raw ServiceNow ceiling, bench/plain_sync.py as the yardstick. CPU, wall time and
peak RSS of a measured child come from BUILD_DIR/bench/evalbridge-rusage (wait4), a tiny parent,
so that Python's own resident set does not leak into the child's ru_maxrss.

Figures (one line each: value, ceiling or yardstick, ratio, target):
  delivery  incidents/s of `evalbridge sync --once` at 8 connections x 20 ms simulated latency,
            and at 32 x 2 ms (also with the simulator and the bridge pinned to different CPUs),
            with the export source (one download: the source out of the way) and, reported, search,
            against `wrk` keep-alive POSTs to the same simulator with the same latency fault.
  export    one org, N evaluations, 1% matching (search source): bridge CPU s, wall s, peak RSS,
            ledger bytes per skipped evaluation, against plain_sync.py; N = 20,000 and 200,000
            (200,000 only when the 20,000 run predicts it fits --budget-s); CPU per evaluation
            200k / 20k (linearity).
  orgs      100 orgs x 20 evaluations in one sync --once, bridge vs plain_sync.py; bridge RSS at
            10 and 1,000 orgs.
  idle      `evalbridge run` over 100 orgs (10 with --quick) once their evaluations are delivered,
            sweeping every 5 s: Genesys requests per org and cycle against the floor of one (the
            sweep's search), and the daemon's CPU per org and cycle (what an idle org costs a BPO).
  push      `evalbridge run` with push pickup, 3 orgs, evaluations submitted at 50/s for 60 s
            (every one failing), ServiceNow at 20 ms: time from submit to incident (p50, p90, p99,
            max) against the floor of one 20 ms POST, and every evaluation exactly one incident.
  replicas  (bench/replicas.py) `evalbridge run` replicas sharing a PostgreSQL ledger (a throwaway
            PostgreSQL 15 cluster), 12 orgs, ServiceNow POSTs at 20 ms: incidents/s with 1, 2 and 3
            replicas beside the 1-replica figure; takeover after SIGKILL (median and max over
            --replica-kills kills) against TTL + one renewal (3 s + 1 s); exactly-once in each run.
"""
import argparse
import base64
import datetime as dt
import json
import os
import re
import shlex
import shutil
import statistics
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

import replicas

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PLAIN = os.path.join(ROOT, "bench", "plain_sync.py")
MAPPING = os.path.join(ROOT, "mappings", "qa-failures.json")  # the shipped default mapping
SN_USER, SN_PASSWORD = "svc_evalbridge", "sn-password"

ROWS = []       # (figure, value, yardstick, ratio, target, verdict)
COMMANDS = []   # (figure, command)
NOTES = []


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def call(url, method="GET", body=None, timeout=600):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        return json.loads(resp.read() or b"null")


def utc(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def pin(cpus):
    return ["taskset", "-c", cpus] if cpus else []


class Sim:
    """evalbridge-sim as a child process with the given scenario."""

    def __init__(self, args, ws, scenario, cpus=None, startup_timeout=1800):
        self.ws = ws
        path = os.path.join(ws, "scenario.json")
        with open(path, "w") as f:
            json.dump(scenario, f)
        port_file = os.path.join(ws, "sim.json")
        self.log = open(os.path.join(ws, "sim.log"), "w")
        self.cmd = pin(cpus) + [args.sim, "--scenario", path, "--port-file", port_file]
        started = time.monotonic()
        self.proc = subprocess.Popen(self.cmd, stdout=self.log, stderr=subprocess.STDOUT)
        while not os.path.exists(port_file):
            if self.proc.poll() is not None:
                raise RuntimeError("evalbridge-sim exited %s (see %s)" % (self.proc.returncode, self.log.name))
            if time.monotonic() - started > startup_timeout:
                self.stop()
                raise RuntimeError("evalbridge-sim did not start within %d s" % startup_timeout)
            time.sleep(0.05)
        self.startup_s = time.monotonic() - started
        with open(port_file) as f:
            self.state = json.loads(f.readline())
        self.control = self.state["control"]
        self.servicenow = self.state["servicenow"]

    def latency(self, ms):
        call(self.control + "/control/faults", "POST", {"server": "servicenow", "kind": "latency", "latencyMs": ms})

    def incidents(self):
        return len(call(self.control + "/control/incidents")["result"])

    def requests(self):
        return call(self.control + "/control/requests?since=0")["requests"]

    def clear_requests(self):
        call(self.control + "/control/requests", "DELETE")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def org_entry(i, count, failing, first, spacing):
    return {"name": "org-%04d" % i, "orgId": "00000000-0000-4000-8000-%012d" % i, "orgName": "Org %d" % i,
            "clientId": "client-%04d" % i, "clientSecret": "org-secret", "evaluationCount": count,
            "failingShare": failing, "firstEvaluation": utc(first), "spacingSeconds": spacing, "seed": i + 1}


def write_config(ws, sim, scenario, concurrency, start_from, search=None, source=None):
    with open(os.path.join(ws, "org.secret"), "w") as f:
        f.write("org-secret\n")
    with open(os.path.join(ws, "sn.secret"), "w") as f:
        f.write(SN_PASSWORD + "\n")
    orgs = []
    for org in scenario["orgs"]:
        url = sim.state["orgs"][org["name"]]["url"]
        orgs.append({"name": org["name"], "orgId": org["orgId"], "region": "us-east-1", "apiBase": url,
                     "loginBase": url, "clientId": org["clientId"], "clientSecret": "${file:org.secret}",
                     "mapping": MAPPING, "startFrom": utc(start_from)})
        if source:
            orgs[-1]["source"] = source
    genesys = {"orgs": orgs}
    if source == "export":
        genesys["export"] = {"maxWindow": "P30D", "pollInitialMs": 10, "pollMaxMs": 100, "pageSize": 1000}
    if search:
        genesys["search"] = search
    config = {"ledger": {"path": "ledger.db"}, "genesys": genesys,
              "servicenow": {"instanceUrl": sim.servicenow,
                             "auth": {"type": "basic", "username": SN_USER, "password": "${file:sn.secret}"},
                             "maxConcurrency": concurrency, "maxRequestsPerSecond": 10000,
                             "retry": {"maxAttempts": 5, "initialMs": 20, "maxMs": 200, "maxElapsedS": 60}}}
    path = os.path.join(ws, "evalbridge.json")
    with open(path, "w") as f:
        json.dump(config, f, indent=1)
    return path


def measured(args, ws, name, cmd, cpus=None):
    """Runs cmd under evalbridge-rusage; returns (cost dict, full command)."""
    out = os.path.join(ws, name + ".rusage.json")
    full = [args.rusage, "--out", out, "--"] + pin(cpus) + cmd
    with open(os.path.join(ws, name + ".stdout"), "w") as so, open(os.path.join(ws, name + ".stderr"), "w") as se:
        try:
            subprocess.run(full, stdout=so, stderr=se, cwd=ws, timeout=args.case_timeout_s)
        except subprocess.TimeoutExpired:
            raise RuntimeError("%s: no result within %d s" % (name, args.case_timeout_s))
    with open(out) as f:
        cost = json.load(f)
    cost["cpuS"] = cost["userS"] + cost["sysS"]
    if cost["exit"] != 0:
        with open(os.path.join(ws, name + ".stderr")) as f:
            tail = f.read()[-600:]
        NOTES.append("%s exited %d: %s" % (name, cost["exit"], tail.strip().replace("\n", " | ")))
    return cost, full


def ledger_bytes(ws, name):
    return sum(os.path.getsize(os.path.join(ws, name + s)) for s in ("", "-wal")
               if os.path.exists(os.path.join(ws, name + s)))


def shown(cmd, ws):
    return " ".join(shlex.quote(c.replace(ws, "$WS")) for c in cmd)


def remember(command):
    """A (label, command line) for the list printed at the end: once, however many rounds ran it."""
    if command not in COMMANDS:
        COMMANDS.append(command)


def row(figure, value, yardstick, ratio, target, ok=None):
    verdict = "" if ok is None else ("ok" if ok else "MISS")
    ROWS.append((figure, value, yardstick, ratio, target, verdict))
    print("%-58s %14s  %-26s %7s  %-14s %s" % (figure, value, yardstick, ratio, target, verdict), flush=True)


# ---------------------------------------------------------------- delivery (incidents per second)

WRK_LUA = """wrk.method = "POST"
wrk.path = "/api/now/table/incident"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"
wrk.headers["Authorization"] = "Basic %s"
wrk.body = %s
"""


def incident_body():
    return json.dumps({"short_description": "QA fail: Agent One scored 55 on Billing Form",
                       "description": "Conversation c-1 evaluated by Evaluator One.\n", "urgency": "2",
                       "assignment_group": "Billing QA", "category": "inquiry",
                       "correlation_id": "evalbridge:00000000-0000-4000-8000-000000000001:wrk",
                       "correlation_display": "evalbridge"})


def wrk_ceiling(args, connections, latency_ms, seconds, sim_cpus, client_cpus, label):
    ws = tempfile.mkdtemp(prefix="eb-wrk-", dir=args.tmp)
    sim = Sim(args, ws, {"orgs": [org_entry(1, 0, 0.0, dt.datetime(2026, 1, 1), 1)]}, cpus=sim_cpus)
    try:
        sim.latency(latency_ms)
        basic = base64.b64encode(("%s:%s" % (SN_USER, SN_PASSWORD)).encode()).decode()
        lua = os.path.join(ws, "post.lua")
        with open(lua, "w") as f:
            f.write(WRK_LUA % (basic, json.dumps(incident_body())))
        threads = min(2, connections)
        cmd = pin(client_cpus) + ["wrk", "-t%d" % threads, "-c%d" % connections, "-d%ds" % seconds, "-s", lua,
                                  sim.servicenow + "/api/now/table/incident"]
        out = subprocess.run(cmd, capture_output=True, text=True).stdout
        rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
        bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
        errors = re.search(r"Socket errors:.*", out)
        if bad or errors:
            NOTES.append("wrk %s: %s %s" % (label, bad.group(0) if bad else "", errors.group(0) if errors else ""))
        remember(("ceiling " + label, shown(sim.cmd, ws) + "  +  POST $CONTROL/control/faults "
                         '{"server":"servicenow","kind":"latency","latencyMs":%d}  +  ' % latency_ms +
                         shown(cmd, ws).replace(sim.servicenow, "$SERVICENOW")))
        return rate
    finally:
        sim.stop()
        shutil.rmtree(ws, ignore_errors=True)


def bridge_rate(args, connections, latency_ms, incidents, sim_cpus, bridge_cpus, label, source):
    ws = tempfile.mkdtemp(prefix="eb-del-", dir=args.tmp)
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    first = now - dt.timedelta(seconds=incidents + 3600)
    org = org_entry(1, incidents, 1.0, first, 1)
    if source == "export":  # one pre-signed download document: the source is out of the way
        org.update({"useDownloadUrl": True, "jobPollsUntilDone": 0})
    scenario = {"orgs": [org]}
    sim = Sim(args, ws, scenario, cpus=sim_cpus)
    try:
        sim.latency(latency_ms)
        config = write_config(ws, sim, scenario, connections, first - dt.timedelta(hours=1),
                              search={"maxConcurrency": args.search_concurrency}, source=source)
        cost, cmd = measured(args, ws, "bridge", [args.bridge, "--config", config, "--quiet", "sync", "--once"],
                             cpus=bridge_cpus)
        posts = sorted(r["time"] for r in sim.requests() if r["server"] == "servicenow" and r["method"] == "POST")
        created = sim.incidents()
        window = (posts[-1] - posts[0] + latency_ms / 1000.0) if posts else float("nan")
        rate = created / window if posts else 0.0
        if created != incidents:
            NOTES.append("delivery %s: %d incidents for %d evaluations" % (label, created, incidents))
        remember(("bridge " + label, shown(sim.cmd, ws) + "  +  latency fault %d ms  +  " % latency_ms +
                         shown(cmd, ws) + "   (rate = incidents / (last POST arrival - first + latency), from "
                         "GET /control/requests)"))
        return rate, cost, created
    finally:
        sim.stop()
        shutil.rmtree(ws, ignore_errors=True)


def delivery(args):
    # The target rows use the export source (one pre-signed download): the search source adds a
    # search round trip per 100 evaluations (and the simulator's search work) to what is measured;
    # the search rows show that, and are reported, not judged.
    seconds = 3 if args.quick else 10
    cases = [(8, 20, 400 if args.quick else 2000, None, None, "8 x 20 ms", 0.95, "export"),
             (32, 2, 1000 if args.quick else 4000, None, None, "32 x 2 ms", 0.8, "export"),
             (32, 2, 1000 if args.quick else 4000, "0", "1", "32 x 2 ms, sim CPU 0 / bridge CPU 1", 0.8, "export"),
             (8, 20, 1000, None, None, "8 x 20 ms", None, "search"),
             (32, 2, 1000, None, None, "32 x 2 ms", None, "search")]
    # A judged case alternates the raw ceiling and the bridge for --delivery-rounds rounds (a fresh
    # simulator each) and divides the medians: on this VM the pinned ceiling alone has measured
    # from 1,400/s to 7,300/s from one run to the next. Each run is printed beside the medians.
    ceilings = {}
    for conns, lat, n, sim_cpus, client_cpus, label, target, source in cases:
        rounds = max(1, args.delivery_rounds) if target and not args.quick else 1
        runs = []
        for _ in range(rounds):
            if label not in ceilings or target:
                ceilings.setdefault(label, []).append(
                    wrk_ceiling(args, conns, lat, seconds, sim_cpus, client_cpus, label))
            runs.append(bridge_rate(args, conns, lat, n, sim_cpus, client_cpus, label + ", " + source, source))
        ceiling = statistics.median(ceilings[label])
        rate = statistics.median(r[0] for r in runs)
        cpu_us = statistics.median(r[1]["cpuS"] / max(r[2], 1) * 1e6 for r in runs)
        created = min(r[2] for r in runs)
        ratio = rate / ceiling
        shown_rounds = " (median of %d)" % len(runs) if len(runs) > 1 else ""
        row("incidents/s %s, %s source (%d incidents)%s" % (label, source, created, shown_rounds), "%.0f/s" % rate,
            "wrk %.0f/s (ideal %d)" % (ceiling, conns * 1000 // lat), "%.2f" % ratio,
            ">= %.2f" % target if target else "(reported)", ratio >= target if target else None)
        if len(runs) > 1:
            row("  each run, %s, %s" % (label, source), " / ".join("%.0f" % r[0] for r in runs),
                "wrk " + " / ".join("%.0f" % c for c in ceilings[label]), "-", "(reported)")
        row("  bridge CPU per incident, %s, %s" % (label, source), "%.0f us" % cpu_us, "-", "-", "(reported)")

# ---------------------------------------------------------------- one org, many evaluations

def export_case(args, count, together, share=0.01):
    """Bridge and plain_sync.py over the same scenario: one after the other on a fresh simulator
    each, or (together=True, to halve the time the simulator's O(count)-per-page search costs)
    at the same time against one simulator, each with its own ledger."""
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    # The simulator spaces evaluations by whole seconds: all of them must lie before "now", or the
    # sweep (which stops at now) reads only part of the org (2,000,000 need 23 days at 1 s).
    span = max(3 * 86400, count)
    spacing = max(1, span // count)
    first = now - dt.timedelta(seconds=span + 3600)
    scenario = {"orgs": [org_entry(1, count, share, first, spacing)]}
    results = {}

    def start(who, ws, sim):
        config = write_config(ws, sim, scenario, 8, first - dt.timedelta(hours=1))
        cmd = ([args.bridge, "--config", config, "--quiet", "sync", "--once"] if who == "bridge"
               else [args.python, PLAIN, "--config", config])
        out = os.path.join(ws, who + ".rusage.json")
        full = [args.rusage, "--out", out, "--"] + cmd
        so, se = open(os.path.join(ws, who + ".stdout"), "w"), open(os.path.join(ws, who + ".stderr"), "w")
        return subprocess.Popen(full, stdout=so, stderr=se, cwd=ws), full

    def finish(who, ws, proc, full, sim):
        proc.wait()
        with open(os.path.join(ws, who + ".rusage.json")) as f:
            cost = json.load(f)
        cost["cpuS"] = cost["userS"] + cost["sysS"]
        if cost["exit"] != 0:
            with open(os.path.join(ws, who + ".stderr")) as f:
                NOTES.append("%s (%d evaluations) exited %d: %s" % (who, count, cost["exit"], f.read()[-400:]))
        cost["ledgerBytes"] = ledger_bytes(ws, "ledger.db")
        if who == "script":
            with open(os.path.join(ws, "script.stdout")) as f:
                cost["incidents"] = json.loads(f.read().strip().splitlines()[-1])["created"]
        COMMANDS.append(("%s, %d evaluations%s" % (who, count, " (bridge and script at once)" if together else ""),
                         shown(sim.cmd, ws) + "  +  " + shown(full, ws)))
        results[who] = cost

    wss = {who: tempfile.mkdtemp(prefix="eb-exp-", dir=args.tmp) for who in ("bridge", "script")}
    if together:
        sim = Sim(args, wss["bridge"], scenario)
        try:
            running = {who: start(who, wss[who], sim) for who in ("bridge", "script")}
            for who, (proc, full) in running.items():
                finish(who, wss[who], proc, full, sim)
            results["bridge"]["incidents"] = sim.incidents() - results["script"]["incidents"]
        finally:
            sim.stop()
    else:
        for who in ("bridge", "script"):
            sim = Sim(args, wss[who], scenario)
            try:
                proc, full = start(who, wss[who], sim)
                finish(who, wss[who], proc, full, sim)
                if who == "bridge":
                    results[who]["incidents"] = sim.incidents()
            finally:
                sim.stop()
    for ws in wss.values():
        shutil.rmtree(ws, ignore_errors=True)
    return results


def report_export(count, together, results):
    b, s = results["bridge"], results["script"]
    skipped = count - b["incidents"]
    label = "%s evaluations, 1%% match" % format(count, ",")
    # The targets: at 200,000 a tenth of the script's CPU; at every size a peak RSS of
    # 20 MiB (flat) and at most 150 bytes of ledger per skipped evaluation.
    cpu_ratio = b["cpuS"] / s["cpuS"]
    row("%s: bridge CPU s (user+sys)" % label, "%.2f s" % b["cpuS"], "script %.2f s" % s["cpuS"],
        "%.2f" % cpu_ratio, *(("<= 0.1 x script", cpu_ratio <= 0.1) if count == 200000 else ("(reported)",)))
    row("%s: wall s%s" % (label, ", both at once" if together else ""), "%.1f s" % b["wallS"],
        "script %.1f s" % s["wallS"], "%.2f" % (b["wallS"] / s["wallS"]), "(reported)")
    row("%s: peak RSS" % label, "%.1f MiB" % (b["maxRssKb"] / 1024), "script %.1f MiB" % (s["maxRssKb"] / 1024),
        "%.2f" % (b["maxRssKb"] / s["maxRssKb"]), "<= 20 MiB", b["maxRssKb"] <= 20 * 1024)
    bps, sps = b["ledgerBytes"] / skipped, s["ledgerBytes"] / max(count - s["incidents"], 1)
    row("%s: ledger bytes per skipped evaluation" % label, "%.0f B" % bps, "script %.0f B" % sps,
        "%.2f" % (bps / sps), "<= 150 B", bps <= 150)
    row("%s: incidents created" % label, "%d" % b["incidents"], "script %d" % s["incidents"], "-",
        "equal", b["incidents"] == s["incidents"])


def median_cost(costs):
    """Each figure's median over the runs (the lower middle one of an even count)."""
    return {k: statistics.median_low(c[k] for c in costs) for k in costs[0]}


def median_run(runs):
    """The run whose bridge CPU is the median (the lower middle one of an even count)."""
    ordered = sorted(runs, key=lambda r: r["bridge"]["cpuS"])
    return ordered[(len(ordered) - 1) // 2]


def exports(args):
    # --repeat K measures each size K times (a fresh simulator each) and reports the run with the
    # median bridge CPU: this VM's speed drifts from minute to minute, and the linearity figure
    # divides two sizes measured at different moments.
    sizes = [1000] if args.quick else args.sizes
    measured_sizes = {}
    for count in sizes:
        together = count >= 10000
        runs = [export_case(args, count, together) for _ in range(max(1, args.repeat))]
        measured_sizes[count] = median_run(runs)
        report_export(count, together, measured_sizes[count])
        if len(runs) > 1:
            row("%s evaluations: bridge CPU s of %d runs (median above)" % (format(count, ","), len(runs)),
                " / ".join("%.2f" % r["bridge"]["cpuS"] for r in runs),
                "script " + " / ".join("%.2f" % r["script"]["cpuS"] for r in runs), "-", "(reported)")
    if len(measured_sizes) >= 2:
        small, large = min(measured_sizes), max(measured_sizes)
        for who in ("bridge", "script"):
            per_small = measured_sizes[small][who]["cpuS"] / small
            per_large = measured_sizes[large][who]["cpuS"] / large
            row("%s CPU per evaluation, %s vs %s (linearity)" % (who, format(large, ","), format(small, ",")),
                "%.1f us" % (per_large * 1e6), "%s: %.1f us" % (format(small, ","), per_small * 1e6),
                "%.2f" % (per_large / per_small), "<= 1.2" if who == "bridge" else "(reported)",
                per_large / per_small <= 1.2 if who == "bridge" else None)
    if 200000 not in measured_sizes:
        row("200,000 evaluations, 1% match", "not run", "-", "-", "-")
        NOTES.append("200,000 evaluations in one org were not run (--sizes 20000,200000 runs them; ~1 min here)")


# ---------------------------------------------------------------- many orgs

def orgs_scenario(orgs, per_org):
    """`per_org` evaluations an hour apart in each org, 30% failing, from 25 days ago; returns the
    first one's date and the scenario."""
    today = dt.datetime.now(dt.timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
    first = today - dt.timedelta(days=25)
    return first, {"orgs": [org_entry(i, per_org, 0.3, first, 3600) for i in range(orgs)]}


def orgs_case(args, orgs, per_org, with_script, search=None):
    # Read from a day before the first evaluation: the script reads the 27 days in one-day
    # windows; the bridge's windows adapt unless `search` sets maxWindow.
    first, scenario = orgs_scenario(orgs, per_org)
    results = {}
    for who in (("bridge", "script") if with_script else ("bridge",)):
        ws = tempfile.mkdtemp(prefix="eb-orgs-", dir=args.tmp)
        sim = Sim(args, ws, scenario)
        try:
            config = write_config(ws, sim, scenario, 8, first - dt.timedelta(days=1), search=search)
            cmd = ([args.bridge, "--config", config, "--quiet", "sync", "--once"] if who == "bridge"
                   else [args.python, PLAIN, "--config", config])
            cost, full = measured(args, ws, who, cmd)
            cost["incidents"] = sim.incidents()
            results[who] = cost
            remember(("%s, %d orgs x %d" % (who, orgs, per_org), shown(sim.cmd, ws) + "  +  " + shown(full, ws)))
        finally:
            sim.stop()
            shutil.rmtree(ws, ignore_errors=True)
    return results


def many_orgs(args):
    n = 10 if args.quick else 100
    # Bridge and script alternate, a fresh simulator each, for --orgs-rounds rounds: on this VM one
    # run of either moves by 10-40% from minute to minute, more than the margin the CPU target is
    # judged by. The ratio is of the two medians; every run is printed beside it.
    rounds = [orgs_case(args, n, 20, True) for _ in range(max(1, args.orgs_rounds))]
    r = {who: median_cost([x[who] for x in rounds]) for who in ("bridge", "script")}
    b, s = r["bridge"], r["script"]
    label = "%d orgs x 20 evaluations" % n
    row("%s: bridge peak RSS" % label, "%.1f MiB" % (b["maxRssKb"] / 1024), "script %.1f MiB" % (s["maxRssKb"] / 1024),
        "%.2f" % (b["maxRssKb"] / s["maxRssKb"]), "<= 40 MiB", b["maxRssKb"] <= 40 * 1024)
    cpu_ratio = b["cpuS"] / s["cpuS"]
    row("%s: bridge CPU s (median of %d)" % (label, len(rounds)), "%.2f s" % b["cpuS"], "script %.2f s" % s["cpuS"],
        "%.2f" % cpu_ratio, "<= 0.20", None if args.quick else cpu_ratio <= 0.2)
    if len(rounds) > 1:
        row("%s: CPU s of each run" % label, " / ".join("%.2f" % x["bridge"]["cpuS"] for x in rounds),
            "script " + " / ".join("%.2f" % x["script"]["cpuS"] for x in rounds), "-", "(reported)")
    row("%s: wall s" % label, "%.2f s" % b["wallS"], "script %.2f s" % s["wallS"],
        "%.2f" % (b["wallS"] / s["wallS"]), "(reported)")
    row("%s: incidents" % label, "%d" % b["incidents"], "script %d" % s["incidents"], "-", "equal, every run",
        all(x["bridge"]["incidents"] == x["script"]["incidents"] for x in rounds))
    # The same requests as the script (one-day windows): what the bridge costs per request.
    same = orgs_case(args, n, 20, False, search={"maxWindow": "P1D"})["bridge"]
    row("%s: bridge CPU s, maxWindow P1D (the script's windows)" % label, "%.2f s" % same["cpuS"],
        "script %.2f s" % s["cpuS"], "%.2f" % (same["cpuS"] / s["cpuS"]), "(reported)")
    for extra in ([] if args.quick else [10, 1000]):
        try:
            rb = orgs_case(args, extra, 20, False)["bridge"]
            row("%d orgs x 20 evaluations: bridge peak RSS" % extra, "%.1f MiB" % (rb["maxRssKb"] / 1024),
                "100 orgs %.1f MiB" % (b["maxRssKb"] / 1024), "%.2f" % (rb["maxRssKb"] / b["maxRssKb"]),
                "(reported)")
            row("%d orgs x 20 evaluations: bridge CPU s / wall s" % extra, "%.2f / %.1f s" % (rb["cpuS"], rb["wallS"]),
                "-", "-", "(reported)")
        except Exception as e:  # e.g. the simulator cannot start that many servers
            NOTES.append("%d orgs: not measured: %s" % (extra, e))
            row("%d orgs x 20 evaluations: bridge peak RSS" % extra, "not run", "-", "-", "(reported)")


# ---------------------------------------------------------------- idle (`run`, nothing new)

def process_cpu_s(pid):
    fields = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def idle_orgs(args):
    n = 10 if args.quick else 100
    interval_s, measured_s = 5, 10 if args.quick else 30
    first, scenario = orgs_scenario(n, 20)
    ws = tempfile.mkdtemp(prefix="eb-idle-", dir=args.tmp)
    sim = Sim(args, ws, scenario)
    bridge = None
    try:
        path = write_config(ws, sim, scenario, 8, first - dt.timedelta(days=1))
        with open(path) as f:
            config = json.load(f)
        config["sync"] = {"intervalS": interval_s, "pullIntervalS": interval_s}
        for org in config["genesys"]["orgs"]:
            org["notifications"] = False  # the sweep alone: what every cycle costs
        config["server"] = {"listen": "127.0.0.1:0"}
        with open(path, "w") as f:
            json.dump(config, f, indent=1)
        cmd = [args.bridge, "--config", path, "--quiet", "run"]
        remember(("idle run, %d orgs" % n, shown(sim.cmd, ws) + "  +  " + shown(cmd, ws)))
        with open(os.path.join(ws, "idle.stdout"), "w") as out, open(os.path.join(ws, "idle.stderr"), "w") as err:
            bridge = subprocess.Popen(cmd, cwd=ws, stdout=out, stderr=err)
        # Idle from the first cycle that creates nothing: the incident count holds for two cycles.
        seen, still_since, deadline = -1, time.monotonic(), time.monotonic() + args.case_timeout_s
        while time.monotonic() - still_since < 2 * interval_s:
            if time.monotonic() > deadline or bridge.poll() is not None:
                with open(os.path.join(ws, "idle.stderr")) as f:
                    tail = f.read()[-600:].strip().replace("\n", " | ")
                raise RuntimeError("the daemon did not settle (exit %s): %s" % (bridge.poll(), tail))
            count = sim.incidents()
            if count != seen:
                seen, still_since = count, time.monotonic()
            time.sleep(0.5)
        sim.clear_requests()
        cpu_before, started = process_cpu_s(bridge.pid), time.monotonic()
        time.sleep(measured_s)
        cpu = process_cpu_s(bridge.pid) - cpu_before
        cycles = (time.monotonic() - started) / interval_s
        requests = sim.requests()
    finally:
        if bridge is not None and bridge.poll() is None:
            bridge.send_signal(signal.SIGTERM)
            bridge.wait(60)
        sim.stop()
        shutil.rmtree(ws, ignore_errors=True)
    genesys = sum(1 for r in requests if r["server"] not in ("servicenow", "control"))
    per_cycle = genesys / n / cycles
    label = "idle run, %d orgs, a sweep every %d s" % (n, interval_s)
    row("%s: Genesys requests per org and cycle" % label, "%.2f" % per_cycle, "floor 1 (the search)",
        "%.2f" % per_cycle, "(reported)")
    row("%s: CPU per org and cycle" % label, "%.2f ms" % (1000 * cpu / n / cycles), "-", "-", "(reported)")


def percentile(values, p):
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = max(0, min(len(ordered) - 1, int(round(p / 100.0 * len(ordered) + 0.5)) - 1))
    return ordered[k]


def push_latency(args):
    seconds = 10 if args.quick else 60
    rate = 50.0
    latency_ms = 20
    now = dt.datetime.utcnow()
    scenario = {"orgs": [dict(org_entry(i, 5, 1.0, now - dt.timedelta(hours=1), 1), heartbeatIntervalS=30)
                         for i in range(3)]}
    ws = tempfile.mkdtemp(prefix="eb-push-", dir=args.tmp)
    sim = Sim(args, ws, scenario)
    bridge = None
    try:
        sim.latency(latency_ms)
        config_path = write_config(ws, sim, scenario, 8, now - dt.timedelta(hours=2), source="search")
        with open(config_path) as f:
            config = json.load(f)
        config["sync"] = {"intervalS": 3600}  # the startup sweep only: what follows comes by push
        config["server"] = {"listen": "127.0.0.1:0"}
        with open(config_path, "w") as f:
            json.dump(config, f, indent=1)
        port_file = os.path.join(ws, "bridge.port")
        cmd = [args.bridge, "--config", config_path, "--quiet", "run", "--port-file", port_file]
        bridge = subprocess.Popen(cmd, cwd=ws, stdout=subprocess.DEVNULL,
                                  stderr=open(os.path.join(ws, "bridge.log"), "w"))
        deadline = time.monotonic() + 60
        ready = None
        while time.monotonic() < deadline:
            if os.path.exists(port_file):
                with open(port_file) as f:
                    address = f.read().strip()
                try:
                    ready = call("http://%s/readyz" % address)
                except Exception as e:  # 503 until the first cycle of every org
                    ready = None
                if ready and ready.get("ready") and all(
                        v.get("state") == "connected" for v in ready.get("push", {}).values()) and \
                        len(ready.get("push", {})) == 3:
                    break
            time.sleep(0.1)
        else:
            raise RuntimeError("run did not get ready with 3 connected channels: %s" % ready)
        baseline = sim.incidents()
        sim.clear_requests()
        submitted = {}  # evaluation id -> submit time (Unix seconds)
        names = [o["name"] for o in scenario["orgs"]]
        start = time.time()
        n = int(seconds * rate)
        for i in range(n):
            target = start + i / rate
            pause = target - time.time()
            if pause > 0:
                time.sleep(pause)
            at = time.time()
            ids = call(sim.control + "/control/orgs/%s/evaluations" % names[i % 3], "POST",
                       {"count": 1, "from": utc(dt.datetime.utcnow() - dt.timedelta(seconds=1))})["ids"]
            submitted[ids[0]] = at
        achieved = n / (time.time() - start)
        deadline = time.monotonic() + 60
        while sim.incidents() - baseline < n and time.monotonic() < deadline:
            time.sleep(0.2)
        created = {}
        duplicates = 0
        for r in sim.requests():
            if r["server"] != "servicenow" or r["method"] != "POST" or r["path"] != "/api/now/table/incident" \
                    or r["status"] != 201:
                continue
            evaluation = json.loads(r["body"]).get("correlation_id", "").rsplit(":", 1)[-1]
            if evaluation in created:
                duplicates += 1
            created[evaluation] = r["time"] + latency_ms / 1000.0  # stored once the 20 ms have passed
        lat = [created[e] - t for e, t in submitted.items() if e in created]
        missing = len([e for e in submitted if e not in created])
        ms = lambda v: "%.0f ms" % (v * 1000)
        label = "push: submit -> incident, 3 orgs, %.0f/s for %d s, SN %d ms" % (achieved, seconds, latency_ms)
        floor = latency_ms / 1000.0
        row(label + ": p50", ms(percentile(lat, 50)), "floor %d ms" % latency_ms,
            "%.1f" % (percentile(lat, 50) / floor), "<= 250 ms", percentile(lat, 50) <= 0.25)
        row(label + ": p90", ms(percentile(lat, 90)), "-", "-", "(reported)")
        row(label + ": p99", ms(percentile(lat, 99)), "-", "-", "<= 1000 ms", percentile(lat, 99) <= 1.0)
        row(label + ": max", ms(max(lat) if lat else float("nan")), "-", "-", "(reported)")
        row(label + ": incidents", "%d of %d" % (len(lat), n), "duplicates %d" % duplicates, "-", "all, once",
            missing == 0 and duplicates == 0)
        COMMANDS.append(("push latency", shown(sim.cmd, ws) + "  +  " + shown(cmd, ws) +
                         "  +  POST /control/orgs/{org}/evaluations at %.0f/s" % rate))
    finally:
        if bridge is not None and bridge.poll() is None:
            bridge.send_signal(signal.SIGTERM)
            try:
                bridge.wait(60)
            except subprocess.TimeoutExpired:
                bridge.kill()
        sim.stop()
        shutil.rmtree(ws, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--parts", default="delivery,export,orgs,idle,push,replicas")
    ap.add_argument("--case-timeout-s", type=int, default=900, help="bound on one measured command")
    ap.add_argument("--sizes", default="2000,10000", help="evaluation counts of the one-org case")
    ap.add_argument("--repeat", type=int, default=1,
                    help="runs of each one-org size; the run with the median bridge CPU is reported")
    ap.add_argument("--delivery-rounds", type=int, default=3,
                    help="alternated ceiling and bridge runs of each judged delivery case; medians are judged")
    ap.add_argument("--orgs-rounds", type=int, default=5,
                    help="alternated bridge and script runs of the 100-org case; medians are judged")
    ap.add_argument("--search-concurrency", type=int, default=4, help="genesys.search.maxConcurrency (default 4)")
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--json", help="write rows, commands and notes here")
    replicas.add_options(ap)
    args = ap.parse_args()
    args.sizes = [int(x) for x in args.sizes.split(",")]
    build = os.path.abspath(args.build)
    args.bridge = os.path.join(build, "evalbridge")
    args.sim = os.path.join(build, "evalbridge-sim")
    args.rusage = os.path.join(build, "bench", "evalbridge-rusage")
    args.tmp = tempfile.mkdtemp(prefix="evalbridge-bench-", dir=build)
    print("%-58s %14s  %-26s %7s  %-14s %s" % ("figure", "value", "ceiling / yardstick", "ratio", "target", ""))
    parts = args.parts.split(",")
    try:
        if "delivery" in parts:
            delivery(args)
        if "export" in parts:
            exports(args)
        if "orgs" in parts:
            many_orgs(args)
        if "idle" in parts:
            idle_orgs(args)
        if "push" in parts:
            push_latency(args)
        if "replicas" in parts:
            replicas.run(args, sys.modules[__name__])
    finally:
        shutil.rmtree(args.tmp, ignore_errors=True)
    for note in NOTES:
        print("note: " + note)
    print("\ncommands ($WS = the case's temporary folder; BUILD = %s):" % build)
    for figure, cmd in COMMANDS:
        print("  %s: %s" % (figure, cmd.replace(build, "BUILD")))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"rows": ROWS, "commands": COMMANDS, "notes": NOTES}, f, indent=1)
    return 1 if any(r[5] == "MISS" for r in ROWS) else 0


if __name__ == "__main__":
    sys.exit(main())
