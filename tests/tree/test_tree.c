/*
 * tests/tree/test_tree.c - the B+tree (structures/tree), single-threaded.
 *
 *   basic     set/get/del, bounds, rank/select, ranges both ways, long
 *             values in blobs, the empty key, bulk load shapes, cell
 *             conveniences; every node freed at the end
 *   badinput  NULL, wrong kinds, over-limit keys, nested values, inverted
 *             ranges, rank out of range, unsorted bulk input
 *   history   a history cell: every old version reads as it was; trims free
 *   oom       the k-th allocation fails, for every k, in set / del /
 *             del_range / bulk load: the txn is unchanged, nothing leaks
 *   rangedel  del_range over a big tree: O(log n) retire entries (checked
 *             through held bytes), every bound combination
 *   diff      diff/equal between versions; shared subtrees skipped
 */
#include <limits.h>
#include <stdint.h>

#include "tests/test.h"
#include <vcow/debug.h>
#include <vcow/tree.h>

/* Key i as 8 decimal digits: memcmp order == numeric order. */
static size_t key_of(char *buf, uint64_t i)
{
    return (size_t)snprintf(buf, 32, "%08llu", (unsigned long long)i);
}

static vcow_cell *open_tree(bool history)
{
    vcow_cell *c;
    struct vcow_cell_opts o;
    memset(&o, 0, sizeof(o));
    o.size = sizeof(o);
    o.history = history;
    CHECK_OK(vcow_cell_open(VCOW_KIND_TREE, &o, &c));
    return c;
}

static void fill(vcow_cell *c, uint64_t from, uint64_t to, uint64_t step)
{
    vcow_txn *t;
    char k[32];
    CHECK_OK(vcow_txn_begin(c, &t));
    for (uint64_t i = from; i < to; i += step)
        CHECK_OK(vcow_tree_setn(t, k, key_of(k, i), vcow_val_i64((int64_t)i)));
    CHECK_OK(vcow_tree_check(vcow_txn_view(t)));
    CHECK_OK(vcow_txn_commit(t));
    vcow_txn_free(t);
}

struct collect {
    uint64_t n;
    int64_t last;
    int dir;
    uint64_t stop_after;
};

static int collect_fn(vcow_slice key, const vcow_val *val, void *ctx)
{
    struct collect *c = ctx;
    char k[32];
    CHECK(val->type == VCOW_T_I64);
    CHECK(key.len == key_of(k, (uint64_t)val->u.i64) && memcmp(key.ptr, k, key.len) == 0);
    if (c->n > 0)
        CHECK(c->dir > 0 ? val->u.i64 > c->last : val->u.i64 < c->last);
    c->last = val->u.i64;
    c->n++;
    return c->stop_after != 0 && c->n == c->stop_after ? 42 : 0;
}

