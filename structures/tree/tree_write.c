/*
 * structures/tree/tree_write.c - set and del: the classic B+tree insert (split
 * on overflow) and delete (borrow or merge on underflow), done by path
 * copying: each level on the path is rebuilt into a new node and the old
 * one retired (see struct op in tree_int.h for the all-or-nothing protocol).
 *
 *   insert, leaf full:        [a b c d e] + x  ->  [a b c] [d e x]
 *                             parent gains (sep, right); splits upward;
 *                             a root split adds a level.
 *   delete, child underfull:  [p q] with child c < tn_min(c) entries:
 *                             combine c with a neighbour: one node when
 *                             they fit, else two balanced halves
 *                             (vcow__bt_pair_combine); a root with one child is
 *                             replaced by that child.
 */
#include "tree_int.h"

#define OP_CAP (6 * TREE_MAX_DEPTH + 8)

/* The result of changing a subtree: one node, or two after a split. */
struct res {
    struct tnode *a, *b;
    struct kref sep; /* between a and b */
};

static uint64_t total_of(const struct tnode *x)
{
    return x->total;
}

/* Bytes a value takes inline in its leaf: inline bytes and their NUL (so
 * the empty value takes one), nothing for a scalar or a blob. An overwrite
 * patches the leaf only when the two agree; an empty value replacing a
 * scalar must not, having no byte for its NUL. */
static uint32_t inline_len(const struct lslot *s)
{
    return s->vtype == VCOW_T_BYTES && !s->vblob ? s->vlen + 1 : 0;
}

static uint32_t lent_inline_len(const struct lent *e)
{
    return e->vtype == VCOW_T_BYTES && !e->vblob ? e->vlen + 1 : 0;
}

static void patch_val(struct op *o, struct tnode *y, unsigned i, const struct lent *ne);

/* Copy of leaf x with entry i's value replaced by one of the same inline
 * size: a memcpy and a patch instead of a rebuild (the common overwrite). */
static bool overwrite(struct op *o, struct tnode *x, unsigned i, const struct lent *ne,
                      struct res *r)
{
    struct tnode *y = vcow__bt_tn_clone(o, x);
    r->a = y;
    r->b = NULL;
    if (y == NULL)
        return false;
    vcow__bt_op_retire(o, &x->hdr);
    patch_val(o, y, i, ne);
    return true;
}

/* Replace entry i's value in leaf y (owned) by one of the same inline size
 * (so the NUL after an inline value stays where it is). */
static void patch_val(struct op *o, struct tnode *y, unsigned i, const struct lent *ne)
{
    struct lent old;
    vcow__bt_leaf_get_ent(y, i, &old);
    vcow__bt_op_retire_val(o, &old);
    struct lslot *s = &leaf_slots(y)[i];
    uint64_t off = old.vtype == VCOW_T_BYTES && !old.vblob ? s->v : s->koff;
    s->vtype = ne->vtype;
    s->vblob = ne->vblob;
    s->vlen = ne->vlen;
    s->v = ne->v;
    if (ne->vtype == VCOW_T_BYTES && !ne->vblob) {
        s->v = off;
        if (ne->vlen)
            memcpy((uint8_t *)y + off, ne->vbytes, ne->vlen);
    }
}

/* Copy of inner x with child ci replaced by c (same key range). */
static struct tnode *repoint(struct op *o, struct tnode *x, unsigned ci, struct tnode *c)
{
    struct tnode *y = vcow__bt_tn_clone(o, x);
    if (y == NULL)
        return NULL;
    vcow__bt_op_retire(o, &x->hdr);
    uint64_t *cnt = in_cnt(y);
    y->total = y->total - cnt[ci] + c->total;
    cnt[ci] = c->total;
    in_child(y)[ci] = c;
    return y;
}

