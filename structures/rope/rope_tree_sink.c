/*
 * structures/rope/rope_tree_sink.c - the retire destination of engine
 * edits (contract in rope_tree.h): straight into the txn, or held back so
 * that a sequence of edits can be undone as a whole.
 */
#include <stdlib.h>

#include "rope_tree.h"

static void hold(struct rope_hold *h, struct vcow_node *n, uintptr_t subtree)
{
    if (h->n == h->cap) {
        size_t nc = h->cap ? h->cap * 2 : 64;
        uintptr_t *ne = realloc(h->e, nc * sizeof(*ne));
        if (ne == NULL) {
            /* The node stays where it is: the sequence will be undone. */
            h->failed = true;
            return;
        }
        h->e = ne;
        h->cap = nc;
    }
    h->e[h->n++] = (uintptr_t)n | subtree;
}

void vcow__rope_sink_node(const struct rope_sink *s, struct vcow_node *n)
{
    if (s->hold != NULL && !vcow_txn_owns(s->t, n))
        hold(s->hold, n, 0);
    else
        vcow_txn_retire(s->t, n); /* ours: freed now */
}

void vcow__rope_sink_tree(const struct rope_sink *s, struct vcow_node *n)
{
    if (s->hold != NULL)
        hold(s->hold, n, 1); /* only published subtrees are dropped whole */
    else
        vcow_txn_retire_tree(s->t, n);
}

int vcow__rope_hold_reserve(vcow_txn *t, const struct rope_hold *h, uint32_t extra)
{
    if (h->failed)
        return VCOW_ENOMEM;
    return vcow_txn_reserve(t, (uint32_t)h->n + extra) == VCOW_OK ? VCOW_OK : VCOW_ENOMEM;
}

void vcow__rope_hold_retire(vcow_txn *t, struct rope_hold *h)
{
    for (size_t i = 0; i < h->n; i++) {
        struct vcow_node *x = (struct vcow_node *)(h->e[i] & ~(uintptr_t)1);
        if (h->e[i] & 1)
            vcow_txn_retire_tree(t, x);
        else
            vcow_txn_retire(t, x);
    }
    vcow__rope_hold_forget(h);
}

void vcow__rope_hold_forget(struct rope_hold *h)
{
    free(h->e);
    h->e = NULL;
    h->n = h->cap = 0;
}

void vcow__rope_tree_free_owned(vcow_txn *t, struct vcow_node *n)
{
    if (n == NULL || !vcow_txn_owns(t, n))
        return;
    if (!rope_is_leaf(n))
        for (uint32_t i = 0; i < INNER(n)->n; i++)
            vcow__rope_tree_free_owned(t, INNER(n)->kid[i]);
    vcow_txn_free_node(t, n);
}
