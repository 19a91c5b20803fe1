/*
 * structures/tree/tree_range.c - join, split and del_range.
 *
 * A "root-valid" tree is one whose root may hold fewer than tn_min()
 * entries (a leaf >= 1, an inner node >= 2 children) while every other
 * node is at least half full. Every function here takes and returns
 * root-valid trees (NULL is the empty tree), working by rank so that
 * every combination of inclusive / exclusive / open bounds is the same
 * code.
 *
 * join(l, r), all keys of l below those of r (Adams / Blelloch et al.,
 * "Just Join for Parallel Ordered Sets", the B-tree case):
 *   1. equal heights: one root if they fit, else a new root over both
 *      (vcow__bt_pair_combine first if either root is underfull);
 *   2. l taller: walk down l's right spine to height(r) + 1, append r
 *      as the last child (combined with its left neighbour if r's root is
 *      underfull), split upward where a node overflows;
 *   3. r taller: the mirror image on r's left spine.
 *   Cost O(|height(l) - height(r)| + 1) nodes.
 *
 * del_range(x, [a, b)) by rank:
 *   the children wholly inside the range are dropped whole
 *   (vcow_txn_retire_tree: one retire entry each, however big); the child
 *   holding rank a is cut to its part below a (split_lt), the one holding
 *   rank b-1 to its part from b (split_ge); the pieces are joined back:
 *
 *     [c0 .. ci-1] + lt(ci)  ++  ge(cj) + [cj+1 .. cn-1]
 *
 *   A range inside one leaf, the common small case, reduces to the
 *   delete path: rebuild the leaf and combine it with a neighbour.
 */
#include "tree_int.h"

/* The children [from, to) of x as a root-valid tree. */
static struct tnode *node_of(struct op *o, const struct tnode *x, unsigned from, unsigned to)
{
    if (from >= to)
        return NULL;
    if (to - from == 1)
        return in_child(x)[from];
    struct ient e[TREE_B];
    for (unsigned i = from; i < to; i++)
        vcow__bt_inner_get_ent(x, i, &e[i - from]);
    return vcow__bt_inner_build(o, e, to - from, x->height);
}

/* Split an entry list of m (<= TREE_B + 1) inner entries into 1 or 2 nodes. */
static int build_split(struct op *o, struct ient *e, unsigned m, uint32_t height,
                       struct tnode **out, struct kref *osep)
{
    if (m <= TREE_B) {
        out[0] = vcow__bt_inner_build(o, e, m, height);
        return out[0] != NULL ? 1 : 0;
    }
    unsigned h = m / 2;
    out[0] = vcow__bt_inner_build(o, e, h, height);
    out[1] = vcow__bt_inner_build(o, e + h, m - h, height);
    *osep = e[h].sep;
    return out[0] != NULL && out[1] != NULL ? 2 : 0;
}

static void set_ent(struct ient *e, struct tnode *c)
{
    e->child = &c->hdr;
    e->cnt = c->total;
}

/* Append r (lower than x) at x's right edge; rmin = r's smallest key. */
static int join_right(struct op *o, struct tnode *x, struct tnode *r, struct kref rmin,
                      struct tnode **out, struct kref *osep)
{
    unsigned n = tn_n(x), m = n;
    struct ient e[TREE_B + 1];
    for (unsigned i = 0; i < n; i++)
        vcow__bt_inner_get_ent(x, i, &e[i]);
    struct tnode *pc[2];
    struct kref ps;
    int made;
    if (x->height == r->height + 1) {
        if (tn_n(r) >= tn_min(r)) {
            set_ent(&e[n], r);
            e[n].sep = rmin;
            m = n + 1;
            made = -1;
        } else {
            made = vcow__bt_pair_combine(o, in_child(x)[n - 1], r, rmin, pc, &ps);
        }
    } else {
        made = join_right(o, in_child(x)[n - 1], r, rmin, pc, &ps);
    }
    if (made == 0)
        return 0;
    if (made > 0) {
        set_ent(&e[n - 1], pc[0]);
        if (made == 2) {
            set_ent(&e[n], pc[1]);
            e[n].sep = ps;
            m = n + 1;
        }
    }
    vcow__bt_op_retire(o, &x->hdr);
    return build_split(o, e, m, x->height, out, osep);
}

