#!/usr/bin/env python3
"""Generates samples/traces: two hours of a small online shop, traced with the official
OpenTelemetry Python SDK and serialized by its OTLP/HTTP exporter.

    python3 -m venv .venv && .venv/bin/pip install opentelemetry-sdk==1.45.2 opentelemetry-exporter-otlp-proto-http==1.45.2
    .venv/bin/python scripts/gen_samples.py            # rewrites samples/traces/

The output is deterministic (fixed seed, fixed timestamps on 2026-11-20 UTC, fixed ids) and is
committed: `parallax demo` and the end-to-end tests read the files, not this script.
The alert bodies in samples/alerts/ are hand-written; INCIDENTS below must match them (see
samples/README.md for the scenario).

What is written (samples/traces/):
  HHMM-<service>.pb     one ExportTraceServiceRequest each: the exact bytes the SDK's
                        OTLPSpanExporter POSTs to /v1/traces, one file per service and 30-minute batch
  HHMM-fulfillment.json the fulfillment worker's batches as OTLP/JSON (integer enums, hex ids),
                        the encoding an OTLP/HTTP JSON exporter sends

Topology (service.namespace "shop", deployment.environment.name "prod"):
  user -> frontend -> catalog
                   -> cart -> redis (cache-redis)
                   -> checkout -> payments (gRPC)
                               -> postgres "orders" (orders-db.cluster-abc...rds.amazonaws.com, RDS ARN)
                               -> kafka topic order-events -> fulfillment -> api.shipfast.example (external)
"""
import base64
import datetime as dt
import json
import os
import random
import sys

for _k in [k for k in os.environ if k.startswith("OTEL_")]:   # no environment-dependent resource attributes
    del os.environ[_k]

import requests
from google.protobuf.json_format import MessageToDict
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.id_generator import IdGenerator
from opentelemetry.trace import Link, SpanKind, Status, StatusCode

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "samples", "traces")
SEED = 20261120
rng = random.Random(SEED)

UTC = dt.timezone.utc
START = dt.datetime(2026, 11, 20, 9, 0, 0, tzinfo=UTC)
END = dt.datetime(2026, 11, 20, 11, 10, 0, tzinfo=UTC)
BATCH_MINUTES = 30
TRACES_PER_MINUTE = 3.6

# Incidents, as the alerts in samples/alerts tell them (kind, first alert). The traces show the
# same trouble: errors and latency on the affected calls from shortly before the first alert.
#   A  orders-db overloaded     -> checkout 5xx -> frontend availability SLO
#   L  ledger (untraced) down   -> payments Charge errors (checkout retries them)
#   S  ShipFast API degraded    -> fulfillment shipment errors (the partner's synthetic check alerts later)
#   P  payment gateway slow     -> payments latency -> frontend latency SLO (checkout only slower)
#   C  checkout crash-loops after a deploy -> frontend 5xx
#   N  catalog search latency, isolated;  F  cart cache-hit monitor flapping (no trace effect)
# Not alerted on: a Kafka broker restart (KAFKA_RESTART) during which publishes time out.
INCIDENTS = [
    ("A", "09:02:40"), ("L", "09:11:35"), ("S", "09:19:10"), ("P", "09:28:25"), ("C", "09:37:30"),
    ("N", "09:45:05"), ("A", "09:50:50"), ("L", "10:00:10"), ("F", "10:07:33"), ("S", "10:13:25"),
    ("P", "10:22:41"), ("A", "10:31:38"), ("C", "10:40:32"), ("L", "10:48:26"), ("S", "10:56:13"),
    ("P", "11:05:24"),
]
# (kind) -> (seconds before the first alert the trouble starts, seconds after it ends)
EFFECT = {"A": (50, 300), "L": (30, 240), "S": (50, 360), "P": (70, 300), "C": (20, 200), "N": (40, 180)}


def ts(hhmmss):
    h, m, s = (int(x) for x in hhmmss.split(":"))
    return dt.datetime(2026, 11, 20, h, m, s, tzinfo=UTC)


