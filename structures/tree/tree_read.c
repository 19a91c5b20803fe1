/*
 * structures/tree/tree_read.c - lookups, bounds, rank/select, range iteration
 * and diff. Reads never write: they run on a version inside a read
 * section (or pinned), or on a txn's current root.
 */
#include "runtime/cell.h"
#include "runtime/hash.h"
#include "tree_int.h"

int vcow__bt_root_get(const struct kord *ord, const struct tnode *x, const void *key, size_t klen,
                      vcow_val *out)
{
    if (x == NULL)
        return VCOW_ENOENT;
    while (!tn_leaf(x))
        x = in_child(x)[bt_inner_route(ord, x, key, klen)];
    bool eq;
    unsigned i = bt_leaf_search(ord, x, key, klen, &eq);
    if (!eq)
        return VCOW_ENOENT;
    if (out != NULL)
        vcow__bt_slot_to_val(x, &leaf_slots(x)[i], out);
    return VCOW_OK;
}

uint64_t vcow__bt_root_rank(const struct kord *ord, const struct tnode *x, const void *key,
                            size_t klen, bool upper)
{
    uint64_t r = 0;
    if (x == NULL)
        return 0;
    while (!tn_leaf(x)) {
        unsigned ci = bt_inner_route(ord, x, key, klen);
        const uint64_t *cnt = in_cnt(x);
        for (unsigned j = 0; j < ci; j++)
            r += cnt[j];
        x = in_child(x)[ci];
    }
    bool eq;
    unsigned i = bt_leaf_search(ord, x, key, klen, &eq);
    return r + i + (upper && eq ? 1 : 0);
}

int vcow__bt_root_bounds(const struct kord *ord, const struct tnode *x, const void *lo,
                         size_t lolen, const void *hi, size_t hilen, unsigned flags, uint64_t *from,
                         uint64_t *to)
{
    if ((!(flags & VCOW_TREE_NO_LO) && vcow__bt_check_key(lo, lolen) != VCOW_OK) ||
        (!(flags & VCOW_TREE_NO_HI) && vcow__bt_check_key(hi, hilen) != VCOW_OK))
        return VCOW_EINVAL;
    if (!(flags & (VCOW_TREE_NO_LO | VCOW_TREE_NO_HI)) && ord_cmp(ord, lo, lolen, hi, hilen) > 0)
        return VCOW_ERANGE;
    uint64_t total = x != NULL ? x->total : 0;
    *from = flags & VCOW_TREE_NO_LO
                ? 0
                : vcow__bt_root_rank(ord, x, lo, lolen, (flags & VCOW_TREE_LO_EXCL) != 0);
    *to = flags & VCOW_TREE_NO_HI
              ? total
              : vcow__bt_root_rank(ord, x, hi, hilen, (flags & VCOW_TREE_HI_INCL) != 0);
    if (*to < *from)
        *to = *from; /* lo == hi with an excluded bound */
    return VCOW_OK;
}

int vcow__bt_root_range(const struct kord *ord, const struct tnode *x, const void *lo, size_t lolen,
                        const void *hi, size_t hilen, unsigned flags, vcow_visit_fn *fn, void *ctx)
{
    if (fn == NULL)
        return VCOW_EINVAL;
    uint64_t from, to;
    int rc = vcow__bt_root_bounds(ord, x, lo, lolen, hi, hilen, flags, &from, &to);
    if (rc != VCOW_OK || from == to)
        return rc;
    struct bt_cursor c;
    bool rev = (flags & VCOW_TREE_REVERSE) != 0;
    vcow__bt_cur_select(&c, x, rev ? to - 1 : from);
    for (uint64_t k = from; k < to; k++) {
        const struct tnode *leaf = c.node[c.depth];
        vcow_slice key;
        vcow_val val;
        vcow__bt_put_kv(leaf, c.idx[c.depth], &key, &val);
        rc = fn(key, &val, ctx);
        if (rc != 0)
            return rc;
        if (k + 1 < to) {
            if (rev)
                vcow__bt_cur_prev(&c);
            else
                vcow__bt_cur_next(&c);
        }
    }
    return VCOW_OK;
}

/* ---- entry points on versions ---- */

int vcow_tree_getn(const vcow_version *v, const void *key, size_t klen, vcow_val *out)
{
    if (bt_vcheck(v) != VCOW_OK || vcow__bt_check_key(key, klen) != VCOW_OK)
        return VCOW_EINVAL;
    struct kord ord = bt_vord(v);
    /* A txn's view records the key in its read set (runtime/cond.c; any
     * other read through it counts as a read of everything). */
    const struct tnode *root =
        VCOW_UNLIKELY(v->face.view == VCOW_FACE_TXN)
            ? (const struct tnode *)vcow__version_root_read(v, vcow_hash(key, klen))
            : bt_vroot(v);
    return vcow__bt_root_get(&ord, root, key, klen, out);
}

