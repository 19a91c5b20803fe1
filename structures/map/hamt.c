/*
 * structures/map/hamt.c - CHAMP writes: set and delete on a txn.
 *
 * Every write follows the txn rules of runtime/txn.h in three phases:
 *
 *   1. descend: record the path from the root to the level L where the key
 *      lives or would live, and decide the change (insert, overwrite, push
 *      down into a new subtree, collision insert; for a delete, how far up
 *      the surviving entry moves: CHAMP's compaction);
 *   2. reserve retire slots and allocate every node and blob the change
 *      needs (copies of published path nodes, the resized node, the new
 *      subtree); on failure free them and return VCOW_ENOMEM: nothing
 *      changed;
 *   3. apply bottom-up (nothing can fail): owned nodes of the same size are
 *      changed in place, published ones were copied; then retire what the
 *      new map no longer reaches.
 *
 * So a bulk load in one txn copies each published node at most once and
 * afterwards only reallocates nodes that grow (the old owned node is freed
 * at once).
 */
#include "hamt_node.h"
#include "hamt_path.h" /* vcow__hamt_revert */

/* ---- the kind ---- */

static void hamt_walk(const struct vcow_node *node, vcow_child_fn *visit, void *ctx)
{
    const struct hnode *n = (const struct hnode *)node;
    unsigned nd = n_data(n), nn = n_nodes(n);
    for (unsigned i = 0; i < nd; i++) {
        const struct hent *e = &n->ent[i];
        if (e->raw[0] == 0)
            visit(&e->kblob->hdr, ctx);
        if (e->raw[1] & HV_BLOB)
            visit(&e->vblob->hdr, ctx);
        else if (ent_nested(e) && e->nested != NULL)
            visit(e->nested, ctx);
    }
    const struct hslot *ch = slots_at(n, nd);
    for (unsigned i = 0; i < nn; i++)
        visit(&ch[i].node->hdr, ctx);
}

extern const struct vcow_cond_ops vcow__hamt_cond_ops; /* hamt_cond.c */
const struct vcow_kind_ops vcow_map_ops = {
    .name = "map", .walk = hamt_walk, .revert = vcow__hamt_revert, .cond = &vcow__hamt_cond_ops};

/* ---- allocation plan: everything an operation allocates, freed on failure ---- */

#define PLAN_MAX (2 * HAMT_COLL_DEPTH + 8)

struct plan {
    struct vcow_node *p[PLAN_MAX];
    unsigned n;
};

static void *plan_alloc(vcow_txn *t, struct plan *pl, size_t size)
{
    struct vcow_node *p = vcow_txn_alloc(t, VCOW_MEM_MAP, size);
    if (p != NULL)
        pl->p[pl->n++] = p;
    return p;
}

static void plan_undo(vcow_txn *t, struct plan *pl)
{
    for (unsigned i = 0; i < pl->n; i++)
        vcow_txn_free_node(t, pl->p[i]);
    pl->n = 0;
}

/* Copy a node's body (not its header: owner and size are the copy's). */
static void copy_body(struct hnode *dst, const struct hnode *src)
{
    memcpy((char *)dst + sizeof(struct vcow_node), (const char *)src + sizeof(struct vcow_node),
           src->hdr.size - sizeof(struct vcow_node));
    dst->hdr.type = src->hdr.type;
}

/* Fill e's value part from val (a blob for long bytes); e's key is set.
 * The value part is zeroed first: an inline value's NUL is the first of
 * those zeros, and no byte of the value it replaces shows after it. */
