/*
 * stress/mixed.c - a map, a tree and a rope nested in one cell, changed
 * together in one txn.
 *
 * The cell is a map:
 *   "ledger"  tree: acct:NNNN -> balance (i64), ACCOUNTS entries
 *   "log"     rope: one LINE-byte line per transfer, "FFFF>TTTT:AAA\n", the
 *             last LOGMAX of them (the oldest line goes as a new one comes)
 *   "count"   i64: transfers so far
 *   "last"    map: acct:NNNN -> number of the last transfer touching it
 * A writer's transfer enters the tree (move the amount), the rope (append
 * the line) and the nested map (stamp both accounts), then sets "count":
 * one commit. The history keeps the last HISTORY versions, so ropes get
 * delta nodes when the rope has them.
 *
 * Every snapshot a reader sees (in a read section, on a pinned head, or on
 * a pinned old version) must hold, across the three structures:
 *   - the ledger has ACCOUNTS entries summing to ACCOUNTS * OPENING;
 *   - the log has min(count, LOGMAX) lines of LINE bytes (one more in the
 *     rope's line count) and the structures' checkers pass now and then;
 *   - the log's last line names accounts whose "last" stamp is count;
 *   - a pinned older version still shows its own count and a full ledger.
 */
#include <stdio.h>

#include "stress.h"
#include <vcow/map.h>
#include <vcow/rope.h>
#include <vcow/tree.h>

#define ACCOUNTS 100
#define OPENING  1000
#define LINE     14
#define HISTORY  256
#define LOGMAX   1000

static vcow_cell *cell;
static _Atomic int stop;
static _Atomic uint64_t transfers, snapshots, old_checked;

static size_t account_key(unsigned i, char *buf)
{
    return (size_t)snprintf(buf, 16, "acct:%04u", i);
}

struct transfer {
    unsigned from, to;
    int64_t amount;
};

/* Move amount in the ledger (the txn is inside the tree). */
static int move_money(vcow_txn *t, const struct transfer *x)
{
    char kf[16], kt[16];
    size_t lf = account_key(x->from, kf), lt = account_key(x->to, kt);
    vcow_val a, b;
    int rc = vcow_tree_getn(vcow_txn_view(t), kf, lf, &a);
    if (rc == VCOW_OK)
        rc = vcow_tree_getn(vcow_txn_view(t), kt, lt, &b);
    if (rc != VCOW_OK)
        return rc;
    int64_t fa = a.u.i64, tb = b.u.i64;
    if ((rc = vcow_tree_setn(t, kf, lf, vcow_val_i64(fa - x->amount))) != VCOW_OK)
        return rc;
    return vcow_tree_setn(t, kt, lt, vcow_val_i64(tb + x->amount));
}

static int transfer_fn(vcow_txn *t, void *arg)
{
    const struct transfer *x = arg;
    vcow_val c;
    int rc = vcow_map_get(vcow_txn_view(t), "count", &c);
    if (rc != VCOW_OK)
        return rc;
    int64_t n = c.u.i64 + 1;
    /* A failed step returns with the txn inside a structure: the update
     * loop then aborts it, which leaves every level first. */
    if ((rc = vcow_map_enter(t, "ledger", VCOW_KIND_TREE)) != VCOW_OK ||
        (rc = move_money(t, x)) != VCOW_OK || (rc = vcow_txn_leave(t)) != VCOW_OK)
        return rc;
    char line[LINE + 1];
    snprintf(line, sizeof(line), "%04u>%04u:%03d\n", x->from, x->to, (int)x->amount);
    if ((rc = vcow_map_enter(t, "log", VCOW_KIND_ROPE)) != VCOW_OK ||
        (rc = vcow_rope_append(t, line, LINE)) != VCOW_OK ||
        (n > LOGMAX && (rc = vcow_rope_delete(t, VCOW_ROPE_BYTES, 0, LINE)) != VCOW_OK) ||
        (rc = vcow_txn_leave(t)) != VCOW_OK)
        return rc;
    char kf[16], kt[16];
    size_t lf = account_key(x->from, kf), lt = account_key(x->to, kt);
    if ((rc = vcow_map_enter(t, "last", VCOW_KIND_MAP)) != VCOW_OK ||
        (rc = vcow_map_setn(t, kf, lf, vcow_val_i64(n))) != VCOW_OK ||
        (rc = vcow_map_setn(t, kt, lt, vcow_val_i64(n))) != VCOW_OK ||
        (rc = vcow_txn_leave(t)) != VCOW_OK)
        return rc;
    return vcow_map_set(t, "count", vcow_val_i64(n));
}