/* Prepend l (lower than x) at x's left edge; xmin = x's smallest key. */
static int join_left(struct op *o, struct tnode *l, struct tnode *x, struct kref xmin,
                     struct tnode **out, struct kref *osep)
{
    unsigned n = tn_n(x), m;
    struct ient e[TREE_B + 1];
    for (unsigned i = 0; i < n; i++)
        vcow__bt_inner_get_ent(x, i, &e[i + 1]);
    e[1].sep = xmin;
    struct tnode *pc[2];
    struct kref ps;
    int made;
    if (x->height == l->height + 1) {
        if (tn_n(l) >= tn_min(l)) {
            set_ent(&e[0], l);
            e[0].sep.p = NULL;
            e[0].sep.len = 0;
            m = n + 1;
            vcow__bt_op_retire(o, &x->hdr);
            return build_split(o, e, m, x->height, out, osep);
        }
        made = vcow__bt_pair_combine(o, l, in_child(x)[0], xmin, pc, &ps);
    } else {
        made = join_left(o, l, in_child(x)[0], xmin, pc, &ps);
    }
    if (made == 0)
        return 0;
    /* pc replaces the old first child (e[1]); e[0] is unused. */
    struct ient *f = &e[1];
    m = n;
    if (made == 2) {
        f = &e[0];
        set_ent(&e[1], pc[1]);
        e[1].sep = ps;
        m = n + 1;
    }
    set_ent(f, pc[0]);
    f->sep.p = NULL;
    f->sep.len = 0;
    vcow__bt_op_retire(o, &x->hdr);
    return build_split(o, f, m, x->height, out, osep);
}

static struct tnode *new_root(struct op *o, struct tnode **c, int made, struct kref sep)
{
    if (made == 0)
        return NULL;
    if (made == 1)
        return c[0];
    struct ient e[2];
    set_ent(&e[0], c[0]);
    e[0].sep.p = NULL;
    e[0].sep.len = 0;
    set_ent(&e[1], c[1]);
    e[1].sep = sep;
    return vcow__bt_inner_build(o, e, 2, c[0]->height + 1);
}

struct tnode *vcow__bt_tree_join(struct op *o, struct tnode *l, struct tnode *r)
{
    if (o->failed)
        return NULL;
    if (l == NULL)
        return r;
    if (r == NULL)
        return l;
    struct tnode *c[2];
    struct kref sep, rmin = vcow__bt_tn_minkey(r);
    int made;
    if (l->height == r->height) {
        if (tn_n(l) >= tn_min(l) && tn_n(r) >= tn_min(r)) {
            c[0] = l;
            c[1] = r;
            return new_root(o, c, 2, rmin);
        }
        made = vcow__bt_pair_combine(o, l, r, rmin, c, &sep);
    } else if (l->height > r->height) {
        made = join_right(o, l, r, rmin, c, &sep);
    } else {
        made = join_left(o, l, r, rmin, c, &sep);
    }
    return new_root(o, c, made, sep);
}

/* The child of x holding rank *r; *r becomes the rank inside it. */
static unsigned route_rank(const struct tnode *x, uint64_t *r)
{
    const uint64_t *cnt = in_cnt(x);
    unsigned j = 0;
    while (*r >= cnt[j]) {
        *r -= cnt[j];
        j++;
    }
    return j;
}

/* A leaf keeping entries [0, a) and [b, n); dropped blobs retired. */
static struct tnode *leaf_cut(struct op *o, struct tnode *x, unsigned a, unsigned b)
{
    struct lent e[TREE_LB];
    unsigned n = tn_n(x), m = 0;
    for (unsigned i = 0; i < n; i++) {
        vcow__bt_leaf_get_ent(x, i, &e[m]);
        if (i >= a && i < b)
            vcow__bt_op_retire_val(o, &e[m]);
        else
            m++;
    }
    vcow__bt_op_retire(o, &x->hdr);
    return m == 0 ? NULL : vcow__bt_leaf_build(o, e, m);
}

static void drop_children(struct op *o, const struct tnode *x, unsigned from, unsigned to)
{
    for (unsigned i = from; i < to; i++)
        vcow__bt_op_retire_tree(o, &in_child(x)[i]->hdr);
}

/* The entries of x with rank < r. */
static struct tnode *split_lt(struct op *o, struct tnode *x, uint64_t r)
{
    if (r >= x->total)
        return x;
    if (r == 0) {
        vcow__bt_op_retire_tree(o, &x->hdr);
        return NULL;
    }
    if (tn_leaf(x))
        return leaf_cut(o, x, (unsigned)r, tn_n(x));
    unsigned ci = route_rank(x, &r);
    drop_children(o, x, ci + 1, tn_n(x));
    struct tnode *sub = split_lt(o, in_child(x)[ci], r);
    struct tnode *left = node_of(o, x, 0, ci);
    vcow__bt_op_retire(o, &x->hdr);
    return vcow__bt_tree_join(o, left, sub);
}

/* The entries of x with rank >= r. */
static struct tnode *split_ge(struct op *o, struct tnode *x, uint64_t r)
{
    if (r == 0)
        return x;
    if (r >= x->total) {
        vcow__bt_op_retire_tree(o, &x->hdr);
        return NULL;
    }
    if (tn_leaf(x))
        return leaf_cut(o, x, 0, (unsigned)r);
    unsigned ci = route_rank(x, &r);
    drop_children(o, x, 0, ci);
    struct tnode *sub = split_ge(o, in_child(x)[ci], r);
    struct tnode *right = node_of(o, x, ci + 1, tn_n(x));
    vcow__bt_op_retire(o, &x->hdr);
    return vcow__bt_tree_join(o, sub, right);
}

