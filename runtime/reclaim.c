/*
 * runtime/reclaim.c - version-ordered reclamation without node reference
 * counts.
 *
 * Why it is safe. Every node belongs to one cell's lineage. A txn that
 * turns version k-1 into k copies the nodes it changes and records on k's
 * retire list every node of k-1 that k no longer reaches (alone, or as a
 * whole dropped subtree). Nodes are immutable once published.
 *
 *  (a) A node on k's retire list is reachable from no version >= k: it was
 *      replaced or dropped by k, and later versions are built from k.
 *      (A structure never makes a subtree reachable twice from one
 *      version, so "dropped from k" is exact.)
 *  (b) So once every version < k is dead, nothing pinned or retained can
 *      reach those nodes; only readers that loaded an old head inside a
 *      read section still might. A grace period later, none can. Hence:
 *      the retire list of k is handed to the RCU backend (defer) at the
 *      moment every version < k is dead, and freed after a grace period.
 *  (c) "Every version < k is dead" is decided at the tail of the cell's
 *      ring of unreclaimed versions, in seq order, under the cell's lock:
 *      the tail version t is reclaimed when it is dead and its successor
 *      is known; reclaiming t frees t's object and t+1's retire list. The
 *      tail only moves forward, so lists are freed in version order, and
 *      an old pinned version holds back every newer list (the MVCC horizon).
 *  (d) A version dies when its count (head + retained + pins) reaches zero;
 *      a pin is an increment-if-not-zero, so no one can revive a version
 *      the scan has seen dead. The decrement is acq_rel: whatever the
 *      holder read through its pin happens-before the scan that frees.
 *  (e) Version objects themselves are freed through the same deferral: a
 *      reader that loaded the head just before it changed may still read
 *      the version's fields during its read section.
 *  (f) Nodes a txn made and never published are freed at once on abort or
 *      conflict (no reader ever saw them); retire entries it recorded are
 *      dropped, since the base version still reaches those nodes.
 *  (g) Bounded garbage: when handing a list to the reclaimer would push the
 *      cell's pending bytes over max_pending_bytes, the committer waits for
 *      a grace period itself and frees in its own thread. So a writer can
 *      never outrun reclamation, however slow the call_rcu worker is.
 *      A committer frees its own commit's garbage in full that way, so
 *      each commit over the bound frees at least what it adds. Anything
 *      else a scan released over the bound (a backlog that an unpin ending
 *      a long pin, or a trim, let go) is freed at most one slice of
 *      FREE_BUDGET nodes by the thread that found it; the rest goes to the
 *      reclaimer outside pending_bytes (it is old garbage held_bytes
 *      already counted, not new garbage a writer could keep adding): no
 *      single call pays for a backlog it did not make, and pending_bytes
 *      stays an exact bound on what commits hand over.
 *  (h) Freeing is iterative (runtime/node.c) and, on the reclaimer, done in
 *      slices of FREE_BUDGET nodes, re-deferring the rest: one huge dropped
 *      subtree cannot hold up the reclaimer's other work for long. The
 *      versions one scan queued are deferred as one batch (one callback,
 *      not one per version).
 *  (i) A version's predecessor is queued only after the version is
 *      stamped (runtime/stamp.c (e)): helpers that stamp follow prev.
 *
 * Model: the retire lists are LMDB's free pages by txn id, the tail rule
 * its oldest-reader horizon; the grace period is liburcu's call_rcu.
 */
#include <stddef.h>
#include <string.h>

#include "cell.h"
#include "yield.h"
#include <vcow/error.h>
#include <vcow/mem.h>

#define FREE_BUDGET 16384
/* After a batch that freed this much, give the pages back to the system
 * (vcow_mem_purge): otherwise a drained backlog stays resident until the
 * allocator's decay runs, which needs allocator activity (docs/RELIABILITY.md). */
#define PURGE_AFTER ((uint64_t)32 << 20)

void vcow_version_release(struct vcow_version *v, uint64_t counts, const char *call)
{
    /* The caller scans afterwards: a death is found at the tail. */
    /* acq_rel: see (d) above. */
    uint64_t old = atomic_fetch_sub_explicit(&v->live, counts, memory_order_acq_rel);
    if (VCOW_UNLIKELY(old < counts))
        vcow__panic(call,
                    "version %llu of cell %p was released more often than it was pinned "
                    "(a vcow_version_unpin too many?)",
                    (unsigned long long)v->seq, (void *)v->cell);
}

static struct vcow_version *slot(struct vcow_cell *c, uint64_t seq)
{
    /* relaxed: cap is written under the lock we hold. */
    uint64_t cap = atomic_load_explicit(&c->cap, memory_order_relaxed);
    return c->ring[seq & (cap - 1)];
}

