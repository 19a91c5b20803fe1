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
 * string, vcow_map_getn(v, key, klen, &val) any bytes. Values are bytes (up
 * to VCOW_VAL_MAX_BYTES), i64, f64, bool or a nested structure: a map
 * (VCOW_T_MAP), an array (VCOW_T_ARRAY), an ordered tree (VCOW_T_TREE,
 * vcow/tree.h) or a rope (VCOW_T_ROPE, vcow/rope.h).
 *
 * Nested maps. A VCOW_T_MAP value read from a version carries the nested
 * map's root in u.root (NULL for an empty map): an opaque pointer into the
 * version, to compare or ignore; read nested maps through paths
 * (vcow_map_get_path). A nested structure can only be created empty:
 * vcow_map_set with a VCOW_T_MAP value whose u.root is NULL
 * (vcow_val_map()) stores a new empty map; any other u.root is VCOW_EINVAL
 * (storing a root taken from another key or version would make one subtree
 * reachable twice). Fill it through paths: vcow_map_set_path(t, "a.b.c", v)
 * walks the '.'-separated keys "a", "b" through nested maps (creating
 * missing ones, as maps) and sets "c".
 *
 * Paths. A path is keys separated by '.'; in a key a backslash takes the
 * next character as it is: the path `a\.b` (the C literal `"a\\.b"`) is
 * the one key "a.b", and `\\` is a backslash, so any key but two can be
 * named: vcow_map_path_escape writes a key in that form. A trailing lone
 * backslash, an empty segment and a path of more than 64 segments are
 * VCOW_EINVAL in every path call. So no path names the empty key (an empty
 * segment; "" as a whole is the top map where a call takes it) or a key
 * holding a NUL byte (a path is a C string): read those through a view of
 * the map that holds them, e.g. vcow_map_view_path(v, "a", &w, &m) then
 * vcow_map_getn(m, "", 0, &val). A path with escapes longer than 512 bytes
 * is decoded into an allocation: then any path call may also answer
 * VCOW_ENOMEM.
 *
 * Arrays. A VCOW_T_ARRAY value is a nested map whose keys are exactly the
 * decimal indices "0".."n-1" (canonical: no sign, no leading zero), so it
 * shares the map's nodes, reads and costs, and its length is the map's
 * count. Store an empty one with vcow_map_set(t, "servers",
 * vcow_val_array()) (only an empty one, as for maps) and fill it through
 * paths; a path segment on an array is an index:
 *
 * @code
 *   vcow_map_set(t, "servers", vcow_val_array());
 *   vcow_map_set_path(t, "servers.-.host", vcow_val_str("a"));  // appends {host: "a"}
 *   vcow_map_set_path(t, "servers.-", vcow_val_i64(7));         // appends 7
 *   vcow_map_set_path(t, "servers.0.port", vcow_val_i64(80));   // into element 0
 *   vcow_map_del_path(t, "servers.0");                          // 7 is now element 0
 * @endcode
 *
 *   - reads ("servers.1.host"): an index < len; one >= len, and "-", are
 *     VCOW_ENOENT;
 *   - vcow_map_set_path and vcow_map_enter: index i < len replaces element
 *     i, i == len or "-" (the index len, as in JSON Pointer) appends (a
 *     "-" or len inside the path appends a new map, as a missing key
 *     does), i > len is VCOW_ERANGE; an array holds fewer than 10^15
 *     elements (VCOW_ERANGE);
 *   - vcow_map_del_path of element i moves every later element down one
 *     index, so the array stays dense: O((n - i) log n);
 *   - a segment that is not an index ("01", "-1", "x") is VCOW_EINVAL.
 *
 * vcow_map_iter_path visits an array's elements in index order (keys "0",
 * "1", ...); vcow_map_view_path makes a map version of it, on which
 * vcow_map_len counts the elements, vcow_map_iter visits them in index
 * order, paths start with an index and vcow_map_getn takes the index's
 * digits as the key. Equality and diff compare arrays element by element
 * (by index); an array never equals a map. vcow_map_check checks that an
 * array's keys are exactly "0".."n-1". An array cannot be entered as a map
 * (vcow_map_enter answers VCOW_EINVAL: map writes would break it), but a
 * map inside one can: vcow_map_enter(t, "servers.0", VCOW_KIND_MAP).
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
 * _equal, _diff, _get_path, _iter_path, _diff_path, _diff_deep,
 * _view_path) run inside a read section or on a pinned version, never lock, and may run in any
 * number of threads at once. Values and keys they hand out point into the version and stay valid as
 * long as the section or the pin lasts. The txn calls follow vcow/cell.h: a txn belongs to one
 * thread. Reads through vcow_txn_view(txn) see the txn's current state; values they hand out point
 * into the txn's own nodes and are valid only until the txn's next write.
 *
 * Errors: VCOW_EINVAL (NULL, bad key, bad value, bad path, not a map
 * cell or version, a path through a value that is neither a map nor an
 * array, a segment on an array that is not an index), VCOW_ENOENT (no such
 * key / path), VCOW_ERANGE (an index past an array's end, a buffer too
 * small), VCOW_ESTATE (finished txn), VCOW_ENOMEM (nothing changed: the
 * txn is exactly as before the call).
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
 * in the same order; a view of an array goes in index order). Stops when
 * fn returns non-zero and returns that value; VCOW_OK after the last entry.
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
 * and arrays compare by content (an array never equals a map); doubles compare by bit pattern.
 * Sub-trees shared by the two versions are skipped by pointer equality. Sets *eq.
 */
