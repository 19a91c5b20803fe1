/*
 * integrations/mirror/internal.h - what the mirror's files share.
 *
 *   etcd.c    HTTP to etcd's JSON gateway (libcurl, jansson), base64, paged ranges
 *   apply.c   commits: a snapshot as a diff against the head, one revision's
 *             events; the revision tag; finding a version by revision
 *   follow.c  the mirror's thread: snapshot, watch stream, probes, backoff, failover
 *   mirror.c  start, stop, wait, stats, errors
 *   write.c   vcow_mirror_write: a conditional Txn, then wait for it
 *
 * Ownership: everything in struct vcow_mirror below "thread-owned" is read
 * and written by the mirror's thread only. The fields under `lock` are
 * shared with callers of wait / get_stats / write. `applied` is also read
 * without the lock by vcow_mirror_pin_revision.
 */
#ifndef VCOW_MIRROR_INTERNAL_H
#define VCOW_MIRROR_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>
#include <jansson.h>

#include <vcow/map.h>
#include <vcow/mirror.h>

#define MIRROR_MAX_ENDPOINTS 16
#define MIRROR_PROBES        32 /* unconfirmed probes remembered for behind_ns */

/* One key-value pair of a range, decoded; key without the prefix. */
struct mirror_kv {
    char *key;
    size_t klen;
    char *val;
    size_t vlen;
};

/* A whole range, sorted by key as etcd returns it. */
struct mirror_kvs {
    struct mirror_kv *kv;
    size_t n, cap;
};

struct vcow_mirror {
    vcow_cell *cell;
    char *prefix, *range_end; /* bytes; range_end is etcd's end of the prefix */
    size_t plen, elen;
    char *endpoints[MIRROR_MAX_ENDPOINTS];
    int nendpoints;
    struct vcow_mirror_opts opts; /* defaults filled in */
    pthread_t thread;
    CURLM *multi;
    /* relaxed everywhere: a stop flag; curl_multi_wakeup does the waking. */
    atomic_bool stop;
    /*
     * The revision the head holds (etcd's state at it). Written by the
     * thread after the commit that makes it true (release: a reader that
     * sees the revision finds the version in the cell), read by
     * pin_revision (acquire).
     */
    _Atomic int64_t applied;
    /* The endpoint in use; write.c starts there. relaxed: a hint. */
    atomic_int endpoint;

    pthread_mutex_t lock; /* guards what follows, and signals cond */
    pthread_cond_t cond;  /* broadcast when applied moves */
    struct vcow_mirror_stats st;
    int64_t behind_since_ns;       /* CLOCK_MONOTONIC; 0: not known behind */
    int64_t disconnected_since_ns; /* CLOCK_MONOTONIC; 0: connected */

    /* ---- thread-owned ---- */
    bool need_snapshot;
    bool snapshotted; /* the first snapshot is committed */
    int64_t known_to; /* for a resync's tag: the last revision known before it */
    int64_t head_rev; /* the revision of the last version this mirror committed */
    long backoff_ms;
    uint64_t rng; /* backoff jitter */
    struct {
        int64_t rev, sent_ns;
    } probes[MIRROR_PROBES]; /* unconfirmed, oldest first */
    int nprobes;
};

/* ---- etcd.c ---- */

/* Outcome of one request. */
enum {
    ETCD_OK = 0,
    ETCD_UNREACHED = 1, /* not connected: nothing was sent */
    ETCD_LOST = 2,      /* sent, but no (complete) answer: it may have been applied */
    ETCD_ERROR = 3,     /* etcd answered an error: *code, err */
};

/* Base64 (RFC 4648, with padding) of n bytes, NUL-terminated; NULL when out of memory. */
char *vcow__mirror_b64(const void *p, size_t n);
/* Decode a base64 string into a new buffer (*out, *n; NUL-terminated). -1 when malformed or no
 * memory. */
int vcow__mirror_unb64(const char *s, char **out, size_t *n);
/* An int64 field that etcd's gateway writes as a string ("12") or a number; dflt when absent. */
int64_t vcow__mirror_i64(json_t *obj, const char *field, int64_t dflt);
/* json string of base64(p, n); NULL when out of memory. */
json_t *vcow__mirror_b64_json(const void *p, size_t n);

/* A new easy handle with the mirror's timeouts. */
CURL *vcow__mirror_easy(const vcow_mirror *m, long timeout_ms);
/*
 * POST body (JSON) to endpoint + api and parse the answer into *out.
 * Returns ETCD_*; with ETCD_ERROR *code is etcd's gRPC code (e.g. 11, out
 * of range: compacted) and err says what; err is set for the others too.
 */
int vcow__mirror_post(const vcow_mirror *m, CURL *h, const char *endpoint, const char *api,
                      json_t *body, json_t **out, int *code, char *err, size_t errlen);

/* Read the whole prefix at one revision (*rev, out): ETCD_*. */
int vcow__mirror_range_all(const vcow_mirror *m, CURL *h, const char *endpoint, int64_t *rev,
                           struct mirror_kvs *out, char *err, size_t errlen);
void vcow__mirror_kvs_free(struct mirror_kvs *kvs);
/* Append a decoded etcd key-value (json {"key","value"}) with the prefix stripped. 0 or -1. */
int vcow__mirror_kvs_add(const vcow_mirror *m, struct mirror_kvs *kvs, json_t *kv);

/* ---- apply.c ---- */

/*
 * Commit kvs (the prefix at revision rev) as one version: set what
 * differs from the head, delete what is gone. resync: tag it as a resync
 * after known_to. VCOW_OK or a vcow error (the cell unchanged).
 */
int vcow__mirror_commit_snapshot(vcow_mirror *m, const struct mirror_kvs *kvs, int64_t rev,
                                 bool resync, int64_t known_to);
/*
 * Commit events[from, to) (all of revision rev) as one version. VCOW_OK, or
 * VCOW_ECONFLICT (another writer committed to the cell), VCOW_EINVAL (an
 * event the mirror cannot apply: a key outside the prefix or too long),
 * VCOW_ENOMEM; the cell unchanged on error.
 */
int vcow__mirror_commit_events(vcow_mirror *m, json_t *events, size_t from, size_t to, int64_t rev);
/* The number of entries in the head: what the probe compares. */
uint64_t vcow__mirror_head_len(vcow_mirror *m);

/* ---- mirror.c ---- */

/* Record an error (counted, last_error, stderr when verbose). */
void vcow__mirror_error(vcow_mirror *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Publish rev as applied (it only grows) and wake waiters. */
void vcow__mirror_set_applied(vcow_mirror *m, int64_t rev);
/* CLOCK_MONOTONIC / CLOCK_REALTIME nanoseconds. */
int64_t vcow__mirror_mono_ns(void);
int64_t vcow__mirror_real_ns(void);

/* ---- follow.c ---- */

void *vcow__mirror_thread(void *arg);

#endif
