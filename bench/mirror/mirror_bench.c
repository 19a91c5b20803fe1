/*
 * bench/mirror/mirror_bench.c - the etcd mirror's numbers, against a real
 * etcd cluster that tests/mirror/harness.c starts (3 members on 127.0.0.1,
 * data in /dev/shm). A plain program, not a Google Benchmark suite: what
 * it times is a cluster, not a loop (scripts/bench.sh does not run it).
 *
 *   mirror_bench [READS] [LAG_PUTS] [SECONDS] [WRITERS]
 *
 *   1. a read of one key: through the mirror (read section + map get)
 *      against an etcd range request per read (one kept-alive connection);
 *   2. lag: a put's acknowledgement to the mirror having it (median, p99);
 *   3. for SECONDS, WRITERS threads put as fast as etcd takes it: the put
 *      rate, and the revisions per second the mirror applies meanwhile.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>
#include <vcow/gc.h>
#include <vcow/map.h>
#include <vcow/mirror.h>

#include "tests/mirror/harness.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static size_t sink(char *d, size_t s, size_t n, void *arg)
{
    (void)d;
    (void)arg;
    return s * n;
}

struct buf {
    char *p;
    size_t n;
};

static size_t keep(char *d, size_t s, size_t n, void *arg)
{
    struct buf *b = arg;
    size_t len = s * n;
    b->p = realloc(b->p, b->n + len + 1);
    memcpy(b->p + b->n, d, len);
    b->n += len;
    b->p[b->n] = '\0';
    return len;
}

/* A put on a kept-alive handle; its revision. */
static int64_t put(CURL *h, const char *url, const char *key, const char *val)
{
    char *k = b64(key, strlen(key)), *v = b64(val, strlen(val));
    char body[512], full[128];
    snprintf(body, sizeof(body), "{\"key\":\"%s\",\"value\":\"%s\"}", k, v);
    snprintf(full, sizeof(full), "%s/v3/kv/put", url);
    free(k);
    free(v);
    struct buf b = {NULL, 0};
    curl_easy_setopt(h, CURLOPT_URL, full);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, keep);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
    int64_t rev = 0;
    if (curl_easy_perform(h) == CURLE_OK && b.p != NULL) {
        const char *r = strstr(b.p, "\"revision\":\"");
        rev = r != NULL ? strtoll(r + 12, NULL, 10) : 0;
    }
    free(b.p);
    return rev;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

struct writer {
    const char *url;
    atomic_bool *stop;
    uint64_t puts;
    int id;
};

static void *write_loop(void *arg)
{
    struct writer *w = arg;
    CURL *h = curl_easy_init();
    char key[64], val[64];
    /* relaxed: a stop flag */
    while (!atomic_load_explicit(w->stop, memory_order_relaxed)) {
        snprintf(key, sizeof(key), "b/w%d/k%" PRIu64, w->id, w->puts % 100);
        snprintf(val, sizeof(val), "%" PRIu64, w->puts);
        if (put(h, w->url, key, val) > 0)
            w->puts++;
    }
    curl_easy_cleanup(h);
    return NULL;
}

