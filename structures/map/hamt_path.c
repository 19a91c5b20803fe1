/*
 * structures/map/hamt_path.c - '.'-separated paths through nested maps,
 * and the cell conveniences.
 *
 * A nested map is a VCOW_T_MAP value whose root is a hamt node of the same
 * lineage. A write at path a.b.c:
 *   1. makes the nodes from the top root to entry "a", then from a's map
 *      root to entry "b", owned by the txn (vcow__hamt_own_path: copies that keep
 *      the content, so a failure on the way changes no content);
 *   2. sets "c" in b's map (atomic: vcow__hamt_map_set), writing the new nested
 *      root straight into b's entry, which is now in an owned node.
 * A missing intermediate map is built fresh (a chain of one-entry maps)
 * and inserted with one atomic set; on failure the chain is freed.
 */
#include <vcow/gc.h>

#include "hamt_node.h"

#define PATH_MAX_DEPTH 64

struct seg {
    const char *p;
    size_t len;
};

/* Split path; VCOW_EINVAL for NULL, empty segments, too long keys or too
 * many segments. */
static int split(const char *path, struct seg *segs, unsigned *n)
{
    if (path == NULL)
        return VCOW_EINVAL;
    unsigned i = 0;
    const char *s = path;
    for (;;) {
        const char *e = strchr(s, '.');
        size_t len = e ? (size_t)(e - s) : strlen(s);
        if (len == 0 || len > VCOW_MAP_KEY_MAX || i == PATH_MAX_DEPTH)
            return VCOW_EINVAL;
        segs[i].p = s;
        segs[i].len = len;
        i++;
        if (e == NULL)
            break;
        s = e + 1;
    }
    *n = i;
    return VCOW_OK;
}

static struct hkey seg_key(const struct seg *s)
{
    return make_key(s->p, s->len);
}

/* Free a fresh chain (every node owned, never published). */
static void free_fresh(vcow_txn *t, struct hnode *n)
{
    while (n != NULL) {
        /* A chain map holds exactly one entry, inline in its root. */
        struct hent *e = &n->ent[0];
        struct hnode *next = ent_type(e) == VCOW_T_MAP ? e->root : NULL;
        if (e->raw[0] == 0)
            vcow_txn_free_node(t, &e->kblob->hdr);
        if (e->raw[1] & HV_BLOB)
            vcow_txn_free_node(t, &e->vblob->hdr);
        vcow_txn_free_node(t, &n->hdr);
        n = next;
    }
}

/* Maps for segs[from..n-2] wrapping segs[n-1] -> val, bottom-up. */
static int build_chain(vcow_txn *t, const struct seg *segs, unsigned from, unsigned n, vcow_val val,
                       struct hnode **out)
{
    struct hnode *inner = NULL;
    for (unsigned i = n; i-- > from;) {
        struct hkey k = seg_key(&segs[i]);
        vcow_val v = val;
        if (i != n - 1) {
            v.type = VCOW_T_MAP;
            v.u.root = inner;
        }
        struct hnode *m;
        int rc = vcow__hamt_map_single(t, &k, v, &m);
        if (rc != VCOW_OK) {
            free_fresh(t, inner);
            return rc;
        }
        inner = m;
    }
    *out = inner;
    return VCOW_OK;
}

/*
 * Walk segs[0..n-2] owning the path; *mapp receives the slot of the map
 * that holds the last segment. With create, a missing segment i gets a
 * fresh chain holding the rest and *done is set.
 */
static int descend(vcow_txn *t, struct hnode **rootp, const struct seg *segs, unsigned n,
                   bool create, vcow_val val, struct hnode ***mapp, bool *done)
{
    struct hnode **slot = rootp;
    *done = false;
    for (unsigned i = 0; i + 1 < n; i++) {
        struct hkey k = seg_key(&segs[i]);
        int rc;
        struct hent *e = vcow__hamt_own_path(t, slot, &k, &rc);
        if (e == NULL) {
            if (rc != VCOW_ENOENT || !create)
                return rc;
            struct hnode *chain;
            rc = build_chain(t, segs, i + 1, n, val, &chain);
            if (rc != VCOW_OK)
                return rc;
            vcow_val mv;
            mv.type = VCOW_T_MAP;
            mv.u.root = chain;
            rc = vcow__hamt_map_set(t, slot, &k, mv);
            if (rc != VCOW_OK)
                free_fresh(t, chain);
            *done = rc == VCOW_OK;
            return rc;
        }
        if (ent_type(e) != VCOW_T_MAP)
            return VCOW_EINVAL;
        slot = &e->root;
    }
    *mapp = slot;
    return VCOW_OK;
}

