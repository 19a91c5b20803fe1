/*
 * tests/mirror/test_mirror.c - the etcd mirror against real etcd members
 * (tests/mirror/harness.c starts them; no etcd binary: exit 77, skipped).
 *
 *   test_mirror args      bad arguments, no etcd needed
 *   test_mirror basic     one member: snapshot, watch, revisions, writes
 *   test_mirror cluster [OPS]
 *       three members, three mirrors (all endpoints; the member to be killed
 *       first; only that member), OPS random puts, deletes and multi-key
 *       txns (10000 by default) written exactly once each, the third member
 *       killed at OPS/4 and restarted at 3*OPS/4, one compaction at OPS/2.
 *       Then: every version of every mirror equals the state at its
 *       revision computed from the test's own log of acknowledged writes;
 *       consecutive versions skip no revision that changed the prefix and
 *       repeat none, except across a resync (which the mirror on the killed
 *       member alone must have made); every head equals etcd's; lookups by
 *       revision answer the right version or say the revision is unknown.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include <jansson.h>
#include <vcow/mirror.h>

#include "harness.h"
#include "tests/test.h"

#define NKEYS 200
#define SEC   1000000000LL

/* ---- the writer's log and the model ---- */

struct change {
    int key;   /* index into the key space, "t/k%03d" */
    char *val; /* NULL: deleted */
};

struct entry {
    int64_t rev;
    bool changed; /* the prefix changed at rev */
    int n;
    struct change c[6];
};

static struct entry *log_;
static size_t nlog, caplog;
static char *model[NKEYS]; /* the state after the last logged write */

/* Apply e to m (the values are shared with the log); true if m changed. */
static bool model_apply(char **m, const struct entry *e)
{
    bool changed = false;
    for (int i = 0; i < e->n; i++) {
        const struct change *c = &e->c[i];
        if (m[c->key] == NULL && c->val == NULL)
            continue;
        if (m[c->key] != NULL && c->val != NULL && strcmp(m[c->key], c->val) == 0)
            continue;
        m[c->key] = c->val;
        changed = true;
    }
    return changed;
}

static void key_name(int k, char *buf)
{
    snprintf(buf, 16, "t/k%03d", k);
}

/* ---- an exactly-once writer ---- */

struct writer {
    struct cluster *c;
    int ep;        /* the endpoint in use (0 or 1: the killed member is 2) */
    uint64_t last; /* the marker's value: the last op applied */
    unsigned long long rng;
    uint64_t retries;
};

static json_t *b64j(const char *s)
{
    char *e = b64(s, strlen(s));
    json_t *j = json_string(e);
    free(e);
    return j;
}

/*
 * Send ops as one txn guarded by the marker key "u/op": it applies only if
 * the marker still holds the last op's id, and sets it to this op's id. A
 * txn whose answer is lost is sent again as it is: if the first copy was
 * applied the second's compare fails, and the marker says at which
 * revision. So each op is applied exactly once at a known revision.
 */
static int64_t write_once(struct writer *w, json_t *success)
{
    uint64_t id = w->last + 1;
    char last[24], next[24];
    snprintf(last, sizeof(last), "%" PRIu64, w->last);
    snprintf(next, sizeof(next), "%" PRIu64, id);
    json_array_append_new(success, json_pack("{s:{s:o, s:o}}", "request_put", "key", b64j("u/op"),
                                             "value", b64j(next)));
    json_t *txn =
        json_pack("{s:[{s:o, s:s, s:s, s:o}], s:o}", "compare", "key", b64j("u/op"), "target",
                  "VALUE", "result", "EQUAL", "value", b64j(last), "success", success);
    char *body = json_dumps(txn, JSON_COMPACT);
    json_decref(txn);
    int64_t rev = 0;
    bool sent_before = false;
    for (int tries = 0; rev == 0; tries++) {
        CHECK(tries < 600);
        bool lost;
        json_t *ans = etcd_post(w->c->url[w->ep], "/v3/kv/txn", body, &lost);
        if (ans == NULL) {
            sent_before |= lost;
            w->retries++;
            w->ep = (w->ep + 1) % 2;
            struct timespec ts = {0, 50000000};
            nanosleep(&ts, NULL);
            continue;
        }
        int64_t r = 0;
        json_t *h = json_object_get(ans, "header");
        const char *rs = json_string_value(json_object_get(h, "revision"));
        r = rs != NULL ? strtoll(rs, NULL, 10) : 0;
        if (json_is_true(json_object_get(ans, "succeeded"))) {
            rev = r;
        } else {
            /* Only an earlier copy of this txn can have moved the marker. */
            CHECK(sent_before);
            char rb[64];
            char *k = b64("u/op", 4);
            snprintf(rb, sizeof(rb), "{\"key\":\"%s\"}", k);
            free(k);
            json_t *got = etcd_post(w->c->url[w->ep], "/v3/kv/range", rb, &lost);
            CHECK(got != NULL);
            json_t *kv = json_array_get(json_object_get(got, "kvs"), 0);
            size_t n;
            char *v = unb64(json_string_value(json_object_get(kv, "value")), &n);
            CHECK(strcmp(v, next) == 0);
            rev = strtoll(json_string_value(json_object_get(kv, "mod_revision")), NULL, 10);
            free(v);
            json_decref(got);
        }
        json_decref(ans);
    }
    free(body);
    w->last = id;
    return rev;
}

