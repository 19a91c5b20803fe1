/* examples/config_server/etcd_http.h - the HTTP API in --etcd mode (etcd_http.c). */
#ifndef CONFIG_ETCD_HTTP_H
#define CONFIG_ETCD_HTTP_H

#include <vcow/mirror.h>

#include "http.h"
#include "request.h"

/* Answer one request of the --etcd mode; body is a POST's. */
enum MHD_Result etcd_route(vcow_cell *cell, vcow_mirror *m, struct MHD_Connection *conn,
                           const char *method, const struct target *t, const char *body,
                           size_t len);

#endif
