/*
 * structures/map/hamt_node.h - CHAMP node layout and the helpers every
 * part of the hamt shares (Steindorfer & Vinju, "Optimizing Hash-Array
 * Mapped Tries for Fast and Lean Immutable JVM Collections", OOPSLA 2015).
 *
 * Bitmap node (hdr.type = HN_BITMAP), 32-way, 5 hash bits per level:
 *
 *   offset        size      field
 *   0             16        struct vcow_node
 *   16            4         datamap  bit i set: an entry for fragment i is inline
 *   20            4         nodemap  bit i set: a child node for fragment i
 *   24            8         count    entries in the whole subtree (len in O(1))
 *   32            32*nd     entries, in fragment order  (nd = popcount(datamap))
 *   32+32*nd      16*nn     child slots, in fragment order (nn = popcount(nodemap))
 *
 * Child slot (struct hslot, 16 bytes): the child's pointer and a copy of
 * the child's datamap and nodemap. A lookup that reaches a slot knows the
 * child's bitmaps before it touches the child, so it loads only the one
 * line of the child it needs (the entry or the next slot) and never the
 * child's header: one dependent cache miss per level instead of two. The
 * copy is exact: a node's bitmaps never change once it is in a slot (a
 * write that changes them makes a new node, and relinking it rewrites the
 * slot through slot_set); vcow_map_check verifies every copy.
 *
 * Collision node (hdr.type = HN_COLL), only at depth HAMT_COLL_DEPTH, where
 * all 64 hash bits are used up: datamap = number of entries (>= 2), nodemap
 * = 0, entries sorted by key bytes (so the shape is canonical). A node's
 * type is therefore a function of its depth (lookups use that and never
 * read the type).
 *
 * Entry (32 bytes; 12-byte keys with 16-byte values fit whole):
 *
 *   offset  size  field
 *   0       1     key length 1..15 (key inline at 3), or 0: key blob
 *                 (keys of 0 or more than 15 bytes: the empty key too)
 *   1       1     enum vcow_type | HV_BLOB (value in a blob)
 *   2       1     inline value length (bytes)
 *   3       klen  inline key
 *   8       8     key blob pointer (when byte 0 is 0)
 *   voff    ..32  inline value bytes, then zeros up to 32: voff = 3 + klen,
 *                 or 16 for a blob key; val_cap = 32 - voff
 *   24      8     i64 / f64 / bool / value blob pointer / nested root (map,
 *                 tree or rope; NULL when empty)
 *
 * Byte values read from a version end in a NUL (vcow/val.h): an inline
 * value is inline only when its bytes and that NUL fit (len + 1 <= val_cap:
 * up to 16 bytes after a 12-byte key, 13 after a 15-byte key, 15 after a
 * blob key), and the first of the zeros after it is the NUL; a longer one
 * goes to a blob, which ends in a NUL too (runtime/blob.h).
 *
 * Whether a key or value is inline is a function of the entry alone, so the
 * representation stays canonical.
 *
 * Canonical form (CHAMP): a non-root node never holds exactly one entry in
 * its subtree (a delete that leaves one moves it up into the parent), so a
 * map's shape depends only on its contents. Equality and diff rely on it;
 * vcow_map_check verifies it.
 */
#ifndef VCOW_HAMT_NODE_H
#define VCOW_HAMT_NODE_H

#include <string.h>

#include "runtime/blob.h"
#include "runtime/hash.h"
#include "runtime/txn.h"
#include <vcow/map.h>

enum { HN_BITMAP = 1, HN_COLL = 2 };

#define HAMT_BITS       5
#define HAMT_COLL_DEPTH 13 /* 13 * 5 >= 64: depth 13 has no hash bits left */
#define HAMT_KEY_INLINE 15
#define HV_BLOB         0x80

struct hent {
    union {
        unsigned char raw[32];
        struct {
            uint64_t w0;
            struct vcow_blob *kblob; /* raw[0] == 0 */
            uint64_t w2;
            union {
                int64_t i64;
                double f64;
                uint64_t bo;
                struct vcow_blob *vblob;
                struct hnode *root;       /* VCOW_T_MAP, VCOW_T_ARRAY */
                struct vcow_node *nested; /* any nested structure (MAP, ARRAY, TREE, ROPE) */
            };
        };
    };
};
_Static_assert(sizeof(struct hent) == 32, "entry is 32 bytes");

/* Where an entry's inline value bytes start, and how many fit. */
static inline unsigned val_off(const struct hent *e)
{
    return e->raw[0] != 0 ? 3u + e->raw[0] : 16u;
}

