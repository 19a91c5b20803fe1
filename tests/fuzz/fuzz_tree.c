/*
 * tests/fuzz/fuzz_tree.c - libFuzzer: the B+tree through cells, txns, pins,
 * ranges, bulk loads and diffs, with bad arguments, against a reference
 * model.
 *
 * The input is a program, as in fuzz_hamt.c: the first byte picks history
 * (bit 0) and the cell's key order (bits 1-2: memcmp, a reverse-memcmp
 * comparator, a shorter-first comparator, memcmp), then each byte picks an
 * operation (op % 20) and a txn / pin slot (op / 20), following bytes its
 * arguments. Keys come from one table of about 4200 keys sorted in the
 * cell's order (one copy per order), so a key's index is its rank and the
 * model compares indices: a few dozen special keys (the empty key, keys
 * with 0x00 / 0xff bytes, keys either side of the 8-byte prefix the nodes
 * cache, keys of 1000 to 1024 bytes) picked by one byte, and 4100 dense
 * keys "n0000".. plus 64 keys with a long common prefix picked by two, so
 * that bulk loads and runs of sets build trees of three levels (fanout
 * 64). Byte values run up to 150 bytes, so values on both sides of the
 * 64-byte inline limit occur.
 *
 * The model holds one sorted array of (key, value) per committed seq and
 * one per open txn. Every operation either succeeds and the model
 * follows, or returns the error the model predicts and nothing changes.
 * After every operation that may write, the head and every pinned version
 * read exactly what the model says (len and a full walk), which catches a
 * txn writing into a published node; pinning a version reads it every
 * way there is (get, rank, select, bounds, both walks, the invariant
 * check). Injected allocation failures may turn any write into
 * VCOW_ENOMEM, which must change nothing. At the end everything is closed
 * and every node counter must be back to zero.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vcow/vcow.h>

#include "fuzz.h"

#define MAXV    40   /* committed versions per input */
#define MAXOPS  256  /* operations per input */
#define NGEN    4100 /* dense keys "n0000" .. "n4099" */
#define NSHARED 64   /* "sharedprefix-000" .. */
#define NKMAX   4224 /* keys in the table, at most */
#define MAXVLEN 150  /* longest byte value */
#define KMAX    VCOW_TREE_MAX_KEY
#define POOL    (64 * 1024)

#define NO_LO   VCOW_TREE_NO_LO
#define NO_HI   VCOW_TREE_NO_HI
#define REVERSE VCOW_TREE_REVERSE

/* ---- keys ---- */

struct key {
    const uint8_t *p;
    size_t len;
    bool special;
};

/* The orders a cell may have: NULL (memcmp) or one of these comparators. */
enum { ORD_MEMCMP, ORD_REV, ORD_LEN, NORD };

static int mem_order(const void *a, size_t alen, const void *b, size_t blen)
{
    size_t m = alen < blen ? alen : blen;
    int c = m ? memcmp(a, b, m) : 0;
    if (c != 0)
        return c;
    return (alen > blen) - (alen < blen);
}

static int cmp_rev(const void *a, size_t alen, const void *b, size_t blen, void *ctx)
{
    (void)ctx;
    return mem_order(b, blen, a, alen);
}

/* Shorter keys first: a prefix says nothing about the order. */
static int cmp_len(const void *a, size_t alen, const void *b, size_t blen, void *ctx)
{
    (void)ctx;
    if (alen != blen)
        return alen < blen ? -1 : 1;
    return alen ? memcmp(a, b, alen) : 0;
}

static int (*const ord_fn[NORD])(const void *, size_t, const void *, size_t,
                                 void *) = {NULL, cmp_rev, cmp_len};
static int cur_ord; /* this input's order */

static struct key keytab[NORD][NKMAX]; /* per order, sorted: index order is key order */
static struct key *keys;               /* keytab[cur_ord] */
static int nk;
static uint16_t spectab[NORD][64]; /* indices of the special keys */
static uint16_t *spec;
static int nspec;
static uint8_t *pool;
static size_t pool_len;
static uint8_t bigkey[KMAX + 1]; /* over the limit by one byte; KMAX bytes are a valid key */
static uint8_t ffkey[KMAX];      /* the largest key in memcmp order: the smallest under ORD_REV */

/* a <=> b in the input's order. */
static int ord_cmp(const void *a, size_t alen, const void *b, size_t blen)
{
    if (ord_fn[cur_ord] == NULL)
        return mem_order(a, alen, b, blen);
    return ord_fn[cur_ord](a, alen, b, blen, NULL);
}

static int key_order(const void *x, const void *y)
{
    const struct key *a = x, *b = y;
    return ord_cmp(a->p, a->len, b->p, b->len);
}

static void add_key(const void *p, size_t len, bool special)
{
    CHECK(nk < NKMAX && pool_len + len <= POOL);
    if (len)
        memcpy(pool + pool_len, p, len);
    keytab[0][nk++] = (struct key){pool + pool_len, len, special};
    pool_len += len;
}

/* n bytes of c, then a tail. */
static void add_rep(uint8_t c, size_t n, const char *tail, size_t tlen)
{
    static uint8_t buf[KMAX];
    CHECK(n + tlen <= KMAX);
    memset(buf, c, n);
    memcpy(buf + n, tail, tlen);
    add_key(buf, n + tlen, true);
}

static uint8_t pat[256 + MAXVLEN]; /* pat[i] = 7 * i */

static void init_tables(void)
{
    static const struct {
        const char *s;
        size_t len;
    } sp[] = {
        {"", 0},
        {"\0", 1},
        {"\0\0", 2},
        {"\0\1", 2},
        {"\1", 1},
        {"a", 1},
        {"a\0", 2},
        {"aa", 2},
        {"ab", 2},
        {"abcdefg", 7},
        {"abcdefgh", 8},
        {"abcdefgh\0", 9},
        {"abcdefghi", 9},
        {"abcdefgi", 8},
        {"b", 1},
        {"n", 1},
        {"n0500x", 6},
        {"n9", 2},
        {"sharedprefix-", 13},
        {"\x7f", 1},
        {"\x80", 1},
        {"\xfe\xff", 2},
        {"\xff", 1},
        {"\xff\xff", 2},
        {"\xff\xff\xff\xff\xff\xff\xff\xff", 8},
        {"\xff\xff\xff\xff\xff\xff\xff\xff\0", 9},
    };
    pool = malloc(POOL);
    CHECK(pool != NULL);
    for (size_t i = 0; i < sizeof(sp) / sizeof(sp[0]); i++)
        add_key(sp[i].s, sp[i].len, true);
    add_rep('z', KMAX, "", 0);
    add_rep('z', KMAX - 1, "", 0);
    add_rep('z', KMAX - 2, "y", 1);
    add_rep('m', 1000, "1", 1);
    add_rep('m', 1000, "2", 1);
    add_rep('m', KMAX, "", 0);
    add_rep('m', KMAX - 1, "\0", 1);
    add_rep('b', KMAX - 1, "", 0);
    add_rep('\0', KMAX, "", 0);
    {
        uint8_t buf[KMAX]; /* "n0100qqq...", inside the dense keys */
        memset(buf, 'q', KMAX);
        memcpy(buf, "n0100", 5);
        add_key(buf, KMAX, true);
    }
    char s[32];
    for (int i = 0; i < NGEN; i++) {
        int n = snprintf(s, sizeof(s), "n%04d", i);
        add_key(s, (size_t)n, false);
    }
    for (int i = 0; i < NSHARED; i++) {
        int n = snprintf(s, sizeof(s), "sharedprefix-%03d", i * 7);
        add_key(s, (size_t)n, false);
    }
    for (cur_ord = 0; cur_ord < NORD; cur_ord++) {
        keys = keytab[cur_ord];
        if (cur_ord > 0)
            memcpy(keys, keytab[0], (size_t)nk * sizeof(keys[0]));
        qsort(keys, (size_t)nk, sizeof(keys[0]), key_order);
        nspec = 0;
        for (int i = 0; i < nk; i++) {
            CHECK(i == 0 || key_order(&keys[i - 1], &keys[i]) < 0);
            if (keys[i].special) {
                CHECK(nspec < 64);
                spectab[cur_ord][nspec++] = (uint16_t)i;
            }
        }
    }
    for (size_t i = 0; i < sizeof(pat); i++)
        pat[i] = (uint8_t)(7 * i);
    memset(bigkey, 'q', sizeof(bigkey));
    memset(ffkey, 0xff, sizeof(ffkey));
}

