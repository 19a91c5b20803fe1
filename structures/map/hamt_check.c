/*
 * structures/map/hamt_check.c - the debug invariant checker (the role
 * SQLite's btree integrity check plays): every invariant hamt_node.h
 * states, for a map and all the maps nested in it.
 */
#include <stdio.h>

#include "hamt_path.h"

#define FAIL(...)                                                                                  \
    do {                                                                                           \
        fprintf(stderr, "hamt check: " __VA_ARGS__);                                               \
        fputc('\n', stderr);                                                                       \
        return VCOW_ECORRUPT;                                                                      \
    } while (0)

struct chk {
    uint64_t prefix; /* hash bits fixed by the path so far */
    unsigned depth;
};

/* A blob node of len bytes and the NUL after them (runtime/blob.h). */
static bool blob_ok(const struct vcow_blob *b)
{
    return b != NULL && b->hdr.kind == VCOW_MEM_BLOB && b->len <= UINT32_MAX &&
           b->hdr.size == sizeof(*b) + b->len + 1 && b->bytes[b->len] == 0;
}

static int check_entry(const struct hent *e)
{
    if (e->raw[0] == 0) {
        if (!blob_ok(e->kblob))
            FAIL("key blob missing or malformed");
        if ((e->kblob->len >= 1 && e->kblob->len <= HAMT_KEY_INLINE) ||
            e->kblob->len > VCOW_MAP_KEY_MAX)
            FAIL("key blob of %llu bytes", (unsigned long long)e->kblob->len);
    } else if (e->raw[0] > HAMT_KEY_INLINE) {
        FAIL("inline key length %u", e->raw[0]);
    }
    enum vcow_type ty = ent_type(e);
    /* The inline rule is spelled out here, not taken from val_fits, so
     * that a wrong val_fits shows. */
    if (e->raw[1] & HV_BLOB) {
        /* Only bytes that would not fit inline with their NUL go out. */
        if (ty != VCOW_T_BYTES || !blob_ok(e->vblob) || e->vblob->len + 1 <= val_cap(e))
            FAIL("bad value blob");
    } else if (ty == VCOW_T_BYTES) {
        if (e->raw[2] + 1u > val_cap(e))
            FAIL("inline value length %u (no room for its NUL)", e->raw[2]);
        /* The NUL and every byte after it up to the entry's end are zero
         * (put_val): nothing of an older value shows through. */
        for (size_t i = val_off(e) + e->raw[2]; i < sizeof(e->raw); i++)
            if (e->raw[i] != 0)
                FAIL("inline value of %u bytes not followed by zeros", e->raw[2]);
    } else if (ty == VCOW_T_MAP) {
        return vcow__hamt_check_map(e->root);
    } else if (ty == VCOW_T_TREE || ty == VCOW_T_ROPE) {
        /* Checked by their own checkers, through a view (vcow_view_of). */
        if (e->nested != NULL && e->nested->kind != vcow_nested_kind(ty))
            FAIL("nested root of kind %d in a %d entry", e->nested->kind, (int)ty);
    } else if (ty == VCOW_T_ARRAY) {
        return vcow__hamt_check_array(e->root);
    } else if (ty != VCOW_T_I64 && ty != VCOW_T_F64 && ty != VCOW_T_BOOL) {
        FAIL("value type %d", (int)ty);
    }
    return VCOW_OK;
}

/* Hash bits 0 .. 5*depth-1 of an entry must equal the path's. */
static bool placed(uint64_t hash, const struct chk *c)
{
    unsigned bits = c->depth * HAMT_BITS;
    uint64_t mask = bits >= 64 ? ~(uint64_t)0 : (((uint64_t)1 << bits) - 1);
    return (hash & mask) == (c->prefix & mask);
}

