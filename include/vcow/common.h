/**
 * @file vcow/common.h
 * definitions every vcow header shares.
 *
 * VCOW_API marks the symbols the shared library exports. Everything else is
 * built with hidden visibility, so the library's symbol table holds exactly
 * the vcow_ functions documented in these headers.
 */
#ifndef VCOW_COMMON_H
#define VCOW_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Marks a function the shared library exports. */
#if defined(__GNUC__)
#define VCOW_API __attribute__((visibility("default")))
#else
#define VCOW_API
#endif

/** Wrap the declarations of a header in extern "C" for C++. @{ */
#ifdef __cplusplus
#define VCOW_BEGIN_DECLS extern "C" {
#define VCOW_END_DECLS   }
#else
#define VCOW_BEGIN_DECLS
#define VCOW_END_DECLS
#endif
/** @} */

#endif
