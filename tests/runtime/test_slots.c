/*
 * tests/runtime/test_slots.c - pins of the head in per-thread slots
 * (runtime/slots.h, runtime/reclaim.c (k)).
 *
 *   keep      a slot pin keeps its version readable across commits that
 *             replace it; once unpinned in a quiet cell, the version and
 *             its garbage are reclaimed with no further commit.
 *   overflow  3 x VCOW_SLOTS pins of the head on one thread (the slots run
 *             out, the rest are counts), each read, unpinned in a shuffled
 *             order; then nothing is held.
 *   handoff   a thread pins and exits; another unpins; a third thread
 *             adopts the exited thread's slots and pins through them.
 *   revive    vcow_version_pin of a slot pin, of a view of one and of a
 *             txn's base, after the version stopped being the head (its
 *             count is zero): the new pins keep it alive after the slot
 *             pin is gone.
 *   close     a cell with a slot pin open refuses to close.
 *   mt [s]    4 readers pin the head again and again, hold up to 12 pins
 *             each (past their slots), hand some to a neighbour to unpin,
 *             and add pins to pins, while 2 writers commit. The model: the
 *             version of seq s holds s, for as long as anyone pins it.
 *             Afterwards nothing is held and, after close, nothing is live.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "tests/test.h"

static vcow_cell *cell;

static int64_t value_of(const vcow_version *v)
{
    vcow_val x;
    CHECK_OK(vcow_box_get(v, &x));
    CHECK(x.type == VCOW_T_I64);
    return x.u.i64;
}

/* The model: every commit adds one, so the version of seq s holds s. */
static void check_model(const vcow_version *v)
{
    CHECK_EQ_INT(value_of(v), vcow_version_seq(v));
}

static void open_counter(void)
{
    CHECK_OK(vcow_cell_open(VCOW_KIND_BOX, NULL, &cell));
    CHECK_OK(vcow_box_cell_set(cell, vcow_val_i64(1), NULL)); /* seq 1 holds 1 */
}

/* Garbage not freed yet, once the reclaimer has caught up. */
static uint64_t held_settled(void)
{
    struct vcow_cell_stats s;
    for (int i = 0; i < 3; i++)
        CHECK_OK(vcow_gc_barrier()); /* the drain defers, then its batch runs */
    CHECK_OK(vcow_cell_get_stats(cell, &s));
    return s.held_bytes;
}

static void close_all_freed(void)
{
    CHECK_OK(vcow_cell_close(cell));
    CHECK_EQ_INT(vcow_test_kinds_live(), 0);
}

static void test_keep(void)
{
    open_counter();
    vcow_version *p;
    CHECK_OK(vcow_cell_pin_head(cell, &p));
    for (int i = 0; i < 100; i++)
        CHECK_OK(vcow_box_cell_add(cell, 1, NULL, NULL));
    CHECK(held_settled() > 0); /* p holds back every later commit's garbage */
    CHECK_EQ_INT(vcow_version_seq(p), 1);
    check_model(p);
    vcow_version_unpin(p);
    /* No commit after the unpin: the unpin itself must get it reclaimed. */
    CHECK_EQ_INT(held_settled(), 0);
    close_all_freed();
}

static void test_overflow(void)
{
    enum { N = 3 * 8 };
    open_counter();
    vcow_version *p[N];
    for (int i = 0; i < N; i++) {
        CHECK_OK(vcow_cell_pin_head(cell, &p[i]));
        CHECK_OK(vcow_box_cell_add(cell, 1, NULL, NULL));
    }
    for (int i = 0; i < N; i++) {
        CHECK_EQ_INT(vcow_version_seq(p[i]), i + 1);
        check_model(p[i]);
    }
    unsigned long long rng = 7;
    for (int i = N - 1; i > 0; i--) {
        int j = (int)(test_rand(&rng) % (unsigned long long)(i + 1));
        vcow_version *x = p[i];
        p[i] = p[j];
        p[j] = x;
    }
    for (int i = 0; i < N; i++) {
        check_model(p[i]);
        vcow_version_unpin(p[i]);
    }
    CHECK_EQ_INT(held_settled(), 0);
    close_all_freed();
}

