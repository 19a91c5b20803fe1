/*
 * structures/rope/rope_tree_node.c - tree nodes: summaries, child entries,
 * leaf allocation and capacities.
 */
#include <string.h>

#include "rope_tree.h"

void vcow__rope_leaf_sum(const struct rope_leaf *l, struct rope_sum *out)
{
    out->bytes = l->len;
    out->cps = l->cps;
    out->u16 = l->u16;
    out->lines = l->lines;
    out->flags = 0;
    if (l->len > 0 && l->b[0] == '\n')
        out->flags |= ROPE_FIRST_LF;
    if (l->len > 0 && l->b[l->len - 1] == '\r')
        out->flags |= ROPE_LAST_CR;
}

static inline unsigned seam(const struct rope_inner *in, uint32_t i)
{
    /* 1 when child i-1 ends with CR and child i starts with LF: one break
     * counted by both. */
    return (in->flags[i - 1] & ROPE_LAST_CR) && (in->flags[i] & ROPE_FIRST_LF);
}

void vcow__rope_tree_sum(const struct vcow_node *n, struct rope_sum *out)
{
    if (n == NULL) {
        memset(out, 0, sizeof(*out));
        return;
    }
    if (rope_is_leaf(n)) {
        vcow__rope_leaf_sum(CLEAF(n), out);
        return;
    }
    const struct rope_inner *in = CINNER(n);
    uint64_t b = 0, c = 0, u = 0, l = 0;
    for (uint32_t i = 0; i < in->n; i++) {
        b += in->bytes[i];
        c += in->cps[i];
        u += in->u16[i];
        l += in->lines[i];
        if (i > 0)
            l -= seam(in, i);
    }
    out->bytes = b;
    out->cps = c;
    out->u16 = u;
    out->lines = l;
    out->flags = (in->flags[0] & ROPE_FIRST_LF) | (in->flags[in->n - 1] & ROPE_LAST_CR);
}

uint64_t vcow__rope_tree_bytes(const struct vcow_node *n)
{
    if (n == NULL)
        return 0;
    if (rope_is_leaf(n))
        return CLEAF(n)->len;
    uint64_t b = 0;
    for (uint32_t i = 0; i < CINNER(n)->n; i++)
        b += CINNER(n)->bytes[i];
    return b;
}

void vcow__rope_inner_set(struct rope_inner *in, uint32_t i, const struct vcow_node *kid)
{
    struct rope_sum s;
    vcow__rope_tree_sum(kid, &s);
    in->kid[i] = (struct vcow_node *)kid;
    in->bytes[i] = (uint32_t)s.bytes;
    in->cps[i] = (uint32_t)s.cps;
    in->u16[i] = (uint32_t)s.u16;
    in->lines[i] = (uint32_t)s.lines;
    in->flags[i] = (uint8_t)s.flags;
}

void vcow__rope_entry_get(const struct rope_inner *in, uint32_t i, struct rope_entry *e)
{
    e->kid = in->kid[i];
    e->bytes = in->bytes[i];
    e->cps = in->cps[i];
    e->u16 = in->u16[i];
    e->lines = in->lines[i];
    e->flags = in->flags[i];
}

void vcow__rope_entry_put(struct rope_inner *in, uint32_t i, const struct rope_entry *e)
{
    in->kid[i] = e->kid;
    in->bytes[i] = e->bytes;
    in->cps[i] = e->cps;
    in->u16[i] = e->u16;
    in->lines[i] = e->lines;
    in->flags[i] = e->flags;
}

void vcow__rope_entry_of(const struct vcow_node *kid, struct rope_entry *e)
{
    struct rope_sum s;
    vcow__rope_tree_sum(kid, &s);
    e->kid = (struct vcow_node *)kid;
    e->bytes = (uint32_t)s.bytes;
    e->cps = (uint32_t)s.cps;
    e->u16 = (uint32_t)s.u16;
    e->lines = (uint32_t)s.lines;
    e->flags = (uint8_t)s.flags;
}

struct rope_leaf *vcow__rope_leaf_alloc(vcow_txn *t, uint32_t cap)
{
    struct rope_leaf *l = vcow_txn_alloc(t, VCOW_MEM_ROPE, ROPE_LEAF_HDR + (size_t)cap);
    if (l != NULL) {
        l->hdr.type = ROPE_LEAF;
        l->len = l->cps = l->u16 = l->lines = 0;
    }
    return l;
}

void vcow__rope_leaf_recount(struct rope_leaf *l)
{
    struct rope_sum s;
    vcow__rope_count(l->b, l->len, &s);
    l->cps = (uint32_t)s.cps;
    l->u16 = (uint32_t)s.u16;
    l->lines = (uint32_t)s.lines;
}
