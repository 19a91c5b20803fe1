/*
 * runtime/txn.c - transactions: begin on the pinned head, build privately,
 * publish with one CAS (docs/ARCHITECTURE.md, "Cells, versions, txns").
 */
#include <ck_backoff.h>
#include <string.h>

#include "cell.h"
#include "cond.h"
#include "txn.h"
#include "park.h"
#include "slots.h"
#include "base/trace.h"
#include "base/yield.h"

/* ---- txn ids: owner stamps, unique per process, no shared counter per txn ---- */

#define ID_BLOCK ((uint64_t)1 << 20)
static _Atomic uint64_t next_block = 1; /* block 0 is never used: owner 0 = nobody */
static _Thread_local uint64_t id_next, id_end;

static uint64_t new_txn_id(void)
{
    if (id_next == id_end) {
        /* relaxed: only uniqueness matters. */
        uint64_t b = atomic_fetch_add_explicit(&next_block, 1, memory_order_relaxed);
        id_next = b * ID_BLOCK;
        id_end = id_next + ID_BLOCK;
    }
    return id_next++;
}

/* ---- begin / discard ---- */

/* Pin the head as the txn's base. */
int vcow_txn_start(struct vcow_cell *c, struct vcow_txn *t)
{
    vcow_version *base;
    int rc = vcow_cell_pin_head(c, &base);
    if (rc != VCOW_OK)
        return rc;
    t->cell = c;
    t->pin = base;
    t->base = vcow_face_real(&base->face);
    t->root = base->face.root;
    t->kind = c->kind;
    memset(&t->view, 0, sizeof(t->view));
    t->view.face.view = VCOW_FACE_TXN;
    t->view.real = t->base;
    t->depth = 0;
    t->id = new_txn_id();
    t->want_ns = VCOW_TIME_UNSET;
    t->tag_len = 0;
    t->rebase = false;
    t->viewed = false;
    t->read_all = false;
    t->n_read_inline = 0;
    t->cond = NULL;
    t->state = TXN_OPEN;
    return VCOW_OK;
}

/* A retire entry that is the txn's own dropped subtree: free its owned
 * part now (its published children stay with the base). */
static void free_if_owned(struct vcow_txn *t, uintptr_t entry)
{
    struct vcow_node *n = vcow_retire_ptr(entry);
    if (n->owner == t->id)
        vcow_free_owned(&t->tally, n, t->id);
}

/* Store the nested root back and return to the enclosing structure. */
static void nest_pop(struct vcow_txn *t)
{
    t->depth--;
    *t->nest[t->depth].slot = t->root;
    t->root = t->nest[t->depth].root;
    t->kind = t->nest[t->depth].kind;
}

void vcow__txn_drop_state(struct vcow_txn *t, struct vcow_node *root, struct vcow_retire *r,
                          struct vcow_node *base_root)
{
    for (uint32_t i = 0; i < r->n_inline; i++)
        free_if_owned(t, r->e[i]);
    for (struct vcow_retire_chunk *ch = r->head; ch != NULL; ch = ch->next)
        for (uint32_t i = 0; i < ch->n; i++)
            free_if_owned(t, ch->e[i]);
    vcow_retire_drop(r, &t->tally);
    /* Owned nodes still reachable from the root. */
    if (root != NULL && root != base_root)
        vcow_free_owned(&t->tally, root, t->id);
}

/*
 * Throw away what the txn built: nodes it created are freed now (nobody
 * ever saw them), retire entries are dropped (the base still reaches those
 * nodes) except entries that are the txn's own dropped subtrees, whose owned
 * part is freed. The base is unpinned.
 */
void vcow_txn_discard(struct vcow_txn *t)
{
    while (t->depth > 0)
        nest_pop(t);
    vcow__txn_drop_state(t, t->root, &t->retired, t->base->face.root);
    vcow__txn_cond_free(t);
    t->root = NULL;
    vcow_version_unpin(t->pin);
    t->base = NULL;
    t->pin = NULL;
    vcow_cell_flush_tally(t->cell, &t->tally);
}

