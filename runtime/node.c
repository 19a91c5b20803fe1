/*
 * runtime/node.c - the kind registry and iterative subtree freeing.
 *
 * Freeing a dropped subtree must never recurse (a deep rope or a long chain
 * of nested maps would overflow the reclaimer's stack) and must never
 * allocate (freeing is what we do when memory is short). So the stack of
 * nodes still to free is threaded through the nodes themselves: a dead node
 * is unreachable by every reader (a grace period has passed), so its owner
 * word is ours to reuse as the "next" link.
 */
#include <stddef.h>

#include "node.h"

/*
 * A structure defines its vcow_<kind>_ops in structures/<kind>/. The
 * references are weak so that the library builds while a structure is not
 * there yet: its entry is then NULL and cells of that kind cannot be opened.
 */
extern const struct vcow_kind_ops vcow_hamt_ops __attribute__((weak));
extern const struct vcow_kind_ops vcow_tree_ops __attribute__((weak));
extern const struct vcow_kind_ops vcow_rope_ops __attribute__((weak));

static const struct vcow_kind_ops *registry[VCOW_KIND_COUNT];

__attribute__((constructor)) static void registry_init(void)
{
    registry[VCOW_KIND_BOX] = &vcow_box_ops;
    registry[VCOW_KIND_BLOB] = &vcow_blob_ops;
    registry[VCOW_KIND_HAMT] = &vcow_hamt_ops;
    registry[VCOW_KIND_TREE] = &vcow_tree_ops;
    registry[VCOW_KIND_ROPE] = &vcow_rope_ops;
}

const struct vcow_kind_ops *vcow_kind_ops(enum vcow_kind kind)
{
    return (unsigned)kind < VCOW_KIND_COUNT ? registry[kind] : NULL;
}

static inline void set_link(struct vcow_node *n, struct vcow_node *next)
{
    n->owner = (uint64_t)(uintptr_t)next;
}

static inline struct vcow_node *link_of(const struct vcow_node *n)
{
    return (struct vcow_node *)(uintptr_t)n->owner;
}

struct push_ctx {
    struct vcow_node *top;
};

static void push(struct vcow_node *child, void *arg)
{
    struct push_ctx *p = arg;
    set_link(child, p->top);
    p->top = child;
}

struct vcow_node *vcow_free_tree(struct vcow_tally *t, struct vcow_node *root,
                                 struct vcow_node *stack, uint64_t *budget, uint64_t *freed_bytes)
{
    struct push_ctx p = {stack};
    if (root != NULL)
        push(root, &p);
    uint64_t n = 0, bytes = 0, limit = budget != NULL ? *budget : UINT64_MAX;
    while (p.top != NULL && n < limit) {
        struct vcow_node *node = p.top;
        p.top = link_of(node);
        vcow_node_walk(node, push, &p); /* walk does not read owner */
        bytes += node->size;
        vcow_node_free(t, (enum vcow_kind)node->kind, node, node->size);
        n++;
    }
    if (freed_bytes != NULL)
        *freed_bytes += bytes;
    if (budget != NULL)
        *budget -= n;
    return p.top;
}

struct owned_ctx {
    struct push_ctx stack;
    uint64_t owner;
};

static void push_owned(struct vcow_node *child, void *arg)
{
    struct owned_ctx *c = arg;
    if (child->owner == c->owner)
        push(child, &c->stack);
}

void vcow_free_owned(struct vcow_tally *t, struct vcow_node *root, uint64_t owner)
{
    struct owned_ctx c = {{NULL}, owner};
    if (root == NULL)
        return;
    push_owned(root, &c);
    while (c.stack.top != NULL) {
        struct vcow_node *node = c.stack.top;
        c.stack.top = link_of(node);
        vcow_node_walk(node, push_owned, &c);
        vcow_node_free(t, (enum vcow_kind)node->kind, node, node->size);
    }
}
