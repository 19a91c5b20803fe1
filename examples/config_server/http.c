/*
 * examples/config_server/http.c - the HTTP API. Worker threads answer GETs
 * from the cell's head or a pinned old version: they never take a lock.
 *
 *   GET  /config[/<dotted.path>][?version=N | ?as_of=<RFC 3339>]
 *                                    answers with ETag: "<version>"
 *   GET  /history                    versions kept, with their commit times,
 *                                    authors and reasons
 *   GET  /diff?from=N&to=M           paths that differ between two versions
 *   GET  /watch?after=N[&timeout=S]  long poll: waits (S seconds, default 30,
 *                                    at most 300) until the head is past N,
 *                                    then answers the diff from N to it
 *   POST /config                     a JSON merge patch (RFC 7386), one commit;
 *                                    If-Match: "<version>" commits only if the
 *                                    head is still that version (else 412);
 *                                    X-Author and X-Reason become the
 *                                    commit's tag (vcow_txn_set_tag)
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
#ifdef CONFIG_SERVER_ETCD
#include "etcd_http.h"
#endif
#include "request.h"
#include "watch.h"

struct server {
    struct MHD_Daemon *daemon;
    vcow_cell *cell;
    struct watchers *watchers;
    struct vcow_mirror *mirror; /* --etcd: answered by etcd_http.c */
};

#define MAX_BODY (1 << 20)

/* One per connection's request, from the URI log callback to completed. */
struct request {
    char *target; /* as sent: libmicrohttpd's url is decoded and ends at a %00 */
    int watching; /* GET /watch suspended: answer it when resumed */
    uint64_t after;
    int started; /* POST: the headers-only first call is over */
    char *body;
    size_t len;
    int too_big;
};

/* Send j (consumed) as the answer; etag (if not NULL) as its ETag header. */
static enum MHD_Result reply_with(struct MHD_Connection *conn, unsigned status, json_t *j,
                                  const char *etag)
{
    char *text = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
    json_decref(j);
    if (text == NULL)
        return MHD_NO;
    size_t len = strlen(text);
    struct MHD_Response *r = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(r, "Content-Type", "application/json");
    if (etag != NULL)
        MHD_add_response_header(r, "ETag", etag);
    enum MHD_Result rc = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return rc;
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status, json_t *j)
{
    return reply_with(conn, status, j, NULL);
}

/* reply, with ETag: "<seq>" (the version the answer was read from). */
static enum MHD_Result reply_etag(struct MHD_Connection *conn, unsigned status, json_t *j,
                                  uint64_t seq)
{
    char etag[32];
    snprintf(etag, sizeof(etag), "\"%llu\"", (unsigned long long)seq);
    return reply_with(conn, status, j, etag);
}

static enum MHD_Result fail(struct MHD_Connection *conn, unsigned status, const char *msg)
{
    return reply(conn, status, json_pack("{s:s}", "error", msg));
}

enum MHD_Result http_reply(struct MHD_Connection *conn, unsigned status, json_t *j)
{
    return reply(conn, status, j);
}

enum MHD_Result http_reply_etag(struct MHD_Connection *conn, unsigned status, json_t *j,
                                uint64_t seq)
{
    return reply_etag(conn, status, j, seq);
}

