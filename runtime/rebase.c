/*
 * runtime/rebase.c - a txn that lost its CAS only to commits that touched
 * nothing it read or wrote goes on from the new head instead of failing
 * (vcow_txn_set_rebase; docs/ARCHITECTURE.md, "Conditional commits and
 * rebase"). Optimistic concurrency control with validation by value, as
 * Kung & Robinson's, on a persistent structure: the txn's writes are
 * recovered by diff, not logged.
 *
 * Steps, with B the txn's base, H the new head (pinned here) and M the
 * txn's root:
 *   1. The conditions hold on H (runtime/cond.c): the keys named "unchanged"
 *      were not written in (B, H], the values named "equal" are in H.
 *   2. Every key whose value differs from B to H (diff, O(changes)) was
 *      neither read by the txn (its read set, by key hash; any read that
 *      names no key fails this for every key) nor lies in a node of M the
 *      txn wrote (kind ops' touched: the search for it in M meets no node
 *      of B). So H holds, for every key the txn read, the value it read,
 *      and for every key the txn wrote, B's value.
 *   3. Replay M's changes (diff of B and M) onto H's root, into a fresh
 *      retire list: the kind's ordinary writes copy H's nodes and retire
 *      them, so the list is exactly what H reaches and the result does not.
 *      Values are copied; a non-empty nested structure cannot be and fails
 *      the rebase.
 *   4. The old state goes as a discard's would: its owned nodes are freed
 *      (none is reachable from the new root, which shares nothing owned by
 *      the txn with M: step 3 copies values and H's nodes were never the
 *      txn's), owned subtrees on the old list are freed, the rest of the
 *      list is dropped (B and its successors still reach those nodes), and
 *      B is unpinned. Each owned node is freed once, here or at commit
 *      failure, never both: the old state is dropped after the new one is
 *      whole, and a failed step 3 drops the new state and keeps the old.
 * So the commit publishes H + the txn's changes, as if the txn had begun on
 * H and read the same values: serializable, given that the txn's writes
 * depend only on what it read through its view or named in conditions.
 * Reads elsewhere (vcow_txn_base, the head in a read section) are not
 * seen: that is why rebase is opt-in (vcow/cell.h).
 */
#include <string.h>

#include "cond.h"
#include "hash.h"
#include <vcow/error.h>

struct check_ctx {
    const struct vcow_txn *t;
    const struct vcow_cond_ops *ops;
    const struct vcow_node *mine, *base_root;
};

/* A key another commit changed: 1 (stop) if the txn depends on it. */
static int other_change(vcow_slice key, const vcow_val *before, const vcow_val *after, void *arg)
{
    (void)before;
    (void)after;
    const struct check_ctx *c = arg;
    if (c->t->read_all || vcow__txn_read_has(c->t, vcow_hash(key.ptr, key.len)))
        return 1;
    return c->ops->touched(c->t, c->mine, c->base_root, key.ptr, key.len) ? 1 : 0;
}

struct replay_ctx {
    struct vcow_txn *t;
    const struct vcow_cond_ops *ops;
};

static int replay_one(vcow_slice key, const vcow_val *before, const vcow_val *after, void *arg)
{
    (void)before;
    const struct replay_ctx *r = arg;
    return r->ops->replay(r->t, key, after) == VCOW_OK ? 0 : 1;
}

int vcow__txn_rebase(struct vcow_txn *t)
{
    const struct vcow_kind_ops *k = vcow_cell_kind_ops(t->cell->kind);
    const struct vcow_cond_ops *ops = k != NULL ? k->cond : NULL;
    if (ops == NULL || ops->diff == NULL || t->depth != 0)
        return VCOW_ECONFLICT;
    vcow_version *pin;
    if (vcow_cell_pin_head(t->cell, &pin) != VCOW_OK)
        return VCOW_ECONFLICT;
    struct vcow_version *head = vcow_face_real(&pin->face);
    int rc = VCOW_ECONFLICT;
    if (head->seq <= t->base->seq)
        goto fail; /* cannot be: the base is pinned, so the head moved on */

    /* 1. */
    rc = vcow__txn_cond_recheck(t, pin);
    if (rc != VCOW_OK)
        goto fail;
    /* 2. Both versions are pinned: the diff needs no read section. */
    struct check_ctx cc = {t, ops, t->root, t->base->face.root};
    if (ops->diff(t->pin, pin, other_change, &cc) != VCOW_OK) {
        rc = VCOW_ECONFLICT;
        goto fail;
    }
    /* 3. M read as a version of its own (a view of B), so the diff does not
     * follow t->root while the replay moves it. */
    struct vcow_view_face mine;
    memset(&mine, 0, sizeof(mine));
    mine.face.root = t->root;
    mine.face.kind = (uint8_t)t->cell->kind;
    mine.face.view = VCOW_FACE_VIEW;
    mine.real = t->base;
    struct vcow_node *old_root = t->root;
    struct vcow_retire old = t->retired;
    memset(&t->retired, 0, sizeof(t->retired));
    t->root = head->face.root;
    struct replay_ctx rc3 = {t, ops};
    if (ops->diff(t->pin, (const vcow_version *)(const void *)&mine, replay_one, &rc3) != VCOW_OK) {
        vcow__txn_drop_state(t, t->root, &t->retired, head->face.root);
        t->root = old_root;
        t->retired = old;
        rc = VCOW_ECONFLICT;
        goto fail;
    }
    /* 4. */
    vcow__txn_drop_state(t, old_root, &old, t->base->face.root);
    vcow_version_unpin(t->pin);
    t->pin = pin;
    t->base = head;
    t->view.real = head;
    return VCOW_OK;

fail:
    vcow_version_unpin(pin);
    return rc;
}
