/*
 * integrations/mirror/apply.c - what the mirror commits, and finding a
 * version by revision.
 *
 * Every commit carries its etcd revision in its tag (vcow/mirror.h has the
 * format). Revisions grow with sequence numbers, so the version of a
 * revision is found by a binary search over the cell's sequence numbers,
 * pinning one version per step: no index to keep in step with history
 * trimming, and nothing for readers to lock.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* ---- the tag ---- */

static int set_tag(vcow_txn *t, int64_t rev, bool resync, int64_t known_to)
{
    char tag[128];
    int n = resync ? snprintf(tag, sizeof(tag),
                              "{\"etcd_revision\":%" PRId64 ",\"resync\":\"compacted\","
                              "\"known_to\":%" PRId64 "}",
                              rev, known_to)
                   : snprintf(tag, sizeof(tag), "{\"etcd_revision\":%" PRId64 "}", rev);
    return vcow_txn_set_tag(t, tag, (size_t)n);
}

/* The number after "field": in a tag; -1 when absent. */
static int64_t tag_field(const char *tag, size_t len, const char *field)
{
    char key[32];
    int kn = snprintf(key, sizeof(key), "\"%s\":", field);
    for (size_t i = 0; i + (size_t)kn <= len; i++) {
        if (memcmp(tag + i, key, (size_t)kn) != 0)
            continue;
        int64_t v = 0;
        size_t j = i + (size_t)kn;
        if (j >= len || tag[j] < '0' || tag[j] > '9')
            return -1;
        for (; j < len && tag[j] >= '0' && tag[j] <= '9'; j++) {
            if (v > (INT64_MAX - 9) / 10)
                return -1;
            v = v * 10 + (tag[j] - '0');
        }
        return v;
    }
    return -1;
}

/* A version's revision and, for a resync, known_to (else -1). 0 or VCOW_ENOENT. */
static int version_meta(const vcow_version *v, int64_t *rev, int64_t *known_to)
{
    const void *tag;
    size_t len;
    int rc = vcow_version_tag(v, &tag, &len);
    if (rc != VCOW_OK)
        return rc;
    *rev = tag_field(tag, len, "etcd_revision");
    *known_to = tag_field(tag, len, "known_to");
    return *rev > 0 ? VCOW_OK : VCOW_ENOENT;
}

int vcow_mirror_version_revision(const vcow_version *v, int64_t *rev)
{
    int64_t k;
    if (v == NULL || rev == NULL)
        return VCOW_EINVAL;
    return version_meta(v, rev, &k);
}

/* The revision of version seq: > 0; 0 for a version with no revision
 * (version 0, a foreign commit) or one no longer kept (older ones are
 * trimmed first, so "no longer kept" sorts before every revision). */
static int64_t rev_at(vcow_cell *cell, uint64_t seq, int64_t *known_to)
{
    vcow_version *v;
    int64_t rev = 0;
    *known_to = -1;
    if (vcow_cell_pin_at(cell, seq, &v) != VCOW_OK)
        return 0;
    if (version_meta(v, &rev, known_to) != VCOW_OK)
        rev = 0;
    vcow_version_unpin(v);
    return rev;
}

int vcow_mirror_pin_revision(vcow_mirror *m, int64_t rev, vcow_version **out)
{
    if (m == NULL || out == NULL || rev < 1)
        return VCOW_EINVAL;
    /* acquire: pairs with set_applied's release; every version up to
     * `applied` is in the cell. */
    int64_t applied = atomic_load_explicit(&m->applied, memory_order_acquire);
    vcow_version *head;
    vcow_cell_pin_head(m->cell, &head);
    uint64_t hi = vcow_version_seq(head), lo = 0;
    /* The head may be committed and `applied` not yet moved to it. */
    int64_t head_rev, k;
    if (version_meta(head, &head_rev, &k) == VCOW_OK && head_rev > applied)
        applied = head_rev;
    vcow_version_unpin(head);
    if (rev > applied)
        return VCOW_EAGAIN;
    /* The largest seq in [lo, hi] whose revision is <= rev (a trimmed or
     * untagged version counts as revision 0). */
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo + 1) / 2;
        if (rev_at(m->cell, mid, &k) <= rev)
            lo = mid;
        else
            hi = mid - 1;
    }
    if (rev_at(m->cell, lo, &k) <= 0)
        return VCOW_ENOENT; /* before the oldest version kept */
    /* A resync right after it means the revisions past its known_to were
     * never seen: the version holds only up to there. */
    int64_t next_known;
    int64_t next = rev_at(m->cell, lo + 1, &next_known);
    if (next > 0 && next_known >= 0 && rev > next_known)
        return VCOW_ENOENT;
    return vcow_cell_pin_at(m->cell, lo, out) == VCOW_OK ? VCOW_OK : VCOW_ENOENT;
}

/* ---- commits ---- */

uint64_t vcow__mirror_head_len(vcow_mirror *m)
{
    vcow_version *head;
    uint64_t n = 0;
    vcow_cell_pin_head(m->cell, &head);
    vcow_map_len(head, &n);
    vcow_version_unpin(head);
    return n;
}

