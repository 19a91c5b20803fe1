/*
 * structures/rope/rope_delta_diff.c - diff of two roots; when either is a
 * delta, through the chains.
 *
 * The diff is found as its complement, the matched segments (text equal
 * on both sides, A[a, a + len) == B[b, b + len)):
 *   1. walk both chains down to the highest node they share (in the common
 *      history case, b's chain runs through a's root, or both through one
 *      older delta or tree): its text matches itself, one segment; if they
 *      share nothing, the tree diff of the two trees at their bottoms gives
 *      the segments (the gaps between its changed regions);
 *   2. push the segments through each side's deltas above that point,
 *      oldest first: the part of a segment before an edit stays, the part
 *      inside the removed range is dropped, the part after shifts by
 *      ins - del (the segments stay in order on both sides);
 *   3. the gaps between consecutive segments are the changed regions. Each
 *      is trimmed of the bytes its two sides start and end with in common
 *      (copied out, so the cost follows the region), then reported.
 * Cost: the tree diff (if any) + O(segments * chain) + the regions' bytes.
 * Regions are supersets of the exact change, as the tree diff's are, but
 * byte-aligned rather than chunk-aligned after trimming.
 */
#include <stdlib.h>
#include <string.h>

#include "rope_delta.h"

struct seg {
    uint64_t a, b, len;
};

struct segs {
    struct seg *v;
    size_t n, cap;
};

static int seg_push(struct segs *s, uint64_t a, uint64_t b, uint64_t len)
{
    if (len == 0)
        return VCOW_OK;
    if (s->n > 0) {
        struct seg *l = &s->v[s->n - 1];
        if (l->a + l->len == a && l->b + l->len == b) {
            l->len += len;
            return VCOW_OK;
        }
    }
    if (s->n == s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 16;
        struct seg *nv = realloc(s->v, nc * sizeof(*nv));
        if (nv == NULL)
            return VCOW_ENOMEM;
        s->v = nv;
        s->cap = nc;
    }
    s->v[s->n++] = (struct seg){a, b, len};
    return VCOW_OK;
}

/* The tree diff's changed regions, turned into the segments between them. */
struct collect {
    struct segs *out;
    uint64_t pa, pb;
};

static int collect_fn(uint64_t a0, uint64_t a1, uint64_t b0, uint64_t b1, void *ctx)
{
    struct collect *c = ctx;
    (void)b0; /* b0 - pb == a0 - pa: the text between regions is shared */
    int rc = seg_push(c->out, c->pa, c->pb, a0 - c->pa);
    c->pa = a1;
    c->pb = b1;
    return rc;
}

/* Apply edit d to side `side` (0: a, 1: b) of every segment. */
static int seg_apply(struct segs *in, struct segs *out, const struct rope_delta *d, int side)
{
    uint64_t p = d->pos, e = (uint64_t)d->pos + d->del;
    out->n = 0;
    for (size_t i = 0; i < in->n; i++) {
        struct seg s = in->v[i];
        uint64_t x = side ? s.b : s.a, y = x + s.len;
        int rc = VCOW_OK;
        if (x < p) { /* before the edit: unchanged */
            uint64_t k = (y < p ? y : p) - x;
            rc = seg_push(out, s.a, s.b, k);
        }
        if (rc == VCOW_OK && y > e) { /* after it: shifted */
            uint64_t from = x > e ? x : e, off = from - x;
            uint64_t nx = from - d->del + d->ins;
            rc = side ? seg_push(out, s.a + off, nx, y - from)
                      : seg_push(out, nx, s.b + off, y - from);
        }
        if (rc != VCOW_OK)
            return rc;
    }
    return VCOW_OK;
}

/* Common prefix and suffix of two byte strings, backed off to code point
 * boundaries of both. */
static void trim(const unsigned char *x, uint64_t nx, const unsigned char *y, uint64_t ny,
                 uint64_t *pre, uint64_t *suf)
{
    uint64_t m = nx < ny ? nx : ny, k = 0, j = 0;
    while (k < m && x[k] == y[k])
        k++;
    while (k > 0 && ((k < nx && rope_is_cont(x[k])) || (k < ny && rope_is_cont(y[k]))))
        k--;
    while (j < m - k && x[nx - 1 - j] == y[ny - 1 - j])
        j++;
    while (j > 0 && (rope_is_cont(x[nx - j]) || rope_is_cont(y[ny - j])))
        j--;
    *pre = k;
    *suf = j;
}

