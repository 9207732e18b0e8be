#!/usr/bin/env bash
# Builds the libFuzzer target for the OTLP protobuf and JSON decoders and runs it.
#   scripts/fuzz.sh [SECONDS]     default 60; `make test` runs a 20 s smoke run
# The target compiles Sources/OTLP (minus the file/compression readers) and the COTLP C code with
# -sanitize=fuzzer,address, seeds the corpus from the SDK fixtures, and fails on any crash.
# A longer run: scripts/fuzz.sh 3600 (findings land in .build/fuzz/crash-*).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
out=.build/fuzz
mkdir -p "$out/obj" "$out/corpus"
cflags=(-O1 -g -fsanitize=fuzzer-no-link,address -I Sources/COTLP/include $(pkg-config --cflags libprotobuf-c))
objs=()
while IFS= read -r c; do
  o="$out/obj/$(echo "$c" | tr '/' '_').o"
  if [[ ! -f "$o" || "$c" -nt "$o" ]]; then clang "${cflags[@]}" -c "$c" -o "$o"; fi
  objs+=("$o")
done < <(find Sources/COTLP/generated Sources/COTLP/helpers -name '*.c' | sort)
swift_sources=()
for f in Sources/OTLP/*.swift; do
  case "$(basename "$f")" in ContentEncoding.swift|TraceFileReader.swift) continue;; esac
  swift_sources+=("$f")
done
swiftc -sanitize=fuzzer,address -parse-as-library -O -g -module-name OTLPFuzz \
  -I Sources/COTLP/include -I Sources/CProtobufC \
  "${swift_sources[@]}" scripts/fuzz/FuzzOTLP.swift "${objs[@]}" \
  $(pkg-config --libs libprotobuf-c) -o "$out/otlp-fuzz" > "$out/build.log" 2>&1 \
  || { grep -v "Cannot export local symbol" "$out/build.log" >&2; exit 1; }
# Seeds: the SDK fixtures, as protobuf (selector byte 0) and JSON (selector byte 1).
for f in Tests/OTLPTests/Fixtures/*.pb; do { printf '\x00'; cat "$f"; } > "$out/corpus/pb-$(basename "$f")"; done
for f in Tests/OTLPTests/Fixtures/*.json; do { printf '\x01'; cat "$f"; } > "$out/corpus/json-$(basename "$f")"; done
cd "$out"
./otlp-fuzz -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 corpus 2>&1 | tail -15
