/*
 * runtime/cell.c - opening and closing cells, the head, statistics and the
 * version accessors. Pins and history reads are in runtime/pin.c, commits
 * in runtime/txn.c, maintenance and reclamation in reclaim.c.
 */
#include <string.h>

#include "cell.h"
#include "slots.h"
#include "txn.h"
#include "base/yield.h"
#include <vcow/error.h>

#define DEFAULT_MAX_PENDING ((uint64_t)64 << 20)

void vcow_cell_flush_tally(struct vcow_cell *c, struct vcow_tally *t)
{
    for (int k = 0; k < VCOW_MEM_COUNT; k++) {
        if (t->nodes[k] == 0 && t->bytes[k] == 0)
            continue;
        vcow_striped_add(&c->count, k, t->nodes[k], t->bytes[k]);
    }
    vcow_tally_flush(t);
}

bool vcow_version_tryget(struct vcow_version *v)
{
    /* relaxed: the version's fields are immutable and were made visible by
     * whatever gave us the pointer (an acquire load of the head or of an
     * index slot). */
    uint64_t n = atomic_load_explicit(&v->live, memory_order_relaxed);
    do {
        if (n == 0)
            return false; /* dead for good, see runtime/reclaim.c (d) */
    } while (!atomic_compare_exchange_weak_explicit(&v->live, &n, n + 1, memory_order_relaxed,
                                                    memory_order_relaxed));
    return true;
}

static int opts_check(const struct vcow_cell_opts *o)
{
    if (o == NULL)
        return VCOW_OK;
    if (o->size < sizeof(struct vcow_cell_opts) && o->size != 0)
        return VCOW_EINVAL; /* from a future smaller layout: none exist yet */
    if (o->size == 0 || o->max_age_ns < 0)
        return VCOW_EINVAL;
    if (!o->history && (o->keep_last || o->max_age_ns || o->max_bytes))
        return VCOW_EINVAL; /* limits without history: surely a mistake */
    if (o->created_ns == INT64_MIN)
        return VCOW_EINVAL; /* the "not stamped" mark, no time */
    return VCOW_OK;
}

int vcow_cell_open(enum vcow_kind kind, const struct vcow_cell_opts *opts, vcow_cell **out)
{
    if (out == NULL || vcow_cell_kind_ops(kind) == NULL)
        return VCOW_EINVAL;
    int rc = opts_check(opts);
    if (rc != VCOW_OK)
        return rc;
    struct vcow_cell *c = vcow_node_alloc(NULL, VCOW_MEM_META, sizeof(*c));
    if (c == NULL)
        return VCOW_ENOMEM;
    memset(c, 0, sizeof(*c));
    struct vcow_tally t = {{0}, {0}};
    struct vcow_version *v = vcow_node_alloc(&t, VCOW_MEM_META, sizeof(*v));
    if (v == NULL || vcow_vindex_init(&c->index, NULL) != VCOW_OK) {
        vcow_node_free(&t, VCOW_MEM_META, v, sizeof(*v));
        vcow_tally_flush(&t);
        vcow_node_free(NULL, VCOW_MEM_META, c, sizeof(*c));
        return VCOW_ENOMEM;
    }
    c->kind = kind;
    if (opts != NULL)
        c->opts = *opts;
    c->opts.size = sizeof(c->opts);
    if (c->opts.max_pending_bytes == 0)
        c->opts.max_pending_bytes = DEFAULT_MAX_PENDING;
    atomic_init(&c->refs, 1);
    atomic_init(&c->asof_floor, INT64_MIN);
    atomic_init(&c->watch_fd, -1);

    memset(v, 0, sizeof(*v));
    v->face.kind = (uint8_t)kind;
    v->cell = c;
    atomic_init(&v->time_ns, c->opts.created_ns != 0 ? c->opts.created_ns : vcow_now_ns());
    atomic_init(&v->face.retained, c->opts.history);
    atomic_init(&v->live, 1 + (c->opts.history ? 1 : 0));
    vcow_cell_flush_tally(c, &t);
    /* The cell is not shared yet: nothing races with these stores. */
    vcow_read_lock();
    vcow_vindex_set(&c->index, v);
    vcow_read_unlock();
    /* release: the version is initialised before anyone can load it (the
     * cell pointer itself is handed to other threads by the user). */
    atomic_store_explicit(&c->head, v, memory_order_release);
    *out = c;
    return VCOW_OK;
}

