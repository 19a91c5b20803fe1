/**
 * @file vcow/debug.h
 * hooks for tests. Not for production use.
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

/**
 * Make the k-th allocation from now on fail (k >= 1); with persistent,
 * every allocation from the k-th on fails. k == 0 disarms the hook.
 */
VCOW_API void vcow_debug_fail_alloc(long k, bool persistent);

/**
 * Allocations vcow has attempted since the hook was last armed (counting
 * runs only while it is armed: arm it with k = LONG_MAX to count an
 * operation's allocations without failing any).
 */
VCOW_API uint64_t vcow_debug_alloc_count(void);

/**
 * Keep only the bits of every key hash that are set in mask (~0 restores
 * full hashes). A mask of 0 makes every key collide.
 */
VCOW_API void vcow_debug_hash_mask(uint64_t mask);

/**
 * Nodes (of every kind, version objects included) the calling thread has
 * freed since it started: lets a test see who paid for a free.
 */
VCOW_API uint64_t vcow_debug_thread_frees(void);

/**
 * Add ns to every time vcow reads from CLOCK_REALTIME from now on (adds up;
 * negative: the clock steps back). Unlike the hooks above it may be called
 * while other threads use vcow.
 */
VCOW_API void vcow_debug_clock_shift(int64_t ns);

/**
 * Parking points, for progress tests: vcow_debug_park_at(point) makes the
 * next thread that reaches the point block there (inside whatever read
 * section it is in) until vcow_debug_park_release(); vcow_debug_parked()
 * says whether one is parked now. One point at a time.
 * @{
 */
enum vcow_park_point {
    VCOW_PARK_COMMIT_BEFORE_CAS = 1, /**< the txn's path is reserved */
    VCOW_PARK_COMMIT_AFTER_CAS,      /**< published, not stamped, not indexed */
    VCOW_PARK_COMMIT_AFTER_STAMP,    /**< stamped, not indexed */
    VCOW_PARK_COMMIT_BEFORE_RELEASE, /**< indexed; the base still pinned */
    VCOW_PARK_SCAN,                  /**< holding the maintenance claim */
    VCOW_PARK_RECLAIM,               /**< the reclaimer, in a batch callback */
    VCOW_PARK_BACKPRESSURE,          /**< a committer holding the backlog */
    VCOW_PARK_UNPIN,                 /**< after the decrement, before maintenance */
    VCOW_PARK_COUNT                  /**< the number of points */
};
VCOW_API void vcow_debug_park_at(int point);
VCOW_API bool vcow_debug_parked(void);
VCOW_API void vcow_debug_park_release(void);
/** @} */

VCOW_END_DECLS

#endif
