#!/usr/bin/env python3
"""Graph latency of a query instance reading a 500-service, 5,000-edge fleet from Prometheus.

    scripts/fleet_bench.py --bin .build/release/parallax --prometheus /usr/bin/prometheus \
        [--services 500 --edges 5000 --instances 4 --requests 20]

`make bench-fleet` runs it (docs/PERFORMANCE.md). N synthetic receivers serve /metrics in
Parallax's exact exposition (traces_service_graph_* counters and both duration histograms, 16
buckets + +Inf, and the node series); traces are routed by trace id, so every instance sees
nearly every edge with about 1/N of its calls. Prometheus (Debian's package) scrapes them; a
`parallax serve --traced-source prometheus` instance then answers GET /api/v1/graph, timed
end to end, next to the same PromQL sent straight to Prometheus (what Parallax cannot make
faster) and GET /api/v1/services/{name}?hops=2.
"""
import argparse
import http.server
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from testkit import free_port, stop_all  # noqa: E402

BOUNDS = [0.002, 0.004, 0.006, 0.008, 0.01, 0.05, 0.1, 0.2, 0.4, 0.8, 1, 1.4, 2, 5, 10, 15]


def fmt(b):
    return str(int(b)) if b == int(b) else repr(b)


def make_fleet(services, edges, instances, seed):
    """A scale-free-ish call graph: callers pick callees by preferential attachment."""
    rng = random.Random(seed)
    names = [f"svc-{i:03d}" for i in range(services)]
    dbs = [f"db-{i:02d}" for i in range(max(1, services // 25))]
    weight = [1.0] * services
    pairs = set()
    while len(pairs) < edges:
        c = rng.randrange(services)
        if rng.random() < 0.1:
            pairs.add((names[c], rng.choice(dbs), "database"))
            continue
        s = rng.choices(range(services), weights=weight)[0]
        if s == c:
            continue
        if (names[c], names[s], "http") not in pairs:
            pairs.add((names[c], names[s], "http"))
            weight[s] += 0.5
    texts = []
    for k in range(instances):
        lines = []
        for name, unit in (("traces_service_graph_request_total", None), ("traces_service_graph_request_failed_total", None)):
            lines.append(f"# TYPE {name} counter")
            for (c, s, t) in sorted(pairs):
                calls = 1000 + (hash((c, s, k)) % 500)
                v = calls if name.endswith("request_total") else calls // 50
                lines.append(f'{name}{{client="{c}",server="{s}",connection_type="{t}"}} {v}')
        for hist in ("traces_service_graph_request_server_seconds", "traces_service_graph_request_client_seconds"):
            lines.append(f"# TYPE {hist} histogram")
            for (c, s, t) in sorted(pairs):
                total = 1000 + (hash((c, s, k)) % 500)
                if hist.endswith("server_seconds") and t == "database":
                    total = 0
                cum = 0
                for i, b in enumerate(BOUNDS):
                    cum = min(total, cum + total // 12) if i >= 2 else 0
                    lines.append(f'{hist}_bucket{{client="{c}",server="{s}",connection_type="{t}",le="{fmt(b)}"}} {cum}')
                lines.append(f'{hist}_bucket{{client="{c}",server="{s}",connection_type="{t}",le="+Inf"}} {total}')
                lines.append(f'{hist}_count{{client="{c}",server="{s}",connection_type="{t}"}} {total}')
        lines.append("# TYPE parallax_service_graph_node_info gauge")
        for i, n in enumerate(names):
            lines.append(f'parallax_service_graph_node_info{{node="{n}",kind="service",team="team-{i % 40:02d}"}} 1')
        for d in dbs:
            lines.append(f'parallax_service_graph_node_info{{node="{d}",kind="database",team=""}} 1')
        lines.append("# TYPE parallax_service_graph_node_name_info gauge")
        for n in names:
            lines.append(f'parallax_service_graph_node_name_info{{node="{n}",name_type="namespace",name="prod"}} 1')
        texts.append(("\n".join(lines) + "\n").encode())
    return names, pairs, texts


class Exporter(http.server.BaseHTTPRequestHandler):
    body = b""

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *a):
        pass


def serve_exporter(body):
    handler = type("E", (Exporter,), {"body": body})
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv.server_address[1]


def get(url, timeout=120):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.status, r.read()


def post_query(prom, q):
    form = urllib.parse.urlencode({"query": q, "time": f"{time.time():.3f}"}).encode()
    with urllib.request.urlopen(urllib.request.Request(f"{prom}/api/v1/query", data=form), timeout=120) as r:
        return r.read()


def cpu_seconds(pid):
    """utime + stime of a process, seconds (Linux /proc)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed(url, n):
    out = []
    for _ in range(n):
        t = time.perf_counter()
        status, body = get(url)
        out.append((time.perf_counter() - t) * 1000)
        assert status == 200, status
    return out, body


def wait_for(what, probe, timeout=300):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if probe():
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"timed out waiting for {what}")


def summary(ms):
    ms = sorted(ms)
    return f"median {statistics.median(ms):.0f} ms, p90 {ms[int(0.9 * (len(ms) - 1))]:.0f} ms, min {ms[0]:.0f} ms"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--prometheus", required=True)
    ap.add_argument("--services", type=int, default=500)
    ap.add_argument("--edges", type=int, default=5000)
    ap.add_argument("--instances", type=int, default=4)
    ap.add_argument("--requests", type=int, default=20)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="parallax-fleet-bench-")
    procs = []
    log = open(os.path.join(tmp, "log.txt"), "w")
    try:
        names, pairs, texts = make_fleet(args.services, args.edges, args.instances, seed=5)
        ports = [serve_exporter(t) for t in texts]
        series = sum(t.count(b"\n") for t in texts)
        print(f"fleet: {len(names)} services, {len(pairs)} edges, {args.instances} receivers, "
              f"{series} exposition lines in all ({len(texts[0]) / 1e6:.1f} MB per scrape)", flush=True)
        prom_port = free_port()
        prom = f"http://127.0.0.1:{prom_port}"
        with open(os.path.join(tmp, "prometheus.yml"), "w") as f:
            f.write("global:\n  scrape_interval: 5s\n  scrape_timeout: 5s\nscrape_configs:\n  - job_name: parallax\n"
                    "    static_configs:\n      - targets: [" + ", ".join(f"'127.0.0.1:{p}'" for p in ports) + "]\n")
        procs.append(subprocess.Popen([args.prometheus, "--config.file", os.path.join(tmp, "prometheus.yml"),
                                       "--storage.tsdb.path", os.path.join(tmp, "tsdb"),
                                       "--web.listen-address", f"127.0.0.1:{prom_port}", "--log.level", "warn"],
                                      stdout=log, stderr=log))
        wait_for("prometheus", lambda: get(f"{prom}/-/ready")[0] == 200)

        def scraped():
            q = urllib.parse.urlencode({"query": "count(up == 1) and count(traces_service_graph_request_total) > 0"})
            r = json.loads(get(f"{prom}/api/v1/query?{q}")[1])["data"]["result"]
            q2 = urllib.parse.urlencode({"query": "count(count by (client, server) (traces_service_graph_request_total))"})
            r2 = json.loads(get(f"{prom}/api/v1/query?{q2}")[1])["data"]["result"]
            return r and int(r[0]["value"][1]) == args.instances and r2 and int(r2[0]["value"][1]) == len(pairs)
        wait_for("Prometheus to scrape every receiver", scraped)

        port = free_port()
        query = f"http://127.0.0.1:{port}"
        procs.append(subprocess.Popen([args.bin, "serve", "--port", str(port), "--grpc-port", "0", "--data", os.path.join(tmp, "q"),
                                       "--traced-source", "prometheus", "--prometheus-url", prom, "--prometheus-timeout", "60s",
                                       "--max-nodes", "100000", "--log-level", "warning"], stdout=log, stderr=log))
        wait_for("query instance", lambda: get(f"{query}/readyz")[0] == 200)

        if os.environ.get("FLEET_BENCH_HOLD"):   # profiling: keep everything up
            print(f"holding: query instance {query} (pid {procs[-1].pid}), Prometheus {prom}", flush=True)
            time.sleep(float(os.environ["FLEET_BENCH_HOLD"]))
        w = "900s"
        server = 'span_kind=~"SPAN_KIND_SERVER|SPAN_KIND_CONSUMER"'

        def windowed(sel, by):
            return f"sum by ({by}) (({sel} - {sel} offset {w}) >= 0 or {sel})"
        # What Parallax sends for a 15-minute window (Sources/PromGraph/PromQL.swift).
        qs = [
            windowed("traces_service_graph_request_total", "client, server, connection_type"),
            windowed("traces_service_graph_request_failed_total", "client, server, connection_type"),
            windowed("traces_service_graph_request_server_seconds_bucket", "client, server, connection_type, le"),
            windowed("traces_service_graph_request_client_seconds_bucket", "client, server, connection_type, le"),
            f"max by (node, kind, team) (max_over_time(parallax_service_graph_node_info[{w}]))",
            f"max by (node, name_type, name) (max_over_time(parallax_service_graph_node_name_info[{w}]))",
            windowed(f"traces_span_metrics_calls_total{{{server}}}", "service_name, status_code"),
            windowed(f"traces_span_metrics_duration_milliseconds_bucket{{{server}}}", "service_name, le"),
        ]
        qpid = procs[-1].pid
        graph_url = f"{query}/api/v1/graph?window=15m"
        timed(graph_url, 2)   # warm-up
        # Interleaved, so both see the same machine: the PromQL alone (what Parallax sends,
        # concurrently), then the graph through Parallax; Parallax's CPU time per request from
        # /proc (independent of how busy the machine is).
        from concurrent.futures import ThreadPoolExecutor
        graph_ms, prom_ms, cpu_s = [], [], []
        body = b""
        with ThreadPoolExecutor(len(qs)) as pool:
            for _ in range(args.requests):
                t = time.perf_counter()
                list(pool.map(lambda q: post_query(prom, q), qs))
                prom_ms.append((time.perf_counter() - t) * 1000)
                c = cpu_seconds(qpid)
                ms, body = timed(graph_url, 1)
                cpu_s.append(cpu_seconds(qpid) - c)
                graph_ms += ms
        doc = json.loads(body)
        traced = [e for e in doc["edges"] if e.get("traced")]
        assert len(traced) == len(pairs), (len(traced), len(pairs))
        calls = sum(e["traced"]["calls"] for e in traced)
        c = cpu_seconds(qpid)
        hops_ms, _ = timed(f"{query}/api/v1/services/{names[0]}?window=15m&hops=2", args.requests)
        hops_cpu = (cpu_seconds(qpid) - c) / args.requests
        print(f"GET /api/v1/graph?window=15m  ({len(doc['nodes'])} nodes, {len(doc['edges'])} edges, {calls} calls, "
              f"{len(body) / 1e6:.1f} MB JSON): {summary(graph_ms)}; Parallax CPU {statistics.median(cpu_s):.2f} s per request (median)")
        print(f"the {len(qs)} PromQL queries alone, concurrently, same iterations: {summary(prom_ms)}")
        print(f"GET /api/v1/services/{names[0]}?hops=2: {summary(hops_ms)}; Parallax CPU {hops_cpu:.2f} s per request (mean)")
        print(f"graph / PromQL alone (median of ratios): {statistics.median(g / p for g, p in zip(graph_ms, prom_ms)):.2f}")
    finally:
        stop_all(procs)
        log.close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