static int report(const struct vcow_node *ra, const struct vcow_node *rb, uint64_t a0, uint64_t a1,
                  uint64_t b0, uint64_t b1, vcow_rope_diff_fn *fn, void *ctx)
{
    uint64_t na = a1 - a0, nb = b1 - b0, pre = 0, suf = 0;
    if (na > 0 && nb > 0) {
        unsigned char *x = malloc(na), *y = malloc(nb);
        if (x == NULL || y == NULL) {
            free(x);
            free(y);
            return VCOW_ENOMEM;
        }
        vcow__rope_copy_bytes(ra, a0, a1, x);
        vcow__rope_copy_bytes(rb, b0, b1, y);
        trim(x, na, y, nb, &pre, &suf);
        free(x);
        free(y);
        if (pre + suf == na && pre + suf == nb)
            return 0; /* equal after all */
    }
    return fn(a0 + pre, a1 - suf, b0 + pre, b1 - suf, ctx);
}

/* The chain from root down, root first, ending with the tree (or NULL). */
static int chain_of(const struct vcow_node *root, const struct vcow_node **out)
{
    int k = 0;
    out[k++] = root;
    while (rope_is_delta(root) && k <= ROPE_DELTA_CHAIN) {
        root = CDELTA(root)->base;
        out[k++] = root;
    }
    return k;
}

static int chain_diff(const struct vcow_node *ra, const struct vcow_node *rb, vcow_rope_diff_fn *fn,
                      void *ctx)
{
    const struct vcow_node *ca[ROPE_DELTA_CHAIN + 2], *cb[ROPE_DELTA_CHAIN + 2];
    int na = chain_of(ra, ca), nb = chain_of(rb, cb), ia = na - 1, ib = nb - 1;
    /* 1. the highest node both chains reach (NULL, the empty text, counts) */
    bool common = false;
    for (int i = 0; i < na && !common; i++) {
        for (int j = 0; j < nb; j++) {
            if (ca[i] == cb[j]) {
                ia = i;
                ib = j;
                common = true;
                break;
            }
        }
    }
    struct segs s = {NULL, 0, 0}, t = {NULL, 0, 0};
    struct rope_sum sa, sb;
    vcow__rope_sum(ca[ia], &sa);
    vcow__rope_sum(cb[ib], &sb);
    int rc;
    if (common) {
        rc = seg_push(&s, 0, 0, sa.bytes);
    } else {
        struct collect c = {&s, 0, 0};
        rc = vcow__rope_tree_diff(ca[ia], cb[ib], collect_fn, &c);
        if (rc == VCOW_OK)
            rc = seg_push(&s, c.pa, c.pb, sa.bytes - c.pa);
    }
    /* 2. each side's edits above that node, oldest first */
    for (int side = 0; side < 2; side++) {
        const struct vcow_node *const *ch = side ? cb : ca;
        for (int i = (side ? ib : ia) - 1; i >= 0 && rc == VCOW_OK; i--) {
            rc = seg_apply(&s, &t, CDELTA(ch[i]), side);
            struct segs x = s;
            s = t;
            t = x;
        }
    }
    /* 3. the gaps */
    vcow__rope_sum(ra, &sa);
    vcow__rope_sum(rb, &sb);
    uint64_t pa = 0, pb = 0;
    for (size_t i = 0; i <= s.n && rc == VCOW_OK; i++) {
        uint64_t a = i < s.n ? s.v[i].a : sa.bytes, b = i < s.n ? s.v[i].b : sb.bytes;
        if (a > pa || b > pb)
            rc = report(ra, rb, pa, a, pb, b, fn, ctx);
        if (i < s.n) {
            pa = a + s.v[i].len;
            pb = b + s.v[i].len;
        }
    }
    free(s.v);
    free(t.v);
    return rc;
}

int vcow__rope_diff(const struct vcow_node *a, const struct vcow_node *b, vcow_rope_diff_fn *fn,
                    void *ctx)
{
    if (rope_is_delta(a) || rope_is_delta(b))
        return chain_diff(a, b, fn, ctx);
    return vcow__rope_tree_diff(a, b, fn, ctx);
}
