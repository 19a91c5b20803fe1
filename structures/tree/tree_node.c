/*
 * structures/tree/tree_node.c - node layout: search within a node, decoding
 * entries, walk (see tree_int.h for the layouts).
 */
#include "tree_int.h"

static void tree_walk(const struct vcow_node *n, vcow_child_fn *visit, void *ctx)
{
    const struct tnode *x = (const struct tnode *)n;
    unsigned cnt = tn_n(x);
    if (tn_leaf(x)) {
        const struct lslot *s = leaf_slots(x);
        for (unsigned i = 0; i < cnt; i++)
            if (s[i].vblob)
                visit((struct vcow_node *)(uintptr_t)s[i].v, ctx);
    } else {
        struct tnode **c = in_child(x);
        for (unsigned i = 0; i < cnt; i++)
            visit(&c[i]->hdr, ctx);
    }
}

bool vcow_tree_nested_equal(const vcow_version *va, const struct vcow_node *a,
                            const vcow_version *vb, const struct vcow_node *b); /* tree_nested.c */
const struct vcow_kind_ops vcow_tree_ops = {
    .name = "tree", .walk = tree_walk, .equal = vcow_tree_nested_equal, .revert = vcow__bt_revert};

/* Ask for every line of a node's prefix array at once: the binary search
 * then waits for one memory latency instead of one per probe. */
static inline void prefetch_pfx(const uint64_t *pfx, unsigned n)
{
    for (unsigned i = 0; i < n; i += 8)
        __builtin_prefetch(pfx + i);
}

/* The searches under a comparator: plain binary searches on full keys
 * (the prefixes say nothing about a foreign order). */
unsigned vcow__bt_leaf_search_ord(const struct kord *ord, const struct tnode *x, const void *key,
                                  size_t klen, bool *eq)
{
    unsigned lo = 0, hi = tn_n(x);
    const struct lslot *s = leaf_slots(x);
    while (lo < hi) {
        unsigned mid = (lo + hi) / 2;
        int c = ord->fn(tn_bytes(x, s[mid].koff), s[mid].klen, key, klen, ord->ctx);
        if (c < 0) {
            lo = mid + 1;
        } else if (c > 0) {
            hi = mid;
        } else {
            *eq = true;
            return mid;
        }
    }
    *eq = false;
    return lo;
}

unsigned vcow__bt_inner_route_ord(const struct kord *ord, const struct tnode *x, const void *key,
                                  size_t klen)
{
    unsigned lo = 1, hi = tn_n(x);
    const struct isep *s = in_sep(x);
    while (lo < hi) {
        unsigned mid = (lo + hi) / 2;
        if (ord->fn(tn_bytes(x, s[mid].off), s[mid].len, key, klen, ord->ctx) <= 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo - 1;
}

unsigned vcow__bt_leaf_search_mem(const struct tnode *x, const void *key, size_t klen, bool *eq)
{
    unsigned lo = 0, hi = tn_n(x);
    const uint64_t *pfx = tn_pfx(x);
    prefetch_pfx(pfx, hi);
    const uint64_t q = key_pfx(key, klen);
    while (lo < hi) {
        unsigned mid = (lo + hi) / 2;
        int c;
        if (pfx[mid] != q) {
            c = pfx[mid] < q ? -1 : 1;
        } else {
            const struct lslot *s = &leaf_slots(x)[mid];
            c = key_cmp(tn_bytes(x, s->koff), s->klen, key, klen);
        }
        if (c < 0) {
            lo = mid + 1;
        } else if (c > 0) {
            hi = mid;
        } else {
            *eq = true;
            return mid;
        }
    }
    *eq = false;
    return lo;
}

unsigned vcow__bt_inner_route_mem(const struct tnode *x, const void *key, size_t klen)
{
    /* The number of separators sep[1..n-1] that are <= key. */
    unsigned lo = 1, hi = tn_n(x);
    const uint64_t *pfx = tn_pfx(x);
    prefetch_pfx(pfx, hi);
    const uint64_t q = key_pfx(key, klen);
    while (lo < hi) {
        unsigned mid = (lo + hi) / 2;
        bool le;
        if (pfx[mid] != q) {
            le = pfx[mid] < q;
        } else {
            const struct isep *s = &in_sep(x)[mid];
            le = key_cmp(tn_bytes(x, s->off), s->len, key, klen) <= 0;
        }
        if (le)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo - 1;
}

void vcow__bt_leaf_get_ent(const struct tnode *x, unsigned i, struct lent *e)
{
    const struct lslot *s = &leaf_slots(x)[i];
    e->k.p = tn_bytes(x, s->koff);
    e->k.len = s->klen;
    e->vtype = s->vtype;
    e->vblob = s->vblob;
    e->vlen = s->vlen;
    e->v = s->v;
    e->vbytes = NULL;
    if (s->vtype == VCOW_T_BYTES && !s->vblob)
        e->vbytes = tn_bytes(x, (uint32_t)s->v);
}

void vcow__bt_inner_get_ent(const struct tnode *x, unsigned i, struct ient *e)
{
    e->child = &in_child(x)[i]->hdr;
    e->cnt = in_cnt(x)[i];
    if (i == 0) {
        e->sep.p = NULL;
        e->sep.len = 0;
    } else {
        e->sep = in_key(x, i);
    }
}

static void fill_val(uint8_t type, uint8_t blob, uint32_t len, uint64_t v, const uint8_t *inl,
                     vcow_val *out)
{
    memset(out, 0, sizeof(*out));
    out->type = (enum vcow_type)type;
    switch (type) {
    case VCOW_T_BYTES:
        out->u.bytes.len = len;
        if (blob)
            out->u.bytes.ptr = ((const struct vcow_blob *)(uintptr_t)v)->bytes;
        else
            out->u.bytes.ptr = inl;
        break;
    case VCOW_T_I64:
        out->u.i64 = (int64_t)v;
        break;
    case VCOW_T_F64:
        memcpy(&out->u.f64, &v, sizeof(double));
        break;
    default:
        out->u.b = v != 0;
        break;
    }
}

void vcow__bt_slot_to_val(const struct tnode *x, const struct lslot *s, vcow_val *out)
{
    const uint8_t *inl = NULL;
    if (s->vtype == VCOW_T_BYTES && !s->vblob)
        inl = tn_bytes(x, (uint32_t)s->v);
    fill_val(s->vtype, s->vblob, s->vlen, s->v, inl, out);
}

void vcow__bt_lent_to_val(const struct lent *e, vcow_val *out)
{
    fill_val(e->vtype, e->vblob, e->vlen, e->v, e->vbytes, out);
}

struct kref vcow__bt_tn_minkey(const struct tnode *x)
{
    while (!tn_leaf(x))
        x = in_child(x)[0];
    return leaf_key(x, 0);
}
