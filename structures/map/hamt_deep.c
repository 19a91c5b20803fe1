/*
 * structures/map/hamt_deep.c - vcow_map_diff_deep: the diff of two
 * versions' leaves, each named by its escaped path.
 *
 * Leaves. The leaves of a value at path P are:
 *   - a scalar, bytes or a rope: the value itself, at P;
 *   - a non-empty map, array or tree: the leaves of each of its values, at
 *     P + "." + the value's key, escaped (hamt_escape.c);
 *   - an empty map, array or tree: the empty structure itself, at P (so a
 *     structure appearing or going empty is seen).
 * The deep diff reports every path that is a leaf on either side and whose
 * leaf differs, once: before NULL for a leaf only in b, after NULL for one
 * only in a. Containers are not leaves: a map and an array, or a map and a
 * tree, holding the same leaves do not differ here.
 *
 * Walk. Two maps or arrays (any pair: both are hamt roots) go through the
 * map diff (hamt_read.c), which skips the subtrees the two share and calls
 * back for each key whose entry differs; each is walked the same way one
 * level down. Two trees go through vcow_tree_diff on views of them; a tree
 * against a map or array is merged key by key. A structure against a leaf,
 * or against nothing, reports all its leaves one way.
 *
 * Recursion is one C frame chain per nesting level (as for equality), and
 * the path is one buffer that grows as the walk goes down: on the stack,
 * then on the heap (VCOW_ENOMEM if that fails).
 */
#include <vcow/tree.h>

#include "hamt_path.h"

struct deep {
    vcow_diff_fn *fn;
    void *ctx;
    struct hpair vp; /* a and b: views of nested trees are made on them */
    char *buf;       /* the path of the value being walked, NUL-terminated */
    size_t len, cap; /* bytes used (without the NUL) and allocated */
    unsigned depth;  /* segments in buf */
    bool heap;       /* buf was allocated */
    char small[256];
};

enum shape {
    SH_NONE, /* absent */
    SH_LEAF, /* scalar, bytes, rope, empty map / array / tree */
    SH_HAMT, /* a non-empty map or array */
    SH_TREE, /* a non-empty tree */
};

static enum shape shape_of(const vcow_val *v)
{
    if (v == NULL)
        return SH_NONE;
    if (type_is_hamt(v->type))
        return v->u.root != NULL ? SH_HAMT : SH_LEAF;
    if (v->type == VCOW_T_TREE)
        return v->u.root != NULL ? SH_TREE : SH_LEAF;
    return SH_LEAF;
}

/* ---- the path ---- */

/* Append key as one more segment; *mark is where to cut it off again. */
static int push(struct deep *d, vcow_slice key, size_t *mark)
{
    *mark = d->len;
    size_t need = d->len + 1 + vcow__hamt_escape(key.ptr, key.len, NULL) + 1;
    if (need > d->cap) {
        size_t cap = need > 2 * d->cap ? need : 2 * d->cap;
        char *nb = vcow_node_alloc(NULL, VCOW_MEM_META, cap);
        if (nb == NULL)
            return VCOW_ENOMEM;
        memcpy(nb, d->buf, d->len + 1);
        if (d->heap)
            vcow_node_free(NULL, VCOW_MEM_META, d->buf, d->cap);
        d->buf = nb;
        d->cap = cap;
        d->heap = true;
    }
    if (d->depth++ > 0)
        d->buf[d->len++] = '.';
    d->len += vcow__hamt_escape(key.ptr, key.len, d->buf + d->len);
    d->buf[d->len] = '\0';
    return VCOW_OK;
}

static void pop(struct deep *d, size_t mark)
{
    d->depth--;
    d->len = mark;
    d->buf[mark] = '\0';
}

static int emit(struct deep *d, const vcow_val *x, const vcow_val *y)
{
    vcow_slice path = {d->buf, d->len};
    return d->fn(path, x, y, d->ctx);
}

/* ---- leaves ---- */

