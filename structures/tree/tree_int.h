/*
 * structures/tree/tree_int.h - the persistent B+tree: node layouts and the
 * helpers its files share (tree_node.c: layout, build, walk; tree_read.c: lookups,
 * ranges, diff; tree_write.c: set, del; tree_range.c: join, split,
 * del_range; tree_bulk.c: bulk load; tree_check.c: the invariant checker;
 * tree_op.c: the write log; tree_nested.c: equality of nested trees;
 * tree_path.c: a root-to-entry path; tree_cursor.c: the public cursor).
 *
 * Every node starts with struct tnode: the 16-byte vcow_node header (type
 * T_LEAF or T_INNER, aux = n entries), the height (0 for leaves, so depth
 * is uniform by construction and checkable) and the entry count of the
 * whole subtree (rank/select).
 *
 * Leaf (n <= TREE_B entries, n >= TREE_MIN unless root):
 *
 *   offset      size     field
 *   0           32       struct tnode
 *   32          8 * n    key prefixes (first 8 bytes, big-endian)
 *   32 + 8n     24 * n   struct lslot[n]: key offset/len, value type, value
 *   32 + 32n    ...      per entry: key bytes, then inline value bytes
 *                        and a NUL; nothing else (the size is exact)
 *
 *   A value is a scalar in lslot.v, or bytes: inline at offset lslot.v
 *   when vlen <= VCOW_TREE_INLINE_VAL, taking vlen + 1 bytes (the NUL
 *   that makes a value read from a version a C string, vcow/val.h), else
 *   lslot.v points to a blob node, which ends in a NUL too (reported by
 *   walk, retired when the entry goes or changes). The limit stays 64
 *   rather than becoming vlen < 64: the NUL costs its byte either way,
 *   and a 64-byte value in a blob would cost an 89-byte node and a miss.
 *
 * Inner (n <= TREE_B children, n >= TREE_MIN unless root, root n >= 2):
 *
 *   offset      size     field
 *   0           32       struct tnode
 *   32          8 * n    separator prefixes (pfx[0] unused)
 *   32 + 8n     8 * n    child pointers
 *   32 + 16n    8 * n    entry count of each child's subtree
 *   32 + 24n    8 * n    separators (offset, len); sep[0] unused
 *   32 + 32n    ...      separator bytes
 *
 *   Child i holds the keys k with sep[i] <= k < sep[i+1]. In memcmp
 *   order a leaf split stores the shortest separator (the shortest prefix
 *   of the right leaf's first key that is greater than the left leaf's
 *   last key), so inner nodes stay small even with long keys; under a
 *   cell comparator it stores the right leaf's first key in full (struct
 *   kord below).
 *
 * Fanout. TREE_B is the most children of an inner node, TREE_LB the most
 * entries of a leaf (-DVCOW_TREE_FANOUT, -DVCOW_TREE_LEAF_FANOUT; the leaf
 * fanout defaults to the inner one). The table below varied both. A write copies one node per
 * level, so a wider node costs more bytes copied per update but fewer levels (cache misses) per
 * read. Measured with bench_tree (1M random 16-byte keys, 16-byte values; one run each on a shared
 * 2-core VM, so +-15%), built with -DVCOW_TREE_FANOUT=16/32/64:
 *
 *   fanout  random get  scan 100  1-record commit  bulk load 1M
 *   16      1030 ns     2.7 us    3.7 us           368 ms
 *   32       877 ns     2.9 us    3.6 us           314 ms
 *   64       747 ns     2.3 us    3.8 us           210 ms
 *
 * Reads are bound by one cache miss per level and the commit by the
 * runtime and allocator (page faults on fresh node memory), not by the
 * bytes copied, so 64 wins: with the prefix array a search touches ~7 of
 * a leaf's 8-byte prefixes (one 512-byte array) and one slot. A leaf of
 * 16-byte keys and values is then 32 + 64 * (8 + 24 + 16 + 16 + 1) = 4192
 * bytes (the 1: each value's NUL), about the size of an LMDB page. Stack
 * use: an operation keeps a few arrays of TREE_B + 1 entries per level of
 * recursion (about 5 KiB per level at 64).
 *
 * Where a 1-record commit goes (1M keys as above, perf on the 2-core VM):
 * about 80% of the writer's time is the tree's set, and most of that is
 * memory traffic, not instructions: the cold path is read (a get's
 * cost, 0.5-0.9 us here), then one node per level is allocated and
 * copied in full (leaf 4.1 KB, two inner nodes ~2.4 KB each, the root:
 * ~9 KB per commit) into memory that the reclaimer freed on another
 * thread and is cold.
 * set+abort in one thread (nodes reused hot) costs ~1.9 us, set+commit
 * ~3.3-3.8 us, a box commit (the runtime alone) ~0.5 us. Leaves of 32
 * (-DVCOW_TREE_LEAF_FANOUT=32, inner nodes still 64: same height at 1M
 * keys) copy ~7 KB: set+abort -16% (best of 5), commit -10% (median of
 * 12 runs), but gets measured ~5% slower (median of 12; the inner level
 * above the leaves doubles), so the default stays 64.
 *
 * Writes are functional inside one operation: they build new nodes next to
 * the old ones, record the nodes they replace, and only when every
 * allocation has succeeded do they reserve retire slots, swing the txn's
 * root and retire (struct op). A failed allocation frees what was built and
 * leaves the txn exactly as it was (runtime/txn.h rules 2-5).
 */
