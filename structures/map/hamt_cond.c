/*
 * structures/map/hamt_cond.c - the map's commit conditions
 * (vcow_map_if_*), vcow_map_mod_seq, and what a rebase needs of the map
 * (runtime/txn.h, struct vcow_cond_ops): the checks and the history walk
 * are the runtime's (runtime/cond.c, runtime/rebase.c).
 */
#include <string.h>

#include "hamt_node.h"

/*
 * Might the txn have written key? Walk key's hash path in the txn's map
 * (mine) and the base's side by side: a subtree the two share (one
 * pointer) is one the txn never copied, so it wrote nothing there. The
 * walk ends at the node where key's entry is or would be: if that node is
 * the txn's own, a write of the txn may have put key there (or put another
 * key of that node, which the answer cannot tell apart: a false "yes"
 * costs a conflict, never a lost update). Nodes are never moved between
 * levels except a lone entry pulled up by a delete, into an owned parent.
 */
static bool hamt_touched(const vcow_txn *t, const struct vcow_node *mine,
                         const struct vcow_node *base, const void *key, size_t klen)
{
    struct hkey k = make_key(key, klen);
    const struct hnode *a = (const struct hnode *)mine, *b = (const struct hnode *)base;
    for (unsigned d = 0;; d++) {
        if (a == b)
            return false; /* shared: untouched (both empty included) */
        if (a == NULL || !vcow_txn_owns(t, &a->hdr) || a->hdr.type == HN_COLL)
            return true;
        uint32_t bit = 1u << frag(k.hash, d);
        if (!(a->nodemap & bit))
            return true; /* key's place is in this owned node */
        const struct hnode *cb = NULL;
        if (b != NULL && b->hdr.type != HN_COLL && (b->nodemap & bit))
            cb = child(b, bindex(b->nodemap, bit));
        a = child(a, bindex(a->nodemap, bit));
        b = cb;
    }
}

static int hamt_replay(vcow_txn *t, vcow_slice key, const vcow_val *after)
{
    if (after == NULL)
        return vcow_map_deln(t, key.ptr, key.len);
    if (vcow_nested_kind(after->type) != 0 && after->u.root != NULL)
        return VCOW_EAGAIN; /* a filled nested structure: not copied here */
    return vcow_map_setn(t, key.ptr, key.len, *after);
}

const struct vcow_cond_ops vcow__hamt_cond_ops = {
    .get = vcow_map_getn,
    .diff = vcow_map_diff,
    .touched = hamt_touched,
    .replay = hamt_replay,
};

static int add(vcow_txn *t, enum vcow_cond_type type, const void *key, size_t klen, uint64_t seq,
               const vcow_val *val)
{
    if (t == NULL || key_check(key, klen) != VCOW_OK)
        return VCOW_EINVAL;
    if (key == NULL)
        key = ""; /* the empty key */
    return vcow__txn_cond_add(t, VCOW_KIND_MAP, &vcow__hamt_cond_ops, type, key, klen, seq, val);
}

int vcow_map_if_unchangedn(vcow_txn *t, const void *key, size_t klen)
{
    return add(t, VCOW_COND_UNCHANGED, key, klen, UINT64_MAX, NULL);
}

int vcow_map_if_unchanged(vcow_txn *t, const char *key)
{
    return key == NULL ? VCOW_EINVAL : vcow_map_if_unchangedn(t, key, strlen(key));
}

int vcow_map_if_unchanged_sincen(vcow_txn *t, const void *key, size_t klen, uint64_t seq)
{
    if (seq == UINT64_MAX)
        return t == NULL ? VCOW_EINVAL : VCOW_ERANGE; /* after any base */
    return add(t, VCOW_COND_UNCHANGED, key, klen, seq, NULL);
}

int vcow_map_if_unchanged_since(vcow_txn *t, const char *key, uint64_t seq)
{
    return key == NULL ? VCOW_EINVAL : vcow_map_if_unchanged_sincen(t, key, strlen(key), seq);
}

int vcow_map_if_equaln(vcow_txn *t, const void *key, size_t klen, vcow_val val)
{
    return add(t, VCOW_COND_EQUAL, key, klen, 0, &val);
}

int vcow_map_if_equal(vcow_txn *t, const char *key, vcow_val val)
{
    return key == NULL ? VCOW_EINVAL : vcow_map_if_equaln(t, key, strlen(key), val);
}

int vcow_map_mod_seqn(const vcow_version *v, const void *key, size_t klen, uint64_t *seq)
{
    if (v == NULL || seq == NULL || vcow_version_kind(v) != VCOW_KIND_MAP ||
        key_check(key, klen) != VCOW_OK)
        return VCOW_EINVAL;
    return vcow__cond_mod_seq(v, &vcow__hamt_cond_ops, key != NULL ? key : "", klen, seq);
}

int vcow_map_mod_seq(const vcow_version *v, const char *key, uint64_t *seq)
{
    return key == NULL ? VCOW_EINVAL : vcow_map_mod_seqn(v, key, strlen(key), seq);
}
