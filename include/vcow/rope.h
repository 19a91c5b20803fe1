/**
 * @file vcow/rope.h
 * the rope: a persistent text of UTF-8 bytes, a B-tree of
 * chunks. Open it with vcow_cell_open(VCOW_KIND_ROPE, ...); version 0 is
 * the empty text.
 *
 * Writing n bytes into an m-byte rope copies the touched chunk and its path
 * only: O(n + log m) time and memory. Every node caches the bytes, code
 * points, UTF-16 code units and line breaks of its subtree, so every
 * position conversion is O(log m).
 *
 * Delta nodes (cells with history). A kept version that differs from the
 * previous one by a keystroke should not cost a copied chunk and path
 * (~1.6 KB). So in a cell opened with history, unless its options set
 * rope_no_deltas, an insert of at most 64 bytes or a delete, on a text the
 * txn has not copied yet, is recorded as a delta node: the edit over the
 * previous text, 80 bytes for a one-byte edit (78 + the inserted bytes,
 * rounded up to 16). Consecutive edits in one txn that touch the text it
 * just inserted are folded into that node. Deltas accumulate over versions
 * into a chain of at most 32; the first edit that cannot be one (a longer
 * insert, a move, a full chain) first folds the chain into the tree, its
 * edits applied once, like a txn's own edits. Reads on a version whose root
 * is a chain of k deltas cost O(k + log m) instead of O(log m): each maps
 * its position down the chain (measured on a 1 MB text, release build: at
 * k = 31 a conversion takes 93 ns against 48 on a plain tree, a
 * 64-character copy 271 ns against 117; ~1.4 to ~5 ns per delta). Lengths
 * stay O(1); iteration costs O(k + log m) per stretch of contiguous text.
 * A cell without history never makes deltas: the copy a delta saves would
 * be reclaimed anyway, and reads stay O(log m).
 *
 * Positions and units. A position counts units from the start of the text
 * in one of three units (enum vcow_rope_unit): bytes, code points or UTF-16
 * code units (what LSP speaks). A position must fall on a code point
 * boundary: a byte position inside a UTF-8 sequence or a UTF-16 position
 * between the two halves of a surrogate pair gets VCOW_ERANGE, as does a
 * position past the end.
 *
 * Lines. A line break is LF, CR LF (one break) or a lone CR. Lines are
 * numbered from 0; a text with k breaks has k + 1 lines (the empty text has
 * one line). A column counts units from the start of its line.
 *
 * Reads take a `const vcow_version *` (inside a read section or pinned) and
 * never allocate, except vcow_rope_diff. Anything they return that points
 * into the rope (chunks, slices) is valid as long as the version is.
 * Reads on vcow_txn_view(txn) read a txn's current state.
 *
 * Writes go through a txn (runtime rules: a failed write returns
 * VCOW_ENOMEM and leaves the txn's text unchanged). Inserted text must be
 * valid UTF-8 (no overlong forms, no surrogates): otherwise VCOW_EINVAL.
 *
 * Split and concat: a txn has one root, and a subtree may never be
 * reachable twice from one version, so split and concat are txn-internal
 * range operations that consume what they cut: vcow_rope_move (split out a
 * range, join it back elsewhere) and vcow_rope_delete (split out a range
 * and drop it), both O(log m) node work. Splitting a rope into two cells,
 * or concatenating two cells' ropes, is not offered: the nodes of one cell
 * never move into another's lineage.
 */
#ifndef VCOW_ROPE_H
#define VCOW_ROPE_H

#include <vcow/cell.h>
#include <vcow/error.h>

VCOW_BEGIN_DECLS

/** The units a position can count (see Positions and units above). */
enum vcow_rope_unit {
    VCOW_ROPE_BYTES = 0, /**< UTF-8 bytes */
    VCOW_ROPE_CHARS = 1, /**< Unicode code points */
    VCOW_ROPE_UTF16 = 2, /**< UTF-16 code units */
};