int vcow_map_set_path(vcow_txn *t, const char *path, vcow_val val)
{
    int rc = vcow_txn_writable(t, VCOW_KIND_MAP);
    if (rc != VCOW_OK)
        return rc;
    struct seg segs[PATH_MAX_DEPTH];
    unsigned n;
    if (split(path, segs, &n) != VCOW_OK || vcow__val_check(&val, true) != VCOW_OK)
        return VCOW_EINVAL;
    struct hnode *root = (struct hnode *)vcow_txn_root(t);
    struct hnode **slot = NULL;
    bool done;
    rc = descend(t, &root, segs, n, true, val, &slot, &done);
    if (rc == VCOW_OK && !done) {
        struct hkey k = seg_key(&segs[n - 1]);
        rc = vcow__hamt_map_set(t, slot, &k, val);
    }
    /* Even on failure the root may have been copied (content unchanged). */
    vcow_txn_set_root(t, root == NULL ? NULL : &root->hdr);
    return rc;
}

int vcow_map_del_path(vcow_txn *t, const char *path)
{
    int rc = vcow_txn_writable(t, VCOW_KIND_MAP);
    if (rc != VCOW_OK)
        return rc;
    struct seg segs[PATH_MAX_DEPTH];
    unsigned n;
    if (split(path, segs, &n) != VCOW_OK)
        return VCOW_EINVAL;
    struct hnode *root = (struct hnode *)vcow_txn_root(t);
    struct hnode **slot = NULL;
    bool done;
    vcow_val none = {VCOW_T_NONE, {.i64 = 0}};
    rc = descend(t, &root, segs, n, false, none, &slot, &done);
    if (rc == VCOW_OK) {
        struct hkey k = seg_key(&segs[n - 1]);
        rc = vcow__hamt_map_del(t, slot, &k);
    }
    vcow_txn_set_root(t, root == NULL ? NULL : &root->hdr);
    return rc;
}

/* ---- nested structures: enter (write) and view (read) ---- */

static enum vcow_type type_of_kind(enum vcow_kind kind)
{
    switch (kind) {
    case VCOW_KIND_MAP:
        return VCOW_T_MAP;
    case VCOW_KIND_TREE:
        return VCOW_T_TREE;
    case VCOW_KIND_ROPE:
        return VCOW_T_ROPE;
    default:
        return VCOW_T_NONE;
    }
}

/*
 * Make the entry at path exist (creating an empty structure of the kind,
 * and missing maps on the way) and own the nodes down to it, then hand its
 * root slot to the txn. Every step before vcow_txn_enter either fails with
 * the content unchanged or succeeds; the walks after a creation touch only
 * owned nodes and allocate nothing.
 */
int vcow_map_enter(vcow_txn *t, const char *path, enum vcow_kind kind)
{
    int rc = vcow_txn_writable(t, VCOW_KIND_MAP);
    if (rc != VCOW_OK)
        return rc;
    vcow_val empty = {type_of_kind(kind), {.root = NULL}};
    struct seg segs[PATH_MAX_DEPTH];
    unsigned n;
    if (split(path, segs, &n) != VCOW_OK || vcow__val_check(&empty, true) != VCOW_OK)
        return VCOW_EINVAL;
    if (vcow_txn_nest_full(t))
        return VCOW_ERANGE;
    struct hnode *root = (struct hnode *)vcow_txn_root(t);
    struct hnode **slot = NULL;
    bool done;
    rc = descend(t, &root, segs, n, true, empty, &slot, &done);
    if (rc == VCOW_OK && done) /* a fresh chain holds the entry: find it */
        rc = descend(t, &root, segs, n, false, empty, &slot, &done);
    struct hkey k = seg_key(&segs[n - 1]);
    struct hent *e = NULL;
    if (rc == VCOW_OK) {
        e = vcow__hamt_own_path(t, slot, &k, &rc);
        if (e == NULL && rc == VCOW_ENOENT) {
            rc = vcow__hamt_map_set(t, slot, &k, empty);
            if (rc == VCOW_OK)
                e = vcow__hamt_own_path(t, slot, &k, &rc);
        }
    }
    /* Even on failure the root may have been copied (content unchanged). */
    vcow_txn_set_root(t, root == NULL ? NULL : &root->hdr);
    if (rc != VCOW_OK)
        return rc;
    if (ent_type(e) != empty.type)
        return VCOW_EINVAL;
    vcow_txn_enter(t, &e->nested, kind);
    return VCOW_OK;
}

