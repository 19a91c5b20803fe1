/*
 * gc/backend_urcu.c - the liburcu backends (memb, qsbr, bp).
 *
 * Compiled once per flavor with one of VCOW_GC_URCU_MEMB / _QSBR / _BP
 * defined; the flavor header maps the generic rcu_* names onto the flavor's
 * symbols (urcu_memb_read_lock, ...). In normal builds we define
 * _LGPL_SOURCE so read lock/unlock are inlined (a TLS store and a compiler
 * barrier under memb with membarrier). Sanitizer builds call into the
 * uninstrumented library instead:
 *   - TSan then sees none of urcu's internals and reports no false races on
 *     them (grace periods are annotated in gc/thread.h);
 *   - liburcu 0.13's urcu-bp places reader records at 32-byte offsets in its
 *     registry arenas although the type is declared 128-byte aligned, which
 *     UBSan reports inside the inlined fast path. Harmless on x86-64 and not
 *     vcow's code; out of line, UBSan does not instrument it.
 *
 * Grace periods and deferral are liburcu's own: call_rcu queues onto the
 * flavor's default call_rcu worker thread; rcu_barrier waits for it.
 */
#include "thread.h" /* first: it decides VCOW_TSAN */

#if !defined(VCOW_TSAN) && !defined(VCOW_SANITIZED)
#define _LGPL_SOURCE
#endif

/* The flavor headers #undef the generic rcu_* names at their end
 * (urcu/map/clear.h), so we name the flavor's symbols ourselves. */
#if defined(VCOW_GC_URCU_MEMB)
#include <urcu/urcu-memb.h>
#include <urcu/static/urcu-memb.h> /* the reader record's `registered` bit */
#define BACKEND_NAME "urcu-memb"
#define URCU(name)   urcu_memb_##name
#define REGISTERED() URCU_TLS(urcu_memb_reader).registered
#elif defined(VCOW_GC_URCU_QSBR)
#include <urcu/urcu-qsbr.h>
#include <urcu/static/urcu-qsbr.h> /* the reader record's `registered` bit */
#define BACKEND_NAME "urcu-qsbr"
#define URCU(name)   urcu_qsbr_##name
#define REGISTERED() URCU_TLS(urcu_qsbr_reader).registered
#define QSBR         1
#elif defined(VCOW_GC_URCU_BP)
#include <urcu/urcu-bp.h>
#define BACKEND_NAME "urcu-bp"
#define URCU(name)   urcu_bp_##name
/* urcu-bp registers lazily and its register call is idempotent: a thread
 * registered by the user needs nothing special. */
#define REGISTERED() 0
#else
#error "define one of VCOW_GC_URCU_MEMB, VCOW_GC_URCU_QSBR, VCOW_GC_URCU_BP"
#endif

#include <stddef.h>

#include "base/panic.h"
#include "base/yield.h"
#include <vcow/error.h>

_Static_assert(sizeof(struct rcu_head) <= sizeof(((vcow_gc_head *)0)->backend),
               "struct rcu_head must fit in vcow_gc_head.backend");

const char *vcow_gc_backend(void)
{
    return BACKEND_NAME;
}

void vcow_gcb_register(struct vcow_gc_tls *t)
{
    /*
     * A thread that registered itself with the same flavor (as every
     * cds_lfht user must) is adopted: registering again would trip
     * liburcu's assertion, and the user unregisters it, not us. Under qsbr
     * its online state is the user's too, so vcow treats it as a thread in
     * manual quiescence mode (vcow/gc.h).
     */
    if (REGISTERED()) {
        t->adopted = true;
#ifdef QSBR
        t->manual_qs = true;
#endif
        return;
    }
    URCU(register_thread)();
#ifdef QSBR
    /* Automatic mode: online only inside read sections (see vcow/gc.h). */
    if (!t->manual_qs)
        URCU(thread_offline)();
#else
    (void)t;
#endif
}

