/*
 * runtime/reclaim.c - version-ordered reclamation without node reference
 * counts, and without a lock.
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
 *      index of unreclaimed versions, in seq order, by the maintenance
 *      claimer (one thread at a time, see (j)): the tail version t is
 *      reclaimed when it is dead and its successor is published; reclaiming
 *      t frees t's object and t+1's retire list. The tail only moves
 *      forward, so lists are freed in version order, and an old pinned
 *      version holds back every newer list (the MVCC horizon).
 *  (d) A version dies when its count (head + retained + count pins)
 *      reaches zero and no slot holds it (k); a count pin is an
 *      increment-if-not-zero, so no one can revive a version the scan has
 *      seen dead (only a slot's holder adds to a zero count, and the scan
 *      looks again: (k)). The decrement is acq_rel: whatever the holder
 *      read through its pin happens-before the scan that frees. A
 *      version's head count is dropped by its successor's committer only
 *      after the CAS that replaced it, so a version at the tail that is
 *      dead always has a published successor, or the cell is closing.
 *  (e) Version objects themselves are freed through the same deferral: a
 *      reader that loaded the head just before it changed may still read
 *      the version's fields during its read section. So nothing of a dead
 *      version is reused; what the reclaimer needs lives in its batch (h).
 *  (f) Nodes a txn made and never published are freed at once on abort or
 *      conflict (no reader ever saw them); retire entries it recorded are
 *      dropped, since the base version still reaches those nodes.
 *  (g) Bounded garbage: pending_bytes counts what was handed to the
 *      reclaimer and is not freed yet; a version whose list would push it
 *      over max_pending_bytes is not handed over but put on the cell's
 *      backlog (help list). Every commit that finds pending + backlog over
 *      the bound waits for a grace period and frees from the backlog itself
 *      (at least as many nodes as its own commit retired, and a slice):
 *      writers cannot outrun reclamation, and pending_bytes stays an exact
 *      bound. A backlog that nobody commits against (an unpin that ended a
 *      long pin released it, and the cell went quiet) is handed to the
 *      reclaimer by a drain callback once a grace period passed with no
 *      commit. No call other than a commit over the bound frees more than
 *      that: an unpin frees nothing itself.
 *  (h) Batches. Reclaiming t puts t's object and t+1's retire entries
 *      into the cell's open batch (2 KiB, ~30-240 versions' worth), which
 *      the claimer keeps filling across passes; a full batch is deferred
 *      once the pass has moved the tail past its versions (a reader whose
 *      section begins before that may still find them), so a deferral
 *      costs one callback per batch, not per version. A cell that goes
 *      quiet leaves its open batch to the drain, which takes it a grace
 *      period later and defers it: nothing waits for the next commit.
 *      Entries carry each node's size and kind (runtime/retire.h): the
 *      freeing thread reads a retired node only to walk a dropped subtree.
 *      Freeing is iterative (runtime/node.c) and done in slices of
 *      FREE_BUDGET nodes, re-deferring the rest: one huge dropped subtree
 *      cannot hold up the reclaimer's other work for long. A batch that
 *      cannot be allocated stops the scan where it is (the dead versions
 *      stay at the tail for the next pass; close frees them through a
 *      batch on its stack).
 *  (i) Helpers follow prev pointers (stamping, finding a slot its
 *      committer has not written): the claimer stamps a version before it
 *      queues the predecessor, and finds go through the tail check of
 *      vcow_cell_find in a read section, so what they follow is not freed
 *      under them (runtime/stamp.c (e), runtime/vindex.h).
 *  (j) Progress. Nothing here takes a lock. A commit is its CAS; after it
 *      the committer stamps and indexes its own version (helped by anyone
 *      who needs either first) and asks for maintenance. Maintenance
 *      (trims, the tail scan, pruning the index) runs in one claimer at a
 *      time; a thread that asks while it runs leaves its request for the
 *      claimer, which runs again before it lets go, so no request is lost
 *      and nobody waits. A claimer parked for ever stops reclamation (garbage
 *      grows, as behind a long pin) but no other call: commits, pins,
 *      history reads and unpins all go on.
 *  (k) Slots. A pin of the head (and a txn's base) is no count but a slot
 *      of the pinning thread holding the version (runtime/slots.h): store
 *      v in the slot, load the head, keep it if it is still v (else hold
 *      the new head and look again). The scan takes t only if, after it
 *      saw t's count at zero, it reads every slot and none holds t, and
 *      then reads the count at zero once more. Why no pinned t is taken:
 *      - a pin that kept t stored t, then loaded the head and found t,
 *        all seq_cst; so its store precedes the CAS that replaced t in the
 *        single order S of seq_cst operations. That CAS happens-before the
 *        decrement of t's head count (same thread), which the scan's
 *        acquire load of the count reads or follows, which precedes the
 *        scan's seq_cst loads of the slots: so the CAS precedes them in S,
 *        and they see the pin's store (or the slot's later release).
 *      - the holder of a slot pin may add a count to t although it is zero
 *        (vcow_version_pin of the slot's face or of a view made from it;
 *        an increment-if-not-zero would fail there). It adds before it
 *        lets go of the slot (a seq_cst exchange, so a release): a scan
 *        that read the slot empty (acquire) then sees the count when it
 *        reads it again.
 *      - the committer lets go of its base's slot before it drops the
 *        base's head count, so the scan never finds its own committer's
 *        slot on a version it just saw die.
 *      One look at the slots covers a window of up to WINDOW versions,
 *      each seen at zero before it: O(threads) per window, not per
 *      version. When a slot holds the version at the tail, the scan stops
 *      and notes it in stuck (seq_cst), then reads the slots once more; a
 *      thread that lets go of that slot (an unpin, or a pin that moved on
 *      to a newer head) then reads stuck (seq_cst): of the two store-load
 *      pairs, at least one sees the other, so either the scan goes on or
 *      the releaser asks for maintenance. Nothing is left at the tail of a
 *      quiet cell. A slot pin never touches the version's count, so pins
 *      of the head by many threads write no common line; vcow_cell_pin_at
 *      and _as_of still pin with the count (they may find any version).
 *      A version held only by slots has a zero count: pin_at cannot pin
 *      it (ENOENT) and vcow_cell_versions does not list it.
 *
 * Model: the retire lists are LMDB's free pages by txn id, the tail rule
 * its oldest-reader horizon; the grace period is liburcu's call_rcu.
 */
