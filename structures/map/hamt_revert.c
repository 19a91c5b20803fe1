/*
 * structures/map/hamt_revert.c - the map's revert hook (runtime/revert.c):
 * make a txn's map, which holds what version `from` holds, hold what
 * version `to` holds, by applying the diff from -> to.
 *
 * The rule (the reclamation invariant, runtime/reclaim.c): a node that a
 * version since `to` retired may be freed once no version before its
 * retirement lives, so the new head must reach none of `to`'s nodes
 * except those its base reaches too. Hence:
 *   - a scalar or bytes value of `to` is written with the map's set, which
 *     copies the bytes (inline or into a new blob): `to`'s blob is never
 *     linked;
 *   - a nested structure of `to` is never linked either: where the base
 *     holds a structure of the same type at the key, the txn owns the
 *     entry and the nested diff is applied into it, recursively (maps and
 *     arrays here, trees and ropes by their kinds' hooks through an
 *     entered txn); elsewhere an empty structure of the type is stored and
 *     filled the same way, from nothing.
 * Subtrees the base and `to` share are skipped by the diff (pointer
 * equality), and the base's are kept: they are the head's own nodes.
 *
 * Arrays are maps keyed "0".."n-1": the raw map set and delete bring the
 * keys to exactly `to`'s; the array is not dense in between, only after
 * the whole diff is applied, which is what a commit publishes.
 */
#include "hamt_path.h"

struct rv {
    vcow_txn *t;
    struct hnode **slot; /* the map being written: the txn's root or an owned entry's */
    struct hpair vp;     /* from, to: nested trees and ropes are read through views */
};

static int rv_key(vcow_slice key, const vcow_val *x, const vcow_val *y, void *ctx);

/* Fill the nested structure in the owned entry e (of type y->type) with
 * y's content; it holds x's (x NULL: it is empty). */
static int rv_nested(struct rv *r, struct hent *e, const vcow_val *x, const vcow_val *y)
{
    if (type_is_hamt(y->type)) {
        struct rv sub = {r->t, (struct hnode **)(void *)&e->nested, r->vp};
        return vcow__hamt_diff_roots(&r->vp, x != NULL ? x->u.root : NULL, y->u.root, rv_key, &sub);
    }
    enum vcow_kind kind = vcow_nested_kind(y->type);
    const struct vcow_kind_ops *ops = vcow_cell_kind_ops(kind);
    if (ops == NULL || ops->revert == NULL)
        return VCOW_EINVAL;
    if (vcow_txn_nest_full(r->t))
        return VCOW_ERANGE;
    vcow_view wx, wy;
    const vcow_version *vx = x != NULL ? vcow_view_of(&wx, r->vp.a, *x) : NULL;
    const vcow_version *vy = vcow_view_of(&wy, r->vp.b, *y);
    vcow_txn_enter(r->t, &e->nested, kind);
    int rc = ops->revert(r->t, vx, vy);
    int lrc = vcow_txn_leave(r->t);
    return rc != VCOW_OK ? rc : lrc;
}

/* One key whose entry differs: x is the base's value (NULL: absent), y
 * `to`'s (NULL: absent). */
static int rv_key(vcow_slice key, const vcow_val *x, const vcow_val *y, void *ctx)
{
    struct rv *r = ctx;
    struct hkey k = make_key(key.ptr, key.len);
    if (y == NULL)
        return vcow__hamt_map_del(r->t, r->slot, &k);
    if (vcow_nested_kind(y->type) == 0)
        return vcow__hamt_map_set(r->t, r->slot, &k, *y); /* copies the bytes */
    bool same = x != NULL && x->type == y->type;
    int rc;
    if (!same || y->u.root == NULL) {
        /* A new empty structure (an emptied one: its old subtree leaves
         * whole, as vcow_map_set of an empty value does). */
        vcow_val empty = {y->type, {.root = NULL}};
        rc = vcow__hamt_map_set(r->t, r->slot, &k, empty);
        if (rc != VCOW_OK || y->u.root == NULL)
            return rc;
        x = NULL;
    } else if (x->u.root == NULL) {
        x = NULL;
    }
    struct hent *e = vcow__hamt_own_path(r->t, r->slot, &k, &rc);
    if (e == NULL)
        return rc;
    return rv_nested(r, e, x, y);
}

int vcow__hamt_revert(vcow_txn *t, const vcow_version *from, const vcow_version *to)
{
    struct hnode *root = (struct hnode *)vcow_txn_root(t);
    struct rv r = {t, &root, {from, to}};
    const struct hnode *ra = from != NULL ? (const struct hnode *)vcow_version_root(from) : NULL;
    int rc =
        vcow__hamt_diff_roots(&r.vp, ra, (const struct hnode *)vcow_version_root(to), rv_key, &r);
    /* Even on failure the root may have been copied. */
    vcow_txn_set_root(t, root == NULL ? NULL : &root->hdr);
    return rc;
}