static void txn_flush(struct vcow_txn *t)
{
    if (t->cell != NULL)
        vcow_cell_flush_tally(t->cell, &t->tally);
    else
        vcow_tally_flush(&t->tally);
}

int vcow_txn_begin(vcow_cell *c, vcow_txn **out)
{
    if (c == NULL || out == NULL)
        return VCOW_EINVAL;
    struct vcow_txn *t = vcow_node_alloc(NULL, VCOW_MEM_META, sizeof(*t));
    if (t == NULL)
        return VCOW_ENOMEM;
    memset(t, 0, sizeof(*t));
    t->heap = true;
    int rc = vcow_txn_start(c, t);
    if (rc != VCOW_OK) {
        txn_flush(t);
        vcow_node_free(NULL, VCOW_MEM_META, t, sizeof(*t));
        return rc;
    }
    *out = t;
    return VCOW_OK;
}

/* ---- commit ---- */

static int conflict(struct vcow_txn *t)
{
    VCOW_TRACE2(conflict, t->cell, t->base->seq);
    atomic_fetch_add_explicit(&t->cell->conflicts, 1, memory_order_relaxed);
    vcow_txn_discard(t);
    t->state = TXN_DONE;
    return VCOW_ECONFLICT;
}

/* A condition does not hold (runtime/cond.c): finished, as a conflict. */
static int cond_failed(struct vcow_txn *t)
{
    vcow_txn_discard(t);
    t->state = TXN_DONE;
    return VCOW_ECOND;
}

/*
 * The head is no longer the base. Without rebase: a conflict, or
 * VCOW_ECOND under vcow_txn_if_seq (the head is not that seq). With it:
 * VCOW_OK when the txn was rebased onto the new head (commit again).
 */
static int lost(struct vcow_txn *t)
{
    if (!t->rebase)
        return t->cond != NULL && t->cond->has_seq ? cond_failed(t) : conflict(t);
    int rc = vcow__txn_rebase(t);
    if (rc == VCOW_OK)
        return VCOW_OK;
    return rc == VCOW_ECOND ? cond_failed(t) : conflict(t);
}

/* The version object of a txn, with its retire list sealed into its tail.
 * NULL on allocation failure. */
static struct vcow_version *version_new(struct vcow_txn *t)
{
    struct vcow_cell *c = t->cell;
    uint64_t tail = vcow_retire_sealed_size(&t->retired);
    bool meta = t->want_ns != VCOW_TIME_UNSET || t->tag_len != 0;
    uint64_t msize = meta ? sizeof(struct vcow_vmeta) + t->tag_len : 0;
    struct vcow_version *v =
        vcow_node_alloc(&t->tally, VCOW_MEM_META, sizeof(struct vcow_version) + tail + msize);
    if (v == NULL)
        return NULL;
    memset(v, 0, sizeof(*v));
    if (tail != 0) {
        v->rl = (struct vcow_rlist *)(void *)(v + 1);
        vcow_retire_seal(&t->retired, v->rl);
    }
    if (meta) {
        v->face.has_meta = 1;
        struct vcow_vmeta *m = (struct vcow_vmeta *)(uintptr_t)vcow_version_meta(v);
        m->want_ns = t->want_ns;
        m->tag_len = t->tag_len;
        memcpy(m->tag, t->tag, t->tag_len);
    }
    /* Its time is stamped after the CAS (runtime/stamp.c): a stamp taken
     * before publication could be earlier than an as-of query that did not
     * see the version yet. */
    v->seq = t->base->seq + 1;
    atomic_init(&v->time_ns, VCOW_TIME_UNSET);
    v->prev = t->base;
    v->face.root = t->root;
    v->face.kind = (uint8_t)c->kind;
    v->cell = c;
    atomic_init(&v->face.retained, c->opts.history);
    atomic_init(&v->live, 1 + (c->opts.history ? 1 : 0));
    return v;
}

