/* examples/config_server/http.h - the HTTP API over one config cell. */
#ifndef CONFIG_HTTP_H
#define CONFIG_HTTP_H

#include <microhttpd.h>
#include <vcow/vcow.h>

struct server;

/* Start libmicrohttpd with a pool of `threads` workers on 127.0.0.1:port
 * (0 = any free port; *bound gets the port), and the watcher thread that
 * resumes long polls (watch.h). NULL on failure. */
struct server *http_start(vcow_cell *cell, unsigned port, unsigned threads, unsigned *bound);

/* Stop both and free the server. */
void http_stop(struct server *srv);

#endif
