/*
 * tests/freed.h - "every node vcow allocated is freed", shared by the
 * tests (tests/test.h) and the stress programs (stress/stress.h).
 */
#ifndef VCOW_TESTS_FREED_H
#define VCOW_TESTS_FREED_H

#include <stdio.h>
#include <vcow/vcow.h>

/* Waits for the reclaimer to catch up (vcow_gc_barrier also waits for the
 * slices of huge lists), then names every kind with nodes still live on
 * stderr. Returns how many such kinds there are, or -1 if a call failed. */
static inline int vcow_test_kinds_live(void)
{
    if (vcow_gc_barrier() != VCOW_OK)
        return -1;
    int live = 0;
    for (int k = 0; k < VCOW_MEM_COUNT; k++) {
        struct vcow_mem_stats s;
        if (vcow_mem_get_stats((enum vcow_mem)k, &s) != VCOW_OK)
            return -1;
        if (s.nodes != 0 || s.bytes != 0) {
            fprintf(stderr, "kind %s: %lld nodes, %lld bytes live\n",
                    vcow_mem_name((enum vcow_mem)k), (long long)s.nodes, (long long)s.bytes);
            live++;
        }
    }
    return live;
}

#endif