/* The key's pointer; the empty key may go as NULL. */
static const void *kp(int id, bool null_ok)
{
    return keys[id].len == 0 && null_ok ? NULL : keys[id].p;
}

static bool key_is(vcow_slice k, int id)
{
    return k.len == keys[id].len && (k.len == 0 || memcmp(k.ptr, keys[id].p, k.len) == 0);
}

/* ---- the model ---- */

struct ment {
    int64_t i;    /* i64, f64 bit pattern, bool */
    uint16_t id;  /* key index */
    uint8_t type; /* enum vcow_type */
    uint8_t len;  /* bytes: length; byte j is fill + 7 * j */
    uint8_t fill; /* bytes (0 when len == 0, so equal values compare equal) */
};

struct mstate {
    int n;
    struct ment e[NKMAX]; /* sorted by id */
};

/* First index with id >= key (lb) / > key (ub). */
static int lb(const struct mstate *s, int id)
{
    int lo = 0, hi = s->n;
    while (lo < hi) {
        int m = (lo + hi) / 2;
        if (s->e[m].id < id)
            lo = m + 1;
        else
            hi = m;
    }
    return lo;
}

static int ub(const struct mstate *s, int id)
{
    int i = lb(s, id);
    return i < s->n && s->e[i].id == id ? i + 1 : i;
}

static int mfind(const struct mstate *s, int id)
{
    int i = lb(s, id);
    return i < s->n && s->e[i].id == id ? i : -1;
}

static void mset(struct mstate *s, struct ment m)
{
    int i = lb(s, m.id);
    if (i < s->n && s->e[i].id == m.id) {
        s->e[i] = m;
        return;
    }
    CHECK(s->n < NKMAX);
    memmove(&s->e[i + 1], &s->e[i], (size_t)(s->n - i) * sizeof(s->e[0]));
    s->e[i] = m;
    s->n++;
}

/* Remove entries [from, to). */
static void mcut(struct mstate *s, int from, int to)
{
    memmove(&s->e[from], &s->e[to], (size_t)(s->n - to) * sizeof(s->e[0]));
    s->n -= to - from;
}

static void mcopy(struct mstate *d, const struct mstate *s)
{
    d->n = s->n;
    memcpy(d->e, s->e, (size_t)s->n * sizeof(s->e[0]));
}

static bool ment_eq(const struct ment *a, const struct ment *b)
{
    return a->type == b->type && a->len == b->len && a->fill == b->fill && a->i == b->i;
}

/* [from, to) of s that a range with these bounds covers, or VCOW_ERANGE. */
static int model_bounds(const struct mstate *s, int lo, int hi, unsigned flags, int *from, int *to)
{
    if (!(flags & (NO_LO | NO_HI)) && lo > hi)
        return VCOW_ERANGE;
    *from = flags & NO_LO ? 0 : flags & VCOW_TREE_LO_EXCL ? ub(s, lo) : lb(s, lo);
    *to = flags & NO_HI ? s->n : flags & VCOW_TREE_HI_INCL ? ub(s, hi) : lb(s, hi);
    if (*to < *from)
        *to = *from;
    return VCOW_OK;
}

/* ---- values ---- */

static const uint8_t *pat_at(uint8_t fill)
{
    return pat + ((fill * 183u) & 255u); /* 7 * 183 == 1 mod 256 */
}

/* v, read from a version or a txn view, holds m's value; byte values end
 * in a NUL (vcow/val.h), the empty one too. */
static bool val_equal(const vcow_val *v, const struct ment *m)
{
    if (v->type != (enum vcow_type)m->type)
        return false;
    switch (m->type) {
    case VCOW_T_BYTES:
        return v->u.bytes.len == m->len && v->u.bytes.ptr != NULL &&
               ((const uint8_t *)v->u.bytes.ptr)[m->len] == 0 &&
               (m->len == 0 || memcmp(v->u.bytes.ptr, pat_at(m->fill), m->len) == 0);
    case VCOW_T_I64:
        return v->u.i64 == m->i;
    case VCOW_T_F64: {
        int64_t bits;
        memcpy(&bits, &v->u.f64, sizeof(bits));
        return bits == m->i;
    }
    case VCOW_T_BOOL:
        return v->u.b == (m->i != 0);
    default:
        return false;
    }
}

static vcow_val val_of(const struct ment *m)
{
    switch (m->type) {
    case VCOW_T_BYTES:
        return vcow_val_bytes(m->len ? pat_at(m->fill) : NULL, m->len);
    case VCOW_T_I64:
        return vcow_val_i64(m->i);
    case VCOW_T_F64: {
        double d;
        memcpy(&d, &m->i, sizeof(d));
        return vcow_val_f64(d);
    }
    default:
        return vcow_val_bool(m->i != 0);
    }
}

static const uint64_t f64_bits[8] = {
    0x0000000000000000ull, /* 0.0 */
    0x8000000000000000ull, /* -0.0: differs from 0.0 by bits */
    0x3ff8000000000000ull, /* 1.5 */
    0x7ff8000000000001ull, /* NaN */
    0x7ff8000000000002ull, /* another NaN */
    0x7ff0000000000000ull, /* inf */
    0xc0934a4560418937ull, /* -1234.5678 */
    0x0000000000000001ull, /* denormal */
};

/* A value from two bytes (b % 10 < 8: valid). Returns false for an invalid
 * one (v is set, m is not). */
static bool make_val(uint8_t a, uint8_t b, vcow_val *v, struct ment *m)
{
    memset(m, 0, sizeof(*m));
    switch (b % 10) {
    case 0:
    case 1:
        *v = vcow_val_i64((int64_t)(int8_t)a * 1000003 + b);
        m->type = VCOW_T_I64;
        m->i = v->u.i64;
        return true;
    case 2:
    case 3:
    case 4: {
        uint8_t len = (uint8_t)(a % (MAXVLEN + 1));
        uint8_t fill = len ? (uint8_t)(a * 31u + b) : 0;
        *v = vcow_val_bytes(len ? pat_at(fill) : b & 16 ? pat : NULL, len);
        m->type = VCOW_T_BYTES;
        m->len = len;
        m->fill = fill;
        return true;
    }
    case 5:
        *v = vcow_val_bool(a & 1);
        m->type = VCOW_T_BOOL;
        m->i = a & 1;
        return true;
    case 6: {
        double d;
        memcpy(&d, &f64_bits[a % 8], sizeof(d));
        *v = vcow_val_f64(d);
        m->type = VCOW_T_F64;
        m->i = (int64_t)f64_bits[a % 8];
        return true;
    }
    case 7: { /* either side of the inline limit */
        uint8_t len = (uint8_t)(VCOW_TREE_INLINE_VAL + (a & 1));
        *v = vcow_val_bytes(pat_at(a), len);
        m->type = VCOW_T_BYTES;
        m->len = len;
        m->fill = a;
        return true;
    }
    default:
        switch (a % 7) {
        case 0:
            *v = vcow_val_bytes(NULL, 1 + a % 5); /* NULL with a length */
            break;
        case 1:
            *v = (vcow_val){.type = VCOW_T_NONE};
            break;
        case 2:
            *v = (vcow_val){.type = VCOW_T_MAP};
            break;
        case 3:
            *v = (vcow_val){.type = VCOW_T_TREE};
            break;
        case 4:
            *v = (vcow_val){.type = VCOW_T_ROPE};
            break;
        case 5:
            *v = (vcow_val){.type = VCOW_T_TREE, .u.root = pat}; /* not a root */
            break;
        default:
            *v = (vcow_val){.type = (enum vcow_type)(8 + b)};
            break;
        }
        return false;
    }
}