/*
 * Commit: one CAS of the head, and nothing after it waits for another
 * thread (runtime/reclaim.c (j)). Before the CAS the version is allocated
 * and filled and its index slot reserved (the only allocations: VCOW_ENOMEM
 * leaves the txn open). After it, in a read section (a parked committer's
 * slot may be written by helpers, and the index node pruned under it):
 * stamp the time, store the slot; then drop the base's head count and our
 * pin, and ask for maintenance. Every step after the CAS that someone else
 * needs first is done by them (stamp, slot); maintenance is claimed by one
 * thread at a time and never waited for.
 */
int vcow_txn_commit_internal(struct vcow_txn *t, uint64_t *seq)
{
    struct vcow_cell *c = t->cell;
    if (t->depth > 0)
        return VCOW_ESTATE; /* inside a nested structure: leave it first */
    if (VCOW_UNLIKELY(t->cond != NULL) && t->cond->failed != VCOW_OK)
        return cond_failed(t); /* a condition failed on the base */
again:;
    struct vcow_version *base = t->base;
    /* relaxed: a hint; the CAS below decides. */
    if (atomic_load_explicit(&c->head, memory_order_relaxed) != base) {
        int rc = lost(t); /* lost already */
        if (rc != VCOW_OK)
            return rc;
        goto again; /* rebased onto the new head */
    }
    if (t->want_ns != VCOW_TIME_UNSET && !vcow_stamp_allowed(base, t->want_ns))
        return VCOW_ERANGE; /* nothing changed; the txn stays open */

    struct vcow_version *v = version_new(t);
    if (v == NULL)
        return VCOW_ENOMEM; /* nothing changed; the txn stays open */
    /* Read now: once published, v may be replaced and freed (no pin). */
    uint64_t committed = v->seq, held = vcow_commit_held(base, v);
    uint64_t own_nodes = t->retired.entries;
    int64_t hist = (int64_t)vcow_version_retired_bytes(v);

    int rc = vcow_vindex_reserve(&c->index, committed, NULL);
    if (rc != VCOW_OK) {
        vcow_node_free(&t->tally, VCOW_MEM_META, v, vcow_version_alloc_size(v));
        return rc; /* nothing changed; the txn stays open */
    }
    /* Counted before the CAS, taken back if it fails: so the claimer,
     * which subtracts once the version is trimmed or freed, never sees a
     * count go below zero. relaxed: counters. */
    atomic_fetch_add_explicit(&c->retired_total, held, memory_order_relaxed);
    if (c->opts.history)
        atomic_fetch_add_explicit(&c->hist_bytes, hist, memory_order_relaxed);
    vcow_read_lock();
    VCOW_YIELD_POINT();
    VCOW_PARK(VCOW_PARK_COMMIT_BEFORE_CAS);
    struct vcow_version *expected = base;
    /* seq_cst: a release on success (the version and every node the txn
     * wrote are visible to whoever loads the head with acquire) and part of
     * as-of's total order (runtime/stamp.c (c)). Failure needs no order:
     * we do not dereference the winner. */
    if (!atomic_compare_exchange_strong_explicit(&c->head, &expected, v, memory_order_seq_cst,
                                                 memory_order_relaxed)) {
        vcow_read_unlock();
        atomic_fetch_sub_explicit(&c->retired_total, held, memory_order_relaxed);
        if (c->opts.history)
            atomic_fetch_sub_explicit(&c->hist_bytes, hist, memory_order_relaxed);
        /* Never seen: free it now; the txn's list is still whole. */
        vcow_node_free(&t->tally, VCOW_MEM_META, v, vcow_version_alloc_size(v));
        rc = lost(t);
        if (rc != VCOW_OK)
            return rc;
        goto again; /* rebased onto the new head */
    }
    VCOW_TRACE3(commit, c, committed, own_nodes);
    /* The published copy owns the list now. */
    vcow_retire_forget(&t->retired, &t->tally);
    if (VCOW_UNLIKELY(t->cond != NULL))
        vcow__txn_cond_free(t);
    t->state = TXN_DONE;
    VCOW_YIELD_POINT();
    VCOW_PARK(VCOW_PARK_COMMIT_AFTER_CAS);
    vcow_version_stamp_published(v);
    VCOW_YIELD_POINT();
    VCOW_PARK(VCOW_PARK_COMMIT_AFTER_STAMP);
    vcow_vindex_set(&c->index, v);
    vcow_read_unlock();
    /* Anyone waiting for a commit (runtime/watch.c)? Woken after the stamp
     * and the index slot, so what it reads needs no helping; outside the
     * read section, as the wake is a system call. seq_cst: the load of the
     * committer's store-load pair (watch.c (b)); on x86 a plain load, of
     * the line our CAS has just written. */
    uint32_t watch = atomic_load_explicit(&c->watch, memory_order_seq_cst);
    if (VCOW_UNLIKELY(watch != 0))
        vcow__watch_notify(c, watch);
    VCOW_YIELD_POINT();
    VCOW_PARK(VCOW_PARK_COMMIT_BEFORE_RELEASE);
    /* Our pin ends, then base's head count (base is no longer the head):
     * in this order, so that a scan that sees the count at zero sees the
     * slot free (reclaim.c (k)). If base lives on (another txn or a reader
     * pins it), its last unpin asks for maintenance, not us: writers that
     * share a base skip the claim word. History limits may trim at every
     * commit. */
    uint64_t counts = 1;
    if (t->pin->face.view == VCOW_FACE_SLOT)
        vcow_slot_release((struct vcow_view_face *)(void *)t->pin);
    else
        counts = 2;
    bool died = vcow_version_release(base, counts, "vcow_txn_commit") == 0;
    t->base = NULL;
    t->pin = NULL;
    vcow_cell_flush_tally(c, &t->tally);
    const struct vcow_cell_opts *o = &c->opts;
    if (died || (o->history && (o->keep_last || o->max_age_ns || o->max_bytes)))
        vcow_cell_maintain(c);
    vcow_cell_backpressure(c, own_nodes);
    if (seq != NULL)
        *seq = committed;
    return VCOW_OK;
}

