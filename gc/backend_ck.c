/*
 * gc/backend_ck.c - the ConcurrencyKit ck_epoch backend.
 *
 * Read sections are ck_epoch_begin/end on the thread's own record. ck_epoch
 * keeps deferred callbacks per record and runs them only when that record
 * polls, which does not fit a library whose writers may be any thread. So
 * deferral is ours, shaped like liburcu's call_rcu: defer pushes onto one
 * queue; a reclaimer thread takes the whole queue, waits one grace period
 * (ck_epoch_synchronize on its own record) and runs the batch.
 *
 * The queue is a mutex and a condition variable: defer runs once per commit,
 * not per read, and a plain lock keeps the hand-off visible to
 * ThreadSanitizer (ck's atomics are inline assembly TSan cannot see).
 */
#include <ck_epoch.h>
#include <pthread.h>
#include <stdlib.h>

#include "thread.h"
#include "base/panic.h"
#include "base/yield.h"
#include <vcow/error.h>

_Static_assert(sizeof(void *) <= sizeof(((vcow_gc_head *)0)->backend),
               "the queue link must fit in vcow_gc_head.backend");

static ck_epoch_t epoch;
static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static struct {
    pthread_mutex_t lock;
    pthread_cond_t work; /* signalled when the queue gets work */
    pthread_cond_t done; /* broadcast after each batch has run */
    vcow_gc_head *head;  /* LIFO of deferred heads, linked via backend[0] */
    uint64_t queued;     /* heads ever queued (under lock) */
    uint64_t finished;   /* heads whose callback has run (under lock) */
    bool started;
} q = {
    .lock = PTHREAD_MUTEX_INITIALIZER,
    .work = PTHREAD_COND_INITIALIZER,
    .done = PTHREAD_COND_INITIALIZER,
};

static void init(void)
{
    ck_epoch_init(&epoch);
}

const char *vcow_gc_backend(void)
{
    return "ck-epoch";
}

void vcow_gcb_register(struct vcow_gc_tls *t)
{
    pthread_once(&init_once, init);
    ck_epoch_record_t *rec = ck_epoch_recycle(&epoch, NULL);
    if (rec == NULL) {
        rec = malloc(sizeof(*rec));
        if (rec == NULL)
            abort(); /* a few hundred bytes at thread start; nothing to undo */
        ck_epoch_register(&epoch, rec, NULL);
    }
    /* A recycled record was handed over by ck's (inline-assembly) atomics,
     * which TSan cannot see: pairs with the release in unregister. */
    vcow_tsan_acquire_on(rec);
    t->backend = rec;
}

void vcow_gcb_unregister(struct vcow_gc_tls *t)
{
    /* The record stays on the epoch's list for ck_epoch_recycle. */
    vcow_tsan_release_on(t->backend);
    ck_epoch_unregister(t->backend);
    t->backend = NULL;
}

void vcow_read_lock(void)
{
    struct vcow_gc_tls *t = vcow_gc_self();
    if (t->nest++ == 0) {
        VCOW_YIELD_POINT();
        ck_epoch_begin(t->backend, NULL);
    }
}

void vcow_read_unlock(void)
{
    struct vcow_gc_tls *t = &vcow_gc_tls;
    if (VCOW_UNLIKELY(t->nest == 0))
        vcow__panic("vcow_read_unlock", "not inside a read section (unpaired with vcow_read_lock)");
    if (--t->nest == 0) {
        vcow_tsan_release();
        ck_epoch_end(t->backend, NULL);
    }
}

int vcow_thread_manual_quiescence(void)
{
    return vcow_gc_self()->nest != 0 ? VCOW_ESTATE : VCOW_OK;
}

void vcow_quiescent_state(void) {}

void vcow_thread_offline(void) {}

void vcow_thread_online(void) {}

static void *reclaimer(void *arg)
{
    (void)arg;
    struct vcow_gc_tls *t = vcow_gc_self();
    pthread_mutex_lock(&q.lock);
    for (;;) {
        while (q.head == NULL)
            pthread_cond_wait(&q.work, &q.lock);
        vcow_gc_head *batch = q.head;
        q.head = NULL;
        pthread_mutex_unlock(&q.lock);

        ck_epoch_synchronize(t->backend);
        uint64_t n = 0;
        while (batch != NULL) {
            vcow_gc_head *next = batch->backend[0];
            vcow_gc_run_one(batch);
            batch = next;
            n++;
        }

        pthread_mutex_lock(&q.lock);
        q.finished += n;
        pthread_cond_broadcast(&q.done);
    }
    return NULL;
}

void vcow_gc_defer(vcow_gc_head *head, vcow_gc_fn *fn)
{
    vcow_gc_self();
    vcow_gc_count_defer(head, fn);
    pthread_mutex_lock(&q.lock);
    if (!q.started) {
        pthread_t tid;
        if (pthread_create(&tid, NULL, reclaimer, NULL) != 0)
            abort(); /* once per process; no way to reclaim without it */
        pthread_detach(tid);
        q.started = true;
    }
    head->backend[0] = q.head;
    q.head = head;
    q.queued++;
    pthread_cond_signal(&q.work);
    pthread_mutex_unlock(&q.lock);
}

int vcow_gc_synchronize(void)
{
    struct vcow_gc_tls *t = vcow_gc_self();
    if (t->nest != 0)
        return VCOW_ESTATE;
    ck_epoch_synchronize(t->backend);
    vcow_tsan_acquire();
    /* relaxed: a statistic. */
    atomic_fetch_add_explicit(&vcow_gc_counters.synchronizes, 1, memory_order_relaxed);
    return VCOW_OK;
}

static void ck_barrier_once(void)
{
    pthread_mutex_lock(&q.lock);
    uint64_t target = q.queued;
    while (q.finished < target)
        pthread_cond_wait(&q.done, &q.lock);
    pthread_mutex_unlock(&q.lock);
}

int vcow_gc_barrier(void)
{
    struct vcow_gc_tls *t = vcow_gc_self();
    if (t->nest != 0)
        return VCOW_ESTATE;
    vcow_gc_barrier_chained(ck_barrier_once);
    return VCOW_OK;
}