#include <sched.h>
#include <stddef.h>
#include <string.h>

#include "cell.h"
#include "park.h"
#include "slots.h"
#include "base/trace.h"
#include "base/yield.h"
#include <vcow/error.h>
#include <vcow/mem.h>

#define FREE_BUDGET 16384

uint64_t vcow_version_release(struct vcow_version *v, uint64_t counts, const char *call)
{
    /* The caller asks for maintenance afterwards if v died: a death is
     * found at the tail. acq_rel: see (d) above. */
    uint64_t old = atomic_fetch_sub_explicit(&v->live, counts, memory_order_acq_rel);
    if (VCOW_UNLIKELY(old < counts))
        vcow__panic(call,
                    "version %llu of cell %p was released more often than it was pinned "
                    "(a vcow_version_unpin too many?)",
                    (unsigned long long)v->seq, (void *)v->cell);
    return old - counts;
}

/* ---- batches ---- */

/*
 * What one deferral frees: retire entries (retire.h), the dead versions'
 * objects among them. The claimer fills the cell's open batch across
 * passes and defers it when it is full; a quiet cell's open batch is
 * deferred by the drain (h). 2 KiB in all.
 */
enum { BATCH_CAP = 247 };

struct vcow_batch {
    vcow_gc_head gc;
    struct vcow_batch *next; /* a chain: the backlog, or what a callback got */
    struct vcow_cell *cell;
    struct vcow_node *stack; /* an unfinished subtree (h) */
    uint64_t to_free;        /* bytes counted in handed (in backlogged if backlog) */
    uint64_t held_sub;       /* what to take off held_bytes when freed */
    uint32_t n;
    bool backlog;
    bool fixed; /* on close's stack (vcow_cell_close_rest): never deferred */
    uintptr_t e[BATCH_CAP];
};
_Static_assert(sizeof(struct vcow_batch) <= 2048, "a batch fits jemalloc's 2 KiB class");

