/*
 * tests/rope/model.h - what the rope's tests share: a flat byte model of the
 * text with counts and conversions by scanning, whole-text and every-position
 * checks of a version against it, random multi-byte text, and a diff check
 * that rebuilds b from a and the reported regions.
 */
#ifndef VCOW_TESTS_ROPE_MODEL_H
#define VCOW_TESTS_ROPE_MODEL_H

#include <vcow/rope.h>

#include "tests/test.h"

/* A rope cell; with history, small edits are delta nodes unless nodelta. */
static inline vcow_cell *open_rope_opts(bool history, bool nodelta, uint64_t keep_last)
{
    struct vcow_cell_opts o = {0};
    o.size = sizeof(o);
    o.history = history;
    o.rope_no_deltas = nodelta;
    o.keep_last = keep_last;
    vcow_cell *c;
    CHECK_OK(vcow_cell_open(VCOW_KIND_ROPE, &o, &c));
    return c;
}

static inline vcow_cell *open_rope(bool history)
{
    return open_rope_opts(history, false, 0);
}

static inline void ins(vcow_txn *t, enum vcow_rope_unit u, uint64_t pos, const char *s)
{
    CHECK_OK(vcow_rope_insert(t, u, pos, s, strlen(s)));
}

/* The txn's text must be exactly want. */
static inline void expect_txn(vcow_txn *t, const char *want, size_t len)
{
    struct vcow_rope_metrics l;
    CHECK_OK(vcow_rope_len(vcow_txn_view(t), &l));
    CHECK_EQ_INT(l.bytes, len);
    char *buf = malloc(len + 1);
    size_t n;
    CHECK_OK(vcow_rope_copy(vcow_txn_view(t), VCOW_ROPE_BYTES, 0, len, buf, &n));
    CHECK_EQ_INT(n, len);
    CHECK(len == 0 || memcmp(buf, want, len) == 0);
    free(buf);
    CHECK_OK(vcow_rope_check(vcow_txn_view(t)));
}

static inline void expect_version(const vcow_version *v, const char *want, size_t len)
{
    struct vcow_rope_metrics l;
    CHECK_OK(vcow_rope_len(v, &l));
    CHECK_EQ_INT(l.bytes, len);
    char *buf = malloc(len + 1);
    size_t n;
    CHECK_OK(vcow_rope_copy(v, VCOW_ROPE_BYTES, 0, len, buf, &n));
    CHECK_EQ_INT(n, len);
    CHECK(len == 0 || memcmp(buf, want, len) == 0);
    free(buf);
    CHECK_OK(vcow_rope_check(v));
}

/* ---- a flat model: counts and conversions by scanning ---- */

struct model {
    char *b;
    size_t len, cap;
};

static inline void model_insert(struct model *m, size_t pos, const char *s, size_t n)
{
    if (n == 0)
        return;
    if (m->len + n > m->cap) {
        m->cap = (m->len + n) * 2 + 64;
        m->b = realloc(m->b, m->cap);
    }
    memmove(m->b + pos + n, m->b + pos, m->len - pos);
    memcpy(m->b + pos, s, n);
    m->len += n;
}

static inline void model_delete(struct model *m, size_t pos, size_t n)
{
    if (n == 0)
        return;
    memmove(m->b + pos, m->b + pos + n, m->len - pos - n);
    m->len -= n;
}

static inline bool is_cont(unsigned char c)
{
    return (c & 0xC0) == 0x80;
}

/* Units of b[0..n). */
static inline uint64_t units(const char *b, size_t n, enum vcow_rope_unit u)
{
    uint64_t k = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)b[i];
        if (u == VCOW_ROPE_BYTES)
            k++;
        else if (!is_cont(c))
            k += (u == VCOW_ROPE_UTF16 && c >= 0xF0) ? 2 : 1;
    }
    return k;
}

static inline uint64_t breaks(const char *b, size_t n)
{
    uint64_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (b[i] == '\n' || (b[i] == '\r' && (i + 1 == n || b[i + 1] != '\n')))
            k++;
    return k;
}