/* One random op: log it, apply it to the model. */
static void random_op(struct writer *w, uint64_t opno)
{
    struct entry e = {0, false, 0, {{0, NULL}}};
    unsigned long long r = test_rand(&w->rng) % 100;
    int n = r < 60 ? 1 : r < 80 ? 1 : 2 + (int)(test_rand(&w->rng) % 4);
    bool only_del = r >= 60 && r < 80;
    json_t *success = json_array();
    if (r >= 95) {
        n = 0; /* a write outside the prefix: a revision that makes no version */
        json_array_append_new(success, json_pack("{s:{s:o, s:o}}", "request_put", "key",
                                                 b64j("u/other"), "value", b64j("x")));
    }
    for (int i = 0; i < n; i++) {
        int k;
        bool dup;
        do { /* distinct keys: etcd refuses a txn that names a key twice */
            k = (int)(test_rand(&w->rng) % NKEYS);
            dup = false;
            for (int j = 0; j < i; j++)
                dup |= e.c[j].key == k;
        } while (dup);
        bool del = only_del || (n > 1 && test_rand(&w->rng) % 3 == 0);
        char key[16];
        key_name(k, key);
        e.c[i].key = k;
        if (del) {
            e.c[i].val = NULL;
            json_array_append_new(success,
                                  json_pack("{s:{s:o}}", "request_delete_range", "key", b64j(key)));
        } else {
            char val[64];
            int len = snprintf(val, sizeof(val), "v%" PRIu64 "-%d-", opno, i);
            int pad = (int)(test_rand(&w->rng) % 30);
            for (int p = 0; p < pad; p++)
                val[len++] = (char)('a' + p % 26);
            val[len] = '\0';
            e.c[i].val = strdup(val);
            json_array_append_new(success, json_pack("{s:{s:o, s:o}}", "request_put", "key",
                                                     b64j(key), "value", b64j(val)));
        }
    }
    e.n = n;
    e.rev = write_once(w, success);
    e.changed = model_apply(model, &e);
    if (nlog == caplog) {
        caplog = caplog ? caplog * 2 : 1024;
        log_ = realloc(log_, caplog * sizeof(*log_));
        CHECK(log_ != NULL);
    }
    CHECK(nlog == 0 || e.rev > log_[nlog - 1].rev);
    log_[nlog++] = e;
}

/* ---- checking a version against the model ---- */

static bool version_equals(const vcow_version *v, char **m)
{
    uint64_t len = 0, want = 0;
    CHECK_OK(vcow_map_len(v, &len));
    for (int k = 0; k < NKEYS; k++) {
        if (m[k] == NULL)
            continue;
        want++;
        char key[16];
        key_name(k, key);
        vcow_val val;
        if (vcow_map_get(v, key + 2, &val) != VCOW_OK || val.type != VCOW_T_BYTES ||
            val.u.bytes.len != strlen(m[k]) || memcmp(val.u.bytes.ptr, m[k], val.u.bytes.len)) {
            fprintf(stderr, "key %s: mirror differs from the model (%s)\n", key, m[k]);
            return false;
        }
    }
    if (len != want)
        fprintf(stderr, "mirror has %" PRIu64 " keys, the model %" PRIu64 "\n", len, want);
    return len == want;
}

/* The model at revision rev, replayed from the log into m. */
static void model_at(char **m, int64_t rev)
{
    memset(m, 0, NKEYS * sizeof(*m));
    for (size_t i = 0; i < nlog && log_[i].rev <= rev; i++)
        model_apply(m, &log_[i]);
}

