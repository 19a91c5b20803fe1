/*
 * runtime/vindex.h - the version index: sequence number -> version, without
 * a lock. Owned by the cell; written by committers (their own slot) and
 * helpers, pruned by the maintenance claimer (runtime/reclaim.c).
 *
 * A radix tree of 64-way nodes. The root word holds the top node and the
 * height (low bits): height h covers seqs [0, 64^h). Leaves hold version
 * pointers.
 *
 *   root|h ──▶ [ 64 children ] ──▶ … ──▶ leaf [ v0 v1 … v63 ]
 *
 * - A committer reserves the path to its seq before it publishes (the only
 *   allocation: growing the root, or adding a node, by CAS; a loser frees
 *   its copy). After its CAS it stores its version in its slot. So a
 *   published seq always has a path, and helpers never allocate.
 * - A slot a committer has not written yet (it may be parked right after
 *   its CAS) is found from a newer version's prev chain
 *   (vcow_vindex_find): whoever needs it helps write it.
 * - Slots below the cell's tail are meaningless: the claimer prunes whole
 *   nodes below it (unlink, then free after a grace period), and a stale
 *   helper may still store into a pruned node. So a lookup validates what
 *   it found against the tail, and every access runs in a read section.
 * - Slots are never reused: seq only grows.
 */
#ifndef VCOW_RUNTIME_VINDEX_H
#define VCOW_RUNTIME_VINDEX_H

#include <stdatomic.h>
#include <stdint.h>

#include "counter.h"
#include "gc/gc_int.h"

struct vcow_version;

#define VCOW_VX_BITS 6
#define VCOW_VX_FAN  (1u << VCOW_VX_BITS)

struct vcow_vx_node {
    vcow_gc_head gc; /* its deferred free; apart from the slots, which a
                      * stale helper may still write after the unlink */
    _Atomic(void *) slot[VCOW_VX_FAN];
};

struct vcow_vindex {
    _Atomic uintptr_t root; /* node | height */
};

/* An index with one empty leaf (seqs 0..63). VCOW_ENOMEM. */
int vcow_vindex_init(struct vcow_vindex *x, struct vcow_tally *t);

/* Free every node (the cell is gone; nobody reads it any more). */
void vcow_vindex_destroy(struct vcow_vindex *x, struct vcow_tally *t);

/* Make sure seq has a path (before publishing seq). VCOW_ENOMEM. */
int vcow_vindex_reserve(struct vcow_vindex *x, uint64_t seq, struct vcow_tally *t);

/* Store v in its slot (its path was reserved). Read section. */
void vcow_vindex_set(struct vcow_vindex *x, struct vcow_version *v);

/* The slot of seq, or NULL (not written yet, or pruned). Read section. */
struct vcow_version *vcow_vindex_get(const struct vcow_vindex *x, uint64_t seq);

/*
 * Free the nodes that only cover seqs below tail, after tail moved up from
 * old_tail: unlinked now, freed after a grace period. Claimer only.
 */
void vcow_vindex_prune(struct vcow_vindex *x, uint64_t old_tail, uint64_t tail);

#endif