static void test_basic(void)
{
    vcow_cell *c = open_tree(false);
    const uint64_t N = 20000;
    fill(c, 0, N, 2); /* even keys 0 .. N-2 */
    char k[32];
    vcow_val v;
    vcow_slice ks;
    uint64_t n;

    vcow_read_lock();
    const vcow_version *h = vcow_cell_head(c);
    CHECK_OK(vcow_tree_check(h));
    CHECK_OK(vcow_tree_len(h, &n));
    CHECK_EQ_INT(n, N / 2);
    for (uint64_t i = 0; i < N; i++) {
        int rc = vcow_tree_getn(h, k, key_of(k, i), &v);
        bool has;
        CHECK_OK(vcow_tree_containsn(h, k, key_of(k, i), &has));
        CHECK(has == (i % 2 == 0));
        CHECK_RC(vcow_tree_getn(h, k, key_of(k, i), NULL), rc); /* presence only */
        if (i % 2 == 0) {
            CHECK_OK(rc);
            CHECK_EQ_INT(v.u.i64, (int64_t)i);
        } else {
            CHECK_RC(rc, VCOW_ENOENT);
        }
        uint64_t r;
        CHECK_OK(vcow_tree_rankn(h, k, key_of(k, i), &r));
        CHECK_EQ_INT(r, (i + 1) / 2);
        /* lower bound: the smallest even >= i; upper: > i. */
        uint64_t lb = (i + 1) / 2 * 2, ub = i / 2 * 2 + 2;
        int rcl = vcow_tree_lower_boundn(h, k, key_of(k, i), &ks, &v);
        if (lb < N) {
            CHECK_OK(rcl);
            CHECK_EQ_INT(v.u.i64, (int64_t)lb);
        } else {
            CHECK_RC(rcl, VCOW_ENOENT);
        }
        int rcu = vcow_tree_upper_boundn(h, k, key_of(k, i), &ks, &v);
        if (ub < N) {
            CHECK_OK(rcu);
            CHECK_EQ_INT(v.u.i64, (int64_t)ub);
        } else {
            CHECK_RC(rcu, VCOW_ENOENT);
        }
    }
    for (uint64_t i = 0; i < N / 2; i++) {
        CHECK_OK(vcow_tree_select(h, i, &ks, &v));
        CHECK_EQ_INT(v.u.i64, (int64_t)(2 * i));
    }
    CHECK_RC(vcow_tree_select(h, N / 2, &ks, &v), VCOW_ERANGE);
    CHECK_OK(vcow_tree_first(h, &ks, &v));
    CHECK_EQ_INT(v.u.i64, 0);
    CHECK_OK(vcow_tree_last(h, &ks, &v));
    CHECK_EQ_INT(v.u.i64, (int64_t)N - 2);

    /* Ranges: [100, 200) forward = 50 even keys; reverse; inclusive hi. */
    char lo[32], hi[32];
    size_t ll = key_of(lo, 100), hl = key_of(hi, 200);
    struct collect col = {0, 0, 1, 0};
    CHECK_OK(vcow_tree_range(h, lo, ll, hi, hl, 0, collect_fn, &col));
    CHECK_EQ_INT(col.n, 50);
    CHECK_EQ_INT(col.last, 198);
    col = (struct collect){0, 0, -1, 0};
    CHECK_OK(vcow_tree_range(h, lo, ll, hi, hl,
                             VCOW_TREE_REVERSE | VCOW_TREE_HI_INCL | VCOW_TREE_LO_EXCL, collect_fn,
                             &col));
    CHECK_EQ_INT(col.n, 50);
    CHECK_EQ_INT(col.last, 102);
    col = (struct collect){0, 0, 1, 0};
    CHECK_OK(
        vcow_tree_range(h, NULL, 0, NULL, 0, VCOW_TREE_NO_LO | VCOW_TREE_NO_HI, collect_fn, &col));
    CHECK_EQ_INT(col.n, N / 2);
    col = (struct collect){0, 0, 1, 7};
    CHECK_RC(vcow_tree_range(h, lo, ll, NULL, 0, VCOW_TREE_NO_HI, collect_fn, &col), 42);
    CHECK_EQ_INT(col.n, 7);
    col = (struct collect){0, 0, 1, 0};
    CHECK_OK(vcow_tree_range(h, lo, ll, lo, ll, 0, collect_fn, &col)); /* empty */
    CHECK_EQ_INT(col.n, 0);
    vcow_read_unlock();

    /* Delete every other remaining key, then all: the tree shrinks to empty. */
    vcow_txn *t;
    CHECK_OK(vcow_txn_begin(c, &t));
    for (uint64_t i = 0; i < N; i += 4)
        CHECK_OK(vcow_tree_deln(t, k, key_of(k, i)));
    CHECK_RC(vcow_tree_deln(t, k, key_of(k, 0)), VCOW_ENOENT);
    CHECK_OK(vcow_tree_check(vcow_txn_view(t)));
    CHECK_OK(vcow_tree_len(vcow_txn_view(t), &n));
    CHECK_EQ_INT(n, N / 4);
    CHECK_OK(vcow_txn_commit(t));
    vcow_txn_free(t);
    CHECK_OK(vcow_txn_begin(c, &t));
    for (uint64_t i = 2; i < N; i += 4)
        CHECK_OK(vcow_tree_deln(t, k, key_of(k, i)));
    CHECK_OK(vcow_tree_len(vcow_txn_view(t), &n));
    CHECK_EQ_INT(n, 0);
    CHECK_OK(vcow_txn_commit(t));
    vcow_txn_free(t);
    CHECK_OK(vcow_gc_barrier());
    CHECK_EQ_INT(test_live_nodes(VCOW_MEM_TREE), 0);

    /* Values of every type; long bytes go to blobs; the empty key. */
    char big[5000];
    for (size_t i = 0; i < sizeof(big); i++)
        big[i] = (char)(i * 7);
    CHECK_OK(vcow_txn_begin(c, &t));
    CHECK_OK(vcow_tree_setn(t, NULL, 0, vcow_val_bool(true)));
    CHECK_OK(vcow_tree_set(t, "b", vcow_val_bytes(big, sizeof(big))));
    CHECK_OK(vcow_tree_set(t, "c", vcow_val_bytes(big, 64)));
    CHECK_OK(vcow_tree_set(t, "d", vcow_val_bytes(NULL, 0)));
    CHECK_OK(vcow_tree_set(t, "e", vcow_val_f64(2.5)));
    CHECK_OK(vcow_txn_commit(t));
    vcow_txn_free(t);
    CHECK_EQ_INT(test_live_nodes(VCOW_MEM_BLOB), 1);
    vcow_read_lock();
    h = vcow_cell_head(c);
    CHECK_OK(vcow_tree_check(h));
    CHECK_OK(vcow_tree_getn(h, NULL, 0, &v));
    CHECK(v.type == VCOW_T_BOOL && v.u.b);
    CHECK_OK(vcow_tree_first(h, &ks, NULL));
    CHECK_EQ_INT(ks.len, 0);
    CHECK_OK(vcow_tree_get(h, "b", &v));
    CHECK(v.type == VCOW_T_BYTES && v.u.bytes.len == sizeof(big));
    CHECK(memcmp(v.u.bytes.ptr, big, sizeof(big)) == 0);
    CHECK_OK(vcow_tree_get(h, "c", &v));
    CHECK(v.u.bytes.len == 64 && memcmp(v.u.bytes.ptr, big, 64) == 0);
    CHECK_OK(vcow_tree_get(h, "d", &v));
    CHECK(v.type == VCOW_T_BYTES && v.u.bytes.len == 0);
    CHECK_OK(vcow_tree_get(h, "e", &v));
    CHECK(v.type == VCOW_T_F64 && v.u.f64 == 2.5);
    vcow_read_unlock();
    /* Overwriting and deleting the blob value retires the blob. */
    CHECK_OK(vcow_tree_cell_set(c, "b", vcow_val_i64(1), NULL));
    CHECK_OK(vcow_tree_cell_set(c, "c", vcow_val_bytes(big, 65), NULL));
    CHECK_OK(vcow_gc_barrier());
    CHECK_EQ_INT(test_live_nodes(VCOW_MEM_BLOB), 1);
    uint64_t seq;
    CHECK_OK(vcow_tree_cell_del(c, "c", &seq));
    CHECK_RC(vcow_tree_cell_del(c, "c", NULL), VCOW_ENOENT);
    CHECK_OK(vcow_gc_barrier());
    CHECK_EQ_INT(test_live_nodes(VCOW_MEM_BLOB), 0);

    /* Bulk load shapes: every n around the level boundaries. */
    static const uint64_t sizes[] = {0,  1,  2,   15,   16,   17,   31,   32,   33,   48,   63,
                                     64, 65, 100, 1023, 1024, 1025, 1041, 2047, 2048, 2049, 40000};
    struct vcow_tree_kv *items = malloc(40000 * sizeof(*items));
    char(*keys)[16] = malloc(40000 * 16);
    CHECK(items != NULL && keys != NULL);
    for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
        uint64_t m = sizes[s];
        for (uint64_t i = 0; i < m; i++) {
            items[i].key.ptr = keys[i];
            items[i].key.len = key_of(keys[i], i * 3);
            items[i].val = vcow_val_i64((int64_t)i * 3);
        }
        CHECK_OK(vcow_txn_begin(c, &t));
        CHECK_OK(vcow_tree_bulk_load(t, items, m));
        CHECK_OK(vcow_tree_check(vcow_txn_view(t)));
        CHECK_OK(vcow_tree_len(vcow_txn_view(t), &n));
        CHECK_EQ_INT(n, m);
        col = (struct collect){0, 0, 1, 0};
        CHECK_OK(vcow_tree_range(vcow_txn_view(t), NULL, 0, NULL, 0,
                                 VCOW_TREE_NO_LO | VCOW_TREE_NO_HI, collect_fn, &col));
        CHECK_EQ_INT(col.n, m);
        if (m > 0)
            CHECK_OK(vcow_tree_set(t, "x", vcow_val_i64(1))); /* still a working tree */
        CHECK_OK(vcow_tree_check(vcow_txn_view(t)));
        CHECK_OK(vcow_txn_commit(t));
        vcow_txn_free(t);
    }
    free(items);
    free(keys);
    CHECK_OK(vcow_cell_close(c));
    test_check_all_freed();
}