int vcow_tree_containsn(const vcow_version *v, const void *key, size_t klen, bool *out)
{
    if (out == NULL)
        return VCOW_EINVAL;
    int rc = vcow_tree_getn(v, key, klen, NULL);
    *out = rc == VCOW_OK;
    return rc == VCOW_ENOENT ? VCOW_OK : rc;
}

int vcow_tree_len(const vcow_version *v, uint64_t *out)
{
    if (bt_vcheck(v) != VCOW_OK || out == NULL)
        return VCOW_EINVAL;
    const struct tnode *x = bt_vroot(v);
    *out = x != NULL ? x->total : 0;
    return VCOW_OK;
}

static int select_at(const struct tnode *x, uint64_t i, vcow_slice *k, vcow_val *val)
{
    if (x == NULL || i >= x->total)
        return VCOW_ERANGE;
    struct bt_cursor c;
    vcow__bt_cur_select(&c, x, i);
    vcow__bt_put_kv(c.node[c.depth], c.idx[c.depth], k, val);
    return VCOW_OK;
}

int vcow_tree_first(const vcow_version *v, vcow_slice *k, vcow_val *val)
{
    if (bt_vcheck(v) != VCOW_OK)
        return VCOW_EINVAL;
    return select_at(bt_vroot(v), 0, k, val) == VCOW_OK ? VCOW_OK : VCOW_ENOENT;
}

int vcow_tree_last(const vcow_version *v, vcow_slice *k, vcow_val *val)
{
    if (bt_vcheck(v) != VCOW_OK)
        return VCOW_EINVAL;
    const struct tnode *x = bt_vroot(v);
    if (x == NULL)
        return VCOW_ENOENT;
    return select_at(x, x->total - 1, k, val);
}

static int bound(const vcow_version *v, const void *key, size_t klen, bool upper, vcow_slice *k,
                 vcow_val *val)
{
    if (bt_vcheck(v) != VCOW_OK || vcow__bt_check_key(key, klen) != VCOW_OK)
        return VCOW_EINVAL;
    const struct tnode *x = bt_vroot(v);
    struct kord ord = bt_vord(v);
    uint64_t r = vcow__bt_root_rank(&ord, x, key, klen, upper);
    return select_at(x, r, k, val) == VCOW_OK ? VCOW_OK : VCOW_ENOENT;
}

int vcow_tree_lower_boundn(const vcow_version *v, const void *key, size_t klen, vcow_slice *k,
                           vcow_val *val)
{
    return bound(v, key, klen, false, k, val);
}

int vcow_tree_upper_boundn(const vcow_version *v, const void *key, size_t klen, vcow_slice *k,
                           vcow_val *val)
{
    return bound(v, key, klen, true, k, val);
}

int vcow_tree_rankn(const vcow_version *v, const void *key, size_t klen, uint64_t *out)
{
    if (bt_vcheck(v) != VCOW_OK || out == NULL || vcow__bt_check_key(key, klen) != VCOW_OK)
        return VCOW_EINVAL;
    struct kord ord = bt_vord(v);
    *out = vcow__bt_root_rank(&ord, bt_vroot(v), key, klen, false);
    return VCOW_OK;
}

int vcow_tree_select(const vcow_version *v, uint64_t i, vcow_slice *k, vcow_val *val)
{
    if (bt_vcheck(v) != VCOW_OK)
        return VCOW_EINVAL;
    return select_at(bt_vroot(v), i, k, val);
}

int vcow_tree_range(const vcow_version *v, const void *lo, size_t lolen, const void *hi,
                    size_t hilen, unsigned flags, vcow_visit_fn *fn, void *ctx)
{
    if (bt_vcheck(v) != VCOW_OK)
        return VCOW_EINVAL;
    struct kord ord = bt_vord(v);
    return vcow__bt_root_range(&ord, bt_vroot(v), lo, lolen, hi, hilen, flags, fn, ctx);
}

int vcow_tree_check(const vcow_version *v)
{
    if (bt_vcheck(v) != VCOW_OK)
        return VCOW_EINVAL;
    struct kord ord = bt_vord(v);
    return vcow__bt_tree_check_root(&ord, bt_vroot(v));
}

/* ---- diff ----
 *
 * Two cursors walk a and b in key order, each positioned on an "item": a
 * whole subtree (a child pointer of an inner node) or one leaf entry.
 * Every key before both items has been dealt with, so when both items are
 * the same subtree pointer it covers the same keys on both sides and both
 * skip it. Otherwise the taller item is opened (or both, at equal
 * height); two leaf entries are compared by key. Work is proportional to
 * the nodes on the paths to the changes, not to the size.
 */

struct dcur {
    const struct tnode *node[TREE_MAX_DEPTH];
    unsigned idx[TREE_MAX_DEPTH];
    int top; /* -1: at the end */
};

