/*
 * integrations/mirror/etcd.c - requests to etcd v3's JSON gateway.
 *
 * The gateway (grpc-gateway in front of etcd's gRPC API) takes a POST of a
 * JSON body on /v3/<service>/<method> and answers JSON. Keys and values are
 * base64 (protobuf bytes); int64 fields come back as strings ("12").
 * An error is answered with a non-200 status and {"error", "code"}, where
 * code is the gRPC status code (11, OUT_OF_RANGE: "required revision has
 * been compacted").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* ---- base64 (RFC 4648 §4, padded) ---- */

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *vcow__mirror_b64(const void *p, size_t n)
{
    const unsigned char *s = p;
    char *out = malloc((n + 2) / 3 * 4 + 1), *o = out;
    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)s[i] << 16;
        if (i + 1 < n)
            v |= (unsigned)s[i + 1] << 8;
        if (i + 2 < n)
            v |= s[i + 2];
        *o++ = b64_alphabet[(v >> 18) & 63];
        *o++ = b64_alphabet[(v >> 12) & 63];
        *o++ = i + 1 < n ? b64_alphabet[(v >> 6) & 63] : '=';
        *o++ = i + 2 < n ? b64_alphabet[v & 63] : '=';
    }
    *o = '\0';
    return out;
}

static int b64_digit(char c)
{
    const char *q = c != '\0' ? strchr(b64_alphabet, c) : NULL;
    return q != NULL ? (int)(q - b64_alphabet) : -1;
}

int vcow__mirror_unb64(const char *s, char **out, size_t *n)
{
    size_t len = strlen(s);
    if (len % 4 != 0)
        return -1;
    char *buf = malloc(len / 4 * 3 + 1);
    if (buf == NULL)
        return -1;
    size_t k = 0;
    for (size_t i = 0; i < len; i += 4) {
        int d[4];
        for (int j = 0; j < 4; j++) {
            /* '=' only as the last one or two characters of the text */
            bool pad = s[i + j] == '=' && i + 4 == len && j >= 2 && (j == 3 || s[i + 3] == '=');
            d[j] = pad ? 0 : b64_digit(s[i + j]);
            if (d[j] < 0) {
                free(buf);
                return -1;
            }
        }
        unsigned v =
            (unsigned)d[0] << 18 | (unsigned)d[1] << 12 | (unsigned)d[2] << 6 | (unsigned)d[3];
        buf[k++] = (char)(v >> 16);
        if (s[i + 2] != '=')
            buf[k++] = (char)(v >> 8);
        if (s[i + 3] != '=')
            buf[k++] = (char)v;
    }
    buf[k] = '\0';
    *out = buf;
    *n = k;
    return 0;
}

json_t *vcow__mirror_b64_json(const void *p, size_t n)
{
    char *s = vcow__mirror_b64(p, n);
    if (s == NULL)
        return NULL;
    json_t *j = json_string(s);
    free(s);
    return j;
}

int64_t vcow__mirror_i64(json_t *obj, const char *field, int64_t dflt)
{
    json_t *f = json_object_get(obj, field);
    if (json_is_integer(f))
        return (int64_t)json_integer_value(f);
    if (json_is_string(f)) {
        char *end;
        long long v = strtoll(json_string_value(f), &end, 10);
        if (*end == '\0')
            return v;
    }
    return dflt;
}

/* ---- HTTP ---- */

/* libcurl's progress callback: a transfer of a stopping mirror ends. */
static int check_stop(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
    (void)dt;
    (void)dn;
    (void)ut;
    (void)un;
    const vcow_mirror *m = arg;
    /* relaxed: a flag, looked at again on the next callback. */
    return atomic_load_explicit(&m->stop, memory_order_relaxed) ? 1 : 0;
}

CURL *vcow__mirror_easy(const vcow_mirror *m, long timeout_ms)
{
    CURL *h = curl_easy_init();
    if (h == NULL)
        return NULL;
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, check_stop);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, m);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, m->opts.connect_timeout_ms);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPIDLE, 5L);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPINTVL, 2L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    return h;
}

struct buf {
    char *p;
    size_t n, cap;
};

static size_t collect(char *data, size_t size, size_t nmemb, void *arg)
{
    struct buf *b = arg;
    size_t len = size * nmemb;
    if (b->n + len + 1 > b->cap) {
        size_t cap = (b->n + len + 1) * 2;
        char *p = realloc(b->p, cap);
        if (p == NULL)
            return 0; /* curl then fails the transfer with CURLE_WRITE_ERROR */
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, data, len);
    b->n += len;
    b->p[b->n] = '\0';
    return len;
}

