/*
 * runtime/mem.c - node memory: jemalloc's mallocx/sdallocx or libc.
 *
 * With VCOW_ALLOCATOR=jemalloc, nodes come from mallocx and go back through
 * sdallocx (sized free skips jemalloc's size lookup). vcow never replaces the
 * application's malloc: it calls jemalloc's non-standard entry points only.
 * Sanitizer builds use libc (jemalloc and the sanitizers do not mix).
 */
#include <malloc.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "base/compiler.h"
#include "counter.h"
#include "mem.h"
#include "node.h"
#include <vcow/debug.h>
#include <vcow/error.h>

#ifdef VCOW_USE_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

/*
 * Process-wide node counters: one block per thread, written only by its
 * thread (a relaxed load and store, no read-modify-write: counting costs the
 * commit path nothing contended), summed by vcow_mem_get_stats. A thread's
 * block is folded into `exited` when the thread ends. If a block cannot be
 * allocated the thread counts into the shared striped counters instead.
 */
struct tblock {
    _Atomic int64_t nodes[VCOW_MEM_COUNT];
    _Atomic int64_t bytes[VCOW_MEM_COUNT];
    struct tblock *next, **pprev;
};
static pthread_mutex_t blocks_lock = PTHREAD_MUTEX_INITIALIZER;
static struct tblock *blocks;             /* under blocks_lock */
static struct vcow_striped exited;        /* exited threads and fallbacks */
static _Thread_local struct tblock *mine; /* NULL until first count */
static _Thread_local bool mine_failed;
static _Thread_local uint64_t thread_frees; /* vcow_debug_thread_frees */
static pthread_key_t block_key;
static pthread_once_t block_once = PTHREAD_ONCE_INIT;

static void block_exit(void *arg)
{
    struct tblock *b = arg;
    pthread_mutex_lock(&blocks_lock);
    for (int k = 0; k < VCOW_MEM_COUNT; k++)
        vcow_striped_add(&exited, k, atomic_load_explicit(&b->nodes[k], memory_order_relaxed),
                         atomic_load_explicit(&b->bytes[k], memory_order_relaxed));
    *b->pprev = b->next;
    if (b->next != NULL)
        b->next->pprev = b->pprev;
    pthread_mutex_unlock(&blocks_lock);
    free(b);
    mine = NULL;
}

static void block_key_init(void)
{
    if (pthread_key_create(&block_key, block_exit) != 0)
        block_key = (pthread_key_t)-1;
}

static struct tblock *my_block(void)
{
    if (VCOW_LIKELY(mine != NULL) || mine_failed)
        return mine;
    pthread_once(&block_once, block_key_init);
    struct tblock *b = calloc(1, sizeof(*b));
    if (b == NULL || block_key == (pthread_key_t)-1 || pthread_setspecific(block_key, b) != 0) {
        free(b);
        mine_failed = true;
        return NULL;
    }
    pthread_mutex_lock(&blocks_lock);
    b->next = blocks;
    b->pprev = &blocks;
    if (blocks != NULL)
        blocks->pprev = &b->next;
    blocks = b;
    pthread_mutex_unlock(&blocks_lock);
    mine = b;
    return b;
}

static void global_add(int kind, int64_t nodes, int64_t bytes)
{
    struct tblock *b = my_block();
    if (b == NULL) {
        vcow_striped_add(&exited, kind, nodes, bytes);
        return;
    }
    /* Only this thread writes b. */
    vcow_owned_add(&b->nodes[kind], nodes);
    vcow_owned_add(&b->bytes[kind], bytes);
}

/* Fault injection. relaxed everywhere: tests arm it while vcow is idle. */
static _Atomic uint64_t alloc_count;
static _Atomic long fail_at; /* 0: disarmed; else fail when count reaches it */
static _Atomic int fail_persistent;

static void count(struct vcow_tally *t, enum vcow_mem kind, int64_t nodes, int64_t bytes)
{
    if (t != NULL) {
        t->nodes[kind] += nodes;
        t->bytes[kind] += bytes;
        return;
    }
    global_add(kind, nodes, bytes);
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

#ifdef VCOW_USE_JEMALLOC
/*
 * Memory comes back by itself. jemalloc returns freed pages to the system
 * as they decay (dirty_decay_ms, 10 s by default), but decay only advances
 * when the arena is used, so a process that freed a large backlog and went
 * quiet kept it resident (1,370 MB for 20 s in issue 14's report).
 * jemalloc's background threads advance decay on their own: vcow turns
 * them on at its first allocation. (Purging after every large free instead
 * made rebuilding a 64 MB history pay its page faults again: automerge
 * commits_only 41 -> 259 ms.) This is a setting of the jemalloc instance
 * vcow uses: with the shared library it is vcow's alone; a program that
 * links libvcow statically shares it (README, "allocator").
 */
static pthread_once_t decay_once = PTHREAD_ONCE_INIT;

static void decay_init(void)
{
    bool on = true;
    mallctl("background_thread", NULL, NULL, &on, sizeof(on));
}
#endif

void *vcow_node_alloc(struct vcow_tally *t, enum vcow_mem kind, size_t size)
{
    if (injected_failure())
        return NULL;
#ifdef VCOW_USE_JEMALLOC
    pthread_once(&decay_once, decay_init);
    void *p = mallocx(size, 0);
#else
    void *p = malloc(size);
#endif
    if (p != NULL)
        count(t, kind, 1, (int64_t)size);
    return p;
}

void vcow_node_free(struct vcow_tally *t, enum vcow_mem kind, void *p, size_t size)
{
    if (p == NULL)
        return;
#ifdef VCOW_USE_JEMALLOC
    sdallocx(p, size, 0);
#else
    free(p);
#endif
    thread_frees++;
    count(t, kind, -1, -(int64_t)size);
}

void vcow_tally_flush(struct vcow_tally *t)
{
    for (int k = 0; k < VCOW_MEM_COUNT; k++) {
        if (t->nodes[k] != 0 || t->bytes[k] != 0)
            count(NULL, (enum vcow_mem)k, t->nodes[k], t->bytes[k]);
        t->nodes[k] = 0;
        t->bytes[k] = 0;
    }
}

int vcow_mem_get_stats(enum vcow_mem kind, struct vcow_mem_stats *out)
{
    if (out == NULL || (unsigned)kind >= VCOW_MEM_COUNT)
        return VCOW_EINVAL;
    vcow_striped_sum(&exited, kind, &out->nodes, &out->bytes);
    pthread_mutex_lock(&blocks_lock);
    for (struct tblock *b = blocks; b != NULL; b = b->next) {
        /* relaxed: statistics. */
        out->nodes += atomic_load_explicit(&b->nodes[kind], memory_order_relaxed);
        out->bytes += atomic_load_explicit(&b->bytes[kind], memory_order_relaxed);
    }
    pthread_mutex_unlock(&blocks_lock);
    return VCOW_OK;
}

/* The name each kind registered (node.c); NULL for an unknown kind or one
 * not built into this library. */
const char *vcow_kind_name(enum vcow_kind kind)
{
    const struct vcow_kind_ops *ops = vcow_cell_kind_ops(kind);
    return ops != NULL ? ops->name : NULL;
}

const char *vcow_mem_name(enum vcow_mem mem)
{
    const struct vcow_kind_ops *ops = vcow_kind_ops(mem);
    return ops != NULL ? ops->name : NULL;
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

uint64_t vcow_debug_thread_frees(void)
{
    return thread_frees;
}

uint64_t vcow_debug_alloc_count(void)
{
    return atomic_load_explicit(&alloc_count, memory_order_relaxed);
}
