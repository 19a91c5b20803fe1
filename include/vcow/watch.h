/**
 * @file vcow/watch.h
 * key and prefix watches: wait until a commit changes something under a
 * key, a path or a key prefix of a map or tree cell, then hear what
 * changed, as a diff.
 *
 * A watch pins one version of its cell, the last one its owner has seen,
 * and vcow_watch_next delivers the difference between that version and a
 * newer head, restricted to what the watch looks at, then moves its pin to
 * that head. The pin holds the version alive, so history trimming
 * (vcow_cell_trim, a keep_last policy) or a cell without history never
 * takes it away: a watch sees every change, however late it asks.
 *
 * @code
 *   vcow_watch *w;
 *   vcow_map_watch_open(cell, "db.primary", NULL, &w);   // from the head
 *   // the state it starts from: vcow_watch_version(w) (pinned)
 *   for (;;) {
 *       int rc = vcow_watch_next(w, -1, on_change, ctx); // blocks
 *       if (rc != VCOW_OK) break;
 *   }
 *   vcow_watch_close(w);
 * @endcode
 *
 * What a watch looks at:
 *   - a map cell (vcow_map_watch_open): the value at a path (vcow/map.h
 *     "Paths"; "" is the whole map), and everything nested in it. Changes
 *     are reported as vcow_map_diff_deep reports them: one call per leaf
 *     (a scalar, bytes, a rope, an empty map / array / tree) whose value
 *     differs, named by its path relative to the watched path, escaped
 *     ("port", "servers.1.host"); a watched path that names a leaf itself
 *     reports it under the empty key. A path that is missing, or runs
 *     through a value that is neither map nor array, holds nothing: when
 *     it appears, its leaves are reported as added. A watch on one key is
 *     the path of that key (vcow_map_path_escape it if it holds '.' or a
 *     backslash).
 *     Why a path and not a byte prefix of top-level keys: the map is
 *     ordered by hash, so keys that share a prefix are scattered through
 *     the whole map and a byte-prefix watch could only filter the diff of
 *     everything, paying for every change of the map; a nested map under
 *     a path is one subtree, so its diff skips the rest of the map by
 *     pointer and costs only what changed under it. Group keys you want
 *     to watch together under one path.
 *   - a tree cell (vcow_tree_watch_open): the keys that start with a byte
 *     prefix (the empty prefix: the whole tree), or with VCOW_WATCH_EXACT
 *     the one key equal to it. The keys of a prefix are one range of a
 *     tree in memcmp order, [prefix, the next prefix), and the diff walks
 *     that range only (vcow_tree_diff_range): the rest of the tree costs
 *     nothing. Changes are reported as vcow_tree_diff reports them, full
 *     keys in key order. Under a cell comparator a prefix is not a range:
 *     a non-empty prefix without VCOW_WATCH_EXACT is VCOW_EINVAL there.
 *
 * What a watch delivers is the net difference between two versions, not
 * the list of commits between them: a key set and set back in between is
 * not reported, two changes of one key are reported once (with the value
 * the watch saw before and the newest). Applying the calls in order to a
 * copy of what vcow_watch_version showed gives the new version's content
 * under the watched key (tests/runtime/test_keywatch.c does this against
 * concurrent writers).
 *
 * Cost. A watch adds nothing to commits: vcow_watch_next sleeps in
 * vcow_cell_wait (vcow/cell.h), so a commit with nobody waiting still
 * makes no system call, and one with sleepers makes one wake. A commit
 * that changes nothing under the watch wakes it; it diffs (O(changes under
 * the key), skipping all else by pointer for a tree range or a path), finds
 * nothing, moves its pin and sleeps again.
 *
 * Event loops: the cell's watch fd (vcow_cell_watch_fd) becomes readable
 * on commits; on each, vcow_cell_watch_ack it, then call vcow_watch_next
 * with timeout 0 on each watch of that cell: it delivers what changed
 * under the watch, or answers VCOW_EAGAIN at once.
 *
 * Threads and sections: a watch belongs to one thread at a time.
 * vcow_watch_next must be called outside read sections (it may sleep, and
 * fn may do anything but use the same watch). The open calls and
 * vcow_watch_version / _seq / _close may be called anywhere. A watch pins a
 * version: close every watch before its cell (vcow_cell_close answers
 * VCOW_ESTATE while versions are pinned), and do not leave one unread for
 * long where garbage matters (a pin holds back what newer commits retire,
 * vcow_cell_get_stats).
 */
