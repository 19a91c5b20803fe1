/*
 * structures/rope/rope_tree_iter.c - the chunk cursor on a tree, kept in a
 * vcow_rope_iter: node[top..depth-1] is the path to the current chunk,
 * idx[] the child taken at each level, off the offset in the chunk. A
 * plain tree iterator has top = 0; a layer above may hang a tree path
 * below state of its own (top > 0).
 */
#include <string.h>

#include "rope_tree.h"

void vcow__rope_tree_iter_push(vcow_rope_iter *it, const struct vcow_node *n, uint64_t pos)
{
    while (!rope_is_leaf(n)) {
        const struct rope_inner *in = CINNER(n);
        uint32_t i = 0, last = in->n - 1;
        while (i < last && pos >= in->bytes[i]) {
            pos -= in->bytes[i];
            i++;
        }
        it->node[it->depth] = n;
        it->idx[it->depth] = i;
        it->depth++;
        n = in->kid[i];
    }
    it->node[it->depth++] = n;
    it->off = (uint32_t)pos;
}

bool vcow__rope_tree_iter_step(vcow_rope_iter *it, int top)
{
    /* Up to the first level with a right sibling, then down its left edge. */
    int j = it->depth - 2;
    while (j >= top && it->idx[j] + 1 >= CINNER(it->node[j])->n)
        j--;
    if (j < top)
        return false;
    it->idx[j]++;
    it->depth = j + 1;
    const struct vcow_node *next = CINNER(it->node[j])->kid[it->idx[j]];
    vcow__rope_tree_iter_push(it, next, 0);
    return true;
}

void vcow__rope_tree_iter_init(vcow_rope_iter *it, const struct vcow_node *root, uint64_t from,
                               uint64_t to)
{
    it->pos = from;
    it->to = to;
    it->depth = 0;
    vcow__rope_tree_iter_push(it, root, from);
}

bool vcow__rope_tree_iter_next(vcow_rope_iter *it, vcow_slice *chunk)
{
    const struct rope_leaf *l = CLEAF(it->node[it->depth - 1]);
    uint64_t len = l->len - it->off;
    if (len > it->to - it->pos)
        len = it->to - it->pos;
    chunk->ptr = l->b + it->off;
    chunk->len = (size_t)len;
    it->pos += len;
    if (it->pos >= it->to)
        return true;
    if (!vcow__rope_tree_iter_step(it, 0))
        it->depth = 0;
    return true;
}