static bool same_bytes(const vcow_version *v, const char *k, size_t kn, const char *val, size_t vn)
{
    vcow_val cur;
    return vcow_map_getn(v, k, kn, &cur) == VCOW_OK && cur.type == VCOW_T_BYTES &&
           cur.u.bytes.len == vn && memcmp(cur.u.bytes.ptr, val, vn) == 0;
}

/* Is key in kvs (sorted as etcd sorts: bytes, a prefix first)? */
static bool kvs_has(const struct mirror_kvs *kvs, const void *key, size_t klen)
{
    size_t lo = 0, hi = kvs->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const struct mirror_kv *e = &kvs->kv[mid];
        size_t n = e->klen < klen ? e->klen : klen;
        int c = memcmp(e->key, key, n);
        if (c == 0)
            c = e->klen < klen ? -1 : e->klen > klen ? 1 : 0;
        if (c == 0)
            return true;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

struct prune {
    const struct mirror_kvs *kvs;
    vcow_txn *t;
};

static int prune_one(vcow_slice key, const vcow_val *val, void *arg)
{
    (void)val;
    struct prune *p = arg;
    if (kvs_has(p->kvs, key.ptr, key.len))
        return VCOW_OK;
    return vcow_map_deln(p->t, key.ptr, key.len);
}

static int snapshot_txn(vcow_txn *t, const struct mirror_kvs *kvs)
{
    const vcow_version *base = vcow_txn_base(t);
    for (size_t i = 0; i < kvs->n; i++) {
        const struct mirror_kv *e = &kvs->kv[i];
        if (same_bytes(base, e->key, e->klen, e->val, e->vlen))
            continue;
        int rc = vcow_map_setn(t, e->key, e->klen, vcow_val_bytes(e->val, e->vlen));
        if (rc != VCOW_OK)
            return rc;
    }
    /* The base is pinned by the txn: iterate it while the txn changes. */
    struct prune p = {kvs, t};
    return vcow_map_iter(base, prune_one, &p);
}

int vcow__mirror_commit_snapshot(vcow_mirror *m, const struct mirror_kvs *kvs, int64_t rev,
                                 bool resync, int64_t known_to)
{
    for (;;) {
        vcow_txn *t;
        int rc = vcow_txn_begin(m->cell, &t);
        if (rc != VCOW_OK)
            return rc;
        rc = snapshot_txn(t, kvs);
        if (rc == VCOW_OK)
            rc = set_tag(t, rev, resync, known_to);
        if (rc == VCOW_OK)
            rc = vcow_txn_commit(t);
        vcow_txn_free(t);
        if (rc == VCOW_OK)
            m->head_rev = rev;
        if (rc != VCOW_ECONFLICT) /* a foreign commit: diff against it instead */
            return rc;
    }
}

/* One event into the txn. */
static int apply_event(vcow_mirror *m, vcow_txn *t, json_t *ev)
{
    json_t *kv = json_object_get(ev, "kv");
    const char *type = json_string_value(json_object_get(ev, "type"));
    bool del = type != NULL && strcmp(type, "DELETE") == 0;
    struct mirror_kvs one = {NULL, 0, 0};
    if (vcow__mirror_kvs_add(m, &one, kv) != 0) {
        vcow__mirror_error(m, "an event with a malformed key or one outside the prefix");
        vcow__mirror_kvs_free(&one);
        return VCOW_EINVAL;
    }
    const struct mirror_kv *e = &one.kv[0];
    int rc = del ? vcow_map_deln(t, e->key, e->klen)
                 : vcow_map_setn(t, e->key, e->klen, vcow_val_bytes(e->val, e->vlen));
    if (rc == VCOW_ENOENT) /* a delete of a key the mirror lacks: nothing to do */
        rc = VCOW_OK;
    if (rc == VCOW_EINVAL)
        vcow__mirror_error(m, "cannot mirror a key of %zu bytes (at most %zu)", e->klen,
                           (size_t)VCOW_MAP_KEY_MAX);
    vcow__mirror_kvs_free(&one);
    return rc;
}

int vcow__mirror_commit_events(vcow_mirror *m, json_t *events, size_t from, size_t to, int64_t rev)
{
    vcow_txn *t;
    int rc = vcow_txn_begin(m->cell, &t);
    if (rc != VCOW_OK)
        return rc;
    /* The head must be this mirror's last commit: another writer's commit
     * (one the mirror's own commit did not race with) is found here. */
    int64_t base_rev, k;
    if (version_meta(vcow_txn_base(t), &base_rev, &k) != VCOW_OK || base_rev != m->head_rev) {
        vcow_txn_free(t);
        return VCOW_ECONFLICT;
    }
    for (size_t i = from; i < to && rc == VCOW_OK; i++)
        rc = apply_event(m, t, json_array_get(events, i));
    if (rc == VCOW_OK)
        rc = set_tag(t, rev, false, 0);
    if (rc == VCOW_OK)
        rc = vcow_txn_commit(t);
    vcow_txn_free(t);
    if (rc == VCOW_OK)
        m->head_rev = rev;
    return rc;
}
