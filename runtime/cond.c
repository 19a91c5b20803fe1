/*
 * runtime/cond.c - commit conditions (vcow_txn_if_seq, the per-key
 * conditions of maps and trees) and a txn's read set
 * (docs/ARCHITECTURE.md, "Conditional commits and rebase").
 *
 * What "written" means. A version k writes key when key's value in k
 * differs from its value in k - 1: added, removed, or changed (bytes by
 * content, numbers by bit pattern, a nested structure by its root, so any
 * commit that changed something inside it). A put of the value the key
 * already holds is no write; a change and a change back are two. That is
 * decided by looking the key up in each version of the range, so it needs
 * those versions: versions from a pinned txn base to the head are never
 * reclaimed while the base is pinned (runtime/reclaim.c (c): the tail
 * stops at the oldest live version, and it frees a version's object and
 * its successor's retire list only when it passes it), and vcow_cell_find
 * finds every version at or above the tail in a read section, history or
 * not. Older versions are there only as far as history (or a pin) keeps
 * them.
 */
#include <string.h>

#include "cond.h"
#include "hash.h"
#include <vcow/error.h>

/* ---- the txn's extension ---- */

static struct vcow_txn_cond *cond_of(struct vcow_txn *t)
{
    if (t->cond != NULL)
        return t->cond;
    struct vcow_txn_cond *x = vcow_node_alloc(&t->tally, VCOW_MEM_META, sizeof(*x));
    if (x == NULL)
        return NULL;
    memset(x, 0, sizeof(*x));
    t->cond = x;
    return x;
}

void vcow__txn_cond_free(struct vcow_txn *t)
{
    struct vcow_txn_cond *x = t->cond;
    if (x == NULL)
        return;
    for (uint32_t i = 0; i < x->n; i++)
        vcow_node_free(&t->tally, VCOW_MEM_META, x->c[i], x->c[i]->size);
    if (x->c != NULL)
        vcow_node_free(&t->tally, VCOW_MEM_META, x->c, x->cap * sizeof(*x->c));
    if (x->reads != NULL)
        vcow_node_free(&t->tally, VCOW_MEM_META, x->reads, x->rcap * sizeof(*x->reads));
    vcow_node_free(&t->tally, VCOW_MEM_META, x, sizeof(*x));
    t->cond = NULL;
}

/* ---- comparing values ---- */

/* key's value in v, VCOW_T_NONE when absent. */
static int value_in(const struct vcow_cond_ops *ops, const vcow_version *v, const void *key,
                    size_t klen, vcow_val *out)
{
    int rc = ops->get(v, key, klen, out);
    if (rc == VCOW_ENOENT) {
        memset(out, 0, sizeof(*out));
        out->type = VCOW_T_NONE;
        return VCOW_OK;
    }
    return rc;
}

/*
 * Was key written by a version in (lo, hi]? Looks key up in every version
 * from lo to hi. VCOW_ENOENT when lo is older than the oldest version kept
 * (or a version of the range is gone). In a read section of its own.
 */
static int written_between(struct vcow_cell *c, const struct vcow_cond_ops *ops, const void *key,
                           size_t klen, uint64_t lo, uint64_t hi, bool *written)
{
    *written = false;
    vcow_read_lock();
    struct vcow_version *v = vcow_cell_find(c, lo);
    vcow_val prev, cur;
    int rc = v == NULL ? VCOW_ENOENT : value_in(ops, v, key, klen, &prev);
    for (uint64_t s = lo + 1; rc == VCOW_OK && s <= hi && !*written; s++) {
        v = vcow_cell_find(c, s);
        if (v == NULL) {
            rc = VCOW_ENOENT;
            break;
        }
        rc = value_in(ops, v, key, klen, &cur);
        if (rc == VCOW_OK && !vcow__val_same(&prev, &cur))
            *written = true;
        prev = cur; /* points into v: valid for the whole read section */
    }
    vcow_read_unlock();
    return rc;
}

int vcow__cond_mod_seq(const vcow_version *v, const struct vcow_cond_ops *ops, const void *key,
                       size_t klen, uint64_t *seq)
{
    if (v->face.view == VCOW_FACE_VIEW || v->face.view == VCOW_FACE_TXN)
        return VCOW_EINVAL; /* a nested structure or a txn: no history of its own */
    struct vcow_version *real = vcow_face_real(&v->face);
    struct vcow_cell *c = real->cell;
    int rc = VCOW_OK;
    vcow_read_lock();
    vcow_val cur, prev;
    uint64_t s = real->seq;
    rc = value_in(ops, real, key, klen, &cur);
    for (; rc == VCOW_OK && s > 0; s--) {
        struct vcow_version *p = vcow_cell_find(c, s - 1);
        if (p == NULL) {
            rc = VCOW_ENOENT; /* the last change is older than what is kept */
            break;
        }
        rc = value_in(ops, p, key, klen, &prev);
        if (rc != VCOW_OK || !vcow__val_same(&prev, &cur))
            break;
        cur = prev;
    }
    vcow_read_unlock();
    if (rc == VCOW_OK)
        *seq = s;
    return rc;
}

