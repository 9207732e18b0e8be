// Per-request bump allocator for protobuf-c. See COTLP.h.
#include "COTLP.h"
#include <stdlib.h>
#include <string.h>

typedef struct cotlp_chunk {
    struct cotlp_chunk *next;
    size_t size;
    size_t used;
    // payload follows, 16-byte aligned
} cotlp_chunk;

struct cotlp_arena {
    ProtobufCAllocator allocator;
    cotlp_chunk *head;      // current chunk (most recent)
    size_t budget;          // max bytes handed out between resets
    size_t handed_out;      // bytes handed out since reset
    size_t reserved;        // bytes reserved in chunks (for the reset heuristic)
    size_t initial;
    int exhausted;
};

#define COTLP_ALIGN 16u
#define COTLP_HEADER ((sizeof(cotlp_chunk) + (COTLP_ALIGN - 1)) & ~(size_t)(COTLP_ALIGN - 1))

static cotlp_chunk *chunk_new(size_t size) {
    cotlp_chunk *c = (cotlp_chunk *)malloc(COTLP_HEADER + size);
    if (c == NULL) return NULL;
    c->next = NULL;
    c->size = size;
    c->used = 0;
    return c;
}

static void *arena_alloc(void *data, size_t size) {
    cotlp_arena *a = (cotlp_arena *)data;
    size_t need = (size + (COTLP_ALIGN - 1)) & ~(size_t)(COTLP_ALIGN - 1);
    if (need < size || a->handed_out + need > a->budget || a->handed_out + need < a->handed_out) {
        a->exhausted = 1;
        return NULL;
    }
    cotlp_chunk *c = a->head;
    if (c == NULL || c->size - c->used < need) {
        size_t next = c ? c->size * 2 : a->initial;
        if (next < need) next = need;
        size_t remaining = a->budget - a->handed_out;
        if (next > remaining && need <= remaining) next = remaining;
        cotlp_chunk *n = chunk_new(next);
        if (n == NULL) { a->exhausted = 1; return NULL; }
        n->next = c;
        a->head = n;
        a->reserved += next;
        c = n;
    }
    void *p = (uint8_t *)c + COTLP_HEADER + c->used;
    c->used += need;
    a->handed_out += need;
    return p;
}

static void arena_free(void *data, void *pointer) {
    (void)data;
    (void)pointer; // everything goes at reset
}

cotlp_arena *cotlp_arena_create(size_t initial_bytes, size_t budget_bytes) {
    cotlp_arena *a = (cotlp_arena *)calloc(1, sizeof(cotlp_arena));
    if (a == NULL) return NULL;
    a->allocator.alloc = arena_alloc;
    a->allocator.free = arena_free;
    a->allocator.allocator_data = a;
    a->budget = budget_bytes;
    a->initial = initial_bytes < 4096 ? 4096 : initial_bytes;
    return a;
}

void cotlp_arena_destroy(cotlp_arena *a) {
    if (a == NULL) return;
    cotlp_chunk *c = a->head;
    while (c) { cotlp_chunk *n = c->next; free(c); c = n; }
    free(a);
}

void cotlp_arena_reset(cotlp_arena *a) {
    if (a == NULL) return;
    cotlp_chunk *c = a->head;
    if (c != NULL && c->next != NULL) {
        // Several chunks were needed: replace them with one block of their
        // total size (bounded by the budget) so the next request fits in one.
        size_t total = a->reserved;
        if (total > a->budget) total = a->budget;
        while (c) { cotlp_chunk *n = c->next; free(c); c = n; }
        a->head = chunk_new(total);
        a->reserved = a->head ? total : 0;
    } else if (c != NULL) {
        c->used = 0;
    }
    a->handed_out = 0;
    a->exhausted = 0;
}

ProtobufCAllocator *cotlp_arena_allocator(cotlp_arena *a) { return &a->allocator; }
size_t cotlp_arena_used(const cotlp_arena *a) { return a->handed_out; }
int cotlp_arena_exhausted(const cotlp_arena *a) { return a->exhausted; }
size_t cotlp_arena_budget(const cotlp_arena *a) { return a->budget; }

const ProtobufCMessageDescriptor *cotlp_export_request_descriptor(void) {
    return &opentelemetry__proto__collector__trace__v1__export_trace_service_request__descriptor;
}
const ProtobufCMessageDescriptor *cotlp_traces_data_descriptor(void) {
    return &opentelemetry__proto__trace__v1__traces_data__descriptor;
}
