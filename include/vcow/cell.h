/**
 * @file vcow/cell.h
 * cells, versions, transactions, pins and history.
 *
 * A cell is a shared, versioned root: the one place threads meet. Each
 * commit makes a new immutable version (sequence number, commit time, root)
 * and publishes it with one compare-and-swap of the cell's head. Readers
 * never lock: inside a read section (vcow/gc.h) they load the head and read
 * it. Old versions are freed after a grace period, oldest first, unless a
 * pin or the cell's history policy keeps them.
 *
 * @code
 *   vcow_cell *c;   vcow_cell_open(VCOW_KIND_BOX, NULL, &c);
 *   vcow_txn *t;    vcow_txn_begin(c, &t);
 *   vcow_box_set(t, vcow_val_i64(42));
 *   vcow_txn_commit(t);   vcow_txn_free(t);
 *
 *   vcow_read_lock();
 *   const vcow_version *v = vcow_cell_head(c);
 *   vcow_box_get(v, &val);
 *   vcow_read_unlock();
 * @endcode
 *
 * Which calls need what, and what they guarantee. No call takes a lock.
 * Lock-free: a thread's call completes unless other threads keep
 * completing theirs (a retry means someone else's commit or pin
 * succeeded); a thread stopped anywhere, even in the middle of a commit,
 * delays nobody (tests/runtime/test_progress.c parks one at every step).
 * Wait-free: completes in a bounded number of its own steps. Node memory
 * comes from the allocator (jemalloc or libc), whose own locks are outside
 * this table.
 *
 * @code{.unparsed}
 *   call                      read section?  thread-safe on one object?  progress
 *   vcow_cell_head            required       yes                         wait-free
 *   reads of a version        required or    yes                         wait-free
 *     (get, iter, diff, ...)  a pin
 *   vcow_cell_pin_head        any            yes                         lock-free
 *   vcow_version_pin          any            yes                         lock-free
 *   vcow_cell_pin_at          any            yes                         lock-free
 *   vcow_cell_pin_as_of       any            yes                         lock-free
 *   vcow_version_unpin        any            yes                         lock-free
 *   vcow_cell_versions        any            yes                         lock-free
 *   vcow_cell_get_stats       any            yes                         lock-free
 *   vcow_cell_trim            any            yes                         lock-free
 *   vcow_txn_begin            any            yes, on one cell            lock-free
 *   structure writes on a txn any            no: one thread per txn      wait-free
 *   vcow_txn_commit           any            yes, on one cell            lock-free, plus
 *   vcow_cell_update          any            yes, on one cell            the backpressure
 *                                                                        wait (below)
 *   vcow_txn_abort, _free     any            no: one thread per txn      wait-free
 *   vcow_cell_close           outside        no: nothing else may use    blocking: waits
 *                                            the cell                    for a running
 *                                                                        maintenance pass
 *   vcow_cell_wait            outside        yes                         blocking, by design:
 *                                                                        sleeps on a futex
 *   vcow_cell_watch_fd        any            yes                         lock-free
 *   vcow_cell_watch_ack       any            yes                         wait-free
 * @endcode
 *
 * The work after a commit's CAS (indexing the version by seq, stamping its
 * time, trimming history, finding dead versions) is done by whoever needs
 * it first or by one thread that claims it; others never wait for it.
 *
 * A commit normally hands its garbage to the reclaimer and returns. When the
 * cell's garbage waiting for a grace period passes max_pending_bytes, the
 * committer itself waits for a grace period and frees part of it
 * (backpressure: writers cannot outrun reclamation). Inside a read section
 * it cannot wait, so it returns at once; commit from outside read sections
 * where you can.
 *
 * A pin is a counted reference to one version, valid outside read
 * sections and across blocking calls. A pinned version and everything it
 * reaches stay intact; a long-lived pin holds back all garbage newer than
 * it (vcow_cell_get_stats shows how much), as an LMDB reader or PostgreSQL's
 * xmin horizon does.
 */
#ifndef VCOW_CELL_H
#define VCOW_CELL_H

#include <vcow/common.h>
#include <vcow/mem.h>
#include <vcow/val.h>