/* ---- adding conditions ---- */

static int push_cond(struct vcow_txn *t, struct vcow_txn_cond *x, struct vcow_cond *cd)
{
    if (x->n == x->cap) {
        uint32_t cap = x->cap != 0 ? 2 * x->cap : 4;
        struct vcow_cond **c = vcow_node_alloc(&t->tally, VCOW_MEM_META, cap * sizeof(*c));
        if (c == NULL)
            return VCOW_ENOMEM;
        if (x->n != 0)
            memcpy(c, x->c, x->n * sizeof(*c));
        if (x->c != NULL)
            vcow_node_free(&t->tally, VCOW_MEM_META, x->c, x->cap * sizeof(*x->c));
        x->c = c;
        x->cap = cap;
    }
    x->c[x->n++] = cd;
    return VCOW_OK;
}

/* Does the condition hold between base and v? (UNCHANGED: no write in
 * (from, v]; EQUAL: v holds the value.) */
static int cond_holds(struct vcow_txn *t, const struct vcow_cond *cd, uint64_t from,
                      const vcow_version *v, bool *holds)
{
    const struct vcow_cond_ops *ops = t->cond->ops;
    if (cd->type == VCOW_COND_EQUAL) {
        vcow_val cur;
        int rc = value_in(ops, v, cd->key, cd->klen, &cur);
        *holds = rc == VCOW_OK && vcow__val_same(&cur, &cd->val);
        return rc;
    }
    bool written = false;
    int rc = written_between(t->cell, ops, cd->key, cd->klen, from, vcow_version_seq(v), &written);
    *holds = !written;
    return rc;
}

int vcow__txn_cond_add(vcow_txn *t, enum vcow_kind kind, const struct vcow_cond_ops *ops,
                       enum vcow_cond_type type, const void *key, size_t klen, uint64_t seq,
                       const vcow_val *val)
{
    if (t->state != TXN_OPEN)
        return VCOW_ESTATE;
    if (t->cell->kind != kind)
        return VCOW_EINVAL; /* conditions name keys of the cell's own structure */
    size_t vlen = 0;
    if (type == VCOW_COND_EQUAL && val->type != VCOW_T_NONE) {
        /* Scalars and bytes; a nested structure has no value to compare. */
        if (vcow__val_check(val, false) != VCOW_OK)
            return VCOW_EINVAL;
        if (val->type == VCOW_T_BYTES)
            vlen = val->u.bytes.len;
    }
    uint64_t base = t->base->seq;
    bool since_base = type == VCOW_COND_UNCHANGED && seq == UINT64_MAX;
    if (since_base)
        seq = base;
    if (type == VCOW_COND_UNCHANGED && seq > base)
        return VCOW_ERANGE; /* the txn cannot see past its base */
    struct vcow_txn_cond *x = cond_of(t);
    if (x == NULL)
        return VCOW_ENOMEM;
    size_t size = sizeof(struct vcow_cond) + klen + vlen + 1;
    if (size > UINT32_MAX)
        return VCOW_EINVAL;
    struct vcow_cond *cd = vcow_node_alloc(&t->tally, VCOW_MEM_META, size);
    if (cd == NULL)
        return VCOW_ENOMEM;
    memset(cd, 0, sizeof(*cd));
    cd->type = type;
    cd->since_base = since_base;
    cd->size = (uint32_t)size;
    cd->seq = seq;
    cd->klen = klen;
    if (klen != 0)
        memcpy(cd->key, key, klen);
    if (type == VCOW_COND_EQUAL) {
        cd->val = *val;
        if (val->type == VCOW_T_BYTES) {
            unsigned char *b = cd->key + klen;
            if (vlen != 0)
                memcpy(b, val->u.bytes.ptr, vlen);
            b[vlen] = 0;
            cd->val.u.bytes.ptr = b;
        }
    }
    /* Check it on the base now (pinned: readable outside a read section);
     * a rebase checks it again on the head it moves to. */
    const struct vcow_cond_ops *old_ops = x->ops;
    x->ops = ops;
    bool holds = true;
    int rc = cond_holds(t, cd, seq, t->pin, &holds);
    if (rc == VCOW_OK)
        rc = push_cond(t, x, cd);
    if (rc != VCOW_OK) {
        x->ops = old_ops;
        vcow_node_free(&t->tally, VCOW_MEM_META, cd, size);
        return rc;
    }
    if (!holds)
        x->failed = VCOW_ECOND;
    return VCOW_OK;
}

int vcow__txn_cond_recheck(struct vcow_txn *t, const vcow_version *head)
{
    struct vcow_txn_cond *x = t->cond;
    if (x == NULL)
        return VCOW_OK;
    if (x->has_seq)
        return VCOW_ECOND; /* the head is no longer if_seq */
    int conflict = VCOW_OK;
    for (uint32_t i = 0; i < x->n; i++) {
        const struct vcow_cond *cd = x->c[i];
        bool holds = true;
        /* UNCHANGED conditions held up to the base: look at what came
         * after it only. */
        int rc = cond_holds(t, cd, t->base->seq, head, &holds);
        if (rc != VCOW_OK)
            return VCOW_ECONFLICT; /* cannot tell: fail safe, a retry may */
        if (holds)
            continue;
        if (!cd->since_base)
            return VCOW_ECOND;
        conflict = VCOW_ECONFLICT; /* but an ECOND later in the list wins */
    }
    return conflict;
}

