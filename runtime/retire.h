/*
 * runtime/retire.h - retire lists: the nodes version k-1 reaches and
 * version k does not, recorded by the txn that made k.
 *
 * An entry is one word that carries everything its free needs, so the
 * reclaimer never reads a retired node it frees alone (reclaim.c (h)):
 *
 *   bit  0      1: the node and its whole subtree (dropped entirely by k);
 *               0: the node alone (its children are still shared by k)
 *   bits 1-3    the node's kind (enum vcow_kind), or VCOW_RE_CHUNKS: the
 *               entry is a chain of retire chunks, each entry of which is
 *               freed (committed lists and batches only)
 *   bits 4-47   the pointer (nodes are 16-byte aligned)
 *   bits 48-63  the node's size in bytes, 0 if it does not fit (then the
 *               free reads it from the node)
 *
 * Sanitizer builds (VCOW_SANITIZED) leave bits 48-63 zero: an entry is then
 * an interior pointer, which LeakSanitizer follows, so memory waiting in a
 * deferred batch at exit is not reported as leaked. (A release vcow linked
 * into a program run under LeakSanitizer: call vcow_gc_barrier before exit.)
 *
 * A txn builds its list in a struct vcow_retire (the first entries inline,
 * more in chunks). Slots are reserved before a structure operation changes
 * anything, so retiring itself never fails: an operation that runs out of
 * memory halfway cannot leave a half-recorded list. At commit the list is
 * sealed into a struct vcow_rlist in the tail of the version object.
 */
#ifndef VCOW_RUNTIME_RETIRE_H
#define VCOW_RUNTIME_RETIRE_H

#include <stdint.h>

#include "node.h"

#define VCOW_RETIRE_INLINE 6
#define VCOW_RETIRE_CHUNK  62
#define VCOW_RE_CHUNKS     7u /* the kind field of a chunk-chain entry */

struct vcow_retire_chunk {
    struct vcow_retire_chunk *next;
    uint32_t n;
    uint32_t pad;
    uintptr_t e[VCOW_RETIRE_CHUNK];
};

/* A txn's list while it is built (in the txn). */
struct vcow_retire {
    uint32_t n_inline;
    uint32_t n_spare;                /* empty chunks reserved on spare */
    uintptr_t e[VCOW_RETIRE_INLINE]; /* first entries */
    struct vcow_retire_chunk *head;  /* filling chunk first, then full ones */
    struct vcow_retire_chunk *spare; /* reserved, empty */
    uint64_t bytes;                  /* bytes of the retired nodes (subtrees: root only) */
    uint64_t entries;
};

/*
 * A committed list, in the tail of its version's object (runtime/cell.h).
 * Immutable once published; read by the maintenance claimer only.
 */
struct vcow_rlist {
    uint64_t bytes;  /* bytes of the retired nodes (subtrees: root only) */
    uint32_t chunks; /* chunks the list's chunk chain holds */
    uint32_t n;      /* entries in e: the inline ones, then one chain entry */
    uintptr_t e[];
};

static inline uintptr_t vcow_retire_entry(const void *p, unsigned kind, uint64_t size, int subtree)
{
    uintptr_t a = (uintptr_t)p;
#ifdef VCOW_SANITIZED
    size = 0;
#endif
    if (size >= ((uint64_t)1 << 16))
        size = 0;
    return a | ((uintptr_t)kind << 1) | (subtree ? 1u : 0u) | ((uintptr_t)size << 48);
}

static inline void *vcow_retire_ptr(uintptr_t e)
{
    return (void *)(e & (((uintptr_t)1 << 48) - 16));
}

static inline unsigned vcow_retire_kind(uintptr_t e)
{
    return (unsigned)(e >> 1) & 7u;
}

/* The one kind of object besides nodes that entries name: a version
 * object (kind VCOW_MEM_META; runtime/cell.c). Its allocation size. */
uint64_t vcow_version_size_of(const void *version);

/* Make sure n more entries fit. VCOW_ENOMEM if a chunk cannot be had. */
int vcow_retire_reserve(struct vcow_retire *r, struct vcow_tally *t, uint32_t n);

/* Append (slots must have been reserved). Reads n's header (warm: the txn
 * just walked it). */
void vcow_retire_add(struct vcow_retire *r, struct vcow_node *n, int subtree);

/* Bytes of the list's own chunks in use: what freeing it frees besides
 * the nodes. */
uint64_t vcow_retire_meta_bytes(const struct vcow_retire *r);

/* Size of the struct vcow_rlist that r seals into (0: r is empty). */
uint64_t vcow_retire_sealed_size(const struct vcow_retire *r);

/* Copy r into out (vcow_retire_sealed_size bytes). r keeps everything
 * until vcow_retire_forget: a commit that loses its CAS still has it. */
void vcow_retire_seal(const struct vcow_retire *r, struct vcow_rlist *out);

/* The sealed copy was published: it owns the chunks in use now. Spare
 * chunks are freed; r is empty. */
void vcow_retire_forget(struct vcow_retire *r, struct vcow_tally *t);

/* Drop the list without freeing the nodes (an aborted txn): frees chunks. */
void vcow_retire_drop(struct vcow_retire *r, struct vcow_tally *t);

/*
 * Free the entries e[0..*n) from the end, at most *budget nodes (every
 * node counts, alone or in a subtree; what was freed is taken off *budget;
 * NULL: no limit), chunk chains included (their chunks too). *stack carries
 * an unfinished subtree between calls; *n shrinks as entries are done.
 * Returns 1 when everything is freed, 0 when more remains (call again with
 * the same e, n and stack).
 */
int vcow_retire_free(uintptr_t *e, uint32_t *n, struct vcow_tally *t, struct vcow_node **stack,
                     uint64_t *budget);

#endif
