/*
 * runtime/mem.h - node allocation with sized free and per-kind accounting.
 *
 * Writers allocate many nodes per commit and the reclaimer frees them in
 * batches, so counting each allocation with a shared atomic would put a
 * contended cache line on the write path. Callers that allocate in bulk
 * count into a private vcow_tally and flush it once (per commit, per
 * reclaimed batch); a NULL tally counts straight into the globals.
 */
#ifndef VCOW_RUNTIME_MEM_H
#define VCOW_RUNTIME_MEM_H

#include <stddef.h>
#include <stdint.h>

#include <vcow/mem.h>

struct vcow_tally {
    int64_t nodes[VCOW_MEM_COUNT];
    int64_t bytes[VCOW_MEM_COUNT];
};

/* NULL on failure (real or injected by vcow_debug_fail_alloc). */
void *vcow_node_alloc(struct vcow_tally *t, enum vcow_mem kind, size_t size);

/* size must be the size passed to vcow_node_alloc (sized free). */
void vcow_node_free(struct vcow_tally *t, enum vcow_mem kind, void *p, size_t size);

/* Add a tally to the global counters and zero it. */
void vcow_tally_flush(struct vcow_tally *t);

#endif