VCOW_BEGIN_DECLS

/** A cell: a shared, versioned root (opaque). */
typedef struct vcow_cell vcow_cell;
/** One immutable version of a cell (opaque). */
typedef struct vcow_version vcow_version;
/** A transaction: a private builder on one version of a cell (opaque). */
typedef struct vcow_txn vcow_txn;

/**
 * The kinds of structure a cell holds. Their nodes count in vcow/mem.h
 * under the memory class of the same number (VCOW_MEM_MAP for a map).
 */
enum vcow_kind {
    VCOW_KIND_BOX = 1,  /**< one immutable value (vcow/box.h) */
    VCOW_KIND_MAP = 2,  /**< a hash map (vcow/map.h) */
    VCOW_KIND_TREE = 3, /**< an ordered map, a B+tree (vcow/tree.h) */
    VCOW_KIND_ROPE = 4, /**< text, a rope (vcow/rope.h) */
};

/** "box", "map", "tree" or "rope"; NULL for an unknown kind or one not built into this library. */
VCOW_API const char *vcow_kind_name(enum vcow_kind kind);

/**
 * Options. Zero-initialise, set size = sizeof(struct vcow_cell_opts), then
 * the fields you want. NULL options mean: no history, default limits.
 *
 * History: with history = false only the head (and pinned versions) live.
 * With history = true every version is retained until one of the limits
 * below trims it (all zero: keep everything) or vcow_cell_trim drops it.
 * Limits combine: a version is trimmed when any of them says so. The head
 * is never trimmed. Pins hold a version alive across trims.
 *
 * What a kept version costs besides the nodes it does not share: its
 * object, 64 bytes, and its retire list in the same allocation, 16 bytes
 * plus 8 per node its commit replaced (up to six; beyond, 512-byte chunks
 * of 62). A commit that changed nothing costs 64 bytes. Both count in
 * vcow_cell_stats' bytes[VCOW_MEM_META].
 */
struct vcow_cell_opts {
    size_t size;                /**< sizeof(struct vcow_cell_opts) */
    bool history;               /**< retain old versions */
    uint64_t keep_last;         /**< keep at most this many versions (0: no limit) */
    int64_t max_age_ns;         /**< trim versions committed longer ago (0: none) */
    uint64_t max_bytes;         /**< trim while history holds more bytes (0: none) */
    uint64_t max_pending_bytes; /**< backpressure bound (0: 64 MiB) */
    /**
     * Key order of the cell's ordered maps (VCOW_KIND_TREE cells, and trees
     * nested in a map cell). NULL: memcmp order, a shorter key first when
     * one is a prefix of the other. Otherwise compare(a, alen, b, blen, ctx)
     * returns <0, 0 or >0 and must be a strict total order that never
     * changes for the cell's life, may run in any thread at once, and must
     * not call into vcow. Keys equal under it are one key.
     */
    int (*compare)(const void *a, size_t alen, const void *b, size_t blen, void *ctx);
    void *compare_ctx; /**< the ctx passed to compare */
    /**
     * Ropes in a cell with history record a small edit as a delta node (the
     * edit over the previous text) instead of copying a chunk and its path,
     * and fold a bounded chain of them into the tree later (vcow/rope.h).
     * true turns that off: every edit copies its path.
     */
    bool rope_no_deltas;
    /**
     * Version 0's time (CLOCK_REALTIME nanoseconds); 0: when the cell is
     * opened. Commits that choose their time (vcow_txn_set_time) cannot go
     * before it: to import a history, open the cell at its beginning.
     */
    int64_t created_ns;
};

/**
 * Open a cell whose versions hold one structure of the given kind
 * (VCOW_KIND_BOX, _MAP, _TREE, _ROPE), starting at version 0, empty.
 * Errors: VCOW_EINVAL (NULL out, unknown kind, bad opts), VCOW_ENOMEM.
 */
VCOW_API int vcow_cell_open(enum vcow_kind kind, const struct vcow_cell_opts *opts,
                            vcow_cell **out);

