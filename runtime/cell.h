/*
 * runtime/cell.h - the cell, version and txn objects (internal).
 * The argument for why reclamation is safe is at the top of runtime/reclaim.c.
 */
#ifndef VCOW_RUNTIME_CELL_H
#define VCOW_RUNTIME_CELL_H

#include <stdatomic.h>

#include "base/compiler.h"
#include "base/panic.h"
#include "counter.h"
#include "gc/gc_int.h"
#include "retire.h"
#include "vindex.h"
#include <vcow/cell.h>

/*
 * What the reads of a structure see of a version: its root and kind. It
 * comes first in struct vcow_version; a view (vcow_view: a nested
 * structure read like a version) and a slot pin of the head
 * (runtime/slots.h) are faces followed by the version they look into
 * (struct vcow_view_face). vcow_face_real finds the version either way
 * (seq, time, cell and pins are its).
 */
struct vcow_batch;

struct vcow_face {
    struct vcow_node *root;
    uint8_t kind; /* enum vcow_kind */
    uint8_t view; /* enum vcow_face_type */
    /* Versions only: history holds a count. Set before publication;
     * cleared once, by the maintenance claimer or close, just before it
     * drops that count. */
    _Atomic uint8_t retained;
    /* VCOW_FACE_SLOT: which slot of its block (runtime/slots.h).
     * VCOW_FACE_VIEW: 1 if made from a slot pin (vcow_version_pin may
     * then revive the version: reclaim.c (k)). */
    uint8_t slot;
    /* Versions only: 1 when the allocation ends with a struct vcow_vmeta
     * (a commit time the committer chose, a tag). */
    uint8_t has_meta;
    /* VCOW_FACE_VIEW only: 1 if the view is of a VCOW_T_ARRAY value (a map
     * keyed "0".."n-1": the map reads then treat its root as an array). */
    uint8_t array;
    uint8_t pad_[2];
};

enum vcow_face_type {
    VCOW_FACE_VERSION = 0, /* struct vcow_version */
    VCOW_FACE_VIEW = 1,    /* vcow_view_of: a nested structure */
    VCOW_FACE_SLOT = 2,    /* a pin of the head in a thread's slot */
    VCOW_FACE_TXN = 3,     /* vcow_txn_view: the txn's current state */
};

struct vcow_view_face {
    struct vcow_face face;
    struct vcow_version *real;
};

/*
 * A version: 64 bytes, and the retire list its txn recorded in the same
 * allocation's tail (struct vcow_rlist, 16 bytes + 8 per entry; none when
 * the commit retired nothing). Everything the reclaimer needs once the
 * version is dead lives in its batch (reclaim.c), not here: readers that
 * loaded the version just before it died may still read any field below,
 * so none is reused.
 */
struct vcow_version {
    struct vcow_face face; /* first: a view starts with one too */
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
     * is unstamped or not yet indexed, which keeps the predecessor alive
     * (stamp.c (e), reclaim.c (i)). */
    struct vcow_version *prev;
    struct vcow_cell *cell;
    /* What prev reaches and this version does not, in this object's tail
     * (NULL: nothing). Immutable once published; read by the maintenance
     * claimer only, when prev is reclaimed. */
    struct vcow_rlist *rl;
};
_Static_assert(sizeof(struct vcow_version) == 64, "a version object is 64 bytes");

static inline struct vcow_version *vcow_face_real(const struct vcow_face *f)
{
    if (f->view)
        return ((const struct vcow_view_face *)(const void *)f)->real;
    return (struct vcow_version *)(uintptr_t)f;
}

/* Whether f is a slot pin or a view made from one: its holder pins the
 * version with a slot, so vcow_version_pin may revive a zero count
 * (reclaim.c (k)). */
static inline bool vcow_face_slot_backed(const struct vcow_face *f)
{
    return f->view == VCOW_FACE_SLOT || (f->view == VCOW_FACE_VIEW && f->slot);
}

