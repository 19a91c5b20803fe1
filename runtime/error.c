/* runtime/error.c - vcow_strerror. */
#include <vcow/error.h>

const char *vcow_strerror(int err)
{
    switch (err) {
    case VCOW_OK:
        return "success";
    case VCOW_ENOMEM:
        return "out of memory (nothing was changed)";
    case VCOW_EINVAL:
        return "invalid argument";
    case VCOW_ERANGE:
        return "position or range out of bounds";
    case VCOW_ENOENT:
        return "no such key, version or path";
    case VCOW_ECONFLICT:
        return "conflict: the cell changed since the transaction began";
    case VCOW_ECORRUPT:
        return "internal invariant violated";
    case VCOW_ESTATE:
        return "operation not allowed in the object's current state";
    case VCOW_EAGAIN:
        return "resource busy, try again";
    case VCOW_EDEPS:
        return "a system facility vcow needs is unavailable";
    case VCOW_ETYPE:
        return "the value has another type";
    case VCOW_ECOND:
        return "a commit condition does not hold (nothing was committed)";
    default:
        return "unknown vcow error";
    }
}
