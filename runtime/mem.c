/*
 * runtime/mem.c - node memory: jemalloc's mallocx/sdallocx or libc.
 *
 * With VCOW_ALLOCATOR=jemalloc, nodes come from mallocx and go back through
 * sdallocx (sized free skips jemalloc's size lookup). vcow never replaces the
 * application's malloc: it calls jemalloc's non-standard entry points only.
 * Sanitizer builds use libc (jemalloc and the sanitizers do not mix).
 */
#include <malloc.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "counter.h"
#include "mem.h"
#include <vcow/debug.h>
#include <vcow/error.h>

#define VCOW_LIKELY(x) __builtin_expect(!!(x), 1)

#ifdef VCOW_USE_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

static struct vcow_striped counters; /* process-wide, see counter.h */

/* Fault injection. relaxed everywhere: tests arm it while vcow is idle. */
static _Atomic uint64_t alloc_count;
static _Atomic long fail_at; /* 0: disarmed; else fail when count reaches it */
static _Atomic int fail_persistent;

static const char *const kind_names[VCOW_KIND_COUNT] = {"meta", "box",  "hamt",
                                                        "tree", "rope", "blob"};

static void count(struct vcow_tally *t, enum vcow_kind kind, int64_t nodes, int64_t bytes)
{
    if (t != NULL) {
        t->nodes[kind] += nodes;
        t->bytes[kind] += bytes;
        return;
    }
    vcow_striped_add(&counters, kind, nodes, bytes);
}

static int injected_failure(void)
{
    /* relaxed: the hook is armed while no other thread allocates. Disarmed,
     * this is one load of a line nobody writes: no contention. */
    long at = atomic_load_explicit(&fail_at, memory_order_relaxed);
    if (VCOW_LIKELY(at == 0))
        return 0;
    uint64_t n = atomic_fetch_add_explicit(&alloc_count, 1, memory_order_relaxed) + 1;
    uint64_t k = (uint64_t)at;
    if (atomic_load_explicit(&fail_persistent, memory_order_relaxed))
        return n >= k;
    return n == k;
}

void *vcow_node_alloc(struct vcow_tally *t, enum vcow_kind kind, size_t size)
{
    if (injected_failure())
        return NULL;
#ifdef VCOW_USE_JEMALLOC
    void *p = mallocx(size, 0);
#else
    void *p = malloc(size);
#endif
    if (p != NULL)
        count(t, kind, 1, (int64_t)size);
    return p;
}

void vcow_node_free(struct vcow_tally *t, enum vcow_kind kind, void *p, size_t size)
{
    if (p == NULL)
        return;
#ifdef VCOW_USE_JEMALLOC
    sdallocx(p, size, 0);
#else
    free(p);
#endif
    count(t, kind, -1, -(int64_t)size);
}

void vcow_tally_flush(struct vcow_tally *t)
{
    for (int k = 0; k < VCOW_KIND_COUNT; k++) {
        if (t->nodes[k] != 0 || t->bytes[k] != 0)
            count(NULL, (enum vcow_kind)k, t->nodes[k], t->bytes[k]);
        t->nodes[k] = 0;
        t->bytes[k] = 0;
    }
}

int vcow_mem_get_stats(enum vcow_kind kind, struct vcow_mem_stats *out)
{
    if (out == NULL || (unsigned)kind >= VCOW_KIND_COUNT)
        return VCOW_EINVAL;
    vcow_striped_sum(&counters, kind, &out->nodes, &out->bytes);
    return VCOW_OK;
}

const char *vcow_kind_name(enum vcow_kind kind)
{
    return (unsigned)kind < VCOW_KIND_COUNT ? kind_names[kind] : NULL;
}

const char *vcow_allocator(void)
{
#ifdef VCOW_USE_JEMALLOC
    return "jemalloc";
#else
    return "libc";
#endif
}

void vcow_mem_purge(void)
{
#ifdef VCOW_USE_JEMALLOC
    /* MALLCTL_ARENAS_ALL (4096) purges every arena. */
    mallctl("arena.4096.purge", NULL, NULL, NULL, 0);
#else
    malloc_trim(0);
#endif
}

void vcow_debug_fail_alloc(long k, bool persistent)
{
    atomic_store_explicit(&fail_persistent, persistent, memory_order_relaxed);
    atomic_store_explicit(&fail_at, k < 0 ? 0 : k, memory_order_relaxed);
    atomic_store_explicit(&alloc_count, 0, memory_order_relaxed);
}

uint64_t vcow_debug_alloc_count(void)
{
    return atomic_load_explicit(&alloc_count, memory_order_relaxed);
}
