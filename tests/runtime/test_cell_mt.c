/*
 * tests/runtime/test_cell_mt.c - cells under concurrency.
 *
 *   counter [per-thread]  4 writers x N vcow_box_cell_add(+1) on one cell, one
 *             reader. Ends at exactly 4N; the committed sequence numbers
 *             are exactly 1..4N; in every snapshot value == seq (each
 *             commit adds one), and the reader never sees seq go back.
 *   garbage [commits]     no history, one writer commits flat out with a
 *             small max_pending_bytes while a reader reads; pending garbage
 *             never passes its bound, live nodes stay those of the head
 *             plus bounded garbage, and after close every counter is zero.
 *             The bound is small so that committers really have to help.
 *   asof [commits]        history all, one writer commits N versions while
 *             the main thread asks pin_as_of(now) again and again; after
 *             the writer stopped, every question asked again gets the same
 *             version, whose time is <= t and whose successor's is > t
 *             (as-of is stable: a commit stamped before it published used
 *             to change up to 179,539 answers in 200,000).
 *   stripes [rounds]      node counting by many threads: rounds of 12
 *             threads (more than own a counter stripe; the rest share one)
 *             each store N values, then exit and free their stripes for
 *             the next round's threads. After each round the cell counts
 *             exactly its head's nodes, and at the end nothing is live.
 */
#include <pthread.h>
#include <stdatomic.h>

#include "tests/test.h"

static vcow_cell *cell;
static _Atomic int stop;
static _Atomic uint64_t snapshots;
static bool reader_pins; /* garbage mode reads without pins: see there */

static void *reader(void *arg)
{
    (void)arg;
    uint64_t last = 0, n = 0;
    /* relaxed: a stop flag. */
    while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
        vcow_read_lock();
        const vcow_version *v = vcow_cell_head(cell);
        vcow_val val;
        CHECK_OK(vcow_box_get(v, &val));
        uint64_t seq = vcow_version_seq(v);
        CHECK(seq >= last);
        if (val.type == VCOW_T_I64)
            CHECK_EQ_INT(val.u.i64, seq);
        else
            CHECK(seq == 0);
        last = seq;
        vcow_read_unlock();
        n++;
        /* Pinned reads too: the pin outlives the read section. */
        if (reader_pins && n % 64 == 0) {
            vcow_version *p;
            CHECK_OK(vcow_cell_pin_head(cell, &p));
            CHECK_OK(vcow_box_get(p, &val));
            CHECK(val.type != VCOW_T_I64 || (uint64_t)val.u.i64 == vcow_version_seq(p));
            vcow_version_unpin(p);
        }
    }
    atomic_fetch_add(&snapshots, n);
    return NULL;
}

struct writer_arg {
    long n;
    uint64_t *seqs;
};

static void *writer(void *argp)
{
    struct writer_arg *a = argp;
    for (long i = 0; i < a->n; i++) {
        int64_t r;
        CHECK_OK(vcow_box_cell_add(cell, 1, &r, &a->seqs[i]));
        CHECK_EQ_INT((uint64_t)r, a->seqs[i]);
    }
    return NULL;
}

static int cmp_u64(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return a < b ? -1 : a > b;
}

static void test_counter(long per_thread)
{
    enum { W = 4 };
    reader_pins = true;
    CHECK_OK(vcow_cell_open(VCOW_KIND_BOX, NULL, &cell));
    uint64_t *seqs = calloc((size_t)(W * per_thread), sizeof(uint64_t));
    CHECK(seqs != NULL);
    struct writer_arg args[W];
    pthread_t w[W], r;
    CHECK(pthread_create(&r, NULL, reader, NULL) == 0);
    for (int i = 0; i < W; i++) {
        args[i] = (struct writer_arg){per_thread, seqs + i * per_thread};
        CHECK(pthread_create(&w[i], NULL, writer, &args[i]) == 0);
    }
    for (int i = 0; i < W; i++)
        pthread_join(w[i], NULL);
    atomic_store(&stop, 1);
    pthread_join(r, NULL);

    vcow_val v;
    vcow_read_lock();
    CHECK_OK(vcow_box_get(vcow_cell_head(cell), &v));
    CHECK_EQ_INT(v.u.i64, W * per_thread);
    vcow_read_unlock();
    qsort(seqs, (size_t)(W * per_thread), sizeof(uint64_t), cmp_u64);
    for (long i = 0; i < W * per_thread; i++)
        CHECK_EQ_INT(seqs[i], i + 1); /* contiguous, none twice */
    struct vcow_cell_stats s;
    CHECK_OK(vcow_cell_get_stats(cell, &s));
    printf("counter: %ld commits, %llu conflicts retried, %llu snapshots checked\n", W * per_thread,
           (unsigned long long)s.conflicts, (unsigned long long)atomic_load(&snapshots));
    free(seqs);
    CHECK_OK(vcow_cell_close(cell));
}

