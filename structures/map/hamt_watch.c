/*
 * structures/map/hamt_watch.c - path watches on map cells
 * (vcow_map_watch_open, vcow/watch.h): the map's restricted diff for the
 * watch loop of runtime/keywatch.c.
 *
 * A watch on path P looks at the value at P and everything nested in it;
 * its diff is the deep diff (hamt_deep.c) of the values at P of the two
 * versions, so a nested map or array under P is diffed by its own nodes:
 * the rest of the map is never walked, and subtrees the two versions share
 * under P are skipped by pointer. Finding P costs one lookup per segment
 * in each version.
 *
 * The watched value itself is never an "empty structure" leaf: an empty
 * map, array or tree at P, a missing P, and a P that runs through a value
 * that is neither map nor array all hold nothing (so a watch on "" of an
 * empty cell starts with nothing, and its first key arrives as added).
 * Below P, empty structures are leaves, as vcow_map_diff_deep has them.
 */
#include <string.h>

#include "hamt_path.h"
#include "runtime/keywatch.h"

/* The value at path in v: 1 when something is there, 0 when nothing is, <
 * 0 an error (VCOW_ENOMEM decoding a long path). */
static int val_at(const vcow_version *v, const char *path, vcow_val *out)
{
    if (path[0] == '\0') {
        out->type = vcow_version_is_array(v) ? VCOW_T_ARRAY : VCOW_T_MAP;
        out->u.root = vcow_version_root(v);
    } else {
        int rc = vcow__hamt_get_path(version_cont(v), path, out);
        /* ENOENT: missing; EINVAL: the path (checked at open) runs through a
         * value that is neither map nor array, or names no index of an
         * array: nothing there either. */
        if (rc == VCOW_ENOENT || rc == VCOW_EINVAL)
            return 0;
        if (rc != VCOW_OK)
            return rc;
    }
    bool structure = type_is_hamt(out->type) || out->type == VCOW_T_TREE;
    return structure && out->u.root == NULL ? 0 : 1;
}

static int map_watch_diff(const struct vcow_watch *w, const vcow_version *a, const vcow_version *b,
                          vcow_diff_fn *fn, void *ctx)
{
    vcow_val x, y;
    int ra = val_at(a, w->key, &x);
    if (ra < 0)
        return ra;
    int rb = val_at(b, w->key, &y);
    if (rb < 0)
        return rb;
    if (ra == 0 && rb == 0)
        return VCOW_OK;
    return vcow__hamt_diff_deep_vals(a, b, ra ? &x : NULL, rb ? &y : NULL, fn, ctx);
}

int vcow_map_watch_open(vcow_cell *cell, const char *path, const vcow_version *from,
                        vcow_watch **out)
{
    if (cell == NULL || path == NULL || out == NULL || vcow_cell_kind(cell) != VCOW_KIND_MAP)
        return VCOW_EINVAL;
    if (path[0] != '\0') {
        struct hpath p; /* a bad path is refused now, not at every wake-up */
        int rc = vcow__hamt_path_parse(path, &p);
        if (rc != VCOW_OK)
            return rc;
        vcow__hamt_path_done(&p);
    }
    return vcow__watch_open(cell, map_watch_diff, path, strlen(path), NULL, 0, 0, from, out);
}
