/*
 * structures/rope/rope_api.h - what the public calls (include/vcow/rope.h)
 * share: the top layer, over the delta layer (rope_delta.h) and the tree
 * engine (rope_tree.h). Nothing below includes this.
 */
#ifndef VCOW_ROPE_API_H
#define VCOW_ROPE_API_H

#include "rope_delta.h"

/* The root of a rope version (or view); VCOW_EINVAL for anything else. */
static inline int rope_root_of(const vcow_version *v, const struct vcow_node **root)
{
    if (v == NULL || vcow_version_kind(v) != VCOW_KIND_ROPE)
        return VCOW_EINVAL;
    *root = vcow_version_root(v);
    return VCOW_OK;
}

/* The kind's equal hook (rope_equal.c), named in vcow_rope_ops (rope_kind.c). */
bool vcow_rope_nested_equal(const vcow_version *va, const struct vcow_node *a,
                            const vcow_version *vb, const struct vcow_node *b);

/* The kind's revert hook (rope_revert.c), named in vcow_rope_ops. */
int vcow__rope_revert(vcow_txn *t, const vcow_version *from, const vcow_version *to);

#endif