int vcow__mirror_post(const vcow_mirror *m, CURL *h, const char *endpoint, const char *api,
                      json_t *body, json_t **out, int *code, char *err, size_t errlen)
{
    *out = NULL;
    *code = 0;
    char *text = json_dumps(body, JSON_COMPACT);
    char url[512];
    if (text == NULL || snprintf(url, sizeof(url), "%s%s", endpoint, api) >= (int)sizeof(url)) {
        free(text);
        snprintf(err, errlen, "out of memory (or an endpoint URL over 500 bytes)");
        return ETCD_UNREACHED;
    }
    (void)m;
    struct buf b = {NULL, 0, 0};
    struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: application/json");
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, text);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
    CURLcode rc = curl_easy_perform(h);
    curl_slist_free_all(hdr);
    free(text);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
    if (rc != CURLE_OK) {
        free(b.p);
        snprintf(err, errlen, "%s: %s", url, curl_easy_strerror(rc));
        /* Only a connection never made proves the request was never sent. */
        curl_off_t connected = 0;
        curl_easy_getinfo(h, CURLINFO_CONNECT_TIME_T, &connected);
        return connected == 0 ? ETCD_UNREACHED : ETCD_LOST;
    }
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    json_error_t jerr;
    json_t *j = b.p != NULL ? json_loadb(b.p, b.n, 0, &jerr) : NULL;
    free(b.p);
    if (status != 200) {
        const char *msg = json_string_value(json_object_get(j, "error"));
        *code = (int)vcow__mirror_i64(j, "code", -1);
        snprintf(err, errlen, "%s: HTTP %ld: %s", url, status, msg != NULL ? msg : "(no message)");
        json_decref(j);
        return ETCD_ERROR;
    }
    if (!json_is_object(j)) {
        json_decref(j);
        snprintf(err, errlen, "%s: an answer that is not a JSON object", url);
        return ETCD_LOST;
    }
    *out = j;
    return ETCD_OK;
}

/* ---- ranges ---- */

void vcow__mirror_kvs_free(struct mirror_kvs *kvs)
{
    for (size_t i = 0; i < kvs->n; i++) {
        free(kvs->kv[i].key);
        free(kvs->kv[i].val);
    }
    free(kvs->kv);
    kvs->kv = NULL;
    kvs->n = kvs->cap = 0;
}

int vcow__mirror_kvs_add(const vcow_mirror *m, struct mirror_kvs *kvs, json_t *kv)
{
    const char *k64 = json_string_value(json_object_get(kv, "key"));
    const char *v64 = json_string_value(json_object_get(kv, "value"));
    struct mirror_kv e = {NULL, 0, NULL, 0};
    if (k64 == NULL || vcow__mirror_unb64(k64, &e.key, &e.klen) != 0)
        return -1;
    if (vcow__mirror_unb64(v64 != NULL ? v64 : "", &e.val, &e.vlen) != 0 || e.klen < m->plen ||
        memcmp(e.key, m->prefix, m->plen) != 0) {
        free(e.key);
        free(e.val);
        return -1;
    }
    memmove(e.key, e.key + m->plen, e.klen - m->plen + 1);
    e.klen -= m->plen;
    if (kvs->n == kvs->cap) {
        size_t cap = kvs->cap ? kvs->cap * 2 : 64;
        struct mirror_kv *p = realloc(kvs->kv, cap * sizeof(*p));
        if (p == NULL) {
            free(e.key);
            free(e.val);
            return -1;
        }
        kvs->kv = p;
        kvs->cap = cap;
    }
    kvs->kv[kvs->n++] = e;
    return 0;
}

int vcow__mirror_range_all(const vcow_mirror *m, CURL *h, const char *endpoint, int64_t *rev,
                           struct mirror_kvs *out, char *err, size_t errlen)
{
    /* The first page is a linearizable read at the newest revision; the
     * others read at its revision, so that the pages make one snapshot. */
    char *from = malloc(m->plen + 1);
    size_t flen = m->plen;
    if (from == NULL) {
        snprintf(err, errlen, "out of memory");
        return ETCD_UNREACHED;
    }
    memcpy(from, m->prefix, m->plen);
    if (flen == 0) /* every key: etcd's key "\0" with range_end "\0" */
        from[flen++] = '\0';
    *rev = 0;
    int rc = ETCD_OK;
    for (;;) {
        json_t *body = json_pack("{s:o, s:o, s:I}", "key", vcow__mirror_b64_json(from, flen),
                                 "range_end", vcow__mirror_b64_json(m->range_end, m->elen), "limit",
                                 (json_int_t)m->opts.range_page);
        if (body != NULL && *rev != 0)
            json_object_set_new(body, "revision", json_integer(*rev));
        json_t *ans = NULL;
        int code;
        rc = body != NULL
                 ? vcow__mirror_post(m, h, endpoint, "/v3/kv/range", body, &ans, &code, err, errlen)
                 : (snprintf(err, errlen, "out of memory"), ETCD_UNREACHED);
        json_decref(body);
        if (rc != ETCD_OK)
            break;
        if (*rev == 0)
            *rev = vcow__mirror_i64(json_object_get(ans, "header"), "revision", 0);
        json_t *kvs = json_object_get(ans, "kvs");
        size_t i;
        json_t *kv;
        json_array_foreach(kvs, i, kv)
        {
            if (vcow__mirror_kvs_add(m, out, kv) != 0) {
                snprintf(err, errlen, "a range answer with a malformed key or value");
                rc = ETCD_LOST;
                break;
            }
        }
        bool more = json_is_true(json_object_get(ans, "more")) && out->n > 0;
        json_decref(ans);
        if (rc != ETCD_OK || !more)
            break;
        /* The next page starts just after the last key: key + "\0". */
        const struct mirror_kv *last = &out->kv[out->n - 1];
        char *next = realloc(from, m->plen + last->klen + 1);
        if (next == NULL) {
            snprintf(err, errlen, "out of memory");
            rc = ETCD_UNREACHED;
            break;
        }
        from = next;
        memcpy(from, m->prefix, m->plen);
        memcpy(from + m->plen, last->key, last->klen);
        flen = m->plen + last->klen;
        from[flen++] = '\0';
    }
    free(from);
    if (rc == ETCD_OK && *rev <= 0) {
        snprintf(err, errlen, "a range answer without a revision");
        rc = ETCD_LOST;
    }
    if (rc != ETCD_OK)
        vcow__mirror_kvs_free(out);
    return rc;
}
