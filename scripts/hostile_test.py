#!/usr/bin/env python3
"""Hostile inputs against real `parallax serve` processes (run by scripts/hostile-test.sh, `make test`).

Every row of the table "Hostile inputs, end to end" in docs/threat_model.md is one case here, by
name; the script fails when a row names no case or a case has no row, so the two cannot drift.
Each case sends its hostile request(s) over a raw HTTP/1.1 connection (paths go out exactly as
written, no client-side normalisation), checks the answer, then checks that the server still
answers /healthz with 200 and still takes a valid trace request and a valid alert.

Servers (127.0.0.1 only, free ports, --grpc-port 0, a temporary --data each):
  tokens   --ingest-token / --api-token
  open     no tokens, --max-body-bytes 1048576, --pairing-wait 600 (nothing expires during the run),
           --cors-origin http://app.example:5173
  capped   --max-nodes 100 --max-edges 200 --max-metric-edges 50

    scripts/hostile_test.py PATH/TO/parallax [CASE ...]     (HOSTILE_VERBOSE=1 prints every check)
"""
import gzip
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from testkit import free_port

binary = sys.argv[1]
only = set(sys.argv[2:])
verbose = os.environ.get("HOSTILE_VERBOSE") == "1"  # print every check, not only failures
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOC = os.path.join(root, "docs", "threat_model.md")
DOC_SECTION = "## Hostile inputs, end to end"
CASE_COLUMN = "case (scripts/hostile_test.py)"
INGEST_TOKEN, API_TOKEN = "hostile-ingest-secret", "hostile-api-secret"
passed, failed = [], []




class Response:
    def __init__(self, status, headers, body, seconds):
        self.status, self.headers, self.body, self.seconds = status, headers, body, seconds

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    def __repr__(self):
        return f"{self.status} {self.body[:160]!r}"


