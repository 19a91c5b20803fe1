/*
 * runtime/keywatch.h - key and prefix watches (vcow/watch.h): the object
 * and the generic wait-diff-move loop (runtime/keywatch.c), which a kind
 * fills with its restricted diff (structures/map/hamt_watch.c,
 * structures/tree/tree_watch.c). Plain data: structures may include it.
 */
#ifndef VCOW_RUNTIME_KEYWATCH_H
#define VCOW_RUNTIME_KEYWATCH_H

#include <stddef.h>

#include <vcow/watch.h>

struct vcow_watch;

/* The kind's diff of a and b (both pinned versions of the watch's cell),
 * restricted to what w watches. */
typedef int vcow__watch_diff_fn(const struct vcow_watch *w, const vcow_version *a,
                                const vcow_version *b, vcow_diff_fn *fn, void *ctx);

struct vcow_watch {
    vcow_cell *cell;
    vcow_version *pin; /* a counted pin of the version the watch is on */
    vcow__watch_diff_fn *diff;
    unsigned flags;  /* the kind's (VCOW_WATCH_EXACT) */
    const char *key; /* the path / prefix, NUL-terminated copy in buf */
    size_t klen;
    const char *hi; /* an upper bound the kind computed (tree), or NULL */
    size_t hlen;
    size_t size; /* of the allocation */
    char buf[];
};

/*
 * Make a watch on cell (kind checked by the caller) starting at from (NULL:
 * the head): copies key (klen bytes) and hi (hlen bytes, if not NULL).
 * VCOW_EINVAL (from is no version of cell), VCOW_ENOENT (from died),
 * VCOW_ENOMEM.
 */
int vcow__watch_open(vcow_cell *cell, vcow__watch_diff_fn *diff, const void *key, size_t klen,
                     const void *hi, size_t hlen, unsigned flags, const vcow_version *from,
                     struct vcow_watch **out);

#endif
