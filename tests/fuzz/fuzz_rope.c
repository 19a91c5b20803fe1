/*
 * tests/fuzz/fuzz_rope.c - libFuzzer: the rope through cells, txns, pins,
 * position units, lines, slices, chunk iteration and diffs, with invalid
 * UTF-8 and bad arguments, against a reference model.
 *
 * The input is a program, as in fuzz_cell.c and fuzz_hamt.c: the first byte
 * picks history (bit 0) and rope_no_deltas (bit 1), so with history most
 * inputs edit through delta nodes (chains, folds, materialising; see
 * structures/rope/rope_delta.c) and some copy paths instead; then each byte
 * picks an operation (low 4 bits) and a txn / pin slot (high 4 bits),
 * following bytes its arguments. Inserted text is made from the input:
 * mostly valid UTF-8 mixing 1- to 4-byte sequences, CR LF, lone CR and LF,
 * NUL; sometimes a snippet repeated to up to 8 KiB (so chunks split and
 * merge); sometimes text with one invalid piece (truncated sequence,
 * overlong form, surrogate, stray continuation byte, a byte that never
 * occurs) that must be refused with VCOW_EINVAL and change nothing.
 * Positions come in bytes, code points and UTF-16 units: on a code point
 * boundary, anywhere (inside a sequence, inside a surrogate pair), at and
 * past the end, near UINT64_MAX (overflow of pos + len).
 *
 * The model holds one flat byte array per committed seq and one per open
 * txn, and recomputes every metric, conversion and line number from the
 * bytes (a line break is LF, CR LF or a lone CR). Every operation either
 * succeeds and the model follows, or returns the error the model predicts
 * and nothing changes. After every operation the head and every pinned
 * version have the model's lengths, and their whole text is compared while
 * a per-input byte budget lasts (always after a pin, a commit and an
 * injected failure). Injected allocation failures may turn any write into
 * VCOW_ENOMEM, after which the txn's text must equal the model. At the end
 * everything is closed and every node counter must be back to zero.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vcow/vcow.h>

#include "fuzz.h"

#define MAXV   40         /* committed versions per input */
#define MAXOPS 256        /* operations per input */
#define MAXT   65536      /* model text bytes: edits past this are skipped */
#define MAXGEN 8256       /* one generated text */
#define BUDGET (2u << 20) /* whole-text compares per input, in bytes */

/* ---- the model ---- */

struct mtext {
    uint32_t n;
    struct vcow_rope_metrics m; /* of b[0..n), kept current */
    uint8_t b[MAXT];
};

static bool is_cont(uint8_t c)
{
    return (c & 0xC0) == 0x80;
}

/* Length of the sequence led by c (valid text only). */
static size_t seq_len(uint8_t c)
{
    return c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

/* Strict UTF-8 by decoding (RFC 3629): what insert must accept. */
static bool utf8_ok(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        size_t k;
        uint32_t cp, min;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            k = 1, cp = c & 0x1F, min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            k = 2, cp = c & 0x0F, min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            k = 3, cp = c & 0x07, min = 0x10000;
        } else {
            return false;
        }
        if (n - i < k + 1)
            return false;
        for (size_t j = 1; j <= k; j++) {
            if (!is_cont(s[i + j]))
                return false;
            cp = cp << 6 | (s[i + j] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += k + 1;
    }
    return true;
}

static bool is_break(const uint8_t *s, size_t n, size_t i)
{
    return s[i] == '\n' || (s[i] == '\r' && (i + 1 == n || s[i + 1] != '\n'));
}

static void remeasure(struct mtext *t)
{
    struct vcow_rope_metrics *m = &t->m;
    m->bytes = t->n;
    m->chars = m->utf16 = 0;
    m->lines = 1;
    for (size_t i = 0; i < t->n; i++) {
        uint8_t c = t->b[i];
        if (!is_cont(c)) {
            m->chars++;
            m->utf16 += c >= 0xF0 ? 2 : 1;
        }
        m->lines += is_break(t->b, t->n, i);
    }
}

static bool metrics_eq(const struct vcow_rope_metrics *a, const struct vcow_rope_metrics *b)
{
    return a->bytes == b->bytes && a->chars == b->chars && a->utf16 == b->utf16 &&
           a->lines == b->lines;
}

static uint64_t units_of(const struct mtext *t, enum vcow_rope_unit u)
{
    return u == VCOW_ROPE_BYTES ? t->m.bytes : u == VCOW_ROPE_CHARS ? t->m.chars : t->m.utf16;
}

/* Units in the bytes s[0..n). */
static uint64_t units_in(const uint8_t *s, size_t n, enum vcow_rope_unit u)
{
    if (u == VCOW_ROPE_BYTES)
        return n;
    uint64_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!is_cont(s[i]))
            k += u == VCOW_ROPE_UTF16 && s[i] >= 0xF0 ? 2 : 1;
    return k;
}

/* Byte offset of pos (in u); false past the end or inside a code point /
 * surrogate pair. */
static bool to_byte(const struct mtext *t, enum vcow_rope_unit u, uint64_t pos, uint64_t *out)
{
    if (pos > units_of(t, u))
        return false;
    if (u == VCOW_ROPE_BYTES) {
        if (pos < t->n && is_cont(t->b[pos]))
            return false;
        *out = pos;
        return true;
    }
    uint64_t k = 0;
    size_t i = 0;
    while (i < t->n && k < pos) {
        uint64_t w = u == VCOW_ROPE_UTF16 && t->b[i] >= 0xF0 ? 2 : 1;
        if (k + w > pos)
            return false;
        k += w;
        i += seq_len(t->b[i]);
    }
    if (k != pos)
        return false;
    *out = i;
    return true;
}

/* Line of byte position p and the byte its line starts at: breaks wholly
 * before p (between the CR and the LF of a pair is the line before). */
static uint64_t line_at(const struct mtext *t, uint64_t p, uint64_t *lstart)
{
    uint64_t k = 0, ls = 0;
    for (uint64_t i = 0; i < p; i++) {
        if (t->b[i] == '\r' && i + 1 == p && p < t->n && t->b[p] == '\n')
            continue;
        if (is_break(t->b, t->n, i)) {
            k++;
            ls = i + 1;
        }
    }
    *lstart = ls;
    return k;
}

