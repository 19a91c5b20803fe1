/*
 * vcow/val.h - values and byte slices.
 *
 * A vcow_val is what a structure stores: bytes, a signed 64-bit integer, a
 * double, a bool, or the root of a nested structure of the same cell. A
 * vcow_val read from a version points into that version's nodes: it is
 * valid while the reader stays in its read section or holds a pin on the
 * version, and must not be written through.
 */
#ifndef VCOW_VAL_H
#define VCOW_VAL_H

#include <vcow/common.h>

VCOW_BEGIN_DECLS

typedef struct vcow_slice {
    const void *ptr;
    size_t len;
} vcow_slice;

enum vcow_type {
    VCOW_T_NONE = 0, /* no value (an empty box) */
    VCOW_T_BYTES = 1,
    VCOW_T_I64 = 2,
    VCOW_T_F64 = 3,
    VCOW_T_BOOL = 4,
    VCOW_T_MAP = 5,  /* a nested HAMT root */
    VCOW_T_TREE = 6, /* a nested B+tree root */
    VCOW_T_ROPE = 7, /* a nested rope root */
};

typedef struct vcow_val {
    enum vcow_type type;
    union {
        vcow_slice bytes;
        int64_t i64;
        double f64;
        bool b;
        const void *root; /* nested structures: opaque, owned by the version */
    } u;
} vcow_val;

/* The longest byte value vcow stores (keys have their own limits). */
#define VCOW_VAL_MAX_BYTES ((size_t)1 << 30)

static inline vcow_val vcow_val_bytes(const void *ptr, size_t len)
{
    vcow_val v;
    v.type = VCOW_T_BYTES;
    v.u.bytes.ptr = ptr;
    v.u.bytes.len = len;
    return v;
}

static inline vcow_val vcow_val_i64(int64_t x)
{
    vcow_val v;
    v.type = VCOW_T_I64;
    v.u.i64 = x;
    return v;
}

static inline vcow_val vcow_val_f64(double x)
{
    vcow_val v;
    v.type = VCOW_T_F64;
    v.u.f64 = x;
    return v;
}

static inline vcow_val vcow_val_bool(bool x)
{
    vcow_val v;
    v.type = VCOW_T_BOOL;
    v.u.b = x;
    return v;
}

VCOW_END_DECLS

#endif
