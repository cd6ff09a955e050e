#!/usr/bin/env python3
"""plain_sync.py: the yardstick for `evalbridge sync --once` with the search source, in its
simplest form, Python 3 standard library only (http.client, sqlite3, json).

    python3 bench/plain_sync.py --config evalbridge.json

Reads the same configuration file as evalbridge (genesys.orgs[*].apiBase/loginBase/clientId/
clientSecret/orgId/startFrom, servicenow.instanceUrl + basic auth, ledger.path; ${file:...} and
${env:...} secrets), and for each org, one after the other:

  1. POST {loginBase}/oauth/token (client credentials), GET /api/v2/tokens/me (org id check);
  2. from the org's checkpoint (else startFrom) to now, one day at a time, POST
     /api/v2/quality/evaluations/search (DATE_RANGE on submittedDate, sorted ascending, 100 a
     page, paged by date like the bridge: the next page starts at the last date read);
  3. an evaluation already in the ledger with the same changedDate is done; otherwise the
     shipped mapping's rule (status FINISHED and (anyFailedKillQuestions or totalScore < 70))
     decides: no match -> a `skipped` row; a match -> GET the evaluation with
     expand=agent,evaluator,evaluationForm, commit a `pending` row (the intent), POST the
     incident, commit `created` with its sys_id and number;
  4. checkpoint the window.

What it leaves out (and the bridge does not): retries and backoff, 429/Retry-After, lookups by
correlation_id after an uncertain outcome, rescores (PATCH), dead letter, concurrency, rate
limits, other sources, bounds on what a server may send. It is a yardstick for CPU, memory and
ledger size, not a replacement.
"""
import argparse
import base64
import datetime as dt
import http.client
import json
import os
import re
import sqlite3
import sys
import urllib.parse

PAGE_SIZE = 100
WINDOW = dt.timedelta(days=1)


