#!/usr/bin/env python3
"""Fleet end-to-end: two ingest instances + Prometheus + a query instance vs one instance.

    scripts/fleet_test.py --bin .build/debug/parallax --prometheus /usr/bin/prometheus

Run by scripts/fleet-test.sh (make test). Traces are posted as OTLP/JSON; the alert bodies are
samples/alerts/*.json (the shop), the traced services are named as in the samples (namespace
`shop`), so the overlay has confirmed, traced-only and inferred-only edges to compare.
Exit status 0 on success; every check prints one line.
"""
import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from testkit import free_port, stop_all  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Parallax's traces_service_graph_*_seconds bucket bounds (FixedBucketHistogram.bounds), seconds.
BOUNDS = [0.002, 0.004, 0.006, 0.008, 0.01, 0.05, 0.1, 0.2, 0.4, 0.8, 1, 1.4, 2, 5, 10, 15]

failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)


def get(url, timeout=5):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.status, r.read()


def post(url, body, ctype="application/json"):
    req = urllib.request.Request(url, data=body, headers={"Content-Type": ctype}, method="POST")
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.status


def wait_for(what, probe, timeout=60):
    """Polls `probe` (truthy = done) every 0.1 s; no fixed sleeps."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = probe()
            if last:
                return last
        except (OSError, urllib.error.URLError, ValueError) as e:
            last = e
        time.sleep(0.1)
    raise SystemExit(f"FAIL timed out waiting for {what} (last: {last})")


def metric_sum(text, name):
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            total += float(line.rsplit(" ", 1)[1])
    return total


# --- traffic -------------------------------------------------------------------------------

def attr(k, v):
    if isinstance(v, int):
        return {"key": k, "value": {"intValue": str(v)}}
    return {"key": k, "value": {"stringValue": v}}


def make_traces(n, seed, now):
    """n traces of the shop; each a list of (service, span) pairs."""
    rng = random.Random(seed)
    traces = []
    for t in range(n):
        tid = "%032x" % rng.getrandbits(128)
        ids = iter("%016x" % rng.getrandbits(64) for _ in range(16))
        start = int((now - 40 + t * 0.01) * 1e9)
        spans = []

        def span(svc, kind, parent, ms, attrs=(), error=False, offset_ms=0.0):
            sid = next(ids)
            s = {"traceId": tid, "spanId": sid, "name": "op", "kind": kind,
                 "startTimeUnixNano": str(start + int(offset_ms * 1e6)),
                 "endTimeUnixNano": str(start + int((offset_ms + ms) * 1e6)),
                 "attributes": [attr(k, v) for k, v in attrs]}
            if parent:
                s["parentSpanId"] = parent
            if error:
                s["status"] = {"code": 2}
            spans.append((svc, s))
            return sid

        http = [("http.request.method", "GET"), ("http.response.status_code", 200)]
        root = span("frontend", 2, None, 5 + rng.random() * 900, http)
        c = span("frontend", 3, root, 3 + rng.random() * 600, http, error=rng.random() < 0.05, offset_ms=0.5)
        s = span("checkout", 2, c, 2 + rng.random() * 400, http, error=rng.random() < 0.04, offset_ms=1)
        if rng.random() < 0.6:
            c2 = span("checkout", 3, s, 1 + rng.random() * 40, [("rpc.system", "grpc")], offset_ms=1.5)
            span("payments", 2, c2, 0.5 + rng.random() * 30, [("rpc.system", "grpc")], error=rng.random() < 0.1, offset_ms=2)
        span("checkout", 3, s, 0.2 + rng.random() * 8, [("db.system", "postgresql"), ("db.namespace", "orders")], offset_ms=3)
        if rng.random() < 0.3:
            c3 = span("frontend", 3, root, 1 + rng.random() * 50, http, offset_ms=4)
            span("catalog", 2, c3, 0.5 + rng.random() * 30, http, offset_ms=4.5)
        if rng.random() < 0.2:
            span("checkout", 3, s, 50 + rng.random() * 3000, [("http.request.method", "POST"), ("server.address", "api.shipfast.example")],
                 error=rng.random() < 0.2, offset_ms=5)
        traces.append((tid, spans))
    return traces


def otlp_json(spans):
    by_service = {}
    for svc, s in spans:
        by_service.setdefault(svc, []).append(s)
    return json.dumps({"resourceSpans": [
        {"resource": {"attributes": [attr("service.name", svc), attr("service.namespace", "shop")]},
         "scopeSpans": [{"scope": {"name": "fleet-test"}, "spans": ss}]}
        for svc, ss in sorted(by_service.items())]}).encode()


# --- comparison ------------------------------------------------------------------------------

def bucket(v_seconds):
    lower = 0.0
    for b in BOUNDS:
        if v_seconds <= b:
            return lower, b
        lower = b
    return lower, float("inf")


def within_bucket(remote_ms, local_ms):
    # The local value is exact to ≤ 2 % (exponential histograms); the bucket estimate lies in the
    # bucket holding the true quantile.
    lo = bucket(local_ms / 1000 / 1.02)[0]
    hi = min(bucket(local_ms / 1000 * 1.02)[1], BOUNDS[-1])
    return lo - 1e-9 <= remote_ms / 1000 <= hi + 1e-9


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--prometheus", required=True)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="parallax-fleet-")
    procs = []
    log = open(os.path.join(tmp, "log.txt"), "w")
    started = time.monotonic()

    def serve(name, *extra):
        port = free_port()
        data = os.path.join(tmp, name)
        p = subprocess.Popen([args.bin, "serve", "--port", str(port), "--grpc-port", "0", "--data", data,
                              "--pairing-wait", "1", "--log-level", "warning",
                              "--aliases", os.path.join(ROOT, "samples", "aliases.yaml"), *extra],
                             stdout=log, stderr=log)
        procs.append(p)
        return f"http://127.0.0.1:{port}"

    try:
        a, b, single = serve("ingest-a"), serve("ingest-b"), serve("single")
        prom_port = free_port()
        prom = f"http://127.0.0.1:{prom_port}"
        with open(os.path.join(tmp, "prometheus.yml"), "w") as f:
            f.write("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n"
                    "  - job_name: parallax\n    static_configs:\n"
                    f"      - targets: ['{a[7:]}', '{b[7:]}']\n")
        procs.append(subprocess.Popen([args.prometheus, "--config.file", os.path.join(tmp, "prometheus.yml"),
                                       "--storage.tsdb.path", os.path.join(tmp, "tsdb"),
                                       "--web.listen-address", f"127.0.0.1:{prom_port}", "--log.level", "warn"],
                                      stdout=log, stderr=log))
        for url in (a, b, single):
            wait_for(f"{url}/healthz", lambda: get(f"{url}/healthz")[0] == 200)
        wait_for("prometheus /-/ready", lambda: get(f"{prom}/-/ready")[0] == 200)

        traces = make_traces(600, seed=18, now=time.time())
        shards = {a: [], b: []}
        for tid, spans in traces:
            # Route by trace id, as the loadbalancing exporter's routing_key: traceID does.
            shards[a if int(tid, 16) % 2 == 0 else b].extend(spans)
        check(all(len(v) > 0 for v in shards.values()), f"both shards get traffic ({len(shards[a])} / {len(shards[b])} spans)")
        everything = [s for _, spans in traces for s in spans]
        for i in range(0, len(everything), 500):
            check(post(f"{single}/v1/traces", otlp_json(everything[i:i + 500])) == 200, f"single instance accepts batch {i // 500}")
        for url, spans in shards.items():
            for i in range(0, len(spans), 500):
                if post(f"{url}/v1/traces", otlp_json(spans[i:i + 500])) != 200:
                    check(False, f"{url} accepts a batch")

        # Pairing settles (unpaired client spans become virtual edges after --pairing-wait).
        def settled(url):
            text = get(f"{url}/metrics")[1].decode()
            return metric_sum(text, "parallax_tracegraph_pending_spans") == 0 and text
        totals = {}
        for url in (a, b, single):
            text = wait_for(f"{url} pairing settled", lambda: settled(url))
            totals[url] = metric_sum(text, "traces_service_graph_request_total")
        check(totals[a] + totals[b] == totals[single] and totals[single] > 0,
              f"shards' calls add up to the single instance's ({totals[a]:.0f} + {totals[b]:.0f} = {totals[single]:.0f})")

        # Prometheus has scraped both shards since then.
        def scraped():
            q = urllib.parse.urlencode({"query": "sum(traces_service_graph_request_total)"})
            r = json.loads(get(f"{prom}/api/v1/query?{q}")[1])["data"]["result"]
            return r and float(r[0]["value"][1]) == totals[single]
        wait_for("Prometheus to scrape both shards", scraped)

        query = serve("query", "--traced-source", "prometheus", "--prometheus-url", prom, "--prometheus-timeout", "5s")
        wait_for(f"{query}/readyz", lambda: get(f"{query}/readyz")[0] == 200)

        # Alerts fan out: every webhook body to the single instance and to the query instance.
        alerts_dir = os.path.join(ROOT, "samples", "alerts")
        for name in sorted(os.listdir(alerts_dir)):
            body = open(os.path.join(alerts_dir, name), "rb").read()
            for url in (single, query):
                if post(f"{url}/v1/alerts", body) != 202:
                    check(False, f"{url} accepts {name}")

        def graph(url):
            return json.loads(get(f"{url}/api/v1/graph?window=15m", timeout=10)[1])
        local, remote = graph(single), graph(query)

        def edges(doc):
            return {(e["source"], e["target"]): e for e in doc["edges"]}
        le, re_ = edges(local), edges(remote)
        check(set(le) == set(re_), f"same edges ({len(le)} local, {len(re_)} read from Prometheus)"
              + ("" if set(le) == set(re_) else f": only local {sorted(set(le) - set(re_))}, only remote {sorted(set(re_) - set(le))}"))
        statuses = {k: e["status"] for k, e in le.items()}
        check(statuses == {k: e["status"] for k, e in re_.items()}, "same statuses: " + ", ".join(sorted(set(statuses.values()))))
        check({"confirmed", "traced-only", "inferred-only"} <= set(statuses.values()), "the overlay has confirmed, traced-only and inferred-only edges")
        lnodes = {n["id"]: n["kind"] for n in local["nodes"]}
        check(lnodes == {n["id"]: n["kind"] for n in remote["nodes"]}, f"same nodes and kinds ({len(lnodes)})")
        measured = 0
        for k, e in le.items():
            lt, rt = e.get("traced"), (re_.get(k) or {}).get("traced")
            if not lt:
                continue
            measured += 1
            if not rt:
                check(False, f"{k} measured in Prometheus")
                continue
            if (lt["calls"], lt["errors"]) != (rt["calls"], rt["errors"]):
                check(False, f"{k} calls/errors {lt['calls']}/{lt['errors']} == {rt['calls']}/{rt['errors']}")
            for side in ("latencyMs", "serverLatencyMs"):
                if (lt.get(side) is None) != (rt.get(side) is None):
                    check(False, f"{k} {side} present on both sides")
                    continue
                if lt.get(side) is None:
                    continue
                for p in ("p50", "p95"):
                    if not within_bucket(rt[side][p], lt[side][p]):
                        check(False, f"{k} {side}.{p} {rt[side][p]} ms read vs {lt[side][p]} ms local: outside the bucket")
        check(measured >= 5, f"{measured} measured edges compared: calls and errors exact, p50/p95 within the bucket")
        lteams = {n["id"]: n.get("team") for n in local["nodes"]}
        check(lteams == {n["id"]: n.get("team") for n in remote["nodes"]},
              f"same owning teams ({len({t for t in lteams.values() if t})} teams)")

        # The offline CLI reads the same fleet: parallax overlay --prometheus-url --alerts.
        out = subprocess.run([args.bin, "overlay", "--prometheus-url", prom, "--window", "15m", "--alerts", alerts_dir,
                              "--aliases", os.path.join(ROOT, "samples", "aliases.yaml"), "--format", "json"],
                             capture_output=True, timeout=120)
        check(out.returncode == 0, f"parallax overlay --prometheus-url exits 0 ({out.stderr.decode()[-200:].strip()})")
        if out.returncode == 0:
            cli = {(e["source"], e["target"]): e["status"] for e in json.loads(out.stdout)["edges"]}
            check(cli == statuses, f"parallax overlay --prometheus-url: the query instance's {len(cli)} edges and statuses")

        # Prometheus down: the query instance says so instead of an empty graph.
        procs[3].terminate()
        procs[3].wait(timeout=10)
        try:
            get(f"{query}/api/v1/graph")
            check(False, "graph answers 503 with Prometheus down")
        except urllib.error.HTTPError as e:
            body = json.loads(e.read())
            check(e.code == 503 and "unreachable" in body.get("error", ""), f"graph 503 with Prometheus down: {body.get('error', '')[:100]}")
        try:
            get(f"{query}/readyz")
            check(False, "/readyz not ready with Prometheus down")
        except urllib.error.HTTPError as e:
            check(e.code == 503, "/readyz 503 with Prometheus down")
    finally:
        stop_all(procs)
        log.close()
        if failures:
            print(open(os.path.join(tmp, "log.txt")).read()[-3000:])
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"fleet test: {len(failures)} failures, {time.monotonic() - started:.1f} s")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
