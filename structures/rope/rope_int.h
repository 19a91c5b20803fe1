/*
 * structures/rope/rope_int.h - node layouts and helpers of the rope.
 *
 * A B-tree of chunks; every leaf is at the same depth. Two node types:
 *
 *   leaf (type ROPE_LEAF)                 inner (type ROPE_INNER), 424 bytes
 *   off size                              off size
 *   0   16  struct vcow_node              0   16  struct vcow_node
 *   16  4   len   bytes of text           16  4   height (leaves are 0)
 *   20  4   cps   code points             20  4   n      children (1..16)
 *   24  4   u16   UTF-16 code units       24  64  bytes[16]  per child
 *   28  4   lines line breaks (*)         88  64  cps[16]
 *   32  cap text                          152 64  u16[16]
 *                                         216 64  lines[16]  (*)
 *                                         280 16  flags[16]  FIRST_LF|LAST_CR
 *                                         296 128 kid[16]
 *
 * (*) Line breaks are counted per subtree as if the subtree stood alone: a
 * CR at its end counts as a break. Where a child ending in CR is followed
 * by one starting with LF, the pair is one break; the flags let the parent
 * subtract those seams (struct rope_sum). So chunks may split anywhere on
 * a code point boundary, CR LF included, and no edit ever has to look at a
 * neighbouring chunk to keep the counts right.
 *
 * A leaf's capacity is hdr.size - 32; a txn grows an owned leaf in place
 * while it fits. Per-child metrics are 32-bit, so a rope holds less than
 * 4 GiB (VCOW_ROPE_MAX_BYTES).
 *
 * A third type, the delta (ROPE_DELTA, rope_delta.c), is only ever a root:
 * one small edit over the previous text's root (a tree, NULL or another
 * delta), so a keystroke in a cell with history costs one small node.
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
 *   68  4   c_lines   line shift past the insert (see rope_delta.c)
 *   72  4   ins, s_cps, s_u16, s_lines    the inserted text S (bytes,
 *                     code points, UTF-16 units, line breaks)
 *   76  1   depth     deltas in the chain from here down (1: over a tree
 *                     or NULL)
 *   77  1   flags     ROPE_FIRST_LF | ROPE_LAST_CR of the text, and the
 *                     seam bits ROPE_D_* below
 *   78  ins b         the inserted bytes (a one-byte edit: an 80-byte node)
 */
#ifndef VCOW_ROPE_INT_H
#define VCOW_ROPE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime/txn.h"
#include <vcow/rope.h>

#define ROPE_FAN       16
#define ROPE_LEAF_NODE 1024
#define ROPE_LEAF_HDR  32
#define ROPE_LEAF_MAX  (ROPE_LEAF_NODE - ROPE_LEAF_HDR) /* 992 bytes of text */
#define ROPE_LEAF_MIN  (ROPE_LEAF_MAX / 4)              /* merge below this */
/* Appends and the defragmenter fill chunks to ROPE_FILL bytes and nodes to
 * ROPE_FAN_FILL children, not to the brim: the first edit of a packed
 * region then copies one chunk and its path, instead of splitting every
 * node up to the root. */
#define ROPE_FILL     (ROPE_LEAF_MAX - 64)
#define ROPE_FAN_FILL (ROPE_FAN - 2)
#define ROPE_MAX_H    (VCOW_ROPE_ITER_DEPTH - 2)

enum { ROPE_LEAF = 1, ROPE_INNER = 2, ROPE_DELTA = 3 };
enum { ROPE_FIRST_LF = 1, ROPE_LAST_CR = 2 };
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

struct rope_leaf {
    struct vcow_node hdr;
    uint32_t len, cps, u16, lines;
    unsigned char b[];
};

struct rope_inner {
    struct vcow_node hdr;
    uint32_t height, n;
    uint32_t bytes[ROPE_FAN], cps[ROPE_FAN], u16[ROPE_FAN], lines[ROPE_FAN];
    uint8_t flags[ROPE_FAN];
    struct vcow_node *kid[ROPE_FAN];
};

/* Metrics of a text (standalone line count) and its edge flags. */
struct rope_sum {
    uint64_t bytes, cps, u16, lines;
    unsigned flags;
};

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

#define LEAF(n)   ((struct rope_leaf *)(n))
#define INNER(n)  ((struct rope_inner *)(n))
#define CLEAF(n)  ((const struct rope_leaf *)(n))
#define CINNER(n) ((const struct rope_inner *)(n))
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

static inline bool rope_is_leaf(const struct vcow_node *n)
{
    return n->type == ROPE_LEAF;
}

static inline uint32_t rope_leaf_cap(const struct rope_leaf *l)
{
    return l->hdr.size - ROPE_LEAF_HDR;
}

static inline uint32_t rope_height(const struct vcow_node *n)
{
    return rope_is_leaf(n) ? 0 : CINNER(n)->height;
}

static inline bool rope_is_cont(unsigned char c)
{
    return (c & 0xC0) == 0x80;
}

