/*
 * runtime/cell.h - the cell, version and txn objects (internal).
 * The argument for why reclamation is safe is at the top of runtime/reclaim.c.
 */
#ifndef VCOW_RUNTIME_CELL_H
#define VCOW_RUNTIME_CELL_H

#include <pthread.h>
#include <stdatomic.h>

#include "base/compiler.h"
#include "base/panic.h"
#include "counter.h"
#include "gc/gc.h"
#include "retire.h"
#include <vcow/cell.h>

/*
 * What the reads of a structure see of a version: its root and kind. It
 * comes first in struct vcow_version and is all of a view (vcow_view): a
 * nested structure read like a version. real is the version itself, or the
 * version a view looks into (seq, time, cell and pins are real's).
 */
struct vcow_face {
    struct vcow_node *root;
    struct vcow_version *real;
    uint64_t kind; /* enum vcow_kind */
};

struct vcow_version {
    struct vcow_face face; /* first: a view is a bare face */
    vcow_gc_head gc;       /* the deferred free of this object and of its list */
    /*
     * Liveness: one count each for being head, being retained by history,
     * and every pin. 0 means dead, for good: a pin is an increment-if-not-
     * zero, so it either wins before death or fails cleanly.
     */
    _Atomic uint64_t live;
    uint64_t seq;
    /* Commit time, VCOW_TIME_UNSET until stamped after publication; read it
     * with vcow_version_stamp (runtime/stamp.c). */
    _Atomic int64_t time_ns;
    /* The predecessor (the txn's base): followed only while this version
     * is unstamped, which keeps the predecessor alive (stamp.c (e)). */
    struct vcow_version *prev;
    struct vcow_cell *cell;
    bool retained; /* history holds a count (under cell->lock) */
    /*
     * Until seq-1 is reclaimed: what seq-1 reaches and this version does
     * not. Then it moves to seq-1 and this field stays empty until this
     * version is handed to the reclaimer, which refills it with what to
     * free: the successor's list (or our root at close). One field for both
     * roles keeps a kept version (history) 88 bytes smaller.
     */
    struct vcow_retire retired;
    /* Filled when the version is handed to the reclaimer: */
    struct vcow_node *stack;        /* unfinished subtree free (incremental) */
    uint64_t to_free_bytes;         /* what was added to pending_bytes */
    uint64_t held_sub;              /* what to take off held_bytes when freed */
    uint64_t retired_bytes;         /* retired.bytes at commit (immutable) */
    uint64_t held_bytes;            /* what this commit added to held (see cell) */
    struct vcow_version *next_free; /* the batch it is freed in (reclaim.c) */
    uint64_t batch_freed;           /* first of a batch: bytes freed so far */
    bool help;                      /* freed by the committer (backpressure) */
};

#define VCOW_TIME_UNSET INT64_MIN

enum { CELL_PAD = 64 };

struct vcow_cell {
    /* The head: the only word readers load. The padding keeps the fields
     * writers change off its cache line (heap objects are only 16-byte
     * aligned, so padding rather than _Alignas). */
    _Atomic(struct vcow_version *) head;
    char pad_head[CELL_PAD];

    enum vcow_kind kind;
    struct vcow_cell_opts opts;

    /*
     * Versions not yet reclaimed, seq in [tail_seq, tail_seq + cap), slot
     * seq & (cap - 1), NULL until its committer has appended it. Written
     * under lock; tail_seq and cap are atomics only so a committer can check
     * for room without the lock (both only grow).
     */
    pthread_mutex_t lock;
    struct vcow_version **ring;
    _Atomic uint64_t cap;
    _Atomic uint64_t tail_seq;
    uint64_t ret_seq;    /* oldest version history retains (under lock) */
    uint64_t hist_bytes; /* retired bytes of versions in (ret_seq, head] (under lock) */
    bool closing;

