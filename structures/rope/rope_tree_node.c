/*
 * structures/rope/rope_tree_node.c - tree nodes: child entries, leaf
 * allocation and recounts (summaries are reads: rope_tree_read.c).
 */
#include "rope_tree.h"

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