void vcow_gcb_unregister(struct vcow_gc_tls *t)
{
    (void)t;
    URCU(unregister_thread)();
}

void vcow_read_lock(void)
{
    struct vcow_gc_tls *t = vcow_gc_self();
    if (t->nest++ != 0)
        return;
    VCOW_YIELD_POINT();
#ifdef QSBR
    if (!t->manual_qs)
        URCU(thread_online)();
#endif
    URCU(read_lock)();
}

void vcow_read_unlock(void)
{
    struct vcow_gc_tls *t = &vcow_gc_tls;
    if (VCOW_UNLIKELY(t->nest == 0))
        vcow__panic("vcow_read_unlock", "not inside a read section (unpaired with vcow_read_lock)");
    if (--t->nest != 0)
        return;
    VCOW_YIELD_POINT();
    /* Before the reader record is cleared: see gc/thread.h. */
    vcow_tsan_release();
    URCU(read_unlock)();
#ifdef QSBR
    if (!t->manual_qs)
        URCU(thread_offline)();
#endif
}

int vcow_thread_manual_quiescence(void)
{
    struct vcow_gc_tls *t = vcow_gc_self();
    if (t->nest != 0)
        return VCOW_ESTATE;
#ifdef QSBR
    if (!t->manual_qs) {
        t->manual_qs = true;
        URCU(thread_online)();
    }
#endif
    return VCOW_OK;
}

void vcow_quiescent_state(void)
{
#ifdef QSBR
    struct vcow_gc_tls *t = vcow_gc_self();
    if (t->manual_qs && t->nest == 0) {
        vcow_tsan_release();
        URCU(quiescent_state)();
    }
#endif
}

void vcow_thread_offline(void)
{
#ifdef QSBR
    struct vcow_gc_tls *t = vcow_gc_self();
    if (t->manual_qs && t->nest == 0) {
        vcow_tsan_release();
        URCU(thread_offline)();
    }
#endif
}

void vcow_thread_online(void)
{
#ifdef QSBR
    struct vcow_gc_tls *t = vcow_gc_self();
    if (t->manual_qs && t->nest == 0)
        URCU(thread_online)();
#endif
}

static void urcu_callback(struct rcu_head *rh)
{
    vcow_gc_run_one(vcow_container_of(rh, vcow_gc_head, backend));
}

void vcow_gc_defer(vcow_gc_head *head, vcow_gc_fn *fn)
{
    vcow_gc_count_defer(head, fn);
    struct rcu_head *rh = (struct rcu_head *)(void *)head->backend;
    if (vcow_gc_tls.in_callback) {
        /* On liburcu's call_rcu worker, which liburcu registered itself:
         * call_rcu from a callback is allowed there as it is. */
        URCU(call_rcu)(rh, urcu_callback);
        return;
    }
    /* call_rcu takes a read lock internally: the thread must be registered
     * and, under qsbr, online. Our read section provides both. */
    vcow_read_lock();
    URCU(call_rcu)(rh, urcu_callback);
    vcow_read_unlock();
}

int vcow_gc_synchronize(void)
{
    struct vcow_gc_tls *t = vcow_gc_self();
    if (t->nest != 0)
        return VCOW_ESTATE;
    /* qsbr: an online (manual) thread is taken offline by liburcu itself. */
    URCU(synchronize_rcu)();
    vcow_tsan_acquire();
    /* relaxed: a statistic. */
    atomic_fetch_add_explicit(&vcow_gc_counters.synchronizes, 1, memory_order_relaxed);
    return VCOW_OK;
}

static void urcu_barrier_once(void)
{
    URCU(barrier)();
}

int vcow_gc_barrier(void)
{
    struct vcow_gc_tls *t = vcow_gc_self();
    if (t->nest != 0)
        return VCOW_ESTATE;
    vcow_gc_barrier_chained(urcu_barrier_once);
    return VCOW_OK;
}