WINDOWS = [(k, ts(t) - dt.timedelta(seconds=EFFECT[k][0]), ts(t) + dt.timedelta(seconds=EFFECT[k][1]))
           for k, t in INCIDENTS if k in EFFECT]


def active(kind, t):
    return any(k == kind and a <= t < b for k, a, b in WINDOWS)


# ---------------------------------------------------------------------------- SDK plumbing

class SeededIds(IdGenerator):
    def generate_span_id(self):
        return rng.getrandbits(64) or 1

    def generate_trace_id(self):
        return rng.getrandbits(128) or 1


IDS = SeededIds()
COMMON = {"service.namespace": "shop", "deployment.environment.name": "prod", "cloud.provider": "aws",
          "cloud.region": "us-east-1", "k8s.namespace.name": "shop"}

# service -> (version, pod, ownership attribute)
SERVICES = {
    "frontend": ("2.14.0", "frontend-6d8f7b9c5-7tkqz", {"team": "storefront"}),
    "catalog": ("1.9.3", "catalog-5c7d9f8b4-wq2lp", {"team": "storefront"}),
    "cart": ("3.2.1", "cart-7f9c6d5b8-hx4nr", {"service.owner": "storefront"}),
    "checkout": ("5.0.7", "checkout-7d9f8b6c4-x2kqz", {"service.owner": "payments"}),
    "payments": ("4.11.0", "payments-68b7c9d5f-zr8vm", {"team": "payments"}),
    "fulfillment": ("1.4.2", "fulfillment-5d6c8b7f9-pk2nw", {"team": "logistics"}),
}

providers, collectors, tracers = {}, {}, {}
for name, (version, pod, owner) in SERVICES.items():
    attrs = dict(COMMON, **owner)
    attrs.update({"service.name": name, "service.version": version, "service.instance.id": pod,
                  "k8s.deployment.name": name, "k8s.pod.name": pod, "host.name": pod})
    p = TracerProvider(resource=Resource.create(attrs), id_generator=IDS)
    x = InMemorySpanExporter()
    p.add_span_processor(SimpleSpanProcessor(x))
    providers[name], collectors[name] = p, x


def tracer(service, scope, version):
    key = (service, scope)
    if key not in tracers:
        tracers[key] = providers[service].get_tracer(scope, version)
    return tracers[key]


HTTP_SERVER = ("opentelemetry.instrumentation.asgi", "0.66b2")
HTTP_CLIENT = ("opentelemetry.instrumentation.httpx", "0.66b2")
GRPC = ("opentelemetry.instrumentation.grpc", "0.66b2")
PSYCOPG = ("opentelemetry.instrumentation.psycopg", "0.66b2")
REDIS = ("opentelemetry.instrumentation.redis", "0.66b2")
KAFKA = ("opentelemetry.instrumentation.confluent_kafka", "0.66b2")


def ns(t):
    return int(t.timestamp()) * 1_000_000_000 + t.microsecond * 1000


def ms(x):
    return dt.timedelta(microseconds=int(x * 1000))


def lat(median_ms, sigma=0.45, lo=0.05):
    return max(lo, rng.lognormvariate(0, sigma) * median_ms)


def span(service, scope, name, kind, parent, start, dur_ms, attrs, error=None, links=(), events=()):
    t = tracer(service, *scope)
    ctx = trace.set_span_in_context(parent) if parent is not None else None
    s = t.start_span(name, context=ctx, kind=kind, attributes=attrs, links=list(links), start_time=ns(start))
    for ev_name, ev_attrs, ev_at in events:
        s.add_event(ev_name, ev_attrs, timestamp=ns(ev_at))
    if error:
        s.set_status(Status(StatusCode.ERROR, error))
    s.end(end_time=ns(start + ms(dur_ms)))
    return s


def exc(etype, message, at):
    return ("exception", {"exception.type": etype, "exception.message": message}, at)


def client_ip():
    return rng.choice(["203.0.113.", "198.51.100.", "192.0.2."]) + str(rng.randint(2, 250))


# ---------------------------------------------------------------------------- request shapes