/* Check every length and, for positions step apart, every conversion. */
static inline void check_units(const vcow_version *v, const char *b, size_t n, size_t step)
{
    struct vcow_rope_metrics l;
    CHECK_OK(vcow_rope_len(v, &l));
    CHECK_EQ_INT(l.bytes, n);
    CHECK_EQ_INT(l.chars, units(b, n, VCOW_ROPE_CHARS));
    CHECK_EQ_INT(l.utf16, units(b, n, VCOW_ROPE_UTF16));
    CHECK_EQ_INT(l.lines, breaks(b, n) + 1);
    uint64_t ch = 0, u16 = 0, line = 0, lstart = 0;
    for (size_t i = 0; i <= n; i++) {
        bool boundary = i == n || !is_cont((unsigned char)b[i]);
        uint64_t out;
        if (i % step == 0 || i == n) {
            if (!boundary) {
                CHECK_RC(vcow_rope_convert(v, VCOW_ROPE_BYTES, i, VCOW_ROPE_CHARS, &out),
                         VCOW_ERANGE);
            } else {
                CHECK_OK(vcow_rope_convert(v, VCOW_ROPE_BYTES, i, VCOW_ROPE_CHARS, &out));
                CHECK_EQ_INT(out, ch);
                CHECK_OK(vcow_rope_convert(v, VCOW_ROPE_BYTES, i, VCOW_ROPE_UTF16, &out));
                CHECK_EQ_INT(out, u16);
                CHECK_OK(vcow_rope_convert(v, VCOW_ROPE_CHARS, ch, VCOW_ROPE_BYTES, &out));
                CHECK_EQ_INT(out, i);
                CHECK_OK(vcow_rope_convert(v, VCOW_ROPE_UTF16, u16, VCOW_ROPE_BYTES, &out));
                CHECK_EQ_INT(out, i);
                uint64_t ln, col;
                CHECK_OK(vcow_rope_line_of(v, VCOW_ROPE_BYTES, i, &ln, &col));
                CHECK_EQ_INT(ln, line);
                CHECK_EQ_INT(col, i - lstart);
                CHECK_OK(vcow_rope_line_start(v, line, VCOW_ROPE_BYTES, &out));
                CHECK_EQ_INT(out, lstart);
            }
        }
        if (i == n)
            break;
        unsigned char c = (unsigned char)b[i];
        if (!is_cont(c)) {
            ch++;
            u16 += c >= 0xF0 ? 2 : 1;
            if (c >= 0xF0 && i % step == 0) {
                /* inside the surrogate pair */
                CHECK_RC(vcow_rope_convert(v, VCOW_ROPE_UTF16, u16 - 1, VCOW_ROPE_BYTES, &out),
                         VCOW_ERANGE);
            }
        }
        /* Line starts after LF, or after a CR not followed by LF. */
        if (c == '\n' || (c == '\r' && (i + 1 == n || b[i + 1] != '\n'))) {
            line++;
            lstart = i + 1;
        }
    }
    uint64_t out;
    CHECK_RC(vcow_rope_line_start(v, line + 1, VCOW_ROPE_BYTES, &out), VCOW_ERANGE);
    CHECK_RC(vcow_rope_convert(v, VCOW_ROPE_BYTES, n + 1, VCOW_ROPE_CHARS, &out), VCOW_ERANGE);
}

/* Random multi-byte text over many chunks; all conversions vs the model. */
static inline size_t rand_text(unsigned long long *rs, char *out, size_t max_units)
{
    static const char *const alphabet[] = {
        "a", "b", " ", "\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80", "\n", "\r", "\r\n", "xyz"};
    size_t n = 0, k = 1 + test_rand(rs) % max_units;
    for (size_t i = 0; i < k; i++) {
        const char *a = alphabet[test_rand(rs) % 10];
        size_t l = strlen(a);
        memcpy(out + n, a, l);
        n += l;
    }
    return n;
}

struct patch_ctx {
    const char *a, *b;
    size_t la, lb;
    struct model out;
    uint64_t a_at, changed;
};