def resolve(value, base):
    def one(m):
        kind, arg = m.group(1), m.group(2)
        if kind == "env":
            return os.environ[arg]
        path = arg if os.path.isabs(arg) else os.path.join(base, arg)
        with open(path) as f:
            text = f.read()
        return text[:-1] if text.endswith("\n") else text
    return re.sub(r"\$\{(file|env):([^}]*)\}", one, value) if isinstance(value, str) else value


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (t.microsecond // 1000)


def parse_iso(text):
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


class Http:
    """One keep-alive connection per host."""

    def __init__(self):
        self.conns = {}

    def call(self, method, url, body=None, headers=None):
        u = urllib.parse.urlsplit(url)
        key = (u.hostname, u.port)
        conn = self.conns.get(key)
        if conn is None:
            conn = self.conns[key] = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
        path = u.path + ("?" + u.query if u.query else "")
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            # The server closed an idle keep-alive connection (Poco: after 10 s): once more, on a
            # new connection, as urllib3 does.
            conn.close()
            conn = self.conns[key] = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
        data = resp.read()
        if resp.status >= 300:
            raise RuntimeError("%s %s -> %d %s" % (method, path, resp.status, data[:300]))
        return json.loads(data) if data else None


def matches(ev):
    answers = ev.get("answers") or {}
    score = answers.get("totalScore")
    return ev.get("status") == "FINISHED" and (
        answers.get("anyFailedKillQuestions") is True or (isinstance(score, (int, float)) and score < 70))


def fields_of(ev):
    answers = ev.get("answers") or {}
    score = answers.get("totalScore")
    name = lambda k: (ev.get(k) or {}).get("name", "")
    queue = (ev.get("queue") or {}).get("name", "")
    score_text = ("%g" % score) if isinstance(score, (int, float)) else ""
    return {
        "short_description": "QA fail: %s scored %s on %s" % (name("agent"), score_text, name("evaluationForm")),
        "description": "Conversation %s evaluated by %s.\n%s" % ((ev.get("conversation") or {}).get("id", ""),
                                                               name("evaluator"), answers.get("comments", "")),
        "urgency": "1" if isinstance(score, (int, float)) and score < 50 else
                   "2" if isinstance(score, (int, float)) and score < 70 else "3",
        "assignment_group": "Billing QA" if queue == "Billing" else "Contact Center QA",
        "category": "inquiry",
    }


SCHEMA = """
CREATE TABLE IF NOT EXISTS evaluations (
  org_id TEXT NOT NULL, evaluation_id TEXT NOT NULL, status TEXT NOT NULL, changed_date TEXT,
  sys_id TEXT, incident_number TEXT, updated_at TEXT NOT NULL, PRIMARY KEY (org_id, evaluation_id));
CREATE TABLE IF NOT EXISTS checkpoints (org_id TEXT PRIMARY KEY, window_end TEXT NOT NULL);
"""


def now_text():
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def sync_org(org, sn, db, http, base):
    login = org.get("loginBase") or org["apiBase"]
    api = org["apiBase"]
    secret = resolve(org["clientSecret"], base)
    basic = base64.b64encode(("%s:%s" % (org["clientId"], secret)).encode()).decode()
    token = http.call("POST", login + "/oauth/token", "grant_type=client_credentials",
                      {"Authorization": "Basic " + basic, "Content-Type": "application/x-www-form-urlencoded"})
    auth = {"Authorization": "Bearer " + token["access_token"], "Content-Type": "application/json"}
    me = http.call("GET", api + "/api/v2/tokens/me", headers=auth)
    if me["organization"]["id"] != org["orgId"]:
        raise RuntimeError("org %s: token is for org %s" % (org["name"], me["organization"]["id"]))
    org_id = org["orgId"]
    row = db.execute("SELECT window_end FROM checkpoints WHERE org_id=?", (org_id,)).fetchone()
    start = parse_iso(row[0] if row else org["startFrom"])
    end_all = dt.datetime.now(dt.timezone.utc)
    counts = {"exported": 0, "skipped": 0, "created": 0, "read": 0}
    while start < end_all:
        end = min(start + WINDOW, end_all)
        since, page = start, 1
        while True:
            body = {"query": [{"type": "DATE_RANGE", "field": "submittedDate",
                               "startValue": iso(since - dt.timedelta(milliseconds=1)), "endValue": iso(end)}],
                    "pageSize": PAGE_SIZE, "pageNumber": page, "sortBy": "submittedDate", "sortOrder": "ASC"}
            results = http.call("POST", api + "/api/v2/quality/evaluations/search", json.dumps(body), auth)["results"]
            skipped = []
            for ev in results:
                counts["exported"] += 1
                known = db.execute("SELECT changed_date FROM evaluations WHERE org_id=? AND evaluation_id=?",
                                   (org_id, ev["id"])).fetchone()
                if known and known[0] == ev.get("changedDate"):
                    continue
                if not matches(ev):
                    skipped.append((org_id, ev["id"], "skipped", ev.get("changedDate"), now_text()))
                    continue
                full = http.call("GET", "%s/api/v2/quality/conversations/%s/evaluations/%s?expand=agent,evaluator,"
                                 "evaluationForm" % (api, ev["conversation"]["id"], ev["id"]), headers=auth)
                counts["read"] += 1
                fields = fields_of(full)
                fields["correlation_id"] = "evalbridge:%s:%s" % (org_id, ev["id"])
                fields["correlation_display"] = "evalbridge"
                with db:  # the intent, durable before the POST
                    db.execute("INSERT OR REPLACE INTO evaluations (org_id, evaluation_id, status, changed_date, "
                               "updated_at) VALUES (?,?,?,?,?)", (org_id, ev["id"], "pending", ev.get("changedDate"),
                                                                   now_text()))
                created = http.call("POST", sn["url"] + "/api/now/table/incident", json.dumps(fields), sn["headers"])
                result = created["result"]
                with db:
                    db.execute("UPDATE evaluations SET status='created', sys_id=?, incident_number=?, updated_at=? "
                               "WHERE org_id=? AND evaluation_id=?",
                               (result["sys_id"], result["number"], now_text(), org_id, ev["id"]))
                counts["created"] += 1
            if skipped:
                with db:
                    db.executemany("INSERT OR REPLACE INTO evaluations (org_id, evaluation_id, status, changed_date, "
                                   "updated_at) VALUES (?,?,?,?,?)", skipped)
                counts["skipped"] += len(skipped)
            if len(results) < PAGE_SIZE:
                break
            last = parse_iso(results[-1]["submittedDate"])
            if last > since:
                since, page = last, 1
            else:
                page += 1
        with db:
            db.execute("INSERT OR REPLACE INTO checkpoints (org_id, window_end) VALUES (?,?)", (org_id, iso(end)))
        start = end
    return counts


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--config", required=True)
    args = ap.parse_args()
    base = os.path.dirname(os.path.abspath(args.config))
    with open(args.config) as f:
        config = json.load(f)
    ledger = config.get("ledger", {}).get("path", "evalbridge.db")
    db = sqlite3.connect(ledger if os.path.isabs(ledger) else os.path.join(base, ledger), isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.isolation_level = ""  # `with db:` commits
    db.executescript(SCHEMA)
    snc = config["servicenow"]
    user, password = snc["auth"]["username"], resolve(snc["auth"]["password"], base)
    sn = {"url": snc["instanceUrl"].rstrip("/"),
          "headers": {"Authorization": "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()).decode(),
                      "Content-Type": "application/json", "Accept": "application/json"}}
    http = Http()
    failed = 0
    total = {"exported": 0, "skipped": 0, "created": 0, "read": 0}
    for org in config["genesys"]["orgs"]:
        try:
            counts = sync_org(org, sn, db, http, base)
            for k in total:
                total[k] += counts[k]
        except Exception as e:  # one org's failure does not stop the others
            failed += 1
            print("org %s failed: %s" % (org.get("name"), e), file=sys.stderr)
    print(json.dumps(dict(total, orgsFailed=failed)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
