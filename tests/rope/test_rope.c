/*
 * tests/rope/test_rope.c - the rope: units, lines, bad input, iteration and
 * slices, diff, allocation failure, a differential test against a flat
 * byte array, and a 64 MB rope.
 *
 *   test_rope basic|units|lines|badinput|iter|diff|oom
 *   test_rope model <seeds> <ops per seed>
 *   test_rope big <MB> <edits>
 */
#include <limits.h>
#include <vcow/rope.h>

#include "tests/rope/model.h"
#include "tests/test.h"

/* ---- basic ---- */

static void test_basic(void)
{
    vcow_cell *c = open_rope(false);
    vcow_txn *t;
    CHECK_OK(vcow_txn_begin(c, &t));
    expect_txn(t, "", 0);
    ins(t, VCOW_ROPE_BYTES, 0, "hello");
    CHECK_OK(vcow_rope_append(t, " world", 6));
    ins(t, VCOW_ROPE_CHARS, 5, ",");
    expect_txn(t, "hello, world", 12);
    CHECK_OK(vcow_rope_delete(t, VCOW_ROPE_CHARS, 0, 7));
    expect_txn(t, "world", 5);
    CHECK_OK(vcow_txn_commit(t));
    vcow_txn_free(t);

    /* 2-, 3- and 4-byte sequences: a é € 😀 b */
    const char *mb = "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"
                     "b";
    CHECK_OK(vcow_txn_begin(c, &t));
    CHECK_OK(vcow_rope_delete(t, VCOW_ROPE_BYTES, 0, 5));
    ins(t, VCOW_ROPE_BYTES, 0, mb);
    CHECK_OK(vcow_txn_commit(t));
    vcow_txn_free(t);
    vcow_read_lock();
    const vcow_version *v = vcow_cell_head(c);
    struct vcow_rope_metrics l;
    CHECK_OK(vcow_rope_len(v, &l));
    CHECK_EQ_INT(l.bytes, 11);
    CHECK_EQ_INT(l.chars, 5);
    CHECK_EQ_INT(l.utf16, 6);
    CHECK_EQ_INT(l.lines, 1);
    uint64_t out;
    CHECK_OK(vcow_rope_convert(v, VCOW_ROPE_CHARS, 3, VCOW_ROPE_BYTES, &out));
    CHECK_EQ_INT(out, 6);
    CHECK_OK(vcow_rope_convert(v, VCOW_ROPE_CHARS, 4, VCOW_ROPE_UTF16, &out));
    CHECK_EQ_INT(out, 5);
    CHECK_RC(vcow_rope_convert(v, VCOW_ROPE_UTF16, 4, VCOW_ROPE_BYTES, &out), VCOW_ERANGE);
    CHECK_RC(vcow_rope_convert(v, VCOW_ROPE_BYTES, 2, VCOW_ROPE_CHARS, &out), VCOW_ERANGE);
    check_units(v, mb, 11, 1);
    char buf[16];
    size_t n;
    CHECK_OK(vcow_rope_copy(v, VCOW_ROPE_CHARS, 1, 3, buf, &n));
    CHECK_EQ_INT(n, 5);
    CHECK(memcmp(buf, "\xC3\xA9\xE2\x82\xAC", 5) == 0);
    vcow_read_unlock();

    /* Delete the 4-byte one by code point and by UTF-16 units. */
    CHECK_OK(vcow_txn_begin(c, &t));
    CHECK_OK(vcow_rope_delete(t, VCOW_ROPE_CHARS, 3, 1));
    expect_txn(t,
               "a\xC3\xA9\xE2\x82\xAC"
               "b",
               7);
    ins(t, VCOW_ROPE_UTF16, 3, "\xF0\x9F\x98\x80");
    CHECK_OK(vcow_rope_delete(t, VCOW_ROPE_UTF16, 3, 2));
    expect_txn(t,
               "a\xC3\xA9\xE2\x82\xAC"
               "b",
               7);
    CHECK_RC(vcow_rope_delete(t, VCOW_ROPE_BYTES, 1, 1), VCOW_ERANGE);
    CHECK_OK(vcow_txn_commit(t));
    vcow_txn_free(t);

    /* Cell conveniences. */
    uint64_t seq;
    CHECK_OK(vcow_rope_cell_insert(c, VCOW_ROPE_CHARS, 4, "!", 1, &seq));
    CHECK_OK(vcow_rope_cell_delete(c, VCOW_ROPE_CHARS, 0, 1, &seq));
    vcow_read_lock();
    expect_version(vcow_cell_head(c),
                   "\xC3\xA9\xE2\x82\xAC"
                   "b!",
                   7);
    vcow_read_unlock();
    CHECK_OK(vcow_cell_close(c));
    test_check_all_freed();
}

