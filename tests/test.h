/*
 * tests/test.h - the few helpers vcow's tests share.
 *
 * CHECK fails the test with the file, line and expression; CHECK_OK prints
 * the vcow error too. Tests are plain programs: exit status 0 passes, 77
 * means skipped (ctest's SKIP_RETURN_CODE), anything else fails.
 */
#ifndef VCOW_TEST_H
#define VCOW_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <vcow/vcow.h>

#include "tests/freed.h"

#define TEST_SKIP 77

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);               \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#define CHECK_EQ_INT(a, b)                                                                         \
    do {                                                                                           \
        long long a_ = (long long)(a), b_ = (long long)(b);                                        \
        if (a_ != b_) {                                                                            \
            fprintf(stderr, "%s:%d: CHECK failed: %s == %s (%lld != %lld)\n", __FILE__, __LINE__,  \
                    #a, #b, a_, b_);                                                               \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#define CHECK_RC(call, expect)                                                                     \
    do {                                                                                           \
        int rc_ = (call);                                                                          \
        if (rc_ != (expect)) {                                                                     \
            fprintf(stderr, "%s:%d: %s returned %d (%s), expected %s\n", __FILE__, __LINE__,       \
                    #call, rc_, vcow_strerror(rc_), #expect);                                      \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#define CHECK_OK(call) CHECK_RC(call, VCOW_OK)

static inline double test_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* CLOCK_REALTIME in nanoseconds: the clock vcow stamps versions with. */
static inline int64_t test_realtime_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Seconds a stress-style test runs: argv value or the default. */
static inline double test_seconds(int argc, char **argv, int idx, double dflt)
{
    return argc > idx ? atof(argv[idx]) : dflt;
}

/* xorshift64*: a small deterministic generator for tests. */
static inline unsigned long long test_rand(unsigned long long *s)
{
    unsigned long long x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545F4914F6CDD1Dull;
}

/* Live nodes of one kind, process-wide. */
static inline int64_t test_live_nodes(enum vcow_mem k)
{
    struct vcow_mem_stats s;
    CHECK_OK(vcow_mem_get_stats(k, &s));
    return s.nodes;
}

/* Every node vcow allocated is freed, once the reclaimer has caught up. */
static inline void test_check_all_freed(void)
{
    CHECK_EQ_INT(vcow_test_kinds_live(), 0);
}

/*
 * The allocation-failure sweep: run the scripted sequence `run` with its
 * k-th allocation failing, for k = 1, 2, ... until a run sees no failure
 * (k has passed the number of allocations it makes), checking after each
 * run that every node was freed. Returns how many allocations were failed
 * in turn. run returns the failures it saw.
 */
static inline long test_oom_sweep(int (*run)(void))
{
    long k;
    for (k = 1;; k++) {
        vcow_debug_fail_alloc(k, false);
        int failures = run();
        vcow_debug_fail_alloc(0, false);
        test_check_all_freed();
        if (failures == 0)
            return k - 1;
    }
}

#endif
