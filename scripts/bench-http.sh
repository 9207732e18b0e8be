#!/usr/bin/env bash
# OTLP/HTTP ingest under load: `parallax serve` vs rotel (a Rust OTLP collector,
# PyPI package `rotel`, run with the blackhole exporter), same wrk settings,
# plain and gzip protobuf bodies of ~500 spans. See docs/PERFORMANCE.md.
#
#   scripts/bench-http.sh [--duration 20s] [--warmup 5s] [--threads 1] [--connections 16]
#                         [--spans 500] [--bodies 1000] [--server-only] [--only parallax|rotel] [--skip-build] [--out FILE]
#                         [--parallax-args "--max-pending 1000000"]
#
# wrk cycles through --bodies distinct requests (own trace/span ids), so the
# server sees new spans as real exporters send them; --bodies 1 replays one
# body, i.e. the same span ids over and over (a pairing worst case); --server-only
# keeps only SERVER spans, whose callers never arrive (an exporter retrying a leaf
# service's batch: every span waits in the pairing store).
# Everything listens on and is sent to 127.0.0.1 only. Each wrk run is bounded
# by --duration. Servers are started by this script and stopped (by PID) at exit.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

DURATION=20s
WARMUP=5s
THREADS=1
CONNECTIONS=16
SPANS=500
BODIES=1000
SERVER_ONLY=""
PARALLAX_ARGS=""
ONLY=""
SKIP_BUILD=0
OUT=""
SCRATCH=${SCRATCH:-$ROOT/.build-bench}
PARALLAX_PORT=${PARALLAX_PORT:-14318}
ROTEL_HTTP_PORT=${ROTEL_HTTP_PORT:-14328}
ROTEL_GRPC_PORT=${ROTEL_GRPC_PORT:-14327}
VENV=$ROOT/.venv-bench

while (($#)); do
  case "$1" in
    --duration) DURATION=$2; shift 2 ;;
    --warmup) WARMUP=$2; shift 2 ;;
    --threads) THREADS=$2; shift 2 ;;
    --connections) CONNECTIONS=$2; shift 2 ;;
    --spans) SPANS=$2; shift 2 ;;
    --bodies) BODIES=$2; shift 2 ;;
    --server-only) SERVER_ONLY=--server-only; shift ;;
    --parallax-args) PARALLAX_ARGS=$2; shift 2 ;;
    --only) ONLY=$2; shift 2 ;;
    --skip-build) SKIP_BUILD=1; shift ;;
    --out) OUT=$2; shift 2 ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

log() { echo "bench-http: $*" >&2; }

# --- tools --------------------------------------------------------------------
scripts/ensure-deps.sh --bench            # wrk (Debian package) and the build deps
command -v curl >/dev/null || { log "curl is needed"; exit 1; }

if ((SKIP_BUILD == 0)); then
  log "building parallax and parallax-bench (release, scratch $SCRATCH)"
  PARALLAX_BENCHMARKS=1 swift build -c release --product parallax --scratch-path "$SCRATCH" >&2
  PARALLAX_BENCHMARKS=1 swift build -c release --product parallax-bench --scratch-path "$SCRATCH" >&2
fi
PARALLAX=$SCRATCH/release/parallax
BENCH=$SCRATCH/release/parallax-bench
[[ -x $PARALLAX && -x $BENCH ]] || { log "missing $PARALLAX or $BENCH (build first or drop --skip-build)"; exit 1; }

ROTEL=""
if [[ $ONLY != parallax ]]; then
  if [[ ! -x $VENV/bin/python ]]; then
    log "creating $VENV (gitignored) and installing rotel from PyPI"
    python3 -m venv "$VENV"
  fi
  if ! "$VENV/bin/python" -c 'import rotel' 2>/dev/null; then
    "$VENV/bin/pip" install --quiet rotel >&2
  fi
  ROTEL=$("$VENV/bin/python" -c 'import os, rotel; print(os.path.join(os.path.dirname(rotel.__file__), "rotel-agent"))')
  [[ -x $ROTEL ]] || { log "rotel-agent binary not found at $ROTEL"; exit 1; }
fi

# --- bodies and wrk script ----------------------------------------------------
TMP=$(mktemp -d -t parallax-bench-http.XXXXXX)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$TMP"
}
trap cleanup EXIT

log "writing $BODIES distinct request bodies of $SPANS spans (plain and gzip)"
"$BENCH" --write-bodies "$TMP/plain" --count "$BODIES" --spans "$SPANS" $SERVER_ONLY >"$TMP/plain.info"
"$BENCH" --write-bodies "$TMP/gzip" --count "$BODIES" --gzip --spans "$SPANS" $SERVER_ONLY >"$TMP/gzip.info"
field() { sed -n "s/.*$1=\([^ ]*\).*/\1/p" "$2"; }
SPANS_PER_REQ=$(field spans "$TMP/plain.info")
PLAIN_BYTES=$(field bytes "$TMP/plain.info")
GZIP_BYTES=$(field bytes "$TMP/gzip.info")
log "bodies: $SPANS_PER_REQ spans each, protobuf $PLAIN_BYTES B, gzip $GZIP_BYTES B (mean)"