static inline int diff_cb(uint64_t a0, uint64_t a1, uint64_t b0, uint64_t b1, void *arg)
{
    struct patch_ctx *p = arg;
    CHECK(a0 >= p->a_at && a1 >= a0 && b1 >= b0 && a1 <= p->la && b1 <= p->lb);
    CHECK(a0 < a1 || b0 < b1); /* a region changes something */
    /* on code point boundaries */
    CHECK(a0 == p->la || !is_cont((unsigned char)p->a[a0]));
    CHECK(a1 == p->la || !is_cont((unsigned char)p->a[a1]));
    CHECK(b0 == p->lb || !is_cont((unsigned char)p->b[b0]));
    CHECK(b1 == p->lb || !is_cont((unsigned char)p->b[b1]));
    /* Text between regions is shared: copy it from a, then b's region. */
    model_insert(&p->out, p->out.len, p->a + p->a_at, a0 - p->a_at);
    CHECK_EQ_INT(p->out.len, b0);
    model_insert(&p->out, p->out.len, p->b + b0, b1 - b0);
    p->a_at = a1;
    p->changed += (a1 - a0) + (b1 - b0);
    return 0;
}

static inline char *text_of(const vcow_version *v, size_t *len)
{
    struct vcow_rope_metrics l;
    CHECK_OK(vcow_rope_len(v, &l));
    char *b = malloc(l.bytes + 1);
    CHECK_OK(vcow_rope_copy(v, VCOW_ROPE_BYTES, 0, l.bytes, b, len));
    return b;
}

static inline uint64_t check_diff(const vcow_version *va, const vcow_version *vb)
{
    size_t la, lb;
    char *a = text_of(va, &la), *b = text_of(vb, &lb);
    struct patch_ctx p = {a, b, la, lb, {0}, 0, 0};
    CHECK_OK(vcow_rope_diff(va, vb, diff_cb, &p));
    model_insert(&p.out, p.out.len, a + p.a_at, la - p.a_at);
    CHECK_EQ_INT(p.out.len, lb);
    CHECK(lb == 0 || memcmp(p.out.b, b, lb) == 0);
    free(p.out.b);
    free(a);
    free(b);
    return p.changed;
}

/* ---- random probes of every read against the model, O(1) each ---- */

struct mindex {
    size_t n;
    /* for each byte position i in [0, n]: code points and UTF-16 units of
     * [0, i), the line position i is on and the byte that line starts at */
    uint32_t *cp, *u16, *line, *lstart;
};

static inline bool model_break_at(const char *b, size_t n, size_t j)
{
    return b[j] == '\n' || (b[j] == '\r' && (j + 1 == n || b[j + 1] != '\n'));
}

static inline void mindex_build(struct mindex *x, const char *b, size_t n)
{
    x->n = n;
    x->cp = malloc((n + 1) * sizeof(uint32_t));
    x->u16 = malloc((n + 1) * sizeof(uint32_t));
    x->line = malloc((n + 1) * sizeof(uint32_t));
    x->lstart = malloc((n + 1) * sizeof(uint32_t));
    uint32_t cp = 0, u16 = 0, line = 0, ls = 0;
    for (size_t i = 0;; i++) {
        x->cp[i] = cp;
        x->u16[i] = u16;
        x->line[i] = line;
        x->lstart[i] = ls;
        if (i == n)
            break;
        unsigned char c = (unsigned char)b[i];
        if (!is_cont(c)) {
            cp++;
            u16 += c >= 0xF0 ? 2 : 1;
        }
        if (model_break_at(b, n, i)) {
            line++;
            ls = (uint32_t)i + 1;
        }
    }
}

static inline void mindex_free(struct mindex *x)
{
    free(x->cp);
    free(x->u16);
    free(x->line);
    free(x->lstart);
}

static inline uint64_t mindex_units(const struct mindex *x, size_t i, enum vcow_rope_unit u)
{
    return u == VCOW_ROPE_BYTES ? i : u == VCOW_ROPE_CHARS ? x->cp[i] : x->u16[i];
}

static inline size_t rand_boundary(unsigned long long *rs, const char *b, size_t n)
{
    size_t i = (size_t)(test_rand(rs) % (n + 1));
    while (i < n && is_cont((unsigned char)b[i]))
        i--;
    return i;
}

/*
 * `probes` random positions of v against the model b[0..n): lengths; every
 * conversion between the three units (and VCOW_ERANGE inside a code point
 * or a surrogate pair); line_of and line_start in every unit; a copy, a
 * slice, its copy and its iteration over a random range.
 */