/**
 * Close a cell and free every version after a grace period. Fails with
 * VCOW_ESTATE (changing nothing) while versions are pinned or transactions
 * are open; with VCOW_ESTATE inside a read section. No call may be made on
 * the cell during or after the call, with one exception: a read section
 * that was already running when close began may go on reading the cell and
 * the versions it loaded until it ends (everything is freed only after a
 * grace period). A read section that begins after close returned must not
 * touch the cell.
 */
VCOW_API int vcow_cell_close(vcow_cell *cell);

/** The kind the cell was opened with; 0 (no kind) for NULL. */
VCOW_API enum vcow_kind vcow_cell_kind(const vcow_cell *cell);

/**
 * The head version. Must be called inside a read section; the version is
 * valid until the section ends (pin it to keep it longer). NULL for NULL.
 * Acquire: everything the version reaches is visible.
 */
VCOW_API const vcow_version *vcow_cell_head(const vcow_cell *cell);

/**
 * Pin the head / the version with sequence number seq / the version that
 * was head at wall-clock time t_ns (CLOCK_REALTIME nanoseconds: the newest
 * version whose time is at or before t_ns). Errors: VCOW_EINVAL (NULL),
 * VCOW_ENOENT (no such version, already trimmed, or t_ns before version 0).
 * May be called inside or outside a read section.
 *
 * As-of is stable: for any t_ns not later than the moment of the call, the
 * answer stays the same version for as long as that version is kept (a
 * version committed later gets a later time, even if the clock steps
 * back). A t_ns in the future answers the head of the moment.
 *
 * A pin of the head writes no memory another thread writes: it takes one
 * of 8 slots of the calling thread (beyond 8 pins held at once, a count in
 * the version). The pointer it returns is then the pin, not the version
 * object: compare versions by vcow_version_seq (and cell), not by pointer.
 * Any thread may unpin it. A version that only such pins hold is not
 * found by pin_at and not listed by vcow_cell_versions; vcow_version_pin
 * of the pin (or of a view made from it) always succeeds.
 * @{
 */
VCOW_API int vcow_cell_pin_head(vcow_cell *cell, vcow_version **out);
VCOW_API int vcow_cell_pin_at(vcow_cell *cell, uint64_t seq, vcow_version **out);
VCOW_API int vcow_cell_pin_as_of(vcow_cell *cell, int64_t t_ns, vcow_version **out);
/** @} */

/**
 * Add a pin to a version the caller already pins (or reads in a section).
 * VCOW_ENOENT when v was read in a read section and has died meanwhile
 * (it stopped being the head and nothing pinned or retained it): the
 * section still reads it, but it can no longer be pinned; pin the head
 * (or pin_at its seq, with history) instead.
 */
VCOW_API int vcow_version_pin(const vcow_version *v, vcow_version **out);

/**
 * Drop a pin. The version may be freed after this (after a grace period).
 * An unpin that ends a long pin releases the garbage it held back: the
 * calling thread frees none of it (committers and the reclaimer do).
 *
 * Misuse stops the process: an unpin of a pin of the head whose slot is
 * already free, or an unpin of a version whose count is already
 * down to what its roles (head, retained by history) own is an unpin too
 * many, and vcow aborts with "vcow: vcow_version_unpin: ..." rather than
 * leave the cell unable to pin its head (every commit would spin). An
 * unpin that takes another holder's pin cannot be told from that holder's
 * own: it is caught only once the count would go below the roles, which
 * may be at a later unpin, commit or trim (the message names that call).
 */
VCOW_API void vcow_version_unpin(vcow_version *v);

/**
 * Views: a nested structure read like a version. A VCOW_T_MAP, VCOW_T_TREE
 * or VCOW_T_ROPE value read from version v (vcow_map_get, _get_path) names
 * a structure nested in v; vcow_view_of fills a caller-owned view and
 * returns it as a version to pass to that structure's reads:
 *
 * @code
 *   vcow_val acc;   vcow_map_get(v, "accounts", &acc);
 *   vcow_view w;    const vcow_version *tv = vcow_view_of(&w, v, acc);
 *   vcow_tree_get(tv, "alice", &bal);
 * @endcode
 *
 * The view is plain data and valid as long as v is (read section or pin).
 * Its seq, time and cell are v's; pinning it pins v (and gives v);
 * unpinning it unpins v. NULL for a NULL view or version or a value that
 * is not a nested structure. nested must have been read from v itself.
 */
