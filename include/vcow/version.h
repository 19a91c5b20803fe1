/**
 * @file vcow/version.h
 * which vcow this is.
 *
 * The macros give the version a program was compiled against;
 * vcow_library_version_number gives the library it runs with. CMake reads
 * the project version from the three macros below (one source of truth).
 *
 * Compatibility (until 1.0 every minor release may break the API and ABI):
 *   - the shared library's soname is libvcow.so.MAJOR; from 1.0 on, a
 *     release that breaks the ABI raises MAJOR, and the soname with it;
 *   - MINOR adds API and keeps the ABI; PATCH fixes bugs only;
 *   - every change a user can see is written in CHANGELOG.md.
 */
#ifndef VCOW_VERSION_H
#define VCOW_VERSION_H

#include <vcow/common.h>

/** The version this header belongs to: MAJOR.MINOR.PATCH. @{ */
#define VCOW_VERSION_MAJOR 0
#define VCOW_VERSION_MINOR 2
#define VCOW_VERSION_PATCH 0
/** @} */

/** MAJOR * 10000 + MINOR * 100 + PATCH, for \#if comparisons. */
#define VCOW_VERSION_NUMBER                                                                        \
    (VCOW_VERSION_MAJOR * 10000 + VCOW_VERSION_MINOR * 100 + VCOW_VERSION_PATCH)

/** Helpers for VCOW_VERSION_STRING: expand, then stringify. @{ */
#define VCOW_VERSION_STR_(x) #x
#define VCOW_VERSION_STR(x)  VCOW_VERSION_STR_(x)
/** @} */
/** "MAJOR.MINOR.PATCH" */
#define VCOW_VERSION_STRING                                                                        \
    VCOW_VERSION_STR(VCOW_VERSION_MAJOR)                                                           \
    "." VCOW_VERSION_STR(VCOW_VERSION_MINOR) "." VCOW_VERSION_STR(VCOW_VERSION_PATCH)

VCOW_BEGIN_DECLS

/** The running library's VCOW_VERSION_NUMBER and VCOW_VERSION_STRING. @{ */
VCOW_API int vcow_library_version_number(void);
VCOW_API const char *vcow_library_version(void);
/** @} */

VCOW_END_DECLS

#endif
