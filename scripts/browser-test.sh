#!/usr/bin/env bash
# The web view in headless Chromium (Debian `chromium`, installed when missing): starts
# `parallax serve` with samples/ loaded and runs scripts/browser_test.py over the DevTools
# protocol (PyPI websocket-client, in the .venv that scripts/e2e.sh also uses). Screenshots go to
# .build/test-output/ (web.png, web-disagreements.png, service.png).
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${PARALLAX_BIN:-.build/debug/parallax}"
venv=.venv
scripts/ensure-deps.sh --browser
if ! "$venv/bin/python" -c "import websocket" 2>/dev/null; then
  [[ -x "$venv/bin/python" ]] || python3 -m venv "$venv"
  "$venv/bin/pip" install -q "websocket-client==1.9.2"
fi
"$venv/bin/python" scripts/browser_test.py --bin "$bin" --out "${PARALLAX_TEST_OUTPUT:-.build/test-output}"