typedef struct vcow_view {
    void *opaque_[3]; /**< private */
} vcow_view;
/** @copydoc vcow_view */
VCOW_API const vcow_version *vcow_view_of(vcow_view *view, const vcow_version *v, vcow_val nested);

/**
 * Accessors; valid while the version is pinned or the read section lasts.
 * The time is CLOCK_REALTIME nanoseconds, fixed after the version was
 * published (by its committer, or by the first caller that needs it): it
 * is never earlier than the predecessor's, and later than every time an
 * as-of query already answered, so as-of answers never change. A commit
 * may choose its time (vcow_txn_set_time); the clock is read otherwise.
 * The time is fixed before vcow_txn_commit returns.
 * @{
 */
VCOW_API uint64_t vcow_version_seq(const vcow_version *v);
VCOW_API int64_t vcow_version_time(const vcow_version *v);
VCOW_API vcow_cell *vcow_version_cell(const vcow_version *v);
/** @} */

/** The longest commit tag (vcow_txn_set_tag), bytes. */
#define VCOW_TAG_MAX 256

/**
 * The tag the version's commit set (vcow_txn_set_tag): *tag points into the
 * version (valid as long as it is), *len is 0 when there is none. A view's
 * tag is its version's. Metadata is not data: no diff or equality sees it.
 * Errors: VCOW_EINVAL (NULL, a txn view).
 */
VCOW_API int vcow_version_tag(const vcow_version *v, const void **tag, size_t *len);

/**
 * History. vcow_cell_versions copies up to cap entries describing the live
 * versions with from <= seq <= to, oldest first, and sets *n to how many it
 * copied. vcow_cell_trim drops history retention of every version with seq
 * < keep_from (pinned ones live on until unpinned; the head is never
 * dropped).
 */
struct vcow_version_info {
    uint64_t seq;                    /**< its sequence number */
    int64_t time_ns;                 /**< its commit time (CLOCK_REALTIME nanoseconds) */
    bool pinned_or_retained;         /**< false for the head when history is off */
    uint16_t tag_len;                /**< the length of its commit tag (0: none) */
    unsigned char tag[VCOW_TAG_MAX]; /**< its commit tag, copied (not NUL-terminated) */
};
/**
 * @copydoc vcow_version_info
 * @{
 */
VCOW_API int vcow_cell_versions(vcow_cell *cell, uint64_t from, uint64_t to,
                                struct vcow_version_info *out, size_t cap, size_t *n);
VCOW_API int vcow_cell_trim(vcow_cell *cell, uint64_t keep_from);
/** @} */

/**
 * Transactions. vcow_txn_begin pins the head and starts a private builder
 * on it; structure calls (vcow_box_set, vcow_map_set, ...) change the txn
 * only. A txn belongs to one thread at a time and may live outside read
 * sections and across blocking calls.
 *
 * vcow_txn_commit publishes the txn as version base+1 with one CAS of the
 * cell's head (a release on success: whoever loads the head sees all the
 * txn wrote). Returns:
 * @code{.unparsed}
 *   VCOW_OK        committed; the txn is finished
 *   VCOW_ECONFLICT the head moved since begin (and the txn could not be
 *                  rebased, see vcow_txn_set_rebase); everything the txn
 *                  made is freed, nothing was retired; the txn is finished
 *   VCOW_ECOND     a condition of the txn does not hold (see
 *                  vcow_txn_if_seq); finished as for VCOW_ECONFLICT
 *   VCOW_ENOMEM    nothing changed; the txn is still open (retry or abort)
 *   VCOW_ESTATE    the txn was already finished (commit twice, use after
 *                  commit or abort), or is inside a nested structure
 *                  (vcow_txn_leave first; the txn stays open)
 * @endcode
 * A finished txn answers VCOW_ESTATE to everything but vcow_txn_free.
 * @{
 */