/* Byte just after the line-th break (0 for line 0); false past the last. */
static bool line_start_byte(const struct mtext *t, uint64_t line, uint64_t *out)
{
    if (line == 0) {
        *out = 0;
        return true;
    }
    uint64_t k = 0;
    for (size_t i = 0; i < t->n; i++) {
        if (is_break(t->b, t->n, i) && ++k == line) {
            *out = i + 1;
            return true;
        }
    }
    return false;
}

static void mt_copy(struct mtext *d, const struct mtext *s)
{
    d->n = s->n;
    d->m = s->m;
    memcpy(d->b, s->b, s->n);
}

static void mt_insert(struct mtext *t, uint64_t at, const uint8_t *s, size_t n)
{
    CHECK(t->n + n <= MAXT && at <= t->n);
    memmove(t->b + at + n, t->b + at, t->n - at);
    if (n > 0)
        memcpy(t->b + at, s, n);
    t->n += (uint32_t)n;
    remeasure(t);
}

static void mt_delete(struct mtext *t, uint64_t a, uint64_t b)
{
    CHECK(a <= b && b <= t->n);
    memmove(t->b + a, t->b + b, t->n - b);
    t->n -= (uint32_t)(b - a);
    remeasure(t);
}

static uint8_t mvbuf[MAXT];

static void mt_move(struct mtext *t, uint64_t a, uint64_t b, uint64_t d)
{
    memcpy(mvbuf, t->b + a, b - a);
    mt_delete(t, a, b);
    mt_insert(t, d <= a ? d : d - (b - a), mvbuf, b - a);
}

/* ---- the program ---- */

