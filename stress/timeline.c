/*
 * stress/timeline.c - many writers, history readers and a trimmer on one
 * cell, with no lock anywhere in vcow.
 *
 * A hamt cell with history. --threads writers (4 by default) commit through
 * vcow_cell_update: each commit sets "n" to n + 1 and its writer's key
 * "w<i>" to the writer's own count, so in every version n == seq and the
 * "w" values only grow. As many history readers:
 *   - pin_at a random recent seq: the version says n == seq;
 *   - pin_as_of a time they asked before: the same version as the first
 *     answer, for as long as it lives (as-of is stable), its time <= t and
 *     its successor's > t;
 *   - diff that version against the head: "n" changed unless they are the
 *     same version, every changed "w" key grew, nothing else changed;
 *   - vcow_cell_versions over the retained window: contiguous seqs,
 *     monotonic times.
 * A trimmer keeps the last KEEP versions with vcow_cell_trim. At the end the
 * cell is closed and every node must be freed (no version leaked).
 */
#include "stress.h"

#define KEEP  400
#define ASKED 64 /* as-of questions a reader keeps asking again */

static vcow_cell *cell;
static _Atomic int stop;
static _Atomic uint64_t commits, pins_at, asof_checked, diffs, windows, trims;
/* The trimmer's latest request, published before it makes it: history
 * keeps at least [requested, head]. */
static _Atomic uint64_t requested;

struct wctx {
    char key[8];
    int64_t mine;
};

static int64_t get_i64(const vcow_version *v, const char *key)
{
    vcow_val x;
    int rc = vcow_map_get(v, key, &x);
    if (rc == VCOW_ENOENT)
        return 0;
    STRESS_OK(rc);
    STRESS_CHECK(x.type == VCOW_T_I64);
    return x.u.i64;
}

static int commit_fn(vcow_txn *t, void *arg)
{
    struct wctx *w = arg;
    vcow_val n;
    int rc = vcow_map_get(vcow_txn_view(t), "n", &n);
    int64_t cur = rc == VCOW_OK ? n.u.i64 : 0;
    if (rc != VCOW_OK && rc != VCOW_ENOENT)
        return rc;
    rc = vcow_map_set(t, "n", vcow_val_i64(cur + 1));
    if (rc == VCOW_OK)
        rc = vcow_map_set(t, w->key, vcow_val_i64(w->mine + 1));
    return rc;
}

static void *writer(void *arg)
{
    struct wctx w = {{0}, 0};
    snprintf(w.key, sizeof(w.key), "w%u", (unsigned)((uintptr_t)arg % 64));
    uint64_t n = 0;
    while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
        STRESS_OK(vcow_cell_update(cell, commit_fn, &w, NULL));
        w.mine++;
        n++;
    }
    atomic_fetch_add(&commits, n);
    return NULL;
}

static int64_t realtime_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

struct diff_ctx {
    const vcow_version *a, *b;
    bool saw_n;
};

static int diff_fn(vcow_slice key, const vcow_val *old_p, const vcow_val *new__p, void *arg)
{
    /* absent as VCOW_T_NONE, as the checks below were written */
    vcow_val old = old_p != NULL ? *old_p : (vcow_val){VCOW_T_NONE, {{0}}};
    vcow_val new_ = new__p != NULL ? *new__p : (vcow_val){VCOW_T_NONE, {{0}}};
    struct diff_ctx *d = arg;
    const char *k = key.ptr;
    STRESS_CHECK(new_.type == VCOW_T_I64);
    if (key.len == 1 && k[0] == 'n') {
        d->saw_n = true;
        STRESS_CHECK(new_.u.i64 == (int64_t)vcow_version_seq(d->b));
        return VCOW_OK;
    }
    STRESS_CHECK(key.len >= 2 && k[0] == 'w');
    /* A writer's value only grows. */
    STRESS_CHECK(old.type == VCOW_T_NONE || new_.u.i64 > old.u.i64);
    return VCOW_OK;
}

/* n == seq in every version. */
static void check_version(const vcow_version *v)
{
    STRESS_CHECK(get_i64(v, "n") == (int64_t)vcow_version_seq(v));
}