int vcow_txn_commit(vcow_txn *t)
{
    if (t == NULL)
        return VCOW_EINVAL;
    if (t->state != TXN_OPEN)
        return VCOW_ESTATE;
    return vcow_txn_commit_internal(t, NULL);
}

int vcow_txn_abort(vcow_txn *t)
{
    if (t == NULL)
        return VCOW_EINVAL;
    if (t->state == TXN_DONE)
        return VCOW_ESTATE;
    vcow_txn_discard(t);
    t->state = TXN_DONE;
    return VCOW_OK;
}

void vcow_txn_free(vcow_txn *t)
{
    if (t == NULL)
        return;
    if (t->state != TXN_DONE)
        vcow_txn_abort(t);
    txn_flush(t);
    if (t->heap)
        vcow_node_free(NULL, VCOW_MEM_META, t, sizeof(*t));
}

const vcow_version *vcow_txn_view(const vcow_txn *t)
{
    return t != NULL && t->state == TXN_OPEN ? (const vcow_version *)(const void *)&t->view : NULL;
}

const vcow_version *vcow_txn_base(const vcow_txn *t)
{
    return t != NULL && t->state != TXN_DONE ? t->pin : NULL;
}

/* ---- the update loop ---- */

int vcow_cell_update(vcow_cell *c, vcow_update_fn *fn, void *ctx, uint64_t *seq)
{
    if (c == NULL || fn == NULL)
        return VCOW_EINVAL;
    struct vcow_txn t;
    memset(&t, 0, sizeof(t));
    ck_backoff_t backoff = CK_BACKOFF_INITIALIZER;
    int rc;
    for (;;) {
        rc = vcow_txn_start(c, &t);
        if (rc != VCOW_OK)
            break;
        rc = fn(&t, ctx);
        if (rc != VCOW_OK)
            break; /* fn's own error, VCOW_ECONFLICT included: abort below */
        if (t.state != TXN_OPEN) {
            rc = VCOW_ESTATE; /* fn finished the txn itself */
            break;
        }
        rc = vcow_txn_commit_internal(&t, seq);
        /* VCOW_ECOND is no lost race: what the conditions name is not so,
         * and running fn again on the new head would not make it so
         * (a vcow_*_if_unchanged key written meanwhile answers
         * VCOW_ECONFLICT: the new head is a new base). */
        if (rc != VCOW_ECONFLICT)
            break;
        /* Lost the CAS: commit discarded the txn; begin again. */
        ck_backoff_eb(&backoff);
    }
    if (t.state == TXN_OPEN)
        vcow_txn_abort(&t);
    txn_flush(&t);
    return rc;
}

