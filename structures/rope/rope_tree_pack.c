/*
 * structures/rope/rope_tree_pack.c - build a packed tree from a text: full
 * chunks (ROPE_FILL) under full nodes (ROPE_FAN_FILL, spread evenly), every
 * node allocated before anything is built. The defragmenter's engine.
 */
#include <stdlib.h>
#include <string.h>

#include "rope_tree.h"

/*
 * Pack the text into full chunks: lens[k] receives chunk k's length (when
 * lens is not NULL), dst[k] its bytes (when dst is not NULL). Returns the
 * number of chunks. Chunks end on code point boundaries.
 */
static size_t pack(const struct rope_src *src, uint32_t *lens, struct rope_leaf **dst)
{
    vcow_rope_iter it;
    vcow_slice c;
    size_t k = 0;
    uint32_t fill = 0;
    src->open(src->ctx, &it);
    while (src->next(&it, &c)) {
        const unsigned char *p = c.ptr;
        size_t len = c.len;
        while (len > 0) {
            size_t take = ROPE_FILL - fill;
            bool full = take <= len;
            if (take >= len) {
                take = len;
            } else {
                while (take > 0 && rope_is_cont(p[take]))
                    take--;
            }
            if (dst != NULL)
                memcpy(dst[k]->b + fill, p, take);
            fill += (uint32_t)take;
            p += take;
            len -= take;
            if (full || (len > 0)) {
                if (lens != NULL)
                    lens[k] = fill;
                k++;
                fill = 0;
            }
        }
    }
    if (fill > 0) {
        if (lens != NULL)
            lens[k] = fill;
        k++;
    }
    return k;
}

int vcow__rope_tree_pack(vcow_txn *t, const struct rope_src *src, struct vcow_node **out)
{
    size_t nl = pack(src, NULL, NULL), total = nl;
    for (size_t m = nl; m > 1; m = (m + ROPE_FAN_FILL - 1) / ROPE_FAN_FILL)
        total += (m + ROPE_FAN_FILL - 1) / ROPE_FAN_FILL;
    uint32_t *lens = malloc(nl * sizeof(*lens));
    struct vcow_node **nodes = malloc(total * sizeof(*nodes));
    size_t made = 0;
    if (lens == NULL || nodes == NULL)
        goto nomem;
    pack(src, lens, NULL);
    for (; made < nl; made++) {
        struct rope_leaf *l = vcow__rope_leaf_alloc(t, rope_cap_exact(lens[made]));
        if (l == NULL)
            goto nomem;
        nodes[made] = &l->hdr;
    }
    for (; made < total; made++) {
        struct rope_inner *in = vcow_txn_alloc(t, VCOW_MEM_ROPE, sizeof(*in));
        if (in == NULL)
            goto nomem;
        in->hdr.type = ROPE_INNER;
        nodes[made] = &in->hdr;
    }
    /* All allocated: nothing below can fail. */
    pack(src, NULL, (struct rope_leaf **)nodes);
    for (size_t k = 0; k < nl; k++) {
        LEAF(nodes[k])->len = lens[k];
        vcow__rope_leaf_recount(LEAF(nodes[k]));
    }
    size_t lo = 0, m = nl, next = nl;
    uint32_t height = 0;
    while (m > 1) {
        size_t groups = (m + ROPE_FAN_FILL - 1) / ROPE_FAN_FILL, at = lo;
        height++;
        for (size_t g = 0; g < groups; g++) {
            /* Spread evenly: group sizes differ by at most one. */
            size_t cnt = m / groups + (g < m % groups ? 1 : 0);
            struct rope_inner *in = INNER(nodes[next + g]);
            in->height = height;
            in->n = (uint32_t)cnt;
            for (size_t j = 0; j < cnt; j++)
                vcow__rope_inner_set(in, (uint32_t)j, nodes[at + j]);
            at += cnt;
        }
        lo = next;
        next += groups;
        m = groups;
    }
    *out = nodes[lo];
    free(lens);
    free(nodes);
    return VCOW_OK;
nomem:
    for (size_t k = 0; k < made; k++)
        vcow_txn_free_node(t, nodes[k]);
    free(lens);
    free(nodes);
    return VCOW_ENOMEM;
}
