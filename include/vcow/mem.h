/**
 * @file vcow/mem.h
 * memory accounting per kind of node.
 *
 * Every node vcow allocates is counted, by kind, when it is allocated and
 * when it is freed (nodes are freed only after a grace period, so "live"
 * includes nodes retired but not yet reclaimed). The counters are global to
 * the process. vcow_cell_get_stats gives the same figures per cell.
 */
#ifndef VCOW_MEM_H
#define VCOW_MEM_H

#include <vcow/common.h>

VCOW_BEGIN_DECLS

/** The kinds of node vcow counts; BOX, HAMT, TREE and ROPE also name a cell's structure. */
enum vcow_kind {
    VCOW_KIND_META = 0, /**< versions, retire lists: vcow's own bookkeeping */
    VCOW_KIND_BOX = 1,  /**< one immutable value */
    VCOW_KIND_HAMT = 2, /**< CHAMP hash map nodes */
    VCOW_KIND_TREE = 3, /**< B+tree nodes */
    VCOW_KIND_ROPE = 4, /**< rope nodes and chunks */
    VCOW_KIND_BLOB = 5, /**< long keys and values stored out of line */
    VCOW_KIND_COUNT = 6 /**< the number of kinds */
};

/** The counters of one kind (vcow_mem_get_stats). */
struct vcow_mem_stats {
    int64_t nodes; /**< allocated and not yet freed */
    int64_t bytes; /**< their requested sizes, summed */
};

/** Counters for one kind. Returns VCOW_EINVAL for an unknown kind. */
VCOW_API int vcow_mem_get_stats(enum vcow_kind kind, struct vcow_mem_stats *out);

/** "meta", "box", "hamt", "tree", "rope", "blob"; NULL for unknown kinds. */
VCOW_API const char *vcow_kind_name(enum vcow_kind kind);

/** "jemalloc" or "libc": the allocator vcow's nodes come from. */
VCOW_API const char *vcow_allocator(void);

/**
 * Return freed memory to the operating system now (jemalloc: purge every
 * arena; libc: malloc_trim). Reclamation already frees nodes; this makes
 * RSS follow. Safe to call from any thread at any time.
 */
VCOW_API void vcow_mem_purge(void);

VCOW_END_DECLS

#endif