/*
 * Commit metadata (vcow_txn_set_time, vcow_txn_set_tag), after the retire
 * list in the version's allocation, only in versions whose commit set some:
 * a version without costs nothing more. Immutable once published.
 */
struct vcow_vmeta {
    int64_t want_ns;  /* the commit time asked for, or VCOW_TIME_UNSET */
    uint16_t tag_len; /* 0 .. VCOW_TAG_MAX */
    unsigned char tag[];
};

static inline uint64_t vcow_version_rl_size(const struct vcow_version *v)
{
    return v->rl == NULL ? 0 : sizeof(struct vcow_rlist) + v->rl->n * sizeof(uintptr_t);
}

/* v's metadata, NULL when its commit set none. */
static inline const struct vcow_vmeta *vcow_version_meta(const struct vcow_version *v)
{
    if (!v->face.has_meta)
        return NULL;
    return (const struct vcow_vmeta *)(const void *)((const char *)(v + 1) +
                                                     vcow_version_rl_size(v));
}

/* The size of v's allocation: the object, its list and its metadata. */
static inline uint64_t vcow_version_alloc_size(const struct vcow_version *v)
{
    const struct vcow_vmeta *m = vcow_version_meta(v);
    return sizeof(*v) + vcow_version_rl_size(v) + (m != NULL ? sizeof(*m) + m->tag_len : 0);
}

/* Bytes of the nodes v's commit retired (subtrees: root only). */
static inline uint64_t vcow_version_retired_bytes(const struct vcow_version *v)
{
    return v->rl != NULL ? v->rl->bytes : 0;
}

/* What the commit of v made garbage-to-be: its retired nodes, its list's
 * chunks, and base's object (base is v's predecessor, no longer the head).
 * Counted into retired_total at commit, taken back when freed. */
static inline uint64_t vcow_commit_held(const struct vcow_version *base,
                                        const struct vcow_version *v)
{
    uint64_t h = vcow_version_alloc_size(base);
    if (v->rl != NULL)
        h += v->rl->bytes + (uint64_t)v->rl->chunks * sizeof(struct vcow_retire_chunk);
    return h;
}

#define VCOW_TIME_UNSET INT64_MIN

enum { CELL_PAD = 64 };

/*
 * The cell. Nothing in it is behind a lock (runtime/reclaim.c, "Progress"):
 * committers CAS the head and write their own index slot; one maintenance
 * claimer at a time (maint) trims history, finds dead versions at the tail
 * and prunes the index; everyone else only reads or adds to counters.
 */
struct vcow_cell {
    /* The head: the only word readers load. The padding keeps the fields
     * writers change off its cache line (heap objects are only 16-byte
     * aligned, so padding rather than _Alignas). */
    _Atomic(struct vcow_version *) head;
    /* The seq + 1 of the version where the claimer's last scan stopped
     * because a slot held it (reclaim.c (k)): whoever releases that slot
     * asks for maintenance. On the head's line: unpins read both. */
    _Atomic uint64_t stuck;
    /* Who waits for the next commit (runtime/watch.c): threads in
     * vcow_cell_wait (VCOW_WATCH_WAITERS) and the eventfd's armed bit
     * (VCOW_WATCH_FD). Every commit loads it after its CAS: on the head's
     * line, which that CAS has just written. */
    _Atomic uint32_t watch;
    /* The futex word of vcow_cell_wait: committers that see waiters
     * increment it and wake them. */
    _Atomic uint32_t gen;
    char pad_head[CELL_PAD];

    /* Read by every call, written only at open (and the index root when
     * it grows, rarely). */
    enum vcow_kind kind;
    struct vcow_cell_opts opts;
    struct vcow_vindex index; /* seq -> version, for seq in [tail_seq, head] */
    _Atomic bool closing;
    char pad_ro[CELL_PAD];

