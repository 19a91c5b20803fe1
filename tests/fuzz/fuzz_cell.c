/*
 * tests/fuzz/fuzz_cell.c - libFuzzer: cells, txns, pins and history on the
 * box kind, with bad arguments, against a reference model.
 *
 * The input is a program: each byte picks an operation, following bytes its
 * arguments. The model is the list of values committed per seq. Every
 * operation either succeeds and the model follows, or returns an error and
 * nothing changes: the head and every pinned version still read what the
 * model says. Bad arguments (NULL, finished txns, unknown seqs, nested or
 * unknown value types, over-long bytes) must get error codes, and injected
 * allocation failures must change nothing. At the end everything is closed
 * and every node counter must be back to zero.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vcow/vcow.h>

#include "fuzz.h"

#define MAXV    512
#define MAXPINS 8
#define MAXTXN  3

struct model_val {
    enum vcow_type type;
    int64_t i;
    uint8_t len;
    uint8_t fill;
};

static bool val_equal(const vcow_val *v, const struct model_val *m)
{
    if (v->type != m->type)
        return false;
    if (m->type == VCOW_T_I64)
        return v->u.i64 == m->i;
    if (m->type == VCOW_T_BYTES) {
        if (v->u.bytes.len != m->len)
            return false;
        for (size_t i = 0; i < m->len; i++)
            if (((const uint8_t *)v->u.bytes.ptr)[i] != m->fill)
                return false;
    }
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct input in = {data, size};
    static struct model_val hist[MAXV]; /* committed value per seq */
    uint64_t head = 0;
    struct vcow_cell_opts o = {.size = sizeof(o), .history = next(&in) & 1};
    vcow_cell *c;
    if (vcow_cell_open(VCOW_KIND_BOX, &o, &c) != VCOW_OK)
        return 0;
    hist[0] = (struct model_val){VCOW_T_NONE, 0, 0, 0};
    uint64_t trimmed_below = 0; /* history: versions < this were trimmed */
    vcow_txn *txn[MAXTXN] = {0};
    struct model_val txn_val[MAXTXN];
    bool txn_set[MAXTXN] = {0};
    vcow_version *pin[MAXPINS] = {0};
    uint64_t pin_seq[MAXPINS] = {0};
    uint8_t buf[256];

    while (in.n > 0 && head < MAXV - 1) {
        uint8_t op = next(&in), a = next(&in), b = next(&in);
        int slot = a % MAXTXN, ps = a % MAXPINS;
        int rc;
        switch (op % 12) {
        case 0: /* begin */
            if (txn[slot] != NULL)
                break;
            rc = vcow_txn_begin(c, &txn[slot]);
            CHECK(rc == VCOW_OK || rc == VCOW_ENOMEM);
            if (rc != VCOW_OK)
                txn[slot] = NULL;
            txn_set[slot] = false;
            break;
        case 1: { /* set: valid or not */
            vcow_val v;
            struct model_val m = {VCOW_T_NONE, 0, 0, 0};
            switch (b % 6) {
            case 0:
                v = vcow_val_i64((int64_t)a * 1000003 - b);
                m = (struct model_val){VCOW_T_I64, v.u.i64, 0, 0};
                break;
            case 1:
            case 2:
                memset(buf, b, sizeof(buf));
                v = vcow_val_bytes(buf, a);
                m = (struct model_val){VCOW_T_BYTES, 0, a, b};
                break;
            case 3:
                v = vcow_val_bytes(NULL, a | 1); /* NULL with a length */
                break;
            case 4:
                v = (vcow_val){.type = VCOW_T_MAP};
                break;
            default:
                v = (vcow_val){.type = (enum vcow_type)(b | 8)};
                break;
            }
            rc = vcow_box_set(txn[slot], v);
            if (txn[slot] == NULL || b % 6 >= 3) {
                CHECK(rc == VCOW_EINVAL || rc == VCOW_ESTATE);
            } else if (rc == VCOW_OK) {
                txn_val[slot] = m;
                txn_set[slot] = true;
            } else {
                CHECK(rc == VCOW_ENOMEM || rc == VCOW_ESTATE);
            }
            break;
        }
        case 2: { /* commit */
            if (txn[slot] == NULL) {
                CHECK(vcow_txn_commit(NULL) == VCOW_EINVAL);
                break;
            }
            const vcow_version *base = vcow_txn_base(txn[slot]);
            uint64_t bseq = base ? vcow_version_seq(base) : 0;
            rc = vcow_txn_commit(txn[slot]);
            if (rc == VCOW_OK) {
                CHECK(bseq == head);
                head++;
                hist[head] = txn_set[slot] ? txn_val[slot] : hist[head - 1];
            } else {
                CHECK(rc == VCOW_ECONFLICT || rc == VCOW_ENOMEM || rc == VCOW_ESTATE);
                CHECK(rc != VCOW_ECONFLICT || bseq != head);
            }
            break;
        }
        case 3: /* abort, or free */
            if (b & 1) {
                vcow_txn_free(txn[slot]);
                txn[slot] = NULL;
            } else if (txn[slot] != NULL) {
                rc = vcow_txn_abort(txn[slot]);
                CHECK(rc == VCOW_OK || rc == VCOW_ESTATE);
            }
            break;
        case 4: /* pin by seq (maybe unknown) */
            if (pin[ps] != NULL)
                break;
            rc = vcow_cell_pin_at(c, (uint64_t)b, &pin[ps]);
            if (rc == VCOW_OK) {
                CHECK(b <= head);
                pin_seq[ps] = b;
            } else {
                CHECK(rc == VCOW_ENOENT);
                /* History keeps every version not trimmed. */
                CHECK(!(o.history && b <= head && b >= trimmed_below));
                pin[ps] = NULL;
            }
            break;
        case 5: /* pin head */
            if (pin[ps] != NULL)
                break;
            CHECK(vcow_cell_pin_head(c, &pin[ps]) == VCOW_OK);
            pin_seq[ps] = head;
            CHECK(vcow_version_seq(pin[ps]) == head);
            break;
        case 6: /* unpin */
            vcow_version_unpin(pin[ps]);
            pin[ps] = NULL;
            break;
        case 7: /* trim */
            rc = vcow_cell_trim(c, b);
            CHECK(rc == VCOW_OK);
            if (b > trimmed_below)
                trimmed_below = b;
            break;
        case 8: /* arm or disarm an allocation failure */
            vcow_debug_fail_alloc(b % 4 == 0 ? 0 : 1 + a % 4, a & 1);
            break;
        case 9: { /* stats and version listing */
            struct vcow_cell_stats s;
            CHECK(vcow_cell_get_stats(c, &s) == VCOW_OK);
            CHECK(s.head_seq == head);
            struct vcow_version_info info[4];
            size_t n;
            CHECK(vcow_cell_versions(c, a, (uint64_t)a + b, info, 4, &n) == VCOW_OK);
            for (size_t i = 0; i < n; i++)
                CHECK(info[i].seq >= a && info[i].seq <= head);
            break;
        }
        case 10: /* misuse: close while pinned/open must refuse or succeed only if idle */
            CHECK(vcow_cell_close(NULL) == VCOW_EINVAL);
            CHECK(vcow_box_get(NULL, NULL) == VCOW_EINVAL);
            CHECK(vcow_box_get_txn(txn[slot], NULL) == VCOW_EINVAL);
            break;
        default: /* cell convenience */
            rc = vcow_box_add(c, (int8_t)b, NULL, NULL);
            if (rc == VCOW_OK) {
                int64_t cur = hist[head].type == VCOW_T_I64 ? hist[head].i : 0;
                head++;
                hist[head] = (struct model_val){
                    VCOW_T_I64, (int64_t)((uint64_t)cur + (uint64_t)(int8_t)b), 0, 0};
            } else {
                CHECK(rc == VCOW_ENOMEM || (rc == VCOW_EINVAL && hist[head].type != VCOW_T_I64 &&
                                            hist[head].type != VCOW_T_NONE));
            }
            break;
        }
        /* The head and every pin read what the model says. */
        vcow_read_lock();
        const vcow_version *h = vcow_cell_head(c);
        vcow_val v;
        CHECK(vcow_version_seq(h) == head);
        CHECK(vcow_box_get(h, &v) == VCOW_OK && val_equal(&v, &hist[head]));
        vcow_read_unlock();
        for (int i = 0; i < MAXPINS; i++) {
            if (pin[i] == NULL)
                continue;
            CHECK(vcow_version_seq(pin[i]) == pin_seq[i]);
            CHECK(vcow_box_get(pin[i], &v) == VCOW_OK && val_equal(&v, &hist[pin_seq[i]]));
        }
    }
    vcow_debug_fail_alloc(0, false);
    for (int i = 0; i < MAXTXN; i++)
        vcow_txn_free(txn[i]);
    for (int i = 0; i < MAXPINS; i++)
        vcow_version_unpin(pin[i]);
    CHECK(vcow_cell_close(c) == VCOW_OK);
    fuzz_check_all_freed_sometimes();
    return 0;
}