#ifndef VCOW_WATCH_H
#define VCOW_WATCH_H

#include <vcow/cell.h>

VCOW_BEGIN_DECLS

/** A key, path or prefix watch (opaque). */
typedef struct vcow_watch vcow_watch;

/** vcow_tree_watch_open's flags. */
enum {
    VCOW_WATCH_EXACT = 1, /**< the one key equal to the bytes given, not a prefix */
};

/**
 * Open a watch on the value at path of a map cell / on the keys of a tree
 * cell that start with prefix (plen bytes; NULL with plen 0 is the whole
 * tree), or are equal to it with VCOW_WATCH_EXACT. The path or prefix is
 * copied.
 *
 * from: the version the watch starts from. NULL: the head. Else a version
 * of this cell (not a view or a txn view) that the caller pins or reads
 * in a read section, e.g. vcow_cell_pin_at(cell, n, &v) to hear what
 * changed since version n; the watch takes its own pin.
 *
 * Errors: VCOW_EINVAL (NULL cell or out, a cell of another kind, a bad
 * path (vcow/map.h), a key over VCOW_TREE_MAX_KEY, unknown flags, a
 * non-empty prefix under a cell comparator, from not a version of the
 * cell), VCOW_ENOENT (from died before it could be pinned, see
 * vcow_version_pin), VCOW_ENOMEM.
 * @{
 */
VCOW_API int vcow_map_watch_open(vcow_cell *cell, const char *path, const vcow_version *from,
                                 vcow_watch **out);
VCOW_API int vcow_tree_watch_open(vcow_cell *cell, const void *prefix, size_t plen, unsigned flags,
                                  const vcow_version *from, vcow_watch **out);
/** @} */

/**
 * Wait until the head differs from the watch's version under what it
 * watches, then call fn(key, before, after, ctx) (vcow/val.h) for each
 * difference, and move the watch to that head. Commits that change
 * nothing watched are passed over (the watch moves to them without a
 * call). timeout_ns as vcow_cell_wait's: < 0 no limit, 0 only look.
 *
 * Keys and values fn gets point into the two versions and are valid
 * during the call only (copy what you keep); the versions are pinned, no
 * read section is needed, and fn may block.
 *
 * Returns VCOW_OK (fn was called at least once; the watch is on the new
 * version), VCOW_EAGAIN (the timeout passed and nothing watched changed;
 * the watch may have moved past commits that changed nothing), fn's value
 * when fn returned non-zero (the watch stays where it was: the next call
 * delivers the same differences again, and what came since), VCOW_EINVAL
 * (NULL w or fn), VCOW_ESTATE (inside a read section), VCOW_ENOMEM (a
 * path past 256 bytes found no memory; the watch stays where it was). After
 * fn's stop or VCOW_ENOMEM, fn may have heard part of the differences:
 * the next call delivers all of them again, from the same version, so
 * apply a delivery only once the call returned VCOW_OK (or keep what fn
 * heard and start over when it did not).
 */
VCOW_API int vcow_watch_next(vcow_watch *w, int64_t timeout_ns, vcow_diff_fn *fn, void *ctx);

/**
 * The version the watch is on (the last one vcow_watch_next delivered, or
 * the one it was opened from): read what is under the watched key there
 * to start a copy. Valid until the next vcow_watch_next or close; no read
 * section needed. NULL for NULL.
 */
VCOW_API const vcow_version *vcow_watch_version(const vcow_watch *w);

/** The seq of vcow_watch_version(w); 0 for NULL. */
VCOW_API uint64_t vcow_watch_seq(const vcow_watch *w);

/** Drop the watch's pin and free it. NULL is ignored. */
VCOW_API void vcow_watch_close(vcow_watch *w);

VCOW_END_DECLS

#endif
