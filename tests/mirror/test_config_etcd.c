/*
 * tests/mirror/test_config_etcd.c - examples/config_server --etcd against a
 * real etcd member: two servers on one prefix; writes through one are read
 * through the other at the same etcd revision; the flat key mapping ('/' in
 * a key is %2F in etcd); stale writes are refused; /history and /diff speak
 * etcd revisions.
 *
 *   test_config_etcd <config_server binary>
 */
#include <signal.h>
#include <stdbool.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "harness.h"
#include "tests/test.h"

struct srv {
    pid_t pid;
    unsigned port;
};

static struct srv start_server(const char *bin, const char *eps)
{
    int out[2];
    CHECK(pipe(out) == 0);
    pid_t parent = getpid();
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(1);
        dup2(out[1], 1);
        close(out[0]);
        execl(bin, bin, "--etcd", eps, "--prefix", "demo", "--port", "0", "--threads", "2",
              (char *)NULL);
        _exit(127);
    }
    close(out[1]);
    FILE *so = fdopen(out[0], "r");
    char line[512];
    struct srv s = {pid, 0};
    CHECK(fgets(line, sizeof(line), so) != NULL);
    CHECK(sscanf(line, "listening on 127.0.0.1:%u", &s.port) == 1);
    fclose(so);
    return s;
}

struct buf {
    char *p;
    size_t n;
};

static size_t collect(char *d, size_t size, size_t nmemb, void *arg)
{
    struct buf *b = arg;
    size_t len = size * nmemb;
    b->p = realloc(b->p, b->n + len + 1);
    memcpy(b->p + b->n, d, len);
    b->n += len;
    b->p[b->n] = '\0';
    return len;
}

/* One request; the status, *out the JSON answer (may be NULL). */
static long http(const struct srv *s, const char *method, const char *path, const char *body,
                 const char *if_match, json_t **out)
{
    char url[512];
    snprintf(url, sizeof(url), "http://127.0.0.1:%u%s", s->port, path);
    CURL *h = curl_easy_init();
    struct buf b = {NULL, 0};
    struct curl_slist *hdr = NULL;
    if (if_match != NULL) {
        char line[64];
        snprintf(line, sizeof(line), "If-Match: \"%s\"", if_match);
        hdr = curl_slist_append(hdr, line);
    }
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
    if (strcmp(method, "POST") == 0)
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 30L);
    CHECK(curl_easy_perform(h) == CURLE_OK);
    long status;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(h);
    curl_slist_free_all(hdr);
    json_t *j = b.p != NULL ? json_loads(b.p, 0, NULL) : NULL;
    free(b.p);
    if (out != NULL)
        *out = j;
    else
        json_decref(j);
    return status;
}

static json_int_t int_at(json_t *j, const char *k)
{
    return json_integer_value(json_object_get(j, k));
}

/* GET path?version=rev on s, waiting until s has mirrored rev. */
static json_t *get_at(const struct srv *s, const char *path, json_int_t rev)
{
    char p[256];
    snprintf(p, sizeof(p), "%s?version=%lld", path, (long long)rev);
    for (int i = 0; i < 200; i++) {
        json_t *j;
        if (http(s, "GET", p, NULL, NULL, &j) == 200)
            return j;
        json_decref(j);
        usleep(50000);
    }
    fprintf(stderr, "%s never answered\n", p);
    abort();
}

