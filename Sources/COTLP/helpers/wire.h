// Protobuf wire primitives shared by the helpers (not part of the public header).
#ifndef PARALLAX_COTLP_WIRE_H
#define PARALLAX_COTLP_WIRE_H
#include <stddef.h>
#include <stdint.h>

/// Reads a base-128 varint at `*pos` (advancing it); 0 when truncated or longer than 10 bytes.
static inline int cotlp_read_varint(const uint8_t *data, size_t end, size_t *pos, uint64_t *out) {
    uint64_t value = 0;
    unsigned shift = 0;
    while (*pos < end && shift < 64) {
        uint8_t b = data[(*pos)++];
        value |= (uint64_t)(b & 0x7f) << shift;
        if ((b & 0x80) == 0) { *out = value; return 1; }
        shift += 7;
    }
    return 0;
}
#endif
