/*
 * structures/tree/tree_op.c - what every write shares: the operation log
 * (allocate, record, then commit or undo), node builders, the pair
 * combine used by delete, join and del_range.
 */
#include "tree_int.h"

void vcow__bt_op_init(struct op *o, vcow_txn *t, struct vcow_node **buf, unsigned cap)
{
    o->t = t;
    o->ord = bt_ord(vcow_txn_opts(t));
    o->alloc = buf;
    o->ret = buf + cap;
    o->rtree = buf + 2 * cap;
    o->nalloc = o->nret = o->nrtree = 0;
    o->cap = cap;
    o->failed = false;
}

void *vcow__bt_op_alloc(struct op *o, size_t size, enum vcow_mem kind)
{
    if (o->failed || o->nalloc == o->cap || size > UINT32_MAX) {
        o->failed = true;
        return NULL;
    }
    struct vcow_node *n = vcow_txn_alloc(o->t, kind, size);
    if (n == NULL) {
        o->failed = true;
        return NULL;
    }
    o->alloc[o->nalloc++] = n;
    return n;
}

void vcow__bt_op_retire(struct op *o, struct vcow_node *n)
{
    if (o->nret == o->cap) {
        o->failed = true;
        return;
    }
    o->ret[o->nret++] = n;
}

void vcow__bt_op_retire_tree(struct op *o, struct vcow_node *n)
{
    if (o->nrtree == o->cap) {
        o->failed = true;
        return;
    }
    o->rtree[o->nrtree++] = n;
}

void vcow__bt_op_retire_val(struct op *o, const struct lent *e)
{
    if (e->vblob)
        vcow__bt_op_retire(o, (struct vcow_node *)(uintptr_t)e->v);
}

int vcow__bt_op_abort(struct op *o)
{
    for (unsigned i = o->nalloc; i-- > 0;)
        vcow_txn_free_node(o->t, o->alloc[i]);
    o->nalloc = o->nret = o->nrtree = 0;
    return VCOW_ENOMEM;
}

int vcow__bt_op_finish(struct op *o, struct tnode *root)
{
    if (o->failed)
        return vcow__bt_op_abort(o);
    uint32_t need = o->nrtree;
    for (unsigned i = 0; i < o->nret; i++)
        if (!vcow_txn_owns(o->t, o->ret[i]))
            need++;
    if (need != 0 && vcow_txn_reserve(o->t, need) != VCOW_OK)
        return vcow__bt_op_abort(o);
    /* From here nothing can fail. */
    vcow_txn_set_root(o->t, root != NULL ? &root->hdr : NULL);
    for (unsigned i = 0; i < o->nret; i++)
        vcow_txn_retire(o->t, o->ret[i]); /* owned ones are freed at once */
    for (unsigned i = 0; i < o->nrtree; i++)
        vcow_txn_retire_tree(o->t, o->rtree[i]);
    return VCOW_OK;
}

struct tnode *vcow__bt_leaf_build(struct op *o, const struct lent *e, unsigned n)
{
    size_t size = sizeof(struct tnode) + (size_t)n * (8 + sizeof(struct lslot));
    for (unsigned i = 0; i < n; i++) {
        size += e[i].k.len;
        if (e[i].vtype == VCOW_T_BYTES && !e[i].vblob)
            size += e[i].vlen + 1; /* and its NUL */
    }
    struct tnode *x = vcow__bt_op_alloc(o, size, VCOW_MEM_TREE);
    if (x == NULL)
        return NULL;
    x->hdr.type = T_LEAF;
    x->hdr.aux = (uint16_t)n;
    x->height = 0;
    x->pad = 0;
    x->total = n;
    struct lslot *s = leaf_slots(x);
    uint64_t *pfx = tn_pfx(x);
    uint32_t off = (uint32_t)(sizeof(struct tnode) + (size_t)n * (8 + sizeof(struct lslot)));
    uint8_t *base = (uint8_t *)x;
    for (unsigned i = 0; i < n; i++) {
        pfx[i] = key_pfx(e[i].k.p, e[i].k.len);
        s[i].koff = off;
        s[i].klen = (uint16_t)e[i].k.len;
        if (e[i].k.len)
            memcpy(base + off, e[i].k.p, e[i].k.len);
        off += e[i].k.len;
        s[i].vtype = e[i].vtype;
        s[i].vblob = e[i].vblob;
        s[i].vlen = e[i].vlen;
        s[i].pad = 0;
        s[i].v = e[i].v;
        if (e[i].vtype == VCOW_T_BYTES && !e[i].vblob) {
            s[i].v = off;
            if (e[i].vlen)
                memcpy(base + off, e[i].vbytes, e[i].vlen);
            off += e[i].vlen;
            base[off++] = 0; /* a value read from a version is a C string */
        }
    }
    return x;
}

struct tnode *vcow__bt_inner_build(struct op *o, const struct ient *e, unsigned n, uint32_t height)
{
    size_t size = sizeof(struct tnode) + (size_t)n * 32;
    for (unsigned i = 1; i < n; i++)
        size += e[i].sep.len;
    struct tnode *x = vcow__bt_op_alloc(o, size, VCOW_MEM_TREE);
    if (x == NULL)
        return NULL;
    x->hdr.type = T_INNER;
    x->hdr.aux = (uint16_t)n;
    x->height = height;
    x->pad = 0;
    struct tnode **c = in_child(x);
    uint64_t *cnt = in_cnt(x);
    struct isep *s = in_sep(x);
    uint64_t *pfx = tn_pfx(x);
    uint32_t off = (uint32_t)(sizeof(struct tnode) + (size_t)n * 32);
    uint64_t total = 0;
    for (unsigned i = 0; i < n; i++) {
        c[i] = (struct tnode *)e[i].child;
        cnt[i] = e[i].cnt;
        total += e[i].cnt;
        if (i == 0) {
            pfx[i] = 0;
            s[i].off = off;
            s[i].len = 0;
            continue;
        }
        pfx[i] = key_pfx(e[i].sep.p, e[i].sep.len);
        s[i].off = off;
        s[i].len = e[i].sep.len;
        memcpy((uint8_t *)x + off, e[i].sep.p, e[i].sep.len);
        off += e[i].sep.len;
    }
    x->total = total;
    return x;
}

