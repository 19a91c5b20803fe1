/*
 * examples/config_server/etcd_http.c - the HTTP API in --etcd mode: the
 * document lives in etcd as flat keys (etcd_doc.h), the server reads a
 * mirror of it (vcow/mirror.h), lock-free, and writes through to etcd.
 * Versions are etcd revisions:
 *
 *   GET  /config[/<dotted.path>][?version=REV | ?as_of=<RFC 3339>]
 *                           the document as of etcd revision REV (the
 *                           newest change at or before it); ETag: "<rev>"
 *                           (the revision of that change)
 *   GET  /history           the versions kept: etcd revision, seq, when the
 *                           mirror applied it, and whether it was a resync
 *   GET  /diff?from=R&to=S  paths that differ between two revisions
 *   GET  /status            the mirror: applied and cluster revision, how
 *                           far behind, reconnects, resyncs, last error
 *   POST /config            a JSON merge patch, written as one etcd Txn
 *                           that compares mod_revision with the revision
 *                           the client saw (If-Match: "<rev>", else the
 *                           head's, retried on a conflict); answered once
 *                           the mirror has applied it: {"version": rev}
 *
 * GET /watch is not served in this mode (501).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etcd_doc.h"
#include "etcd_http.h"
#include "request.h"

#define WRITE_TIMEOUT_NS (10 * 1000000000LL)

/* The version a GET asks for, pinned; 0 or an HTTP status with *why. */
static int pick(vcow_cell *cell, vcow_mirror *m, const struct target *t, vcow_version **v,
                const char **why)
{
    const char *ver = target_arg(t, "version"), *asof = target_arg(t, "as_of");
    if (ver != NULL && asof != NULL) {
        *why = "give version or as_of, not both";
        return 400;
    }
    if (ver != NULL) {
        uint64_t rev;
        if (parse_seq(ver, &rev) != 0 || rev < 1 || rev > INT64_MAX) {
            *why = "version is an etcd revision: a decimal number from 1";
            return 400;
        }
        int rc = vcow_mirror_pin_revision(m, (int64_t)rev, v);
        if (rc == VCOW_EAGAIN) {
            *why = "that revision is not mirrored yet";
            return 404;
        }
        if (rc != VCOW_OK) {
            *why = "no version kept for that revision (before the first one kept, or "
                   "compacted away while this server was disconnected)";
            return 404;
        }
        return 0;
    }
    if (asof != NULL) {
        int64_t ns;
        if (parse_rfc3339(asof, &ns) != 0) {
            *why = "as_of must be an RFC 3339 time";
            return 400;
        }
        if (vcow_cell_pin_as_of(cell, ns, v) != VCOW_OK) {
            *why = "no version kept as of that time";
            return 404;
        }
        return 0;
    }
    vcow_cell_pin_head(cell, v);
    return 0;
}

static int64_t rev_of(const vcow_version *v)
{
    int64_t rev = 0;
    vcow_mirror_version_revision(v, &rev);
    return rev;
}

static enum MHD_Result get_config(vcow_cell *cell, vcow_mirror *m, struct MHD_Connection *conn,
                                  const struct target *t, const char *path)
{
    vcow_version *v;
    const char *why = NULL;
    if (check_doc_path(path, &why) != 0)
        return http_fail(conn, 400, why);
    int status = pick(cell, m, t, &v, &why);
    if (status != 0)
        return http_fail(conn, (unsigned)status, why);
    int64_t rev = rev_of(v);
    json_t *doc = etcd_render(v);
    vcow_version_unpin(v);
    if (doc == NULL)
        return http_fail(conn, 500, "out of memory");
    json_t *val = etcd_lookup(doc, path);
    if (val == NULL) {
        json_decref(doc);
        return http_fail(conn, 404, "no such path in this version");
    }
    json_incref(val);
    json_decref(doc);
    return http_reply_etag(
        conn, 200,
        json_pack("{s:I, s:s, s:o}", "version", (json_int_t)rev, "path", path, "value", val),
        (uint64_t)rev);
}

