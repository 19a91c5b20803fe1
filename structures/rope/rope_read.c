/*
 * structures/rope/rope_read.c - reads on a version or a txn: lengths,
 * position conversions, lines, copies, slices, the invariant checker.
 */
#include <string.h>

#include "rope_int.h"

static int root_of(const vcow_version *v, const struct vcow_node **root)
{
    if (v == NULL || vcow_version_kind(v) != VCOW_KIND_ROPE)
        return VCOW_EINVAL;
    *root = vcow_version_root(v);
    return VCOW_OK;
}

static bool unit_ok(enum vcow_rope_unit u)
{
    return u == VCOW_ROPE_BYTES || u == VCOW_ROPE_CHARS || u == VCOW_ROPE_UTF16;
}

static void len_of(const struct vcow_node *root, struct vcow_rope_metrics *out)
{
    struct rope_sum s;
    vcow__rope_node_sum(root, &s);
    out->bytes = s.bytes;
    out->chars = s.cps;
    out->utf16 = s.u16;
    out->lines = s.lines + 1;
}

int vcow_rope_len(const vcow_version *v, struct vcow_rope_metrics *out)
{
    const struct vcow_node *root;
    int rc = out == NULL ? VCOW_EINVAL : root_of(v, &root);
    if (rc == VCOW_OK)
        len_of(root, out);
    return rc;
}

int vcow_rope_convert(const vcow_version *v, enum vcow_rope_unit from, uint64_t pos,
                      enum vcow_rope_unit to, uint64_t *out)
{
    const struct vcow_node *root;
    if (out == NULL || !unit_ok(from) || !unit_ok(to))
        return VCOW_EINVAL;
    int rc = root_of(v, &root);
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
    if (pos == NULL || !unit_ok(unit))
        return VCOW_EINVAL;
    int rc = root_of(v, &root);
    if (rc != VCOW_OK)
        return rc;
    struct rope_sum s;
    vcow__rope_node_sum(root, &s);
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
    if (line == NULL || col == NULL || !unit_ok(unit))
        return VCOW_EINVAL;
    int rc = root_of(v, &root);
    uint64_t b;
    if (rc == VCOW_OK)
        rc = vcow__rope_to_byte(root, unit, pos, &b);
    if (rc != VCOW_OK)
        return rc;
    struct rope_sum s;
    vcow__rope_node_sum(root, &s);
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
    if (!unit_ok(unit) || (buf == NULL && from != to))
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
    int rc = root_of(v, &root);
    return rc == VCOW_OK ? copy_range(root, unit, from, to, buf, n) : rc;
}

int vcow_rope_slice_of(const vcow_version *v, enum vcow_rope_unit unit, uint64_t from, uint64_t to,
                       vcow_rope_slice *out)
{
    const struct vcow_node *root;
    if (out == NULL || !unit_ok(unit))
        return VCOW_EINVAL;
    if (from > to)
        return VCOW_ERANGE;
    int rc = root_of(v, &root);
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

/* ---- the invariant checker ---- */

static bool check_node(const struct vcow_node *n, uint32_t height, struct rope_sum *out)
{
    if (n->kind != VCOW_KIND_ROPE || rope_is_delta(n))
        return false;
    if (rope_is_leaf(n)) {
        const struct rope_leaf *l = CLEAF(n);
        if (height != 0 || l->len == 0 || l->len > rope_leaf_cap(l) ||
            rope_leaf_cap(l) > ROPE_LEAF_MAX || n->size < ROPE_LEAF_HDR)
            return false;
        if (!vcow__rope_utf8_valid(l->b, l->len))
            return false;
        vcow__rope_count(l->b, l->len, out);
        return out->cps == l->cps && out->u16 == l->u16 && out->lines == l->lines;
    }
    if (n->type != ROPE_INNER || n->size != sizeof(struct rope_inner))
        return false;
    const struct rope_inner *in = CINNER(n);
    if (in->height != height || height == 0 || in->n == 0 || in->n > ROPE_FAN)
        return false;
    for (uint32_t i = 0; i < in->n; i++) {
        struct rope_sum s;
        if (in->kid[i] == NULL || !check_node(in->kid[i], height - 1, &s))
            return false;
        if (s.bytes != in->bytes[i] || s.cps != in->cps[i] || s.u16 != in->u16[i] ||
            s.lines != in->lines[i] || s.flags != in->flags[i])
            return false;
    }
    vcow__rope_node_sum(n, out);
    return true;
}

int vcow__rope_check_tree(const struct vcow_node *root)
{
    struct rope_sum s;
    if (root == NULL)
        return VCOW_OK;
    if (rope_height(root) > ROPE_MAX_H)
        return VCOW_ECORRUPT;
    if (!check_node(root, rope_height(root), &s) || s.bytes > VCOW_ROPE_MAX_BYTES)
        return VCOW_ECORRUPT;
    return VCOW_OK;
}

static int check_root(const struct vcow_node *root)
{
    return rope_is_delta(root) ? vcow__rope_delta_check(root) : vcow__rope_check_tree(root);
}

int vcow_rope_check(const vcow_version *v)
{
    const struct vcow_node *root;
    int rc = root_of(v, &root);
    return rc == VCOW_OK ? check_root(root) : rc;
}
