/*
 * integrations/mirror/follow.c - the mirror's thread.
 *
 *   1. snapshot: read the prefix at one revision R (paged) and commit it as
 *      one version (the first, or a resync's diff against the head);
 *   2. watch from applied+1 on the endpoint in use, commit each revision's
 *      events as one version as the stream delivers them (etcd never splits
 *      a revision across two watch responses: its API guarantees "atomic");
 *   3. meanwhile probe the endpoint every probe_interval_ms (below);
 *   4. on any failure: count it, back off, move to the next endpoint and go
 *      to 2 (or to 1 when the watch was cancelled because its revision was
 *      compacted, or a commit found another writer's version).
 *
 * The probe is one etcd Txn of two ranges of the prefix, read at one
 * revision R: the count of all keys, and the keys (names only) put after
 * the revision A the mirror had applied when it sent the probe (etcd reads
 * the prefix's keys to filter them: the probe costs the server O(keys)). When none was put after A
 * and the count equals the head's, nothing under the prefix changed in (A, R] (no put, so R's keys
 * are a subset of A's; equal counts, so no delete), and the mirror holds etcd's state at R without
 * having seen an event: applied moves to R. Otherwise R is remembered with the time the probe was
 * sent, and behind_ns counts from the oldest such R not yet applied. A probe that fails (a member
 * cut off from its quorum cannot answer a linearizable read) ends the watch, so the mirror fails
 * over.
 *
 * Everything here runs in the one thread; libcurl's multi interface drives
 * the watch and the probe together, and curl_multi_wakeup (vcow_mirror_stop)
 * interrupts its wait.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static bool stopping(const vcow_mirror *m)
{
    /* relaxed: a flag; curl_multi_wakeup makes the thread look. */
    return atomic_load_explicit(&m->stop, memory_order_relaxed);
}

static const char *endpoint(const vcow_mirror *m)
{
    /* relaxed: only this thread writes it. */
    return m->endpoints[atomic_load_explicit(&m->endpoint, memory_order_relaxed)];
}

/* The prefix as etcd's range key ("\0" for the empty prefix). */
static json_t *range_key(const vcow_mirror *m)
{
    return m->plen > 0 ? vcow__mirror_b64_json(m->prefix, m->plen) : vcow__mirror_b64_json("", 1);
}

/* Sleep ms, or less when stopped. */
static void nap(vcow_mirror *m, long ms)
{
    int64_t end = vcow__mirror_mono_ns() + (int64_t)ms * 1000000;
    for (int64_t now; !stopping(m) && (now = vcow__mirror_mono_ns()) < end;)
        curl_multi_poll(m->multi, NULL, 0, (int)((end - now) / 1000000) + 1, NULL);
}

/* After a failure: count, back off with jitter, move to the next endpoint. */
static void fail_over(vcow_mirror *m)
{
    int next = (atomic_load_explicit(&m->endpoint, memory_order_relaxed) + 1) % m->nendpoints;
    /* relaxed: a hint for write.c. */
    atomic_store_explicit(&m->endpoint, next, memory_order_relaxed);
    pthread_mutex_lock(&m->lock);
    m->st.reconnects++;
    m->st.connected = false;
    m->st.endpoint = next;
    if (m->disconnected_since_ns == 0)
        m->disconnected_since_ns = vcow__mirror_mono_ns();
    pthread_mutex_unlock(&m->lock);
    long b = m->backoff_ms;
    m->backoff_ms = b * 2 < m->opts.backoff_max_ms ? b * 2 : m->opts.backoff_max_ms;
    if (m->backoff_ms < m->opts.backoff_min_ms)
        m->backoff_ms = m->opts.backoff_min_ms;
    /* b/2 .. b: mirrors that lost one member do not all come back at once */
    /* xorshift64: the thread's own generator (rand() is the program's) */
    m->rng ^= m->rng << 13;
    m->rng ^= m->rng >> 7;
    m->rng ^= m->rng << 17;
    nap(m, b / 2 + (long)(m->rng % (uint64_t)(b / 2 + 1)));
}

