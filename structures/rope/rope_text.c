/*
 * structures/rope/rope_text.c - UTF-8 scanning for the rope: validation,
 * metric counts and unit-to-offset searches within one chunk.
 *
 * Counting code points is counting bytes that are not continuation bytes
 * (10xxxxxx); a UTF-16 code unit count adds one per 4-byte sequence (a
 * surrogate pair). The hot loops work eight bytes at a time: chunks are
 * under 1 KiB, but a keystroke replay scans one per edit.
 */
#include <string.h>

#include "rope_text.h"

/* Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, <= U+10FFFF. */
bool vcow__rope_utf8_valid(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t need;
        unsigned char lo = 0x80, hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF) {
            need = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            need = 2;
            if (c == 0xE0)
                lo = 0xA0;
            else if (c == 0xED)
                hi = 0x9F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            need = 3;
            if (c == 0xF0)
                lo = 0x90;
            else if (c == 0xF4)
                hi = 0x8F;
        } else {
            return false;
        }
        if (n - i <= need)
            return false;
        if (s[i + 1] < lo || s[i + 1] > hi)
            return false;
        for (size_t k = 2; k <= need; k++)
            if (!rope_is_cont(s[i + k]))
                return false;
        i += need + 1;
    }
    return true;
}

static inline uint64_t load64(const unsigned char *p)
{
    uint64_t x;
    memcpy(&x, p, 8);
    return x;
}

#define ONES  0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

/* Bytes of m (a mask of byte top bits) that are set. A multiply sums the
 * eight 0/1 bytes into the top byte: no popcount instruction needed (the
 * library is built for baseline x86-64, where __builtin_popcountll is a
 * libgcc call). */
static inline uint64_t count_tops(uint64_t m)
{
    return ((m >> 7) * ONES) >> 56;
}

/* Bytes of s[0..n) that start a code point. */
static uint64_t count_starts(const unsigned char *s, size_t n)
{
    uint64_t cont = 0;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t x = load64(s + i);
        /* continuation: bit7 set and bit6 clear */
        uint64_t m = x & ~(x << 1) & HIGHS;
        cont += count_tops(m);
    }
    for (; i < n; i++)
        cont += rope_is_cont(s[i]);
    return n - cont;
}

static uint64_t count_four(const unsigned char *s, size_t n)
{
    uint64_t k = 0;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t x = load64(s + i);
        /* bytes >= 0xF0: the top four bits all set */
        uint64_t m = x & (x << 1) & (x << 2) & (x << 3) & HIGHS;
        k += count_tops(m);
    }
    for (; i < n; i++)
        k += s[i] >= 0xF0;
    return k;
}

uint64_t vcow__rope_count_lines(const unsigned char *s, size_t n)
{
    uint64_t k = 0;
    const unsigned char *p = s, *end = s + n;
    for (;;) {
        /* Most text has few breaks: let memchr-like scans do the work. */
        while (p < end && *p != '\n' && *p != '\r')
            p++;
        if (p == end)
            break;
        if (*p == '\r' && p + 1 < end && p[1] == '\n')
            p++; /* CR LF: counted once, at the LF */
        k++;
        p++;
    }
    return k;
}

void vcow__rope_count(const unsigned char *s, size_t n, struct rope_sum *out)
{
    out->bytes = n;
    out->cps = count_starts(s, n);
    out->u16 = out->cps + count_four(s, n);
    out->lines = vcow__rope_count_lines(s, n);
    out->flags = 0;
    if (n > 0 && s[0] == '\n')
        out->flags |= ROPE_FIRST_LF;
    if (n > 0 && s[n - 1] == '\r')
        out->flags |= ROPE_LAST_CR;
}

uint64_t vcow__rope_count_unit(const unsigned char *s, size_t n, enum vcow_rope_unit unit)
{
    switch (unit) {
    case VCOW_ROPE_BYTES:
        return n;
    case VCOW_ROPE_CHARS:
        return count_starts(s, n);
    default:
        return count_starts(s, n) + count_four(s, n);
    }
}

static size_t utf8_seq_len(unsigned char c)
{
    return c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

int64_t vcow__rope_unit_to_off(const unsigned char *s, size_t n, enum vcow_rope_unit unit,
                               uint64_t k)
{
    if (unit == VCOW_ROPE_BYTES)
        return (int64_t)k;
    size_t i = 0;
    if (unit == VCOW_ROPE_CHARS) {
        /* Eight bytes at a time while the word holds at most k starts;
         * then byte by byte to the start of code point k (which also steps
         * over the tail of a sequence the last word cut). */
        while (i + 8 <= n) {
            uint64_t x = load64(s + i);
            uint64_t starts = 8 - count_tops(x & ~(x << 1) & HIGHS);
            if (starts > k)
                break;
            k -= starts;
            i += 8;
        }
        for (; i < n; i++) {
            if (!rope_is_cont(s[i])) {
                if (k == 0)
                    break;
                k--;
            }
        }
        return (int64_t)i;
    }
    while (k > 0 && i < n) {
        size_t l = utf8_seq_len(s[i]);
        if (l == 4) {
            if (k == 1)
                return -1; /* between the halves of a surrogate pair */
            k -= 2;
        } else {
            k--;
        }
        i += l;
    }
    return (int64_t)i;
}

size_t vcow__rope_line_to_off(const unsigned char *s, size_t n, uint64_t k)
{
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i++];
        if (c == '\n' || (c == '\r' && (i == n || s[i] != '\n'))) {
            if (--k == 0)
                return i;
        }
    }
    return n;
}