/* Count t's garbage as handed to the reclaimer. */
static void add_pending(struct vcow_cell *c, struct vcow_version *t)
{
    uint64_t bytes = t->retired.bytes;
    t->to_free_bytes = bytes;
    /* relaxed: a bound on statistics; the memory itself is ordered by the
     * grace period, not by this counter. */
    uint64_t now =
        atomic_fetch_add_explicit(&c->pending_bytes, bytes, memory_order_relaxed) + bytes;
    uint64_t peak = atomic_load_explicit(&c->pending_peak, memory_order_relaxed);
    while (now > peak &&
           !atomic_compare_exchange_weak_explicit(&c->pending_peak, &peak, now,
                                                  memory_order_relaxed, memory_order_relaxed))
        ;
}

static void queue(struct vcow_cell *c, struct vcow_version *t, struct vcow_version **freeq)
{
    uint64_t cap = atomic_load_explicit(&c->cap, memory_order_relaxed);
    c->ring[t->seq & (cap - 1)] = NULL;
    /* relaxed: the lock orders writers; lock-free readers only use it as a
     * lower bound that can only be stale-low (see commit's room check). */
    atomic_store_explicit(&c->tail_seq, t->seq + 1, memory_order_relaxed);
    t->next_free = *freeq;
    *freeq = t;
    atomic_fetch_add_explicit(&c->refs, 1, memory_order_relaxed);
    /* Backpressure (g), decided here under the lock: only lock holders add
     * to pending (the reclaimer only subtracts), so the bound is exact. */
    uint64_t bytes = t->retired.bytes;
    uint64_t cur = atomic_load_explicit(&c->pending_bytes, memory_order_relaxed);
    t->help = cur + bytes > c->opts.max_pending_bytes;
    t->to_free_bytes = 0;
    if (!t->help)
        add_pending(c, t);
}

void vcow_cell_scan(struct vcow_cell *c, struct vcow_version **freeq)
{
    for (;;) {
        uint64_t ts = atomic_load_explicit(&c->tail_seq, memory_order_relaxed);
        struct vcow_version *t = slot(c, ts);
        /* acquire: pairs with the release of the last decrement (d). */
        if (t == NULL || atomic_load_explicit(&t->live, memory_order_acquire) != 0)
            return;
        struct vcow_version *n = slot(c, ts + 1);
        if (n != NULL && n->seq == ts + 1) {
            vcow_version_stamp(n); /* before its prev goes: (i) */
            /* Every version <= ts is dead: n's retire list can go. */
            /* t's own list moved to seq-1 when that was queued (or t is
             * version 0, which retired nothing): the field is free. */
            t->retired = n->retired;
            t->held_sub = n->held_bytes;
            memset(&n->retired, 0, sizeof(n->retired));
            queue(c, t, freeq);
            continue;
        }
        /* The newest version died: only when the cell closes. Its whole
         * tree goes with it (one inline entry: no allocation). */
        if (c->closing && t == atomic_load_explicit(&c->head, memory_order_relaxed)) {
            memset(&t->retired, 0, sizeof(t->retired));
            if (t->face.root != NULL)
                vcow_retire_add(&t->retired, t->face.root, 1);
            t->held_sub = 0;
            queue(c, t, freeq);
        }
        return;
    }
}

/* Drop history's hold on the oldest retained version. False if none can go. */
static bool trim_one(struct vcow_cell *c)
{
    struct vcow_version *head = atomic_load_explicit(&c->head, memory_order_relaxed);
    if (c->ret_seq >= head->seq)
        return false; /* the head is never trimmed */
    struct vcow_version *v = slot(c, c->ret_seq);
    struct vcow_version *n = slot(c, c->ret_seq + 1);
    if (v == NULL || n == NULL)
        return false; /* a committer has not appended yet: next time */
    if (v->retained) {
        v->retained = false;
        vcow_version_release(v, 1, "vcow_cell_trim");
    }
    c->hist_bytes -= n->retired_bytes;
    c->ret_seq++;
    return true;
}

void vcow_history_trim(struct vcow_cell *c, uint64_t keep_from, struct vcow_version **freeq)
{
    while (c->ret_seq < keep_from && trim_one(c))
        ;
    vcow_cell_scan(c, freeq);
}

void vcow_history_policy(struct vcow_cell *c)
{
    const struct vcow_cell_opts *o = &c->opts;
    struct vcow_version *head = atomic_load_explicit(&c->head, memory_order_relaxed);
    if (o->keep_last != 0 && head->seq + 1 > o->keep_last) {
        while (c->ret_seq < head->seq + 1 - o->keep_last && trim_one(c))
            ;
    }
    if (o->max_age_ns != 0) {
        int64_t cutoff = vcow_now_ns() - o->max_age_ns;
        for (;;) {
            struct vcow_version *v = slot(c, c->ret_seq);
            if (v == NULL || vcow_version_stamp(v) >= cutoff || !trim_one(c))
                break;
        }
    }
    if (o->max_bytes != 0) {
        while (c->hist_bytes > o->max_bytes && trim_one(c))
            ;
    }
}

