/*
 * structures/rope/rope_revert.c - the rope's revert hook (runtime/revert.c):
 * make a txn's text, which is `from`'s (NULL: empty), `to`'s, with edits.
 *
 * vcow_rope_diff(from, to) gives the changed regions in order, as byte
 * ranges of from replaced by byte ranges of to (code-point aligned); they
 * are applied from the last to the first, so the positions of the earlier
 * ones in from stay valid: delete the region of from, insert to's bytes,
 * copied (no chunk of `to` is linked: the reclamation invariant). The cost
 * follows the regions, not the text.
 */
#include <string.h>

#include "rope_api.h"
#include "runtime/mem.h"

struct region {
    uint64_t a_from, a_to, b_from, b_to;
};

struct regions {
    struct region *r;
    size_t n, cap;
};

static int collect_fn(uint64_t a_from, uint64_t a_to, uint64_t b_from, uint64_t b_to, void *ctx)
{
    struct regions *g = ctx;
    if (g->n == g->cap) {
        size_t cap = g->cap ? 2 * g->cap : 16;
        struct region *nr = vcow_node_alloc(NULL, VCOW_MEM_META, cap * sizeof(*nr));
        if (nr == NULL)
            return VCOW_ENOMEM;
        if (g->n > 0)
            memcpy(nr, g->r, g->n * sizeof(*nr));
        if (g->r != NULL)
            vcow_node_free(NULL, VCOW_MEM_META, g->r, g->cap * sizeof(*g->r));
        g->r = nr;
        g->cap = cap;
    }
    g->r[g->n++] = (struct region){a_from, a_to, b_from, b_to};
    return VCOW_OK;
}

/* Replace [a_from, a_to) of the txn's text with to's [b_from, b_to). */
static int replace(vcow_txn *t, const vcow_version *to, const struct region *g)
{
    int rc = VCOW_OK;
    if (g->a_to > g->a_from)
        rc = vcow_rope_delete(t, VCOW_ROPE_BYTES, g->a_from, g->a_to - g->a_from);
    if (rc != VCOW_OK || g->b_to == g->b_from)
        return rc;
    size_t len = (size_t)(g->b_to - g->b_from);
    void *buf = vcow_node_alloc(NULL, VCOW_MEM_META, len);
    if (buf == NULL)
        return VCOW_ENOMEM;
    rc = vcow_rope_copy(to, VCOW_ROPE_BYTES, g->b_from, g->b_to, buf, NULL);
    if (rc == VCOW_OK)
        rc = vcow_rope_insert(t, VCOW_ROPE_BYTES, g->a_from, buf, len);
    vcow_node_free(NULL, VCOW_MEM_META, buf, len);
    return rc;
}

int vcow__rope_revert(vcow_txn *t, const vcow_version *from, const vcow_version *to)
{
    struct regions g = {NULL, 0, 0};
    int rc;
    if (from == NULL) {
        struct vcow_rope_metrics m;
        rc = vcow_rope_len(to, &m);
        if (rc == VCOW_OK && m.bytes > 0)
            rc = collect_fn(0, 0, 0, m.bytes, &g);
    } else {
        rc = vcow_rope_diff(from, to, collect_fn, &g);
    }
    for (size_t i = g.n; rc == VCOW_OK && i > 0; i--)
        rc = replace(t, to, &g.r[i - 1]);
    if (g.r != NULL)
        vcow_node_free(NULL, VCOW_MEM_META, g.r, g.cap * sizeof(*g.r));
    return rc;
}
