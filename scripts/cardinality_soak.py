#!/usr/bin/env python3
"""Distinct names in a loop: does `parallax serve` stay bounded?

Posts --names distinct `service.name` values (OTLP/JSON, --per-request names a request; each name
sends one root SERVER span, and every 10th also a CLIENT span to a peer of its own), samples the
server's RSS as it goes, then reads /metrics and /api/v1/graph. Prints one JSON object with the
RSS curve, the graph's node and edge counts, the /metrics size and series count, and the overflow
counters. Only 127.0.0.1; the run is bounded by --names and --max-seconds.

    scripts/cardinality_soak.py --bin .build-bench/release/parallax --names 1000000
"""
import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from testkit import free_port




def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def body(first, count, now_ns):
    resources = []
    for i in range(first, first + count):
        tid = f"{i + 1:032x}"
        sid = f"{i + 1:016x}"
        spans = [{"traceId": tid, "spanId": sid, "name": "GET /", "kind": 2,
                  "startTimeUnixNano": str(now_ns - 2_000_000), "endTimeUnixNano": str(now_ns),
                  "attributes": [{"key": "http.request.method", "value": {"stringValue": "GET"}}]}]
        if i % 10 == 0:
            spans.append({"traceId": tid, "spanId": f"{i + 1 + (1 << 40):016x}", "parentSpanId": sid, "name": "GET", "kind": 3,
                          "startTimeUnixNano": str(now_ns - 1_000_000), "endTimeUnixNano": str(now_ns),
                          "attributes": [{"key": "server.address", "value": {"stringValue": f"peer-{i}.example"}},
                                         {"key": "http.request.method", "value": {"stringValue": "GET"}}]})
        resources.append({"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": f"soak-svc-{i}"}},
                                                      {"key": "host.name", "value": {"stringValue": f"pod-{i}"}}]},
                          "scopeSpans": [{"spans": spans}]})
    return json.dumps({"resourceSpans": resources}).encode()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=".build/release/parallax")
    ap.add_argument("--names", type=int, default=1_000_000)
    ap.add_argument("--per-request", type=int, default=1000)
    ap.add_argument("--samples", type=int, default=20, help="RSS samples over the run")
    ap.add_argument("--max-seconds", type=float, default=1800)
    ap.add_argument("--server-args", default="", help="extra flags for parallax serve")
    args = ap.parse_args()

    data = tempfile.mkdtemp(prefix="parallax-cardinality-")
    port = free_port()
    cmd = [args.bin, "serve", "--host", "127.0.0.1", "--port", str(port), "--grpc-port", "0", "--data", data,
           "--log-level", "error", "--pairing-wait", "1"] + args.server_args.split()
    server = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=1):
                    break
            except OSError:
                time.sleep(0.1)
        rss = [(0, rss_mib(server.pid))]
        requests = (args.names + args.per_request - 1) // args.per_request
        every = max(1, requests // args.samples)
        started = time.time()
        sent = 0
        for r in range(requests):
            if time.time() - started > args.max_seconds:
                break
            n = min(args.per_request, args.names - sent)
            req = urllib.request.Request(base + "/v1/traces", data=body(sent, n, time.time_ns()), method="POST",
                                         headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(req, timeout=60) as resp:
                if resp.status != 200:
                    raise SystemExit(f"request {r}: HTTP {resp.status}")
            sent += n
            if (r + 1) % every == 0:
                rss.append((sent, rss_mib(server.pid)))
        elapsed = time.time() - started
        time.sleep(2.5)  # let pending client spans expire into virtual edges
        with urllib.request.urlopen(base + "/metrics", timeout=60) as resp:
            metrics = resp.read()
        with urllib.request.urlopen(base + "/api/v1/graph?window=1h", timeout=60) as resp:
            graph = json.load(resp)
        rss.append((sent, rss_mib(server.pid)))
        lines = metrics.decode().splitlines()

        def value(prefix):
            for line in lines:
                if line.startswith(prefix):
                    return float(line.rsplit(" ", 1)[1])
            return None

        print(json.dumps({
            "names_sent": sent, "seconds": round(elapsed, 1), "names_per_second": round(sent / elapsed),
            "rss_mib": [[n, round(m, 1)] for n, m in rss],
            "rss_peak_mib": round(max(m for _, m in rss), 1),
            "rss_last_half_growth_mib": round(rss[-1][1] - rss[len(rss) // 2][1], 1),
            "graph_nodes": len(graph["nodes"]), "graph_edges": len(graph["edges"]),
            "overflow_node_present": any(n["id"] == "(overflow)" for n in graph["nodes"]),
            "metrics_bytes": len(metrics), "metrics_lines": len(lines),
            "edge_series": sum(1 for l in lines if l.startswith("traces_service_graph_request_total{")),
            "tracegraph_nodes": value("parallax_tracegraph_nodes "), "tracegraph_edges": value("parallax_tracegraph_edges "),
            "overflow_nodes_total": value('parallax_tracegraph_overflow_total{what="node"}'),
            "overflow_edge_calls_total": value('parallax_tracegraph_overflow_total{what="edge"}'),
            "metrics_edges_folded": value("parallax_metrics_edges_folded "),
        }, indent=1))
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


if __name__ == "__main__":
    sys.exit(main())
