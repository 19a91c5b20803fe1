/*
 * structures/map/hamt_nested.c - reading nested maps and arrays by path:
 * iterate the one at a path (an array in index order), diff the ones at
 * one path of two versions. "" is the version's own map (or the array a
 * view is of).
 */
#include "hamt_path.h"

int vcow__hamt_cont_at(struct hcont c, const char *path, struct hcont *out)
{
    if (path == NULL)
        return VCOW_EINVAL;
    if (path[0] == '\0') {
        *out = c;
        return VCOW_OK;
    }
    vcow_val v;
    int rc = vcow__hamt_get_path(c, path, &v);
    if (rc != VCOW_OK)
        return rc;
    if (!type_is_hamt(v.type))
        return VCOW_EINVAL;
    out->root = v.u.root;
    out->array = v.type == VCOW_T_ARRAY;
    return VCOW_OK;
}

int vcow_map_iter_path(const vcow_version *v, const char *path, vcow_visit_fn *fn, void *ctx)
{
    if (v == NULL || vcow_version_kind(v) != VCOW_KIND_MAP || fn == NULL)
        return VCOW_EINVAL;
    struct hcont c;
    int rc = vcow__hamt_cont_at(version_cont(v), path, &c);
    return rc != VCOW_OK ? rc : vcow__hamt_iter_cont(&c, fn, ctx);
}

int vcow__hamt_conts_at(const vcow_version *a, const vcow_version *b, const char *path,
                        struct hcont *ca, struct hcont *cb)
{
    if (a == NULL || b == NULL || vcow_version_kind(a) != VCOW_KIND_MAP ||
        vcow_version_kind(b) != VCOW_KIND_MAP)
        return VCOW_EINVAL;
    *ca = (struct hcont){NULL, false};
    *cb = (struct hcont){NULL, false};
    int ra = vcow__hamt_cont_at(version_cont(a), path, ca);
    int rb = vcow__hamt_cont_at(version_cont(b), path, cb);
    /* A map on one side only: the other side is an empty map. */
    if ((ra != VCOW_OK && ra != VCOW_ENOENT) || (rb != VCOW_OK && rb != VCOW_ENOENT))
        return ra != VCOW_OK && ra != VCOW_ENOENT ? ra : rb;
    return ra == VCOW_ENOENT && rb == VCOW_ENOENT ? VCOW_ENOENT : VCOW_OK;
}

int vcow_map_diff_path(const vcow_version *a, const vcow_version *b, const char *path,
                       vcow_diff_fn *fn, void *ctx)
{
    if (fn == NULL)
        return VCOW_EINVAL;
    struct hcont ca, cb;
    int rc = vcow__hamt_conts_at(a, b, path, &ca, &cb);
    if (rc != VCOW_OK)
        return rc;
    struct hpair vp = {a, b};
    return vcow__hamt_diff_roots(&vp, ca.root, cb.root, fn, ctx);
}
