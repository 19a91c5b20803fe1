/*
 * tests/mirror/harness.c - see harness.h.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "harness.h"

static struct cluster *live; /* what the exit and abort handlers stop */

static int free_port(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) != 0 ||
        getsockname(s, (struct sockaddr *)&a, &len) != 0) {
        perror("harness: free port");
        abort();
    }
    close(s);
    return ntohs(a.sin_port);
}

static const char *etcd_binary(void)
{
    const char *env = getenv("VCOW_ETCD");
    if (env != NULL && env[0] != '\0')
        return access(env, X_OK) == 0 ? env : NULL;
    static const char *where[] = {"/usr/bin/etcd", "/usr/local/bin/etcd", "/usr/sbin/etcd"};
    for (size_t i = 0; i < sizeof(where) / sizeof(where[0]); i++)
        if (access(where[i], X_OK) == 0)
            return where[i];
    return NULL;
}

static void spawn(struct cluster *c, int i, bool fresh)
{
    char name[16], data[300], client[64], peer[64], initial[HARNESS_MAX * 64], log[300];
    snprintf(name, sizeof(name), "m%d", i);
    snprintf(data, sizeof(data), "%s/m%d", c->dir, i);
    snprintf(client, sizeof(client), "http://127.0.0.1:%d", c->client_port[i]);
    snprintf(peer, sizeof(peer), "http://127.0.0.1:%d", c->peer_port[i]);
    snprintf(log, sizeof(log), "%s/m%d.log", c->dir, i);
    initial[0] = '\0';
    for (int k = 0; k < c->n; k++) {
        size_t at = strlen(initial);
        snprintf(initial + at, sizeof(initial) - at, "%sm%d=http://127.0.0.1:%d", k ? "," : "", k,
                 c->peer_port[k]);
    }
    const char *bin = etcd_binary();
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        perror("harness: fork");
        abort();
    }
    if (pid == 0) {
        /* Die with the thread that started us, however it ends. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(1);
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        execl(bin, bin, "--name", name, "--data-dir", data, "--listen-client-urls", client,
              "--advertise-client-urls", client, "--listen-peer-urls", peer,
              "--initial-advertise-peer-urls", peer, "--initial-cluster", initial,
              "--initial-cluster-token", "vcow-test", "--initial-cluster-state",
              fresh ? "new" : "existing", "--logger", "zap", "--log-level", "warn", (char *)NULL);
        _exit(127);
    }
    c->pid[i] = pid;
}

/* Wait until member i answers a linearizable read (it has a leader and has
 * caught up). false when it exited (a port taken meanwhile, say). */
static bool try_ready(struct cluster *c, int i)
{
    for (int tries = 0; tries < 600; tries++) {
        bool lost;
        json_t *j = etcd_post(c->url[i], "/v3/kv/range", "{\"key\":\"AA==\",\"limit\":1}", &lost);
        if (j != NULL && json_object_get(j, "header") != NULL) {
            json_decref(j);
            return true;
        }
        json_decref(j);
        int st;
        if (waitpid(c->pid[i], &st, WNOHANG) == c->pid[i]) {
            fprintf(stderr, "harness: etcd member %d exited (see %s/m%d.log)\n", i, c->dir, i);
            c->pid[i] = 0;
            return false;
        }
        struct timespec ts = {0, 50000000};
        nanosleep(&ts, NULL);
    }
    fprintf(stderr, "harness: etcd member %d did not answer in 30 s (see %s/m%d.log)\n", i, c->dir,
            i);
    abort();
}

static void wait_ready(struct cluster *c, int i)
{
    if (!try_ready(c, i))
        abort();
}

static void remove_tree(const char *dir);

static void stop_live(void)
{
    if (live != NULL)
        cluster_stop(live);
}

static void on_abort(int sig)
{
    stop_live();
    signal(sig, SIG_DFL);
    raise(sig);
}

int cluster_start(struct cluster *c, int n)
{
    memset(c, 0, sizeof(*c));
    if (etcd_binary() == NULL) {
        printf("SKIP: no etcd binary (install Debian's etcd-server: sh scripts/install-deps.sh "
               "core, or set VCOW_ETCD)\n");
        exit(77);
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(c->dir, sizeof(c->dir), "%s/vcow-etcd-XXXXXX", base);
    if (mkdtemp(c->dir) == NULL) {
        perror("harness: mkdtemp");
        abort();
    }
    c->n = n;
    live = c;
    atexit(stop_live);
    signal(SIGABRT, on_abort);
    /* A port found free may be taken before etcd binds it (another test's
     * cluster): start again on new ports, three tries. */
    for (int attempt = 0;; attempt++) {
        c->endpoints[0] = '\0';
        for (int i = 0; i < n; i++) {
            c->client_port[i] = free_port();
            c->peer_port[i] = free_port();
            snprintf(c->url[i], sizeof(c->url[i]), "http://127.0.0.1:%d", c->client_port[i]);
            size_t at = strlen(c->endpoints);
            snprintf(c->endpoints + at, sizeof(c->endpoints) - at, "%s%s", i ? "," : "", c->url[i]);
        }
        for (int i = 0; i < n; i++)
            spawn(c, i, true);
        bool ok = true;
        for (int i = 0; i < n && ok; i++)
            ok = try_ready(c, i);
        if (ok)
            return 0;
        if (attempt == 2)
            abort();
        for (int i = 0; i < n; i++)
            cluster_kill(c, i);
        char data[300];
        for (int i = 0; i < n; i++) { /* a fresh cluster: no member's old data */
            snprintf(data, sizeof(data), "%s/m%d", c->dir, i);
            remove_tree(data);
        }
    }
}

void cluster_kill(struct cluster *c, int i)
{
    if (c->pid[i] > 0) {
        kill(c->pid[i], SIGKILL);
        waitpid(c->pid[i], NULL, 0);
        c->pid[i] = 0;
    }
}

void cluster_restart(struct cluster *c, int i)
{
    cluster_kill(c, i);
    spawn(c, i, false);
    wait_ready(c, i);
}

static void remove_tree(const char *dir)
{
    pid_t pid = fork();
    if (pid == 0) {
        execlp("rm", "rm", "-rf", dir, (char *)NULL);
        _exit(127);
    }
    if (pid > 0)
        waitpid(pid, NULL, 0);
}

void cluster_stop(struct cluster *c)
{
    for (int i = 0; i < c->n; i++)
        if (c->pid[i] > 0)
            kill(c->pid[i], SIGTERM);
    for (int i = 0; i < c->n; i++)
        if (c->pid[i] > 0) {
            waitpid(c->pid[i], NULL, 0);
            c->pid[i] = 0;
        }
    if (c->dir[0] != '\0') {
        remove_tree(c->dir);
        c->dir[0] = '\0';
    }
    if (live == c)
        live = NULL;
}

/* ---- the client ---- */

struct buf {
    char *p;
    size_t n;
};

static size_t collect(char *d, size_t size, size_t nmemb, void *arg)
{
    struct buf *b = arg;
    size_t len = size * nmemb;
    char *p = realloc(b->p, b->n + len + 1);
    if (p == NULL)
        return 0;
    memcpy(p + b->n, d, len);
    b->p = p;
    b->n += len;
    p[b->n] = '\0';
    return len;
}

json_t *etcd_post(const char *url, const char *api, const char *body, bool *lost)
{
    char full[256];
    snprintf(full, sizeof(full), "%s%s", url, api);
    CURL *h = curl_easy_init();
    struct buf b = {NULL, 0};
    curl_easy_setopt(h, CURLOPT_URL, full);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 5000L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 1000L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    CURLcode rc = curl_easy_perform(h);
    long status = 0;
    curl_off_t connected = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(h, CURLINFO_CONNECT_TIME_T, &connected);
    curl_easy_cleanup(h);
    *lost = rc != CURLE_OK ? connected != 0 : status != 200;
    json_t *j = rc == CURLE_OK && status == 200 && b.p != NULL ? json_loads(b.p, 0, NULL) : NULL;
    free(b.p);
    return j;
}

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *b64(const void *p, size_t n)
{
    const unsigned char *s = p;
    char *out = malloc((n + 2) / 3 * 4 + 1), *o = out;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)s[i] << 16 | (i + 1 < n ? (unsigned)s[i + 1] << 8 : 0) |
                     (i + 2 < n ? s[i + 2] : 0);
        *o++ = alphabet[v >> 18 & 63];
        *o++ = alphabet[v >> 12 & 63];
        *o++ = i + 1 < n ? alphabet[v >> 6 & 63] : '=';
        *o++ = i + 2 < n ? alphabet[v & 63] : '=';
    }
    *o = '\0';
    return out;
}

char *unb64(const char *s, size_t *n)
{
    size_t len = strlen(s), k = 0;
    char *out = malloc(len / 4 * 3 + 1);
    unsigned v = 0;
    int bits = 0;
    for (size_t i = 0; i < len && s[i] != '='; i++) {
        const char *q = strchr(alphabet, s[i]);
        v = v << 6 | (unsigned)(q - alphabet);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[k++] = (char)(v >> bits & 0xff);
        }
    }
    out[k] = '\0';
    *n = k;
    return out;
}
