/* examples/config_server/http.h - the HTTP API over one config cell. */
#ifndef CONFIG_HTTP_H
#define CONFIG_HTTP_H

#include <microhttpd.h>
#include <vcow/vcow.h>

/* Start libmicrohttpd with a pool of `threads` workers on 127.0.0.1:port
 * (0 = any free port; *bound gets the port). NULL on failure. */
struct MHD_Daemon *http_start(vcow_cell *cell, unsigned port, unsigned threads, unsigned *bound);

#endif
