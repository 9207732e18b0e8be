#!/usr/bin/env python3
"""End-to-end: two Hummingbird 2 services traced by swift-otel 1.6.0 export to `parallax serve`.

    scripts/swift_otel_e2e.py --bin .build/debug/parallax --service .build-clients/debug/OTelService

One `parallax serve` on a free loopback port. For each OTLP/HTTP encoding swift-otel offers
(OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf, then http/json, with service names of their own),
starts the back service and the front service (Tests/Clients/SwiftOTel), drives CALLS requests
through the front (whose AsyncHTTPClient makes the CLIENT span and propagates traceparent to the
back's Hummingbird TracingMiddleware), and asserts on Parallax: the front -> back edge with
exactly CALLS calls and no errors, the user -> front ingress with CALLS calls, 3 spans per call
accepted, no span rejected, and for JSON the ids counted as base64 (swift-otel writes protobuf's
generic JSON mapping). /healthz on the services is outside their tracing, so readiness probes add
no calls. Run by scripts/swift-otel-e2e.sh (part of `make test`).
"""
import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from testkit import free_port

CALLS = 25
ENCODINGS = [("http/protobuf", "pb"), ("http/json", "json")]
failures, passes = [], []


def check(cond, what):
    print(("  ok    " if cond else "  FAIL  ") + what, flush=True)
    (passes if cond else failures).append(what)




def get(url, timeout=10):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.status, r.read()


def wait_ready(url, proc, what, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{what} exited with {proc.returncode} while starting")
        try:
            if get(url, timeout=1)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.05)
    raise SystemExit(f"{what} did not answer {url} within {seconds} s")


def stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def metrics(base):
    text = get(base + "/metrics")[1].decode()

    def value(series):
        m = re.search(r"^" + re.escape(series) + r" (\d+)", text, re.M)
        return int(m.group(1)) if m else 0
    return value


def graph_edges(base):
    doc = json.loads(get(base + "/api/v1/graph?window=1h")[1])
    return {(e["source"], e["target"]): e["traced"] for e in doc["edges"] if e.get("traced")}


def run_encoding(args, base, protocol, tag, procs):
    front, back = f"swift-front-{tag}", f"swift-back-{tag}"
    front_port, back_port = free_port(), free_port()
    env = dict(os.environ, OTEL_EXPORTER_OTLP_ENDPOINT=base, OTEL_EXPORTER_OTLP_PROTOCOL=protocol,
               OTEL_BSP_SCHEDULE_DELAY="200", OTEL_TRACES_SAMPLER="parentbased_always_on")
    before = metrics(base)
    started = time.monotonic()
    bproc = subprocess.Popen([args.service, "back", str(back_port)], env=dict(env, OTEL_SERVICE_NAME=back))
    procs.append(bproc)
    fproc = subprocess.Popen([args.service, "front", str(front_port), f"http://127.0.0.1:{back_port}"],
                             env=dict(env, OTEL_SERVICE_NAME=front))
    procs.append(fproc)
    wait_ready(f"http://127.0.0.1:{back_port}/healthz", bproc, back)
    wait_ready(f"http://127.0.0.1:{front_port}/healthz", fproc, front)
    print(f"{protocol}: {front} :{front_port} -> {back} :{back_port} -> parallax {base}", flush=True)

    answers = [get(f"http://127.0.0.1:{front_port}/checkout") for _ in range(CALLS)]
    check(all(a == (200, b"price 42") for a in answers), f"{CALLS} requests through {front} answered 200 'price 42'")

    # swift-otel exports in batches every 200 ms: wait for the last span, then a little longer
    # so an extra (duplicated or stray) call would show.
    deadline, edges = time.time() + 30, {}
    while time.time() < deadline:
        edges = graph_edges(base)
        if edges.get((front, back), {}).get("calls", 0) >= CALLS and edges.get(("user", front), {}).get("calls", 0) >= CALLS:
            break
        time.sleep(0.2)
    time.sleep(1.0)
    edges = graph_edges(base)
    e = edges.get((front, back))
    check(e is not None and e["calls"] == CALLS and e["errors"] == 0,
          f"{front} -> {back}: exactly {CALLS} calls, 0 errors (got {e and {k: e[k] for k in ('calls', 'errors')}})")
    check(e is not None and e["latencyMs"]["p50"] > 0, "edge latency from the paired spans")
    u = edges.get(("user", front))
    check(u is not None and u["calls"] == CALLS, f"user -> {front}: {CALLS} calls (got {u and u['calls']})")
    stray = sorted(k for k in edges if back in k and k != (front, back))
    check(not stray, f"no other edge touches {back} (got {stray})")

    after = metrics(base)
    spans = 3 * CALLS  # front SERVER + AsyncHTTPClient CLIENT + back SERVER
    rejected = "parallax_receiver_spans_rejected_total"
    check(after(rejected) == before(rejected), f"no span rejected (parallax_receiver_spans_rejected_total {after(rejected)})")
    accepted = after("parallax_receiver_spans_accepted_total") - before("parallax_receiver_spans_accepted_total")
    check(accepted == spans, f"{spans} spans accepted (got {accepted})")
    decode = "parallax_receiver_decode_errors_total"
    check(after(decode) == before(decode), "no decode error")
    if tag == "json":
        b64 = 'parallax_receiver_json_id_encoding_total{encoding="base64"}'
        check(after(b64) - before(b64) == spans, f"{spans} OTLP/JSON spans with base64 ids (got {after(b64) - before(b64)})")
    else:
        series = 'parallax_receiver_json_id_encoding_total{encoding="base64"}'
        check(after(series) == before(series), "protobuf run sent no JSON")
    stop(fproc)
    stop(bproc)
    print(f"{protocol}: {time.monotonic() - started:.1f} s", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default=".build/debug/parallax")
    ap.add_argument("--service", default=".build-clients/debug/OTelService")
    args = ap.parse_args()
    data = tempfile.mkdtemp(prefix="parallax-swift-otel-")
    port = free_port()
    server = subprocess.Popen([args.bin, "serve", "--host", "127.0.0.1", "--port", str(port), "--grpc-port", "0",
                               "--data", data, "--pairing-wait", "1", "--log-level", "warning"])
    procs = [server]
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base + "/healthz", server, "parallax serve")
        for protocol, tag in ENCODINGS:
            run_encoding(args, base, protocol, tag, procs)
        codes = re.findall(r'^parallax_http_requests_total\{route="/v1/traces",method="POST",code="(\d+)"\} (\d+)',
                           get(base + "/metrics")[1].decode(), re.M)
        check(codes and all(code == "200" for code, _ in codes), f"every export answered 200 (POST /v1/traces by code: {codes})")
    finally:
        for p in reversed(procs):
            stop(p)
        shutil.rmtree(data, ignore_errors=True)
    print(f"swift-otel end-to-end: {len(passes)} passed, {len(failures)} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
