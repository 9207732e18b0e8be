#!/usr/bin/env python3
"""End-to-end: the official OpenTelemetry Python SDK exports to a running `parallax serve`.

    scripts/e2e_sdk.py http://127.0.0.1:PORT

Sends traces with the SDK's OTLP/HTTP protobuf exporter (plain and gzip) and with the SDK's
JSON encoding of the same request, posts an Alertmanager webhook, then asserts on /api/v1/graph,
/api/v1/services/{name} and /metrics. Exit status 0 on success; prints what failed otherwise.
Run by `make e2e` (part of `make test`), which starts the server and the venv.
"""
import base64
import json
import sys
import time
import urllib.request

from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExportResult
from opentelemetry.trace import SpanKind, Status, StatusCode, set_span_in_context

base = sys.argv[1].rstrip("/")
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def provider(service, team, compression):
    p = TracerProvider(resource=Resource.create({"service.name": service, "team": team}))
    exporter = OTLPSpanExporter(endpoint=f"{base}/v1/traces", compression=compression, timeout=10)
    results = []

    class Recording(SimpleSpanProcessor):
        def on_end(self, span):
            results.append(exporter.export([span]))

    p.add_span_processor(Recording(exporter))
    return p, results


web, web_results = provider("e2e-web", "storefront", Compression.NoCompression)
api, api_results = provider("e2e-api", "backend", Compression.Gzip)
web_tracer = web.get_tracer("e2e")
api_tracer = api.get_tracer("e2e")

for i in range(20):
    with web_tracer.start_as_current_span("GET /", kind=SpanKind.SERVER) as root:
        with web_tracer.start_as_current_span("GET /api/items", kind=SpanKind.CLIENT,
                                              attributes={"http.request.method": "GET", "server.address": "e2e-api"}) as client:
            ctx = set_span_in_context(client)
            with api_tracer.start_as_current_span("GET /api/items", kind=SpanKind.SERVER, context=ctx) as server:
                server.set_attribute("http.response.status_code", 500 if i % 5 == 0 else 200)
                if i % 5 == 0:
                    server.set_status(Status(StatusCode.ERROR))
                with api_tracer.start_as_current_span("SELECT items", kind=SpanKind.CLIENT,
                                                      attributes={"db.system.name": "postgresql", "db.namespace": "items",
                                                                  "server.address": "items-db"}):
                    time.sleep(0.001)

check(all(r == SpanExportResult.SUCCESS for r in web_results), f"SDK exporter (protobuf) accepted {len(web_results)} exports")
check(all(r == SpanExportResult.SUCCESS for r in api_results), f"SDK exporter (protobuf+gzip) accepted {len(api_results)} exports")

# The same kind of request in OTLP/JSON, encoded by the SDK's own encoder.
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from google.protobuf.json_format import MessageToJson

provider_json = TracerProvider(resource=Resource.create({"service.name": "e2e-json"}))
captured = []


class Capture(SpanProcessor):
    def on_end(self, span):
        captured.append(span)


def hex_ids(node):
    """protobuf's JSON mapping writes bytes as base64; OTLP/JSON wants trace/span ids as hex."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k in ("traceId", "spanId", "parentSpanId") and isinstance(v, str):
                node[k] = base64.b64decode(v).hex()
            else:
                hex_ids(v)
    elif isinstance(node, list):
        for v in node:
            hex_ids(v)
    return node


provider_json.add_span_processor(Capture())
with provider_json.get_tracer("e2e").start_as_current_span("consume", kind=SpanKind.SERVER):
    pass
body = json.dumps(hex_ids(json.loads(MessageToJson(encode_spans(captured))))).encode()
req = urllib.request.Request(f"{base}/v1/traces", data=body, headers={"Content-Type": "application/json"}, method="POST")
with urllib.request.urlopen(req, timeout=10) as r:
    check(r.status == 200 and r.headers["Content-Type"] == "application/json", "OTLP/JSON request accepted with a JSON answer")

alert = {
    "receiver": "parallax", "status": "firing", "groupKey": "{}:{alertname=\"ApiErrors\"}", "version": "4",
    "alerts": [{"status": "firing", "labels": {"alertname": "ApiErrors", "service": "e2e-api", "team": "backend"},
                "annotations": {}, "startsAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "endsAt": "0001-01-01T00:00:00Z", "fingerprint": "e2e0000000000001"}],
}
req = urllib.request.Request(f"{base}/v1/alerts", data=json.dumps(alert).encode(), headers={"Content-Type": "application/json"}, method="POST")
with urllib.request.urlopen(req, timeout=10) as r:
    ack = json.load(r)
    check(r.status == 202 and ack["accepted"] == 1, "Alertmanager webhook stored (202)")

# Unpaired database client spans become edges after the pairing wait (serve runs with --pairing-wait 1):
# poll until nothing is pending (at most 30 s), not a fixed sleep.
deadline = time.monotonic() + 30
while True:
    with urllib.request.urlopen(f"{base}/metrics", timeout=10) as r:
        pending = [line for line in r.read().decode().splitlines() if line.startswith("parallax_tracegraph_pending_spans ")]
    if pending and float(pending[0].split()[1]) == 0:
        break
    if time.monotonic() > deadline:
        check(False, f"pairing settled within 30 s ({pending})")
        break
    time.sleep(0.1)
with urllib.request.urlopen(f"{base}/api/v1/graph?window=1h", timeout=10) as r:
    doc = json.load(r)
edges = {(e["source"], e["target"]): e for e in doc["edges"]}
check(doc["schema"] == "parallax.graph/v1", "graph document schema")
e = edges.get(("e2e-web", "e2e-api"))
check(e is not None and e["traced"]["calls"] == 20 and e["traced"]["errors"] == 4,
      f"e2e-web -> e2e-api: 20 calls, 4 errors (got {e and e['traced']})")
check(e is not None and e["traced"]["latencyMs"]["p99"] > 0, "edge latency percentiles")
check(("user", "e2e-web") in edges, "user -> e2e-web ingress edge")
db = [k for k in edges if k[0] == "e2e-api" and edges[k]["connectionType"] == "database"]
check(len(db) == 1, f"e2e-api -> database edge ({db})")
check(("user", "e2e-json") in edges, "span sent as OTLP/JSON is in the graph")
with urllib.request.urlopen(f"{base}/api/v1/services/e2e-api?window=1h", timeout=10) as r:
    svc = json.load(r)
check(svc["service"]["alerted"] and svc["service"]["instrumented"], "e2e-api is both traced and alerted")
check(svc["service"]["signals"]["requests"] == 20, f"e2e-api served 20 requests (got {svc['service']['signals']})")
with urllib.request.urlopen(f"{base}/metrics", timeout=10) as r:
    metrics = r.read().decode()
check('traces_service_graph_request_total{client="e2e-web",server="e2e-api",connection_type="http"} 20' in metrics,
      "Prometheus service-graph counter for e2e-web -> e2e-api")

if failures:
    print(f"{len(failures)} end-to-end check(s) failed", file=sys.stderr)
    sys.exit(1)
print("end-to-end with the OpenTelemetry Python SDK: all checks passed")
