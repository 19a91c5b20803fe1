/*
 * tests/rope/test_delta.c - delta nodes (structures/rope/rope_delta.c).
 *
 *   test_rope_delta chain <seeds> <commits>   random edits on small texts
 *       dense in CR, LF and 2/3/4-byte sequences, a few per commit, with
 *       history: typing, backspace, replace (folded deltas), CR LF made and
 *       broken across an edit, long inserts, moves and defrags (which
 *       materialise the chain). After every edit the txn's text, after
 *       every commit every position of the head against the model; at the
 *       end every version, and diffs between versions.
 *   test_rope_delta edges    hand-made cases: CR LF made and broken by
 *       an edit, multi-byte text inserted and deleted, chains over the empty
 *       text, a chain that deletes everything, edits that cancel out
 *   test_rope_delta memory   bytes a kept keystroke costs, with and
 *       without delta nodes
 */
#include <vcow/rope.h>

#include "tests/rope/model.h"
#include "tests/test.h"

/* Dense text: line breaks and multi-byte sequences everywhere. */
static size_t dense_text(unsigned long long *rs, char *out, size_t max_items)
{
    static const char *const items[] = {
        "a",    "\r",  "\n", "\r\n", "\xC3\xA9", "x", "\r", "\xE2\x82\xAC", "\xF0\x9F\x98\x80",
        "\n\n", "\r\r"};
    size_t n = 0, k = 1 + test_rand(rs) % max_items;
    for (size_t i = 0; i < k; i++) {
        const char *a = items[test_rand(rs) % (sizeof(items) / sizeof(items[0]))];
        memcpy(out + n, a, strlen(a));
        n += strlen(a);
    }
    return n;
}

/* The byte position of the next code point after (before) byte p. */
static size_t next_cp(const struct model *m, size_t p)
{
    if (p < m->len)
        p++;
    while (p < m->len && is_cont((unsigned char)m->b[p]))
        p++;
    return p;
}

static size_t prev_cp(const struct model *m, size_t p)
{
    if (p > 0)
        p--;
    while (p > 0 && is_cont((unsigned char)m->b[p]))
        p--;
    return p;
}

static enum vcow_rope_unit rand_unit(unsigned long long *rs)
{
    return (enum vcow_rope_unit)(test_rand(rs) % 3);
}

static void do_insert(vcow_txn *t, struct model *m, unsigned long long *rs, size_t at,
                      const char *s, size_t n)
{
    enum vcow_rope_unit u = rand_unit(rs);
    CHECK_OK(vcow_rope_insert(t, u, units(m->b, at, u), s, n));
    model_insert(m, at, s, n);
}

static void do_delete(vcow_txn *t, struct model *m, unsigned long long *rs, size_t a, size_t b)
{
    enum vcow_rope_unit u = rand_unit(rs);
    CHECK_OK(vcow_rope_delete(t, u, units(m->b, a, u), units(m->b + a, b - a, u)));
    model_delete(m, a, b - a);
}

/* A position next to a CR or an LF, when there is one near p. */
static size_t near_break(const struct model *m, size_t p, bool want_cr)
{
    for (size_t k = 0; k < 64 && p + k < m->len; k++)
        if (m->b[p + k] == (want_cr ? '\r' : '\n'))
            return p + k;
    return p;
}