/* Inner x with child ci replaced by c (same height, root-valid): the
 * delete path's rebuild, combining c with a neighbour if underfull. */
static struct tnode *replace_child(struct op *o, struct tnode *x, unsigned ci, struct tnode *c)
{
    unsigned n = tn_n(x), m = n;
    struct ient e[TREE_B];
    for (unsigned j = 0; j < n; j++)
        vcow__bt_inner_get_ent(x, j, &e[j]);
    set_ent(&e[ci], c);
    if (tn_n(c) < tn_min(c) && n > 1) {
        unsigned l = ci > 0 ? ci - 1 : ci;
        struct tnode *out[2];
        struct kref osep;
        int made = vcow__bt_pair_combine(o, (struct tnode *)e[l].child,
                                         (struct tnode *)e[l + 1].child, e[l + 1].sep, out, &osep);
        if (made == 0)
            return NULL;
        set_ent(&e[l], out[0]);
        if (made == 2) {
            set_ent(&e[l + 1], out[1]);
            e[l + 1].sep = osep;
        } else {
            memmove(&e[l + 1], &e[l + 2], (n - l - 2) * sizeof(e[0]));
            m--;
        }
    }
    vcow__bt_op_retire(o, &x->hdr);
    struct tnode *y = vcow__bt_inner_build(o, e, m, x->height);
    if (y != NULL && m == 1) {
        vcow__bt_op_retire(o, &y->hdr); /* a single child stands for itself */
        y = in_child(y)[0];
    }
    return y;
}

/* x without the entries of rank [a, b), 0 <= a < b <= total. */
static struct tnode *del_ranks(struct op *o, struct tnode *x, uint64_t a, uint64_t b)
{
    if (o->failed)
        return NULL;
    if (a == 0)
        return split_ge(o, x, b);
    if (b >= x->total)
        return split_lt(o, x, a);
    if (tn_leaf(x))
        return leaf_cut(o, x, (unsigned)a, (unsigned)b);
    uint64_t ra = a, rb = b - 1;
    unsigned i = route_rank(x, &ra), j = route_rank(x, &rb);
    if (i == j) {
        struct tnode *c = in_child(x)[i];
        struct tnode *sub = del_ranks(o, c, ra, ra + (b - a));
        if (o->failed)
            return NULL;
        if (sub != NULL && sub->height == c->height)
            return replace_child(o, x, i, sub);
        struct tnode *left = node_of(o, x, 0, i), *right = node_of(o, x, i + 1, tn_n(x));
        vcow__bt_op_retire(o, &x->hdr);
        return vcow__bt_tree_join(o, vcow__bt_tree_join(o, left, sub), right);
    }
    drop_children(o, x, i + 1, j);
    struct tnode *li = split_lt(o, in_child(x)[i], ra);
    struct tnode *rj = split_ge(o, in_child(x)[j], rb + 1);
    struct tnode *left = node_of(o, x, 0, i), *right = node_of(o, x, j + 1, tn_n(x));
    vcow__bt_op_retire(o, &x->hdr);
    struct tnode *l = vcow__bt_tree_join(o, left, li);
    struct tnode *r = vcow__bt_tree_join(o, rj, right);
    return vcow__bt_tree_join(o, l, r);
}

#define RANGE_CAP 4096

int vcow_tree_del_range(vcow_txn *t, const void *lo, size_t lolen, const void *hi, size_t hilen,
                        unsigned flags, uint64_t *deleted)
{
    int rc = vcow_txn_writable(t, VCOW_KIND_TREE);
    if (rc != VCOW_OK)
        return rc;
    struct tnode *root = (struct tnode *)vcow_txn_root(t);
    uint64_t from, to;
    struct kord ord = bt_ord(vcow_txn_opts(t));
    rc = vcow__bt_root_bounds(&ord, root, lo, lolen, hi, hilen,
                              flags & ~(unsigned)VCOW_TREE_REVERSE, &from, &to);
    if (rc != VCOW_OK)
        return rc;
    if (deleted != NULL)
        *deleted = 0;
    if (from == to)
        return VCOW_OK;
    size_t bytes = 3 * RANGE_CAP * sizeof(struct vcow_node *);
    struct vcow_node **buf = vcow_node_alloc(NULL, VCOW_MEM_META, bytes);
    if (buf == NULL)
        return VCOW_ENOMEM;
    struct op o;
    vcow__bt_op_init(&o, t, buf, RANGE_CAP);
    struct tnode *nr = del_ranks(&o, root, from, to);
    rc = o.failed ? vcow__bt_op_abort(&o) : vcow__bt_op_finish(&o, nr);
    vcow_node_free(NULL, VCOW_MEM_META, buf, bytes);
    if (rc == VCOW_OK && deleted != NULL)
        *deleted = to - from;
    return rc;
}
