/*
 * structures/rope/rope_tree_check.c - the invariant checker of a tree:
 * node types and sizes, one height for every leaf, fan-out, valid UTF-8
 * chunks whose cached metrics match a recount, and every parent's cached
 * entry matching its child. Any other node type is corruption here.
 */
#include "rope_tree.h"

static bool check_node(const struct vcow_node *n, uint32_t height, struct rope_sum *out)
{
    if (n->kind != VCOW_KIND_ROPE)
        return false;
    if (rope_is_leaf(n)) {
        const struct rope_leaf *l = CLEAF(n);
        if (height != 0 || l->len == 0 || l->len > rope_leaf_cap(l) ||
            rope_leaf_cap(l) > ROPE_LEAF_MAX || n->size < ROPE_LEAF_HDR)
            return false;
        if (!vcow__rope_utf8_valid(l->b, l->len))
            return false;
        vcow__rope_count(l->b, l->len, out);
        return out->cps == l->cps && out->u16 == l->u16 && out->lines == l->lines;
    }
    if (n->type != ROPE_INNER || n->size != sizeof(struct rope_inner))
        return false;
    const struct rope_inner *in = CINNER(n);
    if (in->height != height || height == 0 || in->n == 0 || in->n > ROPE_FAN)
        return false;
    for (uint32_t i = 0; i < in->n; i++) {
        struct rope_sum s;
        if (in->kid[i] == NULL || !check_node(in->kid[i], height - 1, &s))
            return false;
        if (s.bytes != in->bytes[i] || s.cps != in->cps[i] || s.u16 != in->u16[i] ||
            s.lines != in->lines[i] || s.flags != in->flags[i])
            return false;
    }
    vcow__rope_tree_sum(n, out);
    return true;
}

int vcow__rope_tree_check(const struct vcow_node *root)
{
    struct rope_sum s;
    if (root == NULL)
        return VCOW_OK;
    if (rope_height(root) > ROPE_MAX_H)
        return VCOW_ECORRUPT;
    if (!check_node(root, rope_height(root), &s) || s.bytes > VCOW_ROPE_MAX_BYTES)
        return VCOW_ECORRUPT;
    return VCOW_OK;
}