/* rope_text.c: UTF-8 scanning. */
bool vcow__rope_utf8_valid(const unsigned char *s, size_t n);
void vcow__rope_count(const unsigned char *s, size_t n, struct rope_sum *out);
uint64_t vcow__rope_count_unit(const unsigned char *s, size_t n, enum vcow_rope_unit unit);
/* Byte offset of unit position k within s (k <= units in s); -1 when k
 * falls inside a surrogate pair. */
int64_t vcow__rope_unit_to_off(const unsigned char *s, size_t n, enum vcow_rope_unit unit,
                               uint64_t k);

/* The same within a leaf: an ASCII chunk (as many units as bytes, most
 * chunks of most texts) needs no scan. */
static inline int64_t rope_leaf_unit_to_off(const struct rope_leaf *l, enum vcow_rope_unit unit,
                                            uint64_t k)
{
    uint32_t units = unit == VCOW_ROPE_BYTES ? l->len : unit == VCOW_ROPE_CHARS ? l->cps : l->u16;
    if (units == l->len)
        return (int64_t)k;
    return vcow__rope_unit_to_off(l->b, l->len, unit, k);
}
/* Byte offset just after the k-th line break of s (1 <= k <= breaks). */
size_t vcow__rope_line_to_off(const unsigned char *s, size_t n, uint64_t k);
/* Line breaks ending in s[0..n) counted standalone (a CR at s[n-1] counts). */
uint64_t vcow__rope_count_lines(const unsigned char *s, size_t n);

/* rope_node.c: node summaries and read descents. */
void vcow__rope_leaf_sum(const struct rope_leaf *l, struct rope_sum *out);
void vcow__rope_node_sum(const struct vcow_node *n, struct rope_sum *out);
void vcow__rope_inner_set(struct rope_inner *in, uint32_t i, const struct vcow_node *kid);
uint64_t vcow__rope_unit_of(const struct rope_sum *s, enum vcow_rope_unit unit);
/* The leaf holding unit position pos (root: a tree): with right = false, a
 * position on a chunk boundary belongs to the chunk before it (inserts),
 * else to the one after it. Sets *off to the byte offset of the leaf's
 * start. */
const struct rope_leaf *vcow__rope_find(const struct vcow_node *root, enum vcow_rope_unit unit,
                                        uint64_t pos, bool right, uint64_t *start,
                                        uint64_t *ustart);
/*
 * The read primitives on any root (tree, delta chain or NULL); each has a
 * tree-only version rope_tree_* (rope_node.c) and a chain version
 * rope_delta_* (rope_delta_read.c) that maps the position down the chain.
 *
 * vcow__rope_to_byte: pos in `from` to a byte offset; VCOW_ERANGE past the end
 * or inside a code point. vcow__rope_from_byte: the reverse (byte on a code point
 * boundary). vcow__rope_lines_before: line breaks ending at or before byte p
 * (standalone count of [0, p)). vcow__rope_line_byte: the byte just after the
 * k-th line break (1 <= k <= breaks).
 */
int vcow__rope_to_byte(const struct vcow_node *root, enum vcow_rope_unit from, uint64_t pos,
                       uint64_t *byte);
int vcow__rope_from_byte(const struct vcow_node *root, uint64_t byte, enum vcow_rope_unit to,
                         uint64_t *out);
uint64_t vcow__rope_lines_before(const struct vcow_node *root, uint64_t p);
unsigned char vcow__rope_byte_at(const struct vcow_node *root, uint64_t p);
uint64_t vcow__rope_line_byte(const struct vcow_node *root, uint64_t k);
void vcow__rope_copy_bytes(const struct vcow_node *root, uint64_t from, uint64_t to,
                           unsigned char *dst);
const struct vcow_node *vcow__rope_root_of(const vcow_version *v);

int vcow__rope_tree_to_byte(const struct vcow_node *root, enum vcow_rope_unit from, uint64_t pos,
                            uint64_t *byte);
int vcow__rope_tree_from_byte(const struct vcow_node *root, uint64_t byte, enum vcow_rope_unit to,
                              uint64_t *out);
uint64_t vcow__rope_tree_lines_before(const struct vcow_node *root, uint64_t p);
unsigned char vcow__rope_tree_byte_at(const struct vcow_node *root, uint64_t p);
uint64_t vcow__rope_tree_line_byte(const struct vcow_node *root, uint64_t k);

/* rope_delta_read.c: the same on a delta root. */
int vcow__rope_delta_to_byte(const struct vcow_node *root, enum vcow_rope_unit from, uint64_t pos,
                             uint64_t *byte);
int vcow__rope_delta_from_byte(const struct vcow_node *root, uint64_t byte, enum vcow_rope_unit to,
                               uint64_t *out);
uint64_t vcow__rope_delta_lines_before(const struct vcow_node *root, uint64_t p);
unsigned char vcow__rope_delta_byte_at(const struct vcow_node *root, uint64_t p);
uint64_t vcow__rope_delta_line_byte(const struct vcow_node *root, uint64_t k);
/* Metrics of the text [0, x) of any root (lines standalone). */
void vcow__rope_prefix(const struct vcow_node *root, uint64_t x, struct rope_sum *out);