    /*
     * Written by committers and the maintenance claimer. Committers add
     * retired_total (bytes ever made garbage-to-be: retired nodes,
     * retire-list chunks, replaced version objects) and hist_bytes (retired
     * bytes of versions in (ret_seq, head]) before their CAS, taking them
     * back if it fails; the claimer writes the rest and subtracts from
     * hist_bytes as it trims.
     */
    _Atomic uint32_t maint;    /* the maintenance claim (reclaim.c) */
    _Atomic uint64_t tail_seq; /* oldest version not yet reclaimed */
    _Atomic uint64_t ret_seq;  /* oldest version history retains */
    _Atomic uint64_t trim_to;  /* vcow_cell_trim's request (only grows) */
    _Atomic int64_t hist_bytes;
    _Atomic uint64_t retired_total;
    /* pending_bytes = handed - pending_freed, kept apart so that neither
     * side writes a line the other writes (reclaim.c (g)). */
    _Atomic uint64_t handed;     /* bytes handed to the reclaimer (claimer) */
    _Atomic uint64_t backlogged; /* bytes put on the backlog (claimer) */
    uint64_t freed_seen;         /* the claimer's last read of pending_freed */
    _Atomic uint64_t pending_peak;
    /* The batch the claimer fills (reclaim.c (h)): taken by the claimer
     * for a pass, or by the drain of a quiet cell. */
    _Atomic(struct vcow_batch *) open;
    /* The backlog: batches over the pending bound, freed by committers
     * (backpressure) or handed to the reclaimer (reclaim.c (g)). */
    _Atomic(struct vcow_batch *) help;
    char pad_claim[CELL_PAD];

    /* Written by whoever frees (the reclaimer, helping committers). */
    _Atomic uint64_t freed_total;   /* of retired_total, freed */
    _Atomic uint64_t pending_freed; /* of handed, freed */
    _Atomic uint64_t backlog_freed; /* of backlogged, freed */
    char pad_free[CELL_PAD];

    /* Node counts by kind: striped, so no shared line per commit. */
    struct vcow_striped count;
    /* Rarely written. */
    _Atomic uint64_t conflicts, helped; /* relaxed counters */
    _Atomic bool drain_pending;
    vcow_gc_head drain_gc;
    uint64_t drain_mark; /* retired_total when the drain was deferred */
    /* vcow_cell_watch_fd's eventfd, -1 until made (runtime/watch.c (d)). */
    _Atomic int watch_fd;
    /* The latest t an as-of query answered (runtime/stamp.c (c)). */
    _Atomic int64_t asof_floor;
    /* 1 while open + 1 per batch (+ 1 while a drain is pending): the cell is freed when the last
     * callback that touches it is done. */
    _Atomic uint64_t refs;
};

/* struct vcow_cell's watch word. */
#define VCOW_WATCH_FD      0x80000000u /* the next commit writes the eventfd */
#define VCOW_WATCH_WAITERS 0x7fffffffu /* threads in vcow_cell_wait */

enum txn_state { TXN_OPEN = 1, TXN_DONE = 2 };

/* How deep vcow_txn_enter nests (vcow/map.h: vcow_map_enter). */
#define VCOW_TXN_NEST_MAX 8

struct vcow_txn {
    struct vcow_cell *cell;
    struct vcow_version *base; /* pinned by pin */
    vcow_version *pin;         /* a slot face, or base itself (count pin) */
    /* What the txn retires; sealed into its version's object at commit,
     * which is allocated then, at its exact size. */
    struct vcow_retire retired;
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
    /* What vcow_txn_view returns: a face whose root and kind are read
     * from the txn itself (vcow_version_root), real = base. */
    struct vcow_view_face view;
    uint64_t id; /* owner stamp of the nodes this txn creates */
    /* Commit metadata, copied into the version at commit (struct
     * vcow_vmeta) when either is set. */
    int64_t want_ns; /* VCOW_TIME_UNSET: stamp with the clock */
    uint16_t tag_len;
    unsigned char tag[VCOW_TAG_MAX];
    struct vcow_tally tally;
    int state;
    bool heap; /* allocated by vcow_txn_begin (not vcow_cell_update's stack) */
    /* Conditions and rebasing (runtime/cond.c, runtime/rebase.c). */
    bool rebase; /* vcow_txn_set_rebase: a lost CAS tries a rebase */
    bool viewed; /* read through vcow_txn_view at least once */
    /* A read through the view that names no single key (iteration, len,
     * paths, diff, a nested structure): with rebase, any change by another
     * commit conflicts. */
    bool read_all;
    /* The first keys read (vcow_hash, 0 stored as 1), before the set in
     * cond: a txn that reads a few keys allocates nothing for them. */
    uint8_t n_read_inline;
    uint64_t read_inline[4];
    /* Conditions, the read set: NULL until the txn has one (no cost else). */
    struct vcow_txn_cond *cond;
};

