/*
 * runtime/pin.c - pins and history reads: pin the head, a seq, a time;
 * unpin; list versions; trim. None takes a lock or waits for another
 * thread: each runs in a read section. A pin of the head takes a slot of
 * the calling thread (runtime/slots.h); history reads find versions
 * through the index (runtime/vindex.h, helping committers that have not
 * indexed theirs yet) and pin with an increment-if-not-zero of the count.
 */
#include "cell.h"
#include "park.h"
#include "slots.h"
#include "base/trace.h"
#include "base/yield.h"
#include <vcow/error.h>

int vcow_cell_pin_head(vcow_cell *c, vcow_version **out)
{
    if (c == NULL || out == NULL)
        return VCOW_EINVAL;
    for (;;) {
        vcow_read_lock();
        /* A slot of this thread: no shared line written (slots.h). */
        struct vcow_view_face *f = vcow_slot_pin_head(c);
        if (VCOW_LIKELY(f != NULL)) {
            vcow_read_unlock();
            *out = (vcow_version *)(void *)f;
            return VCOW_OK;
        }
        /* No free slot: the count. */
        struct vcow_version *v = (struct vcow_version *)vcow_cell_head(c);
        VCOW_YIELD_POINT(); /* the head may die before we pin it */
        bool ok = vcow_version_tryget(v);
        vcow_read_unlock();
        if (ok) {
            *out = v;
            return VCOW_OK;
        }
        /* The head we loaded was replaced and died meanwhile: a commit
         * succeeded (lock-free), load again. */
    }
}

int vcow_version_pin(const vcow_version *v, vcow_version **out)
{
    if (v == NULL || out == NULL)
        return VCOW_EINVAL;
    if (v->face.view == VCOW_FACE_TXN)
        return VCOW_EINVAL;                            /* a txn's state is no version */
    struct vcow_version *w = vcow_face_real(&v->face); /* a view pins its version */
    if (vcow_face_slot_backed(&v->face)) {
        /* The caller holds a slot pin on w, whose count may be zero: add
         * a count all the same, which the claimer sees (reclaim.c (k)).
         * relaxed: as in vcow_version_tryget. */
        atomic_fetch_add_explicit(&w->live, 1, memory_order_relaxed);
    } else if (!vcow_version_tryget(w)) {
        return VCOW_ENOENT;
    }
    *out = w;
    return VCOW_OK;
}

/* Pin a version found in the index (in a read section). */
static int pin_found(struct vcow_cell *c, struct vcow_version *v, vcow_version **out)
{
    if (v == NULL || !vcow_version_tryget(v))
        return VCOW_ENOENT;
    /* relaxed: only which probe fires depends on it. */
    if (v != atomic_load_explicit(&c->head, memory_order_relaxed))
        VCOW_TRACE2(pin_old, c, v->seq);
    *out = v;
    return VCOW_OK;
}

int vcow_cell_pin_at(vcow_cell *c, uint64_t seq, vcow_version **out)
{
    if (c == NULL || out == NULL)
        return VCOW_EINVAL;
    vcow_read_lock();
    int rc = pin_found(c, vcow_cell_find(c, seq), out);
    vcow_read_unlock();
    return rc;
}

int vcow_cell_pin_as_of(vcow_cell *c, int64_t t_ns, vcow_version **out)
{
    if (c == NULL || out == NULL)
        return VCOW_EINVAL;
    /* Raise the floor before loading the head: runtime/stamp.c (c). */
    vcow_cell_asof_enter(c, t_ns);
    vcow_read_lock();
    /* seq_cst: stamp.c (c). */
    uint64_t hi = atomic_load(&c->head)->seq;
    uint64_t lo = atomic_load_explicit(&c->tail_seq, memory_order_acquire);
    /* Stamps never decrease with seq, and versions not stamped yet are
     * stamped as they are compared (stamp.c (d)): binary search for the
     * newest version at or before t_ns. A seq the tail passed meanwhile
     * is older than every seq above it: search above it; if the answer
     * itself is gone, pinning it fails below (ENOENT). */
    struct vcow_version *best = NULL;
    while (lo <= hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        struct vcow_version *v = vcow_cell_find(c, mid);
        if (v == NULL || vcow_version_stamp(v) <= t_ns) {
            if (v != NULL)
                best = v;
            lo = mid + 1;
        } else {
            if (mid == 0)
                break;
            hi = mid - 1;
        }
    }
    int rc = pin_found(c, best, out);
    vcow_read_unlock();
    return rc;
}

/* Release a slot pin; if the last scan stopped at its version because of
 * a slot, ask for maintenance (reclaim.c (k)). */
