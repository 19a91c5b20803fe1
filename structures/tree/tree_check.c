/*
 * structures/tree/tree_check.c - the invariant checker (tests and debugging):
 * key order (the cell's: memcmp or its comparator) inside each node and
 * against the separators above it, fill
 * (tn_min..tn_max, root: >= 1 entry / >= 2 children), uniform depth,
 * subtree counts, slot encoding (inline values up to VCOW_TREE_INLINE_VAL
 * bytes, longer ones in blobs, each followed by a NUL), exact leaf sizes.
 * O(n).
 */
#include <stdio.h>

#include "tree_int.h"

#define FAIL(...)                                                                                  \
    do {                                                                                           \
        fprintf(stderr, "vcow_tree_check: " __VA_ARGS__);                                          \
        fputc('\n', stderr);                                                                       \
        return VCOW_ECORRUPT;                                                                      \
    } while (0)

/* Every key k of x satisfies lo <= k < hi (NULL p: unbounded), in the
 * tree's order. */
static int check_node(const struct kord *ord, const struct tnode *x, bool root,
                      const struct kref *lo, const struct kref *hi, uint32_t height)
{
    unsigned n = tn_n(x);
    if (x->hdr.kind != VCOW_KIND_TREE)
        FAIL("node of kind %u", x->hdr.kind);
    if (x->height != height)
        FAIL("height %u where %u expected", x->height, height);
    if (n > tn_max(x))
        FAIL("%u entries > %u", n, tn_max(x));
    if (!root && n < tn_min(x))
        FAIL("non-root node with %u entries < %u", n, tn_min(x));
    if (root && n < (tn_leaf(x) ? 1u : 2u))
        FAIL("root with %u entries", n);
    if (tn_leaf(x)) {
        if (x->hdr.type != T_LEAF || height != 0)
            FAIL("leaf type %u at height %u", x->hdr.type, height);
        if (x->total != n)
            FAIL("leaf total %llu != %u", (unsigned long long)x->total, n);
        const struct lslot *s = leaf_slots(x);
        /* Header, prefixes, slots, then exactly the key and inline value
         * bytes (vcow__bt_leaf_build): a leaf carries no slack. */
        uint64_t size = sizeof(struct tnode) + (uint64_t)n * (8 + sizeof(struct lslot));
        for (unsigned i = 0; i < n; i++) {
            struct kref k = leaf_key(x, i);
            if (s[i].koff + (uint64_t)s[i].klen > x->hdr.size || k.len > VCOW_TREE_MAX_KEY)
                FAIL("key %u out of its node", i);
            if (tn_pfx(x)[i] != key_pfx(k.p, k.len))
                FAIL("leaf key prefix %u stale", i);
            if (i > 0 && ord_kcmp(ord, leaf_key(x, i - 1), k) >= 0)
                FAIL("leaf keys %u, %u out of order", i - 1, i);
            if (lo != NULL && lo->p != NULL && ord_kcmp(ord, k, *lo) < 0)
                FAIL("leaf key below its separator");
            if (hi != NULL && hi->p != NULL && ord_kcmp(ord, k, *hi) >= 0)
                FAIL("leaf key not below the next separator");
            size += k.len;
            switch (s[i].vtype) {
            case VCOW_T_BYTES:
                /* Bytes up to VCOW_TREE_INLINE_VAL inline, longer in a
                 * blob; either way followed by a NUL. */
                if (s[i].vblob) {
                    const struct vcow_blob *b = (const struct vcow_blob *)(uintptr_t)s[i].v;
                    if (b->hdr.kind != VCOW_MEM_BLOB || b->len != s[i].vlen ||
                        s[i].vlen <= VCOW_TREE_INLINE_VAL ||
                        b->hdr.size != sizeof(*b) + b->len + 1 || b->bytes[b->len] != 0)
                        FAIL("bad blob value at %u", i);
                } else if (s[i].vlen > VCOW_TREE_INLINE_VAL ||
                           s[i].v + s[i].vlen + 1 > x->hdr.size) {
                    FAIL("bad inline value at %u", i);
                } else if (tn_bytes(x, (uint32_t)s[i].v)[s[i].vlen] != 0) {
                    FAIL("inline value at %u not followed by a NUL", i);
                } else {
                    size += s[i].vlen + 1;
                }
                break;
            case VCOW_T_I64:
            case VCOW_T_F64:
            case VCOW_T_BOOL:
                if (s[i].vblob)
                    FAIL("scalar marked as blob");
                break;
            default:
                FAIL("value type %u", s[i].vtype);
            }
        }
        if (size != x->hdr.size)
            FAIL("leaf of %u bytes holds %llu", x->hdr.size, (unsigned long long)size);
        return VCOW_OK;
    }
    if (x->hdr.type != T_INNER || height == 0)
        FAIL("inner type %u at height %u", x->hdr.type, height);
    uint64_t total = 0;
    for (unsigned i = 0; i < n; i++) {
        struct kref clo = i == 0 ? (lo != NULL ? *lo : (struct kref){NULL, 0}) : in_key(x, i);
        struct kref chi =
            i + 1 < n ? in_key(x, i + 1) : (hi != NULL ? *hi : (struct kref){NULL, 0});
        if (i > 0 && lo != NULL && lo->p != NULL && ord_kcmp(ord, clo, *lo) <= 0)
            FAIL("separator not above the lower bound");
        if (i + 1 < n && ord_kcmp(ord, in_key(x, i), in_key(x, i + 1)) >= 0 && i > 0)
            FAIL("separators %u, %u out of order", i, i + 1);
        if (ord->fn == NULL && i > 0 && clo.len == 0 && clo.p != NULL)
            FAIL("empty separator %u", i); /* memcmp: nothing is below the empty key */
        if (i > 0 && tn_pfx(x)[i] != key_pfx(clo.p, clo.len))
            FAIL("separator prefix %u stale", i);
        const struct tnode *c = in_child(x)[i];
        if (in_cnt(x)[i] != c->total)
            FAIL("count %llu of child %u != its total %llu", (unsigned long long)in_cnt(x)[i], i,
                 (unsigned long long)c->total);
        total += c->total;
        int rc = check_node(ord, c, false, &clo, &chi, height - 1);
        if (rc != VCOW_OK)
            return rc;
    }
    if (total != x->total)
        FAIL("inner total %llu != sum %llu", (unsigned long long)x->total,
             (unsigned long long)total);
    return VCOW_OK;
}

int vcow__bt_tree_check_root(const struct kord *ord, const struct tnode *r)
{
    if (r == NULL)
        return VCOW_OK;
    if (r->height >= TREE_MAX_DEPTH)
        FAIL("height %u", r->height);
    return check_node(ord, r, true, NULL, NULL, r->height);
}
