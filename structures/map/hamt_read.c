/*
 * structures/map/hamt_read.c - reads: get, len, iteration, equality, diff.
 *
 * Order: a node's inline entries in fragment order, then its children in
 * fragment order (CHAMP's data-first layout makes this a linear scan).
 * Since the shape is canonical (hamt_node.h) equal maps have equal shapes,
 * so equality and diff walk both maps side by side and skip every pair of
 * pointer-equal subtrees. Recursion depth is bounded by HAMT_COLL_DEPTH
 * per map (nested maps recurse only through vcow__hamt_val_equal).
 */
#include "hamt_path.h"

static const struct hnode *version_map(const vcow_version *v)
{
    return (const struct hnode *)vcow_version_root(v);
}

static bool is_hamt(const vcow_version *v)
{
    return v != NULL && vcow_version_kind(v) == VCOW_KIND_MAP;
}

int vcow_map_getn(const vcow_version *v, const void *key, size_t klen, vcow_val *out)
{
    if (!is_hamt(v) || key_check(key, klen) != VCOW_OK)
        return VCOW_EINVAL;
    struct hkey k = make_key(key, klen);
    /* A txn's view records the key in its read set (runtime/cond.c). */
    const struct hent *e = map_find((const struct hnode *)vcow__version_root_read(v, k.hash), &k);
    if (e == NULL)
        return VCOW_ENOENT;
    if (out != NULL)
        *out = ent_val(e);
    return VCOW_OK;
}

int vcow_map_containsn(const vcow_version *v, const void *key, size_t klen, bool *out)
{
    if (out == NULL)
        return VCOW_EINVAL;
    int rc = vcow_map_getn(v, key, klen, NULL);
    *out = rc == VCOW_OK;
    return rc == VCOW_ENOENT ? VCOW_OK : rc;
}

int vcow_map_len(const vcow_version *v, uint64_t *out)
{
    if (!is_hamt(v) || out == NULL)
        return VCOW_EINVAL;
    *out = map_count(version_map(v));
    return VCOW_OK;
}

/* ---- iteration ---- */

static vcow_slice ent_slice(const struct hent *e)
{
    vcow_slice s;
    s.ptr = ent_key(e, &s.len);
    return s;
}

static int iter_node(const struct hnode *n, vcow_visit_fn *fn, void *ctx)
{
    unsigned nd = n_data(n), nn = n_nodes(n);
    const struct hslot *ch = slots(n);
    /* Children are visited after the entries: start their loads now, so
     * the walk is not one dependent cache miss per node. */
    for (unsigned i = 0; i < nn; i++)
        __builtin_prefetch(ch[i].node);
    for (unsigned i = 0; i < nd; i++) {
        vcow_val x = ent_val(&n->ent[i]);
        int rc = fn(ent_slice(&n->ent[i]), &x, ctx);
        if (rc != 0)
            return rc;
    }
    for (unsigned i = 0; i < nn; i++) {
        int rc = iter_node(ch[i].node, fn, ctx);
        if (rc != 0)
            return rc;
    }
    return VCOW_OK;
}

int vcow__hamt_iter_root(const struct hnode *root, vcow_visit_fn *fn, void *ctx)
{
    return root == NULL ? VCOW_OK : iter_node(root, fn, ctx);
}

int vcow_map_iter(const vcow_version *v, vcow_visit_fn *fn, void *ctx)
{
    if (!is_hamt(v) || fn == NULL)
        return VCOW_EINVAL;
    struct hcont c = version_cont(v); /* a view of an array: index order */
    return vcow__hamt_iter_cont(&c, fn, ctx);
}

/* ---- equality ---- */

bool vcow__hamt_val_equal(const struct hpair *vp, const struct hent *a, const struct hent *b)
{
    if (ent_type(a) != ent_type(b))
        return false;
    vcow_val x = ent_val(a), y = ent_val(b);
    switch (x.type) {
    case VCOW_T_BYTES:
        return x.u.bytes.len == y.u.bytes.len &&
               (x.u.bytes.len == 0 || memcmp(x.u.bytes.ptr, y.u.bytes.ptr, x.u.bytes.len) == 0);
    case VCOW_T_I64:
        return x.u.i64 == y.u.i64;
    case VCOW_T_F64:
        return memcmp(&x.u.f64, &y.u.f64, sizeof(double)) == 0;
    case VCOW_T_BOOL:
        return x.u.b == y.u.b;
    case VCOW_T_MAP:
    case VCOW_T_ARRAY:
        return vcow__hamt_map_equal(vp, a->root, b->root);
    case VCOW_T_TREE:
    case VCOW_T_ROPE: {
        if (a->nested == b->nested)
            return true;
        const struct vcow_kind_ops *ops = vcow_cell_kind_ops(vcow_nested_kind(x.type));
        return ops != NULL && ops->equal != NULL && ops->equal(vp->a, a->nested, vp->b, b->nested);
    }
    default:
        return true;
    }
}

