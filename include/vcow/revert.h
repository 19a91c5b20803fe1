/**
 * @file vcow/revert.h
 * revert: make an old version's content the head again, as a new commit.
 *
 * @code
 *   uint64_t seq;
 *   vcow_cell_revert(cell, 42, &seq);   // version seq holds what 42 held
 * @endcode
 *
 * A revert never re-publishes the old version's root: nodes that commits
 * since then retired may already be on their way to the reclaimer, and a
 * head that reached them again would break the reclamation invariant
 * (runtime/reclaim.c). It applies the diff from the head to the old version
 * instead, with the kinds' ordinary writes, in a txn: O(what differs), not
 * O(size). Values are copied (bytes into new nodes); nested maps, arrays,
 * trees and ropes are reverted into, key by key and edit by edit, or built
 * anew where the head holds none at the key: the new head links no node of
 * the old version that the head it replaces does not reach (subtrees the
 * two share stay). Kinds: box, map (nested structures included), tree,
 * rope (text made equal with edits from vcow_rope_diff; the same text,
 * not the same chunking).
 *
 * Metadata is not data: the revert commit has its own time and no tag
 * unless the txn sets one (vcow_txn_set_tag, with vcow_txn_revert_to).
 */
#ifndef VCOW_REVERT_H
#define VCOW_REVERT_H

#include <vcow/cell.h>

VCOW_BEGIN_DECLS

/**
 * Commit, as a new version, the content of version seq of cell. The old
 * version must still live: retained by history (vcow_cell_opts.history,
 * not trimmed) or pinned by someone. Runs through vcow_cell_update: when
 * another commit wins the race, the diff is taken again against the new
 * head, so the result is seq's content whatever came between. Reverting to
 * the head's own content commits a version that changes nothing (a new
 * seq). *new_seq (if not NULL) receives the new version's seq.
 *
 * Errors: VCOW_EINVAL (NULL cell), VCOW_ENOENT (no version seq lives: never
 * committed, trimmed, or history off), VCOW_ENOMEM (nothing committed).
 * Outside or inside read sections (a commit inside one skips
 * backpressure, vcow/cell.h).
 */
VCOW_API int vcow_cell_revert(vcow_cell *cell, uint64_t seq, uint64_t *new_seq);

/**
 * The same inside a txn, to compose with other writes: make the txn's
 * structure hold what version `to` holds, then go on writing. `to` is a
 * version of the txn's cell (not a view, not a txn view) that the caller
 * pins or reads in a read section. It must be the txn's first write (the
 * diff is taken from the txn's base; VCOW_ESTATE, the txn unchanged, when
 * the txn has written already or is inside a nested structure).
 *
 * Errors: VCOW_EINVAL (NULL, `to` of another cell, a view), VCOW_ESTATE
 * (as above, or a finished txn), both with the txn unchanged. An error
 * while the diff is applied (VCOW_ENOMEM) may leave part of the change in
 * the txn, so the txn is aborted then (as LMDB does with a txn that failed
 * halfway): free it and begin again.
 */
VCOW_API int vcow_txn_revert_to(vcow_txn *txn, const vcow_version *to);

VCOW_END_DECLS

#endif
