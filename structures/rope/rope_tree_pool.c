/*
 * structures/rope/rope_tree_pool.c - what every tree edit shares: the pool
 * of nodes an edit allocates before changing anything (runtime/txn.h,
 * rule 2), owning a path, fixing the metrics cached along it, the
 * descents that find it, and inserting a child into an inner node.
 */
#include <string.h>

#include "rope_tree.h"

static void pool_free(vcow_txn *t, struct rope_pool *p)
{
    for (int i = p->uin; i < p->nin; i++)
        vcow_txn_free_node(t, &p->in[i]->hdr);
    for (int i = p->ulf; i < p->nlf; i++)
        vcow_txn_free_node(t, &p->lf[i]->hdr);
    p->nin = p->uin = p->nlf = p->ulf = 0;
}

/* Allocate everything a plan asked for; on failure free it all. */
int vcow__rope_pool_fill(vcow_txn *t, struct rope_pool *p, int n_inner, const uint32_t *leaf_caps,
                         int n_leaf, uint32_t retire)
{
    p->nin = p->uin = p->nlf = p->ulf = 0;
    p->small = false;
    if (retire > 0 && vcow_txn_reserve(t, retire) != VCOW_OK)
        return VCOW_ENOMEM;
    for (int i = 0; i < n_inner; i++) {
        struct rope_inner *in = vcow_txn_alloc(t, VCOW_MEM_ROPE, sizeof(*in));
        if (in == NULL) {
            pool_free(t, p);
            return VCOW_ENOMEM;
        }
        in->hdr.type = ROPE_INNER;
        in->n = 0;
        p->in[p->nin++] = in;
    }
    for (int i = 0; i < n_leaf; i++) {
        struct rope_leaf *l = vcow__rope_leaf_alloc(t, leaf_caps[i]);
        if (l == NULL) {
            pool_free(t, p);
            return VCOW_ENOMEM;
        }
        p->lf[p->nlf++] = l;
    }
    return VCOW_OK;
}

/* Make n ours: copy a published inner node (retiring it) from the pool. */
struct rope_inner *vcow__rope_own_inner(const struct rope_sink *s, struct rope_pool *p,
                                        struct rope_inner *n)
{
    if (vcow_txn_owns(s->t, &n->hdr))
        return n;
    struct rope_inner *c = rope_pool_inner(p);
    memcpy((char *)c + sizeof(c->hdr), (const char *)n + sizeof(n->hdr),
           sizeof(*c) - sizeof(c->hdr));
    vcow__rope_sink_node(s, &n->hdr);
    return c;
}

/*
 * Replace the leaf under a path whose chunk changed from `was` to `now`
 * (one chunk for one): the ancestors' cached entries move by the same
 * differences. When the chunk's edge flags are unchanged, no seam above it
 * changes, so the deltas are exact and no node is re-summed.
 */
void vcow__rope_path_update(const struct rope_sink *s, struct rope_pool *p,
                            const struct rope_path *path, const struct rope_sum *was,
                            struct vcow_node *now, struct vcow_node **top)
{
    struct rope_sum ns;
    vcow__rope_leaf_sum(LEAF(now), &ns);
    bool fast = ns.flags == was->flags;
    uint32_t db = (uint32_t)(ns.bytes - was->bytes), dc = (uint32_t)(ns.cps - was->cps);
    uint32_t du = (uint32_t)(ns.u16 - was->u16), dl = (uint32_t)(ns.lines - was->lines);
    for (int d = path->h - 1; d >= 0; d--) {
        struct rope_inner *in = vcow__rope_own_inner(s, p, path->n[d]);
        uint32_t i = path->idx[d];
        if (fast) {
            /* unsigned wrap-around adds negative differences exactly */
            in->kid[i] = now;
            in->bytes[i] += db;
            in->cps[i] += dc;
            in->u16[i] += du;
            in->lines[i] += dl;
        } else {
            vcow__rope_inner_set(in, i, now);
        }
        now = &in->hdr;
    }
    *top = now;
}

/* ---- paths ---- */

