/*
 * integrations/mirror/mirror.c - start, stop, wait, stats and errors of a
 * mirror (vcow/mirror.h). The work is in follow.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <vcow/gc.h>

#include "internal.h"

int64_t vcow__mirror_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t vcow__mirror_real_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void vcow__mirror_error(vcow_mirror *m, const char *fmt, ...)
{
    char msg[sizeof(m->st.last_error)];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&m->lock);
    m->st.errors++;
    m->st.last_error_ns = vcow__mirror_real_ns();
    memcpy(m->st.last_error, msg, sizeof(msg));
    pthread_mutex_unlock(&m->lock);
    if (m->opts.verbose)
        fprintf(stderr, "vcow mirror: %s\n", msg);
}

void vcow__mirror_set_applied(vcow_mirror *m, int64_t rev)
{
    pthread_mutex_lock(&m->lock);
    /* relaxed: only this thread writes it. */
    if (rev > atomic_load_explicit(&m->applied, memory_order_relaxed)) {
        /* release: the commit that made rev true happened before; a
         * reader that sees rev (pin_revision's acquire) finds it. */
        atomic_store_explicit(&m->applied, rev, memory_order_release);
        m->st.applied_revision = rev;
        if (rev > m->st.etcd_revision)
            m->st.etcd_revision = rev;
    }
    /* Probes now confirmed are no longer behind. */
    int drop = 0;
    while (drop < m->nprobes && m->probes[drop].rev <= rev)
        drop++;
    memmove(m->probes, m->probes + drop, (size_t)(m->nprobes - drop) * sizeof(m->probes[0]));
    m->nprobes -= drop;
    m->behind_since_ns = m->nprobes > 0 ? m->probes[0].sent_ns : 0;
    pthread_cond_broadcast(&m->cond);
    pthread_mutex_unlock(&m->lock);
}

/* Split "a,b,c" into m->endpoints (each without a trailing '/'). */
static int parse_endpoints(vcow_mirror *m, const char *list)
{
    const char *p = list;
    while (*p != '\0') {
        const char *end = strchr(p, ',');
        size_t n = end != NULL ? (size_t)(end - p) : strlen(p);
        while (n > 0 && p[n - 1] == '/')
            n--;
        if (n > 0) {
            if (m->nendpoints == MIRROR_MAX_ENDPOINTS ||
                (strncmp(p, "http://", 7) != 0 && strncmp(p, "https://", 8) != 0) || n > 400)
                return VCOW_EINVAL;
            if ((m->endpoints[m->nendpoints] = strndup(p, n)) == NULL)
                return VCOW_ENOMEM;
            m->nendpoints++;
        }
        if (end == NULL)
            break;
        p = end + 1;
    }
    return m->nendpoints > 0 ? VCOW_OK : VCOW_EINVAL;
}

/* etcd's end of a prefix: the prefix with its last byte below 0xff
 * incremented and the rest dropped; "\0" (every key) for "" or all 0xff. */
static int prefix_end(vcow_mirror *m)
{
    size_t n = m->plen;
    while (n > 0 && (unsigned char)m->prefix[n - 1] == 0xff)
        n--;
    m->range_end = malloc(n > 0 ? n : 1);
    if (m->range_end == NULL)
        return VCOW_ENOMEM;
    if (n == 0) {
        m->range_end[0] = '\0';
        m->elen = 1;
        return VCOW_OK;
    }
    memcpy(m->range_end, m->prefix, n);
    m->range_end[n - 1]++;
    m->elen = n;
    return VCOW_OK;
}