static void test_garbage(long commits)
{
    struct vcow_cell_opts o = {.size = sizeof(o), .max_pending_bytes = 256 << 10};
    /* A pinning reader would hold back garbage beyond the pending bound
     * (that is what pins do); this test bounds what the reclaimer owes. */
    reader_pins = false;
    CHECK_OK(vcow_cell_open(VCOW_KIND_BOX, &o, &cell));
    pthread_t r;
    CHECK(pthread_create(&r, NULL, reader, NULL) == 0);
    struct vcow_cell_stats s;
    int64_t max_live = 0;
    for (long i = 1; i <= commits; i++) {
        vcow_txn *t;
        CHECK_OK(vcow_txn_begin(cell, &t));
        CHECK_OK(vcow_box_set(t, vcow_val_i64(i)));
        CHECK_OK(vcow_txn_commit(t));
        vcow_txn_free(t);
        if (i % 4096 == 0) {
            CHECK_OK(vcow_cell_get_stats(cell, &s));
            CHECK(s.pending_peak_bytes <= s.max_pending_bytes);
            if (s.nodes[VCOW_MEM_BOX] > max_live)
                max_live = s.nodes[VCOW_MEM_BOX];
            if (getenv("VERBOSE"))
                printf("%ld live %lld pending %llu held %llu helped %llu versions %llu\n", i,
                       (long long)s.nodes[VCOW_MEM_BOX], (unsigned long long)s.pending_bytes,
                       (unsigned long long)s.held_bytes, (unsigned long long)s.helped,
                       (unsigned long long)s.live_versions);
        }
    }
    atomic_store(&stop, 1);
    pthread_join(r, NULL);
    CHECK_OK(vcow_cell_get_stats(cell, &s));
    /* Box nodes retired but not yet freed are bounded by the pending bound:
     * each is 32 bytes, so at most max_pending / 32 of them, plus the few
     * a reader's pin or an in-flight commit holds. */
    int64_t bound = (int64_t)(o.max_pending_bytes / 32) + 16;
    printf("garbage: %ld commits, peak pending %llu of %llu bytes, %llu helped, "
           "max live boxes %lld (bound %lld)\n",
           commits, (unsigned long long)s.pending_peak_bytes,
           (unsigned long long)s.max_pending_bytes, (unsigned long long)s.helped,
           (long long)max_live, (long long)bound);
    CHECK(s.pending_peak_bytes <= s.max_pending_bytes);
    CHECK(max_live <= bound);
    CHECK_OK(vcow_gc_barrier());
    CHECK_OK(vcow_cell_get_stats(cell, &s));
    CHECK_EQ_INT(s.nodes[VCOW_MEM_BOX], 1); /* the head's only */
    CHECK_EQ_INT(s.live_versions, 1);
    CHECK_EQ_INT(s.commits, commits);
    CHECK_OK(vcow_cell_close(cell));
    CHECK_OK(vcow_gc_barrier());
    for (int k = 0; k < VCOW_MEM_COUNT; k++) {
        struct vcow_mem_stats m;
        CHECK_OK(vcow_mem_get_stats((enum vcow_mem)k, &m));
        CHECK_EQ_INT(m.nodes, 0);
        CHECK_EQ_INT(m.bytes, 0);
    }
}

static _Atomic int asof_done;

