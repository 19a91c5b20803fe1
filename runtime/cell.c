/*
 * runtime/cell.c - opening and closing cells, pins, history queries and
 * statistics. Commits are in runtime/txn.c, reclamation in reclaim.c.
 */
#include <string.h>

#include "cell.h"
#include <vcow/error.h>
#include "txn.h"
#include "yield.h"

#define DEFAULT_MAX_PENDING ((uint64_t)64 << 20)
#define INITIAL_CAP         16

void vcow_cell_flush_tally(struct vcow_cell *c, struct vcow_tally *t)
{
    for (int k = 0; k < VCOW_KIND_COUNT; k++) {
        if (t->nodes[k] == 0 && t->bytes[k] == 0)
            continue;
        vcow_striped_add(&c->count, k, t->nodes[k], t->bytes[k]);
    }
    vcow_tally_flush(t);
}

void vcow_cell_flush_tally_locked(struct vcow_cell *c, struct vcow_tally *t)
{
    for (int k = 0; k < VCOW_KIND_COUNT; k++) {
        c->nodes_locked[k] += t->nodes[k];
        c->bytes_locked[k] += t->bytes[k];
    }
    vcow_tally_flush(t);
}

bool vcow_version_tryget(struct vcow_version *v)
{
    /* relaxed: the version's fields are immutable and were made visible by
     * whatever gave us the pointer (the head's acquire load, or the lock). */
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
    return VCOW_OK;
}

int vcow_cell_open(enum vcow_kind kind, const struct vcow_cell_opts *opts, vcow_cell **out)
{
    if (out == NULL || (unsigned)kind >= VCOW_KIND_COUNT || kind == VCOW_KIND_META ||
        kind == VCOW_KIND_BLOB || vcow_kind_ops(kind) == NULL)
        return VCOW_EINVAL;
    int rc = opts_check(opts);
    if (rc != VCOW_OK)
        return rc;
    struct vcow_cell *c = vcow_node_alloc(NULL, VCOW_KIND_META, sizeof(*c));
    if (c == NULL)
        return VCOW_ENOMEM;
    memset(c, 0, sizeof(*c));
    c->ring = vcow_node_alloc(NULL, VCOW_KIND_META, INITIAL_CAP * sizeof(*c->ring));
    struct vcow_tally t = {{0}, {0}};
    struct vcow_version *v = vcow_node_alloc(&t, VCOW_KIND_META, sizeof(*v));
    if (c->ring == NULL || v == NULL) {
        vcow_node_free(NULL, VCOW_KIND_META, c->ring, INITIAL_CAP * sizeof(*c->ring));
        vcow_node_free(&t, VCOW_KIND_META, v, sizeof(*v));
        vcow_tally_flush(&t);
        vcow_node_free(NULL, VCOW_KIND_META, c, sizeof(*c));
        return VCOW_ENOMEM;
    }
    memset(c->ring, 0, INITIAL_CAP * sizeof(*c->ring));
    c->kind = kind;
    if (opts != NULL)
        c->opts = *opts;
    c->opts.size = sizeof(c->opts);
    if (c->opts.max_pending_bytes == 0)
        c->opts.max_pending_bytes = DEFAULT_MAX_PENDING;
    pthread_mutex_init(&c->lock, NULL);
    atomic_init(&c->cap, INITIAL_CAP);
    atomic_init(&c->refs, 1);
    atomic_init(&c->asof_floor, INT64_MIN);

    memset(v, 0, sizeof(*v));
    v->face.real = v;
    v->face.kind = kind;
    v->cell = c;
    atomic_init(&v->time_ns, vcow_now_ns());
    v->retained = c->opts.history;
    atomic_init(&v->live, 1 + (v->retained ? 1 : 0));
    c->ring[0] = v;
    vcow_cell_flush_tally(c, &t);
    /* release: the version is initialised before anyone can load it (the
     * cell pointer itself is handed to other threads by the user). */
    atomic_store_explicit(&c->head, v, memory_order_release);
    *out = c;
    return VCOW_OK;
}

/* True if a version is pinned (by a user or an open txn): its count is
 * more than being head and being retained account for. Under the lock. */