static void *writer(void *arg)
{
    unsigned long long rng = (unsigned long long)(uintptr_t)arg;
    uint64_t n = 0;
    while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
        struct transfer x = {(unsigned)(stress_rand(&rng) % ACCOUNTS),
                             (unsigned)(stress_rand(&rng) % ACCOUNTS),
                             (int64_t)(stress_rand(&rng) % 1000)};
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
    uint64_t n;
};

static int add_balance(vcow_slice key, const vcow_val *val, void *arg)
{
    struct sum *s = arg;
    STRESS_CHECK(key.len == 9 && val->type == VCOW_T_I64);
    s->total += val->u.i64;
    s->n++;
    return 0;
}

/* Check one snapshot; returns its count. deep: run the checkers too. */
static int64_t check_snapshot(const vcow_version *v, bool deep)
{
    vcow_val c;
    STRESS_OK(vcow_map_get(v, "count", &c));
    STRESS_CHECK(c.type == VCOW_T_I64 && c.u.i64 >= 0);
    int64_t count = c.u.i64;

    vcow_view lv, gv, mv;
    const vcow_version *ledger, *log, *last;
    STRESS_OK(vcow_map_view_path(v, "ledger", &lv, &ledger));
    STRESS_OK(vcow_map_view_path(v, "log", &gv, &log));
    STRESS_OK(vcow_map_view_path(v, "last", &mv, &last));
    STRESS_CHECK(vcow_version_seq(ledger) == vcow_version_seq(v));

    struct sum s = {0, 0};
    STRESS_OK(vcow_tree_range(ledger, NULL, 0, NULL, 0, VCOW_TREE_NO_LO | VCOW_TREE_NO_HI,
                              add_balance, &s));
    STRESS_CHECK(s.n == ACCOUNTS && s.total == (int64_t)ACCOUNTS * OPENING);

    struct vcow_rope_metrics m;
    STRESS_OK(vcow_rope_len(log, &m));
    uint64_t lines = count < LOGMAX ? (uint64_t)count : LOGMAX;
    STRESS_CHECK(m.bytes == lines * LINE && m.lines == lines + 1);
    if (count > 0) {
        char line[LINE + 1] = {0};
        size_t got;
        STRESS_OK(vcow_rope_copy(log, VCOW_ROPE_BYTES, m.bytes - LINE, m.bytes, line, &got));
        unsigned from, to;
        int amount;
        STRESS_CHECK(got == LINE && sscanf(line, "%4u>%4u:%3d", &from, &to, &amount) == 3);
        STRESS_CHECK(from < ACCOUNTS && to < ACCOUNTS && from != to);
        char k[16];
        vcow_val a;
        STRESS_OK(vcow_map_getn(last, k, account_key(from, k), &a));
        STRESS_CHECK(a.type == VCOW_T_I64 && a.u.i64 == count);
        STRESS_OK(vcow_map_getn(last, k, account_key(to, k), &a));
        STRESS_CHECK(a.type == VCOW_T_I64 && a.u.i64 == count);
    }
    if (deep) {
        STRESS_OK(vcow_tree_check(ledger));
        STRESS_OK(vcow_rope_check(log));
        STRESS_OK(vcow_map_check(v));
    }
    return count;
}