/* One random edit; *last is the end of the previous insert (typing). */
static void random_edit(vcow_txn *t, struct model *m, unsigned long long *rs, size_t *last)
{
    char tmp[512];
    unsigned r = (unsigned)(test_rand(rs) % 100);
    size_t p = rand_boundary(rs, m->b, m->len);
    if (*last > m->len)
        *last = m->len;
    while (*last < m->len && is_cont((unsigned char)m->b[*last]))
        (*last)--;               /* other edits moved the text under it */
    if (r < 25 || m->len == 0) { /* insert a little */
        size_t n = dense_text(rs, tmp, 4);
        do_insert(t, m, rs, p, tmp, n);
        *last = p + n;
    } else if (r < 35) { /* typing: right after the last insert */
        size_t n = dense_text(rs, tmp, 2);
        do_insert(t, m, rs, *last, tmp, n);
        *last += n;
    } else if (r < 42 && *last > 0) { /* backspace at the last insert */
        size_t a = prev_cp(m, *last);
        do_delete(t, m, rs, a, *last);
        *last = a;
    } else if (r < 47 && *last < m->len) { /* delete forward from there */
        size_t b = next_cp(m, next_cp(m, *last));
        do_delete(t, m, rs, *last, b);
    } else if (r < 52) { /* an LF after a CR, or a CR before an LF: a pair */
        bool cr = test_rand(rs) & 1;
        size_t q = near_break(m, p, cr);
        if (q < m->len && m->b[q] == (cr ? '\r' : '\n')) {
            do_insert(t, m, rs, cr ? q + 1 : q, cr ? "\n" : "\r", 1);
            *last = cr ? q + 2 : q + 1;
        }
    } else if (r < 58) { /* break a pair: delete its CR or its LF, or split it */
        size_t q = near_break(m, p, true);
        if (q + 1 < m->len && m->b[q] == '\r' && m->b[q + 1] == '\n') {
            unsigned w = (unsigned)(test_rand(rs) % 3);
            if (w == 0)
                do_delete(t, m, rs, q, q + 1);
            else if (w == 1)
                do_delete(t, m, rs, q + 1, q + 2);
            else
                do_insert(t, m, rs, q + 1, "\xC3\xA9", 2);
        }
    } else if (r < 80 && m->len > 0) { /* delete a few code points */
        size_t b = p;
        for (unsigned k = 1 + (unsigned)(test_rand(rs) % 6); k > 0; k--)
            b = next_cp(m, b);
        do_delete(t, m, rs, p, b);
        *last = p;
    } else if (r < 88 && m->len > 0) { /* replace */
        size_t b = next_cp(m, p), n = dense_text(rs, tmp, 3);
        do_delete(t, m, rs, p, b);
        do_insert(t, m, rs, p, tmp, n);
        *last = p + n;
    } else if (r < 93) { /* longer than a delta takes */
        size_t n = dense_text(rs, tmp, 60);
        do_insert(t, m, rs, p, tmp, n);
    } else if (r < 97 && m->len > 0) { /* move */
        size_t b = rand_boundary(rs, m->b, m->len), to = rand_boundary(rs, m->b, m->len);
        size_t a = p < b ? p : b;
        b = p < b ? b : p;
        if (to > a && to < b)
            to = b;
        CHECK_OK(vcow_rope_move(t, VCOW_ROPE_BYTES, a, b - a, to));
        char *cut = malloc(b - a + 1);
        memcpy(cut, m->b + a, b - a);
        model_delete(m, a, b - a);
        model_insert(m, to <= a ? to : to - (b - a), cut, b - a);
        free(cut);
    } else if (r < 99) {
        CHECK_OK(vcow_rope_defrag(t));
    } else if (m->len > 0) { /* everything */
        do_delete(t, m, rs, 0, m->len);
        *last = 0;
    }
}

struct snap {
    char *b;
    size_t len;
};

static void test_chain(unsigned seeds, unsigned commits)
{
    unsigned long total = 0;
    for (unsigned seed = 1; seed <= seeds; seed++) {
        unsigned long long rs = seed * 0x9E3779B97F4A7C15ull;
        bool nodelta = seed % 4 == 0; /* the same checks without deltas */
        vcow_cell *c = open_rope_opts(true, nodelta, 0);
        struct model m = {0};
        struct snap *v = calloc(commits + 1, sizeof(*v));
        size_t last = 0, target = seed % 2 ? 300 : 3000;
        for (unsigned k = 1; k <= commits; k++) {
            vcow_txn *t;
            CHECK_OK(vcow_txn_begin(c, &t));
            unsigned edits = test_rand(&rs) % 4 == 0 ? 1 + (unsigned)(test_rand(&rs) % 40) : 1;
            for (unsigned e = 0; e < edits; e++, total++) {
                random_edit(t, &m, &rs, &last);
                if (m.len > target) { /* keep the text small: cut a piece */
                    size_t mid = m.len / 2;
                    while (is_cont((unsigned char)m.b[mid]))
                        mid--;
                    do_delete(t, &m, &rs, rand_boundary(&rs, m.b, mid), mid);
                }
                if (e % 8 == 0 || e + 1 == edits)
                    expect_txn(t, m.b, m.len);
            }
            CHECK_OK(vcow_txn_commit(t));
            vcow_txn_free(t);
            v[k].b = malloc(m.len + 1);
            memcpy(v[k].b, m.b, m.len);
            v[k].len = m.len;
            vcow_read_lock();
            const vcow_version *h = vcow_cell_head(c);
            CHECK_OK(vcow_rope_check(h));
            check_reads(h, m.b, m.len, &rs, 12);
            if (m.len <= 400 || k % 16 == 0)
                check_units(h, m.b, m.len, m.len <= 400 ? 1 : 7);
            vcow_read_unlock();
        }
        /* Every version kept, then diffs: neighbours, and far apart. */
        for (unsigned k = 1; k <= commits; k++) {
            vcow_version *a, *b;
            CHECK_OK(vcow_cell_pin_at(c, k, &b));
            expect_version(b, v[k].b, v[k].len);
            if (k > 1) {
                CHECK_OK(vcow_cell_pin_at(c, k - 1, &a));
                check_diff(a, b);
                check_diff(b, a);
                vcow_version_unpin(a);
            }
            CHECK_OK(vcow_cell_pin_at(c, 1 + test_rand(&rs) % commits, &a));
            check_diff(a, b);
            check_diff(b, a);
            vcow_version_unpin(a);
            vcow_version_unpin(b);
            free(v[k].b);
        }
        free(v);
        free(m.b);
        CHECK_OK(vcow_cell_close(c));
        test_check_all_freed();
    }
    printf("chain: %lu edits over %u seeds\n", total, seeds);
}

