/*
 * stress/config.c - whole-document replacement under readers.
 *
 * A writer replaces a config document (SECTIONS nested maps of KEYS leaves)
 * in one commit, every leaf carrying the commit's tag, and sometimes drops
 * or adds a section. Readers walk every nested map of a snapshot (by path)
 * and find one tag in all of it: no snapshot mixes two documents.
 */
#include <pthread.h>
#include <stdio.h>

#include "stress.h"
#include <vcow/map.h>

#define SECTIONS 16
#define KEYS     32

static vcow_cell *cell;
static _Atomic int stop;
static _Atomic uint64_t commits, snapshots, leaves_checked;

struct doc {
    int64_t tag;
    unsigned sections; /* how many sections this document has */
};

static int write_doc(vcow_txn *t, void *arg)
{
    const struct doc *d = arg;
    char path[64];
    for (unsigned s = 0; s < SECTIONS; s++) {
        snprintf(path, sizeof(path), "section%02u", s);
        if (s >= d->sections) { /* dropped this time */
            int rc = vcow_map_del(t, path);
            if (rc != VCOW_OK && rc != VCOW_ENOENT)
                return rc;
            continue;
        }
        for (unsigned k = 0; k < KEYS; k++) {
            snprintf(path, sizeof(path), "section%02u.key%02u", s, k);
            int rc = vcow_map_set_path(t, path, vcow_val_i64(d->tag));
            if (rc != VCOW_OK)
                return rc;
        }
    }
    return vcow_map_set(t, "tag", vcow_val_i64(d->tag));
}

static void *writer(void *arg)
{
    unsigned long long rng = (unsigned long long)(uintptr_t)arg;
    uint64_t n = 0;
    while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
        struct doc d = {(int64_t)n + 1, SECTIONS - (unsigned)(stress_rand(&rng) % 4)};
        STRESS_OK(vcow_cell_update(cell, write_doc, &d, NULL));
        n++;
    }
    atomic_store(&commits, n);
    return NULL;
}

struct walk {
    const vcow_version *v;
    int64_t tag;
    uint64_t leaves;
};

static int check_leaf(vcow_slice key, const vcow_val *val_p, void *arg)
{
    vcow_val val = *val_p;
    struct walk *w = arg;
    (void)key;
    STRESS_CHECK(val.type == VCOW_T_I64 && val.u.i64 == w->tag);
    w->leaves++;
    return 0;
}

static int check_section(vcow_slice key, const vcow_val *val_p, void *arg)
{
    vcow_val val = *val_p;
    struct walk *w = arg;
    if (val.type != VCOW_T_MAP)
        return 0; /* "tag" */
    char path[64];
    snprintf(path, sizeof(path), "%.*s", (int)key.len, (const char *)key.ptr);
    STRESS_OK(vcow_map_iter_path(w->v, path, check_leaf, w));
    return 0;
}

static void *reader(void *arg)
{
    (void)arg;
    uint64_t n = 0, leaves = 0;
    int64_t last = 0;
    while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
        vcow_read_lock();
        const vcow_version *v = vcow_cell_head(cell);
        vcow_val tag;
        if (vcow_map_get(v, "tag", &tag) == VCOW_OK) {
            struct walk w = {v, tag.u.i64, 0};
            STRESS_CHECK(w.tag >= last); /* documents only move forward */
            last = w.tag;
            STRESS_OK(vcow_map_iter(v, check_section, &w));
            STRESS_CHECK(w.leaves >= (SECTIONS - 3) * KEYS);
            leaves += w.leaves;
        }
        vcow_read_unlock();
        n++;
    }
    atomic_fetch_add(&snapshots, n);
    atomic_fetch_add(&leaves_checked, leaves);
    return NULL;
}

int main(int argc, char **argv)
{
    struct stress_opts o = stress_parse(argc, argv, 2);
    STRESS_OK(vcow_cell_open(VCOW_KIND_MAP, NULL, &cell));
    int nr = o.threads > 63 ? 63 : o.threads;
    pthread_t w, r[64];
    STRESS_CHECK(pthread_create(&w, NULL, writer, (void *)(uintptr_t)(o.seed + 1)) == 0);
    for (int i = 0; i < nr; i++)
        STRESS_CHECK(pthread_create(&r[i], NULL, reader, NULL) == 0);
    long peak_rss = stress_run(o.seconds);
    atomic_store(&stop, 1);
    pthread_join(w, NULL);
    for (int i = 0; i < nr; i++)
        pthread_join(r[i], NULL);
    STRESS_OK(vcow_cell_close(cell));
    stress_check_all_freed();
    printf("config: commits=%llu snapshots_checked=%llu leaves_checked=%llu peak_rss_mb=%.1f\n",
           (unsigned long long)atomic_load(&commits), (unsigned long long)atomic_load(&snapshots),
           (unsigned long long)atomic_load(&leaves_checked), peak_rss / 1048576.0);
    return 0;
}