/*
 * Walk every version of the mirror's cell in order next to the log: each
 * equals the model at its revision; between two versions of the watch no
 * revision that changed the prefix is missing and none comes twice.
 */
struct gaps {
    int n;
    int64_t after[16], before[16]; /* revisions in (after, before) have no version */
};

static void check_history(const char *name, vcow_cell *cell, uint64_t *resyncs_seen, struct gaps *g)
{
    g->n = 0;
    static struct vcow_version_info info[256];
    char *m[NKEYS] = {0};
    size_t at = 0; /* log entries applied to m */
    int64_t prev = 0;
    uint64_t versions = 0, from = 1;
    *resyncs_seen = 0;
    for (;;) {
        size_t n;
        CHECK_OK(vcow_cell_versions(cell, from, UINT64_MAX, info, 256, &n));
        for (size_t i = 0; i < n; i++) {
            vcow_version *v;
            CHECK_OK(vcow_cell_pin_at(cell, info[i].seq, &v));
            int64_t rev;
            CHECK_OK(vcow_mirror_version_revision(v, &rev));
            bool resync = memmem(info[i].tag, info[i].tag_len, "resync", 6) != NULL;
            CHECK(rev > prev); /* never applied twice */
            /* Revisions that changed the prefix between prev and rev. */
            size_t skipped = 0;
            bool hit = false;
            while (at < nlog && log_[at].rev <= rev) {
                if (log_[at].changed && log_[at].rev < rev)
                    skipped++;
                if (log_[at].rev == rev)
                    hit = log_[at].changed;
                model_apply(m, &log_[at++]);
            }
            if (prev != 0 && !resync && (skipped != 0 || !hit)) {
                fprintf(stderr,
                        "%s: version %" PRIu64 " at revision %" PRId64 " after %" PRId64
                        ": %zu changing revisions skipped, its own %s\n",
                        name, info[i].seq, rev, prev, skipped, hit ? "changed" : "did not");
                abort();
            }
            *resyncs_seen += resync;
            if (resync) {
                /* The gap starts after the last revision known before it. */
                const char *kt = memmem(info[i].tag, info[i].tag_len, "\"known_to\":", 11);
                CHECK(kt != NULL && g->n < 16);
                int64_t known = strtoll(kt + 11, NULL, 10);
                CHECK(known >= prev && known < rev);
                g->after[g->n] = known;
                g->before[g->n++] = rev;
            }
            if (!version_equals(v, m)) {
                fprintf(stderr, "%s: version %" PRIu64 " (revision %" PRId64 ") is wrong\n", name,
                        info[i].seq, rev);
                abort();
            }
            vcow_version_unpin(v);
            prev = rev;
            versions++;
        }
        if (n < 256)
            break;
        from = info[n - 1].seq + 1;
    }
    printf("%s: %" PRIu64 " versions checked against the log, %" PRIu64 " resyncs\n", name,
           versions, *resyncs_seen);
}

/* Lookups by revision: the version found is the model at that revision. */
static void check_lookups(const char *name, vcow_mirror *mi, int64_t first, int64_t last,
                          unsigned long long *rng, const struct gaps *g)
{
    char *m[NKEYS];
    int found = 0, unknown = 0;
    for (int i = 0; i < 200; i++) {
        int64_t rev = first + (int64_t)(test_rand(rng) % (unsigned long long)(last - first + 1));
        vcow_version *v;
        int rc = vcow_mirror_pin_revision(mi, rev, &v);
        bool in_gap = false;
        for (int k = 0; k < g->n; k++)
            in_gap |= rev > g->after[k] && rev < g->before[k];
        CHECK(in_gap == (rc == VCOW_ENOENT)); /* unknown exactly in a gap */
        if (rc == VCOW_ENOENT) {
            unknown++;
            continue;
        }
        CHECK_OK(rc);
        model_at(m, rev);
        CHECK(version_equals(v, m));
        vcow_version_unpin(v);
        found++;
    }
    vcow_version *v;
    CHECK_RC(vcow_mirror_pin_revision(mi, last + 1000000, &v), VCOW_EAGAIN);
    printf("%s: 200 lookups by revision: %d found and right, %d in a resync's gap\n", name, found,
           unknown);
}

