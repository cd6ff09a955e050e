#!/usr/bin/env python3
"""replicas.py: `evalbridge run` replicas sharing one PostgreSQL ledger (the bench part "replicas").

    python3 bench/bench.py --build BUILD_DIR --parts replicas [--quick] [--replica-kills N] [--replica-conns 2,8]
    python3 bench/replicas.py --build BUILD_DIR [the same options]        # this part alone

A throwaway PostgreSQL 15 cluster (initdb in a temp dir, owned by the `postgres` user when run as
root, fsync off, password auth over TCP), a fresh database per case, evalbridge-sim with 12 orgs
(search source, no notification channels, no write-back) and a latency fault on ServiceNow POSTs,
and N `evalbridge --config CFG --log-format json run --port-file FILE` replicas with
"ledger": {"url", "password", "leaseTtlS": 3}.

Figures (one line each, beside its yardstick):
  throughput  incidents/s with 1, 2 and 3 replicas sharing the 12 orgs, for each ServiceNow
              concurrency C per replica (--replica-conns): the replicas start on empty orgs, the
              leases spread evenly, then a fixed backlog (all failing) is added to every org;
              rate = incidents / (last incident POST arrival - first + latency) from the
              simulator's request log. Beside it: the 1-replica figure (yardstick) and the ideal
              R x C / latency; the CPU the replicas and the simulator used and how busy the
              machine's CPUs were meanwhile (a 2-CPU machine caps it when that nears 100%). Then the
              same backlog through one `run` on an embedded SQLite ledger (no leases): the
              single-process reference, to show what the shared ledger costs a replica.
  takeover    3 replicas delivering a backlog; one is SIGKILLed; time from the kill to the moment
              every org it held has a live lease held by another replica (org_leases, database
              clock: the new lease's acquired_at; checked with expires_at > now). A replacement
              replica is started and the leases spread again before the next kill. Median and
              max over --replica-kills kills, against TTL + one renewal (3 s + 1 s); default TTL
              30 s (bound 40 s) for context.
  exactly-once  per run: every added evaluation is one incident (correlation_id), none twice,
              and the ledger has nothing left pending.
"""
import argparse
import collections
import datetime as dt
import json
import os
import secrets
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

PG_BIN = "/usr/lib/postgresql/15/bin"
ORGS = 12
TTL_S = 3              # ledger.leaseTtlS of every case; renewed every TTL/3
DEFAULT_TTL_S = 30     # Config.h default, for context
LATENCY_MS = 20        # ServiceNow POST latency fault
CLK_TCK = os.sysconf("SC_CLK_TCK")


def now_utc():
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0, tzinfo=None)


# ---------------------------------------------------------------- PostgreSQL

