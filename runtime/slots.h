/*
 * runtime/slots.h - per-thread pin slots: pins of the head that write no
 * line another thread writes.
 *
 * A count in the version (struct vcow_version.live) makes every thread
 * that pins the head, and every txn that begins on it, write one cache
 * line. So pins of the head (vcow_cell_pin_head, a txn's base) go to a
 * slot of the calling thread instead, as LMDB's reader table does: the
 * pin stores the version in the slot (a hazard), then checks that it is
 * still the head. The maintenance claimer reads every thread's slots
 * before it reclaims a version whose count fell to zero
 * (runtime/reclaim.c (k)). A slot pin hands out a face of its own (struct
 * vcow_view_face, view = VCOW_FACE_SLOT) that names the slot, so any
 * thread can unpin it.
 *
 * A thread owns one block of VCOW_SLOTS slots until it exits; a thread
 * that needs more pins at once, or whose block could not be allocated,
 * pins with the count as before. Blocks are never freed (a pin may outlive
 * its thread): a new thread adopts the block of one that exited.
 */
#ifndef VCOW_RUNTIME_SLOTS_H
#define VCOW_RUNTIME_SLOTS_H

#include <stdbool.h>
#include <stdint.h>

struct vcow_cell;
struct vcow_version;
struct vcow_view_face;

enum { VCOW_SLOTS = 8 };

/*
 * Pin c's head in a slot of the calling thread; NULL if it has no free
 * slot (then pin with the count). In a read section. The face returned is
 * the pin.
 */
struct vcow_view_face *vcow_slot_pin_head(struct vcow_cell *c);

/* Release a slot pin. Stops loudly if the slot does not hold the face's
 * version (an unpin too many). */
void vcow_slot_release(struct vcow_view_face *f);

/*
 * The claimer's look at every slot: which of cand[0..n) (versions of one
 * cell, oldest first) the first held is, n if none. The caller must have
 * made a seq_cst fence after it saw each candidate's count at zero
 * (reclaim.c (k)). In a read section.
 */
uint32_t vcow_slots_first_held(struct vcow_version *const *cand, uint32_t n);

/* Whether a slot of any thread holds v (close's check that nothing is
 * pinned). In a read section. */
bool vcow_slots_hold(const struct vcow_version *v);

#endif
