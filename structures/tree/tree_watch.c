/*
 * structures/tree/tree_watch.c - prefix and key watches on tree cells
 * (vcow_tree_watch_open, vcow/watch.h): the tree's restricted diff for the
 * watch loop of runtime/keywatch.c.
 *
 * In memcmp order the keys that start with a prefix p are one range,
 * [p, succ(p)), where succ(p) is p with its trailing 0xff bytes dropped and
 * its last byte then incremented (no upper bound when p is all 0xff or
 * empty): every key with prefix p is >= p and < succ(p), and every key in
 * between starts with p. The diff walks that range only
 * (tree_diff_range.c). An exact watch is the range [key, key]: a key is
 * one point under any order, so it works under a cell comparator too; a
 * prefix does not (keys with one prefix need not be adjacent there).
 */
#include "runtime/keywatch.h"
#include "tree_int.h"

static int tree_watch_diff(const struct vcow_watch *w, const vcow_version *a, const vcow_version *b,
                           vcow_diff_fn *fn, void *ctx)
{
    struct kord ord = bt_vord(a);
    unsigned flags = 0;
    if (w->flags & VCOW_WATCH_EXACT)
        flags = VCOW_TREE_HI_INCL;
    else if (w->klen == 0)
        flags = VCOW_TREE_NO_LO | VCOW_TREE_NO_HI;
    else if (w->hi == NULL)
        flags = VCOW_TREE_NO_HI;
    const char *hi = w->flags & VCOW_WATCH_EXACT ? w->key : w->hi;
    size_t hlen = w->flags & VCOW_WATCH_EXACT ? w->klen : w->hlen;
    return vcow__bt_diff_range(&ord, bt_vroot(a), bt_vroot(b), w->key, w->klen, hi, hlen, flags, fn,
                               ctx);
}

int vcow_tree_watch_open(vcow_cell *cell, const void *prefix, size_t plen, unsigned flags,
                         const vcow_version *from, vcow_watch **out)
{
    if (cell == NULL || out == NULL || vcow_cell_kind(cell) != VCOW_KIND_TREE ||
        (flags & ~(unsigned)VCOW_WATCH_EXACT) || vcow__bt_check_key(prefix, plen) != VCOW_OK)
        return VCOW_EINVAL;
    /* The prefix's successor: drop trailing 0xff, increment the last byte. */
    uint8_t hi[VCOW_TREE_MAX_KEY];
    size_t hlen = plen;
    if (plen > 0)
        memcpy(hi, prefix, plen);
    while (hlen > 0 && hi[hlen - 1] == 0xff)
        hlen--;
    if (hlen > 0)
        hi[hlen - 1]++;
    bool has_hi = !(flags & VCOW_WATCH_EXACT) && hlen > 0;
    struct vcow_watch *w;
    int rc = vcow__watch_open(cell, tree_watch_diff, prefix, plen, has_hi ? hi : NULL, hlen, flags,
                              from, &w);
    if (rc != VCOW_OK)
        return rc;
    if (bt_vord(w->pin).fn != NULL && !(flags & VCOW_WATCH_EXACT) && plen > 0) {
        vcow_watch_close(w); /* a prefix is no range under a comparator */
        return VCOW_EINVAL;
    }
    *out = w;
    return VCOW_OK;
}