def http_server(service, parent, start, method, route, path, status, dur_ms, host, port, error=None, root=False):
    attrs = {"http.request.method": method, "http.route": route, "url.path": path, "url.scheme": "https" if root else "http",
             "server.address": host, "server.port": port, "network.protocol.version": "1.1",
             "http.response.status_code": status}
    if root:
        attrs["client.address"] = client_ip()
        attrs["user_agent.original"] = rng.choice([
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
            "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Safari/605.1.15",
            "Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0"])
    if status >= 500:
        attrs["error.type"] = str(status)
    return span(service, HTTP_SERVER, f"{method} {route}", SpanKind.SERVER, parent, start, dur_ms, attrs, error=error)


def frontend_request(t0, method, route, path, children):
    """The user's request to the frontend (a root SERVER span): children(root, cursor) makes the
    downstream calls from `cursor` on and returns (end of the last call, HTTP status)."""
    tr = tracer("frontend", *HTTP_SERVER)
    root = tr.start_span(f"{method} {route}", kind=SpanKind.SERVER, start_time=ns(t0), attributes={
        "http.request.method": method, "http.route": route, "url.path": path, "url.scheme": "https",
        "server.address": "shop.example.com", "server.port": 443, "network.protocol.version": "2",
        "client.address": client_ip(),
        "user_agent.original": rng.choice([
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
            "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Safari/605.1.15",
            "Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0"])})
    cursor, status = children(root, t0 + ms(lat(1.5, 0.3)))
    end = cursor + ms(lat(6 if method == "GET" else 3, 0.5))
    root.set_attribute("http.response.status_code", status)
    if status >= 500:
        root.set_attribute("error.type", str(status))
        root.set_status(Status(StatusCode.ERROR))
    root.end(end_time=ns(end))
    return root


def call_catalog(parent, start, path, route):
    slow = active("N", start)
    server_ms = lat(240 if slow and "search" in path else 16, 0.5)
    c_start = start
    s_start = c_start + ms(lat(0.6, 0.3))
    client = tracer("frontend", *HTTP_CLIENT).start_span("GET", context=trace.set_span_in_context(parent), kind=SpanKind.CLIENT,
                                                         start_time=ns(c_start), attributes={
        "http.request.method": "GET", "server.address": "catalog", "server.port": 8080,
        "url.full": f"http://catalog:8080{path}", "network.protocol.version": "1.1"})
    http_server("catalog", client, s_start, "GET", route, path, 200, server_ms, "catalog", 8080)
    c_end = s_start + ms(server_ms + lat(0.5, 0.3))
    client.set_attribute("http.response.status_code", 200)
    client.end(end_time=ns(c_end))
    return c_end


def browse(t0):
    pid = rng.randint(1000, 1099)
    kind = rng.random()
    if kind < 0.45:
        def children(root, cur):
            cur = call_catalog(root, cur, f"/api/products/{pid}", "/api/products/{id}")
            cur = call_catalog(root, cur + ms(0.3), f"/api/products/{pid}/recommendations", "/api/products/{id}/recommendations")
            return cur, 200
        frontend_request(t0, "GET", "/product/{id}", f"/product/{pid}", children)
    elif kind < 0.75:
        q = rng.choice(["boots", "rain jacket", "socks", "beanie", "trail shoes", "gloves"])
        def children(root, cur):
            return call_catalog(root, cur, "/api/search?q=" + q.replace(" ", "+"), "/api/search"), 200
        frontend_request(t0, "GET", "/search", "/search", children)
    elif kind < 0.93:
        def children(root, cur):
            return call_catalog(root, cur, "/api/products?page=1", "/api/products"), 200
        frontend_request(t0, "GET", "/", "/", children)
    else:
        frontend_request(t0, "GET", "/healthz", "/healthz", lambda root, cur: (cur + ms(lat(0.2)), 200))


