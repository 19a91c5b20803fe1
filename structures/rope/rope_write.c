/*
 * structures/rope/rope_write.c - inserts and deletes on a txn.
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
 *
 * Delete of [a, b): one descent along the two boundary paths; children
 * wholly inside the range are cut off as whole subtrees (retired as trees
 * when published, freed now when ours), boundary leaves are trimmed. Cost
 * O(log m) plus the cut children, never the deleted text.
 */
#include <stdlib.h>
#include <string.h>

#include "rope_int.h"

#define PIECE (ROPE_LEAF_MAX / 2)

static void pool_free(vcow_txn *t, struct rope_pool *p)
{
    for (int i = p->uin; i < p->nin; i++)
        vcow_txn_free_node(t, &p->in[i]->hdr);
    for (int i = p->ulf; i < p->nlf; i++)
        vcow_txn_free_node(t, &p->lf[i]->hdr);
    p->nin = p->uin = p->nlf = p->ulf = 0;
}

struct rope_leaf *vcow__rope_leaf_alloc(vcow_txn *t, uint32_t cap)
{
    struct rope_leaf *l = vcow_txn_alloc(t, VCOW_MEM_ROPE, ROPE_LEAF_HDR + (size_t)cap);
    if (l != NULL) {
        l->hdr.type = ROPE_LEAF;
        l->len = l->cps = l->u16 = l->lines = 0;
    }
    return l;
}

/* Allocate everything a plan asked for; on failure free it all. */
static int pool_fill(vcow_txn *t, struct rope_pool *p, int n_inner, const uint32_t *leaf_caps,
                     int n_leaf, uint32_t retire)
{
    p->nin = p->uin = p->nlf = p->ulf = 0;
    p->small = false;
    if (retire > 0 && vcow_txn_reserve(t, retire) != VCOW_OK)
        return VCOW_ENOMEM;
    for (int i = 0; i < n_inner; i++) {
        struct rope_inner *in = vcow_txn_alloc(t, VCOW_MEM_ROPE, sizeof(*in));
        if (in == NULL) {
            pool_free(t, p);
            return VCOW_ENOMEM;
        }
        in->hdr.type = ROPE_INNER;
        in->n = 0;
        p->in[p->nin++] = in;
    }
    for (int i = 0; i < n_leaf; i++) {
        struct rope_leaf *l = vcow__rope_leaf_alloc(t, leaf_caps[i]);
        if (l == NULL) {
            pool_free(t, p);
            return VCOW_ENOMEM;
        }
        p->lf[p->nlf++] = l;
    }
    return VCOW_OK;
}

static struct rope_inner *pool_inner(struct rope_pool *p)
{
    return p->in[p->uin++];
}

static struct rope_leaf *pool_leaf(struct rope_pool *p)
{
    return p->lf[p->ulf++];
}

/* Capacity for a leaf of len bytes: exact (16-byte steps) for a copy of a
 * published leaf, which history may keep forever; with slack for one the
 * txn keeps editing. */
uint32_t vcow__rope_cap_exact(uint32_t len)
{
    uint32_t c = (len + 15u) & ~15u;
    return c > ROPE_LEAF_MAX ? ROPE_LEAF_MAX : c;
}

static uint32_t cap_grow(uint32_t len)
{
    uint32_t c = (len + len / 2 + 63u) & ~63u;
    return c > ROPE_LEAF_MAX ? ROPE_LEAF_MAX : c;
}

/* Make n ours: copy a published inner node (retiring it) from the pool. */
static struct rope_inner *own_inner(vcow_txn *t, struct rope_pool *p, struct rope_inner *n)
{
    if (vcow_txn_owns(t, &n->hdr))
        return n;
    struct rope_inner *c = pool_inner(p);
    memcpy((char *)c + sizeof(c->hdr), (const char *)n + sizeof(n->hdr),
           sizeof(*c) - sizeof(c->hdr));
    vcow__rope_retire(t, &n->hdr);
    return c;
}

static inline bool seam_at(bool left_cr, bool right_lf)
{
    return left_cr && right_lf;
}

/*
 * Replace the leaf under a path whose chunk changed from `was` to `now`
 * (one chunk for one): the ancestors' cached entries move by the same
 * deltas. When the chunk's edge flags are unchanged, no seam above it
 * changes, so the deltas are exact and no node is re-summed.
 */
