/*
 * structures/rope/rope_delta.c - delta nodes: in a cell with history, a
 * small edit is recorded as one node over the previous text instead of a
 * copied chunk and path, so a kept keystroke costs ~150 bytes, not ~1.6 KB.
 *
 * A delta (layout in rope_delta.h) is a root: "the text of `base`, with del
 * bytes removed at pos and ins bytes inserted there". Its base is the
 * previous root (a tree, NULL or another delta), reachable from this
 * version only through the delta, so the kind's walk visits it and no
 * subtree is reachable twice. Readers never write shared memory, so a
 * delta is never "materialised on read": reads map positions down the
 * chain (rope_delta_read.c), O(chain + log m).
 *
 * The policy (try_delta), in a cell with history and without
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
 * runs, the engine's edits get a retire destination that only records the
 * published nodes they replace (a struct rope_hold, rope_tree.h); on
 * success they are retired, on failure the new nodes are freed and the
 * root restored (rope_delta_materialise.c). The tree at the
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
#include <string.h>

#include "rope_delta.h"

static bool deltas_on(const vcow_txn *t)
{
    const struct vcow_cell_opts *o = vcow_txn_opts(t);
    return o->history && !o->rope_no_deltas;
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
    vcow__rope_delta_measure(base, nd);
    if (nd != d) {
        vcow_txn_free_node(t, &d->hdr);
        vcow_txn_set_root(t, &nd->hdr);
    }
    return VCOW_OK;
}

/* Record the edit as a delta: VCOW_OK, VCOW_ENOMEM (nothing changed), or
 * 1 when the policy says no. */
static int try_delta(vcow_txn *t, uint64_t pos, uint64_t del, const unsigned char *s, size_t n)
{
    if (n > ROPE_DELTA_INS || !deltas_on(t))
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
    vcow__rope_delta_measure(root, d);
    vcow_txn_set_root(t, &d->hdr);
    return VCOW_OK;
}

bool vcow__rope_delta_wants(const vcow_txn *t, const struct vcow_node *root, size_t ins)
{
    /* An edit on a tree the txn already owns is cheaper in place. */
    if (rope_is_delta(root))
        return true;
    return ins <= ROPE_DELTA_INS && (root == NULL || !vcow_txn_owns(t, root)) && deltas_on(t);
}

int vcow__rope_delta_edit(vcow_txn *t, uint64_t a, uint64_t b, const unsigned char *s, size_t n)
{
    int rc = try_delta(t, a, b - a, s, n);
    if (rc <= 0)
        return rc; /* done, or VCOW_ENOMEM with nothing changed */
    rc = vcow__rope_materialise(t);
    if (rc != VCOW_OK)
        return rc;
    /* From here the text is what it was, as a tree the txn owns: a failed
     * edit still leaves it unchanged. */
    struct rope_sink to_txn = {t, NULL};
    if (a < b)
        rc = vcow__rope_tree_delete(&to_txn, a, b);
    if (rc == VCOW_OK && n > 0)
        rc = vcow__rope_tree_insert(&to_txn, a, s, n);
    return rc;
}