static inline void check_reads(const vcow_version *v, const char *b, size_t n,
                               unsigned long long *rs, int probes)
{
    static const enum vcow_rope_unit all[3] = {VCOW_ROPE_BYTES, VCOW_ROPE_CHARS, VCOW_ROPE_UTF16};
    struct mindex x;
    mindex_build(&x, b, n);
    struct vcow_rope_metrics l;
    CHECK_OK(vcow_rope_len(v, &l));
    CHECK_EQ_INT(l.bytes, n);
    CHECK_EQ_INT(l.chars, x.cp[n]);
    CHECK_EQ_INT(l.utf16, x.u16[n]);
    CHECK_EQ_INT(l.lines, x.line[n] + 1);
    uint64_t out, ln, col;
    char *buf = malloc(n + 1);
    for (int p = 0; p < probes; p++) {
        size_t i = (size_t)(test_rand(rs) % (n + 1));
        if (i < n && is_cont((unsigned char)b[i])) {
            CHECK_RC(vcow_rope_convert(v, VCOW_ROPE_BYTES, i, VCOW_ROPE_CHARS, &out), VCOW_ERANGE);
            CHECK_RC(vcow_rope_line_of(v, VCOW_ROPE_BYTES, i, &ln, &col), VCOW_ERANGE);
            CHECK_RC(vcow_rope_copy(v, VCOW_ROPE_BYTES, i, n, buf, NULL), VCOW_ERANGE);
            i = rand_boundary(rs, b, n);
        }
        if (i < n && (unsigned char)b[i] >= 0xF0) { /* between the halves of a surrogate pair */
            CHECK_RC(vcow_rope_convert(v, VCOW_ROPE_UTF16, x.u16[i] + 1, VCOW_ROPE_BYTES, &out),
                     VCOW_ERANGE);
            CHECK_RC(vcow_rope_line_of(v, VCOW_ROPE_UTF16, x.u16[i] + 1, &ln, &col), VCOW_ERANGE);
        }
        for (int f = 0; f < 3; f++) {
            uint64_t at = mindex_units(&x, i, all[f]), ls = mindex_units(&x, x.lstart[i], all[f]);
            for (int t = 0; t < 3; t++) {
                CHECK_OK(vcow_rope_convert(v, all[f], at, all[t], &out));
                CHECK_EQ_INT(out, mindex_units(&x, i, all[t]));
            }
            CHECK_OK(vcow_rope_line_of(v, all[f], at, &ln, &col));
            CHECK_EQ_INT(ln, x.line[i]);
            CHECK_EQ_INT(col, at - ls);
            CHECK_OK(vcow_rope_line_start(v, ln, all[f], &out));
            CHECK_EQ_INT(out, ls);
        }
        /* a range from i: copy, slice, slice copy, iteration */
        size_t j = rand_boundary(rs, b, n);
        size_t a = i < j ? i : j, e = i < j ? j : i, got;
        enum vcow_rope_unit u = all[test_rand(rs) % 3];
        CHECK_OK(vcow_rope_copy(v, u, mindex_units(&x, a, u), mindex_units(&x, e, u), buf, &got));
        CHECK_EQ_INT(got, e - a);
        CHECK(got == 0 || memcmp(buf, b + a, got) == 0);
        vcow_rope_slice sl;
        CHECK_OK(vcow_rope_slice_of(v, u, mindex_units(&x, a, u), mindex_units(&x, e, u), &sl));
        CHECK_EQ_INT(sl.from, a);
        CHECK_EQ_INT(sl.to, e);
        CHECK_OK(vcow_rope_slice_copy(&sl, buf));
        CHECK(e == a || memcmp(buf, b + a, e - a) == 0);
        vcow_rope_iter it;
        vcow_slice ch;
        size_t at = a;
        vcow_rope_iter_init(&it, &sl);
        while (vcow_rope_iter_next(&it, &ch)) {
            CHECK(ch.len > 0 && at + ch.len <= e);
            CHECK(!is_cont(((const unsigned char *)ch.ptr)[0]));
            CHECK(memcmp(ch.ptr, b + at, ch.len) == 0);
            at += ch.len;
        }
        CHECK_EQ_INT(at, e);
    }
    CHECK_RC(vcow_rope_line_start(v, x.line[n] + 1, VCOW_ROPE_BYTES, &out), VCOW_ERANGE);
    CHECK_RC(vcow_rope_convert(v, VCOW_ROPE_CHARS, x.cp[n] + 1, VCOW_ROPE_BYTES, &out),
             VCOW_ERANGE);
    free(buf);
    mindex_free(&x);
}

#endif