/* True if a version is pinned (by a user or an open txn): its count is
 * more than being head and being retained account for, or a slot holds
 * it. In a read section;
 * meaningful only while nothing else uses the cell (close's contract). */
static bool pinned_versions(struct vcow_cell *c)
{
    struct vcow_version *head = atomic_load_explicit(&c->head, memory_order_acquire);
    uint64_t tail = atomic_load_explicit(&c->tail_seq, memory_order_acquire);
    for (uint64_t q = tail; q <= head->seq; q++) {
        struct vcow_version *v = vcow_cell_find(c, q);
        if (v == NULL)
            continue;
        uint64_t own =
            (v == head) + (atomic_load_explicit(&v->face.retained, memory_order_relaxed));
        if (atomic_load_explicit(&v->live, memory_order_relaxed) > own || vcow_slots_hold(v))
            return true;
    }
    return false;
}

int vcow_cell_close(vcow_cell *c)
{
    if (c == NULL)
        return VCOW_EINVAL;
    if (vcow_in_read_section())
        return VCOW_ESTATE;
    vcow_read_lock();
    bool pinned = pinned_versions(c);
    vcow_read_unlock();
    /* relaxed: close must not race with any other use of the cell; the
     * flag only makes a second close an error. */
    if (pinned || atomic_exchange_explicit(&c->closing, true, memory_order_relaxed))
        return VCOW_ESTATE;
    vcow__watch_close(c);
    struct vcow_version *head = atomic_load_explicit(&c->head, memory_order_acquire);
    uint64_t head_seq = head->seq; /* the last pass frees head: read it now */
    /* Drop history's holds on every version, the head's included. */
    atomic_store_explicit(&c->trim_to, head->seq, memory_order_relaxed);
    vcow_cell_maintain_last(c);
    if (atomic_exchange_explicit(&head->face.retained, false, memory_order_relaxed))
        vcow_version_release(head, 1, "vcow_cell_close");
    vcow_version_release(head, 1, "vcow_cell_close"); /* no longer the head */
    vcow_cell_maintain_last(c);
    vcow_cell_close_rest(c, head_seq);
    vcow_cell_unref(c);
    return VCOW_OK;
}

enum vcow_kind vcow_cell_kind(const vcow_cell *c)
{
    return c != NULL ? c->kind : (enum vcow_kind)0; /* no kind */
}

const vcow_version *vcow_cell_head(const vcow_cell *c)
{
    if (c == NULL)
        return NULL;
    /* acquire: pairs with the committer's CAS; the version and all it
     * reaches are initialised before we read them. */
    return atomic_load_explicit(&((vcow_cell *)c)->head, memory_order_acquire);
}

int vcow_cell_get_stats(vcow_cell *c, struct vcow_cell_stats *s)
{
    if (c == NULL || s == NULL)
        return VCOW_EINVAL;
    memset(s, 0, sizeof(*s));
    /* relaxed loads throughout: statistics, each value read atomically. */
    uint64_t freed = atomic_load_explicit(&c->freed_total, memory_order_relaxed);
    vcow_read_lock();
    struct vcow_version *head = atomic_load_explicit(&c->head, memory_order_acquire);
    s->head_seq = head->seq;
    s->commits = head->seq; /* one seq per commit, from 0 */
    /* Live versions, and the oldest of them. O(versions not yet
     * reclaimed): statistics are not on anyone's hot path. */
    uint64_t tail = atomic_load_explicit(&c->tail_seq, memory_order_acquire);
    for (uint64_t q = tail; q <= head->seq; q++) {
        struct vcow_version *v = vcow_cell_find(c, q);
        if (v == NULL || atomic_load_explicit(&v->live, memory_order_relaxed) == 0)
            continue;
        if (s->live_versions++ == 0) {
            s->oldest_seq = v->seq;
            s->oldest_age_ns = vcow_now_ns() - vcow_version_stamp(v);
        }
    }
    vcow_read_unlock();
    /* Read freed before retired: a free is always of something retired
     * before it, so held never goes below zero here. */
    uint64_t retired = atomic_load_explicit(&c->retired_total, memory_order_relaxed);
    s->held_bytes = retired > freed ? retired - freed : 0;
    /* freed first: it never passes handed, so the difference stays >= 0. */
    uint64_t pfreed = atomic_load_explicit(&c->pending_freed, memory_order_relaxed);
    s->pending_bytes = atomic_load_explicit(&c->handed, memory_order_relaxed) - pfreed;
    s->pending_peak_bytes = atomic_load_explicit(&c->pending_peak, memory_order_relaxed);
    s->max_pending_bytes = c->opts.max_pending_bytes;
    s->conflicts = atomic_load_explicit(&c->conflicts, memory_order_relaxed);
    s->helped = atomic_load_explicit(&c->helped, memory_order_relaxed);
    for (int k = 0; k < VCOW_MEM_COUNT; k++)
        vcow_striped_sum(&c->count, k, &s->nodes[k], &s->bytes[k]);
    return VCOW_OK;
}

