#!/usr/bin/env bash
# The web view in headless Chromium (Debian `chromium`, installed when missing): starts
# `parallax serve` with samples/ loaded and runs scripts/browser_test.py over the DevTools
# protocol (PyPI websocket-client, in the .venv that scripts/e2e.sh also uses). Screenshots go to
# .build/test-output/ (web.png, web-disagreements.png, service.png). Then a web front end on another
# origin exports OTLP/JSON to a second server started with --cors-origin (fetch + sendBeacon), its
# back end traced with the OpenTelemetry Python SDK (same pins as scripts/e2e.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${PARALLAX_BIN:-.build/debug/parallax}"
venv=.venv
scripts/ensure-deps.sh --browser
if ! "$venv/bin/python" -c "import websocket, opentelemetry.sdk, opentelemetry.exporter.otlp.proto.http" 2>/dev/null; then
  [[ -x "$venv/bin/python" ]] || python3 -m venv "$venv"
  "$venv/bin/pip" install -q "websocket-client==1.9.2" "opentelemetry-sdk==1.45.1" "opentelemetry-exporter-otlp-proto-http==1.45.1"
fi
"$venv/bin/python" scripts/browser_test.py --bin "$bin" --out "${PARALLAX_TEST_OUTPUT:-.build/test-output}"