/* rope_read.c / vcow__rope_delta_check.c: the invariant checker. */
int vcow__rope_check_tree(const struct vcow_node *root);
int vcow__rope_delta_check(const struct vcow_node *root);

/* rope_diff.c / vcow__rope_delta_diff.c: diff of two roots. vcow__rope_tree_diff
 * needs two trees; vcow__rope_delta_diff takes any roots. */
int vcow__rope_tree_diff(const struct vcow_node *a, const struct vcow_node *b,
                         vcow_rope_diff_fn *fn, void *ctx);
int vcow__rope_delta_diff(const struct vcow_node *a, const struct vcow_node *b,
                          vcow_rope_diff_fn *fn, void *ctx);

/* rope_write.c: the edit machinery rope_move.c and rope_defrag.c share. */
#define ROPE_POOL_MAX (4 * (ROPE_MAX_H + 2))

/* Nodes an edit allocated before changing anything (runtime/txn.h, rule 2). */
struct rope_pool {
    struct rope_inner *in[ROPE_POOL_MAX];
    struct rope_leaf *lf[4];
    int nin, uin, nlf, ulf;
    bool small; /* a delete left a chunk under ROPE_LEAF_MIN */
};

/* One child slot of an inner node, moved as a unit. */
struct rope_entry {
    struct vcow_node *kid;
    uint32_t bytes, cps, u16, lines;
    uint8_t flags;
};

bool vcow__rope_unit_ok(enum vcow_rope_unit u);
struct rope_leaf *vcow__rope_leaf_alloc(vcow_txn *t, uint32_t cap);
uint32_t vcow__rope_cap_exact(uint32_t len);
void vcow__rope_leaf_recount(struct rope_leaf *l);
void vcow__rope_entry_get(const struct rope_inner *in, uint32_t i, struct rope_entry *e);
void vcow__rope_entry_put(struct rope_inner *in, uint32_t i, const struct rope_entry *e);
/* Insert kid at slot i of in (ours); a full node is split with a node from
 * the pool and the new right half returned (else NULL). */
struct rope_inner *vcow__rope_inner_insert(struct rope_pool *p, struct rope_inner *in, uint32_t i,
                                           struct vcow_node *kid);
/* Retire slots vcow__rope_drop needs; drop a whole subtree (ours freed now). */
uint32_t vcow__rope_drop_slots(const vcow_txn *t, const struct vcow_node *n);
void vcow__rope_drop(vcow_txn *t, struct vcow_node *n);
void vcow__rope_collapse_root(vcow_txn *t);
/* The merge policy at byte pos (optional: skipped when memory is short). */
void vcow__rope_merge_small(vcow_txn *t, uint64_t pos);
/* Byte edits on the txn's tree (not a delta root): positions on code
 * point boundaries, n <= ROPE_DELTA_INS for inserts. */
int vcow__rope_tree_insert(vcow_txn *t, uint64_t pos, const unsigned char *s, size_t n);
int vcow__rope_tree_delete(vcow_txn *t, uint64_t a, uint64_t b);

/* rope_delta.c: the write side of deltas. */
/* Whether the txn's cell records small edits as deltas (history on,
 * rope_no_deltas off). */
bool vcow__rope_deltas_on(const vcow_txn *t);
/* Record the edit "delete [pos, pos + del), insert s[0..n) at pos" (bytes,
 * checked) as a delta: VCOW_OK, VCOW_ENOMEM (nothing changed), or 1 when
 * the policy says no (the caller materialises and edits the tree). */
int vcow__rope_delta_try(vcow_txn *t, uint64_t pos, uint64_t del, const unsigned char *s, size_t n);
/* Fold the txn's delta chain, if any, into a tree the txn owns. VCOW_OK or
 * VCOW_ENOMEM with nothing changed. */
int vcow__rope_materialise(vcow_txn *t);
/* Fill a delta's cached metrics from those of its base: tot (the whole
 * base), pa (base [0, pos)), pad (base [0, pos + del)) and the edge bits
 * ROPE_D_A_CR | ROPE_D_AD_CR | ROPE_D_C_LF; pos, del, ins and b must be
 * set. */
void vcow__rope_delta_fill(struct rope_delta *d, const struct rope_sum *tot,
                           const struct rope_sum *pa, const struct rope_sum *pad, unsigned edges);
/*
 * Retiring in the edit machinery goes through these: while a chain is
 * being materialised, published nodes are only recorded (and retired when
 * it succeeds), so a failure can be undone (rope_delta.c).
 */
void vcow__rope_retire(vcow_txn *t, struct vcow_node *n);
void vcow__rope_retire_tree(vcow_txn *t, struct vcow_node *n);

/* The rope's revert hook (struct vcow_kind_ops, rope_revert.c). */
int vcow__rope_revert(vcow_txn *t, const vcow_version *from, const vcow_version *to);

#endif
