/*
 * structures/rope/rope_tree_insert.c - inserts into the txn's tree.
 *
 * Every write runs in two steps (runtime/txn.h's rules):
 *   1. plan: a read-only descent works out exactly which nodes must be
 *      copied (published ones on the path), created (splits, a new root)
 *      and retired; the retire slots are reserved and every node is
 *      allocated into a small pool. A failure here frees the pool and
 *      returns VCOW_ENOMEM with the txn untouched.
 *   2. apply: cannot fail; it takes nodes from the pool.
 * Merging small chunks afterwards is an optimisation that is skipped when
 * memory is short, never a reason to fail.
 *
 * Insert of k bytes (k <= PIECE): path copy, then the leaf takes the text
 * in place if it is ours and has room, else is copied at its new size, or
 * split in two when over ROPE_LEAF_MAX. Splits climb while parents are
 * full; appending at a node's end keeps the left part full, so a text
 * built by appends is packed.
 *
 *     [ a b c ]            [ a b c' ]  c' = c + text; if c' > max:
 *        |         ->          |        [ a b c1 c2 ] (and so on up)
 *        c
 *
 * Longer inserts are a run of piece inserts, undone by a range delete if
 * one fails (the undo only touches nodes the txn owns, so it needs neither
 * memory nor retire slots).
 */
#include <string.h>

#include "rope_tree.h"

#define PIECE ROPE_PIECE

static inline bool seam_at(bool left_cr, bool right_lf)
{
    return left_cr && right_lf;
}

/* Byte i of the leaf's text with s[0..n) inserted at off. */
static inline unsigned char comb(const struct rope_leaf *l, uint32_t off, const unsigned char *s,
                                 uint32_t n, uint32_t i)
{
    return i < off ? l->b[i] : i < off + n ? s[i - off] : l->b[i - n];
}

static void comb_copy(unsigned char *dst, const struct rope_leaf *l, uint32_t off,
                      const unsigned char *s, uint32_t n, uint32_t from, uint32_t to)
{
    /* Three source ranges: l[0..off), s, l[off..). */
    uint32_t a0 = 0, a1 = off, s0 = off, s1 = off + n, b0 = off + n, b1 = l->len + n;
    uint32_t x, y;
    x = from > a0 ? from : a0;
    y = to < a1 ? to : a1;
    if (x < y) {
        memcpy(dst, l->b + x, y - x);
        dst += y - x;
    }
    x = from > s0 ? from : s0;
    y = to < s1 ? to : s1;
    if (x < y) {
        memcpy(dst, s + (x - off), y - x);
        dst += y - x;
    }
    x = from > b0 ? from : b0;
    y = to < b1 ? to : b1;
    if (x < y)
        memcpy(dst, l->b + (x - n), y - x);
}

/* Write the leaf's text with s inserted at off into dst (which may be l
 * itself when it has room), updating the metrics incrementally. */
static void leaf_insert(struct rope_leaf *dst, const struct rope_leaf *l, uint32_t off,
                        const unsigned char *s, uint32_t n)
{
    struct rope_sum ts;
    vcow__rope_count(s, n, &ts);
    bool a_cr = off > 0 && l->b[off - 1] == '\r';
    bool b_lf = off < l->len && l->b[off] == '\n';
    uint32_t lines = l->lines + seam_at(a_cr, b_lf) + (uint32_t)ts.lines -
                     seam_at(a_cr, s[0] == '\n') - seam_at(s[n - 1] == '\r', b_lf);
    uint32_t len = l->len, cps = l->cps + (uint32_t)ts.cps, u16 = l->u16 + (uint32_t)ts.u16;
    if (dst == l) {
        memmove(dst->b + off + n, dst->b + off, len - off);
    } else {
        memcpy(dst->b, l->b, off);
        memcpy(dst->b + off + n, l->b + off, len - off);
    }
    memcpy(dst->b + off, s, n);
    dst->len = len + n;
    dst->cps = cps;
    dst->u16 = u16;
    dst->lines = lines;
}

/* Where to split a combined text of len bytes (ROPE_LEAF_MAX < len <=
 * ROPE_LEAF_MAX + PIECE): full left part when appending at the end. */
static uint32_t split_point(const struct rope_leaf *l, uint32_t off, const unsigned char *s,
                            uint32_t n, bool at_end)
{
    uint32_t len = l->len + n;
    uint32_t k = at_end ? ROPE_FILL : len / 2;
    while (k > 0 && rope_is_cont(comb(l, off, s, n, k)))
        k--;
    return k;
}

/* Insert s[0..n) (valid UTF-8, 1 <= n <= PIECE) at byte pos (a code point
 * boundary, <= length). */
