/*
 * tests/tree/test_tree_model.c - differential test of the B+tree against a
 * sorted-array reference model.
 *
 *   test_tree_model [seeds [ops-per-seed [keys]]]
 *
 * The key universe is K random byte strings (lengths 0..~300, a small
 * alphabet so that many share prefixes, the empty key included), sorted in
 * memcmp order once; the model is then an array indexed by that order:
 * model[r] = 0 (absent) or the tag of the value stored under key r. A tag
 * decides the value: an i64, or bytes of tag-derived length and content
 * (some longer than the inline limit, so blobs are exercised).
 *
 * Random operations on one txn: set, del, del_range (every flag), bulk load
 * (replace with a random sorted subset), commit (history cell), abort
 * (the model rolls back), and between them reads that must agree with the
 * model: get, range both ways with random bounds, rank, select, bounds. The
 * txn's tree is checked with vcow_tree_check_txn regularly. Every committed
 * version keeps a model snapshot; every 32 commits each retained version is
 * pinned and compared in full with its snapshot, diff between consecutive
 * versions is compared with the snapshots' difference, and history is
 * trimmed.
 */
#include <stdint.h>

#include "model.h"
#include "tests/test.h"
#include <vcow/tree.h>

static unsigned char **keys; /* sorted */
static size_t *klens;

static int cmp_key(const void *a, const void *b)
{
    const unsigned char *const *x = a, *const *y = b;
    size_t lx = ((const size_t *)*x)[-1], ly = ((const size_t *)*y)[-1];
    size_t m = lx < ly ? lx : ly;
    int c = m ? memcmp(*x, *y, m) : 0;
    return c != 0 ? c : lx < ly ? -1 : lx > ly;
}

/* Keys carry their length just before the bytes (for qsort). */
static void make_keys(unsigned k)
{
    K = k;
    keys = calloc(K, sizeof(*keys));
    klens = calloc(K, sizeof(*klens));
    CHECK(keys != NULL && klens != NULL);
    for (unsigned i = 0; i < K; i++) {
    again:;
        size_t len = i == 0 ? 0 : rnd(8) == 0 ? 20 + rnd(300) : 1 + rnd(12);
        size_t *blk = malloc(sizeof(size_t) + len + 1);
        CHECK(blk != NULL);
        blk[0] = len;
        unsigned char *p = (unsigned char *)(blk + 1);
        for (size_t j = 0; j < len; j++)
            p[j] = (unsigned char)("abc\0\xff"[rnd(5)]);
        for (unsigned j = 0; j < i; j++) {
            if (((size_t *)keys[j])[-1] == len && memcmp(keys[j], p, len) == 0) {
                free(blk);
                goto again;
            }
        }
        keys[i] = p;
    }
    qsort(keys, K, sizeof(*keys), cmp_key);
    for (unsigned i = 0; i < K; i++)
        klens[i] = ((size_t *)keys[i])[-1];
}