VCOW_API int vcow_map_equal(const vcow_version *a, const vcow_version *b, bool *eq);

/**
 * diff: call fn (vcow/val.h) for every key whose entry differs from a to
 * b: before NULL for an added key, after NULL for a removed one, both set
 * for a changed one (a nested map or array whose content changed is
 * "changed": vcow_map_diff_deep looks inside).
 * Sub-trees shared by a and b (pointer-equal) are skipped, so two versions
 * of one lineage diff in time proportional to the change, not the size.
 * Each differing key is reported once, in a deterministic order. fn
 * returning non-zero stops the diff and that value is returned.
 */
VCOW_API int vcow_map_diff(const vcow_version *a, const vcow_version *b, vcow_diff_fn *fn,
                           void *ctx);

/**
 * Read the value at a path (see "Paths" and "Arrays" above). VCOW_ENOENT
 * when a key or index on the way is missing, VCOW_EINVAL for a bad path or
 * one that goes through a value that is neither a map nor an array.
 */
VCOW_API int vcow_map_get_path(const vcow_version *v, const char *path, vcow_val *out);

/**
 * The nested map or array at a path ("" = the version's own map, or the
 * array a view is of): iterate it (an array in index order), or diff the
 * maps at the same path of two versions (a map present on one side only
 * diffs against an empty map; arrays diff by index, in the map's order).
 * VCOW_ENOENT when the path is missing (on both sides, for diff),
 * VCOW_EINVAL when it names a value that is neither a map nor an array.
 * @{
 */
VCOW_API int vcow_map_iter_path(const vcow_version *v, const char *path, vcow_visit_fn *fn,
                                void *ctx);
VCOW_API int vcow_map_diff_path(const vcow_version *a, const vcow_version *b, const char *path,
                                vcow_diff_fn *fn, void *ctx);
/** @} */

/**
 * The recursive diff: as vcow_map_diff_path (same path rules and errors),
 * but fn hears of leaves, each by its path relative to `path`, escaped
 * (e.g. "accounts.alice", "servers.1.host", `a\.b` for the key "a.b"
 * under the top map):
 *
 *   - maps and arrays are walked into (subtrees the two versions share are
 *     skipped, as in vcow_map_diff), and so are nested trees (each tree key
 *     one segment, through vcow_tree_diff on views);
 *   - scalars, bytes and ropes are leaves; so is an empty map, array or
 *     tree (it is reported, with its type, when it appears, goes or takes
 *     the place of another leaf);
 *   - a structure present on one side only reports every leaf inside it as
 *     added / removed; a value that changes between a leaf and a non-empty
 *     structure is the removal of the old leaves and the addition of the
 *     new (a leaf path present on both sides is reported once, as changed).
 *
 * Containers are not leaves: a map that became an array (or a tree)
 * holding the same leaves is no difference here (vcow_map_diff_path shows
 * it). Keys no path can name appear as they are (the empty key as an empty
 * segment, a NUL byte raw). The key buffer fn gets holds a NUL after the
 * path and is valid during the call only; the values are as for
 * vcow_map_diff. The order is deterministic, not sorted. fn returning
 * non-zero stops the walk and that value is returned. Also VCOW_ENOMEM
 * (a path past 256 bytes found no memory) and VCOW_EINVAL for trees of
 * cells with different comparators (as vcow_tree_diff).
 */