cat >"$TMP/post.lua" <<'LUA'
-- POST OTLP protobuf bodies BODY_DIR/body-00000.pb[.gz] ... (BODY_COUNT of them) in turn;
-- BODY_ENCODING=gzip reads the .gz files and adds Content-Encoding: gzip.
local gzip = os.getenv("BODY_ENCODING") == "gzip"
local headers = { ["Content-Type"] = "application/x-protobuf" }
if gzip then headers["Content-Encoding"] = "gzip" end
local requests = {}
for i = 0, tonumber(os.getenv("BODY_COUNT")) - 1 do
  local f = assert(io.open(string.format("%s/body-%05d.pb%s", os.getenv("BODY_DIR"), i, gzip and ".gz" or ""), "rb"))
  requests[#requests + 1] = wrk.format("POST", nil, headers, f:read("*all"))
  f:close()
end
local next_request = 0

request = function()
  next_request = next_request % #requests + 1
  return requests[next_request]
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRK_RESULT requests=%d duration_us=%d bytes=%d status_errors=%d connect_errors=%d read_errors=%d write_errors=%d timeouts=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d\n",
    summary.requests, summary.duration, summary.bytes, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
LUA

# --- helpers ------------------------------------------------------------------
kb() { awk -v k="$2" '$1 == k":" {print $2}' "/proc/$1/status"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
port_free() { [[ -z $(ss -ltnH "sport = :$1") ]]; }

post_once() { # url file encoding -> http status (one body, outside the measured runs)
  local enc=()
  [[ $3 == gzip ]] && enc=(-H "Content-Encoding: gzip")
  curl -s -o /dev/null -w '%{http_code}' --max-time 5 -X POST -H 'Content-Type: application/x-protobuf' "${enc[@]}" \
    --data-binary "@$2" "$1" || true
}

wait_ready() { # url pid
  for _ in $(seq 1 150); do
    kill -0 "$2" 2>/dev/null || { log "server (pid $2) exited during start-up"; return 1; }
    [[ $(post_once "$1" "$TMP/plain/body-00000.pb" identity) == 200 ]] && return 0
    sleep 0.2
  done
  log "server at $1 did not answer 200 within 30 s"
  return 1
}

start_server() { # name -> sets SERVER_PID, URL
  local name=$1
  case "$name" in
    parallax)
      port_free "$PARALLAX_PORT" || { log "port $PARALLAX_PORT is busy (set PARALLAX_PORT)"; exit 1; }
      mkdir -p "$TMP/parallax-data"
      # shellcheck disable=SC2086 # PARALLAX_ARGS is a list of flags
      "$PARALLAX" serve --host 127.0.0.1 --port "$PARALLAX_PORT" --data "$TMP/parallax-data" --grpc-port 0 --log-level warning $PARALLAX_ARGS \
        >"$TMP/parallax.log" 2>&1 &
      SERVER_PID=$!
      URL="http://127.0.0.1:$PARALLAX_PORT/v1/traces"
      ;;
    rotel)
      port_free "$ROTEL_HTTP_PORT" && port_free "$ROTEL_GRPC_PORT" || { log "rotel ports busy (set ROTEL_HTTP_PORT/ROTEL_GRPC_PORT)"; exit 1; }
      "$ROTEL" start --exporter blackhole \
        --otlp-http-endpoint "127.0.0.1:$ROTEL_HTTP_PORT" --otlp-grpc-endpoint "127.0.0.1:$ROTEL_GRPC_PORT" \
        --pid-file "$TMP/rotel.pid" --log-file "$TMP/rotel.log" >"$TMP/rotel.out" 2>&1 &
      SERVER_PID=$!
      URL="http://127.0.0.1:$ROTEL_HTTP_PORT/v1/traces"
      ;;
  esac
  PIDS+=("$SERVER_PID")
  wait_ready "$URL" "$SERVER_PID"
}

stop_server() {
  kill "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  PIDS=()   # one server at a time; nothing left for the exit trap
}

run_wrk() { # url dir encoding duration -> WRK_RESULT line (+ wrk's own CPU use) on stdout
  local TIMEFORMAT='wrk_user=%U wrk_sys=%S wrk_real=%R'
  { time BODY_DIR=$2 BODY_COUNT=$BODIES BODY_ENCODING=$3 wrk -t"$THREADS" -c"$CONNECTIONS" -d"$4" --timeout 10s --latency -s "$TMP/post.lua" "$1" \
    >"$TMP/wrk.out" 2>&1; } 2>"$TMP/wrk.time" || { cat "$TMP/wrk.out" >&2; return 1; }
  echo "$(grep '^WRK_RESULT' "$TMP/wrk.out") $(tail -1 "$TMP/wrk.time")"
}

kv() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $2"; }

