/**
 * @file vcow/val.h
 * values and byte slices.
 *
 * A vcow_val is what a structure stores: bytes, a signed 64-bit integer, a
 * double, a bool, or the root of a nested structure of the same cell. A
 * vcow_val read from a version points into that version's nodes: it is
 * valid while the reader stays in its read section or holds a pin on the
 * version, and must not be written through.
 *
 * Make values with the constructors (vcow_val_str("10.0.0.1"),
 * vcow_val_i64(8080), vcow_val_map() for a new empty nested map, ...) and
 * read them with the accessors, which check the type:
 *
 * @code
 *   int64_t port;  const char *host;
 *   if (vcow_val_as_i64(&v, &port) == VCOW_OK) ...
 *   if (vcow_val_as_str(&v, &host) == VCOW_OK) printf("%s\n", host);
 * @endcode
 *
 * Byte values read from a version are followed by a NUL byte (not counted
 * in u.bytes.len), so a value that holds text is a C string as it is.
 */

#ifndef VCOW_VAL_H
#define VCOW_VAL_H

#include <string.h>

#include <vcow/common.h>
#include <vcow/error.h>

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
    VCOW_T_MAP = 5,   /**< a nested map (vcow/map.h) */
    VCOW_T_TREE = 6,  /**< a nested B+tree root */
    VCOW_T_ROPE = 7,  /**< a nested rope root */
    VCOW_T_ARRAY = 8, /**< a nested array (a map keyed "0".."n-1", vcow/map.h) */
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

/** A VCOW_T_BYTES value naming the C string s, without its NUL (not copied). */
static inline vcow_val vcow_val_str(const char *s)
{
    return vcow_val_bytes(s, s != NULL ? strlen(s) : 0);
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

/**
 * A new, empty nested structure to store under a key of a map (vcow/map.h):
 * vcow_map_set(t, "db", vcow_val_map()). Only an empty one can be stored;
 * fill it through paths or vcow_map_enter.
 * @{
 */
static inline vcow_val vcow_val_nested_empty(enum vcow_type type)
{
    vcow_val v;
    v.type = type;
    v.u.root = NULL;
    return v;
}
static inline vcow_val vcow_val_map(void)
{
    return vcow_val_nested_empty(VCOW_T_MAP);
}
static inline vcow_val vcow_val_array(void)
{
    return vcow_val_nested_empty(VCOW_T_ARRAY);
}
static inline vcow_val vcow_val_tree(void)
{
    return vcow_val_nested_empty(VCOW_T_TREE);
}
static inline vcow_val vcow_val_rope(void)
{
    return vcow_val_nested_empty(VCOW_T_ROPE);
}
/** @} */

/**
 * Typed reads: *out = the value when v has the type asked for, else
 * VCOW_ETYPE (and *out untouched); VCOW_EINVAL for NULL arguments.
 * vcow_val_as_str also answers VCOW_ETYPE for bytes that contain a NUL (they
 * are no C string); it is for values read from a version or made by
 * vcow_val_str, whose bytes are followed by a NUL.
 * @{
 */
static inline int vcow_val_as_i64(const vcow_val *v, int64_t *out)
{
    if (v == NULL || out == NULL)
        return VCOW_EINVAL;
    if (v->type != VCOW_T_I64)
        return VCOW_ETYPE;
    *out = v->u.i64;
    return VCOW_OK;
}
static inline int vcow_val_as_f64(const vcow_val *v, double *out)
{
    if (v == NULL || out == NULL)
        return VCOW_EINVAL;
    if (v->type != VCOW_T_F64)
        return VCOW_ETYPE;
    *out = v->u.f64;
    return VCOW_OK;
}
static inline int vcow_val_as_bool(const vcow_val *v, bool *out)
{
    if (v == NULL || out == NULL)
        return VCOW_EINVAL;
    if (v->type != VCOW_T_BOOL)
        return VCOW_ETYPE;
    *out = v->u.b;
    return VCOW_OK;
}
static inline int vcow_val_as_bytes(const vcow_val *v, vcow_slice *out)
{
    if (v == NULL || out == NULL)
        return VCOW_EINVAL;
    if (v->type != VCOW_T_BYTES)
        return VCOW_ETYPE;
    *out = v->u.bytes;
    return VCOW_OK;
}
static inline int vcow_val_as_str(const vcow_val *v, const char **out)
{
    if (v == NULL || out == NULL)
        return VCOW_EINVAL;
    if (v->type != VCOW_T_BYTES ||
        (v->u.bytes.len != 0 && memchr(v->u.bytes.ptr, 0, v->u.bytes.len) != NULL))
        return VCOW_ETYPE;
    *out = v->u.bytes.len != 0 ? (const char *)v->u.bytes.ptr : "";
    return VCOW_OK;
}
/** @} */

VCOW_END_DECLS

#endif