static void *reader(void *arg)
{
    unsigned long long rng = (unsigned long long)(uintptr_t)arg;
    uint64_t n = 0, old = 0;
    while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
        unsigned r = (unsigned)(stress_rand(&rng) % 16);
        if (r == 0) {
            /* An older version, pinned: its own count, still whole. */
            vcow_version *h, *p;
            STRESS_OK(vcow_cell_pin_head(cell, &h));
            uint64_t seq = vcow_version_seq(h);
            uint64_t back = stress_rand(&rng) % (HISTORY / 2);
            vcow_version_unpin(h);
            if (seq > back + 1 && vcow_cell_pin_at(cell, seq - back, &p) == VCOW_OK) {
                /* seq 1 opened the accounts; every later commit is one transfer */
                STRESS_CHECK(check_snapshot(p, false) == (int64_t)(vcow_version_seq(p) - 1));
                vcow_version_unpin(p);
                old++;
            }
        } else if (r < 4) {
            vcow_version *p;
            STRESS_OK(vcow_cell_pin_head(cell, &p));
            check_snapshot(p, r == 1);
            vcow_version_unpin(p);
        } else {
            vcow_read_lock();
            check_snapshot(vcow_cell_head(cell), false);
            vcow_read_unlock();
        }
        n++;
    }
    atomic_fetch_add(&snapshots, n);
    atomic_fetch_add(&old_checked, old);
    return NULL;
}

static int open_fn(vcow_txn *t, void *arg)
{
    (void)arg;
    int rc = vcow_map_enter(t, "ledger", VCOW_KIND_TREE);
    for (unsigned i = 0; i < ACCOUNTS && rc == VCOW_OK; i++) {
        char k[16];
        rc = vcow_tree_setn(t, k, account_key(i, k), vcow_val_i64(OPENING));
    }
    if (rc == VCOW_OK)
        rc = vcow_txn_leave(t);
    if (rc == VCOW_OK)
        rc = vcow_map_enter(t, "log", VCOW_KIND_ROPE);
    if (rc == VCOW_OK)
        rc = vcow_txn_leave(t);
    if (rc == VCOW_OK)
        rc = vcow_map_set(t, "last", vcow_val_map());
    if (rc == VCOW_OK)
        rc = vcow_map_set(t, "count", vcow_val_i64(0));
    return rc;
}

int main(int argc, char **argv)
{
    struct stress_opts o = stress_parse(argc, argv, 2);
    struct vcow_cell_opts co = {.size = sizeof(co), .history = true, .keep_last = HISTORY};
    STRESS_OK(vcow_cell_open(VCOW_KIND_MAP, &co, &cell));
    STRESS_OK(vcow_cell_update(cell, open_fn, NULL, NULL));
    long peak_rss = stress_run_pairs(&o, writer, reader, &stop);
    vcow_read_lock();
    const vcow_version *h = vcow_cell_head(cell);
    STRESS_CHECK(check_snapshot(h, true) == (int64_t)atomic_load(&transfers));
    vcow_read_unlock();
    struct vcow_cell_stats s;
    STRESS_OK(vcow_cell_get_stats(cell, &s));
    STRESS_OK(vcow_cell_close(cell));
    stress_check_all_freed();
    printf("mixed: transfers=%llu conflicts_retried=%llu snapshots_checked=%llu "
           "old_versions_checked=%llu live_rope_kb=%.1f held_kb=%.1f peak_rss_mb=%.1f\n",
           (unsigned long long)atomic_load(&transfers), (unsigned long long)s.conflicts,
           (unsigned long long)atomic_load(&snapshots),
           (unsigned long long)atomic_load(&old_checked), s.bytes[VCOW_MEM_ROPE] / 1024.0,
           s.held_bytes / 1024.0, peak_rss / 1048576.0);
    return 0;
}
