/**
 * @file vcow/val.h
 * values and byte slices.
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

/** A byte string: len bytes at ptr. */
typedef struct vcow_slice {
    const void *ptr; /**< the first byte */
    size_t len;      /**< the number of bytes */
} vcow_slice;

/** The type of a vcow_val: which member of its union u holds the value. */
enum vcow_type {
    VCOW_T_NONE = 0,  /**< no value (an empty box) */
    VCOW_T_BYTES = 1, /**< u.bytes */
    VCOW_T_I64 = 2,   /**< u.i64 */
    VCOW_T_F64 = 3,   /**< u.f64 */
    VCOW_T_BOOL = 4,  /**< u.b */
    VCOW_T_MAP = 5,   /**< a nested HAMT root */
    VCOW_T_TREE = 6,  /**< a nested B+tree root */
    VCOW_T_ROPE = 7,  /**< a nested rope root */
};

/** A value: its type, and the value in the member of u that the type names. */
typedef struct vcow_val {
    enum vcow_type type; /**< which member of u holds the value */
    /** The value. */
    union {
        vcow_slice bytes; /**< VCOW_T_BYTES */
        int64_t i64;      /**< VCOW_T_I64 */
        double f64;       /**< VCOW_T_F64 */
        bool b;           /**< VCOW_T_BOOL */
        const void *root; /**< nested structures: opaque, owned by the version */
    } u;                  /**< the value */
} vcow_val;

/**
 * What iteration calls for each entry (vcow_map_iter, vcow_tree_range):
 * its key and value, pointing into the version. Return 0 to go on; any
 * other value stops the walk and is returned by the call (use values that
 * cannot be confused with VCOW_E* codes, e.g. positive ones).
 */
typedef int vcow_visit_fn(vcow_slice key, const vcow_val *val, void *ctx);

/**
 * What a diff calls for each key whose entry differs (vcow_map_diff,
 * vcow_tree_diff): before == NULL for a key only in the newer version
 * (added), after == NULL for a key only in the older one (removed), both
 * set for a changed value. Return values work as for vcow_visit_fn.
 */
typedef int vcow_diff_fn(vcow_slice key, const vcow_val *before, const vcow_val *after, void *ctx);

/** The longest byte value vcow stores (keys have their own limits). */
#define VCOW_VAL_MAX_BYTES ((size_t)1 << 30)

/** A VCOW_T_BYTES value naming the len bytes at ptr (they are not copied). */
static inline vcow_val vcow_val_bytes(const void *ptr, size_t len)
{
    vcow_val v;
    v.type = VCOW_T_BYTES;
    v.u.bytes.ptr = ptr;
    v.u.bytes.len = len;
    return v;
}

/** A VCOW_T_I64 value. */
static inline vcow_val vcow_val_i64(int64_t x)
{
    vcow_val v;
    v.type = VCOW_T_I64;
    v.u.i64 = x;
    return v;
}

/** A VCOW_T_F64 value. */
static inline vcow_val vcow_val_f64(double x)
{
    vcow_val v;
    v.type = VCOW_T_F64;
    v.u.f64 = x;
    return v;
}

/** A VCOW_T_BOOL value. */
static inline vcow_val vcow_val_bool(bool x)
{
    vcow_val v;
    v.type = VCOW_T_BOOL;
    v.u.b = x;
    return v;
}

VCOW_END_DECLS

#endif