void vcow__rope_find_path(struct vcow_node *root, uint64_t pos, bool right, struct rope_path *p)
{
    struct vcow_node *n = root;
    uint64_t b = 0;
    p->h = 0;
    while (!rope_is_leaf(n)) {
        struct rope_inner *in = INNER(n);
        uint32_t i = 0, last = in->n - 1;
        if (right) {
            while (i < last && pos >= in->bytes[i]) {
                pos -= in->bytes[i];
                b += in->bytes[i];
                i++;
            }
        } else {
            while (i < last && pos > in->bytes[i]) {
                pos -= in->bytes[i];
                b += in->bytes[i];
                i++;
            }
        }
        p->n[p->h] = in;
        p->idx[p->h] = i;
        p->h++;
        n = in->kid[i];
    }
    p->leaf = LEAF(n);
    p->start = b;
}

/*
 * One left-biased descent by unit to the chunk that takes an insert at pos:
 * it yields the byte position and the path an insert needs, so a
 * keystroke descends once.
 */
int vcow__rope_locate(struct vcow_node *root, enum vcow_rope_unit unit, uint64_t pos,
                      struct rope_path *path, uint64_t *byte)
{
    struct vcow_node *n = root;
    uint64_t b = 0, u = 0;
    path->h = 0;
    while (!rope_is_leaf(n)) {
        struct rope_inner *in = INNER(n);
        const uint32_t *w = unit == VCOW_ROPE_BYTES   ? in->bytes
                            : unit == VCOW_ROPE_CHARS ? in->cps
                                                      : in->u16;
        uint32_t i = 0, last = in->n - 1;
        while (i < last && pos > w[i]) {
            pos -= w[i];
            u += w[i];
            b += in->bytes[i];
            i++;
        }
        if (pos > w[i])
            return VCOW_ERANGE; /* past the end */
        path->n[path->h] = in;
        path->idx[path->h] = i;
        path->h++;
        n = in->kid[i];
    }
    struct rope_leaf *l = LEAF(n);
    int64_t off;
    if (unit == VCOW_ROPE_BYTES) {
        if (pos > l->len || (pos < l->len && rope_is_cont(l->b[pos])))
            return VCOW_ERANGE;
        off = (int64_t)pos;
    } else {
        if (pos > (unit == VCOW_ROPE_CHARS ? l->cps : l->u16))
            return VCOW_ERANGE;
        off = rope_leaf_unit_to_off(l, unit, pos);
        if (off < 0)
            return VCOW_ERANGE;
    }
    path->leaf = l;
    path->start = b;
    path->ustart = u;
    *byte = b + (uint64_t)off;
    return VCOW_OK;
}

/* ---- inner nodes ---- */

/* Insert kid at index i of in (which is ours); when in is full, split it
 * into in and q (from the pool) and return q, else NULL. */
struct rope_inner *vcow__rope_inner_insert(struct rope_pool *p, struct rope_inner *in, uint32_t i,
                                           struct vcow_node *kid)
{
    uint32_t n = in->n;
    if (n < ROPE_FAN) {
        for (uint32_t j = n; j > i; j--) {
            struct rope_entry x;
            vcow__rope_entry_get(in, j - 1, &x);
            vcow__rope_entry_put(in, j, &x);
        }
        vcow__rope_inner_set(in, i, kid);
        in->n = n + 1;
        return NULL;
    }
    struct rope_entry e[ROPE_FAN + 1];
    for (uint32_t j = 0; j < i; j++)
        vcow__rope_entry_get(in, j, &e[j]);
    vcow__rope_entry_of(kid, &e[i]);
    for (uint32_t j = i; j < n; j++)
        vcow__rope_entry_get(in, j, &e[j + 1]);
    /* Appending at the end keeps the left node full (packed appends). */
    uint32_t nl = i == n ? ROPE_FAN_FILL : (n + 2) / 2;
    struct rope_inner *q = rope_pool_inner(p);
    q->height = in->height;
    for (uint32_t j = 0; j < nl; j++)
        vcow__rope_entry_put(in, j, &e[j]);
    for (uint32_t j = nl; j <= n; j++)
        vcow__rope_entry_put(q, j - nl, &e[j]);
    in->n = nl;
    q->n = n + 1 - nl;
    return q;
}
