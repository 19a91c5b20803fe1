/*
 * examples/config_server - a multithreaded HTTP server whose configuration
 * is a nested document in one vcow cell with history.
 *
 *   config_server --config FILE [--port N] [--threads N] [--keep N]
 *                 [--reload-every-ms N]
 *   config_server --etcd URLS --prefix P [--port N] [--threads N] [--keep N]
 *
 * With --etcd the document lives in etcd under P/ (one key per leaf,
 * etcd_doc.h) and the cell is a mirror of it (vcow/mirror.h): versions are
 * etcd revisions, POST writes through to etcd (etcd_http.c).
 *
 * Workers answer from the head (or a pinned old version) without a lock;
 * reloads, on SIGHUP or when FILE changes (inotify), and POST /config
 * merge patches are single atomic commits. See http.c for the endpoints.
 * --reload-every-ms reloads the file on a timer as well (a stand-in for a
 * busy deployment system; `make demo` measures throughput with it).
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <vcow/map.h>
#ifdef CONFIG_SERVER_ETCD
#include <vcow/mirror.h>
#endif

#include "doc.h"
#include "http.h"

static int reload(vcow_cell *cell, const char *file, bool verbose)
{
    json_error_t jerr;
    json_t *doc = json_load_file(file, JSON_ALLOW_NUL, &jerr);
    if (doc == NULL) {
        fprintf(stderr, "config_server: %s:%d: %s (configuration unchanged)\n", file, jerr.line,
                jerr.text);
        return -1;
    }
    char err[256] = "";
    uint64_t seq;
    int rc = doc_replace(cell, doc, &seq, err, sizeof(err));
    json_decref(doc);
    if (rc != VCOW_OK) {
        fprintf(stderr, "config_server: %s: %s (configuration unchanged)\n", file,
                err[0] ? err : vcow_strerror(rc));
        return -1;
    }
    if (verbose)
        fprintf(stderr, "config_server: loaded %s as version %llu\n", file,
                (unsigned long long)seq);
    return 0;
}

struct reloader {
    vcow_cell *cell;
    const char *file;
    long ms;
    atomic_int stop;
    unsigned long count;
};

static void *reload_loop(void *arg)
{
    struct reloader *r = arg;
    struct timespec ts = {r->ms / 1000, (r->ms % 1000) * 1000000};
    /* relaxed: a stop flag. */
    while (!atomic_load_explicit(&r->stop, memory_order_relaxed)) {
        nanosleep(&ts, NULL);
        if (reload(r->cell, r->file, false) == 0)
            r->count++;
    }
    return NULL;
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s != NULL ? s + 1 : path;
}

/* Block SIGINT and SIGTERM and wait for one (the workers inherit the mask). */
static void wait_for_stop(void)
{
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    int sig;
    sigwait(&sigs, &sig);
}

#ifdef CONFIG_SERVER_ETCD
static int serve_etcd(const char *urls, const char *prefix, unsigned port, unsigned threads,
                      unsigned long keep)
{
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    struct vcow_cell_opts opts = {.size = sizeof(opts), .history = true, .keep_last = keep};
    vcow_cell *cell;
    if (vcow_cell_open(VCOW_KIND_MAP, &opts, &cell) != VCOW_OK)
        return 1;
    /* P and P/ name the same document: the keys under "P/". */
    char *pfx = malloc(strlen(prefix) + 2);
    if (pfx == NULL)
        return 1;
    strcpy(pfx, prefix);
    if (pfx[0] == '\0' || pfx[strlen(pfx) - 1] != '/')
        strcat(pfx, "/");
    struct vcow_mirror_opts mo = {
        .size = sizeof(mo), .endpoints = urls, .prefix = pfx, .verbose = true};
    vcow_mirror *m;
    int rc = vcow_mirror_start(cell, &mo, &m);
    if (rc != VCOW_OK) {
        fprintf(stderr, "config_server: --etcd %s: %s\n", urls, vcow_strerror(rc));
        return 1;
    }
    if (vcow_mirror_wait(m, 0, 10 * 1000000000LL) != VCOW_OK)
        fprintf(stderr, "config_server: no etcd answered in 10 s; serving an empty document "
                        "until one does\n");
    unsigned bound = 0;
    struct server *d = http_start_etcd(cell, m, port, threads, &bound);
    if (d == NULL) {
        fprintf(stderr, "config_server: cannot listen on 127.0.0.1:%u\n", port);
        return 1;
    }
    printf("listening on 127.0.0.1:%u (etcd %s, prefix %s)\n", bound, urls, pfx);
    fflush(stdout);
    wait_for_stop();
    http_stop(d);
    vcow_mirror_stop(m);
    free(pfx);
    return vcow_cell_close(cell) == VCOW_OK ? 0 : 1;
}
#endif

