/*
 * tests/rope/trace.c - load an editing trace with zlib + jansson.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "trace.h"

const char *trace_dir(void)
{
    const char *d = getenv("VCOW_TRACES");
    return d != NULL && d[0] != '\0' ? d : "../shared/traces";
}

static char *gz_read_all(const char *path, size_t *len)
{
    gzFile f = gzopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 1 << 20, n = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (buf == NULL)
            break;
        if (n == cap) {
            char *nb = realloc(buf, cap * 2);
            if (nb == NULL) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        int r = gzread(f, buf + n, (unsigned)(cap - n));
        if (r < 0) {
            free(buf);
            buf = NULL;
            break;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    gzclose(f);
    *len = n;
    return buf;
}

/* "2021-04-19T06:06:58.000Z" -> ns since the epoch (UTC). */
static int64_t parse_time(const char *s)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    int ms = 0;
    if (sscanf(s, "%d-%d-%dT%d:%d:%d.%dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
               &tm.tm_min, &tm.tm_sec, &ms) < 6)
        return 0;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (int64_t)timegm(&tm) * 1000000000 + (int64_t)ms * 1000000;
}

static char *dup_str(const char *s, size_t *len)
{
    *len = strlen(s);
    char *d = malloc(*len + 1);
    if (d != NULL)
        memcpy(d, s, *len + 1);
    return d;
}

int trace_load(const char *name, struct trace *out)
{
    memset(out, 0, sizeof(*out));
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s.json.gz", trace_dir(), name);
    size_t len;
    char *raw = gz_read_all(path, &len);
    if (raw == NULL)
        return -1;
    json_error_t err;
    json_t *root = json_loadb(raw, len, 0, &err);
    free(raw);
    if (root == NULL)
        return -2;
    int rc = -2;
    json_t *txns = json_object_get(root, "txns");
    const char *sc = json_string_value(json_object_get(root, "startContent"));
    const char *ec = json_string_value(json_object_get(root, "endContent"));
    if (!json_is_array(txns) || sc == NULL || ec == NULL)
        goto out;
    out->start = dup_str(sc, &out->start_len);
    out->end = dup_str(ec, &out->end_len);
    size_t np = 0, nt = json_array_size(txns), text = 0;
    for (size_t i = 0; i < nt; i++) {
        json_t *ps = json_object_get(json_array_get(txns, i), "patches");
        np += json_array_size(ps);
        for (size_t j = 0; j < json_array_size(ps); j++)
            text += json_string_length(json_array_get(json_array_get(ps, j), 2));
    }
    out->txns = calloc(nt ? nt : 1, sizeof(*out->txns));
    out->patches = calloc(np ? np : 1, sizeof(*out->patches));
    out->text = malloc(text + 1);
    if (out->txns == NULL || out->patches == NULL || out->text == NULL)
        goto out;
    size_t k = 0, at = 0;
    for (size_t i = 0; i < nt; i++) {
        json_t *tx = json_array_get(txns, i);
        json_t *ps = json_object_get(tx, "patches");
        const char *ts = json_string_value(json_object_get(tx, "time"));
        out->txns[i].time_ns = ts != NULL ? parse_time(ts) : 0;
        out->txns[i].first = k;
        out->txns[i].n = json_array_size(ps);
        for (size_t j = 0; j < json_array_size(ps); j++, k++) {
            json_t *p = json_array_get(ps, j);
            json_t *ins = json_array_get(p, 2);
            if (!json_is_integer(json_array_get(p, 0)) || !json_is_integer(json_array_get(p, 1)) ||
                !json_is_string(ins))
                goto out;
            out->patches[k].pos = (uint64_t)json_integer_value(json_array_get(p, 0));
            out->patches[k].del = (uint64_t)json_integer_value(json_array_get(p, 1));
            size_t il = json_string_length(ins);
            memcpy(out->text + at, json_string_value(ins), il);
            out->patches[k].ins = out->text + at;
            out->patches[k].ins_len = il;
            at += il;
        }
    }
    out->n_txns = nt;
    out->n_patches = np;
    rc = 0;
out:
    json_decref(root);
    if (rc != 0)
        trace_free(out);
    return rc;
}

void trace_free(struct trace *t)
{
    free(t->start);
    free(t->end);
    free(t->txns);
    free(t->patches);
    free(t->text);
    memset(t, 0, sizeof(*t));
}
