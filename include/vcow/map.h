/**
 * @file vcow/map.h
 * a persistent hash map (CHAMP: Steindorfer & Vinju, OOPSLA
 * 2015) whose versions live in a cell. Open it with
 * vcow_cell_open(VCOW_KIND_MAP, ...); version 0 is the empty map.
 *
 * @code
 *   vcow_txn *t;  vcow_txn_begin(cell, &t);
 *   vcow_map_set(t, "port", vcow_val_i64(8080));
 *   vcow_map_set_path(t, "db.primary.host", vcow_val_bytes("10.0.0.1", 8));
 *   vcow_txn_commit(t);  vcow_txn_free(t);
 *
 *   vcow_read_lock();
 *   vcow_val v;
 *   vcow_map_get(vcow_cell_head(cell), "port", &v);
 *   vcow_read_unlock();
 * @endcode
 *
 * Keys are byte strings of 0 .. VCOW_MAP_KEY_MAX bytes (the empty key is a
 * key, as in a tree; a path cannot name it, see below). Every call that
 * takes one key has two forms: vcow_map_get(v, "port", &val) takes a C
 * string, vcow_map_getn(v, key, klen, &val) any bytes. Values are bytes (up to VCOW_VAL_MAX_BYTES),
 * i64, f64, bool or a nested structure: a map (VCOW_T_MAP), an ordered tree (VCOW_T_TREE,
 * vcow/tree.h) or a rope (VCOW_T_ROPE, vcow/rope.h).
 *
 * Nested maps. A VCOW_T_MAP value read from a version carries the nested
 * map's root in u.root (NULL for an empty map): an opaque pointer into the
 * version, to compare or ignore; read nested maps through paths
 * (vcow_map_get_path). A nested map can only be created empty:
 * vcow_map_set with a VCOW_T_MAP value whose u.root is NULL stores a new
 * empty map; any other u.root is VCOW_EINVAL (storing a root taken from
 * another key or version would make one subtree reachable twice). Fill it
 * through paths: vcow_map_set_path(t, "a.b.c", v) walks the '.'-separated
 * keys "a", "b" through nested maps (creating missing ones) and sets "c".
 * A path segment cannot contain '.', and no segment may be empty. A path
 * has at most 64 segments: a deeper one is VCOW_EINVAL in every path call.
 *
 * Nested trees and ropes (and maps) in one txn. vcow_map_enter(t, path,
 * kind) points the txn's writes at the structure at path, creating an empty
 * one (and missing maps on the way) if the key is missing, until
 * vcow_txn_leave(t) stores it back; so one commit can change a map, a tree
 * and a rope of one cell together:
 *
 * @code
 *   vcow_map_enter(t, "ledger", VCOW_KIND_TREE);
 *   vcow_tree_set(t, "alice", vcow_val_i64(90));
 *   vcow_txn_leave(t);
 *   vcow_map_enter(t, "log", VCOW_KIND_ROPE);
 *   vcow_rope_append(t, "alice -10\n", 10);
 *   vcow_txn_leave(t);
 *   vcow_map_set(t, "count", vcow_val_i64(n + 1));
 *   vcow_txn_commit(t);
 * @endcode
 *
 * A nested tree follows its cell's options (its comparator), a nested rope
 * its cell's history (delta nodes). Read them through views: a nested value
 * read from a version (VCOW_T_TREE etc., u.root) becomes a version for
 * vcow_tree_* / vcow_rope_* reads with vcow_view_of (vcow/cell.h), or in
 * one step with vcow_map_view_path. Equality and diff compare nested trees
 * and ropes by content (shared roots are equal without a look).
 *
 * Concurrency: the version reads (vcow_map_get, _contains, _len, _iter,
 * _equal, _diff, _get_path) run inside a read section or on a pinned
 * version, never lock, and may run in any number of threads at once. Values
 * and keys they hand out point into the version and stay valid as long as
 * the section or the pin lasts. The txn calls follow vcow/cell.h: a txn
 * belongs to one thread. Reads through vcow_txn_view(txn) see the txn's
 * current state; values they hand out point into the txn's own nodes and
 * are valid only until the txn's next write.
 *
 * Errors: VCOW_EINVAL (NULL, bad key, bad value, not a map cell or
 * version, a path through a non-map value), VCOW_ENOENT (no such key / path),
 * VCOW_ESTATE (finished txn), VCOW_ENOMEM (nothing changed: the txn is
 * exactly as before the call).
 */