/* ---- reading a version or a txn ---- */

struct reader {
    const vcow_version *v; /* or */
    const vcow_txn *t;
};

static int rd_len(struct reader r, uint64_t *n)
{
    return r.v ? vcow_tree_len(r.v, n) : vcow_tree_len(vcow_txn_view(r.t), n);
}

static int rd_get(struct reader r, int id, bool null_ok, vcow_val *out)
{
    return r.v ? vcow_tree_getn(r.v, kp(id, null_ok), keys[id].len, out)
               : vcow_tree_getn(vcow_txn_view(r.t), kp(id, null_ok), keys[id].len, out);
}

struct rctx {
    const struct mstate *s;
    int pos, step, seen, stop, from, to;
};

static int range_cb(vcow_slice key, const vcow_val *val, void *ctx)
{
    struct rctx *c = ctx;
    CHECK(c->pos >= c->from && c->pos < c->to);
    const struct ment *m = &c->s->e[c->pos];
    CHECK(key_is(key, m->id));
    CHECK(val != NULL && val_equal(val, m));
    c->pos += c->step;
    c->seen++;
    return c->seen == c->stop ? 1000 + c->seen : 0;
}

/* A range walk with these bounds visits what the model says, in order; a
 * callback returning non-zero after stop entries stops it with that
 * value. sel: NULL for empty keys, junk in ignored bounds. */
static void check_range(struct reader r, const struct mstate *s, int lo, int hi, unsigned flags,
                        int stop, uint8_t sel)
{
    int from = 0, to = 0;
    int want = model_bounds(s, lo, hi, flags, &from, &to);
    const void *lp = kp(lo, sel & 1), *hp = kp(hi, sel & 2);
    size_t ll = keys[lo].len, hl = keys[hi].len;
    if ((flags & NO_LO) && (sel & 4)) { /* ignored: may be anything */
        lp = sel & 8 ? NULL : bigkey;
        ll = KMAX + 1;
    }
    if ((flags & NO_HI) && (sel & 16)) {
        hp = sel & 32 ? NULL : bigkey;
        hl = KMAX + 1;
    }
    bool rev = (flags & REVERSE) != 0;
    struct rctx c = {s, rev ? to - 1 : from, rev ? -1 : 1, 0, stop, from, to};
    int rc = r.v ? vcow_tree_range(r.v, lp, ll, hp, hl, flags, range_cb, &c)
                 : vcow_tree_range(vcow_txn_view(r.t), lp, ll, hp, hl, flags, range_cb, &c);
    if (want != VCOW_OK) {
        CHECK(rc == want && c.seen == 0);
        return;
    }
    int cnt = to - from;
    if (stop >= 1 && stop <= cnt)
        CHECK(rc == 1000 + stop && c.seen == stop);
    else
        CHECK(rc == VCOW_OK && c.seen == cnt);
}

/* len and a full walk. */
static void check_walk(struct reader r, const struct mstate *s)
{
    uint64_t n = ~0ull;
    CHECK(rd_len(r, &n) == VCOW_OK && n == (uint64_t)s->n);
    check_range(r, s, 0, 0, NO_LO | NO_HI, 0, 0);
}

/* After a write: a full walk on small trees; on big ones (a walk of
 * thousands per operation would make the fuzzer crawl) len and the
 * entries around two keys. Every version is walked in full at the end. */
#define SMALL 256

static void check_near(struct reader r, const struct mstate *s, int id)
{
    int j = lb(s, id);
    int from = j >= 8 ? j - 8 : 0, to = j + 8 < s->n ? j + 8 : s->n - 1;
    check_range(r, s, s->e[from].id, s->e[to].id, VCOW_TREE_HI_INCL, 0, 0);
}

static void check_some(struct reader r, const struct mstate *s, int id, int id2)
{
    if (s->n <= SMALL) {
        check_walk(r, s);
        return;
    }
    uint64_t n = ~0ull;
    CHECK(rd_len(r, &n) == VCOW_OK && n == (uint64_t)s->n);
    check_near(r, s, id);
    check_near(r, s, id2);
}

/* Which entries the point reads below visit: all of a small tree, about
 * 64 of a big one (both walks still visit all), a different set each time. */
static bool sampled(const struct mstate *s, int i)
{
    static unsigned phase;
    if (s->n <= SMALL || i < 4 || i >= s->n - 4)
        return true;
    unsigned stride = (unsigned)s->n / 64;
    if (i == 4)
        phase++;
    return (unsigned)i % stride == phase % stride;
}

/* Everything a version holds is s, read every way there is. */
static void check_version_full(const vcow_version *v, const struct mstate *s)
{
    struct reader r = {v, NULL};
    CHECK(vcow_tree_check(v) == VCOW_OK);
    check_walk(r, s);
    check_range(r, s, 0, 0, NO_LO | NO_HI | REVERSE, 0, 0x3c);
    vcow_slice k;
    vcow_val val;
    uint64_t u;
    int rf = vcow_tree_first(v, &k, &val);
    if (s->n == 0) {
        CHECK(rf == VCOW_ENOENT);
        CHECK(vcow_tree_last(v, &k, &val) == VCOW_ENOENT);
    } else {
        CHECK(rf == VCOW_OK && key_is(k, s->e[0].id) && val_equal(&val, &s->e[0]));
        CHECK(vcow_tree_last(v, &k, &val) == VCOW_OK);
        CHECK(key_is(k, s->e[s->n - 1].id) && val_equal(&val, &s->e[s->n - 1]));
    }
    for (int i = 0; i < s->n; i++) {
        if (!sampled(s, i))
            continue;
        const struct ment *m = &s->e[i];
        const void *p = kp(m->id, i & 1);
        size_t len = keys[m->id].len;
        CHECK(vcow_tree_getn(v, p, len, &val) == VCOW_OK && val_equal(&val, m));
        CHECK(vcow_tree_rankn(v, p, len, &u) == VCOW_OK && u == (uint64_t)i);
        CHECK(vcow_tree_select(v, (uint64_t)i, &k, &val) == VCOW_OK);
        CHECK(key_is(k, m->id) && val_equal(&val, m));
        CHECK(vcow_tree_lower_boundn(v, p, len, &k, NULL) == VCOW_OK && key_is(k, m->id));
        int rc = vcow_tree_upper_boundn(v, p, len, &k, &val);
        if (i + 1 < s->n)
            CHECK(rc == VCOW_OK && key_is(k, s->e[i + 1].id) && val_equal(&val, &s->e[i + 1]));
        else
            CHECK(rc == VCOW_ENOENT);
        int nx = m->id + 1; /* the next key, when absent */
        if (nx < nk && (i + 1 == s->n || s->e[i + 1].id != nx)) {
            CHECK(vcow_tree_getn(v, kp(nx, true), keys[nx].len, &val) == VCOW_ENOENT);
            CHECK(vcow_tree_rankn(v, kp(nx, true), keys[nx].len, &u) == VCOW_OK);
            CHECK(u == (uint64_t)i + 1);
            rc = vcow_tree_lower_boundn(v, kp(nx, true), keys[nx].len, NULL, &val);
            if (i + 1 < s->n)
                CHECK(rc == VCOW_OK && val_equal(&val, &s->e[i + 1]));
            else
                CHECK(rc == VCOW_ENOENT);
        }
    }
    CHECK(vcow_tree_select(v, (uint64_t)s->n, &k, &val) == VCOW_ERANGE);
    CHECK(vcow_tree_select(v, UINT64_MAX, NULL, NULL) == VCOW_ERANGE);
}

