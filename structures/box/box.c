/*
 * structures/box/box.c - the box kind: one immutable value per version.
 *
 *   offset    size
 *   0         16   struct vcow_node (type = enum vcow_type of the value)
 *   16        8    len    byte length (VCOW_T_BYTES), else 0
 *   24        8    scalar i64 / f64 / bool
 *   32        len  bytes (VCOW_T_BYTES only)
 *   32 + len  1    NUL (VCOW_T_BYTES only: a value read is a C string)
 *
 * A box has no children. A set in a txn that already made a box of the
 * same size overwrites it in place; otherwise it allocates a new node and
 * retires the old one.
 */
#include <string.h>

#include "box_int.h"
#include "runtime/txn.h"
#include <vcow/box.h>

struct box_node {
    struct vcow_node hdr;
    uint64_t len;
    union {
        int64_t i64;
        double f64;
        uint8_t b;
    } u;
    char bytes[];
};

static void box_walk(const struct vcow_node *n, vcow_child_fn *visit, void *ctx)
{
    (void)n;
    (void)visit;
    (void)ctx;
}

const struct vcow_kind_ops vcow_box_ops = {
    .name = "box", .walk = box_walk, .revert = vcow__box_revert};

static void read_node(const struct vcow_node *n, vcow_val *out)
{
    memset(out, 0, sizeof(*out));
    if (n == NULL) {
        out->type = VCOW_T_NONE;
        return;
    }
    const struct box_node *b = (const struct box_node *)n;
    out->type = (enum vcow_type)n->type;
    switch (out->type) {
    case VCOW_T_BYTES:
        out->u.bytes.ptr = b->bytes;
        out->u.bytes.len = b->len;
        break;
    case VCOW_T_I64:
        out->u.i64 = b->u.i64;
        break;
    case VCOW_T_F64:
        out->u.f64 = b->u.f64;
        break;
    default:
        out->u.b = b->u.b != 0;
        break;
    }
}

int vcow_box_get(const vcow_version *v, vcow_val *out)
{
    if (v == NULL || out == NULL || vcow_version_kind(v) != VCOW_KIND_BOX)
        return VCOW_EINVAL;
    read_node(vcow_version_root(v), out);
    return VCOW_OK;
}

int vcow_box_set(vcow_txn *t, vcow_val val)
{
    int rc = vcow_txn_writable(t, VCOW_KIND_BOX);
    if (rc != VCOW_OK)
        return rc;
    /* A box holds scalars and bytes only: no nested structure. */
    rc = vcow__val_check(&val, false);
    if (rc != VCOW_OK)
        return rc;
    size_t len = val.type == VCOW_T_BYTES ? val.u.bytes.len : 0;
    size_t size = sizeof(struct box_node) + (val.type == VCOW_T_BYTES ? len + 1 : 0);
    struct vcow_node *old = vcow_txn_root(t);
    struct box_node *b;
    if (old != NULL && vcow_txn_owns(t, old) && old->size == size) {
        b = (struct box_node *)old; /* ours, unpublished: change in place */
    } else {
        rc = vcow_txn_reserve(t, 1);
        if (rc != VCOW_OK)
            return rc;
        b = vcow_txn_alloc(t, VCOW_MEM_BOX, size);
        if (b == NULL)
            return VCOW_ENOMEM;
        if (old != NULL)
            vcow_txn_retire(t, old);
        vcow_txn_set_root(t, &b->hdr);
    }
    b->hdr.type = (uint8_t)val.type;
    b->len = len;
    b->u.i64 = 0;
    switch (val.type) {
    case VCOW_T_BYTES:
        if (len != 0)
            memcpy(b->bytes, val.u.bytes.ptr, len);
        b->bytes[len] = 0;
        break;
    case VCOW_T_I64:
        b->u.i64 = val.u.i64;
        break;
    case VCOW_T_F64:
        b->u.f64 = val.u.f64;
        break;
    default:
        b->u.b = val.u.b;
        break;
    }
    return VCOW_OK;
}

static int store_fn(vcow_txn *t, void *ctx)
{
    return vcow_box_set(t, *(const vcow_val *)ctx);
}

int vcow_box_cell_set(vcow_cell *c, vcow_val val, uint64_t *seq)
{
    if (c == NULL || vcow_cell_kind(c) != VCOW_KIND_BOX)
        return VCOW_EINVAL;
    return vcow_cell_update(c, store_fn, &val, seq);
}

struct add_ctx {
    int64_t delta;
    int64_t result;
};

static int add_fn(vcow_txn *t, void *arg)
{
    struct add_ctx *a = arg;
    vcow_val v;
    int rc = vcow_box_get(vcow_txn_view(t), &v);
    if (rc != VCOW_OK)
        return rc;
    if (v.type != VCOW_T_I64 && v.type != VCOW_T_NONE)
        return VCOW_EINVAL; /* not a counter */
    int64_t cur = v.type == VCOW_T_I64 ? v.u.i64 : 0;
    /* A counter that wrapped would silently change sign: refuse. */
    if (__builtin_add_overflow(cur, a->delta, &a->result))
        return VCOW_ERANGE;
    return vcow_box_set(t, vcow_val_i64(a->result));
}

int vcow_box_cell_add(vcow_cell *c, int64_t delta, int64_t *result, uint64_t *seq)
{
    if (c == NULL || vcow_cell_kind(c) != VCOW_KIND_BOX)
        return VCOW_EINVAL;
    struct add_ctx a = {delta, 0};
    int rc = vcow_cell_update(c, add_fn, &a, seq);
    if (rc == VCOW_OK && result != NULL)
        *result = a.result;
    return rc;
}