static void counted_commit(vcow_mirror *m, uint64_t events)
{
    pthread_mutex_lock(&m->lock);
    m->st.commits++;
    m->st.events += events;
    m->st.last_commit_ns = vcow__mirror_real_ns();
    pthread_mutex_unlock(&m->lock);
}

/* 1. Read the prefix and commit it. 0, or -1 after recording the error. */
static int snapshot(vcow_mirror *m, CURL *h)
{
    struct mirror_kvs kvs = {NULL, 0, 0};
    int64_t rev;
    char err[256];
    int rc = vcow__mirror_range_all(m, h, endpoint(m), &rev, &kvs, err, sizeof(err));
    if (rc != ETCD_OK) {
        vcow__mirror_error(m, "snapshot: %s", err);
        return -1;
    }
    bool resync = m->snapshotted;
    rc = vcow__mirror_commit_snapshot(m, &kvs, rev, resync, m->known_to);
    size_t n = kvs.n;
    vcow__mirror_kvs_free(&kvs);
    if (rc != VCOW_OK) {
        vcow__mirror_error(m, "snapshot at revision %lld: %s", (long long)rev, vcow_strerror(rc));
        return -1;
    }
    counted_commit(m, 0);
    if (resync) {
        pthread_mutex_lock(&m->lock);
        m->st.resyncs++;
        pthread_mutex_unlock(&m->lock);
    }
    if (m->opts.verbose)
        fprintf(stderr, "vcow mirror: %s at revision %lld (%zu keys) from %s\n",
                resync ? "resync" : "snapshot", (long long)rev, n, endpoint(m));
    m->snapshotted = true;
    m->need_snapshot = false;
    vcow__mirror_set_applied(m, rev);
    return 0;
}

/* ---- 2. the watch stream ---- */

struct stream {
    vcow_mirror *m;
    char *buf; /* bytes received, not yet a whole line */
    size_t n, cap;
    bool end;   /* stop reading: the watch is over (reason recorded) */
    bool alive; /* the watch was created */
};

static void heard_revision(vcow_mirror *m, json_t *result)
{
    int64_t r = vcow__mirror_i64(json_object_get(result, "header"), "revision", 0);
    pthread_mutex_lock(&m->lock);
    if (r > m->st.etcd_revision)
        m->st.etcd_revision = r;
    pthread_mutex_unlock(&m->lock);
}

/* Commit the events of one watch response, one version per revision. */
static void apply_events(struct stream *s, json_t *events)
{
    vcow_mirror *m = s->m;
    size_t n = json_array_size(events);
    for (size_t i = 0; i < n && !s->end;) {
        int64_t rev =
            vcow__mirror_i64(json_object_get(json_array_get(events, i), "kv"), "mod_revision", 0);
        size_t j = i + 1;
        while (j < n && vcow__mirror_i64(json_object_get(json_array_get(events, j), "kv"),
                                         "mod_revision", 0) == rev)
            j++;
        /* relaxed: only this thread writes it. */
        int64_t applied = atomic_load_explicit(&m->applied, memory_order_relaxed);
        if (rev <= applied) { /* the watch started after it: never applied twice */
            if (rev <= 0)
                vcow__mirror_error(m, "an event without a revision");
            i = j;
            continue;
        }
        int rc = vcow__mirror_commit_events(m, events, i, j, rev);
        if (rc != VCOW_OK) {
            /* Another writer (ECONFLICT) or an event the cell cannot take:
             * read the prefix again and commit it as a resync. */
            vcow__mirror_error(m, "revision %lld: %s: resync", (long long)rev, vcow_strerror(rc));
            m->known_to = applied;
            m->need_snapshot = true;
            s->end = true;
            return;
        }
        counted_commit(m, (uint64_t)(j - i));
        vcow__mirror_set_applied(m, rev);
        m->backoff_ms = 0; /* the watch delivers: a later failure starts afresh */
        i = j;
    }
}

