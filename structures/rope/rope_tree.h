/*
 * structures/rope/rope_tree.h - the rope's tree engine: node layouts, the
 * node pool, paths, insert / delete / merge policy, split and join, reads,
 * chunk cursors (rope_tree_iter.h), diff and the checker, all on B-trees of chunks.
 *
 * Layers (one way; tests/lint/check_rope_layers.sh keeps it so):
 *
 *   public calls   rope_edit.c rope_read.c rope_move.c rope_defrag.c
 *   (rope_api.h)   rope_kind.c rope_equal.c
 *        |     \
 *        |      delta layer (rope_delta.h, rope_delta*.c): delta roots,
 *        |      reads through chains, fold, materialise, chain diff/check
 *        |     /
 *   tree engine (this header, rope_tree_iter.h, rope_tree*.c)
 *        |
 *   text (rope_text.h): UTF-8 scanning and metrics
 *
 * The engine knows only trees: every root it is handed is NULL or a tree
 * of the two node types below. What sits on top of a tree (and what other
 * node types exist) is the business of the layers above.
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
 * The retire destination. Every engine function that may retire a node
 * takes a struct rope_sink: the txn whose tree it edits and where the
 * published nodes it replaces go. With hold == NULL they go to the txn at
 * once (vcow_txn_retire / vcow_txn_retire_tree; the edit's plan reserved
 * the slots); with a hold they are only recorded there, and the caller
 * retires them all (vcow__rope_hold_retire) once a whole sequence of edits
 * succeeded, or forgets them (vcow__rope_hold_forget) after undoing its
 * own nodes (vcow__rope_tree_free_owned). Nodes the txn owns are freed at
 * once in both modes: with a hold, the caller must know every owned node
 * an edit may free is one its own sequence made.
 */
#ifndef VCOW_ROPE_TREE_H
#define VCOW_ROPE_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rope_text.h"
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
/* Inserts go into the tree in pieces of at most this many bytes. */
#define ROPE_PIECE (ROPE_LEAF_MAX / 2)

/* Node types of the tree; the layers above may use larger values. */
enum { ROPE_LEAF = 1, ROPE_INNER = 2 };

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

#define LEAF(n)   ((struct rope_leaf *)(n))
#define INNER(n)  ((struct rope_inner *)(n))
#define CLEAF(n)  ((const struct rope_leaf *)(n))
#define CINNER(n) ((const struct rope_inner *)(n))

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

/* Byte offset of unit position k within a leaf: an ASCII chunk (as many
 * units as bytes, most chunks of most texts) needs no scan. */
static inline int64_t rope_leaf_unit_to_off(const struct rope_leaf *l, enum vcow_rope_unit unit,
                                            uint64_t k)
{
    uint32_t units = unit == VCOW_ROPE_BYTES ? l->len : unit == VCOW_ROPE_CHARS ? l->cps : l->u16;
    if (units == l->len)
        return (int64_t)k;
    return vcow__rope_unit_to_off(l->b, l->len, unit, k);
}

/* ---- nodes (rope_tree_node.c) ---- */

/* One child slot of an inner node, moved as a unit. */
struct rope_entry {
    struct vcow_node *kid;
    uint32_t bytes, cps, u16, lines;
    uint8_t flags;
};

void vcow__rope_leaf_sum(const struct rope_leaf *l, struct rope_sum *out);
/* Metrics of a tree (NULL: the empty text). */
void vcow__rope_tree_sum(const struct vcow_node *n, struct rope_sum *out);
/* Its bytes only: cheaper than the full sum. */
uint64_t vcow__rope_tree_bytes(const struct vcow_node *n);
void vcow__rope_inner_set(struct rope_inner *in, uint32_t i, const struct vcow_node *kid);
void vcow__rope_entry_get(const struct rope_inner *in, uint32_t i, struct rope_entry *e);
void vcow__rope_entry_put(struct rope_inner *in, uint32_t i, const struct rope_entry *e);
void vcow__rope_entry_of(const struct vcow_node *kid, struct rope_entry *e);
struct rope_leaf *vcow__rope_leaf_alloc(vcow_txn *t, uint32_t cap);
void vcow__rope_leaf_recount(struct rope_leaf *l);
/* Capacity for a leaf of len bytes: exact (16-byte steps) for a copy of a
 * published leaf, which history may keep forever; with slack (grow) for
 * one the txn keeps editing. */
static inline uint32_t rope_cap_exact(uint32_t len)
{
    uint32_t c = (len + 15u) & ~15u;
    return c > ROPE_LEAF_MAX ? ROPE_LEAF_MAX : c;
}
static inline uint32_t rope_cap_grow(uint32_t len)
{
    uint32_t c = (len + len / 2 + 63u) & ~63u;
    return c > ROPE_LEAF_MAX ? ROPE_LEAF_MAX : c;
}

