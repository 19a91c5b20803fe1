/*
 * structures/tree/tree_cursor.c - the public cursor (vcow/tree.h): a pinned
 * version, a window of ranks [lo, hi) (the whole tree, or the keys with a
 * prefix) and a root-to-entry path (struct bt_cursor) at rank pos. Seeks
 * cost O(log n), steps amortized O(1). The pin keeps every node of the
 * version alive, so the cursor and what it hands out outlive read sections.
 */
#include <stdlib.h>

#include "tree_int.h"

struct vcow_tree_cursor {
    vcow_version *pin;        /* the cursor's own pin of the version */
    const struct tnode *root; /* NULL: the tree is empty */
    uint64_t lo, hi;          /* the window of ranks */
    uint64_t pos;             /* the entry's rank; == hi: unpositioned */
    struct bt_cursor path;    /* valid while positioned */
};

int vcow_tree_cursor_open(const vcow_version *v, vcow_tree_cursor **out)
{
    if (out == NULL || bt_vcheck(v) != VCOW_OK)
        return VCOW_EINVAL;
    struct vcow_tree_cursor *c = malloc(sizeof(*c));
    if (c == NULL)
        return VCOW_ENOMEM;
    int rc = vcow_version_pin(v, &c->pin);
    if (rc != VCOW_OK) {
        free(c);
        return rc;
    }
    c->root = bt_vroot(c->pin);
    c->lo = 0;
    c->hi = c->root != NULL ? c->root->total : 0;
    c->pos = c->hi;
    *out = c;
    return VCOW_OK;
}

void vcow_tree_cursor_close(vcow_tree_cursor *c)
{
    if (c == NULL)
        return;
    vcow_version_unpin(c->pin);
    free(c);
}

/* Position on rank r, or unposition when r is outside the window. */
static int go(struct vcow_tree_cursor *c, uint64_t r)
{
    if (r < c->lo || r >= c->hi) {
        c->pos = c->hi;
        return VCOW_ENOENT;
    }
    c->pos = r;
    vcow__bt_cur_select(&c->path, c->root, r);
    return VCOW_OK;
}

int vcow_tree_cursor_first(vcow_tree_cursor *c)
{
    return c == NULL ? VCOW_EINVAL : go(c, c->lo);
}

int vcow_tree_cursor_last(vcow_tree_cursor *c)
{
    return c == NULL ? VCOW_EINVAL : go(c, c->hi == c->lo ? c->hi : c->hi - 1);
}

int vcow_tree_cursor_seekn(vcow_tree_cursor *c, const void *key, size_t klen)
{
    if (c == NULL || vcow__bt_check_key(key, klen) != VCOW_OK)
        return VCOW_EINVAL;
    struct kord ord = bt_vord(c->pin);
    uint64_t r = vcow__bt_root_rank(&ord, c->root, key, klen, false);
    return go(c, r < c->lo ? c->lo : r);
}

int vcow_tree_cursor_seek(vcow_tree_cursor *c, const char *key)
{
    return key == NULL ? VCOW_EINVAL : vcow_tree_cursor_seekn(c, key, strlen(key));
}

int vcow_tree_cursor_next(vcow_tree_cursor *c)
{
    if (c == NULL)
        return VCOW_EINVAL;
    if (c->pos == c->hi)
        return go(c, c->lo);
    if (c->pos + 1 == c->hi)
        return go(c, c->hi);
    c->pos++;
    vcow__bt_cur_next(&c->path);
    return VCOW_OK;
}

int vcow_tree_cursor_prev(vcow_tree_cursor *c)
{
    if (c == NULL)
        return VCOW_EINVAL;
    if (c->pos == c->hi)
        return vcow_tree_cursor_last(c);
    if (c->pos == c->lo)
        return go(c, c->hi);
    c->pos--;
    vcow__bt_cur_prev(&c->path);
    return VCOW_OK;
}

int vcow_tree_cursor_get(const vcow_tree_cursor *c, vcow_slice *key, vcow_val *val)
{
    if (c == NULL)
        return VCOW_EINVAL;
    if (c->pos == c->hi)
        return VCOW_ENOENT;
    vcow__bt_put_kv(c->path.node[c->path.depth], c->path.idx[c->path.depth], key, val);
    return VCOW_OK;
}

/*
 * The keys that start with p are, in memcmp order, the range [p, succ(p)),
 * succ(p) being p with its last byte below 0xFF incremented and what follows
 * dropped (no upper bound when every byte is 0xFF). Under a comparator they
 * need not be contiguous: VCOW_EINVAL.
 */
int vcow_tree_cursor_prefix(vcow_tree_cursor *c, const void *prefix, size_t plen)
{
    if (c == NULL || vcow__bt_check_key(prefix, plen) != VCOW_OK)
        return VCOW_EINVAL;
    struct kord ord = bt_vord(c->pin);
    if (ord.fn != NULL)
        return VCOW_EINVAL;
    uint64_t total = c->root != NULL ? c->root->total : 0;
    c->lo = plen == 0 ? 0 : vcow__bt_root_rank(&ord, c->root, prefix, plen, false);
    c->hi = total;
    const unsigned char *p = prefix;
    size_t n = plen;
    while (n > 0 && p[n - 1] == 0xFF)
        n--;
    if (n > 0) {
        unsigned char succ[VCOW_TREE_MAX_KEY];
        memcpy(succ, p, n);
        succ[n - 1]++;
        c->hi = vcow__bt_root_rank(&ord, c->root, succ, n, false);
    }
    if (c->hi < c->lo)
        c->hi = c->lo;
    c->pos = c->hi;
    return VCOW_OK;
}