int main(int argc, char **argv)
{
    long reads = argc > 1 ? atol(argv[1]) : 2000;
    long lag_puts = argc > 2 ? atol(argv[2]) : 500;
    double secs = argc > 3 ? atof(argv[3]) : 10;
    int writers = argc > 4 ? atoi(argv[4]) : 4;
    struct cluster c;
    cluster_start(&c, 3);
    CURL *h = curl_easy_init();
    for (int i = 0; i < 100; i++) {
        char k[32];
        snprintf(k, sizeof(k), "b/cfg/k%d", i);
        put(h, c.url[0], k, "{\"port\": 5432, \"host\": \"10.0.0.1\"}");
    }
    struct vcow_cell_opts co = {.size = sizeof(co), .history = true, .keep_last = 100000};
    vcow_cell *cell;
    vcow_cell_open(VCOW_KIND_MAP, &co, &cell);
    struct vcow_mirror_opts mo = {.size = sizeof(mo), .endpoints = c.endpoints, .prefix = "b/"};
    vcow_mirror *m;
    if (vcow_mirror_start(cell, &mo, &m) != VCOW_OK || vcow_mirror_wait(m, 0, 10000000000LL) != 0)
        return 1;
    printf("machine: %ld cpus online; etcd: 3 members on 127.0.0.1, data in %s\n",
           sysconf(_SC_NPROCESSORS_ONLN), c.dir);

    /* 1. reads */
    long local_reads = reads * 1000;
    double t0 = now();
    size_t total = 0;
    for (long i = 0; i < local_reads; i++) {
        vcow_read_lock();
        vcow_val v;
        if (vcow_map_get(vcow_cell_head(cell), "cfg/k42", &v) == VCOW_OK)
            total += v.u.bytes.len;
        vcow_read_unlock();
    }
    double local_ns = (now() - t0) / (double)local_reads * 1e9;
    char *k = b64("b/cfg/k42", 9), body[128], url[128];
    snprintf(body, sizeof(body), "{\"key\":\"%s\"}", k);
    free(k);
    snprintf(url, sizeof(url), "%s/v3/kv/range", c.url[0]);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink);
    t0 = now();
    for (long i = 0; i < reads; i++)
        curl_easy_perform(h);
    double etcd_ns = (now() - t0) / (double)reads * 1e9;
    printf("1. read one key: mirror %.0f ns, etcd range %.0f ns (linearizable, kept-alive "
           "HTTP): %.0fx (%ld and %ld reads; %zu)\n",
           local_ns, etcd_ns, etcd_ns / local_ns, local_reads, reads, total % 2);

    /* 2. lag */
    double *lag = malloc((size_t)lag_puts * sizeof(double));
    for (long i = 0; i < lag_puts; i++) {
        char val[32];
        snprintf(val, sizeof(val), "%ld", i);
        int64_t rev = put(h, c.url[i % 3], "b/lag", val);
        double acked = now();
        vcow_mirror_wait(m, rev, 10000000000LL);
        lag[i] = (now() - acked) * 1e6;
    }
    qsort(lag, (size_t)lag_puts, sizeof(double), cmp_d);
    printf("2. lag from a put's acknowledgement to the mirror: median %.0f us, p99 %.0f us, max "
           "%.0f us (%ld puts, one at a time, to each member in turn)\n",
           lag[lag_puts / 2], lag[lag_puts * 99 / 100], lag[lag_puts - 1], lag_puts);
    free(lag);

    /* 3. throughput */
    struct vcow_mirror_stats s0, s1;
    atomic_bool stop = false;
    struct writer *ws = calloc((size_t)writers, sizeof(*ws));
    pthread_t *th = calloc((size_t)writers, sizeof(*th));
    vcow_mirror_get_stats(m, &s0);
    t0 = now();
    for (int i = 0; i < writers; i++) {
        ws[i] = (struct writer){c.url[i % 3], &stop, 0, i};
        pthread_create(&th[i], NULL, write_loop, &ws[i]);
    }
    struct timespec ts = {(time_t)secs, (long)((secs - (double)(time_t)secs) * 1e9)};
    nanosleep(&ts, NULL);
    atomic_store(&stop, true);
    uint64_t puts = 0;
    for (int i = 0; i < writers; i++) {
        pthread_join(th[i], NULL);
        puts += ws[i].puts;
    }
    double t1 = now();
    vcow_mirror_get_stats(m, &s1);
    uint64_t applied_in = s1.commits - s0.commits;
    int64_t last = s1.etcd_revision;
    vcow_mirror_wait(m, last, 30000000000LL);
    double caught = now() - t1;
    printf("3. %d writers for %.1f s: etcd took %.0f puts/s; the mirror applied %.0f "
           "revisions/s meanwhile, and was caught up %.3f s after the last put\n",
           writers, t1 - t0, (double)puts / (t1 - t0), (double)applied_in / (t1 - t0), caught);
    vcow_mirror_stop(m);
    vcow_cell_close(cell);
    curl_easy_cleanup(h);
    cluster_stop(&c);
    free(ws);
    free(th);
    return 0;
}
