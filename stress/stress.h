/*
 * stress/stress.h - what the stress programs share: options, the run
 * clock, failure reporting, RSS.
 *
 * Every program takes --threads N --seconds S --seed X, runs its writers
 * flat out and its readers checking invariants in every snapshot, prints
 * one line of figures ("key=value ...") and exits 0, or prints the
 * violated invariant and aborts.
 */
#ifndef VCOW_STRESS_H
#define VCOW_STRESS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <vcow/vcow.h>

#include "tests/freed.h"

struct stress_opts {
    int threads;
    double seconds;
    unsigned long long seed;
    int check_rss; /* --check-rss 0|1: assert RSS flatness (default 1) */
};

static inline struct stress_opts stress_parse(int argc, char **argv, int threads)
{
    struct stress_opts o = {threads, 3.0, 1, 1};
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--threads") == 0)
            o.threads = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--seconds") == 0)
            o.seconds = atof(argv[i + 1]);
        else if (strcmp(argv[i], "--seed") == 0)
            o.seed = strtoull(argv[i + 1], NULL, 0);
        else if (strcmp(argv[i], "--check-rss") == 0)
            o.check_rss = atoi(argv[i + 1]);
        else {
            fprintf(stderr, "usage: %s [--threads N] [--seconds S] [--seed X] [--check-rss 0|1]\n",
                    argv[0]);
            exit(2);
        }
    }
    if (o.threads < 1)
        o.threads = 1;
    return o;
}

#define STRESS_CHECK(cond)                                                                         \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: invariant violated: %s\n", __FILE__, __LINE__, #cond);         \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#define STRESS_OK(call)                                                                            \
    do {                                                                                           \
        int rc_ = (call);                                                                          \
        if (rc_ != VCOW_OK) {                                                                      \
            fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #call, vcow_strerror(rc_));     \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static inline double stress_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Resident set size in bytes (from /proc/self/statm). */
static inline long stress_rss(void)
{
    long pages = 0, rss = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f == NULL)
        return 0;
    if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
        rss = 0;
    fclose(f);
    return rss * sysconf(_SC_PAGESIZE);
}

static inline unsigned long long stress_rand(unsigned long long *s)
{
    unsigned long long x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545F4914F6CDD1Dull;
}

/* Let the threads run for `seconds`; returns the peak RSS seen meanwhile. */
static inline long stress_run(double seconds)
{
    long peak = 0;
    double end = stress_now() + seconds;
    while (stress_now() < end) {
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
        long rss = stress_rss();
        peak = rss > peak ? rss : peak;
    }
    return peak;
}

/*
 * Run o->threads writers (capped at 32) and as many readers for
 * o->seconds, then set *stop and join them all; returns the peak RSS seen.
 * Writer i gets seed * 7 + i as its argument, reader i seed + i.
 */
static inline long stress_run_pairs(const struct stress_opts *o, void *(*writer)(void *),
                                    void *(*reader)(void *), _Atomic int *stop)
{
    int n = o->threads > 32 ? 32 : o->threads;
    pthread_t th[64];
    for (int i = 0; i < n; i++) {
        STRESS_CHECK(pthread_create(&th[i], NULL, writer, (void *)(uintptr_t)(o->seed * 7 + i)) ==
                     0);
        STRESS_CHECK(pthread_create(&th[n + i], NULL, reader, (void *)(uintptr_t)(o->seed + i)) ==
                     0);
    }
    long peak_rss = stress_run(o->seconds);
    atomic_store(stop, 1);
    for (int i = 0; i < 2 * n; i++)
        pthread_join(th[i], NULL);
    return peak_rss;
}

/* True when built with a sanitizer (RSS is not meaningful there). */
static inline int stress_sanitized(void)
{
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    return 1;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
    return 1;
#endif
#endif
    return 0;
}

/* Every vcow node freed once the reclaimer has caught up. */
static inline void stress_check_all_freed(void)
{
    STRESS_CHECK(vcow_test_kinds_live() == 0);
}

#endif