/* ---- what structures use (runtime/txn.h) ---- */

int vcow_txn_writable(const vcow_txn *t, enum vcow_kind kind)
{
    if (t == NULL)
        return VCOW_EINVAL;
    if (t->state != TXN_OPEN)
        return VCOW_ESTATE;
    return t->kind == kind ? VCOW_OK : VCOW_EINVAL;
}

void vcow_txn_enter(vcow_txn *t, struct vcow_node **slot, enum vcow_kind kind)
{
    t->nest[t->depth].slot = slot;
    t->nest[t->depth].root = t->root;
    t->nest[t->depth].kind = t->kind;
    t->depth++;
    t->root = *slot;
    t->kind = kind;
}

bool vcow_txn_nest_full(const vcow_txn *t)
{
    return t->depth == VCOW_TXN_NEST_MAX;
}

int vcow_txn_leave(vcow_txn *t)
{
    if (t == NULL)
        return VCOW_EINVAL;
    if (t->state != TXN_OPEN || t->depth == 0)
        return VCOW_ESTATE;
    nest_pop(t);
    return VCOW_OK;
}

const struct vcow_cell_opts *vcow_txn_opts(const vcow_txn *t)
{
    return &t->cell->opts;
}

struct vcow_node *vcow_txn_root(const vcow_txn *t)
{
    return t->root;
}

void vcow_txn_set_root(vcow_txn *t, struct vcow_node *root)
{
    t->root = root;
}

void *vcow_txn_alloc(vcow_txn *t, enum vcow_mem kind, size_t size)
{
    struct vcow_node *n = vcow_node_alloc(&t->tally, kind, size);
    if (n != NULL) {
        n->owner = t->id;
        n->size = (uint32_t)size;
        n->kind = (uint8_t)kind;
        n->type = 0;
        n->aux = 0;
    }
    return n;
}

void vcow_txn_free_node(vcow_txn *t, struct vcow_node *n)
{
    if (n != NULL)
        vcow_node_free(&t->tally, (enum vcow_mem)n->kind, n, n->size);
}

bool vcow_txn_owns(const vcow_txn *t, const struct vcow_node *n)
{
    return n->owner == t->id;
}

int vcow_txn_reserve(vcow_txn *t, uint32_t n)
{
    return vcow_retire_reserve(&t->retired, &t->tally, n);
}

void vcow_txn_retire(vcow_txn *t, struct vcow_node *n)
{
    if (n->owner == t->id)
        vcow_txn_free_node(t, n); /* never published: free now */
    else
        vcow_retire_add(&t->retired, n, 0);
}

void vcow_txn_retire_tree(vcow_txn *t, struct vcow_node *n)
{
    /* Owned or not, the whole subtree is unreachable from the new version:
     * free it after the base dies (see vcow_txn_discard for aborts). */
    vcow_retire_add(&t->retired, n, 1);
}

int vcow_txn_set_time(vcow_txn *t, int64_t t_ns)
{
    if (t == NULL || t_ns == VCOW_TIME_UNSET)
        return VCOW_EINVAL;
    if (t->state != TXN_OPEN)
        return VCOW_ESTATE;
    t->want_ns = t_ns;
    return VCOW_OK;
}

int vcow_txn_set_tag(vcow_txn *t, const void *tag, size_t len)
{
    if (t == NULL || len > VCOW_TAG_MAX || (tag == NULL && len != 0))
        return VCOW_EINVAL;
    if (t->state != TXN_OPEN)
        return VCOW_ESTATE;
    if (len != 0)
        memcpy(t->tag, tag, len);
    t->tag_len = (uint16_t)len;
    return VCOW_OK;
}