static int put_val(vcow_txn *t, struct hent *e, vcow_val val, struct plan *pl)
{
    unsigned off = val_off(e);
    memset(e->raw + off, 0, sizeof(e->raw) - off);
    e->raw[1] = (unsigned char)val.type;
    e->raw[2] = 0;
    switch (val.type) {
    case VCOW_T_BYTES:
        if (val_fits(e, val.u.bytes.len)) {
            e->raw[2] = (unsigned char)val.u.bytes.len;
            if (val.u.bytes.len != 0)
                memcpy(e->raw + off, val.u.bytes.ptr, val.u.bytes.len);
        } else {
            struct vcow_blob *b = vcow_blob_new(t, val.u.bytes.ptr, val.u.bytes.len);
            if (b == NULL)
                return VCOW_ENOMEM;
            pl->p[pl->n++] = &b->hdr;
            e->raw[1] |= HV_BLOB;
            e->vblob = b;
        }
        break;
    case VCOW_T_I64:
        e->i64 = val.u.i64;
        break;
    case VCOW_T_F64:
        e->f64 = val.u.f64;
        break;
    case VCOW_T_BOOL:
        e->bo = val.u.b ? 1 : 0;
        break;
    default: /* nested: an owned map root made by this txn, or NULL */
        e->nested = (struct vcow_node *)(uintptr_t)val.u.root;
        break;
    }
    return VCOW_OK;
}

/* Fill e's key part (a blob for long keys). */
static int put_key(vcow_txn *t, struct hent *e, const struct hkey *k, struct plan *pl)
{
    memset(e->raw, 0, sizeof(e->raw));
    if (k->len >= 1 && k->len <= HAMT_KEY_INLINE) {
        e->raw[0] = (unsigned char)k->len;
        memcpy(e->raw + 3, k->ptr, k->len);
        return VCOW_OK;
    }
    struct vcow_blob *b = vcow_blob_new(t, k->ptr, k->len);
    if (b == NULL)
        return VCOW_ENOMEM;
    pl->p[pl->n++] = &b->hdr;
    e->kblob = b;
    return VCOW_OK;
}

/* Retire what an entry leaving the map reaches (key blob unless kept). */
static void retire_val(vcow_txn *t, const struct hent *e)
{
    if (e->raw[1] & HV_BLOB)
        vcow_txn_retire(t, &e->vblob->hdr);
    else if (ent_nested(e) && e->nested != NULL)
        vcow_txn_retire_tree(t, e->nested);
}

static void retire_entry(vcow_txn *t, const struct hent *e)
{
    if (e->raw[0] == 0)
        vcow_txn_retire(t, &e->kblob->hdr);
    retire_val(t, e);
}

static uint64_t ent_hash(const struct hent *e)
{
    size_t len;
    const unsigned char *p = ent_key(e, &len);
    return vcow_hash(p, len);
}

/*
 * A new subtree at depth `depth` holding two entries whose hashes agree on
 * every fragment above it: a chain of one-child nodes down to the first
 * depth where they differ, ending in a two-entry node, or in a collision
 * node when the hashes are equal.
 */
static int build_pair(vcow_txn *t, const struct hent *e1, uint64_t h1, const struct hent *e2,
                      uint64_t h2, unsigned depth, struct plan *pl, struct hnode **out)
{
    unsigned d = depth;
    while (d < HAMT_COLL_DEPTH && frag(h1, d) == frag(h2, d))
        d++;
    struct hnode *b;
    if (d < HAMT_COLL_DEPTH) {
        b = plan_alloc(t, pl, bitmap_size(2, 0));
        if (b == NULL)
            return VCOW_ENOMEM;
        b->hdr.type = HN_BITMAP;
        unsigned f1 = frag(h1, d), f2 = frag(h2, d);
        b->datamap = (1u << f1) | (1u << f2);
        b->nodemap = 0;
        b->ent[f1 < f2 ? 0 : 1] = *e1;
        b->ent[f1 < f2 ? 1 : 0] = *e2;
    } else {
        b = plan_alloc(t, pl, coll_size(2));
        if (b == NULL)
            return VCOW_ENOMEM;
        b->hdr.type = HN_COLL;
        size_t l1, l2;
        const unsigned char *k1 = ent_key(e1, &l1), *k2 = ent_key(e2, &l2);
        bool first = key_cmp(k1, l1, k2, l2) < 0;
        b->datamap = 2;
        b->nodemap = 0;
        b->ent[first ? 0 : 1] = *e1;
        b->ent[first ? 1 : 0] = *e2;
    }
    b->count = 2;
    while (d > depth) {
        d--;
        struct hnode *c = plan_alloc(t, pl, bitmap_size(0, 1));
        if (c == NULL)
            return VCOW_ENOMEM;
        c->hdr.type = HN_BITMAP;
        c->datamap = 0;
        c->nodemap = 1u << frag(h1, d);
        c->count = 2;
        slot_set(&slots_at(c, 0)[0], b);
        b = c;
    }
    *out = b;
    return VCOW_OK;
}

