#!/usr/bin/env bash
# Soak: `parallax serve` (release) under mixed load for a while — wrk posting distinct ≈500-span
# OTLP protobuf bodies (plain and gzip alternating) plus a Python loop posting alert webhooks —
# sampling RSS every 10 s. Passes when there are no errors and RSS is flat (last sample within
# 15 % of the sample at 20 % of the run). Results: a CSV of samples and a summary line.
#
#   scripts/soak.sh [--duration 600] [--connections 8] [--alert-rate 20] [--skip-build] [--out DIR]
#                   [--server-args "--max-alerts 2000"]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DURATION=600
CONNECTIONS=8
ALERT_RATE=20
SKIP_BUILD=0
SERVER_ARGS=""
OUT=$ROOT/.build/soak
SCRATCH=${SCRATCH:-$ROOT/.build-bench}
PORT=${PORT:-14418}
while (($#)); do
  case "$1" in
    --duration) DURATION=$2; shift 2 ;;
    --connections) CONNECTIONS=$2; shift 2 ;;
    --alert-rate) ALERT_RATE=$2; shift 2 ;;
    --skip-build) SKIP_BUILD=1; shift ;;
    --out) OUT=$2; shift 2 ;;
    --server-args) SERVER_ARGS=$2; shift 2 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
scripts/ensure-deps.sh --bench
if ((SKIP_BUILD == 0)); then
  PARALLAX_BENCHMARKS=1 swift build -c release --product parallax --scratch-path "$SCRATCH" >&2
  PARALLAX_BENCHMARKS=1 swift build -c release --product parallax-bench --scratch-path "$SCRATCH" >&2
fi
PARALLAX=$SCRATCH/release/parallax
BENCH=$SCRATCH/release/parallax-bench
mkdir -p "$OUT"
TMP=$(mktemp -d -t parallax-soak.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; [[ -n "${SOAK_KEEP:-}" ]] || rm -rf "$TMP"; }
trap cleanup EXIT
[[ -n "${SOAK_KEEP:-}" ]] && echo "soak: temp dir $TMP" >&2

"$BENCH" --write-bodies "$TMP/b" --count 400 --spans 500 >/dev/null
"$BENCH" --write-bodies "$TMP/bgz" --count 400 --gzip --spans 500 >/dev/null
cat >"$TMP/post.lua" <<'LUA'
local requests = {}
for i = 0, 399 do
  for _, gz in ipairs({false, true}) do
    local f = assert(io.open(string.format("%s%s/body-%05d.pb%s", os.getenv("BODY_DIR"), gz and "gz" or "", i, gz and ".gz" or ""), "rb"))
    local headers = { ["Content-Type"] = "application/x-protobuf" }
    if gz then headers["Content-Encoding"] = "gzip" end
    requests[#requests + 1] = wrk.format("POST", "/v1/traces", headers, f:read("*all"))
    f:close()
  end
end
local n = 0
request = function() n = n % #requests + 1; return requests[n] end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRK_RESULT requests=%d status_errors=%d socket_errors=%d p99_ms=%.1f\n",
    summary.requests, e.status, e.connect + e.read + e.write + e.timeout, latency:percentile(99) / 1000))
end
LUA

# shellcheck disable=SC2086  # SERVER_ARGS is a list of flags
"$PARALLAX" serve --port "$PORT" --grpc-port 0 --data "$TMP/data" --log-level warning $SERVER_ARGS &
PIDS+=($!); SERVER=$!
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 0.1; done

BODY_DIR="$TMP/b" wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" -s "$TMP/post.lua" "http://127.0.0.1:$PORT" >"$TMP/wrk.out" 2>&1 &
PIDS+=($!); WRK=$!
python3 - "$PORT" "$DURATION" "$ALERT_RATE" >"$TMP/alerts.out" 2>&1 <<'PY' &
import json, sys, time, urllib.request
port, duration, rate = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
ok = bad = 0
end = time.time() + duration
i = 0
while time.time() < end:
    i += 1
    t = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    body = {"receiver": "soak", "status": "firing", "groupKey": str(i), "version": "4",
            "alerts": [{"status": "firing", "labels": {"alertname": f"Soak{i % 50}", "service": f"svc-{i % 13}", "team": f"t{i % 4}"},
                        "annotations": {}, "startsAt": t, "endsAt": "0001-01-01T00:00:00Z", "fingerprint": f"{i:016x}"}]}
    req = urllib.request.Request(f"http://127.0.0.1:{port}/v1/alerts", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            ok += r.status == 202
            bad += r.status != 202
    except Exception:
        bad += 1
    time.sleep(1 / rate)
print(f"ALERTS ok={ok} bad={bad}")
PY
PIDS+=($!); ALERTS=$!

echo "seconds,rss_kb,hwm_kb" >"$OUT/soak-rss.csv"
start=$(date +%s)
while kill -0 "$WRK" 2>/dev/null; do
  now=$(( $(date +%s) - start ))
  rss=$(awk '$1 == "VmRSS:" {print $2}' "/proc/$SERVER/status")
  hwm=$(awk '$1 == "VmHWM:" {print $2}' "/proc/$SERVER/status")
  echo "$now,$rss,$hwm" >>"$OUT/soak-rss.csv"
  sleep 10
done
wait "$ALERTS" || true
curl -fsS "http://127.0.0.1:$PORT/metrics" >"$OUT/soak-metrics.txt"
cat "$TMP/wrk.out" | grep -E "WRK_RESULT|Requests/sec" || true
if grep -q "post.lua" "$TMP/wrk.out"; then echo "soak: wrk could not run the body script:" >&2; head -3 "$TMP/wrk.out" >&2; exit 1; fi
cat "$TMP/alerts.out"
python3 - "$OUT/soak-rss.csv" "$TMP/wrk.out" "$TMP/alerts.out" "$DURATION" <<'PY'
import csv, re, sys
rows = list(csv.DictReader(open(sys.argv[1])))
wrk = open(sys.argv[2]).read()
alerts = open(sys.argv[3]).read()
m = re.search(r"WRK_RESULT requests=(\d+) status_errors=(\d+) socket_errors=(\d+) p99_ms=([\d.]+)", wrk)
a = re.search(r"ALERTS ok=(\d+) bad=(\d+)", alerts)
reqs, status_err, sock_err, p99 = int(m[1]), int(m[2]), int(m[3]), float(m[4])
rss = [int(r["rss_kb"]) for r in rows]
ref = rss[max(1, len(rss) // 5)]
last = rss[-1]
flat = last <= ref * 1.15
spans_per_s = reqs * 500 / float(sys.argv[4])
print(f"SOAK duration={sys.argv[4]}s trace_requests={reqs} spans_per_s={spans_per_s:.0f} status_errors={status_err} "
      f"socket_errors={sock_err} p99_ms={p99} alerts_ok={a[1]} alerts_bad={a[2]} rss_ref_mb={ref/1024:.1f} "
      f"rss_last_mb={last/1024:.1f} rss_max_mb={max(rss)/1024:.1f} flat={flat}")
sys.exit(0 if flat and status_err == 0 and sock_err == 0 and int(a[2]) == 0 else 1)
PY