/* Two leaves of one path (x from a, y from b): the same value? */
static bool leaf_equal(const struct deep *d, const vcow_val *x, const vcow_val *y)
{
    if (x->type != y->type)
        return false;
    switch (x->type) {
    case VCOW_T_BYTES:
        return x->u.bytes.len == y->u.bytes.len &&
               (x->u.bytes.len == 0 || memcmp(x->u.bytes.ptr, y->u.bytes.ptr, x->u.bytes.len) == 0);
    case VCOW_T_I64:
        return x->u.i64 == y->u.i64;
    case VCOW_T_F64:
        return memcmp(&x->u.f64, &y->u.f64, sizeof(double)) == 0;
    case VCOW_T_BOOL:
        return x->u.b == y->u.b;
    case VCOW_T_ROPE: {
        if (x->u.root == y->u.root)
            return true;
        const struct vcow_kind_ops *ops = vcow_cell_kind_ops(VCOW_KIND_ROPE);
        return ops != NULL && ops->equal != NULL &&
               ops->equal(d->vp.a, x->u.root, d->vp.b, y->u.root);
    }
    default: /* an empty map, array or tree (shape SH_LEAF): the type says it */
        return true;
    }
}

static int deep_vals(struct deep *d, const vcow_val *x, const vcow_val *y, bool differ);

/* The walk one key down: x and y are the key's values on each side. */
static int deep_key(struct deep *d, vcow_slice key, const vcow_val *x, const vcow_val *y,
                    bool differ)
{
    size_t mark;
    int rc = push(d, key, &mark);
    if (rc != VCOW_OK)
        return rc;
    rc = deep_vals(d, x, y, differ);
    pop(d, mark);
    return rc;
}

/* A vcow_diff_fn for the map and tree diffs: they report only keys that differ. */
static int differing_key(vcow_slice key, const vcow_val *before, const vcow_val *after, void *ctx)
{
    return deep_key(ctx, key, before, after, true);
}

/* A view of a non-empty tree from side `b` (else a). */
static const vcow_version *tree_view(const struct deep *d, const vcow_val *t, bool b, vcow_view *w)
{
    return vcow_view_of(w, b ? d->vp.b : d->vp.a, *t);
}

struct each {
    struct deep *d;
    bool b;                /* the structure walked is b's (else a's) */
    const vcow_val *other; /* merge: the other side's structure */
    enum shape oshape;
    bool report_shared; /* merge: report keys the other side has too */
};

/* Call fn for each key of a non-empty structure v of shape sh (side e->b). */
static int each_child(struct each *e, const vcow_val *v, enum shape sh, vcow_visit_fn *fn)
{
    if (sh == SH_HAMT)
        return vcow__hamt_iter_root(v->u.root, fn, e);
    vcow_view w;
    const vcow_version *tv = tree_view(e->d, v, e->b, &w);
    return vcow_tree_range(tv, NULL, 0, NULL, 0, VCOW_TREE_NO_LO | VCOW_TREE_NO_HI, fn, e);
}

static int one_side_fn(vcow_slice key, const vcow_val *val, void *ctx)
{
    struct each *e = ctx;
    return deep_key(e->d, key, e->b ? NULL : val, e->b ? val : NULL, true);
}

/* Every leaf of structure v (side b: added, else removed). */
static int all_leaves(struct deep *d, const vcow_val *v, enum shape sh, bool b)
{
    struct each e = {d, b, NULL, SH_NONE, false};
    return each_child(&e, v, sh, one_side_fn);
}

struct found {
    vcow_slice key;
    vcow_val val;
};

static int exact_fn(vcow_slice key, const vcow_val *val, void *ctx)
{
    struct found *f = ctx;
    if (key.len != f->key.len || memcmp(key.ptr, f->key.ptr, key.len) != 0)
        return 0;
    f->val = *val;
    return 1;
}

/* The value keyed exactly `key` (bytes, whatever a tree's order says) in
 * structure s of shape sh, side b. 1 found, 0 not, < 0 an error. */
static int find_child(const struct deep *d, const vcow_val *s, enum shape sh, bool b,
                      vcow_slice key, vcow_val *out)
{
    if (sh == SH_HAMT) {
        struct hkey k = make_key(key.ptr, key.len);
        const struct hent *e = map_find(s->u.root, &k);
        if (e != NULL)
            *out = ent_val(e);
        return e != NULL;
    }
    vcow_view w;
    const vcow_version *tv = tree_view(d, s, b, &w);
    struct found f = {key, {VCOW_T_NONE, {.i64 = 0}}};
    int rc =
        vcow_tree_range(tv, key.ptr, key.len, key.ptr, key.len, VCOW_TREE_HI_INCL, exact_fn, &f);
    if (rc == 1)
        *out = f.val;
    return rc;
}

