/*
 * structures/rope/rope_tree_read.c - reads on a tree: node summaries, and
 * the descents that find a leaf by a unit, convert positions, count line
 * breaks before a byte, find the byte after a line break, and sum a
 * prefix. The summaries live here so the descents inline them.
 */
#include <string.h>

#include "rope_tree.h"

static inline unsigned seam(const struct rope_inner *in, uint32_t i)
{
    /* child i-1 ends with CR and child i starts with LF: one break */
    return (in->flags[i - 1] & ROPE_LAST_CR) && (in->flags[i] & ROPE_FIRST_LF);
}

static inline unsigned seam_next(const struct rope_inner *in, uint32_t i)
{
    return (in->flags[i] & ROPE_LAST_CR) && (in->flags[i + 1] & ROPE_FIRST_LF);
}

/* ---- summaries ---- */

void vcow__rope_leaf_sum(const struct rope_leaf *l, struct rope_sum *out)
{
    out->bytes = l->len;
    out->cps = l->cps;
    out->u16 = l->u16;
    out->lines = l->lines;
    out->flags = 0;
    if (l->len > 0 && l->b[0] == '\n')
        out->flags |= ROPE_FIRST_LF;
    if (l->len > 0 && l->b[l->len - 1] == '\r')
        out->flags |= ROPE_LAST_CR;
}

void vcow__rope_tree_sum(const struct vcow_node *n, struct rope_sum *out)
{
    if (n == NULL) {
        memset(out, 0, sizeof(*out));
        return;
    }
    if (rope_is_leaf(n)) {
        vcow__rope_leaf_sum(CLEAF(n), out);
        return;
    }
    const struct rope_inner *in = CINNER(n);
    uint64_t b = 0, c = 0, u = 0, l = 0;
    for (uint32_t i = 0; i < in->n; i++) {
        b += in->bytes[i];
        c += in->cps[i];
        u += in->u16[i];
        l += in->lines[i];
        if (i > 0)
            l -= seam(in, i);
    }
    out->bytes = b;
    out->cps = c;
    out->u16 = u;
    out->lines = l;
    out->flags = (in->flags[0] & ROPE_FIRST_LF) | (in->flags[in->n - 1] & ROPE_LAST_CR);
}

uint64_t vcow__rope_tree_bytes(const struct vcow_node *n)
{
    if (n == NULL)
        return 0;
    if (rope_is_leaf(n))
        return CLEAF(n)->len;
    uint64_t b = 0;
    for (uint32_t i = 0; i < CINNER(n)->n; i++)
        b += CINNER(n)->bytes[i];
    return b;
}

/* ---- descents ---- */

static inline const uint32_t *unit_array(const struct rope_inner *in, enum vcow_rope_unit unit)
{
    return unit == VCOW_ROPE_BYTES ? in->bytes : unit == VCOW_ROPE_CHARS ? in->cps : in->u16;
}

const struct rope_leaf *vcow__rope_find(const struct vcow_node *n, enum vcow_rope_unit unit,
                                        uint64_t pos, bool right, uint64_t *start, uint64_t *ustart)
{
    uint64_t b = 0, u = 0;
    while (!rope_is_leaf(n)) {
        const struct rope_inner *in = CINNER(n);
        const uint32_t *w = unit_array(in, unit);
        uint32_t i = 0, last = in->n - 1;
        if (right) {
            while (i < last && pos >= w[i]) {
                pos -= w[i];
                u += w[i];
                b += in->bytes[i];
                i++;
            }
        } else {
            while (i < last && pos > w[i]) {
                pos -= w[i];
                u += w[i];
                b += in->bytes[i];
                i++;
            }
        }
        n = in->kid[i];
    }
    *start = b;
    if (ustart != NULL)
        *ustart = u;
    return CLEAF(n);
}

int vcow__rope_tree_to_byte(const struct vcow_node *root, enum vcow_rope_unit from, uint64_t pos,
                            uint64_t *byte)
{
    struct rope_sum s;
    vcow__rope_tree_sum(root, &s);
    uint64_t total = rope_unit_of(&s, from);
    if (pos > total)
        return VCOW_ERANGE;
    if (pos == 0 || pos == total) {
        *byte = pos == 0 ? 0 : s.bytes;
        return VCOW_OK;
    }
    uint64_t start, ustart;
    const struct rope_leaf *l =
        vcow__rope_find(root, from, pos, from == VCOW_ROPE_BYTES, &start, &ustart);
    if (from == VCOW_ROPE_BYTES) {
        if (rope_is_cont(l->b[pos - start]))
            return VCOW_ERANGE;
        *byte = pos;
        return VCOW_OK;
    }
    int64_t off = rope_leaf_unit_to_off(l, from, pos - ustart);
    if (off < 0)
        return VCOW_ERANGE;
    *byte = start + (uint64_t)off;
    return VCOW_OK;
}