#ifndef VCOW_MAP_H
#define VCOW_MAP_H

#include <vcow/cell.h>

VCOW_BEGIN_DECLS

/**
 * The longest key (bytes). Keys of 1..15 bytes are stored inline in the
 * node's 32-byte entry, longer ones in a blob; a value's bytes are inline
 * when they and the NUL that follows them (vcow/val.h) fit in what the
 * entry has left (values of up to 16 bytes with a 12-byte key).
 */
#define VCOW_MAP_KEY_MAX ((size_t)1 << 16)

/* ---- reads on a version (read section or pin) ---- */

/**
 * Look up key (a C string; the n form takes any bytes). out may be NULL
 * to test presence only. VCOW_ENOENT when absent.
 * @{
 */
VCOW_API int vcow_map_get(const vcow_version *v, const char *key, vcow_val *out);
VCOW_API int vcow_map_getn(const vcow_version *v, const void *key, size_t klen, vcow_val *out);
/** @} */

/** *out = whether key is present. Errors: VCOW_EINVAL. @{ */
VCOW_API int vcow_map_contains(const vcow_version *v, const char *key, bool *out);
VCOW_API int vcow_map_containsn(const vcow_version *v, const void *key, size_t klen, bool *out);
/** @} */

/** Number of entries, in *out. O(1). Errors: VCOW_EINVAL. */
VCOW_API int vcow_map_len(const vcow_version *v, uint64_t *out);

/**
 * Call fn for every entry, in the map's deterministic order (one version's
 * order is the same on every call and in every thread; equal maps iterate
 * in the same order). Stops when fn returns non-zero and returns that
 * value; VCOW_OK after the last entry.
 */
VCOW_API int vcow_map_iter(const vcow_version *v, vcow_visit_fn *fn, void *ctx);

/**
 * Resumable iteration: visit the entries from position *pos on, in
 * vcow_map_iter's order, and leave in *pos the position after the last
 * entry visited (the one fn stopped on counts as visited), so a later call
 * goes on from there: a page of 100 is fn returning 1 at its 100th call.
 * Positions run from 0 to the map's len; *pos == len visits nothing.
 * Reaching *pos skips whole subtrees by their counts: O(log n), not O(*pos).
 * A position belongs to one version: pin the version (vcow_cell_pin_head)
 * to page through it across read sections; on another version it is just
 * an ordinal, and entries changed in between may be seen twice or missed.
 * Returns what fn returned when it stopped the walk, else VCOW_OK.
 * Errors: VCOW_EINVAL (NULL, not a map), VCOW_ERANGE (*pos > len).
 */
VCOW_API int vcow_map_iter_from(const vcow_version *v, uint64_t *pos, vcow_visit_fn *fn, void *ctx);

/**
 * Do two versions (of any map cells) hold the same entries? Nested maps
 * compare by content; doubles compare by bit pattern. Sub-trees shared by
 * the two versions are skipped by pointer equality. Sets *eq.
 */
VCOW_API int vcow_map_equal(const vcow_version *a, const vcow_version *b, bool *eq);

/**
 * diff: call fn (vcow/val.h) for every key whose entry differs from a to
 * b: before NULL for an added key, after NULL for a removed one, both set
 * for a changed one (a nested map whose content changed is "changed").
 * Sub-trees shared by a and b (pointer-equal) are skipped, so two versions
 * of one lineage diff in time proportional to the change, not the size.
 * Each differing key is reported once, in a deterministic order. fn
 * returning non-zero stops the diff and that value is returned.
 */
VCOW_API int vcow_map_diff(const vcow_version *a, const vcow_version *b, vcow_diff_fn *fn,
                           void *ctx);

/**
 * Read the value at a '.'-separated path (see above). VCOW_ENOENT when a
 * key on the way is missing, VCOW_EINVAL when the path goes through a
 * value that is not a map.
 */
VCOW_API int vcow_map_get_path(const vcow_version *v, const char *path, vcow_val *out);

/**
 * The nested map at a '.'-separated path ("" = the version's own map):
 * iterate it, or diff the maps at the same path of two versions (a map
 * present on one side only diffs against an empty map). VCOW_ENOENT when
 * the path is missing (on both sides, for diff), VCOW_EINVAL when it names
 * a value that is not a map.
 * @{
 */
VCOW_API int vcow_map_iter_path(const vcow_version *v, const char *path, vcow_visit_fn *fn,
                                void *ctx);
