/*
 * structures/tree/tree_diff_range.c - the diff of two versions restricted
 * to a key range (vcow_tree_diff_range), in time proportional to the
 * changes inside the range, not to the size of the tree nor to the changes
 * outside it. The key watches (tree_watch.c) and revert use it.
 *
 * The walk is tree_read.c's diff (two cursors in key order, each on an
 * item: a whole subtree or one leaf entry; equal subtree pointers are
 * skipped on both sides), with two changes:
 *
 *   1. Start. Each cursor starts on the leaf entry of the first rank inside
 *      the range (vcow__bt_root_bounds, then the root-to-entry path of
 *      vcow__bt_cur_select), with the ancestors' indices on the children it
 *      went through. Everything before the range counts as dealt with, so
 *      the diff's invariant holds: both cursors start after the same keys
 *      (those below lo), hence two equal subtree pointers met later cover
 *      the same keys on both sides.
 *   2. End. Each cursor counts the rank of its item's first entry; a
 *      skipped subtree adds its count, a leaf entry one. A side whose rank
 *      reached the end of its range is done. A shared subtree that
 *      straddles the end is skipped on both sides (its keys below the end
 *      are equal on both sides, those above do not matter).
 *
 * Cost: O(height) to start, then the diff's O(changes in range * height),
 * plus the rest of the two start leaves (at most a leaf's entries).
 */
#include "tree_int.h"

struct rcur {
    const struct tnode *node[TREE_MAX_DEPTH];
    unsigned idx[TREE_MAX_DEPTH];
    int top;       /* -1: done */
    uint64_t rank; /* of the current item's first entry */
    uint64_t end;  /* the first rank past the range */
};

static int rc_init(struct rcur *c, const struct kord *ord, const struct tnode *root, const void *lo,
                   size_t lolen, const void *hi, size_t hilen, unsigned flags)
{
    uint64_t from, to;
    int rc = vcow__bt_root_bounds(ord, root, lo, lolen, hi, hilen, flags, &from, &to);
    c->top = -1;
    if (rc != VCOW_OK || from >= to)
        return rc;
    struct bt_cursor bc;
    vcow__bt_cur_select(&bc, root, from);
    for (int d = 0; d <= bc.depth; d++) {
        c->node[d] = bc.node[d];
        c->idx[d] = bc.idx[d];
    }
    c->top = bc.depth;
    c->rank = from;
    c->end = to;
    return VCOW_OK;
}

static bool rc_done(const struct rcur *c)
{
    return c->top < 0 || c->rank >= c->end;
}

/* Height of the current item's node: 0 when the item is a leaf entry. */
static uint32_t rc_height(const struct rcur *c)
{
    return c->node[c->top]->height;
}

static const struct tnode *rc_child(const struct rcur *c)
{
    return in_child(c->node[c->top])[c->idx[c->top]];
}

/* Step past the current item (it held n entries). */
static void rc_advance(struct rcur *c, uint64_t n)
{
    c->rank += n;
    while (c->top >= 0) {
        if (++c->idx[c->top] < tn_n(c->node[c->top]))
            return;
        c->top--;
    }
}

static void rc_skip(struct rcur *c)
{
    rc_advance(c, rc_height(c) > 0 ? in_cnt(c->node[c->top])[c->idx[c->top]] : 1);
}

static void rc_open(struct rcur *c)
{
    c->node[c->top + 1] = rc_child(c);
    c->idx[c->top + 1] = 0;
    c->top++;
}

/* One step at the entry level: report the smaller key (or both). */
static int rc_entries(const struct kord *ord, struct rcur *a, struct rcur *b, vcow_diff_fn *fn,
                      void *ctx)
{
    int cmp;
    if (rc_done(a))
        cmp = 1;
    else if (rc_done(b))
        cmp = -1;
    else
        cmp = ord_kcmp(ord, leaf_key(a->node[a->top], a->idx[a->top]),
                       leaf_key(b->node[b->top], b->idx[b->top]));
    vcow_val va, vb;
    vcow_slice k;
    int rc = 0;
    if (cmp < 0) {
        vcow__bt_put_kv(a->node[a->top], a->idx[a->top], &k, &va);
        rc = fn(k, &va, NULL, ctx);
        rc_advance(a, 1);
    } else if (cmp > 0) {
        vcow__bt_put_kv(b->node[b->top], b->idx[b->top], &k, &vb);
        rc = fn(k, NULL, &vb, ctx);
        rc_advance(b, 1);
    } else {
        vcow__bt_put_kv(a->node[a->top], a->idx[a->top], &k, &va);
        vcow__bt_put_kv(b->node[b->top], b->idx[b->top], NULL, &vb);
        if (!vcow__val_same(&va, &vb))
            rc = fn(k, &va, &vb, ctx);
        rc_advance(a, 1);
        rc_advance(b, 1);
    }
    return rc;
}

int vcow__bt_diff_range(const struct kord *ord, const struct tnode *ra, const struct tnode *rb,
                        const void *lo, size_t lolen, const void *hi, size_t hilen, unsigned flags,
                        vcow_diff_fn *fn, void *ctx)
{
    struct rcur a, b;
    int rc = rc_init(&a, ord, ra, lo, lolen, hi, hilen, flags);
    if (rc == VCOW_OK)
        rc = rc_init(&b, ord, rb, lo, lolen, hi, hilen, flags);
    if (rc != VCOW_OK || ra == rb)
        return rc;
    for (;;) {
        bool da = rc_done(&a), db = rc_done(&b);
        if (da && db)
            return VCOW_OK;
        if (!da && !db) {
            uint32_t ha = rc_height(&a), hb = rc_height(&b);
            if (ha > 0 && hb > 0 && ha == hb && rc_child(&a) == rc_child(&b)) {
                rc_skip(&a); /* shared subtree: same keys, same values */
                rc_skip(&b);
                continue;
            }
            if (ha > 0 || hb > 0) {
                if (ha >= hb)
                    rc_open(&a);
                if (hb >= ha)
                    rc_open(&b);
                continue;
            }
        } else {
            /* One side is done: open the other down to its entries. */
            struct rcur *c = da ? &b : &a;
            if (rc_height(c) > 0) {
                rc_open(c);
                continue;
            }
        }
        rc = rc_entries(ord, &a, &b, fn, ctx);
        if (rc != 0)
            return rc;
    }
}

int vcow_tree_diff_range(const vcow_version *a, const vcow_version *b, const void *lo, size_t lolen,
                         const void *hi, size_t hilen, unsigned flags, vcow_diff_fn *fn, void *ctx)
{
    if (bt_vcheck(a) != VCOW_OK || bt_vcheck(b) != VCOW_OK || fn == NULL ||
        (flags & VCOW_TREE_REVERSE))
        return VCOW_EINVAL;
    struct kord oa = bt_vord(a), ob = bt_vord(b);
    if (oa.fn != ob.fn || (oa.fn != NULL && oa.ctx != ob.ctx))
        return VCOW_EINVAL; /* two orders: a merge would mean nothing */
    return vcow__bt_diff_range(&oa, bt_vroot(a), bt_vroot(b), lo, lolen, hi, hilen, flags, fn, ctx);
}
