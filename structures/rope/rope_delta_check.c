/*
 * structures/rope/rope_delta_check.c - the invariant checker on any root;
 * for a delta chain O(chain * m).
 *
 * For each delta from the root down: the header (kind, size, depth one more
 * than its base's, within ROPE_DELTA_CHAIN), the edit (inside the base text,
 * on code point boundaries, not empty, valid UTF-8 inserted), its cached
 * metrics against a recount of the base's text by scanning it (not through
 * the cached numbers), and its own text's metrics by scanning it through
 * the chain; then the tree at the bottom (the engine's vcow__rope_tree_check).
 */
#include <string.h>

#include "rope_delta.h"

/* Metrics of a run of pieces scanned in order (lines standalone). */
struct scan {
    struct rope_sum s;
    unsigned char first, last;
};

static void scan_add(struct scan *sc, const unsigned char *p, size_t n)
{
    struct rope_sum t;
    if (n == 0)
        return;
    vcow__rope_count(p, n, &t);
    if (sc->s.bytes == 0)
        sc->first = p[0];
    else if (sc->last == '\r' && p[0] == '\n')
        sc->s.lines--; /* a CR LF across two pieces is one break */
    sc->s.bytes += n;
    sc->s.cps += t.cps;
    sc->s.u16 += t.u16;
    sc->s.lines += t.lines;
    sc->last = p[n - 1];
}

/* Scan root's text [0, to) and record the metrics of [0, x) for each x in
 * at[0..k) (ascending), and of the whole range in *all. */
static void scan_text(const struct vcow_node *root, uint64_t to, const uint64_t *at, int k,
                      struct scan *out, struct scan *all)
{
    struct scan sc;
    memset(&sc, 0, sizeof(sc));
    vcow_rope_iter it;
    vcow_slice c;
    int j = 0;
    while (j < k && at[j] == 0)
        out[j++] = sc;
    vcow__rope_iter_init(&it, root, 0, to);
    while (vcow__rope_iter_next(&it, &c)) {
        const unsigned char *p = c.ptr;
        size_t n = c.len;
        while (j < k && at[j] <= sc.s.bytes + n) {
            size_t part = (size_t)(at[j] - sc.s.bytes);
            scan_add(&sc, p, part);
            p += part;
            n -= part;
            out[j++] = sc;
        }
        scan_add(&sc, p, n);
    }
    while (j < k)
        out[j++] = sc;
    *all = sc;
}

static unsigned edge_flags(const struct scan *sc)
{
    return (sc->s.bytes > 0 && sc->first == '\n' ? ROPE_FIRST_LF : 0) |
           (sc->s.bytes > 0 && sc->last == '\r' ? ROPE_LAST_CR : 0);
}

static bool boundary(const struct vcow_node *root, uint64_t x)
{
    uint64_t b;
    return vcow__rope_to_byte(root, VCOW_ROPE_BYTES, x, &b) == VCOW_OK;
}

static bool check_delta(const struct rope_delta *d)
{
    const struct vcow_node *base = d->base;
    struct rope_sum bs;
    vcow__rope_sum(base, &bs);
    uint64_t e = (uint64_t)d->pos + d->del;
    if (d->hdr.kind != VCOW_KIND_ROPE || d->hdr.size < ROPE_DELTA_HDR + (uint32_t)d->ins ||
        d->ins > ROPE_DELTA_INS || d->depth != rope_delta_depth(base) + 1 ||
        d->depth > ROPE_DELTA_CHAIN || (d->del == 0 && d->ins == 0) || e > bs.bytes)
        return false;
    if (!boundary(base, d->pos) || !boundary(base, e) || !vcow__rope_utf8_valid(d->b, d->ins))
        return false;
    /* The base by scanning: prefixes at pos and pos + del, edge bytes. */
    uint64_t at[2] = {d->pos, e};
    struct scan pre[2], ball, tall;
    scan_text(base, bs.bytes, at, 2, pre, &ball);
    if (ball.s.bytes != bs.bytes || ball.s.cps != bs.cps || ball.s.u16 != bs.u16 ||
        ball.s.lines != bs.lines || edge_flags(&ball) != bs.flags)
        return false;
    unsigned edges = 0;
    if (d->pos > 0 && pre[0].last == '\r')
        edges |= ROPE_D_A_CR;
    if (e > 0 && pre[1].last == '\r')
        edges |= ROPE_D_AD_CR;
    if (e < bs.bytes && vcow__rope_byte_at(base, e) == '\n')
        edges |= ROPE_D_C_LF;
    /* What the fields must be, from the recount. */
    _Alignas(struct rope_delta) unsigned char want_buf[ROPE_DELTA_HDR + ROPE_DELTA_INS] = {0};
    struct rope_delta *want = (struct rope_delta *)(void *)want_buf;
    want->pos = d->pos;
    want->del = d->del;
    want->ins = d->ins;
    memcpy(want->b, d->b, d->ins);
    struct rope_sum tot = ball.s;
    tot.flags = edge_flags(&ball);
    vcow__rope_delta_fill(want, &tot, &pre[0].s, &pre[1].s, edges);
    if (memcmp((const char *)want + offsetof(struct rope_delta, bytes),
               (const char *)d + offsetof(struct rope_delta, bytes),
               offsetof(struct rope_delta, depth) - offsetof(struct rope_delta, bytes)) != 0 ||
        want->flags != d->flags)
        return false;
    /* The delta's own text through the chain agrees with its totals. */
    scan_text(&d->hdr, d->bytes, NULL, 0, NULL, &tall);
    return tall.s.bytes == d->bytes && tall.s.cps == d->cps && tall.s.u16 == d->u16 &&
           tall.s.lines == d->lines && edge_flags(&tall) == (d->flags & 3u);
}

int vcow__rope_check(const struct vcow_node *root)
{
    const struct vcow_node *n = root;
    while (rope_is_delta(n)) {
        if (!check_delta(CDELTA(n)))
            return VCOW_ECORRUPT;
        n = CDELTA(n)->base;
    }
    return vcow__rope_tree_check(n);
}
