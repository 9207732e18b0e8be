#!/usr/bin/env bash
# Starts `parallax serve` on two free ports (OTLP/HTTP + API, OTLP/gRPC) and runs scripts/e2e_sdk.py
# (the OpenTelemetry Python SDK exporting over HTTP protobuf), scripts/e2e_sdk_json.py (its OTLP/JSON
# exporter, opentelemetry-exporter-otlp-json-http), then scripts/e2e_grpc.py (its gRPC exporter),
# in a venv at .venv (created from the PyPI mirror when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${PARALLAX_BIN:-.build/debug/parallax}"
venv=.venv
if ! "$venv/bin/python" -c "import opentelemetry.exporter.otlp.proto.http, opentelemetry.exporter.otlp.proto.grpc, opentelemetry.exporter.otlp.json.http, websocket" 2>/dev/null; then
  [[ -x "$venv/bin/python" ]] || python3 -m venv "$venv"
  "$venv/bin/pip" install -q "opentelemetry-sdk==1.45.1" "opentelemetry-exporter-otlp-proto-http==1.45.1" \
    "opentelemetry-exporter-otlp-proto-grpc==1.45.1" "opentelemetry-exporter-otlp-json-http==0.66b1" "websocket-client==1.9.2"
fi
read -r port port2 < <(python3 -c 'import socket
a, b = socket.socket(), socket.socket()
a.bind(("127.0.0.1", 0)); b.bind(("127.0.0.1", 0))
print(a.getsockname()[1], b.getsockname()[1])')
data=$(mktemp -d)
"$bin" serve --port "$port" --grpc-port "$port2" --data "$data" --pairing-wait 1 --log-level warning &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$data"' EXIT
python3 - "$port" <<'PY'
import sys, time, urllib.request
for _ in range(200):
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/healthz", timeout=1); break
    except Exception:
        time.sleep(0.1)
PY
"$venv/bin/python" scripts/e2e_sdk.py "http://127.0.0.1:$port"
"$venv/bin/python" scripts/e2e_sdk_json.py "http://127.0.0.1:$port"
"$venv/bin/python" scripts/e2e_grpc.py "http://127.0.0.1:$port" "127.0.0.1:$port2"
