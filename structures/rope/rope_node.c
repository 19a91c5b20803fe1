/*
 * structures/rope/rope_node.c - the rope kind's ops, node summaries and the
 * read-side descents every operation shares (find a leaf by a unit, convert
 * positions, count line breaks before a byte, iterate chunks).
 *
 * Each read primitive has a tree version (rope_tree_*) and a generic one
 * that sends a delta root to rope_delta_read.c, which maps the position
 * down the chain and finishes with the tree version.
 */
#include <string.h>

#include "rope_int.h"

static void rope_walk(const struct vcow_node *n, vcow_child_fn *visit, void *ctx)
{
    if (rope_is_leaf(n))
        return;
    if (rope_is_delta(n)) {
        /* The base is reachable from this version only through the delta. */
        if (CDELTA(n)->base != NULL)
            visit(CDELTA(n)->base, ctx);
        return;
    }
    const struct rope_inner *in = CINNER(n);
    for (uint32_t i = 0; i < in->n; i++)
        visit(in->kid[i], ctx);
}

bool vcow_rope_nested_equal(const vcow_version *va, const struct vcow_node *a,
                            const vcow_version *vb, const struct vcow_node *b); /* rope_equal.c */
const struct vcow_kind_ops vcow_rope_ops = {.name = "rope",
                                            .walk = rope_walk,
                                            .equal = vcow_rope_nested_equal,
                                            .revert = vcow__rope_revert};

const struct vcow_node *vcow__rope_root_of(const vcow_version *v)
{
    return vcow_version_root(v);
}

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

static inline unsigned seam(const struct rope_inner *in, uint32_t i)
{
    /* 1 when child i-1 ends with CR and child i starts with LF: one break
     * counted by both. */
    return (in->flags[i - 1] & ROPE_LAST_CR) && (in->flags[i] & ROPE_FIRST_LF);
}