/* runtime/cell.c */
bool vcow_version_tryget(struct vcow_version *v);
void vcow_cell_flush_tally(struct vcow_cell *cell, struct vcow_tally *t);

/* runtime/txn.c */
int vcow_txn_start(struct vcow_cell *cell, struct vcow_txn *t);
void vcow_txn_discard(struct vcow_txn *t);
int vcow_txn_commit_internal(struct vcow_txn *t, uint64_t *seq);

/* runtime/watch.c */
/* A commit found w (its load of c->watch after the CAS) not zero: write
 * the armed eventfd, wake the waiters. */
void vcow__watch_notify(struct vcow_cell *c, uint32_t w);
/* vcow_cell_close: close the eventfd. */
void vcow__watch_close(struct vcow_cell *c);

/* runtime/stamp.c */
int64_t vcow_now_ns(void);
/* v's commit time, stamping it (and unstamped predecessors) if needed. v
 * must be pinned or read inside a read section. */
int64_t vcow_version_stamp(struct vcow_version *v);
/* The committer stamps its version right after the publishing CAS. */
void vcow_version_stamp_published(struct vcow_version *v);
/* May a commit on base ask for time t_ns (vcow_txn_set_time)? Not before
 * base's time, and after every time an as-of query has answered. */
bool vcow_stamp_allowed(struct vcow_version *base, int64_t t_ns);
/* An as-of query for t_ns starts: raise the floor. Returns the t that the
 * floor now covers. Call before loading the head. */
int64_t vcow_cell_asof_enter(struct vcow_cell *c, int64_t t_ns);

/* runtime/vindex.c: the version of seq, NULL if it is below the tail or not
 * published; writes the slots of committers that have not yet (helping).
 * In a read section. */
struct vcow_version *vcow_cell_find(struct vcow_cell *c, uint64_t seq);

/* runtime/reclaim.c */
/* Drop counts of v's liveness; returns what is left (0: v died). Stops
 * loudly (naming call) if that takes it below zero: a version released
 * more often than it was pinned. */
uint64_t vcow_version_release(struct vcow_version *v, uint64_t counts, const char *call);
/*
 * Ask for maintenance (history trims, finding dead versions, handing them
 * to the reclaimer) and run it unless another thread is running it, which
 * then runs it again for us. Never waits. Outside or inside a read section.
 */
void vcow_cell_maintain(struct vcow_cell *c);
/*
 * Backpressure, for committers after maintain: while the cell's garbage
 * (pending + backlog) is over max_pending_bytes, wait for a grace period
 * and free part of the backlog (at least own_nodes nodes' worth, if there
 * is that much). No-op inside a read section.
 */
void vcow_cell_backpressure(struct vcow_cell *c, uint64_t own_nodes);
/* runtime/history.c: apply vcow_cell_trim's request and the cell's
 * history policy. Maintenance claimer, in a read section. */
void vcow_history_apply(struct vcow_cell *c);
/* vcow_cell_close: run the last maintenance (waits for a running one). */
void vcow_cell_maintain_last(struct vcow_cell *c);
/* vcow_cell_close, after the last maintenance: free what allocation
 * failures left behind, up to the last head, head_seq (waits for grace
 * periods). */
void vcow_cell_close_rest(struct vcow_cell *c, uint64_t head_seq);
/* Free the cell object itself once the last reference goes. */
void vcow_cell_unref(struct vcow_cell *cell);

#endif
