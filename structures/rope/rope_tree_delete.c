/*
 * structures/rope/rope_tree_delete.c - deletes from the txn's tree, and
 * dropping whole subtrees.
 *
 * Delete of [a, b): one descent along the two boundary paths; children
 * wholly inside the range are cut off as whole subtrees (sent to the sink
 * as trees when published, freed now when ours), boundary leaves are
 * trimmed. Cost O(log m) plus the cut children, never the deleted text.
 * A delete inside one chunk that keeps some of it (the keystroke case) is
 * a path copy like an insert's. Both plan and allocate first (see
 * rope_tree_insert.c).
 */
#include <string.h>

#include "rope_tree.h"

static inline bool seam_at(bool left_cr, bool right_lf)
{
    return left_cr && right_lf;
}

struct del_plan {
    int n_inner, n_leaf;
    uint32_t caps[2];
    uint32_t retire;
};

/* Retire slots needed to drop a whole subtree: our own nodes are freed at
 * once (their published children retired as trees), a published subtree
 * takes one slot. */
uint32_t vcow__rope_tree_drop_slots(const vcow_txn *t, const struct vcow_node *n)
{
    if (!vcow_txn_owns(t, n))
        return 1;
    if (rope_is_leaf(n))
        return 0;
    uint32_t k = 0;
    for (uint32_t i = 0; i < CINNER(n)->n; i++)
        k += vcow__rope_tree_drop_slots(t, CINNER(n)->kid[i]);
    return k;
}

void vcow__rope_tree_drop(const struct rope_sink *s, struct vcow_node *n)
{
    if (!vcow_txn_owns(s->t, n)) {
        vcow__rope_sink_tree(s, n);
        return;
    }
    if (!rope_is_leaf(n))
        for (uint32_t i = 0; i < INNER(n)->n; i++)
            vcow__rope_tree_drop(s, INNER(n)->kid[i]);
    vcow__rope_sink_node(s, n); /* ours: freed now */
}

/* Plan deleting [a, b) from n, which keeps some of its text. */
static void del_count(const vcow_txn *t, const struct vcow_node *n, uint64_t a, uint64_t b,
                      struct del_plan *pl)
{
    bool owned = vcow_txn_owns(t, n);
    if (rope_is_leaf(n)) {
        if (!owned) {
            pl->caps[pl->n_leaf++] = rope_cap_exact(CLEAF(n)->len - (uint32_t)(b - a));
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
                pl->retire += vcow__rope_tree_drop_slots(t, in->kid[i]);
            else
                del_count(t, in->kid[i], x, y, pl);
        }
        cum += w;
    }
}

static struct vcow_node *del_apply(const struct rope_sink *s, struct rope_pool *p,
                                   struct vcow_node *n, uint64_t a, uint64_t b)
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
        if (vcow_txn_owns(s->t, n)) {
            memmove(l->b + x, l->b + y, len - y);
        } else {
            d = rope_pool_leaf(p);
            memcpy(d->b, l->b, x);
            memcpy(d->b + x, l->b + y, len - y);
            vcow__rope_sink_node(s, n);
        }
        d->len = len - (y - x);
        p->small |= d->len < ROPE_LEAF_MIN;
        d->cps = cps;
        d->u16 = u16;
        d->lines = lines;
        return &d->hdr;
    }
    struct rope_inner *in = vcow__rope_own_inner(s, p, INNER(n));
    uint64_t cum = 0;
    uint32_t keep = 0, n_kids = in->n;
    for (uint32_t i = 0; i < n_kids; i++) {
        uint64_t w = in->bytes[i];
        struct rope_entry e;
        vcow__rope_entry_get(in, i, &e);
        if (cum < b && cum + w > a) {
            uint64_t x = a > cum ? a - cum : 0, y = b < cum + w ? b - cum : w;
            if (x == 0 && y == w) {
                vcow__rope_tree_drop(s, e.kid);
                cum += w;
                continue;
            }
            vcow__rope_entry_of(del_apply(s, p, e.kid, x, y), &e);
        }
        vcow__rope_entry_put(in, keep++, &e);
        cum += w;
    }
    in->n = keep;
    return &in->hdr;
}

