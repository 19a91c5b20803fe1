/**
 * @file vcow/gc.h
 * read sections and the reclamation layer.
 *
 * A reader brackets every access to a published version with
 * vcow_read_lock() / vcow_read_unlock(). Inside that read section nothing
 * the reader can reach is freed: vcow frees old nodes only after an RCU
 * grace period, i.e. after every read section that could have seen them has
 * ended. Read sections never block, never take a lock and never write
 * memory another thread reads (except, under urcu-memb and ck-epoch, the
 * thread's own reader record).
 *
 * The backend is chosen when vcow is built (CMake option VCOW_GC):
 * @code{.unparsed}
 *   urcu-memb  liburcu, membarrier-based (default)
 *   urcu-qsbr  liburcu, quiescent-state-based (fastest reads, see below)
 *   urcu-bp    liburcu "bulletproof" flavor
 *   ck-epoch   ConcurrencyKit epoch reclamation
 * @endcode
 * vcow_gc_backend() names the one in this build.
 *
 * Threads: every thread registers itself on first use and unregisters when
 * it exits. No registration call is ever needed for correctness.
 *
 * Threads that also use liburcu directly (cds_lfht, call_rcu): a thread
 * that registered itself with the same liburcu flavor vcow was built with
 * (vcow.pc names it) before its first vcow call is adopted: vcow neither
 * registers it again nor unregisters it at exit (the user does, after the
 * thread's last vcow call). Under urcu-qsbr its online state stays the
 * user's: vcow treats it as a thread in manual quiescence mode (below). A
 * thread must not register with liburcu after vcow registered it (liburcu
 * asserts on a second registration); register first.
 *
 * Contract table (which calls need what):
 *
 * @code{.unparsed}
 *   call                        may run in a read section?   may block?
 *   vcow_read_lock/unlock       yes (they nest)              no
 *   vcow_thread_offline/online  no                           no
 *   vcow_quiescent_state        no                           no
 *   vcow_gc_barrier             no                           yes
 *   vcow_gc_get_stats           yes                          no
 * @endcode
 *
 * Calling a blocking vcow function (a commit that must wait for a grace
 * period, vcow_gc_barrier) from inside a read section would deadlock; vcow
 * detects it and returns VCOW_ESTATE instead.
 *
 * urcu-qsbr: by default each read section of a thread brings it online and
 * the outermost unlock takes it offline again, so a thread that blocks
 * outside a read section never stalls reclamation. That costs two full
 * barriers per read section. A thread that wants qsbr's zero-cost reads calls
 * vcow_thread_manual_quiescence(): it then stays online, and must call
 * vcow_quiescent_state() regularly (e.g. once per event-loop turn) and
 * bracket every blocking wait (epoll_wait, a condition wait, sleep) with
 * vcow_thread_offline() / vcow_thread_online(); otherwise grace periods
 * stall and memory grows without bound. vcow's own blocking calls go offline
 * by themselves. Under the other backends these three calls do nothing.
 */
#ifndef VCOW_GC_H
#define VCOW_GC_H

#include <vcow/common.h>

VCOW_BEGIN_DECLS

/** Begin a read section. Nests. Registers the calling thread on first use. */
VCOW_API void vcow_read_lock(void);

/** End a read section. Must pair with vcow_read_lock on the same thread: an
 * unlock outside any read section aborts with "vcow: vcow_read_unlock: ...". */
VCOW_API void vcow_read_unlock(void);

/** True while the calling thread is inside a read section. */
VCOW_API bool vcow_in_read_section(void);

/**
 * urcu-qsbr only (no-ops elsewhere, returning VCOW_OK): switch the calling
 * thread to manual quiescent-state announcements, as described above.
 * @{
 */
VCOW_API int vcow_thread_manual_quiescence(void);
VCOW_API void vcow_quiescent_state(void);
VCOW_API void vcow_thread_offline(void);
VCOW_API void vcow_thread_online(void);
/** @} */

/**
 * Wait until every callback deferred before this call has run, i.e. every
 * node retired so far has been freed (subject to version order: a retire
 * list held back by a live older version is not yet deferred), including
 * the later slices of a huge list the reclaimer frees a slice at a time.
 * Returns VCOW_ESTATE when called inside a read section.
 */
VCOW_API int vcow_gc_barrier(void);

/** The reclamation layer's counters (vcow_gc_get_stats). */
struct vcow_gc_stats {
    uint64_t deferred;           /**< callbacks handed to the backend, total */
    uint64_t run;                /**< callbacks that have run, total */
    uint64_t pending;            /**< deferred - run */
    uint64_t synchronizes;       /**< grace periods waited for by vcow itself */
    uint64_t registered_threads; /**< threads vcow registered and that still live */
};

/** A consistent-enough snapshot of the counters (each is read atomically). */
VCOW_API void vcow_gc_get_stats(struct vcow_gc_stats *out);

/** "urcu-memb", "urcu-qsbr", "urcu-bp" or "ck-epoch". */
VCOW_API const char *vcow_gc_backend(void);

VCOW_END_DECLS

#endif
