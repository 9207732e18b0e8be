#!/usr/bin/env bash
# swift-otel end to end: builds the two-service client package in Tests/Clients/SwiftOTel once
# (Hummingbird 2 + swift-otel 1.6.0 with only its OTLPHTTP trait + AsyncHTTPClient; scratch path
# .build-clients, kept between runs, so a warm run only links) and runs scripts/swift_otel_e2e.py:
# `parallax serve` and the services on free loopback ports, OTLP/HTTP protobuf then OTLP/HTTP JSON.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${PARALLAX_BIN:-.build/debug/parallax}"
scratch="${PARALLAX_CLIENTS_BUILD:-.build-clients}"
t0=$SECONDS
mkdir -p "$scratch"
if ! swift build --package-path Tests/Clients/SwiftOTel --scratch-path "$scratch" --product OTelService >"$scratch/build.log" 2>&1; then
  tail -n 60 "$scratch/build.log" >&2
  echo "swift-otel client build failed (log: $scratch/build.log)" >&2
  exit 1
fi
service="$scratch/debug/OTelService"
echo "swift-otel client built in $((SECONDS - t0)) s"
python3 scripts/swift_otel_e2e.py --bin "$bin" --service "$service"