static bool ins(struct op *o, struct tnode *x, const struct lent *ne, struct res *r)
{
    struct lent e[TREE_LB + 1];
    unsigned n = tn_n(x);
    if (tn_leaf(x)) {
        bool eq;
        unsigned i = bt_leaf_search(&o->ord, x, ne->k.p, ne->k.len, &eq);
        if (eq && inline_len(&leaf_slots(x)[i]) == lent_inline_len(ne)) {
            if (vcow_txn_owns(o->t, &x->hdr)) {
                /* Ours and unpublished (so is the path above it): patch in
                 * place. The old value's blob needs a retire slot: reserve
                 * it first, so that nothing after the patch can fail. */
                const struct lslot *os = &leaf_slots(x)[i];
                if (os->vblob && vcow_txn_reserve(o->t, 1) != VCOW_OK) {
                    o->failed = true;
                    return false;
                }
                r->a = x;
                r->b = NULL;
                patch_val(o, x, i, ne);
                return true;
            }
            return overwrite(o, x, i, ne, r);
        }
        unsigned m = 0;
        for (unsigned j = 0; j < i; j++)
            vcow__bt_leaf_get_ent(x, j, &e[m++]);
        e[m] = *ne;
        if (eq) {
            /* The stored key stays: under a comparator ne's bytes may
             * differ from it (an equal key), and the overwrite path above
             * keeps it too. */
            struct lent old;
            vcow__bt_leaf_get_ent(x, i, &old);
            vcow__bt_op_retire_val(o, &old);
            e[m].k = old.k;
            i++;
        }
        m++;
        for (unsigned j = i; j < n; j++)
            vcow__bt_leaf_get_ent(x, j, &e[m++]);
        vcow__bt_op_retire(o, &x->hdr);
        if (m <= TREE_LB) {
            r->a = vcow__bt_leaf_build(o, e, m);
            r->b = NULL;
            return r->a != NULL;
        }
        unsigned h = m / 2;
        r->a = vcow__bt_leaf_build(o, e, h);
        r->b = vcow__bt_leaf_build(o, e + h, m - h);
        if (r->a == NULL || r->b == NULL)
            return false;
        r->sep = vcow__bt_short_sep(&o->ord, e[h - 1].k, leaf_key(r->b, 0));
        return true;
    }
    unsigned ci = bt_inner_route(&o->ord, x, ne->k.p, ne->k.len);
    struct res sub;
    if (!ins(o, in_child(x)[ci], ne, &sub))
        return false;
    if (sub.b == NULL && sub.a == in_child(x)[ci] && sub.a->total == in_cnt(x)[ci]) {
        r->a = x; /* changed in place below: nothing to do here */
        r->b = NULL;
        return true;
    }
    if (sub.b == NULL) {
        r->a = repoint(o, x, ci, sub.a);
        r->b = NULL;
        return r->a != NULL;
    }
    struct ient ie[TREE_B + 1];
    unsigned m = 0;
    for (unsigned j = 0; j < n; j++) {
        vcow__bt_inner_get_ent(x, j, &ie[m]);
        if (j == ci) {
            ie[m].child = &sub.a->hdr;
            ie[m].cnt = total_of(sub.a);
            if (sub.b != NULL) {
                m++;
                ie[m].child = &sub.b->hdr;
                ie[m].cnt = total_of(sub.b);
                ie[m].sep = sub.sep;
            }
        }
        m++;
    }
    vcow__bt_op_retire(o, &x->hdr);
    if (m <= TREE_B) {
        r->a = vcow__bt_inner_build(o, ie, m, x->height);
        r->b = NULL;
        return r->a != NULL;
    }
    unsigned h = m / 2;
    r->a = vcow__bt_inner_build(o, ie, h, x->height);
    r->b = vcow__bt_inner_build(o, ie + h, m - h, x->height);
    r->sep = ie[h].sep;
    return r->a != NULL && r->b != NULL;
}

int vcow_tree_setn(vcow_txn *t, const void *key, size_t klen, vcow_val val)
{
    int rc = vcow_txn_writable(t, VCOW_KIND_TREE);
    if (rc != VCOW_OK)
        return rc;
    if (vcow__bt_check_key(key, klen) != VCOW_OK || vcow__val_check(&val, false) != VCOW_OK)
        return VCOW_EINVAL;
    struct vcow_node *buf[3 * OP_CAP];
    struct op o;
    vcow__bt_op_init(&o, t, buf, OP_CAP);
    struct lent ne;
    if (vcow__bt_make_lent(&o, key, klen, &val, &ne) != VCOW_OK)
        return vcow__bt_op_abort(&o);
    struct tnode *root = (struct tnode *)vcow_txn_root(t), *nr;
    if (root == NULL) {
        nr = vcow__bt_leaf_build(&o, &ne, 1);
    } else {
        struct res r;
        if (!ins(&o, root, &ne, &r))
            return vcow__bt_op_abort(&o);
        nr = r.a;
        if (r.b != NULL) {
            struct ient ie[2] = {{&r.a->hdr, r.a->total, {NULL, 0}},
                                 {&r.b->hdr, r.b->total, r.sep}};
            nr = vcow__bt_inner_build(&o, ie, 2, r.a->height + 1);
        }
    }
    if (nr == NULL)
        return vcow__bt_op_abort(&o);
    return vcow__bt_op_finish(&o, nr);
}

