/*
 * runtime/stamp.c - commit times, fixed no earlier than publication, so
 * that as-of answers never change (docs/ARCHITECTURE.md, "Progress guarantees").
 *
 * The invariant: for a time t not later than the moment of the query,
 * vcow_cell_pin_as_of(t) returns the same version for as long as it is
 * kept: the version whose time is <= t and whose successor's time is > t.
 *
 * A commit used to read the clock before it published. A version could
 * then appear after a query for some t later than its stamp had answered
 * with its predecessor, and the next query for t answered differently.
 * Now:
 *
 *  (a) A version is published unstamped (time_ns == VCOW_TIME_UNSET) and
 *      stamped once, by a CAS from unset: by its committer right after the
 *      publishing CAS, or by whoever needs its time first (a query, the
 *      scan, an accessor): helping, so a committer parked after its CAS
 *      delays nobody.
 *  (b) The stamp is max(now, predecessor's stamp, floor + 1). Stamps never
 *      go back with seq (the predecessor is stamped first, by the same
 *      rule), even when CLOCK_REALTIME steps back.
 *  (c) floor is the latest t an as-of query has answered (clamped to the
 *      query's own clock reading: a t in the future promises nothing). A
 *      query raises floor (seq_cst) before it loads the head (seq_cst); a
 *      stamper loads floor (seq_cst) after the version was published (its
 *      own CAS, or a load that saw it). If the query did not see version
 *      V, its load precedes V's publishing CAS in the single total order
 *      of seq_cst operations, so V's stamper sees the raised floor and
 *      stamps V later than t: V never becomes the answer for that t. That
 *      is the store-buffering pattern, hence seq_cst on all four.
 *  (d) Everything a query compares is stamped first, so no answer rests on
 *      a time that is not fixed yet.
 *  (e) Memory safety of helping: a stamper follows prev pointers to the
 *      newest stamped ancestor. The scan (reclaim.c) stamps a version
 *      before it queues that version's predecessor for freeing, so an
 *      unstamped version's predecessor has not been handed to the
 *      reclaimer when its time is seen unset; the walk runs in a read
 *      section, so a predecessor queued just after that is not freed
 *      under it.
 */
#include <time.h>

#include "cell.h"
#include "base/yield.h"
#include <vcow/debug.h>

/* vcow_debug_clock_shift: lets a test step the clock back. */
static _Atomic int64_t clock_shift;

int64_t vcow_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    /* relaxed: a test hook; 0 outside tests. */
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec +
           atomic_load_explicit(&clock_shift, memory_order_relaxed);
}

void vcow_debug_clock_shift(int64_t ns)
{
    atomic_fetch_add_explicit(&clock_shift, ns, memory_order_relaxed);
}

static int64_t load_time(struct vcow_version *v)
{
    /* acquire: pairs with the stamping CAS; only the value matters, but
     * it keeps the stamp ordered before what the reader does with it. */
    return atomic_load_explicit(&v->time_ns, memory_order_acquire);
}

/* Stamp v, whose predecessor is stamped (or which has none). */
static int64_t stamp_one(struct vcow_version *v)
{
    const struct vcow_vmeta *m = vcow_version_meta(v);
    int64_t s = m != NULL && m->want_ns != VCOW_TIME_UNSET ? m->want_ns : vcow_now_ns();
    if (v->prev != NULL) {
        int64_t pt = load_time(v->prev);
        if (pt > s)
            s = pt;
    }
    /* seq_cst: (c). */
    int64_t floor = atomic_load(&v->cell->asof_floor);
    if (floor != INT64_MAX && floor + 1 > s)
        s = floor + 1;
    VCOW_YIELD_POINT();
    int64_t expected = VCOW_TIME_UNSET;
    /* release: whoever reads the stamp sees it complete (it is one word,
     * the order is for TSan's model of helpers). acquire on failure: we
     * return the winner's stamp. */
    if (!atomic_compare_exchange_strong_explicit(&v->time_ns, &expected, s, memory_order_acq_rel,
                                                 memory_order_acquire))
        return expected;
    return s;
}

int64_t vcow_version_stamp(struct vcow_version *v)
{
    int64_t t = load_time(v);
    if (VCOW_LIKELY(t != VCOW_TIME_UNSET))
        return t;
    /* Rare: a committer between its CAS and its stamp. (e) */
    vcow_read_lock();
    for (;;) {
        /* The oldest unstamped version on the way back to a stamped one:
         * its predecessor is stamped, so it can be stamped now. */
        struct vcow_version *w = v;
        while (w->prev != NULL && load_time(w->prev) == VCOW_TIME_UNSET)
            w = w->prev;
        if (load_time(w) == VCOW_TIME_UNSET)
            stamp_one(w);
        if (w == v)
            break;
    }
    vcow_read_unlock();
    return load_time(v);
}

void vcow_version_stamp_published(struct vcow_version *v)
{
    /* The committer: its base (v->prev) is pinned by the txn, so the fast
     * case needs no read section. */
    if (v->prev == NULL || load_time(v->prev) != VCOW_TIME_UNSET)
        stamp_one(v);
    else
        vcow_version_stamp(v);
}

int64_t vcow_cell_asof_enter(struct vcow_cell *c, int64_t t_ns)
{
    int64_t now = vcow_now_ns();
    int64_t t = t_ns < now ? t_ns : now; /* a future t promises nothing */
    int64_t cur = atomic_load_explicit(&c->asof_floor, memory_order_relaxed);
    /* seq_cst: (c); the raise must precede the caller's load of the head. */
    while (cur < t && !atomic_compare_exchange_weak(&c->asof_floor, &cur, t))
        ;
    return t;
}

bool vcow_stamp_allowed(struct vcow_version *base, int64_t t_ns)
{
    /* seq_cst: as (c); a query that raises the floor after this load and
     * before the commit's CAS makes stamp_one clamp instead (vcow/cell.h
     * says so). */
    int64_t floor = atomic_load(&base->cell->asof_floor);
    return t_ns >= vcow_version_stamp(base) && (floor == INT64_MAX || t_ns > floor);
}
