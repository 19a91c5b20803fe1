/*
 * structures/rope/rope_tree_diff.c - changed ranges between two trees.
 *
 * Two cursors walk the versions' trees in text order. Versions of one cell
 * share every subtree an edit did not touch, by pointer, so:
 *   1. lift each cursor to the largest subtree starting at its position;
 *      equal pointers: identical text, skip both (the common case: whole
 *      untouched subtrees go by in O(1));
 *   2. else descend the taller (both when equally tall) and retry;
 *   3. two different chunks: the cursors are in a changed region. Step
 *      them alternately a chunk at a time, remembering the chunks each has
 *      passed (a small hash set). When one meets a chunk the other has
 *      passed, the region ends there: report it, move the other cursor
 *      back to that chunk, and resume at 1.
 * The work is O((changed chunks + 1) * log m); reported ranges are chunk-
 * aligned supersets of the exact change.
 */
#include <stdlib.h>
#include <string.h>

#include "rope_tree.h"

struct cur {
    const struct vcow_node *root, *node; /* node: current subtree */
    const struct rope_inner *stk[VCOW_ROPE_ITER_DEPTH];
    uint32_t idx[VCOW_ROPE_ITER_DEPTH];
    int d;
    uint64_t pos;
    bool end;
};

static uint64_t cur_bytes(const struct cur *c)
{
    if (c->d > 0)
        return c->stk[c->d - 1]->bytes[c->idx[c->d - 1]];
    struct rope_sum s;
    vcow__rope_tree_sum(c->node, &s);
    return s.bytes;
}

/* Position the cursor on the leaf holding byte pos (pos < length). */
static void cur_seek(struct cur *c, const struct vcow_node *root, uint64_t pos)
{
    c->root = root;
    c->d = 0;
    c->pos = pos;
    c->end = root == NULL;
    c->node = root;
    if (c->end)
        return;
    struct rope_sum s;
    vcow__rope_tree_sum(root, &s);
    if (pos >= s.bytes) {
        c->end = true;
        c->pos = s.bytes;
        return;
    }
    const struct vcow_node *n = root;
    uint64_t p = pos;
    while (!rope_is_leaf(n)) {
        const struct rope_inner *in = CINNER(n);
        uint32_t i = 0;
        while (i + 1 < in->n && p >= in->bytes[i]) {
            p -= in->bytes[i];
            i++;
        }
        c->stk[c->d] = in;
        c->idx[c->d] = i;
        c->d++;
        n = in->kid[i];
    }
    c->node = n;
    c->pos = pos - p; /* chunk start */
}

static void cur_lift(struct cur *c)
{
    while (c->d > 0 && c->idx[c->d - 1] == 0) {
        c->d--;
        c->node = &c->stk[c->d]->hdr;
    }
}

static void cur_down(struct cur *c)
{
    const struct rope_inner *in = CINNER(c->node);
    c->stk[c->d] = in;
    c->idx[c->d] = 0;
    c->d++;
    c->node = in->kid[0];
}

static void cur_skip(struct cur *c)
{
    c->pos += cur_bytes(c);
    while (c->d > 0 && c->idx[c->d - 1] + 1 >= c->stk[c->d - 1]->n)
        c->d--;
    if (c->d == 0) {
        c->end = true;
        return;
    }
    c->idx[c->d - 1]++;
    c->node = c->stk[c->d - 1]->kid[c->idx[c->d - 1]];
}

/* An open-addressing set of chunk pointers with their positions. */
struct seen {
    const void **key;
    uint64_t *pos;
    size_t cap, n;
};

static size_t slot_of(const void *p, size_t cap)
{
    uint64_t x = (uint64_t)(uintptr_t)p * 0x9E3779B97F4A7C15ull;
    return (size_t)(x >> 20) & (cap - 1);
}

static int seen_add(struct seen *s, const void *k, uint64_t pos)
{
    if ((s->n + 1) * 2 > s->cap) {
        size_t ncap = s->cap ? s->cap * 2 : 64;
        const void **nk = calloc(ncap, sizeof(*nk));
        uint64_t *np = malloc(ncap * sizeof(*np));
        if (nk == NULL || np == NULL) {
            free(nk);
            free(np);
            return VCOW_ENOMEM;
        }
        for (size_t i = 0; i < s->cap; i++) {
            if (s->key[i] == NULL)
                continue;
            size_t j = slot_of(s->key[i], ncap);
            while (nk[j] != NULL)
                j = (j + 1) & (ncap - 1);
            nk[j] = s->key[i];
            np[j] = s->pos[i];
        }
        free(s->key);
        free(s->pos);
        s->key = nk;
        s->pos = np;
        s->cap = ncap;
    }
    size_t j = slot_of(k, s->cap);
    while (s->key[j] != NULL)
        j = (j + 1) & (s->cap - 1);
    s->key[j] = k;
    s->pos[j] = pos;
    s->n++;
    return VCOW_OK;
}