VCOW_API int vcow_map_diff_path(const vcow_version *a, const vcow_version *b, const char *path,
                                vcow_diff_fn *fn, void *ctx);
/** @} */

/* ---- writes on a txn ---- */

/**
 * Insert or overwrite (key and bytes are copied). A node the txn already
 * created is changed in place; a published node is copied once per txn.
 * @{
 */
VCOW_API int vcow_map_set(vcow_txn *txn, const char *key, vcow_val val);
VCOW_API int vcow_map_setn(vcow_txn *txn, const void *key, size_t klen, vcow_val val);
/** @} */

/** Remove key. VCOW_ENOENT (txn unchanged) when absent. @{ */
VCOW_API int vcow_map_del(vcow_txn *txn, const char *key);
VCOW_API int vcow_map_deln(vcow_txn *txn, const void *key, size_t klen);
/** @} */

/**
 * Set / remove the entry at a '.'-separated path. set creates missing
 * intermediate maps; VCOW_EINVAL when an intermediate key holds a value
 * that is not a map. del: VCOW_ENOENT when something on the path is missing.
 * On VCOW_ENOMEM the map's content is unchanged (some of its nodes may
 * have been copied into the txn already).
 * @{
 */
VCOW_API int vcow_map_set_path(vcow_txn *txn, const char *path, vcow_val val);
VCOW_API int vcow_map_del_path(vcow_txn *txn, const char *path);
/** @} */

/**
 * Edit the nested structure of `kind` (VCOW_KIND_MAP, _TREE or _ROPE) at
 * path until vcow_txn_leave (see above). Enters nest up to 8 levels
 * (VCOW_ERANGE beyond). Errors: VCOW_EINVAL (bad path or kind, the entry
 * holds another type, a path through a non-map value, the txn is not on a
 * map), VCOW_ESTATE, VCOW_ENOMEM (the map's content unchanged; the txn is
 * not entered).
 */
VCOW_API int vcow_map_enter(vcow_txn *txn, const char *path, enum vcow_kind kind);

/**
 * The nested structure at path of version v as a version (*out) backed by
 * the caller's view: vcow_map_get_path + vcow_view_of. Errors as for
 * vcow_map_get_path, and VCOW_EINVAL when the value is not a nested
 * structure.
 */
VCOW_API int vcow_map_view_path(const vcow_version *v, const char *path, vcow_view *view,
                                const vcow_version **out);

/* ---- cell conveniences: one-op txns through vcow_cell_update ---- */

/** Set key to val in one commit; *seq (if not NULL) receives its sequence number. @{ */
VCOW_API int vcow_map_cell_set(vcow_cell *cell, const char *key, vcow_val val, uint64_t *seq);
VCOW_API int vcow_map_cell_setn(vcow_cell *cell, const void *key, size_t klen, vcow_val val,
                                uint64_t *seq);
/** @} */
/** Remove key in one commit; *seq as for vcow_map_cell_set. @{ */
VCOW_API int vcow_map_cell_del(vcow_cell *cell, const char *key, uint64_t *seq);
VCOW_API int vcow_map_cell_deln(vcow_cell *cell, const void *key, size_t klen, uint64_t *seq);
/** @} */

/**
 * Read key from the head inside an internal read section and copy the
 * value out, so the result is valid after the call. Bytes go to buf
 * (cap bytes); out->u.bytes points into buf. VCOW_ERANGE when cap is too
 * small (out->u.bytes.len then holds the length needed, ptr is NULL).
 * A nested map is reported as type VCOW_T_MAP with u.root = NULL (read
 * it with vcow_map_get_path inside your own read section).
 * May be called inside or outside a read section (sections nest).
 * @{
 */
VCOW_API int vcow_map_cell_get(vcow_cell *cell, const char *key, vcow_val *out, void *buf,
                               size_t cap);
VCOW_API int vcow_map_cell_getn(vcow_cell *cell, const void *key, size_t klen, vcow_val *out,
                                void *buf, size_t cap);
/** @} */

/* ---- debugging ---- */

/**
 * Check every invariant of the map and of its nested maps: bitmaps,
 * node sizes, counts, hash placement, CHAMP's canonical form (no non-root
 * node holding a single entry, collision nodes only at full depth, sorted,
 * with >= 2 keys), inline/blob placement. VCOW_OK or VCOW_ECORRUPT (with a
 * line on stderr). O(size): for tests.
 * @{
 */
VCOW_API int vcow_map_check(const vcow_version *v);
/** @} */

VCOW_END_DECLS

#endif