struct tnode *vcow__bt_tn_clone(struct op *o, const struct tnode *x)
{
    struct tnode *y = vcow__bt_op_alloc(o, x->hdr.size, VCOW_MEM_TREE);
    if (y != NULL) {
        y->hdr.type = x->hdr.type;
        y->hdr.aux = x->hdr.aux;
        memcpy((uint8_t *)y + sizeof(struct vcow_node),
               (const uint8_t *)x + sizeof(struct vcow_node),
               x->hdr.size - sizeof(struct vcow_node));
    }
    return y;
}

struct kref vcow__bt_short_sep(const struct kord *ord, struct kref a, struct kref b)
{
    if (ord->fn != NULL)
        return b; /* a prefix of b may sort anywhere under a foreign order */
    uint32_t m = a.len < b.len ? a.len : b.len, i = 0;
    while (i < m && a.p[i] == b.p[i])
        i++;
    /* i < m: b[i] > a[i], so b[0..i] > a. i == m: a is a prefix of b
     * (a < b, so b is longer) and b[0..m] > a. */
    struct kref s = {b.p, i + 1};
    return s;
}

/* Both nodes' entries, in order; for inner nodes b's first entry gets sep. */
struct pair_buf {
    union {
        struct lent l[2 * TREE_LB];
        struct ient in[2 * TREE_B];
    } u;
};

int vcow__bt_pair_combine(struct op *o, struct tnode *a, struct tnode *b, struct kref sep,
                          struct tnode **out, struct kref *outsep)
{
    struct pair_buf pb;
    unsigned na = tn_n(a), nb = tn_n(b), n = na + nb;
    bool leaf = tn_leaf(a);
    if (leaf) {
        for (unsigned i = 0; i < na; i++)
            vcow__bt_leaf_get_ent(a, i, &pb.u.l[i]);
        for (unsigned i = 0; i < nb; i++)
            vcow__bt_leaf_get_ent(b, i, &pb.u.l[na + i]);
    } else {
        for (unsigned i = 0; i < na; i++)
            vcow__bt_inner_get_ent(a, i, &pb.u.in[i]);
        for (unsigned i = 0; i < nb; i++)
            vcow__bt_inner_get_ent(b, i, &pb.u.in[na + i]);
        pb.u.in[na].sep = sep;
    }
    int made;
    if (n <= tn_max(a)) {
        out[0] = leaf ? vcow__bt_leaf_build(o, pb.u.l, n)
                      : vcow__bt_inner_build(o, pb.u.in, n, a->height);
        made = 1;
    } else {
        unsigned m = n / 2;
        if (leaf) {
            out[0] = vcow__bt_leaf_build(o, pb.u.l, m);
            out[1] = vcow__bt_leaf_build(o, pb.u.l + m, n - m);
            if (out[1] != NULL)
                *outsep = vcow__bt_short_sep(&o->ord, pb.u.l[m - 1].k, leaf_key(out[1], 0));
        } else {
            out[0] = vcow__bt_inner_build(o, pb.u.in, m, a->height);
            out[1] = vcow__bt_inner_build(o, pb.u.in + m, n - m, a->height);
            *outsep = pb.u.in[m].sep;
        }
        made = out[1] != NULL ? 2 : 0;
    }
    if (out[0] == NULL)
        made = 0;
    vcow__bt_op_retire(o, &a->hdr);
    vcow__bt_op_retire(o, &b->hdr);
    return made;
}

int vcow__bt_check_key(const void *key, size_t klen)
{
    if (klen > VCOW_TREE_MAX_KEY || (key == NULL && klen != 0))
        return VCOW_EINVAL;
    return VCOW_OK;
}

int vcow__bt_make_lent(struct op *o, const void *key, size_t klen, const vcow_val *v,
                       struct lent *e)
{
    e->k.p = key;
    e->k.len = (uint32_t)klen;
    e->vtype = (uint8_t)v->type;
    e->vblob = 0;
    e->vlen = 0;
    e->v = 0;
    e->vbytes = NULL;
    switch (v->type) {
    case VCOW_T_BYTES:
        e->vlen = (uint32_t)v->u.bytes.len;
        if (v->u.bytes.len > VCOW_TREE_INLINE_VAL) {
            if (o->failed || o->nalloc == o->cap) {
                o->failed = true;
                return VCOW_ENOMEM;
            }
            struct vcow_blob *b = vcow_blob_new(o->t, v->u.bytes.ptr, v->u.bytes.len);
            if (b == NULL) {
                o->failed = true;
                return VCOW_ENOMEM;
            }
            o->alloc[o->nalloc++] = &b->hdr;
            e->vblob = 1;
            e->v = (uint64_t)(uintptr_t)b;
        } else {
            e->vbytes = v->u.bytes.ptr;
        }
        break;
    case VCOW_T_I64:
        e->v = (uint64_t)v->u.i64;
        break;
    case VCOW_T_F64:
        memcpy(&e->v, &v->u.f64, sizeof(double));
        break;
    default:
        e->v = v->u.b ? 1 : 0;
        break;
    }
    return VCOW_OK;
}