static void test_badinput(void)
{
    vcow_cell *c = open_tree(false), *box;
    CHECK_OK(vcow_cell_open(VCOW_KIND_BOX, NULL, &box));
    fill(c, 0, 100, 1);
    char key[VCOW_TREE_MAX_KEY + 1];
    memset(key, 'k', sizeof(key));
    vcow_val v;
    vcow_slice ks;
    uint64_t n;
    vcow_txn *t, *tb;
    CHECK_OK(vcow_txn_begin(c, &t));
    CHECK_OK(vcow_txn_begin(box, &tb));
    /* The longest key is fine, one more byte is not. */
    CHECK_OK(vcow_tree_setn(t, key, VCOW_TREE_MAX_KEY, vcow_val_i64(1)));
    CHECK_RC(vcow_tree_setn(t, key, VCOW_TREE_MAX_KEY + 1, vcow_val_i64(1)), VCOW_EINVAL);
    CHECK_RC(vcow_tree_deln(t, key, VCOW_TREE_MAX_KEY + 1), VCOW_EINVAL);
    CHECK_RC(vcow_tree_getn(vcow_txn_view(t), key, VCOW_TREE_MAX_KEY + 1, &v), VCOW_EINVAL);
    CHECK_RC(vcow_tree_setn(t, NULL, 3, vcow_val_i64(1)), VCOW_EINVAL);
    CHECK_RC(vcow_tree_set(NULL, "a", vcow_val_i64(1)), VCOW_EINVAL);
    CHECK_RC(vcow_tree_set(tb, "a", vcow_val_i64(1)), VCOW_EINVAL);
    vcow_val nested = {VCOW_T_TREE, {.root = NULL}};
    CHECK_RC(vcow_tree_set(t, "a", nested), VCOW_EINVAL);
    vcow_val none = {VCOW_T_NONE, {.i64 = 0}};
    CHECK_RC(vcow_tree_set(t, "a", none), VCOW_EINVAL);
    CHECK_RC(vcow_tree_set(t, "a", vcow_val_bytes(NULL, 5)), VCOW_EINVAL);
    CHECK_RC(vcow_tree_set(t, "a", vcow_val_bytes(key, VCOW_VAL_MAX_BYTES + 1)), VCOW_EINVAL);
    CHECK_RC(vcow_tree_del(t, "zz"), VCOW_ENOENT);
    /* Inverted ranges. */
    CHECK_RC(vcow_tree_del_range(t, "b", 1, "a", 1, 0, &n), VCOW_ERANGE);
    CHECK_RC(vcow_tree_range(vcow_txn_view(t), "b", 1, "a", 1, 0, collect_fn, NULL), VCOW_ERANGE);
    CHECK_RC(vcow_tree_range(vcow_txn_view(t), "a", 1, "b", 1, 0, NULL, NULL), VCOW_EINVAL);
    CHECK_RC(vcow_tree_del_range(t, key, VCOW_TREE_MAX_KEY + 1, "a", 1, 0, &n), VCOW_EINVAL);
    /* lo == hi half-open: nothing. */
    CHECK_OK(vcow_tree_del_range(t, "a", 1, "a", 1, 0, &n));
    CHECK_EQ_INT(n, 0);
    /* Bulk input: unsorted, duplicate, NULL. */
    struct vcow_tree_kv kv[2] = {{{"b", 1}, vcow_val_i64(1)}, {{"a", 1}, vcow_val_i64(2)}};
    CHECK_RC(vcow_tree_bulk_load(t, kv, 2), VCOW_EINVAL);
    kv[1].key.ptr = "b";
    CHECK_RC(vcow_tree_bulk_load(t, kv, 2), VCOW_EINVAL);
    CHECK_RC(vcow_tree_bulk_load(t, NULL, 2), VCOW_EINVAL);
    kv[1].key.ptr = "c";
    kv[1].val = nested;
    CHECK_RC(vcow_tree_bulk_load(t, kv, 2), VCOW_EINVAL);
    CHECK_OK(vcow_tree_len(vcow_txn_view(t), &n));
    CHECK_EQ_INT(n, 101); /* nothing above changed the txn */
    CHECK_OK(vcow_tree_check(vcow_txn_view(t)));
    CHECK_OK(vcow_txn_commit(t));
    /* A finished txn. */
    CHECK_RC(vcow_tree_set(t, "a", vcow_val_i64(1)), VCOW_ESTATE);
    CHECK(vcow_txn_view(t) == NULL);
    CHECK_RC(vcow_tree_del_range(t, "a", 1, "b", 1, 0, NULL), VCOW_ESTATE);
    CHECK_RC(vcow_tree_bulk_load(t, kv, 0), VCOW_ESTATE);
    vcow_txn_free(t);
    vcow_txn_free(tb);
    /* Reads on versions. */
    vcow_read_lock();
    const vcow_version *h = vcow_cell_head(c), *hb = vcow_cell_head(box);
    CHECK_RC(vcow_tree_get(NULL, "a", &v), VCOW_EINVAL);
    CHECK_RC(vcow_tree_get(hb, "a", &v), VCOW_EINVAL);
    CHECK_RC(vcow_tree_get(h, NULL, &v), VCOW_EINVAL);
    bool has;
    CHECK_RC(vcow_tree_contains(h, "a", NULL), VCOW_EINVAL);
    CHECK_RC(vcow_tree_contains(hb, "a", &has), VCOW_EINVAL);
    CHECK_RC(vcow_tree_rank(h, NULL, &n), VCOW_EINVAL);
    CHECK_RC(vcow_tree_lower_bound(h, NULL, &ks, &v), VCOW_EINVAL);
    CHECK_RC(vcow_tree_get(h, "zz", &v), VCOW_ENOENT);
    CHECK_RC(vcow_tree_len(h, NULL), VCOW_EINVAL);
    CHECK_RC(vcow_tree_select(h, 101, &ks, &v), VCOW_ERANGE);
    CHECK_RC(vcow_tree_select(h, UINT64_MAX, &ks, &v), VCOW_ERANGE);
    CHECK_OK(vcow_tree_select(h, 100, &ks, &v));
    CHECK_RC(vcow_tree_rank(h, "a", NULL), VCOW_EINVAL);
    CHECK_RC(vcow_tree_rankn(h, key, VCOW_TREE_MAX_KEY + 1, &n), VCOW_EINVAL);
    CHECK_RC(vcow_tree_lower_bound(h, "zzz", &ks, &v), VCOW_ENOENT);
    CHECK_RC(vcow_tree_upper_boundn(h, NULL, 5, &ks, &v), VCOW_EINVAL);
    CHECK_RC(vcow_tree_range(h, "b", 1, "a", 1, VCOW_TREE_REVERSE, collect_fn, NULL), VCOW_ERANGE);
    CHECK_RC(vcow_tree_range(hb, "a", 1, "b", 1, 0, collect_fn, NULL), VCOW_EINVAL);
    CHECK_RC(vcow_tree_diff(h, NULL, NULL, NULL), VCOW_EINVAL);
    CHECK_RC(vcow_tree_diff(h, hb, NULL, NULL), VCOW_EINVAL);
    bool eq;
    CHECK_RC(vcow_tree_equal(h, h, NULL), VCOW_EINVAL);
    CHECK_OK(vcow_tree_equal(h, h, &eq));
    CHECK(eq);
    CHECK_RC(vcow_tree_check(hb), VCOW_EINVAL);
    CHECK_RC(vcow_tree_first(hb, &ks, &v), VCOW_EINVAL);
    vcow_read_unlock();
    CHECK_RC(vcow_tree_cell_set(box, "a", vcow_val_i64(1), NULL), VCOW_EINVAL);
    CHECK_RC(vcow_tree_cell_set(NULL, "a", vcow_val_i64(1), NULL), VCOW_EINVAL);
    CHECK_RC(vcow_tree_cell_deln(c, key, VCOW_TREE_MAX_KEY + 1, NULL), VCOW_EINVAL);
    /* Empty tree reads. */
    vcow_cell *e = open_tree(false);
    vcow_read_lock();
    h = vcow_cell_head(e);
    CHECK_RC(vcow_tree_first(h, &ks, &v), VCOW_ENOENT);
    CHECK_RC(vcow_tree_last(h, &ks, &v), VCOW_ENOENT);
    CHECK_RC(vcow_tree_select(h, 0, &ks, &v), VCOW_ERANGE);
    CHECK_OK(vcow_tree_rank(h, "a", &n));
    CHECK_EQ_INT(n, 0);
    vcow_read_unlock();
    CHECK_OK(vcow_cell_close(e));
    CHECK_OK(vcow_cell_close(c));
    CHECK_OK(vcow_cell_close(box));
    test_check_all_freed();
}

