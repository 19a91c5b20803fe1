/*
 * base/compiler.h - compiler helpers gc/ and runtime/ share (ck_cc.h's
 * role): branch hints and container_of, defined once.
 */
#ifndef VCOW_BASE_COMPILER_H
#define VCOW_BASE_COMPILER_H

#include <stddef.h>

#define VCOW_LIKELY(x)   __builtin_expect(!!(x), 1)
#define VCOW_UNLIKELY(x) __builtin_expect(!!(x), 0)

/* The object of type `type` whose member `member` is at ptr. */
#define vcow_container_of(ptr, type, member)                                                       \
    ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

#endif