/* At most what one version adds: its object, its successor's inline
 * entries and chunk chain (or, at close, its tree). */
enum { VERSION_ENTRIES = 1 + VCOW_RETIRE_INLINE + 1 };

static struct vcow_batch *batch_new(struct vcow_cell *c, bool backlog)
{
    struct vcow_batch *b = vcow_node_alloc(NULL, VCOW_MEM_META, sizeof(*b));
    if (b == NULL)
        return NULL;
    memset(b, 0, offsetof(struct vcow_batch, e));
    b->cell = c;
    b->backlog = backlog;
    /* relaxed: we hold a reference already (the cell is open, or close
     * runs the pass); the last unref's acq_rel orders the free. */
    atomic_fetch_add_explicit(&c->refs, 1, memory_order_relaxed);
    return b;
}

static void batch_delete(struct vcow_batch *b)
{
    struct vcow_cell *c = b->cell;
    if (b->fixed)
        return;
    vcow_node_free(NULL, VCOW_MEM_META, b, sizeof(*b));
    vcow_cell_unref(c);
}

/*
 * Free what b holds, at most *budget nodes (NULL: all). True when done: b
 * is gone. The entries carry sizes and kinds: nothing freed alone is read.
 */
static bool batch_free(struct vcow_batch *b, uint64_t *budget)
{
    struct vcow_cell *c = b->cell;
    struct vcow_tally t = {{0}, {0}};
    int done = vcow_retire_free(b->e, &b->n, &t, &b->stack, budget);
    vcow_cell_flush_tally(c, &t);
    if (!done)
        return false;
    /* relaxed: counters (see queue). */
    if (b->backlog)
        atomic_fetch_add_explicit(&c->backlog_freed, b->to_free, memory_order_relaxed);
    else
        atomic_fetch_add_explicit(&c->pending_freed, b->to_free, memory_order_relaxed);
    atomic_fetch_add_explicit(&c->freed_total, b->held_sub, memory_order_relaxed);
    VCOW_TRACE3(reclaim, c, b->held_sub, b->backlog ? 0 : b->to_free);
    batch_delete(b);
    return true;
}

static void batch_cb(vcow_gc_head *h);

/* Hand a chain of batches to the reclaimer: one callback. */
static void defer_batch(struct vcow_batch *first)
{
    vcow_gc_defer(&first->gc, batch_cb);
}

/* Free from the chain at most one slice; the rest go on as a new chain. */
static void batch_cb(vcow_gc_head *h)
{
    struct vcow_batch *b = vcow_container_of(h, struct vcow_batch, gc);
    uint64_t budget = FREE_BUDGET;
    VCOW_PARK(VCOW_PARK_RECLAIM);
    while (b != NULL) {
        struct vcow_batch *next = b->next;
        if (!batch_free(b, &budget)) {
            defer_batch(b); /* the rest in the next slice: b->next is still next */
            return;
        }
        b = next;
    }
}

/* ---- the maintenance claimer's side: trims, the tail scan ---- */

/* What one pass fills: the cell's open batch, and backlog batches. */
struct pass {
    struct vcow_batch *open;
    struct vcow_batch *help; /* chain, newest first */
    /* Open batches this pass filled: deferred after the scan, once the
     * tail has moved past their versions (a reader whose read section
     * begins before that may still find them). */
    struct vcow_batch *full;
    bool closing;
    struct vcow_batch *fixed; /* vcow_cell_close_rest: the only batch to fill */
};

/* A batch of the pass with room for a version's entries; NULL if none can
 * be allocated (the scan stops there and the next pass tries again). */
static struct vcow_batch *room_in(struct vcow_cell *c, struct pass *p, bool backlog)
{
    if (p->fixed != NULL)
        return p->fixed->n + VERSION_ENTRIES <= BATCH_CAP ? p->fixed : NULL;
    struct vcow_batch *b = backlog ? p->help : p->open;
    if (b != NULL && b->n + VERSION_ENTRIES <= BATCH_CAP)
        return b;
    struct vcow_batch *nb = batch_new(c, backlog);
    if (nb == NULL)
        return NULL;
    if (backlog) {
        nb->next = b;
        p->help = nb;
    } else {
        if (b != NULL) {
            b->next = p->full;
            p->full = b;
        }
        p->open = nb;
    }
    return nb;
}

