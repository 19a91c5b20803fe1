/*
 * structures/map/hamt_clear.c - empty the txn's current map in O(1).
 *
 * The old root goes to the retire list as one subtree, as an overwritten
 * nested map does (hamt.c, retire_val): the base version still reaches it,
 * so its published nodes are freed once the base is dead, and the nodes
 * this txn made in it are freed with it then (or now, by a discard:
 * vcow_txn_discard frees the owned part of the txn's own dropped subtrees).
 */
#include "hamt_node.h"

int vcow_map_clear(vcow_txn *t)
{
    int rc = vcow_txn_writable(t, VCOW_KIND_MAP);
    if (rc != VCOW_OK)
        return rc;
    struct vcow_node *old = vcow_txn_root(t);
    if (old == NULL)
        return VCOW_OK;
    rc = vcow_txn_reserve(t, 1);
    if (rc != VCOW_OK)
        return rc;
    vcow_txn_set_root(t, NULL);
    vcow_txn_retire_tree(t, old);
    return VCOW_OK;
}