static void unpin_slot(struct vcow_view_face *f)
{
    struct vcow_version *v = f->real;
    struct vcow_cell *c = v->cell;
    uint64_t seq = v->seq;
    /* Once the slot is free, v may be reclaimed and a close free the cell:
     * the read section keeps both readable while we look. */
    vcow_read_lock();
    vcow_slot_release(f);
    /* seq_cst: the pair with the claimer's store of stuck (reclaim.c (k)).
     * While v is the head, no scan can have stopped at it. */
    if (atomic_load_explicit(&c->head, memory_order_seq_cst) != v) {
        VCOW_TRACE2(unpin_old, c, seq);
        VCOW_YIELD_POINT();
        VCOW_PARK(VCOW_PARK_UNPIN);
        if (atomic_load_explicit(&c->stuck, memory_order_seq_cst) == seq + 1)
            vcow_cell_maintain(c);
    }
    vcow_read_unlock();
}

void vcow_version_unpin(vcow_version *v)
{
    if (v == NULL)
        return;
    if (v->face.view == VCOW_FACE_SLOT) {
        unpin_slot((struct vcow_view_face *)(void *)v);
        return;
    }
    if (v->face.view == VCOW_FACE_TXN)
        vcow__panic("vcow_version_unpin", "a txn view (vcow_txn_view) is no pin");
    v = vcow_face_real(&v->face);
    struct vcow_cell *c = v->cell;
    /* Once our decrement lets v die, the claimer may queue it (and a close
     * free the cell): the read section keeps both readable until we are
     * done with them. */
    vcow_read_lock();
    /* acq_rel: see runtime/reclaim.c (d). */
    uint64_t old = atomic_fetch_sub_explicit(&v->live, 1, memory_order_acq_rel);
    if (VCOW_LIKELY(old > 1)) {
        vcow_read_unlock();
        return;
    }
    /*
     * The count reached zero. Being head or retained each holds a count of
     * its own, dropped only after the role ends (the head after the CAS
     * that replaced it, retention after the flag is cleared), and our
     * decrement comes after that drop in the count's order (acq_rel). So
     * if v still has a role, its count went below what the role owns: an
     * unpin too many. Going on would hang pin_head and every commit (the
     * head could never be pinned again): stop here. (An unpin that takes
     * another holder's pin cannot be told from that holder's own; it is
     * caught only when the count would go below the roles.)
     */
    if (old == 0 || (!atomic_load_explicit(&c->closing, memory_order_relaxed) &&
                     (v == atomic_load_explicit(&c->head, memory_order_acquire) ||
                      atomic_load_explicit(&v->face.retained, memory_order_relaxed))))
        vcow__panic("vcow_version_unpin",
                    "version %llu of cell %p was unpinned more often than it was pinned",
                    (unsigned long long)v->seq, (void *)c);
    VCOW_TRACE2(unpin_old, c, v->seq);
    VCOW_YIELD_POINT();
    VCOW_PARK(VCOW_PARK_UNPIN);
    vcow_cell_maintain(c); /* v may be at the tail: reclaim it */
    vcow_read_unlock();
}

int vcow_cell_versions(vcow_cell *c, uint64_t from, uint64_t to, struct vcow_version_info *out,
                       size_t cap, size_t *n)
{
    if (c == NULL || n == NULL || (out == NULL && cap != 0) || from > to)
        return VCOW_EINVAL;
    *n = 0;
    vcow_read_lock();
    struct vcow_version *head = atomic_load_explicit(&c->head, memory_order_acquire);
    uint64_t tail = atomic_load_explicit(&c->tail_seq, memory_order_acquire);
    for (uint64_t s = from < tail ? tail : from; s <= to && s <= head->seq && *n < cap; s++) {
        struct vcow_version *v = vcow_cell_find(c, s);
        if (v == NULL || atomic_load_explicit(&v->live, memory_order_relaxed) == 0)
            continue;
        out[*n].seq = v->seq;
        out[*n].time_ns = vcow_version_stamp(v);
        out[*n].pinned_or_retained =
            v != head || atomic_load_explicit(&v->face.retained, memory_order_relaxed);
        const struct vcow_vmeta *m = vcow_version_meta(v);
        out[*n].tag_len = m != NULL ? m->tag_len : 0;
        if (out[*n].tag_len != 0)
            memcpy(out[*n].tag, m->tag, out[*n].tag_len);
        (*n)++;
    }
    vcow_read_unlock();
    return VCOW_OK;
}

int vcow_cell_trim(vcow_cell *c, uint64_t keep_from)
{
    if (c == NULL)
        return VCOW_EINVAL;
    /* Record the request (it only grows), then let maintenance serve it:
     * now if nobody runs it, else by the running claimer. */
    uint64_t cur = atomic_load_explicit(&c->trim_to, memory_order_relaxed);
    /* relaxed: the maintenance claim orders the request for its claimer. */
    while (cur < keep_from &&
           !atomic_compare_exchange_weak_explicit(&c->trim_to, &cur, keep_from,
                                                  memory_order_relaxed, memory_order_relaxed))
        ;
    vcow_cell_maintain(c);
    return VCOW_OK;
}
