/*
 * runtime/txn.h - what a structure uses of a txn: its root, node
 * allocation, ownership and retiring. Structures include only this (and
 * node.h); they never touch RCU, atomics or threads.
 *
 * Rules for a structure operation:
 *   1. vcow_txn_writable() first: VCOW_ESTATE unless the txn is open.
 *   2. Reserve the retire slots it may need (vcow_txn_reserve) and allocate
 *      its new nodes before changing anything; on failure free what it
 *      allocated (vcow_txn_free_node) and return VCOW_ENOMEM: the txn is
 *      unchanged.
 *   3. A node the txn owns (vcow_txn_owns) may be changed in place.
 *   4. Every published node it replaces goes to vcow_txn_retire (the node
 *      alone: its children live on in the new version) or, when a whole
 *      subtree is dropped, vcow_txn_retire_tree. Owned nodes retired alone
 *      are freed at once.
 *   5. No subtree may be reachable twice from one version.
 */
#ifndef VCOW_RUNTIME_TXN_H
#define VCOW_RUNTIME_TXN_H

#include "node.h"
#include <vcow/cell.h>
#include <vcow/error.h>

int vcow_txn_writable(const vcow_txn *t, enum vcow_kind kind);
struct vcow_node *vcow_txn_root(const vcow_txn *t);
void vcow_txn_set_root(vcow_txn *t, struct vcow_node *root);

/* A node with its header filled in (owner = this txn). NULL on failure. */
void *vcow_txn_alloc(vcow_txn *t, enum vcow_mem kind, size_t size);
/* Free a node this txn allocated and never let reach its root. */
void vcow_txn_free_node(vcow_txn *t, struct vcow_node *n);
bool vcow_txn_owns(const vcow_txn *t, const struct vcow_node *n);

int vcow_txn_reserve(vcow_txn *t, uint32_t n);
void vcow_txn_retire(vcow_txn *t, struct vcow_node *n);
void vcow_txn_retire_tree(vcow_txn *t, struct vcow_node *n);

/*
 * Nested structures. enter: from now on the txn edits the structure whose
 * root is *slot (slot lies in a node the txn owns; kind its kind) instead of
 * the current one; the caller checks vcow_txn_nest_full first (at most
 * VCOW_TXN_NEST_MAX levels), so enter cannot fail. leave (public,
 * vcow/cell.h) stores the nested root back into *slot and returns to the
 * enclosing structure. Commit refuses a txn that is inside (VCOW_ESTATE);
 * discard leaves every level first, so owned nested nodes are freed
 * through the enclosing structure.
 */
void vcow_txn_enter(vcow_txn *t, struct vcow_node **slot, enum vcow_kind kind);
bool vcow_txn_nest_full(const vcow_txn *t);

/* The cell's options (compare, history) as seen by a txn / a version. */
const struct vcow_cell_opts *vcow_txn_opts(const vcow_txn *t);
const struct vcow_cell_opts *vcow_version_opts(const vcow_version *v);

/* The root of a version (read side). */
struct vcow_node *vcow_version_root(const vcow_version *v);
enum vcow_kind vcow_version_kind(const vcow_version *v);
/* Is v a view of a nested array (a VCOW_KIND_MAP version whose root is an
 * array: vcow_view_of of a VCOW_T_ARRAY value)? */
bool vcow_version_is_array(const vcow_version *v);

/*
 * Conditions and rebasing (runtime/cond.c, runtime/rebase.c;
 * docs/ARCHITECTURE.md, "Conditional commits and rebase"). The runtime
 * knows no key layout: a kind that offers per-key conditions hands it these.
 */
struct vcow_cond_ops {
    /* key's value in v (a version, pin or view of the cell's top
     * structure); VCOW_ENOENT when absent. Pinned or in a read section. */
    int (*get)(const vcow_version *v, const void *key, size_t klen, vcow_val *out);
    /* Rebase only (NULL: the kind does not rebase). Every key whose value
     * differs between a and b (vcow_diff_fn's contract). */
    int (*diff)(const vcow_version *a, const vcow_version *b, vcow_diff_fn *fn, void *ctx);
    /* May the structure rooted at mine (the txn's) hold another entry for
     * key than the one rooted at base does, through a node the txn wrote?
     * false only when the search for key in mine reaches a node that base
     * reaches too (a node no write of the txn copied); so a key in a node
     * the txn wrote counts, even if its value is the same. */
    bool (*touched)(const vcow_txn *t, const struct vcow_node *mine, const struct vcow_node *base,
                    const void *key, size_t klen);
    /* Write key's value after (NULL: delete it) into the txn's current
     * root, copying it. VCOW_EAGAIN when the value cannot be replayed (a
     * non-empty nested structure). */
    int (*replay)(vcow_txn *t, vcow_slice key, const vcow_val *after);
};

enum vcow_cond_type {
    VCOW_COND_UNCHANGED = 1, /* not written since a seq (etcd's mod_revision) */
    VCOW_COND_EQUAL = 2,     /* holds a value (VCOW_T_NONE: absent) */
};

/*
 * Add a condition on key of the cell's top structure (the cell's kind must
 * be kind, VCOW_EINVAL otherwise; ops: that kind's): checked now against
 * the txn's base (a failure is remembered; commit answers VCOW_ECOND) and
 * again against the new head if the txn rebases. UNCHANGED: since seq
 * (UINT64_MAX: since the base); EQUAL: val (bytes are copied). Errors:
 * VCOW_EINVAL, VCOW_ESTATE, VCOW_ERANGE (seq after the base), VCOW_ENOENT
 * (seq + 1 older than the oldest version kept), VCOW_ENOMEM (nothing added).
 */
int vcow__txn_cond_add(vcow_txn *t, enum vcow_kind kind, const struct vcow_cond_ops *ops,
                       enum vcow_cond_type type, const void *key, size_t klen, uint64_t seq,
                       const vcow_val *val);

/* The seq of the newest version <= v's whose value of key differs from its
 * predecessor's (0 if none since version 0); VCOW_ENOENT when that lies
 * before the oldest version kept. */
int vcow__cond_mod_seq(const vcow_version *v, const struct vcow_cond_ops *ops, const void *key,
                       size_t klen, uint64_t *seq);

/*
 * The root a read of one key reads, for reads that name one key (map get):
 * a txn view's reads are recorded in the txn's read set by key_hash (the
 * key's vcow_hash) when the txn may rebase. Any other read of a txn view
 * goes through vcow_version_root, which counts as a read of everything.
 */
struct vcow_node *vcow__version_root_read(const vcow_version *v, uint64_t key_hash);

#endif