int main(int argc, char **argv)
{
    const char *file = NULL, *etcd = NULL, *prefix = NULL;
    unsigned port = 8080, threads = 4;
    unsigned long keep = 100000;
    long reload_ms = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--config") == 0)
            file = argv[i + 1];
        else if (strcmp(argv[i], "--port") == 0)
            port = (unsigned)atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--threads") == 0)
            threads = (unsigned)atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--keep") == 0)
            keep = strtoul(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--reload-every-ms") == 0)
            reload_ms = atol(argv[i + 1]);
        else if (strcmp(argv[i], "--etcd") == 0)
            etcd = argv[i + 1];
        else if (strcmp(argv[i], "--prefix") == 0)
            prefix = argv[i + 1];
    }
    if (etcd != NULL) {
#ifdef CONFIG_SERVER_ETCD
        if (prefix == NULL) {
            fprintf(stderr, "usage: %s --etcd URLS --prefix P [--port N] [--threads N]\n", argv[0]);
            return 2;
        }
        return serve_etcd(etcd, prefix, port, threads, keep);
#else
        fprintf(stderr, "config_server: built without libvcow-mirror (libcurl): no --etcd\n");
        return 2;
#endif
    }
    if (file == NULL) {
        fprintf(stderr,
                "usage: %s --config FILE [--port N] [--threads N] [--keep N]\n"
                "       %s --etcd URLS --prefix P [--port N] [--threads N] [--keep N]\n",
                argv[0], argv[0]);
        return 2;
    }

    /* History: keep the last `keep` versions for ?version= and ?as_of=. */
    struct vcow_cell_opts opts = {.size = sizeof(opts), .history = true, .keep_last = keep};
    vcow_cell *cell;
    if (vcow_cell_open(VCOW_KIND_MAP, &opts, &cell) != VCOW_OK || reload(cell, file, true) != 0)
        return 1;

    /* Signals are read from a signalfd in this thread: block them everywhere
     * (the HTTP workers inherit the mask). */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGHUP);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    int sfd = signalfd(-1, &sigs, SFD_CLOEXEC);

    unsigned bound = 0;
    struct server *d = http_start(cell, port, threads, &bound);
    if (d == NULL || sfd < 0) {
        fprintf(stderr, "config_server: cannot listen on 127.0.0.1:%u\n", port);
        return 1;
    }
    printf("listening on 127.0.0.1:%u\n", bound);
    fflush(stdout);
    static struct reloader timer;
    pthread_t timer_thread;
    timer.cell = cell;
    timer.file = file;
    timer.ms = reload_ms;
    if (reload_ms > 0 && pthread_create(&timer_thread, NULL, reload_loop, &timer) != 0)
        reload_ms = 0;

    /* Watch the file's directory: editors replace files by rename. */
    char dir[PATH_MAX];
    snprintf(dir, sizeof(dir), "%s", file);
    char *slash = strrchr(dir, '/');
    if (slash != NULL)
        *slash = '\0';
    else
        snprintf(dir, sizeof(dir), ".");
    int ifd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    if (ifd >= 0)
        inotify_add_watch(ifd, dir, IN_CLOSE_WRITE | IN_MOVED_TO);

    for (;;) {
        struct pollfd p[2] = {{sfd, POLLIN, 0}, {ifd, POLLIN, 0}};
        if (poll(p, ifd >= 0 ? 2 : 1, -1) < 0 && errno != EINTR)
            break;
        if (p[0].revents & POLLIN) {
            struct signalfd_siginfo si;
            if (read(sfd, &si, sizeof(si)) != (ssize_t)sizeof(si))
                continue;
            if (si.ssi_signo != SIGHUP)
                break;
            reload(cell, file, true);
        }
        if (ifd >= 0 && (p[1].revents & POLLIN)) {
            char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
            ssize_t n = read(ifd, buf, sizeof(buf));
            int hit = 0;
            for (char *q = buf; n > 0 && q < buf + n;) {
                struct inotify_event *ev = (struct inotify_event *)(void *)q;
                if (ev->len > 0 && strcmp(ev->name, base_name(file)) == 0)
                    hit = 1;
                q += sizeof(*ev) + ev->len;
            }
            if (hit)
                reload(cell, file, true);
        }
    }
    if (reload_ms > 0) {
        atomic_store(&timer.stop, 1);
        pthread_join(timer_thread, NULL);
        fprintf(stderr, "config_server: %lu timed reloads\n", timer.count);
    }
    http_stop(d);
    if (ifd >= 0)
        close(ifd);
    close(sfd);
    int rc = vcow_cell_close(cell);
    return rc == VCOW_OK ? 0 : 1;
}
