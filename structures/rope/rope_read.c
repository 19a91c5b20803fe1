/*
 * structures/rope/rope_read.c - the public reads on a version: lengths,
 * position conversions, lines, copies, slices, chunk iteration, diff and
 * the checker. Every root a version may hold (NULL, a tree, a delta chain)
 * is read through the delta layer (rope_delta.h).
 */
#include <string.h>

#include "rope_api.h"

static void len_of(const struct vcow_node *root, struct vcow_rope_metrics *out)
{
    struct rope_sum s;
    vcow__rope_sum(root, &s);
    out->bytes = s.bytes;
    out->chars = s.cps;
    out->utf16 = s.u16;
    out->lines = s.lines + 1;
}

int vcow_rope_len(const vcow_version *v, struct vcow_rope_metrics *out)
{
    const struct vcow_node *root;
    int rc = out == NULL ? VCOW_EINVAL : rope_root_of(v, &root);
    if (rc == VCOW_OK)
        len_of(root, out);
    return rc;
}

int vcow_rope_convert(const vcow_version *v, enum vcow_rope_unit from, uint64_t pos,
                      enum vcow_rope_unit to, uint64_t *out)
{
    const struct vcow_node *root;
    if (out == NULL || !rope_unit_ok(from) || !rope_unit_ok(to))
        return VCOW_EINVAL;
    int rc = rope_root_of(v, &root);
    uint64_t b;
    if (rc == VCOW_OK)
        rc = vcow__rope_to_byte(root, from, pos, &b);
    if (rc == VCOW_OK)
        rc = vcow__rope_from_byte(root, b, to, out);
    return rc;
}

int vcow_rope_line_start(const vcow_version *v, uint64_t line, enum vcow_rope_unit unit,
                         uint64_t *pos)
{
    const struct vcow_node *root;
    if (pos == NULL || !rope_unit_ok(unit))
        return VCOW_EINVAL;
    int rc = rope_root_of(v, &root);
    if (rc != VCOW_OK)
        return rc;
    struct rope_sum s;
    vcow__rope_sum(root, &s);
    if (line > s.lines)
        return VCOW_ERANGE;
    if (line == 0) {
        *pos = 0;
        return VCOW_OK;
    }
    return vcow__rope_from_byte(root, vcow__rope_line_byte(root, line), unit, pos);
}

int vcow_rope_line_of(const vcow_version *v, enum vcow_rope_unit unit, uint64_t pos, uint64_t *line,
                      uint64_t *col)
{
    const struct vcow_node *root;
    if (line == NULL || col == NULL || !rope_unit_ok(unit))
        return VCOW_EINVAL;
    int rc = rope_root_of(v, &root);
    uint64_t b;
    if (rc == VCOW_OK)
        rc = vcow__rope_to_byte(root, unit, pos, &b);
    if (rc != VCOW_OK)
        return rc;
    struct rope_sum s;
    vcow__rope_sum(root, &s);
    uint64_t k = vcow__rope_lines_before(root, b);
    /* Between the CR and the LF of a pair: still on the line before. */
    if (b > 0 && b < s.bytes && vcow__rope_byte_at(root, b - 1) == '\r' &&
        vcow__rope_byte_at(root, b) == '\n')
        k--;
    uint64_t lstart = k == 0 ? 0 : vcow__rope_line_byte(root, k), ustart;
    vcow__rope_from_byte(root, lstart, unit, &ustart);
    *line = k;
    *col = pos - ustart;
    return VCOW_OK;
}

static int copy_range(const struct vcow_node *root, enum vcow_rope_unit unit, uint64_t from,
                      uint64_t to, void *buf, size_t *n)
{
    uint64_t a, b;
    if (!rope_unit_ok(unit) || (buf == NULL && from != to))
        return VCOW_EINVAL;
    if (from > to)
        return VCOW_ERANGE;
    int rc = vcow__rope_to_byte(root, unit, from, &a);
    if (rc == VCOW_OK)
        rc = vcow__rope_to_byte(root, unit, to, &b);
    if (rc != VCOW_OK)
        return rc;
    if (a < b)
        vcow__rope_copy_bytes(root, a, b, buf);
    if (n != NULL)
        *n = (size_t)(b - a);
    return VCOW_OK;
}

int vcow_rope_copy(const vcow_version *v, enum vcow_rope_unit unit, uint64_t from, uint64_t to,
                   void *buf, size_t *n)
{
    const struct vcow_node *root;
    int rc = rope_root_of(v, &root);
    return rc == VCOW_OK ? copy_range(root, unit, from, to, buf, n) : rc;
}

int vcow_rope_slice_of(const vcow_version *v, enum vcow_rope_unit unit, uint64_t from, uint64_t to,
                       vcow_rope_slice *out)
{
    const struct vcow_node *root;
    if (out == NULL || !rope_unit_ok(unit))
        return VCOW_EINVAL;
    if (from > to)
        return VCOW_ERANGE;
    int rc = rope_root_of(v, &root);
    uint64_t a, b;
    if (rc == VCOW_OK)
        rc = vcow__rope_to_byte(root, unit, from, &a);
    if (rc == VCOW_OK)
        rc = vcow__rope_to_byte(root, unit, to, &b);
    if (rc != VCOW_OK)
        return rc;
    out->root = root;
    out->from = a;
    out->to = b;
    return VCOW_OK;
}

int vcow_rope_slice_copy(const vcow_rope_slice *s, void *buf)
{
    if (s == NULL || (buf == NULL && s->from < s->to))
        return VCOW_EINVAL;
    if (s->from < s->to)
        vcow__rope_copy_bytes(s->root, s->from, s->to, buf);
    return VCOW_OK;
}

int vcow_rope_iter_init(vcow_rope_iter *it, const vcow_rope_slice *s)
{
    if (it == NULL)
        return VCOW_EINVAL;
    if (s == NULL) {
        memset(it, 0, sizeof(*it)); /* an iterator that yields nothing */
        return VCOW_EINVAL;
    }
    vcow__rope_iter_init(it, s->root, s->from, s->to);
    return VCOW_OK;
}

bool vcow_rope_iter_next(vcow_rope_iter *it, vcow_slice *chunk)
{
    if (it == NULL || chunk == NULL)
        return false;
    return vcow__rope_iter_next(it, chunk);
}

int vcow_rope_check(const vcow_version *v)
{
    const struct vcow_node *root;
    int rc = rope_root_of(v, &root);
    return rc == VCOW_OK ? vcow__rope_check(root) : rc;
}

int vcow_rope_diff(const vcow_version *va, const vcow_version *vb, vcow_rope_diff_fn *fn, void *ctx)
{
    const struct vcow_node *ra, *rb;
    if (fn == NULL || rope_root_of(va, &ra) != VCOW_OK || rope_root_of(vb, &rb) != VCOW_OK)
        return VCOW_EINVAL;
    return vcow__rope_diff(ra, rb, fn, ctx);
}