/* ---- the reclaimer side ---- */

/*
 * Free what v stands for (its object and the retire list it carries), at
 * most *budget nodes of the list (NULL: all). True when done: v is gone.
 */
static bool version_free(struct vcow_version *v, uint64_t *budget, uint64_t *freed)
{
    struct vcow_cell *c = v->cell;
    struct vcow_tally t = {{0}, {0}};
    if (budget != NULL && *budget == 0)
        return false;
    int done = vcow_retire_free(&v->retired, &t, &v->stack, budget, freed);
    vcow_cell_flush_tally(c, &t);
    if (!done)
        return false;
    /* The object counts too (free of charge if the list took the last of
     * the budget: a slice may end one node over). */
    if (budget != NULL && *budget > 0)
        (*budget)--;
    /* relaxed: statistics. */
    atomic_fetch_sub_explicit(&c->pending_bytes, v->to_free_bytes, memory_order_relaxed);
    atomic_fetch_add_explicit(&c->freed_total, v->held_sub, memory_order_relaxed);
    *freed += sizeof(*v);
    vcow_node_free(&t, VCOW_KIND_META, v, sizeof(*v));
    vcow_cell_flush_tally(c, &t);
    vcow_cell_unref(c);
    return true;
}

static void batch_cb(vcow_gc_head *h);

/* Hand a chain of versions (linked by next_free) to the reclaimer as one
 * batch; freed counts what earlier slices of the batch freed. */
static void defer_batch(struct vcow_version *first, uint64_t freed)
{
    first->batch_freed = freed;
    vcow_gc_defer(&first->gc, batch_cb);
}

/* Free from the chain at most one slice; the rest go on as a new batch. */
static void batch_cb(vcow_gc_head *h)
{
    struct vcow_version *v = vcow_container_of(h, struct vcow_version, gc);
    uint64_t budget = FREE_BUDGET, freed = v->batch_freed;
    while (v != NULL) {
        struct vcow_version *next = v->next_free;
        if (!version_free(v, &budget, &freed)) {
            defer_batch(v, freed); /* the rest in the next slice */
            return;
        }
        v = next;
    }
    if (freed >= PURGE_AFTER)
        vcow_mem_purge();
}

void vcow_reclaim_dispatch(struct vcow_cell *c, struct vcow_version *freeq,
                           struct vcow_version *own)
{
    struct vcow_version *help = NULL, *batch = NULL;
    while (freeq != NULL) {
        struct vcow_version *v = freeq;
        freeq = v->next_free;
        struct vcow_version **to = v->help ? &help : &batch;
        v->next_free = *to;
        *to = v;
    }
    if (batch != NULL)
        defer_batch(batch, 0);
    if (help == NULL)
        return;
    VCOW_YIELD_POINT();
    /* Backpressure (g): wait for a grace period and free here: the
     * committer's own garbage in full (so writers cannot outrun the
     * reclaimer), and at most one slice of anything else (a backlog that
     * an ended pin released). Inside a read section we cannot wait: all of
     * it goes to the reclaimer. */
    if (vcow_gc_synchronize() == VCOW_OK) {
        atomic_fetch_add_explicit(&c->helped, 1, memory_order_relaxed);
        uint64_t budget = FREE_BUDGET, freed = 0;
        struct vcow_version **pp = &help;
        while (*pp != NULL) {
            struct vcow_version *v = *pp, *next = v->next_free; /* v may be freed */
            if (v == own) {
                version_free(v, NULL, &freed);
                *pp = next;
            } else if (budget > 0 && version_free(v, &budget, &freed)) {
                *pp = next;
            } else {
                pp = &v->next_free; /* left for the reclaimer */
            }
        }
    }
    /* The rest is a backlog for the reclaimer. It stays out of
     * pending_bytes (which bounds what commits hand over, exactly) and
     * shows in held_bytes until freed. */
    if (help != NULL)
        defer_batch(help, 0);
}

void vcow_cell_unref(struct vcow_cell *c)
{
    /* acq_rel: the last one out frees, after everyone else's accesses. */
    if (atomic_fetch_sub_explicit(&c->refs, 1, memory_order_acq_rel) != 1)
        return;
    uint64_t cap = atomic_load_explicit(&c->cap, memory_order_relaxed);
    vcow_node_free(NULL, VCOW_KIND_META, c->ring, cap * sizeof(*c->ring));
    pthread_mutex_destroy(&c->lock);
    vcow_node_free(NULL, VCOW_KIND_META, c, sizeof(*c));
}
