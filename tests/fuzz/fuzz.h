/*
 * tests/fuzz/fuzz.h - what the libFuzzer targets share: CHECK (from
 * tests/test.h), the input read as a program one byte at a time, the
 * end-of-input leak check, and the cell / txn / pin driver (driver.c).
 *
 * The driver holds one cell, FUZZ_MAXTXN txn slots and FUZZ_MAXPINS pin
 * slots, and the seq of the head the model expects. It makes the calls
 * every differential fuzzer makes the same way and checks what the runtime
 * answers; the model itself is the fuzzer's: a call that changes what the
 * model must hold says so (fuzz_begin: copy the head's state into the
 * slot's; fuzz_commit: the slot's state is the new head's), and the fuzzer
 * copies its own state. Which byte picks which slot is the fuzzer's too, so
 * a corpus keeps meaning what it meant.
 */
#ifndef VCOW_FUZZ_H
#define VCOW_FUZZ_H

#include <stdbool.h>
#include <stdint.h>

#include "tests/test.h"

struct input {
    const uint8_t *p;
    size_t n;
};

/* The next byte of the program; 0 once it is used up. */
static inline uint8_t next(struct input *in)
{
    if (in->n == 0)
        return 0;
    in->n--;
    return *in->p++;
}

/*
 * Every node vcow allocated is freed. A barrier waits for liburcu's worker
 * (it batches every 10 ms): check on every 32nd input only, for the
 * fuzzer's speed.
 */
static inline void fuzz_check_all_freed_sometimes(void)
{
    static unsigned runs;
    if (runs++ % 32 == 0)
        test_check_all_freed();
}

/* ---- the cell / txn / pin driver (driver.c) ---- */

#define FUZZ_MAXTXN  3
#define FUZZ_MAXPINS 8

struct fuzz_drv {
    vcow_cell *cell;
    bool history;           /* the cell keeps every version not trimmed */
    uint64_t head;          /* the seq the model says the head has */
    uint64_t trimmed_below; /* history: versions below this may be trimmed */
    bool armed;             /* an allocation failure may be pending */
    vcow_txn *txn[FUZZ_MAXTXN];
    bool open[FUZZ_MAXTXN]; /* begun and neither committed nor aborted */
    vcow_version *pin[FUZZ_MAXPINS];
    uint64_t pin_seq[FUZZ_MAXPINS];
};

/* Open a cell of `kind` with o (o->history is remembered). false (and
 * nothing to close) if vcow refuses the options. */
bool fuzz_open(struct fuzz_drv *d, enum vcow_kind kind, const struct vcow_cell_opts *o);

/* What any call on slot's txn answers before it looks at its arguments:
 * VCOW_EINVAL (no txn), VCOW_ESTATE (finished) or VCOW_OK (open). */
int fuzz_pre(const struct fuzz_drv *d, int slot);
/* What a read through vcow_txn_view answers where a txn call would answer
 * pre: a finished txn has no view (NULL), which reads refuse as EINVAL. */
static inline int fuzz_view_pre(int pre)
{
    return pre == VCOW_ESTATE ? VCOW_EINVAL : pre;
}

/* Begin a txn in slot unless an open one is there (a finished one is freed
 * first). true: a new txn on the head is open; the fuzzer copies the head's
 * model into the slot's. false: nothing began (an open txn was there, or an
 * injected VCOW_ENOMEM). */
bool fuzz_begin(struct fuzz_drv *d, int slot);

enum fuzz_commit {
    FUZZ_REFUSED,   /* no open txn: the call answered fuzz_pre's code */
    FUZZ_COMMITTED, /* d->head advanced: the slot's model is the head's */
    FUZZ_CONFLICT,  /* the txn's base was not the head: it is finished */
    FUZZ_NOMEM,     /* injected failure: the txn is still open, unchanged */
};

/* Commit slot's txn and check the answer against the model's head. */
enum fuzz_commit fuzz_commit(struct fuzz_drv *d, int slot);

/* Free slot's txn (free_it) or abort it (VCOW_OK if open, fuzz_pre's code
 * otherwise). */
void fuzz_end(struct fuzz_drv *d, int slot, bool free_it);

/* A one-op cell call (vcow_tree_cell_set, vcow_box_cell_add, ...) succeeded and
 * said it made seq: that must be head + 1, which is the head now. */
void fuzz_cell_wrote(struct fuzz_drv *d, uint64_t seq);

/* Pin the head, or the version seq (maybe unknown: VCOW_ENOENT, which must
 * not happen for the head or for a retained version), into slot ps if it is
 * empty. true: pinned, d->pin_seq[ps] is its seq; the fuzzer reads it. */
bool fuzz_pin_head(struct fuzz_drv *d, int ps);
bool fuzz_pin_at(struct fuzz_drv *d, int ps, uint64_t seq);

/* The hamt / tree / rope fuzzers' pin operation: a & 1 pins the head, else
 * the seq b % (head + 3) (two past the head: unknown seqs). */
bool fuzz_pin(struct fuzz_drv *d, int ps, uint8_t a, uint8_t b);

void fuzz_unpin(struct fuzz_drv *d, int ps);

/* Fail the k-th allocation from now (every one from the k-th on when
 * persistent); k = 0 disarms. */
void fuzz_arm(struct fuzz_drv *d, long k, bool persistent);

/* Trim the history below keep_from (vcow_cell_trim). */
void fuzz_trim(struct fuzz_drv *d, uint64_t keep_from);

/* Disarm, free every txn, unpin every pin, close the cell (it must close)
 * and sometimes check that every node is freed. */
void fuzz_close(struct fuzz_drv *d);

#endif