/* Everything a txn holds is s. */
static void check_txn_full(const vcow_txn *t, const struct mstate *s)
{
    struct reader r = {NULL, t};
    CHECK(vcow_tree_check(vcow_txn_view(t)) == VCOW_OK);
    check_walk(r, s);
    check_range(r, s, 0, 0, NO_LO | NO_HI | REVERSE, 0, 0x14);
    vcow_val val;
    for (int i = 0; i < s->n; i++) {
        if (!sampled(s, i))
            continue;
        const struct ment *m = &s->e[i];
        CHECK(rd_get(r, m->id, i & 1, &val) == VCOW_OK && val_equal(&val, m));
        int nx = m->id + 1;
        if (nx < nk && (i + 1 == s->n || s->e[i + 1].id != nx))
            CHECK(rd_get(r, nx, true, &val) == VCOW_ENOENT);
    }
    if (s->n == 0 || s->e[0].id != 0)
        CHECK(rd_get(r, 0, true, &val) == VCOW_ENOENT);
}

/* Point reads of one key and one rank on a version. sel: which outputs. */
static void check_point(const vcow_version *v, const struct mstate *s, int k, uint8_t ib,
                        uint8_t sel)
{
    vcow_val val;
    vcow_slice ks;
    vcow_slice *ko = sel & 1 ? &ks : NULL;
    vcow_val *vo = sel & 2 ? &val : NULL;
    int x = mfind(s, k), rc;
    rc = vcow_tree_getn(v, kp(k, sel & 4), keys[k].len, &val);
    CHECK(x < 0 ? rc == VCOW_ENOENT : rc == VCOW_OK && val_equal(&val, &s->e[x]));
    uint64_t u = ~0ull;
    CHECK(vcow_tree_len(v, &u) == VCOW_OK && u == (uint64_t)s->n);
    CHECK(vcow_tree_rankn(v, kp(k, sel & 4), keys[k].len, &u) == VCOW_OK);
    CHECK(u == (uint64_t)lb(s, k));
    /* first / last / bounds / select with the outputs sel picks */
    const struct ment *want[5];
    int j0 = lb(s, k), j1 = ub(s, k);
    uint64_t i = ib == 255 ? UINT64_MAX : ib % (uint64_t)(s->n + 3);
    want[0] = s->n ? &s->e[0] : NULL;
    want[1] = s->n ? &s->e[s->n - 1] : NULL;
    want[2] = j0 < s->n ? &s->e[j0] : NULL;
    want[3] = j1 < s->n ? &s->e[j1] : NULL;
    want[4] = i < (uint64_t)s->n ? &s->e[i] : NULL;
    for (int w = 0; w < 5; w++) {
        ks = (vcow_slice){NULL, 12345};
        val.type = VCOW_T_NONE;
        switch (w) {
        case 0:
            rc = vcow_tree_first(v, ko, vo);
            break;
        case 1:
            rc = vcow_tree_last(v, ko, vo);
            break;
        case 2:
            rc = vcow_tree_lower_boundn(v, kp(k, sel & 8), keys[k].len, ko, vo);
            break;
        case 3:
            rc = vcow_tree_upper_boundn(v, kp(k, sel & 8), keys[k].len, ko, vo);
            break;
        default:
            rc = vcow_tree_select(v, i, ko, vo);
            break;
        }
        if (want[w] == NULL) {
            CHECK(rc == (w == 4 ? VCOW_ERANGE : VCOW_ENOENT));
            continue;
        }
        CHECK(rc == VCOW_OK);
        if (ko)
            CHECK(key_is(ks, want[w]->id));
        if (vo)
            CHECK(val_equal(&val, want[w]));
    }
}

/* ---- diff ---- */

struct dexp {
    uint16_t id;
    int16_t ia, ib; /* index in a / b, -1: absent */
};

static struct dexp dexp[2 * NKMAX];

/* The differences from a to b, in key order, into dexp. */
static int model_diff(const struct mstate *a, const struct mstate *b)
{
    int n = 0, i = 0, j = 0;
    while (i < a->n || j < b->n) {
        if (j == b->n || (i < a->n && a->e[i].id < b->e[j].id)) {
            dexp[n++] = (struct dexp){a->e[i].id, (int16_t)i, -1};
            i++;
        } else if (i == a->n || b->e[j].id < a->e[i].id) {
            dexp[n++] = (struct dexp){b->e[j].id, -1, (int16_t)j};
            j++;
        } else {
            if (!ment_eq(&a->e[i], &b->e[j]))
                dexp[n++] = (struct dexp){a->e[i].id, (int16_t)i, (int16_t)j};
            i++;
            j++;
        }
    }
    return n;
}

struct dctx {
    const struct mstate *a, *b;
    int n, seen, stop;
};

static int diff_cb(vcow_slice key, const vcow_val *old, const vcow_val *new_, void *ctx)
{
    struct dctx *c = ctx;
    CHECK(c->seen < c->n);
    const struct dexp *d = &dexp[c->seen];
    CHECK(key_is(key, d->id));
    CHECK(d->ia < 0 ? old == NULL : old != NULL && val_equal(old, &c->a->e[d->ia]));
    CHECK(d->ib < 0 ? new_ == NULL : new_ != NULL && val_equal(new_, &c->b->e[d->ib]));
    c->seen++;
    return c->seen == c->stop ? 2000 + c->seen : 0;
}

static void check_diff(const vcow_version *va, const vcow_version *vb, const struct mstate *a,
                       const struct mstate *b, int stop)
{
    struct dctx dc = {a, b, model_diff(a, b), 0, stop};
    int rc = vcow_tree_diff(va, vb, diff_cb, &dc);
    if (stop >= 1 && stop <= dc.n)
        CHECK(rc == 2000 + stop && dc.seen == stop);
    else
        CHECK(rc == VCOW_OK && dc.seen == dc.n);
    bool eq = dc.n != 0;
    CHECK(vcow_tree_equal(va, vb, &eq) == VCOW_OK && eq == (dc.n == 0));
}

static struct vcow_tree_kv items[NKMAX + 1];

/* Diff va against a copy of b in a cell of its own: nothing is shared. */
static void cross_diff(const vcow_version *va, const struct mstate *a, const struct mstate *b,
                       int stop)
{
    struct vcow_cell_opts o = {.size = sizeof(o), .compare = ord_fn[cur_ord]};
    vcow_cell *c;
    vcow_txn *t;
    vcow_version *vb;
    CHECK(vcow_cell_open(VCOW_KIND_TREE, &o, &c) == VCOW_OK);
    CHECK(vcow_txn_begin(c, &t) == VCOW_OK);
    for (int i = 0; i < b->n; i++)
        items[i] =
            (struct vcow_tree_kv){{keys[b->e[i].id].p, keys[b->e[i].id].len}, val_of(&b->e[i])};
    CHECK(vcow_tree_bulk_load(t, items, (size_t)b->n) == VCOW_OK);
    CHECK(vcow_txn_commit(t) == VCOW_OK);
    vcow_txn_free(t);
    CHECK(vcow_cell_pin_head(c, &vb) == VCOW_OK);
    CHECK(vcow_tree_check(vb) == VCOW_OK);
    check_diff(va, vb, a, b, stop);
    check_diff(vb, va, b, a, 0);
    vcow_version_unpin(vb);
    CHECK(vcow_cell_close(c) == VCOW_OK);
}

