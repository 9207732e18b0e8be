#!/usr/bin/env bash
# Regenerates the protoc-c output for proto/ into this C target.
#   Sources/COTLP/regenerate.sh          write the generated code
#   Sources/COTLP/regenerate.sh --check  fail if the committed copy differs
# Headers go to include/ (the target's public headers, so Swift sees them),
# .c files to generated/. Needs protoc-c (Debian: protobuf-c-compiler).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
protos=(
  opentelemetry/proto/common/v1/common.proto
  opentelemetry/proto/resource/v1/resource.proto
  opentelemetry/proto/trace/v1/trace.proto
  opentelemetry/proto/collector/trace/v1/trace_service.proto
  parallax/otlpview/v1/trace_view.proto
  google/protobuf/any.proto
  google/protobuf/duration.proto
  google/rpc/status.proto
  google/rpc/error_details.proto
)
command -v protoc-c >/dev/null || { echo "protoc-c not found (apt-get install protobuf-c-compiler)" >&2; exit 1; }
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
(cd "$root/proto" && protoc-c --c_out="$out/raw" "${protos[@]}" 2>/dev/null) || {
  mkdir -p "$out/raw"; (cd "$root/proto" && protoc-c --c_out="$out/raw" "${protos[@]}"); }
mkdir -p "$out/include" "$out/generated"
(cd "$out/raw" && find . -name '*.pb-c.h' | while read -r f; do mkdir -p "$out/include/$(dirname "$f")"; cp "$f" "$out/include/$f"; done)
(cd "$out/raw" && find . -name '*.pb-c.c' | while read -r f; do mkdir -p "$out/generated/$(dirname "$f")"; cp "$f" "$out/generated/$f"; done)
if [[ "${1:-}" == "--check" ]]; then
  status=0
  for d in include generated; do
    (cd "$out/$d" && find . -name '*.pb-c.[ch]' | sort) > "$out/$d.list"
    (cd "$here/$d" && find . -name '*.pb-c.[ch]' | sort) > "$out/$d.committed"
    diff -u "$out/$d.committed" "$out/$d.list" || status=1
    while read -r f; do diff -u "$here/$d/$f" "$out/$d/$f" >/dev/null 2>&1 || { echo "stale: Sources/COTLP/$d/$f" >&2; status=1; }; done < "$out/$d.list"
  done
  [[ $status == 0 ]] && echo "proto: committed protoc-c output is current ($(protoc-c --version | head -1))"
  exit $status
fi
for d in include generated; do
  find "$here/$d" -name '*.pb-c.[ch]' -delete 2>/dev/null || true
  cp -R "$out/$d/." "$here/$d/"
done
echo "proto: regenerated $(find "$here" -name '*.pb-c.c' | wc -l) files with $(protoc-c --version | head -1)"