VCOW_API int vcow_txn_begin(vcow_cell *cell, vcow_txn **out);
VCOW_API int vcow_txn_commit(vcow_txn *txn);
VCOW_API int vcow_txn_abort(vcow_txn *txn);
/** @} */
/** Abort if still open, then free the txn object. NULL is ignored. */
VCOW_API void vcow_txn_free(vcow_txn *txn);
/**
 * Leave the nested structure a txn entered (vcow_map_enter, vcow/map.h):
 * its new root is stored in its entry and the txn's writes act on the
 * enclosing structure again. Never fails on an entered txn; VCOW_ESTATE if
 * the txn is finished or not inside a nested structure. Commit refuses a
 * txn that is still inside one (VCOW_ESTATE, the txn stays open).
 */
VCOW_API int vcow_txn_leave(vcow_txn *txn);

/**
 * Commit metadata, recorded in the version the txn commits and read back
 * with vcow_version_time / vcow_version_tag / vcow_cell_versions.
 *
 * vcow_txn_set_time: the commit's time, instead of the clock's (to import
 * history, or mirror another store's revisions). The commit answers
 * VCOW_ERANGE, and the txn stays open, when t_ns is before the base
 * version's time or not after a time an as-of query has already answered
 * (as-of answers never change; see vcow_version_time). If such a query
 * comes while the commit is being published, the version gets the first
 * time after the query's instead: read it back with vcow_version_time.
 *
 * vcow_txn_set_tag: up to VCOW_TAG_MAX bytes (author, reason, a revision),
 * copied; a later call replaces the tag. A version without metadata costs
 * nothing more; with it, 16 bytes plus the tag.
 *
 * Errors: VCOW_EINVAL (NULL, len > VCOW_TAG_MAX), VCOW_ESTATE (finished).
 * @{
 */
VCOW_API int vcow_txn_set_time(vcow_txn *txn, int64_t t_ns);
VCOW_API int vcow_txn_set_tag(vcow_txn *txn, const void *tag, size_t len);
/** @} */

/**
 * Conditional commits and rebase (docs/ARCHITECTURE.md, "Conditional
 * commits and rebase"). A txn may carry conditions; its commit publishes
 * only if they hold, and answers VCOW_ECOND otherwise: nothing is
 * committed and the txn is finished, everything it made freed, as for
 * VCOW_ECONFLICT. vcow_cell_update does not retry VCOW_ECOND (running fn
 * again on a newer head cannot make a failed condition hold); it returns it.
 *
 * vcow_txn_if_seq: commit only if the head is still version seq when the
 * commit publishes (an HTTP If-Match). The txn's base must be seq (else
 * the commit fails), and a txn that loses its CAS with this condition
 * answers VCOW_ECOND, not VCOW_ECONFLICT, and never rebases.
 *
 * Per-key conditions of map and tree cells (vcow_map_if_unchanged,
 * vcow_map_if_unchanged_since, vcow_map_if_equal and the tree's alike,
 * vcow/map.h) name keys of the cell's own structure. A key is written by a
 * version when its value there differs from its value in the version
 * before: added, removed, changed (bytes by content, numbers by bit
 * pattern, a nested structure by identity, so any commit that changed
 * something inside it). A put of the value the key already holds is no
 * write; a change and a change back are two (as etcd's mod_revision, but
 * by value). A condition is checked against the txn's base when it is
 * added (a failure is remembered for the commit), and again against the
 * new head if the txn rebases.
 *
 * vcow_txn_set_rebase(txn, true): when the commit loses its CAS, the txn
 * is moved onto the new head instead of failing, if the commits in
 * between changed no key the txn read and none it wrote, and its
 * conditions hold on the new head; the commit then tries again. Reads
 * count when made through vcow_txn_view(txn) with vcow_map_get /
 * vcow_map_contains (by key); any other read through the view (iteration,
 * len, paths, diff, a nested structure) counts as a read of every key.
 * Reads made elsewhere (vcow_txn_base, the head in a read section) are not
 * seen: name such keys with vcow_map_if_unchanged. A key the txn wrote
 * counts at node granularity: another commit's change of a key that lies
 * in a map node the txn copied is a conflict even if the txn wrote
 * another key of that node (false conflicts, never lost updates). A txn
 * that changed a nested structure's content, or that is a vcow_txn_if_seq
 * txn, conflicts instead of rebasing. Opt-in, because the code written for
 * VCOW_ECONFLICT may rely on reads rebase cannot see. Map cells only
 * (VCOW_EINVAL for other kinds); VCOW_ESTATE once the txn has read through
 * its view (those reads were not recorded). Values read through the view
 * before a rebase point into nodes the rebase frees.
 *
 * Errors: VCOW_EINVAL (NULL), VCOW_ESTATE (finished txn), VCOW_ENOMEM
 * (vcow_txn_if_seq: nothing changed).
 * @{
 */
