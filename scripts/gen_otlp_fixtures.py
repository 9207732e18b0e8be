#!/usr/bin/env python3
"""Generates the OTLP conformance fixtures in Tests/OTLPTests/Fixtures with the
official OpenTelemetry Python SDK and its OTLP protobuf encoder.

    python3 -m venv .venv && .venv/bin/pip install opentelemetry-sdk opentelemetry-exporter-otlp-proto-http
    .venv/bin/python scripts/gen_otlp_fixtures.py

Outputs (deterministic: fixed ids and timestamps):
  sdk-shop.pb / sdk-shop.json      the same ExportTraceServiceRequest, protobuf and OTLP/JSON
  sdk-shop.expected.json           what the SDK says each span is (source of truth for the tests)
  sdk-rejects.pb / .json           one resource without service.name, a zero trace id, a bad span id
  sdk-shop.pb.gz                   gzip of sdk-shop.pb, as a Collector's otlphttp exporter sends it
  collector-file.jsonl             two requests as JSON lines (Collector file exporter, format json)
  collector-file-proto.bin         two requests length-prefixed (Collector file exporter, format proto)
"""
import base64, gzip, json, os, struct, sys

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.id_generator import IdGenerator
from opentelemetry.trace import SpanKind, Status, StatusCode, Link
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from google.protobuf.json_format import MessageToDict

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "OTLPTests", "Fixtures")
T0 = 1_764_000_000_000_000_000  # 2025-11-24T16:00:00Z in ns


class SequentialIds(IdGenerator):
    def __init__(self):
        self.span = 0x1000
        self.trace = 0xA000

    def generate_span_id(self):
        self.span += 1
        return 0x0B00_0000_0000_0000 | self.span

    def generate_trace_id(self):
        self.trace += 1
        return (0x4BF92F3577B34DA6 << 64) | self.trace


ids = SequentialIds()


def provider(attrs):
    exporter = InMemorySpanExporter()
    attrs = dict(attrs, **{"service.instance.id": attrs["service.name"] + "-1"})  # fixed, for stable fixtures
    p = TracerProvider(resource=Resource.create(attrs), id_generator=ids)
    p.add_span_processor(SimpleSpanProcessor(exporter))
    return p, exporter


def ms(n):
    return T0 + n * 1_000_000


def build_shop():
    fe_p, fe_x = provider({"service.name": "frontend", "service.namespace": "shop", "deployment.environment.name": "prod",
                           "k8s.namespace.name": "shop", "k8s.deployment.name": "frontend",
                           "k8s.pod.name": "frontend-7d9f8b6c4-x2kqz", "service.owner": "web"})
    cart_p, cart_x = provider({"service.name": "cart", "service.namespace": "shop", "deployment.environment": "prod",
                               "team": "checkout"})
    co_p, co_x = provider({"service.name": "checkout", "service.namespace": "shop", "host.name": "ip-10-0-1-7"})
    acc_p, acc_x = provider({"service.name": "accounting", "service.namespace": "shop",
                             "cloud.resource_id": "arn:aws:lambda:us-east-1:123456789012:function:accounting"})
    fe, cart, co, acc = (p.get_tracer("fixture") for p in (fe_p, cart_p, co_p, acc_p))

    # frontend SERVER (root) -> CLIENT GET cart (new semconv) -> cart SERVER -> redis CLIENT (old semconv db)
    root = fe.start_span("GET /cart", kind=SpanKind.SERVER, start_time=ms(0),
                         attributes={"http.request.method": "GET", "http.response.status_code": 200, "url.path": "/cart"})
    ctx = trace.set_span_in_context(root)
    call = fe.start_span("GET", kind=SpanKind.CLIENT, context=ctx, start_time=ms(2),
                         attributes={"http.request.method": "GET", "server.address": "cart", "server.port": 8080,
                                     "http.response.status_code": 200})
    srv = cart.start_span("GET /api/cart", kind=SpanKind.SERVER, context=trace.set_span_in_context(call), start_time=ms(3),
                          attributes={"http.request.method": "GET", "http.response.status_code": 200})
    db = cart.start_span("HGETALL", kind=SpanKind.CLIENT, context=trace.set_span_in_context(srv), start_time=ms(4),
                         attributes={"db.system": "redis", "db.name": "0", "net.peer.name": "valkey-cart", "net.peer.port": 6379})
    db.end(end_time=ms(6))
    srv.end(end_time=ms(9))
    call.end(end_time=ms(10))

    # frontend CLIENT POST checkout (old semconv http, error) -> checkout SERVER (error)
    call2 = fe.start_span("POST", kind=SpanKind.CLIENT, context=ctx, start_time=ms(11),
                          attributes={"http.method": "POST", "http.url": "http://checkout.shop.svc:5050/checkout?x=1",
                                      "http.status_code": 503, "peer.service": "checkout"})
    srv2 = co.start_span("POST /checkout", kind=SpanKind.SERVER, context=trace.set_span_in_context(call2), start_time=ms(12),
                         attributes={"http.method": "POST", "http.status_code": 503, "rpc.system": "none"})
    # checkout PRODUCER -> kafka orders; accounting CONSUMER links to it (new trace)
    prod = co.start_span("orders publish", kind=SpanKind.PRODUCER, context=trace.set_span_in_context(srv2), start_time=ms(13),
                         attributes={"messaging.system": "kafka", "messaging.destination.name": "orders",
                                     "server.address": "kafka", "server.port": 9092})
    prod.end(end_time=ms(14))
    rds = co.start_span("SELECT orders", kind=SpanKind.CLIENT, context=trace.set_span_in_context(srv2), start_time=ms(15),
                        attributes={"db.system.name": "postgresql", "db.namespace": "orders", "server.address": "orders-db.abc.eu-west-1.rds.amazonaws.com",
                                    "cloud.resource_id": "arn:aws:rds:eu-west-1:123456789012:db:orders-db"})
    rds.end(end_time=ms(19))
    srv2.set_status(Status(StatusCode.ERROR, "payment declined"))
    srv2.end(end_time=ms(30))
    call2.set_status(Status(StatusCode.ERROR))
    call2.end(end_time=ms(31))
    root.end(end_time=ms(32))

    cons = acc.start_span("orders process", kind=SpanKind.CONSUMER, start_time=ms(40),
                          links=[Link(prod.get_span_context())],
                          attributes={"messaging.system": "kafka", "messaging.destination.name": "orders",
                                      "messaging.operation.type": "process", "tags": ["a", "b"], "nested.count": 3})
    cons.set_status(Status(StatusCode.OK))
    cons.end(end_time=ms(45))

    spans = fe_x.get_finished_spans() + cart_x.get_finished_spans() + co_x.get_finished_spans() + acc_x.get_finished_spans()
    return spans


