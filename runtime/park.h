/*
 * runtime/park.h - parking points for the progress tests.
 *
 * A test arms one point (vcow_debug_park_at, vcow/debug.h); the next
 * thread that reaches it blocks there until the test releases it, while
 * the test checks that every other thread's calls still return: a parked
 * committer, claimer or reclaimer must delay nobody (runtime/reclaim.c
 * (j)). Disarmed, a point is one relaxed load of a word nobody writes.
 */
#ifndef VCOW_RUNTIME_PARK_H
#define VCOW_RUNTIME_PARK_H

#include <stdatomic.h>

#include "base/compiler.h"
#include <vcow/debug.h>

extern _Atomic int vcow__park_armed; /* the armed point, 0: none */
void vcow__park(int point);

/* relaxed: a test hook; the park itself synchronises with a mutex. */
#define VCOW_PARK(point)                                                                           \
    do {                                                                                           \
        if (VCOW_UNLIKELY(atomic_load_explicit(&vcow__park_armed, memory_order_relaxed) ==         \
                          (point)))                                                                \
            vcow__park(point);                                                                     \
    } while (0)

#endif
