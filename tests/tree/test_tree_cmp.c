/*
 * tests/tree/test_tree_cmp.c - the B+tree in a cell with its own key
 * comparator (struct vcow_cell_opts compare / compare_ctx).
 *
 *   test_tree_cmp model ORDER [seeds [ops-per-seed [keys]]]
 *       ORDER: rev (reverse memcmp), nocase (ASCII case-insensitive: many
 *       distinct byte strings are one key), len (shorter keys first, then
 *       memcmp: a prefix says nothing about the order)
 *   test_tree_cmp badinput
 *
 * model: the differential test of test_tree_model.c under a comparator.
 * The key universe is K classes of byte strings, each class one key under
 * the comparator with 1..3 spellings (only nocase has more than one),
 * sorted by the comparator; the model is model[r] = 0 (absent) or
 * tag * 4 + the spelling stored. A set of an absent key stores the
 * spelling it was given; a set of a present key in any spelling replaces
 * the value and keeps the stored spelling; any spelling deletes. Random
 * set / del / del_range (every flag, bounds in any spelling, inverted
 * ranges) / bulk load (a random subset in a random spelling each) /
 * commit / abort, and between them get, range both ways, rank, select,
 * lower / upper bound, first / last, all against the model. Every
 * committed version keeps a snapshot; every 32 commits each retained
 * version is compared in full and diffed against its neighbour.
 *
 * badinput: "Key" then "KEY" is one entry; bulk input that is sorted in
 * memcmp order but not under the comparator, or that holds two spellings
 * of one key, is VCOW_EINVAL; ranges inverted under the comparator are
 * VCOW_ERANGE (and memcmp-inverted ones are fine); diff and equal between
 * cells of different orders are VCOW_EINVAL; the comparator gets its ctx.
 */
#include <stdint.h>

#include "model.h"
#include "tests/test.h"
#include <vcow/tree.h>

/* ---- the orders ---- */

static int mem_order(const void *a, size_t alen, const void *b, size_t blen)
{
    size_t m = alen < blen ? alen : blen;
    int c = m ? memcmp(a, b, m) : 0;
    return c != 0 ? c : alen < blen ? -1 : alen > blen;
}

static unsigned long long cmp_calls;

static int cmp_rev(const void *a, size_t alen, const void *b, size_t blen, void *ctx)
{
    (void)ctx;
    cmp_calls++;
    return mem_order(b, blen, a, alen);
}

static unsigned char lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

static unsigned char fold[256]; /* lower() as a table (filled in main) */

static int cmp_nocase(const void *a, size_t alen, const void *b, size_t blen, void *ctx)
{
    (void)ctx;
    cmp_calls++;
    const unsigned char *x = a, *y = b;
    size_t m = alen < blen ? alen : blen;
    for (size_t i = 0; i < m; i++) {
        if (x[i] == y[i])
            continue;
        unsigned char p = fold[x[i]], q = fold[y[i]];
        if (p != q)
            return p < q ? -1 : 1;
    }
    return alen < blen ? -1 : alen > blen;
}

static int cmp_len(const void *a, size_t alen, const void *b, size_t blen, void *ctx)
{
    (void)ctx;
    cmp_calls++;
    if (alen != blen)
        return alen < blen ? -1 : 1;
    return alen ? memcmp(a, b, alen) : 0;
}

typedef int cmp_fn(const void *, size_t, const void *, size_t, void *);

static cmp_fn *order;

static int ocmp(const void *a, size_t alen, const void *b, size_t blen)
{
    return order(a, alen, b, blen, NULL);
}

static vcow_cell *open_cell(cmp_fn *fn, void *ctx, bool history)
{
    struct vcow_cell_opts o;
    memset(&o, 0, sizeof(o));
    o.size = sizeof(o);
    o.history = history;
    o.compare = fn;
    o.compare_ctx = ctx;
    vcow_cell *c;
    CHECK_OK(vcow_cell_open(VCOW_KIND_TREE, &o, &c));
    return c;
}