def redis_op(parent, start, cmd, key):
    d = lat(0.45, 0.6)
    # old-style semantic conventions, as older redis instrumentations still emit
    span("cart", REDIS, cmd, SpanKind.CLIENT, parent, start, d, {
        "db.system": "redis", "db.statement": f"{cmd} {key}", "db.redis.database_index": 0,
        "net.peer.name": "cache-redis", "net.peer.port": 6379, "net.transport": "ip_tcp"})
    return start + ms(d)


def cart(t0):
    cid = rng.randint(10_000, 99_999)
    add = rng.random() < 0.55
    def children(root, cur):
        method, route, path = ("POST", "/api/cart/items", "/api/cart/items") if add else ("GET", "/api/cart", "/api/cart")
        client = tracer("frontend", *HTTP_CLIENT).start_span(method, context=trace.set_span_in_context(root), kind=SpanKind.CLIENT,
                                                             start_time=ns(cur), attributes={
            "http.request.method": method, "server.address": "cart", "server.port": 8080,
            "url.full": f"http://cart:8080{path}", "network.protocol.version": "1.1"})
        s_start = cur + ms(lat(0.6, 0.3))
        srv = tracer("cart", *HTTP_SERVER).start_span(f"{method} {route}", context=trace.set_span_in_context(client),
                                                      kind=SpanKind.SERVER, start_time=ns(s_start), attributes={
            "http.request.method": method, "http.route": route, "url.path": path, "url.scheme": "http",
            "server.address": "cart", "server.port": 8080, "network.protocol.version": "1.1"})
        c = s_start + ms(lat(1.2))
        c = redis_op(srv, c, "HGETALL", f"cart:{cid}")
        if add:
            c = redis_op(srv, c + ms(0.2), "HSET", f"cart:{cid}")
            c = redis_op(srv, c + ms(0.1), "EXPIRE", f"cart:{cid}")
        s_end = c + ms(lat(1.5))
        srv.set_attribute("http.response.status_code", 200)
        srv.end(end_time=ns(s_end))
        c_end = s_end + ms(lat(0.5, 0.3))
        client.set_attribute("http.response.status_code", 200)
        client.end(end_time=ns(c_end))
        return c_end, 200
    frontend_request(t0, "POST" if add else "GET", "/cart", "/cart", children)


ORDERS_DB = {"host": "orders-db.cluster-abc.us-east-1.rds.amazonaws.com", "arn": "arn:aws:rds:us-east-1:123456789012:db:orders-db"}
pending_events = []        # (producer span, publish end, order id, partition, offset) for fulfillment
offsets = {0: 48_211, 1: 47_980, 2: 48_377}
KAFKA_RESTART = dt.datetime(2026, 11, 20, 10, 3, 50, tzinfo=UTC)   # a broker restarts: the next 3 sends time out
timed_out_sends = [0]


def payments_charge(parent, start, order_id, amount):
    """checkout -> payments gRPC Charge; returns (end, grpc status)."""
    slow = active("P", start)
    ledger_down = active("L", start)
    server_ms = lat(2600, 0.15) if slow else lat(165, 0.5)
    code, err = 0, None
    if slow and rng.random() < 0.25:
        code, err, server_ms = 4, "acquirer timeout after 3000 ms", 3000 + lat(4, 0.5)
    elif ledger_down and rng.random() < 0.5:
        code, err = 14, "ledger unavailable: journal write failed"
    elif rng.random() < 0.004:
        code, err = 13, "internal error"
    rpc = {"rpc.system": "grpc", "rpc.service": "shop.payments.v1.PaymentService", "rpc.method": "Charge"}
    client = tracer("checkout", *GRPC).start_span("shop.payments.v1.PaymentService/Charge", context=trace.set_span_in_context(parent),
                                                  kind=SpanKind.CLIENT, start_time=ns(start), attributes=dict(rpc, **{
        "server.address": "payments", "server.port": 50051, "network.peer.address": "10.42.3.17"}))
    s_start = start + ms(lat(0.8, 0.3))
    events = [exc("GatewayTimeout" if code == 4 else "LedgerUnavailable", err, s_start + ms(server_ms - 1))] if err else []
    span("payments", GRPC, "shop.payments.v1.PaymentService/Charge", SpanKind.SERVER, client, s_start, server_ms,
         dict(rpc, **{"rpc.grpc.status_code": code, "server.address": "payments", "server.port": 50051,
                      "app.payment.amount_cents": amount, "app.payment.currency": "USD"}), error=err, events=events)
    end = s_start + ms(server_ms + lat(0.7, 0.3))
    client.set_attribute("rpc.grpc.status_code", code)
    if err:
        client.set_status(Status(StatusCode.ERROR, err))
    client.end(end_time=ns(end))
    return end, code


