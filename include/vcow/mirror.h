/**
 * @file vcow/mirror.h
 * an etcd key prefix mirrored into a map cell: one etcd revision, one
 * version (libvcow-mirror, built when libcurl and jansson are found).
 *
 * A mirror keeps a map cell equal to the keys under an etcd v3 prefix, as
 * of the newest revision it has applied, and keeps doing so: reads stay
 * local and lock-free (vcow/map.h on vcow_cell_head), and with a cell
 * opened with history, every applied revision stays readable as a version.
 * etcd does the distribution (Raft, replication, failover); the mirror only
 * follows it, through etcd's JSON gateway (/v3/kv/range, /v3/kv/txn and the
 * streaming /v3/watch; etcd 3.4 and later).
 *
 * @code
 *   vcow_cell *c;
 *   struct vcow_cell_opts co = {.size = sizeof(co), .history = true, .keep_last = 10000};
 *   vcow_cell_open(VCOW_KIND_MAP, &co, &c);
 *   struct vcow_mirror_opts mo = {.size = sizeof(mo),
 *       .endpoints = "http://10.0.0.1:2379,http://10.0.0.2:2379", .prefix = "/app/"};
 *   vcow_mirror *m;
 *   vcow_mirror_start(c, &mo, &m);
 *   vcow_mirror_wait(m, 0, 5000000000);        // the first snapshot is in
 *   vcow_read_lock();
 *   vcow_val v;  vcow_map_get(vcow_cell_head(c), "db/port", &v);   // "/app/db/port"
 *   vcow_read_unlock();
 *   ...
 *   vcow_mirror_stop(m);  vcow_cell_close(c);
 * @endcode
 *
 * What the cell holds. Each etcd key under the prefix is one entry of the
 * top map: its key is the etcd key without the prefix (bytes, the empty
 * key when the etcd key is the prefix itself), its value the etcd value as
 * VCOW_T_BYTES, as it is (etcd values are bytes; JSON text stays text).
 * Nothing is parsed, so any etcd data mirrors, and a diff of two versions
 * (vcow_map_diff) names exactly the etcd keys that changed between them.
 * Keys longer than VCOW_MAP_KEY_MAX cannot be mirrored (the mirror reports
 * the error and stops applying; see vcow_mirror_get_stats).
 *
 * Versions and revisions. The mirror first reads the whole prefix at one
 * revision R (a linearizable range, paged, every page at R) and commits it
 * as one version; then it watches the prefix from R+1 and commits every
 * etcd revision that changed a key under the prefix as one version, with
 * every change of that revision (a multi-key txn is one version). A
 * revision that touched no key under the prefix makes no version: the
 * version at revision r is the newest one whose revision is <= r. Each
 * version carries its revision in its commit tag (vcow_txn_set_tag), as
 * JSON text:
 *
 * @code{.unparsed}
 *   {"etcd_revision":1234}                                 watch, or first snapshot
 *   {"etcd_revision":1290,"resync":"compacted","known_to":1250}
 * @endcode
 *
 * and its commit time is when the mirror applied it (etcd records no commit
 * time). vcow_mirror_version_revision reads the revision back;
 * vcow_mirror_pin_revision finds the version of a revision (a binary search
 * of the cell's history by tag: lock-free, O(log versions) pins).
 *
 * Resync. When the revision the watch needs was compacted away (the mirror
 * was disconnected longer than etcd keeps history), the revisions between
 * the last one the mirror knew (known_to) and the compacted cluster's
 * current revision cannot be read from anyone. The mirror then reads the
 * whole prefix again at a revision R' and commits one version at R' whose
 * diff from the previous version is exactly what changed (keys whose
 * values differ are set, keys gone are deleted, equal keys untouched), and
 * watches again from R'+1. Revisions in (known_to, R') have no version:
 * vcow_mirror_pin_revision answers VCOW_ENOENT for them. A commit to the
 * cell by anyone but the mirror is answered the same way (the mirror's
 * commit conflicts, it re-reads etcd and commits a resync).
 *
 * Connections. The endpoints are tried in order; on a failure (refused,
 * closed, a member without a leader, a probe unanswered for probe_timeout)
 * the mirror counts a reconnect, waits with exponential backoff and
 * jitter (backoff_min_ms doubling to backoff_max_ms, reset once a watch
 * delivers), moves to the next endpoint and resumes the watch from the
 * revision after the last one it applied: no revision is skipped or applied
 * twice across reconnects. Every probe_interval_ms it asks the endpoint for
 * the cluster's revision (a linearizable range of one key, so a member cut
 * off from its quorum fails it) to measure how far behind it is.
 *
 * Threads. The mirror runs one thread of its own (libcurl's multi
 * interface drives the watch and the probes). The functions below may be
 * called from any thread at once, except vcow_mirror_stop (once, when no
 * other call on the mirror is running or will run). The mirror must be the
 * only writer of its cell; readers read the cell as any cell (vcow/cell.h).
 */