#ifndef VCOW_TREE_INTERNAL_H
#define VCOW_TREE_INTERNAL_H

#include <string.h>

#include "runtime/blob.h"
#include "runtime/txn.h"
#include <vcow/tree.h>

#ifndef VCOW_TREE_FANOUT
#define VCOW_TREE_FANOUT 64
#endif
#ifndef VCOW_TREE_LEAF_FANOUT
#define VCOW_TREE_LEAF_FANOUT VCOW_TREE_FANOUT
#endif
#define TREE_B         VCOW_TREE_FANOUT      /* children of an inner node, at most */
#define TREE_MIN       (TREE_B / 2)          /* ... at least, unless root */
#define TREE_LB        VCOW_TREE_LEAF_FANOUT /* entries of a leaf, at most */
#define TREE_LMIN      (TREE_LB / 2)         /* ... at least, unless root */
#define TREE_MAX_DEPTH 48

_Static_assert(TREE_B >= 4 && TREE_B <= 1024, "fanout out of range");
_Static_assert(TREE_LB >= 4 && TREE_LB <= 1024, "leaf fanout out of range");

enum { T_LEAF = 1, T_INNER = 2 };

struct tnode {
    struct vcow_node hdr; /* type T_LEAF / T_INNER, aux = n */
    uint32_t height;      /* 0 for leaves */
    uint32_t pad;
    uint64_t total; /* entries in this subtree */
};
_Static_assert(sizeof(struct tnode) == 32, "tnode is 32 bytes");

struct lslot {
    uint32_t koff;
    uint16_t klen;
    uint8_t vtype; /* enum vcow_type */
    uint8_t vblob; /* bytes in a blob: v is the blob pointer */
    uint32_t vlen; /* bytes length */
    uint32_t pad;
    uint64_t v; /* i64 / f64 bits / bool, inline offset, or blob pointer */
};
_Static_assert(sizeof(struct lslot) == 24, "lslot is 24 bytes");

struct isep {
    uint32_t off;
    uint32_t len;
};

/* A key (or separator) somewhere in memory that outlives the operation. */
struct kref {
    const uint8_t *p;
    uint32_t len;
};

/* A leaf entry being moved into a new node. */
struct lent {
    struct kref k;
    uint8_t vtype, vblob;
    uint32_t vlen;
    uint64_t v;            /* scalar bits or blob pointer */
    const uint8_t *vbytes; /* inline bytes source (vblob == 0, BYTES) */
};

/* An inner entry being moved into a new node: sep is the separator before
 * child (ignored for the first entry of a node, but kept meaningful where
 * a caller needs the subtree's lower bound). */
struct ient {
    struct vcow_node *child;
    uint64_t cnt;
    struct kref sep;
};