static void on_message(struct stream *s, json_t *msg)
{
    vcow_mirror *m = s->m;
    json_t *result = json_object_get(msg, "result");
    if (!json_is_object(result)) {
        json_t *e = json_object_get(msg, "error");
        const char *text = json_string_value(json_object_get(e, "message"));
        vcow__mirror_error(m, "watch on %s: %s", endpoint(m),
                           text != NULL ? text : "an answer that is not a watch response");
        s->end = true;
        return;
    }
    heard_revision(m, result);
    if (json_is_true(json_object_get(result, "canceled"))) {
        int64_t compacted = vcow__mirror_i64(result, "compact_revision", 0);
        const char *why = json_string_value(json_object_get(result, "cancel_reason"));
        if (compacted > 0) {
            /* relaxed: only this thread writes it. */
            m->known_to = atomic_load_explicit(&m->applied, memory_order_relaxed);
            m->need_snapshot = true;
            vcow__mirror_error(m, "watch from revision %lld: compacted up to %lld: resync",
                               (long long)m->known_to + 1, (long long)compacted);
        } else {
            vcow__mirror_error(m, "watch on %s cancelled: %s", endpoint(m),
                               why != NULL ? why : "no reason given");
        }
        s->end = true;
        return;
    }
    if (json_is_true(json_object_get(result, "created"))) {
        s->alive = true;
        pthread_mutex_lock(&m->lock);
        m->st.connected = true;
        m->disconnected_since_ns = 0;
        pthread_mutex_unlock(&m->lock);
        return;
    }
    json_t *events = json_object_get(result, "events");
    if (json_array_size(events) > 0)
        apply_events(s, events);
    else /* a progress notification: every event up to its revision was sent */
        vcow__mirror_set_applied(
            m, vcow__mirror_i64(json_object_get(result, "header"), "revision", 0));
}

/* libcurl's write callback: split the stream into lines, one JSON message each. */
static size_t on_data(char *data, size_t size, size_t nmemb, void *arg)
{
    struct stream *s = arg;
    size_t len = size * nmemb;
    if (s->end)
        return 0; /* ends the transfer (CURLE_WRITE_ERROR) */
    if (s->n + len > s->cap) {
        size_t cap = (s->n + len) * 2;
        char *p = realloc(s->buf, cap);
        if (p == NULL) {
            vcow__mirror_error(s->m, "watch: out of memory");
            s->end = true;
            return 0;
        }
        s->buf = p;
        s->cap = cap;
    }
    memcpy(s->buf + s->n, data, len);
    s->n += len;
    size_t start = 0;
    for (size_t i = s->n - len; i < s->n && !s->end; i++) {
        if (s->buf[i] != '\n')
            continue;
        json_error_t jerr;
        json_t *msg = json_loadb(s->buf + start, i - start, 0, &jerr);
        if (msg == NULL && i > start) {
            vcow__mirror_error(s->m, "watch: malformed JSON: %s", jerr.text);
            s->end = true;
        } else if (msg != NULL) {
            on_message(s, msg);
        }
        json_decref(msg);
        start = i + 1;
    }
    memmove(s->buf, s->buf + start, s->n - start);
    s->n -= start;
    return s->end ? 0 : len;
}

static CURL *start_watch(vcow_mirror *m, struct stream *s, struct curl_slist *hdr, char **body)
{
    /* relaxed: only this thread writes it. */
    int64_t from = atomic_load_explicit(&m->applied, memory_order_relaxed) + 1;
    json_t *j = json_pack("{s:{s:o, s:o, s:I, s:b}}", "create_request", "key", range_key(m),
                          "range_end", vcow__mirror_b64_json(m->range_end, m->elen),
                          "start_revision", (json_int_t)from, "progress_notify", 1);
    *body = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    CURL *h = *body != NULL ? vcow__mirror_easy(m, 0) : NULL;
    if (h == NULL)
        return NULL;
    char url[512];
    snprintf(url, sizeof(url), "%s/v3/watch", endpoint(m));
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, *body);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, s);
    return h;
}

/* ---- 3. the probe ---- */

struct probe {
    CURL *h;
    char *body;
    int64_t applied; /* at sending */
    uint64_t len;    /* the head's count at sending */
    int64_t sent_ns;
    struct buf {
        char *p;
        size_t n, cap;
    } ans;
};

