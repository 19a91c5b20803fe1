/*
 * structures/rope/rope_kind.c - the rope kind's ops (runtime/node.h): the
 * walk that reclamation and accounting use, the equal hook for ropes
 * nested in a map, and the revert hook (rope_revert.c). The walk is the
 * one place that sees both node layers: an inner node's children, and a
 * delta's base.
 */
#include "rope_api.h"

static void rope_walk(const struct vcow_node *n, vcow_child_fn *visit, void *ctx)
{
    if (rope_is_leaf(n))
        return;
    if (rope_is_delta(n)) {
        /* The base is reachable from this version only through the delta. */
        if (CDELTA(n)->base != NULL)
            visit(CDELTA(n)->base, ctx);
        return;
    }
    const struct rope_inner *in = CINNER(n);
    for (uint32_t i = 0; i < in->n; i++)
        visit(in->kid[i], ctx);
}

const struct vcow_kind_ops vcow_rope_ops = {.name = "rope",
                                            .walk = rope_walk,
                                            .equal = vcow_rope_nested_equal,
                                            .revert = vcow__rope_revert};
