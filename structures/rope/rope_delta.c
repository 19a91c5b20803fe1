/*
 * structures/rope/rope_delta.c - delta nodes: in a cell with history, a
 * small edit is recorded as one node over the previous text instead of a
 * copied chunk and path, so a kept keystroke costs ~150 bytes, not ~1.6 KB.
 *
 * A delta (layout in rope_int.h) is a root: "the text of `base`, with del
 * bytes removed at pos and ins bytes inserted there". Its base is the
 * previous root (a tree, NULL or another delta), reachable from this
 * version only through the delta, so the kind's walk visits it and no
 * subtree is reachable twice. Readers never write shared memory, so a
 * delta is never "materialised on read": reads map positions down the
 * chain (rope_delta_read.c), O(chain + log m).
 *
 * The policy (vcow__rope_delta_try), in a cell with history and without
 * rope_no_deltas:
 *   1. an insert of at most ROPE_DELTA_INS bytes, or a delete, on a root
 *      that is a published tree, NULL, or a delta chain becomes a delta;
 *   2. on a delta this txn made (not yet published) an edit touching its
 *      inserted text [pos, pos + ins] is folded into it (typing, backspace,
 *      replace): the chain does not grow; edits that cancel out drop it;
 *   3. otherwise a delta is pushed while the chain is shorter than
 *      ROPE_DELTA_CHAIN;
 *   4. everything else (a longer insert, move, a chain at the bound; defrag
 *      rebuilds from any root) first materialises the chain: its edits are
 *      applied oldest first to the tree at its bottom with the ordinary
 *      edit machinery (the first copies a path, later ones edit the copy in
 *      place), each delta is retired alone (its base lives on in older
 *      versions), and the edit proceeds on the tree.
 * An edit on a tree the txn already owns stays a tree edit: in place it
 * costs no more than a delta, and reads stay O(log m).
 *
 * Allocation failure. A delta is one allocation, made before anything
 * changes. Materialising can fail halfway through its edits, so while it
 * runs, vcow__rope_retire only records the published nodes the machinery
 * replaces (in a per-thread list: a txn is used by one thread at a time,
 * and the list lives for one call); on success they are retired, on
 * failure the new nodes are freed and the root restored. The tree at the
 * bottom of a chain is always published (deltas are never made over a tree
 * the txn owns), so every node the txn owns there is one materialising
 * made.
 *
 * The bounds, measured with bench_rope (release, jemalloc, a shared 2-core
 * VM, medians of 3): trace_history/automerge-paper/vcow replays 259,778
 * one-keystroke commits keeping every version; read_head/<op>/<k> reads at
 * random positions of a 1 MB text whose head is a chain of k deltas (plain
 * tree, k = 0: convert 48 ns, 64-character copy 117 ns).
 *
 *   ROPE_DELTA_CHAIN   rope MB   replay ms   convert / copy64 ns at k = 31
 *   16                 48.0      510         (at most k = 15: 74 / 183)
 *   32                 35.4      470         93 / 271
 *   64                 28.7      626         93 / 267 (k = 63: ~+45 / +180)
 *   no deltas          427.9     1841        48 / 117
 *
 * Reads cost ~1.4 ns (convert) to ~5 ns (copy) more per delta in the chain.
 * 32: the deltas themselves (80 bytes a keystroke, ~21 MB here) are most of
 * what is left, so 64 would save 6.7 MB (a fifth) for reads of a head up to
 * ~3x a plain tree's instead of ~2x; 16 costs 12.6 MB more. (The replay
 * times are noisy on this machine; most of them is the runtime's commits,
 * see trace_history/.../commits_only.)
 *
 * ROPE_DELTA_INS = 64: up to 64 inserted bytes a delta stays at most 144
 * bytes, a tenth of a copied chunk and path, and a read inside it scans at
 * most 64 bytes. Longer inserts (pastes) are rare in typing and already
 * large next to the path they copy.
 */
#include <stdlib.h>
#include <string.h>

#include "rope_int.h"

