/*
 * tests/gc/test_gc.c - one test body for every reclamation backend.
 *
 * Built once per backend (ctest names gc.<part>.<backend>). Parts:
 *   basic     single-threaded contract: nesting, ESTATE, barrier, stats
 *   publish   writers swap objects in shared slots and defer the old ones;
 *             readers check a canary in every object they reach. A freed
 *             object is poisoned first, so a premature free is seen as a
 *             bad canary (and by ASan as a use after free, by TSan as a race)
 *   threads   1,000 short-lived threads read, defer and exit: no thread
 *             stays registered, every callback runs, nothing leaks
 */
#include <pthread.h>
#include <stdatomic.h>

#include "gc/gc_int.h"
#include "tests/test.h"

#define ALIVE  0xA11CEA11CEA11CEull
#define POISON 0xDEADDEADDEADDEADull

struct obj {
    vcow_gc_head head;
    _Atomic uint64_t canary; /* atomic: a racing free must not be UB in the test */
    uint64_t value;
    uint64_t check; /* ~value */
};

static _Atomic uint64_t freed;

static void obj_free(vcow_gc_head *h)
{
    struct obj *o = (struct obj *)h;
    /* relaxed: the grace period orders this after every reader. */
    atomic_store_explicit(&o->canary, POISON, memory_order_relaxed);
    o->value = o->check = 0;
    free(o);
    atomic_fetch_add_explicit(&freed, 1, memory_order_relaxed);
}

static struct obj *obj_new(uint64_t v)
{
    struct obj *o = malloc(sizeof(*o));
    CHECK(o != NULL);
    atomic_init(&o->canary, ALIVE);
    o->value = v;
    o->check = ~v;
    return o;
}

/* ---- basic ---- */

static _Atomic int counted;
static void count_cb(vcow_gc_head *h)
{
    atomic_fetch_add(&counted, 1);
    free(h);
}

static void test_basic(void)
{
    CHECK(!vcow_in_read_section());
    vcow_read_lock();
    vcow_read_lock();
    CHECK(vcow_in_read_section());
    CHECK_RC(vcow_gc_barrier(), VCOW_ESTATE);
    CHECK_RC(vcow_gc_synchronize(), VCOW_ESTATE);
    CHECK_RC(vcow_thread_manual_quiescence(), VCOW_ESTATE);
    vcow_read_unlock();
    CHECK(vcow_in_read_section());
    vcow_read_unlock();
    CHECK(!vcow_in_read_section());

    struct vcow_gc_stats before, after;
    vcow_gc_get_stats(&before);
    for (int i = 0; i < 100; i++) {
        vcow_gc_head *h = malloc(sizeof(*h));
        CHECK(h != NULL);
        if (i % 2)
            vcow_read_lock(); /* defer is legal inside a read section too */
        vcow_gc_defer(h, count_cb);
        if (i % 2)
            vcow_read_unlock();
    }
    CHECK_OK(vcow_gc_barrier());
    CHECK_EQ_INT(atomic_load(&counted), 100);
    vcow_gc_get_stats(&after);
    CHECK_EQ_INT(after.deferred - before.deferred, 100);
    CHECK(after.run - before.run >= 100);
    CHECK_OK(vcow_gc_synchronize());
    vcow_gc_get_stats(&after);
    CHECK(after.synchronizes > before.synchronizes);
    CHECK(after.registered_threads >= 1);

    /* Manual quiescence (qsbr; a no-op elsewhere) keeps working. */
    CHECK_OK(vcow_thread_manual_quiescence());
    vcow_quiescent_state();
    vcow_thread_offline();
    vcow_thread_online();
    vcow_read_lock();
    vcow_read_unlock();
    CHECK_OK(vcow_gc_synchronize());
    CHECK(vcow_gc_backend() != NULL);
}

/* ---- publish ---- */

#define SLOTS 16
static _Atomic(struct obj *) slots[SLOTS];
static _Atomic int stop;
static _Atomic uint64_t reads;

