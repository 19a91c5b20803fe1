/*
 * tests/tree/model.h - what the two differential tests of the tree
 * (test_tree_model.c: memcmp order, test_tree_cmp.c: cell comparators)
 * share: the key-universe size and generator state, value tags, and the
 * model side of range bounds.
 */
#ifndef VCOW_TESTS_TREE_MODEL_H
#define VCOW_TESTS_TREE_MODEL_H

#include <stdint.h>

#include "tests/test.h"
#include <vcow/tree.h>

#define CHECK_IN(c) ((c) ? (void)0 : (fprintf(stderr, "out of range: %s\n", #c), abort()))

static unsigned K; /* keys in the universe */
static unsigned long long rng;

static unsigned rnd(unsigned n)
{
    return (unsigned)(test_rand(&rng) % n);
}

static unsigned char valbuf[256];

static vcow_val val_of(uint32_t tag)
{
    if (tag % 3 == 0)
        return vcow_val_i64((int64_t)tag * 1000003);
    size_t len = tag % 150;
    for (size_t i = 0; i < len; i++)
        valbuf[i] = (unsigned char)(tag + i * 31);
    return vcow_val_bytes(valbuf, len);
}

static bool val_is(const vcow_val *v, uint32_t tag)
{
    vcow_val e = val_of(tag);
    if (v->type != e.type)
        return false;
    if (e.type == VCOW_T_I64)
        return v->u.i64 == e.u.i64;
    return v->u.bytes.len == e.u.bytes.len &&
           (e.u.bytes.len == 0 || memcmp(v->u.bytes.ptr, e.u.bytes.ptr, e.u.bytes.len) == 0);
}

/* Model indices [from, to) covered by bounds lo, hi (indices) and flags. */
static void model_bounds(unsigned lo, unsigned hi, unsigned flags, unsigned *from, unsigned *to)
{
    *from = flags & VCOW_TREE_NO_LO ? 0 : lo + (flags & VCOW_TREE_LO_EXCL ? 1 : 0);
    *to = flags & VCOW_TREE_NO_HI ? K : hi + (flags & VCOW_TREE_HI_INCL ? 1 : 0);
    if (*to < *from)
        *to = *from;
}

static unsigned count_present(const uint32_t *m, unsigned from, unsigned to)
{
    unsigned n = 0;
    for (unsigned i = from; i < to; i++)
        n += m[i] != 0;
    return n;
}

static int never_fn(vcow_slice key, const vcow_val *val, void *ctx)
{
    (void)key;
    (void)val;
    (void)ctx;
    CHECK(!"called on an inverted range");
    return 0;
}

#endif
