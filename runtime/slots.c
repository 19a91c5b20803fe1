/*
 * runtime/slots.c - per-thread pin slots (see slots.h; the argument for
 * why a slot keeps its version alive is runtime/reclaim.c (k)).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "cell.h"
#include "slots.h"

/*
 * One thread's slots. held[] is what the claimers read: one cache line,
 * written by the owner when it pins and by whoever unpins. The faces are
 * what the pins hand out; only the holder of a pin reads its face.
 */
struct slot_block {
    _Alignas(64) _Atomic(struct vcow_version *) held[VCOW_SLOTS];
    struct vcow_view_face face[VCOW_SLOTS];
    struct slot_block *next; /* the list of all blocks; set before publication */
    _Atomic bool owned;      /* a live thread pins through this block */
};

/* Every block ever made, newest first; never shrinks. */
static _Atomic(struct slot_block *) blocks;

enum { MINE_NONE, MINE_OK, MINE_NEVER };
static _Thread_local struct slot_block *mine;
static _Thread_local int mine_state; /* MINE_NEVER: count pins only */
static pthread_key_t exit_key;
static pthread_once_t key_once = PTHREAD_ONCE_INIT;
static bool key_ok;

static void block_exit(void *arg)
{
    struct slot_block *b = arg;
    /* Pins made after this (other key destructors) use the count. */
    mine = NULL;
    mine_state = MINE_NEVER;
    /* release: our last writes to the faces happen-before the adopter's
     * (it takes the block with acquire). Slots still held stay held: their
     * pins were handed to threads that live on, and they release them. */
    atomic_store_explicit(&b->owned, false, memory_order_release);
}

static void key_init(void)
{
    key_ok = pthread_key_create(&exit_key, block_exit) == 0;
}

/* Adopt the block of a thread that exited, or make one. */
static struct slot_block *attach(void)
{
    pthread_once(&key_once, key_init);
    struct slot_block *b = NULL;
    if (key_ok) {
        /* acquire: the list's blocks were initialised before publication. */
        for (b = atomic_load_explicit(&blocks, memory_order_acquire); b != NULL; b = b->next) {
            bool free_ = false;
            /* acquire: see block_exit. */
            if (!atomic_load_explicit(&b->owned, memory_order_relaxed) &&
                atomic_compare_exchange_strong_explicit(&b->owned, &free_, true,
                                                        memory_order_acquire, memory_order_relaxed))
                break;
        }
        if (b == NULL && (b = aligned_alloc(64, sizeof(*b))) != NULL) {
            memset(b, 0, sizeof(*b));
            atomic_init(&b->owned, true);
            struct slot_block *old = atomic_load_explicit(&blocks, memory_order_relaxed);
            do
                b->next = old;
            /* release: the block's contents before anyone can find it. */
            while (!atomic_compare_exchange_weak_explicit(&blocks, &old, b, memory_order_release,
                                                          memory_order_relaxed));
        }
    }
    if (b != NULL && pthread_setspecific(exit_key, b) != 0) {
        atomic_store_explicit(&b->owned, false, memory_order_release);
        b = NULL;
    }
    mine = b;
    mine_state = b != NULL ? MINE_OK : MINE_NEVER;
    return b;
}

struct vcow_view_face *vcow_slot_pin_head(struct vcow_cell *c)
{
    struct slot_block *b = mine;
    if (VCOW_UNLIKELY(b == NULL)) {
        if (mine_state == MINE_NEVER || (b = attach()) == NULL)
            return NULL;
    }
    uint32_t i = 0;
    /* acquire: whoever freed the slot (an unpin on any thread) is done
     * reading its face before we write it. Only we fill free slots. */
    while (atomic_load_explicit(&b->held[i], memory_order_acquire) != NULL)
        if (++i == VCOW_SLOTS)
            return NULL;
    /* acquire: we may read its seq below. */
    struct vcow_version *v = atomic_load_explicit(&c->head, memory_order_acquire), *dropped = NULL;
    bool maintain = false;
    for (;;) {
        /* seq_cst, the store and the load: the hazard is visible before we
         * look at the head again, so either the claimer sees it or we see
         * that v was replaced (reclaim.c (k)). The load is also the
         * acquire that makes v's fields readable. */
        atomic_store_explicit(&b->held[i], v, memory_order_seq_cst);
        /* We let go of dropped: if a scan stopped at it because of us, ask
         * for maintenance, as an unpin would. seq_cst: reclaim.c (k). */
        if (dropped != NULL &&
            atomic_load_explicit(&c->stuck, memory_order_seq_cst) == dropped->seq + 1)
            maintain = true;
        struct vcow_version *now = atomic_load_explicit(&c->head, memory_order_seq_cst);
        if (VCOW_LIKELY(now == v))
            break;
        dropped = v; /* a commit won meanwhile: hold the new head instead */
        v = now;
    }
    if (VCOW_UNLIKELY(maintain))
        vcow_cell_maintain(c);
    struct vcow_view_face *f = &b->face[i];
    f->face.root = v->face.root;
    f->face.kind = v->face.kind;
    f->face.view = VCOW_FACE_SLOT;
    f->face.slot = (uint8_t)i;
    f->real = v;
    return f;
}

static struct slot_block *block_of(struct vcow_view_face *f)
{
    return (struct slot_block *)(void *)((char *)(f - f->face.slot) -
                                         offsetof(struct slot_block, face));
}

void vcow_slot_release(struct vcow_view_face *f)
{
    struct slot_block *b = block_of(f);
    struct vcow_version *v = f->real;
    /* seq_cst: the other half of reclaim.c (k)'s pair with the claimer's
     * note of where it stopped (the caller reads it next); also a release:
     * our reads through the pin happen-before the version is reclaimed. */
    struct vcow_version *was =
        atomic_exchange_explicit(&b->held[f->face.slot], NULL, memory_order_seq_cst);
    if (was != v)
        vcow__panic("vcow_version_unpin",
                    "a pin of the head (slot %u) was unpinned more often than it was pinned",
                    (unsigned)f->face.slot);
}

uint32_t vcow_slots_first_held(struct vcow_version *const *cand, uint32_t n)
{
    uint32_t first = n;
    /* acquire: pairs with attach's publication. */
    for (struct slot_block *b = atomic_load_explicit(&blocks, memory_order_acquire); b != NULL;
         b = b->next) {
        for (uint32_t i = 0; i < VCOW_SLOTS; i++) {
            /* seq_cst: reclaim.c (k). We compare the pointer and never
             * follow it. */
            struct vcow_version *h = atomic_load_explicit(&b->held[i], memory_order_seq_cst);
            if (h == NULL)
                continue;
            for (uint32_t j = 0; j < first; j++)
                if (cand[j] == h) {
                    first = j;
                    break;
                }
        }
    }
    return first;
}

bool vcow_slots_hold(const struct vcow_version *v)
{
    struct vcow_version *cand = (struct vcow_version *)(uintptr_t)v;
    return vcow_slots_first_held(&cand, 1) == 0;
}