def orders_insert(parent, start, table, order_id):
    trouble = active("A", start)
    d = lat(2.8, 0.5)
    err = None
    if trouble:
        if rng.random() < 0.3:
            d, err = 5000 + lat(3, 0.3), "canceling statement due to statement timeout"
        else:
            d = lat(380, 0.6)
    attrs = {"db.system.name": "postgresql", "db.namespace": "orders", "db.operation.name": "INSERT", "db.collection.name": table,
             "db.query.text": f"INSERT INTO {table} (id, customer_id, total_cents, created_at) VALUES ($1, $2, $3, now())"
             if table == "orders" else "INSERT INTO order_items (order_id, sku, qty, price_cents) VALUES ($1, $2, $3, $4)",
             "server.address": ORDERS_DB["host"], "server.port": 5432, "cloud.resource_id": ORDERS_DB["arn"]}
    if err:
        attrs["error.type"] = "QueryCanceled"
        attrs["db.response.status_code"] = "57014"
    span("checkout", PSYCOPG, f"INSERT {table}", SpanKind.CLIENT, parent, start, d, attrs, error=err,
         events=[exc("psycopg.errors.QueryCanceled", err, start + ms(d - 0.5))] if err else [])
    return start + ms(d), err


def publish(parent, start, order_id):
    d = lat(3.5, 0.5)
    err = None
    if start >= KAFKA_RESTART and timed_out_sends[0] < 3:
        timed_out_sends[0] += 1
        d, err = 1500 + lat(2), "KafkaError{code=_MSG_TIMED_OUT,val=-192,str=\"Local: Message timed out\"}"
    partition = order_id % 3
    attrs = {"messaging.system": "kafka", "messaging.destination.name": "order-events", "messaging.operation.type": "send",
             "messaging.operation.name": "produce", "messaging.kafka.message.key": f"ord-{order_id}",
             "messaging.destination.partition.id": str(partition), "messaging.client.id": "checkout-producer-1"}
    if err:
        attrs["error.type"] = "_MSG_TIMED_OUT"
    s = span("checkout", KAFKA, "send order-events", SpanKind.PRODUCER, parent, start, d, attrs, error=err)
    if not err:
        offsets[partition] += 1
        pending_events.append((s, start + ms(d), order_id, partition, offsets[partition]))
    return start + ms(d)


