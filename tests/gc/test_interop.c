/*
 * tests/gc/test_interop.c - vcow and liburcu's own users in one thread.
 *
 * Every cds_lfht user registers its threads with liburcu. Such a thread
 * must be able to use vcow too: vcow adopts it (no second registration,
 * which liburcu asserts on) and leaves its unregistration to the user (a
 * second one would assert too). Built once per liburcu flavor; before the
 * fix the first vcow_read_lock of such a thread died in liburcu.
 *
 * Each of THREADS threads registers itself with the flavor, then mixes
 * cds_lfht inserts and lookups in its own read sections with vcow reads and
 * commits, and unregisters itself before it exits. Under qsbr it announces
 * its quiescent states itself, as a qsbr user does. At the end: every
 * insert is in the table, the counter cell counts every commit, no thread
 * stays registered with vcow, and nothing leaks.
 */
#include <pthread.h>

#if defined(VCOW_GC_URCU_MEMB)
#include <urcu/urcu-memb.h>
#define U(name) urcu_memb_##name
#define FLAVOR  urcu_memb_flavor
#elif defined(VCOW_GC_URCU_QSBR)
#include <urcu/urcu-qsbr.h>
#define U(name) urcu_qsbr_##name
#define FLAVOR  urcu_qsbr_flavor
#define QSBR    1
#elif defined(VCOW_GC_URCU_BP)
#include <urcu/urcu-bp.h>
#define U(name) urcu_bp_##name
#define FLAVOR  urcu_bp_flavor
#else
#error "define the liburcu flavor of the vcow library this test links"
#endif
#include <urcu/rculfhash.h>

#include "tests/test.h"

#define THREADS 4
#define ROUNDS  2000

static struct cds_lfht *table;
static vcow_cell *counter;

struct item {
    struct cds_lfht_node node;
    unsigned long key;
};

static int match(struct cds_lfht_node *n, const void *key)
{
    return ((struct item *)n)->key == *(const unsigned long *)key;
}

static void *worker(void *arg)
{
    unsigned long id = (unsigned long)(uintptr_t)arg;
    U(register_thread)(); /* before the first vcow call, as documented */
    for (unsigned long i = 0; i < ROUNDS; i++) {
        unsigned long key = id * ROUNDS + i;
        struct item *it = malloc(sizeof(*it));
        CHECK(it != NULL);
        it->key = key;
        cds_lfht_node_init(&it->node);
        U(read_lock)();
        cds_lfht_add(table, key, &it->node);
        U(read_unlock)();

        /* vcow's read section inside and outside liburcu's own. */
        vcow_read_lock();
        vcow_val v;
        CHECK_OK(vcow_box_get(vcow_cell_head(counter), &v));
        vcow_read_unlock();
        U(read_lock)();
        vcow_read_lock();
        struct cds_lfht_iter iter;
        cds_lfht_lookup(table, key, match, &key, &iter);
        CHECK(cds_lfht_iter_get_node(&iter) == &it->node);
        vcow_read_unlock();
        U(read_unlock)();

        CHECK_OK(vcow_box_cell_add(counter, 1, NULL, NULL));
#ifdef QSBR
        U(quiescent_state)();
#endif
    }
    U(unregister_thread)(); /* the user's to do; vcow must not do it again */
    return NULL;
}

/* Empty the table, counting its items, in a thread of liburcu's own (the
 * main thread was registered by vcow: liburcu refuses a second one). */
static void *drain(void *arg)
{
    unsigned long *n = arg;
    struct cds_lfht_iter iter;
    struct cds_lfht_node *node;
    U(register_thread)();
    U(read_lock)();
    cds_lfht_first(table, &iter);
    while ((node = cds_lfht_iter_get_node(&iter)) != NULL) {
        CHECK(cds_lfht_del(table, node) == 0);
        free(node); /* no reader can hold it: every worker is gone */
        (*n)++;
        cds_lfht_next(table, &iter);
    }
    U(read_unlock)();
    U(unregister_thread)();
    return NULL;
}

int main(void)
{
    CHECK_OK(vcow_cell_open(VCOW_KIND_BOX, NULL, &counter));
    table = cds_lfht_new_flavor(64, 64, 0, CDS_LFHT_AUTO_RESIZE, &FLAVOR, NULL);
    CHECK(table != NULL);
    struct vcow_gc_stats before, after;
    vcow_gc_get_stats(&before);
    pthread_t th[THREADS];
    for (unsigned long i = 0; i < THREADS; i++)
        CHECK(pthread_create(&th[i], NULL, worker, (void *)(uintptr_t)i) == 0);
    for (int i = 0; i < THREADS; i++)
        CHECK(pthread_join(th[i], NULL) == 0);
    vcow_gc_get_stats(&after);
    CHECK_EQ_INT(after.registered_threads, before.registered_threads);

    vcow_read_lock();
    vcow_val v;
    CHECK_OK(vcow_box_get(vcow_cell_head(counter), &v));
    CHECK(v.type == VCOW_T_I64 && v.u.i64 == THREADS * ROUNDS);
    vcow_read_unlock();

    /* Every insert is there. */
    unsigned long n = 0;
    pthread_t d;
    CHECK(pthread_create(&d, NULL, drain, &n) == 0);
    CHECK(pthread_join(d, NULL) == 0);
    CHECK_EQ_INT(n, THREADS * ROUNDS);
    CHECK(cds_lfht_destroy(table, NULL) == 0);

    CHECK_OK(vcow_cell_close(counter));
    test_check_all_freed();
    printf("interop (%s): %d threads registered with liburcu used vcow and cds_lfht\n",
           vcow_gc_backend(), THREADS);
    return 0;
}