static bool pinned_versions(struct vcow_cell *c)
{
    struct vcow_version *head = atomic_load_explicit(&c->head, memory_order_relaxed);
    uint64_t tail = atomic_load_explicit(&c->tail_seq, memory_order_relaxed);
    uint64_t cap = atomic_load_explicit(&c->cap, memory_order_relaxed);
    for (uint64_t q = tail; q <= head->seq; q++) {
        struct vcow_version *v = c->ring[q & (cap - 1)];
        if (v == NULL)
            continue;
        uint64_t own = (v == head) + (v->retained ? 1 : 0);
        if (atomic_load_explicit(&v->live, memory_order_relaxed) > own)
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
    struct vcow_version *freeq = NULL;
    pthread_mutex_lock(&c->lock);
    if (c->closing || pinned_versions(c)) {
        pthread_mutex_unlock(&c->lock);
        return VCOW_ESTATE;
    }
    c->closing = true;
    struct vcow_version *head = atomic_load_explicit(&c->head, memory_order_relaxed);
    c->ret_seq = c->ret_seq < head->seq ? c->ret_seq : head->seq;
    vcow_history_trim(c, head->seq, &freeq); /* drop history's holds */
    if (head->retained) {
        head->retained = false;
        vcow_version_release(head, 1, "vcow_cell_close");
    }
    vcow_version_release(head, 1, "vcow_cell_close"); /* no longer the head */
    vcow_cell_scan(c, &freeq);
    pthread_mutex_unlock(&c->lock);
    vcow_reclaim_dispatch(c, freeq, NULL);
    vcow_cell_unref(c);
    return VCOW_OK;
}

enum vcow_kind vcow_cell_kind(const vcow_cell *c)
{
    return c != NULL ? c->kind : VCOW_KIND_META;
}

const vcow_version *vcow_cell_head(const vcow_cell *c)
{
    if (c == NULL)
        return NULL;
    /* acquire: pairs with the committer's release CAS; the version and all
     * it reaches are initialised before we read them. */
    return atomic_load_explicit(&((vcow_cell *)c)->head, memory_order_acquire);
}

int vcow_cell_pin_head(vcow_cell *c, vcow_version **out)
{
    if (c == NULL || out == NULL)
        return VCOW_EINVAL;
    for (;;) {
        vcow_read_lock();
        struct vcow_version *v = (struct vcow_version *)vcow_cell_head(c);
        VCOW_YIELD_POINT(); /* the head may die before we pin it */
        bool ok = vcow_version_tryget(v);
        vcow_read_unlock();
        if (ok) {
            *out = v;
            return VCOW_OK;
        }
        /* The head we loaded was replaced and died meanwhile: load again. */
    }
}

int vcow_version_pin(const vcow_version *v, vcow_version **out)
{
    if (v == NULL || out == NULL)
        return VCOW_EINVAL;
    struct vcow_version *w = v->face.real; /* a view pins its version */
    if (!vcow_version_tryget(w))
        return VCOW_ENOENT;
    *out = w;
    return VCOW_OK;
}

static struct vcow_version *slot(struct vcow_cell *c, uint64_t seq)
{
    uint64_t tail = atomic_load_explicit(&c->tail_seq, memory_order_relaxed);
    uint64_t cap = atomic_load_explicit(&c->cap, memory_order_relaxed);
    if (seq < tail || seq - tail >= cap)
        return NULL;
    struct vcow_version *v = c->ring[seq & (cap - 1)];
    return v != NULL && v->seq == seq ? v : NULL;
}

static int pin_locked(struct vcow_version *v, vcow_version **out)
{
    if (v == NULL || !vcow_version_tryget(v))
        return VCOW_ENOENT;
    *out = v;
    return VCOW_OK;
}

int vcow_cell_pin_at(vcow_cell *c, uint64_t seq, vcow_version **out)
{
    if (c == NULL || out == NULL)
        return VCOW_EINVAL;
    pthread_mutex_lock(&c->lock);
    int rc = pin_locked(slot(c, seq), out);
    pthread_mutex_unlock(&c->lock);
    return rc;
}

int vcow_cell_pin_as_of(vcow_cell *c, int64_t t_ns, vcow_version **out)
{
    if (c == NULL || out == NULL)
        return VCOW_EINVAL;
    /* Raise the floor before loading the head: runtime/stamp.c (c). */
    vcow_cell_asof_enter(c, t_ns);
    pthread_mutex_lock(&c->lock);
    /* seq_cst: stamp.c (c). Under the lock every published version is in
     * the ring; versions not stamped yet are stamped as they are compared
     * (stamp.c (d)), and stamps never decrease with seq: binary search for
     * the newest version at or before t_ns. */
    uint64_t lo = atomic_load_explicit(&c->tail_seq, memory_order_relaxed);
    uint64_t hi = atomic_load(&c->head)->seq;
    struct vcow_version *best = NULL;
    while (lo <= hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        struct vcow_version *v = slot(c, mid);
        if (v == NULL)
            break; /* reclaimed meanwhile: only below the tail, never here */
        if (vcow_version_stamp(v) <= t_ns) {
            best = v;
            lo = mid + 1;
        } else {
            if (mid == 0)
                break;
            hi = mid - 1;
        }
    }
    int rc = pin_locked(best, out);
    pthread_mutex_unlock(&c->lock);
    return rc;
}

void vcow_version_unpin(vcow_version *v)
{
    if (v == NULL)
        return;
    v = v->face.real;
    struct vcow_cell *c = v->cell;
    struct vcow_version *freeq = NULL;
    /* Once our decrement lets v die, another thread's scan may queue it
     * (and a close free the cell): the read section keeps both readable
     * until we are done with them. */
    vcow_read_lock();
    /* acq_rel: see runtime/reclaim.c (d). */
    uint64_t old = atomic_fetch_sub_explicit(&v->live, 1, memory_order_acq_rel);
    if (VCOW_LIKELY(old > 1)) {
        vcow_read_unlock();
        return;
    }
    VCOW_YIELD_POINT();
    pthread_mutex_lock(&c->lock);
    /*
     * The count reached zero. Being head or retained each holds a count of
     * its own, released under the lock together with the role, so if v
     * still has a role its count went below what the role owns: an unpin
     * too many. Going on would hang pin_head and every commit (the head
     * could never be pinned again): stop here. (An unpin that takes another
     * holder's pin cannot be told from that holder's own; it is caught
     * only when the count would go below the roles.)
     */
    if (old == 0 ||
        (!c->closing && (v == atomic_load_explicit(&c->head, memory_order_relaxed) || v->retained)))
        vcow__panic("vcow_version_unpin",
                    "version %llu of cell %p was unpinned more often than it was pinned",
                    (unsigned long long)v->seq, (void *)c);
    vcow_cell_scan(c, &freeq);
    pthread_mutex_unlock(&c->lock);
    vcow_read_unlock(); /* before dispatch: it may wait for a grace period */
    vcow_reclaim_dispatch(c, freeq, NULL);
}

uint64_t vcow_version_seq(const vcow_version *v)
{
    return v != NULL ? v->face.real->seq : 0; /* a view answers for its version */
}

int64_t vcow_version_time(const vcow_version *v)
{
    return v != NULL ? vcow_version_stamp(v->face.real) : 0;
}

vcow_cell *vcow_version_cell(const vcow_version *v)
{
    return v != NULL ? v->face.real->cell : NULL;
}

struct vcow_node *vcow_version_root(const vcow_version *v)
{
    return v->face.root;
}

const struct vcow_cell_opts *vcow_version_opts(const vcow_version *v)
{
    return &v->face.real->cell->opts;
}

enum vcow_kind vcow_version_kind(const vcow_version *v)
{
    return (enum vcow_kind)v->face.kind;
}

_Static_assert(sizeof(vcow_view) == sizeof(struct vcow_face) &&
                   _Alignof(vcow_view) == _Alignof(struct vcow_face),
               "vcow_view is a bare struct vcow_face");

const vcow_version *vcow_view_of(vcow_view *view, const vcow_version *v, vcow_val nested)
{
    enum vcow_kind kind = vcow_nested_kind(nested.type);
    if (kind == VCOW_KIND_COUNT || view == NULL || v == NULL)
        return NULL;
    struct vcow_face *f = (struct vcow_face *)(void *)view;
    f->root = (struct vcow_node *)(uintptr_t)nested.u.root;
    f->real = v->face.real;
    f->kind = kind;
    return (const vcow_version *)(const void *)f;
}

int vcow_cell_versions(vcow_cell *c, uint64_t from, uint64_t to, struct vcow_version_info *out,
                       size_t cap, size_t *n)
{
    if (c == NULL || n == NULL || (out == NULL && cap != 0) || from > to)
        return VCOW_EINVAL;
    *n = 0;
    pthread_mutex_lock(&c->lock);
    uint64_t tail = atomic_load_explicit(&c->tail_seq, memory_order_relaxed);
    uint64_t head = atomic_load_explicit(&c->head, memory_order_relaxed)->seq;
    for (uint64_t s = from < tail ? tail : from; s <= to && s <= head && *n < cap; s++) {
        struct vcow_version *v = slot(c, s);
        if (v == NULL || atomic_load_explicit(&v->live, memory_order_relaxed) == 0)
            continue;
        out[*n].seq = v->seq;
        out[*n].time_ns = vcow_version_stamp(v);
        out[*n].pinned_or_retained = v->seq != head || v->retained;
        (*n)++;
    }
    pthread_mutex_unlock(&c->lock);
    return VCOW_OK;
}

int vcow_cell_trim(vcow_cell *c, uint64_t keep_from)
{
    if (c == NULL)
        return VCOW_EINVAL;
    struct vcow_version *freeq = NULL;
    pthread_mutex_lock(&c->lock);
    vcow_history_trim(c, keep_from, &freeq);
    pthread_mutex_unlock(&c->lock);
    vcow_reclaim_dispatch(c, freeq, NULL);
    return VCOW_OK;
}

int vcow_cell_get_stats(vcow_cell *c, struct vcow_cell_stats *s)
{
    if (c == NULL || s == NULL)
        return VCOW_EINVAL;
    memset(s, 0, sizeof(*s));
    pthread_mutex_lock(&c->lock);
    struct vcow_version *head = atomic_load_explicit(&c->head, memory_order_relaxed);
    s->head_seq = head->seq;
    /* Live versions, and the oldest of them (the tail, unless its death is
     * being handled right now). O(versions not yet reclaimed): statistics
     * are not on anyone's hot path. */
    uint64_t tail = atomic_load_explicit(&c->tail_seq, memory_order_relaxed);
    for (uint64_t q = tail; q <= head->seq; q++) {
        struct vcow_version *v = slot(c, q);
        if (v == NULL || atomic_load_explicit(&v->live, memory_order_relaxed) == 0)
            continue;
        if (s->live_versions++ == 0) {
            s->oldest_seq = v->seq;
            s->oldest_age_ns = vcow_now_ns() - vcow_version_stamp(v);
        }
    }
    s->commits = c->commits;
    s->pending_peak_bytes = atomic_load_explicit(&c->pending_peak, memory_order_relaxed);
    uint64_t retired = c->retired_total;
    for (int k = 0; k < VCOW_KIND_COUNT; k++) {
        s->nodes[k] = c->nodes_locked[k];
        s->bytes[k] = c->bytes_locked[k];
    }
    pthread_mutex_unlock(&c->lock);
    /* relaxed: statistics. */
    s->held_bytes = retired - atomic_load_explicit(&c->freed_total, memory_order_relaxed);
    s->pending_bytes = atomic_load_explicit(&c->pending_bytes, memory_order_relaxed);
    s->max_pending_bytes = c->opts.max_pending_bytes;
    s->conflicts = atomic_load_explicit(&c->conflicts, memory_order_relaxed);
    s->helped = atomic_load_explicit(&c->helped, memory_order_relaxed);
    for (int k = 0; k < VCOW_KIND_COUNT; k++) {
        int64_t n, b;
        vcow_striped_sum(&c->count, k, &n, &b);
        s->nodes[k] += n;
        s->bytes[k] += b;
    }
    return VCOW_OK;
}
