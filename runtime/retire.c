/* runtime/retire.c - see retire.h. */
#include <stdbool.h>
#include <string.h>

#include "retire.h"
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
            vcow_node_alloc(t, VCOW_KIND_META, sizeof(struct vcow_retire_chunk));
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
    uintptr_t e = (uintptr_t)n | (subtree ? 1u : 0u);
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
        vcow_node_free(t, VCOW_KIND_META, c, sizeof(*c));
        c = next;
    }
}

void vcow_retire_drop(struct vcow_retire *r, struct vcow_tally *t)
{
    free_chunks(r->head, t);
    free_chunks(r->spare, t);
    memset(r, 0, sizeof(*r));
}

uint64_t vcow_retire_meta_bytes(const struct vcow_retire *r)
{
    /* Every entry past the inline ones filled a chunk in order. */
    uint64_t chunks = 0;
    if (r->entries > VCOW_RETIRE_INLINE)
        chunks = (r->entries - VCOW_RETIRE_INLINE + VCOW_RETIRE_CHUNK - 1) / VCOW_RETIRE_CHUNK;
    return (chunks + r->n_spare) * sizeof(struct vcow_retire_chunk);
}

static bool out_of_budget(const uint64_t *budget)
{
    return budget != NULL && *budget == 0;
}

static int free_entry(uintptr_t e, struct vcow_tally *t, struct vcow_node **stack, uint64_t *budget,
                      uint64_t *freed_bytes)
{
    struct vcow_node *n = (struct vcow_node *)(e & ~(uintptr_t)1);
    if (e & 1) {
        *stack = vcow_free_tree(t, n, NULL, budget, freed_bytes);
        return *stack == NULL;
    }
    *freed_bytes += n->size;
    vcow_node_free(t, (enum vcow_kind)n->kind, n, n->size);
    if (budget != NULL)
        (*budget)--;
    return 1;
}

int vcow_retire_free(struct vcow_retire *r, struct vcow_tally *t, struct vcow_node **stack,
                     uint64_t *budget, uint64_t *freed_bytes)
{
    /* Finish a subtree left over from the last call first. */
    if (*stack != NULL) {
        *stack = vcow_free_tree(t, NULL, *stack, budget, freed_bytes);
        if (*stack != NULL)
            return 0;
    }
    /* Entries are consumed from the ends, so a resumed call skips them. */
    while (r->n_inline > 0) {
        if (out_of_budget(budget) ||
            !free_entry(r->e[--r->n_inline], t, stack, budget, freed_bytes))
            return 0;
    }
    while (r->head != NULL) {
        struct vcow_retire_chunk *c = r->head;
        while (c->n > 0) {
            if (out_of_budget(budget) || !free_entry(c->e[--c->n], t, stack, budget, freed_bytes))
                return 0;
        }
        r->head = c->next;
        vcow_node_free(t, VCOW_KIND_META, c, sizeof(*c));
    }
    free_chunks(r->spare, t);
    r->spare = NULL;
    r->n_spare = 0;
    return 1;
}
