/*
 * runtime/keywatch.c - key and prefix watches (vcow/watch.h): wait for a
 * commit, diff the watch's version against the new head restricted to what
 * it watches, move the pin.
 *
 * The watch rides on the cell's waiting (runtime/watch.c): it sleeps in
 * vcow_cell_wait with the seq of the version it holds, so commits pay for
 * it exactly what they pay for any waiter (nothing when no one sleeps) and
 * no wake-up is lost (watch.c (b)). Nothing is lost between two calls
 * either: the watch holds a counted pin on the last version it delivered
 * (or passed over), so that version and everything it reaches stay intact
 * whatever happens to history, and the next diff starts exactly there.
 *
 * The loop, one round per wake-up:
 *   1. wait until the head's seq passes the pinned version's;
 *   2. pin the head (a slot pin, turned into a counted one: a watch may
 *      live long and move between threads, where slots are the calling
 *      thread's);
 *   3. diff pinned -> head through the kind's restricted diff, counting
 *      the calls of fn;
 *   4. fn stopped the diff, or it failed: unpin the head, return, the
 *      watch unchanged; else unpin the old version and keep the head. If
 *      fn was called, return VCOW_OK; else the commits changed nothing
 *      watched: go to 1 with the new seq.
 * A diff is of two immutable pinned versions, so it needs no read section
 * and fn may block.
 */
#include <time.h>

#include "cell.h"
#include "keywatch.h"
#include <vcow/error.h>

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* A counted pin of the head. */
static int pin_head(vcow_cell *c, vcow_version **out)
{
    vcow_version *p;
    int rc = vcow_cell_pin_head(c, &p);
    if (rc != VCOW_OK)
        return rc;
    /* Of a slot pin this always succeeds, and gives the counted version. */
    rc = vcow_version_pin(p, out);
    vcow_version_unpin(p);
    return rc;
}

int vcow__watch_open(vcow_cell *cell, vcow__watch_diff_fn *diff, const void *key, size_t klen,
                     const void *hi, size_t hlen, unsigned flags, const vcow_version *from,
                     struct vcow_watch **out)
{
    if (from != NULL) {
        /* A version of this cell: not a view (its root is a nested
         * structure, not what the key names) nor a txn's state. */
        if (from->face.view == VCOW_FACE_VIEW || from->face.view == VCOW_FACE_TXN ||
            vcow_face_real(&from->face)->cell != cell)
            return VCOW_EINVAL;
    }
    size_t size = sizeof(struct vcow_watch) + klen + 1 + (hi != NULL ? hlen + 1 : 0);
    struct vcow_watch *w = vcow_node_alloc(NULL, VCOW_MEM_META, size);
    if (w == NULL)
        return VCOW_ENOMEM;
    int rc = from != NULL ? vcow_version_pin(from, &w->pin) : pin_head(cell, &w->pin);
    if (rc != VCOW_OK) {
        vcow_node_free(NULL, VCOW_MEM_META, w, size);
        return rc;
    }
    w->cell = cell;
    w->diff = diff;
    w->flags = flags;
    w->size = size;
    char *p = w->buf;
    if (klen > 0)
        memcpy(p, key, klen);
    p[klen] = '\0';
    w->key = p;
    w->klen = klen;
    w->hi = NULL;
    w->hlen = 0;
    if (hi != NULL) {
        p += klen + 1;
        if (hlen > 0)
            memcpy(p, hi, hlen);
        p[hlen] = '\0';
        w->hi = p;
        w->hlen = hlen;
    }
    *out = w;
    return VCOW_OK;
}

struct counting {
    vcow_diff_fn *fn;
    void *ctx;
    uint64_t calls;
};

static int count_fn(vcow_slice key, const vcow_val *before, const vcow_val *after, void *ctx)
{
    struct counting *k = ctx;
    k->calls++;
    return k->fn(key, before, after, k->ctx);
}

int vcow_watch_next(vcow_watch *w, int64_t timeout_ns, vcow_diff_fn *fn, void *ctx)
{
    if (w == NULL || fn == NULL)
        return VCOW_EINVAL;
    if (vcow_in_read_section())
        return VCOW_ESTATE; /* it may sleep; and fn may block */
    int64_t deadline = -1;  /* no limit */
    if (timeout_ns >= 0) {
        int64_t now = mono_ns();
        deadline = timeout_ns > INT64_MAX - now ? -1 : now + timeout_ns;
    }
    for (;;) {
        int64_t left = -1;
        if (deadline >= 0) {
            left = deadline - mono_ns();
            if (left < 0)
                left = 0; /* the time is up: one last look */
        }
        int rc = vcow_cell_wait(w->cell, w->pin->seq, left, NULL);
        if (rc != VCOW_OK)
            return rc; /* VCOW_EAGAIN: timed out with nothing watched changed */
        vcow_version *head;
        rc = pin_head(w->cell, &head);
        if (rc != VCOW_OK)
            return rc;
        struct counting k = {fn, ctx, 0};
        rc = w->diff(w, w->pin, head, count_fn, &k);
        if (rc != VCOW_OK) {
            vcow_version_unpin(head); /* fn stopped it, or an error: stay */
            return rc;
        }
        vcow_version_unpin(w->pin);
        w->pin = head;
        if (k.calls > 0)
            return VCOW_OK;
        /* Nothing watched changed: wait past the new head. */
    }
}

const vcow_version *vcow_watch_version(const vcow_watch *w)
{
    return w != NULL ? w->pin : NULL;
}

uint64_t vcow_watch_seq(const vcow_watch *w)
{
    return w != NULL ? w->pin->seq : 0;
}

void vcow_watch_close(vcow_watch *w)
{
    if (w == NULL)
        return;
    vcow_version_unpin(w->pin);
    vcow_node_free(NULL, VCOW_MEM_META, w, w->size);
}
