/*
 * structures/rope/rope_delta_read.c - the read primitives on any root: a
 * delta chain is mapped down to the tree at its bottom (rope_tree_read.c).
 *
 * A delta d over base B stands for the text T = A S C, where A = B[0, pos),
 * S = d->b[0, ins) and C = B[pos + del, end) (the deleted D = B[pos, pos +
 * del) is gone). A position x of T maps to the base by three cases:
 *
 *   x <= pos            A: the base at x (the same prefix)
 *   pos < x <= pos+ins  S: answered from the inserted bytes and the cached
 *                       metrics of A, the chain walk ends here
 *   x > pos + ins       C: the base at x - ins + del, and the answer shifts
 *                       by a constant of d (S's metrics minus D's)
 *
 * so every primitive walks the chain once, accumulating the shift, and
 * finishes with the tree version at the bottom: O(chain + log m). (For
 * unit positions the same cases hold with A's, S's and D's unit counts.)
 *
 * Line breaks. Counts are standalone (a CR at the end of a text counts);
 * the two seams of T, A|S and S|C, may join a CR to an LF. For x in C:
 *   lines(T[0, x)) = lines(B[0, y)) + c_lines,   y = x - ins + del,
 *   c_lines = lines(A) + lines(S) - lines(B[0, pos + del))
 *           + seam(A D, C) - seam(S, C) - seam(A, S C)
 * where seam(X, Y) is 1 when X ends with CR and Y starts with LF; the flags
 * ROPE_D_* hold the bytes around the edit that decide them. The same
 * constant maps the k-th break of T in C to break k - c_lines of B.
 */
#include "rope_delta.h"

static inline uint64_t a_units(const struct rope_delta *d, enum vcow_rope_unit u)
{
    return u == VCOW_ROPE_BYTES ? d->pos : u == VCOW_ROPE_CHARS ? d->a_cps : d->a_u16;
}

static inline uint64_t s_units(const struct rope_delta *d, enum vcow_rope_unit u)
{
    return u == VCOW_ROPE_BYTES ? d->ins : u == VCOW_ROPE_CHARS ? d->s_cps : d->s_u16;
}

static inline uint64_t d_units(const struct rope_delta *d, enum vcow_rope_unit u)
{
    return u == VCOW_ROPE_BYTES ? d->del : u == VCOW_ROPE_CHARS ? d->d_cps : d->d_u16;
}

static inline uint64_t total_units(const struct rope_delta *d, enum vcow_rope_unit u)
{
    return u == VCOW_ROPE_BYTES ? d->bytes : u == VCOW_ROPE_CHARS ? d->cps : d->u16;
}

/* seam(A, S...) for a position inside S (S is not empty there). */
static inline unsigned seam_a_s(const struct rope_delta *d)
{
    return (d->flags & ROPE_D_A_CR) && (d->flags & ROPE_D_S_LF);
}

static int chain_to_byte(const struct vcow_node *n, enum vcow_rope_unit u, uint64_t pos,
                         uint64_t *byte)
{
    uint64_t total = total_units(CDELTA(n), u);
    if (pos > total)
        return VCOW_ERANGE;
    if (pos == 0 || pos == total) {
        *byte = pos == 0 ? 0 : CDELTA(n)->bytes;
        return VCOW_OK;
    }
    uint64_t shift = 0; /* added to the base's byte (wraps: ins - del may be negative) */
    while (rope_is_delta(n)) {
        const struct rope_delta *d = CDELTA(n);
        uint64_t a = a_units(d, u), s = s_units(d, u);
        if (pos > a && pos <= a + s) {
            int64_t off = vcow__rope_unit_to_off(d->b, d->ins, u, pos - a);
            if (off < 0 || (off < d->ins && rope_is_cont(d->b[off])))
                return VCOW_ERANGE;
            *byte = d->pos + (uint64_t)off + shift;
            return VCOW_OK;
        }
        if (pos > a) {
            pos = pos - s + d_units(d, u);
            shift += (uint64_t)d->ins - d->del;
        }
        n = d->base;
    }
    uint64_t b;
    int rc = vcow__rope_tree_to_byte(n, u, pos, &b);
    if (rc == VCOW_OK)
        *byte = b + shift;
    return rc;
}

static int chain_from_byte(const struct vcow_node *n, uint64_t byte, enum vcow_rope_unit u,
                           uint64_t *out)
{
    uint64_t shift = 0;
    while (rope_is_delta(n)) {
        const struct rope_delta *d = CDELTA(n);
        if (byte > d->pos && byte <= (uint64_t)d->pos + d->ins) {
            *out = shift + a_units(d, u) + vcow__rope_count_unit(d->b, byte - d->pos, u);
            return VCOW_OK;
        }
        if (byte > d->pos) {
            byte = byte - d->ins + d->del;
            shift += s_units(d, u) - d_units(d, u);
        }
        n = d->base;
    }
    uint64_t x;
    int rc = vcow__rope_tree_from_byte(n, byte, u, &x);
    if (rc == VCOW_OK)
        *out = x + shift;
    return rc;
}

