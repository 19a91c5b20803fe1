/**
 * @file vcow/tree.h
 * the tree: a persistent B+tree ordered map from byte-string
 * keys to vcow_val values, in memcmp order (shorter key first on a common
 * prefix) or in the order of the cell's comparator (below). Open it with
 * vcow_cell_open(VCOW_KIND_TREE, ...); version 0 is empty.
 *
 * Versions share structure: a write copies the root-to-leaf path it
 * changes, so an old version (pinned, or kept by the cell's history) stays
 * readable at no cost to the head. Every node but the root is at least
 * half full; internal nodes count the entries below each child, so rank and
 * select are O(log n).
 *
 * Limits and choices:
 *   - keys: 0 .. VCOW_TREE_MAX_KEY bytes, stored inline in the nodes. The
 *     empty key is a valid key (the smallest in memcmp order). A key of
 *     length 0 may be passed with a NULL pointer. Every call that takes one
 *     key has two forms: vcow_tree_get(v, "alice", &val) takes a C string,
 *     vcow_tree_getn(v, key, klen, &val) any bytes.
 *   - values: VCOW_T_BYTES (up to VCOW_VAL_MAX_BYTES; more than
 *     VCOW_TREE_INLINE_VAL bytes go to a blob node; either way the bytes
 *     are stored with the NUL that follows them, vcow/val.h), VCOW_T_I64, _F64,
 *     _BOOL. A tree's values cannot be structures (VCOW_EINVAL); to keep
 *     a tree with maps and ropes in one cell, nest them in a map cell
 *     (vcow_map_enter, vcow/map.h) and read the tree through a view.
 *   - order: struct vcow_cell_opts.compare (vcow/cell.h) sets the cell's
 *     key order; NULL is memcmp order. Every call follows it: get, bounds,
 *     rank / select, first / last, ranges both ways ("lo > hi" means under
 *     the comparator), del_range, bulk load (input strictly increasing
 *     under it), diff (in its order), equal and check. Keys equal under it
 *     are one key: setting "KEY" where "Key" is stored (a case-insensitive
 *     comparator) replaces the value and keeps the stored spelling "Key";
 *     any spelling gets or deletes it. diff and equal need both versions
 *     in cells of the same order (same compare and compare_ctx), else
 *     VCOW_EINVAL; for a key in both, diff reports a's spelling.
 *     Cost of a comparator: nodes keep 8-byte key prefixes so that a
 *     memcmp search rarely reads key bytes; under a comparator they mean
 *     nothing, so every search step is a call to it on full keys (a node
 *     search makes about log2(64) = 6 calls, a lookup ~6 per level). And
 *     inner nodes store the right leaf's first key in full as separator,
 *     where memcmp order stores its shortest distinguishing prefix: inner
 *     nodes of long keys are bigger (more bytes copied per write).
 *     bench_tree's tree_get/vcow_cmp and tree_commit1/vcow_cmp cases (1M
 *     16-byte keys, a comparator that implements memcmp order) measured a
 *     get at ~1.8x and a 1-record commit at ~1.3-1.5x the time of the same
 *     tree without comparator.
 *   - stack: a write recurses once per level with a few node-sized arrays
 *     per frame; allow about 64 KiB of stack for writes on deep trees.
 *
 * Reads take a version (inside a read section, or pinned) or a txn (its
 * current state). Keys and values returned point into the version (or
 * txn) and are valid as long as it is; they must not be written through.
 * Writes take an open txn; a write that fails leaves the txn unchanged.
 *
 * Errors common to all calls: VCOW_EINVAL (NULL where a pointer is needed,
 * a version or txn of another kind, a key longer than VCOW_TREE_MAX_KEY, a
 * bad value), VCOW_ESTATE (a finished txn), VCOW_ENOMEM (writes only;
 * nothing changed).
 */
#ifndef VCOW_TREE_H
#define VCOW_TREE_H

#include <vcow/cell.h>
#include <vcow/error.h>

VCOW_BEGIN_DECLS

#define VCOW_TREE_MAX_KEY    1024 /**< longest key, bytes */
#define VCOW_TREE_INLINE_VAL 64   /**< longer byte values live in blob nodes */

/* ---- reads on a version (in a read section or pinned) ---- */

/**
 * The value of key (a C string; the n form takes any bytes). out may be
 * NULL to test presence only. VCOW_ENOENT when the key is absent.
 * @{
 */