static void test_units(void)
{
    unsigned long long rs = 42;
    vcow_cell *c = open_rope(false);
    struct model m = {0};
    char tmp[4096];
    for (int round = 0; round < 6; round++) {
        vcow_txn *t;
        CHECK_OK(vcow_txn_begin(c, &t));
        for (int i = 0; i < 400; i++) {
            size_t n = rand_text(&rs, tmp, 300);
            size_t pos = (size_t)(test_rand(&rs) % (m.len + 1));
            while (pos < m.len && is_cont((unsigned char)m.b[pos]))
                pos--;
            CHECK_OK(vcow_rope_insert(t, VCOW_ROPE_BYTES, pos, tmp, n));
            model_insert(&m, pos, tmp, n);
        }
        CHECK_OK(vcow_txn_commit(t));
        vcow_txn_free(t);
        vcow_read_lock();
        expect_version(vcow_cell_head(c), m.b, m.len);
        check_units(vcow_cell_head(c), m.b, m.len, round == 5 ? 1 : 7);
        vcow_read_unlock();
    }
    free(m.b);
    CHECK_OK(vcow_cell_close(c));
    test_check_all_freed();
}

/* CRLF, lone CR, CR and LF split across chunks. */
static void test_lines(void)
{
    vcow_cell *c = open_rope(false);
    vcow_txn *t;
    CHECK_OK(vcow_txn_begin(c, &t));
    ins(t, VCOW_ROPE_BYTES, 0, "a\r\nb\rc\nd");
    CHECK_OK(vcow_txn_commit(t));
    vcow_txn_free(t);
    vcow_read_lock();
    const vcow_version *v = vcow_cell_head(c);
    struct vcow_rope_metrics l;
    CHECK_OK(vcow_rope_len(v, &l));
    CHECK_EQ_INT(l.lines, 4);
    uint64_t pos, ln, col;
    CHECK_OK(vcow_rope_line_start(v, 1, VCOW_ROPE_BYTES, &pos));
    CHECK_EQ_INT(pos, 3);
    CHECK_OK(vcow_rope_line_start(v, 2, VCOW_ROPE_BYTES, &pos));
    CHECK_EQ_INT(pos, 5);
    CHECK_OK(vcow_rope_line_start(v, 3, VCOW_ROPE_BYTES, &pos));
    CHECK_EQ_INT(pos, 7);
    CHECK_OK(vcow_rope_line_of(v, VCOW_ROPE_BYTES, 2, &ln, &col)); /* between CR and LF */
    CHECK_EQ_INT(ln, 0);
    CHECK_EQ_INT(col, 2);
    CHECK_OK(vcow_rope_line_of(v, VCOW_ROPE_BYTES, 8, &ln, &col));
    CHECK_EQ_INT(ln, 3);
    CHECK_EQ_INT(col, 1);
    check_units(v, "a\r\nb\rc\nd", 8, 1);
    vcow_read_unlock();

    /* Long lines of CR and LF at every offset, so that pairs straddle chunk
     * boundaries; then edits that make and break pairs at those seams. */
    struct model m = {0};
    unsigned long long rs = 7;
    CHECK_OK(vcow_txn_begin(c, &t));
    CHECK_OK(vcow_rope_delete(t, VCOW_ROPE_BYTES, 0, 8));
    for (int i = 0; i < 20000; i++) {
        const char *s = (test_rand(&rs) & 1) ? "\r" : (test_rand(&rs) & 1) ? "\n" : "q";
        size_t at = m.len;
        if (test_rand(&rs) % 4 == 0)
            at = (size_t)(test_rand(&rs) % (m.len + 1));
        ins(t, VCOW_ROPE_BYTES, at, s);
        model_insert(&m, at, s, 1);
        if (i % 5 == 0 && m.len > 2) {
            size_t d = (size_t)(test_rand(&rs) % (m.len - 1));
            CHECK_OK(vcow_rope_delete(t, VCOW_ROPE_BYTES, d, 1));
            model_delete(&m, d, 1);
        }
        if (i % 2500 == 0) {
            CHECK_OK(vcow_txn_commit(t));
            vcow_txn_free(t);
            CHECK_OK(vcow_txn_begin(c, &t));
        }
    }
    CHECK_OK(vcow_txn_commit(t));
    vcow_txn_free(t);
    vcow_read_lock();
    expect_version(vcow_cell_head(c), m.b, m.len);
    check_units(vcow_cell_head(c), m.b, m.len, 1);
    vcow_read_unlock();
    free(m.b);
    CHECK_OK(vcow_cell_close(c));
    test_check_all_freed();
}

