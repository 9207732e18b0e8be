#!/usr/bin/env python3
"""End-to-end over OTLP/gRPC: the official OpenTelemetry Python SDK's gRPC exporter
(opentelemetry-exporter-otlp-proto-grpc) exports to a running `parallax serve`.

    scripts/e2e_grpc.py http://127.0.0.1:HTTP_PORT 127.0.0.1:GRPC_PORT

Exports spans of two services with the SDK's gRPC exporter (plain and gzip), sends hostile
messages with grpcio's raw channel (a truncated request and a nesting bomb must get
INVALID_ARGUMENT, the server must keep serving), then asserts on /api/v1/graph and /metrics
of the HTTP port: spans from the gRPC port are in the same graph. Exit status 0 on success.
Run by scripts/e2e.sh after scripts/e2e_sdk.py.
"""
import json
import sys
import time
import urllib.request

import grpc
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExportResult
from opentelemetry.trace import SpanKind, Status, StatusCode, set_span_in_context

base = sys.argv[1].rstrip("/")
target = sys.argv[2]
failures = []
EXPORT = "/opentelemetry.proto.collector.trace.v1.TraceService/Export"


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def provider(service, compression):
    p = TracerProvider(resource=Resource.create({"service.name": service}))
    exporter = OTLPSpanExporter(endpoint=f"http://{target}", insecure=True, compression=compression, timeout=10)
    results = []

    class Recording(SimpleSpanProcessor):
        def on_end(self, span):
            results.append(exporter.export([span]))

    p.add_span_processor(Recording(exporter))
    return p, results


front, front_results = provider("e2e-grpc-front", grpc.Compression.NoCompression)
back, back_results = provider("e2e-grpc-back", grpc.Compression.Gzip)
front_tracer = front.get_tracer("e2e-grpc")
back_tracer = back.get_tracer("e2e-grpc")

for i in range(10):
    with front_tracer.start_as_current_span("GET /", kind=SpanKind.SERVER):
        with front_tracer.start_as_current_span("POST /orders", kind=SpanKind.CLIENT,
                                                attributes={"http.request.method": "POST", "server.address": "e2e-grpc-back"}) as client:
            ctx = set_span_in_context(client)
            with back_tracer.start_as_current_span("POST /orders", kind=SpanKind.SERVER, context=ctx) as server:
                if i % 5 == 0:
                    server.set_status(Status(StatusCode.ERROR))
                time.sleep(0.001)

check(len(front_results) == 20 and all(r == SpanExportResult.SUCCESS for r in front_results),
      f"SDK gRPC exporter accepted {len(front_results)} exports")
check(len(back_results) == 10 and all(r == SpanExportResult.SUCCESS for r in back_results),
      f"SDK gRPC exporter with gzip accepted {len(back_results)} exports")

# Hostile messages from a second, independent gRPC implementation (grpcio, raw bytes).
with grpc.insecure_channel(target) as channel:
    export = channel.unary_unary(EXPORT)  # no serializers: bytes in, bytes out

    def call(body, **kw):
        try:
            export(body, timeout=10, **kw)
            return grpc.StatusCode.OK, ""
        except grpc.RpcError as e:
            return e.code(), e.details()

    def nested(levels):
        def ld(field, payload):
            tag = bytes([(field << 3) | 2])
            n, out = len(payload), bytearray()
            while True:
                b = n & 0x7F
                n >>= 7
                out.append(b | (0x80 if n else 0))
                if not n:
                    break
            return tag + bytes(out) + payload
        anyv = ld(1, b"leaf")
        for _ in range(levels):
            anyv = ld(5, ld(1, anyv))
        return ld(1, ld(2, ld(2, ld(9, ld(1, b"deep") + ld(2, anyv)))))

    code, details = call(b"\x0a\xff\xff\x03\x01")
    check(code == grpc.StatusCode.INVALID_ARGUMENT, f"truncated request: INVALID_ARGUMENT (got {code}: {details})")
    code, details = call(nested(5000), compression=grpc.Compression.Gzip)
    check(code == grpc.StatusCode.INVALID_ARGUMENT and "nesting" in details,
          f"nesting bomb (gzip): INVALID_ARGUMENT (got {code}: {details})")
    code, details = call(b"")
    check(code == grpc.StatusCode.OK, f"empty request: OK (got {code})")

# Readiness: poll the graph until the gRPC spans are paired (serve runs with --pairing-wait 1), at most 20 s.
deadline = time.time() + 20
while True:
    with urllib.request.urlopen(f"{base}/api/v1/graph?window=1h", timeout=10) as r:
        doc = json.load(r)
    edges = {(e["source"], e["target"]): e for e in doc["edges"]}
    e = edges.get(("e2e-grpc-front", "e2e-grpc-back"))
    ready = e is not None and e["traced"]["calls"] >= 10 and ("user", "e2e-grpc-front") in edges
    if ready or time.time() >= deadline:
        break
    time.sleep(0.1)
check(e is not None and e["traced"]["calls"] == 10 and e["traced"]["errors"] == 2,
      f"e2e-grpc-front -> e2e-grpc-back from gRPC spans: 10 calls, 2 errors (got {e and e['traced']})")
check(("user", "e2e-grpc-front") in edges, "user -> e2e-grpc-front ingress edge")
check(("e2e-web", "e2e-api") in edges, "the OTLP/HTTP run's edges are in the same graph")
with urllib.request.urlopen(f"{base}/metrics", timeout=10) as r:
    metrics = r.read().decode()
route = 'route="grpc:/opentelemetry.proto.collector.trace.v1.TraceService/Export"'
check(f'parallax_http_requests_total{{{route},method="POST",code="200"}} 31' in metrics,
      "31 gRPC exports counted as 200 in /metrics")
check(f'parallax_http_requests_total{{{route},method="POST",code="400"}} 2' in metrics,
      "2 undecodable gRPC messages counted as 400 in /metrics")

if failures:
    print(f"{len(failures)} gRPC end-to-end check(s) failed", file=sys.stderr)
    sys.exit(1)
print("end-to-end over OTLP/gRPC with the OpenTelemetry Python SDK: all checks passed")
