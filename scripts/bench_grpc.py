#!/usr/bin/env python3
"""OTLP/gRPC ingest under load: a grpcio (C-core, asyncio) client sends distinct ~500-span
ExportTraceServiceRequests to `parallax serve --grpc-port` and reports spans/s, latency, server
CPU and memory. The gRPC counterpart of scripts/bench-http.sh (see docs/PERFORMANCE.md).

    scripts/bench_grpc.py [--parallax .build-bench/release/parallax] [--bench .build-bench/release/parallax-bench]
                          [--duration 20] [--warmup 5] [--concurrency 16] [--channels 1]
                          [--bodies 1000] [--spans 500] [--gzip] [--parallax-args "--max-pending 2000000"]

Needs grpcio (scripts/e2e.sh's .venv has it: run it with .venv/bin/python). Everything listens on
and is sent to 127.0.0.1; each run is bounded by --duration; the server is started here and
stopped (by PID) at exit.
"""
import argparse
import asyncio
import os
import resource
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import grpc
from testkit import free_port

EXPORT = "/opentelemetry.proto.collector.trace.v1.TraceService/Export"




def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def status_kb(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def metric(text, name):
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return 0.0


async def load(target, bodies, seconds, concurrency, channels, compression):
    """Sends bodies in turn from `concurrency` tasks for `seconds`; returns (ok, errors, latencies)."""
    chans = [grpc.aio.insecure_channel(target, options=[("grpc.max_send_message_length", 64 << 20)])
             for _ in range(channels)]
    calls = [c.unary_unary(EXPORT) for c in chans]
    ok, errors, latencies = 0, {}, []
    deadline = time.monotonic() + seconds
    counter = 0

    async def worker(i):
        nonlocal ok, counter
        call = calls[i % channels]
        while time.monotonic() < deadline:
            body = bodies[counter % len(bodies)]
            counter += 1
            start = time.monotonic()
            try:
                await call(body, timeout=10, compression=compression)
                ok += 1
                latencies.append(time.monotonic() - start)
            except grpc.aio.AioRpcError as e:
                errors[e.code().name] = errors.get(e.code().name, 0) + 1

    await asyncio.gather(*(worker(i) for i in range(concurrency)))
    for c in chans:
        await c.close()
    return ok, errors, latencies


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser()
    ap.add_argument("--parallax", default=os.path.join(root, ".build-bench/release/parallax"))
    ap.add_argument("--bench", default=os.path.join(root, ".build-bench/release/parallax-bench"))
    ap.add_argument("--duration", type=float, default=20)
    ap.add_argument("--warmup", type=float, default=5)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--channels", type=int, default=1)
    ap.add_argument("--bodies", type=int, default=1000)
    ap.add_argument("--spans", type=int, default=500)
    ap.add_argument("--gzip", action="store_true", help="grpc-encoding: gzip (the client compresses each message)")
    ap.add_argument("--parallax-args", default="")
    args = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="parallax-bench-grpc-")
    server = None
    try:
        info = subprocess.run([args.bench, "--write-bodies", f"{tmp}/bodies", "--count", str(args.bodies), "--spans", str(args.spans)],
                              check=True, capture_output=True, text=True).stdout
        names = sorted(n for n in os.listdir(f"{tmp}/bodies") if n.endswith(".pb"))
        bodies = [open(f"{tmp}/bodies/{n}", "rb").read() for n in names]
        spans = args.spans
        for part in info.split():
            if part.startswith("spans="):
                spans = int(part.split("=")[1])
        mean_bytes = sum(map(len, bodies)) // len(bodies)

        http_port, grpc_port = free_port(), free_port()
        server = subprocess.Popen([args.parallax, "serve", "--host", "127.0.0.1", "--port", str(http_port),
                                   "--grpc-port", str(grpc_port), "--data", f"{tmp}/data", "--log-level", "warning",
                                   *shlex.split(args.parallax_args)])
        for _ in range(300):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{http_port}/healthz", timeout=1)
                break
            except Exception:
                if server.poll() is not None:
                    sys.exit(f"parallax exited with {server.returncode} during start-up")
                time.sleep(0.1)
        target = f"127.0.0.1:{grpc_port}"
        compression = grpc.Compression.Gzip if args.gzip else grpc.Compression.NoCompression
        with grpc.insecure_channel(target) as ch:
            ch.unary_unary(EXPORT)(bodies[0], timeout=10, compression=compression)  # raises unless OK

        rss_idle = status_kb(server.pid, "VmRSS")
        asyncio.run(load(target, bodies, args.warmup, args.concurrency, args.channels, compression))
        cpu0, t0 = cpu_seconds(server.pid), time.monotonic()
        me0 = resource.getrusage(resource.RUSAGE_SELF)
        ok, errors, latencies = asyncio.run(load(target, bodies, args.duration, args.concurrency, args.channels, compression))
        elapsed = time.monotonic() - t0
        me1 = resource.getrusage(resource.RUSAGE_SELF)
        server_cpu = (cpu_seconds(server.pid) - cpu0) / elapsed
        client_cpu = ((me1.ru_utime - me0.ru_utime) + (me1.ru_stime - me0.ru_stime)) / elapsed
        rss_end, hwm = status_kb(server.pid, "VmRSS"), status_kb(server.pid, "VmHWM")
        metrics = urllib.request.urlopen(f"http://127.0.0.1:{http_port}/metrics", timeout=10).read().decode()

        latencies.sort()
        pct = lambda p: latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] * 1000 if latencies else 0
        rps = ok / elapsed
        print(f"parallax OTLP/gRPC, {'gzip' if args.gzip else 'protobuf'}: {len(bodies)} distinct bodies of {spans} spans, "
              f"{mean_bytes} B, {args.concurrency} concurrent calls on {args.channels} channel(s), {args.duration:.0f} s after {args.warmup:.0f} s warm-up")
        print("| body | bytes/req | req/s (OK) | spans/s | errors | p50 ms | p99 ms | server CPU (cores) | spans per server CPU-s "
              "| client CPU (cores) | RSS idle MiB | RSS end MiB | VmHWM MiB |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        print(f"| {'gzip' if args.gzip else 'protobuf'} | {mean_bytes:,} | {rps:,.0f} | **{rps * spans:,.0f}** | "
              f"{sum(errors.values())} {errors or ''} | {pct(50):.1f} | {pct(99):.1f} | {server_cpu:.2f} | "
              f"{rps * spans / server_cpu if server_cpu else 0:,.0f} | {client_cpu:.2f} | {rss_idle / 1024:.1f} | "
              f"{rss_end / 1024:.1f} | {hwm / 1024:.1f} |")
        print(f"server /metrics: spans accepted {metric(metrics, 'parallax_receiver_spans_accepted_total'):,.0f}, "
              f"dropped from pairing {metric(metrics, 'traces_service_graph_dropped_spans_total'):,.0f}, "
              f"pending {metric(metrics, 'parallax_tracegraph_pending_spans'):,.0f}, "
              f"refused {metric(metrics, 'parallax_receiver_refused_total'):,.0f}")
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
