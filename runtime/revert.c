/*
 * runtime/revert.c - vcow_cell_revert and vcow_txn_revert_to (vcow/revert.h).
 *
 * Why not re-publish the old root: version k's retire list holds nodes
 * that only versions < k reach, and is freed once every version < k is
 * dead (runtime/reclaim.c). If a revert to n < k made a new head that
 * reached them again, they would be freed under it as soon as the
 * versions before k died. So a revert builds the new head from the
 * current one with ordinary writes: each kind's hook (struct vcow_kind_ops
 * revert) applies the diff base -> to, copying values and rebuilding
 * nested structures, and the txn's retire list records what the revert
 * replaces, as any commit's does. The diff skips what the two versions
 * share, so the work follows what differs.
 *
 * The diff reads the txn's base and `to`, both pinned and immutable, while
 * the writes shadow the base's nodes into the txn: nothing the diff walks
 * changes under it. That is why the revert must be the txn's first write
 * (its current state is then the base's).
 */
#include "cell.h"
#include "node.h"
#include "txn.h"
#include <vcow/error.h>
#include <vcow/revert.h>

int vcow_txn_revert_to(vcow_txn *t, const vcow_version *to)
{
    if (t == NULL || to == NULL)
        return VCOW_EINVAL;
    if (t->state != TXN_OPEN)
        return VCOW_ESTATE;
    if (to->face.view == VCOW_FACE_VIEW || to->face.view == VCOW_FACE_TXN ||
        vcow_face_real(&to->face)->cell != t->cell)
        return VCOW_EINVAL;
    if (t->depth != 0 || t->root != t->base->face.root)
        return VCOW_ESTATE; /* not the first write: the diff needs the base's state */
    const struct vcow_kind_ops *ops = vcow_cell_kind_ops(t->kind);
    if (ops == NULL || ops->revert == NULL)
        return VCOW_EINVAL;
    int rc = ops->revert(t, (const vcow_version *)t->base, to);
    if (rc != VCOW_OK)
        vcow_txn_abort(t); /* part of the change may be in: the txn is unusable */
    return rc;
}

static int revert_fn(vcow_txn *t, void *ctx)
{
    return vcow_txn_revert_to(t, ctx);
}

int vcow_cell_revert(vcow_cell *cell, uint64_t seq, uint64_t *new_seq)
{
    if (cell == NULL)
        return VCOW_EINVAL;
    vcow_version *to;
    int rc = vcow_cell_pin_at(cell, seq, &to);
    if (rc != VCOW_OK)
        return rc;
    rc = vcow_cell_update(cell, revert_fn, to, new_seq);
    vcow_version_unpin(to);
    return rc;
}
