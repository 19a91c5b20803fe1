/*
 * runtime/node.h - the node header every structure's nodes begin with, and
 * the kind registry.
 *
 *   offset size field
 *   0      8    owner  id of the txn that created the node. The node may be
 *                      changed in place while owner == that txn's id (it is
 *                      not yet published); never after. Once the node is dead
 *                      (after a grace period) the reclaimer reuses this word
 *                      as the link of its free stack.
 *   8      4    size   allocation size in bytes (sized free)
 *   12     1    kind   enum vcow_kind
 *   13     1    type   kind-specific layout tag
 *   14     2    aux    kind-specific
 *
 * The cell, txn and reclaimer know nothing of a kind's layout beyond its
 * walk function, which visits every child node (including nested
 * structures and blobs). Nodes carry no reference count.
 */
#ifndef VCOW_RUNTIME_NODE_H
#define VCOW_RUNTIME_NODE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "mem.h"
#include <vcow/cell.h>

struct vcow_node {
    uint64_t owner;
    uint32_t size;
    uint8_t kind;
    uint8_t type;
    uint16_t aux;
};
_Static_assert(sizeof(struct vcow_node) == 16, "node header is 16 bytes");

typedef void vcow_child_fn(struct vcow_node *child, void *ctx);

/*
 * What the runtime knows of a kind. Each kind defines one, constant, as
 * `vcow_<kind>_ops` (structures/<kind>/, runtime/blob.c); the runtime's
 * registry (node.c) is the only table of them.
 */
struct vcow_kind_ops {
    /* What vcow_kind_name answers: "map", "tree", ... */
    const char *name;
    /* Call visit for each child of n. Must not read n->owner. NULL: no
     * nodes of this kind have children (or the kind has no nodes). */
    void (*walk)(const struct vcow_node *n, vcow_child_fn *visit, void *ctx);
    /* Optional: do the structures rooted at a (nested in version va) and b
     * (in vb) hold the same content? Either root may be NULL (empty). Used
     * for trees and ropes nested in a map. */
    bool (*equal)(const vcow_version *va, const struct vcow_node *a, const vcow_version *vb,
                  const struct vcow_node *b);
    /* Optional: make txn t's current structure of this kind, which holds
     * what `from` holds (from NULL: it is empty), hold what `to` holds, by
     * applying the diff from -> to with the kind's writes (which copy
     * bytes and build nested structures anew, so nothing of `to` that t's
     * base does not reach gets linked: runtime/revert.c). from and to are
     * versions or views of one cell. On error t may hold part of the
     * change (the caller aborts it). Used by vcow_txn_revert_to. */
    int (*revert)(vcow_txn *t, const vcow_version *from, const vcow_version *to);
    /* Optional: what a txn of a cell of this kind needs to rebase
     * (runtime/txn.h, struct vcow_cond_ops); NULL: its txns never rebase. */
    const struct vcow_cond_ops *cond;
};

/* The kind of a nested structure's nodes (a VCOW_T_MAP, _ARRAY, _TREE or
 * _ROPE value; an array is a map keyed "0".."n-1", so its nodes are map
 * nodes); 0 (no kind) for any other type. (This is the public value
 * vocabulary of vcow/val.h, not a list of what is built: ask vcow_kind_ops
 * whether the kind is in this library.) */
static inline enum vcow_kind vcow_nested_kind(enum vcow_type t)
{
    switch (t) {
    case VCOW_T_MAP:
    case VCOW_T_ARRAY:
        return VCOW_KIND_MAP;
    case VCOW_T_TREE:
        return VCOW_KIND_TREE;
    case VCOW_T_ROPE:
        return VCOW_KIND_ROPE;
    default:
        return (enum vcow_kind)0;
    }
}

/* Do two values read from versions hold the same thing? Bytes by content,
 * numbers by bit pattern (so NaN equals itself and -0.0 differs from 0.0),
 * nested structures by root (a commit that changed inside one copied its
 * root). What conditions (cond.c), revert and the tree's diffs compare. */
static inline bool vcow__val_same(const vcow_val *a, const vcow_val *b)
{
    if (a->type != b->type)
        return false;
    switch (a->type) {
    case VCOW_T_NONE:
        return true;
    case VCOW_T_BYTES:
        return a->u.bytes.len == b->u.bytes.len &&
               (a->u.bytes.len == 0 || memcmp(a->u.bytes.ptr, b->u.bytes.ptr, a->u.bytes.len) == 0);
    case VCOW_T_I64:
        return a->u.i64 == b->u.i64;
    case VCOW_T_F64:
        return memcmp(&a->u.f64, &b->u.f64, sizeof(double)) == 0;
    case VCOW_T_BOOL:
        return a->u.b == b->u.b;
    default:
        return vcow_nested_kind(a->type) != 0 && a->u.root == b->u.root;
    }
}

/* The registry: NULL for an unknown kind or one not built into this
 * library. VCOW_MEM_META has an entry with a name only (no nodes to walk,
 * no cells: vcow_cell_open refuses it by number). */
const struct vcow_kind_ops *vcow_kind_ops(enum vcow_mem kind);

/* The ops of a cell kind (a kind's nodes count in the memory class of the
 * same number); NULL for a number that names no cell kind (META, BLOB, ...)
 * or a kind not built into this library. */
static inline const struct vcow_kind_ops *vcow_cell_kind_ops(enum vcow_kind kind)
{
    if (kind != VCOW_KIND_BOX && kind != VCOW_KIND_MAP && kind != VCOW_KIND_TREE &&
        kind != VCOW_KIND_ROPE)
        return NULL;
    return vcow_kind_ops((enum vcow_mem)kind);
}

/*
 * Is v a value a structure may store? Bytes (at most VCOW_VAL_MAX_BYTES;
 * ptr may be NULL only when len is 0), i64, f64 and bool are; with
 * `nested`, so is a new, empty nested structure (root NULL: no subtree may
 * become reachable twice) of a kind built into this library. VCOW_OK or
 * VCOW_EINVAL (VCOW_T_NONE, unknown types, anything else).
 */
int vcow__val_check(const vcow_val *v, bool nested);

static inline void vcow_node_walk(const struct vcow_node *n, vcow_child_fn *visit, void *ctx)
{
    const struct vcow_kind_ops *ops = vcow_kind_ops((enum vcow_mem)n->kind);
    if (ops != NULL && ops->walk != NULL)
        ops->walk(n, visit, ctx);
}

/*
 * Free a whole subtree (every node reachable from root), iteratively, with
 * no allocation: the free stack is threaded through the dead nodes' owner
 * words. Frees at most *budget nodes and takes what it freed off *budget
 * (NULL: no limit); returns the stack of what is left (NULL when done):
 * pass it back as `stack` to continue.
 */
struct vcow_node *vcow_free_tree(struct vcow_tally *t, struct vcow_node *root,
                                 struct vcow_node *stack, uint64_t *budget, uint64_t *freed_bytes);

/* Free the nodes owned by txn id `owner` reachable from root through owned
 * nodes (a txn freeing what it made); other nodes are left alone. */
void vcow_free_owned(struct vcow_tally *t, struct vcow_node *root, uint64_t owner);

#endif