static unsigned key_index(vcow_slice k)
{
    unsigned lo = 0, hi = K;
    while (lo < hi) {
        unsigned mid = (lo + hi) / 2;
        size_t m = klens[mid] < k.len ? klens[mid] : k.len;
        int c = m ? memcmp(keys[mid], k.ptr, m) : 0;
        if (c == 0)
            c = klens[mid] < k.len ? -1 : klens[mid] > k.len;
        if (c == 0)
            return mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    CHECK(!"key not in the universe");
    return 0;
}

/* ---- range checks ---- */

struct rstate {
    const uint32_t *model;
    unsigned next; /* the index expected next */
    int dir;
    unsigned count;
};

static int range_fn(vcow_slice key, const vcow_val *val, void *ctx)
{
    struct rstate *r = ctx;
    unsigned i = key_index(key);
    /* Skip over absent keys in the model: i must be the next present. */
    while (CHECK_IN(r->next < K), r->model[r->next] == 0)
        r->next = (unsigned)((int)r->next + r->dir);
    CHECK_EQ_INT(i, r->next);
    CHECK(val_is(val, r->model[i]));
    r->next = (unsigned)((int)r->next + r->dir);
    r->count++;
    return 0;
}

static void check_range(const vcow_txn *t, const uint32_t *model)
{
    unsigned lo = rnd(K), hi = rnd(K), flags = rnd(32);
    if (rnd(2) && lo + 60 < K)
        hi = lo + rnd(60); /* mostly short ranges */
    if (!(flags & (VCOW_TREE_NO_LO | VCOW_TREE_NO_HI)) && lo > hi) {
        CHECK_RC(vcow_tree_range(vcow_txn_view(t), keys[lo], klens[lo], keys[hi], klens[hi], flags,
                                 never_fn, NULL),
                 VCOW_ERANGE);
        return;
    }
    unsigned from, to;
    model_bounds(lo, hi, flags, &from, &to);
    struct rstate r = {model, from, 1, 0};
    if (flags & VCOW_TREE_REVERSE) {
        r.dir = -1;
        r.next = to - 1;
    }
    CHECK_OK(vcow_tree_range(vcow_txn_view(t), keys[lo], klens[lo], keys[hi], klens[hi], flags,
                             range_fn, &r));
    CHECK_EQ_INT(r.count, count_present(model, from, to));
}

/* A version against a model: invariants, a full in-order scan, and point
 * reads, rank and select on a sample of keys (all keys when full). */
static void full_compare_version(const vcow_version *v, const uint32_t *model, bool full)
{
    CHECK_OK(vcow_tree_check(v));
    uint64_t n, live = count_present(model, 0, K);
    CHECK_OK(vcow_tree_len(v, &n));
    CHECK_EQ_INT(n, live);
    struct rstate r = {model, 0, 1, 0};
    if (rnd(2)) {
        r.dir = -1;
        r.next = K - 1;
    }
    CHECK_OK(vcow_tree_range(
        v, NULL, 0, NULL, 0,
        VCOW_TREE_NO_LO | VCOW_TREE_NO_HI | (r.dir < 0 ? VCOW_TREE_REVERSE : 0), range_fn, &r));
    CHECK_EQ_INT(r.count, live);
    unsigned samples = full ? K : 64;
    uint32_t *pre = malloc((K + 1) * sizeof(uint32_t));
    CHECK(pre != NULL);
    pre[0] = 0;
    for (unsigned i = 0; i < K; i++)
        pre[i + 1] = pre[i] + (model[i] != 0);
    for (unsigned s = 0; s < samples; s++) {
        unsigned i = full ? s : rnd(K);
        vcow_val val;
        int rc = vcow_tree_getn(v, keys[i], klens[i], &val);
        uint64_t rank = pre[i], got;
        CHECK_OK(vcow_tree_rankn(v, keys[i], klens[i], &got));
        CHECK_EQ_INT(got, rank);
        if (model[i] == 0) {
            CHECK_RC(rc, VCOW_ENOENT);
            continue;
        }
        CHECK_OK(rc);
        CHECK(val_is(&val, model[i]));
        vcow_slice ks;
        CHECK_OK(vcow_tree_select(v, rank, &ks, &val));
        CHECK_EQ_INT(key_index(ks), i);
    }
    free(pre);
}

/* ---- diff between consecutive versions ---- */

/* Tags can differ while the values are equal (two tags, one value):
 * compare by value. */
static bool same_val(uint32_t x, uint32_t y)
{
    if (x == 0 || y == 0)
        return x == y;
    vcow_val vx = val_of(x);
    unsigned char copy[256];
    if (vx.type == VCOW_T_BYTES) {
        memcpy(copy, vx.u.bytes.ptr, vx.u.bytes.len);
        vx.u.bytes.ptr = copy;
    }
    return val_is(&vx, y);
}

struct dstate {
    const uint32_t *a, *b;
    unsigned next; /* keys below were reported */
    unsigned count;
};

static int diff_fn(vcow_slice key, const vcow_val *o, const vcow_val *n, void *ctx)
{
    struct dstate *d = ctx;
    unsigned i = key_index(key);
    CHECK(i >= d->next);
    for (unsigned j = d->next; j < i; j++) /* skipped keys: no visible change */
        CHECK(same_val(d->a[j], d->b[j]));
    CHECK(!same_val(d->a[i], d->b[i]));
    CHECK((o != NULL) == (d->a[i] != 0));
    CHECK((n != NULL) == (d->b[i] != 0));
    if (o != NULL)
        CHECK(val_is(o, d->a[i]));
    if (n != NULL)
        CHECK(val_is(n, d->b[i]));
    d->next = i + 1;
    d->count++;
    return 0;
}

static void check_diff(const vcow_version *va, const vcow_version *vb, const uint32_t *a,
                       const uint32_t *b)
{
    unsigned expect = 0;
    for (unsigned i = 0; i < K; i++)
        expect += !same_val(a[i], b[i]);
    struct dstate d = {a, b, 0, 0};
    CHECK_OK(vcow_tree_diff(va, vb, diff_fn, &d));
    CHECK_EQ_INT(d.count, expect);
    bool eq;
    CHECK_OK(vcow_tree_equal(va, vb, &eq));
    CHECK(eq == (expect == 0));
}

/* ---- the run ---- */

#define SNAPS 32

static void run_seed(unsigned long long seed, unsigned long ops, uint64_t *total_ops)
{
    rng = seed * 0x9E3779B97F4A7C15ull + 1;
    vcow_cell *c;
    struct vcow_cell_opts o;
    memset(&o, 0, sizeof(o));
    o.size = sizeof(o);
    o.history = true;
    CHECK_OK(vcow_cell_open(VCOW_KIND_TREE, &o, &c));
    uint32_t *model = calloc(K, sizeof(uint32_t));
    uint32_t *committed = calloc(K, sizeof(uint32_t));
    uint32_t *snap[SNAPS + 1];
    uint64_t snap_seq[SNAPS + 1];
    unsigned nsnap = 0;
    struct vcow_tree_kv *kv = malloc(K * sizeof(*kv));
    CHECK(model != NULL && committed != NULL && kv != NULL);
    /* Snapshot 0: the empty version 0. */
    snap[0] = calloc(K, sizeof(uint32_t));
    snap_seq[0] = 0;
    nsnap = 1;
    vcow_txn *t;
    CHECK_OK(vcow_txn_begin(c, &t));
    uint32_t next_tag = 1;
    for (unsigned long op = 0; op < ops; op++) {
        unsigned what = rnd(1000);
        if (what < 450) { /* set */
            unsigned i = rnd(K);
            uint32_t tag = next_tag++;
            CHECK_OK(vcow_tree_setn(t, keys[i], klens[i], val_of(tag)));
            model[i] = tag;
        } else if (what < 750) { /* del */
            unsigned i = rnd(K);
            int rc = vcow_tree_deln(t, keys[i], klens[i]);
            CHECK_RC(rc, model[i] ? VCOW_OK : VCOW_ENOENT);
            model[i] = 0;
        } else if (what < 790) { /* del_range */
            unsigned lo = rnd(K), hi = rnd(K), flags = rnd(16);
            if (rnd(2) && lo + 40 < K && !(flags & VCOW_TREE_NO_LO))
                hi = lo + rnd(40); /* mostly short ranges */
            uint64_t del = 0;
            int rc = vcow_tree_del_range(t, keys[lo], klens[lo], keys[hi], klens[hi], flags, &del);
            if (!(flags & (VCOW_TREE_NO_LO | VCOW_TREE_NO_HI)) && lo > hi) {
                CHECK_RC(rc, VCOW_ERANGE);
            } else {
                CHECK_OK(rc);
                unsigned from, to;
                model_bounds(lo, hi, flags, &from, &to);
                CHECK_EQ_INT(del, count_present(model, from, to));
                for (unsigned i = from; i < to; i++)
                    model[i] = 0;
            }
        } else if (what < 793) { /* bulk load */
            unsigned density = 1 + rnd(100), n = 0;
            for (unsigned i = 0; i < K; i++) {
                model[i] = 0;
                if (rnd(100) < density) {
                    uint32_t tag = next_tag++;
                    model[i] = tag;
                    kv[n].key.ptr = keys[i];
                    kv[n].key.len = klens[i];
                    kv[n].val = vcow_val_i64(0);
                    n++;
                }
            }
            /* val_of uses one buffer: bytes need their own copies. */
            unsigned char *store = malloc((size_t)n * 150 + 1);
            CHECK(store != NULL);
            for (unsigned i = 0, j = 0; i < K; i++) {
                if (model[i] == 0)
                    continue;
                vcow_val v = val_of(model[i]);
                if (v.type == VCOW_T_BYTES) {
                    memcpy(store + (size_t)j * 150, v.u.bytes.ptr, v.u.bytes.len);
                    v.u.bytes.ptr = store + (size_t)j * 150;
                }
                kv[j++].val = v;
            }
            CHECK_OK(vcow_tree_bulk_load(t, kv, n));
            free(store);
        } else if (what < 850) { /* commit */
            CHECK_OK(vcow_txn_commit(t));
            vcow_txn_free(t);
            memcpy(committed, model, K * sizeof(uint32_t));
            snap[nsnap] = malloc(K * sizeof(uint32_t));
            CHECK(snap[nsnap] != NULL);
            memcpy(snap[nsnap], model, K * sizeof(uint32_t));
            snap_seq[nsnap] = snap_seq[nsnap - 1] + 1;
            nsnap++;
            if (nsnap == SNAPS + 1) {
                /* Every retained version agrees with its snapshot; diffs. */
                vcow_version *prev = NULL;
                for (unsigned s = 0; s < nsnap; s++) {
                    vcow_version *p;
                    CHECK_OK(vcow_cell_pin_at(c, snap_seq[s], &p));
                    full_compare_version(p, snap[s], false);
                    if (prev != NULL) {
                        check_diff(prev, p, snap[s - 1], snap[s]);
                        vcow_version_unpin(prev);
                    }
                    prev = p;
                }
                /* And one long-distance diff. */
                vcow_version *first;
                CHECK_OK(vcow_cell_pin_at(c, snap_seq[0], &first));
                check_diff(first, prev, snap[0], snap[nsnap - 1]);
                vcow_version_unpin(first);
                vcow_version_unpin(prev);
                CHECK_OK(vcow_cell_trim(c, snap_seq[nsnap - 1]));
                for (unsigned s = 0; s + 1 < nsnap; s++)
                    free(snap[s]);
                snap[0] = snap[nsnap - 1];
                snap_seq[0] = snap_seq[nsnap - 1];
                nsnap = 1;
            }
            CHECK_OK(vcow_txn_begin(c, &t));
        } else if (what < 853) { /* abort */
            CHECK_OK(vcow_txn_abort(t));
            vcow_txn_free(t);
            memcpy(model, committed, K * sizeof(uint32_t));
            CHECK_OK(vcow_txn_begin(c, &t));
        } else { /* reads */
            unsigned i = rnd(K);
            vcow_val v;
            int rc = vcow_tree_getn(vcow_txn_view(t), keys[i], klens[i], &v);
            if (model[i]) {
                CHECK_OK(rc);
                CHECK(val_is(&v, model[i]));
            } else {
                CHECK_RC(rc, VCOW_ENOENT);
            }
            if (what < 900)
                check_range(t, model);
        }
        if (op % 512 == 0) {
            CHECK_OK(vcow_tree_check(vcow_txn_view(t)));
            uint64_t n;
            CHECK_OK(vcow_tree_len(vcow_txn_view(t), &n));
            CHECK_EQ_INT(n, count_present(model, 0, K));
        }
    }
    CHECK_OK(vcow_txn_commit(t));
    vcow_txn_free(t);
    vcow_version *h;
    CHECK_OK(vcow_cell_pin_head(c, &h));
    full_compare_version(h, model, true);
    vcow_version_unpin(h);
    for (unsigned s = 0; s < nsnap; s++)
        free(snap[s]);
    free(model);
    free(committed);
    free(kv);
    CHECK_OK(vcow_cell_close(c));
    *total_ops += ops;
}

int main(int argc, char **argv)
{
    unsigned seeds = argc > 1 ? (unsigned)atoi(argv[1]) : 8;
    unsigned long ops = argc > 2 ? strtoul(argv[2], NULL, 10) : 130000;
    unsigned k = argc > 3 ? (unsigned)atoi(argv[3]) : 1500;
    rng = 12345;
    make_keys(k);
    uint64_t total = 0;
    double t0 = test_now();
    for (unsigned s = 1; s <= seeds; s++)
        run_seed(s, ops, &total);
    CHECK_OK(vcow_gc_barrier());
    for (int kind = 0; kind < VCOW_MEM_COUNT; kind++) {
        struct vcow_mem_stats st;
        CHECK_OK(vcow_mem_get_stats((enum vcow_mem)kind, &st));
        CHECK_EQ_INT(st.nodes, 0);
        CHECK_EQ_INT(st.bytes, 0);
    }
    for (unsigned i = 0; i < K; i++)
        free((size_t *)keys[i] - 1);
    free(keys);
    free(klens);
    printf("tree model: %u seeds, %llu ops, %u keys, %.1f s\n", seeds, (unsigned long long)total, K,
           test_now() - t0);
    return 0;
}