/*
 * (g) and (h), decided by the one claimer: t is dead at the tail; free its
 * object and the n entries at e (bytes of nodes; held: what to take off
 * held_bytes), through the open batch (counted in pending) or the backlog.
 * The claimer keeps handed itself and compares against a cached read of
 * pending_freed: since pending_freed only grows, handed - freed_seen is
 * never below the true pending, so a decision "under the bound" on it is
 * exact; the reclaimer's line is read again only when the cached figure
 * says "over". False if no batch could be had: nothing was counted.
 */
static bool queue(struct vcow_cell *c, struct pass *p, struct vcow_version *t, const uintptr_t *e,
                  uint32_t n, uint64_t bytes, uint64_t held)
{
    /* relaxed throughout: counters; the memory itself is ordered by the
     * grace period. handed and backlogged have one writer (us). */
    uint64_t max = c->opts.max_pending_bytes;
    uint64_t handed = atomic_load_explicit(&c->handed, memory_order_relaxed);
    if (handed - c->freed_seen + bytes > max)
        c->freed_seen = atomic_load_explicit(&c->pending_freed, memory_order_relaxed);
    uint64_t now = handed - c->freed_seen + bytes;
    bool backlog = now > max && p->fixed == NULL;
    struct vcow_batch *b = room_in(c, p, backlog);
    if (b == NULL)
        return false;
    b->e[b->n++] = vcow_retire_entry(t, VCOW_MEM_META, vcow_version_alloc_size(t), 0);
    for (uint32_t i = 0; i < n; i++)
        b->e[b->n++] = e[i];
    b->to_free += bytes;
    b->held_sub += held;
    if (backlog) {
        atomic_store_explicit(&c->backlogged,
                              atomic_load_explicit(&c->backlogged, memory_order_relaxed) + bytes,
                              memory_order_relaxed);
        return true;
    }
    atomic_store_explicit(&c->handed, handed + bytes, memory_order_relaxed);
    if (now > atomic_load_explicit(&c->pending_peak, memory_order_relaxed))
        atomic_store_explicit(&c->pending_peak, now, memory_order_relaxed);
    return true;
}

/*
 * (k): the scan stopped at cand because a slot holds it. Note where, so
 * that the slot's release asks for maintenance; then look at the slots
 * again: either we see the slot free (true: go on), or the releaser sees
 * the note (a store-load pair on each side, seq_cst).
 */
static bool stuck_at(struct vcow_cell *c, struct vcow_version *cand)
{
    uint64_t mark = cand->seq + 1;
    /* relaxed: only the claimer writes it; skip a store that changes
     * nothing (readers of the head's line would pay for it). */
    if (atomic_load_explicit(&c->stuck, memory_order_relaxed) != mark)
        atomic_store_explicit(&c->stuck, mark, memory_order_seq_cst);
    return vcow_slots_first_held(&cand, 1) != 0;
}

enum { WINDOW = 32 };

/* Reclaim dead versions at the tail, in seq order (c), looking at the
 * slots once per window of WINDOW versions (k). Claimer, in a read
 * section. */