bool vcow__rope_deltas_on(const vcow_txn *t)
{
    const struct vcow_cell_opts *o = vcow_txn_opts(t);
    return o->history && !o->rope_no_deltas;
}

/* ---- cached metrics ---- */

void vcow__rope_delta_fill(struct rope_delta *d, const struct rope_sum *tot,
                           const struct rope_sum *pa, const struct rope_sum *pad, unsigned edges)
{
    struct rope_sum ss;
    vcow__rope_count(d->b, d->ins, &ss);
    unsigned f = edges & (ROPE_D_A_CR | ROPE_D_AD_CR | ROPE_D_C_LF);
    bool has_s = d->ins > 0, has_c = pad->bytes < tot->bytes;
    if (has_s && d->b[0] == '\n')
        f |= ROPE_D_S_LF;
    if (has_s && d->b[d->ins - 1] == '\r')
        f |= ROPE_D_S_CR;
    bool a_cr = f & ROPE_D_A_CR, c_lf = f & ROPE_D_C_LF;
    bool s_lf = f & ROPE_D_S_LF, s_cr = f & ROPE_D_S_CR;
    int64_t seam_adc = (f & ROPE_D_AD_CR) && c_lf;
    int64_t seam_sc = s_cr && c_lf;
    int64_t seam_a = a_cr && (has_s ? s_lf : c_lf);
    d->a_cps = (uint32_t)pa->cps;
    d->a_u16 = (uint32_t)pa->u16;
    d->a_lines = (uint32_t)pa->lines;
    d->d_cps = (uint32_t)(pad->cps - pa->cps);
    d->d_u16 = (uint32_t)(pad->u16 - pa->u16);
    d->s_cps = (uint8_t)ss.cps;
    d->s_u16 = (uint8_t)ss.u16;
    d->s_lines = (uint8_t)ss.lines;
    d->c_lines = (int32_t)((int64_t)pa->lines + (int64_t)ss.lines - (int64_t)pad->lines + seam_adc -
                           seam_sc - seam_a);
    d->bytes = (uint32_t)(tot->bytes - d->del + d->ins);
    d->cps = (uint32_t)(tot->cps - d->d_cps + ss.cps);
    d->u16 = (uint32_t)(tot->u16 - d->d_u16 + ss.u16);
    if (has_c)
        d->lines = (uint32_t)((int64_t)tot->lines + d->c_lines);
    else
        d->lines = (uint32_t)(pa->lines + ss.lines - (has_s && a_cr && s_lf));
    bool first_lf = d->pos > 0 ? (tot->flags & ROPE_FIRST_LF) : has_s ? s_lf : c_lf;
    bool last_cr = has_c ? (tot->flags & ROPE_LAST_CR) : has_s ? s_cr : a_cr;
    d->flags = (uint8_t)(f | (first_lf ? ROPE_FIRST_LF : 0) | (last_cr ? ROPE_LAST_CR : 0));
}

/* Measure the base around d's edit and fill d's metrics. */
static void delta_measure(const struct vcow_node *base, struct rope_delta *d)
{
    struct rope_sum tot, pa, pad;
    unsigned edges = 0;
    uint64_t e = (uint64_t)d->pos + d->del;
    vcow__rope_node_sum(base, &tot);
    vcow__rope_prefix(base, d->pos, &pa);
    if (d->del > 0)
        vcow__rope_prefix(base, e, &pad);
    else
        pad = pa;
    /* A text with no line break has no CR and no LF: skip the lookups. */
    if (tot.lines > 0) {
        if (d->pos > 0 && vcow__rope_byte_at(base, d->pos - 1) == '\r')
            edges |= ROPE_D_A_CR;
        if (d->del == 0 ? (edges & ROPE_D_A_CR) : vcow__rope_byte_at(base, e - 1) == '\r')
            edges |= ROPE_D_AD_CR;
        if (e < tot.bytes && vcow__rope_byte_at(base, e) == '\n')
            edges |= ROPE_D_C_LF;
    }
    vcow__rope_delta_fill(d, &tot, &pa, &pad, edges);
}

