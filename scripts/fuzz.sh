#!/usr/bin/env bash
# Builds the libFuzzer binaries for the OTLP decoders and the alert webhook adapters and runs one
# fuzz target each for SECONDS:
#   scripts/fuzz.sh [SECONDS] [TARGET...]   default 60 s each, all targets; `make test` runs 10 s each
#   FUZZ_RUNS=1000000 scripts/fuzz.sh 0     stop each target after N executions (SECONDS 0: no time limit)
#   FUZZ_JOBS=N                             targets run N at a time (default: the number of cores)
# Targets: otlp-protobuf, otlp-json (scripts/fuzz/FuzzOTLP.swift + Sources/OTLP minus the
# file/compression readers, on the SpanModel module built first
# + the COTLP C code) and alertmanager, grafana, datadog, sentry,
# cloudwatch, pagerduty, opsgenie, alerts-auto (scripts/fuzz/FuzzAlerts.swift + Sources/Alerts
# minus EntityResolver.swift, the only file that needs Yams; one adapter forced per target,
# alerts-auto detects the shape). Both binaries are built with swiftc -sanitize=fuzzer,address;
# the target is picked by PARALLAX_FUZZ_OTLP / PARALLAX_FUZZ_ALERTS (see the harness headers).
# Seeds: Tests/OTLPTests/Fixtures, the bodies of samples/alerts/*.json and, when present,
# ../shared/alert-payloads/<tool>*/ (linked, read at run time, never copied into the repository).
# Corpora grow in .build/fuzz/corpus/<target>; findings land in .build/fuzz/findings/<target>-*
# (a finding is a plain request body: reproduce with
#   PARALLAX_FUZZ_ALERTS=<target> .build/fuzz/alerts-fuzz FILE, or PARALLAX_FUZZ_OTLP=json|protobuf
#   .build/fuzz/otlp-fuzz FILE; minimise with -minimize_crash=1 -runs=100000).
# Prints runs, exec/s, new corpus units and peak RSS per target; exits non-zero on any crash,
# sanitizer report, leak, timeout or out-of-memory.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
shift || true
all_targets=(otlp-protobuf otlp-json alertmanager grafana datadog sentry cloudwatch pagerduty opsgenie alerts-auto)
targets=("$@")
((${#targets[@]})) || targets=("${all_targets[@]}")
for t in "${targets[@]}"; do
  [[ " ${all_targets[*]} " == *" $t "* ]] || { echo "unknown fuzz target '$t' (one of: ${all_targets[*]})" >&2; exit 2; }
done
jobs="${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 1)}"
out=.build/fuzz
started=$SECONDS
mkdir -p "$out/obj" "$out/corpus" "$out/seeds" "$out/findings" "$out/logs"

# --- build (each binary only when one of its inputs changed) -------------------------------------
# stale BIN INPUT...: true when BIN is missing, older than an input, or was built from another list.
stale() {
  local bin=$1; shift
  [[ -x "$bin" && "$(printf '%s\n' "$@")" == "$(cat "$bin.inputs" 2>/dev/null)" ]] || return 0
  local f; for f in "$@"; do [[ "$f" -nt "$bin" ]] && return 0; done
  return 1
}
# swift_build BIN MODULE SWIFT_ARGS...: swiftc with the sanitizers, build log beside the binary.
swift_build() {
  local bin=$1 module=$2; shift 2
  if swiftc -sanitize=fuzzer,address -parse-as-library -O -wmo -g -module-name "$module" "$@" -o "$bin" > "$bin.log" 2>&1; then
    return 0
  fi
  grep -v "Cannot export local symbol" "$bin.log" >&2; rm -f "$bin"; return 1
}

cflags=(-O1 -g -fsanitize=fuzzer-no-link,address -I Sources/COTLP/include $(pkg-config --cflags libprotobuf-c))
objs=()
while IFS= read -r c; do
  o="$out/obj/$(echo "$c" | tr '/' '_').o"
  if [[ ! -f "$o" || "$c" -nt "$o" ]]; then clang "${cflags[@]}" -c "$c" -o "$o"; fi
  objs+=("$o")
done < <(find Sources/COTLP/generated Sources/COTLP/helpers -name '*.c' | sort)
# SpanModel (the records OTLP emits) and TextEscaping are their own modules, as in the package:
# built first, imported by OTLP.
dep_modules=(SpanModel TextEscaping)
dep_sources=()
dep_objs=()
for m in "${dep_modules[@]}"; do dep_sources+=(Sources/"$m"/*.swift); dep_objs+=("$out/mod/$m.o"); done
# module_build NAME: Sources/NAME as a module with its object file under $out/mod.
module_build() {
  swiftc -sanitize=fuzzer,address -parse-as-library -O -wmo -g -module-name "$1" -emit-module -I "$out/mod" \
    -emit-module-path "$out/mod/$1.swiftmodule" -c Sources/"$1"/*.swift -o "$out/mod/$1.o" > "$out/mod/$1.log" 2>&1 \
    || { cat "$out/mod/$1.log" >&2; false; }
}
otlp_sources=()
for f in Sources/OTLP/*.swift; do
  case "$(basename "$f")" in ContentEncoding.swift|TraceFileReader.swift) continue;; esac
  otlp_sources+=("$f")
done
alert_sources=()
for f in Sources/Alerts/*.swift; do
  # (the two files that read YAML through Yams are not on the fuzzed path)
  case "$(basename "$f")" in EntityResolver.swift|ResourceTopology.swift) continue;; esac
  alert_sources+=("$f")
done
otlp_inputs=("${dep_sources[@]}" "${otlp_sources[@]}" scripts/fuzz/FuzzOTLP.swift "${objs[@]}" scripts/fuzz.sh)
alert_inputs=("${alert_sources[@]}" scripts/fuzz/FuzzAlerts.swift scripts/fuzz.sh)
builds=()
if stale "$out/otlp-fuzz" "${otlp_inputs[@]}"; then
  mkdir -p "$out/mod"
  { for m in "${dep_modules[@]}"; do module_build "$m" || exit 1; done
    swift_build "$out/otlp-fuzz" OTLPFuzz -I Sources/COTLP/include -I Sources/CProtobufC -I "$out/mod" \
      "${otlp_sources[@]}" scripts/fuzz/FuzzOTLP.swift "${dep_objs[@]}" "${objs[@]}" $(pkg-config --libs libprotobuf-c); } &
  builds+=("$!:otlp")
fi
if stale "$out/alerts-fuzz" "${alert_inputs[@]}"; then
  swift_build "$out/alerts-fuzz" AlertsFuzz "${alert_sources[@]}" scripts/fuzz/FuzzAlerts.swift &
  builds+=("$!:alerts")
fi
failed_build=0
for b in ${builds[@]+"${builds[@]}"}; do wait "${b%%:*}" || { echo "fuzz: building ${b#*:}-fuzz failed" >&2; failed_build=1; }; done
((failed_build == 0)) || exit 1
printf '%s\n' "${otlp_inputs[@]}" > "$out/otlp-fuzz.inputs"
printf '%s\n' "${alert_inputs[@]}" > "$out/alerts-fuzz.inputs"

# --- dictionaries: JSON syntax, numbers at the edges of Int/Double, the literals the code compares
dict() {
  { printf '"{"\n"}"\n"["\n"]"\n"\\""\n":"\n","\n"null"\n"true"\n"false"\n"-0.5e-3"\n'
    printf '"%s"\n' 1e300 -1e300 1e19 -1e19 9223372036854775807 9223372036854775808 -9223372036854775809 \
      18446744073709551616 1e400 4.9e-324 -0 0.5 1700000000 1700000000000 1700000000000000000 '\\u00a0' '\\u0000'
    grep -ohE '"[A-Za-z0-9_.:/ -]{2,40}"' "$@" | sort -u; } > "$dict_file"
}
dict_file="$out/otlp-json.dict" dict Sources/OTLP/OTLPDecoder+JSON.swift Sources/OTLP/AttributeKeys.swift
dict_file="$out/alerts.dict" dict Sources/Alerts/AlertIntake.swift Sources/Alerts/*Adapter.swift \
  Sources/Alerts/EntityExtraction.swift Sources/Alerts/Timestamps.swift

# --- seeds: rebuilt on every run under .build/fuzz/seeds/<target> --------------------------------
shared=../shared/alert-payloads
# link_seeds DIR FILE...: symlinks (absolute) to the files.
link_seeds() { local d=$1 f; shift; for f in "$@"; do [[ -f "$f" ]] && ln -sfn "$(cd "$(dirname "$f")" && pwd)/$(basename "$f")" "$d/$(basename "$(dirname "$f")")-$(basename "$f")"; done; return 0; }
# split_bodies DIR FILE...: each element of a JSON array of bodies as its own seed (a body as is).
split_bodies() {
  local d=$1; shift
  python3 - "$d" "$@" <<'PY' 2>/dev/null || link_seeds "$d" "$@"
import json, os, sys
d = sys.argv[1]
for path in sys.argv[2:]:
    v = json.load(open(path))
    stem = os.path.splitext(os.path.basename(path))[0]
    for i, body in enumerate(v if isinstance(v, list) else [v]):
        with open(os.path.join(d, f"sample-{stem}-{i}.json"), "w") as f:
            json.dump(body, f, separators=(",", ":"))
PY
}
declare -A tool_files=(
  [alertmanager]=alertmanager [grafana]=grafana [datadog]=datadog [sentry]=sentry
  [cloudwatch]=cloudwatch [pagerduty]=pagerduty [opsgenie]=opsgenie)
for t in "${targets[@]}"; do
  s="$out/seeds/$t"
  rm -rf "$s"; mkdir -p "$s" "$out/corpus/$t"
  case "$t" in
    otlp-protobuf) link_seeds "$s" Tests/OTLPTests/Fixtures/*.pb ;;
    otlp-json)
      link_seeds "$s" Tests/OTLPTests/Fixtures/*.json
      n=0
      while IFS= read -r line; do [[ -n "$line" ]] && printf '%s' "$line" > "$s/jsonl-$((n += 1)).json"; done \
        < Tests/OTLPTests/Fixtures/collector-file.jsonl ;;
    alerts-auto)
      split_bodies "$s" samples/alerts/*.json
      link_seeds "$s" "$shared"/*/*.json
      # one small array of bodies (of two tools) for the array path
      python3 -c 'import json,sys; print(json.dumps([json.load(open(p)) for p in sys.argv[1:]]))' \
        "$s"/sample-opsgenie-0.json "$s"/sample-pagerduty-0.json > "$s/array-of-bodies.json" 2>/dev/null || rm -f "$s/array-of-bodies.json" ;;
    *)
      split_bodies "$s" samples/alerts/"${tool_files[$t]}"*.json
      link_seeds "$s" "$shared/${tool_files[$t]}"*/*.json ;;
  esac
done

# --- run -------------------------------------------------------------------------------------------
common=(-max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1)
[[ -n "${FUZZ_RUNS:-}" ]] && common+=(-runs="$FUZZ_RUNS")
run_target() {
  local t=$1 env bin args
  case "$t" in
    otlp-*) env="PARALLAX_FUZZ_OTLP=${t#otlp-}"; bin=otlp-fuzz; args=(-max_len=65536)
            [[ "$t" == otlp-json ]] && args+=(-dict="$out/otlp-json.dict") ;;
    alerts-auto) env="PARALLAX_FUZZ_ALERTS=auto"; bin=alerts-fuzz; args=(-max_len=32768 -dict="$out/alerts.dict") ;;
    *) env="PARALLAX_FUZZ_ALERTS=$t"; bin=alerts-fuzz; args=(-max_len=32768 -dict="$out/alerts.dict") ;;
  esac
  local rc=0
  # SWIFT_BACKTRACE off: libFuzzer's own crash handler then writes the finding and the stack.
  env "$env" SWIFT_BACKTRACE=enable=no "$out/$bin" "${common[@]}" "${args[@]}" -artifact_prefix="$out/findings/$t-" \
    "$out/corpus/$t" "$out/seeds/$t" > "$out/logs/$t.log" 2>&1 || rc=$?
  echo "$rc" > "$out/logs/$t.rc"
}
trap 'kill $(jobs -p) 2>/dev/null || true' INT TERM
running=0
for t in "${targets[@]}"; do
  rm -f "$out/logs/$t.rc"
  run_target "$t" &
  if ((++running >= jobs)); then wait -n || true; ((running--)); fi
done
wait

# --- report ----------------------------------------------------------------------------------------
stat() { sed -n "s/^stat::$1: *//p" "$out/logs/$2.log" | tail -1; }
printf '%-14s %10s %8s %6s %7s  %s\n' target runs exec/s new rss_mb result
failed=()
for t in "${targets[@]}"; do
  rc=$(cat "$out/logs/$t.rc" 2>/dev/null || echo 1)
  result=ok
  if [[ "$rc" != 0 ]]; then
    failed+=("$t")
    artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$out/logs/$t.log" | tail -1)
    result="FAILED (exit $rc${artifact:+, $artifact})"
  fi
  printf '%-14s %10s %8s %6s %7s  %s\n' "$t" "$(stat number_of_executed_units "$t")" "$(stat average_exec_per_sec "$t")" \
    "$(stat new_units_added "$t")" "$(stat peak_rss_mb "$t")" "$result"
done
echo "fuzz: ${#targets[@]} targets, $((SECONDS - started)) s in total (logs: $out/logs)"
if ((${#failed[@]})); then
  for t in "${failed[@]}"; do
    echo "---- $t ($out/logs/$t.log) ----" >&2
    grep -v '^#[0-9]' "$out/logs/$t.log" | tail -60 >&2
  done
  exit 1
fi