VCOW_API int vcow_txn_if_seq(vcow_txn *txn, uint64_t seq);
VCOW_API int vcow_txn_set_rebase(vcow_txn *txn, bool on);
/** @} */

/** The version the txn started from (pinned by the txn while it is open). */
VCOW_API const vcow_version *vcow_txn_base(const vcow_txn *txn);

/**
 * The txn's current state, read like a version: every read of a version
 * (vcow_box_get, vcow_map_get, vcow_tree_range, vcow_rope_copy, the
 * checkers, ...) called on it sees what the txn has written so far, inside
 * the nested structure it has entered if any (vcow_map_enter). The same
 * pointer follows every later write; it is valid until the txn is
 * committed, aborted or freed (NULL for a finished txn; reads through a
 * pointer taken before the txn finished then fail with VCOW_EINVAL). It is
 * no pin: vcow_version_pin refuses it (VCOW_EINVAL), and its seq, time and
 * cell are the base's. Like the txn, one thread at a time.
 */
VCOW_API const vcow_version *vcow_txn_view(const vcow_txn *txn);

/**
 * Run fn on a txn begun on the head and commit; on VCOW_ECONFLICT (not on
 * VCOW_ECOND, see above) begin
 * again on the new head and re-run fn, with exponential backoff
 * (ConcurrencyKit's ck_backoff) between attempts. fn may therefore run
 * several times and must have no side effects outside the txn. If fn
 * returns anything but VCOW_OK the txn is aborted and that value returned.
 * On success *seq (if not NULL) receives the committed sequence number.
 * @{
 */
typedef int vcow_update_fn(vcow_txn *txn, void *ctx);
VCOW_API int vcow_cell_update(vcow_cell *cell, vcow_update_fn *fn, void *ctx, uint64_t *seq);
/** @} */

/** What vcow_cell_get_stats reports about a cell. */
struct vcow_cell_stats {
    uint64_t head_seq;      /**< the head's sequence number */
    uint64_t live_versions; /**< head + retained + pinned */
    uint64_t oldest_seq;    /**< the oldest live version */
    int64_t oldest_age_ns;  /**< now - its commit time */
    /**
     * Everything old versions hold that is not yet freed (held back by a
     * pin or history, or in flight to the reclaimer): retired nodes, the
     * retire lists' chunks and the version objects of replaced versions.
     * 0 when only the head lives and the reclaimer has caught up.
     */
    uint64_t held_bytes;
    /**
     * Of those, what was handed to the reclaimer and it has not freed
     * yet: never more than max_pending_bytes. Garbage past the bound waits
     * on the cell's backlog instead, which committers free (backpressure)
     * and which goes to the reclaimer when the cell is quiet; it shows in
     * held_bytes until freed.
     */
    uint64_t pending_bytes;
    uint64_t pending_peak_bytes; /**< the most pending_bytes has been */
    uint64_t max_pending_bytes;  /**< the backpressure bound */
    /** Commits that published a version; commits that failed with VCOW_ECONFLICT. @{ */
    uint64_t commits, conflicts;
    /** @} */
    uint64_t helped;               /**< commits that freed garbage themselves */
    int64_t nodes[VCOW_MEM_COUNT]; /**< live nodes of this cell, by memory class */
    int64_t bytes[VCOW_MEM_COUNT]; /**< and their bytes */
};
/** Fill out with the cell's figures now (see struct vcow_cell_stats). */
VCOW_API int vcow_cell_get_stats(vcow_cell *cell, struct vcow_cell_stats *out);

