/*
 * structures/box/box_int.h - what the box's files share.
 */
#ifndef VCOW_BOX_INTERNAL_H
#define VCOW_BOX_INTERNAL_H

#include <vcow/cell.h>

/* The box's revert hook (struct vcow_kind_ops, box_revert.c). */
int vcow__box_revert(vcow_txn *t, const vcow_version *from, const vcow_version *to);

#endif