static struct rope_delta *delta_alloc(vcow_txn *t, size_t ins)
{
    size_t size = (ROPE_DELTA_HDR + ins + 15) & ~(size_t)15;
    struct rope_delta *d = vcow_txn_alloc(t, VCOW_MEM_ROPE, size);
    if (d != NULL) {
        d->hdr.type = ROPE_DELTA;
    }
    return d;
}

/*
 * Fold the edit (p2, del2, s2) into d, the txn's own delta, when it touches
 * d's inserted text [pos, pos + ins] (positions of the current text):
 *
 *   base:  A | D | C          current:  A | S | C
 *   edit removes [p2, p2 + del2) and inserts s2 at p2, all within or
 *   next to S: the result is one edit of the base, starting at
 *   min(p2, pos), removing D plus the A bytes before pos and the C bytes
 *   after pos + ins the edit removes, inserting what is left of S with s2
 *   in place of the removed part.
 *
 * Returns 1 when it does not apply (apart, or the insert would outgrow
 * ROPE_DELTA_INS).
 */
static int fold(vcow_txn *t, struct rope_delta *d, uint64_t p2, uint64_t del2,
                const unsigned char *s2, size_t n2)
{
    uint64_t p = d->pos, n = d->ins, e2 = p2 + del2;
    if (p2 > p + n || e2 < p)
        return 1;
    uint64_t lo = p2 < p ? p2 : p;
    uint64_t left = p - lo;                          /* A bytes removed */
    uint64_t right = e2 > p + n ? e2 - (p + n) : 0;  /* C bytes removed */
    uint64_t keep_l = (p2 > p ? p2 : p) - p;         /* S kept before the edit */
    uint64_t keep_r = (e2 < p + n ? e2 : p + n) - p; /* S kept from here */
    uint64_t n3 = keep_l + n2 + (n - keep_r);
    if (n3 > ROPE_DELTA_INS)
        return 1;
    unsigned char buf[ROPE_DELTA_INS];
    memcpy(buf, d->b, keep_l);
    if (n2 > 0)
        memcpy(buf + keep_l, s2, n2);
    memcpy(buf + keep_l + n2, d->b + keep_r, n - keep_r);
    uint64_t del3 = d->del + left + right;
    struct vcow_node *base = d->base;
    if (del3 == 0 && n3 == 0) { /* the edits cancel out */
        vcow_txn_set_root(t, base);
        vcow_txn_free_node(t, &d->hdr);
        return VCOW_OK;
    }
    struct rope_delta *nd = d;
    if (ROPE_DELTA_HDR + n3 > d->hdr.size) {
        nd = delta_alloc(t, n3);
        if (nd == NULL)
            return VCOW_ENOMEM;
        nd->base = base;
        nd->depth = d->depth;
    }
    nd->pos = (uint32_t)lo;
    nd->del = (uint32_t)del3;
    nd->ins = (uint8_t)n3;
    memcpy(nd->b, buf, n3);
    delta_measure(base, nd);
    if (nd != d) {
        vcow_txn_free_node(t, &d->hdr);
        vcow_txn_set_root(t, &nd->hdr);
    }
    return VCOW_OK;
}

int vcow__rope_delta_try(vcow_txn *t, uint64_t pos, uint64_t del, const unsigned char *s, size_t n)
{
    if (n > ROPE_DELTA_INS || !vcow__rope_deltas_on(t))
        return 1;
    struct vcow_node *root = vcow_txn_root(t);
    if (root != NULL && vcow_txn_owns(t, root)) {
        if (!rope_is_delta(root))
            return 1; /* our own tree: edit it in place */
        int rc = fold(t, DELTA(root), pos, del, s, n);
        if (rc != 1)
            return rc;
    }
    uint32_t depth = rope_delta_depth(root);
    if (depth >= ROPE_DELTA_CHAIN)
        return 1;
    struct rope_delta *d = delta_alloc(t, n);
    if (d == NULL)
        return VCOW_ENOMEM;
    d->base = root;
    d->depth = (uint8_t)(depth + 1);
    d->pos = (uint32_t)pos;
    d->del = (uint32_t)del;
    d->ins = (uint8_t)n;
    if (n > 0)
        memcpy(d->b, s, n);
    delta_measure(root, d);
    vcow_txn_set_root(t, &d->hdr);
    return VCOW_OK;
}

