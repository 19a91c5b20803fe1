/*
 * examples/config_server/doc.c - JSON <-> vcow hamt: see doc.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vcow/map.h>

#include "doc.h"

/*
 * Every bytes leaf starts with a tag byte: TAG_STRING then the string's
 * bytes, or TAG_NULL alone: a null element of an array (an object member
 * set to null is absent, as in a merge patch, but an array keeps its
 * places). Tagging strings too is what makes the null mark unforgeable.
 * Arrays are vcow arrays (VCOW_T_ARRAY): "servers.0.host" is a path.
 */
enum { TAG_STRING = 's', TAG_NULL = 'n' };

/* ---- writing JSON into a txn ---- */

struct write_ctx {
    json_t *json;
    char *err;
    size_t errlen;
    const struct doc_meta *meta;
};

/*
 * Write j at path. literal: store it as it is, a null as a null leaf (a
 * whole document replaced, and everything inside an array, where a merge
 * patch does not reach: RFC 7386 replaces arrays whole); otherwise a merge
 * patch: a null member removes the key, an object merges into an object.
 */
static int set_any(vcow_txn *t, const char *path, unsigned depth, json_t *j, struct write_ctx *w,
                   bool literal);

/* path + "." + key, the key escaped (vcow_map_path_escape: a '\' or '.'
 * in it gets a backslash), in a new string; NULL when out of memory. */
static char *join_key(const char *path, const void *key, size_t klen)
{
    size_t need = 0;
    if (vcow_map_path_escape(key, klen, NULL, 0, &need) != VCOW_ERANGE)
        return NULL; /* keys here are never empty nor hold a NUL */
    size_t plen = strlen(path), n = plen + 1 + need;
    char *sub = malloc(n);
    if (sub == NULL)
        return NULL;
    memcpy(sub, path, plen);
    if (plen > 0)
        sub[plen++] = '.';
    vcow_map_path_escape(key, klen, sub + plen, n - plen, NULL);
    return sub;
}

/* Write obj's members under path, which has `depth` keys. */
static int set_object(vcow_txn *t, const char *path, unsigned depth, json_t *obj,
                      struct write_ctx *w, bool literal)
{
    const char *key;
    json_t *val;
    json_object_foreach(obj, key, val)
    {
        if (key[0] == '\0' || strlen(key) > VCOW_MAP_KEY_MAX) {
            snprintf(w->err, w->errlen, "key \"%.64s\" is empty or too long", key);
            return VCOW_EINVAL;
        }
        if (depth == DOC_MAX_DEPTH) {
            snprintf(w->err, w->errlen, "objects nest more than %d deep", DOC_MAX_DEPTH);
            return VCOW_EINVAL;
        }
        char *sub = join_key(path, key, strlen(key));
        if (sub == NULL)
            return VCOW_ENOMEM;
        int rc = set_any(t, sub, depth + 1, val, w, literal);
        free(sub);
        if (rc != VCOW_OK)
            return rc;
    }
    return VCOW_OK;
}

static int set_tagged(vcow_txn *t, const char *path, char tag, const char *s, size_t len)
{
    char *buf = malloc(len + 1);
    if (buf == NULL)
        return VCOW_ENOMEM;
    buf[0] = tag;
    memcpy(buf + 1, s, len);
    int rc = vcow_map_set_path(t, path, vcow_val_bytes(buf, len + 1));
    free(buf);
    return rc;
}