    /*
     * Statistics. The commit path already holds the lock, so what it counts
     * is plain fields under the lock: no atomic read-modify-write on the
     * writer's path. Counts made elsewhere (the reclaimer, aborts) go to the
     * striped atomics. relaxed everywhere: counters only.
     */
    int64_t nodes_locked[VCOW_KIND_COUNT]; /* under lock */
    int64_t bytes_locked[VCOW_KIND_COUNT]; /* under lock */
    struct vcow_striped count;             /* outside the lock */
    uint64_t commits;                      /* under lock */
    /* Bytes ever made garbage-to-be: retired nodes, retire-list chunks and
     * replaced version objects (under lock). held_bytes is this minus
     * freed_total. */
    uint64_t retired_total;
    _Atomic uint64_t pending_peak;
    _Atomic uint64_t freed_total;   /* of retired_total, freed (reclaimer) */
    _Atomic uint64_t pending_bytes; /* added under lock, freed by reclaimer */
    _Atomic uint64_t conflicts, helped;
    /* The latest t an as-of query answered (runtime/stamp.c (c)). */
    _Atomic int64_t asof_floor;
    /* 1 while open + 1 per version handed to the reclaimer: the cell is
     * freed when the last callback that touches it is done. */
    _Atomic uint64_t refs;
};

enum txn_state { TXN_OPEN = 1, TXN_DONE = 2, TXN_FAILED = 3 };

/* How deep vcow_txn_enter nests (vcow/hamt.h: vcow_hamt_enter). */
#define VCOW_TXN_NEST_MAX 8

struct vcow_txn {
    struct vcow_cell *cell;
    struct vcow_version *base; /* pinned */
    struct vcow_version *ver;  /* the version being built; holds the retire list */
    /* The structure the txn edits now: the version's, or an entered nested
     * one whose root leave() stores back through the saved slot. */
    struct vcow_node *root;
    enum vcow_kind kind;
    int depth;
    struct {
        struct vcow_node **slot; /* in a node this txn owns */
        struct vcow_node *root;  /* the enclosing structure's root */
        enum vcow_kind kind;
    } nest[VCOW_TXN_NEST_MAX];
    uint64_t id; /* owner stamp of the nodes this txn creates */
    struct vcow_tally tally;
    int state;
    bool heap; /* allocated by vcow_txn_begin (not vcow_cell_update's stack) */
};

/* runtime/cell.c */
bool vcow_version_tryget(struct vcow_version *v);
int vcow_txn_start(struct vcow_cell *cell, struct vcow_txn *t);
void vcow_txn_discard(struct vcow_txn *t);
int vcow_txn_commit_internal(struct vcow_txn *t, uint64_t *seq);
void vcow_cell_flush_tally(struct vcow_cell *cell, struct vcow_tally *t);
void vcow_cell_flush_tally_locked(struct vcow_cell *cell, struct vcow_tally *t);

/* runtime/stamp.c */
int64_t vcow_now_ns(void);
/* v's commit time, stamping it (and unstamped predecessors) if needed. v
 * must be pinned or read inside a read section. */
int64_t vcow_version_stamp(struct vcow_version *v);
/* The committer stamps its version right after the publishing CAS. */
void vcow_version_stamp_published(struct vcow_version *v);
/* An as-of query for t_ns starts: raise the floor. Returns the t that the
 * floor now covers. Call before loading the head. */
int64_t vcow_cell_asof_enter(struct vcow_cell *c, int64_t t_ns);

/* runtime/reclaim.c (called with cell->lock held unless stated) */
/* Drop counts of v's liveness; stops loudly (naming call) if that takes it
 * below zero: a version released more often than it was pinned. */
void vcow_version_release(struct vcow_version *v, uint64_t counts, const char *call);
void vcow_cell_scan(struct vcow_cell *cell, struct vcow_version **freeq);
void vcow_history_trim(struct vcow_cell *cell, uint64_t keep_from, struct vcow_version **freeq);
void vcow_history_policy(struct vcow_cell *cell);
/* Without the lock: hand the queued versions to the reclaimer or free them
 * (reclaim.c (g)). own: the queued version that carries the calling
 * committer's own retire list (NULL if none, or not a commit). */
void vcow_reclaim_dispatch(struct vcow_cell *cell, struct vcow_version *freeq,
                           struct vcow_version *own);
/* Free the cell object itself once the last reference goes. */
void vcow_cell_unref(struct vcow_cell *cell);

#endif
