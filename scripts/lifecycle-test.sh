#!/usr/bin/env bash
# Signals and crashes against a real `parallax serve`: SIGTERM drain, kill -9 with acknowledged-alert
# accounting, checkpoint restore. See scripts/lifecycle_test.py.
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 scripts/lifecycle_test.py "${PARALLAX_BIN:-.build/debug/parallax}"