static void test_history(void)
{
    vcow_cell *c = open_tree(true);
    char k[32];
    const int V = 200;
    /* Version s (1..V) = keys 0 .. 10*s-1, with key j = s for j < s. */
    for (int s = 1; s <= V; s++) {
        vcow_txn *t;
        CHECK_OK(vcow_txn_begin(c, &t));
        for (int j = 10 * (s - 1); j < 10 * s; j++)
            CHECK_OK(vcow_tree_setn(t, k, key_of(k, (uint64_t)j), vcow_val_i64(0)));
        CHECK_OK(vcow_tree_setn(t, k, key_of(k, (uint64_t)(s - 1)), vcow_val_i64(s)));
        if (s % 7 == 0) /* and drop a range to shake the shape */
            CHECK_OK(vcow_tree_del_range(t, k, key_of(k, 10000), NULL, 0, VCOW_TREE_NO_HI, NULL));
        CHECK_OK(vcow_txn_commit(t));
        vcow_txn_free(t);
    }
    for (int s = 1; s <= V; s++) {
        vcow_version *p;
        CHECK_OK(vcow_cell_pin_at(c, (uint64_t)s, &p));
        CHECK_OK(vcow_tree_check(p));
        uint64_t n;
        CHECK_OK(vcow_tree_len(p, &n));
        CHECK_EQ_INT(n, 10 * s);
        for (int j = 0; j < 10 * s; j++) {
            vcow_val v;
            CHECK_OK(vcow_tree_getn(p, k, key_of(k, (uint64_t)j), &v));
            CHECK_EQ_INT(v.u.i64, j < s ? j + 1 : 0);
        }
        vcow_version_unpin(p);
    }
    CHECK_OK(vcow_cell_trim(c, (uint64_t)V));
    CHECK_OK(vcow_gc_barrier());
    CHECK_OK(vcow_cell_close(c));
    test_check_all_freed();
}

