/* examples/config_server/http.h - the HTTP API over one config cell. */
#ifndef CONFIG_HTTP_H
#define CONFIG_HTTP_H

#include <microhttpd.h>
#include <vcow/vcow.h>

/* Start libmicrohttpd with a pool of `threads` workers on 127.0.0.1:port
 * (0 = any free port; *bound gets the port). NULL on failure. */
struct MHD_Daemon *http_start(vcow_cell *cell, unsigned port, unsigned threads, unsigned *bound);

/* Parse an RFC 3339 time ("2026-11-23T03:12:00Z", "...T03:12:00.5+01:00")
 * into CLOCK_REALTIME nanoseconds. 0 on success, -1 when malformed. */
int parse_rfc3339(const char *s, int64_t *ns);

/* Format ns as RFC 3339 UTC with nanoseconds into buf (>= 40 bytes). */
void format_rfc3339(int64_t ns, char *buf, size_t len);

#endif