/** The longest text a rope holds, in bytes. */
#define VCOW_ROPE_MAX_BYTES ((uint64_t)0xFFFFF000u)

/** The length of a text in every unit, and its lines. */
struct vcow_rope_metrics {
    uint64_t bytes; /**< UTF-8 bytes */
    uint64_t chars; /**< code points */
    uint64_t utf16; /**< UTF-16 code units */
    uint64_t lines; /**< line breaks + 1 */
};

/** Lengths of a version (or of a txn's current text: vcow_txn_view). Errors: VCOW_EINVAL. @{ */
VCOW_API int vcow_rope_len(const vcow_version *v, struct vcow_rope_metrics *out);
/** @} */

/**
 * Convert position pos in unit `from` to unit `to`. Errors: VCOW_EINVAL,
 * VCOW_ERANGE (past the end, inside a code point).
 */
VCOW_API int vcow_rope_convert(const vcow_version *v, enum vcow_rope_unit from, uint64_t pos,
                               enum vcow_rope_unit to, uint64_t *out);

/** Line and column (in unit) of position pos (in unit). */
VCOW_API int vcow_rope_line_of(const vcow_version *v, enum vcow_rope_unit unit, uint64_t pos,
                               uint64_t *line, uint64_t *col);

/** Position (in unit) of the start of line `line` (0 <= line < lines). */
VCOW_API int vcow_rope_line_start(const vcow_version *v, uint64_t line, enum vcow_rope_unit unit,
                                  uint64_t *pos);

/**
 * Copy the text [from, to) (positions in unit) to buf, which must have room
 * for the range's bytes (vcow_rope_convert it first); *n receives the byte
 * count (may be NULL). No terminating NUL is written.
 * @{
 */
VCOW_API int vcow_rope_copy(const vcow_version *v, enum vcow_rope_unit unit, uint64_t from,
                            uint64_t to, void *buf, size_t *n);
/** @} */

/**
 * A slice: a view of a byte range of one version's text that shares its
 * nodes. Made in O(log m) (O(k + log m) on a chain of k deltas), valid
 * while the version is. Plain data: copy it freely.
 */
typedef struct vcow_rope_slice {
    const void *root; /**< the version's root node */
    /** byte range @{ */
    uint64_t from, to;
    /** @} */
} vcow_rope_slice;

/** The slice of v's text [from, to) (positions in unit). */
VCOW_API int vcow_rope_slice_of(const vcow_version *v, enum vcow_rope_unit unit, uint64_t from,
                                uint64_t to, vcow_rope_slice *out);
/** Copy a slice's bytes to buf (room for s->to - s->from bytes). */
VCOW_API int vcow_rope_slice_copy(const vcow_rope_slice *s, void *buf);

/**
 * @struct vcow_rope_iter
 * Chunk iteration, zero copy: each step yields the next piece of the
 * slice's text as a pointer into a chunk or into a delta node's inserted
 * text (never empty, always whole code points). The iterator is plain data
 * on the caller's stack.
 *
 * @code
 *   vcow_rope_slice s;  vcow_rope_slice_of(v, VCOW_ROPE_BYTES, 0, len, &s);
 *   vcow_rope_iter it;  vcow_rope_iter_init(&it, &s);
 *   vcow_slice c;       while (vcow_rope_iter_next(&it, &c)) use(c.ptr, c.len);
 * @endcode
 */
#define VCOW_ROPE_ITER_DEPTH 24 /**< the deepest walk an iterator holds */
typedef struct vcow_rope_iter {
    const void *node[VCOW_ROPE_ITER_DEPTH]; /**< private */
    uint32_t idx[VCOW_ROPE_ITER_DEPTH];     /**< private */
    int depth;                              /**< private */
    uint32_t off;                           /**< offset in the current chunk */
    /** next byte to yield, end @{ */
    uint64_t pos, to;
    /** @} */
} vcow_rope_iter;

/** Start it on slice s / yield its next chunk (false at the end).
 * VCOW_EINVAL for a NULL iterator or slice (a non-NULL iterator is then
 * left empty: next answers false). @{ */
