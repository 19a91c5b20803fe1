/*
 * gc/thread.c - automatic thread registration and the shared counters.
 *
 * A thread is registered with the backend on its first read section (or
 * defer, or synchronize). A pthread key whose destructor unregisters it
 * makes the exit path automatic too: users never call a registration
 * function. _Thread_local storage is still valid while key destructors run
 * (glibc frees static TLS after them), so the destructor may use it.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "thread.h"

_Thread_local struct vcow_gc_tls vcow_gc_tls;
struct vcow_gc_counters vcow_gc_counters;
char vcow_gc_tsan_sync; /* only its address is used (TSan annotations) */

static pthread_key_t exit_key;
static pthread_once_t exit_key_once = PTHREAD_ONCE_INIT;

static void thread_exit(void *arg)
{
    struct vcow_gc_tls *t = arg;
    if (t->nest != 0) {
        /* A thread that exits inside a read section would stall grace
         * periods forever; close the section so reclamation goes on. */
        fprintf(stderr, "vcow: thread exited inside a read section\n");
        t->nest = 1;
        vcow_read_unlock();
    }
    /* A thread the user registered with liburcu is the user's to
     * unregister: doing it here as well would trip liburcu's assertion. */
    if (!t->adopted)
        vcow_gcb_unregister(t);
    t->registered = false;
    /* relaxed: a statistic. */
    atomic_fetch_sub_explicit(&vcow_gc_counters.registered, 1, memory_order_relaxed);
}

static void make_exit_key(void)
{
    if (pthread_key_create(&exit_key, thread_exit) != 0)
        abort(); /* only fails when the process is out of keys at start-up */
}

void vcow_gc_attach(void)
{
    struct vcow_gc_tls *t = &vcow_gc_tls;
    pthread_once(&exit_key_once, make_exit_key);
    vcow_gcb_register(t);
    t->registered = true;
    /* A non-NULL value makes the destructor run at thread exit. */
    pthread_setspecific(exit_key, t);
    /* relaxed: a statistic. */
    atomic_fetch_add_explicit(&vcow_gc_counters.registered, 1, memory_order_relaxed);
}

bool vcow_in_read_section(void)
{
    return vcow_gc_tls.nest != 0;
}

void vcow_gc_get_stats(struct vcow_gc_stats *out)
{
    if (out == NULL)
        return;
    /* relaxed: statistics, each read atomically on its own. */
    out->deferred = atomic_load_explicit(&vcow_gc_counters.deferred, memory_order_relaxed);
    out->run = atomic_load_explicit(&vcow_gc_counters.run, memory_order_relaxed);
    out->pending = out->deferred >= out->run ? out->deferred - out->run : 0;
    out->synchronizes = atomic_load_explicit(&vcow_gc_counters.synchronizes, memory_order_relaxed);
    out->registered_threads =
        atomic_load_explicit(&vcow_gc_counters.registered, memory_order_relaxed);
}