int vcow__hamt_map_single(vcow_txn *t, const struct hkey *k, vcow_val val, struct hnode **out)
{
    struct plan pl = {.n = 0};
    struct hnode *n = plan_alloc(t, &pl, bitmap_size(1, 0));
    int rc = n == NULL ? VCOW_ENOMEM : put_key(t, &n->ent[0], k, &pl);
    if (rc == VCOW_OK)
        rc = put_val(t, &n->ent[0], val, &pl);
    if (rc != VCOW_OK) {
        plan_undo(t, &pl);
        return rc;
    }
    n->hdr.type = HN_BITMAP;
    n->datamap = 1u << frag(k->hash, 0);
    n->nodemap = 0;
    n->count = 1;
    *out = n;
    return VCOW_OK;
}

/* ---- set ---- */

enum set_op { OP_NEWROOT, OP_INSERT, OP_OVERWRITE, OP_PUSHDOWN, OP_COLL_INSERT };

/* Copies (or the owned originals) of path[0..L-1], allocated up front. */
static int own_upper(vcow_txn *t, struct hnode *const *path, unsigned L, struct hnode **copy,
                     struct plan *pl)
{
    for (unsigned i = 0; i < L; i++) {
        if (vcow_txn_owns(t, &path[i]->hdr)) {
            copy[i] = path[i];
        } else {
            copy[i] = plan_alloc(t, pl, path[i]->hdr.size);
            if (copy[i] == NULL)
                return VCOW_ENOMEM;
        }
    }
    return VCOW_OK;
}

/* Relink the upper path over the new node at L; retire replaced nodes. */
static struct hnode *relink(vcow_txn *t, struct hnode *const *path, struct hnode **copy, unsigned L,
                            struct hnode *child, uint64_t hash, int64_t delta)
{
    for (unsigned i = L; i-- > 0;) {
        struct hnode *p = copy[i];
        if (p != path[i])
            copy_body(p, path[i]);
        uint32_t bit = 1u << frag(hash, i);
        slot_set(&slots(p)[bindex(p->nodemap, bit)], child);
        p->count = (uint64_t)((int64_t)p->count + delta);
        child = p;
    }
    for (unsigned i = 0; i < L; i++)
        if (copy[i] != path[i])
            vcow_txn_retire(t, &path[i]->hdr);
    return child;
}