static size_t probe_data(char *data, size_t size, size_t nmemb, void *arg)
{
    struct buf *b = arg;
    size_t len = size * nmemb;
    if (b->n + len + 1 > b->cap) {
        char *p = realloc(b->p, (b->n + len + 1) * 2);
        if (p == NULL)
            return 0;
        b->p = p;
        b->cap = (b->n + len + 1) * 2;
    }
    memcpy(b->p + b->n, data, len);
    b->n += len;
    return len;
}

static int start_probe(vcow_mirror *m, struct probe *p, struct curl_slist *hdr)
{
    /* relaxed: only this thread writes it. */
    p->applied = atomic_load_explicit(&m->applied, memory_order_relaxed);
    p->len = vcow__mirror_head_len(m);
    p->sent_ns = vcow__mirror_mono_ns();
    p->ans.n = 0;
    json_t *j =
        json_pack("{s:[{s:{s:o, s:o, s:b}}, {s:{s:o, s:o, s:b, s:I}}]}", "success", "request_range",
                  "key", range_key(m), "range_end", vcow__mirror_b64_json(m->range_end, m->elen),
                  "count_only", 1, "request_range", "key", range_key(m), "range_end",
                  vcow__mirror_b64_json(m->range_end, m->elen), "keys_only", 1, "min_mod_revision",
                  (json_int_t)(p->applied + 1));
    p->body = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    p->h = p->body != NULL ? vcow__mirror_easy(m, m->opts.request_timeout_ms) : NULL;
    if (p->h == NULL) {
        free(p->body);
        p->body = NULL;
        return -1;
    }
    char url[512];
    snprintf(url, sizeof(url), "%s/v3/kv/txn", endpoint(m));
    curl_easy_setopt(p->h, CURLOPT_URL, url);
    curl_easy_setopt(p->h, CURLOPT_POSTFIELDS, p->body);
    curl_easy_setopt(p->h, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(p->h, CURLOPT_WRITEFUNCTION, probe_data);
    curl_easy_setopt(p->h, CURLOPT_WRITEDATA, &p->ans);
    curl_multi_add_handle(m->multi, p->h);
    return 0;
}

/* The probe's answer: the prefix's count (0), or how many keys were put
 * after A (1: etcd's count ignores min_mod_revision, the keys do not). */
static int64_t range_count(json_t *ans, size_t i)
{
    json_t *r =
        json_object_get(json_array_get(json_object_get(ans, "responses"), i), "response_range");
    if (!json_is_object(r))
        return -1;
    return i == 0 ? vcow__mirror_i64(r, "count", 0)
                  : (int64_t)json_array_size(json_object_get(r, "kvs"));
}

/* A probe finished: 0, or -1 when it failed (the caller fails over). */
static int end_probe(vcow_mirror *m, struct probe *p, CURLcode rc)
{
    long status = 0;
    curl_easy_getinfo(p->h, CURLINFO_RESPONSE_CODE, &status);
    curl_multi_remove_handle(m->multi, p->h);
    curl_easy_cleanup(p->h);
    free(p->body);
    p->h = NULL;
    p->body = NULL;
    json_t *ans = rc == CURLE_OK && status == 200 ? json_loadb(p->ans.p, p->ans.n, 0, NULL) : NULL;
    int64_t rev = vcow__mirror_i64(json_object_get(ans, "header"), "revision", 0);
    int64_t all = range_count(ans, 0), newer = range_count(ans, 1);
    json_decref(ans);
    if (rev <= 0 || all < 0 || newer < 0) {
        vcow__mirror_error(m, "probe of %s: %s", endpoint(m),
                           rc != CURLE_OK ? curl_easy_strerror(rc) : "no answer");
        return -1;
    }
    pthread_mutex_lock(&m->lock);
    if (rev > m->st.etcd_revision)
        m->st.etcd_revision = rev;
    bool same = newer == 0 && (uint64_t)all == p->len;
    if (!same && rev > m->st.applied_revision &&
        (m->nprobes == 0 || m->probes[m->nprobes - 1].rev < rev)) {
        if (m->nprobes == MIRROR_PROBES) /* keep the oldest; the newest stands for the rest */
            m->nprobes--;
        m->probes[m->nprobes].rev = rev;
        m->probes[m->nprobes].sent_ns = p->sent_ns;
        m->nprobes++;
        if (m->behind_since_ns == 0)
            m->behind_since_ns = p->sent_ns;
    }
    pthread_mutex_unlock(&m->lock);
    if (same)
        vcow__mirror_set_applied(m, rev);
    return 0;
}

/* 2 + 3: watch until the stream ends or fails, probing meanwhile. */
static void watch(vcow_mirror *m)
{
    struct stream s = {m, NULL, 0, 0, false, false};
    struct probe p = {NULL, NULL, 0, 0, 0, {NULL, 0, 0}};
    /* A watch needs a leader (etcd's "hasleader" gRPC metadata): a member
     * cut off from the quorum cancels it rather than go quiet. */
    struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: application/json");
    hdr = curl_slist_append(hdr, "Grpc-Metadata-hasleader: true");
    char *body = NULL;
    CURL *w = hdr != NULL ? start_watch(m, &s, hdr, &body) : NULL;
    if (w == NULL) {
        vcow__mirror_error(m, "watch: out of memory");
        curl_slist_free_all(hdr);
        free(body);
        return;
    }
    curl_multi_add_handle(m->multi, w);
    int64_t next_probe = vcow__mirror_mono_ns() + m->opts.probe_interval_ms * 1000000;
    bool over = false;
    while (!over && !stopping(m)) {
        int running;
        curl_multi_perform(m->multi, &running);
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read(m->multi, &left)) != NULL) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            if (msg->easy_handle == w) {
                if (!s.end) /* else the reason is recorded */
                    vcow__mirror_error(m, "watch on %s ended: %s", endpoint(m),
                                       curl_easy_strerror(msg->data.result));
                over = true;
            } else if (msg->easy_handle == p.h) {
                CURLcode rc = msg->data.result;
                if (end_probe(m, &p, rc) != 0)
                    over = true;
            }
        }
        if (s.end)
            over = true;
        int64_t now = vcow__mirror_mono_ns();
        if (!over && p.h == NULL && s.alive && now >= next_probe) {
            if (start_probe(m, &p, hdr) == 0)
                curl_multi_perform(m->multi, &running);
            next_probe = now + m->opts.probe_interval_ms * 1000000;
        }
        if (!over) {
            int64_t wait = (next_probe - now) / 1000000 + 1;
            curl_multi_poll(m->multi, NULL, 0, (int)(wait < 1000 ? wait : 1000), NULL);
        }
    }
    if (p.h != NULL) {
        curl_multi_remove_handle(m->multi, p.h);
        curl_easy_cleanup(p.h);
        free(p.body);
    }
    free(p.ans.p);
    curl_multi_remove_handle(m->multi, w);
    curl_easy_cleanup(w);
    curl_slist_free_all(hdr);
    free(body);
    free(s.buf);
}

void *vcow__mirror_thread(void *arg)
{
    vcow_mirror *m = arg;
    m->rng = (uint64_t)vcow__mirror_mono_ns() | 1;
    CURL *h = vcow__mirror_easy(m, m->opts.request_timeout_ms);
    while (!stopping(m)) {
        if (h == NULL) {
            vcow__mirror_error(m, "libcurl: no handle");
            nap(m, m->opts.backoff_max_ms);
            h = vcow__mirror_easy(m, m->opts.request_timeout_ms);
            continue;
        }
        if (m->need_snapshot && snapshot(m, h) != 0) {
            fail_over(m);
            continue;
        }
        watch(m);
        if (!stopping(m) && !m->need_snapshot)
            fail_over(m);
    }
    curl_easy_cleanup(h);
    pthread_mutex_lock(&m->lock);
    m->st.connected = false;
    pthread_mutex_unlock(&m->lock);
    return NULL;
}