VCOW_API int vcow_tree_get(const vcow_version *v, const char *key, vcow_val *out);
VCOW_API int vcow_tree_getn(const vcow_version *v, const void *key, size_t klen, vcow_val *out);
/** @} */

/** *out = whether key is present. @{ */
VCOW_API int vcow_tree_contains(const vcow_version *v, const char *key, bool *out);
VCOW_API int vcow_tree_containsn(const vcow_version *v, const void *key, size_t klen, bool *out);
/** @} */

/** The number of keys. */
VCOW_API int vcow_tree_len(const vcow_version *v, uint64_t *out);

/**
 * The smallest / largest key and its value (key_out or val_out may be
 * NULL). VCOW_ENOENT when the tree is empty.
 * @{
 */
VCOW_API int vcow_tree_first(const vcow_version *v, vcow_slice *key_out, vcow_val *val_out);
VCOW_API int vcow_tree_last(const vcow_version *v, vcow_slice *key_out, vcow_val *val_out);
/** @} */

/**
 * lower_bound: the smallest key >= key; upper_bound: the smallest key >
 * key. VCOW_ENOENT when there is none.
 * @{
 */
VCOW_API int vcow_tree_lower_bound(const vcow_version *v, const char *key, vcow_slice *key_out,
                                   vcow_val *val_out);
VCOW_API int vcow_tree_lower_boundn(const vcow_version *v, const void *key, size_t klen,
                                    vcow_slice *key_out, vcow_val *val_out);
VCOW_API int vcow_tree_upper_bound(const vcow_version *v, const char *key, vcow_slice *key_out,
                                   vcow_val *val_out);
VCOW_API int vcow_tree_upper_boundn(const vcow_version *v, const void *key, size_t klen,
                                    vcow_slice *key_out, vcow_val *val_out);
/** @} */

/** rank: how many keys are < key (whether key is present or not). O(log n). @{ */
VCOW_API int vcow_tree_rank(const vcow_version *v, const char *key, uint64_t *out);
VCOW_API int vcow_tree_rankn(const vcow_version *v, const void *key, size_t klen, uint64_t *out);
/** @} */

/** select: the key of rank i (0-based). VCOW_ERANGE when i >= len. O(log n). */
VCOW_API int vcow_tree_select(const vcow_version *v, uint64_t i, vcow_slice *key_out,
                              vcow_val *val_out);

/**
 * Range iteration. Bounds are [lo, hi) by default; the flags change that:
 * @code{.unparsed}
 *   VCOW_TREE_NO_LO    no lower bound (lo ignored)
 *   VCOW_TREE_NO_HI    no upper bound (hi ignored)
 *   VCOW_TREE_LO_EXCL  lo itself excluded
 *   VCOW_TREE_HI_INCL  hi itself included
 *   VCOW_TREE_REVERSE  visit from the largest key down
 * @endcode
 * fn is called in order for each entry; it returns 0 to go on, anything
 * else stops the walk, and vcow_tree_range returns that value (use values
 * that cannot be confused with VCOW_E* codes, e.g. positive ones).
 * VCOW_ERANGE when lo > hi (both given). O(log n + entries visited).
 * @{
 */
enum {
    VCOW_TREE_NO_LO = 1,
    VCOW_TREE_NO_HI = 2,
    VCOW_TREE_LO_EXCL = 4,
    VCOW_TREE_HI_INCL = 8,
    VCOW_TREE_REVERSE = 16,
};
VCOW_API int vcow_tree_range(const vcow_version *v, const void *lo, size_t lolen, const void *hi,
                             size_t hilen, unsigned flags, vcow_visit_fn *fn, void *ctx);
/** @} */

/**
 * The differences from version a to version b, in key order: fn(key,
 * before, after) (vcow/val.h) with before == NULL for a key only in b,
 * after == NULL for a key only in a, both set for a key whose value changed. Subtrees that a and b
 * share (pointer-equal) are skipped, so diffing two nearby versions of one cell costs O(changes *
 * log n), not O(n). fn's return value works as in vcow_tree_range. a and b may belong to different
 * cells (then nothing is shared and the walk is a full merge) of the same key order; VCOW_EINVAL
 * when their cells' compare or compare_ctx differ. A key present in both
 * (equal under the comparator) is reported with a's spelling.
 * @{
 */
VCOW_API int vcow_tree_diff(const vcow_version *a, const vcow_version *b, vcow_diff_fn *fn,
                            void *ctx);
/** @} */