int vcow__hamt_map_set(vcow_txn *t, struct hnode **rootp, const struct hkey *k, vcow_val val)
{
    struct hnode *path[HAMT_COLL_DEPTH + 1];
    struct hnode *n = *rootp;
    enum set_op op = OP_NEWROOT;
    unsigned L = 0, idx = 0;
    uint32_t bit = 0;
    /* The descent reads each node's bitmaps from the slot that leads to it
     * (as map_find does) and only prefetches the node's header, which the
     * copies below read: one dependent miss per level, not two. */
    uint32_t dm = n != NULL ? n->datamap : 0, nm = n != NULL ? n->nodemap : 0;
    while (n != NULL) {
        path[L] = n;
        if (L == HAMT_COLL_DEPTH) { /* collision nodes live at this depth only */
            unsigned i;
            int c = 1;
            for (i = 0; i < n->datamap; i++) {
                size_t el;
                const unsigned char *ek = ent_key(&n->ent[i], &el);
                c = key_cmp(ek, el, k->ptr, k->len);
                if (c >= 0)
                    break;
            }
            idx = i;
            op = c == 0 ? OP_OVERWRITE : OP_COLL_INSERT;
            break;
        }
        bit = 1u << frag(k->hash, L);
        if (dm & bit) {
            idx = bindex(dm, bit);
            op = ent_key_eq(&n->ent[idx], k) ? OP_OVERWRITE : OP_PUSHDOWN;
            break;
        }
        if (nm & bit) {
            const struct hslot *sl = &slots_at(n, popc(dm))[bindex(nm, bit)];
            n = sl->node;
            dm = sl->datamap;
            nm = sl->nodemap;
            __builtin_prefetch(n);
            L++;
            continue;
        }
        idx = bindex(dm, bit);
        op = OP_INSERT;
        break;
    }

    /* Phase 2: reserve and allocate. */
    int rc = vcow_txn_reserve(t, L + 3);
    if (rc != VCOW_OK)
        return rc;
    struct plan pl = {.n = 0};
    struct hnode *copy[HAMT_COLL_DEPTH + 1];
    struct hent ne;
    struct hnode *sub = NULL, *nl = NULL;
    const struct hnode *old = op == OP_NEWROOT ? NULL : path[L];
    unsigned nd = old ? n_data(old) : 0, nn = old ? n_nodes(old) : 0;
    size_t size = 0;
    switch (op) {
    case OP_NEWROOT:
        size = bitmap_size(1, 0);
        break;
    case OP_INSERT:
        size = bitmap_size(nd + 1, nn);
        break;
    case OP_OVERWRITE:
        size = old->hdr.size;
        break;
    case OP_PUSHDOWN:
        size = bitmap_size(nd - 1, nn + 1);
        break;
    case OP_COLL_INSERT:
        size = coll_size(nd + 1);
        break;
    }
    if (op == OP_OVERWRITE)
        ne = old->ent[idx]; /* keep the key (and its blob); put_val resets the value */
    else
        rc = put_key(t, &ne, k, &pl);
    if (rc == VCOW_OK)
        rc = put_val(t, &ne, val, &pl);
    if (rc == VCOW_OK && op == OP_PUSHDOWN)
        rc =
            build_pair(t, &old->ent[idx], ent_hash(&old->ent[idx]), &ne, k->hash, L + 1, &pl, &sub);
    if (rc == VCOW_OK) {
        if (op == OP_OVERWRITE && vcow_txn_owns(t, &old->hdr))
            nl = (struct hnode *)(uintptr_t)old;
        else if ((nl = plan_alloc(t, &pl, size)) == NULL)
            rc = VCOW_ENOMEM;
    }
    if (rc == VCOW_OK)
        rc = own_upper(t, path, L, copy, &pl);
    if (rc != VCOW_OK) {
        plan_undo(t, &pl);
        return rc;
    }

    /* Phase 3: apply; nothing fails from here on. */
    int64_t delta = op == OP_OVERWRITE ? 0 : 1;
    switch (op) {
    case OP_NEWROOT:
        nl->hdr.type = HN_BITMAP;
        nl->datamap = 1u << frag(k->hash, 0);
        nl->nodemap = 0;
        nl->count = 1;
        nl->ent[0] = ne;
        break;
    case OP_OVERWRITE: {
        struct hent prev = old->ent[idx];
        if (nl != old)
            copy_body(nl, old);
        nl->ent[idx] = ne;
        retire_val(t, &prev);
        break;
    }
    case OP_INSERT:
    case OP_COLL_INSERT:
        nl->hdr.type = old->hdr.type;
        nl->datamap = op == OP_INSERT ? old->datamap | bit : old->datamap + 1;
        nl->nodemap = old->nodemap;
        nl->count = old->count + 1;
        memcpy(nl->ent, old->ent, idx * sizeof(struct hent));
        nl->ent[idx] = ne;
        memcpy(nl->ent + idx + 1, old->ent + idx, (nd - idx) * sizeof(struct hent));
        memcpy(slots(nl), slots_at(old, nd), nn * sizeof(struct hslot));
        break;
    case OP_PUSHDOWN: {
        nl->hdr.type = HN_BITMAP;
        nl->datamap = old->datamap & ~bit;
        nl->nodemap = old->nodemap | bit;
        nl->count = old->count + 1;
        memcpy(nl->ent, old->ent, idx * sizeof(struct hent));
        memcpy(nl->ent + idx, old->ent + idx + 1, (nd - idx - 1) * sizeof(struct hent));
        unsigned ci = bindex(nl->nodemap, bit);
        struct hslot *dc = slots(nl), *sc = slots_at(old, nd);
        memcpy(dc, sc, ci * sizeof(struct hslot));
        slot_set(&dc[ci], sub);
        memcpy(dc + ci + 1, sc + ci, (nn - ci) * sizeof(struct hslot));
        break;
    }
    }
    if (old != NULL && nl != old)
        vcow_txn_retire(t, (struct vcow_node *)(uintptr_t)&old->hdr);
    *rootp = relink(t, path, copy, L, nl, k->hash, delta);
    return VCOW_OK;
}

