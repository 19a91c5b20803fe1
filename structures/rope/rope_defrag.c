/*
 * structures/rope/rope_defrag.c - the public defragmenter: rebuild the
 * txn's text (any root, delta chains included) as full chunks under full
 * nodes with the engine's packer (rope_tree_pack.c), every node allocated
 * before anything changes, then drop the old root whole.
 */
#include "rope_api.h"

/* The packer's source: the text of a root, through the delta layer. */
struct root_src {
    const struct vcow_node *root;
    uint64_t bytes;
};

static void src_open(void *ctx, vcow_rope_iter *it)
{
    const struct root_src *s = ctx;
    vcow__rope_iter_init(it, s->root, 0, s->bytes);
}

int vcow_rope_defrag(vcow_txn *t)
{
    int rc = vcow_txn_writable(t, VCOW_KIND_ROPE);
    if (rc != VCOW_OK)
        return rc;
    struct vcow_node *root = vcow_txn_root(t);
    if (root == NULL)
        return VCOW_OK;
    struct rope_sum s;
    vcow__rope_sum(root, &s);
    uint32_t slots = vcow__rope_drop_slots(t, root);
    if (slots > 0 && vcow_txn_reserve(t, slots) != VCOW_OK)
        return VCOW_ENOMEM;
    struct vcow_node *packed = NULL; /* a delta chain that deleted everything */
    if (s.bytes > 0) {
        struct root_src rs = {root, s.bytes};
        struct rope_src src = {src_open, vcow__rope_iter_next, &rs};
        rc = vcow__rope_tree_pack(t, &src, &packed);
        if (rc != VCOW_OK)
            return rc;
    }
    vcow__rope_drop(t, root);
    vcow_txn_set_root(t, packed);
    return VCOW_OK;
}
