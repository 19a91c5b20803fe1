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

#endif
