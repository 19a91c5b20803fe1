/* base/yield.c - see yield.h. */
#include "yield.h"

#ifdef VCOW_YIELD_INJECT
#include <sched.h>
#include <stdint.h>

void vcow_yield_point(void)
{
    static _Thread_local uint64_t x = 0x9E3779B97F4A7C15ull;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    if ((x & 15) == 0)
        sched_yield();
}
#else
typedef int vcow_yield_unused; /* ISO C forbids an empty translation unit */
#endif