int main(int argc, char **argv)
{
    CHECK(argc == 2);
    struct cluster c;
    cluster_start(&c, 1);
    struct srv a = start_server(argv[1], c.endpoints), b = start_server(argv[1], c.endpoints);

    json_t *j;
    CHECK(http(&a, "POST", "/config",
               "{\"db\": {\"host\": \"h1\", \"port\": 5432}, \"a/b\": [1, 2]}", NULL, &j) == 200);
    json_int_t r1 = int_at(j, "version");
    json_decref(j);
    /* Through the other server, at that revision. */
    j = get_at(&b, "/config", r1);
    CHECK(int_at(j, "version") == r1);
    json_t *v = json_object_get(j, "value");
    CHECK(json_integer_value(json_object_get(json_object_get(v, "db"), "port")) == 5432);
    CHECK(json_array_size(json_object_get(v, "a/b")) == 2);
    json_decref(j);
    j = get_at(&b, "/config/db.host", r1);
    CHECK(strcmp(json_string_value(json_object_get(j, "value")), "h1") == 0);
    json_decref(j);

    /* In etcd: one key per leaf, '/' in a key escaped. */
    char *k = b64("demo/a%2Fb", 10);
    char body[128];
    snprintf(body, sizeof(body), "{\"key\":\"%s\"}", k);
    free(k);
    bool lost;
    j = etcd_post(c.url[0], "/v3/kv/range", body, &lost);
    size_t n;
    char *val = unb64(
        json_string_value(json_object_get(json_array_get(json_object_get(j, "kvs"), 0), "value")),
        &n);
    CHECK(strcmp(val, "[1,2]") == 0);
    free(val);
    json_decref(j);

    /* A write based on r1 succeeds once; a second one based on r1 is stale. */
    CHECK(http(&a, "POST", "/config", "{\"db\": {\"port\": 6432}}", "1", NULL) == 412);
    char rev[24];
    snprintf(rev, sizeof(rev), "%lld", (long long)r1);
    CHECK(http(&b, "POST", "/config", "{\"db\": {\"port\": 6432}}", rev, &j) == 200);
    json_int_t r2 = int_at(j, "version");
    json_decref(j);
    CHECK(r2 > r1);
    CHECK(http(&a, "POST", "/config", "{\"db\": {\"port\": 7432}}", rev, NULL) == 412);
    /* Without If-Match: merged on the head. null removes a whole level;
     * a leaf replaces a level and the other way round. */
    CHECK(http(&a, "POST", "/config", "{\"db\": null, \"a/b\": {\"c\": true}, \"x\": 1}", NULL,
               &j) == 200);
    json_int_t r3 = int_at(j, "version");
    json_decref(j);
    j = get_at(&b, "/config", r3);
    v = json_object_get(j, "value");
    CHECK(json_object_get(v, "db") == NULL);
    CHECK(json_is_true(json_object_get(json_object_get(v, "a/b"), "c")));
    json_decref(j);
    CHECK(http(&a, "POST", "/config", "{\"a/b\": 5}", NULL, &j) == 200);
    json_int_t r4 = int_at(j, "version");
    json_decref(j);
    j = get_at(&b, "/config", r4);
    CHECK(json_integer_value(json_object_get(json_object_get(j, "value"), "a/b")) == 5);
    json_decref(j);

    /* History and diff in etcd revisions, the same on both servers. */
    json_t *ha, *hb;
    CHECK(http(&a, "GET", "/history", NULL, NULL, &ha) == 200);
    CHECK(http(&b, "GET", "/history", NULL, NULL, &hb) == 200);
    json_t *va = json_object_get(ha, "versions"), *vb = json_object_get(hb, "versions");
    CHECK(json_array_size(va) == 5 && json_array_size(vb) == 5);
    json_int_t want[4] = {r1, r2, r3, r4};
    for (size_t i = 1; i < 5; i++) {
        CHECK(int_at(json_array_get(va, i), "version") == want[i - 1]);
        CHECK(int_at(json_array_get(vb, i), "version") == want[i - 1]);
    }
    json_decref(ha);
    json_decref(hb);
    char dp[128];
    snprintf(dp, sizeof(dp), "/diff?from=%lld&to=%lld", (long long)r1, (long long)r2);
    CHECK(http(&b, "GET", dp, NULL, NULL, &j) == 200);
    json_t *ch = json_object_get(j, "changes");
    CHECK(json_array_size(ch) == 1);
    CHECK(strcmp(json_string_value(json_object_get(json_array_get(ch, 0), "path")), "db.port") ==
          0);
    json_decref(j);
    /* The document as of r1, after all that. */
    j = get_at(&a, "/config/db.port", r1);
    CHECK(json_integer_value(json_object_get(j, "value")) == 5432);
    json_decref(j);
    CHECK(http(&a, "GET", "/config?version=0", NULL, NULL, NULL) == 400);
    CHECK(http(&a, "GET", "/status", NULL, NULL, &j) == 200);
    CHECK(json_is_true(json_object_get(j, "connected")));
    json_decref(j);

    kill(a.pid, SIGTERM);
    kill(b.pid, SIGTERM);
    int st;
    CHECK(waitpid(a.pid, &st, 0) == a.pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
    CHECK(waitpid(b.pid, &st, 0) == b.pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
    cluster_stop(&c);
    printf("config server --etcd: revisions %lld..%lld read alike through both servers\n",
           (long long)r1, (long long)r4);
    return 0;
}