static void mirror_free(vcow_mirror *m)
{
    for (int i = 0; i < m->nendpoints; i++)
        free(m->endpoints[i]);
    free(m->prefix);
    free(m->range_end);
    if (m->multi != NULL)
        curl_multi_cleanup(m->multi);
    pthread_mutex_destroy(&m->lock);
    pthread_cond_destroy(&m->cond);
    free(m);
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc = CURLE_FAILED_INIT;

static void init_curl(void)
{
    /* curl_global_init is not thread-safe before 7.84: once, here. */
    curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static void fill_defaults(struct vcow_mirror_opts *o)
{
    if (o->connect_timeout_ms <= 0)
        o->connect_timeout_ms = 1000;
    if (o->request_timeout_ms <= 0)
        o->request_timeout_ms = 5000;
    if (o->backoff_min_ms <= 0)
        o->backoff_min_ms = 50;
    if (o->backoff_max_ms < o->backoff_min_ms)
        o->backoff_max_ms = o->backoff_min_ms > 2000 ? o->backoff_min_ms : 2000;
    if (o->probe_interval_ms <= 0)
        o->probe_interval_ms = 500;
    if (o->range_page <= 0)
        o->range_page = 10000;
}

int vcow_mirror_start(vcow_cell *cell, const struct vcow_mirror_opts *opts, vcow_mirror **out)
{
    if (out != NULL)
        *out = NULL;
    if (cell == NULL || opts == NULL || out == NULL || opts->size < sizeof(size_t) ||
        opts->size > sizeof(*opts) || vcow_cell_kind(cell) != VCOW_KIND_MAP)
        return VCOW_EINVAL;
    struct vcow_mirror_opts o;
    memset(&o, 0, sizeof(o));
    memcpy(&o, opts, opts->size);
    if (o.endpoints == NULL || o.prefix == NULL)
        return VCOW_EINVAL;
    pthread_once(&curl_once, init_curl);
    if (curl_init_rc != CURLE_OK)
        return VCOW_EDEPS;
    vcow_mirror *m = calloc(1, sizeof(*m));
    if (m == NULL)
        return VCOW_ENOMEM;
    pthread_mutex_init(&m->lock, NULL);
    pthread_condattr_t ca; /* vcow_mirror_wait's deadline is CLOCK_MONOTONIC */
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&m->cond, &ca);
    pthread_condattr_destroy(&ca);
    fill_defaults(&o);
    m->opts = o;
    m->opts.endpoints = NULL; /* not kept: the caller's strings */
    m->opts.prefix = NULL;
    m->cell = cell;
    m->plen = strlen(o.prefix);
    int rc = (m->prefix = strdup(o.prefix)) == NULL ? VCOW_ENOMEM : VCOW_OK;
    if (rc == VCOW_OK)
        rc = parse_endpoints(m, o.endpoints);
    if (rc == VCOW_OK)
        rc = prefix_end(m);
    if (rc == VCOW_OK && (m->multi = curl_multi_init()) == NULL)
        rc = VCOW_EDEPS;
    if (rc != VCOW_OK) {
        mirror_free(m);
        return rc;
    }
    m->need_snapshot = true;
    m->disconnected_since_ns = vcow__mirror_mono_ns();
    if (pthread_create(&m->thread, NULL, vcow__mirror_thread, m) != 0) {
        mirror_free(m);
        return VCOW_EDEPS;
    }
    *out = m;
    return VCOW_OK;
}

void vcow_mirror_stop(vcow_mirror *m)
{
    if (m == NULL)
        return;
    /* relaxed: the wakeup below makes the thread look. */
    atomic_store_explicit(&m->stop, true, memory_order_relaxed);
    curl_multi_wakeup(m->multi);
    pthread_join(m->thread, NULL);
    mirror_free(m);
}

int vcow_mirror_wait(vcow_mirror *m, int64_t rev, int64_t timeout_ns)
{
    if (m == NULL)
        return VCOW_EINVAL;
    if (vcow_in_read_section())
        return VCOW_ESTATE;
    if (rev < 1)
        rev = 1; /* the first snapshot's revision is at least 1 */
    struct timespec deadline;
    if (timeout_ns >= 0) {
        clock_gettime(CLOCK_MONOTONIC, &deadline);
        int64_t ns = deadline.tv_nsec + timeout_ns % 1000000000;
        deadline.tv_sec += (time_t)(timeout_ns / 1000000000 + ns / 1000000000);
        deadline.tv_nsec = (long)(ns % 1000000000);
    }
    int rc = VCOW_OK;
    pthread_mutex_lock(&m->lock);
    while (m->st.applied_revision < rev) {
        if (timeout_ns < 0) {
            pthread_cond_wait(&m->cond, &m->lock);
        } else if (pthread_cond_timedwait(&m->cond, &m->lock, &deadline) != 0 &&
                   m->st.applied_revision < rev) {
            rc = VCOW_EAGAIN;
            break;
        }
    }
    pthread_mutex_unlock(&m->lock);
    return rc;
}

int vcow_mirror_get_stats(vcow_mirror *m, struct vcow_mirror_stats *out)
{
    if (m == NULL || out == NULL)
        return VCOW_EINVAL;
    int64_t now = vcow__mirror_mono_ns();
    pthread_mutex_lock(&m->lock);
    *out = m->st;
    int64_t since = m->behind_since_ns;
    if (m->disconnected_since_ns != 0 && (since == 0 || m->disconnected_since_ns < since))
        since = m->disconnected_since_ns;
    out->behind_ns = since != 0 ? now - since : 0;
    pthread_mutex_unlock(&m->lock);
    return VCOW_OK;
}
