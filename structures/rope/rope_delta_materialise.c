/*
 * structures/rope/rope_delta_materialise.c - fold a delta chain into a
 * tree the txn owns, and drop any root whole.
 *
 * Materialising applies the chain's edits oldest first to the published
 * tree at its bottom with the engine's edits (rope_tree.h), whose retire
 * destination holds the published nodes they replace instead of retiring
 * them. If every edit succeeds and the slots to retire what is held plus
 * the chain's published deltas can be reserved, they are all retired (each
 * delta alone: its base lives on in older versions). Otherwise the nodes
 * materialising made (all the txn owns in the new tree, since the bottom
 * tree was published) are freed and the chain is the root again: the
 * text and the txn are as they were.
 */
#include "rope_delta.h"

int vcow__rope_materialise(vcow_txn *t)
{
    struct vcow_node *root = vcow_txn_root(t), *n = root;
    if (!rope_is_delta(root))
        return VCOW_OK;
    struct rope_delta *chain[ROPE_DELTA_CHAIN];
    int k = 0;
    while (rope_is_delta(n) && k < ROPE_DELTA_CHAIN) {
        chain[k++] = DELTA(n);
        n = DELTA(n)->base;
    }
    if (rope_is_delta(n))
        return VCOW_ECORRUPT; /* a chain past the bound: never made */
    struct rope_hold h = {NULL, 0, 0, false};
    struct rope_sink held = {t, &h};
    vcow_txn_set_root(t, n);
    int rc = VCOW_OK;
    for (int i = k - 1; i >= 0 && rc == VCOW_OK; i--) {
        const struct rope_delta *d = chain[i];
        if (d->del > 0)
            rc = vcow__rope_tree_delete(&held, d->pos, (uint64_t)d->pos + d->del);
        if (rc == VCOW_OK && d->ins > 0)
            rc = vcow__rope_tree_insert(&held, d->pos, d->b, d->ins);
    }
    uint32_t slots = 0;
    for (int i = 0; i < k; i++)
        slots += !vcow_txn_owns(t, &chain[i]->hdr);
    if (rc == VCOW_OK)
        rc = vcow__rope_hold_reserve(t, &h, slots);
    if (rc != VCOW_OK) {
        vcow__rope_tree_free_owned(t, vcow_txn_root(t));
        vcow_txn_set_root(t, root);
        vcow__rope_hold_forget(&h);
        return rc;
    }
    vcow__rope_hold_retire(t, &h);
    for (int i = 0; i < k; i++)
        vcow_txn_retire(t, &chain[i]->hdr); /* alone: the base lives on */
    return VCOW_OK;
}

uint32_t vcow__rope_drop_slots(const vcow_txn *t, const struct vcow_node *n)
{
    /* A chain the txn made is freed node by node down to what is
     * published, which takes one slot as a whole. */
    while (rope_is_delta(n) && vcow_txn_owns(t, n))
        n = CDELTA(n)->base;
    if (n == NULL)
        return 0;
    if (rope_is_delta(n))
        return 1;
    return vcow__rope_tree_drop_slots(t, n);
}

void vcow__rope_drop(vcow_txn *t, struct vcow_node *n)
{
    struct rope_sink to_txn = {t, NULL};
    while (rope_is_delta(n) && vcow_txn_owns(t, n)) {
        struct vcow_node *base = DELTA(n)->base;
        vcow_txn_retire(t, n); /* ours: freed now */
        n = base;
    }
    if (n == NULL)
        return;
    if (rope_is_delta(n))
        vcow_txn_retire_tree(t, n);
    else
        vcow__rope_tree_drop(&to_txn, n);
}