class Postgres:
    """A throwaway PostgreSQL 15 cluster (the recipe of tests/support/PostgresServer.h): trust on
    its Unix socket (in its own dir), scram-sha-256 over TCP on 127.0.0.1, role `evalbridge`."""

    def __init__(self):
        if not os.path.exists(os.path.join(PG_BIN, "initdb")):
            raise RuntimeError("PostgreSQL 15 is not installed (no %s/initdb): install postgresql-15" % PG_BIN)
        # In /tmp, not in the bench's own (0700, root's) temp dir: the postgres user must reach it.
        self.dir = tempfile.mkdtemp(prefix="eb-pg-")
        self.data = os.path.join(self.dir, "data")
        self.logfile = os.path.join(self.dir, "server.log")
        self.password = secrets.token_hex(16)
        self.port = None
        if os.geteuid() == 0:  # PostgreSQL refuses root: the cluster belongs to `postgres`
            import pwd
            owner = pwd.getpwnam("postgres")
            os.chown(self.dir, owner.pw_uid, owner.pw_gid)
        try:
            self._owner([os.path.join(PG_BIN, "initdb"), "-D", self.data, "-U", "postgres", "-A", "trust",
                         "--auth-host=scram-sha-256", "-E", "UTF8", "--no-locale", "--no-sync"])
            self._start()
            self.sql("postgres", "CREATE ROLE evalbridge LOGIN PASSWORD '%s'" % self.password)
        except Exception:
            self.stop()
            raise

    def _owner(self, cmd):
        if os.geteuid() == 0:
            cmd = ["/usr/sbin/runuser", "-u", "postgres", "--"] + cmd
        r = subprocess.run(cmd, cwd=self.dir, capture_output=True, text=True)
        if r.returncode != 0:
            log = open(self.logfile).read()[-2000:] if os.path.exists(self.logfile) else ""
            what = next(os.path.basename(c) for c in cmd if c.startswith(PG_BIN))
            raise RuntimeError("%s failed (%d): %s%s\n%s" % (what, r.returncode, r.stdout, r.stderr, log))
        return r

    def _start(self):
        for attempt in range(1, 4):
            with socket.socket() as s:  # a port free a moment ago; tried again if taken meanwhile
                s.bind(("127.0.0.1", 0))
                self.port = s.getsockname()[1]
            opts = ("-p %d -c listen_addresses=127.0.0.1 -c unix_socket_directories=%s -c fsync=off "
                    "-c max_connections=100" % (self.port, self.dir))
            try:
                self._owner([os.path.join(PG_BIN, "pg_ctl"), "start", "-w", "-D", self.data, "-l", self.logfile,
                             "-o", opts])
                return
            except RuntimeError as e:
                if attempt == 3 or "already in use" not in str(e):
                    raise

    def cpu(self):
        """user+sys CPU seconds of the postmaster and its live children (the backends)."""
        try:
            with open(os.path.join(self.data, "postmaster.pid")) as f:
                master = int(f.readline())
        except (OSError, ValueError):
            return 0.0
        total = proc_cpu(master)
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open("/proc/%s/stat" % entry) as f:
                        fields = f.read().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(fields[1]) == master:
                    total += (int(fields[11]) + int(fields[12])) / CLK_TCK
        return total

    def create_db(self, name):
        self.sql("postgres", "CREATE DATABASE %s OWNER evalbridge" % name)
        return "postgresql://evalbridge@127.0.0.1:%d/%s" % (self.port, name)

    def psql_cmd(self, db):
        return [os.path.join(PG_BIN, "psql"), "-X", "-w", "-At", "-v", "ON_ERROR_STOP=1", "-h", self.dir,
                "-p", str(self.port), "-U", "postgres", "-d", db]

    def sql(self, db, query):
        r = subprocess.run(self.psql_cmd(db) + ["-c", query], capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError("psql: %s: %s" % (query, r.stderr.strip()))
        return r.stdout

    def stop(self):
        if os.path.exists(os.path.join(self.data, "postmaster.pid")):
            try:
                self._owner([os.path.join(PG_BIN, "pg_ctl"), "stop", "-w", "-m", "immediate", "-D", self.data])
            except RuntimeError:
                pass
        shutil.rmtree(self.dir, ignore_errors=True)


class PsqlSession:
    """One psql process kept open, so polling org_leases costs a round trip, not a process start."""
    END = "__eb_end__"

    def __init__(self, pg, db):
        cmd = pg.psql_cmd(db)
        cmd.remove("ON_ERROR_STOP=1")
        cmd.remove("-v")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True, bufsize=1)

    def query(self, sql):
        self.proc.stdin.write(sql.rstrip().rstrip(";") + ";\n\\echo " + self.END + "\n")
        self.proc.stdin.flush()
        rows = []
        while True:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError("psql session ended")
            line = line.rstrip("\n")
            if line == self.END:
                break
            if "ERROR" in line:
                raise RuntimeError("psql: %s: %s" % (sql, line))
            rows.append(line.split("|"))
        return rows

    def close(self):
        try:
            self.proc.stdin.close()
            self.proc.wait(10)
        except Exception:
            self.proc.kill()


NOW_MS = "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)"


def leases(session):
    """org_id -> (owner pid, token, live?, acquired_at s) as the database has them now."""
    out = {}
    for org, owner, token, expires, acquired, now in session.query(
            "SELECT org_id, owner, token, expires_at, acquired_at, %s FROM org_leases" % NOW_MS):
        out[org] = (owner_pid(owner), int(token), int(expires) > int(now), int(acquired) / 1000.0)
    return out


def owner_pid(owner):
    """defaultReplicaId() is host-pid-random."""
    try:
        return int(owner.rsplit("-", 2)[1])
    except (IndexError, ValueError):
        return None


def live_owners(session):
    held = collections.defaultdict(set)
    for org, (pid, _token, live, _acquired) in leases(session).items():
        if live:
            held[pid].add(org)
    return held


