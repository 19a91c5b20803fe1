/*
 * tests/runtime/test_progress.c - a thread parked anywhere delays nobody.
 *
 * vcow is lock-free (runtime/reclaim.c (j)): only vcow_cell_close and the
 * backpressure wait may wait for another thread. For each parking point of
 * the commit, maintenance, reclamation and unpin paths (vcow/debug.h), one
 * thread is parked there indefinitely while two writers complete 10,000
 * commits and the main thread 10,000 calls of pin_at, pin_as_of,
 * versions, stats and pin/unpin (2,000 rounds of each). Every call must return (a watchdog alarm
 * fails the test otherwise), and afterwards the counter holds every
 * commit, versions are contiguous and times monotonic, and once the parked
 * thread is let go and the cell closed, every node is freed.
 *
 *   test_progress <point name>|all
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <unistd.h>

#include "tests/test.h"

#define COMMITS 10000
#define ROUNDS  2000 /* x 5 calls: pin_at, pin_as_of, versions, stats, pin_head + unpin */

static const char *const names[VCOW_PARK_COUNT] = {
    [VCOW_PARK_COMMIT_BEFORE_CAS] = "commit_before_cas",
    [VCOW_PARK_COMMIT_AFTER_CAS] = "commit_after_cas",
    [VCOW_PARK_COMMIT_AFTER_STAMP] = "commit_after_stamp",
    [VCOW_PARK_COMMIT_BEFORE_RELEASE] = "commit_before_release",
    [VCOW_PARK_SCAN] = "scan",
    [VCOW_PARK_RECLAIM] = "reclaim",
    [VCOW_PARK_BACKPRESSURE] = "backpressure",
    [VCOW_PARK_UNPIN] = "unpin",
};

static vcow_cell *cell;
static int point;
static _Atomic int stage; /* 1: A is ready to be armed, 2: armed, go */

/* The thread that gets parked (except at RECLAIM: the reclaimer is). */
static void *parked_thread(void *arg)
{
    (void)arg;
    vcow_version *v = NULL;
    if (point == VCOW_PARK_UNPIN) {
        /* A version whose unpin is its death: pinned, then replaced. The
         * pin is a count (a pin of a pin), so the unpin that parks is the
         * one that lets the version die. */
        vcow_version *head;
        CHECK_OK(vcow_cell_pin_head(cell, &head));
        CHECK_OK(vcow_version_pin(head, &v));
        vcow_version_unpin(head);
        CHECK_OK(vcow_box_cell_add(cell, 1, NULL, NULL));
    }
    atomic_store(&stage, 1);
    while (atomic_load(&stage) != 2)
        usleep(100);
    if (point == VCOW_PARK_UNPIN)
        vcow_version_unpin(v); /* parks after its decrement */
    else if (point != VCOW_PARK_RECLAIM)
        CHECK_OK(vcow_box_cell_add(cell, 1, NULL, NULL)); /* parks inside */
    return NULL;
}

static void *writer(void *arg)
{
    (void)arg;
    for (int i = 0; i < COMMITS / 2; i++)
        CHECK_OK(vcow_box_cell_add(cell, 1, NULL, NULL));
    return NULL;
}

/* History reads, each of which must return while the thread is parked. */
static void reader_rounds(unsigned long long *rng)
{
    struct vcow_version_info info[16];
    for (int i = 0; i < ROUNDS; i++) {
        struct vcow_cell_stats s;
        CHECK_OK(vcow_cell_get_stats(cell, &s));
        vcow_version *v;
        uint64_t back = test_rand(rng) % 64;
        uint64_t seq = s.head_seq > back ? s.head_seq - back : 0;
        int rc = vcow_cell_pin_at(cell, seq, &v);
        CHECK(rc == VCOW_OK || rc == VCOW_ENOENT);
        if (rc == VCOW_OK) {
            CHECK_EQ_INT(vcow_version_seq(v), seq);
            vcow_version_unpin(v);
        }
        int64_t t = test_realtime_ns();
        rc = vcow_cell_pin_as_of(cell, t, &v);
        CHECK(rc == VCOW_OK || rc == VCOW_ENOENT);
        if (rc == VCOW_OK) {
            CHECK(vcow_version_time(v) <= t);
            vcow_version_unpin(v);
        }
        size_t n;
        CHECK_OK(vcow_cell_versions(cell, seq, seq + 15, info, 16, &n));
        for (size_t k = 1; k < n; k++) {
            CHECK(info[k].seq > info[k - 1].seq);
            CHECK(info[k].time_ns >= info[k - 1].time_ns);
        }
        CHECK_OK(vcow_cell_pin_head(cell, &v));
        vcow_version_unpin(v);
    }
}