/* ---- the read set ---- */

static uint64_t read_key(uint64_t h)
{
    return h != 0 ? h : 1;
}

bool vcow__txn_read_has(const struct vcow_txn *t, uint64_t key_hash)
{
    uint64_t h = read_key(key_hash);
    for (unsigned i = 0; i < t->n_read_inline; i++)
        if (t->read_inline[i] == h)
            return true;
    const struct vcow_txn_cond *x = t->cond;
    if (x == NULL || x->rcap == 0)
        return false;
    for (uint32_t i = (uint32_t)h & (x->rcap - 1);; i = (i + 1) & (x->rcap - 1)) {
        if (x->reads[i] == h)
            return true;
        if (x->reads[i] == 0)
            return false;
    }
}

static void read_put(uint64_t *tab, uint32_t cap, uint64_t h)
{
    uint32_t i = (uint32_t)h & (cap - 1);
    while (tab[i] != 0 && tab[i] != h)
        i = (i + 1) & (cap - 1);
    tab[i] = h;
}

/* Record a read of key_hash. Without memory the read counts as a read of
 * everything: never unsafe, only a conflict a rebase would have avoided. */
static void note_read(struct vcow_txn *t, uint64_t key_hash)
{
    uint64_t h = read_key(key_hash);
    if (vcow__txn_read_has(t, h))
        return;
    if (t->n_read_inline < sizeof(t->read_inline) / sizeof(t->read_inline[0])) {
        t->read_inline[t->n_read_inline++] = h;
        return;
    }
    struct vcow_txn_cond *x = cond_of(t);
    if (x == NULL) {
        t->read_all = true;
        return;
    }
    if (2 * (x->nreads + 1) > x->rcap) { /* at most half full */
        uint32_t cap = x->rcap != 0 ? 2 * x->rcap : 16;
        uint64_t *tab = vcow_node_alloc(&t->tally, VCOW_MEM_META, cap * sizeof(*tab));
        if (tab == NULL) {
            t->read_all = true;
            return;
        }
        memset(tab, 0, cap * sizeof(*tab));
        for (uint32_t i = 0; i < x->rcap; i++)
            if (x->reads[i] != 0)
                read_put(tab, cap, x->reads[i]);
        if (x->reads != NULL)
            vcow_node_free(&t->tally, VCOW_MEM_META, x->reads, x->rcap * sizeof(*x->reads));
        x->reads = tab;
        x->rcap = cap;
    }
    read_put(x->reads, x->rcap, h);
    x->nreads++;
}

static struct vcow_txn *txn_of_view(const vcow_version *v)
{
    return vcow_container_of((struct vcow_view_face *)(uintptr_t)(const void *)v, struct vcow_txn,
                             view);
}

struct vcow_node *vcow__version_root_read(const vcow_version *v, uint64_t key_hash)
{
    if (VCOW_LIKELY(v->face.view != VCOW_FACE_TXN))
        return v->face.root;
    /* A txn view: the txn is one thread's, so is its view (vcow/cell.h). */
    struct vcow_txn *t = txn_of_view(v);
    if (t->state != TXN_OPEN)
        return NULL;
    t->viewed = true;
    if (t->rebase) {
        if (t->depth > 0)
            t->read_all = true; /* a key of a nested structure */
        else
            note_read(t, key_hash);
    }
    return t->root;
}

/* ---- public: the txn's own conditions ---- */

int vcow_txn_if_seq(vcow_txn *t, uint64_t seq)
{
    if (t == NULL)
        return VCOW_EINVAL;
    if (t->state != TXN_OPEN)
        return VCOW_ESTATE;
    struct vcow_txn_cond *x = cond_of(t);
    if (x == NULL)
        return VCOW_ENOMEM;
    if (x->has_seq && x->if_seq != seq)
        x->failed = VCOW_ECOND; /* two different heads: never both */
    x->has_seq = true;
    x->if_seq = seq;
    if (t->base->seq != seq)
        x->failed = VCOW_ECOND;
    return VCOW_OK;
}

int vcow_txn_set_rebase(vcow_txn *t, bool on)
{
    if (t == NULL)
        return VCOW_EINVAL;
    if (t->state != TXN_OPEN)
        return VCOW_ESTATE;
    /* Maps, and trees in memcmp order: a comparator's equal keys may differ
     * in bytes, so their reads could not be matched by hash. */
    if (on && t->cell->kind != VCOW_KIND_MAP &&
        !(t->cell->kind == VCOW_KIND_TREE && t->cell->opts.compare == NULL))
        return VCOW_EINVAL;
    if (on && !t->rebase && t->viewed)
        return VCOW_ESTATE; /* reads made before were not recorded */
    t->rebase = on;
    return VCOW_OK;
}
