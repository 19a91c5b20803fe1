/* runtime/vindex.c - see vindex.h. */
#include <string.h>

#include "cell.h"
#include "vindex.h"
#include <vcow/error.h>

#define HEIGHT_MASK ((uintptr_t)15) /* nodes are 16-byte aligned */

static struct vcow_vx_node *node_of(uintptr_t r)
{
    return (struct vcow_vx_node *)(r & ~HEIGHT_MASK);
}

static unsigned height_of(uintptr_t r)
{
    return (unsigned)(r & HEIGHT_MASK);
}

/* Seqs a node at level L (leaves: 1) covers: 64^L, as a shift. */
static unsigned span_shift(unsigned level)
{
    return VCOW_VX_BITS * level;
}

static unsigned index_at(uint64_t seq, unsigned level)
{
    return (unsigned)(seq >> span_shift(level - 1)) & (VCOW_VX_FAN - 1);
}

static struct vcow_vx_node *node_new(struct vcow_tally *t)
{
    struct vcow_vx_node *n = vcow_node_alloc(t, VCOW_MEM_META, sizeof(*n));
    if (n != NULL)
        memset(n, 0, sizeof(*n));
    return n;
}

static void node_free(struct vcow_vx_node *n, struct vcow_tally *t)
{
    vcow_node_free(t, VCOW_MEM_META, n, sizeof(*n));
}

int vcow_vindex_init(struct vcow_vindex *x, struct vcow_tally *t)
{
    struct vcow_vx_node *leaf = node_new(t);
    if (leaf == NULL)
        return VCOW_ENOMEM;
    atomic_init(&x->root, (uintptr_t)leaf | 1);
    return VCOW_OK;
}

static void destroy(struct vcow_vx_node *n, unsigned level, struct vcow_tally *t)
{
    if (level > 1) {
        for (unsigned i = 0; i < VCOW_VX_FAN; i++) {
            /* relaxed: the cell is gone; nobody else touches the index. */
            struct vcow_vx_node *c = atomic_load_explicit(&n->slot[i], memory_order_relaxed);
            if (c != NULL)
                destroy(c, level - 1, t);
        }
    }
    node_free(n, t);
}

void vcow_vindex_destroy(struct vcow_vindex *x, struct vcow_tally *t)
{
    uintptr_t r = atomic_load_explicit(&x->root, memory_order_relaxed);
    destroy(node_of(r), height_of(r), t);
}

int vcow_vindex_reserve(struct vcow_vindex *x, uint64_t seq, struct vcow_tally *t)
{
    for (;;) {
        /* acquire: the nodes under the root are initialised. */
        uintptr_t r = atomic_load_explicit(&x->root, memory_order_acquire);
        unsigned h = height_of(r);
        if (h < 10 && (seq >> span_shift(h)) != 0) {
            /* Grow: a new root whose first child is the old one. */
            struct vcow_vx_node *top = node_new(t);
            if (top == NULL)
                return VCOW_ENOMEM;
            atomic_init(&top->slot[0], node_of(r));
            /* release: top is initialised before it can be reached. */
            if (!atomic_compare_exchange_strong_explicit(&x->root, &r, (uintptr_t)top | (h + 1),
                                                         memory_order_release,
                                                         memory_order_relaxed))
                node_free(top, t); /* another committer grew it */
            continue;
        }
        struct vcow_vx_node *n = node_of(r);
        for (unsigned level = h; level > 1; level--) {
            _Atomic(void *) *s = &n->slot[index_at(seq, level)];
            struct vcow_vx_node *c = atomic_load_explicit(s, memory_order_acquire);
            if (c == NULL) {
                struct vcow_vx_node *fresh = node_new(t);
                if (fresh == NULL)
                    return VCOW_ENOMEM;
                void *expected = NULL;
                /* release: the zeroed node before its link; acquire on
                 * failure: we walk into the winner's node. */
                if (atomic_compare_exchange_strong_explicit(
                        s, &expected, fresh, memory_order_acq_rel, memory_order_acquire)) {
                    c = fresh;
                } else {
                    node_free(fresh, t);
                    c = expected;
                }
            }
            n = c;
        }
        return VCOW_OK;
    }
}

