/*
 * tests/examples/test_config_server.c - drive examples/config_server over
 * real HTTP on a free loopback port: every endpoint, both reload paths
 * (SIGHUP and a change of the file), and the 4xx cases, which must change
 * nothing.
 *
 *   test_config_server <path to config_server> <scratch dir>
 */
#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/test.h"

static unsigned port;

/* One HTTP/1.0 request; returns the status, *body the parsed JSON. */
static int http(const char *method, const char *target, const char *body, json_t **json)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK(connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0);
    char req[8192];
    int n = snprintf(req, sizeof(req),
                     "%s %s HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                     "Content-Length: %zu\r\n\r\n%s",
                     method, target, body ? strlen(body) : 0, body ? body : "");
    CHECK(write(fd, req, (size_t)n) == n);
    static char resp[1 << 20];
    size_t len = 0;
    ssize_t r;
    while ((r = read(fd, resp + len, sizeof(resp) - 1 - len)) > 0)
        len += (size_t)r;
    close(fd);
    resp[len] = '\0';
    int status = 0;
    CHECK(sscanf(resp, "HTTP/1.%*d %d", &status) == 1);
    char *b = strstr(resp, "\r\n\r\n");
    CHECK(b != NULL);
    json_error_t err;
    json_t *j = json_loads(b + 4, 0, &err);
    if (j == NULL)
        fprintf(stderr, "not JSON: %s\n", b + 4);
    CHECK(j != NULL);
    if (json != NULL)
        *json = j;
    else
        json_decref(j);
    return status;
}

static json_int_t get_int(json_t *j, const char *key)
{
    json_t *v = json_object_get(j, key);
    CHECK(json_is_integer(v));
    return json_integer_value(v);
}

static void write_file(const char *path, const char *text, int by_rename)
{
    char tmp[4096];
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    FILE *f = fopen(by_rename ? tmp : path, "w");
    CHECK(f != NULL);
    fputs(text, f);
    fclose(f);
    if (by_rename)
        CHECK(rename(tmp, path) == 0);
}