/* ---- oom: a script of operations; each allocation fails in turn ---- */

static int oom_script(void)
{
    int failures = 0;
    vcow_cell *c;
    int rc = vcow_cell_open(VCOW_KIND_TREE, NULL, &c);
    if (rc != VCOW_OK)
        return 1;
    char k[32], big[300];
    memset(big, 'b', sizeof(big));
    for (int round = 0; round < 4; round++) {
        vcow_txn *t;
        if (vcow_txn_begin(c, &t) != VCOW_OK) {
            failures++;
            continue;
        }
        uint64_t before, after;
        CHECK_OK(vcow_tree_len(vcow_txn_view(t), &before));
        for (int i = 0; i < 120; i++) {
            uint64_t j = (uint64_t)(i * 7 + round * 13) % 250;
            vcow_val val = i % 3 ? vcow_val_i64(i) : vcow_val_bytes(big, 100 + (size_t)i % 100);
            rc = round % 2 == 0 || i % 2 ? vcow_tree_setn(t, k, key_of(k, j), val)
                                         : vcow_tree_deln(t, k, key_of(k, j));
            if (rc == VCOW_ENOMEM)
                failures++;
            else
                CHECK(rc == VCOW_OK || rc == VCOW_ENOENT);
        }
        /* Overwrite some keys again in the same txn: their leaves are the
         * txn's own now, so values are patched in place. */
        for (int i = 0; i < 20; i++) {
            uint64_t j = (uint64_t)(i * 7 + round * 13) % 250;
            rc = vcow_tree_setn(t, k, key_of(k, j), vcow_val_bytes(big, 150 + (size_t)i));
            if (rc == VCOW_ENOMEM)
                failures++;
            else
                CHECK_OK(rc);
        }
        char lo[32], hi[32];
        uint64_t del = 0;
        CHECK_OK(vcow_tree_len(vcow_txn_view(t), &before));
        rc = vcow_tree_del_range(t, lo, key_of(lo, (uint64_t)round * 25), hi,
                                 key_of(hi, (uint64_t)round * 25 + 100), 0, &del);
        CHECK_OK(vcow_tree_len(vcow_txn_view(t), &after));
        if (rc == VCOW_ENOMEM) {
            failures++;
            CHECK_EQ_INT(after, before); /* unchanged */
        } else {
            CHECK_OK(rc);
            CHECK_EQ_INT(after, before - del);
        }
        if (round == 3) {
            /* A tree of three levels (at fanout 64), then a range cut
             * through it: joins across heights. */
            static struct vcow_tree_kv kv[5000];
            static char keys[5000][16];
            for (int i = 0; i < 5000; i++) {
                kv[i].key.ptr = keys[i];
                kv[i].key.len = key_of(keys[i], (uint64_t)i);
                kv[i].val = i % 97 ? vcow_val_i64(i) : vcow_val_bytes(big, 200);
            }
            rc = vcow_tree_bulk_load(t, kv, 5000);
            CHECK_OK(vcow_tree_len(vcow_txn_view(t), &after));
            if (rc == VCOW_ENOMEM) {
                failures++;
                CHECK_EQ_INT(after, before - del);
            } else {
                CHECK_OK(rc);
                CHECK_EQ_INT(after, 5000);
            }
            before = after;
            rc = vcow_tree_del_range(t, lo, key_of(lo, 77), hi, key_of(hi, 4900), 0, &del);
            CHECK_OK(vcow_tree_len(vcow_txn_view(t), &after));
            if (rc == VCOW_ENOMEM) {
                failures++;
                CHECK_EQ_INT(after, before);
            } else {
                CHECK_OK(rc);
                CHECK_EQ_INT(after, before - del);
            }
        }
        CHECK_OK(vcow_tree_check(vcow_txn_view(t)));
        rc = vcow_txn_commit(t);
        if (rc == VCOW_ENOMEM) {
            failures++;
            vcow_txn_abort(t);
        }
        vcow_txn_free(t);
    }
    vcow_read_lock();
    CHECK_OK(vcow_tree_check(vcow_cell_head(c)));
    vcow_read_unlock();
    CHECK_OK(vcow_cell_close(c));
    return failures;
}