def to_otlp_json(message):
    """protobuf JSON mapping, then OTLP/JSON's differences: hex ids."""
    d = MessageToDict(message)

    def fix(o):
        if isinstance(o, dict):
            for k, v in list(o.items()):
                if k in ("traceId", "spanId", "parentSpanId") and isinstance(v, str):
                    o[k] = base64.b64decode(v).hex()
                else:
                    fix(v)
        elif isinstance(o, list):
            for v in o:
                fix(v)
    fix(d)
    return d


def expected(spans):
    kinds = {SpanKind.INTERNAL: 1, SpanKind.SERVER: 2, SpanKind.CLIENT: 3, SpanKind.PRODUCER: 4, SpanKind.CONSUMER: 5}
    out = []
    for s in spans:
        c = s.get_span_context()
        out.append({
            "traceId": format(c.trace_id, "032x"), "spanId": format(c.span_id, "016x"),
            "parentSpanId": format(s.parent.span_id, "016x") if s.parent else "0000000000000000",
            "kind": kinds[s.kind], "status": {StatusCode.UNSET: 0, StatusCode.OK: 1, StatusCode.ERROR: 2}[s.status.status_code],
            "start": s.start_time, "end": s.end_time, "name": s.name,
            "service": s.resource.attributes["service.name"],
            "links": [format(l.context.span_id, "016x") for l in s.links],
            "attributes": {k: v for k, v in s.attributes.items() if isinstance(v, (str, int))},
            "resource": {k: v for k, v in s.resource.attributes.items() if not k.startswith("telemetry.")},
        })
    return out


def main():
    os.makedirs(OUT, exist_ok=True)
    spans = build_shop()
    req = encode_spans(spans)
    pb = req.SerializeToString(deterministic=True)
    open(os.path.join(OUT, "sdk-shop.pb"), "wb").write(pb)
    json.dump(to_otlp_json(req), open(os.path.join(OUT, "sdk-shop.json"), "w"), indent=1, sort_keys=True)
    json.dump(expected(spans), open(os.path.join(OUT, "sdk-shop.expected.json"), "w"), indent=1, sort_keys=True)
    with open(os.path.join(OUT, "sdk-shop.pb.gz"), "wb") as f:
        f.write(gzip.compress(pb, mtime=0))

    # Rejections: drop service.name from the cart resource, zero one trace id, cut one span id.
    bad = encode_spans(spans)
    for rs in bad.resource_spans:
        names = [a.value.string_value for a in rs.resource.attributes if a.key == "service.name"]
        if names == ["cart"]:
            keep = [a for a in rs.resource.attributes if a.key != "service.name"]
            del rs.resource.attributes[:]
            rs.resource.attributes.extend(keep)
        if names == ["frontend"]:
            rs.scope_spans[0].spans[0].trace_id = bytes(16)
            rs.scope_spans[0].spans[1].span_id = b"\x01\x02\x03"
    open(os.path.join(OUT, "sdk-rejects.pb"), "wb").write(bad.SerializeToString(deterministic=True))
    json.dump(to_otlp_json(bad), open(os.path.join(OUT, "sdk-rejects.json"), "w"), indent=1, sort_keys=True)

    # Collector file exporter formats: two requests (split by resource).
    first, second = encode_spans(spans), encode_spans(spans)
    del first.resource_spans[2:]
    del second.resource_spans[:2]
    with open(os.path.join(OUT, "collector-file.jsonl"), "w") as f:
        for r in (first, second):
            f.write(json.dumps(to_otlp_json(r), separators=(",", ":")) + "\n")
    with open(os.path.join(OUT, "collector-file-proto.bin"), "wb") as f:
        for r in (first, second):
            b = r.SerializeToString(deterministic=True)
            f.write(struct.pack(">I", len(b)) + b)
    print(f"wrote {len(spans)} spans to {os.path.normpath(OUT)}")


if __name__ == "__main__":
    sys.exit(main())
