/*
 * structures/tree/tree_path.c - the path from the root to one entry
 * (struct bt_cursor): positioned by rank, stepped to the next or previous
 * entry in amortized O(1). Range iteration, select and the public cursor
 * (tree_cursor.c) walk with it.
 */
#include "tree_int.h"

void vcow__bt_put_kv(const struct tnode *leaf, unsigned i, vcow_slice *k, vcow_val *val)
{
    if (k != NULL) {
        struct kref kr = leaf_key(leaf, i);
        k->ptr = kr.p;
        k->len = kr.len;
    }
    if (val != NULL)
        vcow__bt_slot_to_val(leaf, &leaf_slots(leaf)[i], val);
}

/* Position c on the entry of rank r (< total). */
void vcow__bt_cur_select(struct bt_cursor *c, const struct tnode *x, uint64_t r)
{
    int d = 0;
    while (!tn_leaf(x)) {
        const uint64_t *cnt = in_cnt(x);
        unsigned j = 0;
        while (r >= cnt[j]) {
            r -= cnt[j];
            j++;
        }
        c->node[d] = x;
        c->idx[d++] = j;
        x = in_child(x)[j];
    }
    c->node[d] = x;
    c->idx[d] = (unsigned)r;
    c->depth = d;
}

void vcow__bt_cur_next(struct bt_cursor *c)
{
    int d = c->depth;
    if (++c->idx[d] < tn_n(c->node[d]))
        return;
    while (d > 0 && ++c->idx[d - 1] >= tn_n(c->node[d - 1]))
        d--;
    if (d == 0)
        return; /* past the end: the caller counts entries */
    for (; d <= c->depth; d++) {
        c->node[d] = in_child(c->node[d - 1])[c->idx[d - 1]];
        c->idx[d] = 0;
    }
}

void vcow__bt_cur_prev(struct bt_cursor *c)
{
    int d = c->depth;
    if (c->idx[d]-- > 0)
        return;
    while (d > 0 && c->idx[d - 1]-- == 0)
        d--;
    if (d == 0)
        return;
    for (; d <= c->depth; d++) {
        c->node[d] = in_child(c->node[d - 1])[c->idx[d - 1]];
        c->idx[d] = tn_n(c->node[d]) - 1;
    }
}
