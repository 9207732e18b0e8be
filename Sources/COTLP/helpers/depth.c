// Iterative nesting-depth guard for protobuf-c. See COTLP.h.
// protobuf-c's unpack recurses once per nested message with no limit, so a
// few kilobytes of AnyValue{array_value{values{array_value{...}}}} exhaust the
// stack. This scan uses an explicit, fixed-size stack and the generated
// descriptors to know which length-delimited fields are sub-messages.
#include "COTLP.h"
#include "wire.h"

typedef struct {
    const ProtobufCMessageDescriptor *descriptor;
    size_t end;
} frame;


cotlp_depth_result cotlp_check_depth(const ProtobufCMessageDescriptor *descriptor,
                                     const uint8_t *data, size_t length,
                                     unsigned max_depth, unsigned *out_depth) {
    frame stack[COTLP_MAX_DEPTH_LIMIT + 1];
    if (max_depth > COTLP_MAX_DEPTH_LIMIT) max_depth = COTLP_MAX_DEPTH_LIMIT;
    if (max_depth == 0) max_depth = 1;
    unsigned depth = 1, deepest = 1;
    stack[0].descriptor = descriptor;
    stack[0].end = length;
    size_t pos = 0;
    cotlp_depth_result result = COTLP_DEPTH_OK;
    for (;;) {
        while (depth > 0 && pos == stack[depth - 1].end) depth--;
        if (depth == 0) break;
        frame *top = &stack[depth - 1];
        uint64_t key;
        if (!cotlp_read_varint(data, top->end, &pos, &key)) { result = COTLP_DEPTH_MALFORMED; break; }
        uint32_t number = (uint32_t)(key >> 3);
        unsigned wire = (unsigned)(key & 7);
        if (number == 0) { result = COTLP_DEPTH_MALFORMED; break; }
        uint64_t skip = 0;
        switch (wire) {
        case 0: {
            uint64_t ignored;
            if (!cotlp_read_varint(data, top->end, &pos, &ignored)) { result = COTLP_DEPTH_MALFORMED; goto done; }
            continue;
        }
        case 1: skip = 8; break;
        case 5: skip = 4; break;
        case 2: {
            uint64_t len;
            if (!cotlp_read_varint(data, top->end, &pos, &len)) { result = COTLP_DEPTH_MALFORMED; goto done; }
            if (len > top->end - pos) { result = COTLP_DEPTH_MALFORMED; goto done; }
            const ProtobufCFieldDescriptor *field = NULL;
            if (top->descriptor != NULL) {
                // protoc-c emits fields sorted by number; OTLP's messages mostly number them
                // 1..n, so field `number` usually sits at index number-1. Fall back to
                // protobuf-c's range lookup otherwise.
                const ProtobufCMessageDescriptor *d = top->descriptor;
                if (number - 1 < d->n_fields && d->fields[number - 1].id == number) field = &d->fields[number - 1];
                else field = protobuf_c_message_descriptor_get_field(d, number);
            }
            if (field != NULL && field->type == PROTOBUF_C_TYPE_MESSAGE && len > 0) {
                if (depth + 1 > max_depth) { deepest = depth + 1; result = COTLP_DEPTH_TOO_DEEP; goto done; }
                stack[depth].descriptor = (const ProtobufCMessageDescriptor *)field->descriptor;
                stack[depth].end = pos + (size_t)len;
                depth++;
                if (depth > deepest) deepest = depth;
                continue;
            }
            skip = len;
            break;
        }
        default:
            result = COTLP_DEPTH_MALFORMED; // groups (3, 4) and reserved types
            goto done;
        }
        if (skip > top->end - pos) { result = COTLP_DEPTH_MALFORMED; break; }
        pos += (size_t)skip;
    }
done:
    if (out_depth) *out_depth = deepest;
    return result;
}