static bool ent_equal(const struct hpair *vp, const struct hent *a, const struct hent *b)
{
    vcow_slice ka = ent_slice(a), kb = ent_slice(b);
    return ka.len == kb.len && memcmp(ka.ptr, kb.ptr, ka.len) == 0 &&
           vcow__hamt_val_equal(vp, a, b);
}

bool vcow__hamt_map_equal(const struct hpair *vp, const struct hnode *a, const struct hnode *b)
{
    if (a == b)
        return true;
    if (a == NULL || b == NULL)
        return false;
    if (a->hdr.type != b->hdr.type || a->count != b->count || a->datamap != b->datamap ||
        a->nodemap != b->nodemap)
        return false;
    unsigned nd = n_data(a), nn = n_nodes(a);
    for (unsigned i = 0; i < nd; i++)
        if (!ent_equal(vp, &a->ent[i], &b->ent[i]))
            return false;
    const struct hslot *ca = slots(a), *cb = slots(b);
    for (unsigned i = 0; i < nn; i++)
        if (!vcow__hamt_map_equal(vp, ca[i].node, cb[i].node))
            return false;
    return true;
}

int vcow_map_equal(const vcow_version *a, const vcow_version *b, bool *eq)
{
    if (!is_hamt(a) || !is_hamt(b) || eq == NULL)
        return VCOW_EINVAL;
    struct hpair vp = {a, b};
    *eq = vcow__hamt_map_equal(&vp, version_map(a), version_map(b));
    return VCOW_OK;
}

/* ---- diff ---- */

struct diff {
    vcow_diff_fn *fn;
    void *ctx;
    const struct hpair *vp;
};

/* Report one differing key: before / after is the entry on that side, or
 * NULL where the key is absent. */
static int emit(struct diff *df, vcow_slice k, const struct hent *before, const struct hent *after)
{
    vcow_val x = {0}, y = {0};
    if (before != NULL)
        x = ent_val(before);
    if (after != NULL)
        y = ent_val(after);
    return df->fn(k, before != NULL ? &x : NULL, after != NULL ? &y : NULL, df->ctx);
}

/* Every entry of a subtree as added (side 1) or removed (side 0), except
 * the one keyed like `skip` (if any), which is compared with it instead. */
static int diff_all(struct diff *df, const struct hnode *n, int added, const struct hent *skip,
                    bool *skip_found)
{
    unsigned nd = n_data(n), nn = n_nodes(n);
    for (unsigned i = 0; i < nd; i++) {
        const struct hent *e = &n->ent[i];
        int rc = 0;
        vcow_slice ks = ent_slice(e);
        if (skip != NULL && !*skip_found) {
            vcow_slice ss = ent_slice(skip);
            if (ss.len == ks.len && memcmp(ss.ptr, ks.ptr, ks.len) == 0) {
                *skip_found = true;
                if (!vcow__hamt_val_equal(df->vp, skip, e))
                    rc = added ? emit(df, ks, skip, e) : emit(df, ks, e, skip);
                if (rc != 0)
                    return rc;
                continue;
            }
        }
        rc = added ? emit(df, ks, NULL, e) : emit(df, ks, e, NULL);
        if (rc != 0)
            return rc;
    }
    const struct hslot *ch = slots(n);
    for (unsigned i = 0; i < nn; i++) {
        int rc = diff_all(df, ch[i].node, added, skip, skip_found);
        if (rc != 0)
            return rc;
    }
    return VCOW_OK;
}

/* An entry of one side against a subtree of the other. */
static int diff_ent_tree(struct diff *df, const struct hent *e, const struct hnode *n, int e_is_a)
{
    bool found = false;
    int rc = diff_all(df, n, e_is_a, e, &found);
    if (rc != 0 || found)
        return rc;
    return e_is_a ? emit(df, ent_slice(e), e, NULL) : emit(df, ent_slice(e), NULL, e);
}