static void *reader(void *arg)
{
    unsigned long long rng = (unsigned long long)(uintptr_t)arg * 977 + 1;
    int64_t asked_t[ASKED];
    uint64_t asked_seq[ASKED];
    int nasked = 0;
    uint64_t n_at = 0, n_asof = 0, n_diff = 0, n_win = 0;
    struct vcow_version_info info[128];
    while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
        vcow_version *head, *v, *next;
        STRESS_OK(vcow_cell_pin_head(cell, &head));
        check_version(head);
        uint64_t hs = vcow_version_seq(head);

        /* by seq */
        uint64_t back = stress_rand(&rng) % (KEEP / 2);
        if (hs >= back && vcow_cell_pin_at(cell, hs - back, &v) == VCOW_OK) {
            STRESS_CHECK(vcow_version_seq(v) == hs - back);
            check_version(v);
            /* diff against the head */
            struct diff_ctx d = {v, head, false};
            STRESS_OK(vcow_map_diff(v, head, diff_fn, &d));
            STRESS_CHECK(d.saw_n == (vcow_version_seq(v) != hs));
            vcow_version_unpin(v);
            n_at++;
            n_diff++;
        }

        /* by time: ask anew, or ask an old question again */
        if (nasked < ASKED || stress_rand(&rng) % 2 == 0) {
            int64_t t = realtime_ns();
            if (vcow_cell_pin_as_of(cell, t, &v) == VCOW_OK) {
                STRESS_CHECK(vcow_version_time(v) <= t);
                int slot = nasked < ASKED ? nasked++ : (int)(stress_rand(&rng) % ASKED);
                asked_t[slot] = t;
                asked_seq[slot] = vcow_version_seq(v);
                vcow_version_unpin(v);
            }
        } else {
            int i = (int)(stress_rand(&rng) % ASKED);
            int rc = vcow_cell_pin_as_of(cell, asked_t[i], &v);
            if (rc == VCOW_OK) {
                /* Stable: the same answer as the first time. */
                STRESS_CHECK(vcow_version_seq(v) == asked_seq[i]);
                STRESS_CHECK(vcow_version_time(v) <= asked_t[i]);
                if (vcow_cell_pin_at(cell, asked_seq[i] + 1, &next) == VCOW_OK) {
                    STRESS_CHECK(vcow_version_time(next) > asked_t[i]);
                    vcow_version_unpin(next);
                }
                check_version(v);
                vcow_version_unpin(v);
                n_asof++;
            } else {
                STRESS_CHECK(rc == VCOW_ENOENT); /* trimmed since */
            }
        }

        /* The retained window: every seq from the trimmer's latest request
         * (read after the call: the history horizon is at or below it) up
         * to our head is listed; seqs rise, times never go back. */
        size_t n;
        uint64_t from = hs > KEEP / 4 ? hs - KEEP / 4 : 0;
        STRESS_OK(vcow_cell_versions(cell, from, hs, info, 128, &n));
        uint64_t horizon = atomic_load(&requested);
        uint64_t expect = from > horizon ? from : horizon;
        for (size_t k = 0; k < n; k++) {
            if (k > 0) {
                STRESS_CHECK(info[k].seq > info[k - 1].seq);
                STRESS_CHECK(info[k].time_ns >= info[k - 1].time_ns);
            }
            if (info[k].seq < expect)
                continue; /* below the horizon: only pinned ones */
            STRESS_CHECK(info[k].seq == expect);
            expect++;
        }
        /* (A horizon past our head: the whole window may be trimmed.) */
        STRESS_CHECK(n == 128 || expect == hs + 1 || horizon > hs);
        n_win++;
        vcow_version_unpin(head);
    }
    atomic_fetch_add(&pins_at, n_at);
    atomic_fetch_add(&asof_checked, n_asof);
    atomic_fetch_add(&diffs, n_diff);
    atomic_fetch_add(&windows, n_win);
    return NULL;
}

static void *trimmer(void *arg)
{
    (void)arg;
    uint64_t n = 0;
    while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
        struct vcow_cell_stats s;
        STRESS_OK(vcow_cell_get_stats(cell, &s));
        if (s.head_seq > KEEP) {
            atomic_store(&requested, s.head_seq - KEEP);
            STRESS_OK(vcow_cell_trim(cell, s.head_seq - KEEP));
        }
        n++;
        struct timespec ts = {0, 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    atomic_fetch_add(&trims, n);
    return NULL;
}

int main(int argc, char **argv)
{
    struct stress_opts o = stress_parse(argc, argv, 4);
    struct vcow_cell_opts co = {.size = sizeof(co), .history = true};
    STRESS_OK(vcow_cell_open(VCOW_KIND_MAP, &co, &cell));
    int n = o.threads > 16 ? 16 : o.threads;
    pthread_t th[33];
    for (int i = 0; i < n; i++) {
        STRESS_CHECK(pthread_create(&th[i], NULL, writer, (void *)(uintptr_t)i) == 0);
        STRESS_CHECK(pthread_create(&th[n + i], NULL, reader, (void *)(uintptr_t)(o.seed + i)) ==
                     0);
    }
    STRESS_CHECK(pthread_create(&th[2 * n], NULL, trimmer, NULL) == 0);
    long peak = stress_run(o.seconds);
    atomic_store(&stop, 1);
    for (int i = 0; i < 2 * n + 1; i++)
        pthread_join(th[i], NULL);

    vcow_read_lock();
    const vcow_version *h = vcow_cell_head(cell);
    check_version(h);
    STRESS_CHECK(vcow_version_seq(h) == atomic_load(&commits));
    vcow_read_unlock();
    struct vcow_cell_stats s;
    STRESS_OK(vcow_cell_get_stats(cell, &s));
    printf("timeline: commits=%llu conflicts=%llu pins_at=%llu asof_rechecked=%llu diffs=%llu "
           "windows=%llu trims=%llu live_versions=%llu peak_rss_mb=%.1f\n",
           (unsigned long long)atomic_load(&commits), (unsigned long long)s.conflicts,
           (unsigned long long)atomic_load(&pins_at),
           (unsigned long long)atomic_load(&asof_checked), (unsigned long long)atomic_load(&diffs),
           (unsigned long long)atomic_load(&windows), (unsigned long long)atomic_load(&trims),
           (unsigned long long)s.live_versions, peak / 1048576.0);
    STRESS_OK(vcow_cell_close(cell));
    stress_check_all_freed();
    return 0;
}
