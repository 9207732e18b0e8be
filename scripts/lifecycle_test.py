#!/usr/bin/env python3
"""Process-level tests of `parallax serve` that need real signals (run by scripts/lifecycle-test.sh):

1. SIGTERM drains: a request in flight when SIGTERM arrives still gets its 200; the process
   then exits 0 and new connections are refused.
2. kill -9 under load: several clients post alert webhooks as fast as they can; the server is
   killed with SIGKILL at a random moment. Afterwards the SQLite store passes
   `PRAGMA integrity_check`, holds every alert whose webhook got a 2xx, and a restarted server
   serves them again.
3. Trace aggregates survive kill -9 up to the last checkpoint (interval 1 s here).

    scripts/lifecycle_test.py PATH/TO/parallax
"""
import json
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from testkit import free_port

binary = sys.argv[1]
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)




def start(data, port, *extra):
    # A free OTLP/gRPC port too (not the default 4317, which a parallel run may hold): SIGTERM must stop both listeners.
    p = subprocess.Popen([binary, "serve", "--port", str(port), "--grpc-port", str(free_port()), "--data", data,
                          "--log-level", "warning", "--checkpoint-interval", "1s", *extra])
    for _ in range(300):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return p
        except Exception:
            if p.poll() is not None:
                raise SystemExit(f"server exited with {p.returncode} while starting")
            time.sleep(0.05)
    raise SystemExit("server did not start")


def post(port, path, body, ctype="application/json"):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body, headers={"Content-Type": ctype}, method="POST")
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.status, r.read()


def alert_body(i, t):
    return json.dumps({
        "receiver": "parallax", "status": "firing", "groupKey": f"{{}}:{{alertname=\"Load{i}\"}}", "version": "4",
        "alerts": [{"status": "firing", "labels": {"alertname": f"Load{i}", "service": f"svc-{i % 7}", "team": "sre"},
                    "annotations": {}, "startsAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t)),
                    "endsAt": "0001-01-01T00:00:00Z", "fingerprint": f"{i:016x}"}],
    }).encode()


# 1. SIGTERM drains an in-flight request.
data = tempfile.mkdtemp(prefix="parallax-life-")
port = free_port()
server = start(data, port)
body = open(os.path.join(root, "Tests/OTLPTests/Fixtures/sdk-shop.pb"), "rb").read()
s = socket.create_connection(("127.0.0.1", port))
s.sendall(b"POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\n"
          + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body[: len(body) // 2])
time.sleep(0.2)
server.send_signal(signal.SIGTERM)
time.sleep(0.5)
s.sendall(body[len(body) // 2:])
response = b""
while True:
    chunk = s.recv(65536)
    if not chunk:
        break
    response += chunk
s.close()
check(response.startswith(b"HTTP/1.1 200"), f"request in flight at SIGTERM answered 200 ({response[:40]!r})")
try:
    code = server.wait(timeout=15)
except subprocess.TimeoutExpired:
    server.kill()
    code = "timeout"
check(code == 0, f"exit status after SIGTERM is 0 (got {code})")
try:
    socket.create_connection(("127.0.0.1", port), timeout=1).close()
    check(False, "connections refused after shutdown")
except OSError:
    check(True, "connections refused after shutdown")

# 2. kill -9 under alert load.
data = tempfile.mkdtemp(prefix="parallax-kill-")
port = free_port()
server = start(data, port)
acked, lock, stop = [], threading.Lock(), threading.Event()
counter = iter(range(10**9))
errors = []


def client():
    while not stop.is_set():
        with lock:
            i = next(counter)
        try:
            status, payload = post(port, "/v1/alerts", alert_body(i, time.time()))
            if status == 202:
                ids = json.loads(payload)["alerts"]
                with lock:
                    acked.extend(ids)
        except Exception as e:  # connection reset when killed: not acknowledged, fine
            errors.append(str(e))
            return


threads = [threading.Thread(target=client) for _ in range(6)]
for t in threads:
    t.start()
time.sleep(random.uniform(1.5, 3.0))
server.send_signal(signal.SIGKILL)
server.wait()
stop.set()
for t in threads:
    t.join()
db = sqlite3.connect(os.path.join(data, "parallax.sqlite"))
check(db.execute("PRAGMA integrity_check").fetchone()[0] == "ok", "store passes PRAGMA integrity_check after kill -9")
stored = {row[0] for row in db.execute("SELECT id FROM alert")}
db.close()
missing = [a for a in acked if a not in stored]
check(len(acked) > 50 and not missing, f"{len(acked)} acknowledged alerts, {len(missing)} missing after kill -9 ({len(stored)} stored)")

# 3. A restarted server serves them, and trace aggregates from before the last checkpoint.
server = start(data, port)
with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/services?window=1h", timeout=10) as r:
    services = {s["id"] for s in json.load(r)["services"]}
check({f"svc-{i}" for i in range(7)} <= services, "restarted server knows every alerted service")
now_ns = time.time_ns()


def span(service, kind, span_id, parent, trace_id="5b8efff798038103d269b633813fc60c"):
    return {"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": service}}]},
            "scopeSpans": [{"spans": [{"traceId": trace_id, "spanId": span_id, "parentSpanId": parent, "name": "GET /x",
                                       "kind": kind, "startTimeUnixNano": str(now_ns - 5_000_000), "endTimeUnixNano": str(now_ns)}]}]}


traces = {"resourceSpans": [span("life-web", 3, "eee19b7ec3c1b174", ""), span("life-api", 2, "eee19b7ec3c1b175", "eee19b7ec3c1b174")]}
status, _ = post(port, "/v1/traces", json.dumps(traces).encode())
check(status == 200, "fresh traces accepted")
time.sleep(2.5)  # more than one checkpoint interval (1 s)
server.send_signal(signal.SIGKILL)
server.wait()
server = start(data, port)
with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/graph?window=30d", timeout=10) as r:
    doc = json.load(r)
traced = [(e["source"], e["target"]) for e in doc["edges"] if e["traced"]]
check(("life-web", "life-api") in traced, f"trace edges survive kill -9 after a checkpoint ({traced})")
server.send_signal(signal.SIGTERM)
check(server.wait(timeout=15) == 0, "clean exit")

if failures:
    print(f"{len(failures)} lifecycle check(s) failed", file=sys.stderr)
    sys.exit(1)
print("lifecycle: all checks passed")
