/*
 * stress/backlog.c - a long pin ends: who pays, and does memory come back?
 *
 * A reader pins version 0 while one writer commits flat out (1 KiB values,
 * no history) for --seconds or 1,000,000 commits (200,000 in sanitizer
 * builds), whichever ends first, so everything written is held back by the
 * pin.
 * Then a fresh thread unpins. Checked:
 *   - the unpinning thread frees at most one slice of the backlog (16,384
 *     nodes), however large it is; the reclaimer frees the rest;
 *   - while the writer goes on committing, every version it reads is whole;
 *   - once the reclaimer has freed it, RSS comes back within 2 x live
 *     bytes + 64 MiB within 10 s, without any call (no vcow_mem_purge:
 *     RSS is read from /proc only) (checked with
 *     --check-rss 1 in builds without sanitizers: `make soak`; ctest's
 *     short run reports the figures only). The reclaimer purges the
 *     allocator after a large batch (runtime/reclaim.c, PURGE_AFTER).
 * Prints the backlog, the unpin's cost, and RSS over time after it.
 */
#include "stress.h"

#define VALUE                 1024
#define MAX_COMMITS           1000000     /* the reported case: ~1.2 GB held */
#define MAX_COMMITS_SANITIZED 200000      /* shadow memory: TSan quadrupled RSS */
#define SLICE                 (16384 + 1) /* runtime/reclaim.c: FREE_BUDGET (+ one version object) */

static vcow_cell *cell;
static _Atomic int stop;
static _Atomic uint64_t commits;

static void *writer(void *arg)
{
    (void)arg;
    char buf[VALUE];
    uint64_t n = 0, max = stress_sanitized() ? MAX_COMMITS_SANITIZED : MAX_COMMITS;
    while (!atomic_load_explicit(&stop, memory_order_relaxed) && n < max) {
        memset(buf, 'a' + (int)(n % 26), sizeof(buf));
        STRESS_OK(vcow_box_cell_set(cell, vcow_val_bytes(buf, sizeof(buf)), NULL));
        n++;
        atomic_store_explicit(&commits, n, memory_order_relaxed);
    }
    return NULL;
}

struct unpin_job {
    vcow_version *v;
    uint64_t frees;
    double seconds;
};

static void *unpinner(void *arg)
{
    struct unpin_job *j = arg;
    uint64_t before = vcow_debug_thread_frees();
    double t0 = stress_now();
    vcow_version_unpin(j->v);
    j->seconds = stress_now() - t0;
    j->frees = vcow_debug_thread_frees() - before;
    return NULL;
}

static int64_t live_bytes(void)
{
    int64_t b = 0;
    for (int k = 0; k < VCOW_MEM_COUNT; k++) {
        struct vcow_mem_stats m;
        STRESS_OK(vcow_mem_get_stats((enum vcow_mem)k, &m));
        b += m.bytes;
    }
    return b;
}

/* Every version the head shows is one whole value. */
static void check_head(void)
{
    vcow_read_lock();
    vcow_val v;
    STRESS_OK(vcow_box_get(vcow_cell_head(cell), &v));
    if (v.type == VCOW_T_BYTES) {
        STRESS_CHECK(v.u.bytes.len == VALUE);
        const char *p = v.u.bytes.ptr;
        for (size_t i = 0; i < VALUE; i++)
            STRESS_CHECK(p[i] == p[0]);
    }
    vcow_read_unlock();
}

int main(int argc, char **argv)
{
    struct stress_opts o = stress_parse(argc, argv, 1);
    STRESS_OK(vcow_cell_open(VCOW_KIND_BOX, NULL, &cell));
    struct unpin_job job = {NULL, 0, 0};
    STRESS_OK(vcow_cell_pin_head(cell, &job.v));
    pthread_t w;
    STRESS_CHECK(pthread_create(&w, NULL, writer, NULL) == 0);
    long peak = stress_run(o.seconds);
    /* Stop writing so that the figures after the unpin are the backlog's
     * alone, not new garbage's. */
    atomic_store(&stop, 1);
    pthread_join(w, NULL);
    check_head();

    struct vcow_cell_stats s;
    STRESS_OK(vcow_cell_get_stats(cell, &s));
    uint64_t held = s.held_bytes;
    long rss_pinned = stress_rss();

    pthread_t u;
    double t_unpin = stress_now();
    STRESS_CHECK(pthread_create(&u, NULL, unpinner, &job) == 0);
    pthread_join(u, NULL);

    /* The reclaimer frees the backlog in the background: wait until it is
     * done (nothing held; statistics only, nothing that frees or purges). */
    do {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
        STRESS_OK(vcow_cell_get_stats(cell, &s));
    } while (s.held_bytes != 0 && stress_now() - t_unpin < 60.0);
    double freed_in = stress_now() - t_unpin;
    STRESS_CHECK(s.held_bytes == 0);
    int64_t live = live_bytes();
    /* Then RSS, from /proc only: no vcow call that could purge. */
    double t_free = stress_now(), back_at = -1;
    long rss = stress_rss(), rss_free = rss;
    int64_t bound = 2 * live + ((int64_t)64 << 20);
    while (stress_now() - t_free < 10.0) {
        rss = stress_rss();
        if (rss <= bound) {
            back_at = stress_now() - t_free;
            break;
        }
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    STRESS_OK(vcow_gc_barrier());
    STRESS_OK(vcow_cell_get_stats(cell, &s));
    printf("backlog: commits=%llu held_mb=%.1f rss_pinned_mb=%.1f peak_rss_mb=%.1f "
           "unpin_frees=%llu unpin_ms=%.2f freed_in_s=%.2f rss_at_free_mb=%.1f rss_mb=%.1f "
           "bound_mb=%.1f rss_back_within_s=%.1f\n",
           (unsigned long long)atomic_load(&commits), held / 1048576.0, rss_pinned / 1048576.0,
           peak / 1048576.0, (unsigned long long)job.frees, job.seconds * 1e3, freed_in,
           rss_free / 1048576.0, rss / 1048576.0, bound / 1048576.0, back_at);
    STRESS_CHECK(job.frees <= SLICE);
    STRESS_CHECK(s.held_bytes == 0);
    if (o.check_rss && !stress_sanitized())
        STRESS_CHECK(back_at >= 0);
    STRESS_OK(vcow_cell_close(cell));
    stress_check_all_freed();
    return 0;
}
