/*
 * vcow/debug.h - hooks for tests. Not for production use.
 *
 * They let a test reach paths that are otherwise rare: allocation failure at
 * an exact point, full hash collisions. They are process-global and not
 * synchronised with running operations: arm them while no other thread
 * uses vcow.
 */
#ifndef VCOW_DEBUG_H
#define VCOW_DEBUG_H

#include <vcow/common.h>

VCOW_BEGIN_DECLS

/*
 * Make the k-th allocation from now on fail (k >= 1); with persistent,
 * every allocation from the k-th on fails. k == 0 disarms the hook.
 */
VCOW_API void vcow_debug_fail_alloc(long k, bool persistent);

/*
 * Allocations vcow has attempted since the hook was last armed (counting
 * runs only while it is armed: arm it with k = LONG_MAX to count an
 * operation's allocations without failing any).
 */
VCOW_API uint64_t vcow_debug_alloc_count(void);

/*
 * Keep only the bits of every key hash that are set in mask (~0 restores
 * full hashes). A mask of 0 makes every key collide.
 */
VCOW_API void vcow_debug_hash_mask(uint64_t mask);

/*
 * Nodes (of every kind, version objects included) the calling thread has
 * freed since it started: lets a test see who paid for a free.
 */
VCOW_API uint64_t vcow_debug_thread_frees(void);

/*
 * Add ns to every time vcow reads from CLOCK_REALTIME from now on (adds up;
 * negative: the clock steps back). Unlike the hooks above it may be called
 * while other threads use vcow.
 */
VCOW_API void vcow_debug_clock_shift(int64_t ns);

VCOW_END_DECLS

#endif
