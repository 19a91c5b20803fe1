/*
 * structures/rope/rope_delta.h - the delta layer: delta roots over the
 * tree engine (rope_tree.h), and every read, diff and check on "any root":
 * NULL, a tree, or a chain of deltas over one. It calls only the engine
 * and the text layer; the public calls (rope_api.h) sit on top.
 *
 * A delta (type ROPE_DELTA) is only ever a root: one small edit over the
 * previous text's root (a tree, NULL or another delta), so a keystroke in
 * a cell with history costs one small node.
 *
 *   delta (type ROPE_DELTA), 78 bytes + the inserted text
 *   off size
 *   0   16  struct vcow_node
 *   16  8   base      the text the edit applies to (tree, delta or NULL)
 *   24  4   pos       the edit, in bytes of the base text: at pos,
 *   28  4   del       del bytes removed and ins bytes (b[]) inserted
 *   32  16  bytes, cps, u16, lines    the whole text (lines standalone)
 *   48  12  a_cps, a_u16, a_lines     the prefix A = base [0, pos)
 *   60  8   d_cps, d_u16              the deleted range D
 *   68  4   c_lines   line shift past the insert (see rope_delta_read.c)
 *   72  4   ins, s_cps, s_u16, s_lines    the inserted text S (bytes,
 *                     code points, UTF-16 units, line breaks)
 *   76  1   depth     deltas in the chain from here down (1: over a tree
 *                     or NULL)
 *   77  1   flags     ROPE_FIRST_LF | ROPE_LAST_CR of the text, and the
 *                     seam bits ROPE_D_* below
 *   78  ins b         the inserted bytes (a one-byte edit: an 80-byte node)
 *
 * What a later delta for another kind could share is said in
 * docs/ARCHITECTURE.md (rope, "Layers").
 */
#ifndef VCOW_ROPE_DELTA_H
#define VCOW_ROPE_DELTA_H

#include "rope_tree.h"

enum { ROPE_DELTA = 3 };
_Static_assert((int)ROPE_DELTA > (int)ROPE_INNER, "node types differ");

/* Delta flags beyond the text's own two: the bytes around the edit. */
enum {
    ROPE_D_A_CR = 4,  /* A (base [0, pos)) ends with CR */
    ROPE_D_AD_CR = 8, /* base [0, pos + del) ends with CR */
    ROPE_D_C_LF = 16, /* C (base [pos + del, end)) starts with LF */
    ROPE_D_S_LF = 32, /* S (the inserted text) starts with LF */
    ROPE_D_S_CR = 64, /* S ends with CR */
};

/*
 * Deltas: an insert of at most ROPE_DELTA_INS bytes (or any delete) on a
 * root that is a published tree or a chain of fewer than ROPE_DELTA_CHAIN
 * deltas becomes a delta; anything else materialises the chain first.
 * Reads on a delta root cost O(chain + log m). Both bounds are measured in
 * rope_delta.c's header comment.
 */
#define ROPE_DELTA_INS 64
#ifndef ROPE_DELTA_CHAIN /* overridable to measure other bounds */
#define ROPE_DELTA_CHAIN 32
#endif
_Static_assert(ROPE_DELTA_INS <= 255 && ROPE_DELTA_CHAIN <= 255, "delta fields are 8-bit");

struct rope_delta {
    struct vcow_node hdr;
    struct vcow_node *base;
    uint32_t pos, del;
    uint32_t bytes, cps, u16, lines;
    uint32_t a_cps, a_u16, a_lines;
    uint32_t d_cps, d_u16;
    int32_t c_lines;
    uint8_t ins, s_cps, s_u16, s_lines; /* <= ROPE_DELTA_INS */
    uint8_t depth, flags;
    unsigned char b[];
};
#define ROPE_DELTA_HDR 78
_Static_assert(offsetof(struct rope_delta, b) == ROPE_DELTA_HDR, "delta layout");

#define DELTA(n)  ((struct rope_delta *)(n))
#define CDELTA(n) ((const struct rope_delta *)(n))

static inline bool rope_is_delta(const struct vcow_node *n)
{
    return n != NULL && n->type == ROPE_DELTA;
}