/* Remove key (known present) from subtree x; the result may be underfull. */
static struct tnode *del(struct op *o, struct tnode *x, const void *key, size_t klen)
{
    unsigned n = tn_n(x);
    if (tn_leaf(x)) {
        struct lent e[TREE_LB];
        bool eq;
        unsigned i = bt_leaf_search(&o->ord, x, key, klen, &eq), m = 0;
        for (unsigned j = 0; j < n; j++) {
            vcow__bt_leaf_get_ent(x, j, &e[m]);
            if (j == i)
                vcow__bt_op_retire_val(o, &e[m]);
            else
                m++;
        }
        vcow__bt_op_retire(o, &x->hdr);
        return vcow__bt_leaf_build(o, e, m);
    }
    unsigned ci = bt_inner_route(&o->ord, x, key, klen);
    struct tnode *c = del(o, in_child(x)[ci], key, klen);
    if (c == NULL)
        return NULL;
    if (tn_n(c) >= tn_min(c) || n == 1)
        return repoint(o, x, ci, c);
    struct ient ie[TREE_B];
    for (unsigned j = 0; j < n; j++)
        vcow__bt_inner_get_ent(x, j, &ie[j]);
    ie[ci].child = &c->hdr;
    ie[ci].cnt = c->total;
    unsigned m = n;
    if (tn_n(c) < tn_min(c) && n > 1) {
        /* Combine with the left neighbour, or the right one for child 0. */
        unsigned l = ci > 0 ? ci - 1 : ci;
        struct tnode *out[2];
        struct kref osep;
        int made =
            vcow__bt_pair_combine(o, (struct tnode *)ie[l].child, (struct tnode *)ie[l + 1].child,
                                  ie[l + 1].sep, out, &osep);
        if (made == 0)
            return NULL;
        ie[l].child = &out[0]->hdr;
        ie[l].cnt = out[0]->total;
        if (made == 2) {
            ie[l + 1].child = &out[1]->hdr;
            ie[l + 1].cnt = out[1]->total;
            ie[l + 1].sep = osep;
        } else {
            memmove(&ie[l + 1], &ie[l + 2], (n - l - 2) * sizeof(ie[0]));
            m--;
        }
    }
    vcow__bt_op_retire(o, &x->hdr);
    return vcow__bt_inner_build(o, ie, m, x->height);
}

int vcow_tree_deln(vcow_txn *t, const void *key, size_t klen)
{
    int rc = vcow_txn_writable(t, VCOW_KIND_TREE);
    if (rc != VCOW_OK)
        return rc;
    if (vcow__bt_check_key(key, klen) != VCOW_OK)
        return VCOW_EINVAL;
    struct tnode *root = (struct tnode *)vcow_txn_root(t);
    struct vcow_node *buf[3 * OP_CAP];
    struct op o;
    vcow__bt_op_init(&o, t, buf, OP_CAP);
    vcow_val tmp;
    if (vcow__bt_root_get(&o.ord, root, key, klen, &tmp) != VCOW_OK)
        return VCOW_ENOENT; /* nothing to do: the txn is unchanged */
    struct tnode *nr = del(&o, root, key, klen);
    if (nr == NULL)
        return vcow__bt_op_abort(&o);
    /* Shrink: an empty leaf goes, an inner root with one child gives way. */
    if (tn_n(nr) == 0) {
        vcow__bt_op_retire(&o, &nr->hdr);
        nr = NULL;
    } else if (!tn_leaf(nr) && tn_n(nr) == 1) {
        vcow__bt_op_retire(&o, &nr->hdr);
        nr = in_child(nr)[0];
    }
    return vcow__bt_op_finish(&o, nr);
}

struct one_kv {
    const void *key;
    size_t klen;
    vcow_val val;
};

static int store_fn(vcow_txn *t, void *ctx)
{
    const struct one_kv *kv = ctx;
    return vcow_tree_setn(t, kv->key, kv->klen, kv->val);
}

static int erase_fn(vcow_txn *t, void *ctx)
{
    const struct one_kv *kv = ctx;
    return vcow_tree_deln(t, kv->key, kv->klen);
}

int vcow_tree_cell_setn(vcow_cell *c, const void *key, size_t klen, vcow_val val, uint64_t *seq)
{
    if (c == NULL || vcow_cell_kind(c) != VCOW_KIND_TREE)
        return VCOW_EINVAL;
    struct one_kv kv = {key, klen, val};
    return vcow_cell_update(c, store_fn, &kv, seq);
}

int vcow_tree_cell_deln(vcow_cell *c, const void *key, size_t klen, uint64_t *seq)
{
    if (c == NULL || vcow_cell_kind(c) != VCOW_KIND_TREE)
        return VCOW_EINVAL;
    struct one_kv kv = {key, klen, vcow_val_i64(0)};
    return vcow_cell_update(c, erase_fn, &kv, seq);
}