/* ---- the key universe ---- */

#define MAXSP 3

struct kclass {
    unsigned nsp;
    unsigned char *sp[MAXSP];
    size_t len[MAXSP];
};

static struct kclass *cls; /* sorted by the comparator */

static int cls_order(const void *x, const void *y)
{
    const struct kclass *a = x, *b = y;
    return ocmp(a->sp[0], a->len[0], b->sp[0], b->len[0]);
}

/* Add spelling p to its class (the class must not hold it yet). */
static bool add_spelling(struct kclass *c, const unsigned char *p, size_t len)
{
    for (unsigned s = 0; s < c->nsp; s++)
        if (c->len[s] == len && (len == 0 || memcmp(c->sp[s], p, len) == 0))
            return false;
    if (c->nsp == MAXSP)
        return false;
    c->sp[c->nsp] = malloc(len + 1);
    CHECK(c->sp[c->nsp] != NULL);
    if (len)
        memcpy(c->sp[c->nsp], p, len);
    c->len[c->nsp++] = len;
    return true;
}

static void make_keys(unsigned k)
{
    /* Letters of both cases and bytes between 'Z' and 'a' ('[', '_'), so
     * that case folding reorders keys against memcmp; 0x00 and 0xff. */
    static const char alpha[] = "aAbB_[\0\xff";
    K = k;
    cls = calloc(K, sizeof(*cls));
    CHECK(cls != NULL);
    unsigned char buf[400];
    unsigned n = 0;
    while (n < K) {
        size_t len = n == 0 ? 0 : rnd(8) == 0 ? 20 + rnd(300) : 1 + rnd(12);
        for (size_t j = 0; j < len; j++)
            buf[j] = (unsigned char)alpha[rnd(8)];
        unsigned j = 0;
        while (j < n && ocmp(cls[j].sp[0], cls[j].len[0], buf, len) != 0)
            j++;
        if (j < n) {
            add_spelling(&cls[j], buf, len); /* another spelling, or nothing */
            continue;
        }
        add_spelling(&cls[n], buf, len);
        /* Under nocase, often one or two more spellings right away. */
        for (unsigned extra = rnd(3); extra > 0; extra--) {
            for (size_t i = 0; i < len; i++)
                if (lower(buf[i]) >= 'a' && lower(buf[i]) <= 'z')
                    buf[i] = (unsigned char)(rnd(2) ? lower(buf[i]) : lower(buf[i]) - 32);
            if (ocmp(cls[n].sp[0], cls[n].len[0], buf, len) == 0)
                add_spelling(&cls[n], buf, len);
        }
        n++;
    }
    qsort(cls, K, sizeof(*cls), cls_order);
    for (unsigned i = 1; i < K; i++)
        CHECK(ocmp(cls[i - 1].sp[0], cls[i - 1].len[0], cls[i].sp[0], cls[i].len[0]) < 0);
}

static void free_keys(void)
{
    for (unsigned i = 0; i < K; i++)
        for (unsigned s = 0; s < cls[i].nsp; s++)
            free(cls[i].sp[s]);
    free(cls);
}

