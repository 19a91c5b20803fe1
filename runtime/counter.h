/*
 * runtime/counter.h - striped per-kind node counters.
 *
 * Writers count what they allocate and the reclaimer what it frees. One
 * shared set of atomics would bounce a cache line between them on every
 * commit (measured: a fifth of a commit's time). So each thread adds into
 * a stripe of its own, on its own cache lines; a reader of the statistics
 * sums the stripes.
 *
 * The first VCOW_STRIPES - 1 threads that count (at a time) each own one
 * stripe index, in every struct vcow_striped, until they exit: an owner is
 * the only writer of its stripe and adds with a relaxed load and store, no
 * locked read-modify-write (measured: the locked adds were a tenth of a
 * one-writer commit). Threads beyond them share the last stripe and add
 * with atomic read-modify-writes.
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
    _Atomic int64_t nodes[VCOW_MEM_COUNT];
    _Atomic int64_t bytes[VCOW_MEM_COUNT];
    char pad[64];
};

struct vcow_striped {
    struct vcow_stripe s[VCOW_STRIPES];
};

/* Add d to a counter only the calling thread writes: a relaxed load and
 * store, no locked read-modify-write; readers still see each value whole. */
static inline void vcow_owned_add(_Atomic int64_t *x, int64_t d)
{
    atomic_store_explicit(x, atomic_load_explicit(x, memory_order_relaxed) + d,
                          memory_order_relaxed);
}

void vcow_striped_add(struct vcow_striped *c, int kind, int64_t nodes, int64_t bytes);

void vcow_striped_sum(const struct vcow_striped *c, int kind, int64_t *nodes, int64_t *bytes);

#endif
