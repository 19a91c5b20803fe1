/*
 * stress/history.c - time travel under load.
 *
 * One deterministic writer commits value(seq) to a box cell that keeps the
 * last KEEP versions; the cell trims as it goes. Verifier threads pin random
 * old versions by seq and by time, check each against the replay (the value
 * is a function of the seq), hold some pins across many later commits and
 * trims, and check them again before letting go.
 */
#include <pthread.h>

#include "stress.h"

#define KEEP 2000

static vcow_cell *cell;
static _Atomic int stop;
static _Atomic uint64_t verified, by_time, held_across_trims, commits;

/* The replay: the value committed at seq (bytes of a seq-dependent length). */
static size_t value_at(uint64_t seq, char *buf)
{
    size_t len = 8 + seq % 97;
    for (size_t i = 0; i < len; i++)
        buf[i] = (char)('a' + (seq * 31 + i) % 26);
    return len;
}

static void check_version(const vcow_version *v)
{
    char want[128];
    size_t len = value_at(vcow_version_seq(v), want);
    vcow_val got;
    STRESS_OK(vcow_box_get(v, &got));
    if (vcow_version_seq(v) == 0) {
        STRESS_CHECK(got.type == VCOW_T_NONE);
        return;
    }
    STRESS_CHECK(got.type == VCOW_T_BYTES && got.u.bytes.len == len);
    STRESS_CHECK(memcmp(got.u.bytes.ptr, want, len) == 0);
}

static void *writer(void *arg)
{
    (void)arg;
    char buf[128];
    uint64_t seq = 0;
    while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
        size_t len = value_at(seq + 1, buf);
        uint64_t got;
        STRESS_OK(vcow_box_cell_set(cell, vcow_val_bytes(buf, len), &got));
        STRESS_CHECK(got == seq + 1); /* the only writer: contiguous */
        seq = got;
    }
    atomic_store(&commits, seq);
    return NULL;
}

static void *verifier(void *arg)
{
    unsigned long long rng = (unsigned long long)(uintptr_t)arg;
    vcow_version *held = NULL;
    uint64_t held_seq = 0, held_at_head = 0;
    while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
        struct vcow_cell_stats s;
        STRESS_OK(vcow_cell_get_stats(cell, &s));
        uint64_t lo = s.oldest_seq, hi = s.head_seq;
        uint64_t seq = lo + stress_rand(&rng) % (hi - lo + 1);
        vcow_version *v;
        int rc = vcow_cell_pin_at(cell, seq, &v);
        STRESS_CHECK(rc == VCOW_OK || rc == VCOW_ENOENT); /* trimmed meanwhile */
        if (rc != VCOW_OK)
            continue;
        STRESS_CHECK(vcow_version_seq(v) == seq);
        check_version(v);
        atomic_fetch_add_explicit(&verified, 1, memory_order_relaxed);

        /* As of this version's commit time: that version or a newer one
         * committed in the same clock tick, never an older one. */
        vcow_version *t;
        rc = vcow_cell_pin_as_of(cell, vcow_version_time(v), &t);
        STRESS_CHECK(rc == VCOW_OK || rc == VCOW_ENOENT);
        if (rc == VCOW_OK) {
            STRESS_CHECK(vcow_version_seq(t) >= seq);
            STRESS_CHECK(vcow_version_time(t) == vcow_version_time(v));
            check_version(t);
            vcow_version_unpin(t);
            atomic_fetch_add_explicit(&by_time, 1, memory_order_relaxed);
        }

        /* Hold one pin across many commits and trims, then re-check it. */
        if (held == NULL && stress_rand(&rng) % 8 == 0) {
            held = v;
            held_seq = seq;
            held_at_head = hi;
            continue;
        }
        vcow_version_unpin(v);
        if (held != NULL && hi > held_at_head + 2 * KEEP) {
            STRESS_CHECK(vcow_version_seq(held) == held_seq);
            check_version(held); /* long trimmed by history, alive by the pin */
            vcow_version_unpin(held);
            held = NULL;
            atomic_fetch_add_explicit(&held_across_trims, 1, memory_order_relaxed);
        }
    }
    if (held != NULL) {
        check_version(held);
        vcow_version_unpin(held);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    struct stress_opts o = stress_parse(argc, argv, 2);
    struct vcow_cell_opts co = {.size = sizeof(co), .history = true, .keep_last = KEEP};
    STRESS_OK(vcow_cell_open(VCOW_KIND_BOX, &co, &cell));
    pthread_t w, v[64];
    int nv = o.threads > 64 ? 64 : o.threads;
    STRESS_CHECK(pthread_create(&w, NULL, writer, NULL) == 0);
    for (int i = 0; i < nv; i++)
        STRESS_CHECK(pthread_create(&v[i], NULL, verifier, (void *)(uintptr_t)(o.seed + i + 1)) ==
                     0);
    long peak_rss = stress_run(o.seconds);
    atomic_store(&stop, 1);
    pthread_join(w, NULL);
    for (int i = 0; i < nv; i++)
        pthread_join(v[i], NULL);
    STRESS_CHECK(atomic_load(&verified) > 0);
    STRESS_OK(vcow_cell_close(cell));
    stress_check_all_freed();
    printf("history: commits=%llu versions_verified=%llu by_time=%llu pins_held_across_trims=%llu "
           "peak_rss_mb=%.1f\n",
           (unsigned long long)atomic_load(&commits), (unsigned long long)atomic_load(&verified),
           (unsigned long long)atomic_load(&by_time),
           (unsigned long long)atomic_load(&held_across_trims), peak_rss / 1048576.0);
    return 0;
}
