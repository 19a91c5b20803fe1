/**
 * @file vcow/box.h
 * the box: a cell holding one immutable value (bytes, an
 * integer, a double or a bool), like Clojure's atom holding a string.
 * Open it with vcow_cell_open(VCOW_KIND_BOX, ...); version 0 holds no value
 * (type VCOW_T_NONE).
 */
#ifndef VCOW_BOX_H
#define VCOW_BOX_H

#include <vcow/cell.h>

VCOW_BEGIN_DECLS

/**
 * Read the value of a version (in a read section or pinned). Bytes point
 * into the version. Errors: VCOW_EINVAL (NULL, not a box version).
 */
VCOW_API int vcow_box_get(const vcow_version *v, vcow_val *out);

/**
 * Set the txn's value (bytes are copied). Errors: VCOW_EINVAL (NULL, not a
 * box, nested or unknown type, bytes over VCOW_VAL_MAX_BYTES), VCOW_ESTATE
 * (finished txn), VCOW_ENOMEM (the txn is unchanged).
 */
VCOW_API int vcow_box_set(vcow_txn *txn, vcow_val val);

/**
 * Cell conveniences: one-op txns through vcow_cell_update. vcow_box_cell_add
 * adds delta to an i64 box (an empty box counts as 0): VCOW_EINVAL if the
 * box holds another type, VCOW_ERANGE (nothing committed) if the sum would
 * overflow int64_t.
 * @{
 */
VCOW_API int vcow_box_cell_set(vcow_cell *cell, vcow_val val, uint64_t *seq);
VCOW_API int vcow_box_cell_add(vcow_cell *cell, int64_t delta, int64_t *result, uint64_t *seq);
/** @} */

VCOW_END_DECLS

#endif
