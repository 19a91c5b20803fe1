/*
 * structures/map/hamt_nested.c - reading nested maps by path: iterate the
 * map at a path, diff the maps at one path of two versions. "" is the
 * version's own map.
 */
#include "hamt_node.h"

/* The map at path under root: VCOW_ENOENT when missing, VCOW_EINVAL when
 * the path ends at (or runs through) a value that is not a map. */
static int map_at(const struct hnode *root, const char *path, const struct hnode **out)
{
    if (path == NULL)
        return VCOW_EINVAL;
    if (path[0] == '\0') {
        *out = root;
        return VCOW_OK;
    }
    vcow_val v;
    int rc = vcow__hamt_get_path(root, path, &v);
    if (rc != VCOW_OK)
        return rc;
    if (v.type != VCOW_T_MAP)
        return VCOW_EINVAL;
    *out = v.u.root;
    return VCOW_OK;
}

int vcow_map_iter_path(const vcow_version *v, const char *path, vcow_visit_fn *fn, void *ctx)
{
    if (v == NULL || vcow_version_kind(v) != VCOW_KIND_MAP || fn == NULL)
        return VCOW_EINVAL;
    const struct hnode *m;
    int rc = map_at((const struct hnode *)vcow_version_root(v), path, &m);
    return rc != VCOW_OK ? rc : vcow__hamt_iter_root(m, fn, ctx);
}

int vcow_map_diff_path(const vcow_version *a, const vcow_version *b, const char *path,
                       vcow_diff_fn *fn, void *ctx)
{
    if (a == NULL || b == NULL || vcow_version_kind(a) != VCOW_KIND_MAP ||
        vcow_version_kind(b) != VCOW_KIND_MAP || fn == NULL)
        return VCOW_EINVAL;
    const struct hnode *ma = NULL, *mb = NULL;
    int ra = map_at((const struct hnode *)vcow_version_root(a), path, &ma);
    int rb = map_at((const struct hnode *)vcow_version_root(b), path, &mb);
    /* A map on one side only: the other side is an empty map. */
    if (ra == VCOW_EINVAL || rb == VCOW_EINVAL || (ra == VCOW_ENOENT && rb == VCOW_ENOENT))
        return ra == VCOW_EINVAL || rb == VCOW_EINVAL ? VCOW_EINVAL : VCOW_ENOENT;
    struct hpair vp = {a, b};
    return vcow__hamt_diff_roots(&vp, ra == VCOW_OK ? ma : NULL, rb == VCOW_OK ? mb : NULL, fn,
                                 ctx);
}