/* Wait until the head version is at least `seq` (reloads are asynchronous). */
static json_int_t wait_version(json_int_t seq)
{
    for (int i = 0; i < 500; i++) {
        json_t *j;
        CHECK(http("GET", "/config", NULL, &j) == 200);
        json_int_t v = get_int(j, "version");
        json_decref(j);
        if (v >= seq)
            return v;
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    CHECK(!"the server did not reload");
    return 0;
}

int main(int argc, char **argv)
{
    CHECK(argc == 3);
    char file[4096];
    snprintf(file, sizeof(file), "%s/config.json", argv[2]);
    write_file(file,
               "{\"db\": {\"host\": \"10.0.0.1\", \"port\": 5432}, \"name\": \"svc\", "
               "\"tags\": [\"a\", \"b\"], \"debug\": false, \"ratio\": 0.5}",
               0);

    int out[2];
    CHECK(pipe(out) == 0);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        dup2(out[1], 1);
        close(out[0]);
        execl(argv[1], argv[1], "--config", file, "--port", "0", "--threads", "2", (char *)NULL);
        _exit(127);
    }
    close(out[1]);
    FILE *so = fdopen(out[0], "r");
    char line[256];
    CHECK(fgets(line, sizeof(line), so) != NULL);
    CHECK(sscanf(line, "listening on 127.0.0.1:%u", &port) == 1);

    json_t *j, *v;
    /* GET: the whole document, a subtree, a leaf; types round-trip. */
    CHECK(http("GET", "/config", NULL, &j) == 200);
    CHECK(get_int(j, "version") == 1);
    v = json_object_get(j, "value");
    CHECK(json_integer_value(json_object_get(json_object_get(v, "db"), "port")) == 5432);
    CHECK(json_array_size(json_object_get(v, "tags")) == 2);
    CHECK(json_is_false(json_object_get(v, "debug")));
    CHECK(json_real_value(json_object_get(v, "ratio")) == 0.5);
    json_decref(j);
    CHECK(http("GET", "/config/db.host", NULL, &j) == 200);
    CHECK(strcmp(json_string_value(json_object_get(j, "value")), "10.0.0.1") == 0);
    json_decref(j);

    /* POST a merge patch: one commit; null deletes. */
    CHECK(http("POST", "/config", "{\"db\": {\"port\": 6432, \"user\": \"app\"}, \"name\": null}",
               &j) == 200);
    CHECK(get_int(j, "version") == 2);
    json_decref(j);
    CHECK(http("GET", "/config/db.port", NULL, &j) == 200);
    CHECK(json_integer_value(json_object_get(j, "value")) == 6432);
    json_decref(j);
    CHECK(http("GET", "/config/name", NULL, NULL) == 404);

    /* History: by version and as of a time. */
    CHECK(http("GET", "/config/db.port?version=1", NULL, &j) == 200);
    CHECK(json_integer_value(json_object_get(j, "value")) == 5432);
    json_decref(j);
    CHECK(http("GET", "/history", NULL, &j) == 200);
    json_t *versions = json_object_get(j, "versions");
    CHECK(json_array_size(versions) == 3); /* 0 (empty), 1, 2 */
    const char *t1 = json_string_value(json_object_get(json_array_get(versions, 1), "time"));
    char target[256];
    snprintf(target, sizeof(target), "/config/db.port?as_of=%s", t1);
    json_t *k;
    CHECK(http("GET", target, NULL, &k) == 200);
    CHECK(json_integer_value(json_object_get(k, "value")) == 5432);
    json_decref(k);
    json_decref(j);
    CHECK(http("GET", "/config?as_of=1999-01-01T00:00:00Z", NULL, NULL) == 404);

    /* Diff between versions: changed paths. */
    CHECK(http("GET", "/diff?from=1&to=2", NULL, &j) == 200);
    json_t *ch = json_object_get(j, "changes");
    CHECK(json_array_size(ch) == 3); /* db.port changed, db.user added, name removed */
    int seen = 0;
    for (size_t i = 0; i < json_array_size(ch); i++) {
        const char *p = json_string_value(json_object_get(json_array_get(ch, i), "path"));
        const char *c = json_string_value(json_object_get(json_array_get(ch, i), "change"));
        seen |= (!strcmp(p, "db.port") && !strcmp(c, "changed")) << 0;
        seen |= (!strcmp(p, "db.user") && !strcmp(c, "added")) << 1;
        seen |= (!strcmp(p, "name") && !strcmp(c, "removed")) << 2;
    }
    CHECK(seen == 7);
    json_decref(j);

    /* 4xx: each leaves the configuration as it was (version 2). */
    CHECK(http("POST", "/config", "{\"db\": ", NULL) == 400);
    CHECK(http("POST", "/config", "[1, 2]", NULL) == 400);
    CHECK(http("POST", "/config", "{\"a.b\": 1}", NULL) == 400);
    CHECK(http("GET", "/config/no.such.path", NULL, NULL) == 404);
    CHECK(http("GET", "/config/db.port.deeper", NULL, NULL) == 404);
    CHECK(http("GET", "/config?version=abc", NULL, NULL) == 400);
    CHECK(http("GET", "/config?version=99", NULL, NULL) == 404);
    CHECK(http("GET", "/config?as_of=yesterday", NULL, NULL) == 400);
    CHECK(http("GET", "/diff?from=1", NULL, NULL) == 400);
    CHECK(http("GET", "/nowhere", NULL, NULL) == 404);
    CHECK(http("DELETE", "/config", NULL, NULL) == 405);
    CHECK(wait_version(2) == 2);

    /* Reload by SIGHUP, then by a change of the file (rename, as editors do),
     * and a malformed file changes nothing. */
    write_file(file, "{\"db\": {\"host\": \"10.0.0.2\"}}", 0);
    kill(pid, SIGHUP);
    CHECK(wait_version(3) >= 3);
    CHECK(http("GET", "/config/db.host", NULL, &j) == 200);
    CHECK(strcmp(json_string_value(json_object_get(j, "value")), "10.0.0.2") == 0);
    json_decref(j);
    CHECK(http("GET", "/config/tags", NULL, NULL) == 404); /* replaced, not merged */
    struct timespec settle = {0, 300 * 1000 * 1000};       /* both events of the write above */
    nanosleep(&settle, NULL);
    json_int_t before = wait_version(0);
    write_file(file, "{\"db\": {\"host\": \"10.0.0.3\"}}", 1);
    json_int_t after = wait_version(before + 1);
    nanosleep(&settle, NULL);
    after = wait_version(after);
    CHECK(http("GET", "/config/db.host", NULL, &j) == 200);
    CHECK(strcmp(json_string_value(json_object_get(j, "value")), "10.0.0.3") == 0);
    json_decref(j);
    write_file(file, "{ not json", 1);
    kill(pid, SIGHUP);
    struct timespec ts = {0, 200 * 1000 * 1000};
    nanosleep(&ts, NULL);
    CHECK(wait_version(0) == after);

    kill(pid, SIGTERM);
    int status;
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    printf("config_server: every endpoint, both reloads and the 4xx cases behave\n");
    return 0;
}
