/*
 * tests/tree/test_tree_mt.c - readers against a writer.
 *
 *   test_tree_mt [seconds [readers]]
 *
 * One writer commits random sets, deletes, range deletes and now and then
 * a bulk load, keeping one invariant in every version: the value of every
 * key is the version's "generation" marker key count, i.e. the tree holds
 * a key "#" whose i64 value is the number of other keys. Readers, in read
 * sections and through pins, check in each head they see: the invariant
 * checker passes, "#" equals len - 1, and a full scan (either direction)
 * visits exactly len keys in order. Nothing may be freed under a reader.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "tests/test.h"
#include <vcow/tree.h>

static vcow_cell *cell;
static atomic_bool stop;
static atomic_ulong reads;

static size_t key_of(char *buf, uint64_t i)
{
    return (size_t)snprintf(buf, 32, "k%07llu", (unsigned long long)i);
}

struct scan {
    uint64_t n;
    char last[32];
    size_t lastlen;
    int dir;
};

static int scan_fn(vcow_slice key, const vcow_val *val, void *ctx)
{
    struct scan *s = ctx;
    (void)val;
    if (s->n > 0) {
        size_t m = key.len < s->lastlen ? key.len : s->lastlen;
        int c = memcmp(key.ptr, s->last, m);
        if (c == 0)
            c = key.len < s->lastlen ? -1 : key.len > s->lastlen;
        CHECK(s->dir > 0 ? c > 0 : c < 0);
    }
    CHECK(key.len < sizeof(s->last));
    memcpy(s->last, key.ptr, key.len);
    s->lastlen = key.len;
    s->n++;
    return 0;
}

static void check_version(const vcow_version *v, unsigned long long *rng)
{
    uint64_t n;
    CHECK_OK(vcow_tree_len(v, &n));
    vcow_val marker;
    CHECK_OK(vcow_tree_get(v, "#", &marker));
    CHECK(marker.type == VCOW_T_I64);
    CHECK_EQ_INT(marker.u.i64, (int64_t)n - 1);
    struct scan s = {0, {0}, 0, test_rand(rng) % 2 ? 1 : -1};
    CHECK_OK(vcow_tree_range(
        v, NULL, 0, NULL, 0,
        VCOW_TREE_NO_LO | VCOW_TREE_NO_HI | (s.dir < 0 ? VCOW_TREE_REVERSE : 0), scan_fn, &s));
    CHECK_EQ_INT(s.n, n);
    if (test_rand(rng) % 16 == 0)
        CHECK_OK(vcow_tree_check(v));
}

static void *reader(void *arg)
{
    unsigned long long rng = (unsigned long long)(uintptr_t)arg * 7919 + 1;
    while (!atomic_load(&stop)) {
        if (test_rand(&rng) % 4 == 0) {
            vcow_version *p;
            CHECK_OK(vcow_cell_pin_head(cell, &p));
            check_version(p, &rng);
            vcow_version_unpin(p);
        } else {
            vcow_read_lock();
            check_version(vcow_cell_head(cell), &rng);
            vcow_read_unlock();
        }
        atomic_fetch_add(&reads, 1);
    }
    return NULL;
}

/* Keep "#" = number of other keys. */
static int fix_marker(vcow_txn *t)
{
    uint64_t n;
    vcow_val m;
    int rc = vcow_tree_len(vcow_txn_view(t), &n);
    if (rc != VCOW_OK)
        return rc;
    bool has = vcow_tree_get(vcow_txn_view(t), "#", &m) == VCOW_OK;
    return vcow_tree_set(t, "#", vcow_val_i64((int64_t)n - (has ? 1 : 0)));
}

struct wctx {
    unsigned long long rng;
};

static int write_fn(vcow_txn *t, void *arg)
{
    struct wctx *w = arg;
    unsigned long long r = w->rng; /* replay the same ops on a retry */
    char k[32], k2[32];
    int ops = 1 + (int)(test_rand(&r) % 20), rc = VCOW_OK;
    for (int i = 0; i < ops && rc == VCOW_OK; i++) {
        unsigned what = (unsigned)(test_rand(&r) % 100);
        uint64_t a = test_rand(&r) % 20000;
        if (what < 60) {
            rc = vcow_tree_setn(t, k, key_of(k, a), vcow_val_i64((int64_t)a));
        } else if (what < 95) {
            rc = vcow_tree_deln(t, k, key_of(k, a));
            if (rc == VCOW_ENOENT)
                rc = VCOW_OK;
        } else if (what < 99) {
            uint64_t b = a + test_rand(&r) % 500;
            rc = vcow_tree_del_range(t, k, key_of(k, a), k2, key_of(k2, b), 0, NULL);
        } else {
            static struct vcow_tree_kv kv[5000];
            static char keys[5000][16];
            for (int j = 0; j < 5000; j++) {
                kv[j].key.ptr = keys[j];
                kv[j].key.len = key_of(keys[j], (uint64_t)j * 4);
                kv[j].val = vcow_val_i64(j);
            }
            rc = vcow_tree_bulk_load(t, kv, 5000);
        }
    }
    return rc == VCOW_OK ? fix_marker(t) : rc;
}

int main(int argc, char **argv)
{
    double secs = test_seconds(argc, argv, 1, 3.0);
    int nreaders = argc > 2 ? atoi(argv[2]) : 2;
    CHECK_OK(vcow_cell_open(VCOW_KIND_TREE, NULL, &cell));
    CHECK_OK(vcow_tree_cell_set(cell, "#", vcow_val_i64(0), NULL));
    pthread_t th[16];
    if (nreaders > 16)
        nreaders = 16;
    for (int i = 0; i < nreaders; i++)
        CHECK(pthread_create(&th[i], NULL, reader, (void *)(uintptr_t)(i + 1)) == 0);
    struct wctx w = {12345};
    uint64_t commits = 0;
    double t0 = test_now();
    while (test_now() - t0 < secs) {
        CHECK_OK(vcow_cell_update(cell, write_fn, &w, NULL));
        test_rand(&w.rng);
        commits++;
    }
    atomic_store(&stop, true);
    for (int i = 0; i < nreaders; i++)
        pthread_join(th[i], NULL);
    CHECK_OK(vcow_cell_close(cell));
    CHECK_OK(vcow_gc_barrier());
    for (int k = 0; k < VCOW_MEM_COUNT; k++) {
        struct vcow_mem_stats s;
        CHECK_OK(vcow_mem_get_stats((enum vcow_mem)k, &s));
        CHECK_EQ_INT(s.nodes, 0);
    }
    printf("tree mt: %llu commits, %lu version checks\n", (unsigned long long)commits,
           (unsigned long)atomic_load(&reads));
    return 0;
}
