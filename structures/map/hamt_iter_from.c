/*
 * structures/map/hamt_iter_from.c - resumable iteration: vcow_map_iter_from
 * visits the entries from ordinal *pos on, in vcow_map_iter's order, and
 * leaves in *pos where to go on. That order is a node's own entries, then
 * its children's subtrees; every node counts the entries below it, so the
 * walk to ordinal p skips whole subtrees: O(depth * 32), not O(p). On a
 * view of an array the order is the index order, as vcow_map_iter's: the
 * position is the index, each element one lookup.
 */
#include "hamt_path.h"

struct from {
    vcow_visit_fn *fn;
    void *ctx;
    uint64_t skip; /* entries still to pass over before the first visit */
    uint64_t *pos; /* the ordinal of the next entry to visit */
};

static int walk(const struct hnode *n, struct from *f)
{
    if (f->skip >= n->count) {
        f->skip -= n->count;
        return VCOW_OK;
    }
    unsigned nd = n_data(n), nn = n_nodes(n);
    for (unsigned i = 0; i < nd; i++) {
        if (f->skip > 0) {
            f->skip--;
            continue;
        }
        const struct hent *e = &n->ent[i];
        vcow_slice k;
        k.ptr = ent_key(e, &k.len);
        vcow_val v = ent_val(e);
        ++*f->pos; /* visited, whatever fn answers: a stop resumes after it */
        int rc = f->fn(k, &v, f->ctx);
        if (rc != 0)
            return rc;
    }
    const struct hslot *ch = slots(n);
    for (unsigned i = 0; i < nn; i++) {
        int rc = walk(ch[i].node, f);
        if (rc != 0)
            return rc;
    }
    return VCOW_OK;
}

int vcow_map_iter_from(const vcow_version *v, uint64_t *pos, vcow_visit_fn *fn, void *ctx)
{
    if (v == NULL || vcow_version_kind(v) != VCOW_KIND_MAP || pos == NULL || fn == NULL)
        return VCOW_EINVAL;
    const struct hnode *root = (const struct hnode *)vcow_version_root(v);
    if (*pos > map_count(root))
        return VCOW_ERANGE;
    if (vcow_version_is_array(v))
        return vcow__hamt_iter_array(root, pos, fn, ctx);
    struct from f = {fn, ctx, *pos, pos};
    return root == NULL ? VCOW_OK : walk(root, &f);
}