/* ---- delete ---- */

int vcow__hamt_map_del(vcow_txn *t, struct hnode **rootp, const struct hkey *k)
{
    struct hnode *path[HAMT_COLL_DEPTH + 1];
    struct hnode *n = *rootp;
    unsigned L = 0, idx = 0;
    /* Bitmaps from the slots, headers prefetched: as in the set. */
    uint32_t dm = n != NULL ? n->datamap : 0, nm = n != NULL ? n->nodemap : 0;
    for (;;) {
        if (n == NULL)
            return VCOW_ENOENT;
        path[L] = n;
        if (L == HAMT_COLL_DEPTH) {
            for (idx = 0; idx < n->datamap; idx++)
                if (ent_key_eq(&n->ent[idx], k))
                    break;
            if (idx == n->datamap)
                return VCOW_ENOENT;
            break;
        }
        uint32_t bit = 1u << frag(k->hash, L);
        if (dm & bit) {
            idx = bindex(dm, bit);
            if (!ent_key_eq(&n->ent[idx], k))
                return VCOW_ENOENT;
            break;
        }
        if (!(nm & bit))
            return VCOW_ENOENT;
        const struct hslot *sl = &slots_at(n, popc(dm))[bindex(nm, bit)];
        n = sl->node;
        dm = sl->datamap;
        nm = sl->nodemap;
        __builtin_prefetch(n);
        L++;
    }

    /*
     * Compaction. If the node at L keeps a single entry (and L is not the
     * root) that entry moves up into the parent in place of the node; the
     * parent may in turn be left with only it, and so on: J is the level
     * whose node takes the surviving entry (or, with none moving, L).
     * Nodes J+1..L are dropped.
     */
    const struct hnode *nL = path[L];
    unsigned ndL = n_data(nL), nnL = n_nodes(nL);
    bool moving = L > 0 && ndL == 2 && nnL == 0;
    unsigned J = L;
    struct hent surv;
    if (moving) {
        surv = nL->ent[idx == 0 ? 1 : 0];
        J = L - 1;
        while (J > 0 && n_data(path[J]) == 0 && n_nodes(path[J]) == 1)
            J--;
    }
    bool empty = !moving && L == 0 && nL->count == 1;

    int rc = vcow_txn_reserve(t, L + 4);
    if (rc != VCOW_OK)
        return rc;
    struct plan pl = {.n = 0};
    struct hnode *copy[HAMT_COLL_DEPTH + 1];
    const struct hnode *oj = path[J];
    unsigned nd = n_data(oj), nn = n_nodes(oj);
    struct hnode *nj = NULL;
    if (!empty) {
        size_t size = moving                    ? bitmap_size(nd + 1, nn - 1)
                      : oj->hdr.type == HN_COLL ? coll_size(nd - 1)
                                                : bitmap_size(nd - 1, nn);
        if ((nj = plan_alloc(t, &pl, size)) == NULL)
            rc = VCOW_ENOMEM;
    }
    if (rc == VCOW_OK)
        rc = own_upper(t, path, J, copy, &pl);
    if (rc != VCOW_OK) {
        plan_undo(t, &pl);
        return rc;
    }

    /* Apply. */
    struct hent gone = nL->ent[idx];
    if (nj != NULL) {
        nj->hdr.type = oj->hdr.type;
        nj->count = oj->count - 1;
        const struct hslot *sc = slots_at(oj, nd);
        if (!moving) {
            uint32_t bit = 1u << frag(k->hash, J);
            nj->datamap = oj->hdr.type == HN_COLL ? oj->datamap - 1 : oj->datamap & ~bit;
            nj->nodemap = oj->nodemap;
            memcpy(nj->ent, oj->ent, idx * sizeof(struct hent));
            memcpy(nj->ent + idx, oj->ent + idx + 1, (nd - idx - 1) * sizeof(struct hent));
            memcpy(slots(nj), sc, nn * sizeof(struct hslot));
        } else {
            uint32_t bit = 1u << frag(k->hash, J);
            nj->datamap = oj->datamap | bit;
            nj->nodemap = oj->nodemap & ~bit;
            unsigned di = bindex(nj->datamap, bit), ci = bindex(oj->nodemap, bit);
            memcpy(nj->ent, oj->ent, di * sizeof(struct hent));
            nj->ent[di] = surv;
            memcpy(nj->ent + di + 1, oj->ent + di, (nd - di) * sizeof(struct hent));
            struct hslot *dc = slots(nj);
            memcpy(dc, sc, ci * sizeof(struct hslot));
            memcpy(dc + ci, sc + ci + 1, (nn - ci - 1) * sizeof(struct hslot));
        }
    }
    for (unsigned i = J; i <= L; i++)
        vcow_txn_retire(t, &path[i]->hdr);
    retire_entry(t, &gone);
    *rootp = nj == NULL ? NULL : relink(t, path, copy, J, nj, k->hash, -1);
    return VCOW_OK;
}

