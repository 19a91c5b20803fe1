/*
 * gc/gc_int.h - the internal interface of the reclamation layer.
 *
 * Everything above gc/ (the runtime) uses only this header and the public
 * vcow/gc.h. One backend implements it, chosen at build time:
 * gc/backend_urcu.c (compiled once per liburcu flavor) or gc/backend_ck.c.
 * gc/thread.c holds what all backends share: per-thread registration, the
 * counters and the ThreadSanitizer annotations.
 *
 * A deferred callback runs on a backend thread after a grace period. It may
 * free memory and touch counters; it must not take a read section, wait for
 * a grace period or call vcow_gc_barrier (urcu's call_rcu thread is
 * registered by liburcu itself, and waiting there would deadlock).
 */
#ifndef VCOW_GC_INTERNAL_H
#define VCOW_GC_INTERNAL_H

#include <vcow/gc.h>

VCOW_BEGIN_DECLS

typedef struct vcow_gc_head vcow_gc_head;
typedef void vcow_gc_fn(vcow_gc_head *head);

/*
 * Embedded in whatever is deferred. backend[] is the backend's own link
 * (urcu's struct rcu_head, or the ck backend's queue link); the backends
 * check at compile time that it fits.
 */
struct vcow_gc_head {
    void *backend[2];
    vcow_gc_fn *fn;
};

/*
 * Run fn(head) once a grace period has passed, on a backend thread.
 * May be called inside or outside a read section, from any thread.
 * Implies a release: everything the caller wrote before is visible to fn.
 */
void vcow_gc_defer(vcow_gc_head *head, vcow_gc_fn *fn);

/*
 * Wait for one grace period in the calling thread. On return every read
 * section that was running when the call began has ended, and (for
 * ThreadSanitizer) the caller happens-after all of them.
 * Returns VCOW_ESTATE inside a read section (it would deadlock).
 */
int vcow_gc_synchronize(void);

VCOW_END_DECLS

#endif