static inline size_t val_cap(const struct hent *e)
{
    return sizeof(e->raw) - val_off(e);
}

/* Do len value bytes and their NUL fit inline in e (whose key is set)? */
static inline bool val_fits(const struct hent *e, size_t len)
{
    return len < val_cap(e);
}

struct hnode {
    struct vcow_node hdr;
    uint32_t datamap;
    uint32_t nodemap;
    uint64_t count;
    struct hent ent[];
};
_Static_assert(sizeof(struct hnode) == 32, "node header is 32 bytes");

/* A child slot: the child and a copy of its bitmaps (see the layout). */
struct hslot {
    struct hnode *node;
    uint32_t datamap;
    uint32_t nodemap;
};
_Static_assert(sizeof(struct hslot) == 16, "child slot is 16 bytes");

/* A key as the operations see it: bytes and hash. */
struct hkey {
    const unsigned char *ptr;
    size_t len;
    uint64_t hash;
};

/* Without -mpopcnt, __builtin_popcount is a call into libgcc (measured:
 * 5 % of a lookup); the SWAR form is a few inline instructions. */
static inline unsigned popc(uint32_t x)
{
#ifdef __POPCNT__
    return (unsigned)__builtin_popcount(x);
#else
    x = x - ((x >> 1) & 0x55555555u);
    x = (x & 0x33333333u) + ((x >> 2) & 0x33333333u);
    x = (x + (x >> 4)) & 0x0F0F0F0Fu;
    return (x * 0x01010101u) >> 24;
#endif
}

static inline unsigned frag(uint64_t hash, unsigned depth)
{
    unsigned shift = depth * HAMT_BITS;
    return shift < 64 ? (unsigned)(hash >> shift) & 31u : 0u;
}

/* Index of bit among the set bits of map below it. */
static inline unsigned bindex(uint32_t map, uint32_t bit)
{
    return popc(map & (bit - 1));
}

static inline unsigned n_data(const struct hnode *n)
{
    return n->hdr.type == HN_COLL ? n->datamap : popc(n->datamap);
}

static inline unsigned n_nodes(const struct hnode *n)
{
    return n->hdr.type == HN_COLL ? 0 : popc(n->nodemap);
}

/* A node's child slots (after its nd entries). */
static inline struct hslot *slots_at(const struct hnode *n, unsigned nd)
{
    return (struct hslot *)(void *)((char *)(uintptr_t)n->ent + nd * sizeof(struct hent));
}

static inline struct hslot *slots(const struct hnode *n)
{
    return slots_at(n, n_data(n));
}

/* The i-th child of n. */
static inline struct hnode *child(const struct hnode *n, unsigned i)
{
    return slots(n)[i].node;
}

/* Point a slot at c, copying c's bitmaps (c is complete: its bitmaps do
 * not change afterwards). */
static inline void slot_set(struct hslot *s, struct hnode *c)
{
    s->node = c;
    s->datamap = c->datamap;
    s->nodemap = c->nodemap;
}

static inline size_t bitmap_size(unsigned nd, unsigned nn)
{
    return sizeof(struct hnode) + nd * sizeof(struct hent) + nn * sizeof(struct hslot);
}

static inline size_t coll_size(unsigned n)
{
    return sizeof(struct hnode) + n * sizeof(struct hent);
}

static inline const unsigned char *ent_key(const struct hent *e, size_t *len)
{
    if (e->raw[0] != 0) {
        *len = e->raw[0];
        return e->raw + 3;
    }
    *len = e->kblob->len;
    return e->kblob->bytes;
}

static inline bool ent_key_eq(const struct hent *e, const struct hkey *k)
{
    if (e->raw[0] != 0)
        return e->raw[0] == k->len && memcmp(e->raw + 3, k->ptr, k->len) == 0;
    return e->kblob->len == k->len && memcmp(e->kblob->bytes, k->ptr, k->len) == 0;
}

static inline enum vcow_type ent_type(const struct hent *e)
{
    return (enum vcow_type)(e->raw[1] & ~HV_BLOB);
}

/* Does the entry hold a nested structure (whose root is e->nested)? */
static inline bool ent_nested(const struct hent *e)
{
    return vcow_nested_kind(ent_type(e)) != 0;
}