static uint64_t chain_lines_before(const struct vcow_node *n, uint64_t x)
{
    uint64_t shift = 0;
    while (rope_is_delta(n)) {
        const struct rope_delta *d = CDELTA(n);
        if (x > d->pos && x <= (uint64_t)d->pos + d->ins)
            return shift + d->a_lines + vcow__rope_count_lines(d->b, x - d->pos) - seam_a_s(d);
        if (x > d->pos) {
            x = x - d->ins + d->del;
            shift += (uint64_t)(int64_t)d->c_lines;
        }
        n = d->base;
    }
    return shift + vcow__rope_tree_lines_before(n, x);
}

static unsigned char chain_byte_at(const struct vcow_node *n, uint64_t x)
{
    while (rope_is_delta(n)) {
        const struct rope_delta *d = CDELTA(n);
        if (x >= d->pos && x < (uint64_t)d->pos + d->ins)
            return d->b[x - d->pos];
        if (x >= d->pos)
            x = x - d->ins + d->del;
        n = d->base;
    }
    return vcow__rope_tree_byte_at(n, x);
}

/*
 * The byte after the k-th break of T (1 <= k <= breaks). Breaks 1 ..
 * lines(A) lie in A and are the base's, except a CR ending A, whose break
 * ends after the LF that may follow it; the next ones are S's, then C's
 * (the base's, renumbered by c_lines).
 */
static uint64_t chain_line_byte(const struct vcow_node *n, uint64_t k)
{
    uint64_t shift = 0;
    while (rope_is_delta(n)) {
        const struct rope_delta *d = CDELTA(n);
        unsigned f = d->flags;
        bool a_cr = f & ROPE_D_A_CR;
        bool next_lf = d->ins > 0 ? (f & ROPE_D_S_LF) : (f & ROPE_D_C_LF);
        if (k == d->a_lines && a_cr)
            return shift + d->pos + next_lf;
        if (k > d->a_lines) {
            uint64_t ks = k - d->a_lines + (a_cr && next_lf); /* index among S C's breaks */
            if (d->ins > 0 && ks <= d->s_lines) {
                bool s_cr = f & ROPE_D_S_CR;
                if (ks < d->s_lines || !s_cr)
                    return shift + d->pos + vcow__rope_line_to_off(d->b, d->ins, ks);
                return shift + d->pos + d->ins + ((f & ROPE_D_C_LF) != 0);
            }
            k -= (uint64_t)(int64_t)d->c_lines;
            shift += (uint64_t)d->ins - d->del;
        }
        n = d->base;
    }
    return shift + vcow__rope_tree_line_byte(n, k);
}

/* ---- prefix metrics ---- */

void vcow__rope_prefix(const struct vcow_node *n, uint64_t x, struct rope_sum *out)
{
    uint64_t x0 = x, sc = 0, su = 0, sl = 0;
    while (rope_is_delta(n)) {
        const struct rope_delta *d = CDELTA(n);
        if (x > d->pos && x <= (uint64_t)d->pos + d->ins) {
            struct rope_sum s;
            vcow__rope_count(d->b, x - d->pos, &s);
            out->bytes = x0;
            out->cps = sc + d->a_cps + s.cps;
            out->u16 = su + d->a_u16 + s.u16;
            out->lines = sl + d->a_lines + s.lines - seam_a_s(d);
            out->flags = 0;
            return;
        }
        if (x > d->pos) {
            x = x - d->ins + d->del;
            sc += (uint64_t)d->s_cps - d->d_cps;
            su += (uint64_t)d->s_u16 - d->d_u16;
            sl += (uint64_t)(int64_t)d->c_lines;
        }
        n = d->base;
    }
    vcow__rope_tree_prefix(n, x, out);
    out->bytes = x0;
    out->cps += sc;
    out->u16 += su;
    out->lines += sl;
}

/* ---- any root ---- */

void vcow__rope_sum(const struct vcow_node *n, struct rope_sum *out)
{
    if (!rope_is_delta(n)) {
        vcow__rope_tree_sum(n, out);
        return;
    }
    const struct rope_delta *d = CDELTA(n);
    out->bytes = d->bytes;
    out->cps = d->cps;
    out->u16 = d->u16;
    out->lines = d->lines;
    out->flags = d->flags & (ROPE_FIRST_LF | ROPE_LAST_CR);
}

int vcow__rope_to_byte(const struct vcow_node *root, enum vcow_rope_unit from, uint64_t pos,
                       uint64_t *byte)
{
    if (rope_is_delta(root))
        return chain_to_byte(root, from, pos, byte);
    return vcow__rope_tree_to_byte(root, from, pos, byte);
}

int vcow__rope_from_byte(const struct vcow_node *root, uint64_t byte, enum vcow_rope_unit to,
                         uint64_t *out)
{
    if (rope_is_delta(root) && to != VCOW_ROPE_BYTES && byte > 0)
        return chain_from_byte(root, byte, to, out);
    return vcow__rope_tree_from_byte(root, byte, to, out);
}

uint64_t vcow__rope_lines_before(const struct vcow_node *root, uint64_t p)
{
    if (rope_is_delta(root))
        return chain_lines_before(root, p);
    return vcow__rope_tree_lines_before(root, p);
}

unsigned char vcow__rope_byte_at(const struct vcow_node *root, uint64_t p)
{
    if (rope_is_delta(root))
        return chain_byte_at(root, p);
    return vcow__rope_tree_byte_at(root, p);
}

uint64_t vcow__rope_line_byte(const struct vcow_node *root, uint64_t k)
{
    if (rope_is_delta(root))
        return chain_line_byte(root, k);
    return vcow__rope_tree_line_byte(root, k);
}
