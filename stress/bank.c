/*
 * stress/bank.c - transfers between accounts in one hamt cell.
 *
 * Writers move a random amount between two random accounts in one txn
 * (vcow_cell_update); readers sum every account of a snapshot, inside a
 * read section or on a pinned version, and the sum is always the opening
 * total: a snapshot never shows half a transfer.
 */
#include <stdio.h>

#include "stress.h"
#include <vcow/map.h>

#define ACCOUNTS 1000
#define OPENING  1000

static vcow_cell *cell;
static _Atomic int stop;
static _Atomic uint64_t transfers, snapshots;

static size_t account_key(unsigned i, char *buf)
{
    return (size_t)snprintf(buf, 32, "acct:%04u", i);
}

struct transfer {
    unsigned from, to;
    int64_t amount;
};

static int transfer_fn(vcow_txn *t, void *arg)
{
    const struct transfer *x = arg;
    char kf[32], kt[32];
    size_t lf = account_key(x->from, kf), lt = account_key(x->to, kt);
    vcow_val a, b;
    int rc = vcow_map_getn(vcow_txn_view(t), kf, lf, &a);
    if (rc == VCOW_OK)
        rc = vcow_map_getn(vcow_txn_view(t), kt, lt, &b);
    if (rc != VCOW_OK)
        return rc;
    int64_t fa = a.u.i64, tb = b.u.i64;
    if ((rc = vcow_map_setn(t, kf, lf, vcow_val_i64(fa - x->amount))) != VCOW_OK)
        return rc;
    return vcow_map_setn(t, kt, lt, vcow_val_i64(tb + x->amount));
}

static void *writer(void *arg)
{
    unsigned long long rng = (unsigned long long)(uintptr_t)arg;
    uint64_t n = 0;
    while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
        struct transfer x = {(unsigned)(stress_rand(&rng) % ACCOUNTS),
                             (unsigned)(stress_rand(&rng) % ACCOUNTS),
                             (int64_t)(stress_rand(&rng) % 100)};
        if (x.from == x.to)
            continue;
        STRESS_OK(vcow_cell_update(cell, transfer_fn, &x, NULL));
        n++;
    }
    atomic_fetch_add(&transfers, n);
    return NULL;
}

struct sum {
    int64_t total;
    size_t n;
};

static int add_entry(vcow_slice key, const vcow_val *val_p, void *arg)
{
    vcow_val val = *val_p;
    struct sum *s = arg;
    STRESS_CHECK(key.len == 9 && val.type == VCOW_T_I64);
    s->total += val.u.i64;
    s->n++;
    return 0;
}

static void check_snapshot(const vcow_version *v)
{
    struct sum s = {0, 0};
    STRESS_OK(vcow_map_iter(v, add_entry, &s));
    uint64_t n = 0;
    STRESS_CHECK(vcow_map_len(v, &n) == VCOW_OK);
    STRESS_CHECK(s.n == ACCOUNTS && n == ACCOUNTS);
    STRESS_CHECK(s.total == (int64_t)ACCOUNTS * OPENING);
}

static void *reader(void *arg)
{
    unsigned long long rng = (unsigned long long)(uintptr_t)arg;
    uint64_t n = 0;
    while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
        if (stress_rand(&rng) % 4 == 0) {
            vcow_version *p;
            STRESS_OK(vcow_cell_pin_head(cell, &p));
            check_snapshot(p);
            vcow_version_unpin(p);
        } else {
            vcow_read_lock();
            check_snapshot(vcow_cell_head(cell));
            vcow_read_unlock();
        }
        n++;
    }
    atomic_fetch_add(&snapshots, n);
    return NULL;
}

static int open_fn(vcow_txn *t, void *arg)
{
    (void)arg;
    for (unsigned i = 0; i < ACCOUNTS; i++) {
        char k[32];
        int rc = vcow_map_setn(t, k, account_key(i, k), vcow_val_i64(OPENING));
        if (rc != VCOW_OK)
            return rc;
    }
    return VCOW_OK;
}

int main(int argc, char **argv)
{
    struct stress_opts o = stress_parse(argc, argv, 2);
    STRESS_OK(vcow_cell_open(VCOW_KIND_MAP, NULL, &cell));
    STRESS_OK(vcow_cell_update(cell, open_fn, NULL, NULL));
    long peak_rss = stress_run_pairs(&o, writer, reader, &stop);
    vcow_read_lock();
    check_snapshot(vcow_cell_head(cell));
    vcow_read_unlock();
    struct vcow_cell_stats s;
    STRESS_OK(vcow_cell_get_stats(cell, &s));
    STRESS_OK(vcow_cell_close(cell));
    stress_check_all_freed();
    printf("bank: transfers=%llu conflicts_retried=%llu snapshots_checked=%llu peak_rss_mb=%.1f\n",
           (unsigned long long)atomic_load(&transfers), (unsigned long long)s.conflicts,
           (unsigned long long)atomic_load(&snapshots), peak_rss / 1048576.0);
    return 0;
}
