#!/usr/bin/env python3
"""End-to-end: the OpenTelemetry Python SDK's own OTLP/JSON exporter against `parallax serve`.

    scripts/e2e_sdk_json.py http://127.0.0.1:PORT

PyPI `opentelemetry-exporter-otlp-json-http` (OTLP over HTTP with `Content-Type: application/json`,
ids in hex as the OTLP specification asks), one exporter per service through the SDK's
BatchSpanProcessor, as an application would configure it. Asserts every call on the graph, every
export accepted, no span rejected and the JSON spans counted in /metrics. Run by scripts/e2e.sh
after scripts/e2e_sdk.py against the same server (the services here have names of their own).
"""
import json
import re
import sys
import time
import urllib.request

from opentelemetry.exporter.otlp.json.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExportResult
from opentelemetry.trace import SpanKind, Status, StatusCode, set_span_in_context

base = sys.argv[1].rstrip("/")
CALLS, ERROR_EVERY = 30, 6
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def metrics():
    with urllib.request.urlopen(f"{base}/metrics", timeout=10) as r:
        text = r.read().decode()

    def value(name):
        m = re.search(r"^" + re.escape(name) + r" (\d+)", text, re.M)
        return int(m.group(1)) if m else 0
    return value


class Counting(OTLPSpanExporter):
    """The real exporter, with its results kept for the checks."""

    def __init__(self, **kw):
        super().__init__(**kw)
        self.results = []

    def export(self, spans):
        result = super().export(spans)
        self.results.append((len(spans), result))
        return result


def provider(service):
    p = TracerProvider(resource=Resource.create({"service.name": service}))
    exporter = Counting(endpoint=f"{base}/v1/traces", timeout=10)
    p.add_span_processor(BatchSpanProcessor(exporter, schedule_delay_millis=200))
    return p, exporter


before = metrics()
web, web_exporter = provider("e2e-json-web")
api, api_exporter = provider("e2e-json-api")
web_tracer, api_tracer = web.get_tracer("e2e-json"), api.get_tracer("e2e-json")
for i in range(CALLS):
    with web_tracer.start_as_current_span("GET /cart", kind=SpanKind.SERVER):
        with web_tracer.start_as_current_span("GET", kind=SpanKind.CLIENT,
                                              attributes={"http.request.method": "GET", "server.address": "e2e-json-api"}) as client:
            with api_tracer.start_as_current_span("GET /cart/items", kind=SpanKind.SERVER, context=set_span_in_context(client)) as server:
                failed = i % ERROR_EVERY == 0
                server.set_attribute("http.response.status_code", 503 if failed else 200)
                if failed:
                    server.set_status(Status(StatusCode.ERROR))
for p in (web, api):
    p.force_flush(10_000)
    p.shutdown()

exports = web_exporter.results + api_exporter.results
check(exports and all(r == SpanExportResult.SUCCESS for _, r in exports),
      f"JSON exporter: {len(exports)} exports accepted ({[r.name for _, r in exports if r != SpanExportResult.SUCCESS]} failed)")
sent = sum(n for n, _ in exports)
check(sent == 3 * CALLS, f"JSON exporter sent {sent} spans (3 per call)")

errors = len([i for i in range(CALLS) if i % ERROR_EVERY == 0])
edge = None
deadline = time.time() + 10
while time.time() < deadline:
    with urllib.request.urlopen(f"{base}/api/v1/graph?window=1h", timeout=10) as r:
        doc = json.load(r)
    edges = {(e["source"], e["target"]): e for e in doc["edges"]}
    edge = edges.get(("e2e-json-web", "e2e-json-api"))
    if edge and edge["traced"]["calls"] >= CALLS:
        break
    time.sleep(0.2)
check(edge is not None and edge["traced"]["calls"] == CALLS and edge["traced"]["errors"] == errors,
      f"e2e-json-web -> e2e-json-api: {CALLS} calls, {errors} errors (got {edge and edge['traced']})")
check(("user", "e2e-json-web") in edges and edges[("user", "e2e-json-web")]["traced"]["calls"] == CALLS,
      f"user -> e2e-json-web: {CALLS} calls")

after = metrics()
check(after("parallax_receiver_spans_rejected_total") == before("parallax_receiver_spans_rejected_total"), "no span rejected")
check(after("parallax_receiver_spans_accepted_total") - before("parallax_receiver_spans_accepted_total") == sent,
      f"{sent} spans accepted")
hex_ids = 'parallax_receiver_json_id_encoding_total{encoding="hex"}'
check(after(hex_ids) - before(hex_ids) == sent, f"{sent} OTLP/JSON spans with hex ids counted")

if failures:
    print(f"{len(failures)} OTLP/JSON exporter check(s) failed", file=sys.stderr)
    sys.exit(1)
print(f"end-to-end with opentelemetry-exporter-otlp-json-http: all checks passed ({CALLS} calls)")