static int set_any(vcow_txn *t, const char *path, unsigned depth, json_t *j, struct write_ctx *w,
                   bool literal)
{
    vcow_val v;
    int rc;
    switch (json_typeof(j)) {
    case JSON_OBJECT: {
        vcow_val cur;
        rc = vcow_map_get_path(vcow_txn_view(t), path, &cur);
        if (literal || rc != VCOW_OK || cur.type != VCOW_T_MAP) {
            rc = vcow_map_set_path(t, path, vcow_val_map());
            if (rc != VCOW_OK)
                return rc;
        }
        return set_object(t, path, depth, j, w, literal);
    }
    case JSON_NULL:
        if (literal)
            return set_tagged(t, path, TAG_NULL, "", 0);
        rc = vcow_map_del_path(t, path);
        return rc == VCOW_ENOENT ? VCOW_OK : rc;
    case JSON_STRING:
        return set_tagged(t, path, TAG_STRING, json_string_value(j), json_string_length(j));
    case JSON_INTEGER:
        v = vcow_val_i64(json_integer_value(j));
        break;
    case JSON_REAL:
        v = vcow_val_f64(json_real_value(j));
        break;
    case JSON_TRUE:
    case JSON_FALSE:
        v = vcow_val_bool(json_is_true(j));
        break;
    default: { /* an array: replaced as a whole (RFC 7386), element by element */
        if (depth == DOC_MAX_DEPTH) {
            snprintf(w->err, w->errlen, "values nest more than %d deep", DOC_MAX_DEPTH);
            return VCOW_EINVAL;
        }
        rc = vcow_map_set_path(t, path, vcow_val_array());
        for (size_t i = 0; i < json_array_size(j) && rc == VCOW_OK; i++) {
            char idx[24];
            int n = snprintf(idx, sizeof(idx), "%zu", i);
            char *sub = join_key(path, idx, (size_t)n);
            if (sub == NULL)
                return VCOW_ENOMEM;
            rc = set_any(t, sub, depth + 1, json_array_get(j, i), w, true);
            free(sub);
        }
        return rc;
    }
    }
    return vcow_map_set_path(t, path, v);
}

/* vcow_cell_update callback: may run several times, touches only the txn. */
static int replace_fn(vcow_txn *t, void *arg)
{
    struct write_ctx *w = arg;
    /* Drop the old document as one subtree, then write the new one. */
    int rc = vcow_map_clear(t);
    if (rc != VCOW_OK)
        return rc;
    return set_object(t, "", 0, w->json, w, true);
}

static int patch_fn(vcow_txn *t, void *arg)
{
    struct write_ctx *w = arg;
    const struct doc_meta *m = w->meta;
    /* Checked on every try: vcow_cell_update retries on a lost race, and
     * then the base is the new head. */
    if (m != NULL && m->if_match && vcow_version_seq(vcow_txn_base(t)) != m->base) {
        snprintf(w->err, w->errlen, "the config is at version %llu, not %llu",
                 (unsigned long long)vcow_version_seq(vcow_txn_base(t)),
                 (unsigned long long)m->base);
        return VCOW_ECONFLICT;
    }
    if (m != NULL && m->tag != NULL) {
        int rc = vcow_txn_set_tag(t, m->tag, m->tag_len);
        if (rc != VCOW_OK)
            return rc;
    }
    return set_object(t, "", 0, w->json, w, false);
}

int doc_replace(vcow_cell *cell, json_t *doc, uint64_t *seq, char *err, size_t errlen)
{
    if (!json_is_object(doc)) {
        snprintf(err, errlen, "the document must be a JSON object");
        return VCOW_EINVAL;
    }
    struct write_ctx w = {doc, err, errlen, NULL};
    return vcow_cell_update(cell, replace_fn, &w, seq);
}

int doc_merge_patch(vcow_cell *cell, json_t *patch, const struct doc_meta *meta, uint64_t *seq,
                    char *err, size_t errlen)
{
    if (!json_is_object(patch)) {
        snprintf(err, errlen, "a merge patch must be a JSON object");
        return VCOW_EINVAL;
    }
    struct write_ctx w = {patch, err, errlen, meta};
    return vcow_cell_update(cell, patch_fn, &w, seq);
}

/* ---- reading a version as JSON ---- */

static json_t *val_to_json(const vcow_version *v, const char *path, vcow_val val);

struct render_ctx {
    const vcow_version *v;
    const char *path;
    json_t *obj;
};

/* One member of r->obj: an object's entry under its key, or an array's
 * element, appended (vcow_map_iter_path visits an array in index order). */
