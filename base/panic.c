/* base/panic.c - see panic.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "panic.h"

void vcow__panic(const char *call, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "vcow: %s: ", call);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    fflush(stderr);
    abort();
}