#ifndef VCOW_MIRROR_H
#define VCOW_MIRROR_H

#include <vcow/cell.h>

VCOW_BEGIN_DECLS

/** A running mirror (opaque). */
typedef struct vcow_mirror vcow_mirror;

/**
 * Options. Zero-initialise, set size = sizeof(struct vcow_mirror_opts),
 * endpoints and prefix; zero fields take the defaults in brackets.
 */
struct vcow_mirror_opts {
    size_t size; /**< sizeof(struct vcow_mirror_opts) */
    /** etcd client URLs separated by commas: "http://127.0.0.1:2379,..." (at most 16). */
    const char *endpoints;
    /** The key prefix mirrored (bytes up to the NUL; "" mirrors every key). */
    const char *prefix;
    long connect_timeout_ms; /**< connecting to an endpoint [1000] */
    long request_timeout_ms; /**< a range, txn or probe [5000] */
    long backoff_min_ms;     /**< the first wait after a failure [50] */
    long backoff_max_ms;     /**< the longest [2000] */
    long probe_interval_ms;  /**< how often the cluster's revision is asked [500] */
    long range_page;         /**< keys per page of a snapshot range [10000] */
    /** Log every reconnect, failover and resync to stderr. */
    bool verbose;
};

/**
 * Start mirroring opts->prefix into cell (a map cell, which the mirror
 * will write from then on; open it with history to read old revisions).
 * Returns at once: the mirror's thread reads the snapshot and watches
 * (vcow_mirror_wait blocks until it is in). The first snapshot replaces
 * whatever the cell holds. Errors: VCOW_EINVAL (NULL, not a map cell, no
 * endpoint, an endpoint that is not http:// or https://, bad opts),
 * VCOW_ENOMEM, VCOW_EDEPS (libcurl could not start, or no thread).
 */
VCOW_API int vcow_mirror_start(vcow_cell *cell, const struct vcow_mirror_opts *opts,
                               vcow_mirror **out);

/**
 * Stop the mirror's thread (it finishes the commit it is making, if any)
 * and free the mirror. The cell stays open, at the last applied revision,
 * and is the caller's again. NULL is ignored. Blocking.
 */
VCOW_API void vcow_mirror_stop(vcow_mirror *m);

/**
 * Block until the mirror has applied revision rev (rev <= 0: until the
 * first snapshot is committed), or timeout_ns passed (CLOCK_MONOTONIC;
 * < 0: no limit). VCOW_OK, VCOW_EAGAIN on timeout, VCOW_EINVAL (NULL),
 * VCOW_ESTATE when called inside a read section. Blocking by design (a
 * condition variable), outside read sections.
 */
VCOW_API int vcow_mirror_wait(vcow_mirror *m, int64_t rev, int64_t timeout_ns);

/**
 * Pin the version that holds etcd's state at revision rev: the newest
 * version whose revision is <= rev. Errors: VCOW_EINVAL (NULL, rev < 1),
 * VCOW_EAGAIN (rev is past the revision the mirror has applied: wait for
 * it), VCOW_ENOENT (no version kept for it: before the first snapshot,
 * trimmed from the cell's history, or in the gap a resync left). Unpin
 * with vcow_version_unpin. Lock-free; inside or outside read sections.
 */
