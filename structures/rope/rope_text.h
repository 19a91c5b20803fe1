/*
 * structures/rope/rope_text.h - UTF-8 scanning and text metrics: the
 * bottom of the rope's layers, below the tree engine (rope_tree.h). It
 * knows bytes, not nodes.
 */
#ifndef VCOW_ROPE_TEXT_H
#define VCOW_ROPE_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vcow/rope.h>

/* Edge flags of a text: it starts with LF / ends with CR (a CR LF pair
 * split across two texts counts once, see rope_tree.h). */
enum { ROPE_FIRST_LF = 1, ROPE_LAST_CR = 2 };

/* Metrics of a text (standalone line count) and its edge flags. */
struct rope_sum {
    uint64_t bytes, cps, u16, lines;
    unsigned flags;
};

static inline bool rope_is_cont(unsigned char c)
{
    return (c & 0xC0) == 0x80;
}

static inline bool rope_unit_ok(enum vcow_rope_unit u)
{
    return u == VCOW_ROPE_BYTES || u == VCOW_ROPE_CHARS || u == VCOW_ROPE_UTF16;
}

static inline uint64_t rope_unit_of(const struct rope_sum *s, enum vcow_rope_unit unit)
{
    return unit == VCOW_ROPE_BYTES ? s->bytes : unit == VCOW_ROPE_CHARS ? s->cps : s->u16;
}

/* rope_text.c */
bool vcow__rope_utf8_valid(const unsigned char *s, size_t n);
void vcow__rope_count(const unsigned char *s, size_t n, struct rope_sum *out);
uint64_t vcow__rope_count_unit(const unsigned char *s, size_t n, enum vcow_rope_unit unit);
/* Byte offset of unit position k within s (k <= units in s); -1 when k
 * falls inside a surrogate pair. */
int64_t vcow__rope_unit_to_off(const unsigned char *s, size_t n, enum vcow_rope_unit unit,
                               uint64_t k);
/* Byte offset just after the k-th line break of s (1 <= k <= breaks). */
size_t vcow__rope_line_to_off(const unsigned char *s, size_t n, uint64_t k);
/* Line breaks ending in s[0..n) counted standalone (a CR at s[n-1] counts). */
uint64_t vcow__rope_count_lines(const unsigned char *s, size_t n);

#endif