static void scan(struct vcow_cell *c, struct pass *p)
{
    /* relaxed: the claimer is the only writer of the tail. */
    uint64_t start = atomic_load_explicit(&c->tail_seq, memory_order_relaxed), ts = start;
    bool more = true;
    while (more) {
        /* Dead by count (d), oldest first; each has a published
         * successor, except the head at close (then it is the last). */
        struct vcow_version *cand[WINDOW];
        uint32_t n = 0;
        bool last_is_head = false;
        struct vcow_version *head = atomic_load_explicit(&c->head, memory_order_acquire);
        while (n < WINDOW) {
            struct vcow_version *t = vcow_cell_find(c, ts + n);
            /* acquire: pairs with the release of the last decrement (d). */
            if (t == NULL || atomic_load_explicit(&t->live, memory_order_acquire) != 0)
                break;
            if (ts + n >= head->seq) {
                /* The newest version died: only when the cell closes. */
                if (p->closing && t == head) {
                    cand[n++] = t;
                    last_is_head = true;
                }
                break;
            }
            cand[n++] = t;
        }
        more = n == WINDOW;
        if (n == 0)
            break;
        uint32_t held = vcow_slots_first_held(cand, n);
        for (uint32_t i = 0; i < n; i++) {
            struct vcow_version *t = cand[i];
            /* acquire: a holder of a slot pin may have added a count
             * before it let go of the slot (k). */
            if (i == held || atomic_load_explicit(&t->live, memory_order_acquire) != 0) {
                more = i == held && stuck_at(c, t);
                break;
            }
            if (last_is_head && i == n - 1) {
                /* Its whole tree goes with it. */
                uintptr_t tree = 0;
                uint64_t bytes = 0;
                if (t->face.root != NULL) {
                    tree = vcow_retire_entry(t->face.root, t->face.root->kind, 0, 1);
                    bytes = t->face.root->size;
                }
                if (!queue(c, p, t, &tree, tree != 0, bytes, 0)) {
                    more = false;
                    break;
                }
                ts++;
                continue;
            }
            struct vcow_version *nx = vcow_cell_find(c, ts + 1);
            vcow_version_stamp(nx); /* before its prev goes: (i) */
            /* Every version <= ts is dead: t's object and nx's retire list
             * can go. */
            const struct vcow_rlist *rl = nx->rl;
            if (!queue(c, p, t, rl != NULL ? rl->e : NULL, rl != NULL ? rl->n : 0,
                       vcow_version_retired_bytes(nx), vcow_commit_held(t, nx))) {
                more = false;
                break;
            }
            ts++;
        }
    }
    if (ts != start) {
        /* release: finders that see the new tail skip what we queued. */
        atomic_store_explicit(&c->tail_seq, ts, memory_order_release);
        vcow_vindex_prune(&c->index, start, ts);
    }
}

/* ---- the backlog and the drain ---- */

/* Put a chain on the cell's backlog. */
static void backlog_push(struct vcow_cell *c, struct vcow_batch *first)
{
    struct vcow_batch *last = first;
    while (last->next != NULL)
        last = last->next;
    struct vcow_batch *old = atomic_load_explicit(&c->help, memory_order_relaxed);
    do
        last->next = old;
    /* release: the chain's links before it can be taken; the taker
     * exchanges with acquire. */
    while (!atomic_compare_exchange_weak_explicit(&c->help, &old, first, memory_order_release,
                                                  memory_order_relaxed));
}

static void drain_cb(vcow_gc_head *h);

/* A figure every commit changes (it adds at least its base's object to
 * retired_total), read without touching a version: the drain may run
 * while close frees the last head. relaxed: a hint. */
static uint64_t activity(struct vcow_cell *c)
{
    return atomic_load_explicit(&c->retired_total, memory_order_relaxed);
}

/* Make sure a drain is pending: once a grace period passed it defers the
 * open batch of a cell that went quiet, and hands a backlog nobody commits
 * against to the reclaimer (g, h). */
static void drain_schedule(struct vcow_cell *c)
{
    /* seq_cst even for this first look: a stale "pending" seen here would
     * leave the open batch with no drain (the pair below). */
    if (atomic_load_explicit(&c->drain_pending, memory_order_seq_cst))
        return;
    /* seq_cst: with the store of the open batch before it (maintain_once)
     * and the drain's clear-then-take, either we see the flag clear and
     * schedule, or the drain sees the batch (a store-load pair: release
     * and acquire alone would let both miss). The flag also hands
     * drain_gc and drain_mark over: a callback that cleared it is done with
     * both. */
    if (atomic_exchange_explicit(&c->drain_pending, true, memory_order_seq_cst))
        return;
    /* relaxed: as in batch_new. */
    atomic_fetch_add_explicit(&c->refs, 1, memory_order_relaxed);
    c->drain_mark = activity(c);
    vcow_gc_defer(&c->drain_gc, drain_cb);
}