/* Commit one edit (del bytes at pos, then s inserted there) as its own
 * version, and check every position of the new head and of the old one. */
static void edge_step(vcow_cell *c, struct model *m, size_t pos, size_t del, const char *s)
{
    vcow_version *old;
    CHECK_OK(vcow_cell_pin_head(c, &old));
    char *was = malloc(m->len + 1);
    size_t was_len = m->len;
    if (m->len > 0)
        memcpy(was, m->b, m->len);
    vcow_txn *t;
    CHECK_OK(vcow_txn_begin(c, &t));
    if (del > 0)
        CHECK_OK(vcow_rope_delete(t, VCOW_ROPE_BYTES, pos, del));
    model_delete(m, pos, del);
    if (s != NULL && *s != 0)
        CHECK_OK(vcow_rope_insert(t, VCOW_ROPE_BYTES, pos, s, strlen(s)));
    if (s != NULL)
        model_insert(m, pos, s, strlen(s));
    expect_txn(t, m->b, m->len);
    CHECK_OK(vcow_txn_commit(t));
    vcow_txn_free(t);
    vcow_read_lock();
    const vcow_version *h = vcow_cell_head(c);
    expect_version(h, m->b, m->len);
    check_units(h, m->b, m->len, 1);
    vcow_read_unlock();
    expect_version(old, was, was_len);
    check_units(old, was, was_len, 1);
    vcow_version *head;
    CHECK_OK(vcow_cell_pin_head(c, &head));
    check_diff(old, head);
    check_diff(head, old);
    vcow_version_unpin(head);
    vcow_version_unpin(old);
    free(was);
}