/* ---- the program ---- */

/* One byte < 0x80: a special key; else two bytes: any key. */
static int read_key(struct input *in)
{
    uint8_t x = next(in);
    if (x < 0x80)
        return spec[x % nspec];
    uint8_t y = next(in);
    return (int)(((unsigned)(x & 0x7f) << 8 | y) % (unsigned)nk);
}

/* Shared by every input (the state lives in one call). */
static struct mstate hist[MAXV];
static struct mstate work[FUZZ_MAXTXN];
static struct mstate scratch;

/* A stop count for range / diff callbacks: mostly none. */
static int read_stop(struct input *in)
{
    uint8_t x = next(in);
    return x < 160 ? 0 : x - 159;
}

/* Bad arguments on the tree calls; bad is what txn calls answer. */
static void bad_args(vcow_cell *c, vcow_txn *t, int pre, bool armed, uint8_t a, uint8_t b,
                     const struct mstate *ws)
{
    int bad = pre != VCOW_OK ? pre : VCOW_EINVAL;
    vcow_val v = vcow_val_i64(1), out;
    vcow_slice k;
    uint64_t u, d = 77;
    bool eq;
    int rc;
    struct ment m;
    vcow_version *h;
    CHECK(vcow_cell_pin_head(c, &h) == VCOW_OK);
    switch (a % 8) {
    case 0: /* NULL keys with a length */
        CHECK(vcow_tree_setn(t, NULL, 1 + b % 4, v) == bad);
        CHECK(vcow_tree_deln(t, NULL, 1) == bad);
        CHECK(vcow_tree_getn(vcow_txn_view(t), NULL, 1, &out) == fuzz_view_pre(bad));
        CHECK(vcow_tree_del_range(t, NULL, 1, "a", 1, 0, &d) == bad);
        CHECK(vcow_tree_range(vcow_txn_view(t), "", 0, NULL, 2, 0, range_cb, NULL) ==
              fuzz_view_pre(bad));
        CHECK(vcow_tree_getn(h, NULL, 1, &out) == VCOW_EINVAL);
        CHECK(vcow_tree_rankn(h, NULL, 3, &u) == VCOW_EINVAL);
        CHECK(vcow_tree_lower_boundn(h, NULL, 1, &k, &out) == VCOW_EINVAL);
        CHECK(vcow_tree_upper_boundn(h, NULL, 1, NULL, NULL) == VCOW_EINVAL);
        CHECK(vcow_tree_range(h, NULL, 1, "b", 1, 0, range_cb, NULL) == VCOW_EINVAL);
        CHECK(vcow_tree_range(h, "", 0, NULL, 1, VCOW_TREE_NO_LO, range_cb, NULL) == VCOW_EINVAL);
        break;
    case 1: /* keys over the limit */
        CHECK(vcow_tree_setn(t, bigkey, KMAX + 1, v) == bad);
        CHECK(vcow_tree_deln(t, bigkey, KMAX + 1) == bad);
        CHECK(vcow_tree_getn(vcow_txn_view(t), bigkey, KMAX + 1, &out) == fuzz_view_pre(bad));
        CHECK(vcow_tree_del_range(t, bigkey, KMAX + 1, bigkey, 1, 0, &d) == bad);
        CHECK(vcow_tree_del_range(t, "", 0, bigkey, KMAX + 1, VCOW_TREE_NO_LO, NULL) == bad);
        CHECK(vcow_tree_range(vcow_txn_view(t), "a", 1, bigkey, KMAX + 1, 0, range_cb, NULL) ==
              fuzz_view_pre(bad));
        CHECK(vcow_tree_getn(h, bigkey, KMAX + 1, &out) == VCOW_EINVAL);
        CHECK(vcow_tree_rankn(h, bigkey, KMAX + 1, &u) == VCOW_EINVAL);
        CHECK(vcow_tree_lower_boundn(h, bigkey, KMAX + 1, &k, &out) == VCOW_EINVAL);
        CHECK(vcow_tree_upper_boundn(h, bigkey, (size_t)-1, &k, &out) == VCOW_EINVAL);
        CHECK(vcow_tree_range(h, bigkey, KMAX + 1, "", 0, NO_HI, range_cb, NULL) == VCOW_EINVAL);
        break;
    case 2: { /* invalid values: a set, a bulk load with one inside */
        CHECK(!make_val(b, 8, &v, &m));
        CHECK(vcow_tree_set(t, "a", v) == bad);
        CHECK(vcow_tree_setn(t, NULL, 0, v) == bad);
        items[0] = (struct vcow_tree_kv){{"a", 1}, vcow_val_i64(1)};
        items[1] = (struct vcow_tree_kv){{"b", 1}, v};
        CHECK(vcow_tree_bulk_load(t, items, 2) == bad);
        break;
    }
    case 3: /* NULL versions, outputs, callbacks */
        CHECK(vcow_tree_contains(h, "a", NULL) == VCOW_EINVAL);
        CHECK(vcow_tree_get(h, NULL, &out) == VCOW_EINVAL);
        CHECK(vcow_tree_get(NULL, "a", &out) == VCOW_EINVAL);
        CHECK(vcow_tree_len(h, NULL) == VCOW_EINVAL);
        CHECK(vcow_tree_len(NULL, &u) == VCOW_EINVAL);
        CHECK(vcow_tree_first(NULL, &k, &out) == VCOW_EINVAL);
        CHECK(vcow_tree_last(NULL, NULL, NULL) == VCOW_EINVAL);
        CHECK(vcow_tree_lower_bound(NULL, "a", &k, &out) == VCOW_EINVAL);
        CHECK(vcow_tree_upper_bound(NULL, "a", &k, &out) == VCOW_EINVAL);
        CHECK(vcow_tree_rank(h, "a", NULL) == VCOW_EINVAL);
        CHECK(vcow_tree_rank(NULL, "a", &u) == VCOW_EINVAL);
        CHECK(vcow_tree_select(NULL, 0, &k, &out) == VCOW_EINVAL);
        CHECK(vcow_tree_range(h, NULL, 0, NULL, 0, 0, NULL, NULL) == VCOW_EINVAL);
        CHECK(vcow_tree_range(NULL, NULL, 0, NULL, 0, 0, range_cb, NULL) == VCOW_EINVAL);
        CHECK(vcow_tree_diff(h, NULL, diff_cb, NULL) == VCOW_EINVAL);
        CHECK(vcow_tree_diff(NULL, h, diff_cb, NULL) == VCOW_EINVAL);
        CHECK(vcow_tree_diff(h, h, NULL, NULL) == VCOW_EINVAL);
        CHECK(vcow_tree_equal(h, h, NULL) == VCOW_EINVAL);
        CHECK(vcow_tree_equal(NULL, h, &eq) == VCOW_EINVAL);
        CHECK(vcow_tree_check(NULL) == VCOW_EINVAL);
        CHECK(vcow_tree_check(vcow_txn_view(NULL)) == VCOW_EINVAL);
        CHECK(vcow_tree_contains(vcow_txn_view(t), "a", NULL) == fuzz_view_pre(bad));
        CHECK(vcow_tree_len(vcow_txn_view(t), NULL) == fuzz_view_pre(bad));
        CHECK(vcow_tree_range(vcow_txn_view(t), NULL, 0, NULL, 0, 0, NULL, NULL) ==
              fuzz_view_pre(bad));
        CHECK(vcow_tree_bulk_load(t, NULL, 1 + b % 3) == bad);
        CHECK(vcow_tree_bulk_load(NULL, items, 0) == VCOW_EINVAL);
        CHECK(vcow_tree_del_range(NULL, NULL, 0, NULL, 0, NO_LO | NO_HI, &d) == VCOW_EINVAL);
        CHECK(vcow_tree_cell_set(NULL, "a", v, NULL) == VCOW_EINVAL);
        CHECK(vcow_tree_cell_del(NULL, "a", NULL) == VCOW_EINVAL);
        break;
    case 4: { /* inverted bounds (in the cell's order): ERANGE unless a bound is open */
        bool rv = cur_ord == ORD_REV;
        const char *kb = rv ? "a" : "b", *ka = rv ? "b" : "a";     /* ka < kb */
        const char *kab = rv ? "a" : "ab", *ka2 = rv ? "ab" : "a"; /* ka2 < kab */
        const void *kmin = rv ? (const void *)ffkey : "";          /* the smallest key */
        size_t kminl = rv ? KMAX : 0;
        CHECK(vcow_tree_range(h, kb, 1, ka, 1, b & 0x1c, range_cb, NULL) == VCOW_ERANGE);
        CHECK(vcow_tree_range(h, kb, 1, kmin, kminl, NO_LO, range_cb, NULL) == VCOW_OK);
        CHECK(vcow_tree_range(h, kmin, kminl, kmin, kminl, VCOW_TREE_LO_EXCL, range_cb, NULL) ==
              VCOW_OK);
        CHECK(vcow_tree_range(vcow_txn_view(t), kb, 1, kmin, kminl, 0, range_cb, NULL) ==
              (pre == VCOW_OK ? VCOW_ERANGE : fuzz_view_pre(pre)));
        CHECK(vcow_tree_del_range(t, kab, strlen(kab), ka2, strlen(ka2), b & 0x1c, &d) ==
              (pre == VCOW_OK ? VCOW_ERANGE : pre));
        /* lo == hi with an excluded bound: empty, not inverted */
        d = 77;
        rc = vcow_tree_del_range(t, ka, 1, ka, 1, VCOW_TREE_LO_EXCL | (b & 8), &d);
        CHECK(rc == pre || (pre == VCOW_OK && armed && rc == VCOW_ENOMEM));
        CHECK(rc != VCOW_OK || d == 0);
        break;
    }
    case 5: /* the longest key is valid; set, read, delete */
        if (pre != VCOW_OK || armed)
            break;
        CHECK(vcow_tree_setn(t, bigkey, KMAX, v) == VCOW_OK);
        CHECK(vcow_tree_getn(vcow_txn_view(t), bigkey, KMAX, &out) == VCOW_OK);
        CHECK(out.type == VCOW_T_I64 && out.u.i64 == 1);
        CHECK(vcow_tree_len(vcow_txn_view(t), &u) == VCOW_OK && u == (uint64_t)ws->n + 1);
        CHECK(vcow_tree_check(vcow_txn_view(t)) == VCOW_OK);
        CHECK(vcow_tree_deln(t, bigkey, KMAX) == VCOW_OK);
        CHECK(vcow_tree_deln(t, bigkey, KMAX) == VCOW_ENOENT);
        break;
    case 6: { /* versions and txns of another kind */
        if (armed)
            break;
        vcow_cell *bc;
        vcow_txn *bt;
        vcow_version *bv;
        CHECK(vcow_cell_open(VCOW_KIND_BOX, NULL, &bc) == VCOW_OK);
        CHECK(vcow_cell_pin_head(bc, &bv) == VCOW_OK);
        CHECK(vcow_txn_begin(bc, &bt) == VCOW_OK);
        CHECK(vcow_tree_get(bv, "a", &out) == VCOW_EINVAL);
        CHECK(vcow_tree_len(bv, &u) == VCOW_EINVAL);
        CHECK(vcow_tree_first(bv, &k, &out) == VCOW_EINVAL);
        CHECK(vcow_tree_select(bv, 0, &k, &out) == VCOW_EINVAL);
        CHECK(vcow_tree_range(bv, NULL, 0, NULL, 0, NO_LO | NO_HI, range_cb, NULL) == VCOW_EINVAL);
        CHECK(vcow_tree_diff(h, bv, diff_cb, NULL) == VCOW_EINVAL);
        CHECK(vcow_tree_equal(bv, h, &eq) == VCOW_EINVAL);
        CHECK(vcow_tree_check(bv) == VCOW_EINVAL);
        CHECK(vcow_tree_set(bt, "a", v) == VCOW_EINVAL);
        CHECK(vcow_tree_del(bt, "a") == VCOW_EINVAL);
        CHECK(vcow_tree_get(vcow_txn_view(bt), "a", &out) == VCOW_EINVAL);
        CHECK(vcow_tree_len(vcow_txn_view(bt), &u) == VCOW_EINVAL);
        CHECK(vcow_tree_bulk_load(bt, NULL, 0) == VCOW_EINVAL);
        CHECK(vcow_tree_del_range(bt, NULL, 0, NULL, 0, NO_LO | NO_HI, &d) == VCOW_EINVAL);
        CHECK(vcow_tree_check(vcow_txn_view(bt)) == VCOW_EINVAL);
        CHECK(vcow_tree_cell_set(bc, "a", v, NULL) == VCOW_EINVAL);
        CHECK(vcow_tree_cell_del(bc, "a", NULL) == VCOW_EINVAL);
        vcow_txn_free(bt);
        vcow_version_unpin(bv);
        CHECK(vcow_cell_close(bc) == VCOW_OK);
        break;
    }
    default: { /* missing txns, unknown seqs */
        CHECK(vcow_txn_commit(NULL) == VCOW_EINVAL);
        CHECK(vcow_txn_abort(NULL) == VCOW_EINVAL);
        vcow_version *pv = NULL;
        CHECK(vcow_cell_pin_at(c, vcow_version_seq(h) + 1 + b, &pv) == VCOW_ENOENT);
        break;
    }
    }
    vcow_version_unpin(h);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (nk == 0)
        init_tables();
    struct input in = {data, size};
    uint8_t first = next(&in);
    cur_ord = (first >> 1) % 4 % NORD; /* 3: memcmp again */
    keys = keytab[cur_ord];
    spec = spectab[cur_ord];
    struct vcow_cell_opts o = {.size = sizeof(o), .history = first & 1, .compare = ord_fn[cur_ord]};
    struct fuzz_drv fd;
    if (!fuzz_open(&fd, VCOW_KIND_TREE, &o))
        return 0;
    hist[0].n = 0;

    for (int ops = 0; in.n > 0 && fd.head < MAXV - 1 && ops < MAXOPS; ops++) {
        uint8_t op = next(&in), a = next(&in), b = next(&in);
        int slot = (op / 20) % FUZZ_MAXTXN, ps = (op / 20) % FUZZ_MAXPINS;
        vcow_txn *t = fd.txn[slot];
        struct mstate *ws = &work[slot];
        /* What any txn call answers before it looks at its arguments. */
        int pre = fuzz_pre(&fd, slot);
        bool dirty = true;  /* may have written: check the head and the pins */
        bool twalk = false; /* check the txn after a write */
        int touch = 0, touch2 = (int)((unsigned)ops * 131u % (unsigned)nk); /* keys to look near */
        int rc;
        switch (op % 20) {
        case 0: /* begin (a finished txn in the slot is freed first) */
            if (fuzz_begin(&fd, slot))
                mcopy(ws, &hist[fd.head]);
            break;
        case 1:
        case 19: { /* set */
            vcow_val v;
            struct ment m;
            bool valid = make_val(a, b, &v, &m);
            int k = read_key(&in);
            touch = k;
            rc = vcow_tree_setn(t, kp(k, a & 1), keys[k].len, v);
            if (pre != VCOW_OK || !valid) {
                CHECK(rc == (pre != VCOW_OK ? pre : VCOW_EINVAL));
                twalk = pre == VCOW_OK;
                break;
            }
            if (rc == VCOW_ENOMEM) {
                CHECK(fd.armed);
            } else {
                CHECK(rc == VCOW_OK);
                m.id = (uint16_t)k;
                mset(ws, m);
            }
            twalk = true;
            break;
        }
        case 2: { /* del */
            int k = read_key(&in);
            touch = k;
            rc = vcow_tree_deln(t, kp(k, a & 1), keys[k].len);
            if (pre != VCOW_OK) {
                CHECK(rc == pre);
                break;
            }
            int x = mfind(ws, k);
            if (rc == VCOW_ENOMEM) {
                CHECK(fd.armed);
            } else if (x < 0) {
                CHECK(rc == VCOW_ENOENT);
            } else {
                CHECK(rc == VCOW_OK);
                mcut(ws, x, x + 1);
            }
            twalk = true;
            break;
        }
        case 3: { /* del_range */
            int lo = read_key(&in), hi = read_key(&in);
            unsigned flags = a & 31u;
            touch = lo;
            touch2 = hi;
            const void *lp = kp(lo, b & 1), *hp = kp(hi, b & 2);
            size_t ll = keys[lo].len, hl = keys[hi].len;
            if ((flags & NO_LO) && (b & 4)) {
                lp = bigkey;
                ll = KMAX + 1;
            }
            if ((flags & NO_HI) && (b & 8)) {
                hp = NULL;
                hl = KMAX + 7;
            }
            uint64_t deleted = 12345;
            rc = vcow_tree_del_range(t, lp, ll, hp, hl, flags, b & 16 ? NULL : &deleted);
            if (pre != VCOW_OK) {
                CHECK(rc == pre);
                break;
            }
            int from = 0, to = 0;
            int want = model_bounds(ws, lo, hi, flags, &from, &to);
            if (want != VCOW_OK) {
                CHECK(rc == want);
            } else if (rc == VCOW_ENOMEM) {
                CHECK(fd.armed);
            } else {
                CHECK(rc == VCOW_OK);
                CHECK((b & 16) || deleted == (uint64_t)(to - from));
                mcut(ws, from, to);
            }
            twalk = true;
            break;
        }
        case 4: { /* bulk_load: valid, or bad input that changes nothing */
            int start = read_key(&in);
            uint8_t x = next(&in), seed = next(&in);
            int count = x < 160 ? x % 80 : (x - 159) * 44;
            int step = 1 + a % 3, n = 0;
            scratch.n = 0;
            for (int id = start; id < nk && n < count; id += step, n++) {
                vcow_val v;
                struct ment m;
                CHECK(make_val((uint8_t)(seed + n * 13), (uint8_t)((seed >> 4) + n) % 8, &v, &m));
                m.id = (uint16_t)id;
                scratch.e[scratch.n++] = m;
                items[n] = (struct vcow_tree_kv){{keys[id].p, keys[id].len}, v};
            }
            const struct vcow_tree_kv *ip = items;
            bool inval = false;
            int j = n > 1 ? 1 + seed % (n - 1) : 0;
            switch (b % 8) {
            case 4: /* a duplicate key */
                if (n < 2)
                    break;
                items[j].key = items[j - 1].key;
                inval = true;
                break;
            case 5: /* two keys out of order */
                if (n < 2)
                    break;
                {
                    struct vcow_tree_kv tmp = items[j];
                    items[j] = items[j - 1];
                    items[j - 1] = tmp;
                }
                inval = true;
                break;
            case 6: /* a bad entry */
                if (n < 1)
                    break;
                if (a & 8) {
                    struct ment m;
                    CHECK(!make_val(seed, 8, &items[j].val, &m));
                } else {
                    items[j].key = (vcow_slice){a & 16 ? NULL : bigkey, a & 16 ? 3 : KMAX + 1};
                }
                inval = true;
                break;
            case 7: /* nothing: clears; NULL with a count: bad */
                n = a % 3 == 2 ? 3 : 0;
                ip = a % 3 == 1 ? items : NULL;
                inval = n != 0;
                scratch.n = 0;
                break;
            default:
                break;
            }
            rc = vcow_tree_bulk_load(t, ip, (size_t)n);
            touch = start; /* near the first and the last key loaded */
            touch2 = scratch.n > 0 ? scratch.e[scratch.n - 1].id : touch2;
            if (pre != VCOW_OK) {
                CHECK(rc == pre);
                break;
            }
            if (inval) {
                CHECK(rc == VCOW_EINVAL);
            } else if (rc == VCOW_ENOMEM) {
                CHECK(fd.armed);
            } else {
                CHECK(rc == VCOW_OK);
                mcopy(ws, &scratch);
            }
            twalk = true;
            break;
        }
        case 5: { /* a run of sets or deletes on consecutive keys */
            int start = read_key(&in), count = 1 + a % 96;
            touch = start;
            touch2 = start + count < nk ? start + count : nk - 1;
            uint8_t seed = next(&in);
            for (int i = 0, id = start; i < count && id < nk; i++, id++) {
                if (b & 1) {
                    int x = mfind(ws, id);
                    rc = vcow_tree_deln(t, kp(id, true), keys[id].len);
                    if (pre != VCOW_OK) {
                        CHECK(rc == pre);
                        break;
                    }
                    if (rc == VCOW_ENOMEM) {
                        CHECK(fd.armed);
                    } else if (x < 0) {
                        CHECK(rc == VCOW_ENOENT);
                    } else {
                        CHECK(rc == VCOW_OK);
                        mcut(ws, x, x + 1);
                    }
                } else {
                    vcow_val v;
                    struct ment m;
                    CHECK(make_val((uint8_t)(seed + i), (uint8_t)((b >> 1) + i) % 8, &v, &m));
                    rc = vcow_tree_setn(t, kp(id, false), keys[id].len, v);
                    if (pre != VCOW_OK) {
                        CHECK(rc == pre);
                        break;
                    }
                    if (rc == VCOW_ENOMEM) {
                        CHECK(fd.armed);
                    } else {
                        CHECK(rc == VCOW_OK);
                        m.id = (uint16_t)id;
                        mset(ws, m);
                    }
                }
            }
            twalk = pre == VCOW_OK;
            break;
        }
        case 6: { /* reads on a txn: get, len, a range */
            dirty = false;
            int k = read_key(&in), hi = read_key(&in);
            vcow_val v;
            uint64_t u;
            if (pre != VCOW_OK) {
                CHECK(vcow_tree_getn(vcow_txn_view(t), kp(k, true), keys[k].len, &v) ==
                      fuzz_view_pre(pre));
                CHECK(vcow_tree_len(vcow_txn_view(t), &u) == fuzz_view_pre(pre));
                CHECK(vcow_tree_range(vcow_txn_view(t), NULL, 0, NULL, 0, 0, range_cb, NULL) ==
                      fuzz_view_pre(pre));
                CHECK(vcow_tree_check(vcow_txn_view(t)) == fuzz_view_pre(pre));
                CHECK(vcow_tree_set(t, "a", vcow_val_i64(1)) == pre);
                CHECK(vcow_tree_bulk_load(t, NULL, 0) == pre);
                break;
            }
            struct reader r = {NULL, t};
            int x = mfind(ws, k);
            rc = rd_get(r, k, a & 1, &v);
            CHECK(x < 0 ? rc == VCOW_ENOENT : rc == VCOW_OK && val_equal(&v, &ws->e[x]));
            CHECK(rd_len(r, &u) == VCOW_OK && u == (uint64_t)ws->n);
            check_range(r, ws, k, hi, a & 31u, read_stop(&in), b);
            break;
        }
        case 7:   /* point reads on the head or a pin */
        case 8: { /* a range on the head or a pin */
            dirty = false;
            int k = read_key(&in), hi = read_key(&in);
            uint8_t ib = next(&in);
            const vcow_version *v;
            const struct mstate *s;
            vcow_read_lock();
            if (b & 64 || fd.pin[ps] == NULL) {
                v = vcow_cell_head(fd.cell);
                s = &hist[fd.head];
            } else {
                v = fd.pin[ps];
                s = &hist[fd.pin_seq[ps]];
            }
            if (op % 20 == 7)
                check_point(v, s, k, ib, a);
            else
                check_range((struct reader){v, NULL}, s, k, hi, a & 31u, ib < 128 ? 0 : ib - 127,
                            b);
            vcow_read_unlock();
            break;
        }
        case 9: /* commit */
            switch (fuzz_commit(&fd, slot)) {
            case FUZZ_COMMITTED:
                mcopy(&hist[fd.head], ws);
                break;
            case FUZZ_NOMEM:
                twalk = true;
                break;
            default:
                break;
            }
            break;
        case 10: /* abort, or free */
            fuzz_end(&fd, slot, b & 1);
            break;
        case 11: /* pin the head or a seq (maybe unknown); read it in full */
            dirty = false;
            if (fuzz_pin(&fd, ps, a, b))
                check_version_full(fd.pin[ps], &hist[fd.pin_seq[ps]]);
            break;
        case 12: /* unpin */
            dirty = false;
            fuzz_unpin(&fd, ps);
            break;
        case 13: { /* diff and equality of two pins, or of a pin and a copy */
            dirty = false;
            int pa = a % FUZZ_MAXPINS, pb = b % FUZZ_MAXPINS, stop = read_stop(&in);
            uint8_t sel = next(&in);
            if (fd.pin[pa] == NULL || fd.pin[pb] == NULL)
                break;
            const struct mstate *A = &hist[fd.pin_seq[pa]], *B = &hist[fd.pin_seq[pb]];
            if ((sel & 3) == 0 && !fd.armed)
                cross_diff(fd.pin[pa], A, B, stop);
            else
                check_diff(fd.pin[pa], fd.pin[pb], A, B, stop);
            if (sel & 4) { /* the head against a pin */
                vcow_read_lock();
                check_diff(vcow_cell_head(fd.cell), fd.pin[pb], &hist[fd.head], B, 0);
                vcow_read_unlock();
            }
            break;
        }
        case 14: /* structural checks */
            dirty = false;
            vcow_read_lock();
            CHECK(vcow_tree_check(vcow_cell_head(fd.cell)) == VCOW_OK);
            vcow_read_unlock();
            for (int i = 0; i < FUZZ_MAXPINS; i++)
                if (fd.pin[i] != NULL)
                    CHECK(vcow_tree_check(fd.pin[i]) == VCOW_OK);
            for (int i = 0; i < FUZZ_MAXTXN; i++)
                if (fd.txn[i] != NULL)
                    CHECK(vcow_tree_check(vcow_txn_view(fd.txn[i])) ==
                          (fd.open[i] ? VCOW_OK : VCOW_EINVAL));
            break;
        case 15: /* arm or disarm an allocation failure */
            /* the k-th allocation from now: soon, or within a big write */
            fuzz_arm(&fd, b % 4 == 0 ? 0 : b % 4 == 1 ? 1 + (a >> 1) % 8 : 1 + (a >> 1) * 2, a & 1);
            break;
        case 16: /* bad arguments */
            bad_args(fd.cell, t, pre, fd.armed, a, b, ws);
            twalk = pre == VCOW_OK;
            break;
        case 17: { /* cell conveniences: one-op txns */
            int k = read_key(&in);
            uint64_t seq = 0;
            touch = k;
            if (b & 1) {
                vcow_val v;
                struct ment m;
                bool valid = make_val(a, next(&in), &v, &m);
                rc = vcow_tree_cell_setn(fd.cell, kp(k, a & 1), keys[k].len, v, &seq);
                if (rc == VCOW_OK) {
                    CHECK(valid);
                    fuzz_cell_wrote(&fd, seq);
                    mcopy(&hist[fd.head], &hist[fd.head - 1]);
                    m.id = (uint16_t)k;
                    mset(&hist[fd.head], m);
                } else {
                    CHECK((rc == VCOW_ENOMEM && fd.armed) || (rc == VCOW_EINVAL && !valid));
                }
            } else {
                int x = mfind(&hist[fd.head], k);
                rc = vcow_tree_cell_deln(fd.cell, kp(k, a & 1), keys[k].len, &seq);
                if (rc == VCOW_OK) {
                    CHECK(x >= 0);
                    fuzz_cell_wrote(&fd, seq);
                    mcopy(&hist[fd.head], &hist[fd.head - 1]);
                    mcut(&hist[fd.head], x, x + 1);
                } else {
                    CHECK((rc == VCOW_ENOMEM && fd.armed) || (rc == VCOW_ENOENT && x < 0));
                }
            }
            break;
        }
        default: /* case 18: a txn read in full */
            dirty = false;
            if (pre == VCOW_OK)
                check_txn_full(t, ws);
            break;
        }
        if (twalk && fd.txn[slot] != NULL && fd.open[slot])
            check_some((struct reader){NULL, fd.txn[slot]}, ws, touch, touch2);
        /* The head and every pin read what the model says. */
        vcow_read_lock();
        const vcow_version *h = vcow_cell_head(fd.cell);
        CHECK(vcow_version_seq(h) == fd.head);
        if (dirty)
            check_some((struct reader){h, NULL}, &hist[fd.head], touch, touch2);
        vcow_read_unlock();
        for (int i = 0; dirty && i < FUZZ_MAXPINS; i++) {
            if (fd.pin[i] == NULL)
                continue;
            bool seen = false;
            for (int j = 0; j < i; j++)
                seen |= fd.pin[j] == fd.pin[i];
            CHECK(vcow_version_seq(fd.pin[i]) == fd.pin_seq[i]);
            if (!seen)
                check_some((struct reader){fd.pin[i], NULL}, &hist[fd.pin_seq[i]], touch, touch2);
        }
    }
    /* Everything still open reads what the model says, in full. */
    vcow_read_lock();
    check_walk((struct reader){vcow_cell_head(fd.cell), NULL}, &hist[fd.head]);
    vcow_read_unlock();
    for (int i = 0; i < FUZZ_MAXPINS; i++)
        if (fd.pin[i] != NULL)
            check_walk((struct reader){fd.pin[i], NULL}, &hist[fd.pin_seq[i]]);
    for (int i = 0; i < FUZZ_MAXTXN; i++)
        if (fd.txn[i] != NULL && fd.open[i])
            check_walk((struct reader){NULL, fd.txn[i]}, &work[i]);
    fuzz_close(&fd);
    return 0;
}