static void drain_cb(vcow_gc_head *h)
{
    struct vcow_cell *c = vcow_container_of(h, struct vcow_cell, drain_gc);
    /* While writers are active they pay for the backlog (backpressure).
     * relaxed: a hint (closing only makes us take the backlog at once). */
    bool leave_backlog =
        activity(c) != c->drain_mark && !atomic_load_explicit(&c->closing, memory_order_relaxed);
    /* seq_cst: see drain_schedule; from here on we touch neither drain_gc
     * nor drain_mark. */
    atomic_store_explicit(&c->drain_pending, false, memory_order_seq_cst);
    /* Taken now, so everything in them was queued before this callback:
     * the grace period of the deferral covers it. seq_cst: see above
     * (acquire would do for the batch's contents). */
    struct vcow_batch *open = atomic_exchange_explicit(&c->open, NULL, memory_order_seq_cst);
    if (open != NULL) {
        if (open->n > 0)
            defer_batch(open);
        else
            batch_delete(open);
    }
    if (!leave_backlog) {
        /* acquire: pairs with backlog_push. */
        struct vcow_batch *chain = atomic_exchange_explicit(&c->help, NULL, memory_order_acquire);
        if (chain != NULL)
            defer_batch(chain);
    }
    /* A backlog left to writers, or pushed after the exchange: look again
     * a grace period later. */
    if (atomic_load_explicit(&c->help, memory_order_relaxed) != NULL)
        drain_schedule(c);
    vcow_cell_unref(c);
}

void vcow_cell_backpressure(struct vcow_cell *c, uint64_t own_nodes)
{
    /* Garbage over the bound is exactly what waits on the backlog (queue
     * hands the rest over, under the bound): a non-empty backlog is the
     * signal. relaxed: a hint; taking it below is the acquire. */
    if (VCOW_LIKELY(atomic_load_explicit(&c->help, memory_order_relaxed) == NULL) ||
        vcow_in_read_section())
        return;
    /* Take the backlog before the grace period: all of it was queued
     * before, so the wait covers every reader of it. acquire: pairs with
     * backlog_push. */
    struct vcow_batch *chain = atomic_exchange_explicit(&c->help, NULL, memory_order_acquire);
    /* relaxed: the figure the probe reports. */
    VCOW_TRACE2(backpressure, c,
                atomic_load_explicit(&c->backlogged, memory_order_relaxed) -
                    atomic_load_explicit(&c->backlog_freed, memory_order_relaxed));
    VCOW_YIELD_POINT();
    VCOW_PARK(VCOW_PARK_BACKPRESSURE);
    if (chain != NULL && vcow_gc_synchronize() == VCOW_OK) {
        atomic_fetch_add_explicit(&c->helped, 1, memory_order_relaxed);
        uint64_t budget = FREE_BUDGET + own_nodes;
        while (chain != NULL) {
            struct vcow_batch *next = chain->next;
            if (!batch_free(chain, &budget))
                break;
            chain = next;
        }
    }
    if (chain != NULL) {
        backlog_push(c, chain);
        drain_schedule(c);
    }
}

/* ---- the claim ---- */

enum { MAINT_RUN = 1, MAINT_REQ = 2 };

/* One pass: trims, then the tail scan; then hand over what died. */
static void maintain_once(struct vcow_cell *c)
{
    /* The open batch is the claimer's while the pass runs (the drain may
     * have taken it: then the pass starts a new one). acquire: whoever put
     * it there (the last claimer) is done writing it. */
    struct pass p = {atomic_exchange_explicit(&c->open, NULL, memory_order_acquire), NULL, NULL,
                     atomic_load_explicit(&c->closing, memory_order_relaxed), NULL};
    vcow_read_lock(); /* finds follow prev pointers: (i) */
    vcow_history_apply(c);
    VCOW_YIELD_POINT();
    VCOW_PARK(VCOW_PARK_SCAN);
    scan(c, &p);
    vcow_read_unlock();
    VCOW_YIELD_POINT();
    if (p.full != NULL)
        defer_batch(p.full); /* the full batches of the pass: one deferral (h) */
    if (p.help != NULL) {
        backlog_push(c, p.help);
        drain_schedule(c);
    }
    if (p.open == NULL)
        return;
    if (p.closing) {
        /* Nothing comes after close's passes: hand it over now. */
        if (p.open->n > 0)
            defer_batch(p.open);
        else
            batch_delete(p.open);
        return;
    }
    /* Read before the store: from then on the drain may take and free it. */
    bool filled = p.open->n > 0;
    /* seq_cst: see drain_schedule. */
    atomic_store_explicit(&c->open, p.open, memory_order_seq_cst);
    if (filled)
        drain_schedule(c);
}