static int merge_fn(vcow_slice key, const vcow_val *val, void *ctx)
{
    struct each *e = ctx;
    vcow_val o;
    int rc = find_child(e->d, e->other, e->oshape, !e->b, key, &o);
    if (rc < 0)
        return rc;
    if (rc == 1 && !e->report_shared)
        return 0; /* met in the first pass */
    const vcow_val *other = rc == 1 ? &o : NULL;
    return deep_key(e->d, key, e->b ? other : val, e->b ? val : other, false);
}

/* A tree against a map or array: x's keys (with y's value, if any), then
 * the keys only y has. */
static int merge(struct deep *d, const vcow_val *x, enum shape sx, const vcow_val *y, enum shape sy)
{
    struct each ex = {d, false, y, sy, true};
    int rc = each_child(&ex, x, sx, merge_fn);
    if (rc != 0)
        return rc;
    struct each ey = {d, true, x, sx, false};
    return each_child(&ey, y, sy, merge_fn);
}

/* x (from a) and y (from b) at the current path; `differ` when a diff
 * already found them different. */
static int deep_vals(struct deep *d, const vcow_val *x, const vcow_val *y, bool differ)
{
    enum shape sx = shape_of(x), sy = shape_of(y);
    if (sx <= SH_LEAF && sy <= SH_LEAF) {
        if (sx == SH_NONE && sy == SH_NONE)
            return 0;
        if (!differ && sx == SH_LEAF && sy == SH_LEAF && leaf_equal(d, x, y))
            return 0;
        return emit(d, x, y);
    }
    if (sx == SH_HAMT && sy == SH_HAMT)
        return vcow__hamt_diff_roots(&d->vp, x->u.root, y->u.root, differing_key, d);
    if (sx == SH_TREE && sy == SH_TREE) {
        vcow_view wa, wb;
        return vcow_tree_diff(tree_view(d, x, false, &wa), tree_view(d, y, true, &wb),
                              differing_key, d);
    }
    if (sx >= SH_HAMT && sy >= SH_HAMT)
        return merge(d, x, sx, y, sy);
    /* A structure against a leaf or nothing: no path is a leaf on both
     * sides (the structure's leaves lie below this path). */
    int rc = 0;
    if (sx == SH_LEAF)
        rc = emit(d, x, NULL);
    else if (sx != SH_NONE)
        rc = all_leaves(d, x, sx, false);
    if (rc != 0)
        return rc;
    if (sy == SH_LEAF)
        return emit(d, NULL, y);
    return sy != SH_NONE ? all_leaves(d, y, sy, true) : 0;
}

static void deep_init(struct deep *d, const vcow_version *a, const vcow_version *b,
                      vcow_diff_fn *fn, void *ctx)
{
    d->fn = fn;
    d->ctx = ctx;
    d->vp.a = a;
    d->vp.b = b;
    d->buf = d->small;
    d->buf[0] = '\0';
    d->len = 0;
    d->cap = sizeof(d->small);
    d->depth = 0;
    d->heap = false;
}

static void deep_done(struct deep *d)
{
    if (d->heap)
        vcow_node_free(NULL, VCOW_MEM_META, d->buf, d->cap);
}

int vcow__hamt_diff_deep_vals(const vcow_version *a, const vcow_version *b, const vcow_val *x,
                              const vcow_val *y, vcow_diff_fn *fn, void *ctx)
{
    struct deep d;
    deep_init(&d, a, b, fn, ctx);
    int rc = deep_vals(&d, x, y, false);
    deep_done(&d);
    return rc;
}

int vcow_map_diff_deep(const vcow_version *a, const vcow_version *b, const char *path,
                       vcow_diff_fn *fn, void *ctx)
{
    if (fn == NULL)
        return VCOW_EINVAL;
    struct hcont ca, cb; /* as vcow_map_diff_path: one side only diffs against empty */
    int rc = vcow__hamt_conts_at(a, b, path, &ca, &cb);
    if (rc != VCOW_OK)
        return rc;
    struct deep d;
    deep_init(&d, a, b, fn, ctx);
    rc = vcow__hamt_diff_roots(&d.vp, ca.root, cb.root, differing_key, &d);
    deep_done(&d);
    return rc;
}