VCOW_API int vcow_map_diff_deep(const vcow_version *a, const vcow_version *b, const char *path,
                                vcow_diff_fn *fn, void *ctx);

/**
 * Write key (klen bytes) as a path segment: every '.' and every backslash
 * gets a backslash before it, then a NUL. *needed (if not NULL) receives the size
 * that takes, the NUL included; VCOW_ERANGE when cap is smaller (or buf is
 * NULL). VCOW_EINVAL for a key no path can name: the empty key, one
 * holding a NUL byte, or one over VCOW_MAP_KEY_MAX. Pure: no version or
 * read section involved.
 */
VCOW_API int vcow_map_path_escape(const void *key, size_t klen, char *buf, size_t cap,
                                  size_t *needed);

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
 * Set / remove the entry at a path (see "Paths" and "Arrays" above). set
 * creates missing intermediate maps, and on an array replaces (index <
 * len) or appends (index len, or "-"), VCOW_ERANGE past that; VCOW_EINVAL
 * when an intermediate key holds a value that is neither a map nor an
 * array. del: VCOW_ENOENT when something on the path is missing; removing
 * element i of an array moves the later ones down (O((n - i) log n)). On
 * an error the map's content is unchanged (some of its nodes may have been
 * copied into the txn already).
 * @{
 */
VCOW_API int vcow_map_set_path(vcow_txn *txn, const char *path, vcow_val val);
VCOW_API int vcow_map_del_path(vcow_txn *txn, const char *path);
/** @} */

/**
 * Edit the nested structure of `kind` (VCOW_KIND_MAP, _TREE or _ROPE) at
 * path until vcow_txn_leave (see above). Paths walk into arrays; a last
 * segment "-" (or len) on an array appends a new empty structure and enters
 * it. Enters nest up to 8 levels (VCOW_ERANGE beyond). Errors: VCOW_EINVAL
 * (bad path or kind, the entry holds another type, an array included, a
 * path through a value that is neither map nor array, the txn is not on a
 * map), VCOW_ERANGE (an index past an array's end), VCOW_ESTATE,
 * VCOW_ENOMEM (the map's content unchanged; the txn is not entered).
 */
VCOW_API int vcow_map_enter(vcow_txn *txn, const char *path, enum vcow_kind kind);

/**
 * Empty the txn's current map (the entered one while vcow_map_enter is in
 * force, else the cell's) in O(1): its old content leaves as one subtree,
 * freed once no version reaches it, as an overwritten nested map is.
 * Errors: VCOW_EINVAL (NULL, the txn is not on a map), VCOW_ESTATE,
 * VCOW_ENOMEM (nothing changed).
 */
VCOW_API int vcow_map_clear(vcow_txn *txn);

/**
 * The nested structure at path of version v as a version (*out) backed by
 * the caller's view: vcow_map_get_path + vcow_view_of. An array gives a
 * map version (see "Arrays"). Errors as for vcow_map_get_path, and
 * VCOW_EINVAL when the value is not a nested structure.
 */
VCOW_API int vcow_map_view_path(const vcow_version *v, const char *path, vcow_view *view,
                                const vcow_version **out);

/* ---- commit conditions (vcow/cell.h, "Conditional commits and rebase") ---- */

/**
 * Conditions on key of the cell's map (not of a nested structure, even while
 * the txn is entered in one); the commit answers VCOW_ECOND when one does
 * not hold. What counts as a write is in vcow/cell.h (by value: a put of
 * the same value is none; a change and a change back are two).
 *
 *   - _if_unchanged: key is not written after the txn's base (and, if the
 *     txn rebases, up to the head it commits onto: a write there makes the
 *     commit answer VCOW_ECONFLICT, which vcow_cell_update retries). Also
 *     how a rebasing txn declares a read made outside its view.
 *   - _if_unchanged_since: key is not written by any version after seq (an
 *     etcd mod_revision compare: seq is the version the caller last saw).
 *     The versions from seq to the base must still be kept (history, or a
 *     pin of seq): VCOW_ENOENT otherwise; VCOW_ERANGE for seq after the
 *     txn's base.
 *   - _if_equal: key holds val (bytes by content, numbers by bit pattern)
 *     in the version the commit replaces; val of type VCOW_T_NONE means
 *     "key is absent". Nested structures cannot be compared (VCOW_EINVAL).
 *
 * Each is checked against the base when added (the answer is VCOW_OK
 * either way; the commit reports), so it costs one lookup, or one per
 * version for _since. Errors: VCOW_EINVAL (NULL txn, bad key or value, not
 * a map cell), VCOW_ESTATE (finished txn), VCOW_ENOMEM (nothing added).
 * @{
 */
VCOW_API int vcow_map_if_unchanged(vcow_txn *txn, const char *key);
VCOW_API int vcow_map_if_unchangedn(vcow_txn *txn, const void *key, size_t klen);
VCOW_API int vcow_map_if_unchanged_since(vcow_txn *txn, const char *key, uint64_t seq);
VCOW_API int vcow_map_if_unchanged_sincen(vcow_txn *txn, const void *key, size_t klen,
                                          uint64_t seq);
VCOW_API int vcow_map_if_equal(vcow_txn *txn, const char *key, vcow_val val);
VCOW_API int vcow_map_if_equaln(vcow_txn *txn, const void *key, size_t klen, vcow_val val);
/** @} */

/**
 * *seq = the seq of the newest version up to v that wrote key (its value
 * differs from the version before; 0 when no version since version 0
 * did), as etcd's mod_revision. Walks back one version at a time, so it
 * costs a lookup per version passed. VCOW_ENOENT when the answer lies
 * before the oldest version the cell still keeps (history off: usually
 * only the head and pinned versions; use history). v must be a version or
 * a pin of one (VCOW_EINVAL for a view or a txn view). May be called
 * inside or outside a read section.
 * @{
 */
VCOW_API int vcow_map_mod_seq(const vcow_version *v, const char *key, uint64_t *seq);
VCOW_API int vcow_map_mod_seqn(const vcow_version *v, const void *key, size_t klen, uint64_t *seq);
/** @} */

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
 * Read key (or, for _get_path, the value at a path) from the head inside
 * an internal read section and copy the value out, so the result is valid
 * after the call. Bytes go to buf followed by a NUL, so cap must be >= len
 * + 1; out->u.bytes points into buf (len does not count the NUL).
 * VCOW_ERANGE when cap is too small or buf NULL (out->u.bytes.len then
 * holds the value's length, ptr is NULL). Other values need no buf. A
 * nested structure is reported with its type and u.root = NULL (read it
 * with vcow_map_get_path inside your own read section). May be called
 * inside or outside a read section (sections nest). Errors as for
 * vcow_map_get / vcow_map_get_path, and VCOW_EINVAL for a NULL cell, out
 * or path, or a cell that is not a map.
 * @{
 */
VCOW_API int vcow_map_cell_get(vcow_cell *cell, const char *key, vcow_val *out, void *buf,
                               size_t cap);
VCOW_API int vcow_map_cell_getn(vcow_cell *cell, const void *key, size_t klen, vcow_val *out,
                                void *buf, size_t cap);
VCOW_API int vcow_map_cell_get_path(vcow_cell *cell, const char *path, vcow_val *out, void *buf,
                                    size_t cap);
/** @} */

/* ---- debugging ---- */

/**
 * Check every invariant of the map and of its nested maps and arrays
 * (an array's keys are exactly "0".."n-1"; a view of an array is checked
 * as one): bitmaps,
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