static void test_edges(void)
{
    vcow_cell *c = open_rope(true);
    struct model m = {0};
    /* A chain over the empty text: each step is one delta. */
    edge_step(c, &m, 0, 0, "a\r");
    edge_step(c, &m, 2, 0, "\n");                       /* A ends with CR, S starts with LF */
    edge_step(c, &m, 1, 1, NULL);                       /* delete the CR: a lone LF */
    edge_step(c, &m, 1, 0, "\r");                       /* S ends with CR, C starts with LF */
    edge_step(c, &m, 2, 0, "\xF0\x9F\x98\x80");         /* split the pair with a 4-byte one */
    edge_step(c, &m, 2, 4, NULL);                       /* and join it again (A|C seam) */
    edge_step(c, &m, 3, 0, "b\r");                      /* a lone CR before the end */
    edge_step(c, &m, 5, 0, "\xC3\xA9\r\n\xE2\x82\xAC"); /* 2- and 3-byte, CR LF inside S */
    edge_step(c, &m, 0, 0, "\n");                       /* LF first */
    edge_step(c, &m, 0, 1, "\r");                       /* replaced by a CR: FIRST_LF goes */
    size_t lastcp = prev_cp(&m, m.len);
    edge_step(c, &m, lastcp, m.len - lastcp, "\r"); /* the last code point, now a CR */
    edge_step(c, &m, 0, m.len, NULL);               /* everything: the empty text, a delta */
    edge_step(c, &m, 0, 0, "\r\n\r");
    edge_step(c, &m, 0, m.len, "x");
    /* Defragment a chain whose text is empty. */
    edge_step(c, &m, 0, m.len, NULL);
    vcow_txn *t;
    CHECK_OK(vcow_txn_begin(c, &t));
    CHECK_OK(vcow_rope_defrag(t));
    expect_txn(t, "", 0);
    CHECK_OK(vcow_rope_insert(t, VCOW_ROPE_CHARS, 0, "z", 1));
    CHECK_OK(vcow_txn_commit(t));
    vcow_txn_free(t);
    model_insert(&m, 0, "z", 1);
    /* Typing and erasing it in one txn: the deltas cancel out. */
    struct vcow_cell_stats s0, s1;
    CHECK_OK(vcow_cell_get_stats(c, &s0));
    CHECK_OK(vcow_txn_begin(c, &t));
    CHECK_OK(vcow_rope_insert(t, VCOW_ROPE_BYTES, 1, "ab", 2));
    CHECK_OK(vcow_rope_insert(t, VCOW_ROPE_BYTES, 3, "\xC3\xA9", 2));
    CHECK_OK(vcow_rope_delete(t, VCOW_ROPE_CHARS, 3, 1));
    CHECK_OK(vcow_rope_delete(t, VCOW_ROPE_UTF16, 1, 2));
    expect_txn(t, m.b, m.len);
    CHECK_OK(vcow_txn_commit(t));
    vcow_txn_free(t);
    CHECK_OK(vcow_cell_get_stats(c, &s1));
    CHECK_EQ_INT(s1.bytes[VCOW_MEM_ROPE], s0.bytes[VCOW_MEM_ROPE]);
    /* A long chain of one-byte edits, past the bound, every version kept. */
    for (int i = 0; i < 100; i++) {
        size_t p = (size_t)(i * 7) % (m.len + 1);
        while (p < m.len && is_cont((unsigned char)m.b[p]))
            p--;
        edge_step(c, &m, p, 0, i % 3 == 0 ? "\r" : i % 3 == 1 ? "\n" : "\xE2\x82\xAC");
    }
    free(m.b);
    CHECK_OK(vcow_cell_close(c));
    test_check_all_freed();
}

/* Rope bytes a kept version costs when each commit types one character
 * into a 100 KB text. */
static double bytes_per_keystroke(bool nodelta)
{
    vcow_cell *c = open_rope_opts(true, nodelta, 0);
    unsigned long long rs = 5;
    char *text = malloc(100000);
    for (size_t i = 0; i < 100000; i++)
        text[i] = i % 61 == 60 ? '\n' : (char)('a' + test_rand(&rs) % 26);
    vcow_txn *t;
    CHECK_OK(vcow_txn_begin(c, &t));
    CHECK_OK(vcow_rope_append(t, text, 100000));
    CHECK_OK(vcow_txn_commit(t));
    vcow_txn_free(t);
    struct vcow_cell_stats s0, s1;
    CHECK_OK(vcow_cell_get_stats(c, &s0));
    uint64_t pos = 50000;
    const int n = 3000;
    for (int i = 0; i < n; i++) {
        if (i % 100 == 0) /* jump elsewhere now and then */
            pos = test_rand(&rs) % 100000;
        CHECK_OK(vcow_rope_cell_insert(c, VCOW_ROPE_BYTES, pos++, "k", 1, NULL));
    }
    CHECK_OK(vcow_cell_get_stats(c, &s1));
    double per = (double)(s1.bytes[VCOW_MEM_ROPE] - s0.bytes[VCOW_MEM_ROPE]) / n;
    vcow_read_lock();
    CHECK_OK(vcow_rope_check(vcow_cell_head(c)));
    vcow_read_unlock();
    free(text);
    CHECK_OK(vcow_cell_close(c));
    test_check_all_freed();
    return per;
}

static void test_memory(void)
{
    double with = bytes_per_keystroke(false), without = bytes_per_keystroke(true);
    printf("memory: a kept keystroke costs %.0f rope bytes with delta nodes, %.0f without\n", with,
           without);
    CHECK(with < 256);
    CHECK(without > 4 * with);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *part = argc > 1 ? argv[1] : "chain";
    if (strcmp(part, "chain") == 0)
        test_chain(argc > 2 ? (unsigned)atoi(argv[2]) : 8,
                   argc > 3 ? (unsigned)atoi(argv[3]) : 300);
    else if (strcmp(part, "memory") == 0)
        test_memory();
    else if (strcmp(part, "edges") == 0)
        test_edges();
    else
        return 2;
    return 0;
}
