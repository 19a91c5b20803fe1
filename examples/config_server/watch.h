/*
 * examples/config_server/watch.h - long polls (GET /watch) without a worker
 * thread per poll: a poll that must wait is suspended (libmicrohttpd's
 * MHD_suspend_connection), registered here, and resumed by one watcher
 * thread when the cell's head passes the version it waits for
 * (vcow_cell_wait) or its deadline comes; the worker then answers it.
 */
#ifndef CONFIG_WATCH_H
#define CONFIG_WATCH_H

#include <microhttpd.h>
#include <stdint.h>
#include <vcow/vcow.h>

struct watchers;

/* Start the watcher thread for cell. NULL on failure. */
struct watchers *watchers_start(vcow_cell *cell);

/* Suspend conn until the head is past `after` or CLOCK_MONOTONIC passes
 * deadline_ns. Call from the connection's handler. -1 when out of memory
 * (nothing suspended). */
int watchers_suspend(struct watchers *w, struct MHD_Connection *conn, uint64_t after,
                     int64_t deadline_ns);

/* Resume every suspended poll and stop the thread (before MHD_stop_daemon). */
void watchers_stop(struct watchers *w);

/* CLOCK_MONOTONIC now, nanoseconds. */
int64_t watch_now_ns(void);

#endif