def checkout_flow(t0):
    order_id = rng.randint(310_000, 399_999)
    amount = rng.randint(1_500, 32_000)
    crash = active("C", t0)

    def children(root, cur):
        client = tracer("frontend", *HTTP_CLIENT).start_span("POST", context=trace.set_span_in_context(root), kind=SpanKind.CLIENT,
                                                             start_time=ns(cur), attributes={
            "http.request.method": "POST", "server.address": "checkout", "server.port": 8080,
            "url.full": "http://checkout:8080/api/checkout", "network.protocol.version": "1.1"})
        s_start = cur + ms(lat(0.7, 0.3))
        srv_attrs = {"http.request.method": "POST", "http.route": "/api/checkout", "url.path": "/api/checkout", "url.scheme": "http",
                     "server.address": "checkout", "server.port": 8080, "network.protocol.version": "1.1"}
        if crash and rng.random() < 0.6:
            # a pod of the new ReplicaSet answers before it dies: config error on start-up
            srv = tracer("checkout", *HTTP_SERVER).start_span("POST /api/checkout", context=trace.set_span_in_context(client),
                                                              kind=SpanKind.SERVER, start_time=ns(s_start), attributes=srv_attrs)
            s_end = s_start + ms(lat(2.5))
            srv.add_event("exception", {"exception.type": "KeyError", "exception.message": "'PAYMENTS_ENDPOINT'"}, timestamp=ns(s_end - ms(0.3)))
            srv.set_attribute("http.response.status_code", 503)
            srv.set_attribute("error.type", "503")
            srv.set_status(Status(StatusCode.ERROR, "KeyError: 'PAYMENTS_ENDPOINT'"))
            srv.end(end_time=ns(s_end))
            status = 503
        else:
            srv = tracer("checkout", *HTTP_SERVER).start_span("POST /api/checkout", context=trace.set_span_in_context(client),
                                                              kind=SpanKind.SERVER, start_time=ns(s_start), attributes=srv_attrs)
            c = s_start + ms(lat(2))
            c, code = payments_charge(srv, c, order_id, amount)
            if code == 14:   # UNAVAILABLE is retried once by the gRPC retry policy
                c, code = payments_charge(srv, c + ms(lat(25, 0.3)), order_id, amount)
            status = 200
            if code == 0:
                c, err = orders_insert(srv, c + ms(lat(0.4)), "orders", order_id)
                if not err:
                    c, err = orders_insert(srv, c + ms(lat(0.2)), "order_items", order_id)
                if err:
                    status = 503
                else:
                    c = publish(srv, c + ms(lat(0.3)), order_id)
            elif code == 4:
                status = 202   # payment pending: checkout queues the capture and answers, only slower
            else:
                status = 502
            s_end = c + ms(lat(1.8))
            srv.set_attribute("http.response.status_code", status)
            if status >= 500:
                srv.set_attribute("error.type", str(status))
                srv.set_status(Status(StatusCode.ERROR))
            srv.end(end_time=ns(s_end))
        c_end = s_end + ms(lat(0.6, 0.3))
        client.set_attribute("http.response.status_code", status)
        if status >= 500:
            client.set_attribute("error.type", str(status))
            client.set_status(Status(StatusCode.ERROR))
        client.end(end_time=ns(c_end))
        return c_end, 502 if status >= 500 else 200

    frontend_request(t0, "POST", "/checkout", "/checkout", children)


def fulfill(producer, published, order_id, partition, offset, batch_mode):
    """fulfillment consumes order-events: in the producer's trace (propagated headers) or, for
    the batch consumer, in a new trace with a span link to the message's producer span."""
    start = published + ms(lat(180 if not batch_mode else 900, 0.7))
    attrs = {"messaging.system": "kafka", "messaging.destination.name": "order-events", "messaging.operation.type": "process",
             "messaging.operation.name": "poll", "messaging.consumer.group.name": "fulfillment",
             "messaging.destination.partition.id": str(partition), "messaging.kafka.offset": offset,
             "messaging.kafka.message.key": f"ord-{order_id}"}
    t = tracer("fulfillment", *KAFKA)
    if batch_mode:
        cons = t.start_span("process order-events", context=trace.set_span_in_context(trace.INVALID_SPAN), kind=SpanKind.CONSUMER,
                            start_time=ns(start), attributes=attrs, links=[Link(producer.get_span_context(), {"messaging.kafka.offset": offset})])
    else:
        cons = t.start_span("process order-events", context=trace.set_span_in_context(producer), kind=SpanKind.CONSUMER,
                            start_time=ns(start), attributes=attrs)
    c = start + ms(lat(3))
    degraded = active("S", c)
    d = lat(310, 0.45)
    status, err = 201, None
    if degraded and rng.random() < 0.5:
        if rng.random() < 0.5:
            d, status, err = lat(120, 0.4), 503, "503 Service Unavailable"
        else:
            d, status, err = 5000 + lat(3, 0.3), 504, "ReadTimeout: timed out after 5.0 s"
    elif rng.random() < 0.012:
        d, status, err = lat(90, 0.4), 502, "502 Bad Gateway"
    hattrs = {"http.request.method": "POST", "server.address": "api.shipfast.example", "server.port": 443,
              "url.full": "https://api.shipfast.example/v2/shipments", "network.protocol.version": "1.1",
              "http.response.status_code": status}
    if err:
        hattrs["error.type"] = str(status)
    span("fulfillment", HTTP_CLIENT, "POST", SpanKind.CLIENT, cons, c, d, hattrs, error=err)
    end = c + ms(d + lat(2))
    if err:
        cons.add_event("exception", {"exception.type": "ShipmentCreateError", "exception.message": f"ShipFast: {err}"}, timestamp=ns(end - ms(0.2)))
        cons.set_status(Status(StatusCode.ERROR, "shipment not created, message sent to retry topic"))
    cons.end(end_time=ns(end))


