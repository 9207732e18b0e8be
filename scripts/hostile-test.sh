#!/usr/bin/env bash
# Hostile inputs against real `parallax serve` processes (tokens, no tokens, small caps), one case per
# row of the table "Hostile inputs, end to end" in docs/threat_model.md. Python stdlib and Graphviz's
# `dot` only. See scripts/hostile_test.py.
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 scripts/hostile_test.py "${PARALLAX_BIN:-.build/debug/parallax}" "$@"