static int diff_ent_ent(struct diff *df, const struct hent *a, const struct hent *b)
{
    vcow_slice ka = ent_slice(a), kb = ent_slice(b);
    if (ka.len == kb.len && memcmp(ka.ptr, kb.ptr, ka.len) == 0)
        return vcow__hamt_val_equal(df->vp, a, b) ? 0 : emit(df, ka, a, b);
    int rc = emit(df, ka, a, NULL);
    return rc != 0 ? rc : emit(df, kb, NULL, b);
}

static int diff_coll(struct diff *df, const struct hnode *a, const struct hnode *b)
{
    /* Both sorted by key: merge. */
    unsigned i = 0, j = 0;
    while (i < a->datamap || j < b->datamap) {
        int c;
        if (i == a->datamap)
            c = 1;
        else if (j == b->datamap)
            c = -1;
        else {
            vcow_slice ka = ent_slice(&a->ent[i]), kb = ent_slice(&b->ent[j]);
            c = key_cmp(ka.ptr, ka.len, kb.ptr, kb.len);
        }
        int rc;
        if (c < 0) {
            rc = emit(df, ent_slice(&a->ent[i]), &a->ent[i], NULL);
            i++;
        } else if (c > 0) {
            rc = emit(df, ent_slice(&b->ent[j]), NULL, &b->ent[j]);
            j++;
        } else {
            rc = diff_ent_ent(df, &a->ent[i], &b->ent[j]);
            i++;
            j++;
        }
        if (rc != 0)
            return rc;
    }
    return VCOW_OK;
}

static int diff_node(struct diff *df, const struct hnode *a, const struct hnode *b)
{
    if (a == b)
        return VCOW_OK;
    if (a->hdr.type == HN_COLL || b->hdr.type == HN_COLL)
        return diff_coll(df, a, b); /* both are: collisions live at one depth */
    uint32_t all = a->datamap | a->nodemap | b->datamap | b->nodemap;
    const struct hslot *ca = slots(a), *cb = slots(b);
    while (all != 0) {
        uint32_t bit = all & (0u - all);
        all &= all - 1;
        const struct hent *ea = a->datamap & bit ? &a->ent[bindex(a->datamap, bit)] : NULL;
        const struct hent *eb = b->datamap & bit ? &b->ent[bindex(b->datamap, bit)] : NULL;
        const struct hnode *na = a->nodemap & bit ? ca[bindex(a->nodemap, bit)].node : NULL;
        const struct hnode *nb = b->nodemap & bit ? cb[bindex(b->nodemap, bit)].node : NULL;
        bool dummy = false;
        int rc = 0;
        if (ea && eb)
            rc = diff_ent_ent(df, ea, eb);
        else if (ea && nb)
            rc = diff_ent_tree(df, ea, nb, 1);
        else if (na && eb)
            rc = diff_ent_tree(df, eb, na, 0);
        else if (na && nb)
            rc = diff_node(df, na, nb);
        else if (ea)
            rc = emit(df, ent_slice(ea), ea, NULL);
        else if (eb)
            rc = emit(df, ent_slice(eb), NULL, eb);
        else if (na)
            rc = diff_all(df, na, 0, NULL, &dummy);
        else
            rc = diff_all(df, nb, 1, NULL, &dummy);
        if (rc != 0)
            return rc;
    }
    return VCOW_OK;
}

int vcow_map_diff(const vcow_version *a, const vcow_version *b, vcow_diff_fn *fn, void *ctx)
{
    if (!is_hamt(a) || !is_hamt(b) || fn == NULL)
        return VCOW_EINVAL;
    struct hpair vp = {a, b};
    return vcow__hamt_diff_roots(&vp, version_map(a), version_map(b), fn, ctx);
}

int vcow__hamt_diff_roots(const struct hpair *vp, const struct hnode *ra, const struct hnode *rb,
                          vcow_diff_fn *fn, void *ctx)
{
    struct diff df = {fn, ctx, vp};
    bool dummy = false;
    if (ra == rb)
        return VCOW_OK;
    if (ra == NULL)
        return diff_all(&df, rb, 1, NULL, &dummy);
    if (rb == NULL)
        return diff_all(&df, ra, 0, NULL, &dummy);
    return diff_node(&df, ra, rb);
}
