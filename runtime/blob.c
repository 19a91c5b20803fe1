/* runtime/blob.c - see blob.h. */
#include <string.h>

#include "blob.h"

static void blob_walk(const struct vcow_node *n, vcow_child_fn *visit, void *ctx)
{
    (void)n;
    (void)visit;
    (void)ctx;
}

const struct vcow_kind_ops vcow_blob_ops = {.name = "blob", .walk = blob_walk};

struct vcow_blob *vcow_blob_new(vcow_txn *t, const void *ptr, size_t len)
{
    /* The header's size (what the free and the memory stats take) counts
     * the NUL. */
    struct vcow_blob *b = vcow_txn_alloc(t, VCOW_MEM_BLOB, sizeof(*b) + len + 1);
    if (b != NULL) {
        b->len = len;
        if (len != 0)
            memcpy(b->bytes, ptr, len);
        b->bytes[len] = 0;
    }
    return b;
}