/**
 * vcow_tree_diff restricted to the keys inside a range (bounds and flags
 * as vcow_tree_range; VCOW_TREE_REVERSE is VCOW_EINVAL): the same calls,
 * in key order, for the keys of the range only. The walk starts at the
 * range's first key in both versions and stops at its end, so two nearby
 * versions diff in O(log n + changes inside the range * log n), whatever
 * changed outside it. VCOW_ERANGE when lo > hi; VCOW_EINVAL as for
 * vcow_tree_diff.
 */
VCOW_API int vcow_tree_diff_range(const vcow_version *a, const vcow_version *b, const void *lo,
                                  size_t lolen, const void *hi, size_t hilen, unsigned flags,
                                  vcow_diff_fn *fn, void *ctx);

/** *eq = whether a and b hold the same keys and values (shared subtrees
 * skipped; keys compared under the cell's order). VCOW_EINVAL as diff. */
VCOW_API int vcow_tree_equal(const vcow_version *a, const vcow_version *b, bool *eq);

/**
 * Check every invariant of the tree (key order within and across nodes,
 * fill, uniform depth, subtree counts, value encoding). For tests and
 * debugging: O(n). VCOW_ECORRUPT (with a line on stderr) if one fails.
 */
VCOW_API int vcow_tree_check(const vcow_version *v);

/* ---- cursors ---- */

/**
 * A cursor: a position in one version of a tree that steps to the next or
 * previous key, for paging through a tree without copying the last key and
 * re-running a range.
 *
 * @code
 *   vcow_tree_cursor *cur;
 *   vcow_read_lock();
 *   vcow_tree_cursor_open(vcow_cell_head(cell), &cur);  // pins the version
 *   vcow_read_unlock();
 *   for (int rc = vcow_tree_cursor_seek(cur, "user:100"); rc == VCOW_OK;
 *        rc = vcow_tree_cursor_next(cur)) {
 *       vcow_slice k;  vcow_val v;
 *       vcow_tree_cursor_get(cur, &k, &v);   // valid until close
 *       ...                                   // no read section needed
 *   }
 *   vcow_tree_cursor_close(cur);
 * @endcode
 *
 * open takes its own pin of the version (vcow_version_pin: call it in a
 * read section or on a version you pin), so the cursor, and the keys and
 * values it hands out, stay valid outside read sections until
 * vcow_tree_cursor_close; the version's content never changes under it.
 * It holds the version alive, as any pin does: close it. A cursor belongs
 * to one thread at a time. Txn views (vcow_txn_view) cannot be pinned:
 * open on one is VCOW_EINVAL.
 *
 * A new cursor is unpositioned. first / last / seek position it (seek: the
 * smallest key >= key); next / prev step; each answers VCOW_OK when the
 * cursor is on an entry and VCOW_ENOENT when it fell off the window, which
 * leaves it unpositioned. next on an unpositioned cursor goes to the first
 * entry, prev to the last. get reads the current entry (VCOW_ENOENT when
 * unpositioned). Seeks cost O(log n), steps amortized O(1).
 *
 * vcow_tree_cursor_prefix restricts the window to the keys that start with
 * the given bytes (and unpositions the cursor): seek, first, last, next and
 * prev then stay inside it. Only in memcmp order (VCOW_EINVAL under a
 * cell comparator, where such keys need not be adjacent).
 *
 * Errors: VCOW_EINVAL (NULL, not a tree version, a bad key), VCOW_ENOMEM,
 * VCOW_ENOENT (open: the version died before it could be pinned, see
 * vcow_version_pin).
 * @{
 */
typedef struct vcow_tree_cursor vcow_tree_cursor;
VCOW_API int vcow_tree_cursor_open(const vcow_version *v, vcow_tree_cursor **out);
VCOW_API void vcow_tree_cursor_close(vcow_tree_cursor *cur);
VCOW_API int vcow_tree_cursor_first(vcow_tree_cursor *cur);
VCOW_API int vcow_tree_cursor_last(vcow_tree_cursor *cur);
VCOW_API int vcow_tree_cursor_seek(vcow_tree_cursor *cur, const char *key);
VCOW_API int vcow_tree_cursor_seekn(vcow_tree_cursor *cur, const void *key, size_t klen);
VCOW_API int vcow_tree_cursor_next(vcow_tree_cursor *cur);
VCOW_API int vcow_tree_cursor_prev(vcow_tree_cursor *cur);
VCOW_API int vcow_tree_cursor_get(const vcow_tree_cursor *cur, vcow_slice *key, vcow_val *val);
VCOW_API int vcow_tree_cursor_prefix(vcow_tree_cursor *cur, const void *prefix, size_t plen);
/** @} */

