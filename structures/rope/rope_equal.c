/*
 * structures/rope/rope_equal.c - the rope's equal hook for ropes nested in
 * a map (runtime/node.h): same length, then the two texts compared piece by
 * piece with the public chunk iterators (so any root a reader may see,
 * delta nodes included, compares by its text).
 */
#include <string.h>

#include "rope_api.h"

bool vcow_rope_nested_equal(const vcow_version *va, const struct vcow_node *a,
                            const vcow_version *vb, const struct vcow_node *b)
{
    vcow_view wa, wb;
    const vcow_version *x = vcow_view_of(&wa, va, (vcow_val){VCOW_T_ROPE, {.root = a}});
    const vcow_version *y = vcow_view_of(&wb, vb, (vcow_val){VCOW_T_ROPE, {.root = b}});
    struct vcow_rope_metrics mx, my;
    if (vcow_rope_len(x, &mx) != VCOW_OK || vcow_rope_len(y, &my) != VCOW_OK ||
        mx.bytes != my.bytes)
        return false;
    vcow_rope_slice sx, sy;
    if (vcow_rope_slice_of(x, VCOW_ROPE_BYTES, 0, mx.bytes, &sx) != VCOW_OK ||
        vcow_rope_slice_of(y, VCOW_ROPE_BYTES, 0, my.bytes, &sy) != VCOW_OK)
        return false;
    vcow_rope_iter ix, iy;
    vcow_rope_iter_init(&ix, &sx);
    vcow_rope_iter_init(&iy, &sy);
    vcow_slice cx = {NULL, 0}, cy = {NULL, 0};
    for (;;) {
        if (cx.len == 0 && !vcow_rope_iter_next(&ix, &cx))
            cx.len = 0;
        if (cy.len == 0 && !vcow_rope_iter_next(&iy, &cy))
            cy.len = 0;
        if (cx.len == 0 || cy.len == 0)
            return cx.len == cy.len; /* equal lengths: both end together */
        size_t n = cx.len < cy.len ? cx.len : cy.len;
        if (memcmp(cx.ptr, cy.ptr, n) != 0)
            return false;
        cx.ptr = (const char *)cx.ptr + n;
        cx.len -= n;
        cy.ptr = (const char *)cy.ptr + n;
        cy.len -= n;
    }
}