/* ---- reads on a tree (rope_tree_read.c) ---- */

/* The leaf holding unit position pos: with right = false, a position on a
 * chunk boundary belongs to the chunk before it (inserts), else to the one
 * after it. Sets *start to the byte offset of the leaf's start and
 * *ustart (if not NULL) to its offset in the unit. */
const struct rope_leaf *vcow__rope_find(const struct vcow_node *root, enum vcow_rope_unit unit,
                                        uint64_t pos, bool right, uint64_t *start,
                                        uint64_t *ustart);
/*
 * to_byte: pos in `from` to a byte offset; VCOW_ERANGE past the end or
 * inside a code point. from_byte: the reverse (byte on a code point
 * boundary). lines_before: line breaks ending at or before byte p
 * (standalone count of [0, p)). line_byte: the byte just after the k-th
 * line break (1 <= k <= breaks). prefix: metrics of [0, x).
 */
int vcow__rope_tree_to_byte(const struct vcow_node *root, enum vcow_rope_unit from, uint64_t pos,
                            uint64_t *byte);
int vcow__rope_tree_from_byte(const struct vcow_node *root, uint64_t byte, enum vcow_rope_unit to,
                              uint64_t *out);
uint64_t vcow__rope_tree_lines_before(const struct vcow_node *root, uint64_t p);
unsigned char vcow__rope_tree_byte_at(const struct vcow_node *root, uint64_t p);
uint64_t vcow__rope_tree_line_byte(const struct vcow_node *root, uint64_t k);
void vcow__rope_tree_prefix(const struct vcow_node *root, uint64_t x, struct rope_sum *out);

/* The chunk cursor on a tree is inline, in rope_tree_iter.h. */

/* ---- checker and diff (rope_tree_check.c, rope_tree_diff.c) ---- */

int vcow__rope_tree_check(const struct vcow_node *root);
/* Changed ranges between two trees, chunk-aligned supersets. */
int vcow__rope_tree_diff(const struct vcow_node *a, const struct vcow_node *b,
                         vcow_rope_diff_fn *fn, void *ctx);

/* ---- the retire destination (rope_tree_sink.c) ---- */

/* Published nodes recorded instead of retired: entries (low bit: a whole
 * subtree) kept back until the caller's sequence of edits succeeds. */
struct rope_hold {
    uintptr_t *e;
    size_t n, cap;
    bool failed; /* the list could not grow: the sequence must be undone */
};

struct rope_sink {
    vcow_txn *t;            /* the txn whose tree an edit changes */
    struct rope_hold *hold; /* NULL: retire into t at once */
};

/* A node the edit replaced (its children live on): freed now when owned. */
void vcow__rope_sink_node(const struct rope_sink *s, struct vcow_node *n);
/* A published subtree dropped whole. */
void vcow__rope_sink_tree(const struct rope_sink *s, struct vcow_node *n);
/* Reserve the slots to retire everything held plus `extra` more:
 * VCOW_ENOMEM when that fails or the hold itself failed. */
int vcow__rope_hold_reserve(vcow_txn *t, const struct rope_hold *h, uint32_t extra);
/* Retire everything held (slots reserved) and free the list. */
void vcow__rope_hold_retire(vcow_txn *t, struct rope_hold *h);
/* Free the list, retiring nothing. */
void vcow__rope_hold_forget(struct rope_hold *h);
/* Free every node of the tree the txn owns (the undo of a held sequence
 * whose base tree was published). */
void vcow__rope_tree_free_owned(vcow_txn *t, struct vcow_node *n);

/* ---- pool and paths (rope_tree_pool.c) ---- */

#define ROPE_POOL_MAX (4 * (ROPE_MAX_H + 2))

/* Nodes an edit allocated before changing anything (runtime/txn.h, rule 2). */
struct rope_pool {
    struct rope_inner *in[ROPE_POOL_MAX];
    struct rope_leaf *lf[4];
    int nin, uin, nlf, ulf;
    bool small; /* a delete left a chunk under ROPE_LEAF_MIN */
};

/* The descent to one chunk. */
struct rope_path {
    struct rope_inner *n[ROPE_MAX_H + 1];
    uint32_t idx[ROPE_MAX_H + 1];
    int h; /* number of inner levels above the leaf */
    struct rope_leaf *leaf;
    uint64_t start;  /* byte offset of the leaf */
    uint64_t ustart; /* its offset in the unit of the descent (locate) */
};

/* Reserve `retire` slots and allocate n_inner inner nodes and n_leaf
 * leaves of the given capacities; on failure nothing is left allocated. */
