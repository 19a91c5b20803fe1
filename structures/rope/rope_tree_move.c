/*
 * structures/rope/rope_tree_move.c - split and join of trees, and the move
 * built on them.
 */
#include <stdlib.h>
#include <string.h>

#include "rope_tree.h"

/* ---- move: split and join ----
 *
 * vcow_rope_move cuts a range and pastes it elsewhere in O(log m) node work,
 * with the two classic persistent B-tree operations:
 *   split(n, pos) -> (lo, hi)  cut a tree at a byte (both halves valid
 *                              trees, possibly lower, leaves at one depth)
 *   join(l, r)                 hang the lower tree on the facing spine of
 *                              the higher one, splitting full nodes upward
 * Both consume their inputs. The number of nodes a move needs is hard to
 * know before doing it, so this path allocates as it goes but never
 * changes a node that existed before the move: nodes it creates are marked
 * fresh (hdr.aux) and only those are changed in place; every older node it
 * replaces goes on a list. On success the list is retired; on failure the
 * fresh nodes are freed and the txn's root was never touched.
 */

#define FRESH 1u

struct mv {
    vcow_txn *t;
    const struct rope_sink *s;
    struct vcow_node **fresh, **old;
    size_t n_fresh, cap_fresh, n_old, cap_old;
    bool failed;
};

static bool mv_push(struct vcow_node ***arr, size_t *n, size_t *cap, struct vcow_node *x)
{
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 32;
        struct vcow_node **na = realloc(*arr, nc * sizeof(*na));
        if (na == NULL)
            return false;
        *arr = na;
        *cap = nc;
    }
    (*arr)[(*n)++] = x;
    return true;
}

static void *mv_alloc(struct mv *m, size_t size, uint8_t type)
{
    if (m->failed)
        return NULL;
    struct vcow_node *n = vcow_txn_alloc(m->t, VCOW_MEM_ROPE, size);
    if (n != NULL && !mv_push(&m->fresh, &m->n_fresh, &m->cap_fresh, n)) {
        vcow_txn_free_node(m->t, n);
        n = NULL;
    }
    if (n == NULL) {
        m->failed = true;
        return NULL;
    }
    n->type = type;
    n->aux = FRESH;
    return n;
}

static struct rope_inner *mv_inner(struct mv *m, uint32_t height)
{
    struct rope_inner *in = mv_alloc(m, sizeof(*in), ROPE_INNER);
    if (in != NULL) {
        in->height = height;
        in->n = 0;
    }
    return in;
}

/* n leaves the tree: an older node is retired at the end, a fresh one is
 * simply left in the fresh list (freed there if the move fails, and freed
 * now is not possible: the list still names it), so it is marked dead. */
static void mv_drop(struct mv *m, struct vcow_node *n)
{
    if (n->aux & FRESH) {
        n->aux |= 2; /* dead: freed when the move ends */
        return;
    }
    if (!mv_push(&m->old, &m->n_old, &m->cap_old, n))
        m->failed = true;
}

static struct rope_inner *mv_own(struct mv *m, struct rope_inner *n)
{
    if (n->hdr.aux & FRESH)
        return n;
    struct rope_inner *c = mv_inner(m, n->height);
    if (c == NULL)
        return NULL;
    memcpy((char *)c + sizeof(c->hdr), (const char *)n + sizeof(n->hdr),
           sizeof(*c) - sizeof(c->hdr));
    mv_drop(m, &n->hdr);
    return c;
}

/* vcow__rope_inner_insert with its split node allocated here. */
static bool mv_insert(struct mv *m, struct rope_inner *in, uint32_t i, struct vcow_node *kid,
                      struct rope_inner **q)
{
    struct rope_pool p;
    p.nin = p.uin = 0;
    if (in->n == ROPE_FAN) {
        p.in[0] = mv_inner(m, in->height);
        if (p.in[0] == NULL)
            return false;
        p.nin = 1;
    }
    *q = vcow__rope_inner_insert(&p, in, i, kid);
    return true;
}

static struct vcow_node *join(struct mv *m, struct vcow_node *l, struct vcow_node *r)
{
    if (m->failed || l == NULL || r == NULL)
        return m->failed ? NULL : l != NULL ? l : r;
    uint32_t hl = rope_height(l), hr = rope_height(r);
    if (hl == hr) {
        if (hl > 0 && INNER(l)->n + INNER(r)->n <= ROPE_FAN) {
            struct rope_inner *a = mv_own(m, INNER(l));
            if (a == NULL)
                return NULL;
            for (uint32_t j = 0; j < INNER(r)->n; j++) {
                struct rope_entry e;
                vcow__rope_entry_get(INNER(r), j, &e);
                vcow__rope_entry_put(a, a->n++, &e);
            }
            mv_drop(m, r);
            return &a->hdr;
        }
        struct rope_inner *root = mv_inner(m, hl + 1);
        if (root == NULL)
            return NULL;
        vcow__rope_inner_set(root, 0, l);
        vcow__rope_inner_set(root, 1, r);
        root->n = 2;
        return &root->hdr;
    }
    /* Walk the facing spine of the higher tree down to one level above the
     * lower one, owning it, and insert the lower tree there. */
    bool right = hl > hr; /* hang r on l's right spine, or l on r's left */
    struct rope_inner *path[VCOW_ROPE_ITER_DEPTH];
    int k = 0;
    struct rope_inner *cur = mv_own(m, INNER(right ? l : r));
    uint32_t low = right ? hr : hl;
    if (cur == NULL)
        return NULL;
    path[k++] = cur;
    while (cur->height > low + 1) {
        uint32_t at = right ? cur->n - 1 : 0;
        struct rope_inner *c = mv_own(m, INNER(cur->kid[at]));
        if (c == NULL)
            return NULL;
        cur->kid[at] = &c->hdr; /* metrics fixed on the way up */
        path[k++] = c;
        cur = c;
    }
    struct rope_inner *q;
    if (!mv_insert(m, cur, right ? cur->n : 0, right ? r : l, &q))
        return NULL;
    for (int d = k - 2; d >= 0; d--) {
        struct rope_inner *pa = path[d];
        uint32_t at = right ? pa->n - 1 : 0;
        vcow__rope_inner_set(pa, at, &path[d + 1]->hdr);
        if (q != NULL && !mv_insert(m, pa, at + 1, &q->hdr, &q))
            return NULL;
    }
    if (q == NULL)
        return &path[0]->hdr;
    struct rope_inner *root = mv_inner(m, path[0]->height + 1);
    if (root == NULL)
        return NULL;
    vcow__rope_inner_set(root, 0, &path[0]->hdr);
    vcow__rope_inner_set(root, 1, &q->hdr);
    root->n = 2;
    return &root->hdr;
}

