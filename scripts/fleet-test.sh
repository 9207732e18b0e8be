#!/usr/bin/env bash
# A fleet read from Prometheus (issue 18, docs/SCALING.md): Debian's `prometheus` (installed when
# missing) on a free loopback port scrapes two `parallax serve` ingest instances every second; a
# sender routes each trace's spans by trace id to one of them (as the Collector's loadbalancing
# exporter does) and every span to a third, single instance; a query instance runs with
# --traced-source prometheus. Both the single and the query instance get the same alert webhooks
# (fan-out). scripts/fleet_test.py then checks the query instance's merged graph equals the single
# instance's: same nodes, edges and statuses, calls and errors exact, p50/p95 within the bucket.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${PARALLAX_BIN:-.build/debug/parallax}"
scripts/ensure-deps.sh --prometheus
python3 scripts/fleet_test.py --bin "$bin" --prometheus "$(command -v prometheus)"