VCOW_API int vcow_mirror_pin_revision(vcow_mirror *m, int64_t rev, vcow_version **out);

/**
 * The etcd revision a version of a mirrored cell holds (read from its
 * tag). Errors: VCOW_EINVAL (NULL), VCOW_ENOENT (the version was not
 * committed by a mirror: version 0, or another writer's).
 */
VCOW_API int vcow_mirror_version_revision(const vcow_version *v, int64_t *rev);

/** One change of vcow_mirror_write. */
struct vcow_mirror_op {
    bool del;        /**< delete the key (val ignored), else put */
    const void *key; /**< the key under the prefix (the prefix is added) */
    size_t klen;     /**< its length */
    const void *val; /**< the value (put) */
    size_t vlen;     /**< its length */
};

/**
 * Write through to etcd: ops as one etcd Txn, under a condition, then wait
 * until the mirror has applied it (timeout_ns as for vcow_mirror_wait). The
 * condition, with base_rev >= 1: no key under the prefix was put after
 * base_rev (one compare of mod_revision over the prefix's range), and every
 * key of ops that existed at base_rev still exists (so a concurrent delete
 * of a key the ops touch is not lost either). base_rev = 0: no condition.
 * On success *rev (if not NULL) receives the Txn's revision, and the cell
 * holds it when the call returns.
 *
 * Errors: VCOW_EINVAL (NULL, no ops, a NULL key), VCOW_ECONFLICT (the
 * condition failed: nothing written; read the new head and retry),
 * VCOW_ENOENT (base_rev has no version kept: vcow_mirror_pin_revision),
 * VCOW_ERANGE (etcd refused the Txn's size: --max-txn-ops, 128 by default,
 * counts each op and compare, or --max-request-bytes), VCOW_EDEPS (no
 * endpoint answered: nothing was written), VCOW_EAGAIN (the Txn may or may
 * not have been applied: the answer was lost, or the mirror did not apply
 * it within timeout_ns; *rev is then 0 if unknown). Blocking; any thread,
 * outside read sections (VCOW_ESTATE inside).
 */
VCOW_API int vcow_mirror_write(vcow_mirror *m, const struct vcow_mirror_op *ops, size_t n,
                               int64_t base_rev, int64_t timeout_ns, int64_t *rev);

/** What vcow_mirror_get_stats reports. */
struct vcow_mirror_stats {
    int64_t applied_revision; /**< the head holds etcd's state at this revision (0: none yet) */
    int64_t etcd_revision;    /**< the newest cluster revision the mirror has heard of */
    /**
     * How long the mirror has been behind, nanoseconds: 0 when it has
     * every change up to the revision of the latest probe, else the time
     * since the oldest probe whose revision it does not yet have. A
     * revision that touched nothing under the prefix is confirmed by the
     * next event or by etcd's watch progress notifications
     * (--experimental-watch-progress-notify-interval, 10 minutes by
     * default), so an idle prefix on a busy cluster may read as behind.
     */
    int64_t behind_ns;
    int64_t last_commit_ns; /**< CLOCK_REALTIME of the last commit (0: none) */
    uint64_t commits;       /**< versions committed (snapshots and resyncs included) */
    uint64_t events;        /**< etcd events applied */
    uint64_t reconnects;    /**< watches lost and started again */
    uint64_t resyncs;       /**< snapshots after the first (compaction, a foreign commit) */
    uint64_t errors;        /**< failures of any kind (each also sets last_error) */
    bool connected;         /**< a watch stream is open */
    int endpoint;           /**< the endpoint in use (index into opts->endpoints) */
    int64_t last_error_ns;  /**< CLOCK_REALTIME of the last error (0: none) */
    char last_error[256];   /**< what it was, for people ("" when none) */
};

/** Fill out with the mirror's figures now. Errors: VCOW_EINVAL (NULL). Any thread. */
VCOW_API int vcow_mirror_get_stats(vcow_mirror *m, struct vcow_mirror_stats *out);

VCOW_END_DECLS

#endif