/* Let go of the claim; true when nobody asked meanwhile. */
static bool maintain_release(struct vcow_cell *c)
{
    uint32_t expected = MAINT_RUN;
    /* acq_rel: our pass happens-before the next claimer's. */
    if (atomic_compare_exchange_strong_explicit(&c->maint, &expected, 0, memory_order_acq_rel,
                                                memory_order_acquire))
        return true;
    /* A request came in while we ran: keep it pending, claim again. */
    atomic_store_explicit(&c->maint, MAINT_REQ, memory_order_release);
    return false;
}

void vcow_cell_maintain(struct vcow_cell *c)
{
    /* The common case, nobody claiming: claim at once (one read-modify-
     * write instead of a request and a claim). acq_rel: the previous
     * claimer's pass happens-before ours, and ours sees what we did. */
    uint32_t idle = 0;
    if (atomic_compare_exchange_strong_explicit(&c->maint, &idle, MAINT_RUN, memory_order_acq_rel,
                                                memory_order_relaxed)) {
        maintain_once(c);
        if (maintain_release(c))
            return;
    }
    /* acq_rel: a running claimer that sees our request sees what we did
     * before it (a release, a commit). */
    else if (atomic_fetch_or_explicit(&c->maint, MAINT_REQ, memory_order_acq_rel) & MAINT_RUN)
        return; /* the claimer runs again for us */
    for (;;) {
        uint32_t expected = MAINT_REQ;
        /* Claim. Failing means another thread claimed (and serves our
         * request) or already served it. acquire: the previous claimer's
         * pass happens-before ours. */
        if (!atomic_compare_exchange_strong_explicit(&c->maint, &expected, MAINT_RUN,
                                                     memory_order_acquire, memory_order_relaxed))
            return;
        maintain_once(c);
        if (maintain_release(c))
            return;
    }
}

void vcow_cell_maintain_last(struct vcow_cell *c)
{
    /* Close may wait: for a claimer that is running now to let go. */
    for (;;) {
        uint32_t expected = atomic_load_explicit(&c->maint, memory_order_relaxed);
        if ((expected & MAINT_RUN) == 0 &&
            atomic_compare_exchange_weak_explicit(&c->maint, &expected, MAINT_RUN,
                                                  memory_order_acquire, memory_order_relaxed))
            break;
        sched_yield();
    }
    maintain_once(c);
    atomic_store_explicit(&c->maint, 0, memory_order_release);
}

/*
 * Close when batches could not be allocated (the passes stopped short of
 * the head): free the rest through a batch on our stack, a grace period
 * before each. Close may wait, and must not leak.
 */
void vcow_cell_close_rest(struct vcow_cell *c, uint64_t head_seq)
{
    /* acquire: pairs with the scan's release of the tail. Once the tail
     * passed the head, the head itself is gone: never look at it again. */
    while (atomic_load_explicit(&c->tail_seq, memory_order_acquire) <= head_seq) {
        struct vcow_batch sb;
        memset(&sb, 0, offsetof(struct vcow_batch, e));
        sb.cell = c;
        sb.fixed = true;
        struct pass p = {NULL, NULL, NULL, true, &sb};
        vcow_read_lock();
        scan(c, &p);
        vcow_read_unlock();
        if (sb.n == 0)
            vcow__panic("vcow_cell_close", "cell %p: version %llu is still alive at close",
                        (void *)c, (unsigned long long)atomic_load(&c->tail_seq));
        /* Close runs outside read sections (it checks): this cannot fail. */
        (void)vcow_gc_synchronize();
        batch_free(&sb, NULL);
    }
}

void vcow_cell_unref(struct vcow_cell *c)
{
    /* acq_rel: the last one out frees, after everyone else's accesses. */
    if (atomic_fetch_sub_explicit(&c->refs, 1, memory_order_acq_rel) != 1)
        return;
    vcow_vindex_destroy(&c->index, NULL);
    vcow_node_free(NULL, VCOW_MEM_META, c, sizeof(*c));
}