static void path_update(vcow_txn *t, struct rope_pool *p, struct rope_inner *const *nodes,
                        const uint32_t *idx, int h, const struct rope_sum *was,
                        struct vcow_node *now, struct vcow_node **top)
{
    struct rope_sum ns;
    vcow__rope_leaf_sum(LEAF(now), &ns);
    bool fast = ns.flags == was->flags;
    uint32_t db = (uint32_t)(ns.bytes - was->bytes), dc = (uint32_t)(ns.cps - was->cps);
    uint32_t du = (uint32_t)(ns.u16 - was->u16), dl = (uint32_t)(ns.lines - was->lines);
    for (int d = h - 1; d >= 0; d--) {
        struct rope_inner *in = own_inner(t, p, nodes[d]);
        uint32_t i = idx[d];
        if (fast) {
            /* unsigned wrap-around adds negative deltas exactly */
            in->kid[i] = now;
            in->bytes[i] += db;
            in->cps[i] += dc;
            in->u16[i] += du;
            in->lines[i] += dl;
        } else {
            vcow__rope_inner_set(in, i, now);
        }
        now = &in->hdr;
    }
    *top = now;
}

/* ---- paths ---- */

struct path {
    struct rope_inner *n[ROPE_MAX_H + 1];
    uint32_t idx[ROPE_MAX_H + 1];
    int h; /* number of inner levels above the leaf */
    struct rope_leaf *leaf;
    uint64_t start;  /* byte offset of the leaf */
    uint64_t ustart; /* its offset in the unit of the descent (locate) */
};

static void find_path(struct vcow_node *root, uint64_t pos, bool right, struct path *p)
{
    struct vcow_node *n = root;
    uint64_t b = 0;
    p->h = 0;
    while (!rope_is_leaf(n)) {
        struct rope_inner *in = INNER(n);
        uint32_t i = 0, last = in->n - 1;
        if (right) {
            while (i < last && pos >= in->bytes[i]) {
                pos -= in->bytes[i];
                b += in->bytes[i];
                i++;
            }
        } else {
            while (i < last && pos > in->bytes[i]) {
                pos -= in->bytes[i];
                b += in->bytes[i];
                i++;
            }
        }
        p->n[p->h] = in;
        p->idx[p->h] = i;
        p->h++;
        n = in->kid[i];
    }
    p->leaf = LEAF(n);
    p->start = b;
}

/* ---- insert ---- */

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

