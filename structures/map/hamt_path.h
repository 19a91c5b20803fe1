/*
 * structures/map/hamt_path.h - paths and arrays, shared by the map's path,
 * nested-read, array, deep-diff, read and check files.
 *
 * Paths. A path is '.'-separated keys; a backslash takes the next character
 * as it is ("a\.b" is the one key "a.b", "\\" a backslash), so every key
 * but the empty one (and keys holding a NUL: paths are C strings) can be
 * named. Parsing decodes the segments once, up front: the write calls need
 * every key of the path at hand (a missing tail becomes a fresh chain of
 * maps), and the reads then compare plain bytes. A path without a
 * backslash is not copied; one with escapes is decoded into a buffer on
 * the stack (PATH_SMALL bytes) or, longer, one allocation.
 *
 * Arrays. A VCOW_T_ARRAY value is a nested map whose keys are exactly the
 * canonical decimal indices "0".."n-1" ("0", or a non-zero digit then
 * digits: no sign, no leading zero), so an array shares the map's nodes,
 * walk, equality and diff, and its length is the map's count. A path
 * segment on an array must be an index or "-" (the index n, past the end:
 * where a set appends); anything else is VCOW_EINVAL. An array holds fewer
 * than ARRAY_MAX elements, so every index is an inline key (<= 15 digits):
 * the shifting delete (hamt_array.c) relies on it.
 */
#ifndef VCOW_HAMT_PATH_H
#define VCOW_HAMT_PATH_H

#include "hamt_node.h"

#define PATH_MAX_DEPTH 64
#define PATH_SMALL     512

/* A segment's key: its bytes, unescaped (into the path or its buffer). */
struct seg {
    const char *p;
    size_t len;
};

struct hpath {
    struct seg s[PATH_MAX_DEPTH];
    unsigned n;
    char *heap; /* the decoded keys when they do not fit in small */
    size_t heap_size;
    char small[PATH_SMALL];
};

/* Split and unescape path. VCOW_EINVAL for NULL, an empty segment, a
 * trailing lone backslash, a key over VCOW_MAP_KEY_MAX bytes or more than
 * PATH_MAX_DEPTH segments; VCOW_ENOMEM when a long escaped path finds no
 * buffer. On success call vcow__hamt_path_done. */
int vcow__hamt_path_parse(const char *path, struct hpath *p);
void vcow__hamt_path_done(struct hpath *p);

static inline struct hkey seg_key(const struct seg *s)
{
    return make_key(s->p, s->len);
}

/* The escaped form of a key (every '.' and '\' gets a backslash), written
 * to out (when not NULL) without a NUL; returns its length. */
size_t vcow__hamt_escape(const void *key, size_t klen, char *out);

/* ---- array indices ---- */

#define ARRAY_MAX ((uint64_t)1000000000000000) /* 10^15: indices of <= 15 digits */
#define INDEX_BUF 24

enum idx { IDX_BAD, IDX_END, IDX_OK };

/* Parse a canonical index (*out; saturates at UINT64_MAX for absurdly long
 * ones) or "-" (IDX_END); IDX_BAD for anything else. */
enum idx vcow__hamt_index_parse(const char *p, size_t len, uint64_t *out);

/* The key of index i: its decimal digits, written into buf (INDEX_BUF). */
struct hkey vcow__hamt_index_key(uint64_t i, char *buf);

/* ---- containers: the map or array a path walks through ---- */

struct hcont {
    const struct hnode *root;
    bool array;
};

static inline bool type_is_hamt(enum vcow_type t)
{
    return t == VCOW_T_MAP || t == VCOW_T_ARRAY;
}

/* The container a version reads: its own map, or the array it is a view of. */
static inline struct hcont version_cont(const vcow_version *v)
{
    struct hcont c = {(const struct hnode *)vcow_version_root(v), vcow_version_is_array(v)};
    return c;
}

/* The containers at path in two map versions, for a diff: a side where the
 * path is missing is an empty map ({NULL}); VCOW_ENOENT when both are
 * missing, VCOW_EINVAL for versions that are not maps (hamt_nested.c). */
int vcow__hamt_conts_at(const vcow_version *a, const vcow_version *b, const char *path,
                        struct hcont *ca, struct hcont *cb);

/*
 * Where segment s names in container c, as a key (*k; an index's digits go
 * to ibuf, INDEX_BUF bytes). A map: s itself. An array, with `append`
 * false (reads, deletes): an index < len, else VCOW_ENOENT ("-" too); with
 * `append` (sets): an index <= len or "-" (len: the key is then absent),
 * VCOW_ERANGE beyond (or when the array is full). VCOW_EINVAL: s is not an
 * index.
 */
int vcow__hamt_resolve(const struct hcont *c, const struct seg *s, bool append, char *ibuf,
                       struct hkey *k);

/* Read a path from container c. */
int vcow__hamt_get_path(struct hcont c, const char *path, vcow_val *out);

/* The map or array at path under c ("" = c itself): VCOW_ENOENT when
 * missing, VCOW_EINVAL when the path names (or runs through) another value. */
int vcow__hamt_cont_at(struct hcont c, const char *path, struct hcont *out);

/* The deep diff (hamt_deep.c) of two values x (read from version a) and y
 * (from b), either NULL for "nothing": the leaves of each, by path
 * relative to them; a leaf value itself is reported under the empty key.
 * As vcow_map_diff_deep otherwise. */
int vcow__hamt_diff_deep_vals(const vcow_version *a, const vcow_version *b, const vcow_val *x,
                              const vcow_val *y, vcow_diff_fn *fn, void *ctx);

/* The map's revert hook (struct vcow_kind_ops, hamt_revert.c). */
int vcow__hamt_revert(vcow_txn *t, const vcow_version *from, const vcow_version *to);

/* ---- arrays (hamt_array.c) ---- */

/* Visit an array's elements in index order (keys "0", "1", ...) from index
 * *pos on; *pos ends past the last one visited (fn's stop included). */
int vcow__hamt_iter_array(const struct hnode *root, uint64_t *pos, vcow_visit_fn *fn, void *ctx);
int vcow__hamt_iter_cont(const struct hcont *c, vcow_visit_fn *fn, void *ctx);

/* Remove element i (< len) of the array at *rootp, moving every later
 * element down by one. Atomic: on error the array's content is unchanged. */
int vcow__hamt_array_del(vcow_txn *t, struct hnode **rootp, uint64_t i);

/* vcow__hamt_check_map, and the keys are exactly "0".."n-1". */
int vcow__hamt_check_array(const struct hnode *root);

#endif
