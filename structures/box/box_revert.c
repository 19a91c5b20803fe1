/*
 * structures/box/box_revert.c - the box's revert hook (runtime/revert.c):
 * set the txn's value to `to`'s (bytes copied into a new node, so `to`'s
 * node is never linked), or empty the box; nothing when they are equal.
 */
#include <string.h>

#include "box_int.h"
#include "runtime/txn.h"
#include <vcow/box.h>

int vcow__box_revert(vcow_txn *t, const vcow_version *from, const vcow_version *to)
{
    vcow_val a = {VCOW_T_NONE, {.i64 = 0}}, b;
    int rc = from != NULL ? vcow_box_get(from, &a) : VCOW_OK;
    if (rc == VCOW_OK)
        rc = vcow_box_get(to, &b);
    if (rc != VCOW_OK || vcow__val_same(&a, &b))
        return rc;
    if (b.type != VCOW_T_NONE)
        return vcow_box_set(t, b);
    struct vcow_node *old = vcow_txn_root(t);
    if (old == NULL)
        return VCOW_OK;
    rc = vcow_txn_reserve(t, 1);
    if (rc != VCOW_OK)
        return rc;
    vcow_txn_retire(t, old);
    vcow_txn_set_root(t, NULL);
    return VCOW_OK;
}