/* The head against etcd's own range of the prefix. */
static void check_head_vs_etcd(const char *name, vcow_cell *cell, struct cluster *c)
{
    char *k = b64("t/", 2), *e = b64("t0", 2);
    char body[128];
    snprintf(body, sizeof(body), "{\"key\":\"%s\",\"range_end\":\"%s\"}", k, e);
    free(k);
    free(e);
    bool lost;
    json_t *ans = etcd_post(c->url[0], "/v3/kv/range", body, &lost);
    CHECK(ans != NULL);
    vcow_version *head;
    CHECK_OK(vcow_cell_pin_head(cell, &head));
    json_t *kvs = json_object_get(ans, "kvs");
    uint64_t len;
    CHECK_OK(vcow_map_len(head, &len));
    CHECK_EQ_INT(len, json_array_size(kvs));
    size_t i;
    json_t *kv;
    json_array_foreach(kvs, i, kv)
    {
        size_t kn, vn;
        char *key = unb64(json_string_value(json_object_get(kv, "key")), &kn);
        const char *v64 = json_string_value(json_object_get(kv, "value"));
        char *val = unb64(v64 != NULL ? v64 : "", &vn);
        vcow_val got;
        CHECK_OK(vcow_map_getn(head, key + 2, kn - 2, &got));
        CHECK(got.type == VCOW_T_BYTES && got.u.bytes.len == vn &&
              memcmp(got.u.bytes.ptr, val, vn) == 0);
        free(key);
        free(val);
    }
    vcow_version_unpin(head);
    json_decref(ans);
    printf("%s: head equals etcd's range (%" PRIu64 " keys)\n", name, len);
}

/* ---- readers: the head's revision never goes back, lookups agree ---- */

struct reader {
    vcow_mirror *m;
    vcow_cell *cell;
    atomic_bool stop;
    uint64_t reads;
};

static void *read_loop(void *arg)
{
    struct reader *r = arg;
    int64_t seen = 0;
    /* relaxed: a stop flag */
    while (!atomic_load_explicit(&r->stop, memory_order_relaxed)) {
        vcow_read_lock();
        const vcow_version *v = vcow_cell_head(r->cell);
        int64_t rev = 0;
        if (vcow_mirror_version_revision(v, &rev) == VCOW_OK) {
            CHECK(rev >= seen);
            seen = rev;
            uint64_t len;
            CHECK_OK(vcow_map_len(v, &len));
            CHECK(len <= NKEYS);
        }
        vcow_read_unlock();
        if (seen > 0) {
            vcow_version *p;
            int rc = vcow_mirror_pin_revision(r->m, seen, &p);
            CHECK(rc == VCOW_OK || rc == VCOW_ENOENT);
            if (rc == VCOW_OK) {
                int64_t prev;
                CHECK_OK(vcow_mirror_version_revision(p, &prev));
                CHECK(prev <= seen);
                vcow_version_unpin(p);
            }
        }
        r->reads++;
    }
    return NULL;
}

/* ---- parts ---- */

static vcow_cell *history_cell(void)
{
    struct vcow_cell_opts o = {.size = sizeof(o), .history = true};
    vcow_cell *c;
    CHECK_OK(vcow_cell_open(VCOW_KIND_MAP, &o, &c));
    return c;
}

static vcow_mirror *start(vcow_cell *cell, const char *endpoints, const char *prefix)
{
    struct vcow_mirror_opts o = {.size = sizeof(o),
                                 .endpoints = endpoints,
                                 .prefix = prefix,
                                 .backoff_max_ms = 500,
                                 .probe_interval_ms = 100,
                                 .verbose = getenv("VCOW_MIRROR_VERBOSE") != NULL};
    vcow_mirror *m;
    CHECK_OK(vcow_mirror_start(cell, &o, &m));
    return m;
}