enum MHD_Result http_fail(struct MHD_Connection *conn, unsigned status, const char *msg)
{
    return fail(conn, status, msg);
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
    return reply_etag(
        conn, 200,
        json_pack("{s:I, s:s, s:o}", "version", (json_int_t)seq, "path", path, "value", val), seq);
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
            json_t *e = json_pack("{s:I, s:s}", "version", (json_int_t)info[i].seq, "time", t);
            /* The tag is what post_config wrote: {"author": .., "reason": ..}. */
            json_t *tag = info[i].tag_len != 0
                              ? json_loadb((const char *)info[i].tag, info[i].tag_len, 0, NULL)
                              : NULL;
            if (e != NULL && json_is_object(tag))
                json_object_update(e, tag);
            json_decref(tag);
            json_array_append_new(list, e);
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

/* Answer a watch: the diff from req->after to the head, or an empty one
 * (to == after) when the head is not past it (the deadline came). */
static enum MHD_Result answer_watch(vcow_cell *cell, struct MHD_Connection *conn,
                                    const struct request *req)
{
    vcow_version *from, *to;
    if (vcow_cell_pin_at(cell, req->after, &from) != VCOW_OK)
        return fail(conn, 410,
                    "that version is not kept (never committed, or trimmed): "
                    "GET /config and watch after its version");
    vcow_cell_pin_head(cell, &to); /* never fails */
    uint64_t head = vcow_version_seq(to);
    json_t *changes = json_array();
    int rc = head > req->after ? doc_diff(from, to, changes) : VCOW_OK;
    vcow_version_unpin(from);
    vcow_version_unpin(to);
    if (rc != VCOW_OK) {
        json_decref(changes);
        return fail(conn, 500, vcow_strerror(rc));
    }
    return reply(conn, 200,
                 json_pack("{s:I, s:I, s:o}", "from", (json_int_t)req->after, "to",
                           (json_int_t)(head > req->after ? head : req->after), "changes",
                           changes));
}

/* GET /watch?after=N[&timeout=S]: answered at once when the head is past N
 * (or N is not kept), else suspended until it is or S seconds pass. */
static enum MHD_Result get_watch(struct server *srv, struct MHD_Connection *conn,
                                 const struct target *t, struct request *req)
{
    uint64_t secs = 30;
    const char *a = target_arg(t, "after"), *s = target_arg(t, "timeout");
    if (a == NULL || parse_seq(a, &req->after) != 0)
        return fail(conn, 400, "watch needs after=N (a version number)");
    if (s != NULL && (parse_seq(s, &secs) != 0 || secs > 300))
        return fail(conn, 400, "timeout is a number of seconds, at most 300");
    vcow_version *head;
    vcow_cell_pin_head(srv->cell, &head);
    bool ready = vcow_version_seq(head) > req->after || secs == 0;
    vcow_version_unpin(head);
    if (ready)
        return answer_watch(srv->cell, conn, req);
    req->watching = 1;
    if (watchers_suspend(srv->watchers, conn, req->after,
                         watch_now_ns() + (int64_t)secs * 1000000000) != 0)
        return fail(conn, 503, "the server is stopping");
    return MHD_YES; /* answered when resumed (handle) */
}

static enum MHD_Result post_patch(vcow_cell *cell, struct MHD_Connection *conn, struct request *req,
                                  const struct doc_meta *meta);

/* If-Match: "N" (or N): the version a POST must be based on. */
static int parse_if_match(const char *h, uint64_t *seq)
{
    size_t n = strlen(h);
    char buf[24];
    if (n >= 2 && h[0] == '"' && h[n - 1] == '"') {
        h++;
        n -= 2;
    }
    if (n == 0 || n >= sizeof(buf))
        return -1;
    memcpy(buf, h, n);
    buf[n] = '\0';
    return parse_seq(buf, seq);
}

static enum MHD_Result post_config(vcow_cell *cell, struct MHD_Connection *conn,
                                   struct request *req)
{
    if (req->too_big)
        return fail(conn, 413, "body over 1 MiB");
    struct doc_meta meta = {false, 0, NULL, 0};
    const char *im = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "If-Match");
    if (im != NULL && parse_if_match(im, &meta.base) != 0)
        return fail(conn, 400, "If-Match takes one version number: If-Match: \"12\"");
    meta.if_match = im != NULL;
    const char *author = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Author");
    const char *why = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Reason");
    char *tag = NULL;
    if (author != NULL || why != NULL) {
        json_t *tj = json_object();
        if (author != NULL)
            json_object_set_new(tj, "author", json_string(author));
        if (why != NULL)
            json_object_set_new(tj, "reason", json_string(why));
        tag = json_dumps(tj, JSON_COMPACT | JSON_SORT_KEYS);
        json_decref(tj);
        if (tag == NULL)
            return fail(conn, 400, "X-Author and X-Reason must be UTF-8 text");
        if (strlen(tag) > VCOW_TAG_MAX) {
            free(tag);
            return fail(conn, 400, "X-Author and X-Reason together: at most about 230 bytes");
        }
        meta.tag = tag;
        meta.tag_len = strlen(tag);
    }
    enum MHD_Result r = post_patch(cell, conn, req, &meta);
    free(tag);
    return r;
}

