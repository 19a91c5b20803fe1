/*
 * examples/config_server/doc.h - a JSON document in a vcow hamt cell.
 *
 * JSON objects are nested maps, arrays vcow arrays (VCOW_T_ARRAY: an
 * element is reached by its index, "servers.0.host"), integers i64, reals
 * f64, true/false bools. Strings are bytes behind a tag byte, U+0000
 * included; a null element of an array is a tag byte alone (a null object
 * member means "absent", as in a merge patch). Keys may not be empty; a
 * '.' or '\' in a key is escaped with a backslash in paths. Any JSON
 * object without null members and without empty keys renders back as an
 * equal one (json_equal).
 */
#ifndef CONFIG_DOC_H
#define CONFIG_DOC_H

#include <jansson.h>
#include <vcow/vcow.h>

/* Objects and arrays nest at most this deep: a leaf's path has at most this
 * many keys and indices (what vcow_map_set_path takes). Deeper documents are
 * refused whole. */
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