static void *pin_and_exit(void *arg)
{
    CHECK_OK(vcow_cell_pin_head(cell, (vcow_version **)arg));
    return NULL;
}

static void *pin_commit_unpin(void *arg)
{
    (void)arg;
    for (int i = 0; i < 20; i++) {
        vcow_version *p;
        CHECK_OK(vcow_cell_pin_head(cell, &p));
        CHECK_OK(vcow_box_cell_add(cell, 1, NULL, NULL));
        check_model(p);
        vcow_version_unpin(p);
    }
    return NULL;
}

static void test_handoff(void)
{
    open_counter();
    for (int round = 0; round < 4; round++) {
        vcow_version *p = NULL;
        pthread_t t;
        CHECK(pthread_create(&t, NULL, pin_and_exit, &p) == 0);
        CHECK(pthread_join(t, NULL) == 0);
        CHECK_OK(vcow_box_cell_add(cell, 1, NULL, NULL));
        check_model(p); /* the pin outlived its thread */
        vcow_version_unpin(p);
        /* A new thread takes over the exited one's slots. */
        CHECK(pthread_create(&t, NULL, pin_commit_unpin, NULL) == 0);
        CHECK(pthread_join(t, NULL) == 0);
    }
    CHECK_EQ_INT(held_settled(), 0);
    close_all_freed();
}

static void test_revive(void)
{
    struct vcow_cell_opts o = {.size = sizeof(o)};
    CHECK_OK(vcow_cell_open(VCOW_KIND_MAP, &o, &cell));
    CHECK_OK(vcow_map_cell_set(cell, "n", vcow_val_i64(1), NULL));
    CHECK_OK(vcow_map_cell_set(cell, "m", (vcow_val){.type = VCOW_T_MAP}, NULL));

    vcow_version *s, *a, *b, *c, *d;
    CHECK_OK(vcow_cell_pin_head(cell, &s));
    vcow_txn *t;
    CHECK_OK(vcow_txn_begin(cell, &t));
    CHECK_OK(vcow_map_cell_set(cell, "n", vcow_val_i64(2), NULL)); /* s is old now */
    CHECK_OK(vcow_version_pin(s, &a));
    vcow_val m;
    CHECK_OK(vcow_map_get(s, "m", &m));
    vcow_view view;
    const vcow_version *nested = vcow_view_of(&view, s, m);
    CHECK(nested != NULL);
    CHECK_OK(vcow_version_pin(nested, &b));
    CHECK_OK(vcow_version_pin(vcow_txn_base(t), &c));
    CHECK_OK(vcow_version_pin(a, &d)); /* a count pin of a count pin */
    vcow_version_unpin(s);
    CHECK_OK(vcow_txn_abort(t));
    vcow_txn_free(t);
    for (int i = 0; i < 10; i++)
        CHECK_OK(vcow_map_cell_set(cell, "n", vcow_val_i64(3 + i), NULL));
    vcow_version *all[] = {a, b, c, d};
    for (int i = 0; i < 4; i++) {
        vcow_val x;
        CHECK_EQ_INT(vcow_version_seq(all[i]), 2);
        CHECK_OK(vcow_map_get(all[i], "n", &x));
        CHECK_EQ_INT(x.u.i64, 1);
    }
    CHECK(held_settled() > 0);
    for (int i = 0; i < 4; i++)
        vcow_version_unpin(all[i]);
    CHECK_EQ_INT(held_settled(), 0);
    close_all_freed();
}

static void test_close(void)
{
    open_counter();
    vcow_version *p;
    CHECK_OK(vcow_cell_pin_head(cell, &p));
    CHECK_RC(vcow_cell_close(cell), VCOW_ESTATE);
    CHECK_OK(vcow_box_cell_add(cell, 1, NULL, NULL));
    CHECK_RC(vcow_cell_close(cell), VCOW_ESTATE);
    vcow_version_unpin(p);
    close_all_freed();
}

/* ---- mt ---- */

enum { READERS = 4, HOLD = 12 };

static _Atomic int stop;
/* A pin handed from reader i to reader (i + 1) % READERS, who unpins it. */
static _Atomic(vcow_version *) mailbox[READERS];
static _Atomic uint64_t reads;