static int insert_piece(const struct rope_sink *rs, uint64_t pos, const unsigned char *s,
                        uint32_t n, const struct rope_path *pre)
{
    vcow_txn *t = rs->t;
    struct vcow_node *root = vcow_txn_root(t);
    struct rope_pool p;
    if (root == NULL) {
        uint32_t cap = rope_cap_grow(n);
        if (vcow__rope_pool_fill(t, &p, 0, &cap, 1, 0) != VCOW_OK)
            return VCOW_ENOMEM;
        struct rope_leaf *l = rope_pool_leaf(&p);
        memcpy(l->b, s, n);
        l->len = n;
        vcow__rope_leaf_recount(l);
        vcow_txn_set_root(t, &l->hdr);
        return VCOW_OK;
    }
    struct rope_path local;
    if (pre == NULL)
        vcow__rope_find_path(root, pos, false, &local);
    const struct rope_path *pp = pre != NULL ? pre : &local; /* the caller's descent found pos */
    struct rope_leaf *l = pp->leaf;
    uint32_t off = (uint32_t)(pos - pp->start), len = l->len + n;
    bool owned = vcow_txn_owns(t, &l->hdr);

    /* 1. Plan. */
    uint32_t caps[2] = {0, 0}, retire = owned ? 0 : 1, split = 0;
    int n_leaf = 0, n_inner = 0;
    bool in_place = false;
    if (len > ROPE_LEAF_MAX) {
        split = split_point(l, off, s, n, off == l->len);
        /* Appending: the left part is finished, the right one grows. */
        caps[0] = owned && off != l->len ? rope_cap_grow(split) : rope_cap_exact(split);
        caps[1] = owned ? rope_cap_grow(len - split) : rope_cap_exact(len - split);
        n_leaf = 2;
    } else if (owned && rope_leaf_cap(l) >= len) {
        in_place = true;
    } else {
        caps[0] = owned ? rope_cap_grow(len) : rope_cap_exact(len);
        n_leaf = 1;
    }
    bool carry = n_leaf == 2;
    for (int d = pp->h - 1; d >= 0; d--) {
        if (!vcow_txn_owns(t, &pp->n[d]->hdr)) {
            n_inner++;
            retire++;
        }
        if (carry) {
            if (pp->n[d]->n == ROPE_FAN)
                n_inner++;
            else
                carry = false;
        }
    }
    if (carry) {
        if (pp->h >= ROPE_MAX_H)
            return VCOW_ERANGE; /* unreachable with 16-way nodes below 4 GiB */
        n_inner++;
    }
    if (vcow__rope_pool_fill(t, &p, n_inner, caps, n_leaf, retire) != VCOW_OK)
        return VCOW_ENOMEM;

    /* 2. Apply. */
    struct rope_sum was;
    vcow__rope_leaf_sum(l, &was);
    struct vcow_node *left, *right = NULL;
    if (in_place) {
        leaf_insert(l, l, off, s, n);
        left = &l->hdr;
    } else if (n_leaf == 1) {
        struct rope_leaf *d = rope_pool_leaf(&p);
        leaf_insert(d, l, off, s, n);
        vcow__rope_sink_node(rs, &l->hdr);
        left = &d->hdr;
    } else {
        struct rope_leaf *a = rope_pool_leaf(&p), *b = rope_pool_leaf(&p);
        comb_copy(a->b, l, off, s, n, 0, split);
        comb_copy(b->b, l, off, s, n, split, len);
        a->len = split;
        b->len = len - split;
        vcow__rope_leaf_recount(a);
        vcow__rope_leaf_recount(b);
        vcow__rope_sink_node(rs, &l->hdr);
        left = &a->hdr;
        right = &b->hdr;
    }
    if (right == NULL) {
        vcow__rope_path_update(rs, &p, pp, &was, left, &left);
        vcow_txn_set_root(t, left);
        return VCOW_OK;
    }
    for (int d = pp->h - 1; d >= 0; d--) {
        struct rope_inner *in = vcow__rope_own_inner(rs, &p, pp->n[d]);
        uint32_t i = pp->idx[d];
        vcow__rope_inner_set(in, i, left);
        if (right != NULL) {
            struct rope_inner *q = vcow__rope_inner_insert(&p, in, i + 1, right);
            right = q != NULL ? &q->hdr : NULL;
        }
        left = &in->hdr;
    }
    if (right != NULL) {
        struct rope_inner *r = rope_pool_inner(&p);
        r->height = rope_height(left) + 1;
        r->n = 2;
        vcow__rope_inner_set(r, 0, left);
        vcow__rope_inner_set(r, 1, right);
        left = &r->hdr;
    }
    vcow_txn_set_root(t, left);
    return VCOW_OK;
}

int vcow__rope_tree_insert(const struct rope_sink *rs, uint64_t pos, const unsigned char *s,
                           size_t n)
{
    size_t done = 0;
    while (done < n) {
        size_t k = n - done;
        if (k > PIECE) {
            k = PIECE;
            while (rope_is_cont(s[done + k]))
                k--;
        }
        int rc = insert_piece(rs, pos + done, s + done, (uint32_t)k, NULL);
        if (rc != VCOW_OK) {
            /* Undo the pieces in: they live in nodes the txn owns, so the
             * delete needs no memory and cannot fail. */
            if (done > 0) {
                int urc = vcow__rope_tree_cut(rs, pos, pos + done, false);
                (void)urc;
            }
            return rc;
        }
        done += k;
    }
    return VCOW_OK;
}

int vcow__rope_tree_insert_at(const struct rope_sink *s, enum vcow_rope_unit unit, uint64_t pos,
                              const unsigned char *text, size_t len)
{
    struct vcow_node *root = vcow_txn_root(s->t);
    if (root == NULL) {
        if (pos != 0 || len > VCOW_ROPE_MAX_BYTES)
            return VCOW_ERANGE;
        return len == 0 ? VCOW_OK : vcow__rope_tree_insert(s, 0, text, len);
    }
    struct rope_path path;
    uint64_t b;
    int rc = vcow__rope_locate(root, unit, pos, &path, &b);
    if (rc != VCOW_OK || len == 0)
        return rc;
    if (len > VCOW_ROPE_MAX_BYTES - vcow__rope_tree_bytes(root))
        return VCOW_ERANGE;
    if (len <= PIECE)
        return insert_piece(s, b, text, (uint32_t)len, &path);
    return vcow__rope_tree_insert(s, b, text, len);
}