static enum MHD_Result get_history(vcow_cell *cell, struct MHD_Connection *conn)
{
    enum { CHUNK = 256 };
    static _Thread_local struct vcow_version_info info[CHUNK];
    json_t *list = json_array();
    uint64_t from = 1;
    for (;;) {
        size_t n;
        vcow_cell_versions(cell, from, UINT64_MAX, info, CHUNK, &n);
        for (size_t i = 0; i < n; i++) {
            vcow_version *v;
            if (vcow_cell_pin_at(cell, info[i].seq, &v) != VCOW_OK)
                continue;
            int64_t rev = rev_of(v);
            vcow_version_unpin(v);
            if (rev == 0)
                continue;
            char t[RFC3339_LEN];
            format_rfc3339(info[i].time_ns, t, sizeof(t));
            bool resync =
                info[i].tag_len > 0 && memmem(info[i].tag, info[i].tag_len, "resync", 6) != NULL;
            json_array_append_new(list, json_pack("{s:I, s:I, s:s, s:b}", "version",
                                                  (json_int_t)rev, "seq", (json_int_t)info[i].seq,
                                                  "applied", t, "resync", resync));
        }
        if (n < CHUNK)
            break;
        from = info[n - 1].seq + 1;
    }
    return http_reply(conn, 200, json_pack("{s:o}", "versions", list));
}

static enum MHD_Result get_diff(vcow_mirror *m, struct MHD_Connection *conn, const struct target *t)
{
    uint64_t from, to;
    const char *f = target_arg(t, "from"), *to_s = target_arg(t, "to");
    if (f == NULL || to_s == NULL || parse_seq(f, &from) || parse_seq(to_s, &to) || from < 1 ||
        to < 1 || from > INT64_MAX || to > INT64_MAX)
        return http_fail(conn, 400, "diff needs from=R&to=S (etcd revisions)");
    vcow_version *a, *b;
    if (vcow_mirror_pin_revision(m, (int64_t)from, &a) != VCOW_OK)
        return http_fail(conn, 404, "no version kept for revision: from");
    if (vcow_mirror_pin_revision(m, (int64_t)to, &b) != VCOW_OK) {
        vcow_version_unpin(a);
        return http_fail(conn, 404, "no version kept for revision: to");
    }
    json_t *changes = json_array();
    int rc = etcd_diff(a, b, changes);
    vcow_version_unpin(a);
    vcow_version_unpin(b);
    if (rc != VCOW_OK) {
        json_decref(changes);
        return http_fail(conn, 500, vcow_strerror(rc));
    }
    return http_reply(conn, 200,
                      json_pack("{s:I, s:I, s:o}", "from", (json_int_t)from, "to", (json_int_t)to,
                                "changes", changes));
}

static enum MHD_Result get_status(vcow_mirror *m, struct MHD_Connection *conn)
{
    struct vcow_mirror_stats st;
    vcow_mirror_get_stats(m, &st);
    return http_reply(
        conn, 200,
        json_pack("{s:I, s:I, s:f, s:b, s:i, s:I, s:I, s:I, s:I, s:I, s:s}", "applied_revision",
                  (json_int_t)st.applied_revision, "etcd_revision", (json_int_t)st.etcd_revision,
                  "behind_ms", (double)st.behind_ns / 1e6, "connected", st.connected, "endpoint",
                  st.endpoint, "commits", (json_int_t)st.commits, "events", (json_int_t)st.events,
                  "reconnects", (json_int_t)st.reconnects, "resyncs", (json_int_t)st.resyncs,
                  "errors", (json_int_t)st.errors, "last_error", st.last_error));
}

/* One try of a POST: the patch against the version at base_rev. */
static int try_post(vcow_cell *cell, vcow_mirror *m, json_t *patch, int64_t base_rev, int64_t *rev,
                    char *err, size_t errlen)
{
    vcow_version *base;
    int rc = vcow_mirror_pin_revision(m, base_rev, &base);
    if (rc == VCOW_EAGAIN && vcow_mirror_wait(m, base_rev, WRITE_TIMEOUT_NS) == VCOW_OK)
        rc = vcow_mirror_pin_revision(m, base_rev, &base);
    if (rc != VCOW_OK) {
        snprintf(err, errlen, "revision %lld is not kept here", (long long)base_rev);
        return VCOW_ENOENT;
    }
    struct etcd_ops ops = {NULL, 0, 0};
    rc = etcd_patch_ops(base, patch, &ops, err, errlen);
    vcow_version_unpin(base);
    if (rc != VCOW_OK)
        return rc;
    if (ops.n == 0) { /* nothing to write; still a conflict if the config moved on */
        vcow_version *h;
        vcow_cell_pin_head(cell, &h);
        *rev = rev_of(h);
        vcow_version_unpin(h);
        return *rev > base_rev ? VCOW_ECONFLICT : VCOW_OK;
    }
    rc = vcow_mirror_write(m, ops.op, ops.n, base_rev, WRITE_TIMEOUT_NS, rev);
    etcd_ops_free(&ops);
    return rc;
}