VCOW_API int vcow_rope_iter_init(vcow_rope_iter *it, const vcow_rope_slice *s);
VCOW_API bool vcow_rope_iter_next(vcow_rope_iter *it, vcow_slice *chunk);
/** @} */

/**
 * Diff of two versions of one rope cell: calls fn for each changed region,
 * in order, as byte ranges [a_from, a_to) of a replaced by [b_from, b_to)
 * of b. Subtrees the versions share are skipped by pointer equality, so
 * the cost follows the change, not the text. Regions are chunk-aligned
 * (a superset of the exact change); where either version is a delta chain,
 * the chains' edits since the newest node both reach are mapped onto the
 * text and each region is trimmed of the bytes its two sides share at its
 * ends (cost: O(chains) per region plus the regions' bytes). fn returning
 * non-zero stops the walk and is returned. Errors: VCOW_EINVAL,
 * VCOW_ENOMEM.
 * @{
 */
typedef int vcow_rope_diff_fn(uint64_t a_from, uint64_t a_to, uint64_t b_from, uint64_t b_to,
                              void *ctx);
VCOW_API int vcow_rope_diff(const vcow_version *a, const vcow_version *b, vcow_rope_diff_fn *fn,
                            void *ctx);
/** @} */

/**
 * Writes. Insert text at pos (in unit) / delete the range [pos, pos + len)
 * (in unit) / append at the end. Errors: VCOW_EINVAL (NULL, not a rope,
 * invalid UTF-8, unit), VCOW_ERANGE (position past the end or inside a code
 * point, text over VCOW_ROPE_MAX_BYTES), VCOW_ESTATE, VCOW_ENOMEM.
 * @{
 */
VCOW_API int vcow_rope_insert(vcow_txn *txn, enum vcow_rope_unit unit, uint64_t pos,
                              const void *text, size_t len);
VCOW_API int vcow_rope_delete(vcow_txn *txn, enum vcow_rope_unit unit, uint64_t pos, uint64_t len);
VCOW_API int vcow_rope_append(vcow_txn *txn, const void *text, size_t len);
/** @} */

/**
 * Move the text [from, from + len) to position `to` (all in unit, on the
 * current text; `to` must not fall inside the range). Split and concat in
 * one: the range is cut out as whole subtrees and joined back in, O(log m)
 * node work however long the range (the text is not copied); a delta chain
 * is folded into the tree first. Errors as for vcow_rope_delete.
 */
VCOW_API int vcow_rope_move(vcow_txn *txn, enum vcow_rope_unit unit, uint64_t from, uint64_t len,
                            uint64_t to);

/**
 * Defragment: rebuild the txn's text as full chunks under full nodes (O(m)),
 * a delta chain included. Edits merge small chunks with a neighbour as they
 * go (the policy); this is the on-demand full pass. Errors: VCOW_ESTATE,
 * VCOW_ENOMEM.
 */
VCOW_API int vcow_rope_defrag(vcow_txn *txn);

/** Cell conveniences: one-op txns through vcow_cell_update. @{ */
VCOW_API int vcow_rope_cell_insert(vcow_cell *cell, enum vcow_rope_unit unit, uint64_t pos,
                                   const void *text, size_t len, uint64_t *seq);
VCOW_API int vcow_rope_cell_delete(vcow_cell *cell, enum vcow_rope_unit unit, uint64_t pos,
                                   uint64_t len, uint64_t *seq);
/** @} */

/**
 * Debug invariant checker: O(m), O(k * m) on a chain of k deltas. Every
 * leaf at one depth, cached metrics equal recounts, chunks non-empty,
 * within limits, valid UTF-8; each delta within the chain bound, its edit
 * inside its base's text on code point boundaries, its inserted text valid
 * UTF-8 and its cached metrics equal a rescan of its base. VCOW_OK or
 * VCOW_ECORRUPT.
 * @{
 */
VCOW_API int vcow_rope_check(const vcow_version *v);
/** @} */

VCOW_END_DECLS

#endif