int vcow_map_view_path(const vcow_version *v, const char *path, vcow_view *view,
                       const vcow_version **out)
{
    if (view == NULL || out == NULL)
        return VCOW_EINVAL;
    vcow_val val;
    int rc = vcow_map_get_path(v, path, &val);
    if (rc != VCOW_OK)
        return rc;
    *out = vcow_view_of(view, v, val);
    return *out != NULL ? VCOW_OK : VCOW_EINVAL;
}

/* Read a path starting at map root m. */
int vcow__hamt_get_path(const struct hnode *m, const char *path, vcow_val *out)
{
    struct seg segs[PATH_MAX_DEPTH];
    unsigned n;
    if (out == NULL || split(path, segs, &n) != VCOW_OK)
        return VCOW_EINVAL;
    for (unsigned i = 0; i < n; i++) {
        struct hkey k = seg_key(&segs[i]);
        const struct hent *e = map_find(m, &k);
        if (e == NULL)
            return VCOW_ENOENT;
        if (i + 1 == n) {
            *out = ent_val(e);
            return VCOW_OK;
        }
        if (ent_type(e) != VCOW_T_MAP)
            return VCOW_EINVAL;
        m = e->root;
    }
    return VCOW_ENOENT;
}

int vcow_map_get_path(const vcow_version *v, const char *path, vcow_val *out)
{
    if (v == NULL || vcow_version_kind(v) != VCOW_KIND_MAP)
        return VCOW_EINVAL;
    return vcow__hamt_get_path((const struct hnode *)vcow_version_root(v), path, out);
}

/* ---- cell conveniences ---- */

struct kv {
    const void *key;
    size_t klen;
    vcow_val val;
};

static int set_fn(vcow_txn *t, void *ctx)
{
    const struct kv *a = ctx;
    return vcow_map_setn(t, a->key, a->klen, a->val);
}

static int del_fn(vcow_txn *t, void *ctx)
{
    const struct kv *a = ctx;
    return vcow_map_deln(t, a->key, a->klen);
}

static bool is_hamt_cell(const vcow_cell *c)
{
    return c != NULL && vcow_cell_kind(c) == VCOW_KIND_MAP;
}

int vcow_map_cell_setn(vcow_cell *c, const void *key, size_t klen, vcow_val val, uint64_t *seq)
{
    if (!is_hamt_cell(c) || key_check(key, klen) != VCOW_OK ||
        vcow__val_check(&val, true) != VCOW_OK)
        return VCOW_EINVAL;
    struct kv a = {key, klen, val};
    return vcow_cell_update(c, set_fn, &a, seq);
}

int vcow_map_cell_deln(vcow_cell *c, const void *key, size_t klen, uint64_t *seq)
{
    if (!is_hamt_cell(c) || key_check(key, klen) != VCOW_OK)
        return VCOW_EINVAL;
    struct kv a = {key, klen, {VCOW_T_NONE, {.i64 = 0}}};
    return vcow_cell_update(c, del_fn, &a, seq);
}

int vcow_map_cell_getn(vcow_cell *c, const void *key, size_t klen, vcow_val *out, void *buf,
                       size_t cap)
{
    if (!is_hamt_cell(c) || out == NULL || key_check(key, klen) != VCOW_OK)
        return VCOW_EINVAL;
    vcow_read_lock();
    vcow_val v;
    int rc = vcow_map_getn(vcow_cell_head(c), key, klen, &v);
    if (rc == VCOW_OK) {
        if (v.type == VCOW_T_BYTES) {
            if (v.u.bytes.len > cap || (buf == NULL && v.u.bytes.len != 0)) {
                rc = VCOW_ERANGE;
                v.u.bytes.ptr = NULL;
            } else {
                if (v.u.bytes.len != 0)
                    memcpy(buf, v.u.bytes.ptr, v.u.bytes.len);
                v.u.bytes.ptr = buf;
            }
        } else if (vcow_nested_kind(v.type) != 0) {
            v.u.root = NULL;
        }
        *out = v;
    }
    vcow_read_unlock();
    return rc;
}
