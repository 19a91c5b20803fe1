/*
 * structures/rope/rope_delta_iter.c - chunk iteration on any root.
 *
 * A tree root is the engine's cursor (rope_tree_iter.h). On a delta root
 * (node[0] is the delta) the text is resolved a run at a time, a run being
 * the longest stretch from pos that the delta chain maps to one contiguous
 * range of a tree or to one delta's inserted bytes. idx[0] holds the bytes
 * left of the run (0: resolve the next one); node[1..depth-1] is the tree
 * path of the run's chunk (the engine's cursor, rope_tree_iter.h, with top = 1), or node[1]
 * is the delta whose inserted bytes the run is (depth 2); off the offset
 * in it. Resolving costs O(chain + log m); within a run chunks follow in
 * O(1).
 */
#include <string.h>

#include "rope_delta.h"
#include "rope_tree_iter.h"

/* Find the run that starts at it->pos. */
static void iter_resolve(vcow_rope_iter *it)
{
    const struct vcow_node *n = it->node[0];
    uint64_t x = it->pos, lim = it->to;
    while (rope_is_delta(n)) {
        const struct rope_delta *d = CDELTA(n);
        if (x < d->pos) {
            if (lim > d->pos)
                lim = d->pos;
        } else if (x < (uint64_t)d->pos + d->ins) {
            uint64_t e = (uint64_t)d->pos + d->ins;
            it->node[1] = n;
            it->depth = 2;
            it->off = (uint32_t)(x - d->pos);
            it->idx[0] = (uint32_t)((lim < e ? lim : e) - x);
            return;
        } else {
            x = x - d->ins + d->del;
            lim = lim - d->ins + d->del;
        }
        n = d->base;
    }
    it->depth = 1;
    rope_tree_iter_push(it, n, x);
    it->idx[0] = (uint32_t)(lim - x);
}

static bool iter_next_delta(vcow_rope_iter *it, vcow_slice *chunk)
{
    if (it->idx[0] == 0)
        iter_resolve(it);
    const struct vcow_node *top = it->node[it->depth - 1];
    const unsigned char *p;
    uint64_t avail;
    if (rope_is_delta(top)) {
        p = CDELTA(top)->b + it->off;
        avail = CDELTA(top)->ins - it->off;
    } else {
        p = CLEAF(top)->b + it->off;
        avail = CLEAF(top)->len - it->off;
    }
    uint64_t len = avail < it->idx[0] ? avail : it->idx[0];
    if (len > it->to - it->pos)
        len = it->to - it->pos;
    chunk->ptr = p;
    chunk->len = (size_t)len;
    it->pos += len;
    it->idx[0] -= (uint32_t)len;
    it->off += (uint32_t)len;
    if (it->idx[0] > 0 && len == avail && !rope_is_delta(top) && !rope_tree_iter_step(it, 1))
        it->idx[0] = 0; /* unreachable: a run ends inside its tree */
    return true;
}

void vcow__rope_iter_init(vcow_rope_iter *it, const struct vcow_node *root, uint64_t from,
                          uint64_t to)
{
    memset(it, 0, sizeof(*it)); /* an iterator that yields nothing */
    if (root == NULL || from >= to)
        return;
    if (!rope_is_delta(root)) {
        rope_tree_iter_init(it, root, from, to);
        return;
    }
    it->pos = from;
    it->to = to;
    it->node[0] = root;
    it->depth = 1;
    iter_resolve(it);
}

bool vcow__rope_iter_next(vcow_rope_iter *it, vcow_slice *chunk)
{
    if (it->depth == 0 || it->pos >= it->to)
        return false;
    if (rope_is_delta((const struct vcow_node *)it->node[0]))
        return iter_next_delta(it, chunk);
    return rope_tree_iter_next(it, chunk);
}

void vcow__rope_copy_bytes(const struct vcow_node *root, uint64_t from, uint64_t to,
                           unsigned char *dst)
{
    vcow_rope_iter it;
    vcow_slice c;
    vcow__rope_iter_init(&it, root, from, to);
    while (vcow__rope_iter_next(&it, &c)) {
        memcpy(dst, c.ptr, c.len);
        dst += c.len;
    }
}
