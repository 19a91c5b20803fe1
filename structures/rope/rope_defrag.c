/*
 * structures/rope/rope_defrag.c - the on-demand defragmenter: rebuild the
 * txn's text as full chunks under full nodes, every node allocated before
 * anything changes.
 */
#include <stdlib.h>
#include <string.h>

#include "rope_int.h"

/* ---- defragmentation ---- */

/*
 * Pack the text into full chunks: lens[k] receives chunk k's length (when
 * lens is not NULL), dst[k] its bytes (when dst is not NULL). Returns the
 * number of chunks. Chunks end on code point boundaries.
 */
static size_t pack(const struct vcow_node *root, uint64_t bytes, uint32_t *lens,
                   struct rope_leaf **dst)
{
    vcow_rope_slice sl = {root, 0, bytes};
    vcow_rope_iter it;
    vcow_slice c;
    size_t k = 0;
    uint32_t fill = 0;
    vcow_rope_iter_init(&it, &sl);
    while (vcow_rope_iter_next(&it, &c)) {
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

int vcow_rope_defrag(vcow_txn *t)
{
    int rc = vcow_txn_writable(t, VCOW_KIND_ROPE);
    if (rc != VCOW_OK)
        return rc;
    struct vcow_node *root = vcow_txn_root(t);
    if (root == NULL)
        return VCOW_OK;
    struct rope_sum s;
    vcow__rope_node_sum(root, &s);
    if (s.bytes == 0) { /* a delta chain that deleted everything */
        uint32_t slots = vcow__rope_drop_slots(t, root);
        if (slots > 0 && vcow_txn_reserve(t, slots) != VCOW_OK)
            return VCOW_ENOMEM;
        vcow__rope_drop(t, root);
        vcow_txn_set_root(t, NULL);
        return VCOW_OK;
    }
    size_t nl = pack(root, s.bytes, NULL, NULL), total = nl;
    for (size_t m = nl; m > 1; m = (m + ROPE_FAN_FILL - 1) / ROPE_FAN_FILL)
        total += (m + ROPE_FAN_FILL - 1) / ROPE_FAN_FILL;
    uint32_t *lens = malloc(nl * sizeof(*lens));
    struct vcow_node **nodes = malloc(total * sizeof(*nodes));
    size_t made = 0;
    uint32_t slots = vcow__rope_drop_slots(t, root);
    if (lens == NULL || nodes == NULL || (slots > 0 && vcow_txn_reserve(t, slots) != VCOW_OK))
        goto nomem;
    pack(root, s.bytes, lens, NULL);
    for (; made < nl; made++) {
        struct rope_leaf *l = vcow__rope_leaf_alloc(t, vcow__rope_cap_exact(lens[made]));
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
    pack(root, s.bytes, NULL, (struct rope_leaf **)nodes);
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
    vcow__rope_drop(t, root);
    vcow_txn_set_root(t, nodes[lo]);
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
