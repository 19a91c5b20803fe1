/*
 * gc/thread.h - state every backend shares: the per-thread record,
 * registration on first use, counters and ThreadSanitizer annotations.
 * Internal to gc/.
 */
#ifndef VCOW_GC_THREAD_H
#define VCOW_GC_THREAD_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/compiler.h"
#include "gc_int.h"

#if defined(__SANITIZE_THREAD__)
#define VCOW_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define VCOW_TSAN 1
#endif
#endif

#ifdef VCOW_TSAN
#include <sanitizer/tsan_interface.h>
#endif

struct vcow_gc_tls {
    bool registered;
    bool in_callback; /* running a deferred callback (backend thread) */
    bool manual_qs;   /* urcu-qsbr: the thread announces quiescence itself */
    bool adopted;     /* registered with the backend by the user, not by vcow */
    unsigned nest;    /* read-section nesting depth */
    void *backend;    /* the backend's per-thread record (ck-epoch) */
};

extern _Thread_local struct vcow_gc_tls vcow_gc_tls;

/* Register the calling thread (slow path of the first vcow call). */
void vcow_gc_attach(void);

static inline struct vcow_gc_tls *vcow_gc_self(void)
{
    struct vcow_gc_tls *t = &vcow_gc_tls;
    if (VCOW_UNLIKELY(!t->registered))
        vcow_gc_attach();
    return t;
}

/* Implemented by the backend, called by gc/thread.c. */
void vcow_gcb_register(struct vcow_gc_tls *t);
void vcow_gcb_unregister(struct vcow_gc_tls *t);

/* Counters shared by all backends (relaxed: they are statistics only). */
struct vcow_gc_counters {
    _Atomic uint64_t deferred;
    _Atomic uint64_t run;
    _Atomic uint64_t synchronizes;
    _Atomic uint64_t registered;
    _Atomic uint64_t chained; /* defers made by callbacks (continuations) */
};
extern struct vcow_gc_counters vcow_gc_counters;

/*
 * ThreadSanitizer cannot see a grace period: liburcu is not instrumented and
 * ck's atomics are inline assembly. We tell it what RCU guarantees:
 *   - every read section ends with a release on one sync address;
 *   - every defer is a release on it;
 *   - every deferred callback, and every return from synchronize, begins
 *     with an acquire on it.
 * A callback runs after a grace period, so every read section that could
 * have seen the object has released before the acquire: the free is ordered
 * after every read, which is exactly the guarantee RCU gives.
 */
extern char vcow_gc_tsan_sync; /* only its address is used */
#ifdef VCOW_TSAN
#define vcow_tsan_release_on(addr) __tsan_release(addr)
#define vcow_tsan_acquire_on(addr) __tsan_acquire(addr)
#else
#define vcow_tsan_release_on(addr) ((void)(addr))
#define vcow_tsan_acquire_on(addr) ((void)(addr))
#endif
#define vcow_tsan_release() vcow_tsan_release_on(&vcow_gc_tsan_sync)
#define vcow_tsan_acquire() vcow_tsan_acquire_on(&vcow_gc_tsan_sync)

/*
 * vcow_gc_barrier's promise covers work a callback defers in turn (the
 * reclaimer frees a huge list in slices, each deferring the rest): run the
 * backend's barrier again until one passes with no callback deferring
 * anything new. backend_barrier is the backend's own one-shot barrier.
 */
static inline void vcow_gc_barrier_chained(void (*backend_barrier)(void))
{
    uint64_t before;
    do {
        /* acquire is not needed: the backend barrier orders the callbacks;
         * this only asks whether any of them chained more work. */
        before = atomic_load_explicit(&vcow_gc_counters.chained, memory_order_relaxed);
        backend_barrier();
    } while (atomic_load_explicit(&vcow_gc_counters.chained, memory_order_relaxed) != before);
}

/* Run one deferred callback (called by the backends). */
static inline void vcow_gc_run_one(vcow_gc_head *h)
{
    vcow_tsan_acquire();
    vcow_gc_tls.in_callback = true;
    h->fn(h);
    vcow_gc_tls.in_callback = false;
    /* relaxed: a statistic; vcow_gc_barrier orders through the backend. */
    atomic_fetch_add_explicit(&vcow_gc_counters.run, 1, memory_order_relaxed);
}

static inline void vcow_gc_count_defer(vcow_gc_head *h, vcow_gc_fn *fn)
{
    h->fn = fn;
    vcow_tsan_release();
    if (vcow_gc_tls.in_callback) /* relaxed: see vcow_gc_barrier_chained */
        atomic_fetch_add_explicit(&vcow_gc_counters.chained, 1, memory_order_relaxed);
    /* relaxed: a statistic. */
    atomic_fetch_add_explicit(&vcow_gc_counters.deferred, 1, memory_order_relaxed);
}

#endif