static void *reader(void *arg)
{
    int me = (int)(intptr_t)arg;
    unsigned long long rng = 1000 + (unsigned long long)me;
    vcow_version *held[HOLD];
    int n = 0;
    uint64_t count = 0, last = 0;
    /* relaxed: a stop flag. */
    while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
        vcow_version *p;
        CHECK_OK(vcow_cell_pin_head(cell, &p));
        check_model(p);
        CHECK(vcow_version_seq(p) >= last); /* the head never goes back */
        last = vcow_version_seq(p);
        switch (test_rand(&rng) % 4) {
        case 0: /* a pin of the pin, which may be a count from zero */
        {
            vcow_version *q;
            CHECK_OK(vcow_version_pin(p, &q));
            vcow_version_unpin(p);
            p = q;
        } break;
        case 1: /* hand one over; take the one handed to us */
        {
            /* acq_rel: the neighbour reads through the pin we hand it. */
            vcow_version *old = atomic_exchange(&mailbox[(me + 1) % READERS], p);
            if (old != NULL) {
                check_model(old);
                vcow_version_unpin(old);
            }
            p = NULL;
        } break;
        default:
            break;
        }
        if (p != NULL) {
            if (n == HOLD) {
                int k = (int)(test_rand(&rng) % HOLD);
                check_model(held[k]); /* still what it was */
                vcow_version_unpin(held[k]);
                held[k] = p;
            } else {
                held[n++] = p;
            }
        }
        vcow_version *in = atomic_exchange(&mailbox[me], NULL);
        if (in != NULL) {
            check_model(in);
            vcow_version_unpin(in);
        }
        count++;
    }
    for (int i = 0; i < n; i++) {
        check_model(held[i]);
        vcow_version_unpin(held[i]);
    }
    atomic_fetch_add(&reads, count);
    return NULL;
}

static void *committer(void *arg)
{
    (void)arg;
    /* relaxed: a stop flag. */
    while (!atomic_load_explicit(&stop, memory_order_relaxed))
        CHECK_OK(vcow_box_cell_add(cell, 1, NULL, NULL));
    return NULL;
}

static void test_mt(double seconds)
{
    open_counter();
    pthread_t r[READERS], w[2];
    for (int i = 0; i < READERS; i++)
        CHECK(pthread_create(&r[i], NULL, reader, (void *)(intptr_t)i) == 0);
    for (int i = 0; i < 2; i++)
        CHECK(pthread_create(&w[i], NULL, committer, NULL) == 0);
    double end = test_now() + seconds;
    while (test_now() < end)
        usleep(10000);
    atomic_store(&stop, 1);
    for (int i = 0; i < 2; i++)
        pthread_join(w[i], NULL);
    for (int i = 0; i < READERS; i++)
        pthread_join(r[i], NULL);
    for (int i = 0; i < READERS; i++) {
        vcow_version *p = atomic_exchange(&mailbox[i], NULL);
        if (p != NULL)
            vcow_version_unpin(p);
    }
    struct vcow_cell_stats s;
    CHECK_OK(vcow_cell_get_stats(cell, &s));
    printf("mt: %llu pins of the head, %llu commits\n", (unsigned long long)atomic_load(&reads),
           (unsigned long long)s.commits);
    CHECK(atomic_load(&reads) > 0 && s.commits > 0);
    CHECK_EQ_INT(held_settled(), 0);
    close_all_freed();
}

int main(int argc, char **argv)
{
    const char *part = argc > 1 ? argv[1] : "";
    if (strcmp(part, "keep") == 0)
        test_keep();
    else if (strcmp(part, "overflow") == 0)
        test_overflow();
    else if (strcmp(part, "handoff") == 0)
        test_handoff();
    else if (strcmp(part, "revive") == 0)
        test_revive();
    else if (strcmp(part, "close") == 0)
        test_close();
    else if (strcmp(part, "mt") == 0)
        test_mt(test_seconds(argc, argv, 2, 3.0));
    else
        return 2;
    printf("%s: ok\n", part);
    return 0;
}