static void dc_init(struct dcur *c, const struct tnode *root)
{
    c->top = -1;
    if (root != NULL && tn_n(root) > 0) {
        c->node[0] = root;
        c->idx[0] = 0;
        c->top = 0;
    }
}

/* Height of the current item: 0 for a leaf entry, else the child's height + 1. */
static uint32_t dc_height(const struct dcur *c)
{
    return c->node[c->top]->height;
}

static void dc_advance(struct dcur *c)
{
    while (c->top >= 0) {
        if (++c->idx[c->top] < tn_n(c->node[c->top]))
            return;
        c->top--;
    }
}

static void dc_open(struct dcur *c)
{
    const struct tnode *x = c->node[c->top];
    c->node[c->top + 1] = in_child(x)[c->idx[c->top]];
    c->idx[c->top + 1] = 0;
    c->top++;
}

static int diff_roots(const struct kord *ord, const struct tnode *ra, const struct tnode *rb,
                      vcow_diff_fn *fn, void *ctx)
{
    struct dcur a, b;
    if (ra == rb)
        return VCOW_OK;
    dc_init(&a, ra);
    dc_init(&b, rb);
    while (a.top >= 0 || b.top >= 0) {
        if (a.top >= 0 && b.top >= 0) {
            uint32_t ha = dc_height(&a), hb = dc_height(&b);
            if (ha > 0 && hb > 0 &&
                in_child(a.node[a.top])[a.idx[a.top]] == in_child(b.node[b.top])[b.idx[b.top]]) {
                dc_advance(&a); /* shared subtree: same keys, same values */
                dc_advance(&b);
                continue;
            }
            if (ha > 0 || hb > 0) {
                if (ha >= hb)
                    dc_open(&a);
                if (hb >= ha)
                    dc_open(&b);
                continue;
            }
        } else {
            /* One side is done: open the other down to its entries. */
            struct dcur *c = a.top >= 0 ? &a : &b;
            if (dc_height(c) > 0) {
                dc_open(c);
                continue;
            }
        }
        int cmp;
        if (a.top < 0)
            cmp = 1;
        else if (b.top < 0)
            cmp = -1;
        else
            cmp = ord_kcmp(ord, leaf_key(a.node[a.top], a.idx[a.top]),
                           leaf_key(b.node[b.top], b.idx[b.top]));
        vcow_val va, vb;
        vcow_slice k;
        int rc = 0;
        if (cmp < 0) {
            vcow__bt_put_kv(a.node[a.top], a.idx[a.top], &k, &va);
            rc = fn(k, &va, NULL, ctx);
            dc_advance(&a);
        } else if (cmp > 0) {
            vcow__bt_put_kv(b.node[b.top], b.idx[b.top], &k, &vb);
            rc = fn(k, NULL, &vb, ctx);
            dc_advance(&b);
        } else {
            vcow__bt_put_kv(a.node[a.top], a.idx[a.top], &k, &va);
            vcow__bt_put_kv(b.node[b.top], b.idx[b.top], NULL, &vb);
            if (!vcow__val_same(&va, &vb))
                rc = fn(k, &va, &vb, ctx);
            dc_advance(&a);
            dc_advance(&b);
        }
        if (rc != 0)
            return rc;
    }
    return VCOW_OK;
}

/* The order a and b share; false when their cells order keys differently
 * (a merge of two orders would be meaningless). */
static bool same_ord(const vcow_version *a, const vcow_version *b, struct kord *ord)
{
    struct kord oa = bt_vord(a), ob = bt_vord(b);
    *ord = oa;
    return oa.fn == ob.fn && (oa.fn == NULL || oa.ctx == ob.ctx);
}

int vcow_tree_diff(const vcow_version *a, const vcow_version *b, vcow_diff_fn *fn, void *ctx)
{
    struct kord ord;
    if (bt_vcheck(a) != VCOW_OK || bt_vcheck(b) != VCOW_OK || fn == NULL || !same_ord(a, b, &ord))
        return VCOW_EINVAL;
    return diff_roots(&ord, bt_vroot(a), bt_vroot(b), fn, ctx);
}

static int stop_fn(vcow_slice k, const vcow_val *o, const vcow_val *n, void *ctx)
{
    (void)k;
    (void)o;
    (void)n;
    (void)ctx;
    return 1;
}

int vcow_tree_equal(const vcow_version *a, const vcow_version *b, bool *eq)
{
    struct kord ord;
    if (bt_vcheck(a) != VCOW_OK || bt_vcheck(b) != VCOW_OK || eq == NULL || !same_ord(a, b, &ord))
        return VCOW_EINVAL;
    int rc = diff_roots(&ord, bt_vroot(a), bt_vroot(b), stop_fn, NULL);
    *eq = rc == 0;
    return VCOW_OK;
}
