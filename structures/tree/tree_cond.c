/*
 * structures/tree/tree_cond.c - the tree's commit conditions
 * (vcow_tree_if_*), vcow_tree_mod_seq, and what a rebase needs of the tree
 * (runtime/txn.h, struct vcow_cond_ops): the checks, the history walk and
 * the rebase are the runtime's (runtime/cond.c, runtime/rebase.c).
 */
#include <string.h>

#include "tree_int.h"

/*
 * Might the txn have written key? Walk key's route in the txn's tree
 * (mine) and the base's side by side, as the map does by hash
 * (hamt_cond.c): a node the two share is one the txn never copied, so it
 * wrote nothing below it. The walk ends true at a leaf the txn owns (it
 * may have written key there, or another key of that leaf: a false "yes"
 * costs a conflict, never a lost update), at a node of mine that is not
 * the txn's but differs from base's (a split or merge moved entries: not
 * worth telling apart), or where base has no node of the same height.
 * Only trees in memcmp order rebase (vcow_txn_set_rebase), so the route is
 * memcmp's.
 */
static bool tree_touched(const vcow_txn *t, const struct vcow_node *mine,
                         const struct vcow_node *base, const void *key, size_t klen)
{
    const struct tnode *a = (const struct tnode *)mine, *b = (const struct tnode *)base;
    for (;;) {
        if (a == b)
            return false; /* shared: untouched (both empty included) */
        if (a == NULL || !vcow_txn_owns(t, &a->hdr) || tn_leaf(a))
            return true;
        const struct tnode *cb = NULL;
        if (b != NULL && b->height == a->height)
            cb = in_child(b)[vcow__bt_inner_route_mem(b, key, klen)];
        a = in_child(a)[vcow__bt_inner_route_mem(a, key, klen)];
        b = cb;
    }
}

static int tree_replay(vcow_txn *t, vcow_slice key, const vcow_val *after)
{
    if (after == NULL)
        return vcow_tree_deln(t, key.ptr, key.len);
    if (vcow_nested_kind(after->type) != 0 && after->u.root != NULL)
        return VCOW_EAGAIN; /* a filled nested structure: not copied here */
    return vcow_tree_setn(t, key.ptr, key.len, *after);
}

const struct vcow_cond_ops vcow__tree_cond_ops = {
    .get = vcow_tree_getn,
    .diff = vcow_tree_diff,
    .touched = tree_touched,
    .replay = tree_replay,
};

static int add(vcow_txn *t, enum vcow_cond_type type, const void *key, size_t klen, uint64_t seq,
               const vcow_val *val)
{
    if (t == NULL || vcow__bt_check_key(key, klen) != VCOW_OK)
        return VCOW_EINVAL;
    if (key == NULL)
        key = ""; /* the empty key */
    return vcow__txn_cond_add(t, VCOW_KIND_TREE, &vcow__tree_cond_ops, type, key, klen, seq, val);
}

int vcow_tree_if_unchangedn(vcow_txn *t, const void *key, size_t klen)
{
    return add(t, VCOW_COND_UNCHANGED, key, klen, UINT64_MAX, NULL);
}

int vcow_tree_if_unchanged(vcow_txn *t, const char *key)
{
    return key == NULL ? VCOW_EINVAL : vcow_tree_if_unchangedn(t, key, strlen(key));
}

int vcow_tree_if_unchanged_sincen(vcow_txn *t, const void *key, size_t klen, uint64_t seq)
{
    if (seq == UINT64_MAX)
        return t == NULL ? VCOW_EINVAL : VCOW_ERANGE; /* after any base */
    return add(t, VCOW_COND_UNCHANGED, key, klen, seq, NULL);
}

int vcow_tree_if_unchanged_since(vcow_txn *t, const char *key, uint64_t seq)
{
    return key == NULL ? VCOW_EINVAL : vcow_tree_if_unchanged_sincen(t, key, strlen(key), seq);
}

int vcow_tree_if_equaln(vcow_txn *t, const void *key, size_t klen, vcow_val val)
{
    return add(t, VCOW_COND_EQUAL, key, klen, 0, &val);
}

int vcow_tree_if_equal(vcow_txn *t, const char *key, vcow_val val)
{
    return key == NULL ? VCOW_EINVAL : vcow_tree_if_equaln(t, key, strlen(key), val);
}

int vcow_tree_mod_seqn(const vcow_version *v, const void *key, size_t klen, uint64_t *seq)
{
    if (v == NULL || seq == NULL || vcow_version_kind(v) != VCOW_KIND_TREE ||
        vcow__bt_check_key(key, klen) != VCOW_OK)
        return VCOW_EINVAL;
    return vcow__cond_mod_seq(v, &vcow__tree_cond_ops, key != NULL ? key : "", klen, seq);
}

int vcow_tree_mod_seq(const vcow_version *v, const char *key, uint64_t *seq)
{
    return key == NULL ? VCOW_EINVAL : vcow_tree_mod_seqn(v, key, strlen(key), seq);
}
