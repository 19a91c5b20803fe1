/*
 * examples/config_server/http.c - the HTTP API. Worker threads answer GETs
 * from the cell's head or a pinned old version: they never take a lock.
 *
 *   GET  /config[/<dotted.path>][?version=N | ?as_of=<RFC 3339>]
 *   GET  /history                    versions kept, with their commit times
 *   GET  /diff?from=N&to=M           paths that differ between two versions
 *   POST /config                     a JSON merge patch (RFC 7386), one commit
 *
 * The target is parsed as sent (request.c): a malformed %-escape, a %00, an
 * argument given twice, an empty key in a path, a malformed number or time
 * is answered 400 and changes nothing.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doc.h"
#include "http.h"
#include "request.h"

#define MAX_BODY (1 << 20)

/* One per connection's request, from the URI log callback to completed. */
struct request {
    char *target; /* as sent: libmicrohttpd's url is decoded and ends at a %00 */
    int started;  /* POST: the headers-only first call is over */
    char *body;
    size_t len;
    int too_big;
};

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status, json_t *j)
{
    char *text = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
    json_decref(j);
    if (text == NULL)
        return MHD_NO;
    size_t len = strlen(text);
    struct MHD_Response *r = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(r, "Content-Type", "application/json");
    enum MHD_Result rc = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return rc;
}

static enum MHD_Result fail(struct MHD_Connection *conn, unsigned status, const char *msg)
{
    return reply(conn, status, json_pack("{s:s}", "error", msg));
}

/* The version a GET asks for: pinned (release with vcow_version_unpin). */
static int pick_version(vcow_cell *cell, const struct target *t, vcow_version **v, const char **why)
{
    const char *ver = target_arg(t, "version");
    const char *asof = target_arg(t, "as_of");
    if (ver != NULL && asof != NULL) {
        *why = "give version or as_of, not both";
        return 400;
    }
    if (ver != NULL) {
        uint64_t seq;
        if (parse_seq(ver, &seq) != 0) {
            *why = "version must be a decimal number, at most 18446744073709551615";
            return 400;
        }
        if (vcow_cell_pin_at(cell, seq, v) != VCOW_OK) {
            *why = "no such version (never committed, or no longer kept)";
            return 404;
        }
        return 0;
    }
    if (asof != NULL) {
        int64_t ns;
        if (parse_rfc3339(asof, &ns) != 0) {
            *why = "as_of must be an RFC 3339 time, e.g. 2026-11-23T03:12:00Z or "
                   "2026-11-23T04:12:00%2B01:00 (a '+' in a query is a space)";
            return 400;
        }
        if (vcow_cell_pin_as_of(cell, ns, v) != VCOW_OK) {
            *why = "no version kept as of that time";
            return 404;
        }
        return 0;
    }
    vcow_cell_pin_head(cell, v); /* never fails */
    return 0;
}

static enum MHD_Result get_config(vcow_cell *cell, struct MHD_Connection *conn,
                                  const struct target *t, const char *path)
{
    vcow_version *v;
    const char *why = NULL;
    if (check_doc_path(path, &why) != 0)
        return fail(conn, 400, why);
    int status = pick_version(cell, t, &v, &why);
    if (status != 0)
        return fail(conn, (unsigned)status, why);
    int rc;
    json_t *val = doc_render(v, path, &rc);
    uint64_t seq = vcow_version_seq(v);
    vcow_version_unpin(v);
    if (val == NULL)
        return fail(conn, rc == VCOW_ENOMEM ? 500 : 404, "no such path in this version");
    return reply(
        conn, 200,
        json_pack("{s:I, s:s, s:o}", "version", (json_int_t)seq, "path", path, "value", val));
}

static enum MHD_Result get_history(vcow_cell *cell, struct MHD_Connection *conn)
{
    enum { CHUNK = 256 };
    struct vcow_version_info info[CHUNK];
    json_t *list = json_array();
    uint64_t from = 0;
    for (;;) {
        size_t n;
        vcow_cell_versions(cell, from, UINT64_MAX, info, CHUNK, &n);
        for (size_t i = 0; i < n; i++) {
            char t[RFC3339_LEN];
            format_rfc3339(info[i].time_ns, t, sizeof(t));
            json_array_append_new(
                list, json_pack("{s:I, s:s}", "version", (json_int_t)info[i].seq, "time", t));
        }
        if (n < CHUNK)
            break;
        from = info[n - 1].seq + 1;
    }
    return reply(conn, 200, json_pack("{s:o}", "versions", list));
}