static void on_alarm(int sig)
{
    (void)sig;
    static const char msg[] = "test_progress: a call did not return while a thread was parked\n";
    ssize_t r = write(2, msg, sizeof(msg) - 1);
    (void)r;
    abort();
}

static void run_point(int p)
{
    point = p;
    atomic_store(&stage, 0);
    bool history = p != VCOW_PARK_UNPIN && p != VCOW_PARK_RECLAIM && p != VCOW_PARK_BACKPRESSURE;
    struct vcow_cell_opts o = {.size = sizeof(o),
                               .history = history,
                               .keep_last = history ? 100 : 0,
                               /* backpressure: every commit's garbage is
                                * over the bound; elsewhere never (a thread
                                * parked in a read section stalls grace
                                * periods, which backpressure waits for). */
                               .max_pending_bytes =
                                   p == VCOW_PARK_BACKPRESSURE ? 1 : (uint64_t)1 << 30};
    CHECK_OK(vcow_cell_open(VCOW_KIND_BOX, &o, &cell));
    CHECK_OK(vcow_box_cell_set(cell, vcow_val_i64(0), NULL));

    pthread_t a;
    CHECK(pthread_create(&a, NULL, parked_thread, NULL) == 0);
    while (atomic_load(&stage) != 1)
        usleep(100);
    vcow_debug_park_at(p);
    atomic_store(&stage, 2);
    alarm(120);
    /* At RECLAIM the reclaimer parks on the next batch: make one. */
    for (int i = 0; !vcow_debug_parked(); i++) {
        CHECK(i < 100000);
        if (p == VCOW_PARK_RECLAIM)
            CHECK_OK(vcow_box_cell_add(cell, 1, NULL, NULL));
        usleep(100);
    }
    double t0 = test_now();
    pthread_t w[2];
    for (int i = 0; i < 2; i++)
        CHECK(pthread_create(&w[i], NULL, writer, NULL) == 0);
    unsigned long long rng = 42 + (unsigned long long)p;
    reader_rounds(&rng);
    for (int i = 0; i < 2; i++)
        pthread_join(w[i], NULL);
    double took = test_now() - t0;
    CHECK(vcow_debug_parked()); /* still parked: nobody needed it */
    alarm(0);

    vcow_debug_park_release();
    pthread_join(a, NULL);
    vcow_read_lock();
    vcow_val v;
    const vcow_version *h = vcow_cell_head(cell);
    CHECK_OK(vcow_box_get(h, &v));
    int64_t by_a = (p == VCOW_PARK_UNPIN || p == VCOW_PARK_RECLAIM) ? 0 : 1;
    /* Every commit counted once: the writers', A's, and (RECLAIM, UNPIN)
     * the ones made to get there. */
    CHECK(v.type == VCOW_T_I64);
    CHECK_EQ_INT(v.u.i64, (int64_t)vcow_version_seq(h) - 1);
    CHECK(v.u.i64 >= COMMITS + by_a);
    vcow_read_unlock();
    printf("%-22s parked; %d commits and %d history calls by others in %.2f s\n", names[p], COMMITS,
           5 * ROUNDS, took);
    CHECK_OK(vcow_cell_close(cell));
    test_check_all_freed();
}

int main(int argc, char **argv)
{
    const char *which = argc > 1 ? argv[1] : "all";
    signal(SIGALRM, on_alarm);
    int ran = 0;
    for (int p = 1; p < VCOW_PARK_COUNT; p++) {
        if (strcmp(which, "all") == 0 || strcmp(which, names[p]) == 0) {
            run_point(p);
            ran++;
        }
    }
    return ran > 0 ? 0 : 2;
}