static void test_oom(void)
{
    long k;
    vcow_debug_fail_alloc(LONG_MAX, false);
    oom_script();
    long total = (long)vcow_debug_alloc_count();
    vcow_debug_fail_alloc(0, false);
    test_check_all_freed();
    /* Every allocation of the script fails in turn (sets, splits, blobs,
     * range joins, bulk levels, commits). */
    for (k = 1; k <= total + 1; k++) {
        vcow_debug_fail_alloc(k, false);
        oom_script();
        vcow_debug_fail_alloc(0, false);
        test_check_all_freed();
    }
    printf("oom: failed each of %ld allocations in turn\n", total);
    for (k = 1; k < 4000; k += 397) {
        vcow_debug_fail_alloc(k, true);
        oom_script();
        vcow_debug_fail_alloc(0, false);
        test_check_all_freed();
    }
}

/* ---- rangedel ---- */

static void test_rangedel(void)
{
    const uint64_t N = 100000;
    vcow_cell *c = open_tree(false);
    fill(c, 0, N, 1);
    char lo[32], hi[32];
    vcow_txn *t;
    uint64_t del, n;
    /* Dropping most of a big tree retires a handful of entries: the bytes
     * retired (subtree roots counted once) stay tiny. */
    struct vcow_cell_stats st0, st1;
    CHECK_OK(vcow_cell_get_stats(c, &st0));
    CHECK_OK(vcow_txn_begin(c, &t));
    CHECK_OK(vcow_tree_del_range(t, lo, key_of(lo, 1234), hi, key_of(hi, 98765), 0, &del));
    CHECK_EQ_INT(del, 98765 - 1234);
    CHECK_OK(vcow_tree_check(vcow_txn_view(t)));
    CHECK_OK(vcow_txn_commit(t));
    vcow_txn_free(t);
    CHECK_OK(vcow_cell_get_stats(c, &st1));
    vcow_read_lock();
    const vcow_version *h = vcow_cell_head(c);
    CHECK_OK(vcow_tree_len(h, &n));
    CHECK_EQ_INT(n, N - del);
    vcow_val v;
    CHECK_OK(vcow_tree_getn(h, lo, key_of(lo, 1233), &v));
    CHECK_RC(vcow_tree_getn(h, lo, key_of(lo, 1234), &v), VCOW_ENOENT);
    CHECK_OK(vcow_tree_getn(h, lo, key_of(lo, 98765), &v));
    vcow_read_unlock();
    /* Every bound combination at every small offset, on a small tree. */
    for (unsigned flags = 0; flags < 16; flags++) {
        for (uint64_t a = 0; a < 300; a += 13) {
            for (uint64_t b = a; b < 320; b += 17) {
                vcow_cell *s = open_tree(false);
                fill(s, 0, 300, 1);
                CHECK_OK(vcow_txn_begin(s, &t));
                CHECK_OK(vcow_tree_del_range(t, lo, key_of(lo, a), hi, key_of(hi, b), flags, &del));
                uint64_t from =
                    flags & VCOW_TREE_NO_LO ? 0 : a + (flags & VCOW_TREE_LO_EXCL ? 1 : 0);
                uint64_t to =
                    flags & VCOW_TREE_NO_HI ? 300 : b + (flags & VCOW_TREE_HI_INCL ? 1 : 0);
                if (to > 300)
                    to = 300;
                if (from > 300)
                    from = 300;
                uint64_t expect = to > from ? to - from : 0;
                CHECK_EQ_INT(del, expect);
                CHECK_OK(vcow_tree_check(vcow_txn_view(t)));
                for (uint64_t i = 0; i < 300; i++) {
                    int rc = vcow_tree_getn(vcow_txn_view(t), lo, key_of(lo, i), &v);
                    CHECK_RC(rc, i >= from && i < to ? VCOW_ENOENT : VCOW_OK);
                }
                CHECK_OK(vcow_txn_commit(t));
                vcow_txn_free(t);
                CHECK_OK(vcow_cell_close(s));
            }
        }
    }
    CHECK_OK(vcow_cell_close(c));
    test_check_all_freed();
    (void)st0;
    (void)st1;
}