/* The class of a key, and which spelling it is. */
static unsigned key_index(vcow_slice k, unsigned *sp)
{
    unsigned lo = 0, hi = K;
    while (lo < hi) {
        unsigned mid = (lo + hi) / 2;
        int c = ocmp(cls[mid].sp[0], cls[mid].len[0], k.ptr, k.len);
        if (c == 0) {
            for (unsigned s = 0; s < cls[mid].nsp; s++) {
                if (cls[mid].len[s] == k.len &&
                    (k.len == 0 || memcmp(cls[mid].sp[s], k.ptr, k.len) == 0)) {
                    *sp = s;
                    return mid;
                }
            }
            CHECK(!"spelling not in the universe");
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    CHECK(!"key not in the universe");
    return 0;
}

/* ---- values and the model ---- */

/* model[r]: 0 absent, else tag * 4 + stored spelling. */
static uint32_t m_tag(uint32_t m)
{
    return m >> 2;
}

static unsigned m_sp(uint32_t m)
{
    return m & 3;
}

/* The key slice is class r's stored spelling. */
static void check_key(vcow_slice k, unsigned r, uint32_t m)
{
    unsigned sp;
    CHECK_EQ_INT(key_index(k, &sp), r);
    CHECK_EQ_INT(sp, m_sp(m));
}

/* A random spelling of class r. */
static const unsigned char *spell(unsigned r, size_t *len)
{
    unsigned s = rnd(cls[r].nsp);
    *len = cls[r].len[s];
    return cls[r].sp[s];
}

/* ---- ranges ---- */

struct rstate {
    const uint32_t *model;
    unsigned next;
    int dir;
    unsigned count;
};

static int range_fn(vcow_slice key, const vcow_val *val, void *ctx)
{
    struct rstate *r = ctx;
    while (CHECK_IN(r->next < K), r->model[r->next] == 0)
        r->next = (unsigned)((int)r->next + r->dir);
    check_key(key, r->next, r->model[r->next]);
    CHECK(val_is(val, m_tag(r->model[r->next])));
    r->next = (unsigned)((int)r->next + r->dir);
    r->count++;
    return 0;
}

static unsigned long long n_checks; /* model comparisons made */

static void check_range(const vcow_txn *t, const uint32_t *model)
{
    unsigned lo = rnd(K), hi = rnd(K), flags = rnd(32);
    if (rnd(2) && lo + 60 < K)
        hi = lo + rnd(60);
    size_t ll, hl;
    const unsigned char *lp = spell(lo, &ll), *hp = spell(hi, &hl);
    if (!(flags & (VCOW_TREE_NO_LO | VCOW_TREE_NO_HI)) && lo > hi) {
        CHECK_RC(vcow_tree_range(vcow_txn_view(t), lp, ll, hp, hl, flags, never_fn, NULL),
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
    CHECK_OK(vcow_tree_range(vcow_txn_view(t), lp, ll, hp, hl, flags, range_fn, &r));
    CHECK_EQ_INT(r.count, count_present(model, from, to));
    n_checks += r.count + 1;
}

/* A version against a model: invariants, a full scan, point reads, rank,
 * select, bounds on a sample of keys (all when full), first and last. */
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
    uint32_t *pre = malloc((K + 1) * sizeof(uint32_t));
    unsigned *nextp = malloc((K + 1) * sizeof(unsigned)); /* first present >= i */
    CHECK(pre != NULL && nextp != NULL);
    pre[0] = 0;
    for (unsigned i = 0; i < K; i++)
        pre[i + 1] = pre[i] + (model[i] != 0);
    nextp[K] = K;
    for (unsigned i = K; i-- > 0;)
        nextp[i] = model[i] != 0 ? i : nextp[i + 1];
    vcow_slice ks;
    vcow_val val;
    int rc = vcow_tree_first(v, &ks, &val);
    if (live == 0) {
        CHECK_RC(rc, VCOW_ENOENT);
        CHECK_RC(vcow_tree_last(v, &ks, &val), VCOW_ENOENT);
    } else {
        CHECK_OK(rc);
        check_key(ks, nextp[0], model[nextp[0]]);
        CHECK_OK(vcow_tree_last(v, &ks, &val));
        unsigned last = K - 1;
        while (model[last] == 0)
            last--;
        check_key(ks, last, model[last]);
        CHECK(val_is(&val, m_tag(model[last])));
    }
    unsigned samples = full ? K : 64;
    for (unsigned s = 0; s < samples; s++) {
        unsigned i = full ? s : rnd(K);
        size_t len;
        const unsigned char *p = spell(i, &len);
        uint64_t rank = pre[i], got;
        CHECK_OK(vcow_tree_rankn(v, p, len, &got));
        CHECK_EQ_INT(got, rank);
        /* lower bound: the first present >= i; upper: > i */
        rc = vcow_tree_lower_boundn(v, p, len, &ks, &val);
        if (nextp[i] == K) {
            CHECK_RC(rc, VCOW_ENOENT);
        } else {
            CHECK_OK(rc);
            check_key(ks, nextp[i], model[nextp[i]]);
            CHECK(val_is(&val, m_tag(model[nextp[i]])));
        }
        rc = vcow_tree_upper_boundn(v, p, len, &ks, NULL);
        if (nextp[i + 1] == K) {
            CHECK_RC(rc, VCOW_ENOENT);
        } else {
            CHECK_OK(rc);
            check_key(ks, nextp[i + 1], model[nextp[i + 1]]);
        }
        rc = vcow_tree_getn(v, p, len, &val);
        n_checks += 4;
        if (model[i] == 0) {
            CHECK_RC(rc, VCOW_ENOENT);
            continue;
        }
        CHECK_OK(rc);
        CHECK(val_is(&val, m_tag(model[i])));
        CHECK_OK(vcow_tree_select(v, rank, &ks, &val));
        check_key(ks, i, model[i]);
        CHECK(val_is(&val, m_tag(model[i])));
    }
    CHECK_RC(vcow_tree_select(v, live, &ks, &val), VCOW_ERANGE);
    free(pre);
    free(nextp);
}

/* ---- diff ---- */

static bool same_val(uint32_t x, uint32_t y)
{
    if (x == 0 || y == 0)
        return x == y;
    vcow_val vx = val_of(m_tag(x));
    unsigned char copy[256];
    if (vx.type == VCOW_T_BYTES) {
        memcpy(copy, vx.u.bytes.ptr, vx.u.bytes.len);
        vx.u.bytes.ptr = copy;
    }
    return val_is(&vx, m_tag(y));
}

struct dstate {
    const uint32_t *a, *b;
    unsigned next;
    unsigned count;
};

static int diff_fn(vcow_slice key, const vcow_val *o, const vcow_val *n, void *ctx)
{
    struct dstate *d = ctx;
    unsigned sp, i = key_index(key, &sp);
    CHECK(i >= d->next);
    for (unsigned j = d->next; j < i; j++)
        CHECK(same_val(d->a[j], d->b[j]));
    CHECK(!same_val(d->a[i], d->b[i]));
    CHECK((o != NULL) == (d->a[i] != 0));
    CHECK((n != NULL) == (d->b[i] != 0));
    /* The key as a spells it when a has it, else as b does. */
    CHECK_EQ_INT(sp, m_sp(d->a[i] != 0 ? d->a[i] : d->b[i]));
    if (o != NULL)
        CHECK(val_is(o, m_tag(d->a[i])));
    if (n != NULL)
        CHECK(val_is(n, m_tag(d->b[i])));
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
    n_checks += expect + 1;
}

/* ---- the run ---- */

#define SNAPS 32

static void bulk_load(vcow_txn *t, uint32_t *model, uint32_t *next_tag)
{
    struct vcow_tree_kv *kv = malloc((K + 1) * sizeof(*kv));
    unsigned char *store = malloc((size_t)K * 150 + 1);
    CHECK(kv != NULL && store != NULL);
    unsigned density = 1 + rnd(100), n = 0;
    for (unsigned i = 0; i < K; i++) {
        model[i] = 0;
        if (rnd(100) >= density)
            continue;
        uint32_t tag = (*next_tag)++;
        unsigned s = rnd(cls[i].nsp);
        model[i] = tag * 4 + s;
        kv[n].key.ptr = cls[i].sp[s];
        kv[n].key.len = cls[i].len[s];
        vcow_val v = val_of(tag);
        if (v.type == VCOW_T_BYTES) {
            memcpy(store + (size_t)n * 150, v.u.bytes.ptr, v.u.bytes.len);
            v.u.bytes.ptr = store + (size_t)n * 150;
        }
        kv[n++].val = v;
    }
    CHECK_OK(vcow_tree_bulk_load(t, kv, n));
    free(store);
    free(kv);
}

static void run_seed(unsigned long long seed, unsigned long ops, uint64_t *total_ops)
{
    rng = seed * 0x9E3779B97F4A7C15ull + 7;
    vcow_cell *c = open_cell(order, &rng, true);
    uint32_t *model = calloc(K, sizeof(uint32_t));
    uint32_t *committed = calloc(K, sizeof(uint32_t));
    uint32_t *snap[SNAPS + 1];
    uint64_t snap_seq[SNAPS + 1];
    unsigned nsnap = 1;
    CHECK(model != NULL && committed != NULL);
    snap[0] = calloc(K, sizeof(uint32_t));
    snap_seq[0] = 0;
    vcow_txn *t;
    CHECK_OK(vcow_txn_begin(c, &t));
    uint32_t next_tag = 1;
    for (unsigned long op = 0; op < ops; op++) {
        unsigned what = rnd(1000);
        if (what < 450) { /* set, in any spelling */
            unsigned i = rnd(K), s = rnd(cls[i].nsp);
            uint32_t tag = next_tag++;
            CHECK_OK(vcow_tree_setn(t, cls[i].sp[s], cls[i].len[s], val_of(tag)));
            model[i] = tag * 4 + (model[i] != 0 ? m_sp(model[i]) : s);
        } else if (what < 750) { /* del, in any spelling */
            unsigned i = rnd(K);
            size_t len;
            const unsigned char *p = spell(i, &len);
            CHECK_RC(vcow_tree_deln(t, p, len), model[i] ? VCOW_OK : VCOW_ENOENT);
            model[i] = 0;
        } else if (what < 790) { /* del_range */
            unsigned lo = rnd(K), hi = rnd(K), flags = rnd(16);
            if (rnd(2) && lo + 40 < K && !(flags & VCOW_TREE_NO_LO))
                hi = lo + rnd(40);
            size_t ll, hl;
            const unsigned char *lp = spell(lo, &ll), *hp = spell(hi, &hl);
            uint64_t del = 0;
            int rc = vcow_tree_del_range(t, lp, ll, hp, hl, flags, &del);
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
        } else if (what < 793) {
            bulk_load(t, model, &next_tag);
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
                vcow_version *first;
                CHECK_OK(vcow_cell_pin_at(c, snap_seq[0], &first));
                check_diff(first, prev, snap[0], snap[nsnap - 1]);
                check_diff(prev, first, snap[nsnap - 1], snap[0]);
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
            size_t len;
            const unsigned char *p = spell(i, &len);
            vcow_val v;
            int rc = vcow_tree_getn(vcow_txn_view(t), p, len, &v);
            if (model[i]) {
                CHECK_OK(rc);
                CHECK(val_is(&v, m_tag(model[i])));
            } else {
                CHECK_RC(rc, VCOW_ENOENT);
            }
            n_checks++;
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
    CHECK_OK(vcow_cell_close(c));
    *total_ops += ops;
}

static int run_model(int argc, char **argv)
{
    if (argc < 3)
        return 2;
    const char *name = argv[2];
    if (strcmp(name, "rev") == 0)
        order = cmp_rev;
    else if (strcmp(name, "nocase") == 0)
        order = cmp_nocase;
    else if (strcmp(name, "len") == 0)
        order = cmp_len;
    else
        return 2;
    unsigned seeds = argc > 3 ? (unsigned)atoi(argv[3]) : 8;
    unsigned long ops = argc > 4 ? strtoul(argv[4], NULL, 10) : 130000;
    unsigned k = argc > 5 ? (unsigned)atoi(argv[5]) : 1500;
    rng = 4242;
    make_keys(k);
    unsigned multi = 0;
    for (unsigned i = 0; i < K; i++)
        multi += cls[i].nsp > 1;
    if (order == cmp_nocase)
        CHECK(multi > K / 4); /* many keys have several spellings */
    else
        CHECK(multi == 0);
    uint64_t total = 0;
    double t0 = test_now();
    cmp_calls = 0;
    for (unsigned s = 1; s <= seeds; s++)
        run_seed(s, ops, &total);
    CHECK(cmp_calls > total); /* the tree did order by the comparator */
    test_check_all_freed();
    free_keys();
    printf("tree cmp model (%s): %u seeds, %llu ops, %u keys (%u with several spellings), "
           "%llu model checks, %.1f s\n",
           name, seeds, (unsigned long long)total, K, multi, n_checks, test_now() - t0);
    return 0;
}

/* ---- bad input and the directed cases ---- */

static int ctx_cmp(const void *a, size_t alen, const void *b, size_t blen, void *ctx)
{
    CHECK(ctx == (void *)&cmp_calls);
    return cmp_rev(a, alen, b, blen, NULL);
}

static void test_badinput(void)
{
    vcow_val v;
    vcow_slice ks;
    uint64_t n;
    vcow_txn *t;

    /* nocase: "Key" then "KEY" is one entry, spelled as first stored. */
    vcow_cell *c = open_cell(cmp_nocase, NULL, true);
    CHECK_OK(vcow_txn_begin(c, &t));
    CHECK_OK(vcow_tree_set(t, "Key", vcow_val_i64(1)));
    CHECK_OK(vcow_tree_set(t, "KEY", vcow_val_i64(2)));
    CHECK_OK(vcow_tree_len(vcow_txn_view(t), &n));
    CHECK_EQ_INT(n, 1);
    CHECK_OK(vcow_tree_get(vcow_txn_view(t), "key", &v));
    CHECK(v.type == VCOW_T_I64 && v.u.i64 == 2);
    /* A value of another inline size takes the rebuild path: same key. */
    CHECK_OK(vcow_tree_set(t, "kEy", vcow_val_bytes("0123456789", 10)));
    CHECK_OK(vcow_tree_len(vcow_txn_view(t), &n));
    CHECK_EQ_INT(n, 1);
    CHECK_OK(vcow_txn_commit(t));
    vcow_txn_free(t);
    vcow_version *h;
    CHECK_OK(vcow_cell_pin_head(c, &h));
    CHECK_OK(vcow_tree_first(h, &ks, &v));
    CHECK(ks.len == 3 && memcmp(ks.ptr, "Key", 3) == 0);
    CHECK(v.type == VCOW_T_BYTES && v.u.bytes.len == 10);
    CHECK_OK(vcow_tree_rank(h, "KEZ", &n));
    CHECK_EQ_INT(n, 1);
    /* Inverted under the comparator: "b" > "A" although "A" < "b" in memcmp. */
    CHECK_RC(vcow_tree_range(h, "b", 1, "A", 1, 0, never_fn, NULL), VCOW_ERANGE);
    CHECK_OK(vcow_tree_range(h, "A", 1, "b", 1, 0, never_fn, NULL));
    /* Bulk input: memcmp-sorted but not nocase-sorted; two spellings of one key. */
    CHECK_OK(vcow_txn_begin(c, &t));
    struct vcow_tree_kv kv[3] = {
        {{"B", 1}, vcow_val_i64(1)}, {{"a", 1}, vcow_val_i64(2)}, {{"c", 1}, vcow_val_i64(3)}};
    CHECK_RC(vcow_tree_bulk_load(t, kv, 3), VCOW_EINVAL);
    kv[0].key.ptr = "A";
    CHECK_RC(vcow_tree_bulk_load(t, kv, 3), VCOW_EINVAL);
    kv[0].key.ptr = "_"; /* '_' (0x5f) < 'a' under nocase, > 'A' in memcmp */
    CHECK_OK(vcow_tree_bulk_load(t, kv, 3));
    CHECK_OK(vcow_tree_check(vcow_txn_view(t)));
    CHECK_RC(vcow_tree_del_range(t, "C", 1, "a", 1, 0, &n), VCOW_ERANGE);
    CHECK_OK(vcow_tree_del_range(t, "A", 1, "C", 1, 0, &n));
    CHECK_EQ_INT(n, 1); /* "a" ("c" is the excluded upper bound) */
    CHECK_OK(vcow_tree_len(vcow_txn_view(t), &n));
    CHECK_EQ_INT(n, 2);
    CHECK_OK(vcow_txn_commit(t));
    vcow_txn_free(t);

    /* rev: a sorted-in-memcmp bulk input is out of order; inverted ranges flip. */
    vcow_cell *r = open_cell(ctx_cmp, &cmp_calls, false);
    CHECK_OK(vcow_txn_begin(r, &t));
    kv[0] = (struct vcow_tree_kv){{"a", 1}, vcow_val_i64(1)};
    kv[1] = (struct vcow_tree_kv){{"b", 1}, vcow_val_i64(2)};
    kv[2] = (struct vcow_tree_kv){{"c", 1}, vcow_val_i64(3)};
    CHECK_RC(vcow_tree_bulk_load(t, kv, 3), VCOW_EINVAL);
    CHECK_OK(vcow_tree_len(vcow_txn_view(t), &n));
    CHECK_EQ_INT(n, 0); /* nothing changed */
    kv[0].key.ptr = "c";
    kv[2].key.ptr = "a";
    CHECK_OK(vcow_tree_bulk_load(t, kv, 3));
    kv[1].key.ptr = "c";
    CHECK_RC(vcow_tree_bulk_load(t, kv, 3), VCOW_EINVAL); /* a duplicate */
    CHECK_RC(vcow_tree_del_range(t, "a", 1, "c", 1, 0, &n), VCOW_ERANGE);
    CHECK_RC(vcow_tree_range(vcow_txn_view(t), "a", 1, "b", 1, 0, never_fn, NULL), VCOW_ERANGE);
    CHECK_OK(vcow_tree_del_range(t, "c", 1, "b", 1, VCOW_TREE_HI_INCL, &n));
    CHECK_EQ_INT(n, 2);
    CHECK_OK(vcow_tree_get(vcow_txn_view(t), "a", &v));
    CHECK_OK(vcow_tree_check(vcow_txn_view(t)));
    CHECK_OK(vcow_txn_commit(t));
    vcow_txn_free(t);

    /* diff / equal across cells of different orders: EINVAL; same order: fine. */
    vcow_cell *m = open_cell(NULL, NULL, false), *c2 = open_cell(cmp_nocase, NULL, false);
    vcow_read_lock();
    bool eq;
    CHECK_RC(vcow_tree_diff(vcow_cell_head(m), h, diff_fn, NULL), VCOW_EINVAL);
    CHECK_RC(vcow_tree_diff(h, vcow_cell_head(r), diff_fn, NULL), VCOW_EINVAL);
    CHECK_RC(vcow_tree_equal(h, vcow_cell_head(m), &eq), VCOW_EINVAL);
    CHECK_OK(vcow_tree_equal(h, vcow_cell_head(c2), &eq));
    CHECK(!eq);
    vcow_read_unlock();
    vcow_version_unpin(h);
    CHECK_OK(vcow_cell_close(m));
    CHECK_OK(vcow_cell_close(c2));
    CHECK_OK(vcow_cell_close(r));
    CHECK_OK(vcow_cell_close(c));
    test_check_all_freed();
}

int main(int argc, char **argv)
{
    for (unsigned i = 0; i < 256; i++)
        fold[i] = lower((unsigned char)i);
    const char *part = argc > 1 ? argv[1] : "badinput";
    if (strcmp(part, "model") == 0)
        return run_model(argc, argv);
    if (strcmp(part, "badinput") == 0) {
        test_badinput();
        printf("tree cmp badinput: ok\n");
        return 0;
    }
    fprintf(stderr, "usage: test_tree_cmp model rev|nocase|len [seeds [ops [keys]]] | badinput\n");
    return 2;
}
