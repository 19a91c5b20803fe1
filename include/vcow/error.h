/**
 * @file vcow/error.h
 * the one error convention of vcow.
 *
 * Every fallible call returns int: VCOW_OK (0) on success or one of the
 * negative VCOW_E* codes below. The codes sit in a reserved range
 * (-30600 .. -30501) so that they can never be confused with an errno value
 * or with a count a function might return. A call that fails leaves every
 * cell and every published version exactly as it was.
 */
#ifndef VCOW_ERROR_H
#define VCOW_ERROR_H

#include <vcow/common.h>

VCOW_BEGIN_DECLS

/** The error codes: VCOW_OK, or one of the negative codes in the reserved range. */
enum vcow_error {
    VCOW_OK = 0,             /**< success */
    VCOW_ENOMEM = -30501,    /**< an allocation failed; nothing was changed */
    VCOW_EINVAL = -30502,    /**< a bad argument: NULL, wrong type, over a limit */
    VCOW_ERANGE = -30503,    /**< a position, rank or range outside the structure */
    VCOW_ENOENT = -30504,    /**< no such key, version or path */
    VCOW_ECONFLICT = -30505, /**< the cell's head moved since the txn began */
    VCOW_ECORRUPT = -30506,  /**< an internal invariant does not hold */
    VCOW_ESTATE = -30507,    /**< the object is not in a state that allows the call */
    VCOW_EAGAIN = -30508,    /**< the resource is busy; the call may be retried */
    VCOW_EDEPS = -30509,     /**< a system facility vcow needs is unavailable */
    VCOW_ETYPE = -30510,     /**< the value has another type than the one asked for */
    VCOW_ECOND = -30511, /**< a commit condition does not hold (vcow/cell.h); nothing committed */
};

/**
 * vcow_strerror - a static, human-readable description of an error code.
 * Never returns NULL; unknown codes get "unknown vcow error".
 * Thread-safe; may be called anywhere.
 */
VCOW_API const char *vcow_strerror(int err);

VCOW_END_DECLS

#endif
