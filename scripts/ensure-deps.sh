#!/usr/bin/env bash
# Installs the system packages Parallax builds and tests with, if any is missing.
#   scripts/ensure-deps.sh            build + test deps
#   scripts/ensure-deps.sh --bench    also the load generator (wrk)
#   scripts/ensure-deps.sh --browser  also headless Chromium (scripts/browser-test.sh)
#   scripts/ensure-deps.sh --prometheus  also Prometheus (scripts/fleet-test.sh)
# Needs root (or sudo) only when something is actually missing.
set -euo pipefail
pkgs=(pkg-config libprotobuf-c-dev protobuf-c-compiler libzstd-dev zlib1g-dev libsqlite3-dev graphviz)
[[ "${1:-}" == "--bench" ]] && pkgs+=(wrk)
[[ "${1:-}" == "--browser" ]] && pkgs+=(chromium)
[[ "${1:-}" == "--prometheus" ]] && pkgs+=(prometheus)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then exit 0; fi
echo "installing: ${missing[*]}" >&2
sudo=""
if [[ $(id -u) != 0 ]]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