uint64_t vcow_version_size_of(const void *version)
{
    return vcow_version_alloc_size(version);
}

uint64_t vcow_version_seq(const vcow_version *v)
{
    return v != NULL ? vcow_face_real(&v->face)->seq : 0; /* a view answers for its version */
}

int64_t vcow_version_time(const vcow_version *v)
{
    return v != NULL ? vcow_version_stamp(vcow_face_real(&v->face)) : 0;
}

int vcow_version_tag(const vcow_version *v, const void **tag, size_t *len)
{
    if (v == NULL || tag == NULL || len == NULL || v->face.view == VCOW_FACE_TXN)
        return VCOW_EINVAL;
    const struct vcow_vmeta *m = vcow_version_meta(vcow_face_real(&v->face));
    *tag = m != NULL ? m->tag : NULL;
    *len = m != NULL ? m->tag_len : 0;
    return VCOW_OK;
}

vcow_cell *vcow_version_cell(const vcow_version *v)
{
    return v != NULL ? vcow_face_real(&v->face)->cell : NULL;
}

/* A txn view reads the txn's current structure; none once it finished. */
static const struct vcow_txn *txn_of(const vcow_version *v)
{
    return vcow_container_of((const struct vcow_view_face *)(const void *)v, struct vcow_txn, view);
}

struct vcow_node *vcow_version_root(const vcow_version *v)
{
    if (VCOW_UNLIKELY(v->face.view == VCOW_FACE_TXN)) {
        struct vcow_txn *t = (struct vcow_txn *)(uintptr_t)txn_of(v);
        if (t->state != TXN_OPEN)
            return NULL;
        /* A read that names no one key (runtime/cond.c): for a rebase, a
         * read of everything. The view is the txn's thread's, as the txn. */
        t->viewed = true;
        t->read_all = true;
        return t->root;
    }
    return v->face.root;
}

const struct vcow_cell_opts *vcow_version_opts(const vcow_version *v)
{
    return &vcow_face_real(&v->face)->cell->opts;
}

enum vcow_kind vcow_version_kind(const vcow_version *v)
{
    if (VCOW_UNLIKELY(v->face.view == VCOW_FACE_TXN)) {
        const struct vcow_txn *t = txn_of(v);
        /* A finished txn reads as nothing of any kind: reads fail. */
        return t->state == TXN_OPEN ? t->kind : (enum vcow_kind)0;
    }
    return (enum vcow_kind)v->face.kind;
}

bool vcow_version_is_array(const vcow_version *v)
{
    return v->face.view == VCOW_FACE_VIEW && v->face.array != 0;
}

_Static_assert(sizeof(vcow_view) == sizeof(struct vcow_view_face) &&
                   _Alignof(vcow_view) == _Alignof(struct vcow_view_face),
               "vcow_view is a struct vcow_view_face");

const vcow_version *vcow_view_of(vcow_view *view, const vcow_version *v, vcow_val nested)
{
    enum vcow_kind kind = vcow_nested_kind(nested.type);
    if (kind == 0 || view == NULL || v == NULL)
        return NULL;
    struct vcow_view_face *f = (struct vcow_view_face *)(void *)view;
    struct vcow_version *real = vcow_face_real(&v->face);
    memset(&f->face, 0, sizeof(f->face));
    f->face.root = (struct vcow_node *)(uintptr_t)nested.u.root;
    f->face.kind = (uint8_t)kind;
    f->face.view = VCOW_FACE_VIEW;
    f->face.array = nested.type == VCOW_T_ARRAY;
    /* A view of a slot pin: vcow_version_pin of the view may revive. */
    f->face.slot = vcow_face_slot_backed(&v->face);
    f->real = real;
    return (const vcow_version *)(const void *)f;
}
