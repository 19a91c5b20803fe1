/*
 * structures/map/hamt_escape.c - path text: splitting and unescaping a
 * path, escaping a key into one, and array indices (hamt_path.h).
 */
#include "hamt_path.h"

/* ---- paths ---- */

/* Next segment of an unescaped path from s: its bytes, and where the one
 * after it starts (NULL after the last). */
static const char *next_plain(const char *s, struct seg *out)
{
    const char *e = strchr(s, '.');
    out->p = s;
    out->len = e != NULL ? (size_t)(e - s) : strlen(s);
    return e != NULL ? e + 1 : NULL;
}

/* The same for a path with escapes: the key is decoded to *dst. */
static const char *next_escaped(const char *s, char **dst, struct seg *out, int *rc)
{
    char *d = *dst;
    out->p = d;
    while (*s != '\0' && *s != '.') {
        if (*s == '\\' && *++s == '\0') {
            *rc = VCOW_EINVAL; /* a trailing lone backslash */
            return NULL;
        }
        *d++ = *s++;
    }
    out->len = (size_t)(d - *dst);
    *dst = d;
    return *s == '.' ? s + 1 : NULL;
}

int vcow__hamt_path_parse(const char *path, struct hpath *p)
{
    p->n = 0;
    p->heap = NULL;
    if (path == NULL)
        return VCOW_EINVAL;
    size_t total = strlen(path);
    char *dst = NULL;
    if (memchr(path, '\\', total) != NULL) {
        /* Decoded keys are never longer than their text. */
        if (total <= sizeof(p->small)) {
            dst = p->small;
        } else {
            p->heap = vcow_node_alloc(NULL, VCOW_MEM_META, total);
            if (p->heap == NULL)
                return VCOW_ENOMEM;
            p->heap_size = total;
            dst = p->heap;
        }
    }
    const char *s = path;
    int rc = VCOW_OK;
    do {
        struct seg sg;
        if (p->n == PATH_MAX_DEPTH) {
            rc = VCOW_EINVAL;
            break;
        }
        s = dst == NULL ? next_plain(s, &sg) : next_escaped(s, &dst, &sg, &rc);
        if (rc != VCOW_OK)
            break;
        if (sg.len == 0 || sg.len > VCOW_MAP_KEY_MAX) {
            rc = VCOW_EINVAL;
            break;
        }
        p->s[p->n++] = sg;
    } while (s != NULL);
    if (rc != VCOW_OK)
        vcow__hamt_path_done(p);
    return rc;
}

void vcow__hamt_path_done(struct hpath *p)
{
    if (p->heap != NULL)
        vcow_node_free(NULL, VCOW_MEM_META, p->heap, p->heap_size);
    p->heap = NULL;
}

size_t vcow__hamt_escape(const void *key, size_t klen, char *out)
{
    const char *k = key;
    size_t n = 0;
    for (size_t i = 0; i < klen; i++) {
        if (k[i] == '.' || k[i] == '\\') {
            if (out != NULL)
                out[n] = '\\';
            n++;
        }
        if (out != NULL)
            out[n] = k[i];
        n++;
    }
    return n;
}

int vcow_map_path_escape(const void *key, size_t klen, char *buf, size_t cap, size_t *needed)
{
    /* No path names the empty key ("" is the root; an empty segment is
     * refused) or a key holding a NUL (a path is a C string). */
    if (key == NULL || klen == 0 || klen > VCOW_MAP_KEY_MAX || memchr(key, '\0', klen) != NULL)
        return VCOW_EINVAL;
    size_t need = vcow__hamt_escape(key, klen, NULL) + 1;
    if (needed != NULL)
        *needed = need;
    if (buf == NULL || cap < need)
        return VCOW_ERANGE;
    vcow__hamt_escape(key, klen, buf);
    buf[need - 1] = '\0';
    return VCOW_OK;
}

/* ---- array indices ---- */

enum idx vcow__hamt_index_parse(const char *p, size_t len, uint64_t *out)
{
    if (len == 1 && p[0] == '-')
        return IDX_END;
    if (len == 0 || (p[0] == '0' && len > 1))
        return IDX_BAD;
    uint64_t x = 0;
    for (size_t i = 0; i < len; i++) {
        if (p[i] < '0' || p[i] > '9')
            return IDX_BAD;
        unsigned d = (unsigned)(p[i] - '0');
        x = x > (UINT64_MAX - d) / 10 ? UINT64_MAX : x * 10 + d;
    }
    *out = x;
    return IDX_OK;
}

struct hkey vcow__hamt_index_key(uint64_t i, char *buf)
{
    char tmp[INDEX_BUF];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + i % 10);
        i /= 10;
    } while (i != 0);
    for (size_t j = 0; j < n; j++)
        buf[j] = tmp[n - 1 - j];
    return make_key(buf, n);
}

int vcow__hamt_resolve(const struct hcont *c, const struct seg *s, bool append, char *ibuf,
                       struct hkey *k)
{
    if (!c->array) {
        *k = seg_key(s);
        return VCOW_OK;
    }
    uint64_t len = map_count(c->root), i = len;
    enum idx r = vcow__hamt_index_parse(s->p, s->len, &i);
    if (r == IDX_BAD)
        return VCOW_EINVAL;
    if (!append && i >= len)
        return VCOW_ENOENT; /* "-" names the element past the end */
    if (append && (i > len || i >= ARRAY_MAX))
        return VCOW_ERANGE;
    *k = vcow__hamt_index_key(i, ibuf);
    return VCOW_OK;
}