static int render_member(vcow_slice key, const vcow_val *val, void *arg)
{
    struct render_ctx *r = arg;
    char *sub = join_key(r->path, key.ptr, key.len);
    if (sub == NULL)
        return VCOW_ENOMEM;
    json_t *j = val_to_json(r->v, sub, *val);
    free(sub);
    if (j == NULL)
        return VCOW_ENOMEM;
    if (json_is_array(r->obj))
        return json_array_append_new(r->obj, j) == 0 ? 0 : VCOW_ENOMEM;
    char *k = strndup(key.ptr, key.len);
    int rc = k != NULL ? json_object_set_new(r->obj, k, j) : (json_decref(j), -1);
    free(k);
    return rc == 0 ? 0 : VCOW_ENOMEM;
}

static json_t *val_to_json(const vcow_version *v, const char *path, vcow_val val)
{
    switch (val.type) {
    case VCOW_T_MAP:
    case VCOW_T_ARRAY: {
        struct render_ctx r = {v, path, val.type == VCOW_T_MAP ? json_object() : json_array()};
        if (r.obj == NULL || vcow_map_iter_path(v, path, render_member, &r) != VCOW_OK) {
            json_decref(r.obj);
            return NULL;
        }
        return r.obj;
    }
    case VCOW_T_BYTES: {
        /* Every bytes leaf was written by set_tagged: NULL here is an
         * allocation failure. */
        const char *p = val.u.bytes.ptr;
        size_t n = val.u.bytes.len;
        if (n > 0 && p[0] == TAG_STRING)
            return json_stringn(p + 1, n - 1);
        if (n == 1 && p[0] == TAG_NULL)
            return json_null();
        return NULL;
    }
    case VCOW_T_I64:
        return json_integer(val.u.i64);
    case VCOW_T_F64:
        return json_real(val.u.f64);
    case VCOW_T_BOOL:
        return json_boolean(val.u.b);
    default:
        return json_null();
    }
}

json_t *doc_render(const vcow_version *v, const char *path, int *rc)
{
    vcow_val val;
    if (path[0] == '\0') {
        val.type = VCOW_T_MAP; /* the root */
        val.u.root = NULL;
        *rc = VCOW_OK;
    } else {
        *rc = vcow_map_get_path(v, path, &val);
        if (*rc != VCOW_OK)
            return NULL;
    }
    json_t *j = val_to_json(v, path, val);
    if (j == NULL)
        *rc = VCOW_ENOMEM;
    return j;
}

/* ---- diff ---- */

struct diff_ctx {
    const vcow_version *a, *b;
    const char *path;
    json_t *out;
};

static int diff_at(const vcow_version *a, const vcow_version *b, const char *path, json_t *out);

static int diff_entry(vcow_slice key, const vcow_val *before, const vcow_val *after, void *arg)
{
    struct diff_ctx *d = arg;
    char *sub = join_key(d->path, key.ptr, key.len);
    if (sub == NULL)
        return VCOW_ENOMEM;
    int rc = VCOW_OK;
    if (before != NULL && after != NULL && before->type == after->type &&
        (before->type == VCOW_T_MAP || before->type == VCOW_T_ARRAY)) {
        rc = diff_at(d->a, d->b, sub, d->out); /* report the leaves inside */
    } else {
        const char *change = before == NULL ? "added" : after == NULL ? "removed" : "changed";
        json_t *e = json_pack("{s:s, s:s}", "path", sub, "change", change);
        rc = e != NULL && json_array_append_new(d->out, e) == 0 ? VCOW_OK : VCOW_ENOMEM;
    }
    free(sub);
    return rc;
}

static int diff_at(const vcow_version *a, const vcow_version *b, const char *path, json_t *out)
{
    struct diff_ctx d = {a, b, path, out};
    return vcow_map_diff_path(a, b, path, diff_entry, &d);
}

int doc_diff(const vcow_version *a, const vcow_version *b, json_t *out)
{
    return diff_at(a, b, "", out);
}