static void *asof_writer(void *arg)
{
    long n = *(long *)arg;
    for (long i = 1; i <= n; i++)
        CHECK_OK(vcow_box_cell_set(cell, vcow_val_i64(i), NULL));
    atomic_store(&asof_done, 1);
    return NULL;
}

static void test_asof(long commits)
{
    struct vcow_cell_opts o = {.size = sizeof(o), .history = true};
    CHECK_OK(vcow_cell_open(VCOW_KIND_BOX, &o, &cell));
    enum { MAXQ = 200000 };
    int64_t *ts = malloc(MAXQ * sizeof(*ts));
    uint64_t *first = malloc(MAXQ * sizeof(*first));
    CHECK(ts != NULL && first != NULL);
    pthread_t w;
    CHECK(pthread_create(&w, NULL, asof_writer, &commits) == 0);
    long q = 0;
    while (q < MAXQ && !atomic_load(&asof_done)) {
        ts[q] = test_realtime_ns();
        vcow_version *v;
        CHECK_OK(vcow_cell_pin_as_of(cell, ts[q], &v));
        CHECK(vcow_version_time(v) <= ts[q]);
        first[q++] = vcow_version_seq(v);
        vcow_version_unpin(v);
    }
    pthread_join(w, NULL);
    long changed = 0;
    for (long i = 0; i < q; i++) {
        vcow_version *v, *next;
        CHECK_OK(vcow_cell_pin_as_of(cell, ts[i], &v));
        if (vcow_version_seq(v) != first[i])
            changed++;
        CHECK(vcow_version_time(v) <= ts[i]);
        if (vcow_cell_pin_at(cell, vcow_version_seq(v) + 1, &next) == VCOW_OK) {
            CHECK(vcow_version_time(next) > ts[i]);
            vcow_version_unpin(next);
        }
        vcow_version_unpin(v);
    }
    printf("asof: %ld commits, %ld questions asked twice, %ld answers changed\n", commits, q,
           changed);
    CHECK_EQ_INT(changed, 0);
    free(ts);
    free(first);
    CHECK_OK(vcow_cell_close(cell));
    CHECK_OK(vcow_gc_barrier());
}

enum { STRIPE_THREADS = 12, STRIPE_STORES = 2000 };

static void *storer(void *arg)
{
    (void)arg;
    for (int i = 0; i < STRIPE_STORES; i++)
        CHECK_OK(vcow_box_cell_set(cell, vcow_val_bytes("0123456789abcdef0123456789", 26), NULL));
    return NULL;
}

static void test_stripes(long rounds)
{
    CHECK_OK(vcow_cell_open(VCOW_KIND_BOX, NULL, &cell));
    for (long r = 0; r < rounds; r++) {
        pthread_t th[STRIPE_THREADS];
        for (int i = 0; i < STRIPE_THREADS; i++)
            CHECK(pthread_create(&th[i], NULL, storer, NULL) == 0);
        for (int i = 0; i < STRIPE_THREADS; i++)
            CHECK(pthread_join(th[i], NULL) == 0);
        CHECK_OK(vcow_gc_barrier());
        /* What is left: the head's version and its one value node. */
        struct vcow_cell_stats s;
        CHECK_OK(vcow_cell_get_stats(cell, &s));
        CHECK_EQ_INT(s.nodes[VCOW_MEM_BOX], 1);
        CHECK_EQ_INT(s.nodes[VCOW_MEM_META], 1);
        CHECK_EQ_INT(s.held_bytes, 0);
    }
    CHECK_OK(vcow_cell_close(cell));
    test_check_all_freed();
}

int main(int argc, char **argv)
{
    const char *part = argc > 1 ? argv[1] : "counter";
    printf("backend %s\n", vcow_gc_backend());
    if (strcmp(part, "counter") == 0)
        test_counter(argc > 2 ? atol(argv[2]) : 100000);
    else if (strcmp(part, "garbage") == 0)
        test_garbage(argc > 2 ? atol(argv[2]) : 1000000);
    else if (strcmp(part, "asof") == 0)
        test_asof(argc > 2 ? atol(argv[2]) : 200000);
    else if (strcmp(part, "stripes") == 0)
        test_stripes(argc > 2 ? atol(argv[2]) : 4);
    else
        return 2;
    return 0;
}