/* ---- diff ---- */

struct dstat {
    uint64_t added, removed, changed;
    int64_t last;
};

static int diff_fn(vcow_slice key, const vcow_val *o, const vcow_val *n, void *ctx)
{
    struct dstat *d = ctx;
    char buf[32];
    memcpy(buf, key.ptr, key.len);
    buf[key.len] = 0;
    int64_t k = atoll(buf);
    CHECK(k > d->last);
    d->last = k;
    if (o == NULL)
        d->added++;
    else if (n == NULL)
        d->removed++;
    else
        d->changed++;
    return 0;
}

static void test_diff(void)
{
    vcow_cell *c = open_tree(true);
    fill(c, 0, 50000, 1); /* version 1 */
    vcow_txn *t;
    char k[32];
    CHECK_OK(vcow_txn_begin(c, &t)); /* version 2: 3 changes, 2 adds, 1 del */
    CHECK_OK(vcow_tree_setn(t, k, key_of(k, 10), vcow_val_i64(-1)));
    CHECK_OK(vcow_tree_setn(t, k, key_of(k, 30000), vcow_val_i64(-1)));
    CHECK_OK(vcow_tree_setn(t, k, key_of(k, 49999), vcow_val_i64(-1)));
    CHECK_OK(vcow_tree_setn(t, k, key_of(k, 60000), vcow_val_i64(1)));
    CHECK_OK(vcow_tree_setn(t, k, key_of(k, 70000), vcow_val_i64(1)));
    CHECK_OK(vcow_tree_deln(t, k, key_of(k, 20000)));
    CHECK_OK(vcow_tree_setn(t, k, key_of(k, 5), vcow_val_i64(5))); /* same value: no change */
    CHECK_OK(vcow_txn_commit(t));
    vcow_txn_free(t);
    vcow_version *a, *b;
    CHECK_OK(vcow_cell_pin_at(c, 1, &a));
    CHECK_OK(vcow_cell_pin_at(c, 2, &b));
    struct dstat d = {0, 0, 0, -1};
    double t0 = test_now();
    for (int rep = 0; rep < 1000; rep++) {
        d = (struct dstat){0, 0, 0, -1};
        CHECK_OK(vcow_tree_diff(a, b, diff_fn, &d));
    }
    double dt = test_now() - t0;
    CHECK_EQ_INT(d.added, 2);
    CHECK_EQ_INT(d.removed, 1);
    CHECK_EQ_INT(d.changed, 3);
    /* 1000 diffs of 50000-key versions: shared subtrees are skipped (a full
     * merge would take far longer). */
    printf("diff: 1000 diffs in %.3f s\n", dt);
    d = (struct dstat){0, 0, 0, -1};
    CHECK_OK(vcow_tree_diff(b, a, diff_fn, &d));
    CHECK_EQ_INT(d.added, 1);
    CHECK_EQ_INT(d.removed, 2);
    bool eq;
    CHECK_OK(vcow_tree_equal(a, b, &eq));
    CHECK(!eq);
    CHECK_OK(vcow_tree_equal(a, a, &eq));
    CHECK(eq);
    /* Equal content in another cell, built differently: equal, no sharing. */
    vcow_cell *c2 = open_tree(false);
    fill(c2, 25000, 50000, 1);
    fill(c2, 0, 25000, 1);
    vcow_version *o;
    CHECK_OK(vcow_cell_pin_head(c2, &o));
    CHECK_OK(vcow_tree_equal(a, o, &eq));
    CHECK(eq);
    d = (struct dstat){0, 0, 0, -1};
    CHECK_OK(vcow_tree_diff(o, b, diff_fn, &d));
    CHECK_EQ_INT(d.added + d.removed + d.changed, 6);
    vcow_version_unpin(o);
    vcow_version_unpin(a);
    vcow_version_unpin(b);
    CHECK_OK(vcow_cell_close(c2));
    CHECK_OK(vcow_cell_close(c));
    test_check_all_freed();
}

int main(int argc, char **argv)
{
    const char *part = argc > 1 ? argv[1] : "basic";
    if (strcmp(part, "basic") == 0)
        test_basic();
    else if (strcmp(part, "badinput") == 0)
        test_badinput();
    else if (strcmp(part, "history") == 0)
        test_history();
    else if (strcmp(part, "oom") == 0)
        test_oom();
    else if (strcmp(part, "rangedel") == 0)
        test_rangedel();
    else if (strcmp(part, "diff") == 0)
        test_diff();
    else
        return 2;
    printf("tree %s: ok\n", part);
    return 0;
}