/* The leaf slot of seq, or NULL when its path is missing. */
static _Atomic(void *) *leaf_slot(const struct vcow_vindex *x, uint64_t seq)
{
    /* acquire: pairs with the release that linked each node. */
    uintptr_t r = atomic_load_explicit(&((struct vcow_vindex *)x)->root, memory_order_acquire);
    unsigned h = height_of(r);
    if (h < 10 && (seq >> span_shift(h)) != 0)
        return NULL;
    struct vcow_vx_node *n = node_of(r);
    for (unsigned level = h; level > 1; level--) {
        n = atomic_load_explicit(&n->slot[index_at(seq, level)], memory_order_acquire);
        if (n == NULL)
            return NULL; /* pruned */
    }
    return &n->slot[index_at(seq, 1)];
}

void vcow_vindex_set(struct vcow_vindex *x, struct vcow_version *v)
{
    _Atomic(void *) *s = leaf_slot(x, v->seq);
    /* release: a finder that loads v reads its fields (immutable since the
     * publishing CAS); every writer of a slot stores the same value. */
    if (s != NULL)
        atomic_store_explicit(s, v, memory_order_release);
}

struct vcow_version *vcow_vindex_get(const struct vcow_vindex *x, uint64_t seq)
{
    _Atomic(void *) *s = leaf_slot(x, seq);
    return s != NULL ? atomic_load_explicit(s, memory_order_acquire) : NULL;
}

static void node_cb(vcow_gc_head *h)
{
    node_free(vcow_container_of(h, struct vcow_vx_node, gc), NULL);
}

/* Unlink the level-`level` node covering [end - span, end) and defer its
 * free. Its children were pruned before it (lower levels first). */
static void prune_one(struct vcow_vindex *x, uint64_t end, unsigned level)
{
    uint64_t seq = end - 1;
    uintptr_t r = atomic_load_explicit(&x->root, memory_order_acquire);
    unsigned h = height_of(r);
    if (level >= h)
        return; /* the root stays */
    struct vcow_vx_node *n = node_of(r);
    for (unsigned l = h; l > level + 1; l--) {
        n = atomic_load_explicit(&n->slot[index_at(seq, l)], memory_order_acquire);
        if (n == NULL)
            return;
    }
    _Atomic(void *) *s = &n->slot[index_at(seq, level + 1)];
    struct vcow_vx_node *child = atomic_load_explicit(s, memory_order_acquire);
    if (child == NULL)
        return;
    /* relaxed: readers that still reach child are in read sections, which
     * the grace period before the free waits for. */
    atomic_store_explicit(s, NULL, memory_order_relaxed);
    vcow_gc_defer(&child->gc, node_cb);
}

void vcow_vindex_prune(struct vcow_vindex *x, uint64_t old_tail, uint64_t tail)
{
    for (unsigned level = 1; level < 10; level++) {
        uint64_t span = (uint64_t)1 << span_shift(level);
        /* Each multiple of span in (old_tail, tail] closes a node. */
        for (uint64_t end = (old_tail / span + 1) * span; end <= tail; end += span)
            prune_one(x, end, level);
        if (span > tail)
            break;
    }
}

/* ---- finding a version by seq, helping its committer ---- */

struct vcow_version *vcow_cell_find(struct vcow_cell *c, uint64_t seq)
{
    /* acquire: pairs with the claimer's release of the tail; a version
     * at or above the tail we saw was not handed to the reclaimer before
     * our read section began (vindex.h). */
    if (seq < atomic_load_explicit(&c->tail_seq, memory_order_acquire))
        return NULL;
    struct vcow_version *v = vcow_vindex_get(&c->index, seq);
    if (VCOW_LIKELY(v != NULL))
        return v;
    /* Not written yet: its committer is between its CAS and its store.
     * Find the nearest newer version that is indexed (or the head) and
     * follow prev down, writing what is missing on the way. */
    struct vcow_version *head = atomic_load_explicit(&c->head, memory_order_acquire);
    if (seq > head->seq)
        return NULL; /* not published */
    struct vcow_version *w = NULL;
    for (uint64_t s = seq + 1; s < head->seq && w == NULL; s++)
        w = vcow_vindex_get(&c->index, s);
    if (w == NULL)
        w = head;
    while (w->seq > seq) {
        w = w->prev;
        vcow_vindex_set(&c->index, w);
    }
    return w;
}
