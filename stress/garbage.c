/*
 * stress/garbage.c - writers flat out, no history, for the whole run.
 *
 * Pending garbage must stay under the cell's bound all along (committers
 * help the reclaimer when it falls behind), live nodes must stay those of
 * the head plus that bounded garbage, and RSS must stay flat: within ±10 %
 * of its level after warm-up (checked in builds without sanitizers, whose
 * quarantines and shadow memory make RSS meaningless, and only in runs long
 * enough for the averages to settle: `make soak`; ctest's 3-second run
 * passes --check-rss 0 and only reports the figure).
 */
#include <pthread.h>

#include "stress.h"

#define MAX_PENDING (1u << 20)

static vcow_cell *cell;
static _Atomic int stop;
static _Atomic uint64_t commits, snapshots;

static void *writer(void *arg)
{
    unsigned long long rng = (unsigned long long)(uintptr_t)arg;
    char buf[512];
    memset(buf, 'g', sizeof(buf));
    uint64_t n = 0;
    while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
        size_t len = stress_rand(&rng) % sizeof(buf);
        STRESS_OK(vcow_box_cell_set(cell, vcow_val_bytes(buf, len), NULL));
        n++;
    }
    atomic_fetch_add(&commits, n);
    return NULL;
}

static void *reader(void *arg)
{
    (void)arg;
    uint64_t n = 0, last = 0;
    while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
        vcow_read_lock();
        const vcow_version *v = vcow_cell_head(cell);
        vcow_val val;
        STRESS_OK(vcow_box_get(v, &val));
        STRESS_CHECK(vcow_version_seq(v) >= last);
        last = vcow_version_seq(v);
        if (val.type == VCOW_T_BYTES)
            for (size_t i = 0; i < val.u.bytes.len; i++)
                STRESS_CHECK(((const char *)val.u.bytes.ptr)[i] == 'g');
        vcow_read_unlock();
        n++;
    }
    atomic_fetch_add(&snapshots, n);
    return NULL;
}

int main(int argc, char **argv)
{
    struct stress_opts o = stress_parse(argc, argv, 2);
    struct vcow_cell_opts co = {.size = sizeof(co), .max_pending_bytes = MAX_PENDING};
    STRESS_OK(vcow_cell_open(VCOW_KIND_BOX, &co, &cell));
    int nw = o.threads, nr = o.threads;
    pthread_t th[128];
    if (nw > 64)
        nw = nr = 64;
    for (int i = 0; i < nw; i++)
        STRESS_CHECK(pthread_create(&th[i], NULL, writer, (void *)(uintptr_t)(o.seed + i)) == 0);
    for (int i = 0; i < nr; i++)
        STRESS_CHECK(pthread_create(&th[nw + i], NULL, reader, NULL) == 0);

    double start = stress_now(), end = start + o.seconds, warm = start + o.seconds / 4;
    /* RSS after warm-up, averaged over the first and the second half of
     * the rest of the run (single samples swing with the allocator's page
     * purging; a leak or unbounded garbage shows as growth between halves). */
    double rss_sum[2] = {0, 0};
    long rss_n[2] = {0, 0}, rss_warm = 0;
    double half = warm + (end - warm) / 2;
    int64_t max_live = 0;
    uint64_t max_held = 0;
    while (stress_now() < end) {
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
        struct vcow_cell_stats s;
        STRESS_OK(vcow_cell_get_stats(cell, &s));
        STRESS_CHECK(s.pending_peak_bytes <= s.max_pending_bytes);
        /* Beyond that bound, garbage is held only by pins: here the txns of
         * writers preempted between begin and commit (a txn pins its base,
         * and a pinned version holds back everything newer). */
        max_held = s.held_bytes > max_held ? s.held_bytes : max_held;
        if (s.nodes[VCOW_MEM_BOX] > max_live)
            max_live = s.nodes[VCOW_MEM_BOX];
        if (stress_now() >= warm) {
            /* Freed memory goes back to the OS only when the allocator
             * purges; do it now so RSS measures what vcow holds. */
            vcow_mem_purge();
            long rss = stress_rss();
            int h = stress_now() >= half;
            if (rss_warm == 0)
                rss_warm = rss;
            rss_sum[h] += (double)rss;
            rss_n[h]++;
        }
    }
    atomic_store(&stop, 1);
    for (int i = 0; i < nw + nr; i++)
        pthread_join(th[i], NULL);
    struct vcow_cell_stats s;
    STRESS_OK(vcow_cell_get_stats(cell, &s));
    double a = rss_n[0] ? rss_sum[0] / rss_n[0] : 0, b = rss_n[1] ? rss_sum[1] / rss_n[1] : a;
    double drift = a > 0 ? (b - a) / a : 0;
    printf("garbage: commits=%llu snapshots=%llu helped=%llu pending_peak_kb=%.0f bound_kb=%.0f "
           "max_live_boxes=%lld max_held_kb=%.0f rss_warm_mb=%.1f rss_drift_pct=%+.1f\n",
           (unsigned long long)atomic_load(&commits), (unsigned long long)atomic_load(&snapshots),
           (unsigned long long)s.helped, s.pending_peak_bytes / 1024.0,
           s.max_pending_bytes / 1024.0, (long long)max_live, max_held / 1024.0,
           rss_warm / 1048576.0, drift * 100);
    if (o.check_rss && !stress_sanitized())
        STRESS_CHECK(drift <= 0.10 && drift >= -0.10);
    STRESS_OK(vcow_cell_close(cell));
    stress_check_all_freed();
    return 0;
}
