/*
 * examples/config_server/etcd_doc.c - see etcd_doc.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vcow/map.h>

#include "doc.h"
#include "etcd_doc.h"

/* ---- keys ---- */

/* prefix ("" or ending in '/') + the segment escaped; a new string. */
static char *key_join(const char *prefix, const char *seg)
{
    size_t pl = strlen(prefix), sl = strlen(seg);
    char *k = malloc(pl + 3 * sl + 1), *o = k + pl;
    if (k == NULL)
        return NULL;
    memcpy(k, prefix, pl);
    for (const char *s = seg; *s != '\0'; s++) {
        if (*s == '%' || *s == '/')
            o += sprintf(o, "%%%02X", (unsigned char)*s);
        else
            *o++ = *s;
    }
    *o = '\0';
    return k;
}

static int hex(char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                  : -1;
}

/* Unescape one segment of n bytes (%XX) into a new string. */
static char *seg_unescape(const char *s, size_t n)
{
    char *out = malloc(n + 1), *o = out;
    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        int hi = i + 2 < n ? hex(s[i + 1]) : -1, lo = i + 2 < n ? hex(s[i + 2]) : -1;
        if (s[i] == '%' && hi >= 0 && lo >= 0) {
            *o++ = (char)(hi << 4 | lo);
            i += 2;
        } else {
            *o++ = s[i];
        }
    }
    *o = '\0';
    return out;
}

/* ---- the patch ---- */

static int ops_add(struct etcd_ops *ops, bool del, const char *key, const char *val)
{
    if (ops->n == ops->cap) {
        size_t cap = ops->cap ? ops->cap * 2 : 16;
        struct vcow_mirror_op *p = realloc(ops->op, cap * sizeof(*p));
        if (p == NULL)
            return VCOW_ENOMEM;
        ops->op = p;
        ops->cap = cap;
    }
    char *k = strdup(key), *v = val != NULL ? strdup(val) : NULL;
    if (k == NULL || (val != NULL && v == NULL)) {
        free(k);
        free(v);
        return VCOW_ENOMEM;
    }
    ops->op[ops->n++] = (struct vcow_mirror_op){del, k, strlen(k), v, v != NULL ? strlen(v) : 0};
    return VCOW_OK;
}

void etcd_ops_free(struct etcd_ops *ops)
{
    for (size_t i = 0; i < ops->n; i++) {
        free((void *)ops->op[i].key);
        free((void *)ops->op[i].val);
    }
    free(ops->op);
    ops->op = NULL;
    ops->n = ops->cap = 0;
}

struct under {
    const char *prefix; /* "key/" */
    size_t plen;
    struct etcd_ops *ops;
};

static int del_one_under(vcow_slice key, const vcow_val *val, void *arg)
{
    (void)val;
    struct under *u = arg;
    if (key.len <= u->plen || memcmp(key.ptr, u->prefix, u->plen) != 0 ||
        memchr(key.ptr, '\0', key.len) != NULL)
        return VCOW_OK;
    char *k = strndup(key.ptr, key.len);
    int rc = k != NULL ? ops_add(u->ops, true, k, NULL) : VCOW_ENOMEM;
    free(k);
    return rc;
}

/* Delete every key of base under level `key` (key + "/..."). */
static int del_under(const vcow_version *base, const char *key, struct etcd_ops *ops)
{
    size_t n = strlen(key);
    char *p = malloc(n + 2);
    if (p == NULL)
        return VCOW_ENOMEM;
    memcpy(p, key, n);
    p[n] = '/';
    p[n + 1] = '\0';
    struct under u = {p, n + 1, ops};
    int rc = vcow_map_iter(base, del_one_under, &u);
    free(p);
    return rc;
}

static int patch_level(const vcow_version *base, const char *prefix, json_t *obj, unsigned depth,
                       struct etcd_ops *ops, char *err, size_t errlen)
{
    const char *name;
    json_t *val;
    json_object_foreach(obj, name, val)
    {
        if (name[0] == '\0' || depth >= DOC_MAX_DEPTH) {
            snprintf(err, errlen,
                     name[0] == '\0' ? "empty keys cannot be stored in etcd"
                                     : "objects nest too deep");
            return VCOW_EINVAL;
        }
        char *k = key_join(prefix, name);
        if (k == NULL)
            return VCOW_ENOMEM;
        bool leaf_there = vcow_map_get(base, k, NULL) == VCOW_OK;
        int rc = VCOW_OK;
        if (json_is_object(val) && json_object_size(val) > 0) {
            /* A level: a leaf in its place goes; merge into it. */
            if (leaf_there)
                rc = ops_add(ops, true, k, NULL);
            size_t kl = strlen(k);
            char *sub = realloc(k, kl + 2);
            if (sub == NULL) {
                free(k);
                return VCOW_ENOMEM;
            }
            k = sub;
            k[kl] = '/';
            k[kl + 1] = '\0';
            if (rc == VCOW_OK)
                rc = patch_level(base, k, val, depth + 1, ops, err, errlen);
        } else {
            /* null removes the key, and a level in its place; a leaf
             * replaces both. */
            if (json_is_null(val)) {
                if (leaf_there)
                    rc = ops_add(ops, true, k, NULL);
            } else {
                char *text = json_dumps(val, JSON_COMPACT | JSON_ENCODE_ANY);
                rc = text != NULL ? ops_add(ops, false, k, text) : VCOW_ENOMEM;
                free(text);
            }
            if (rc == VCOW_OK)
                rc = del_under(base, k, ops);
        }
        free(k);
        if (rc != VCOW_OK)
            return rc;
    }
    return VCOW_OK;
}