static enum MHD_Result post_config(vcow_cell *cell, vcow_mirror *m, struct MHD_Connection *conn,
                                   const char *body, size_t len)
{
    json_error_t jerr;
    json_t *patch = json_loadb(body != NULL ? body : "", len, 0, &jerr);
    if (patch == NULL)
        return http_fail(conn, 400, jerr.text);
    const char *im = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "If-Match");
    uint64_t want = 0;
    if (im != NULL) {
        char buf[24];
        size_t n = strlen(im);
        if (n >= 2 && im[0] == '"' && im[n - 1] == '"') {
            im++;
            n -= 2;
        }
        if (n == 0 || n >= sizeof(buf) ||
            (memcpy(buf, im, n), buf[n] = '\0', parse_seq(buf, &want) != 0) || want < 1 ||
            want > INT64_MAX) {
            json_decref(patch);
            return http_fail(conn, 400, "If-Match takes one etcd revision: If-Match: \"12\"");
        }
    }
    char err[256] = "";
    int64_t rev = 0;
    int rc = VCOW_ECONFLICT;
    for (int tries = 0; tries < 8 && rc == VCOW_ECONFLICT; tries++) {
        int64_t base = (int64_t)want;
        if (im == NULL) { /* the head's revision; retried when another write came first */
            vcow_version *h;
            vcow_cell_pin_head(cell, &h);
            base = rev_of(h);
            vcow_version_unpin(h);
        }
        rc = try_post(cell, m, patch, base, &rev, err, sizeof(err));
        if (im != NULL)
            break;
    }
    json_decref(patch);
    switch (rc) {
    case VCOW_OK:
        return http_reply(conn, 200, json_pack("{s:I}", "version", (json_int_t)rev));
    case VCOW_ECONFLICT:
        return http_fail(conn, 412, "the config changed in etcd since that revision");
    case VCOW_ENOENT:
        return http_fail(conn, 412, err);
    case VCOW_EINVAL:
        return http_fail(conn, 400, err);
    case VCOW_ERANGE:
        return http_fail(conn, 413, "too many keys in one write (etcd's --max-txn-ops)");
    case VCOW_EDEPS:
        return http_fail(conn, 503, "no etcd endpoint answered: nothing was written");
    case VCOW_EAGAIN:
        return http_fail(conn, 504,
                         "etcd's answer was lost or not mirrored in time: the write "
                         "may or may not have happened");
    default:
        return http_fail(conn, 500, vcow_strerror(rc));
    }
}

enum MHD_Result etcd_route(vcow_cell *cell, vcow_mirror *m, struct MHD_Connection *conn,
                           const char *method, const struct target *t, const char *body, size_t len)
{
    if (strcmp(method, "POST") == 0) {
        if (strcmp(t->path, "/config") != 0)
            return http_fail(conn, 404, "POST goes to /config");
        return post_config(cell, m, conn, body, len);
    }
    if (strcmp(method, "GET") != 0)
        return http_fail(conn, 405, "only GET and POST");
    if (strcmp(t->path, "/config") == 0)
        return get_config(cell, m, conn, t, "");
    if (strncmp(t->path, "/config/", 8) == 0)
        return get_config(cell, m, conn, t, t->path + 8);
    if (strcmp(t->path, "/history") == 0)
        return get_history(cell, conn);
    if (strcmp(t->path, "/diff") == 0)
        return get_diff(m, conn, t);
    if (strcmp(t->path, "/status") == 0)
        return get_status(m, conn);
    if (strcmp(t->path, "/watch") == 0)
        return http_fail(conn, 501, "/watch is not served with --etcd");
    return http_fail(conn, 404, "unknown endpoint: try /config, /history, /diff, /status");
}
