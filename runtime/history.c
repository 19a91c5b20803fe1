/*
 * runtime/history.c - history retention: which old versions a cell keeps
 * (struct vcow_cell_opts: keep_last, max_age_ns, max_bytes) and explicit
 * trims. Run by the maintenance claimer only (runtime/reclaim.c (j)), so
 * ret_seq, the retained flags and the subtractions from hist_bytes have one
 * writer; committers only add to hist_bytes.
 *
 * Retained versions are the contiguous range [ret_seq, head]. Trimming the
 * oldest drops history's count on it (it dies unless pinned) and takes its
 * successor's retired bytes off hist_bytes: what history no longer holds.
 */
#include "cell.h"

/* Drop history's hold on the oldest retained version. False if none can go. */
static bool trim_one(struct vcow_cell *c)
{
    struct vcow_version *head = atomic_load_explicit(&c->head, memory_order_acquire);
    /* relaxed: the claimer is ret_seq's only writer. */
    uint64_t r = atomic_load_explicit(&c->ret_seq, memory_order_relaxed);
    if (r >= head->seq)
        return false; /* the head is never trimmed */
    /* Both live: history holds r, and r + 1 <= head is published. */
    struct vcow_version *v = vcow_cell_find(c, r);
    struct vcow_version *n = vcow_cell_find(c, r + 1);
    if (v == NULL || n == NULL)
        return false;
    /* relaxed: the flag only guards the count below against a second
     * drop (close); the count itself is acq_rel. */
    if (atomic_exchange_explicit(&v->face.retained, false, memory_order_relaxed))
        vcow_version_release(v, 1, "vcow_cell_trim");
    atomic_fetch_sub_explicit(&c->hist_bytes, (int64_t)vcow_version_retired_bytes(n),
                              memory_order_relaxed);
    /* release: a reader that sees the new ret_seq sees the drop. */
    atomic_store_explicit(&c->ret_seq, r + 1, memory_order_release);
    return true;
}

static uint64_t ret_seq(struct vcow_cell *c)
{
    return atomic_load_explicit(&c->ret_seq, memory_order_relaxed);
}

void vcow_history_apply(struct vcow_cell *c)
{
    const struct vcow_cell_opts *o = &c->opts;
    if (!o->history)
        return;
    /* relaxed: trim_to only grows; a request seen late is served by the
     * pass its requester asked for. */
    uint64_t to = atomic_load_explicit(&c->trim_to, memory_order_relaxed);
    while (ret_seq(c) < to && trim_one(c))
        ;
    uint64_t head = atomic_load_explicit(&c->head, memory_order_acquire)->seq;
    if (o->keep_last != 0 && head + 1 > o->keep_last) {
        while (ret_seq(c) < head + 1 - o->keep_last && trim_one(c))
            ;
    }
    if (o->max_age_ns != 0) {
        int64_t cutoff = vcow_now_ns() - o->max_age_ns;
        for (;;) {
            struct vcow_version *v = vcow_cell_find(c, ret_seq(c));
            if (v == NULL || vcow_version_stamp(v) >= cutoff || !trim_one(c))
                break;
        }
    }
    if (o->max_bytes != 0) {
        while (atomic_load_explicit(&c->hist_bytes, memory_order_relaxed) > (int64_t)o->max_bytes &&
               trim_one(c))
            ;
    }
}
