/*
 * structures/rope/rope_move.c - the public move: cut a range and paste it
 * elsewhere, in O(log m) node work with the engine's split and join
 * (rope_tree_move.c), after folding a delta chain into a tree.
 */
#include "rope_api.h"

int vcow_rope_move(vcow_txn *t, enum vcow_rope_unit unit, uint64_t from, uint64_t len, uint64_t to)
{
    int rc = vcow_txn_writable(t, VCOW_KIND_ROPE);
    if (rc != VCOW_OK)
        return rc;
    if (!rope_unit_ok(unit))
        return VCOW_EINVAL;
    if (from + len < from)
        return VCOW_ERANGE;
    struct vcow_node *root = vcow_txn_root(t);
    uint64_t a, b, d;
    rc = vcow__rope_to_byte(root, unit, from, &a);
    if (rc == VCOW_OK)
        rc = vcow__rope_to_byte(root, unit, from + len, &b);
    if (rc == VCOW_OK)
        rc = vcow__rope_to_byte(root, unit, to, &d);
    if (rc != VCOW_OK)
        return rc;
    if (d > a && d < b)
        return VCOW_ERANGE; /* inside the range it moves */
    if (a == b || d == a || d == b)
        return VCOW_OK;
    /* Split and join work on trees: fold a delta chain in first (the text
     * stays the same, so a failure after this still changes nothing). */
    rc = vcow__rope_materialise(t);
    if (rc != VCOW_OK)
        return rc;
    struct rope_sink to_txn = {t, NULL};
    return vcow__rope_tree_move(&to_txn, a, b, d);
}
