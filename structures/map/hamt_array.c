/*
 * structures/map/hamt_array.c - arrays: maps keyed "0".."n-1" (hamt_path.h).
 * Index-order iteration, the invariant check, and the delete that keeps an
 * array dense by moving every later element down one index.
 *
 * The delete moves values between entries, not entries between keys: the
 * entry of index j keeps its key and takes the value of index j + 1. A
 * value moves whole (a blob or a nested root changes hands, nothing is
 * copied or retired), so a nested structure stays reachable exactly once.
 * Moving down never needs an allocation: index j's key is no longer than
 * index j + 1's, so its entry has at least as much room for inline value
 * bytes (hamt_node.h, val_cap), and a value in a blob either stays one or
 * comes inline (its blob retired). That, with every entry owned up front,
 * is what makes the delete atomic:
 *
 *   1. own the entries of indices i .. n-1 (copies that keep the content)
 *      and reserve every retire slot the later steps use;
 *   2. take the value of index n-1 out of its entry (the entry keeps a
 *      scalar, so the delete retires nothing of it) and delete key n-1;
 *      if that fails, put the value back: nothing changed;
 *   3. from the top down, index j takes the value held, and hands its own
 *      on; nothing can fail (owned entries, no allocation);
 *   4. the value of index i, handed on last, leaves the map: retired.
 *
 * This follows put_val's placement rule in hamt.c (val_fits: inline when
 * the bytes and their NUL fit); vcow_map_check's value checks catch any
 * disagreement.
 */
#include <stdio.h>

#include "hamt_path.h"

/* ---- reads ---- */

int vcow__hamt_iter_array(const struct hnode *root, uint64_t *pos, vcow_visit_fn *fn, void *ctx)
{
    uint64_t n = map_count(root);
    while (*pos < n) {
        char ib[INDEX_BUF];
        struct hkey k = vcow__hamt_index_key((*pos)++, ib);
        const struct hent *e = map_find(root, &k);
        if (e == NULL)
            return VCOW_ECORRUPT; /* not dense: vcow_map_check says where */
        vcow_slice ks;
        ks.ptr = ent_key(e, &ks.len);
        vcow_val x = ent_val(e);
        int rc = fn(ks, &x, ctx);
        if (rc != 0)
            return rc;
    }
    return VCOW_OK;
}

int vcow__hamt_iter_cont(const struct hcont *c, vcow_visit_fn *fn, void *ctx)
{
    uint64_t pos = 0;
    return c->array ? vcow__hamt_iter_array(c->root, &pos, fn, ctx)
                    : vcow__hamt_iter_root(c->root, fn, ctx);
}

int vcow__hamt_check_array(const struct hnode *root)
{
    int rc = vcow__hamt_check_map(root);
    if (rc != VCOW_OK)
        return rc;
    /* n distinct keys, each of 0..n-1 among them: exactly those. */
    uint64_t n = map_count(root);
    if (n > ARRAY_MAX) {
        fprintf(stderr, "hamt check: array of %llu elements\n", (unsigned long long)n);
        return VCOW_ECORRUPT;
    }
    for (uint64_t i = 0; i < n; i++) {
        char ib[INDEX_BUF];
        struct hkey k = vcow__hamt_index_key(i, ib);
        if (map_find(root, &k) == NULL) {
            fprintf(stderr, "hamt check: array of %llu elements without index %llu\n",
                    (unsigned long long)n, (unsigned long long)i);
            return VCOW_ECORRUPT;
        }
    }
    return VCOW_OK;
}

/* ---- delete ---- */

/* Retire slots the delete may use after step 1: the key delete's own
 * (HAMT_COLL_DEPTH + 4, as vcow__hamt_map_del reserves), one per blob that
 * comes inline (once per shorter key length: <= 15) and the dropped value. */
#define DEL_RETIRES (HAMT_COLL_DEPTH + 4 + 15 + 1)

/* The owned entry of index j (steps 2-3: every node on its path is owned,
 * so this only finds). */
static struct hent *owned_ent(vcow_txn *t, struct hnode **rootp, uint64_t j, int *rc)
{
    char ib[INDEX_BUF];
    struct hkey k = vcow__hamt_index_key(j, ib);
    return vcow__hamt_own_path(t, rootp, &k, rc);
}

/* Give dst (an owned entry) the value held in src, whole. */
static void move_val(vcow_txn *t, struct hent *dst, const struct hent *src)
{
    vcow_val v = ent_val(src);
    unsigned off = val_off(dst);
    memset(dst->raw + off, 0, sizeof(dst->raw) - off);
    dst->raw[1] = (unsigned char)v.type;
    dst->raw[2] = 0;
    if (v.type != VCOW_T_BYTES) {
        dst->bo = src->bo; /* the scalar or the nested root, whatever it is */
        return;
    }
    if (val_fits(dst, v.u.bytes.len)) { /* put_val's rule (hamt_node.h) */
        dst->raw[2] = (unsigned char)v.u.bytes.len;
        if (v.u.bytes.len != 0)
            memcpy(dst->raw + off, v.u.bytes.ptr, v.u.bytes.len);
        if (src->raw[1] & HV_BLOB)
            vcow_txn_retire(t, &src->vblob->hdr);
    } else {
        /* Too long for dst, so for src's entry too: a blob, handed over. */
        dst->raw[1] |= HV_BLOB;
        dst->vblob = src->vblob;
    }
}

/* What a value leaving the map reaches (hamt.c's retire_val). */
static void drop_val(vcow_txn *t, const struct hent *e)
{
    if (e->raw[1] & HV_BLOB)
        vcow_txn_retire(t, &e->vblob->hdr);
    else if (ent_nested(e) && e->nested != NULL)
        vcow_txn_retire_tree(t, e->nested);
}

int vcow__hamt_array_del(vcow_txn *t, struct hnode **rootp, uint64_t i)
{
    uint64_t n = map_count(*rootp);
    char ib[INDEX_BUF];
    struct hkey last = vcow__hamt_index_key(n - 1, ib);
    if (i + 1 == n)
        return vcow__hamt_map_del(t, rootp, &last);

    /* 1. */
    int rc = VCOW_OK;
    for (uint64_t j = i; j < n; j++)
        if (owned_ent(t, rootp, j, &rc) == NULL)
            return rc == VCOW_ENOENT ? VCOW_ECORRUPT : rc;
    rc = vcow_txn_reserve(t, DEL_RETIRES);
    if (rc != VCOW_OK)
        return rc;

    /* 2. */
    struct hent *e = owned_ent(t, rootp, n - 1, &rc);
    struct hent carry = *e;
    e->raw[1] = VCOW_T_I64;
    e->raw[2] = 0;
    e->i64 = 0;
    rc = vcow__hamt_map_del(t, rootp, &last);
    if (rc != VCOW_OK) {
        *e = carry; /* the failed delete changed nothing: e is where it was */
        return rc;
    }

    /* 3. */
    for (uint64_t j = n - 1; j-- > i;) {
        e = owned_ent(t, rootp, j, &rc);
        struct hent prev = *e;
        move_val(t, e, &carry);
        carry = prev;
    }

    /* 4. */
    drop_val(t, &carry);
    return VCOW_OK;
}