static int part_args(void)
{
    vcow_cell *map = history_cell(), *box;
    CHECK_OK(vcow_cell_open(VCOW_KIND_BOX, NULL, &box));
    vcow_mirror *m;
    struct vcow_mirror_opts o = {
        .size = sizeof(o), .endpoints = "http://127.0.0.1:1", .prefix = "p/"};
    CHECK_RC(vcow_mirror_start(NULL, &o, &m), VCOW_EINVAL);
    CHECK_RC(vcow_mirror_start(box, &o, &m), VCOW_EINVAL);
    CHECK_RC(vcow_mirror_start(map, NULL, &m), VCOW_EINVAL);
    CHECK_RC(vcow_mirror_start(map, &o, NULL), VCOW_EINVAL);
    struct vcow_mirror_opts bad = o;
    bad.endpoints = "127.0.0.1:2379"; /* no scheme */
    CHECK_RC(vcow_mirror_start(map, &bad, &m), VCOW_EINVAL);
    bad.endpoints = "";
    CHECK_RC(vcow_mirror_start(map, &bad, &m), VCOW_EINVAL);
    bad = o;
    bad.size = sizeof(o) + 8;
    CHECK_RC(vcow_mirror_start(map, &bad, &m), VCOW_EINVAL);
    bad = o;
    bad.prefix = NULL;
    CHECK_RC(vcow_mirror_start(map, &bad, &m), VCOW_EINVAL);
    /* Nothing listens on port 1: the mirror keeps trying, reports why. */
    CHECK_OK(vcow_mirror_start(map, &o, &m));
    CHECK_RC(vcow_mirror_wait(m, 0, 300000000), VCOW_EAGAIN);
    vcow_version *v;
    CHECK_RC(vcow_mirror_pin_revision(m, 1, &v), VCOW_EAGAIN);
    CHECK_RC(vcow_mirror_pin_revision(m, 0, &v), VCOW_EINVAL);
    struct vcow_mirror_stats st;
    CHECK_OK(vcow_mirror_get_stats(m, &st));
    CHECK(st.errors > 0 && st.last_error[0] != '\0' && !st.connected);
    CHECK(st.applied_revision == 0 && st.behind_ns > 0);
    struct vcow_mirror_op op = {false, "k", 1, "v", 1};
    int64_t rev;
    CHECK_RC(vcow_mirror_write(m, &op, 1, 0, 100000000, &rev), VCOW_EDEPS);
    CHECK_RC(vcow_mirror_write(m, &op, 0, 0, 0, &rev), VCOW_EINVAL);
    CHECK_RC(vcow_mirror_write(m, NULL, 1, 0, 0, &rev), VCOW_EINVAL);
    vcow_read_lock();
    CHECK_RC(vcow_mirror_wait(m, 0, 0), VCOW_ESTATE);
    CHECK_RC(vcow_mirror_write(m, &op, 1, 0, 0, &rev), VCOW_ESTATE);
    vcow_read_unlock();
    vcow_mirror_stop(m);
    vcow_mirror_stop(NULL);
    CHECK_RC(vcow_mirror_version_revision(NULL, &rev), VCOW_EINVAL);
    vcow_read_lock();
    CHECK_RC(vcow_mirror_version_revision(vcow_cell_head(map), &rev), VCOW_ENOENT);
    vcow_read_unlock();
    CHECK_OK(vcow_cell_close(map));
    CHECK_OK(vcow_cell_close(box));
    return 0;
}

/* A put or delete straight to etcd; its revision. */
static int64_t put_n(struct cluster *c, const char *key, size_t klen, const void *val, size_t vlen)
{
    char *k = b64(key, klen), *v = val != NULL ? b64(val, vlen) : NULL;
    char *body = malloc(strlen(k) + (v != NULL ? strlen(v) : 0) + 64);
    if (v != NULL)
        sprintf(body, "{\"key\":\"%s\",\"value\":\"%s\"}", k, v);
    else
        sprintf(body, "{\"key\":\"%s\"}", k);
    bool lost;
    json_t *ans =
        etcd_post(c->url[0], v != NULL ? "/v3/kv/put" : "/v3/kv/deleterange", body, &lost);
    CHECK(ans != NULL);
    int64_t rev = strtoll(
        json_string_value(json_object_get(json_object_get(ans, "header"), "revision")), NULL, 10);
    json_decref(ans);
    free(body);
    free(k);
    free(v);
    return rev;
}

static int64_t put(struct cluster *c, const char *key, const char *val)
{
    return put_n(c, key, strlen(key), val, val != NULL ? strlen(val) : 0);
}

static bool has(const vcow_version *v, const void *key, size_t klen, const char *val)
{
    vcow_val got;
    if (vcow_map_getn(v, key, klen, &got) != VCOW_OK)
        return false;
    return val == NULL || (got.type == VCOW_T_BYTES && got.u.bytes.len == strlen(val) &&
                           memcmp(got.u.bytes.ptr, val, strlen(val)) == 0);
}

