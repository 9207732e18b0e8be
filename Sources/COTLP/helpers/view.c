// Key/value split for the read view (proto/parallax/otlpview/v1). See COTLP.h.
#include "COTLP.h"
#include "wire.h"

int cotlp_kv_split(const uint8_t *data, size_t length,
                   const uint8_t **key, size_t *key_length,
                   const uint8_t **value, size_t *value_length) {
    *key = NULL; *key_length = 0; *value = NULL; *value_length = 0;
    size_t pos = 0;
    while (pos < length) {
        uint64_t tag, n;
        if (!cotlp_read_varint(data, length, &pos, &tag)) return 0;
        uint32_t number = (uint32_t)(tag >> 3);
        switch ((unsigned)(tag & 7)) {
        case 0:
            if (!cotlp_read_varint(data, length, &pos, &n)) return 0;
            break;
        case 1:
            if (length - pos < 8) return 0;
            pos += 8;
            break;
        case 5:
            if (length - pos < 4) return 0;
            pos += 4;
            break;
        case 2:
            if (!cotlp_read_varint(data, length, &pos, &n) || n > length - pos) return 0;
            // proto3: when a singular field repeats, the last one wins (as protobuf-c does).
            if (number == 1) { *key = data + pos; *key_length = (size_t)n; }
            else if (number == 2) { *value = data + pos; *value_length = (size_t)n; }
            pos += (size_t)n;
            break;
        default:
            return 0;
        }
        if (number == 0) return 0;
    }
    return 1;
}

const ProtobufCMessageDescriptor *cotlp_trace_view_descriptor(void) {
    return &parallax__otlpview__v1__trace_request_view__descriptor;
}
