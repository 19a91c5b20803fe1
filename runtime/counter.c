/* runtime/counter.c - see counter.h. */
#include "counter.h"

static _Atomic unsigned next_stripe;
static _Thread_local unsigned my_stripe; /* 0: not chosen yet, else index + 1 */

static unsigned stripe(void)
{
    if (my_stripe == 0) {
        /* relaxed: only spreading matters. */
        my_stripe =
            atomic_fetch_add_explicit(&next_stripe, 1, memory_order_relaxed) % VCOW_STRIPES + 1;
    }
    return my_stripe - 1;
}

void vcow_striped_add(struct vcow_striped *c, int kind, int64_t nodes, int64_t bytes)
{
    struct vcow_stripe *s = &c->s[stripe()];
    /* relaxed: statistics; no memory is published through them. */
    atomic_fetch_add_explicit(&s->nodes[kind], nodes, memory_order_relaxed);
    atomic_fetch_add_explicit(&s->bytes[kind], bytes, memory_order_relaxed);
}

void vcow_striped_sum(const struct vcow_striped *c, int kind, int64_t *nodes, int64_t *bytes)
{
    int64_t n = 0, b = 0;
    for (int i = 0; i < VCOW_STRIPES; i++) {
        /* relaxed: each stripe read atomically; the sum is a snapshot only
         * when nothing runs concurrently (as the tests read it). */
        n += atomic_load_explicit(&c->s[i].nodes[kind], memory_order_relaxed);
        b += atomic_load_explicit(&c->s[i].bytes[kind], memory_order_relaxed);
    }
    *nodes = n;
    *bytes = b;
}
