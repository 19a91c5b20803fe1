/*
 * examples/config_server/doc.h - a JSON document in a vcow hamt cell.
 *
 * JSON objects are nested maps, strings are bytes, integers i64, reals f64,
 * true/false bools. vcow has no array type: an array is stored as one leaf
 * holding its compact JSON text, marked by a leading 0x01 byte (config
 * arrays are small lists replaced as a whole). JSON null means "absent".
 * Keys may not contain '.', which separates path segments.
 */
#ifndef CONFIG_DOC_H
#define CONFIG_DOC_H

#include <jansson.h>
#include <vcow/vcow.h>

/* Replace the whole document with `doc` (a JSON object) as one commit. */
int doc_replace(vcow_cell *cell, json_t *doc, uint64_t *seq, char *err, size_t errlen);

/* Apply a JSON merge patch (RFC 7386) as one commit. */
int doc_merge_patch(vcow_cell *cell, json_t *patch, uint64_t *seq, char *err, size_t errlen);

/* The value at path ("" = the whole document) of a version, as JSON.
 * NULL with *rc = VCOW_ENOENT / VCOW_EINVAL when there is none. Call inside
 * a read section or with v pinned. */
json_t *doc_render(const vcow_version *v, const char *path, int *rc);

/* Append to `out` one {"path", "change"} object per leaf or subtree that
 * differs between a and b. */
int doc_diff(const vcow_version *a, const vcow_version *b, json_t *out);

#endif