static inline unsigned tn_n(const struct tnode *x)
{
    return x->hdr.aux;
}

static inline bool tn_leaf(const struct tnode *x)
{
    return x->hdr.type == T_LEAF;
}

/* The most / fewest entries x may hold (the fewest unless it is the root). */
static inline unsigned tn_max(const struct tnode *x)
{
    return tn_leaf(x) ? TREE_LB : TREE_B;
}

static inline unsigned tn_min(const struct tnode *x)
{
    return tn_leaf(x) ? TREE_LMIN : TREE_MIN;
}

/* Key prefixes: leaves and inner nodes start with one uint64_t per entry,
 * the first 8 key bytes big-endian (zero-padded), so that a binary search
 * runs over one dense array and reads a key's bytes only on a prefix tie.
 * Written under every order, read only in memcmp order. */
static inline uint64_t *tn_pfx(const struct tnode *x)
{
    return (uint64_t *)(x + 1);
}

static inline struct lslot *leaf_slots(const struct tnode *x)
{
    return (struct lslot *)(tn_pfx(x) + x->hdr.aux);
}

static inline struct tnode **in_child(const struct tnode *x)
{
    return (struct tnode **)(tn_pfx(x) + x->hdr.aux);
}

static inline uint64_t *in_cnt(const struct tnode *x)
{
    return (uint64_t *)(in_child(x) + tn_n(x));
}

static inline struct isep *in_sep(const struct tnode *x)
{
    return (struct isep *)(in_cnt(x) + tn_n(x));
}

static inline const uint8_t *tn_bytes(const struct tnode *x, uint32_t off)
{
    return (const uint8_t *)x + off;
}

static inline struct kref leaf_key(const struct tnode *x, unsigned i)
{
    const struct lslot *s = &leaf_slots(x)[i];
    struct kref k = {tn_bytes(x, s->koff), s->klen};
    return k;
}

static inline struct kref in_key(const struct tnode *x, unsigned i)
{
    const struct isep *s = &in_sep(x)[i];
    struct kref k = {tn_bytes(x, s->off), s->len};
    return k;
}

static inline int key_cmp(const void *a, size_t alen, const void *b, size_t blen)
{
    size_t m = alen < blen ? alen : blen;
    int c = m ? memcmp(a, b, m) : 0;
    if (c != 0)
        return c;
    return alen < blen ? -1 : alen > blen ? 1 : 0;
}

static inline int kref_cmp(struct kref a, struct kref b)
{
    return key_cmp(a.p, a.len, b.p, b.len);
}

/*
 * The key order of a tree: the cell's comparator (struct vcow_cell_opts
 * compare / compare_ctx), or fn == NULL for memcmp order. Every entry point
 * takes it from its txn or version (vcow_txn_opts / vcow_version_opts) on
 * each call and passes it down; nodes never store it, so one layout serves
 * every order and a tree nested in another cell's value follows that cell.
 *
 * With memcmp order a search compares the 8-byte prefixes first and the
 * separators are the shortest that split two leaves (vcow__bt_short_sep). With a
 * comparator only the comparator orders keys: the prefixes are still
 * written (the layout is the same) but never consulted, and a separator is
 * the right leaf's first key in full, which is valid under any order.
 */
typedef int bt_cmp_fn(const void *a, size_t alen, const void *b, size_t blen, void *ctx);

struct kord {
    bt_cmp_fn *fn; /* NULL: memcmp order */
    void *ctx;
};

static inline struct kord bt_ord(const struct vcow_cell_opts *o)
{
    struct kord k = {o->compare, o->compare_ctx};
    return k;
}

static inline int ord_cmp(const struct kord *o, const void *a, size_t alen, const void *b,
                          size_t blen)
{
    if (o->fn == NULL)
        return key_cmp(a, alen, b, blen);
    return o->fn(a, alen, b, blen, o->ctx);
}

static inline int ord_kcmp(const struct kord *o, struct kref a, struct kref b)
{
    return ord_cmp(o, a.p, a.len, b.p, b.len);
}

