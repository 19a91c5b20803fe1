/*
 * structures/tree/tree_cstr.c - the C-string forms of the calls that take
 * one key: vcow_tree_get(v, "alice", &val) is vcow_tree_getn(v, "alice", 5,
 * &val). A NULL key is VCOW_EINVAL (the n forms accept NULL with length 0).
 */
#include <string.h>

#include <vcow/error.h>
#include <vcow/tree.h>

int vcow_tree_get(const vcow_version *v, const char *key, vcow_val *out)
{
    return key == NULL ? VCOW_EINVAL : vcow_tree_getn(v, key, strlen(key), out);
}

int vcow_tree_contains(const vcow_version *v, const char *key, bool *out)
{
    return key == NULL ? VCOW_EINVAL : vcow_tree_containsn(v, key, strlen(key), out);
}

int vcow_tree_lower_bound(const vcow_version *v, const char *key, vcow_slice *key_out,
                          vcow_val *val_out)
{
    return key == NULL ? VCOW_EINVAL
                       : vcow_tree_lower_boundn(v, key, strlen(key), key_out, val_out);
}

int vcow_tree_upper_bound(const vcow_version *v, const char *key, vcow_slice *key_out,
                          vcow_val *val_out)
{
    return key == NULL ? VCOW_EINVAL
                       : vcow_tree_upper_boundn(v, key, strlen(key), key_out, val_out);
}

int vcow_tree_rank(const vcow_version *v, const char *key, uint64_t *out)
{
    return key == NULL ? VCOW_EINVAL : vcow_tree_rankn(v, key, strlen(key), out);
}

int vcow_tree_set(vcow_txn *txn, const char *key, vcow_val val)
{
    return key == NULL ? VCOW_EINVAL : vcow_tree_setn(txn, key, strlen(key), val);
}

int vcow_tree_del(vcow_txn *txn, const char *key)
{
    return key == NULL ? VCOW_EINVAL : vcow_tree_deln(txn, key, strlen(key));
}

int vcow_tree_cell_set(vcow_cell *cell, const char *key, vcow_val val, uint64_t *seq)
{
    return key == NULL ? VCOW_EINVAL : vcow_tree_cell_setn(cell, key, strlen(key), val, seq);
}

int vcow_tree_cell_del(vcow_cell *cell, const char *key, uint64_t *seq)
{
    return key == NULL ? VCOW_EINVAL : vcow_tree_cell_deln(cell, key, strlen(key), seq);
}