static int check_node(const struct hnode *n, struct chk c, bool root, uint64_t *count)
{
    if (n->hdr.kind != VCOW_KIND_MAP)
        FAIL("node kind %u", n->hdr.kind);
    if (n->hdr.type == HN_COLL) {
        if (c.depth != HAMT_COLL_DEPTH)
            FAIL("collision node at depth %u", c.depth);
        if (n->nodemap != 0 || n->datamap < 2)
            FAIL("collision node with %u entries", n->datamap);
        if (n->hdr.size != coll_size(n->datamap))
            FAIL("collision node size");
        uint64_t h0 = 0;
        for (unsigned i = 0; i < n->datamap; i++) {
            int rc = check_entry(&n->ent[i]);
            if (rc != VCOW_OK)
                return rc;
            size_t l;
            const unsigned char *k = ent_key(&n->ent[i], &l);
            uint64_t h = vcow_hash(k, l);
            if (i == 0)
                h0 = h;
            else if (h != h0)
                FAIL("collision node with different hashes");
            if (!placed(h, &c))
                FAIL("collision entry misplaced");
            if (i > 0) {
                size_t pl;
                const unsigned char *pk = ent_key(&n->ent[i - 1], &pl);
                if (key_cmp(pk, pl, k, l) >= 0)
                    FAIL("collision node not sorted");
            }
        }
        if (n->count != n->datamap)
            FAIL("collision count");
        *count = n->count;
        return VCOW_OK;
    }
    if (n->hdr.type != HN_BITMAP)
        FAIL("node type %u", n->hdr.type);
    if (c.depth >= HAMT_COLL_DEPTH)
        FAIL("bitmap node below the last level");
    if (n->datamap & n->nodemap)
        FAIL("datamap and nodemap overlap");
    if (c.depth == HAMT_COLL_DEPTH - 1 && ((n->datamap | n->nodemap) >> 16) != 0)
        FAIL("fragment past the hash bits");
    unsigned nd = n_data(n), nn = n_nodes(n);
    if (n->hdr.size != bitmap_size(nd, nn))
        FAIL("node size %u for %u entries and %u children", n->hdr.size, nd, nn);
    if (!root && nn == 0 && nd < 2)
        FAIL("non-root node with a single entry (not canonical)");
    if (nd + nn == 0)
        FAIL("empty node");
    uint64_t total = nd;
    for (unsigned i = 0; i < nd; i++) {
        const struct hent *e = &n->ent[i];
        int rc = check_entry(e);
        if (rc != VCOW_OK)
            return rc;
        size_t l;
        const unsigned char *k = ent_key(e, &l);
        uint64_t h = vcow_hash(k, l);
        if (!placed(h, &c))
            FAIL("entry misplaced");
        uint32_t bit = 1u << frag(h, c.depth);
        if (!(n->datamap & bit) || bindex(n->datamap, bit) != i)
            FAIL("entry in the wrong slot");
    }
    const struct hslot *ch = slots(n);
    uint32_t m = n->nodemap;
    for (unsigned i = 0; i < nn; i++) {
        uint32_t bit = m & (0u - m);
        m &= m - 1;
        unsigned f = (unsigned)__builtin_ctz(bit);
        struct chk cc = {c.prefix | ((uint64_t)f << (c.depth * HAMT_BITS)), c.depth + 1};
        if (ch[i].node == NULL)
            FAIL("child slot %u without a node", i);
        /* Lookups trust the slot's copy of the child's bitmaps. */
        if (ch[i].datamap != ch[i].node->datamap || ch[i].nodemap != ch[i].node->nodemap)
            FAIL("child slot %u bitmaps %#x/%#x, the child's %#x/%#x", i, ch[i].datamap,
                 ch[i].nodemap, ch[i].node->datamap, ch[i].node->nodemap);
        uint64_t sub = 0;
        int rc = check_node(ch[i].node, cc, false, &sub);
        if (rc != VCOW_OK)
            return rc;
        if (sub < 2)
            FAIL("child with %llu entries", (unsigned long long)sub);
        total += sub;
    }
    if (n->count != total)
        FAIL("count %llu, entries %llu", (unsigned long long)n->count, (unsigned long long)total);
    *count = total;
    return VCOW_OK;
}

int vcow__hamt_check_map(const struct hnode *root)
{
    if (root == NULL)
        return VCOW_OK;
    struct chk c = {0, 0};
    uint64_t count;
    return check_node(root, c, true, &count);
}

int vcow_map_check(const vcow_version *v)
{
    if (v == NULL || vcow_version_kind(v) != VCOW_KIND_MAP)
        return VCOW_EINVAL;
    struct hcont c = version_cont(v);
    return c.array ? vcow__hamt_check_array(c.root) : vcow__hamt_check_map(c.root);
}
