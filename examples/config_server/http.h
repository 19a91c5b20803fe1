/* examples/config_server/http.h - the HTTP API over one config cell. */
#ifndef CONFIG_HTTP_H
#define CONFIG_HTTP_H

#include <jansson.h>
#include <microhttpd.h>
#include <stdint.h>
#include <vcow/vcow.h>

struct server;

/* Start libmicrohttpd with a pool of `threads` workers on 127.0.0.1:port
 * (0 = any free port; *bound gets the port), and the watcher thread that
 * resumes long polls (watch.h). NULL on failure. */
struct server *http_start(vcow_cell *cell, unsigned port, unsigned threads, unsigned *bound);

/* The same, serving a cell that a mirror of etcd keeps (etcd_http.c);
 * NULL without libvcow-mirror. */
struct vcow_mirror;
struct server *http_start_etcd(vcow_cell *cell, struct vcow_mirror *m, unsigned port,
                               unsigned threads, unsigned *bound);

/* Answers, for http.c and etcd_http.c: JSON j (consumed) with a status;
 * http_reply_etag adds ETag: "<seq>"; http_fail answers {"error": msg}. */
enum MHD_Result http_reply(struct MHD_Connection *conn, unsigned status, json_t *j);
enum MHD_Result http_reply_etag(struct MHD_Connection *conn, unsigned status, json_t *j,
                                uint64_t seq);
enum MHD_Result http_fail(struct MHD_Connection *conn, unsigned status, const char *msg);

/* Stop both and free the server. */
void http_stop(struct server *srv);

#endif
