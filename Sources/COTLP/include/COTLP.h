// COTLP: the protoc-c output for proto/ plus small helpers that make
// protobuf-c safe on untrusted input:
//   - cotlp_arena: a ProtobufCAllocator that bump-allocates from per-request
//     blocks under a hard byte budget (no per-field malloc/free);
//   - cotlp_check_depth: an iterative (non-recursive) pre-scan that rejects a
//     message nested deeper than a limit before protobuf-c's recursive unpack
//     ever sees it.
#ifndef PARALLAX_COTLP_H
#define PARALLAX_COTLP_H

#include <stddef.h>
#include <stdint.h>
#include <protobuf-c/protobuf-c.h>

#include "opentelemetry/proto/common/v1/common.pb-c.h"
#include "opentelemetry/proto/resource/v1/resource.pb-c.h"
#include "opentelemetry/proto/trace/v1/trace.pb-c.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"
#include "parallax/otlpview/v1/trace_view.pb-c.h"
#include "google/rpc/status.pb-c.h"
#include "google/rpc/error_details.pb-c.h"

#ifdef __cplusplus
extern "C" {
#endif

/// A bump allocator for one request at a time. Not thread-safe: use one per
/// decoding thread/task and `cotlp_arena_reset` between requests.
typedef struct cotlp_arena cotlp_arena;

/// Creates an arena whose first block holds `initial_bytes`, and which refuses
/// to hand out more than `budget_bytes` in total between two resets.
cotlp_arena *cotlp_arena_create(size_t initial_bytes, size_t budget_bytes);
void cotlp_arena_destroy(cotlp_arena *arena);
/// Forgets every allocation. Keeps one block large enough for the last
/// request's peak so steady-state decoding does not call malloc at all.
void cotlp_arena_reset(cotlp_arena *arena);
/// The allocator to pass to protobuf-c's `*_unpack` functions.
ProtobufCAllocator *cotlp_arena_allocator(cotlp_arena *arena);
/// Bytes handed out since the last reset.
size_t cotlp_arena_used(const cotlp_arena *arena);
/// Non-zero when an allocation was refused because of the budget since the last reset.
int cotlp_arena_exhausted(const cotlp_arena *arena);
size_t cotlp_arena_budget(const cotlp_arena *arena);

/// Outcome of `cotlp_check_depth`.
typedef enum {
    COTLP_DEPTH_OK = 0,
    COTLP_DEPTH_TOO_DEEP = 1,
    COTLP_DEPTH_MALFORMED = 2,
} cotlp_depth_result;

/// Walks `data` as an encoded `descriptor` message without recursion and
/// reports whether any sub-message is nested deeper than `max_depth` (the top
/// level message is depth 1). `max_depth` is capped at COTLP_MAX_DEPTH_LIMIT.
/// `out_depth` (optional) receives the deepest nesting seen before stopping.
/// Truncated varints/lengths and group wire types are reported as malformed.
#define COTLP_MAX_DEPTH_LIMIT 256
cotlp_depth_result cotlp_check_depth(const ProtobufCMessageDescriptor *descriptor,
                                     const uint8_t *data, size_t length,
                                     unsigned max_depth, unsigned *out_depth);

/// Splits one encoded opentelemetry.proto.common.v1.KeyValue (an element of
/// the read view's `repeated bytes attributes`) into its key bytes (field 1)
/// and its encoded AnyValue (field 2), without copying. Either may be absent
/// (NULL, 0). Returns 0 when the slice is not well-formed protobuf.
int cotlp_kv_split(const uint8_t *data, size_t length,
                   const uint8_t **key, size_t *key_length,
                   const uint8_t **value, size_t *value_length);

/// Convenience accessors for Swift (protobuf-c's descriptors are extern
/// globals that Swift cannot take the address of directly).
const ProtobufCMessageDescriptor *cotlp_export_request_descriptor(void);
const ProtobufCMessageDescriptor *cotlp_traces_data_descriptor(void);
/// The read view of an ExportTraceServiceRequest (proto/parallax/otlpview/v1).
const ProtobufCMessageDescriptor *cotlp_trace_view_descriptor(void);

/// Encodes an ExportTraceServiceResponse (partial_success set when
/// `rejected_spans` != 0 or `error_message` is non-empty). Returns the encoded
/// size; writes only when `out` is non-NULL and `capacity` is large enough.
size_t cotlp_encode_export_response(int64_t rejected_spans, const char *error_message,
                                    uint8_t *out, size_t capacity);
/// Encodes a google.rpc.Status {code, message}; same return convention.
size_t cotlp_encode_rpc_status(int32_t code, const char *message, uint8_t *out, size_t capacity);
/// Encodes a google.rpc.RetryInfo {retry_delay: retry_seconds}; same return convention.
size_t cotlp_encode_retry_info(int64_t retry_seconds, uint8_t *out, size_t capacity);
/// Encodes a google.rpc.Status {code, message, details: [Any(RetryInfo{retry_seconds})]}
/// (the OTLP/gRPC `grpc-status-details-bin` trailer); same return convention.
size_t cotlp_encode_rpc_status_retry(int32_t code, const char *message, int64_t retry_seconds,
                                     uint8_t *out, size_t capacity);

#ifdef __cplusplus
}
#endif
#endif
