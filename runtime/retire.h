/*
 * runtime/retire.h - retire lists: the nodes version k-1 reaches and
 * version k does not, recorded by the txn that made k.
 *
 * An entry is a node pointer with its low bit as a tag:
 *   untagged  the node alone (its children are still shared by version k)
 *   tagged    the node and its whole subtree (dropped entirely by version k)
 * The first entries live inline (a small update retires a handful of path
 * nodes), more go into chunks. Slots are reserved before a structure
 * operation changes anything, so retiring itself never fails: an operation
 * that runs out of memory halfway cannot leave a half-recorded list.
 */
#ifndef VCOW_RUNTIME_RETIRE_H
#define VCOW_RUNTIME_RETIRE_H

#include <stdint.h>

#include "node.h"

#define VCOW_RETIRE_INLINE 6
#define VCOW_RETIRE_CHUNK  62

struct vcow_retire_chunk {
    struct vcow_retire_chunk *next;
    uint32_t n;
    uint32_t pad;
    uintptr_t e[VCOW_RETIRE_CHUNK];
};

struct vcow_retire {
    uint32_t n_inline;
    uint32_t n_spare;                /* empty chunks reserved on spare */
    uintptr_t e[VCOW_RETIRE_INLINE]; /* first entries */
    struct vcow_retire_chunk *head;  /* filling chunk first, then full ones */
    struct vcow_retire_chunk *spare; /* reserved, empty */
    uint64_t bytes;                  /* bytes of the retired nodes (subtrees: root only) */
    uint64_t entries;
};

/* Make sure n more entries fit. VCOW_ENOMEM if a chunk cannot be had. */
int vcow_retire_reserve(struct vcow_retire *r, struct vcow_tally *t, uint32_t n);

/* Append (slots must have been reserved). */
void vcow_retire_add(struct vcow_retire *r, struct vcow_node *n, int subtree);

/* Bytes of the list's own chunks (used and spare): what freeing it frees
 * besides the nodes. */
uint64_t vcow_retire_meta_bytes(const struct vcow_retire *r);

/* Drop the list without freeing the nodes (an aborted txn): frees chunks. */
void vcow_retire_drop(struct vcow_retire *r, struct vcow_tally *t);

/*
 * Free the nodes of the list and its chunks, at most *budget nodes (every
 * node counts, alone or in a subtree; what was freed is taken off *budget;
 * NULL: no limit). *stack carries an unfinished subtree between calls.
 * Returns 1 when everything is freed, 0 when more remains (call again with
 * the same r and stack).
 */
int vcow_retire_free(struct vcow_retire *r, struct vcow_tally *t, struct vcow_node **stack,
                     uint64_t *budget, uint64_t *freed_bytes);

#endif
