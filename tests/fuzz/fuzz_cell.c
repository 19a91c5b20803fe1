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

#define MAXV 512

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
    struct vcow_cell_opts o = {.size = sizeof(o), .history = next(&in) & 1};
    struct fuzz_drv fd;
    if (!fuzz_open(&fd, VCOW_KIND_BOX, &o))
        return 0;
    hist[0] = (struct model_val){VCOW_T_NONE, 0, 0, 0};
    struct model_val txn_val[FUZZ_MAXTXN];
    bool txn_set[FUZZ_MAXTXN] = {0};
    uint8_t buf[256];

    while (in.n > 0 && fd.head < MAXV - 1) {
        uint8_t op = next(&in), a = next(&in), b = next(&in);
        int slot = a % FUZZ_MAXTXN, ps = a % FUZZ_MAXPINS;
        int rc;
        switch (op % 12) {
        case 0: /* begin (into an empty slot only) */
            if (fd.txn[slot] == NULL && fuzz_begin(&fd, slot))
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
            rc = vcow_box_set(fd.txn[slot], v);
            if (fd.txn[slot] == NULL || b % 6 >= 3) {
                CHECK(rc == VCOW_EINVAL || rc == VCOW_ESTATE);
            } else if (rc == VCOW_OK) {
                txn_val[slot] = m;
                txn_set[slot] = true;
            } else {
                CHECK(rc == VCOW_ENOMEM || rc == VCOW_ESTATE);
            }
            break;
        }
        case 2: /* commit */
            if (fuzz_commit(&fd, slot) == FUZZ_COMMITTED)
                hist[fd.head] = txn_set[slot] ? txn_val[slot] : hist[fd.head - 1];
            break;
        case 3: /* abort, or free */
            fuzz_end(&fd, slot, b & 1);
            break;
        case 4: /* pin by seq (maybe unknown) */
            fuzz_pin_at(&fd, ps, b);
            break;
        case 5: /* pin head */
            fuzz_pin_head(&fd, ps);
            break;
        case 6: /* unpin */
            fuzz_unpin(&fd, ps);
            break;
        case 7: /* trim */
            fuzz_trim(&fd, b);
            break;
        case 8: /* arm or disarm an allocation failure */
            fuzz_arm(&fd, b % 4 == 0 ? 0 : 1 + a % 4, a & 1);
            break;
        case 9: { /* stats and version listing */
            struct vcow_cell_stats s;
            CHECK(vcow_cell_get_stats(fd.cell, &s) == VCOW_OK);
            CHECK(s.head_seq == fd.head);
            struct vcow_version_info info[4];
            size_t n;
            CHECK(vcow_cell_versions(fd.cell, a, (uint64_t)a + b, info, 4, &n) == VCOW_OK);
            for (size_t i = 0; i < n; i++)
                CHECK(info[i].seq >= a && info[i].seq <= fd.head);
            break;
        }
        case 10: /* misuse: close while pinned/open must refuse or succeed only if idle */
            CHECK(vcow_cell_close(NULL) == VCOW_EINVAL);
            CHECK(vcow_box_get(NULL, NULL) == VCOW_EINVAL);
            CHECK(vcow_box_get(vcow_txn_view(fd.txn[slot]), NULL) == VCOW_EINVAL);
            break;
        default: { /* cell convenience */
            uint64_t seq = 0;
            rc = vcow_box_cell_add(fd.cell, (int8_t)b, NULL, &seq);
            if (rc == VCOW_OK) {
                int64_t cur = hist[fd.head].type == VCOW_T_I64 ? hist[fd.head].i : 0;
                fuzz_cell_wrote(&fd, seq);
                hist[fd.head] = (struct model_val){
                    VCOW_T_I64, (int64_t)((uint64_t)cur + (uint64_t)(int8_t)b), 0, 0};
            } else {
                CHECK((rc == VCOW_ENOMEM && fd.armed) ||
                      (rc == VCOW_EINVAL && hist[fd.head].type != VCOW_T_I64 &&
                       hist[fd.head].type != VCOW_T_NONE));
            }
            break;
        }
        }
        /* The head and every pin read what the model says. */
        vcow_read_lock();
        const vcow_version *h = vcow_cell_head(fd.cell);
        vcow_val v;
        CHECK(vcow_version_seq(h) == fd.head);
        CHECK(vcow_box_get(h, &v) == VCOW_OK && val_equal(&v, &hist[fd.head]));
        vcow_read_unlock();
        for (int i = 0; i < FUZZ_MAXPINS; i++) {
            if (fd.pin[i] == NULL)
                continue;
            CHECK(vcow_version_seq(fd.pin[i]) == fd.pin_seq[i]);
            CHECK(vcow_box_get(fd.pin[i], &v) == VCOW_OK && val_equal(&v, &hist[fd.pin_seq[i]]));
        }
    }
    fuzz_close(&fd);
    return 0;
}