static int part_basic(void)
{
    struct cluster c;
    cluster_start(&c, 1);
    int64_t r1 = put(&c, "app/db/port", "5432");
    put(&c, "app", "the prefix itself");
    put(&c, "apq", "outside");
    put_n(&c, "app/bin\0ary", 11, "x\0y", 3);
    int64_t r2 = put(&c, "ap", "outside too");
    CHECK(r2 > r1);
    vcow_cell *cell = history_cell();
    vcow_mirror *m = start(cell, c.endpoints, "app");
    CHECK_OK(vcow_mirror_wait(m, 0, 10 * SEC));

    /* The snapshot: one version, the keys under "app" with it stripped. */
    vcow_version *v;
    CHECK_OK(vcow_cell_pin_head(cell, &v));
    int64_t rev;
    CHECK_OK(vcow_mirror_version_revision(v, &rev));
    CHECK(rev >= r2);
    CHECK_EQ_INT(vcow_version_seq(v), 1);
    uint64_t len;
    CHECK_OK(vcow_map_len(v, &len));
    CHECK_EQ_INT(len, 3);
    CHECK(has(v, "/db/port", 8, "5432"));
    CHECK(has(v, "", 0, "the prefix itself"));
    vcow_val bin;
    CHECK_OK(vcow_map_getn(v, "/bin\0ary", 8, &bin));
    CHECK(bin.u.bytes.len == 3 && memcmp(bin.u.bytes.ptr, "x\0y", 3) == 0);
    vcow_version_unpin(v);

    /* The watch: one revision, one version, tagged with it. */
    int64_t r3 = put(&c, "app/db/port", "6543");
    int64_t r4 = put(&c, "app/new", "1");
    int64_t r5 = put(&c, "zzz", "a revision outside the prefix");
    int64_t r6 = put(&c, "app/new", NULL); /* delete */
    CHECK_OK(vcow_mirror_wait(m, r6, 10 * SEC));
    CHECK_OK(vcow_cell_pin_head(cell, &v));
    CHECK_EQ_INT(vcow_version_seq(v), 4); /* r5 made no version */
    CHECK_OK(vcow_mirror_version_revision(v, &rev));
    CHECK_EQ_INT(rev, r6);
    CHECK(!has(v, "/new", 4, NULL));
    vcow_version_unpin(v);
    CHECK_OK(vcow_mirror_pin_revision(m, r5, &v)); /* r4's version holds at r5 */
    CHECK_OK(vcow_mirror_version_revision(v, &rev));
    CHECK_EQ_INT(rev, r4);
    CHECK(has(v, "/new", 4, "1") && has(v, "/db/port", 8, "6543"));
    vcow_version_unpin(v);
    CHECK_OK(vcow_mirror_pin_revision(m, r3, &v));
    CHECK(has(v, "/db/port", 8, "6543") && !has(v, "/new", 4, NULL));
    vcow_version_unpin(v);
    CHECK_OK(vcow_mirror_pin_revision(m, r2, &v)); /* the snapshot's */
    CHECK(has(v, "/db/port", 8, "5432"));
    vcow_version_unpin(v);
    CHECK_RC(vcow_mirror_pin_revision(m, r1, &v), VCOW_ENOENT); /* before the snapshot */

    /* The probe: a revision outside the prefix is confirmed as applied. */
    int64_t r7 = put(&c, "zzz", "again");
    CHECK_OK(vcow_mirror_wait(m, r7, 10 * SEC));
    CHECK_OK(vcow_mirror_pin_revision(m, r7, &v));
    CHECK_OK(vcow_mirror_version_revision(v, &rev));
    CHECK_EQ_INT(rev, r6);
    vcow_version_unpin(v);

    /* Writes through etcd: conditional on the revision the writer saw. */
    struct vcow_mirror_op ops[2] = {{false, "/db/port", 8, "7000", 4}, {true, "", 0, NULL, 0}};
    int64_t w1;
    CHECK_OK(vcow_mirror_write(m, ops, 2, r7, 10 * SEC, &w1));
    CHECK_OK(vcow_cell_pin_head(cell, &v)); /* applied when the call returns */
    CHECK_OK(vcow_mirror_version_revision(v, &rev));
    CHECK_EQ_INT(rev, w1);
    CHECK(has(v, "/db/port", 8, "7000") && !has(v, "", 0, NULL));
    vcow_version_unpin(v);
    /* Based on r7, after w1 changed the prefix: a conflict, nothing written. */
    ops[0].val = "8000";
    int64_t w2;
    CHECK_RC(vcow_mirror_write(m, ops, 1, r7, 10 * SEC, &w2), VCOW_ECONFLICT);
    /* A delete since the base is a conflict for a write that touches the key. */
    int64_t r8 = put(&c, "app/gone", "1");
    CHECK_OK(vcow_mirror_wait(m, r8, 10 * SEC));
    int64_t r9 = put(&c, "app/gone", NULL);
    struct vcow_mirror_op g = {false, "/gone", 5, "2", 1};
    CHECK_RC(vcow_mirror_write(m, &g, 1, r8, 10 * SEC, &w2), VCOW_ECONFLICT);
    CHECK_OK(vcow_mirror_write(m, &g, 1, r9, 10 * SEC, &w2));
    CHECK_OK(vcow_mirror_write(m, &g, 1, 0, 10 * SEC, &w2)); /* unconditional */
    CHECK(w2 > r9);

    struct vcow_mirror_stats st;
    CHECK_OK(vcow_mirror_get_stats(m, &st));
    CHECK(st.connected && st.applied_revision >= w2 && st.commits >= 7 && st.resyncs == 0);
    printf("basic: applied %" PRId64 ", etcd %" PRId64 ", %" PRIu64 " commits, behind %" PRId64
           " ns\n",
           st.applied_revision, st.etcd_revision, st.commits, st.behind_ns);

    /* A foreign commit to the cell: the mirror notices and resyncs. */
    CHECK_OK(vcow_map_cell_set(cell, "/intruder", vcow_val_str("x"), NULL));
    int64_t r10 = put(&c, "app/after", "1");
    CHECK_OK(vcow_mirror_wait(m, r10, 10 * SEC));
    CHECK_OK(vcow_cell_pin_head(cell, &v));
    CHECK(!has(v, "/intruder", 9, NULL) && has(v, "/after", 6, "1"));
    vcow_version_unpin(v);
    CHECK_OK(vcow_mirror_get_stats(m, &st));
    CHECK_EQ_INT(st.resyncs, 1);

    /* The member dies: the mirror says so, and catches up when it is back. */
    cluster_kill(&c, 0);
    struct timespec ts = {0, 300000000};
    nanosleep(&ts, NULL);
    CHECK_OK(vcow_mirror_get_stats(m, &st));
    CHECK(!st.connected && st.reconnects >= 1 && st.behind_ns > 0);
    cluster_restart(&c, 0);
    int64_t r11 = put(&c, "app/back", "1");
    CHECK_OK(vcow_mirror_wait(m, r11, 20 * SEC));
    CHECK_OK(vcow_mirror_get_stats(m, &st));
    CHECK(st.connected && st.resyncs == 1);

    vcow_mirror_stop(m);
    CHECK_OK(vcow_cell_close(cell));
    cluster_stop(&c);
    return 0;
}