void vcow__rope_leaf_recount(struct rope_leaf *l)
{
    struct rope_sum s;
    vcow__rope_count(l->b, l->len, &s);
    l->cps = (uint32_t)s.cps;
    l->u16 = (uint32_t)s.u16;
    l->lines = (uint32_t)s.lines;
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

void vcow__rope_entry_get(const struct rope_inner *in, uint32_t i, struct rope_entry *e)
{
    e->kid = in->kid[i];
    e->bytes = in->bytes[i];
    e->cps = in->cps[i];
    e->u16 = in->u16[i];
    e->lines = in->lines[i];
    e->flags = in->flags[i];
}

void vcow__rope_entry_put(struct rope_inner *in, uint32_t i, const struct rope_entry *e)
{
    in->kid[i] = e->kid;
    in->bytes[i] = e->bytes;
    in->cps[i] = e->cps;
    in->u16[i] = e->u16;
    in->lines[i] = e->lines;
    in->flags[i] = e->flags;
}

static void entry_of(const struct vcow_node *kid, struct rope_entry *e)
{
    struct rope_sum s;
    vcow__rope_node_sum(kid, &s);
    e->kid = (struct vcow_node *)kid;
    e->bytes = (uint32_t)s.bytes;
    e->cps = (uint32_t)s.cps;
    e->u16 = (uint32_t)s.u16;
    e->lines = (uint32_t)s.lines;
    e->flags = (uint8_t)s.flags;
}

/* Insert kid at index i of in (which is ours); when in is full, split it
 * into in and q (from the pool) and return q, else NULL. */
struct rope_inner *vcow__rope_inner_insert(struct rope_pool *p, struct rope_inner *in, uint32_t i,
                                           struct vcow_node *kid)
{
    uint32_t n = in->n;
    if (n < ROPE_FAN) {
        for (uint32_t j = n; j > i; j--) {
            struct rope_entry x;
            vcow__rope_entry_get(in, j - 1, &x);
            vcow__rope_entry_put(in, j, &x);
        }
        vcow__rope_inner_set(in, i, kid);
        in->n = n + 1;
        return NULL;
    }
    struct rope_entry e[ROPE_FAN + 1];
    for (uint32_t j = 0; j < i; j++)
        vcow__rope_entry_get(in, j, &e[j]);
    entry_of(kid, &e[i]);
    for (uint32_t j = i; j < n; j++)
        vcow__rope_entry_get(in, j, &e[j + 1]);
    /* Appending at the end keeps the left node full (packed appends). */
    uint32_t nl = i == n ? ROPE_FAN_FILL : (n + 2) / 2;
    struct rope_inner *q = pool_inner(p);
    q->height = in->height;
    for (uint32_t j = 0; j < nl; j++)
        vcow__rope_entry_put(in, j, &e[j]);
    for (uint32_t j = nl; j <= n; j++)
        vcow__rope_entry_put(q, j - nl, &e[j]);
    in->n = nl;
    q->n = n + 1 - nl;
    return q;
}

/* Insert s[0..n) (valid UTF-8, 1 <= n <= PIECE) at byte pos (a code point
 * boundary, <= length). */
static int insert_piece(vcow_txn *t, uint64_t pos, const unsigned char *s, uint32_t n,
                        const struct path *pre)
{
    struct vcow_node *root = vcow_txn_root(t);
    struct rope_pool p;
    if (root == NULL) {
        uint32_t cap = cap_grow(n);
        if (pool_fill(t, &p, 0, &cap, 1, 0) != VCOW_OK)
            return VCOW_ENOMEM;
        struct rope_leaf *l = pool_leaf(&p);
        memcpy(l->b, s, n);
        l->len = n;
        vcow__rope_leaf_recount(l);
        vcow_txn_set_root(t, &l->hdr);
        return VCOW_OK;
    }
    struct path local;
    if (pre == NULL)
        find_path(root, pos, false, &local);
    const struct path *pp = pre != NULL ? pre : &local; /* the caller's descent found pos */
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
        caps[0] = owned && off != l->len ? cap_grow(split) : vcow__rope_cap_exact(split);
        caps[1] = owned ? cap_grow(len - split) : vcow__rope_cap_exact(len - split);
        n_leaf = 2;
    } else if (owned && rope_leaf_cap(l) >= len) {
        in_place = true;
    } else {
        caps[0] = owned ? cap_grow(len) : vcow__rope_cap_exact(len);
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
    if (pool_fill(t, &p, n_inner, caps, n_leaf, retire) != VCOW_OK)
        return VCOW_ENOMEM;

    /* 2. Apply. */
    struct rope_sum was;
    vcow__rope_leaf_sum(l, &was);
    struct vcow_node *left, *right = NULL;
    if (in_place) {
        leaf_insert(l, l, off, s, n);
        left = &l->hdr;
    } else if (n_leaf == 1) {
        struct rope_leaf *d = pool_leaf(&p);
        leaf_insert(d, l, off, s, n);
        vcow__rope_retire(t, &l->hdr);
        left = &d->hdr;
    } else {
        struct rope_leaf *a = pool_leaf(&p), *b = pool_leaf(&p);
        comb_copy(a->b, l, off, s, n, 0, split);
        comb_copy(b->b, l, off, s, n, split, len);
        a->len = split;
        b->len = len - split;
        vcow__rope_leaf_recount(a);
        vcow__rope_leaf_recount(b);
        vcow__rope_retire(t, &l->hdr);
        left = &a->hdr;
        right = &b->hdr;
    }
    if (right == NULL) {
        path_update(t, &p, pp->n, pp->idx, pp->h, &was, left, &left);
        vcow_txn_set_root(t, left);
        return VCOW_OK;
    }
    for (int d = pp->h - 1; d >= 0; d--) {
        struct rope_inner *in = own_inner(t, &p, pp->n[d]);
        uint32_t i = pp->idx[d];
        vcow__rope_inner_set(in, i, left);
        if (right != NULL) {
            struct rope_inner *q = vcow__rope_inner_insert(&p, in, i + 1, right);
            right = q != NULL ? &q->hdr : NULL;
        }
        left = &in->hdr;
    }
    if (right != NULL) {
        struct rope_inner *r = pool_inner(&p);
        r->height = rope_height(left) + 1;
        r->n = 2;
        vcow__rope_inner_set(r, 0, left);
        vcow__rope_inner_set(r, 1, right);
        left = &r->hdr;
    }
    vcow_txn_set_root(t, left);
    return VCOW_OK;
}

/* ---- delete ---- */

struct del_plan {
    int n_inner, n_leaf;
    uint32_t caps[2];
    uint32_t retire;
};

/* Retire slots needed to vcow__rope_drop a whole subtree: our own nodes are freed at
 * once (their published children retired as trees), a published subtree
 * takes one slot. */
uint32_t vcow__rope_drop_slots(const vcow_txn *t, const struct vcow_node *n)
{
    if (!vcow_txn_owns(t, n))
        return 1;
    if (rope_is_leaf(n))
        return 0;
    if (rope_is_delta(n))
        return CDELTA(n)->base != NULL ? vcow__rope_drop_slots(t, CDELTA(n)->base) : 0;
    uint32_t k = 0;
    for (uint32_t i = 0; i < CINNER(n)->n; i++)
        k += vcow__rope_drop_slots(t, CINNER(n)->kid[i]);
    return k;
}

void vcow__rope_drop(vcow_txn *t, struct vcow_node *n)
{
    if (!vcow_txn_owns(t, n)) {
        vcow__rope_retire_tree(t, n);
        return;
    }
    if (rope_is_delta(n)) {
        if (DELTA(n)->base != NULL)
            vcow__rope_drop(t, DELTA(n)->base);
    } else if (!rope_is_leaf(n)) {
        for (uint32_t i = 0; i < INNER(n)->n; i++)
            vcow__rope_drop(t, INNER(n)->kid[i]);
    }
    vcow__rope_retire(t, n); /* ours: freed now */
}

/* Plan deleting [a, b) from n, which keeps some of its text. */
static void del_count(const vcow_txn *t, const struct vcow_node *n, uint64_t a, uint64_t b,
                      struct del_plan *pl)
{
    bool owned = vcow_txn_owns(t, n);
    if (rope_is_leaf(n)) {
        if (!owned) {
            pl->caps[pl->n_leaf++] = vcow__rope_cap_exact(CLEAF(n)->len - (uint32_t)(b - a));
            pl->retire++;
        }
        return;
    }
    const struct rope_inner *in = CINNER(n);
    if (!owned) {
        pl->n_inner++;
        pl->retire++;
    }
    uint64_t cum = 0;
    for (uint32_t i = 0; i < in->n && cum < b; i++) {
        uint64_t w = in->bytes[i];
        if (cum + w > a) {
            uint64_t x = a > cum ? a - cum : 0, y = b < cum + w ? b - cum : w;
            if (x == 0 && y == w)
                pl->retire += vcow__rope_drop_slots(t, in->kid[i]);
            else
                del_count(t, in->kid[i], x, y, pl);
        }
        cum += w;
    }
}

static struct vcow_node *del_apply(vcow_txn *t, struct rope_pool *p, struct vcow_node *n,
                                   uint64_t a, uint64_t b)
{
    if (rope_is_leaf(n)) {
        struct rope_leaf *l = LEAF(n), *d = l;
        uint32_t x = (uint32_t)a, y = (uint32_t)b, len = l->len;
        struct rope_sum ds;
        vcow__rope_count(l->b + x, y - x, &ds);
        bool a_cr = x > 0 && l->b[x - 1] == '\r';
        bool b_lf = y < len && l->b[y] == '\n';
        uint32_t lines = l->lines - (uint32_t)ds.lines + seam_at(a_cr, l->b[x] == '\n') +
                         seam_at(l->b[y - 1] == '\r', b_lf) - seam_at(a_cr, b_lf);
        uint32_t cps = l->cps - (uint32_t)ds.cps, u16 = l->u16 - (uint32_t)ds.u16;
        if (vcow_txn_owns(t, n)) {
            memmove(l->b + x, l->b + y, len - y);
        } else {
            d = pool_leaf(p);
            memcpy(d->b, l->b, x);
            memcpy(d->b + x, l->b + y, len - y);
            vcow__rope_retire(t, n);
        }
        d->len = len - (y - x);
        p->small |= d->len < ROPE_LEAF_MIN;
        d->cps = cps;
        d->u16 = u16;
        d->lines = lines;
        return &d->hdr;
    }
    struct rope_inner *in = own_inner(t, p, INNER(n));
    uint64_t cum = 0;
    uint32_t keep = 0, n_kids = in->n;
    for (uint32_t i = 0; i < n_kids; i++) {
        uint64_t w = in->bytes[i];
        struct rope_entry e;
        vcow__rope_entry_get(in, i, &e);
        if (cum < b && cum + w > a) {
            uint64_t x = a > cum ? a - cum : 0, y = b < cum + w ? b - cum : w;
            if (x == 0 && y == w) {
                vcow__rope_drop(t, e.kid);
                cum += w;
                continue;
            }
            entry_of(del_apply(t, p, e.kid, x, y), &e);
        }
        vcow__rope_entry_put(in, keep++, &e);
        cum += w;
    }
    in->n = keep;
    return &in->hdr;
}

/* Replace a root that has one child by the child (repeatedly). */
void vcow__rope_collapse_root(vcow_txn *t)
{
    struct vcow_node *r = vcow_txn_root(t);
    while (r != NULL && !rope_is_leaf(r) && INNER(r)->n == 1 && vcow_txn_owns(t, r)) {
        struct vcow_node *k = INNER(r)->kid[0];
        vcow__rope_retire(t, r); /* ours: freed now, no slot */
        r = k;
    }
    vcow_txn_set_root(t, r);
}

/*
 * The merge policy: when the chunk at byte pos is under ROPE_LEAF_MIN,
 * merge it with a sibling (same parent) if the two fit in one chunk. Only
 * along a path the txn already owns (the one an edit just copied), so it
 * costs at most one chunk; skipped when memory is short.
 */
void vcow__rope_merge_small(vcow_txn *t, uint64_t pos)
{
    struct vcow_node *root = vcow_txn_root(t);
    if (root == NULL || rope_is_leaf(root))
        return;
    struct path path;
    find_path(root, pos, true, &path);
    struct rope_leaf *l = path.leaf;
    struct rope_inner *par = path.n[path.h - 1];
    if (l->len >= ROPE_LEAF_MIN || par->n < 2)
        return;
    for (int d = 0; d < path.h; d++)
        if (!vcow_txn_owns(t, &path.n[d]->hdr))
            return;
    uint32_t i = path.idx[path.h - 1];
    uint32_t j = i + 1 < par->n ? i + 1 : i - 1; /* the sibling */
    uint32_t lo = i < j ? i : j;
    struct rope_leaf *a = LEAF(par->kid[lo]), *b = LEAF(par->kid[lo + 1]);
    uint32_t len = a->len + b->len;
    if (len > ROPE_LEAF_MAX)
        return;
    struct rope_leaf *d = a;
    bool a_ours = vcow_txn_owns(t, &a->hdr);
    uint32_t slots = (a_ours ? 0 : 1) + (vcow_txn_owns(t, &b->hdr) ? 0 : 1);
    if (slots > 0 && vcow_txn_reserve(t, slots) != VCOW_OK)
        return;
    if (!a_ours || rope_leaf_cap(a) < len) {
        d = vcow__rope_leaf_alloc(t, cap_grow(len));
        if (d == NULL)
            return;
        memcpy(d->b, a->b, a->len);
    }
    bool seam = a->b[a->len - 1] == '\r' && b->b[0] == '\n';
    memcpy(d->b + a->len, b->b, b->len);
    d->cps = a->cps + b->cps;
    d->u16 = a->u16 + b->u16;
    d->lines = a->lines + b->lines - seam;
    d->len = len;
    if (d != a)
        vcow__rope_retire(t, &a->hdr);
    vcow__rope_retire(t, &b->hdr);
    vcow__rope_inner_set(par, lo, &d->hdr);
    for (uint32_t k = lo + 1; k + 1 < par->n; k++) {
        struct rope_entry e;
        vcow__rope_entry_get(par, k + 1, &e);
        vcow__rope_entry_put(par, k, &e);
    }
    par->n--;
    /* Fix the metrics cached above the parent (the path is ours). */
    for (int dd = path.h - 2; dd >= 0; dd--)
        vcow__rope_inner_set(path.n[dd], path.idx[dd], &path.n[dd + 1]->hdr);
    vcow__rope_collapse_root(t);
}

/* Delete bytes [a, b) (code point boundaries, a < b <= length). */
static int delete_bytes(vcow_txn *t, uint64_t a, uint64_t b, bool merge)
{
    struct vcow_node *root = vcow_txn_root(t);
    struct rope_sum s;
    vcow__rope_node_sum(root, &s);
    if (a == 0 && b == s.bytes) {
        if (vcow__rope_drop_slots(t, root) > 0 &&
            vcow_txn_reserve(t, vcow__rope_drop_slots(t, root)) != VCOW_OK)
            return VCOW_ENOMEM;
        vcow__rope_drop(t, root);
        vcow_txn_set_root(t, NULL);
        return VCOW_OK;
    }
    struct del_plan pl = {0};
    del_count(t, root, a, b, &pl);
    struct rope_pool p;
    if (pool_fill(t, &p, pl.n_inner, pl.caps, pl.n_leaf, pl.retire) != VCOW_OK)
        return VCOW_ENOMEM;
    vcow_txn_set_root(t, del_apply(t, &p, root, a, b));
    vcow__rope_collapse_root(t);
    if (merge && p.small)
        vcow__rope_merge_small(t, a);
    return VCOW_OK;
}

/* ---- the public writes ---- */

bool vcow__rope_unit_ok(enum vcow_rope_unit u)
{
    return u == VCOW_ROPE_BYTES || u == VCOW_ROPE_CHARS || u == VCOW_ROPE_UTF16;
}

static int insert_bytes(vcow_txn *t, uint64_t pos, const unsigned char *s, size_t n)
{
    size_t done = 0;
    while (done < n) {
        size_t k = n - done;
        if (k > PIECE) {
            k = PIECE;
            while (rope_is_cont(s[done + k]))
                k--;
        }
        int rc = insert_piece(t, pos + done, s + done, (uint32_t)k, NULL);
        if (rc != VCOW_OK) {
            /* Undo the pieces in: they live in nodes the txn owns, so the
             * delete needs no memory and cannot fail. */
            if (done > 0) {
                int urc = delete_bytes(t, pos, pos + done, false);
                (void)urc;
            }
            return rc;
        }
        done += k;
    }
    return VCOW_OK;
}

/*
 * One left-biased descent by unit to the chunk that takes an insert at pos:
 * it yields the byte position and the path insert_piece needs, so a
 * keystroke descends once.
 */
static int locate(struct vcow_node *root, enum vcow_rope_unit unit, uint64_t pos, struct path *path,
                  uint64_t *byte)
{
    struct vcow_node *n = root;
    uint64_t b = 0, u = 0;
    path->h = 0;
    while (!rope_is_leaf(n)) {
        struct rope_inner *in = INNER(n);
        const uint32_t *w = unit == VCOW_ROPE_BYTES   ? in->bytes
                            : unit == VCOW_ROPE_CHARS ? in->cps
                                                      : in->u16;
        uint32_t i = 0, last = in->n - 1;
        while (i < last && pos > w[i]) {
            pos -= w[i];
            u += w[i];
            b += in->bytes[i];
            i++;
        }
        if (pos > w[i])
            return VCOW_ERANGE; /* past the end */
        path->n[path->h] = in;
        path->idx[path->h] = i;
        path->h++;
        n = in->kid[i];
    }
    struct rope_leaf *l = LEAF(n);
    int64_t off;
    if (unit == VCOW_ROPE_BYTES) {
        if (pos > l->len || (pos < l->len && rope_is_cont(l->b[pos])))
            return VCOW_ERANGE;
        off = (int64_t)pos;
    } else {
        if (pos > (unit == VCOW_ROPE_CHARS ? l->cps : l->u16))
            return VCOW_ERANGE;
        off = rope_leaf_unit_to_off(l, unit, pos);
        if (off < 0)
            return VCOW_ERANGE;
    }
    path->leaf = l;
    path->start = b;
    path->ustart = u;
    *byte = b + (uint64_t)off;
    return VCOW_OK;
}

/*
 * Whether an edit on this root takes the delta path (rope_delta.c): any
 * edit on a delta root (it is recorded as another delta, folded, or the
 * chain is materialised first), and a small one on a tree this txn has
 * not copied yet, in a cell that keeps history. An edit on a tree the txn
 * already owns is cheaper in place.
 */
static bool delta_path(const vcow_txn *t, const struct vcow_node *root, size_t ins)
{
    if (rope_is_delta(root))
        return true;
    return ins <= ROPE_DELTA_INS && (root == NULL || !vcow_txn_owns(t, root)) &&
           vcow__rope_deltas_on(t);
}

/* An edit in bytes (positions checked) on a root that takes the delta
 * path: a delta if the policy allows, else the tree edit after the chain
 * is materialised. */
static int edit_delta_path(vcow_txn *t, uint64_t a, uint64_t b, const unsigned char *s, size_t n)
{
    int rc = vcow__rope_delta_try(t, a, b - a, s, n);
    if (rc <= 0)
        return rc; /* done, or VCOW_ENOMEM with nothing changed */
    rc = vcow__rope_materialise(t);
    if (rc != VCOW_OK)
        return rc;
    /* From here the text is what it was, as a tree the txn owns: a failed
     * edit still leaves it unchanged. */
    if (a < b)
        rc = vcow__rope_tree_delete(t, a, b);
    if (rc == VCOW_OK && n > 0)
        rc = vcow__rope_tree_insert(t, a, s, n);
    return rc;
}

int vcow_rope_insert(vcow_txn *t, enum vcow_rope_unit unit, uint64_t pos, const void *text,
                     size_t len)
{
    int rc = vcow_txn_writable(t, VCOW_KIND_ROPE);
    if (rc != VCOW_OK)
        return rc;
    if (!vcow__rope_unit_ok(unit) || (text == NULL && len > 0))
        return VCOW_EINVAL;
    if (!vcow__rope_utf8_valid(text, len))
        return VCOW_EINVAL;
    struct vcow_node *root = vcow_txn_root(t);
    if (delta_path(t, root, len)) {
        uint64_t b;
        struct rope_sum s;
        rc = vcow__rope_to_byte(root, unit, pos, &b);
        if (rc != VCOW_OK)
            return rc;
        vcow__rope_node_sum(root, &s);
        if (len > VCOW_ROPE_MAX_BYTES - s.bytes)
            return VCOW_ERANGE;
        return len == 0 ? VCOW_OK : edit_delta_path(t, b, b, text, len);
    }
    if (root == NULL) {
        if (pos != 0)
            return VCOW_ERANGE;
        if (len > VCOW_ROPE_MAX_BYTES)
            return VCOW_ERANGE;
        return len == 0 ? VCOW_OK : insert_bytes(t, 0, text, len);
    }
    struct path path;
    uint64_t b;
    rc = locate(root, unit, pos, &path, &b);
    if (rc != VCOW_OK)
        return rc;
    if (len == 0)
        return VCOW_OK;
    uint64_t total = 0; /* bytes only: cheaper than a full vcow__rope_node_sum */
    if (rope_is_leaf(root)) {
        total = LEAF(root)->len;
    } else {
        for (uint32_t i = 0; i < INNER(root)->n; i++)
            total += INNER(root)->bytes[i];
    }
    if (len > VCOW_ROPE_MAX_BYTES - total)
        return VCOW_ERANGE;
    if (len <= PIECE)
        return insert_piece(t, b, text, (uint32_t)len, &path);
    return insert_bytes(t, b, text, len);
}

int vcow_rope_append(vcow_txn *t, const void *text, size_t len)
{
    int rc = vcow_txn_writable(t, VCOW_KIND_ROPE);
    if (rc != VCOW_OK)
        return rc;
    struct rope_sum s;
    vcow__rope_node_sum(vcow_txn_root(t), &s);
    return vcow_rope_insert(t, VCOW_ROPE_BYTES, s.bytes, text, len);
}

/* Delete bytes [a, b) inside the chunk path->leaf, which keeps some text:
 * the keystroke case, a path copy like insert_piece's. */
static int delete_in_leaf(vcow_txn *t, const struct path *path, uint64_t a, uint64_t b)
{
    struct rope_leaf *l = path->leaf;
    uint32_t cap = 0, retire = 0;
    int n_leaf = 0, n_inner = 0;
    if (!vcow_txn_owns(t, &l->hdr)) {
        cap = vcow__rope_cap_exact(l->len - (uint32_t)(b - a));
        n_leaf = 1;
        retire++;
    }
    for (int d = 0; d < path->h; d++) {
        if (!vcow_txn_owns(t, &path->n[d]->hdr)) {
            n_inner++;
            retire++;
        }
    }
    struct rope_pool p;
    if (pool_fill(t, &p, n_inner, &cap, n_leaf, retire) != VCOW_OK)
        return VCOW_ENOMEM;
    struct rope_sum was;
    vcow__rope_leaf_sum(l, &was);
    struct vcow_node *kid = del_apply(t, &p, &l->hdr, a - path->start, b - path->start);
    path_update(t, &p, path->n, path->idx, path->h, &was, kid, &kid);
    vcow_txn_set_root(t, kid);
    if (p.small)
        vcow__rope_merge_small(t, a);
    return VCOW_OK;
}

int vcow_rope_delete(vcow_txn *t, enum vcow_rope_unit unit, uint64_t pos, uint64_t len)
{
    int rc = vcow_txn_writable(t, VCOW_KIND_ROPE);
    if (rc != VCOW_OK)
        return rc;
    if (!vcow__rope_unit_ok(unit))
        return VCOW_EINVAL;
    struct vcow_node *root = vcow_txn_root(t);
    uint64_t a, b;
    if (pos + len < pos)
        return VCOW_ERANGE;
    if (delta_path(t, root, 0)) {
        rc = vcow__rope_to_byte(root, unit, pos, &a);
        if (rc == VCOW_OK)
            rc = vcow__rope_to_byte(root, unit, pos + len, &b);
        if (rc != VCOW_OK || a == b)
            return rc;
        return edit_delta_path(t, a, b, NULL, 0);
    }
    if (root == NULL)
        return pos == 0 && len == 0 ? VCOW_OK : VCOW_ERANGE;
    struct path path;
    rc = locate(root, unit, pos, &path, &a);
    if (rc != VCOW_OK)
        return rc;
    /* The end: in the same chunk (a keystroke), else a descent of its own. */
    const struct rope_leaf *l = path.leaf;
    uint64_t lu = unit == VCOW_ROPE_BYTES ? l->len : unit == VCOW_ROPE_CHARS ? l->cps : l->u16;
    uint64_t end = pos + len - path.ustart;
    if (end <= lu) {
        int64_t off = unit == VCOW_ROPE_BYTES ? (int64_t)end : rope_leaf_unit_to_off(l, unit, end);
        if (off < 0 || ((uint64_t)off < l->len && rope_is_cont(l->b[off])))
            return VCOW_ERANGE;
        b = path.start + (uint64_t)off;
        if (a < b && b - a < l->len)
            return delete_in_leaf(t, &path, a, b);
    } else {
        rc = vcow__rope_to_byte(root, unit, pos + len, &b);
        if (rc != VCOW_OK)
            return rc;
    }
    return a == b ? VCOW_OK : delete_bytes(t, a, b, true);
}

/* ---- byte edits on a tree (materialising a delta chain) ---- */

int vcow__rope_tree_insert(vcow_txn *t, uint64_t pos, const unsigned char *s, size_t n)
{
    return insert_bytes(t, pos, s, n);
}

int vcow__rope_tree_delete(vcow_txn *t, uint64_t a, uint64_t b)
{
    struct vcow_node *root = vcow_txn_root(t);
    struct path path;
    find_path(root, a, true, &path);
    if (b - path.start < path.leaf->len)
        return delete_in_leaf(t, &path, a, b); /* keeps some of the chunk */
    return delete_bytes(t, a, b, true);
}

/* ---- cell conveniences ---- */

struct edit_ctx {
    enum vcow_rope_unit unit;
    uint64_t pos, len;
    const void *text;
    bool del;
};

static int edit_fn(vcow_txn *t, void *arg)
{
    const struct edit_ctx *e = arg;
    return e->del ? vcow_rope_delete(t, e->unit, e->pos, e->len)
                  : vcow_rope_insert(t, e->unit, e->pos, e->text, (size_t)e->len);
}

int vcow_rope_cell_insert(vcow_cell *c, enum vcow_rope_unit unit, uint64_t pos, const void *text,
                          size_t len, uint64_t *seq)
{
    if (c == NULL || vcow_cell_kind(c) != VCOW_KIND_ROPE)
        return VCOW_EINVAL;
    struct edit_ctx e = {unit, pos, len, text, false};
    return vcow_cell_update(c, edit_fn, &e, seq);
}

int vcow_rope_cell_delete(vcow_cell *c, enum vcow_rope_unit unit, uint64_t pos, uint64_t len,
                          uint64_t *seq)
{
    if (c == NULL || vcow_cell_kind(c) != VCOW_KIND_ROPE)
        return VCOW_EINVAL;
    struct edit_ctx e = {unit, pos, len, NULL, true};
    return vcow_cell_update(c, edit_fn, &e, seq);
}