# --- runs ---------------------------------------------------------------------
servers=(parallax rotel)
[[ -n $ONLY ]] && servers=("$ONLY")
ROWS=()
NOTES=()
for server in "${servers[@]}"; do
  for enc in identity gzip; do
    dir=$TMP/plain; file=$dir/body-00000.pb; bytes=$PLAIN_BYTES
    [[ $enc == gzip ]] && { dir=$TMP/gzip; file=$dir/body-00000.pb.gz; bytes=$GZIP_BYTES; }
    log "$server / $enc: starting"
    start_server "$server"
    [[ $(post_once "$URL" "$file" "$enc") == 200 ]] || { log "$server does not accept the $enc body (status $(post_once "$URL" "$file" "$enc"))"; exit 1; }
    rss_idle=$(kb "$SERVER_PID" VmRSS)
    log "$server / $enc: warmup $WARMUP"
    run_wrk "$URL" "$dir" "$enc" "$WARMUP" >/dev/null
    log "$server / $enc: measuring $DURATION (wrk -t$THREADS -c$CONNECTIONS)"
    t0=$(cpu_ticks "$SERVER_PID"); w0=$(date +%s%N)
    result=$(run_wrk "$URL" "$dir" "$enc" "$DURATION")
    t1=$(cpu_ticks "$SERVER_PID"); w1=$(date +%s%N)
    rss_now=$(kb "$SERVER_PID" VmRSS)
    load=$(cut -d' ' -f1 /proc/loadavg)
    rss_peak=$(kb "$SERVER_PID" VmHWM)
    if [[ $server == parallax ]]; then
      curl -s --max-time 10 "http://127.0.0.1:$PARALLAX_PORT/metrics" >"$TMP/metrics.txt" || true
      metric() { awk -v m="$1" '$1 == m {print $2}' "$TMP/metrics.txt"; }
      NOTES+=("parallax/$enc after warmup + run: spans accepted $(metric parallax_receiver_spans_accepted_total), pairing store full → dropped $(metric traces_service_graph_dropped_spans_total), pending at end $(metric parallax_tracegraph_pending_spans), expired unpaired $(metric parallax_tracegraph_expired_spans_total)")
    fi
    stop_server
    cp "$TMP/wrk.out" "$TMP/wrk-$server-$enc.out"
    req=$(kv requests "$result"); dur=$(kv duration_us "$result"); bad=$(kv status_errors "$result")
    errs=$(( $(kv connect_errors "$result") + $(kv read_errors "$result") + $(kv write_errors "$result") + $(kv timeouts "$result") ))
    ticks=$(getconf CLK_TCK)
    ROWS+=("$(awk -v s="$server" -v e="$enc" -v b="$bytes" -v n="$SPANS_PER_REQ" -v r="$req" -v d="$dur" -v bad="$bad" -v err="$errs" \
      -v p50="$(kv p50_us "$result")" -v p99="$(kv p99_us "$result")" -v cpu="$((t1 - t0))" -v hz="$ticks" -v wall="$((w1 - w0))" \
      -v wu="$(kv wrk_user "$result")" -v ws="$(kv wrk_sys "$result")" -v wr="$(kv wrk_real "$result")" \
      -v idle="$rss_idle" -v now="$rss_now" -v peak="$rss_peak" -v load="$load" 'BEGIN {
        secs = d / 1e6; ok = r - bad; rps = ok / secs; sps = rps * n; cores = cpu / hz / (wall / 1e9)
        printf "| %s | %s | %d | %d | %.0f | %.0f | %d/%d | %.1f | %.1f | %.2f | %.0f | %.2f | %.1f | %.1f | %.1f | %s |",
          s, e, b, n, rps, sps, bad, err, p50 / 1000, p99 / 1000, cores, (cores > 0 ? sps / cores : 0), (wu + ws) / wr,
          idle / 1024, now / 1024, peak / 1024, load }')")
  done
done

# --- report -------------------------------------------------------------------
{
  echo "# OTLP/HTTP ingest, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo
  echo "machine: $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo), $(nproc) cores, shared by server and load generator"
  echo "load: wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency (after a $WARMUP warmup), POST /v1/traces, Content-Type application/x-protobuf"
  echo "bodies: $BODIES distinct ExportTraceServiceRequests of $SPANS_PER_REQ spans (parallax-bench --write-bodies), sent in turn: mean $PLAIN_BYTES B, gzip -6 $GZIP_BYTES B"
  echo "parallax: serve${PARALLAX_ARGS:+ $PARALLAX_ARGS} (other flags default)"
  [[ -n $ROTEL ]] && echo "rotel: $("$ROTEL" --version 2>/dev/null) (pip package $("$VENV/bin/pip" show rotel 2>/dev/null | awk '/^Version/ {print $2}')), --exporter blackhole"
  echo
  echo "| server | body | bytes/req | spans/req | req/s (2xx) | spans/s | non-2xx/socket errors | p50 ms | p99 ms | server CPU (cores) | spans per server CPU-s | wrk CPU (cores) | RSS idle MiB | RSS end MiB | VmHWM MiB | load avg 1 min at end |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  printf '%s\n' "${ROWS[@]}"
  if ((${#NOTES[@]})); then echo; printf -- '- %s\n' "${NOTES[@]}"; fi
} | if [[ -n $OUT ]]; then tee "$OUT"; else cat; fi