class Server:
    def __init__(self, name, *extra, ingest=None, api=None):
        self.name, self.ingest, self.api = name, ingest, api
        self.data = tempfile.mkdtemp(prefix=f"parallax-hostile-{name}-")
        self.port = free_port()
        args = [binary, "serve", "--host", "127.0.0.1", "--port", str(self.port), "--grpc-port", "0",
                "--data", self.data, "--log-level", "warning", *extra]
        if ingest:
            args += ["--ingest-token", ingest]
        if api:
            args += ["--api-token", api]
        self.proc = subprocess.Popen(args)

    def wait_ready(self):
        for _ in range(300):  # 15 s at most
            if self.proc.poll() is not None:
                raise SystemExit(f"{self.name} server exited with {self.proc.returncode} while starting")
            try:
                if self.request("GET", "/healthz", timeout=1).status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise SystemExit(f"{self.name} server did not start")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.data, ignore_errors=True)

    def request(self, method, path, body=b"", headers=(), timeout=15, token=None):
        """One request on its own connection; `path` is sent byte for byte. A server that answers
        before it read the whole body (413) and closes is fine: the answer is still read."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        started = time.monotonic()
        try:
            conn.putrequest(method, path, skip_accept_encoding=True)
            for k, v in headers:
                conn.putheader(k, v)
            if token:
                conn.putheader("Authorization", f"Bearer {token}")
            if body or method in ("POST", "PUT"):
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders()
            try:
                for i in range(0, len(body), 1 << 16):
                    conn.send(body[i:i + (1 << 16)])
            except (BrokenPipeError, ConnectionResetError):
                pass
            r = conn.getresponse()
            data = r.read()
            return Response(r.status, {k.lower(): v for k, v in r.getheaders()}, data, time.monotonic() - started)
        finally:
            conn.close()

    def get(self, path, **kw):
        return self.request("GET", path, token=self.api, **kw)

    def post(self, path, body, ctype="application/json", headers=(), token="ingest", **kw):
        h = list(headers) + ([("Content-Type", ctype)] if ctype else [])
        return self.request("POST", path, body, h, token=self.ingest if token == "ingest" else token, **kw)

    def metrics(self):
        values = {}
        for line in self.get("/metrics").body.decode().splitlines():
            if line and not line.startswith("#"):
                key, _, value = line.rpartition(" ")
                try:
                    values[key] = float(value)
                except ValueError:
                    pass
        return values


# ---- request bodies ---------------------------------------------------------------------------

def now_ns():
    return time.time_ns()


def resource_spans(service, spans):
    return {"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": service}}]},
            "scopeSpans": [{"spans": spans}]}


def span(trace, span_id, kind, end_ns, parent="", ms=5, attrs=()):
    s = {"traceId": trace, "spanId": span_id, "name": "GET /x", "kind": kind,
         "startTimeUnixNano": str(end_ns - ms * 1_000_000), "endTimeUnixNano": str(end_ns),
         "attributes": [{"key": "http.request.method", "value": {"stringValue": "GET"}}, *attrs]}
    if parent:
        s["parentSpanId"] = parent
    return s


def traces(*resources):
    return json.dumps({"resourceSpans": list(resources)}).encode()


serial = iter(range(1, 10**9))


def ids():
    """A fresh (trace id, span id, span id) triple."""
    n = next(serial)
    return f"{0x4a0000 + n:032x}", f"{0x5a000000 + 2 * n:016x}", f"{0x5a000000 + 2 * n + 1:016x}"


def valid_traces(caller="hostile-web", callee="hostile-api", end=None):
    """A CLIENT span and the SERVER span it called, paired within the request."""
    t, a, b = ids()
    end = end or now_ns()
    return traces(resource_spans(caller, [span(t, a, 3, end)]), resource_spans(callee, [span(t, b, 2, end, parent=a, ms=4)]))


def alertmanager(alerts):
    return json.dumps({"receiver": "parallax", "status": "firing", "groupKey": "{}:{alertname=\"Hostile\"}", "version": "4",
                       "alerts": alerts}).encode()


def am_alert(name, starts_at, labels=None):
    return {"status": "firing", "labels": {"alertname": name, "service": "hostile-api", **(labels or {})},
            "annotations": {}, "startsAt": starts_at, "endsAt": "0001-01-01T00:00:00Z",
            "fingerprint": f"{next(serial):016x}"}


def valid_alert():
    return alertmanager([am_alert("HostileValid", time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))])


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def ld(field, payload):
    """A length-delimited protobuf field."""
    return varint(field << 3 | 2) + varint(len(payload)) + payload


def nested_kvlist(levels):
    """ExportTraceServiceRequest whose one span carries an attribute AnyValue{kvlist_value{values:
    KeyValue{key, value: AnyValue{kvlist_value ...}}}} `levels` deep. Built from the inside out as a
    list of headers, so it stays linear in size."""
    inner = ld(1, b"leaf")                      # AnyValue.string_value
    headers, size = [], len(inner)
    for _ in range(levels):
        key = ld(1, b"k")                       # KeyValue.key
        h_value = varint(2 << 3 | 2) + varint(size)               # KeyValue.value
        kv_size = len(key) + len(h_value) + size
        h_kv = varint(1 << 3 | 2) + varint(kv_size)               # KeyValueList.values
        h_any = varint(6 << 3 | 2) + varint(len(h_kv) + kv_size)  # AnyValue.kvlist_value
        headers.append(h_any + h_kv + key + h_value)
        size += len(key) + len(h_value) + len(h_kv) + len(h_any)
    any_value = b"".join(reversed(headers)) + inner
    kv = ld(1, b"deep") + ld(2, any_value)
    t, a, _ = ids()
    sp = ld(1, bytes.fromhex(t)) + ld(2, bytes.fromhex(a)) + ld(5, b"GET /x") + ld(9, kv)
    resource = ld(1, ld(1, b"service.name") + ld(2, ld(1, b"hostile-deep")))
    rs = ld(1, resource) + ld(2, ld(2, sp))
    return ld(1, rs)


def zstd_raw_frame(window_log, payload):
    """A zstd frame with a Window_Descriptor of 2^window_log and one raw last block."""
    header = (len(payload) << 3) | 1
    return bytes([0x28, 0xB5, 0x2F, 0xFD, 0x00, (window_log - 10) << 3]) + header.to_bytes(3, "little") + payload


SHOP_PB = open(os.path.join(root, "Tests/OTLPTests/Fixtures/sdk-shop.pb"), "rb").read()


# ---- cases ------------------------------------------------------------------------------------

CASES = []  # (name, server key, function)


def case(name, server):
    def register(fn):
        CASES.append((name, server, fn))
        return fn
    return register


class Checks:
    def __init__(self):
        self.notes, self.failures = [], []

    def __call__(self, cond, what):
        (self.notes if cond else self.failures).append(what)
        return cond


@case("datadog-date-1e300", "open")
def _(s, check):
    body = json.dumps({"id": "1", "title": "[Triggered] CPU high on host:web-1", "event_type": "metric_alert_monitor",
                       "last_updated": 1700000000000, "body": "cpu", "monitor_id": "42",
                       "alert_transition": "Triggered"})[:-1] + ', "date": 1e300}'
    for path in ("/v1/alerts/datadog", "/v1/alerts"):
        r = s.post(path, body.encode())
        o = r.json() or {}
        check(r.status == 422 and o.get("code") == "timestampOutOfRange" and o.get("field") == "date",
              f"{path}: 422 timestampOutOfRange field date (got {r})")


@case("alertmanager-group-year-9999", "open")
def _(s, check):
    ok = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 60))
    r = s.post("/v1/alerts", alertmanager([am_alert("Fine", ok), am_alert("Impossible", "9999-01-01T00:00:00Z")]))
    o = r.json() or {}
    fields = [x.get("field") for x in o.get("rejected") or [] if isinstance(x, dict)]
    check(r.status == 422 and o.get("accepted") == 1 and fields == ["alerts[1].startsAt"],
          f"422, accepted 1, rejected alerts[1].startsAt (got {r})")


@case("datadog-body-hour-99", "open")
def _(s, check):
    body = json.dumps({"id": "2", "title": "[Triggered] CPU", "event_type": "metric_alert_monitor", "monitor_id": "42",
                       "alert_transition": "Triggered",
                       "body": "The monitor was last triggered at Wed Dec 11 2024 99:21:02 UTC."}).encode()
    r = s.post("/v1/alerts/datadog", body)
    o = r.json() or {}
    check(r.status == 422 and str(o.get("field", "")).startswith("body"), f"422, field body… (got {r})")


READ_SPELLINGS = ["//api/v1/graph", "//metrics", "//", "/./metrics", "/api%2Fv1/graph", "/API/v1/graph",
                  "/api/v1/graph/", "/healthz/../metrics", "/api/v1/slos", "//api/v1/slos/x", "/API/v1/SLOS"]
INGEST_SPELLINGS = ["//v1/alerts/alertmanager", "/V1/alerts", "/v1%2Falerts"]


@case("read-path-spellings-without-api-token", "tokens")
def _(s, check):
    for path in READ_SPELLINGS:
        r = s.request("GET", path)
        check(r.status == 401, f"GET {path}: 401 (got {r.status})")
        r = s.request("GET", path, token=INGEST_TOKEN)
        check(r.status == 401, f"GET {path} with the ingest token: 401 (got {r.status})")


@case("ingest-path-spellings-without-ingest-token", "tokens")
def _(s, check):
    for path in INGEST_SPELLINGS:
        r = s.post(path, valid_alert(), token=None)
        check(r.status == 401, f"POST {path}: 401 (got {r.status})")
        r = s.post(path, valid_alert(), token=API_TOKEN)
        check(r.status == 401, f"POST {path} with the API token: 401 (got {r.status})")


@case("alert-cross-site-content-types", "open")
def _(s, check):
    for ctype in ("text/plain", "application/x-www-form-urlencoded", None):
        r = s.post("/v1/alerts", valid_alert(), ctype=ctype)
        check(r.status == 415, f"Content-Type {ctype or '(none)'}: 415 (got {r.status})")


WEB_ORIGIN = "http://app.example:5173"  # the open server's --cors-origin


@case("trace-text-plain-cross-site", "open")
def _(s, check):
    """text/plain is OTLP/JSON only from the named --cors-origin (sendBeacon with a string)."""
    for origin in (None, "http://evil.example", "null", WEB_ORIGIN + ".evil.example", "http://app.example:5174"):
        headers = [("Origin", origin)] if origin else []
        r = s.post("/v1/traces", valid_traces(), ctype="text/plain;charset=UTF-8", headers=headers)
        check(r.status == 415, f"text/plain from Origin {origin or '(none)'}: 415 (got {r.status})")
    r = s.post("/v1/traces", valid_traces(), ctype="text/plain", headers=[("Origin", WEB_ORIGIN), ("Origin", "http://evil.example")])
    check(r.status == 415, f"text/plain with two Origin fields: 415 (got {r.status})")
    for ctype in ("application/x-www-form-urlencoded", "multipart/form-data; boundary=x"):
        r = s.post("/v1/traces", valid_traces(), ctype=ctype, headers=[("Origin", WEB_ORIGIN)])
        check(r.status == 415, f"{ctype} from the named origin: 415 (got {r.status})")
    for body in (b"{nope", b"[" * 100_000, b'{"resourceSpans":[\xff\xfe]}'):
        r = s.post("/v1/traces", body, ctype="text/plain;charset=UTF-8", headers=[("Origin", WEB_ORIGIN)])
        check(r.status == 400, f"text/plain junk {body[:12]!r} from the named origin: 400 (got {r.status})")
    before = s.metrics().get("parallax_receiver_spans_accepted_total", 0)
    r = s.post("/v1/traces", valid_traces(), ctype="text/plain;charset=UTF-8", headers=[("Origin", WEB_ORIGIN)])
    after = s.metrics().get("parallax_receiver_spans_accepted_total", 0)
    check(r.status == 200 and after - before == 2, f"text/plain OTLP/JSON from the named origin: 200, 2 spans (got {r}, {after - before})")
    r = s.request("OPTIONS", "/v1/traces", headers=[("Origin", WEB_ORIGIN), ("Access-Control-Request-Method", "POST"),
                                                     ("Access-Control-Request-Headers", "content-type")])
    check(r.headers.get("access-control-allow-origin") == WEB_ORIGIN and r.headers.get("access-control-allow-credentials") == "true",
          f"preflight: the named origin with credentials (got {r.status} {r.headers})")


SNS_HEADERS = [("x-amz-sns-message-type", "Notification"),
               ("x-amz-sns-topic-arn", "arn:aws:sns:us-east-1:123456789012:t")]


@case("sns-notification-as-text-plain", "open")
def _(s, check):
    alarm = {"AlarmName": "hostile-orders-db-cpu", "NewStateValue": "ALARM", "NewStateReason": "threshold crossed",
             "StateChangeTime": time.strftime("%Y-%m-%dT%H:%M:%S.000+0000", time.gmtime()),
             "AWSAccountId": "123456789012", "Region": "US East (N. Virginia)",
             "Trigger": {"Dimensions": [{"name": "DBInstanceIdentifier", "value": "orders-db"}]}}
    envelope = {"Type": "Notification", "MessageId": f"m-{next(serial)}", "TopicArn": "arn:aws:sns:us-east-1:123456789012:t",
                "Message": json.dumps(alarm), "Timestamp": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())}
    r = s.post("/v1/alerts", json.dumps(envelope).encode(), ctype="text/plain; charset=UTF-8", headers=SNS_HEADERS)
    check(r.status == 202 and (r.json() or {}).get("accepted") == 1, f"text/plain + x-amz-sns-message-type: 202, accepted 1 (got {r})")


@case("sns-subscription-confirmation", "open")
def _(s, check):
    body = json.dumps({"Type": "SubscriptionConfirmation", "TopicArn": "arn:aws:sns:us-east-1:123456789012:t",
                       "Message": "You have chosen to subscribe…", "SubscribeURL": "https://sns.example/confirm?t=1",
                       "Token": "x", "Timestamp": "2026-11-20T09:05:01.000Z"}).encode()
    headers = [("x-amz-sns-message-type", "SubscriptionConfirmation"), SNS_HEADERS[1]]
    r = s.post("/v1/alerts", body, ctype="text/plain; charset=UTF-8", headers=headers)
    o = r.json() or {}
    check(r.status == 400 and o.get("subscribeURL") == "https://sns.example/confirm?t=1", f"400 with subscribeURL (got {r})")


@case("gzip-truncated", "open")
def _(s, check):
    gz = gzip.compress(SHOP_PB)
    for cut in (1, 4, 8):
        r = s.post("/v1/traces", gz[:-cut], ctype="application/x-protobuf", headers=[("Content-Encoding", "gzip")])
        check(r.status == 400, f"gzip cut by {cut} bytes: 400 (got {r.status})")
    r = s.post("/v1/traces", gz, ctype="application/x-protobuf", headers=[("Content-Encoding", "gzip")])
    check(r.status == 200, f"whole gzip: 200 (got {r})")


@case("zstd-window-log-31", "open")
def _(s, check):
    enc = [("Content-Encoding", "zstd")]
    r = s.post("/v1/traces", zstd_raw_frame(31, SHOP_PB), ctype="application/x-protobuf", headers=enc)
    check(r.status == 400 and b"window" in r.body, f"window log 31: 400 mentioning window (got {r})")
    r = s.post("/v1/traces", zstd_raw_frame(20, SHOP_PB), ctype="application/x-protobuf", headers=enc)
    check(r.status == 200, f"window log 20: 200 (got {r})")


@case("gzip-bomb-100mb", "open")
def _(s, check):
    bomb = gzip.compress(bytes(100 << 20), compresslevel=9)
    r = s.post("/v1/traces", bomb, ctype="application/x-protobuf", headers=[("Content-Encoding", "gzip")])
    check(r.status == 413, f"{len(bomb)} bytes inflating to 100 MiB: 413 (got {r.status})")


@case("server-span-redeliveries", "open")
def _(s, check):
    n = 50
    base = next(serial) * 1000
    end = now_ns()
    batch = traces(resource_spans("hostile-leaf", [
        span(f"{0x7e0000 + base + i:032x}", f"{0x7e000000 + base + i:016x}", 2, end, parent=f"{0x7f000000 + base + i:016x}")
        for i in range(n)]))
    before = s.metrics()
    for k in range(5):
        r = s.post("/v1/traces", batch)
        check(r.status == 200, f"delivery {k + 1}: 200 (got {r.status})")
    after = s.metrics()
    dup = after.get("parallax_tracegraph_duplicate_server_spans_total", -1) - before.get("parallax_tracegraph_duplicate_server_spans_total", 0)
    pending = after.get("parallax_tracegraph_pending_spans", -1) - before.get("parallax_tracegraph_pending_spans", 0)
    check(dup == 4 * n, f"duplicate_server_spans_total +{dup:g} (want {4 * n})")
    check(pending == n, f"pending_spans +{pending:g} (want {n})")


def outside_window(s, check, offset_s, reason):
    key = f'parallax_tracegraph_spans_outside_window_total{{reason="{reason}"}}'
    before = s.metrics().get(key, -1)
    t, a, _ = ids()
    r = s.post("/v1/traces", traces(resource_spans("hostile-clock", [span(t, a, 2, now_ns() + int(offset_s * 1e9))])))
    check(r.status == 200, f"200 (got {r})")
    after = s.metrics().get(key, -1)
    check(after - before == 1, f'{key} +{after - before:g} (want 1)')


@case("span-ending-tomorrow", "open")
def _(s, check):
    outside_window(s, check, 86_400, "future")


@case("span-ended-3-days-ago", "open")
def _(s, check):
    outside_window(s, check, -3 * 86_400, "too_old")


@case("quote-combining-mark-name-in-exports", "open")
def _(s, check):
    name = 'q"\u0301x'
    r = s.post("/v1/traces", valid_traces(caller=name, callee="hostile-sink"))
    check(r.status == 200, f"traces with the name: 200 (got {r.status})")
    dot = s.get("/api/v1/graph?window=1h&format=dot")
    check(dot.status == 200 and name.encode() not in dot.body and 'q\\"\u0301x'.encode() in dot.body,
          f"format=dot: 200 with the quote escaped (got {dot.status})")
    p = subprocess.run(["dot", "-Tcanon"], input=dot.body, capture_output=True, timeout=20)
    check(p.returncode == 0, f"dot -Tcanon exit {p.returncode} {p.stderr[:200]!r}")
    mermaid = s.get("/api/v1/graph?window=1h&format=mermaid")
    text = mermaid.body.decode("utf-8", "replace")
    labels = re.findall(r'\["(.*)"\]\s*$', text, re.M) + re.findall(r'\|"(.*)"\|', text)
    bad = [lbl for lbl in labels if '"' in lbl]
    check(mermaid.status == 200 and any("x" in lbl and "q" in lbl and "\u0301" in lbl for lbl in labels) and not bad,
          f"format=mermaid: 200, {len(labels)} labels, none with a raw quote (bad: {bad[:3]})")


@case("service-name-flood", "capped")
def _(s, check):
    end = now_ns()
    for batch in range(10):
        resources = []
        for i in range(batch * 200, batch * 200 + 200):
            resources.append(resource_spans(f"flood-svc-{i}", [span(f"{0x90000000 + i:032x}", f"{0x90000000 + i:016x}", 2, end)]))
        r = s.post("/v1/traces", traces(*resources))
        if not check(r.status == 200, f"batch {batch}: 200 (got {r.status})"):
            return
    m = s.metrics()
    nodes, overflow = m.get("parallax_tracegraph_nodes", 1e9), m.get('parallax_tracegraph_overflow_total{what="node"}', 0)
    series = [k for k in m if k.startswith("traces_service_graph_request_total{")]
    check(nodes <= 101, f"parallax_tracegraph_nodes {nodes:g} (≤ 101)")
    check(overflow > 0, f'overflow_total{{what="node"}} {overflow:g} (> 0)')
    check(len(series) <= 51, f"{len(series)} traces_service_graph_request_total series (≤ 51)")
    g = s.get("/api/v1/graph?window=1h").json() or {}
    check(any(n.get("id") == "(overflow)" for n in g.get("nodes", [])), "(overflow) node in /api/v1/graph")
    # --default-slo on this server: one SLO per service, bounded by the node cap, answered quickly.
    time.sleep(1.5)   # the expiry tick moves the counts into the SLO ledger
    r = s.get("/api/v1/slos")
    slos = (r.json() or {}).get("slos", [])
    check(r.status == 200 and 0 < len(slos) <= 101, f"/api/v1/slos: 200 with 1…101 default SLOs (got {r.status}, {len(slos)})")
    check(r.seconds < 5, f"/api/v1/slos answered in {r.seconds:.2f} s (< 5 s)")
    check(all(o.get("name", "").endswith("-availability") for o in slos), "default SLOs are named <service>-availability")


@case("slo-names", "capped")
def _(s, check):
    for path, status in [("/api/v1/slos/no-such", 404), ("/api/v1/slos/%00%ff", 404), ("/api/v1/slos/..%2F..%2Fmetrics", 404),
                         ("/api/v1/slos/" + "a" * 700, 400), ("/api/v1/slos/x?window=1e999d", 400)]:
        r = s.get(path)
        o = r.json() or {}
        check(r.status == status and bool(o.get("error")), f"GET {path[:40]}: {status} with a JSON error (got {r})")


@case("arn-then-2mb-of-spaces", "open")
def _(s, check):
    ok = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 60))
    body = alertmanager([am_alert("ArnSpaces", ok, {"resource": "arn:" + " " * (2 << 20)})])
    r = s.post("/v1/alerts", body, timeout=30)
    check((r.status == 202 or 400 <= r.status < 500) and r.seconds < 5,
          f"{len(body)} bytes: {r.status} in {r.seconds:.2f} s (202 or 4xx within 5 s)")


@case("trace-body-over-limit", "open")
def _(s, check):
    r = s.post("/v1/traces", b"\x0a" * ((1 << 20) + 1), ctype="application/x-protobuf")
    check(r.status == 413, f"1 MiB + 1 with --max-body-bytes 1048576: 413 (got {r.status})")


@case("empty-bodies", "open")
def _(s, check):
    for path, ctype in (("/v1/traces", "application/x-protobuf"), ("/v1/traces", "application/json"), ("/v1/alerts", "application/json")):
        r = s.post(path, b"", ctype=ctype)
        check(r.status == 400, f"empty {ctype} on {path}: 400 (got {r.status})")


@case("invalid-json-alert", "open")
def _(s, check):
    r = s.post("/v1/alerts", b'{"receiver": "x", "alerts": [')
    check(r.status == 400 and isinstance((r.json() or {}).get("error"), str), f"400 with a JSON error (got {r})")


@case("unknown-alert-source", "open")
def _(s, check):
    r = s.post("/v1/alerts/nagios", valid_alert())
    check(r.status == 404 and b"alertmanager" in r.body, f"404 listing the sources (got {r})")


@case("unknown-ui-service", "open")
def _(s, check):
    r = s.get("/ui/service/no-such")
    check(r.status == 404, f"404 (got {r.status})")


@case("hostile-team-names", "open")
def _(s, check):
    listed = s.get("/api/v1/teams")
    teams = [t.get("name") for t in ((listed.json() or {}).get("teams") or [])]
    check(listed.status == 200 and "storefront" in teams, f"200 listing the catalog's teams (got {listed})")
    for path in ["/api/v1/teams/no-such", "/api/v1/teams/%00", "/api/v1/teams/..%2F..%2Fetc%2Fpasswd",
                 "/api/v1/teams/%E2%80%AE%F0%9F%92%A5", "/api/v1/teams/%3Cscript%3E"]:
        r = s.get(path)
        check(r.status == 404 and isinstance((r.json() or {}).get("error"), str), f"{path}: 404 with a JSON error (got {r})")
    r = s.get("/api/v1/teams/" + "x" * 600)
    check(r.status == 400, f"a 600-byte team name: 400 (got {r})")


@case("hostile-action-runs", "open")
def _(s, check):
    # The open server has --actions (a diagnose action on "checkout" aimed at a closed port).
    base = "/api/v1/services/checkout/actions/ping"
    r = s.request("POST", base, b"confirm=true", [("Content-Type", "application/x-www-form-urlencoded")])
    check(r.status == 415, f"a form post (what a page can send cross-site): 415 (got {r})")
    r = s.request("POST", base, b"", [("Content-Type", "text/plain")])
    check(r.status == 415, f"text/plain: 415 (got {r})")
    r = s.request("POST", base, b"[1, 2", [("Content-Type", "application/json")])
    check(r.status == 400 and isinstance((r.json() or {}).get("error"), str), f"broken JSON: 400 (got {r})")
    r = s.request("POST", "/api/v1/services/checkout/actions/%00%2F..%2Frm", b"{}", [("Content-Type", "application/json")])
    check(r.status == 404 and isinstance((r.json() or {}).get("error"), str), f"odd action name: JSON 404 (got {r})")
    r = s.request("POST", base, b'{"confirm": "yes"}', [("Content-Type", "application/json")])
    check(r.status == 400, f"confirm not a boolean: 400 (got {r})")
    r = s.request("POST", "/api/v1/diagnose?service=checkout&hops=-1", b"{}", [("Content-Type", "application/json")])
    check(r.status == 400, f"hops=-1: 400 (got {r})")
    r = s.get("/api/v1/actions/runs?limit=99999999999999999999")
    check(r.status == 400, f"huge limit: 400 (got {r})")


@case("get-on-traces", "open")
def _(s, check):
    r = s.get("/v1/traces")
    check(r.status == 405 and "POST" in r.headers.get("allow", ""), f"405 Allow: POST (got {r.status} {r.headers.get('allow')})")


@case("protobuf-nesting-10000", "open")
def _(s, check):
    shallow = nested_kvlist(5)  # the same builder, 5 deep: well-formed and accepted
    r = s.post("/v1/traces", shallow, ctype="application/x-protobuf")
    check(r.status == 200, f"kvlist 5 deep: 200 (got {r})")
    body = nested_kvlist(10_000)
    r = s.post("/v1/traces", body, ctype="application/x-protobuf")
    check(r.status == 400, f"{len(body)} bytes, kvlist 10,000 deep: 400 (got {r.status})")


# ---- doc table --------------------------------------------------------------------------------

def doc_case_names():
    """Case names in the `case (scripts/hostile_test.py)` column of the doc's section table."""
    text = open(DOC, encoding="utf-8").read()
    start = text.find(DOC_SECTION)
    if start < 0:
        return None
    section = text[start + len(DOC_SECTION):]
    nxt = re.search(r"^## ", section, re.M)
    section = section[:nxt.start()] if nxt else section
    names, column = [], None
    for line in section.splitlines():
        if not line.startswith("|"):
            continue
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
        if column is None:
            column = cells.index(CASE_COLUMN) if CASE_COLUMN in cells else -1
            continue
        if column < 0 or set("".join(cells)) <= set("-: "):
            continue
        names += re.findall(r"`([^`]+)`", cells[column]) if column < len(cells) else []
    return names