int etcd_patch_ops(const vcow_version *base, json_t *patch, struct etcd_ops *ops, char *err,
                   size_t errlen)
{
    if (!json_is_object(patch)) {
        snprintf(err, errlen, "a merge patch must be a JSON object");
        return VCOW_EINVAL;
    }
    int rc = patch_level(base, "", patch, 0, ops, err, errlen);
    if (rc != VCOW_OK)
        etcd_ops_free(ops);
    return rc;
}

/* ---- rendering ---- */

static json_t *leaf_value(const vcow_val *val)
{
    if (val->type != VCOW_T_BYTES)
        return json_null();
    json_t *j =
        json_loadb(val->u.bytes.ptr, val->u.bytes.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
    if (j == NULL) /* not JSON: its bytes as a string (null when not UTF-8) */
        j = json_stringn(val->u.bytes.ptr, val->u.bytes.len);
    return j != NULL ? j : json_null();
}

static int render_one(vcow_slice key, const vcow_val *val, void *arg)
{
    json_t *node = arg;
    const char *k = key.ptr, *end = k + key.len;
    for (;;) {
        const char *slash = memchr(k, '/', (size_t)(end - k));
        char *seg = seg_unescape(k, slash != NULL ? (size_t)(slash - k) : (size_t)(end - k));
        if (seg == NULL)
            return VCOW_ENOMEM;
        if (slash == NULL) {
            /* A level already here wins over a leaf of the same name. */
            if (!json_is_object(json_object_get(node, seg)) ||
                json_object_size(json_object_get(node, seg)) == 0)
                json_object_set_new(node, seg, leaf_value(val));
            free(seg);
            return VCOW_OK;
        }
        json_t *next = json_object_get(node, seg);
        if (!json_is_object(next)) {
            next = json_object();
            json_object_set_new(node, seg, next);
        }
        free(seg);
        node = next;
        k = slash + 1;
    }
}

json_t *etcd_render(const vcow_version *v)
{
    json_t *doc = json_object();
    if (doc != NULL && vcow_map_iter(v, render_one, doc) != VCOW_OK) {
        json_decref(doc);
        return NULL;
    }
    return doc;
}

json_t *etcd_lookup(json_t *doc, const char *path)
{
    json_t *node = doc;
    char seg[1024];
    const char *p = path;
    while (*p != '\0' && node != NULL) {
        size_t n = 0;
        for (; *p != '\0' && *p != '.'; p++) {
            if (*p == '\\' && p[1] != '\0')
                p++;
            if (n + 1 < sizeof(seg))
                seg[n++] = *p;
        }
        seg[n] = '\0';
        if (*p == '.')
            p++;
        if (json_is_array(node)) {
            char *e;
            unsigned long i = strtoul(seg, &e, 10);
            node = *e == '\0' && n > 0 ? json_array_get(node, i) : NULL;
        } else {
            node = json_object_get(node, seg);
        }
    }
    return node;
}

/* ---- diff ---- */

/* An etcd key ("db/a%2Fb") as a dotted path ("db.a/b", '.' escaped). */
static char *dotted(const char *k, size_t n)
{
    size_t cap = 2 * n + 2, at = 0;
    char *out = malloc(cap);
    const char *end = k + n;
    while (out != NULL && k <= end) {
        const char *slash = memchr(k, '/', (size_t)(end - k));
        size_t sl = slash != NULL ? (size_t)(slash - k) : (size_t)(end - k);
        char *seg = seg_unescape(k, sl);
        if (seg == NULL)
            break;
        for (char *s = seg; *s != '\0'; s++) {
            if (at + 3 > cap)
                break;
            if (*s == '.' || *s == '\\')
                out[at++] = '\\';
            out[at++] = *s;
        }
        free(seg);
        if (slash == NULL) {
            out[at] = '\0';
            return out;
        }
        out[at++] = '.';
        k = slash + 1;
    }
    free(out);
    return NULL;
}

static int diff_one(vcow_slice key, const vcow_val *before, const vcow_val *after, void *arg)
{
    json_t *out = arg;
    char *path = dotted(key.ptr, key.len);
    if (path == NULL)
        return VCOW_ENOMEM;
    const char *change = before == NULL ? "added" : after == NULL ? "removed" : "changed";
    json_t *e = json_pack("{s:s, s:s}", "path", path, "change", change);
    free(path);
    return e != NULL && json_array_append_new(out, e) == 0 ? VCOW_OK : VCOW_ENOMEM;
}

int etcd_diff(const vcow_version *a, const vcow_version *b, json_t *out)
{
    return vcow_map_diff(a, b, diff_one, out);
}
