/*
 * structures/map/hamt_path.c - '.'-separated paths through nested maps and
 * arrays (parsing: hamt_escape.c), entering nested structures, and the
 * cell conveniences.
 *
 * A nested map or array is a VCOW_T_MAP / VCOW_T_ARRAY value whose root is
 * a hamt node of the same lineage. A write at path a.b.c:
 *   1. makes the nodes from the top root to entry "a", then from a's root
 *      to entry "b", owned by the txn (vcow__hamt_own_path: copies that
 *      keep the content, so a failure on the way changes no content);
 *   2. sets "c" in b's map (atomic: vcow__hamt_map_set), writing the new
 *      nested root straight into b's entry, which is now in an owned node.
 * A missing intermediate is built fresh as a map (a chain of one-entry
 * maps) and inserted with one atomic set; on failure the chain is freed.
 * In an array a segment is an index, resolved against the array's length
 * when the walk reaches it (vcow__hamt_resolve), so "-" (append) names one
 * element however the walk goes on.
 */
#include <vcow/gc.h>

#include "hamt_path.h"

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

/* The map or array holding a path's last segment, owned down to its root slot. */
struct dest {
    struct hnode **slot;
    bool array;
};

static struct hcont dest_cont(const struct dest *d)
{
    struct hcont c = {*d->slot, d->array};
    return c;
}

/*
 * Walk p's segments but the last, owning the path, from the txn's map at
 * *rootp; *d receives the container of the last segment. With create, a
 * missing segment i (a map key, or an array's next index) gets a fresh
 * chain holding the rest: *leaf is then the entry of the last segment, in
 * the chain. Without, *leaf stays NULL.
 */
static int descend(vcow_txn *t, struct hnode **rootp, const struct hpath *p, bool create,
                   vcow_val val, struct dest *d, struct hent **leaf)
{
    d->slot = rootp;
    d->array = false;
    *leaf = NULL;
    for (unsigned i = 0; i + 1 < p->n; i++) {
        char ib[INDEX_BUF];
        struct hkey k;
        struct hcont c = dest_cont(d);
        int rc = vcow__hamt_resolve(&c, &p->s[i], create, ib, &k);
        if (rc != VCOW_OK)
            return rc;
        struct hent *e = vcow__hamt_own_path(t, d->slot, &k, &rc);
        if (e == NULL) {
            if (rc != VCOW_ENOENT || !create)
                return rc;
            struct hnode *chain;
            rc = build_chain(t, p->s, i + 1, p->n, val, &chain);
            if (rc != VCOW_OK)
                return rc;
            vcow_val mv = {VCOW_T_MAP, {.root = chain}};
            rc = vcow__hamt_map_set(t, d->slot, &k, mv);
            if (rc != VCOW_OK) {
                free_fresh(t, chain);
                return rc;
            }
            /* The chain's nodes are where they were built (set stored its
             * root): follow it to the last segment's entry. */
            struct hnode *m = chain;
            for (unsigned j = i + 1; j + 1 < p->n; j++)
                m = m->ent[0].root;
            *leaf = &m->ent[0];
            return VCOW_OK;
        }
        if (!type_is_hamt(ent_type(e)))
            return VCOW_EINVAL;
        d->slot = &e->root;
        d->array = ent_type(e) == VCOW_T_ARRAY;
    }
    return VCOW_OK;
}

int vcow_map_set_path(vcow_txn *t, const char *path, vcow_val val)
{
    int rc = vcow_txn_writable(t, VCOW_KIND_MAP);
    if (rc != VCOW_OK)
        return rc;
    if (vcow__val_check(&val, true) != VCOW_OK)
        return VCOW_EINVAL;
    struct hpath p;
    rc = vcow__hamt_path_parse(path, &p);
    if (rc != VCOW_OK)
        return rc;
    struct hnode *root = (struct hnode *)vcow_txn_root(t);
    struct dest d;
    struct hent *leaf;
    rc = descend(t, &root, &p, true, val, &d, &leaf);
    if (rc == VCOW_OK && leaf == NULL) {
        char ib[INDEX_BUF];
        struct hkey k;
        struct hcont c = dest_cont(&d);
        rc = vcow__hamt_resolve(&c, &p.s[p.n - 1], true, ib, &k);
        if (rc == VCOW_OK)
            rc = vcow__hamt_map_set(t, d.slot, &k, val);
    }
    /* Even on failure the root may have been copied (content unchanged). */
    vcow_txn_set_root(t, root == NULL ? NULL : &root->hdr);
    vcow__hamt_path_done(&p);
    return rc;
}

