/*
 * structures/tree/tree_bulk.c - bulk load from sorted input in O(n).
 *
 * The shape is planned from n alone: a level of m items has k =
 * ceil(m / cap) nodes (cap: TREE_LB for leaves, TREE_B above), all full
 * but the last two, which share the rest evenly when the last would be
 * under half full. Leaves are built left to right and pushed into a
 * per-level buffer; a buffer that reaches its planned size becomes an
 * inner node pushed one level up. Each leaf's separator is the shortest
 * one between its first key and the previous leaf's last key (the leaf's
 * first key in full under a comparator); an inner node reuses the
 * separator of its first child.
 *
 * On failure every node built so far is freed (each lives in exactly one
 * buffer slot, as a subtree of new nodes) and the txn is unchanged.
 */
#include "tree_int.h"

struct level {
    uint64_t m;    /* items at this level */
    uint64_t k;    /* nodes at this level */
    uint64_t made; /* nodes built */
    unsigned n;    /* buffered items */
    struct ient e[TREE_B];
};

static uint64_t ceil_div(uint64_t a, uint64_t b)
{
    return (a + b - 1) / b;
}

/* The planned size of node j of a level with m items in k nodes of at
 * most cap items. */
static unsigned plan(uint64_t m, uint64_t k, uint64_t j, unsigned cap)
{
    if (k == 1)
        return (unsigned)m;
    if (j + 2 < k)
        return cap;
    uint64_t rest = m - (k - 2) * cap; /* in (cap, 2 * cap] */
    return (unsigned)(j + 2 == k ? rest - rest / 2 : rest / 2);
}

static void free_new(vcow_txn *t, struct tnode *x)
{
    if (tn_leaf(x)) {
        for (unsigned i = 0; i < tn_n(x); i++)
            if (leaf_slots(x)[i].vblob)
                vcow_txn_free_node(t, (struct vcow_node *)(uintptr_t)leaf_slots(x)[i].v);
    } else {
        for (unsigned i = 0; i < tn_n(x); i++)
            free_new(t, in_child(x)[i]);
    }
    vcow_txn_free_node(t, &x->hdr);
}

struct bulk {
    vcow_txn *t;
    struct level *lv;
    unsigned nlv; /* levels above the leaves */
    struct tnode *root;
};

/* Push a finished node of height h into level h + 1 (or make it the root). */
static bool push(struct bulk *b, struct tnode *x, struct kref sep)
{
    for (;;) {
        uint32_t h = x->height;
        if (h == b->nlv) {
            b->root = x;
            return true;
        }
        struct level *L = &b->lv[h];
        struct ient *e = &L->e[L->n++];
        e->child = &x->hdr;
        e->cnt = x->total;
        e->sep = sep;
        if (L->n < plan(L->m, L->k, L->made, TREE_B))
            return true;
        struct vcow_node *one[3];
        struct op o;
        vcow__bt_op_init(&o, b->t, one, 1);
        struct tnode *y = vcow__bt_inner_build(&o, L->e, L->n, h + 1);
        if (y == NULL)
            return false;
        sep = L->e[0].sep;
        L->n = 0;
        L->made++;
        x = y;
    }
}

static int validate(const struct kord *ord, const struct vcow_tree_kv *items, size_t n)
{
    if (n != 0 && items == NULL)
        return VCOW_EINVAL;
    for (size_t i = 0; i < n; i++) {
        if (vcow__bt_check_key(items[i].key.ptr, items[i].key.len) != VCOW_OK ||
            vcow__val_check(&items[i].val, false) != VCOW_OK)
            return VCOW_EINVAL;
        if (i > 0 && ord_cmp(ord, items[i - 1].key.ptr, items[i - 1].key.len, items[i].key.ptr,
                             items[i].key.len) >= 0)
            return VCOW_EINVAL; /* not strictly increasing */
    }
    return VCOW_OK;
}

int vcow_tree_bulk_load(vcow_txn *t, const struct vcow_tree_kv *items, size_t n)
{
    int rc = vcow_txn_writable(t, VCOW_KIND_TREE);
    if (rc != VCOW_OK)
        return rc;
    struct kord ord = bt_ord(vcow_txn_opts(t));
    if (validate(&ord, items, n) != VCOW_OK)
        return VCOW_EINVAL;
    struct vcow_node *old = vcow_txn_root(t);
    if (n == 0) {
        if (old != NULL) {
            if (vcow_txn_reserve(t, 1) != VCOW_OK)
                return VCOW_ENOMEM;
            vcow_txn_set_root(t, NULL);
            vcow_txn_retire_tree(t, old);
        }
        return VCOW_OK;
    }
    struct bulk b = {t, NULL, 0, NULL};
    uint64_t m = n, leaves = ceil_div(n, TREE_LB);
    for (uint64_t c = leaves; c > 1; c = ceil_div(c, TREE_B))
        b.nlv++;
    size_t lvbytes = (b.nlv ? b.nlv : 1) * sizeof(struct level);
    b.lv = vcow_node_alloc(NULL, VCOW_MEM_META, lvbytes);
    if (b.lv == NULL)
        return VCOW_ENOMEM;
    for (unsigned i = 0; i < b.nlv; i++) {
        b.lv[i].m = i == 0 ? leaves : b.lv[i - 1].k;
        b.lv[i].k = ceil_div(b.lv[i].m, TREE_B);
        b.lv[i].made = 0;
        b.lv[i].n = 0;
    }
    bool ok = true;
    size_t pos = 0;
    for (uint64_t j = 0; j < leaves && ok; j++) {
        unsigned s = plan(m, leaves, j, TREE_LB);
        struct lent e[TREE_LB];
        struct vcow_node *one[3 * (TREE_LB + 1)];
        struct op o;
        vcow__bt_op_init(&o, t, one, TREE_LB + 1);
        for (unsigned i = 0; i < s && ok; i++)
            ok = vcow__bt_make_lent(&o, items[pos + i].key.ptr, items[pos + i].key.len,
                                    &items[pos + i].val, &e[i]) == VCOW_OK;
        struct tnode *x = ok ? vcow__bt_leaf_build(&o, e, s) : NULL;
        if (x == NULL) {
            vcow__bt_op_abort(&o);
            ok = false;
            break;
        }
        struct kref sep = {NULL, 0};
        if (pos > 0) {
            struct kref prev = {items[pos - 1].key.ptr, (uint32_t)items[pos - 1].key.len};
            sep = vcow__bt_short_sep(&ord, prev, leaf_key(x, 0));
        }
        pos += s;
        ok = push(&b, x, sep); /* on failure x is in a level buffer */
    }
    if (ok && old != NULL)
        ok = vcow_txn_reserve(t, 1) == VCOW_OK;
    if (!ok) {
        /* Free every buffered subtree, and the root if one was made. */
        for (unsigned i = 0; i < b.nlv; i++)
            for (unsigned k = 0; k < b.lv[i].n; k++)
                free_new(t, (struct tnode *)b.lv[i].e[k].child);
        if (b.root != NULL)
            free_new(t, b.root);
        vcow_node_free(NULL, VCOW_MEM_META, b.lv, lvbytes);
        return VCOW_ENOMEM;
    }
    vcow_node_free(NULL, VCOW_MEM_META, b.lv, lvbytes);
    vcow_txn_set_root(t, &b.root->hdr);
    if (old != NULL)
        vcow_txn_retire_tree(t, old);
    return VCOW_OK;
}
