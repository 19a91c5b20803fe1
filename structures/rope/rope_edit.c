/*
 * structures/rope/rope_edit.c - the public edits: insert, append, delete,
 * and their cell conveniences.
 *
 * Each checks its arguments, then sends the edit one of two ways: to the
 * delta layer (rope_delta.c) when the root is a delta chain or a small
 * edit in a history cell meets a tree this txn has not copied yet; else
 * to the tree engine (rope_tree_insert.c, rope_tree_delete.c), whose
 * retired nodes go straight to the txn.
 */
#include "rope_api.h"

int vcow_rope_insert(vcow_txn *t, enum vcow_rope_unit unit, uint64_t pos, const void *text,
                     size_t len)
{
    int rc = vcow_txn_writable(t, VCOW_KIND_ROPE);
    if (rc != VCOW_OK)
        return rc;
    if (!rope_unit_ok(unit) || (text == NULL && len > 0))
        return VCOW_EINVAL;
    if (!vcow__rope_utf8_valid(text, len))
        return VCOW_EINVAL;
    struct vcow_node *root = vcow_txn_root(t);
    if (vcow__rope_delta_wants(t, root, len)) {
        uint64_t b;
        struct rope_sum s;
        rc = vcow__rope_to_byte(root, unit, pos, &b);
        if (rc != VCOW_OK)
            return rc;
        vcow__rope_sum(root, &s);
        if (len > VCOW_ROPE_MAX_BYTES - s.bytes)
            return VCOW_ERANGE;
        return len == 0 ? VCOW_OK : vcow__rope_delta_edit(t, b, b, text, len);
    }
    struct rope_sink to_txn = {t, NULL};
    return vcow__rope_tree_insert_at(&to_txn, unit, pos, text, len);
}

int vcow_rope_append(vcow_txn *t, const void *text, size_t len)
{
    int rc = vcow_txn_writable(t, VCOW_KIND_ROPE);
    if (rc != VCOW_OK)
        return rc;
    struct rope_sum s;
    vcow__rope_sum(vcow_txn_root(t), &s);
    return vcow_rope_insert(t, VCOW_ROPE_BYTES, s.bytes, text, len);
}

int vcow_rope_delete(vcow_txn *t, enum vcow_rope_unit unit, uint64_t pos, uint64_t len)
{
    int rc = vcow_txn_writable(t, VCOW_KIND_ROPE);
    if (rc != VCOW_OK)
        return rc;
    if (!rope_unit_ok(unit))
        return VCOW_EINVAL;
    if (pos + len < pos)
        return VCOW_ERANGE;
    struct vcow_node *root = vcow_txn_root(t);
    if (vcow__rope_delta_wants(t, root, 0)) {
        uint64_t a, b;
        rc = vcow__rope_to_byte(root, unit, pos, &a);
        if (rc == VCOW_OK)
            rc = vcow__rope_to_byte(root, unit, pos + len, &b);
        if (rc != VCOW_OK || a == b)
            return rc;
        return vcow__rope_delta_edit(t, a, b, NULL, 0);
    }
    struct rope_sink to_txn = {t, NULL};
    return vcow__rope_tree_delete_at(&to_txn, unit, pos, len);
}

/* ---- cell conveniences ---- */

struct edit_ctx {
    enum vcow_rope_unit unit;
    uint64_t pos, len;
    const void *text;
    bool del;
};

static int edit_fn(vcow_txn *t, void *arg)
{
    const struct edit_ctx *e = arg;
    return e->del ? vcow_rope_delete(t, e->unit, e->pos, e->len)
                  : vcow_rope_insert(t, e->unit, e->pos, e->text, (size_t)e->len);
}

int vcow_rope_cell_insert(vcow_cell *c, enum vcow_rope_unit unit, uint64_t pos, const void *text,
                          size_t len, uint64_t *seq)
{
    if (c == NULL || vcow_cell_kind(c) != VCOW_KIND_ROPE)
        return VCOW_EINVAL;
    struct edit_ctx e = {unit, pos, len, text, false};
    return vcow_cell_update(c, edit_fn, &e, seq);
}

int vcow_rope_cell_delete(vcow_cell *c, enum vcow_rope_unit unit, uint64_t pos, uint64_t len,
                          uint64_t *seq)
{
    if (c == NULL || vcow_cell_kind(c) != VCOW_KIND_ROPE)
        return VCOW_EINVAL;
    struct edit_ctx e = {unit, pos, len, NULL, true};
    return vcow_cell_update(c, edit_fn, &e, seq);
}