static inline uint64_t key_pfx(const void *key, size_t len)
{
    const uint8_t *k = key;
    uint64_t p = 0;
    if (len >= 8) {
        uint64_t w;
        memcpy(&w, k, 8);
        return __builtin_bswap64(w);
    }
    for (size_t i = 0; i < 8; i++)
        p = (p << 8) | (i < len ? k[i] : 0);
    return p;
}

/* Allocate a copy of x (same size, same entries) that the op owns. */
struct op;
struct tnode *vcow__bt_tn_clone(struct op *o, const struct tnode *x);

/* ---- tree_node.c ---- */

/* Index of the first leaf key >= key; *eq when an equal one is found.
 * _mem: memcmp order (prefixes first); _ord: the comparator. */
unsigned vcow__bt_leaf_search_mem(const struct tnode *x, const void *key, size_t klen, bool *eq);
unsigned vcow__bt_leaf_search_ord(const struct kord *ord, const struct tnode *x, const void *key,
                                  size_t klen, bool *eq);
/* The child of inner x whose range holds key. */
unsigned vcow__bt_inner_route_mem(const struct tnode *x, const void *key, size_t klen);
unsigned vcow__bt_inner_route_ord(const struct kord *ord, const struct tnode *x, const void *key,
                                  size_t klen);

/* The order's search, chosen inline: the memcmp path costs one
 * predictable branch per node over the comparator-free code. */
static inline unsigned bt_leaf_search(const struct kord *ord, const struct tnode *x,
                                      const void *key, size_t klen, bool *eq)
{
    if (__builtin_expect(ord->fn == NULL, 1))
        return vcow__bt_leaf_search_mem(x, key, klen, eq);
    return vcow__bt_leaf_search_ord(ord, x, key, klen, eq);
}

static inline unsigned bt_inner_route(const struct kord *ord, const struct tnode *x,
                                      const void *key, size_t klen)
{
    if (__builtin_expect(ord->fn == NULL, 1))
        return vcow__bt_inner_route_mem(x, key, klen);
    return vcow__bt_inner_route_ord(ord, x, key, klen);
}

void vcow__bt_leaf_get_ent(const struct tnode *x, unsigned i, struct lent *e);
void vcow__bt_inner_get_ent(const struct tnode *x, unsigned i, struct ient *e);
void vcow__bt_slot_to_val(const struct tnode *x, const struct lslot *s, vcow_val *out);

/* The tree a version (or view, or txn view) reads; its key order. */
static inline int bt_vcheck(const vcow_version *v)
{
    return v != NULL && vcow_version_kind(v) == VCOW_KIND_TREE ? VCOW_OK : VCOW_EINVAL;
}

static inline const struct tnode *bt_vroot(const vcow_version *v)
{
    return (const struct tnode *)vcow_version_root(v);
}

static inline struct kord bt_vord(const vcow_version *v)
{
    return bt_ord(vcow_version_opts(v));
}

/* The path from the root to one entry (tree_path.c). Positioned by rank
 * (r < the root's total); next / prev step past the end silently: the
 * caller counts entries. */
struct bt_cursor {
    const struct tnode *node[TREE_MAX_DEPTH];
    unsigned idx[TREE_MAX_DEPTH];
    int depth; /* node[depth] is the leaf */
};
void vcow__bt_cur_select(struct bt_cursor *c, const struct tnode *x, uint64_t r);
void vcow__bt_cur_next(struct bt_cursor *c);
void vcow__bt_cur_prev(struct bt_cursor *c);

/* Entry i of a leaf: its key and value (either may be NULL). */
void vcow__bt_put_kv(const struct tnode *leaf, unsigned i, vcow_slice *k, vcow_val *val);
void vcow__bt_lent_to_val(const struct lent *e, vcow_val *out);
/* The smallest key of a non-empty subtree. */
struct kref vcow__bt_tn_minkey(const struct tnode *x);

/* ---- write helpers (tree_op.c) ---- */

/*
 * One write operation's bookkeeping. Nodes it allocates go on alloc (freed
 * if the operation fails); nodes it replaces go on ret (retired alone) or
 * rtree (whole subtrees dropped), applied only once it has succeeded.
 */