static inline uint32_t rope_delta_depth(const struct vcow_node *n)
{
    return rope_is_delta(n) ? CDELTA(n)->depth : 0;
}

/* ---- reads on any root (rope_delta_read.c) ----
 *
 * The engine's tree reads (rope_tree.h, same contracts) extended to a
 * chain: each maps its position down the chain and finishes with the
 * tree version at the bottom, O(chain + log m).
 */
void vcow__rope_sum(const struct vcow_node *root, struct rope_sum *out);
int vcow__rope_to_byte(const struct vcow_node *root, enum vcow_rope_unit from, uint64_t pos,
                       uint64_t *byte);
int vcow__rope_from_byte(const struct vcow_node *root, uint64_t byte, enum vcow_rope_unit to,
                         uint64_t *out);
uint64_t vcow__rope_lines_before(const struct vcow_node *root, uint64_t p);
unsigned char vcow__rope_byte_at(const struct vcow_node *root, uint64_t p);
uint64_t vcow__rope_line_byte(const struct vcow_node *root, uint64_t k);
void vcow__rope_prefix(const struct vcow_node *root, uint64_t x, struct rope_sum *out);

/* ---- chunk iteration on any root (rope_delta_iter.c) ---- */
/* Bytes [from, to) of root (from <= to <= length); it yields nothing when
 * the range is empty. */
void vcow__rope_iter_init(vcow_rope_iter *it, const struct vcow_node *root, uint64_t from,
                          uint64_t to);
bool vcow__rope_iter_next(vcow_rope_iter *it, vcow_slice *chunk);
void vcow__rope_copy_bytes(const struct vcow_node *root, uint64_t from, uint64_t to,
                           unsigned char *dst);

/* ---- checker and diff on any root (rope_delta_check.c, rope_delta_diff.c) ---- */
int vcow__rope_check(const struct vcow_node *root);
int vcow__rope_diff(const struct vcow_node *a, const struct vcow_node *b, vcow_rope_diff_fn *fn,
                    void *ctx);

/* ---- writes (rope_delta.c, rope_delta_fold.c) ---- */

/* Whether an edit inserting ins bytes on the txn's root takes the delta
 * layer (vcow__rope_delta_edit) rather than a tree edit: any edit on a
 * delta root, and a small one on a tree the txn has not copied yet in a
 * cell that keeps history (and not rope_no_deltas). */
bool vcow__rope_delta_wants(const vcow_txn *t, const struct vcow_node *root, size_t ins);
/* The edit "delete bytes [a, b), insert s[0..n) at a" (positions checked)
 * on such a root: a delta when the policy allows, else the tree edit after
 * the chain is materialised. VCOW_ENOMEM leaves the text unchanged. */
int vcow__rope_delta_edit(vcow_txn *t, uint64_t a, uint64_t b, const unsigned char *s, size_t n);
/* Fold the txn's delta chain, if any, into a tree the txn owns. VCOW_OK or
 * VCOW_ENOMEM with nothing changed. */
int vcow__rope_materialise(vcow_txn *t);
/* Fill a delta's cached metrics from those of its base: tot (the whole
 * base), pa (base [0, pos)), pad (base [0, pos + del)) and the edge bits
 * ROPE_D_A_CR | ROPE_D_AD_CR | ROPE_D_C_LF; pos, del, ins and b must be
 * set. */
void vcow__rope_delta_fill(struct rope_delta *d, const struct rope_sum *tot,
                           const struct rope_sum *pa, const struct rope_sum *pad, unsigned edges);
/* Measure the base around d's edit (pos, del, ins, b set) and fill d's
 * metrics. */
void vcow__rope_delta_measure(const struct vcow_node *base, struct rope_delta *d);
/* Drop the txn's whole text, any root (a chain the txn made is freed down
 * to what is published): the slots it needs, then the drop itself. */
uint32_t vcow__rope_drop_slots(const vcow_txn *t, const struct vcow_node *root);
void vcow__rope_drop(vcow_txn *t, struct vcow_node *root);

#endif