int vcow__rope_pool_fill(vcow_txn *t, struct rope_pool *p, int n_inner, const uint32_t *leaf_caps,
                         int n_leaf, uint32_t retire);
static inline struct rope_inner *rope_pool_inner(struct rope_pool *p)
{
    return p->in[p->uin++];
}
static inline struct rope_leaf *rope_pool_leaf(struct rope_pool *p)
{
    return p->lf[p->ulf++];
}
/* Make n ours: copy a published inner node (retiring it) from the pool. */
struct rope_inner *vcow__rope_own_inner(const struct rope_sink *s, struct rope_pool *p,
                                        struct rope_inner *n);
/* Replace the leaf under a path whose chunk changed from `was` to `now`;
 * *top receives the new root. */
void vcow__rope_path_update(const struct rope_sink *s, struct rope_pool *p,
                            const struct rope_path *path, const struct rope_sum *was,
                            struct vcow_node *now, struct vcow_node **top);
/* The byte descent to the chunk holding pos (right: the one after a chunk
 * boundary, else the one before it). */
void vcow__rope_find_path(struct vcow_node *root, uint64_t pos, bool right, struct rope_path *p);
/* The left-biased descent by unit to the chunk that takes an insert at pos:
 * the byte position and the path; VCOW_ERANGE past the end or inside a
 * code point. */
int vcow__rope_locate(struct vcow_node *root, enum vcow_rope_unit unit, uint64_t pos,
                      struct rope_path *path, uint64_t *byte);
/* Insert kid at slot i of in (ours); a full node is split with a node from
 * the pool and the new right half returned (else NULL). */
struct rope_inner *vcow__rope_inner_insert(struct rope_pool *p, struct rope_inner *in, uint32_t i,
                                           struct vcow_node *kid);

/* ---- edits of the txn's tree (rope_tree_insert.c, rope_tree_delete.c,
 * rope_tree_merge.c, rope_tree_move.c, rope_tree_pack.c) ----
 *
 * The txn's root must be NULL or a tree. Each edit plans and allocates
 * first, so VCOW_ENOMEM leaves the text unchanged.
 */
/* Insert text (valid UTF-8) at unit position pos: VCOW_ERANGE
 * when pos is not a position of the text or the text would outgrow
 * VCOW_ROPE_MAX_BYTES. */
int vcow__rope_tree_insert_at(const struct rope_sink *s, enum vcow_rope_unit unit, uint64_t pos,
                              const unsigned char *text, size_t len);
/* Delete unit positions [pos, pos + len) (pos + len does not wrap). */
int vcow__rope_tree_delete_at(const struct rope_sink *s, enum vcow_rope_unit unit, uint64_t pos,
                              uint64_t len);
/* The same in bytes, positions checked by the caller (code point
 * boundaries, a < b <= length for deletes). */
int vcow__rope_tree_insert(const struct rope_sink *s, uint64_t pos, const unsigned char *text,
                           size_t n);
int vcow__rope_tree_delete(const struct rope_sink *s, uint64_t a, uint64_t b);
/* Delete [a, b) by one descent along the two boundary paths (whole
 * children cut off as subtrees); merge: apply the merge policy after. An
 * undo of inserts into nodes the txn owns needs no memory: cannot fail. */
int vcow__rope_tree_cut(const struct rope_sink *s, uint64_t a, uint64_t b, bool merge);
/* Retire slots vcow__rope_tree_drop needs; drop a whole subtree (ours
 * freed now, published ones sent to the sink whole). */
uint32_t vcow__rope_tree_drop_slots(const vcow_txn *t, const struct vcow_node *n);
void vcow__rope_tree_drop(const struct rope_sink *s, struct vcow_node *n);
/* Replace an owned root that has one child by the child (repeatedly). */
void vcow__rope_collapse_root(const struct rope_sink *s);
/* The merge policy at byte pos (optional: skipped when memory is short). */
void vcow__rope_merge_small(const struct rope_sink *s, uint64_t pos);
/* Move bytes [a, b) to byte d (d outside (a, b); a < b; d != a, b). */
int vcow__rope_tree_move(const struct rope_sink *s, uint64_t a, uint64_t b, uint64_t d);

/* A text read from its start each time it is opened. */
struct rope_src {
    void (*open)(void *ctx, vcow_rope_iter *it);
    bool (*next)(vcow_rope_iter *it, vcow_slice *chunk);
    void *ctx;
};
/* Build a packed tree of the source's text (not empty), every node
 * allocated first; *out receives it. VCOW_ENOMEM with nothing allocated. */
int vcow__rope_tree_pack(vcow_txn *t, const struct rope_src *src, struct vcow_node **out);

#endif
