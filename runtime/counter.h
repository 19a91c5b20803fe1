/*
 * runtime/counter.h - striped per-kind node counters.
 *
 * Writers count what they allocate and the reclaimer what it frees. One
 * shared set of atomics would bounce a cache line between them on every
 * commit (measured: a fifth of a commit's time). So each thread adds into
 * one of VCOW_STRIPES stripes, each on its own cache lines, picked once per
 * thread round-robin; a reader of the statistics sums the stripes.
 */
#ifndef VCOW_RUNTIME_COUNTER_H
#define VCOW_RUNTIME_COUNTER_H

#include <stdatomic.h>
#include <stdint.h>

#include <vcow/mem.h>

#define VCOW_STRIPES 8

/* 96 bytes of counters + 64 of padding: two stripes never share a cache
 * line even where malloc aligns the containing object to 16 bytes only
 * (so no _Alignas: heap objects cannot promise it). */
struct vcow_stripe {
    _Atomic int64_t nodes[VCOW_KIND_COUNT];
    _Atomic int64_t bytes[VCOW_KIND_COUNT];
    char pad[64];
};

struct vcow_striped {
    struct vcow_stripe s[VCOW_STRIPES];
};

/* Add (nodes, bytes) for one kind into the calling thread's stripe. */
void vcow_striped_add(struct vcow_striped *c, int kind, int64_t nodes, int64_t bytes);

/* Sum of all stripes for one kind. */
void vcow_striped_sum(const struct vcow_striped *c, int kind, int64_t *nodes, int64_t *bytes);

#endif
