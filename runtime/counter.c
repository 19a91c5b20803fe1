/* runtime/counter.c - see counter.h. */
#include <pthread.h>
#include <stdbool.h>

#include "base/compiler.h"
#include "counter.h"

#define SHARED (VCOW_STRIPES - 1) /* the stripe of threads that own none */

/* Bit i set: stripe index i is owned by a live thread. */
static _Atomic unsigned owned;
static _Thread_local int my_stripe = -1; /* -1: not chosen yet */
static pthread_key_t release_key;
static pthread_once_t key_once = PTHREAD_ONCE_INIT;
static bool key_ok;

static void release_stripe(void *arg)
{
    unsigned i = (unsigned)(uintptr_t)arg - 1;
    /* Counts this thread makes from here on (other key destructors run
     * after us, runtime/mem.c's among them) go to the shared stripe. */
    my_stripe = SHARED;
    /* release: our last plain stores to stripe i in every cell happen-
     * before the next owner's acquire of the bit, so its loads see them. */
    atomic_fetch_and_explicit(&owned, ~(1u << i), memory_order_release);
}

static void key_init(void)
{
    key_ok = pthread_key_create(&release_key, release_stripe) == 0;
}

/* Own a free index, or share the last stripe. */
static int choose(void)
{
    pthread_once(&key_once, key_init);
    if (key_ok) {
        /* relaxed: a first look; the CAS decides. */
        unsigned cur = atomic_load_explicit(&owned, memory_order_relaxed);
        for (unsigned i = 0; i < SHARED; i++) {
            if (cur & (1u << i))
                continue;
            /* acquire: see release_stripe. */
            if (atomic_compare_exchange_strong_explicit(
                    &owned, &cur, cur | (1u << i), memory_order_acquire, memory_order_relaxed)) {
                if (pthread_setspecific(release_key, (void *)(uintptr_t)(i + 1)) == 0)
                    return (int)i;
                release_stripe((void *)(uintptr_t)(i + 1));
                break;
            }
            i = (unsigned)-1; /* the word changed: look again from the start */
        }
    }
    return SHARED;
}

void vcow_striped_add(struct vcow_striped *c, int kind, int64_t nodes, int64_t bytes)
{
    if (VCOW_UNLIKELY(my_stripe < 0))
        my_stripe = choose();
    struct vcow_stripe *s = &c->s[my_stripe];
    /* relaxed: statistics; no memory is published through them. */
    if (my_stripe == SHARED) {
        atomic_fetch_add_explicit(&s->nodes[kind], nodes, memory_order_relaxed);
        atomic_fetch_add_explicit(&s->bytes[kind], bytes, memory_order_relaxed);
        return;
    }
    /* The only writer of this stripe. */
    vcow_owned_add(&s->nodes[kind], nodes);
    vcow_owned_add(&s->bytes[kind], bytes);
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
