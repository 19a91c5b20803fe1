/*
 * structures/tree/tree_revert.c - the tree's revert hook (runtime/revert.c):
 * make a txn's tree, which holds what `from` holds (NULL: empty), hold what
 * `to` holds, by applying the diff from -> to with the tree's set and del.
 * A set copies the key and the bytes (a long value into a new blob), so
 * no node of `to` is linked (the reclamation invariant); the subtrees
 * `from` shares with `to` are skipped by the diff and stay the txn's.
 * O(changes * log n).
 */
#include "tree_int.h"

static int apply_fn(vcow_slice key, const vcow_val *before, const vcow_val *after, void *ctx)
{
    (void)before;
    vcow_txn *t = ctx;
    if (after == NULL)
        return vcow_tree_deln(t, key.ptr, key.len);
    return vcow_tree_setn(t, key.ptr, key.len, *after);
}

static int add_fn(vcow_slice key, const vcow_val *val, void *ctx)
{
    return vcow_tree_setn(ctx, key.ptr, key.len, *val);
}

int vcow__bt_revert(vcow_txn *t, const vcow_version *from, const vcow_version *to)
{
    if (from == NULL)
        return vcow_tree_range(to, NULL, 0, NULL, 0, VCOW_TREE_NO_LO | VCOW_TREE_NO_HI, add_fn, t);
    return vcow_tree_diff(from, to, apply_fn, t);
}
