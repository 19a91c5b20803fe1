/*
 * integrations/mirror/write.c - vcow_mirror_write: changes go to etcd as one
 * conditional Txn, and come back through the watch like anyone else's.
 *
 * The condition (base_rev >= 1):
 *   - one compare over the prefix's range: every key's mod_revision is
 *     below base_rev + 1, i.e. nothing under the prefix was put since;
 *   - per key of ops that the mirror held at base_rev: its version is
 *     above 0, i.e. it was not deleted since (a range compare cannot see a
 *     key that is gone).
 * A key put and then deleted since base_rev is not detected unless ops
 * touch it: the write does not depend on it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vcow/gc.h>

#include "internal.h"

/* prefix + key as a base64 JSON string. */
static json_t *full_key(const vcow_mirror *m, const void *key, size_t klen)
{
    char *k = malloc(m->plen + klen + 1);
    if (k == NULL)
        return NULL;
    memcpy(k, m->prefix, m->plen);
    memcpy(k + m->plen, key, klen);
    json_t *j = vcow__mirror_b64_json(k, m->plen + klen);
    free(k);
    return j;
}

static json_t *build_txn(const vcow_mirror *m, const struct vcow_mirror_op *ops, size_t n,
                         int64_t base_rev, const vcow_version *base)
{
    json_t *cmp = json_array(), *succ = json_array();
    json_t *txn = json_pack("{s:o, s:o}", "compare", cmp, "success", succ);
    if (txn == NULL)
        return NULL;
    int bad = 0;
    if (base_rev > 0) {
        json_t *key =
            m->plen > 0 ? vcow__mirror_b64_json(m->prefix, m->plen) : vcow__mirror_b64_json("", 1);
        bad |= json_array_append_new(
            cmp, json_pack("{s:o, s:o, s:s, s:s, s:I}", "key", key, "range_end",
                           vcow__mirror_b64_json(m->range_end, m->elen), "target", "MOD", "result",
                           "LESS", "mod_revision", (json_int_t)(base_rev + 1)));
    }
    for (size_t i = 0; i < n && !bad; i++) {
        const struct vcow_mirror_op *op = &ops[i];
        if (base != NULL && vcow_map_getn(base, op->key, op->klen, NULL) == VCOW_OK)
            bad |= json_array_append_new(
                cmp, json_pack("{s:o, s:s, s:s, s:s}", "key", full_key(m, op->key, op->klen),
                               "target", "VERSION", "result", "GREATER", "version", "0"));
        json_t *req = op->del ? json_pack("{s:{s:o}}", "request_delete_range", "key",
                                          full_key(m, op->key, op->klen))
                              : json_pack("{s:{s:o, s:o}}", "request_put", "key",
                                          full_key(m, op->key, op->klen), "value",
                                          vcow__mirror_b64_json(op->val, op->vlen));
        bad |= json_array_append_new(succ, req);
    }
    if (bad) {
        json_decref(txn);
        return NULL;
    }
    return txn;
}

/* Send the txn, failing over while no endpoint was reached. */
static int send_txn(vcow_mirror *m, json_t *txn, int64_t *rev)
{
    CURL *h = vcow__mirror_easy(m, m->opts.request_timeout_ms);
    if (h == NULL)
        return VCOW_EDEPS;
    /* relaxed: a hint, the mirror's current endpoint. */
    int first = atomic_load_explicit(&m->endpoint, memory_order_relaxed);
    int rc = VCOW_EDEPS;
    char err[256] = "";
    for (int k = 0; k < m->nendpoints; k++) {
        const char *ep = m->endpoints[(first + k) % m->nendpoints];
        json_t *ans;
        int code;
        int r = vcow__mirror_post(m, h, ep, "/v3/kv/txn", txn, &ans, &code, err, sizeof(err));
        if (r == ETCD_UNREACHED || (r == ETCD_ERROR && code == 14)) /* 14: unavailable */
            continue;
        if (r == ETCD_LOST) {
            rc = VCOW_EAGAIN;
        } else if (r == ETCD_ERROR) {
            /* 3, invalid argument: too many operations; 8: too large */
            rc = code == 3 || code == 8 ? VCOW_ERANGE : VCOW_EAGAIN;
        } else {
            *rev = vcow__mirror_i64(json_object_get(ans, "header"), "revision", 0);
            rc = json_is_true(json_object_get(ans, "succeeded")) ? VCOW_OK : VCOW_ECONFLICT;
            json_decref(ans);
        }
        break;
    }
    curl_easy_cleanup(h);
    if (rc != VCOW_OK && rc != VCOW_ECONFLICT)
        vcow__mirror_error(m, "write: %s", err);
    return rc;
}

int vcow_mirror_write(vcow_mirror *m, const struct vcow_mirror_op *ops, size_t n, int64_t base_rev,
                      int64_t timeout_ns, int64_t *rev)
{
    if (rev != NULL)
        *rev = 0;
    if (m == NULL || ops == NULL || n == 0 || base_rev < 0)
        return VCOW_EINVAL;
    for (size_t i = 0; i < n; i++)
        if (ops[i].key == NULL || (!ops[i].del && ops[i].val == NULL && ops[i].vlen > 0))
            return VCOW_EINVAL;
    if (vcow_in_read_section())
        return VCOW_ESTATE;
    vcow_version *base = NULL;
    if (base_rev > 0) {
        int rc = vcow_mirror_pin_revision(m, base_rev, &base);
        if (rc == VCOW_EAGAIN) /* the caller saw a revision this mirror has yet to apply */
            rc = vcow_mirror_wait(m, base_rev, timeout_ns) == VCOW_OK
                     ? vcow_mirror_pin_revision(m, base_rev, &base)
                     : VCOW_EAGAIN;
        if (rc != VCOW_OK)
            return rc;
    }
    json_t *txn = build_txn(m, ops, n, base_rev, base);
    if (base != NULL)
        vcow_version_unpin(base);
    if (txn == NULL)
        return VCOW_ENOMEM;
    int64_t r = 0;
    int rc = send_txn(m, txn, &r);
    json_decref(txn);
    if (rc != VCOW_OK)
        return rc;
    if (rev != NULL)
        *rev = r;
    return vcow_mirror_wait(m, r, timeout_ns);
}