def actions_file():
    path = os.path.join(tempfile.mkdtemp(prefix="parallax-hostile-actions-"), "actions.yaml")
    with open(path, "w") as f:
        f.write("actions:\n  - {name: ping, service: checkout, kind: diagnose, timeout: 1s,"
                " request: {method: GET, url: 'http://127.0.0.1:9/'}}\n")
    return path


def main():
    started = time.monotonic()
    names = [n for n, _, _ in CASES]
    documented = doc_case_names()
    if documented is None:
        failed.append("doc table")
        print(f"FAIL doc table: no section {DOC_SECTION!r} in docs/threat_model.md", flush=True)
    else:
        missing_row = [n for n in names if n not in documented]
        missing_case = [n for n in documented if n not in names]
        dupes = sorted({n for n in documented if documented.count(n) > 1})
        if missing_row or missing_case or dupes or len(set(names)) != len(names):
            failed.append("doc table")
            print(f"FAIL doc table: cases without a row {missing_row}, rows without a case {missing_case}, "
                  f"rows twice {dupes}", flush=True)
        else:
            passed.append("doc table")
            print(f"ok   doc table: {len(names)} rows in docs/threat_model.md, one per case", flush=True)

    servers = {"tokens": Server("tokens", ingest=INGEST_TOKEN, api=API_TOKEN),
               "open": Server("open", "--max-body-bytes", "1048576", "--pairing-wait", "600", "--cors-origin", WEB_ORIGIN,
                              "--catalog", os.path.join(root, "samples", "catalog-info.yaml"), "--actions", actions_file()),
               "capped": Server("capped", "--max-nodes", "100", "--max-edges", "200", "--max-metric-edges", "50",
                                "--default-slo", "availability=99.9")}
    try:
        for s in servers.values():
            s.wait_ready()
        for name, key, fn in CASES:
            if only and name not in only:
                continue
            s = servers[key]
            check = Checks()
            t0 = time.monotonic()
            try:
                fn(s, check)
            except Exception as e:  # a reset connection, a timeout: the case failed
                check(False, f"{type(e).__name__}: {e}")
            # The server lives on: probes answer, a valid trace request and a valid alert are taken.
            try:
                check(s.proc.poll() is None, "process still running")
                h = s.request("GET", "/healthz", timeout=5)
                check(h.status == 200, f"/healthz 200 after (got {h.status})")
                v = s.post("/v1/traces", valid_traces(), timeout=10)
                check(v.status == 200, f"valid trace request 200 after (got {v})")
                a = s.post("/v1/alerts", valid_alert(), timeout=10)
                check(a.status == 202, f"valid alert 202 after (got {a})")
            except Exception as e:
                check(False, f"server unreachable after the case: {type(e).__name__}: {e}")
            took = time.monotonic() - t0
            if check.failures:
                failed.append(name)
                print(f"FAIL {name} [{key}, {took:.1f} s]: " + "; ".join(check.failures), flush=True)
            else:
                passed.append(name)
                print(f"ok   {name} [{key}, {took:.1f} s]: {len(check.notes)} checks", flush=True)
            if verbose:
                for note in check.notes:
                    print(f"       {note}", flush=True)
    finally:
        for s in servers.values():
            s.stop()
    print(f"hostile: {len(passed)} passed, {len(failed)} failed ({time.monotonic() - started:.1f} s)", flush=True)
    sys.exit(1 if failed else 0)


main()