int vcow__rope_tree_from_byte(const struct vcow_node *root, uint64_t byte, enum vcow_rope_unit to,
                              uint64_t *out)
{
    if (to == VCOW_ROPE_BYTES || byte == 0) {
        *out = byte;
        return VCOW_OK;
    }
    /* Descend by bytes, summing the target unit of the children skipped. */
    const struct vcow_node *n = root;
    uint64_t u = 0, pos = byte;
    while (!rope_is_leaf(n)) {
        const struct rope_inner *in = CINNER(n);
        const uint32_t *w = unit_array(in, to);
        uint32_t i = 0, last = in->n - 1;
        while (i < last && pos > in->bytes[i]) {
            pos -= in->bytes[i];
            u += w[i];
            i++;
        }
        n = in->kid[i];
    }
    *out = u + vcow__rope_count_unit(CLEAF(n)->b, pos, to);
    return VCOW_OK;
}

uint64_t vcow__rope_tree_lines_before(const struct vcow_node *n, uint64_t p)
{
    uint64_t k = 0;
    while (n != NULL && p > 0 && !rope_is_leaf(n)) {
        const struct rope_inner *in = CINNER(n);
        uint32_t i = 0, last = in->n - 1;
        while (i < last && p > in->bytes[i]) {
            k += in->lines[i];
            if (i > 0)
                k -= seam(in, i);
            p -= in->bytes[i];
            i++;
        }
        /* p > 0 bytes of child i follow: its standalone prefix count
         * counts a leading LF that the CR before it already counted. */
        if (i > 0)
            k -= seam(in, i);
        n = in->kid[i];
    }
    if (n != NULL && p > 0)
        k += vcow__rope_count_lines(CLEAF(n)->b, p);
    return k;
}

unsigned char vcow__rope_tree_byte_at(const struct vcow_node *root, uint64_t p)
{
    uint64_t start;
    const struct rope_leaf *l = vcow__rope_find(root, VCOW_ROPE_BYTES, p, true, &start, NULL);
    return l->b[p - start];
}

uint64_t vcow__rope_tree_line_byte(const struct vcow_node *n, uint64_t k)
{
    uint64_t b = 0;
    while (!rope_is_leaf(n)) {
        const struct rope_inner *in = CINNER(n);
        uint32_t i = 0, last = in->n - 1;
        for (; i < last; i++) {
            /* A CR LF split between two children is attributed to the
             * right one (its LF ends the break). */
            uint64_t eff = in->lines[i] - seam_next(in, i);
            if (k <= eff)
                break;
            k -= eff;
            b += in->bytes[i];
        }
        n = in->kid[i];
    }
    return b + vcow__rope_line_to_off(CLEAF(n)->b, CLEAF(n)->len, k);
}

/* ---- prefix metrics ---- */

/* Metrics of a chunk's first off bytes (0 < off <= len): from whichever
 * end is nearer, and without a scan of an ASCII chunk's code points. */
static void leaf_prefix(const struct rope_leaf *l, uint32_t off, struct rope_sum *o)
{
    if (l->cps == l->len) { /* ASCII: as many code points and UTF-16 units as bytes */
        o->cps = o->u16 = off;
        o->lines = l->lines == 0 ? 0 : vcow__rope_count_lines(l->b, off);
        return;
    }
    if (off * 2 <= l->len) {
        vcow__rope_count(l->b, off, o);
        return;
    }
    struct rope_sum s;
    vcow__rope_count(l->b + off, l->len - off, &s);
    /* lines(l) = lines(prefix) + lines(suffix) - seam(prefix, suffix) */
    bool seam = off < l->len && l->b[off - 1] == '\r' && l->b[off] == '\n';
    o->cps = l->cps - s.cps;
    o->u16 = l->u16 - s.u16;
    o->lines = l->lines - s.lines + seam;
}

void vcow__rope_tree_prefix(const struct vcow_node *n, uint64_t x, struct rope_sum *out)
{
    uint64_t c = 0, u = 0, k = 0, p = x;
    while (n != NULL && p > 0 && !rope_is_leaf(n)) {
        const struct rope_inner *in = CINNER(n);
        uint32_t i = 0, last = in->n - 1;
        while (i < last && p > in->bytes[i]) {
            c += in->cps[i];
            u += in->u16[i];
            k += in->lines[i];
            if (i > 0)
                k -= seam(in, i);
            p -= in->bytes[i];
            i++;
        }
        /* as in vcow__rope_tree_lines_before: child i's leading LF after a CR */
        if (i > 0)
            k -= seam(in, i);
        n = in->kid[i];
    }
    if (n != NULL && p > 0) {
        struct rope_sum l;
        leaf_prefix(CLEAF(n), (uint32_t)p, &l);
        c += l.cps;
        u += l.u16;
        k += l.lines;
    }
    out->bytes = x;
    out->cps = c;
    out->u16 = u;
    out->lines = k;
    out->flags = 0;
}