int vcow_map_del_path(vcow_txn *t, const char *path)
{
    int rc = vcow_txn_writable(t, VCOW_KIND_MAP);
    if (rc != VCOW_OK)
        return rc;
    struct hpath p;
    rc = vcow__hamt_path_parse(path, &p);
    if (rc != VCOW_OK)
        return rc;
    struct hnode *root = (struct hnode *)vcow_txn_root(t);
    struct dest d;
    struct hent *leaf;
    vcow_val none = {VCOW_T_NONE, {.i64 = 0}};
    rc = descend(t, &root, &p, false, none, &d, &leaf);
    if (rc == VCOW_OK) {
        char ib[INDEX_BUF];
        struct hkey k;
        struct hcont c = dest_cont(&d);
        rc = vcow__hamt_resolve(&c, &p.s[p.n - 1], false, ib, &k);
        if (rc == VCOW_OK && d.array) {
            uint64_t i = 0;
            vcow__hamt_index_parse((const char *)k.ptr, k.len, &i);
            rc = vcow__hamt_array_del(t, d.slot, i);
        } else if (rc == VCOW_OK) {
            rc = vcow__hamt_map_del(t, d.slot, &k);
        }
    }
    vcow_txn_set_root(t, root == NULL ? NULL : &root->hdr);
    vcow__hamt_path_done(&p);
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
static int enter_path(vcow_txn *t, struct hnode **rootp, const struct hpath *p, vcow_val empty,
                      struct hent **out)
{
    struct dest d;
    struct hent *e;
    int rc = descend(t, rootp, p, true, empty, &d, &e);
    if (rc != VCOW_OK || e != NULL) {
        *out = e;
        return rc;
    }
    char ib[INDEX_BUF];
    struct hkey k;
    struct hcont c = dest_cont(&d);
    rc = vcow__hamt_resolve(&c, &p->s[p->n - 1], true, ib, &k);
    if (rc != VCOW_OK)
        return rc;
    /* k is resolved once: an appended element is found by its index. */
    e = vcow__hamt_own_path(t, d.slot, &k, &rc);
    if (e == NULL && rc == VCOW_ENOENT) {
        rc = vcow__hamt_map_set(t, d.slot, &k, empty);
        if (rc == VCOW_OK)
            e = vcow__hamt_own_path(t, d.slot, &k, &rc);
    }
    *out = e;
    return rc;
}

int vcow_map_enter(vcow_txn *t, const char *path, enum vcow_kind kind)
{
    int rc = vcow_txn_writable(t, VCOW_KIND_MAP);
    if (rc != VCOW_OK)
        return rc;
    vcow_val empty = {type_of_kind(kind), {.root = NULL}};
    if (vcow__val_check(&empty, true) != VCOW_OK)
        return VCOW_EINVAL;
    struct hpath p;
    rc = vcow__hamt_path_parse(path, &p);
    if (rc != VCOW_OK)
        return rc;
    if (vcow_txn_nest_full(t)) {
        vcow__hamt_path_done(&p);
        return VCOW_ERANGE;
    }
    struct hnode *root = (struct hnode *)vcow_txn_root(t);
    struct hent *e = NULL;
    rc = enter_path(t, &root, &p, empty, &e);
    /* Even on failure the root may have been copied (content unchanged). */
    vcow_txn_set_root(t, root == NULL ? NULL : &root->hdr);
    vcow__hamt_path_done(&p);
    if (rc != VCOW_OK)
        return rc;
    if (ent_type(e) != empty.type)
        return VCOW_EINVAL; /* an array included: map writes would break it */
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

/* Read a path starting at container c. */
int vcow__hamt_get_path(struct hcont c, const char *path, vcow_val *out)
{
    if (out == NULL)
        return VCOW_EINVAL;
    struct hpath p;
    int rc = vcow__hamt_path_parse(path, &p);
    for (unsigned i = 0; rc == VCOW_OK; i++) {
        char ib[INDEX_BUF];
        struct hkey k;
        rc = vcow__hamt_resolve(&c, &p.s[i], false, ib, &k);
        if (rc != VCOW_OK)
            break;
        const struct hent *e = map_find(c.root, &k);
        if (e == NULL) {
            rc = VCOW_ENOENT;
        } else if (i + 1 == p.n) {
            *out = ent_val(e);
            break;
        } else if (!type_is_hamt(ent_type(e))) {
            rc = VCOW_EINVAL;
        } else {
            c.root = e->root;
            c.array = ent_type(e) == VCOW_T_ARRAY;
        }
    }
    vcow__hamt_path_done(&p);
    return rc;
}

int vcow_map_get_path(const vcow_version *v, const char *path, vcow_val *out)
{
    if (v == NULL || vcow_version_kind(v) != VCOW_KIND_MAP)
        return VCOW_EINVAL;
    return vcow__hamt_get_path(version_cont(v), path, out);
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

/*
 * Copy a value read inside a read section out of the version: bytes into
 * buf with a NUL after them (cap >= len + 1, else VCOW_ERANGE with ptr
 * NULL and len the value's), nested roots hidden (u.root = NULL).
 */
static int copy_out(vcow_val *v, void *buf, size_t cap)
{
    if (v->type == VCOW_T_BYTES) {
        size_t len = v->u.bytes.len;
        if (buf == NULL || cap < len + 1) {
            v->u.bytes.ptr = NULL;
            return VCOW_ERANGE;
        }
        if (len != 0)
            memcpy(buf, v->u.bytes.ptr, len);
        ((char *)buf)[len] = '\0';
        v->u.bytes.ptr = buf;
    } else if (vcow_nested_kind(v->type) != 0) {
        v->u.root = NULL;
    }
    return VCOW_OK;
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
        rc = copy_out(&v, buf, cap);
        *out = v;
    }
    vcow_read_unlock();
    return rc;
}

int vcow_map_cell_get_path(vcow_cell *c, const char *path, vcow_val *out, void *buf, size_t cap)
{
    if (!is_hamt_cell(c) || out == NULL || path == NULL)
        return VCOW_EINVAL;
    vcow_read_lock();
    vcow_val v;
    int rc = vcow_map_get_path(vcow_cell_head(c), path, &v);
    if (rc == VCOW_OK) {
        rc = copy_out(&v, buf, cap);
        *out = v;
    }
    vcow_read_unlock();
    return rc;
}