/* ---- own the path to an entry (for nested-map paths) ---- */

struct hent *vcow__hamt_own_path(vcow_txn *t, struct hnode **rootp, const struct hkey *k, int *rc)
{
    struct hnode **slot = rootp;
    for (unsigned d = 0;; d++) {
        struct hnode *n = *slot;
        if (n == NULL) {
            *rc = VCOW_ENOENT;
            return NULL;
        }
        if (!vcow_txn_owns(t, &n->hdr)) {
            /* Content-preserving copy: a failure here leaves the map as it
             * was (some nodes already copied into the txn). */
            *rc = vcow_txn_reserve(t, 1);
            if (*rc != VCOW_OK)
                return NULL;
            struct hnode *c = vcow_txn_alloc(t, VCOW_MEM_MAP, n->hdr.size);
            if (c == NULL) {
                *rc = VCOW_ENOMEM;
                return NULL;
            }
            copy_body(c, n);
            *slot = c;
            vcow_txn_retire(t, &n->hdr);
            n = c;
        }
        if (n->hdr.type == HN_COLL) {
            for (unsigned i = 0; i < n->datamap; i++)
                if (ent_key_eq(&n->ent[i], k)) {
                    *rc = VCOW_OK;
                    return &n->ent[i];
                }
            *rc = VCOW_ENOENT;
            return NULL;
        }
        uint32_t bit = 1u << frag(k->hash, d);
        if (n->datamap & bit) {
            struct hent *e = &n->ent[bindex(n->datamap, bit)];
            *rc = ent_key_eq(e, k) ? VCOW_OK : VCOW_ENOENT;
            return *rc == VCOW_OK ? e : NULL;
        }
        if (!(n->nodemap & bit)) {
            *rc = VCOW_ENOENT;
            return NULL;
        }
        /* The copy below keeps the child's bitmaps: the slot's stay exact. */
        slot = &slots(n)[bindex(n->nodemap, bit)].node;
    }
}

/* ---- public writes ---- */

int vcow_map_setn(vcow_txn *t, const void *key, size_t klen, vcow_val val)
{
    int rc = vcow_txn_writable(t, VCOW_KIND_MAP);
    if (rc != VCOW_OK)
        return rc;
    if (key_check(key, klen) != VCOW_OK || vcow__val_check(&val, true) != VCOW_OK)
        return VCOW_EINVAL;
    struct hkey k = make_key(key, klen);
    struct hnode *root = (struct hnode *)vcow_txn_root(t);
    rc = vcow__hamt_map_set(t, &root, &k, val);
    if (rc == VCOW_OK)
        vcow_txn_set_root(t, &root->hdr);
    return rc;
}

int vcow_map_deln(vcow_txn *t, const void *key, size_t klen)
{
    int rc = vcow_txn_writable(t, VCOW_KIND_MAP);
    if (rc != VCOW_OK)
        return rc;
    if (key_check(key, klen) != VCOW_OK)
        return VCOW_EINVAL;
    struct hkey k = make_key(key, klen);
    struct hnode *root = (struct hnode *)vcow_txn_root(t);
    rc = vcow__hamt_map_del(t, &root, &k);
    if (rc == VCOW_OK)
        vcow_txn_set_root(t, root == NULL ? NULL : &root->hdr);
    return rc;
}
