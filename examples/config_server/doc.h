/*
 * examples/config_server/doc.h - a JSON document in a vcow hamt cell.
 *
 * JSON objects are nested maps, integers i64, reals f64, true/false bools.
 * Strings and arrays are both bytes, told apart by a tag byte that every
 * bytes leaf carries (so no string can pass for an array): a string is its
 * bytes, U+0000 included; vcow has no array type, so an array is one leaf
 * holding its compact JSON text (config arrays are small lists replaced as
 * a whole). JSON null means "absent". Keys may not be empty or contain
 * '.', which separates path segments. Any JSON object without null members
 * and with such keys renders back as an equal one (json_equal).
 */
#ifndef CONFIG_DOC_H
#define CONFIG_DOC_H

#include <jansson.h>
#include <vcow/vcow.h>

/* Objects nest at most this deep: a leaf's path has at most this many keys
 * (what vcow_map_set_path takes). Deeper documents are refused whole. */
#define DOC_MAX_DEPTH 64

/* Replace the whole document with `doc` (a JSON object) as one commit. */
int doc_replace(vcow_cell *cell, json_t *doc, uint64_t *seq, char *err, size_t errlen);

/* What a commit may carry besides the document. */
struct doc_meta {
    bool if_match; /* commit only if the head is still version base */
    uint64_t base;
    const char *tag; /* the commit's tag (vcow_txn_set_tag), or NULL */
    size_t tag_len;
};

/* Apply a JSON merge patch (RFC 7386) as one commit. meta may be NULL.
 * VCOW_ECONFLICT (nothing committed) when meta->if_match and the head is
 * not version meta->base. */
int doc_merge_patch(vcow_cell *cell, json_t *patch, const struct doc_meta *meta, uint64_t *seq,
                    char *err, size_t errlen);

/* The value at path ("" = the whole document) of a version, as JSON.
 * NULL with *rc = VCOW_ENOENT / VCOW_EINVAL when there is none. Call inside
 * a read section or with v pinned. */
json_t *doc_render(const vcow_version *v, const char *path, int *rc);

/* Append to `out` one {"path", "change"} object per leaf or subtree that
 * differs between a and b. */
int doc_diff(const vcow_version *a, const vcow_version *b, json_t *out);

#endif
