/*
 * structures/tree/tree_nested.c - the tree's equal hook for trees nested in a
 * map (runtime/node.h): two nested roots are read through views of the
 * versions they live in and compared with vcow_tree_equal, so the cells'
 * key orders are checked as for any two versions.
 */
#include "runtime/node.h"
#include <vcow/tree.h>

bool vcow_tree_nested_equal(const vcow_version *va, const struct vcow_node *a,
                            const vcow_version *vb, const struct vcow_node *b);

bool vcow_tree_nested_equal(const vcow_version *va, const struct vcow_node *a,
                            const vcow_version *vb, const struct vcow_node *b)
{
    vcow_view wa, wb;
    const vcow_version *x = vcow_view_of(&wa, va, (vcow_val){VCOW_T_TREE, {.root = a}});
    const vcow_version *y = vcow_view_of(&wb, vb, (vcow_val){VCOW_T_TREE, {.root = b}});
    bool eq = false;
    return vcow_tree_equal(x, y, &eq) == VCOW_OK && eq;
}
