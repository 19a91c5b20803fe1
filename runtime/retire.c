/* runtime/retire.c - see retire.h. */
#include <stdbool.h>
#include <string.h>

#include "retire.h"
#include "base/compiler.h"
#include "base/panic.h"
#include <vcow/error.h>

static uint32_t room(const struct vcow_retire *r)
{
    uint32_t n = VCOW_RETIRE_INLINE - r->n_inline;
    if (r->head != NULL)
        n += VCOW_RETIRE_CHUNK - r->head->n;
    return n + r->n_spare * VCOW_RETIRE_CHUNK;
}

int vcow_retire_reserve(struct vcow_retire *r, struct vcow_tally *t, uint32_t n)
{
    while (room(r) < n) {
        struct vcow_retire_chunk *c =
            vcow_node_alloc(t, VCOW_MEM_META, sizeof(struct vcow_retire_chunk));
        if (c == NULL)
            return VCOW_ENOMEM;
        c->n = 0;
        c->next = r->spare;
        r->spare = c;
        r->n_spare++;
    }
    return VCOW_OK;
}

void vcow_retire_add(struct vcow_retire *r, struct vcow_node *n, int subtree)
{
    /* The entry keeps the pointer in bits 4-47: a node outside them (a
     * 57-bit address space) or misaligned cannot be recorded. */
    if (VCOW_UNLIKELY(((uintptr_t)n >> 48) != 0 || ((uintptr_t)n & 15) != 0))
        vcow__panic("vcow_txn_retire", "node %p is not a 16-byte aligned 48-bit address",
                    (void *)n);
    uintptr_t e = vcow_retire_entry(n, n->kind, n->size, subtree);
    r->bytes += n->size;
    r->entries++;
    if (r->n_inline < VCOW_RETIRE_INLINE) {
        r->e[r->n_inline++] = e;
        return;
    }
    if (r->head == NULL || r->head->n == VCOW_RETIRE_CHUNK) {
        /* The caller reserved: a spare chunk is there. */
        struct vcow_retire_chunk *c = r->spare;
        r->spare = c->next;
        r->n_spare--;
        c->next = r->head;
        r->head = c;
    }
    r->head->e[r->head->n++] = e;
}

static void free_chunks(struct vcow_retire_chunk *c, struct vcow_tally *t)
{
    while (c != NULL) {
        struct vcow_retire_chunk *next = c->next;
        vcow_node_free(t, VCOW_MEM_META, c, sizeof(*c));
        c = next;
    }
}

void vcow_retire_drop(struct vcow_retire *r, struct vcow_tally *t)
{
    free_chunks(r->head, t);
    free_chunks(r->spare, t);
    memset(r, 0, sizeof(*r));
}

static uint32_t chunks_in_use(const struct vcow_retire *r)
{
    /* Every entry past the inline ones filled a chunk in order. */
    if (r->entries <= VCOW_RETIRE_INLINE)
        return 0;
    return (uint32_t)((r->entries - VCOW_RETIRE_INLINE + VCOW_RETIRE_CHUNK - 1) /
                      VCOW_RETIRE_CHUNK);
}

uint64_t vcow_retire_meta_bytes(const struct vcow_retire *r)
{
    return (uint64_t)chunks_in_use(r) * sizeof(struct vcow_retire_chunk);
}

uint64_t vcow_retire_sealed_size(const struct vcow_retire *r)
{
    if (r->entries == 0)
        return 0;
    return sizeof(struct vcow_rlist) + (r->n_inline + (r->head != NULL)) * sizeof(uintptr_t);
}

void vcow_retire_seal(const struct vcow_retire *r, struct vcow_rlist *out)
{
    out->bytes = r->bytes;
    out->chunks = chunks_in_use(r);
    out->n = r->n_inline;
    memcpy(out->e, r->e, r->n_inline * sizeof(uintptr_t));
    if (r->head != NULL)
        out->e[out->n++] = vcow_retire_entry(r->head, VCOW_RE_CHUNKS, 0, 0);
}

void vcow_retire_forget(struct vcow_retire *r, struct vcow_tally *t)
{
    free_chunks(r->spare, t);
    memset(r, 0, sizeof(*r));
}

static bool out_of_budget(const uint64_t *budget)
{
    return budget != NULL && *budget == 0;
}

int vcow_retire_free(uintptr_t *e, uint32_t *n, struct vcow_tally *t, struct vcow_node **stack,
                     uint64_t *budget)
{
    /* Finish a subtree left over from the last call first. */
    if (*stack != NULL) {
        *stack = vcow_free_tree(t, NULL, *stack, budget, NULL);
        if (*stack != NULL)
            return 0;
    }
    while (*n > 0) {
        if (out_of_budget(budget))
            return 0;
        uintptr_t x = e[*n - 1];
        void *p = vcow_retire_ptr(x);
        unsigned kind = vcow_retire_kind(x);
        if (kind == VCOW_RE_CHUNKS) {
            /* A chunk chain: empty the first chunk, then go on with the
             * rest of the chain in the same slot. */
            struct vcow_retire_chunk *c = p;
            if (!vcow_retire_free(c->e, &c->n, t, stack, budget))
                return 0;
            if (c->next != NULL)
                e[*n - 1] = vcow_retire_entry(c->next, VCOW_RE_CHUNKS, 0, 0);
            else
                (*n)--;
            vcow_node_free(t, VCOW_MEM_META, c, sizeof(*c));
            continue;
        }
        (*n)--;
        if (x & 1) {
            *stack = vcow_free_tree(t, p, NULL, budget, NULL);
            if (*stack != NULL)
                return 0;
            continue;
        }
        uint64_t size = x >> 48;
        if (size == 0) /* too big for the entry, or a sanitizer build */
            size = kind == VCOW_MEM_META ? vcow_version_size_of(p) : ((struct vcow_node *)p)->size;
        vcow_node_free(t, (enum vcow_mem)kind, p, size);
        if (budget != NULL)
            (*budget)--;
    }
    return 1;
}
