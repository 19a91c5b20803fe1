/*
 * examples/config_server/etcd_doc.h - a JSON document as flat etcd keys
 * (config_server --etcd): one key per leaf under the prefix.
 *
 *   {"db": {"port": 5432, "hosts": ["a", "b"]}, "a/b": true}
 *     P/db/port  -> 5432
 *     P/db/hosts -> ["a","b"]
 *     P/a%2Fb    -> true
 *
 * An object's members are key levels joined by '/'; anything else (a
 * number, string, bool, null inside an array, an array, an empty object)
 * is one leaf whose value is its JSON text. In a key segment '%' is
 * written %25 and '/' %2F, so every non-empty JSON key has one segment
 * (empty keys are refused). A value that is not JSON (written by another
 * tool) renders as a string of its bytes; a key that is both a leaf and a
 * level (P/a and P/a/b, also another tool's doing) renders as the level.
 * The mirrored cell holds the keys with the prefix stripped ("db/port").
 */
#ifndef CONFIG_ETCD_DOC_H
#define CONFIG_ETCD_DOC_H

#include <jansson.h>
#include <vcow/mirror.h>
#include <vcow/vcow.h>

/* The changes of a merge patch, as etcd operations (each key and value owned). */
struct etcd_ops {
    struct vcow_mirror_op *op;
    size_t n, cap;
};
void etcd_ops_free(struct etcd_ops *ops);

/*
 * The operations that apply the merge patch (RFC 7386) to version base
 * (a mirrored flat map): puts of new leaves, deletes of leaves removed or
 * replaced by a level, and of levels replaced by a leaf or null. Deletes
 * name only keys base holds. VCOW_OK, VCOW_EINVAL (not an object, an empty
 * key, nesting over 64; *err says), VCOW_ENOMEM. Read section or pin.
 */
int etcd_patch_ops(const vcow_version *base, json_t *patch, struct etcd_ops *ops, char *err,
                   size_t errlen);

/* The document a version holds (a new object; NULL when out of memory). */
json_t *etcd_render(const vcow_version *v);

/* The value at a dotted document path ("" the root; '\' escapes '.'), borrowed; NULL if none. */
json_t *etcd_lookup(json_t *doc, const char *path);

/* Append {"path", "change"} per leaf that differs between a and b (paths dotted). */
int etcd_diff(const vcow_version *a, const vcow_version *b, json_t *out);

#endif
