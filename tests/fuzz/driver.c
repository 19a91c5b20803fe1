/*
 * tests/fuzz/driver.c - the cell / txn / pin driver the differential
 * fuzzers share (see fuzz.h). Every call checks what vcow answers against
 * what the model's head and the slots' states allow: an error is either a
 * misuse the slot's state predicts or an injected allocation failure.
 */
#include <string.h>

#include "fuzz.h"

bool fuzz_open(struct fuzz_drv *d, enum vcow_kind kind, const struct vcow_cell_opts *o)
{
    memset(d, 0, sizeof(*d));
    d->history = o != NULL && o->history;
    return vcow_cell_open(kind, o, &d->cell) == VCOW_OK;
}

int fuzz_pre(const struct fuzz_drv *d, int slot)
{
    return d->txn[slot] == NULL ? VCOW_EINVAL : d->open[slot] ? VCOW_OK : VCOW_ESTATE;
}

bool fuzz_begin(struct fuzz_drv *d, int slot)
{
    if (d->txn[slot] != NULL && d->open[slot])
        return false;
    vcow_txn_free(d->txn[slot]);
    d->txn[slot] = NULL;
    d->open[slot] = false;
    int rc = vcow_txn_begin(d->cell, &d->txn[slot]);
    CHECK(rc == VCOW_OK || (rc == VCOW_ENOMEM && d->armed));
    if (rc != VCOW_OK) {
        d->txn[slot] = NULL;
        return false;
    }
    d->open[slot] = true;
    return true;
}

enum fuzz_commit fuzz_commit(struct fuzz_drv *d, int slot)
{
    vcow_txn *t = d->txn[slot];
    int pre = fuzz_pre(d, slot);
    if (pre != VCOW_OK) {
        CHECK(vcow_txn_commit(t) == pre);
        return FUZZ_REFUSED;
    }
    uint64_t bseq = vcow_version_seq(vcow_txn_base(t));
    int rc = vcow_txn_commit(t);
    if (rc == VCOW_OK) {
        CHECK(bseq == d->head);
        d->head++;
        d->open[slot] = false;
        CHECK(vcow_txn_base(t) == NULL);
        return FUZZ_COMMITTED;
    }
    if (rc == VCOW_ECONFLICT) {
        CHECK(bseq != d->head);
        d->open[slot] = false;
        return FUZZ_CONFLICT;
    }
    CHECK(rc == VCOW_ENOMEM && d->armed && bseq == d->head);
    return FUZZ_NOMEM;
}

void fuzz_end(struct fuzz_drv *d, int slot, bool free_it)
{
    if (free_it) {
        vcow_txn_free(d->txn[slot]);
        d->txn[slot] = NULL;
    } else {
        CHECK(vcow_txn_abort(d->txn[slot]) == fuzz_pre(d, slot));
    }
    d->open[slot] = false;
}

void fuzz_cell_wrote(struct fuzz_drv *d, uint64_t seq)
{
    CHECK(seq == d->head + 1);
    d->head++;
}

bool fuzz_pin_head(struct fuzz_drv *d, int ps)
{
    if (d->pin[ps] != NULL)
        return false;
    CHECK(vcow_cell_pin_head(d->cell, &d->pin[ps]) == VCOW_OK);
    d->pin_seq[ps] = d->head;
    CHECK(vcow_version_seq(d->pin[ps]) == d->head);
    return true;
}

bool fuzz_pin_at(struct fuzz_drv *d, int ps, uint64_t seq)
{
    if (d->pin[ps] != NULL)
        return false;
    int rc = vcow_cell_pin_at(d->cell, seq, &d->pin[ps]);
    if (rc != VCOW_OK) {
        CHECK(rc == VCOW_ENOENT);
        /* The head lives; with history, so does every version not trimmed. */
        CHECK(seq != d->head);
        CHECK(!(d->history && seq <= d->head && seq >= d->trimmed_below));
        d->pin[ps] = NULL;
        return false;
    }
    CHECK(seq <= d->head);
    CHECK(vcow_version_seq(d->pin[ps]) == seq);
    d->pin_seq[ps] = seq;
    return true;
}

bool fuzz_pin(struct fuzz_drv *d, int ps, uint8_t a, uint8_t b)
{
    if (a & 1)
        return fuzz_pin_head(d, ps);
    return fuzz_pin_at(d, ps, b % (d->head + 3));
}

void fuzz_unpin(struct fuzz_drv *d, int ps)
{
    vcow_version_unpin(d->pin[ps]);
    d->pin[ps] = NULL;
}

void fuzz_arm(struct fuzz_drv *d, long k, bool persistent)
{
    vcow_debug_fail_alloc(k, persistent);
    d->armed = k != 0;
}

void fuzz_trim(struct fuzz_drv *d, uint64_t keep_from)
{
    CHECK(vcow_cell_trim(d->cell, keep_from) == VCOW_OK);
    if (keep_from > d->trimmed_below)
        d->trimmed_below = keep_from;
}

void fuzz_close(struct fuzz_drv *d)
{
    fuzz_arm(d, 0, false);
    for (int i = 0; i < FUZZ_MAXTXN; i++) {
        vcow_txn_free(d->txn[i]);
        d->txn[i] = NULL;
        d->open[i] = false;
    }
    for (int i = 0; i < FUZZ_MAXPINS; i++)
        fuzz_unpin(d, i);
    CHECK(vcow_cell_close(d->cell) == VCOW_OK);
    d->cell = NULL;
    fuzz_check_all_freed_sometimes();
}
