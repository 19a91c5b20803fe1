/**
 * @file vcow/mem.h
 * memory accounting per class of node.
 *
 * Every node vcow allocates is counted, by class, when it is allocated and
 * when it is freed (nodes are freed only after a grace period, so "live"
 * includes nodes retired but not yet reclaimed). The counters are global to
 * the process. vcow_cell_get_stats gives the same figures per cell.
 */
#ifndef VCOW_MEM_H
#define VCOW_MEM_H

#include <vcow/common.h>

VCOW_BEGIN_DECLS

/**
 * The classes of memory vcow counts. Each cell kind's nodes count under the
 * class of the same number (VCOW_MEM_MAP == VCOW_KIND_MAP, see vcow/cell.h);
 * META and BLOB are vcow's own bookkeeping and out-of-line bytes.
 */
enum vcow_mem {
    VCOW_MEM_META = 0, /**< versions, retire lists: vcow's own bookkeeping */
    VCOW_MEM_BOX = 1,  /**< box cells: one immutable value */
    VCOW_MEM_MAP = 2,  /**< map (CHAMP hash map) nodes */
    VCOW_MEM_TREE = 3, /**< B+tree nodes */
    VCOW_MEM_ROPE = 4, /**< rope nodes and chunks */
    VCOW_MEM_BLOB = 5, /**< long keys and values stored out of line */
    VCOW_MEM_COUNT = 6 /**< the number of classes */
};

/** The counters of one class (vcow_mem_get_stats). */
struct vcow_mem_stats {
    int64_t nodes; /**< allocated and not yet freed */
    int64_t bytes; /**< their requested sizes, summed */
};

/** Counters for one class. Returns VCOW_EINVAL for an unknown class. */
VCOW_API int vcow_mem_get_stats(enum vcow_mem mem, struct vcow_mem_stats *out);

/** "meta", "box", "map", "tree", "rope", "blob"; NULL for an unknown class. */
VCOW_API const char *vcow_mem_name(enum vcow_mem mem);

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
