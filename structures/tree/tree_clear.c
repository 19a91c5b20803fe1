/*
 * structures/tree/tree_clear.c - empty the txn's current tree in O(1): a
 * bulk load of nothing, which drops the old root as one subtree.
 */
#include <vcow/tree.h>

int vcow_tree_clear(vcow_txn *txn)
{
    return vcow_tree_bulk_load(txn, NULL, 0);
}