static enum MHD_Result get_diff(vcow_cell *cell, struct MHD_Connection *conn,
                                const struct target *t)
{
    uint64_t from, to;
    const char *f = target_arg(t, "from"), *to_s = target_arg(t, "to");
    if (f == NULL || to_s == NULL || parse_seq(f, &from) || parse_seq(to_s, &to))
        return fail(conn, 400, "diff needs from=N&to=M (version numbers)");
    vcow_version *a, *b;
    if (vcow_cell_pin_at(cell, from, &a) != VCOW_OK)
        return fail(conn, 404, "no such version: from");
    if (vcow_cell_pin_at(cell, to, &b) != VCOW_OK) {
        vcow_version_unpin(a);
        return fail(conn, 404, "no such version: to");
    }
    json_t *changes = json_array();
    int rc = doc_diff(a, b, changes);
    vcow_version_unpin(a);
    vcow_version_unpin(b);
    if (rc != VCOW_OK) {
        json_decref(changes);
        return fail(conn, 500, vcow_strerror(rc));
    }
    return reply(conn, 200,
                 json_pack("{s:I, s:I, s:o}", "from", (json_int_t)from, "to", (json_int_t)to,
                           "changes", changes));
}

static enum MHD_Result post_config(vcow_cell *cell, struct MHD_Connection *conn,
                                   struct request *req)
{
    if (req->too_big)
        return fail(conn, 413, "body over 1 MiB");
    json_error_t jerr;
    json_t *patch = json_loadb(req->body ? req->body : "", req->len, JSON_ALLOW_NUL, &jerr);
    if (patch == NULL) {
        char msg[256];
        snprintf(msg, sizeof(msg), "malformed JSON: %s (line %d)", jerr.text, jerr.line);
        return fail(conn, 400, msg);
    }
    char err[256] = "";
    uint64_t seq = 0;
    int rc = doc_merge_patch(cell, patch, &seq, err, sizeof(err));
    json_decref(patch);
    if (rc != VCOW_OK)
        return fail(conn, rc == VCOW_ENOMEM ? 500 : 400, err[0] ? err : vcow_strerror(rc));
    return reply(conn, 200, json_pack("{s:I}", "version", (json_int_t)seq));
}

static enum MHD_Result route(vcow_cell *cell, struct MHD_Connection *conn, const char *method,
                             const struct target *t, struct request *req)
{
    if (strcmp(method, "POST") == 0) {
        if (strcmp(t->path, "/config") != 0)
            return fail(conn, 404, "POST goes to /config");
        return post_config(cell, conn, req);
    }
    if (strcmp(method, "GET") != 0)
        return fail(conn, 405, "only GET and POST");
    if (strcmp(t->path, "/config") == 0)
        return get_config(cell, conn, t, "");
    if (strncmp(t->path, "/config/", 8) == 0)
        return get_config(cell, conn, t, t->path + 8);
    if (strcmp(t->path, "/history") == 0)
        return get_history(cell, conn);
    if (strcmp(t->path, "/diff") == 0)
        return get_diff(cell, conn, t);
    return fail(conn, 404, "unknown endpoint: try /config, /history, /diff");
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **con_cls)
{
    (void)url;
    (void)version;
    vcow_cell *cell = cls;
    struct request *req = *con_cls;
    if (req == NULL) /* log_target ran out of memory */
        return MHD_NO;
    if (strcmp(method, "POST") == 0) {
        if (!req->started) { /* first call: headers only */
            req->started = 1;
            return MHD_YES;
        }
        if (*upload_size != 0) { /* a chunk of the body */
            if (req->len + *upload_size > MAX_BODY) {
                req->too_big = 1;
            } else {
                char *b = realloc(req->body, req->len + *upload_size);
                if (b == NULL)
                    return MHD_NO;
                memcpy(b + req->len, upload, *upload_size);
                req->body = b;
                req->len += *upload_size;
            }
            *upload_size = 0;
            return MHD_YES;
        }
    }
    struct target t;
    const char *why = NULL;
    int status = target_parse(req->target, &t, &why);
    if (status != 0)
        return fail(conn, (unsigned)status, status == 400 ? why : "out of memory");
    enum MHD_Result rc = route(cell, conn, method, &t, req);
    target_free(&t);
    return rc;
}

/* libmicrohttpd's URI log callback: the only place that sees the target
 * before it is decoded; what it returns becomes *con_cls. */
static void *log_target(void *cls, const char *uri, struct MHD_Connection *conn)
{
    (void)cls;
    (void)conn;
    struct request *req = calloc(1, sizeof(*req));
    if (req != NULL && (req->target = strdup(uri)) == NULL) {
        free(req);
        req = NULL;
    }
    return req;
}

static void completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    struct request *req = *con_cls;
    if (req != NULL) {
        free(req->target);
        free(req->body);
        free(req);
    }
    *con_cls = NULL;
}

struct MHD_Daemon *http_start(vcow_cell *cell, unsigned port, unsigned threads, unsigned *bound)
{
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL, (uint16_t)port, NULL, NULL, handle, cell,
        MHD_OPTION_SOCK_ADDR, &addr, MHD_OPTION_THREAD_POOL_SIZE, threads,
        MHD_OPTION_NOTIFY_COMPLETED, completed, NULL, MHD_OPTION_URI_LOG_CALLBACK, log_target, NULL,
        MHD_OPTION_CONNECTION_LIMIT, 4096u, MHD_OPTION_END);
    if (d != NULL && bound != NULL) {
        const union MHD_DaemonInfo *i = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
        *bound = i != NULL ? i->port : port;
    }
    return d;
}
