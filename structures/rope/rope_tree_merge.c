/*
 * structures/rope/rope_tree_merge.c - the merge policy and root collapse:
 * what keeps a tree of small edits from filling with tiny chunks and
 * single-child roots.
 */
#include <string.h>

#include "rope_tree.h"

/* Replace a root that has one child by the child (repeatedly). */
void vcow__rope_collapse_root(const struct rope_sink *s)
{
    vcow_txn *t = s->t;
    struct vcow_node *r = vcow_txn_root(t);
    while (r != NULL && !rope_is_leaf(r) && INNER(r)->n == 1 && vcow_txn_owns(t, r)) {
        struct vcow_node *k = INNER(r)->kid[0];
        vcow__rope_sink_node(s, r); /* ours: freed now, no slot */
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
void vcow__rope_merge_small(const struct rope_sink *s, uint64_t pos)
{
    vcow_txn *t = s->t;
    struct vcow_node *root = vcow_txn_root(t);
    if (root == NULL || rope_is_leaf(root))
        return;
    struct rope_path path;
    vcow__rope_find_path(root, pos, true, &path);
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
        d = vcow__rope_leaf_alloc(t, rope_cap_grow(len));
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
        vcow__rope_sink_node(s, &a->hdr);
    vcow__rope_sink_node(s, &b->hdr);
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
    vcow__rope_collapse_root(s);
}