/* ---- writes on a txn ---- */

/** Insert or replace (key and bytes are copied; a replace keeps the key
 * bytes already stored, which differ only under a comparator). @{ */
VCOW_API int vcow_tree_set(vcow_txn *txn, const char *key, vcow_val val);
VCOW_API int vcow_tree_setn(vcow_txn *txn, const void *key, size_t klen, vcow_val val);
/** @} */

/** Remove key. VCOW_ENOENT (txn unchanged) when it is absent. @{ */
VCOW_API int vcow_tree_del(vcow_txn *txn, const char *key);
VCOW_API int vcow_tree_deln(vcow_txn *txn, const void *key, size_t klen);
/** @} */

/**
 * Remove every key in the range (bounds and flags as vcow_tree_range;
 * VCOW_TREE_REVERSE is ignored). *deleted (if not NULL) receives how many
 * keys went. Subtrees wholly inside the range are dropped as whole
 * subtrees: O(log n) work and retire entries however many keys go.
 * VCOW_ERANGE when lo > hi.
 */
VCOW_API int vcow_tree_del_range(vcow_txn *txn, const void *lo, size_t lolen, const void *hi,
                                 size_t hilen, unsigned flags, uint64_t *deleted);

/**
 * Empty the txn's current tree (the entered one while vcow_map_enter is in
 * force) in O(1): the old content is dropped as one subtree (a bulk load
 * of nothing). Errors: VCOW_EINVAL (NULL, the txn is not on a tree),
 * VCOW_ESTATE, VCOW_ENOMEM (nothing changed).
 */
VCOW_API int vcow_tree_clear(vcow_txn *txn);

/**
 * Replace the whole content of the txn's tree with n entries given in
 * strictly increasing key order (the cell's order), in O(n), packing nodes
 * full. The old content is dropped as one subtree. VCOW_EINVAL (txn
 * unchanged) when the input is not strictly increasing (two keys equal
 * under the comparator included) or an entry is bad.
 */
struct vcow_tree_kv {
    vcow_slice key; /**< the key */
    vcow_val val;   /**< its value */
};
/** @copydoc vcow_tree_kv */
VCOW_API int vcow_tree_bulk_load(vcow_txn *txn, const struct vcow_tree_kv *items, size_t n);

/* ---- cell conveniences: one-op txns through vcow_cell_update ---- */

/* ---- commit conditions (vcow/cell.h, "Conditional commits and rebase") ---- */

/**
 * Conditions on key of the cell's tree (not of a nested structure, even while
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
 * a tree cell), VCOW_ESTATE (finished txn), VCOW_ENOMEM (nothing added).
 * @{
 */
VCOW_API int vcow_tree_if_unchanged(vcow_txn *txn, const char *key);
VCOW_API int vcow_tree_if_unchangedn(vcow_txn *txn, const void *key, size_t klen);
VCOW_API int vcow_tree_if_unchanged_since(vcow_txn *txn, const char *key, uint64_t seq);
VCOW_API int vcow_tree_if_unchanged_sincen(vcow_txn *txn, const void *key, size_t klen,
                                           uint64_t seq);
VCOW_API int vcow_tree_if_equal(vcow_txn *txn, const char *key, vcow_val val);
VCOW_API int vcow_tree_if_equaln(vcow_txn *txn, const void *key, size_t klen, vcow_val val);
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
VCOW_API int vcow_tree_mod_seq(const vcow_version *v, const char *key, uint64_t *seq);
VCOW_API int vcow_tree_mod_seqn(const vcow_version *v, const void *key, size_t klen, uint64_t *seq);
/** @} */

/** Set key to val in one commit; *seq (if not NULL) receives its sequence number. @{ */
VCOW_API int vcow_tree_cell_set(vcow_cell *cell, const char *key, vcow_val val, uint64_t *seq);
VCOW_API int vcow_tree_cell_setn(vcow_cell *cell, const void *key, size_t klen, vcow_val val,
                                 uint64_t *seq);
/** @} */
/** Remove key in one commit. VCOW_ENOENT (nothing committed) when the key is absent. @{ */
VCOW_API int vcow_tree_cell_del(vcow_cell *cell, const char *key, uint64_t *seq);
VCOW_API int vcow_tree_cell_deln(vcow_cell *cell, const void *key, size_t klen, uint64_t *seq);
/** @} */

VCOW_END_DECLS

#endif