static void *reader(void *arg)
{
    (void)arg;
    uint64_t n = 0;
    /* relaxed: a flag; the test's result does not depend on when it is seen. */
    while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
        vcow_read_lock();
        for (int i = 0; i < SLOTS; i++) {
            /* acquire: pairs with the writer's release exchange, so the
             * object's fields are initialised when we read them. */
            struct obj *o = atomic_load_explicit(&slots[i], memory_order_acquire);
            CHECK(atomic_load_explicit(&o->canary, memory_order_relaxed) == ALIVE);
            CHECK(o->check == ~o->value);
            n++;
        }
        vcow_read_unlock();
    }
    atomic_fetch_add(&reads, n);
    return NULL;
}

static void *writer(void *arg)
{
    unsigned long long seed = (unsigned long long)(uintptr_t)arg * 7919 + 1;
    uint64_t v = 0;
    while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
        struct obj *o = obj_new(++v);
        /* acq_rel: release publishes o's fields; acquire makes the old
         * object's fields ours before we hand it to the reclaimer. */
        struct obj *old =
            atomic_exchange_explicit(&slots[test_rand(&seed) % SLOTS], o, memory_order_acq_rel);
        vcow_gc_defer(&old->head, obj_free);
    }
    return NULL;
}

static void test_publish(double seconds)
{
    for (int i = 0; i < SLOTS; i++)
        atomic_init(&slots[i], obj_new(0));
    uint64_t freed0 = atomic_load(&freed);
    struct vcow_gc_stats s0;
    vcow_gc_get_stats(&s0);

    pthread_t th[4];
    for (int i = 0; i < 4; i++)
        CHECK(pthread_create(&th[i], NULL, i < 2 ? reader : writer, (void *)(uintptr_t)i) == 0);
    double end = test_now() + seconds;
    while (test_now() < end) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    atomic_store(&stop, 1);
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);

    CHECK_OK(vcow_gc_barrier());
    struct vcow_gc_stats s1;
    vcow_gc_get_stats(&s1);
    uint64_t deferred = s1.deferred - s0.deferred;
    /* Every deferred object has been freed once barrier returned. */
    CHECK_EQ_INT(atomic_load(&freed) - freed0, deferred);
    CHECK(deferred > 0);
    CHECK(atomic_load(&reads) > 0);
    printf("publish: %llu objects retired and freed, %llu objects read\n",
           (unsigned long long)deferred, (unsigned long long)atomic_load(&reads));
    for (int i = 0; i < SLOTS; i++)
        free(atomic_load(&slots[i]));
}

/* ---- threads ---- */

static void *short_lived(void *arg)
{
    (void)arg;
    vcow_read_lock();
    vcow_read_unlock();
    vcow_gc_defer(&obj_new(1)->head, obj_free);
    return NULL;
}

static void test_threads(void)
{
    /* Start the backend's own threads (ck-epoch's reclaimer) first. */
    vcow_gc_defer(&obj_new(1)->head, obj_free);
    CHECK_OK(vcow_gc_barrier());
    struct vcow_gc_stats s0, s1;
    vcow_gc_get_stats(&s0);
    uint64_t freed0 = atomic_load(&freed);

    for (int i = 0; i < 1000; i += 8) {
        pthread_t th[8];
        for (int j = 0; j < 8; j++)
            CHECK(pthread_create(&th[j], NULL, short_lived, NULL) == 0);
        for (int j = 0; j < 8; j++)
            pthread_join(th[j], NULL);
    }
    CHECK_OK(vcow_gc_barrier());
    vcow_gc_get_stats(&s1);
    CHECK_EQ_INT(s1.registered_threads, s0.registered_threads);
    CHECK_EQ_INT(atomic_load(&freed) - freed0, 1000);
}

int main(int argc, char **argv)
{
    const char *part = argc > 1 ? argv[1] : "basic";
    printf("backend %s, part %s\n", vcow_gc_backend(), part);
    if (strcmp(part, "basic") == 0)
        test_basic();
    else if (strcmp(part, "publish") == 0)
        test_publish(test_seconds(argc, argv, 2, 2.0));
    else if (strcmp(part, "threads") == 0)
        test_threads();
    else
        return 2;
    return 0;
}