void vcow__rope_node_sum(const struct vcow_node *n, struct rope_sum *out)
{
    if (n == NULL) {
        memset(out, 0, sizeof(*out));
        return;
    }
    if (rope_is_leaf(n)) {
        vcow__rope_leaf_sum(CLEAF(n), out);
        return;
    }
    if (rope_is_delta(n)) {
        const struct rope_delta *d = CDELTA(n);
        out->bytes = d->bytes;
        out->cps = d->cps;
        out->u16 = d->u16;
        out->lines = d->lines;
        out->flags = d->flags & (ROPE_FIRST_LF | ROPE_LAST_CR);
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

void vcow__rope_inner_set(struct rope_inner *in, uint32_t i, const struct vcow_node *kid)
{
    struct rope_sum s;
    vcow__rope_node_sum(kid, &s);
    in->kid[i] = (struct vcow_node *)kid;
    in->bytes[i] = (uint32_t)s.bytes;
    in->cps[i] = (uint32_t)s.cps;
    in->u16[i] = (uint32_t)s.u16;
    in->lines[i] = (uint32_t)s.lines;
    in->flags[i] = (uint8_t)s.flags;
}

uint64_t vcow__rope_unit_of(const struct rope_sum *s, enum vcow_rope_unit unit)
{
    return unit == VCOW_ROPE_BYTES ? s->bytes : unit == VCOW_ROPE_CHARS ? s->cps : s->u16;
}

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
    vcow__rope_node_sum(root, &s);
    uint64_t total = vcow__rope_unit_of(&s, from);
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

int vcow__rope_to_byte(const struct vcow_node *root, enum vcow_rope_unit from, uint64_t pos,
                       uint64_t *byte)
{
    if (rope_is_delta(root))
        return vcow__rope_delta_to_byte(root, from, pos, byte);
    return vcow__rope_tree_to_byte(root, from, pos, byte);
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

int vcow__rope_from_byte(const struct vcow_node *root, uint64_t byte, enum vcow_rope_unit to,
                         uint64_t *out)
{
    if (rope_is_delta(root) && to != VCOW_ROPE_BYTES && byte > 0)
        return vcow__rope_delta_from_byte(root, byte, to, out);
    return vcow__rope_tree_from_byte(root, byte, to, out);
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

uint64_t vcow__rope_lines_before(const struct vcow_node *root, uint64_t p)
{
    if (rope_is_delta(root))
        return vcow__rope_delta_lines_before(root, p);
    return vcow__rope_tree_lines_before(root, p);
}

unsigned char vcow__rope_tree_byte_at(const struct vcow_node *root, uint64_t p)
{
    uint64_t start;
    const struct rope_leaf *l = vcow__rope_find(root, VCOW_ROPE_BYTES, p, true, &start, NULL);
    return l->b[p - start];
}

unsigned char vcow__rope_byte_at(const struct vcow_node *root, uint64_t p)
{
    if (rope_is_delta(root))
        return vcow__rope_delta_byte_at(root, p);
    return vcow__rope_tree_byte_at(root, p);
}

static inline unsigned seam_next(const struct rope_inner *in, uint32_t i)
{
    return (in->flags[i] & ROPE_LAST_CR) && (in->flags[i + 1] & ROPE_FIRST_LF);
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

uint64_t vcow__rope_line_byte(const struct vcow_node *root, uint64_t k)
{
    if (rope_is_delta(root))
        return vcow__rope_delta_line_byte(root, k);
    return vcow__rope_tree_line_byte(root, k);
}

/* ---- chunk iteration ----
 *
 * Tree mode (the root is a tree): node[0..depth-1] is the path to the
 * current chunk, idx[] the child taken at each level, off the offset in
 * the chunk.
 *
 * Delta mode (node[0] is a delta root): the text is resolved a run at a
 * time, a run being the longest stretch from pos that the delta chain maps
 * to one contiguous range of a tree or to one delta's inserted bytes.
 * idx[0] holds the bytes left of the run (0: resolve the next one);
 * node[1..depth-1] is the tree path of the run's chunk, or node[1] is the
 * delta whose inserted bytes the run is (depth 2); off the offset in it.
 * Resolving costs O(chain + log m); within a run chunks follow in O(1).
 */

static void iter_descend(vcow_rope_iter *it, const struct vcow_node *n, uint64_t pos)
{
    /* Push the path from n to the leaf holding byte pos (right-biased). */
    while (!rope_is_leaf(n)) {
        const struct rope_inner *in = CINNER(n);
        uint32_t i = 0, last = in->n - 1;
        while (i < last && pos >= in->bytes[i]) {
            pos -= in->bytes[i];
            i++;
        }
        it->node[it->depth] = n;
        it->idx[it->depth] = i;
        it->depth++;
        n = in->kid[i];
    }
    it->node[it->depth++] = n;
    it->off = (uint32_t)pos;
}

static bool iter_delta_mode(const vcow_rope_iter *it)
{
    return rope_is_delta((const struct vcow_node *)it->node[0]);
}

/* Delta mode: find the run that starts at it->pos. */
static void iter_resolve(vcow_rope_iter *it)
{
    const struct vcow_node *n = it->node[0];
    uint64_t x = it->pos, lim = it->to;
    while (rope_is_delta(n)) {
        const struct rope_delta *d = CDELTA(n);
        if (x < d->pos) {
            if (lim > d->pos)
                lim = d->pos;
        } else if (x < (uint64_t)d->pos + d->ins) {
            uint64_t e = (uint64_t)d->pos + d->ins;
            it->node[1] = n;
            it->depth = 2;
            it->off = (uint32_t)(x - d->pos);
            it->idx[0] = (uint32_t)((lim < e ? lim : e) - x);
            return;
        } else {
            x = x - d->ins + d->del;
            lim = lim - d->ins + d->del;
        }
        n = d->base;
    }
    it->depth = 1;
    iter_descend(it, n, x);
    it->idx[0] = (uint32_t)(lim - x);
}

int vcow_rope_iter_init(vcow_rope_iter *it, const vcow_rope_slice *s)
{
    if (it == NULL)
        return VCOW_EINVAL;
    memset(it, 0, sizeof(*it)); /* an iterator that yields nothing */
    if (s == NULL)
        return VCOW_EINVAL;
    if (s->root == NULL || s->from >= s->to)
        return VCOW_OK;
    it->pos = s->from;
    it->to = s->to;
    if (rope_is_delta(s->root)) {
        it->node[0] = s->root;
        it->depth = 1;
        iter_resolve(it);
        return VCOW_OK;
    }
    iter_descend(it, s->root, s->from);
    return VCOW_OK;
}

/* Step to the next leaf of the tree path whose top is at level `top`;
 * false at the end of the tree. */
static bool iter_next_leaf(vcow_rope_iter *it, int top)
{
    int j = it->depth - 2;
    while (j >= top && it->idx[j] + 1 >= CINNER(it->node[j])->n)
        j--;
    if (j < top)
        return false;
    it->idx[j]++;
    it->depth = j + 1;
    const struct vcow_node *next = CINNER(it->node[j])->kid[it->idx[j]];
    iter_descend(it, next, 0);
    return true;
}

static bool iter_next_delta(vcow_rope_iter *it, vcow_slice *chunk)
{
    if (it->idx[0] == 0)
        iter_resolve(it);
    const struct vcow_node *top = it->node[it->depth - 1];
    const unsigned char *p;
    uint64_t avail;
    if (rope_is_delta(top)) {
        p = CDELTA(top)->b + it->off;
        avail = CDELTA(top)->ins - it->off;
    } else {
        p = CLEAF(top)->b + it->off;
        avail = CLEAF(top)->len - it->off;
    }
    uint64_t len = avail < it->idx[0] ? avail : it->idx[0];
    if (len > it->to - it->pos)
        len = it->to - it->pos;
    chunk->ptr = p;
    chunk->len = (size_t)len;
    it->pos += len;
    it->idx[0] -= (uint32_t)len;
    it->off += (uint32_t)len;
    if (it->idx[0] > 0 && len == avail && !rope_is_delta(top) && !iter_next_leaf(it, 1))
        it->idx[0] = 0; /* unreachable: a run ends inside its tree */
    return true;
}

bool vcow_rope_iter_next(vcow_rope_iter *it, vcow_slice *chunk)
{
    if (it == NULL || chunk == NULL || it->depth == 0 || it->pos >= it->to)
        return false;
    if (iter_delta_mode(it))
        return iter_next_delta(it, chunk);
    const struct rope_leaf *l = CLEAF(it->node[it->depth - 1]);
    uint64_t len = l->len - it->off;
    if (len > it->to - it->pos)
        len = it->to - it->pos;
    chunk->ptr = l->b + it->off;
    chunk->len = (size_t)len;
    it->pos += len;
    if (it->pos >= it->to)
        return true;
    /* Step to the next leaf: up to the first level with a right sibling. */
    if (!iter_next_leaf(it, 0))
        it->depth = 0;
    return true;
}

void vcow__rope_copy_bytes(const struct vcow_node *root, uint64_t from, uint64_t to,
                           unsigned char *dst)
{
    vcow_rope_slice s = {root, from, to};
    vcow_rope_iter it;
    vcow_slice c;
    vcow_rope_iter_init(&it, &s);
    while (vcow_rope_iter_next(&it, &c)) {
        memcpy(dst, c.ptr, c.len);
        dst += c.len;
    }
}