static enum MHD_Result post_patch(vcow_cell *cell, struct MHD_Connection *conn, struct request *req,
                                  const struct doc_meta *meta)
{
    json_error_t jerr;
    json_t *patch = json_loadb(req->body ? req->body : "", req->len, JSON_ALLOW_NUL, &jerr);
    if (patch == NULL) {
        char msg[256];
        snprintf(msg, sizeof(msg), "malformed JSON: %s (line %d)", jerr.text, jerr.line);
        return fail(conn, 400, msg);
    }
    char err[256] = "";
    uint64_t seq = 0;
    int rc = doc_merge_patch(cell, patch, meta, &seq, err, sizeof(err));
    json_decref(patch);
    if (rc == VCOW_ECONFLICT)
        return fail(conn, 412, err);
    if (rc != VCOW_OK)
        return fail(conn, rc == VCOW_ENOMEM ? 500 : 400, err[0] ? err : vcow_strerror(rc));
    return reply(conn, 200, json_pack("{s:I}", "version", (json_int_t)seq));
}

static enum MHD_Result route(struct server *srv, struct MHD_Connection *conn, const char *method,
                             const struct target *t, struct request *req)
{
    vcow_cell *cell = srv->cell;
#ifdef CONFIG_SERVER_ETCD
    if (srv->mirror != NULL) {
        if (req->too_big)
            return fail(conn, 413, "body over 1 MiB");
        return etcd_route(cell, srv->mirror, conn, method, t, req->body, req->len);
    }
#endif
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
    if (strcmp(t->path, "/watch") == 0)
        return get_watch(srv, conn, t, req);
    return fail(conn, 404, "unknown endpoint: try /config, /history, /diff, /watch");
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **con_cls)
{
    (void)url;
    (void)version;
    struct server *srv = cls;
    struct request *req = *con_cls;
    if (req == NULL) /* log_target ran out of memory */
        return MHD_NO;
    if (req->watching) { /* a suspended watch, resumed: the head moved or time is up */
        req->watching = 0;
        return answer_watch(srv->cell, conn, req);
    }
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
    enum MHD_Result rc = route(srv, conn, method, &t, req);
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

static struct server *start(vcow_cell *cell, struct vcow_mirror *m, unsigned port, unsigned threads,
                            unsigned *bound);

struct server *http_start(vcow_cell *cell, unsigned port, unsigned threads, unsigned *bound)
{
    return start(cell, NULL, port, threads, bound);
}

struct server *http_start_etcd(vcow_cell *cell, struct vcow_mirror *m, unsigned port,
                               unsigned threads, unsigned *bound)
{
#ifdef CONFIG_SERVER_ETCD
    return start(cell, m, port, threads, bound);
#else
    (void)cell, (void)m, (void)port, (void)threads, (void)bound;
    return NULL;
#endif
}

static struct server *start(vcow_cell *cell, struct vcow_mirror *m, unsigned port, unsigned threads,
                            unsigned *bound)
{
    struct server *srv = calloc(1, sizeof(*srv));
    if (srv == NULL)
        return NULL;
    srv->cell = cell;
    srv->mirror = m;
    srv->watchers = watchers_start(cell);
    if (srv->watchers == NULL) {
        free(srv);
        return NULL;
    }
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    srv->daemon = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME, (uint16_t)port,
        NULL, NULL, handle, srv, MHD_OPTION_SOCK_ADDR, &addr, MHD_OPTION_THREAD_POOL_SIZE, threads,
        MHD_OPTION_NOTIFY_COMPLETED, completed, NULL, MHD_OPTION_URI_LOG_CALLBACK, log_target, NULL,
        MHD_OPTION_CONNECTION_LIMIT, 4096u, MHD_OPTION_END);
    if (srv->daemon == NULL) {
        watchers_stop(srv->watchers);
        free(srv);
        return NULL;
    }
    if (bound != NULL) {
        const union MHD_DaemonInfo *i = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
        *bound = i != NULL ? i->port : port;
    }
    return srv;
}

void http_stop(struct server *srv)
{
    watchers_stop(srv->watchers); /* resumes every suspended watch first */
    MHD_stop_daemon(srv->daemon);
    free(srv);
}