/* ---- materialising a chain ---- */

/* Published nodes the edit machinery replaced while materialising: retire
 * entries (low bit: a whole subtree) kept back until it succeeds. */
struct held {
    uintptr_t *e;
    size_t n, cap;
    bool failed;
};

static _Thread_local struct held *holding;

static void hold(struct vcow_node *n, uintptr_t subtree)
{
    struct held *h = holding;
    if (h->n == h->cap) {
        size_t nc = h->cap ? h->cap * 2 : 64;
        uintptr_t *ne = realloc(h->e, nc * sizeof(*ne));
        if (ne == NULL) {
            /* The node stays where it is: materialising is undone. */
            h->failed = true;
            return;
        }
        h->e = ne;
        h->cap = nc;
    }
    h->e[h->n++] = (uintptr_t)n | subtree;
}

void vcow__rope_retire(vcow_txn *t, struct vcow_node *n)
{
    if (holding != NULL && !vcow_txn_owns(t, n))
        hold(n, 0);
    else
        vcow_txn_retire(t, n); /* ours: freed now */
}

void vcow__rope_retire_tree(vcow_txn *t, struct vcow_node *n)
{
    if (holding != NULL)
        hold(n, 1); /* only published subtrees are dropped whole */
    else
        vcow_txn_retire_tree(t, n);
}

/* Free what materialising made: the owned part of the new tree. */
static void free_owned(vcow_txn *t, struct vcow_node *n)
{
    if (n == NULL || !vcow_txn_owns(t, n))
        return;
    if (!rope_is_leaf(n))
        for (uint32_t i = 0; i < INNER(n)->n; i++)
            free_owned(t, INNER(n)->kid[i]);
    vcow_txn_free_node(t, n);
}

int vcow__rope_materialise(vcow_txn *t)
{
    struct vcow_node *root = vcow_txn_root(t), *n = root;
    if (!rope_is_delta(root))
        return VCOW_OK;
    struct rope_delta *chain[ROPE_DELTA_CHAIN];
    int k = 0;
    while (rope_is_delta(n) && k < ROPE_DELTA_CHAIN) {
        chain[k++] = DELTA(n);
        n = DELTA(n)->base;
    }
    if (rope_is_delta(n))
        return VCOW_ECORRUPT; /* a chain past the bound: never made */
    struct held h = {NULL, 0, 0, false};
    holding = &h;
    vcow_txn_set_root(t, n);
    int rc = VCOW_OK;
    for (int i = k - 1; i >= 0 && rc == VCOW_OK; i--) {
        const struct rope_delta *d = chain[i];
        if (d->del > 0)
            rc = vcow__rope_tree_delete(t, d->pos, (uint64_t)d->pos + d->del);
        if (rc == VCOW_OK && d->ins > 0)
            rc = vcow__rope_tree_insert(t, d->pos, d->b, d->ins);
    }
    holding = NULL;
    uint32_t slots = (uint32_t)h.n;
    for (int i = 0; i < k; i++)
        slots += !vcow_txn_owns(t, &chain[i]->hdr);
    if (rc == VCOW_OK && (h.failed || vcow_txn_reserve(t, slots) != VCOW_OK))
        rc = VCOW_ENOMEM;
    if (rc != VCOW_OK) {
        free_owned(t, vcow_txn_root(t));
        vcow_txn_set_root(t, root);
        free(h.e);
        return rc;
    }
    for (size_t i = 0; i < h.n; i++) {
        struct vcow_node *x = (struct vcow_node *)(h.e[i] & ~(uintptr_t)1);
        if (h.e[i] & 1)
            vcow_txn_retire_tree(t, x);
        else
            vcow_txn_retire(t, x);
    }
    for (int i = 0; i < k; i++)
        vcow_txn_retire(t, &chain[i]->hdr); /* alone: the base lives on */
    free(h.e);
    return VCOW_OK;
}