static int part_cluster(uint64_t ops)
{
    struct cluster c;
    cluster_start(&c, 3);
    struct writer w = {&c, 0, 0, 0x9e3779b97f4a7c15ULL, 0};
    /* The marker starts at "0" (the first guarded txn compares with it). */
    char *k = b64("u/op", 4), *z = b64("0", 1);
    char body[128];
    snprintf(body, sizeof(body), "{\"key\":\"%s\",\"value\":\"%s\"}", k, z);
    free(k);
    free(z);
    bool lost;
    json_decref(etcd_post(c.url[0], "/v3/kv/put", body, &lost));
    /* Some keys before the mirrors start: their snapshot is not empty. */
    for (uint64_t i = 0; i < 50; i++)
        random_op(&w, i);

    /* A: every endpoint; B: the member to be killed first, then the others
     * (it must fail over); S: only that member (it must resync). */
    char b_eps[sizeof(c.endpoints)];
    snprintf(b_eps, sizeof(b_eps), "%s,%s,%s", c.url[2], c.url[0], c.url[1]);
    const char *names[3] = {"A (all endpoints)", "B (killed member first)",
                            "S (killed member only)"};
    vcow_cell *cells[3] = {history_cell(), history_cell(), history_cell()};
    vcow_mirror *ms[3] = {start(cells[0], c.endpoints, "t/"), start(cells[1], b_eps, "t/"),
                          start(cells[2], c.url[2], "t/")};
    struct reader rd[3];
    pthread_t th[3];
    for (int i = 0; i < 3; i++) {
        CHECK_OK(vcow_mirror_wait(ms[i], 0, 20 * SEC));
        rd[i] = (struct reader){ms[i], cells[i], false, 0};
        CHECK(pthread_create(&th[i], NULL, read_loop, &rd[i]) == 0);
    }

    double t0 = test_now();
    int64_t compacted = 0;
    for (uint64_t i = 0; i < ops; i++) {
        if (i == ops / 4) {
            cluster_kill(&c, 2);
            printf("op %" PRIu64 ": member 2 killed\n", i);
        }
        if (i == ops / 2) {
            compacted = log_[nlog - 1].rev;
            char cb[64];
            snprintf(cb, sizeof(cb), "{\"revision\":\"%" PRId64 "\"}", compacted);
            json_t *a = NULL;
            for (int t = 0; a == NULL && t < 100; t++)
                a = etcd_post(c.url[w.ep], "/v3/kv/compaction", cb, &lost);
            CHECK(a != NULL);
            json_decref(a);
            printf("op %" PRIu64 ": compacted at revision %" PRId64 "\n", i, compacted);
        }
        if (i == 3 * ops / 4) {
            cluster_restart(&c, 2);
            printf("op %" PRIu64 ": member 2 restarted\n", i);
        }
        random_op(&w, 50 + i);
    }
    double t1 = test_now();
    int64_t last = log_[nlog - 1].rev;
    printf("%" PRIu64 " ops in %.1f s (%.0f/s), %" PRIu64 " retried; last revision %" PRId64 "\n",
           ops, t1 - t0, (double)ops / (t1 - t0), w.retries, last);
    for (int i = 0; i < 3; i++) {
        int rc = vcow_mirror_wait(ms[i], last, 60 * SEC);
        struct vcow_mirror_stats st;
        CHECK_OK(vcow_mirror_get_stats(ms[i], &st));
        printf("%s: applied %" PRId64 ", %" PRIu64 " commits, %" PRIu64 " events, %" PRIu64
               " reconnects, %" PRIu64 " resyncs, %" PRIu64 " errors (last: %s)\n",
               names[i], st.applied_revision, st.commits, st.events, st.reconnects, st.resyncs,
               st.errors, st.last_error);
        CHECK_OK(rc);
    }
    printf("all mirrors at revision %" PRId64 " %.1f s after the last write\n", last,
           test_now() - t1);
    for (int i = 0; i < 3; i++) {
        atomic_store(&rd[i].stop, true);
        pthread_join(th[i], NULL);
        printf("%s: reader made %" PRIu64 " reads\n", names[i], rd[i].reads);
    }

    unsigned long long rng = 42;
    for (int i = 0; i < 3; i++) {
        struct vcow_mirror_stats st;
        CHECK_OK(vcow_mirror_get_stats(ms[i], &st));
        check_head_vs_etcd(names[i], cells[i], &c);
        uint64_t resyncs;
        struct gaps g;
        check_history(names[i], cells[i], &resyncs, &g);
        CHECK_EQ_INT(resyncs, st.resyncs);
        check_lookups(names[i], ms[i], log_[49].rev, last, &rng, &g);
    }
    /* S was away across the compaction: it must have resynced. A never
     * lost its member; B failed over in time, before the compaction. */
    struct vcow_mirror_stats st[3];
    for (int i = 0; i < 3; i++)
        CHECK_OK(vcow_mirror_get_stats(ms[i], &st[i]));
    CHECK(st[2].resyncs >= 1);
    CHECK(st[1].reconnects >= 1);
    CHECK_EQ_INT(st[0].resyncs, 0);
    CHECK_EQ_INT(st[1].resyncs, 0);
    for (int i = 0; i < 3; i++) {
        vcow_mirror_stop(ms[i]);
        CHECK_OK(vcow_cell_close(cells[i]));
    }
    cluster_stop(&c);
    for (size_t i = 0; i < nlog; i++)
        for (int j = 0; j < log_[i].n; j++)
            free(log_[i].c[j].val);
    free(log_);
    return 0;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    const char *part = argc > 1 ? argv[1] : "basic";
    if (strcmp(part, "args") == 0)
        return part_args();
    if (strcmp(part, "basic") == 0)
        return part_basic();
    if (strcmp(part, "cluster") == 0)
        return part_cluster(argc > 2 ? strtoull(argv[2], NULL, 10) : 10000);
    fprintf(stderr, "usage: %s args|basic|cluster [OPS]\n", argv[0]);
    return 2;
}
