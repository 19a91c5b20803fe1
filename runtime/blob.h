/*
 * runtime/blob.h - blob nodes: long keys and values stored out of line, in
 * the same lineage as the structure node that points to them.
 *
 *   offset    size     field
 *   0         16       struct vcow_node (kind VCOW_MEM_BLOB, size 24 + len + 1)
 *   16        8        len
 *   24        len      bytes
 *   24 + len  1        NUL
 *
 * The NUL, not counted in len, is what makes a byte value read from a
 * version a C string as it is (vcow/val.h); keys get it too, for one rule.
 * A blob has no children. A structure node that holds a blob pointer must
 * report it from its walk function, and replace/retire it like any node.
 */
#ifndef VCOW_RUNTIME_BLOB_H
#define VCOW_RUNTIME_BLOB_H

#include "txn.h"

struct vcow_blob {
    struct vcow_node hdr;
    uint64_t len;
    unsigned char bytes[]; /* len bytes, then a NUL */
};

/* A new blob holding a copy of ptr[0..len) and a NUL after it. NULL when
 * allocation fails. */
struct vcow_blob *vcow_blob_new(vcow_txn *t, const void *ptr, size_t len);

#endif