/* The value of an entry as a vcow_val pointing into the node. */
static inline vcow_val ent_val(const struct hent *e)
{
    vcow_val out;
    memset(&out, 0, sizeof(out));
    out.type = ent_type(e);
    switch (out.type) {
    case VCOW_T_BYTES:
        if (e->raw[1] & HV_BLOB) {
            out.u.bytes.ptr = e->vblob->bytes;
            out.u.bytes.len = e->vblob->len;
        } else {
            out.u.bytes.ptr = e->raw + val_off(e);
            out.u.bytes.len = e->raw[2];
        }
        break;
    case VCOW_T_I64:
        out.u.i64 = e->i64;
        break;
    case VCOW_T_F64:
        out.u.f64 = e->f64;
        break;
    case VCOW_T_BOOL:
        out.u.b = e->bo != 0;
        break;
    case VCOW_T_MAP:
    case VCOW_T_ARRAY:
    case VCOW_T_TREE:
    case VCOW_T_ROPE:
        out.u.root = e->nested;
        break;
    default:
        break;
    }
    return out;
}

static inline int key_check(const void *key, size_t klen)
{
    return (key == NULL && klen != 0) || klen > VCOW_MAP_KEY_MAX ? VCOW_EINVAL : VCOW_OK;
}

static inline struct hkey make_key(const void *key, size_t klen)
{
    if (key == NULL)
        key = ""; /* the empty key: no NULL reaches memcmp or memcpy */
    struct hkey k = {(const unsigned char *)key, klen, vcow_hash(key, klen)};
    return k;
}

/* Find key in the map rooted at n; NULL when absent. Each level reads the
 * node's bitmaps from the slot that led to it (the root's from its header),
 * then one entry or one slot: the only line of the node it needs. */
static inline const struct hent *map_find(const struct hnode *n, const struct hkey *k)
{
    if (n == NULL)
        return NULL;
    uint32_t dm = n->datamap, nm = n->nodemap;
    for (unsigned d = 0;; d++) {
        if (d == HAMT_COLL_DEPTH) { /* a collision node: dm is its count */
            for (unsigned i = 0; i < dm; i++)
                if (ent_key_eq(&n->ent[i], k))
                    return &n->ent[i];
            return NULL;
        }
        uint32_t bit = 1u << frag(k->hash, d);
        if (dm & bit) {
            const struct hent *e = &n->ent[bindex(dm, bit)];
            return ent_key_eq(e, k) ? e : NULL;
        }
        if (!(nm & bit))
            return NULL;
        const struct hslot *s = &slots_at(n, popc(dm))[bindex(nm, bit)];
        n = s->node;
        dm = s->datamap;
        nm = s->nodemap;
    }
}

static inline uint64_t map_count(const struct hnode *n)
{
    return n == NULL ? 0 : n->count;
}

/* Byte order of keys (collision nodes keep their entries in it). */
static inline int key_cmp(const unsigned char *a, size_t alen, const unsigned char *b, size_t blen)
{
    size_t m = alen < blen ? alen : blen;
    int c = m ? memcmp(a, b, m) : 0;
    if (c != 0)
        return c;
    return alen < blen ? -1 : alen > blen;
}

/* ---- shared between the parts (hamt.c, hamt_path.c, hamt_read.c) ---- */

/* Set / delete in the map whose root is *rootp (a txn's root or a nested
 * map root held in an owned entry). Atomic: on error nothing changed. */
int vcow__hamt_map_set(vcow_txn *t, struct hnode **rootp, const struct hkey *k, vcow_val val);
int vcow__hamt_map_del(vcow_txn *t, struct hnode **rootp, const struct hkey *k);

/* Make every node on the way from *rootp to key's entry owned by t
 * (copying published ones: the content does not change) and return the
 * entry, now writable in place; NULL with *rc set when absent or on error. */
struct hent *vcow__hamt_own_path(vcow_txn *t, struct hnode **rootp, const struct hkey *k, int *rc);

/* Build a fresh map holding one entry (key -> val). */
int vcow__hamt_map_single(vcow_txn *t, const struct hkey *k, vcow_val val, struct hnode **out);

/* The versions two compared maps come from: nested trees and ropes are
 * compared through views of them (their kinds' equal hooks). */
struct hpair {
    const vcow_version *a, *b;
};
bool vcow__hamt_map_equal(const struct hpair *vp, const struct hnode *a, const struct hnode *b);
bool vcow__hamt_val_equal(const struct hpair *vp, const struct hent *a, const struct hent *b);
int vcow__hamt_check_map(const struct hnode *root);

/* Shared by the read, path and nested-map files (paths and arrays:
 * hamt_path.h). */
int vcow__hamt_iter_root(const struct hnode *root, vcow_visit_fn *fn, void *ctx);
int vcow__hamt_diff_roots(const struct hpair *vp, const struct hnode *ra, const struct hnode *rb,
                          vcow_diff_fn *fn, void *ctx);

#endif
