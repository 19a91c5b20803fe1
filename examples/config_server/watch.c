/*
 * examples/config_server/watch.c - the watcher thread (watch.h). The list of
 * suspended polls is behind a mutex: it is the server's bookkeeping, not the
 * config, whose reads stay lock-free. A poll is added and suspended under
 * the mutex, so the thread cannot resume it before it is suspended.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "watch.h"

struct poll {
    struct MHD_Connection *conn;
    uint64_t after;
    int64_t deadline_ns;
    struct poll *next;
};

struct watchers {
    vcow_cell *cell;
    pthread_t thread;
    pthread_mutex_t lock;
    struct poll *polls; /* under lock */
    bool stop;          /* under lock */
};

int64_t watch_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Resume the polls that are due (all of them when stopping). */
static bool resume_due(struct watchers *w, uint64_t head)
{
    int64_t now = watch_now_ns();
    pthread_mutex_lock(&w->lock);
    bool stop = w->stop;
    for (struct poll **pp = &w->polls; *pp != NULL;) {
        struct poll *p = *pp;
        if (stop || head > p->after || now >= p->deadline_ns) {
            MHD_resume_connection(p->conn);
            *pp = p->next;
            free(p);
        } else {
            pp = &p->next;
        }
    }
    pthread_mutex_unlock(&w->lock);
    return !stop;
}

static void *watcher(void *arg)
{
    struct watchers *w = arg;
    uint64_t head = 0;
    /* Wake at every commit, and at least every 100 ms for deadlines and stop. */
    do {
        vcow_cell_wait(w->cell, head, 100 * 1000 * 1000, &head);
    } while (resume_due(w, head));
    return NULL;
}

struct watchers *watchers_start(vcow_cell *cell)
{
    struct watchers *w = calloc(1, sizeof(*w));
    if (w == NULL)
        return NULL;
    w->cell = cell;
    pthread_mutex_init(&w->lock, NULL);
    if (pthread_create(&w->thread, NULL, watcher, w) != 0) {
        pthread_mutex_destroy(&w->lock);
        free(w);
        return NULL;
    }
    return w;
}

int watchers_suspend(struct watchers *w, struct MHD_Connection *conn, uint64_t after,
                     int64_t deadline_ns)
{
    struct poll *p = malloc(sizeof(*p));
    if (p == NULL)
        return -1;
    p->conn = conn;
    p->after = after;
    p->deadline_ns = deadline_ns;
    pthread_mutex_lock(&w->lock);
    if (w->stop) { /* nobody would resume it */
        pthread_mutex_unlock(&w->lock);
        free(p);
        return -1;
    }
    p->next = w->polls;
    w->polls = p;
    MHD_suspend_connection(conn);
    pthread_mutex_unlock(&w->lock);
    return 0;
}

void watchers_stop(struct watchers *w)
{
    if (w == NULL)
        return;
    pthread_mutex_lock(&w->lock);
    w->stop = true;
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
    pthread_mutex_destroy(&w->lock);
    free(w);
}