struct op {
    vcow_txn *t;
    struct kord ord; /* the txn's key order */
    struct vcow_node **alloc, **ret, **rtree;
    unsigned nalloc, nret, nrtree, cap;
    bool failed;
};

void vcow__bt_op_init(struct op *o, vcow_txn *t, struct vcow_node **buf, unsigned cap);
void *vcow__bt_op_alloc(struct op *o, size_t size, enum vcow_mem kind);
void vcow__bt_op_retire(struct op *o, struct vcow_node *n);
void vcow__bt_op_retire_tree(struct op *o, struct vcow_node *n);
/* Reserve, swing the root, retire. ENOMEM (everything undone) if reserving fails. */
int vcow__bt_op_finish(struct op *o, struct tnode *root);
/* Free what the operation built; the txn is unchanged. Returns VCOW_ENOMEM. */
int vcow__bt_op_abort(struct op *o);

struct tnode *vcow__bt_leaf_build(struct op *o, const struct lent *e, unsigned n);
struct tnode *vcow__bt_inner_build(struct op *o, const struct ient *e, unsigned n, uint32_t height);
/* A separator s with a < s <= b (a < b) as a prefix of b: the shortest
 * one in memcmp order, b itself under a comparator. */
struct kref vcow__bt_short_sep(const struct kord *ord, struct kref a, struct kref b);
/* Retire the blob of a leaf entry that goes away. */
void vcow__bt_op_retire_val(struct op *o, const struct lent *e);

/*
 * Combine two adjacent nodes of one height (a's keys < sep <= b's keys)
 * into one node, or two balanced ones when they do not fit in one (then
 * *outsep is the separator between them). Retires a and b. Returns the
 * number of nodes made (1 or 2), 0 on allocation failure.
 */
int vcow__bt_pair_combine(struct op *o, struct tnode *a, struct tnode *b, struct kref sep,
                          struct tnode **out, struct kref *outsep);

/* Validate a key for storing (values: vcow__val_check(v, false), runtime/node.h:
 * a tree's values cannot be structures). */
int vcow__bt_check_key(const void *key, size_t klen);
/* Make a leaf entry for (key, val); allocates a blob for long bytes. */
int vcow__bt_make_lent(struct op *o, const void *key, size_t klen, const vcow_val *v,
                       struct lent *e);

/* ---- tree_range.c ---- */

/* Join two trees (all keys of l < all keys of r); either may be NULL. */
struct tnode *vcow__bt_tree_join(struct op *o, struct tnode *l, struct tnode *r);

/* ---- tree_read.c (shared by the version and txn entry points) ---- */

int vcow__bt_root_get(const struct kord *ord, const struct tnode *r, const void *key, size_t klen,
                      vcow_val *out);
int vcow__bt_root_range(const struct kord *ord, const struct tnode *r, const void *lo, size_t lolen,
                        const void *hi, size_t hilen, unsigned flags, vcow_visit_fn *fn, void *ctx);
/* Ranks [*from, *to) covered by the bounds; VCOW_ERANGE when inverted. */
int vcow__bt_root_bounds(const struct kord *ord, const struct tnode *r, const void *lo,
                         size_t lolen, const void *hi, size_t hilen, unsigned flags, uint64_t *from,
                         uint64_t *to);
uint64_t vcow__bt_root_rank(const struct kord *ord, const struct tnode *r, const void *key,
                            size_t klen, bool upper);

/* ---- tree_diff_range.c ---- */

/* The diff of ra and rb restricted to the keys the bounds take (flags as
 * vcow_tree_range, without VCOW_TREE_REVERSE). */
int vcow__bt_diff_range(const struct kord *ord, const struct tnode *ra, const struct tnode *rb,
                        const void *lo, size_t lolen, const void *hi, size_t hilen, unsigned flags,
                        vcow_diff_fn *fn, void *ctx);

/* ---- tree_revert.c: the revert hook (struct vcow_kind_ops) ---- */
int vcow__bt_revert(vcow_txn *t, const vcow_version *from, const vcow_version *to);

/* ---- tree_check.c ---- */
int vcow__bt_tree_check_root(const struct kord *ord, const struct tnode *r);

#endif
