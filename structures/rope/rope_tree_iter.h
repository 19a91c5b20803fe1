/*
 * structures/rope/rope_tree_iter.h - the engine's chunk cursor on a tree,
 * kept in a vcow_rope_iter: node[top..depth-1] is the path from a tree's
 * root to the current chunk, idx[] the child taken at each level, off the
 * offset in the chunk. A plain tree iterator has top = 0; a layer above
 * may keep state of its own in the slots below top. Inline: a copy of a
 * few bytes steps through one or two chunks, and a call per step showed
 * in its time.
 */
#ifndef VCOW_ROPE_TREE_ITER_H
#define VCOW_ROPE_TREE_ITER_H

#include "rope_tree.h"

/* Push the path from n down to the leaf holding byte pos (right-biased). */
static inline void rope_tree_iter_push(vcow_rope_iter *it, const struct vcow_node *n, uint64_t pos)
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

/* Step to the first chunk of the next leaf of the tree whose root is
 * node[top]; false at the end of that tree. */
static inline bool rope_tree_iter_step(vcow_rope_iter *it, int top)
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
    rope_tree_iter_push(it, next, 0);
    return true;
}

/* A whole iterator over bytes [from, to) of a tree (from < to <= length). */
static inline void rope_tree_iter_init(vcow_rope_iter *it, const struct vcow_node *root,
                                       uint64_t from, uint64_t to)
{
    it->pos = from;
    it->to = to;
    it->depth = 0;
    rope_tree_iter_push(it, root, from);
}

static inline bool rope_tree_iter_next(vcow_rope_iter *it, vcow_slice *chunk)
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
    if (!rope_tree_iter_step(it, 0))
        it->depth = 0;
    return true;
}

#endif