/**
 * Wait for a commit: block until the head's seq is greater than after_seq,
 * or until timeout_ns nanoseconds have passed (CLOCK_MONOTONIC; < 0: no
 * limit; 0: only look). Returns VCOW_OK when the head is past after_seq
 * (at once if it already is), VCOW_EAGAIN when the timeout passed first
 * (never earlier than timeout_ns), VCOW_EINVAL for a NULL cell and
 * VCOW_ESTATE inside a read section (the wait would stall grace periods).
 * With VCOW_OK and VCOW_EAGAIN, *head_seq (if not NULL) receives the
 * head's seq as last seen; read that version, or every version after the
 * one you last saw, with pins (vcow_cell_pin_at) or in a read section.
 *
 * @code
 *   uint64_t seen = 0;
 *   while (vcow_cell_wait(c, seen, -1, &seen) == VCOW_OK)
 *       show(c, seen);   // several commits may have happened meanwhile
 * @endcode
 *
 * Blocking by design: the caller sleeps on a futex, and a commit that
 * finds threads waiting wakes them all (one FUTEX_WAKE; it does not block
 * the committer). A commit with nobody waiting and no armed watch fd makes
 * no system call: it reads one word after its CAS. No wake-up is lost
 * (the argument is at the top of runtime/watch.c), but one may come late:
 * a committer preempted between its CAS and its look at the waiters wakes
 * them when it runs again (or the next commit does). Under urcu-qsbr the
 * calling thread is offline while it sleeps (vcow/gc.h). Outside read
 * sections only; any thread; any number of waiters on one cell.
 */
VCOW_API int vcow_cell_wait(vcow_cell *cell, uint64_t after_seq, int64_t timeout_ns,
                            uint64_t *head_seq);

/**
 * A file descriptor that becomes readable when the cell commits, for
 * event loops (epoll, poll, libmicrohttpd's external select): an eventfd
 * (EFD_NONBLOCK, EFD_CLOEXEC) that the cell owns and vcow_cell_close
 * closes. Made on the first call; every call returns the same fd (threads
 * racing to make it agree on one) and arms it: the first commit after
 * the call, or after the last vcow_cell_watch_ack, makes it readable. A
 * burst of commits makes it readable once, and costs one write(2) in
 * all; commits while it is readable (not yet acknowledged) make no system
 * call. Errors: VCOW_EINVAL (NULL), VCOW_ENOMEM, VCOW_EDEPS (eventfd
 * failed, e.g. the process is out of file descriptors). Lock-free.
 *
 * @code
 *   int fd;  vcow_cell_watch_fd(c, &fd);
 *   uint64_t seen;  vcow_cell_watch_ack(c, &seen);   // where we start
 *   struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
 *   epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
 *   ...  // on EPOLLIN:
 *   uint64_t head;  vcow_cell_watch_ack(c, &head);
 *   if (head > seen) { read versions seen+1 .. head;  seen = head; }
 * @endcode
 *
 * Do not read the fd yourself; acknowledge with vcow_cell_watch_ack, which
 * drains it, arms it again and returns the head's seq: compare it with the
 * last seq you saw. The fd may be readable with no newer version (a
 * commit that raced with the ack): the comparison tells. No commit after
 * an ack goes unsignalled (runtime/watch.c (c)).
 */
VCOW_API int vcow_cell_watch_fd(vcow_cell *cell, int *fd);

/**
 * Acknowledge the watch fd (see vcow_cell_watch_fd): drain it, re-arm it,
 * and set *head_seq (if not NULL) to the head's seq, read after re-arming.
 * Errors: VCOW_EINVAL (NULL cell), VCOW_ESTATE (no vcow_cell_watch_fd was
 * made yet). Wait-free (one read(2) of a non-blocking eventfd); inside or
 * outside read sections.
 */
VCOW_API int vcow_cell_watch_ack(vcow_cell *cell, uint64_t *head_seq);

VCOW_END_DECLS

#endif
