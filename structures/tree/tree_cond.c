/*
 * structures/tree/tree_cond.c - the tree's commit conditions
 * (vcow_tree_if_*) and vcow_tree_mod_seq. The checks and the history walk
 * are the runtime's (runtime/cond.c). Trees do not rebase (yet): no diff,
 * touched or replay here, so a tree txn that loses its CAS conflicts.
 */
#include <string.h>

#include "tree_int.h"

static const struct vcow_cond_ops tree_cond_ops = {.get = vcow_tree_getn};

static int add(vcow_txn *t, enum vcow_cond_type type, const void *key, size_t klen, uint64_t seq,
               const vcow_val *val)
{
    if (t == NULL || vcow__bt_check_key(key, klen) != VCOW_OK)
        return VCOW_EINVAL;
    if (key == NULL)
        key = ""; /* the empty key */
    return vcow__txn_cond_add(t, VCOW_KIND_TREE, &tree_cond_ops, type, key, klen, seq, val);
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
    return vcow__cond_mod_seq(v, &tree_cond_ops, key != NULL ? key : "", klen, seq);
}

int vcow_tree_mod_seq(const vcow_version *v, const char *key, uint64_t *seq)
{
    return key == NULL ? VCOW_EINVAL : vcow_tree_mod_seqn(v, key, strlen(key), seq);
}