def evenly_spread(session, pids):
    held = live_owners(session)
    share = -(-ORGS // len(pids))
    return (set(held) == set(pids) and sum(len(v) for v in held.values()) == ORGS
            and all(len(v) <= share for v in held.values()))


def wait_for(what, predicate, timeout, step=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    raise RuntimeError("%s: not within %d s" % (what, timeout))


# ---------------------------------------------------------------- CPU accounting

def proc_cpu(pid):
    """user+sys CPU seconds of a live process (all its threads), 0 when gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK
    except (OSError, IndexError, ValueError):
        return 0.0


def machine_cpu():
    """(busy, total) jiffies of all CPUs since boot."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + v[4]
    return sum(v) - idle, sum(v)


# ---------------------------------------------------------------- the set-up

class Cluster:
    """One case: a database, a simulator with 12 orgs, the replicas' config, and the replicas."""

    def __init__(self, B, args, pg, name, conns, sqlite=False):
        self.B, self.args, self.pg = B, args, pg
        self.ws = tempfile.mkdtemp(prefix="eb-rep-%s-" % name, dir=args.tmp)
        self.db = name
        # sqlite: the single-process reference (one `run`, embedded SQLite ledger, no leases)
        self.sqlite = os.path.join(self.ws, "ledger.db") if sqlite else None
        self.url = None if sqlite else pg.create_db(name)
        self.scenario = {"orgs": [B.org_entry(i, 0, 1.0, now_utc() - dt.timedelta(hours=2), 1)
                                  for i in range(1, ORGS + 1)]}
        self.org_ids = {o["name"]: o["orgId"] for o in self.scenario["orgs"]}
        self.sim = B.Sim(args, self.ws, self.scenario)
        B.call(self.sim.control + "/control/faults", "POST",
               {"server": "servicenow", "method": "POST", "kind": "latency", "latencyMs": LATENCY_MS})
        self.session = None if sqlite else PsqlSession(pg, name)
        self.config = self._write_config(conns)
        self.replicas = {}  # pid -> (Popen, log file)
        self.serial = 0
        self.added = {}     # evaluation id -> org id

    def _write_config(self, conns):
        B, ws = self.B, self.ws
        for secret, text in (("org.secret", "org-secret"), ("sn.secret", B.SN_PASSWORD), ("pg.secret", self.pg.password)):
            with open(os.path.join(ws, secret), "w") as f:
                f.write(text + "\n")
        start_from = B.utc(now_utc() - dt.timedelta(hours=3))
        orgs = []
        for org in self.scenario["orgs"]:
            url = self.sim.state["orgs"][org["name"]]["url"]
            orgs.append({"name": org["name"], "orgId": org["orgId"], "region": "us-east-1", "apiBase": url,
                         "loginBase": url, "clientId": org["clientId"], "clientSecret": "${file:org.secret}",
                         "mapping": B.MAPPING, "startFrom": start_from, "notifications": False})
        config = {
            "ledger": ({"path": "ledger.db"} if self.sqlite else
                       {"url": self.url, "password": "${file:pg.secret}", "leaseTtlS": TTL_S}),
            # overlap 1 h: the backlog is added behind the checkpoint of the first (empty) sweep
            "genesys": {"orgs": orgs, "search": {"overlap": "PT1H"}},
            "sync": {"intervalS": 1, "pullIntervalS": 3600},
            "servicenow": {"instanceUrl": self.sim.servicenow,
                           "auth": {"type": "basic", "username": B.SN_USER, "password": "${file:sn.secret}"},
                           "maxConcurrency": conns, "maxRequestsPerSecond": 10000,
                           "retry": {"maxAttempts": 8, "initialMs": 20, "maxMs": 200, "maxElapsedS": 60}},
            "server": {"listen": "127.0.0.1:0"}}
        path = os.path.join(ws, "evalbridge.json")
        with open(path, "w") as f:
            json.dump(config, f, indent=1)
        return path

    def replica_cmd(self, port_file):
        return [self.args.bridge, "--config", self.config, "--log-format", "json", "run", "--port-file", port_file]

    def start_replica(self):
        self.serial += 1
        port_file = os.path.join(self.ws, "replica-%d.port" % self.serial)
        logf = open(os.path.join(self.ws, "replica-%d.log" % self.serial), "w")
        proc = subprocess.Popen(self.replica_cmd(port_file), cwd=self.ws, stdout=logf, stderr=subprocess.STDOUT)
        self.replicas[proc.pid] = (proc, logf)
        wait_for("replica %d listening" % self.serial,
                 lambda: os.path.exists(port_file) or proc.poll() is not None, 60)
        if proc.poll() is not None:
            raise RuntimeError("replica exited %s (see %s)" % (proc.returncode, logf.name))
        return proc.pid

    def wait_spread(self, timeout=60):
        started = time.monotonic()
        if self.sqlite:
            return 0.0
        wait_for("%d replicas holding the %d orgs evenly" % (len(self.replicas), ORGS),
                 lambda: evenly_spread(self.session, list(self.replicas)), timeout)
        return time.monotonic() - started

    def kill(self, pid):
        proc, logf = self.replicas.pop(pid)
        at = time.time()
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        logf.close()
        return at

    def add_backlog(self, per_org):
        """per_org new evaluations in every org (all failing), changedDate 1 s apart, the last 5 s ago."""
        start = now_utc() - dt.timedelta(seconds=per_org + 5)
        for name, org_id in self.org_ids.items():
            ids = self.B.call(self.sim.control + "/control/orgs/%s/evaluations" % name, "POST",
                              {"count": per_org, "from": self.B.utc(start)})["ids"]
            for i in ids:
                self.added[i] = org_id

    def ledger_count(self, where):
        sql = "SELECT count(*) FROM evaluations WHERE " + where
        if self.sqlite:
            try:
                with sqlite3.connect("file:%s?mode=ro" % self.sqlite, uri=True, timeout=5) as db:
                    return db.execute(sql).fetchone()[0]
            except sqlite3.OperationalError:  # not created yet
                return 0
        return int(self.session.query(sql)[0][0])

    def created(self):
        """Records the ledger has as created (cheap to poll; the simulator has the final word)."""
        return self.ledger_count("status = 'created'")

    def incidents(self):
        return self.B.call(self.sim.control + "/control/incidents")["result"]

    def exactly_once(self):
        """(created, expected, duplicates, missing, pending+dead in the ledger)."""
        counts = collections.Counter(i.get("correlation_id", "") for i in self.incidents())
        expected = {"evalbridge:%s:%s" % (org, ev) for ev, org in self.added.items()}
        duplicates = sum(c - 1 for c in counts.values() if c > 1)
        missing = len(expected - set(counts))
        stray = len(set(counts) - expected)
        left = self.ledger_count("status IN ('pending', 'dead')")
        return {"created": sum(counts.values()), "expected": len(expected), "duplicates": duplicates,
                "missing": missing, "stray": stray, "left": int(left or 0)}

    def log_summary(self):
        """Warnings and errors the replicas logged, grouped by logger and message (digits blanked)."""
        seen = collections.Counter()
        for entry in sorted(os.listdir(self.ws)):
            if not (entry.startswith("replica-") and entry.endswith(".log")):
                continue
            with open(os.path.join(self.ws, entry), errors="replace") as f:
                for line in f:
                    try:
                        event = json.loads(line)
                    except ValueError:
                        continue
                    if event.get("level") in ("warning", "error", "critical", "fatal"):
                        text = "".join("#" if ch.isdigit() else ch for ch in str(event.get("message", "")))[:90]
                        seen[(event.get("level"), event.get("logger", ""), text)] += 1
        return seen

    def stop(self):
        for pid, (proc, logf) in list(self.replicas.items()):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for pid, (proc, logf) in list(self.replicas.items()):
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                self.B.NOTES.append("replica %d did not stop within 30 s of SIGTERM: killed" % pid)
                proc.kill()
                proc.wait()
            logf.close()
        self.replicas.clear()
        seen = self.log_summary()
        if seen:
            self.B.NOTES.append("%s: the replicas logged %d warning(s)/error(s): %s" % (
                self.db, sum(seen.values()), "; ".join("%dx %s %s: %s" % (n, lvl, lg, msg)
                                                      for (lvl, lg, msg), n in seen.most_common(4))))
        if self.session:
            self.session.close()
        self.sim.stop()
        shutil.rmtree(self.ws, ignore_errors=True)


def once_text(r):
    return "%d of %d, %d dup" % (r["created"], r["expected"], r["duplicates"])


def once_ok(r):
    return r["created"] == r["expected"] and r["duplicates"] == 0 and r["missing"] == 0 and r["stray"] == 0 \
        and r["left"] == 0


def once_note(label, r):
    if not once_ok(r):
        r_text = ", ".join("%s %d" % kv for kv in sorted(r.items()))
        return "%s: exactly-once broken: %s (left = pending or dead ledger records)" % (label, r_text)
    return None


# ---------------------------------------------------------------- throughput

def throughput_case(B, args, pg, replicas, conns, per_org, sqlite=False):
    c = Cluster(B, args, pg, "tp_r%d_c%d%s" % (replicas, conns, "_sqlite" if sqlite else ""), conns, sqlite)
    try:
        for _ in range(replicas):
            c.start_replica()
        c.wait_spread()
        time.sleep(2)  # let every replica finish its first (empty) sweep of every org it holds
        spread = [ORGS] if sqlite else sorted((len(v) for v in live_owners(c.session).values()), reverse=True)
        B.call(c.sim.control + "/control/requests", "DELETE")
        pids = list(c.replicas)
        cpu0 = {p: proc_cpu(p) for p in pids + [c.sim.proc.pid]}
        pg0 = 0.0 if sqlite else pg.cpu()
        m0 = machine_cpu()
        added_at = time.time()
        c.add_backlog(per_org)
        expected = ORGS * per_org
        timeout = max(120.0, expected / 20.0)
        deadline = time.monotonic() + timeout
        while c.created() < expected and time.monotonic() < deadline:
            time.sleep(0.1)
        done_at = time.time()
        if time.monotonic() >= deadline:
            B.NOTES.append("throughput %d x %d: not every incident within %.0f s" % (replicas, conns, timeout))
        m1 = machine_cpu()
        cpu1 = {p: proc_cpu(p) for p in cpu0}
        pg1 = 0.0 if sqlite else pg.cpu()
        time.sleep(1.5)  # a duplicate would show up now
        posts = sorted(r["time"] for r in c.sim.requests()
                       if r["server"] == "servicenow" and r["method"] == "POST" and r["status"] == 201
                       and r["path"].endswith("/incident"))
        once = c.exactly_once()
        window = posts[-1] - posts[0] + LATENCY_MS / 1000.0 if posts else float("nan")
        rate = len(posts) / window if posts else 0.0
        busy = (m1[0] - m0[0]) / max(1, m1[1] - m0[1])
        bridge_cpu = sum(cpu1[p] - cpu0[p] for p in pids)
        sim_cpu = cpu1[c.sim.proc.pid] - cpu0[c.sim.proc.pid]
        B.COMMANDS.append(("replicas throughput, %d replica(s) x %d conns%s" % (
                               replicas, conns, ", SQLite ledger (reference)" if sqlite else ""),
                           B.shown(c.sim.cmd, c.ws) + "  +  POST $CONTROL/control/faults "
                           '{"server":"servicenow","method":"POST","kind":"latency","latencyMs":%d}  +  %d x ' % (
                               LATENCY_MS, replicas) + B.shown(c.replica_cmd("$WS/replica-N.port"), c.ws) +
                           "  +  (leases spread) POST $CONTROL/control/orgs/{org}/evaluations "
                           '{"count":%d,"from":...} for each of the %d orgs   (rate = incidents / (last POST '
                           "arrival - first + %d ms), from GET /control/requests)%s" % (
                               per_org, ORGS, LATENCY_MS, '; ledger {"path": "ledger.db"}' if sqlite else "")))
        return {"rate": rate, "window": window, "wall": (posts[-1] + LATENCY_MS / 1000.0 - added_at) if posts else 0,
                "busy": busy, "bridgeCpu": bridge_cpu, "simCpu": sim_cpu, "pgCpu": pg1 - pg0, "cpuWall": done_at - added_at,
                "spread": spread, "once": once, "created": len(posts)}
    finally:
        c.stop()


def throughput(B, args, pg):
    conns_list = [int(x) for x in args.replica_conns.split(",")]
    for conns in conns_list:
        # ~12-15 s of delivery for one replica at the ideal rate
        per_org = max(10, int(round(conns * 1000 / LATENCY_MS * (4 if args.quick else 14) / ORGS / 10.0)) * 10)
        base = None
        # 1, 2, 3 replicas on PostgreSQL; then one `run` on an embedded SQLite ledger (no leases), the
        # single-process reference that shows what the shared ledger costs one replica
        for replicas, sqlite in ((1, False), (2, False), (3, False), (1, True)):
            r = throughput_case(B, args, pg, replicas, conns, per_org, sqlite)
            ideal = replicas * conns * 1000 // LATENCY_MS
            label = "replicas: incidents/s, %d x %d conns, SN POST %d ms (%d)" % (
                replicas, conns, LATENCY_MS, ORGS * per_org)
            if sqlite:
                B.row("  reference: 1 x %d conns, SQLite ledger, no leases" % conns, "%.0f/s" % r["rate"],
                      "1 replica %.0f/s (ideal %d)" % (base, ideal), "%.2f" % (r["rate"] / base), "(reported)")
            elif base is None:
                base = r["rate"]
                B.row(label, "%.0f/s" % r["rate"], "ideal %d/s" % ideal, "%.2f" % (r["rate"] / ideal), "(yardstick)")
            else:
                B.row(label, "%.0f/s" % r["rate"], "1 replica %.0f/s (ideal %d)" % (base, ideal),
                      "%.2f" % (r["rate"] / base), "(reported)")
            ours = (r["bridgeCpu"] + r["simCpu"] + r["pgCpu"]) / (r["cpuWall"] * os.cpu_count())
            B.row("  backlog added -> last incident", "%.1f s" % r["wall"], "POSTs over %.1f s" % r["window"], "-",
                  "(reported)")
            B.row("  CPU s: %s / sim / PostgreSQL" % ("bridge" if sqlite else "replicas"),
                  "%.1f/%.1f/%.1f s" % (r["bridgeCpu"], r["simCpu"], r["pgCpu"]),
                  "= %.0f%% of %d CPUs; all: %.0f%%" % (100 * ours, os.cpu_count(), 100 * r["busy"]), "-",
                  "(reported)")
            B.row("  %s CPU per incident" % ("bridge" if sqlite else "replicas'"),
                  "%.0f us" % (r["bridgeCpu"] / max(1, r["created"]) * 1e6), "-", "-", "(reported)")
            B.row("  orgs per replica / exactly-once", "/".join(str(n) for n in r["spread"]), once_text(r["once"]),
                  "-", "all, once", once_ok(r["once"]))
            note = once_note(label + (", SQLite" if sqlite else ""), r["once"])
            if note:
                B.NOTES.append(note)


# ---------------------------------------------------------------- takeover

def takeover(B, args, pg):
    kills = args.replica_kills
    conns = 2
    per_org = 40  # 480 incidents a round: a few seconds of delivery for 3 x 2 connections at 20 ms
    c = Cluster(B, args, pg, "takeover", conns)
    times, observed, spreads, notes = [], [], [], []
    try:
        for _ in range(3):
            c.start_replica()
        c.wait_spread()
        for k in range(kills):
            before = c.created()
            c.add_backlog(per_org)
            wait_for("deliveries under way", lambda: c.created() >= before + 30, 60, step=0.02)
            held = live_owners(c.session)
            victim = sorted(c.replicas)[k % len(c.replicas)]
            orphaned = held.get(victim, set())
            killed_at = c.kill(victim)
            if not orphaned:
                notes.append("kill %d: the victim held no live lease" % (k + 1))
                continue
            deadline = time.monotonic() + 60
            taken = None
            while time.monotonic() < deadline:
                now = leases(c.session)
                if all(now[o][0] not in (victim, None) and now[o][2] for o in orphaned):
                    taken = now
                    break
                time.sleep(0.02)
            seen_at = time.time()
            if taken is None:
                notes.append("kill %d: orgs of the killed replica not taken over within 60 s" % (k + 1))
                times.append(float("inf"))
            else:
                times.append(max(taken[o][3] for o in orphaned) - killed_at)
                observed.append(seen_at - killed_at)
                survivors = collections.Counter(taken[o][0] for o in orphaned)
                spreads.append("/".join(str(n) for n in sorted(survivors.values(), reverse=True)))
            total = len(c.added)
            wait_for("kill %d: backlog delivered" % (k + 1), lambda: c.created() >= total, 120, step=0.2)
            c.start_replica()
            c.wait_spread()
        time.sleep(1.5)
        once = c.exactly_once()
        B.COMMANDS.append(("replicas takeover", B.shown(c.sim.cmd, c.ws) + "  +  latency fault %d ms on POST  +  3 x "
                           % LATENCY_MS + B.shown(c.replica_cmd("$WS/replica-N.port"), c.ws) +
                           "  (maxConcurrency %d); per kill: %d evaluations per org added, kill -KILL one replica "
                           "once 30 more incidents exist, poll org_leases over one psql session every 20 ms, "
                           "start a replacement, wait for the even spread" % (conns, per_org)))
    finally:
        c.stop()
    bound = TTL_S + TTL_S / 3.0
    finite = [t for t in times if t != float("inf")]
    med = statistics.median(times) if times else float("nan")
    worst = max(times) if times else float("nan")
    B.row("replicas: takeover after SIGKILL, median / max (%d kills)" % len(times),
          "%.2f / %.2f s" % (med, worst), "TTL 3 + renewal 1 = %.1f s" % bound,
          "%.2f" % (worst / bound), "max <= %.1f s" % bound, worst <= bound)
    B.row("  seen by polling org_leases (20 ms): median / max", "%.2f / %.2f s" % (
        statistics.median(observed) if observed else float("nan"), max(observed) if observed else float("nan")),
          "acquired_at: min %.2f s" % (min(finite) if finite else float("nan")), "-", "(reported)")
    B.row("  default TTL, for context", "-", "TTL 30 + renewal 10 = 40 s", "-", "(context)")
    B.row("  orphaned orgs per survivor, per kill", " ".join(spreads), "-", "-", "(reported)")
    B.row("  exactly-once over the %d kills" % len(times), once_text(once), "pending/dead %d" % once["left"], "-",
          "all, once", once_ok(once))
    note = once_note("takeover run", once)
    if note:
        B.NOTES.append(note)
    B.NOTES.append("takeover per kill (s, from the new leases' acquired_at): " +
                   ", ".join("%.2f" % t for t in times))
    B.NOTES.extend(notes)


def run(args, B):
    """The part, with bench.py's helpers (B: the bench module: row, Sim, COMMANDS, NOTES...)."""
    started = time.monotonic()
    if not os.path.exists(os.path.join(PG_BIN, "initdb")):
        B.row("replicas (PostgreSQL ledger)", "not run", "-", "-", "-")
        B.NOTES.append("replicas: not run: PostgreSQL 15 is not installed (no %s/initdb; Debian package "
                       "postgresql-15)" % PG_BIN)
        return
    pg = Postgres()
    try:
        if not args.replica_skip_throughput:
            throughput(B, args, pg)
        takeover(B, args, pg)
    finally:
        pg.stop()
    B.NOTES.append("replicas part: %.0f s; PostgreSQL 15 throwaway cluster with fsync=off, all on 127.0.0.1"
                   % (time.monotonic() - started))


def add_options(ap):
    ap.add_argument("--replica-kills", type=int, default=6, help="SIGKILLs in the takeover case (default 6)")
    ap.add_argument("--replica-conns", default="2,8",
                    help="servicenow.maxConcurrency per replica, one throughput series each (default 2,8)")
    ap.add_argument("--replica-skip-throughput", action="store_true", help=argparse.SUPPRESS)


def main():
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import bench as B
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--quick", action="store_true")
    add_options(ap)
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    args.bridge = os.path.join(build, "evalbridge")
    args.sim = os.path.join(build, "evalbridge-sim")
    args.tmp = tempfile.mkdtemp(prefix="evalbridge-bench-", dir=build)
    print("%-58s %14s  %-26s %7s  %-14s %s" % ("figure", "value", "ceiling / yardstick", "ratio", "target", ""))
    try:
        run(args, B)
    finally:
        shutil.rmtree(args.tmp, ignore_errors=True)
    for note in B.NOTES:
        print("note: " + note)
    print("\ncommands ($WS = the case's temporary folder; BUILD = %s):" % build)
    for figure, cmd in B.COMMANDS:
        print("  %s: %s" % (figure, cmd.replace(build, "BUILD")))
    return 1 if any(r[5] == "MISS" for r in B.ROWS) else 0


if __name__ == "__main__":
    sys.exit(main())
