/*
 * runtime/blob.h - blob nodes: long keys and values stored out of line, in
 * the same lineage as the structure node that points to them.
 *
 *   offset size
 *   0      16   struct vcow_node (kind VCOW_MEM_BLOB)
 *   16     8    len
 *   24     len  bytes
 *
 * A blob has no children. A structure node that holds a blob pointer must
 * report it from its walk function, and replace/retire it like any node.
 */
#ifndef VCOW_RUNTIME_BLOB_H
#define VCOW_RUNTIME_BLOB_H

#include "txn.h"

struct vcow_blob {
    struct vcow_node hdr;
    uint64_t len;
    unsigned char bytes[];
};

/* A new blob holding a copy of ptr[0..len). NULL when allocation fails. */
struct vcow_blob *vcow_blob_new(vcow_txn *t, const void *ptr, size_t len);

#endif