static uint32_t rnd(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

static size_t put_cp(uint8_t *o, uint32_t cp)
{
    if (cp < 0x80) {
        o[0] = (uint8_t)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (uint8_t)(0xC0 | cp >> 6);
        o[1] = (uint8_t)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (uint8_t)(0xE0 | cp >> 12);
        o[1] = (uint8_t)(0x80 | (cp >> 6 & 0x3F));
        o[2] = (uint8_t)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (uint8_t)(0xF0 | cp >> 18);
    o[1] = (uint8_t)(0x80 | (cp >> 12 & 0x3F));
    o[2] = (uint8_t)(0x80 | (cp >> 6 & 0x3F));
    o[3] = (uint8_t)(0x80 | (cp & 0x3F));
    return 4;
}

static const uint32_t edges2[4] = {0x80, 0x7FF, 0xE9, 0x3B1};
static const uint32_t edges3[6] = {0x800, 0xFFFF, 0xD7FF, 0xE000, 0xFEFF, 0x2028};
static const uint32_t edges4[4] = {0x10000, 0x10FFFF, 0x1F600, 0x20000};

/* One piece of valid text from x (the class) and y (the detail). */
static size_t gen_item(uint8_t x, uint32_t y, uint8_t *o)
{
    uint32_t cp;
    switch (x % 16) {
    case 6:
        o[0] = '\n';
        return 1;
    case 7:
        o[0] = '\r';
        return 1;
    case 8:
        o[0] = '\r';
        o[1] = '\n';
        return 2;
    case 9:
    case 10:
        cp = y % 16 < 4 ? edges2[y % 4] : 0x80 + (y >> 4) % (0x800 - 0x80);
        return put_cp(o, cp);
    case 11:
    case 12:
        cp = y % 16 < 6 ? edges3[y % 6] : 0x800 + (y >> 4) % (0x10000 - 0x800);
        if (cp >= 0xD800 && cp <= 0xDFFF)
            cp -= 0x800;
        return put_cp(o, cp);
    case 13:
    case 14:
        cp = y % 16 < 4 ? edges4[y % 4] : 0x10000 + (y >> 4) % 0x100000;
        return put_cp(o, cp);
    case 15:
        o[0] = x & 16 ? 0x7F : 0;
        return 1;
    default:
        o[0] = (uint8_t)(' ' + (x / 16 + y) % 95);
        return 1;
    }
}

/* Invalid pieces: inserted on a code point boundary, each makes the text
 * invalid. */
static const struct {
    uint8_t n, b[5];
} bad_seq[] = {
    {1, {0xC2}},                         /* truncated 2-byte */
    {2, {0xE2, 0x82}},                   /* truncated 3-byte */
    {3, {0xF0, 0x9F, 0x98}},             /* truncated 4-byte */
    {1, {0xF4}},                         /* a lone 4-byte lead */
    {2, {0xC0, 0x80}},                   /* overlong NUL */
    {2, {0xC1, 0xBF}},                   /* overlong */
    {3, {0xE0, 0x80, 0x80}},             /* overlong 3-byte */
    {3, {0xE0, 0x9F, 0xBF}},             /* overlong 3-byte, top */
    {4, {0xF0, 0x80, 0x80, 0x80}},       /* overlong 4-byte */
    {4, {0xF0, 0x8F, 0xBF, 0xBF}},       /* overlong 4-byte, top */
    {3, {0xED, 0xA0, 0x80}},             /* high surrogate */
    {3, {0xED, 0xBF, 0xBF}},             /* low surrogate */
    {3, {0xED, 0xB0, 0x80}},             /* low surrogate */
    {1, {0x80}},                         /* stray continuation */
    {1, {0xBF}},                         /* stray continuation */
    {2, {0x80, 0x80}},                   /* two strays */
    {4, {0xF4, 0x90, 0x80, 0x80}},       /* past U+10FFFF */
    {4, {0xF5, 0x80, 0x80, 0x80}},       /* never a lead */
    {1, {0xFF}},                         /* never occurs */
    {1, {0xFE}},                         /* never occurs */
    {5, {0xF8, 0x88, 0x80, 0x80, 0x80}}, /* a 5-byte form */
    {4, {0xE2, 0x82, 0xAC, 0x80}},       /* a sequence with one too many */
};
#define NBAD (sizeof(bad_seq) / sizeof(bad_seq[0]))

/* A text for insert / append. Returns its length; *valid as utf8_ok says
 * (the generator's invalid mode must produce invalid text). */
static size_t gen_text(struct input *in, uint8_t *o, bool *valid)
{
    uint8_t k = next(in), cnt = next(in);
    uint32_t rng = 0x9E3779B9u * (k + 1u) ^ (cnt + 1u) * 0x85EBCA6Bu;
    int mode = k % 8;
    bool longrun = mode == 5 || (mode == 6 && (k & 8));
    size_t n = 0;
    if (mode == 7) {
        *valid = true;
        return 0;
    }
    int items = mode == 4 ? 1 : longrun ? 1 + cnt % 8 : 1 + cnt % 24;
    for (int i = 0; i < items; i++)
        n += gen_item(next(in), rnd(&rng), o + n);
    if (longrun) { /* repeat the snippet to 512 .. 8192 bytes */
        size_t target = 512u * (1u + (k >> 4)), s = n;
        while (n + s <= target) {
            memcpy(o + n, o, s);
            n += s;
        }
    }
    if (mode == 6) {
        const uint8_t x = next(in);
        size_t p = ((size_t)next(in) << 8 | next(in)) % (n + 1);
        while (p < n && is_cont(o[p]))
            p++;
        uint8_t bn = bad_seq[x % NBAD].n;
        memmove(o + p + bn, o + p, n - p);
        memcpy(o + p, bad_seq[x % NBAD].b, bn);
        n += bn;
    }
    CHECK(n <= MAXGEN);
    *valid = utf8_ok(o, n);
    CHECK(mode != 6 || !*valid);
    return n;
}

/* A position in u on t: at 0, at the end, past it (a little or near
 * UINT64_MAX), on a code point boundary, or anywhere. */
static uint64_t pick_pos(struct input *in, const struct mtext *t, enum vcow_rope_unit u)
{
    uint8_t x = next(in);
    uint64_t units = units_of(t, u);
    switch (x % 8) {
    case 0:
        return 0;
    case 1:
        return units;
    case 2:
        return x & 8 ? UINT64_MAX - (x >> 4) : units + 1 + (x >> 4);
    case 3:
    case 4:
    case 5: { /* a boundary: a code point index, converted */
        uint32_t y = (uint32_t)next(in) << 8 | next(in);
        uint64_t b = 0;
        CHECK(to_byte(t, VCOW_ROPE_CHARS, y % (t->m.chars + 1), &b));
        return units_in(t->b, b, u);
    }
    default: {
        uint32_t y = (uint32_t)next(in) << 8 | next(in);
        return y % (units + 1);
    }
    }
}

static uint64_t pick_len(struct input *in, const struct mtext *t, enum vcow_rope_unit u,
                         uint64_t pos)
{
    uint8_t x = next(in);
    if (x % 16 == 15)
        return UINT64_MAX - (x >> 4); /* pos + len overflows */
    if (x % 16 == 14)
        return 0;
    if (x % 16 == 13 && pos <= units_of(t, u))
        return units_of(t, u) - pos;
    uint64_t end = pick_pos(in, t, u);
    return end >= pos ? end - pos : (pos - end) % 64;
}

/* Shared by every input (the state lives in one call). */
static struct mtext hist[MAXV];
static struct mtext work[FUZZ_MAXTXN];
static struct mtext scratch;
static uint8_t gbuf[MAXGEN + 8];
static uint8_t vbuf[MAXT + 8], vbuf2[MAXT + 8];

static void spend(size_t *budget, size_t n)
{
    *budget = *budget > n ? *budget - n : 0;
}

/* v has M's lengths; and its whole text while the budget lasts (or when
 * forced). */
static void check_version(const vcow_version *v, const struct mtext *M, size_t *budget, bool force)
{
    struct vcow_rope_metrics m;
    CHECK(vcow_rope_len(v, &m) == VCOW_OK);
    CHECK(metrics_eq(&m, &M->m));
    if (!force && *budget < M->n)
        return;
    spend(budget, M->n);
    size_t n = SIZE_MAX;
    CHECK(vcow_rope_copy(v, VCOW_ROPE_BYTES, 0, M->n, vbuf, &n) == VCOW_OK);
    CHECK(n == M->n && memcmp(vbuf, M->b, n) == 0);
}

/* The same for a txn; forced also runs the invariant checker. */
static void check_txn_text(const vcow_txn *t, const struct mtext *M, size_t *budget, bool force)
{
    struct vcow_rope_metrics m;
    CHECK(vcow_rope_len(vcow_txn_view(t), &m) == VCOW_OK);
    CHECK(metrics_eq(&m, &M->m));
    if (!force && *budget < M->n)
        return;
    spend(budget, M->n);
    size_t n = SIZE_MAX;
    CHECK(vcow_rope_copy(vcow_txn_view(t), VCOW_ROPE_BYTES, 0, M->n, vbuf, &n) == VCOW_OK);
    CHECK(n == M->n && memcmp(vbuf, M->b, n) == 0);
    if (force)
        CHECK(vcow_rope_check(vcow_txn_view(t)) == VCOW_OK);
}

/* ---- diff: rebuild b from a and the reported regions ---- */

struct dctx {
    const struct mtext *A, *B;
    uint64_t pa, pb; /* ends of the last region */
    size_t outn;     /* bytes rebuilt into vbuf2 */
    int calls, stop; /* stop: return 42 at that call (0: never) */
};

static bool boundary(const struct mtext *t, uint64_t p)
{
    return p == t->n || !is_cont(t->b[p]);
}

static int diff_cb(uint64_t a0, uint64_t a1, uint64_t b0, uint64_t b1, void *ctx)
{
    struct dctx *d = ctx;
    CHECK(a0 >= d->pa && a0 <= a1 && a1 <= d->A->n);
    CHECK(b0 >= d->pb && b0 <= b1 && b1 <= d->B->n);
    CHECK(a0 < a1 || b0 < b1);       /* a region changes something */
    CHECK(a0 - d->pa == b0 - d->pb); /* what lies between is shared */
    CHECK(boundary(d->A, a0) && boundary(d->A, a1) && boundary(d->B, b0) && boundary(d->B, b1));
    memcpy(vbuf2 + d->outn, d->A->b + d->pa, a0 - d->pa);
    d->outn += a0 - d->pa;
    CHECK(d->outn == b0);
    memcpy(vbuf2 + d->outn, d->B->b + b0, b1 - b0);
    d->outn += b1 - b0;
    d->pa = a1;
    d->pb = b1;
    d->calls++;
    return d->calls == d->stop ? 42 : 0;
}

/* ---- reads of one version ---- */

static void read_ops(struct input *in, const vcow_version *v, const struct mtext *M, uint8_t a,
                     uint8_t b)
{
    enum vcow_rope_unit u = (enum vcow_rope_unit)(a % 3), u2 = (enum vcow_rope_unit)(b / 4 % 3);
    struct vcow_rope_metrics m;
    CHECK(vcow_rope_len(v, &m) == VCOW_OK && metrics_eq(&m, &M->m));
    uint64_t x, y, out = 0, line = 0, col = 0;
    switch (b % 4) {
    case 0: { /* convert u -> u2 */
        uint64_t pos = pick_pos(in, M, u);
        int rc = vcow_rope_convert(v, u, pos, u2, &out);
        if (!to_byte(M, u, pos, &x)) {
            CHECK(rc == VCOW_ERANGE);
            break;
        }
        CHECK(rc == VCOW_OK && out == units_in(M->b, x, u2));
        /* and back */
        CHECK(vcow_rope_convert(v, u2, out, u, &y) == VCOW_OK && y == pos);
        break;
    }
    case 1: { /* line_of, then line_start of that line */
        uint64_t pos = pick_pos(in, M, u);
        int rc = vcow_rope_line_of(v, u, pos, &line, &col);
        if (!to_byte(M, u, pos, &x)) {
            CHECK(rc == VCOW_ERANGE);
            break;
        }
        uint64_t ls;
        uint64_t k = line_at(M, x, &ls);
        CHECK(rc == VCOW_OK && line == k && col == pos - units_in(M->b, ls, u));
        CHECK(vcow_rope_line_start(v, line, u, &out) == VCOW_OK && out == pos - col);
        break;
    }
    case 2: { /* line_start of any line (past the last too) */
        uint8_t s = next(in);
        uint64_t breaks = M->m.lines - 1;
        line = s % 4 == 0   ? breaks
               : s % 4 == 1 ? breaks + 1 + s / 4
               : s % 4 == 2 ? UINT64_MAX - s / 4
                            : (uint64_t)next(in) % (breaks + 1);
        int rc = vcow_rope_line_start(v, line, u, &out);
        if (!line_start_byte(M, line, &x)) {
            CHECK(rc == VCOW_ERANGE);
            break;
        }
        CHECK(rc == VCOW_OK && out == units_in(M->b, x, u));
        CHECK(vcow_rope_line_of(v, u, out, &y, &col) == VCOW_OK && y == line && col == 0);
        break;
    }
    default: { /* every metric at once, through conversions of the end */
        for (int k = 0; k < 3; k++) {
            CHECK(vcow_rope_convert(v, VCOW_ROPE_BYTES, M->n, (enum vcow_rope_unit)k, &out) ==
                  VCOW_OK);
            CHECK(out == units_of(M, (enum vcow_rope_unit)k));
        }
        CHECK(vcow_rope_line_of(v, VCOW_ROPE_BYTES, M->n, &line, &col) == VCOW_OK);
        CHECK(line == M->m.lines - 1);
        CHECK(vcow_rope_line_start(v, M->m.lines, u, &out) == VCOW_ERANGE);
        break;
    }
    }
}

/* Copy, slice and iterate a range of one version. */
static void range_ops(struct input *in, const vcow_version *v, const struct mtext *M,
                      enum vcow_rope_unit u, uint8_t b)
{
    uint64_t from = pick_pos(in, M, u), to = pick_pos(in, M, u), x = 0, y = 0;
    if (b & 4) { /* mostly ordered */
        uint64_t s = from < to ? from : to;
        to = from < to ? to : from;
        from = s;
    }
    int want =
        from > to || !to_byte(M, u, from, &x) || !to_byte(M, u, to, &y) ? VCOW_ERANGE : VCOW_OK;
    switch (b % 3) {
    case 0: {
        size_t n = SIZE_MAX;
        CHECK(vcow_rope_copy(v, u, from, to, vbuf, &n) == want);
        if (want == VCOW_OK)
            CHECK(n == y - x && memcmp(vbuf, M->b + x, n) == 0);
        break;
    }
    case 1: {
        vcow_rope_slice s, s2;
        CHECK(vcow_rope_slice_of(v, u, from, to, &s) == want);
        if (want != VCOW_OK)
            break;
        CHECK(s.from == x && s.to == y);
        s2 = s; /* plain data */
        CHECK(vcow_rope_slice_copy(&s2, vbuf) == VCOW_OK);
        CHECK(memcmp(vbuf, M->b + x, y - x) == 0);
        break;
    }
    default: {
        vcow_rope_slice s;
        CHECK(vcow_rope_slice_of(v, u, from, to, &s) == want);
        if (want != VCOW_OK)
            break;
        vcow_rope_iter it, it2;
        memset(&it2, 0, sizeof(it2));
        vcow_slice c;
        size_t n = 0, n2 = 0;
        int k = 0, fork_at = 1 + b / 8 % 4;
        bool forked = false;
        vcow_rope_iter_init(&it, &s);
        while (vcow_rope_iter_next(&it, &c)) {
            CHECK(c.len > 0 && n + c.len <= y - x);
            CHECK(utf8_ok(c.ptr, c.len)); /* whole code points */
            CHECK(memcmp(c.ptr, M->b + x + n, c.len) == 0);
            n += c.len;
            if (++k == fork_at) { /* an iterator copied mid-way goes on alike */
                it2 = it;
                n2 = n;
                forked = true;
            }
        }
        CHECK(n == y - x);
        CHECK(!vcow_rope_iter_next(&it, &c));
        if (forked) {
            while (vcow_rope_iter_next(&it2, &c)) {
                CHECK(c.len > 0 && memcmp(c.ptr, M->b + x + n2, c.len) == 0);
                n2 += c.len;
            }
            CHECK(n2 == n);
        }
        break;
    }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct input in = {data, size};
    uint8_t first = next(&in);
    struct vcow_cell_opts o = {
        .size = sizeof(o), .history = first & 1, .rope_no_deltas = (first & 2) != 0};
    struct fuzz_drv fd;
    if (!fuzz_open(&fd, VCOW_KIND_ROPE, &o))
        return 0;
    hist[0].n = 0;
    remeasure(&hist[0]);
    size_t budget = BUDGET;

    for (int ops = 0; in.n > 0 && fd.head < MAXV - 1 && ops < MAXOPS; ops++) {
        uint8_t op = next(&in), a = next(&in), b = next(&in);
        int slot = (op >> 4) % FUZZ_MAXTXN, ps = (op >> 4) % FUZZ_MAXPINS;
        vcow_txn *t = fd.txn[slot];
        /* What any txn call answers before it looks at its arguments. */
        int pre = fuzz_pre(&fd, slot);
        /* The text positions are picked on (the head's when no txn). */
        const struct mtext *cur = pre == VCOW_OK ? &work[slot] : &hist[fd.head];
        enum vcow_rope_unit u = (enum vcow_rope_unit)(a % 3);
        bool force = false;
        int rc;
        switch (op % 16) {
        case 0: /* begin (a finished txn in the slot is freed first) */
            if (fuzz_begin(&fd, slot))
                mt_copy(&work[slot], &hist[fd.head]);
            break;
        case 1:   /* insert at a position */
        case 3: { /* append */
            uint64_t pos = op % 16 == 1 ? pick_pos(&in, cur, u) : cur->n, at = 0;
            bool valid;
            size_t n = gen_text(&in, gbuf, &valid);
            const uint8_t *text = b % 32 == 0 ? NULL : gbuf;
            if (pre == VCOW_OK && valid && cur->n + n > MAXT)
                break; /* the model is full */
            if (op % 16 == 1)
                rc = vcow_rope_insert(t, u, pos, text, n);
            else
                rc = vcow_rope_append(t, text, n);
            if (pre != VCOW_OK) {
                CHECK(rc == pre);
                break;
            }
            int want = (text == NULL && n > 0) || !valid                             ? VCOW_EINVAL
                       : !to_byte(cur, op % 16 == 1 ? u : VCOW_ROPE_BYTES, pos, &at) ? VCOW_ERANGE
                                                                                     : VCOW_OK;
            if (rc == VCOW_ENOMEM) {
                CHECK(fd.armed && want == VCOW_OK && n > 0);
                force = true;
            } else {
                CHECK(rc == want);
                if (rc == VCOW_OK)
                    mt_insert(&work[slot], at, gbuf, n);
            }
            check_txn_text(t, &work[slot], &budget, force);
            break;
        }
        case 2: { /* delete */
            uint64_t pos = pick_pos(&in, cur, u), len = pick_len(&in, cur, u, pos), x = 0, y = 0;
            rc = vcow_rope_delete(t, u, pos, len);
            if (pre != VCOW_OK) {
                CHECK(rc == pre);
                break;
            }
            int want =
                pos + len < pos || !to_byte(cur, u, pos, &x) || !to_byte(cur, u, pos + len, &y)
                    ? VCOW_ERANGE
                    : VCOW_OK;
            if (rc == VCOW_ENOMEM) {
                CHECK(fd.armed && want == VCOW_OK && x < y);
                force = true;
            } else {
                CHECK(rc == want);
                if (rc == VCOW_OK)
                    mt_delete(&work[slot], x, y);
            }
            check_txn_text(t, &work[slot], &budget, force);
            break;
        }
        case 4: { /* move [from, from + len) to `to` */
            uint64_t from = pick_pos(&in, cur, u), len = pick_len(&in, cur, u, from);
            uint64_t to = pick_pos(&in, cur, u), x = 0, y = 0, d = 0;
            rc = vcow_rope_move(t, u, from, len, to);
            if (pre != VCOW_OK) {
                CHECK(rc == pre);
                break;
            }
            int want = from + len < from || !to_byte(cur, u, from, &x) ||
                               !to_byte(cur, u, from + len, &y) || !to_byte(cur, u, to, &d) ||
                               (d > x && d < y)
                           ? VCOW_ERANGE
                           : VCOW_OK;
            if (rc == VCOW_ENOMEM) {
                CHECK(fd.armed && want == VCOW_OK);
                force = true;
            } else {
                CHECK(rc == want);
                if (rc == VCOW_OK)
                    mt_move(&work[slot], x, y, d);
            }
            check_txn_text(t, &work[slot], &budget, force);
            break;
        }
        case 5: /* defrag */
            rc = vcow_rope_defrag(t);
            if (pre != VCOW_OK) {
                CHECK(rc == pre);
                break;
            }
            CHECK(rc == VCOW_OK || (rc == VCOW_ENOMEM && fd.armed));
            check_txn_text(t, &work[slot], &budget, true);
            break;
        case 6: /* commit */
            switch (fuzz_commit(&fd, slot)) {
            case FUZZ_COMMITTED:
                mt_copy(&hist[fd.head], &work[slot]);
                force = true;
                break;
            case FUZZ_NOMEM:
                check_txn_text(t, &work[slot], &budget, true);
                break;
            default:
                break;
            }
            break;
        case 7: /* abort, or free */
            fuzz_end(&fd, slot, b & 1);
            break;
        case 8: /* pin the head or a seq (maybe unknown) */
            if (!fuzz_pin(&fd, ps, a, b))
                break;
            CHECK(vcow_rope_check(fd.pin[ps]) == VCOW_OK);
            check_version(fd.pin[ps], &hist[fd.pin_seq[ps]], &budget, true);
            break;
        case 9: /* unpin */
            fuzz_unpin(&fd, ps);
            break;
        case 10: { /* diff of two versions (a missing pin: the head) */
            int pa = a % FUZZ_MAXPINS, pb = b % FUZZ_MAXPINS;
            vcow_read_lock();
            const vcow_version *h = vcow_cell_head(fd.cell);
            const vcow_version *va = fd.pin[pa] ? fd.pin[pa] : h, *vb = fd.pin[pb] ? fd.pin[pb] : h;
            uint64_t sa = fd.pin[pa] ? fd.pin_seq[pa] : fd.head,
                     sb = fd.pin[pb] ? fd.pin_seq[pb] : fd.head;
            struct dctx dc = {&hist[sa], &hist[sb], 0, 0, 0, 0, a & 8 ? 1 + a / 16 % 3 : 0};
            rc = vcow_rope_diff(va, vb, diff_cb, &dc);
            vcow_read_unlock();
            if (rc == VCOW_ENOMEM) {
                CHECK(fd.armed);
                break;
            }
            if (sa == sb)
                CHECK(dc.calls == 0); /* one version: nothing differs */
            if (dc.stop != 0 && dc.calls == dc.stop) {
                CHECK(rc == 42);
                break;
            }
            CHECK(rc == VCOW_OK);
            const struct mtext *A = dc.A, *B = dc.B;
            CHECK(A->n - dc.pa == B->n - dc.pb);
            memcpy(vbuf2 + dc.outn, A->b + dc.pa, A->n - dc.pa);
            dc.outn += A->n - dc.pa;
            CHECK(dc.outn == B->n && memcmp(vbuf2, B->b, B->n) == 0);
            break;
        }
        case 11: { /* reads of the head or a pin */
            if ((a & 8) && fd.pin[ps] != NULL) {
                read_ops(&in, fd.pin[ps], &hist[fd.pin_seq[ps]], a, b);
            } else {
                vcow_read_lock();
                read_ops(&in, vcow_cell_head(fd.cell), &hist[fd.head], a, b);
                vcow_read_unlock();
            }
            break;
        }
        case 12: /* copies, slices, chunk iteration of a version or a txn */
            if (a % 16 < 3 && pre == VCOW_OK) {
                uint64_t from = pick_pos(&in, cur, u), to = pick_pos(&in, cur, u), x = 0, y = 0;
                int want = from > to || !to_byte(cur, u, from, &x) || !to_byte(cur, u, to, &y)
                               ? VCOW_ERANGE
                               : VCOW_OK;
                size_t n = SIZE_MAX;
                CHECK(vcow_rope_copy(vcow_txn_view(t), u, from, to, vbuf, &n) == want);
                if (want == VCOW_OK)
                    CHECK(n == y - x && memcmp(vbuf, cur->b + x, n) == 0);
            } else if ((a & 8) && fd.pin[ps] != NULL) {
                range_ops(&in, fd.pin[ps], &hist[fd.pin_seq[ps]], u, b);
            } else {
                vcow_read_lock();
                range_ops(&in, vcow_cell_head(fd.cell), &hist[fd.head], u, b);
                vcow_read_unlock();
            }
            break;
        case 13: /* structural checks; every open txn in full */
            vcow_read_lock();
            CHECK(vcow_rope_check(vcow_cell_head(fd.cell)) == VCOW_OK);
            vcow_read_unlock();
            for (int i = 0; i < FUZZ_MAXPINS; i++)
                if (fd.pin[i] != NULL)
                    CHECK(vcow_rope_check(fd.pin[i]) == VCOW_OK);
            for (int i = 0; i < FUZZ_MAXTXN; i++) {
                if (fd.txn[i] == NULL)
                    continue;
                CHECK(vcow_rope_check(vcow_txn_view(fd.txn[i])) ==
                      (fd.open[i] ? VCOW_OK : VCOW_EINVAL));
                if (fd.open[i])
                    check_txn_text(fd.txn[i], &work[i], &budget, true);
            }
            break;
        case 14: /* arm or disarm an allocation failure */
            fuzz_arm(&fd, b % 4 == 0 ? 0 : 1 + a % 8, a & 1);
            break;
        default:
            if (a % 4 >= 2) { /* cell conveniences: one-op txns */
                uint64_t seq = 0, pos = pick_pos(&in, &hist[fd.head], u), x = 0, y = 0;
                int want;
                mt_copy(&scratch, &hist[fd.head]);
                if (a & 4) {
                    bool valid;
                    size_t n = gen_text(&in, gbuf, &valid);
                    if (valid && scratch.n + n > MAXT)
                        break;
                    rc = vcow_rope_cell_insert(fd.cell, u, pos, gbuf, n, &seq);
                    want = !valid                           ? VCOW_EINVAL
                           : !to_byte(&scratch, u, pos, &x) ? VCOW_ERANGE
                                                            : VCOW_OK;
                    if (rc == VCOW_OK)
                        mt_insert(&scratch, x, gbuf, n);
                } else {
                    uint64_t len = pick_len(&in, &hist[fd.head], u, pos);
                    rc = vcow_rope_cell_delete(fd.cell, u, pos, len, &seq);
                    want = pos + len < pos || !to_byte(&scratch, u, pos, &x) ||
                                   !to_byte(&scratch, u, pos + len, &y)
                               ? VCOW_ERANGE
                               : VCOW_OK;
                    if (rc == VCOW_OK)
                        mt_delete(&scratch, x, y);
                }
                if (rc == VCOW_ENOMEM) {
                    CHECK(fd.armed);
                    break;
                }
                CHECK(rc == want);
                if (rc == VCOW_OK) {
                    fuzz_cell_wrote(&fd, seq);
                    mt_copy(&hist[fd.head], &scratch);
                    force = true;
                }
                break;
            }
            /* bad arguments */
            int bad = pre != VCOW_OK ? pre : VCOW_EINVAL;
            vcow_read_lock();
            const vcow_version *h = vcow_cell_head(fd.cell);
            struct vcow_rope_metrics m;
            uint64_t out, line, col;
            size_t n;
            vcow_rope_slice s;
            vcow_rope_iter it;
            vcow_slice ch;
            switch (b % 8) {
            case 0: /* NULL versions and outputs, unknown units */
                CHECK(vcow_rope_len(NULL, &m) == VCOW_EINVAL);
                CHECK(vcow_rope_len(h, NULL) == VCOW_EINVAL);
                CHECK(vcow_rope_convert(NULL, VCOW_ROPE_BYTES, 0, VCOW_ROPE_CHARS, &out) ==
                      VCOW_EINVAL);
                CHECK(vcow_rope_convert(h, (enum vcow_rope_unit)(3 + a / 4), 0, VCOW_ROPE_BYTES,
                                        &out) == VCOW_EINVAL);
                CHECK(vcow_rope_convert(h, VCOW_ROPE_BYTES, 0, (enum vcow_rope_unit)5, &out) ==
                      VCOW_EINVAL);
                CHECK(vcow_rope_convert(h, VCOW_ROPE_BYTES, 0, VCOW_ROPE_UTF16, NULL) ==
                      VCOW_EINVAL);
                CHECK(vcow_rope_line_of(NULL, VCOW_ROPE_BYTES, 0, &line, &col) == VCOW_EINVAL);
                CHECK(vcow_rope_line_of(h, VCOW_ROPE_BYTES, 0, NULL, &col) == VCOW_EINVAL);
                CHECK(vcow_rope_line_of(h, VCOW_ROPE_BYTES, 0, &line, NULL) == VCOW_EINVAL);
                CHECK(vcow_rope_line_of(h, (enum vcow_rope_unit)7, 0, &line, &col) == VCOW_EINVAL);
                CHECK(vcow_rope_line_start(NULL, 0, VCOW_ROPE_BYTES, &out) == VCOW_EINVAL);
                CHECK(vcow_rope_line_start(h, 0, VCOW_ROPE_BYTES, NULL) == VCOW_EINVAL);
                CHECK(vcow_rope_line_start(h, 0, (enum vcow_rope_unit)3, &out) == VCOW_EINVAL);
                CHECK(vcow_rope_check(NULL) == VCOW_EINVAL);
                break;
            case 1: /* copies and slices */
                CHECK(vcow_rope_copy(NULL, VCOW_ROPE_BYTES, 0, 0, vbuf, &n) == VCOW_EINVAL);
                CHECK(vcow_rope_copy(h, (enum vcow_rope_unit)3, 0, 0, vbuf, &n) == VCOW_EINVAL);
                CHECK(vcow_rope_copy(h, VCOW_ROPE_BYTES, 0, 1, NULL, &n) == VCOW_EINVAL);
                CHECK(vcow_rope_copy(h, u, 0, 0, NULL, NULL) == VCOW_OK); /* empty: no buf */
                CHECK(vcow_rope_copy(h, u, 1, 0, vbuf, NULL) == VCOW_ERANGE);
                CHECK(vcow_rope_slice_of(NULL, VCOW_ROPE_BYTES, 0, 0, &s) == VCOW_EINVAL);
                CHECK(vcow_rope_slice_of(h, VCOW_ROPE_BYTES, 0, 0, NULL) == VCOW_EINVAL);
                CHECK(vcow_rope_slice_of(h, (enum vcow_rope_unit)3, 0, 0, &s) == VCOW_EINVAL);
                CHECK(vcow_rope_slice_of(h, u, 1, 0, &s) == VCOW_ERANGE);
                CHECK(vcow_rope_slice_copy(NULL, vbuf) == VCOW_EINVAL);
                if (hist[fd.head].n > 0) {
                    CHECK(vcow_rope_slice_of(h, VCOW_ROPE_BYTES, 0, hist[fd.head].n, &s) ==
                          VCOW_OK);
                    CHECK(vcow_rope_slice_copy(&s, NULL) == VCOW_EINVAL);
                }
                CHECK(vcow_rope_slice_of(h, u, 0, 0, &s) == VCOW_OK);
                CHECK(vcow_rope_slice_copy(&s, NULL) == VCOW_OK); /* empty */
                vcow_rope_iter_init(&it, &s);
                CHECK(!vcow_rope_iter_next(&it, &ch)); /* empty: no chunk */
                vcow_rope_iter_init(&it, NULL);
                CHECK(!vcow_rope_iter_next(&it, &ch));
                CHECK(!vcow_rope_iter_next(NULL, &ch));
                CHECK(!vcow_rope_iter_next(&it, NULL));
                break;
            case 2: /* diff */
                CHECK(vcow_rope_diff(NULL, h, diff_cb, NULL) == VCOW_EINVAL);
                CHECK(vcow_rope_diff(h, NULL, diff_cb, NULL) == VCOW_EINVAL);
                CHECK(vcow_rope_diff(h, h, NULL, NULL) == VCOW_EINVAL);
                break;
            case 3: /* txn writes: unknown units, NULL text, invalid text anywhere */
                CHECK(vcow_rope_insert(t, (enum vcow_rope_unit)(3 + b / 8), 0, "a", 1) == bad);
                CHECK(vcow_rope_insert(t, u, 0, NULL, 1 + b / 8) == bad);
                CHECK(vcow_rope_append(t, NULL, 1) == bad);
                CHECK(vcow_rope_insert(t, u, UINT64_MAX, "\xC0\x80", 2) == bad);
                CHECK(vcow_rope_append(t, "ok\xED\xA0\x80", 5) == bad);
                CHECK(vcow_rope_delete(t, (enum vcow_rope_unit)3, 0, 0) == bad);
                CHECK(vcow_rope_move(t, (enum vcow_rope_unit)4, 0, 0, 0) == bad);
                break;
            case 4: /* txn reads, NULL txns */
                CHECK(vcow_rope_len(vcow_txn_view(t), NULL) == VCOW_EINVAL);
                CHECK(vcow_rope_len(vcow_txn_view(NULL), &m) == VCOW_EINVAL);
                CHECK(vcow_rope_copy(vcow_txn_view(t), (enum vcow_rope_unit)3, 0, 0, vbuf, &n) ==
                      fuzz_view_pre(bad));
                CHECK(vcow_rope_copy(vcow_txn_view(t), VCOW_ROPE_BYTES, 0, 1, NULL, &n) ==
                      fuzz_view_pre(bad));
                CHECK(vcow_rope_copy(vcow_txn_view(NULL), VCOW_ROPE_BYTES, 0, 0, vbuf, &n) ==
                      VCOW_EINVAL);
                CHECK(vcow_rope_check(vcow_txn_view(NULL)) == VCOW_EINVAL);
                CHECK(vcow_rope_defrag(NULL) == VCOW_EINVAL);
                CHECK(vcow_rope_insert(NULL, VCOW_ROPE_BYTES, 0, "a", 1) == VCOW_EINVAL);
                CHECK(vcow_rope_append(NULL, "a", 1) == VCOW_EINVAL);
                CHECK(vcow_rope_delete(NULL, VCOW_ROPE_BYTES, 0, 0) == VCOW_EINVAL);
                CHECK(vcow_rope_move(NULL, VCOW_ROPE_BYTES, 0, 0, 0) == VCOW_EINVAL);
                if (pre != VCOW_OK) {
                    CHECK(vcow_rope_len(vcow_txn_view(t), &m) == fuzz_view_pre(pre));
                    CHECK(vcow_rope_copy(vcow_txn_view(t), VCOW_ROPE_BYTES, 0, 0, vbuf, &n) ==
                          fuzz_view_pre(pre));
                    CHECK(vcow_rope_check(vcow_txn_view(t)) == fuzz_view_pre(pre));
                    CHECK(vcow_rope_defrag(t) == pre);
                }
                break;
            case 5: { /* overflowing and past-the-end ranges */
                int r = pre != VCOW_OK ? pre : VCOW_ERANGE;
                CHECK(vcow_rope_delete(t, u, 1, UINT64_MAX) == r);
                CHECK(vcow_rope_delete(t, u, UINT64_MAX, 1) == r);
                CHECK(vcow_rope_move(t, u, 1, UINT64_MAX, 0) == r);
                CHECK(vcow_rope_move(t, u, 0, 0, UINT64_MAX) == r);
                CHECK(vcow_rope_insert(t, u, UINT64_MAX, "a", 1) == r);
                CHECK(vcow_rope_insert(t, u, units_of(cur, u) + 1, "a", 1) == r);
                CHECK(vcow_rope_convert(h, u, UINT64_MAX, VCOW_ROPE_BYTES, &out) == VCOW_ERANGE);
                CHECK(vcow_rope_line_of(h, u, units_of(&hist[fd.head], u) + 1, &line, &col) ==
                      VCOW_ERANGE);
                CHECK(vcow_rope_line_start(h, UINT64_MAX, u, &out) == VCOW_ERANGE);
                CHECK(vcow_rope_copy(h, u, 0, UINT64_MAX, vbuf, &n) == VCOW_ERANGE);
                break;
            }
            case 6: { /* another kind of cell */
                vcow_read_unlock();
                vcow_cell *bc;
                vcow_txn *bt;
                if (vcow_cell_open(VCOW_KIND_BOX, NULL, &bc) != VCOW_OK) {
                    CHECK(fd.armed);
                    vcow_read_lock();
                    break;
                }
                if (vcow_txn_begin(bc, &bt) == VCOW_OK) {
                    CHECK(vcow_rope_insert(bt, VCOW_ROPE_BYTES, 0, "a", 1) == VCOW_EINVAL);
                    CHECK(vcow_rope_len(vcow_txn_view(bt), &m) == VCOW_EINVAL);
                    CHECK(vcow_rope_check(vcow_txn_view(bt)) == VCOW_EINVAL);
                    CHECK(vcow_rope_defrag(bt) == VCOW_EINVAL);
                    vcow_txn_free(bt);
                } else {
                    CHECK(fd.armed);
                }
                CHECK(vcow_rope_cell_insert(bc, VCOW_ROPE_BYTES, 0, "a", 1, NULL) == VCOW_EINVAL);
                CHECK(vcow_rope_cell_delete(bc, VCOW_ROPE_BYTES, 0, 0, NULL) == VCOW_EINVAL);
                vcow_read_lock();
                const vcow_version *bh = vcow_cell_head(bc);
                h = vcow_cell_head(fd.cell);
                CHECK(vcow_rope_len(bh, &m) == VCOW_EINVAL);
                CHECK(vcow_rope_check(bh) == VCOW_EINVAL);
                CHECK(vcow_rope_copy(bh, VCOW_ROPE_BYTES, 0, 0, vbuf, &n) == VCOW_EINVAL);
                CHECK(vcow_rope_diff(bh, h, diff_cb, NULL) == VCOW_EINVAL);
                CHECK(vcow_rope_diff(h, bh, diff_cb, NULL) == VCOW_EINVAL);
                vcow_read_unlock();
                CHECK(vcow_cell_close(bc) == VCOW_OK);
                vcow_read_lock();
                break;
            }
            default: { /* missing txns and cells, unknown seqs, refused cell edits */
                CHECK(vcow_txn_commit(NULL) == VCOW_EINVAL);
                CHECK(vcow_txn_abort(NULL) == VCOW_EINVAL);
                CHECK(vcow_rope_cell_insert(NULL, VCOW_ROPE_BYTES, 0, "a", 1, NULL) == VCOW_EINVAL);
                CHECK(vcow_rope_cell_delete(NULL, VCOW_ROPE_BYTES, 0, 0, NULL) == VCOW_EINVAL);
                vcow_read_unlock();
                vcow_version *pv = NULL;
                CHECK(vcow_cell_pin_at(fd.cell, fd.head + 1 + b, &pv) == VCOW_ENOENT);
                rc = vcow_rope_cell_insert(fd.cell, u, 0, "\xF4\x90\x80\x80", 4, NULL);
                CHECK(rc == VCOW_EINVAL || (rc == VCOW_ENOMEM && fd.armed));
                rc = vcow_rope_cell_delete(fd.cell, u, units_of(&hist[fd.head], u) + 1, 0, NULL);
                CHECK(rc == VCOW_ERANGE || (rc == VCOW_ENOMEM && fd.armed));
                vcow_read_lock();
                break;
            }
            }
            vcow_read_unlock();
            if (pre == VCOW_OK) /* refused writes changed nothing */
                check_txn_text(t, &work[slot], &budget, false);
            break;
        }
        /* The head and every pin read what the model says. */
        vcow_read_lock();
        const vcow_version *h = vcow_cell_head(fd.cell);
        CHECK(vcow_version_seq(h) == fd.head);
        check_version(h, &hist[fd.head], &budget, force);
        vcow_read_unlock();
        for (int i = 0; i < FUZZ_MAXPINS; i++) {
            if (fd.pin[i] == NULL)
                continue;
            CHECK(vcow_version_seq(fd.pin[i]) == fd.pin_seq[i]);
            check_version(fd.pin[i], &hist[fd.pin_seq[i]], &budget, false);
        }
    }
    fuzz_close(&fd);
    return 0;
}