/* Delete bytes [a, b) (code point boundaries, a < b <= length). */
int vcow__rope_tree_cut(const struct rope_sink *s, uint64_t a, uint64_t b, bool merge)
{
    vcow_txn *t = s->t;
    struct vcow_node *root = vcow_txn_root(t);
    struct rope_sum sum;
    vcow__rope_tree_sum(root, &sum);
    if (a == 0 && b == sum.bytes) {
        if (vcow__rope_tree_drop_slots(t, root) > 0 &&
            vcow_txn_reserve(t, vcow__rope_tree_drop_slots(t, root)) != VCOW_OK)
            return VCOW_ENOMEM;
        vcow__rope_tree_drop(s, root);
        vcow_txn_set_root(t, NULL);
        return VCOW_OK;
    }
    struct del_plan pl = {0};
    del_count(t, root, a, b, &pl);
    struct rope_pool p;
    if (vcow__rope_pool_fill(t, &p, pl.n_inner, pl.caps, pl.n_leaf, pl.retire) != VCOW_OK)
        return VCOW_ENOMEM;
    vcow_txn_set_root(t, del_apply(s, &p, root, a, b));
    vcow__rope_collapse_root(s);
    if (merge && p.small)
        vcow__rope_merge_small(s, a);
    return VCOW_OK;
}

/* Delete bytes [a, b) inside the chunk path->leaf, which keeps some text:
 * the keystroke case, a path copy like insert_piece's. */
static int delete_in_leaf(const struct rope_sink *s, const struct rope_path *path, uint64_t a,
                          uint64_t b)
{
    vcow_txn *t = s->t;
    struct rope_leaf *l = path->leaf;
    uint32_t cap = 0, retire = 0;
    int n_leaf = 0, n_inner = 0;
    if (!vcow_txn_owns(t, &l->hdr)) {
        cap = rope_cap_exact(l->len - (uint32_t)(b - a));
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
    if (vcow__rope_pool_fill(t, &p, n_inner, &cap, n_leaf, retire) != VCOW_OK)
        return VCOW_ENOMEM;
    struct rope_sum was;
    vcow__rope_leaf_sum(l, &was);
    struct vcow_node *kid = del_apply(s, &p, &l->hdr, a - path->start, b - path->start);
    vcow__rope_path_update(s, &p, path, &was, kid, &kid);
    vcow_txn_set_root(t, kid);
    if (p.small)
        vcow__rope_merge_small(s, a);
    return VCOW_OK;
}

int vcow__rope_tree_delete(const struct rope_sink *s, uint64_t a, uint64_t b)
{
    struct rope_path path;
    vcow__rope_find_path(vcow_txn_root(s->t), a, true, &path);
    if (b - path.start < path.leaf->len)
        return delete_in_leaf(s, &path, a, b); /* keeps some of the chunk */
    return vcow__rope_tree_cut(s, a, b, true);
}

int vcow__rope_tree_delete_at(const struct rope_sink *s, enum vcow_rope_unit unit, uint64_t pos,
                              uint64_t len)
{
    struct vcow_node *root = vcow_txn_root(s->t);
    if (root == NULL)
        return pos == 0 && len == 0 ? VCOW_OK : VCOW_ERANGE;
    struct rope_path path;
    uint64_t a, b;
    int rc = vcow__rope_locate(root, unit, pos, &path, &a);
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
            return delete_in_leaf(s, &path, a, b);
    } else {
        rc = vcow__rope_tree_to_byte(root, unit, pos + len, &b);
        if (rc != VCOW_OK)
            return rc;
    }
    return a == b ? VCOW_OK : vcow__rope_tree_cut(s, a, b, true);
}