static void test_badinput(void)
{
    /* NULL iterator or slice: an error, not a crash (UBSan caught a NULL
     * dereference here); the iterator is left empty. */
    vcow_rope_iter it;
    vcow_slice chunk;
    CHECK_RC(vcow_rope_iter_init(NULL, NULL), VCOW_EINVAL);
    CHECK_RC(vcow_rope_iter_init(&it, NULL), VCOW_EINVAL);
    CHECK(!vcow_rope_iter_next(&it, &chunk));
    CHECK(!vcow_rope_iter_next(NULL, &chunk));

    vcow_cell *c = open_rope(false), *box;
    vcow_txn *t;
    CHECK_OK(vcow_txn_begin(c, &t));
    ins(t, VCOW_ROPE_BYTES, 0, "a\xC3\xA9z");
    static const char *const bad[] = {"\xC0\x80",         "\xED\xA0\x80", "\xE2\x82",
                                      "\xF5\x80\x80\x80", "\x80",         "\xF4\x90\x80\x80",
                                      "\xE0\x80\xAF",     "\xFF"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        CHECK_RC(vcow_rope_insert(t, VCOW_ROPE_BYTES, 0, bad[i], strlen(bad[i])), VCOW_EINVAL);
    CHECK_RC(vcow_rope_insert(t, VCOW_ROPE_BYTES, 2, "x", 1), VCOW_ERANGE); /* inside é */
    CHECK_RC(vcow_rope_insert(t, VCOW_ROPE_BYTES, 5, "x", 1), VCOW_ERANGE);
    CHECK_RC(vcow_rope_insert(t, VCOW_ROPE_CHARS, 4, "x", 1), VCOW_ERANGE);
    CHECK_RC(vcow_rope_insert(t, (enum vcow_rope_unit)9, 0, "x", 1), VCOW_EINVAL);
    CHECK_RC(vcow_rope_insert(t, VCOW_ROPE_BYTES, 0, NULL, 1), VCOW_EINVAL);
    CHECK_RC(vcow_rope_insert(NULL, VCOW_ROPE_BYTES, 0, "x", 1), VCOW_EINVAL);
    CHECK_RC(vcow_rope_delete(t, VCOW_ROPE_CHARS, 1, 5), VCOW_ERANGE);
    CHECK_RC(vcow_rope_delete(t, VCOW_ROPE_BYTES, 0, UINT64_MAX), VCOW_ERANGE);
    CHECK_OK(vcow_rope_insert(t, VCOW_ROPE_BYTES, 0, NULL, 0));
    expect_txn(t, "a\xC3\xA9z", 4);
    CHECK_OK(vcow_txn_commit(t));
    CHECK_RC(vcow_rope_insert(t, VCOW_ROPE_BYTES, 0, "x", 1), VCOW_ESTATE);
    vcow_txn_free(t);
    CHECK_OK(vcow_cell_open(VCOW_KIND_BOX, NULL, &box));
    CHECK_OK(vcow_txn_begin(box, &t));
    CHECK_RC(vcow_rope_insert(t, VCOW_ROPE_BYTES, 0, "x", 1), VCOW_EINVAL);
    vcow_txn_free(t);
    CHECK_RC(vcow_rope_cell_insert(box, VCOW_ROPE_BYTES, 0, "x", 1, NULL), VCOW_EINVAL);
    vcow_read_lock();
    struct vcow_rope_metrics l;
    CHECK_RC(vcow_rope_len(vcow_cell_head(box), &l), VCOW_EINVAL);
    CHECK_RC(vcow_rope_len(NULL, &l), VCOW_EINVAL);
    const vcow_version *v = vcow_cell_head(c);
    uint64_t out;
    CHECK_RC(vcow_rope_convert(v, VCOW_ROPE_BYTES, 0, (enum vcow_rope_unit)5, &out), VCOW_EINVAL);
    char buf[8];
    CHECK_RC(vcow_rope_copy(v, VCOW_ROPE_BYTES, 3, 1, buf, NULL), VCOW_ERANGE);
    vcow_rope_slice s;
    CHECK_RC(vcow_rope_slice_of(v, VCOW_ROPE_BYTES, 0, 9, &s), VCOW_ERANGE);
    vcow_read_unlock();
    CHECK_OK(vcow_cell_close(box));
    CHECK_OK(vcow_cell_close(c));
    test_check_all_freed();
}

/* Chunk iteration and slices; slices stay valid while pinned. */
static void test_iter(void)
{
    vcow_cell *c = open_rope(false);
    struct model m = {0};
    unsigned long long rs = 3;
    char tmp[4096];
    vcow_txn *t;
    CHECK_OK(vcow_txn_begin(c, &t));
    while (m.len < 100000) {
        size_t n = rand_text(&rs, tmp, 500);
        CHECK_OK(vcow_rope_append(t, tmp, n));
        model_insert(&m, m.len, tmp, n);
    }
    CHECK_OK(vcow_txn_commit(t));
    vcow_txn_free(t);
    vcow_version *pin;
    CHECK_OK(vcow_cell_pin_head(c, &pin));
    /* Change the head; the pinned version and its slices must not move. */
    CHECK_OK(vcow_rope_cell_delete(c, VCOW_ROPE_BYTES, 0, 50000, NULL));
    char *buf = malloc(m.len);
    for (int i = 0; i < 200; i++) {
        uint64_t a = test_rand(&rs) % (m.len + 1), b = test_rand(&rs) % (m.len + 1);
        if (a > b) {
            uint64_t x = a;
            a = b;
            b = x;
        }
        while (a < m.len && is_cont((unsigned char)m.b[a]))
            a--;
        while (b < m.len && is_cont((unsigned char)m.b[b]))
            b--;
        vcow_rope_slice s;
        CHECK_OK(vcow_rope_slice_of(pin, VCOW_ROPE_BYTES, a, b, &s));
        CHECK_OK(vcow_rope_slice_copy(&s, buf));
        CHECK(memcmp(buf, m.b + a, b - a) == 0);
        vcow_rope_iter it;
        vcow_slice ch;
        size_t at = a;
        vcow_rope_iter_init(&it, &s);
        while (vcow_rope_iter_next(&it, &ch)) {
            CHECK(ch.len > 0);
            CHECK(memcmp(ch.ptr, m.b + at, ch.len) == 0);
            at += ch.len;
        }
        CHECK_EQ_INT(at, b);
    }
    free(buf);
    vcow_version_unpin(pin);
    free(m.b);
    CHECK_OK(vcow_cell_close(c));
    test_check_all_freed();
}

/* ---- diff ---- */

static void test_diff(void)
{
    vcow_cell *c = open_rope(true);
    unsigned long long rs = 11;
    char tmp[4096];
    vcow_txn *t;
    CHECK_OK(vcow_txn_begin(c, &t));
    for (size_t len = 0; len < 300000;) {
        size_t n = rand_text(&rs, tmp, 500);
        CHECK_OK(vcow_rope_append(t, tmp, n));
        len += n;
    }
    CHECK_OK(vcow_txn_commit(t));
    vcow_txn_free(t);
    /* Versions 2..41: small edits; diff against version 1 and neighbours. */
    for (int i = 0; i < 40; i++) {
        CHECK_OK(vcow_txn_begin(c, &t));
        struct vcow_rope_metrics l;
        CHECK_OK(vcow_rope_len(vcow_txn_view(t), &l));
        uint64_t pos = test_rand(&rs) % l.chars;
        if (i % 3 == 0)
            CHECK_OK(vcow_rope_delete(t, VCOW_ROPE_CHARS, pos, 1 + test_rand(&rs) % 30));
        else
            CHECK_OK(vcow_rope_insert(t, VCOW_ROPE_CHARS, pos, tmp, rand_text(&rs, tmp, 20)));
        if (i == 20) /* and a big one */
            CHECK_OK(vcow_rope_delete(t, VCOW_ROPE_CHARS, 1000, 50000));
        if (i == 30) /* and a move */
            CHECK_OK(vcow_rope_move(t, VCOW_ROPE_CHARS, 2000, 60000, 100000));
        CHECK_OK(vcow_txn_commit(t));
        vcow_txn_free(t);
    }
    vcow_version *v1, *va, *vb;
    CHECK_OK(vcow_cell_pin_at(c, 1, &v1));
    for (uint64_t s = 2; s <= 41; s++) {
        CHECK_OK(vcow_cell_pin_at(c, s - 1, &va));
        CHECK_OK(vcow_cell_pin_at(c, s, &vb));
        uint64_t changed = check_diff(va, vb);
        if (s != 22 && s != 32)
            CHECK(changed < 8 * 1024); /* a few chunks, not 300 KB */
        check_diff(v1, vb);
        check_diff(vb, v1);
        vcow_version_unpin(va);
        vcow_version_unpin(vb);
    }
    check_diff(v1, v1);
    vcow_version_unpin(v1);
    /* Against the empty version 0. */
    CHECK_OK(vcow_cell_pin_at(c, 0, &va));
    CHECK_OK(vcow_cell_pin_at(c, 41, &vb));
    check_diff(va, vb);
    check_diff(vb, va);
    vcow_version_unpin(va);
    vcow_version_unpin(vb);
    CHECK_OK(vcow_cell_close(c));
    test_check_all_freed();
}

/* ---- allocation failure ---- */

/* A fixed script; returns how many calls failed. */
static int scripted(void)
{
    int failures = 0;
    vcow_cell *c;
    struct vcow_cell_opts o = {0};
    o.size = sizeof(o);
    o.history = true;
    if (vcow_cell_open(VCOW_KIND_ROPE, &o, &c) != VCOW_OK)
        return 1;
    static char big[5000];
    for (size_t i = 0; i < sizeof(big); i++)
        big[i] = (char)('a' + i % 26);
    struct model m = {0};
    model_insert(&m, 0, "", 0);
    /*
     * History is on, so the small edits that open each round (on the
     * published head) are delta nodes: pushed, folded (11 after 10, the
     * delete over both), then materialised by the long insert. Rounds 4
     * to 6 are small edits only, committed as a chain: round 5 passes
     * ROPE_DELTA_CHAIN and materialises there; round 6 defragments one.
     */
    for (int round = 0; round < 7; round++) {
        vcow_txn *t;
        if (vcow_txn_begin(c, &t) != VCOW_OK) {
            failures++;
            continue;
        }
        struct {
            int del;
            uint64_t pos, n;
        } ops[] = {{1, 50, 10},  {0, 10, 1},      {0, 11, 1},    {1, 700, 3},     {1, 9, 2},
                   {0, 0, 3000}, {0, 100, 700},   {1, 50, 10},   {0, 1200, 5000}, {1, 0, 2000},
                   {0, 10, 1},   {1, 3000, 3000}, {0, 999, 400}, {1, 5, 900},     {2, 30, 2500}};
        size_t nops = sizeof(ops) / sizeof(ops[0]);
        if (round >= 4)
            nops = round == 6 ? 5 : 20;
        for (size_t k = 0; k < nops; k++) {
            uint64_t pos = ops[k % 15].pos % (m.len + 1), n = ops[k % 15].n;
            int kind = ops[k % 15].del; /* 0 insert, 1 delete, 2 move */
            if (round >= 4) {           /* scattered small edits */
                pos = (k * 337 + (uint64_t)round * 101) % (m.len + 1);
                n = 1 + k % 3;
                kind = k % 4 == 3;
            }
            int rc;
            if (kind == 2) {
                /* move [pos, pos + n) to the start */
                if (pos + n > m.len)
                    n = m.len - pos;
                rc = vcow_rope_move(t, VCOW_ROPE_BYTES, pos, n, 0);
                if (rc == VCOW_OK && n > 0) {
                    char *cut = malloc(n);
                    memcpy(cut, m.b + pos, n);
                    model_delete(&m, pos, n);
                    model_insert(&m, 0, cut, n);
                    free(cut);
                }
            } else if (kind == 1) {
                if (pos + n > m.len)
                    n = m.len - pos;
                rc = vcow_rope_delete(t, VCOW_ROPE_BYTES, pos, n);
                if (rc == VCOW_OK)
                    model_delete(&m, pos, n);
            } else {
                rc = vcow_rope_insert(t, VCOW_ROPE_BYTES, pos, big, n);
                if (rc == VCOW_OK)
                    model_insert(&m, pos, big, n);
            }
            if (rc != VCOW_OK) {
                CHECK_EQ_INT(rc, VCOW_ENOMEM);
                failures++;
            }
            /* Failed or not, the txn holds exactly the model's text. */
            expect_txn(t, m.b, m.len);
        }
        if (round == 2 || round == 6) {
            int rc = vcow_rope_defrag(t);
            if (rc != VCOW_OK) {
                CHECK_EQ_INT(rc, VCOW_ENOMEM);
                failures++;
            }
            expect_txn(t, m.b, m.len);
        }
        int rc = vcow_txn_commit(t);
        if (rc != VCOW_OK) {
            failures++;
            /* not committed: the model goes back to the head */
            vcow_txn_free(t);
            vcow_read_lock();
            size_t n;
            char *h = text_of(vcow_cell_head(c), &n);
            vcow_read_unlock();
            free(m.b);
            m.b = h;
            m.len = m.cap = n;
            continue;
        }
        vcow_txn_free(t);
    }
    free(m.b);
    while (vcow_cell_close(c) != VCOW_OK)
        ;
    return failures;
}

static void test_oom(void)
{
    /* Count the script's allocations, then fail each of them in turn. */
    vcow_debug_fail_alloc(LONG_MAX, false);
    CHECK_EQ_INT(scripted(), 0);
    long total = (long)vcow_debug_alloc_count();
    vcow_debug_fail_alloc(0, false);
    test_check_all_freed();
    long failed_runs = 0;
    for (long k = 1; k <= total + 1; k++) {
        vcow_debug_fail_alloc(k, false);
        failed_runs += scripted() > 0;
        vcow_debug_fail_alloc(0, false);
        test_check_all_freed();
    }
    /* Persistent failure from some point on: every call fails cleanly. */
    for (long k = 1; k < total; k += 1 + total / 20) {
        vcow_debug_fail_alloc(k, true);
        scripted();
        vcow_debug_fail_alloc(0, false);
        test_check_all_freed();
    }
    printf("oom: failed each of %ld allocations in turn (%ld runs saw a failure)\n", total,
           failed_runs);
    CHECK(failed_runs > 0);
}

/* ---- differential test against a flat byte array ---- */

static size_t snap(const struct model *m, size_t pos)
{
    while (pos < m->len && is_cont((unsigned char)m->b[pos]))
        pos--;
    return pos;
}

/* A random edit position as (unit, position in unit, byte position). */
static void rand_pos(unsigned long long *rs, const struct model *m, enum vcow_rope_unit *u,
                     uint64_t *upos, size_t *bpos)
{
    *bpos = snap(m, (size_t)(test_rand(rs) % (m->len + 1)));
    *u = VCOW_ROPE_BYTES;
    *upos = *bpos;
    if (test_rand(rs) % 8 == 0) { /* sometimes code points or UTF-16 (an O(n) scan here) */
        *u = test_rand(rs) & 1 ? VCOW_ROPE_CHARS : VCOW_ROPE_UTF16;
        *upos = units(m->b, *bpos, *u);
    }
}

/*
 * History seeds: after each commit, the version made 8 commits ago against
 * its snapshot (snapshots are kept in a ring), and, every fourth commit,
 * random probes of every read on the new head (a delta chain of some
 * depth, or a tree), or a diff between the two.
 */
#define HIST_RING 16
struct hist {
    struct model v[HIST_RING];
    uint64_t seq[HIST_RING];
    unsigned long commits;
};

static void same_text(const vcow_version *v, const struct model *m)
{
    struct vcow_rope_metrics l;
    CHECK_OK(vcow_rope_len(v, &l));
    CHECK_EQ_INT(l.bytes, m->len);
    char *buf = malloc(m->len + 1);
    size_t n;
    CHECK_OK(vcow_rope_copy(v, VCOW_ROPE_BYTES, 0, m->len, buf, &n));
    CHECK(m->len == 0 || memcmp(buf, m->b, m->len) == 0);
    free(buf);
}

static void hist_commit(vcow_cell *c, const struct model *m, struct hist *h, unsigned long long *rs)
{
    vcow_version *head, *old;
    CHECK_OK(vcow_cell_pin_head(c, &head));
    uint64_t seq = vcow_version_seq(head);
    unsigned phase = h->commits % 4;
    if (phase == 0)
        check_reads(head, m->b, m->len, rs, 8);
    if (h->commits++ % 64 == 0)
        CHECK_OK(vcow_rope_check(head));
    struct model *sn = &h->v[seq % HIST_RING];
    sn->len = 0;
    model_insert(sn, 0, m->b, m->len);
    h->seq[seq % HIST_RING] = seq;
    uint64_t back = seq - 8;
    if (seq >= 8 && h->seq[back % HIST_RING] == back &&
        vcow_cell_pin_at(c, back, &old) == VCOW_OK) {
        same_text(old, &h->v[back % HIST_RING]);
        if (phase == 2)
            check_diff(old, head);
        vcow_version_unpin(old);
    }
    vcow_version_unpin(head);
}

static void hist_free(struct hist *h)
{
    for (int i = 0; i < HIST_RING; i++)
        free(h->v[i].b);
}

static void test_model(unsigned seeds, unsigned long ops)
{
    char tmp[8192];
    unsigned long total = 0;
    for (unsigned seed = 1; seed <= seeds; seed++) {
        unsigned long long rs = seed * 0x9E3779B97F4A7C15ull;
        size_t target = seed % 4 == 0 ? 60000 : seed % 4 == 1 ? 600 : seed % 4 == 2 ? 5000 : 20000;
        /* Odd seeds: no history. Even: history, where small edits are
         * delta nodes (chains up to the bound, folded, materialised),
         * except seed 2 (rope_no_deltas); seed 6 keeps the last 50. */
        bool history = seed % 2 == 0;
        vcow_cell *c = open_rope_opts(history, seed == 2, seed == 6 ? 50 : 0);
        struct hist h;
        memset(&h, 0, sizeof(h));
        memset(h.seq, 0xFF, sizeof(h.seq));
        struct model m = {0}, pm = {0};
        vcow_version *pin = NULL;
        vcow_txn *t;
        CHECK_OK(vcow_txn_begin(c, &t));
        for (unsigned long i = 0; i < ops; i++, total++) {
            unsigned r = (unsigned)(test_rand(&rs) % 100);
            enum vcow_rope_unit u;
            uint64_t upos;
            size_t pos;
            rand_pos(&rs, &m, &u, &upos, &pos);
            if (r < (m.len < target ? 55u : 40u)) {
                size_t n =
                    test_rand(&rs) % 32 == 0 ? rand_text(&rs, tmp, 1500) : rand_text(&rs, tmp, 4);
                CHECK_OK(vcow_rope_insert(t, u, upos, tmp, n));
                model_insert(&m, pos, tmp, n);
            } else if (r < 87) {
                size_t end = snap(&m, pos + (test_rand(&rs) % 64 == 0 ? test_rand(&rs) % 8000
                                                                      : test_rand(&rs) % 8));
                if (end > m.len)
                    end = m.len;
                uint64_t ulen = u == VCOW_ROPE_BYTES ? end - pos : units(m.b + pos, end - pos, u);
                CHECK_OK(vcow_rope_delete(t, u, upos, ulen));
                model_delete(&m, pos, end - pos);
            } else if (r < 90) {
                /* move a range (split + join) in bytes or code points */
                size_t end = snap(&m, pos + test_rand(&rs) % (m.len / 2 + 1));
                if (end > m.len)
                    end = m.len;
                size_t to = snap(&m, (size_t)(test_rand(&rs) % (m.len + 1)));
                if (to > pos && to < end)
                    to = end;
                bool cps = test_rand(&rs) & 1;
                enum vcow_rope_unit mu = cps ? VCOW_ROPE_CHARS : VCOW_ROPE_BYTES;
                uint64_t f = cps ? units(m.b, pos, mu) : pos;
                uint64_t l = cps ? units(m.b + pos, end - pos, mu) : end - pos;
                uint64_t d = cps ? units(m.b, to, mu) : to;
                CHECK_OK(vcow_rope_move(t, mu, f, l, d));
                size_t n = end - pos;
                if (n > 0) {
                    char *cut = malloc(n);
                    memcpy(cut, m.b + pos, n);
                    model_delete(&m, pos, n);
                    model_insert(&m, to <= pos ? to : to - n, cut, n);
                    free(cut);
                }
            } else if (r < 96) {
                /* a copy of a random range */
                size_t end = snap(&m, pos + test_rand(&rs) % 3000);
                if (end > m.len)
                    end = m.len;
                size_t n;
                CHECK_OK(vcow_rope_copy(vcow_txn_view(t), VCOW_ROPE_BYTES, pos, end, tmp, &n));
                CHECK_EQ_INT(n, end - pos);
                CHECK(n == 0 || memcmp(tmp, m.b + pos, n) == 0);
            } else if (r < 99) {
                CHECK_OK(vcow_txn_commit(t));
                vcow_txn_free(t);
                if (history)
                    hist_commit(c, &m, &h, &rs);
                if (test_rand(&rs) % 4 == 0) {
                    /* keep this version pinned for a while: it must not move */
                    if (pin != NULL) {
                        vcow_read_lock();
                        vcow_version_unpin(pin);
                        vcow_read_unlock();
                    }
                    CHECK_OK(vcow_cell_pin_head(c, &pin));
                    pm.len = 0;
                    model_insert(&pm, 0, m.b, m.len);
                }
                CHECK_OK(vcow_txn_begin(c, &t));
            } else if (test_rand(&rs) % 8 == 0) {
                CHECK_OK(vcow_rope_defrag(t));
            }
            if (i % 512 == 0) {
                expect_txn(t, m.b, m.len);
                if (pin != NULL) {
                    expect_version(pin, pm.b, pm.len);
                    /* slices of the pinned version */
                    size_t a = snap(&pm, (size_t)(test_rand(&rs) % (pm.len + 1)));
                    vcow_rope_slice sl;
                    CHECK_OK(vcow_rope_slice_of(pin, VCOW_ROPE_BYTES, a, pm.len, &sl));
                    vcow_rope_iter it;
                    vcow_slice ch;
                    vcow_rope_iter_init(&it, &sl);
                    while (vcow_rope_iter_next(&it, &ch)) {
                        CHECK(memcmp(ch.ptr, pm.b + a, ch.len) == 0);
                        a += ch.len;
                    }
                    CHECK_EQ_INT(a, pm.len);
                }
            }
        }
        expect_txn(t, m.b, m.len);
        CHECK_OK(vcow_txn_commit(t));
        vcow_txn_free(t);
        vcow_read_lock();
        check_units(vcow_cell_head(c), m.b, m.len, 13);
        vcow_read_unlock();
        if (pin != NULL)
            vcow_version_unpin(pin);
        hist_free(&h);
        free(m.b);
        free(pm.b);
        CHECK_OK(vcow_cell_close(c));
        test_check_all_freed();
    }
    printf("model: %lu ops over %u seeds\n", total, seeds);
}

/* ---- a 64 MB rope ---- */

static int64_t rope_bytes_live(void)
{
    struct vcow_mem_stats s;
    CHECK_OK(vcow_mem_get_stats(VCOW_MEM_ROPE, &s));
    return s.bytes;
}

/* Wait until the reclaimer is done: it frees a huge subtree in budgeted
 * slices, each deferred again, so one barrier may not be enough. */
static void settle(void)
{
    int64_t last = -1;
    for (int i = 0; i < 1000; i++) {
        CHECK_OK(vcow_gc_barrier());
        int64_t now = rope_bytes_live();
        if (now == last)
            return;
        last = now;
    }
}

static void test_big(unsigned mb, unsigned long edits)
{
    size_t size = (size_t)mb << 20;
    char *blk = malloc(1 << 20);
    unsigned long long rs = 99;
    for (size_t i = 0; i < (1 << 20); i++) {
        unsigned r = (unsigned)(test_rand(&rs) % 64);
        blk[i] = r == 0 ? '\n' : (char)('a' + r % 26);
    }
    vcow_cell *c = open_rope(false);
    vcow_txn *t;
    double t0 = test_now();
    CHECK_OK(vcow_txn_begin(c, &t));
    for (size_t done = 0; done < size; done += 1 << 20)
        CHECK_OK(vcow_rope_append(t, blk, 1 << 20));
    CHECK_OK(vcow_txn_commit(t));
    vcow_txn_free(t);
    printf("big: %u MB built in %.0f ms, %lld rope bytes (%.2f%% over the text)\n", mb,
           (test_now() - t0) * 1e3, (long long)rope_bytes_live(),
           100.0 * ((double)rope_bytes_live() / (double)size - 1));
    settle();

    /* 10 bytes into the middle: what the commit allocates is the copy (the
     * pin keeps the replaced nodes alive, so live bytes only grow). */
    for (int k = 0; k < 5; k++) {
        vcow_version *pin;
        CHECK_OK(vcow_cell_pin_head(c, &pin));
        int64_t before = rope_bytes_live();
        uint64_t pos = size / 2 + (uint64_t)k * 12345;
        CHECK_OK(vcow_rope_cell_insert(c, VCOW_ROPE_BYTES, pos, "0123456789", 10, NULL));
        int64_t copied = rope_bytes_live() - before;
        printf("big: 10-byte insert in the middle copied %lld bytes\n", (long long)copied);
        CHECK(copied > 0 && copied < 4096);
        vcow_version_unpin(pin);
    }

    /* 10^5 random edits over a few txns, then defragment. */
    t0 = test_now();
    int64_t len = (int64_t)size + 50;
    for (unsigned long i = 0; i < edits;) {
        CHECK_OK(vcow_txn_begin(c, &t));
        for (unsigned long j = 0; j < 10000 && i < edits; j++, i++) {
            uint64_t pos = test_rand(&rs) % (uint64_t)(len - 20);
            if (test_rand(&rs) & 1) {
                size_t n = 1 + test_rand(&rs) % 10;
                CHECK_OK(vcow_rope_insert(t, VCOW_ROPE_BYTES, pos, blk + i % 1000, n));
                len += (int64_t)n;
            } else {
                uint64_t n = 1 + test_rand(&rs) % 10;
                CHECK_OK(vcow_rope_delete(t, VCOW_ROPE_BYTES, pos, n));
                len -= (int64_t)n;
            }
        }
        CHECK_OK(vcow_txn_commit(t));
        vcow_txn_free(t);
    }
    double dt = test_now() - t0;
    settle();
    int64_t frag = rope_bytes_live();
    CHECK_OK(vcow_txn_begin(c, &t));
    t0 = test_now();
    CHECK_OK(vcow_rope_defrag(t));
    double dd = test_now() - t0;
    CHECK_OK(vcow_rope_check(vcow_txn_view(t)));
    CHECK_OK(vcow_txn_commit(t));
    vcow_txn_free(t);
    settle();
    int64_t live = rope_bytes_live();
    printf("big: %lu edits in %.0f ms; rope bytes %lld before defrag, %lld after (%.0f ms): "
           "%.2f%% over the text\n",
           edits, dt * 1e3, (long long)frag, (long long)live, dd * 1e3,
           100.0 * ((double)live / (double)len - 1));
    CHECK((double)live <= 1.10 * (double)len);

    /* Move 32 MB from the front to the end: split + join, so the commit
     * allocates a few paths, not the text. Check samples against the old
     * version. */
    vcow_version *old;
    CHECK_OK(vcow_cell_pin_head(c, &old));
    int64_t before = rope_bytes_live();
    uint64_t mv_from = 1 << 20, mv_len = (uint64_t)32 << 20;
    CHECK_OK(vcow_txn_begin(c, &t));
    t0 = test_now();
    CHECK_OK(vcow_rope_move(t, VCOW_ROPE_BYTES, mv_from, mv_len, (uint64_t)len));
    double dm = test_now() - t0;
    CHECK_OK(vcow_rope_check(vcow_txn_view(t)));
    CHECK_OK(vcow_txn_commit(t));
    vcow_txn_free(t);
    int64_t moved = rope_bytes_live() - before;
    printf("big: moving 32 MB took %.3f ms and allocated %lld bytes\n", dm * 1e3, (long long)moved);
    CHECK(moved < 256 * 1024);
    {
        static char x[4096], y[4096];
        vcow_read_lock();
        const vcow_version *h = vcow_cell_head(c);
        uint64_t tail = (uint64_t)len - mv_len; /* where the range now starts */
        for (uint64_t off = 0; off + sizeof(x) <= mv_len; off += 997 * 4096) {
            CHECK_OK(
                vcow_rope_copy(old, VCOW_ROPE_BYTES, mv_from + off, mv_from + off + 4096, x, NULL));
            CHECK_OK(vcow_rope_copy(h, VCOW_ROPE_BYTES, tail + off, tail + off + 4096, y, NULL));
            CHECK(memcmp(x, y, 4096) == 0);
        }
        CHECK_OK(vcow_rope_copy(old, VCOW_ROPE_BYTES, 0, 4096, x, NULL));
        CHECK_OK(vcow_rope_copy(h, VCOW_ROPE_BYTES, 0, 4096, y, NULL));
        CHECK(memcmp(x, y, 4096) == 0);
        vcow_read_unlock();
    }
    vcow_version_unpin(old);
    vcow_read_lock();
    struct vcow_rope_metrics l;
    CHECK_OK(vcow_rope_len(vcow_cell_head(c), &l));
    CHECK_EQ_INT(l.bytes, len);
    vcow_read_unlock();
    free(blk);
    CHECK_OK(vcow_cell_close(c));
    test_check_all_freed();
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *part = argc > 1 ? argv[1] : "basic";
    if (strcmp(part, "basic") == 0)
        test_basic();
    else if (strcmp(part, "units") == 0)
        test_units();
    else if (strcmp(part, "lines") == 0)
        test_lines();
    else if (strcmp(part, "badinput") == 0)
        test_badinput();
    else if (strcmp(part, "iter") == 0)
        test_iter();
    else if (strcmp(part, "diff") == 0)
        test_diff();
    else if (strcmp(part, "oom") == 0)
        test_oom();
    else if (strcmp(part, "model") == 0)
        test_model(argc > 2 ? (unsigned)atoi(argv[2]) : 8,
                   argc > 3 ? strtoul(argv[3], NULL, 10) : 130000);
    else if (strcmp(part, "big") == 0)
        test_big(argc > 2 ? (unsigned)atoi(argv[2]) : 64,
                 argc > 3 ? strtoul(argv[3], NULL, 10) : 100000);
    else
        return 2;
    return 0;
}