static void split(struct mv *m, struct vcow_node *n, uint64_t pos, struct vcow_node **lo,
                  struct vcow_node **hi)
{
    *lo = *hi = NULL;
    if (m->failed)
        return;
    uint64_t size = vcow__rope_tree_bytes(n);
    if (pos == 0 || pos >= size) {
        *(pos == 0 ? hi : lo) = n;
        return;
    }
    if (rope_is_leaf(n)) {
        const struct rope_leaf *l = CLEAF(n);
        uint32_t p = (uint32_t)pos;
        struct rope_leaf *a = mv_alloc(m, ROPE_LEAF_HDR + rope_cap_exact(p), ROPE_LEAF);
        struct rope_leaf *b = mv_alloc(m, ROPE_LEAF_HDR + rope_cap_exact(l->len - p), ROPE_LEAF);
        if (a == NULL || b == NULL)
            return;
        memcpy(a->b, l->b, p);
        a->len = p;
        vcow__rope_leaf_recount(a);
        memcpy(b->b, l->b + p, l->len - p);
        b->len = l->len - p;
        vcow__rope_leaf_recount(b);
        mv_drop(m, n);
        *lo = &a->hdr;
        *hi = &b->hdr;
        return;
    }
    struct rope_inner *in = INNER(n);
    uint32_t i = 0;
    uint64_t cum = 0;
    while (pos >= cum + in->bytes[i]) {
        cum += in->bytes[i];
        i++;
    }
    struct vcow_node *cl = NULL, *cr = in->kid[i];
    if (pos > cum)
        split(m, in->kid[i], pos - cum, &cl, &cr);
    struct rope_inner *ln = NULL, *rn = NULL;
    if (i + 1 < in->n && (rn = mv_inner(m, in->height)) != NULL) {
        for (uint32_t j = i + 1; j < in->n; j++) {
            struct rope_entry e;
            vcow__rope_entry_get(in, j, &e);
            vcow__rope_entry_put(rn, rn->n++, &e);
        }
    }
    if (i > 0 && (ln = mv_inner(m, in->height)) != NULL) {
        for (uint32_t j = 0; j < i; j++) {
            struct rope_entry e;
            vcow__rope_entry_get(in, j, &e);
            vcow__rope_entry_put(ln, ln->n++, &e);
        }
    }
    if (m->failed)
        return;
    mv_drop(m, n);
    *lo = join(m, ln != NULL ? &ln->hdr : NULL, cl);
    *hi = join(m, cr, rn != NULL ? &rn->hdr : NULL);
}

/* Retire what the move replaced (success) or free what it made (failure). */
static int mv_finish(struct mv *m, struct vcow_node *root)
{
    uint32_t slots = 0;
    for (size_t i = 0; i < m->n_old; i++)
        slots += !vcow_txn_owns(m->t, m->old[i]);
    if (!m->failed && slots > 0 && vcow_txn_reserve(m->t, slots) != VCOW_OK)
        m->failed = true;
    for (size_t i = 0; i < m->n_fresh; i++) {
        struct vcow_node *n = m->fresh[i];
        if (m->failed || (n->aux & 2))
            vcow_txn_free_node(m->t, n);
        else
            n->aux = 0;
    }
    if (!m->failed) {
        for (size_t i = 0; i < m->n_old; i++)
            vcow__rope_sink_node(m->s, m->old[i]);
        vcow_txn_set_root(m->t, root);
        vcow__rope_collapse_root(m->s);
    }
    free(m->fresh);
    free(m->old);
    return m->failed ? VCOW_ENOMEM : VCOW_OK;
}

int vcow__rope_tree_move(const struct rope_sink *s, uint64_t a, uint64_t b, uint64_t d)
{
    struct vcow_node *root = vcow_txn_root(s->t);
    if (rope_height(root) + 4 > ROPE_MAX_H)
        return VCOW_ERANGE; /* unreachable below 4 GiB */
    struct mv m = {s->t, s, NULL, NULL, 0, 0, 0, 0, false};
    struct vcow_node *A, *BC, *B, *C, *X, *Y;
    split(&m, root, a, &A, &BC);
    split(&m, BC, b - a, &B, &C);
    struct vcow_node *AC = join(&m, A, C);
    uint64_t dd = d <= a ? d : d - (b - a);
    split(&m, AC, dd, &X, &Y);
    struct vcow_node *res = join(&m, join(&m, X, B), Y);
    int rc = mv_finish(&m, res);
    if (rc == VCOW_OK) {
        vcow__rope_merge_small(s, dd);
        vcow__rope_merge_small(s, dd + (b - a));
    }
    return rc;
}
