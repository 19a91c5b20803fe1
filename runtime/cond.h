/*
 * runtime/cond.h - a txn's commit conditions and read set (internal to
 * runtime/cond.c, runtime/rebase.c and runtime/txn.c). Allocated on the
 * first condition, tracked read or vcow_txn_if_seq: a txn without any
 * costs one NULL pointer.
 */
#ifndef VCOW_RUNTIME_COND_H
#define VCOW_RUNTIME_COND_H

#include "cell.h"
#include "txn.h"

struct vcow_cond {
    enum vcow_cond_type type;
    bool since_base; /* UNCHANGED since the txn's base (vcow_*_if_unchanged) */
    uint32_t size;   /* of this allocation */
    uint64_t seq;    /* UNCHANGED: not written after this seq */
    vcow_val val;    /* EQUAL: bytes point into key[] after the key */
    size_t klen;
    unsigned char key[];
};

struct vcow_txn_cond {
    const struct vcow_cond_ops *ops; /* of the cell's kind; NULL before a key condition */
    /* VCOW_OK, or what commit answers without trying: VCOW_ECOND. */
    int failed;
    bool has_seq; /* vcow_txn_if_seq */
    uint64_t if_seq;
    struct vcow_cond **c;
    uint32_t n, cap;
    /* The read set: vcow_hash of each key read through the view, open
     * addressing (0 = empty; a hash of 0 is stored as 1: a collision only
     * makes a false conflict). cap is 0 or a power of two. */
    uint64_t *reads;
    uint32_t nreads, rcap;
};

/* Free the conditions and read set (discard, and after a commit). */
void vcow__txn_cond_free(struct vcow_txn *t);

/* Does the read set hold key_hash? */
bool vcow__txn_read_has(const struct vcow_txn *t, uint64_t key_hash);

/*
 * The head moved from the txn's base to head (pinned): do the conditions
 * still hold on head? VCOW_OK; VCOW_ECONFLICT when a key the txn named with
 * vcow_*_if_unchanged was written in (base, head] (a retry may succeed);
 * VCOW_ECOND when another condition fails.
 */
int vcow__txn_cond_recheck(struct vcow_txn *t, const vcow_version *head);

/* runtime/rebase.c: the head moved; rebase the txn onto it. VCOW_OK: the
 * txn is open on the new head, commit again. VCOW_ECONFLICT or VCOW_ECOND:
 * the txn is unchanged (commit discards it). */
int vcow__txn_rebase(struct vcow_txn *t);

/* runtime/txn.c: free what a txn state built (owned nodes reachable from
 * root, owned subtrees on r) and drop r's entries; base_root is the root
 * the state was built on. */
void vcow__txn_drop_state(struct vcow_txn *t, struct vcow_node *root, struct vcow_retire *r,
                          struct vcow_node *base_root);

#endif