static bool seen_find(const struct seen *s, const void *k, uint64_t *pos)
{
    if (s->n == 0)
        return false;
    size_t j = slot_of(k, s->cap);
    while (s->key[j] != NULL) {
        if (s->key[j] == k) {
            *pos = s->pos[j];
            return true;
        }
        j = (j + 1) & (s->cap - 1);
    }
    return false;
}

static void seen_clear(struct seen *s)
{
    if (s->n > 0)
        memset(s->key, 0, s->cap * sizeof(*s->key));
    s->n = 0;
}

struct diff {
    struct cur a, b;
    struct seen sa, sb;
    uint64_t a0, b0; /* start of the open changed region */
    vcow_rope_diff_fn *fn;
    void *ctx;
};

static int emit(struct diff *d, uint64_t a1, uint64_t b1)
{
    int rc = 0;
    if (a1 > d->a0 || b1 > d->b0)
        rc = d->fn(d->a0, a1, d->b0, b1, d->ctx);
    d->a0 = a1;
    d->b0 = b1;
    return rc;
}

/* Step 3: consume chunks until the cursors meet again or both end. */
static int changed_region(struct diff *d)
{
    seen_clear(&d->sa);
    seen_clear(&d->sb);
    for (;;) {
        uint64_t at;
        if (d->a.end && d->b.end)
            return VCOW_OK;
        if (!d->a.end) {
            while (!rope_is_leaf(d->a.node))
                cur_down(&d->a);
            if (seen_find(&d->sb, d->a.node, &at)) {
                cur_seek(&d->b, d->b.root, at); /* b passed it: back up */
                return VCOW_OK;
            }
            if (seen_add(&d->sa, d->a.node, d->a.pos) != VCOW_OK)
                return VCOW_ENOMEM;
            cur_skip(&d->a);
        }
        if (!d->b.end) {
            while (!rope_is_leaf(d->b.node))
                cur_down(&d->b);
            if (seen_find(&d->sa, d->b.node, &at)) {
                cur_seek(&d->a, d->a.root, at);
                return VCOW_OK;
            }
            if (seen_add(&d->sb, d->b.node, d->b.pos) != VCOW_OK)
                return VCOW_ENOMEM;
            cur_skip(&d->b);
        }
    }
}

int vcow__rope_tree_diff(const struct vcow_node *ra, const struct vcow_node *rb,
                         vcow_rope_diff_fn *fn, void *ctx)
{
    struct diff d;
    memset(&d, 0, sizeof(d));
    d.fn = fn;
    d.ctx = ctx;
    cur_seek(&d.a, ra, 0);
    cur_seek(&d.b, rb, 0);
    int rc = VCOW_OK;
    while (rc == VCOW_OK) {
        if (d.a.end || d.b.end) {
            /* One side is done: the rest of the other is the change. */
            while (!d.a.end)
                cur_skip(&d.a);
            while (!d.b.end)
                cur_skip(&d.b);
            rc = emit(&d, d.a.pos, d.b.pos);
            break;
        }
        cur_lift(&d.a);
        cur_lift(&d.b);
        /* Descend to the first level where the two meet, if any. */
        for (;;) {
            if (d.a.node == d.b.node)
                break;
            uint32_t ha = rope_height(d.a.node), hb = rope_height(d.b.node);
            if (ha == 0 && hb == 0)
                break;
            if (ha >= hb && ha > 0)
                cur_down(&d.a);
            if (hb >= ha && hb > 0)
                cur_down(&d.b);
        }
        if (d.a.node == d.b.node) {
            rc = emit(&d, d.a.pos, d.b.pos);
            cur_skip(&d.a);
            cur_skip(&d.b);
            d.a0 = d.a.pos;
            d.b0 = d.b.pos;
            continue;
        }
        rc = changed_region(&d);
    }
    free(d.sa.key);
    free(d.sa.pos);
    free(d.sb.key);
    free(d.sb.pos);
    return rc;
}