# ---------------------------------------------------------------------------- generate

def generate():
    """Returns {trace_id: batch start} for every trace (consumer traces follow their producer's batch)."""
    batch_of = {}
    t = START + dt.timedelta(seconds=rng.uniform(1, 10))
    while t < END - dt.timedelta(seconds=20):
        before = {name: len(collectors[name].get_finished_spans()) for name in SERVICES}
        r = rng.random()
        if r < 0.50:
            browse(t)
        elif r < 0.76:
            cart(t)
        else:
            checkout_flow(t)
        while pending_events:
            producer, published, order_id, partition, offset = pending_events.pop(0)
            fulfill(producer, published, order_id, partition, offset, batch_mode=rng.random() < 0.3)
        minute = (t - START).total_seconds() // 60
        batch = START + dt.timedelta(minutes=minute - minute % BATCH_MINUTES)
        for name in SERVICES:
            for s in collectors[name].get_finished_spans()[before[name]:]:
                batch_of.setdefault(s.context.trace_id, batch)
        t += dt.timedelta(seconds=rng.expovariate(TRACES_PER_MINUTE / 60.0))
    return batch_of


class CaptureSession(requests.Session):
    """Stands in for the network: keeps the body the exporter POSTs and answers 200."""

    def __init__(self):
        super().__init__()
        self.bodies = []

    def request(self, method, url, headers=None, data=None, **kwargs):
        assert method == "POST" and url.endswith("/v1/traces"), (method, url)
        assert {k.lower(): v for k, v in (headers or {}).items()}.get("content-type") == "application/x-protobuf"
        self.bodies.append(bytes(data))
        r = requests.Response()
        r.status_code, r._content, r.headers["Content-Type"] = 200, b"", "application/x-protobuf"
        return r


def to_otlp_json(req):
    """protobuf JSON mapping plus OTLP/JSON's rules: integer enums, hex trace/span ids."""
    d = MessageToDict(req, use_integers_for_enums=True)

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


def main():
    batch_of = generate()
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        if f.endswith((".pb", ".json")):
            os.remove(os.path.join(OUT, f))
    session = CaptureSession()
    exporter = OTLPSpanExporter(endpoint="http://otel-collector.observability.svc:4318/v1/traces", session=session)
    files = traces = spans_total = 0
    for name in SERVICES:
        by_batch = {}
        for s in collectors[name].get_finished_spans():
            by_batch.setdefault(batch_of[s.context.trace_id], []).append(s)
        for batch, spans in sorted(by_batch.items()):
            spans.sort(key=lambda s: (s.end_time, s.context.span_id))   # export order = end order, as a batch processor sees them
            n = len(session.bodies)
            assert exporter.export(spans).name == "SUCCESS"
            body = session.bodies[n]
            stem = os.path.join(OUT, f"{batch:%H%M}-{name}")
            if name == "fulfillment":
                req = ExportTraceServiceRequest()
                req.ParseFromString(body)
                with open(stem + ".json", "w") as fh:
                    json.dump(to_otlp_json(req), fh, indent=1, sort_keys=True)
                    fh.write("\n")
            else:
                with open(stem + ".pb", "wb") as fh:
                    fh.write(body)
            files += 1
            spans_total += len(spans)
    traces = len(batch_of)
    exporter.shutdown()
    print(f"wrote {files} files, {traces} traces, {spans_total} spans to {os.path.normpath(OUT)}")


if __name__ == "__main__":
    sys.exit(main())
