/*
 * tests/examples/test_config_server.c - drive examples/config_server over
 * real HTTP on a free loopback port: every endpoint, both reload paths
 * (SIGHUP and a change of the file), and the 4xx cases, which must change
 * nothing. First, the server's pure functions (request grammar, RFC 3339,
 * JSON <-> document) are called directly: they are compiled in below, as
 * this test is one source file linked with vcow and jansson only.
 *
 *   test_config_server <path to config_server> <scratch dir>
 */
#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/test.h"

#include "examples/config_server/doc.c"
#include "examples/config_server/request.c"

static unsigned port;

/* One HTTP/1.0 request with extra header lines `hdrs` ("" or "Name: v\r\n..."); returns
 * the status, *json the parsed body; the response's headers go to resp_hdrs (cap bytes)
 * when it is not NULL. */
static int http_ex(const char *method, const char *target, const char *hdrs, const char *body,
                   json_t **json, char *resp_hdrs, size_t cap)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK(connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0);
    char head[4096];
    size_t blen = body ? strlen(body) : 0;
    int n = snprintf(head, sizeof(head),
                     "%s %s HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                     "%sContent-Length: %zu\r\n\r\n",
                     method, target, hdrs, blen);
    CHECK(n > 0 && (size_t)n < sizeof(head));
    CHECK(write(fd, head, (size_t)n) == n);
    for (size_t off = 0; off < blen;) {
        ssize_t w = write(fd, body + off, blen - off);
        CHECK(w > 0);
        off += (size_t)w;
    }
    char *resp = malloc(1 << 20); /* per call: a watch runs in a thread of its own */
    CHECK(resp != NULL);
    size_t len = 0;
    ssize_t r;
    while ((r = read(fd, resp + len, (1 << 20) - 1 - len)) > 0)
        len += (size_t)r;
    close(fd);
    resp[len] = '\0';
    int status = 0;
    CHECK(sscanf(resp, "HTTP/1.%*d %d", &status) == 1);
    char *b = strstr(resp, "\r\n\r\n");
    CHECK(b != NULL);
    if (resp_hdrs != NULL) {
        size_t hl = (size_t)(b - resp) < cap - 1 ? (size_t)(b - resp) : cap - 1;
        memcpy(resp_hdrs, resp, hl);
        resp_hdrs[hl] = '\0';
    }
    json_error_t err;
    json_t *j = json_loads(b + 4, JSON_ALLOW_NUL, &err);
    if (j == NULL)
        fprintf(stderr, "%s %s: not JSON: %s\n", method, target, b + 4);
    CHECK(j != NULL);
    free(resp);
    if (json != NULL)
        *json = j;
    else
        json_decref(j);
    return status;
}

static int http(const char *method, const char *target, const char *body, json_t **json)
{
    return http_ex(method, target, "", body, json, NULL, 0);
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

/* ---- issue 14, item 10: RFC 3339 (pure) ---- */

static int64_t rfc(const char *s)
{
    /* An exact-size heap copy, so that ASan sees any read past the end. */
    char *copy = strdup(s);
    CHECK(copy != NULL);
    int64_t ns = 12345;
    int rc = parse_rfc3339(copy, &ns);
    free(copy);
    return rc == 0 ? ns : -12345;
}

#define NOT_RFC (-12345)

static void test_rfc3339(void)
{
    CHECK(rfc("1970-01-01T00:00:00Z") == 0);
    CHECK(rfc("2026-11-23T03:12:00.5+01:00") ==
          1795403520LL * NS_PER_S - 3600 * NS_PER_S + NS_PER_S / 2);

    /* An offset is two digits, colon, two digits. The old parser read six
     * bytes past the sign whatever sscanf had matched: past the end of
     * "+1:2" (ASan), or, with NULs after it, into them and accepted it. */
    CHECK(rfc("2024-01-01T00:00:00+1:2") == NOT_RFC);
    char padded[] = "2024-01-01T00:00:00+1:2\0\0\0";
    int64_t ns;
    CHECK(parse_rfc3339(padded, &ns) == -1);
    CHECK(rfc("2024-01-01T00:00:00+01:0") == NOT_RFC);
    CHECK(rfc("2024-01-01T00:00:00+") == NOT_RFC);
    CHECK(rfc("2024-01-01T00:00:00+24:00") == NOT_RFC);

    /* Past 2262-04-11T23:47:16.854775807Z the nanoseconds do not fit an
     * int64: clamp (after every commit) instead of overflowing, as the old
     * (t - off) * 1e9 did (UBSan), wrapping to a time before the epoch. */
    CHECK(rfc("9999-12-31T23:59:59Z") == INT64_MAX);
    CHECK(rfc("9999-12-31T23:59:59.999999999-23:59") == INT64_MAX);
    CHECK(rfc("2262-04-11T23:47:16.854775807Z") == INT64_MAX);
    CHECK(rfc("2262-04-11T23:47:16.854775806Z") == INT64_MAX - 1);
    CHECK(rfc("2262-04-11T23:47:16.854775808Z") == INT64_MAX);
    CHECK(rfc("0000-01-01T00:00:00+23:59") == INT64_MIN);
    CHECK(rfc("1677-09-21T00:12:43.145224192Z") == INT64_MIN);
    CHECK(rfc("1677-09-21T00:12:43.145224193Z") == INT64_MIN + 1);

    /* Only calendar dates. */
    CHECK(rfc("2024-02-30T00:00:00Z") == NOT_RFC);
    CHECK(rfc("2023-02-29T00:00:00Z") == NOT_RFC);
    CHECK(rfc("1900-02-29T00:00:00Z") == NOT_RFC);
    CHECK(rfc("2000-02-29T00:00:00Z") == 951782400LL * NS_PER_S);
    CHECK(rfc("2024-04-31T00:00:00Z") == NOT_RFC);
    CHECK(rfc("2024-13-01T00:00:00Z") == NOT_RFC);
    CHECK(rfc("2024-00-01T00:00:00Z") == NOT_RFC);
    CHECK(rfc("2024-01-00T00:00:00Z") == NOT_RFC);
    CHECK(rfc("2024-01-01T24:00:00Z") == NOT_RFC);
    CHECK(rfc("2024-01-01T00:60:00Z") == NOT_RFC);
    CHECK(rfc("2024-1-01T00:00:00Z") == NOT_RFC);
    CHECK(rfc("2024-01-01T00:00:00") == NOT_RFC);
    CHECK(rfc("2024-01-01T00:00:00.Z") == NOT_RFC);
    CHECK(rfc("2024-01-01T00:00:00Zx") == NOT_RFC);
    CHECK(rfc(" 2024-01-01T00:00:00Z") == NOT_RFC);
    /* A leap second only where one may be inserted; it reads as the next
     * second (POSIX time has none). */
    CHECK(rfc("2016-12-31T23:59:60Z") == 1483228800LL * NS_PER_S);
    CHECK(rfc("2017-01-01T00:59:60.5+01:00") == 1483228800LL * NS_PER_S + NS_PER_S / 2);
    CHECK(rfc("2016-12-30T23:59:60Z") == NOT_RFC);
    CHECK(rfc("2016-12-31T23:58:60Z") == NOT_RFC);

    /* RFC 3339 §5.6: "T" and "Z" may be lowercase. */
    CHECK(rfc("2024-01-01t00:00:00z") == 1704067200LL * NS_PER_S);
    CHECK(rfc("2024-01-01t00:00:00.25-00:30") == 1704069000LL * NS_PER_S + NS_PER_S / 4);

    /* Before the epoch the fraction counts forward from the earlier second
     * (the old code printed "23:59:59.-500000000Z"). */
    char buf[RFC3339_LEN];
    format_rfc3339(-1500000000LL, buf, sizeof(buf));
    CHECK(strcmp(buf, "1969-12-31T23:59:58.500000000Z") == 0);
    format_rfc3339(INT64_MIN, buf, sizeof(buf));
    CHECK(strcmp(buf, "1677-09-21T00:12:43.145224192Z") == 0);
    format_rfc3339(INT64_MAX, buf, sizeof(buf));
    CHECK(strcmp(buf, "2262-04-11T23:47:16.854775807Z") == 0);

    /* Whatever is formatted parses back to the same instant. */
    unsigned long long rng = 14;
    int64_t edge[] = {INT64_MIN, INT64_MIN + 1, -NS_PER_S - 1, -NS_PER_S, -1, 0,
                      1,         NS_PER_S,      INT64_MAX - 1, INT64_MAX};
    for (int i = 0; i < 100000; i++) {
        int64_t t = i < (int)(sizeof(edge) / sizeof(edge[0])) ? edge[i] : (int64_t)test_rand(&rng);
        format_rfc3339(t, buf, sizeof(buf));
        CHECK(rfc(buf) == t);
    }
}

/* ---- issue 14, item 11: the request grammar (pure) ---- */

static void test_request_grammar(void)
{
    uint64_t seq;
    CHECK(parse_seq("18446744073709551615", &seq) == 0 && seq == UINT64_MAX);
    /* Past UINT64_MAX is malformed (400), not a version that is missing. */
    CHECK(parse_seq("18446744073709551616", &seq) == -1);
    CHECK(parse_seq("99999999999999999999", &seq) == -1);
    CHECK(parse_seq("", &seq) == -1);
    CHECK(parse_seq("-1", &seq) == -1);
    CHECK(parse_seq("1 ", &seq) == -1);

    struct target t;
    const char *why;
    CHECK(target_parse("/config/db%2Eport?version=2&as_of=a%2Bb+c&flag", &t, &why) == 0);
    CHECK(strcmp(t.path, "/config/db.port") == 0);
    CHECK(strcmp(target_arg(&t, "version"), "2") == 0);
    CHECK(strcmp(target_arg(&t, "as_of"), "a+b c") == 0);
    CHECK(strcmp(target_arg(&t, "flag"), "") == 0);
    CHECK(target_arg(&t, "to") == NULL);
    target_free(&t);
    /* A decoded NUL would end the string: the old server answered
     * /config/%00 with the root document. */
    const char *bad[] = {"/config/%00",
                         "/config/a%00b",
                         "/config?version=1%00",
                         "/config?%00=1",
                         "/config/%zz",
                         "/config/%4",
                         "/config/%",
                         "/config?version=1&version=2"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CHECK(target_parse(bad[i], &t, &why) == 400);
        CHECK(t.path == NULL && t.nargs == 0);
    }

    CHECK(check_doc_path("", &why) == 0);
    CHECK(check_doc_path("db.port", &why) == 0);
    const char *bad_paths[] = {".", "a.", ".a", "a..b"};
    for (size_t i = 0; i < sizeof(bad_paths) / sizeof(bad_paths[0]); i++)
        CHECK(check_doc_path(bad_paths[i], &why) == -1);
}

/* ---- issue 14, item 9: any JSON document round-trips (pure) ---- */

static size_t put_utf8(char *o, unsigned cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xc0 | cp >> 6);
        o[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xe0 | cp >> 12);
        o[1] = (char)(0x80 | (cp >> 6 & 0x3f));
        o[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    o[0] = (char)(0xf0 | cp >> 18);
    o[1] = (char)(0x80 | (cp >> 12 & 0x3f));
    o[2] = (char)(0x80 | (cp >> 6 & 0x3f));
    o[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/*
 * A random string, weighted to what broke before: U+0001 first (the old
 * array mark), every control character, JSON text in strings, then ASCII
 * and 2-, 3- and 4-byte UTF-8. Keys get no '.' and no U+0000 (keys are C
 * strings, and jansson refuses NUL in keys).
 */
static json_t *random_string(unsigned long long *rng, bool key)
{
    static const char *const texts[] = {"[1,2]", "[", "{\"a\":1}", "\"", "s", "a", "null"};
    char buf[256];
    size_t n = 0, len = 1 + test_rand(rng) % 12;
    if (test_rand(rng) % 3 == 0)
        buf[n++] = '\x01';
    for (size_t i = 0; i < len; i++) {
        unsigned r = (unsigned)(test_rand(rng) % 100), cp;
        if (r < 30)
            cp = (unsigned)(test_rand(rng) % 0x20);
        else if (r < 40) {
            const char *tx = texts[test_rand(rng) % (sizeof(texts) / sizeof(texts[0]))];
            memcpy(buf + n, tx, strlen(tx));
            n += strlen(tx);
            continue;
        } else if (r < 80)
            cp = 0x20 + (unsigned)(test_rand(rng) % 0x5f);
        else if (r < 90)
            cp = 0x80 + (unsigned)(test_rand(rng) % 0x780);
        else if (r < 95)
            cp = 0xe000 + (unsigned)(test_rand(rng) % 0x2000);
        else
            cp = 0x10000 + (unsigned)(test_rand(rng) % 0x100000);
        if (key && (cp == 0 || cp == '.'))
            cp = '_';
        n += put_utf8(buf + n, cp);
    }
    if (key) {
        buf[n] = '\0';
        return json_string(buf);
    }
    return json_stringn(buf, n);
}

/* A random JSON value; object members are never null (null is "absent"). */
static json_t *random_json(unsigned long long *rng, int depth, bool member)
{
    unsigned kind = (unsigned)(test_rand(rng) % (depth > 0 ? 9 : 7));
    switch (kind) {
    case 0:
        return member ? json_true() : json_null();
    case 1:
        return json_boolean(test_rand(rng) & 1);
    case 2:
        return json_integer((json_int_t)test_rand(rng) >> (test_rand(rng) % 64));
    case 3: { /* any finite double: every exponent, subnormals, -0 */
        unsigned long long bits;
        do
            bits = test_rand(rng);
        while ((bits >> 52 & 0x7ff) == 0x7ff);
        double d;
        memcpy(&d, &bits, sizeof(d));
        return json_real(d);
    }
    case 4:
    case 5:
    case 6:
        return random_string(rng, false);
    case 7: {
        json_t *a = json_array();
        for (unsigned n = (unsigned)(test_rand(rng) % 5); n > 0; n--)
            json_array_append_new(a, random_json(rng, depth - 1, false));
        return a;
    }
    default: {
        json_t *o = json_object();
        for (unsigned n = (unsigned)(test_rand(rng) % 5); n > 0; n--) {
            json_t *k = random_string(rng, true);
            json_object_set_new(o, json_string_value(k), random_json(rng, depth - 1, true));
            json_decref(k);
        }
        return o;
    }
    }
}

static json_t *random_doc(unsigned long long *rng)
{
    json_t *doc;
    do
        doc = random_json(rng, 4, true);
    while (!json_is_object(doc) && (json_decref(doc), 1));
    return doc;
}

/* doc_replace then doc_render of the root, on a fresh cell. */
static json_t *store_and_render(json_t *doc)
{
    struct vcow_cell_opts o = {.size = sizeof(o)};
    vcow_cell *cell;
    CHECK_OK(vcow_cell_open(VCOW_KIND_MAP, &o, &cell));
    char err[256] = "";
    uint64_t seq;
    int rc = doc_replace(cell, doc, &seq, err, sizeof(err));
    if (rc != VCOW_OK)
        fprintf(stderr, "doc_replace: %s\n", err[0] ? err : vcow_strerror(rc));
    CHECK_OK(rc);
    vcow_version *v;
    CHECK_OK(vcow_cell_pin_head(cell, &v));
    json_t *back = doc_render(v, "", &rc);
    vcow_version_unpin(v);
    CHECK_OK(vcow_cell_close(cell));
    return back;
}

static void check_roundtrip(json_t *doc)
{
    json_t *back = store_and_render(doc);
    if (back == NULL || !json_equal(back, doc)) {
        char *in = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
        char *out = back ? json_dumps(back, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
        fprintf(stderr, "stored  %s\nread as %s\n", in, out ? out : "(nothing)");
        free(in);
        free(out);
    }
    CHECK(back != NULL && json_equal(back, doc));
    json_decref(back);
}

static void test_doc_roundtrip(void)
{
    /* The issue's two: a string that began with the old array mark made the
     * document unreadable, or read back as an array. */
    const char *fixed[] = {
        "{\"mark\": \"\\u0001x\"}",
        "{\"arr\": \"\\u0001[1,2]\", \"real\": [1,2]}",
        "{\"e\": \"\", \"one\": \"\\u0001\", \"nul\": \"\\u0000\", \"s\": \"s\", \"a\": \"a\"}",
        ("{\"ctl\": \"\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\b\\t\\n\\u000b"
         "\\f\\r\\u000e\\u000f\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017\\u0018"
         "\\u0019\\u001a\\u001b\\u001c\\u001d\\u001e\\u001f\\u007f\"}"),
        "{\"in\": [\"\\u0001[1]\", \"\\u0000\", null, {\"k\": null}, [[]], {}], \"o\": {}}",
        ("{\"n\": -9223372036854775808, \"m\": 9223372036854775807, \"r\": 0.1, \"t\": true,"
         " \"f\": false, \"i\": 1e300, \"u\": \"\\u00e9\\u4e2d\\ud83d\\ude00\"}"),
    };
    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
        json_error_t e;
        json_t *doc = json_loads(fixed[i], JSON_ALLOW_NUL, &e);
        CHECK(doc != NULL);
        check_roundtrip(doc);
        json_decref(doc);
    }
    unsigned long long rng = 9;
    for (int i = 0; i < 2000; i++) {
        json_t *doc = random_doc(&rng);
        check_roundtrip(doc);
        json_decref(doc);
    }
    test_check_all_freed();
}

/* ---- issue 14, items 9-11 over HTTP ---- */

static json_int_t head_version(void)
{
    json_t *j;
    CHECK(http("GET", "/history", NULL, &j) == 200);
    json_t *versions = json_object_get(j, "versions");
    json_int_t v = get_int(json_array_get(versions, json_array_size(versions) - 1), "version");
    json_decref(j);
    return v;
}

static void test_issue14_http(void)
{
    json_t *j;
    /* 9: one POST of a string beginning with U+0001 answered 200, then
     * every GET /config 500. */
    CHECK(http("POST", "/config", "{\"mark\": \"\\u0001x\", \"arr\": \"\\u0001[1,2]\"}", NULL) ==
          200);
    CHECK(http("GET", "/config", NULL, &j) == 200);
    CHECK(strcmp(json_string_value(json_object_get(json_object_get(j, "value"), "mark")),
                 "\x01x") == 0);
    json_decref(j);
    CHECK(http("GET", "/config/arr", NULL, &j) == 200);
    CHECK(strcmp(json_string_value(json_object_get(j, "value")), "\x01[1,2]") == 0);
    json_decref(j);
    /* Any document, U+0000 in strings included, reads back as posted. */
    unsigned long long rng = 91;
    for (int i = 0; i < 20; i++) {
        json_t *doc = random_doc(&rng);
        json_t *patch = json_pack("{s:O}", "rt", doc);
        char *body = json_dumps(patch, JSON_COMPACT);
        CHECK(http("POST", "/config", "{\"rt\": null}", NULL) == 200);
        CHECK(http("POST", "/config", body, NULL) == 200);
        CHECK(http("GET", "/config/rt", NULL, &j) == 200);
        CHECK(json_equal(json_object_get(j, "value"), doc));
        json_decref(j);
        free(body);
        json_decref(patch);
        json_decref(doc);
    }

    /* 10 and 11: none of these commits anything (checked at the end). */
    json_int_t head = head_version();
    CHECK(http("GET", "/history", NULL, &j) == 200);
    char t1[64], target[256];
    json_t *versions = json_object_get(j, "versions");
    snprintf(t1, sizeof(t1), "%s",
             json_string_value(json_object_get(json_array_get(versions, 1), "time")));
    json_decref(j);
    /* After 2262-04-11 is after every commit: the head, not 404. */
    const char *future[] = {"9999-12-31T23:59:59Z", "2300-01-01T00:00:00Z", "2262-04-12T00:00:00Z"};
    for (size_t i = 0; i < sizeof(future) / sizeof(future[0]); i++) {
        snprintf(target, sizeof(target), "/config?as_of=%s", future[i]);
        CHECK(http("GET", target, NULL, &j) == 200);
        CHECK(get_int(j, "version") == head);
        json_decref(j);
    }
    /* Lowercase t and z name the same instant. */
    for (char *c = t1; *c; c++)
        *c = *c == 'T' ? 't' : *c == 'Z' ? 'z' : *c;
    snprintf(target, sizeof(target), "/config?as_of=%s", t1);
    CHECK(http("GET", target, NULL, &j) == 200);
    CHECK(get_int(j, "version") == 1);
    json_decref(j);
    const char *bad[] = {
        "/config?as_of=2024-02-30T00:00:00Z",      /* no such date */
        "/config?as_of=2024-01-01T00:00:00%2B1:2", /* short offset */
        "/config?version=99999999999999999999",    /* past UINT64_MAX */
        "/config?version=18446744073709551616",    /* UINT64_MAX + 1 */
        "/diff?from=99999999999999999999&to=1",    /* the same for diff */
        "/config/%00",                             /* was the root document */
        "/config/db.port%00.x",                    /* was read as db.port */
        "/config?version=1%00",                    /* was version 1 */
        "/config/db..port",                        /* an empty key */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CHECK(http("GET", bad[i], NULL, &j) == 400);
        CHECK(json_is_string(json_object_get(j, "error")));
        json_decref(j);
    }
    CHECK(http("POST", "/config%00", "{\"x\": 1}", NULL) == 400);
    CHECK(http("POST", "/config", "{\"x\": {\"\": 1}}", NULL) == 400); /* no path names it */
    CHECK(head_version() == head);
    CHECK(http("GET", "/config/x", NULL, NULL) == 404);
    /* A key with a '.' is one key: a backslash escapes it in a path. */
    CHECK(http("POST", "/config", "{\"x\": {\"a.b\": 1, \"c\\\\d\": 2}}", NULL) == 200);
    CHECK(http("GET", "/config/x.a%5C.b", NULL, &j) == 200);
    CHECK(get_int(j, "value") == 1);
    json_decref(j);
    CHECK(http("GET", "/config/x.c%5C%5Cd", NULL, &j) == 200);
    CHECK(get_int(j, "value") == 2);
    json_decref(j);
    CHECK(http("GET", "/config/x.a", NULL, NULL) == 404);
    /* Arrays are vcow arrays: elements by index, null elements kept. */
    CHECK(http("POST", "/config",
               "{\"x\": null, \"servers\": [{\"host\": \"a\"}, null, [1, \"two\"]]}", NULL) == 200);
    CHECK(http("GET", "/config/servers.0.host", NULL, &j) == 200);
    CHECK(strcmp(json_string_value(json_object_get(j, "value")), "a") == 0);
    json_decref(j);
    CHECK(http("GET", "/config/servers.2.1", NULL, &j) == 200);
    CHECK(strcmp(json_string_value(json_object_get(j, "value")), "two") == 0);
    json_decref(j);
    CHECK(http("GET", "/config/servers", NULL, &j) == 200);
    json_t *want = json_pack("[{s:s}, n, [i, s]]", "host", "a", 1, "two");
    CHECK(json_equal(json_object_get(j, "value"), want));
    json_decref(want);
    json_decref(j);
    CHECK(http("POST", "/config", "{\"servers\": null}", NULL) == 200);
}

/* ---- issue 18: watch, If-Match, author and reason ---- */

struct watch_call {
    char target[64];
    int status;
    json_t *json;
};

static void *watch_thread(void *arg)
{
    struct watch_call *w = arg;
    w->status = http("GET", w->target, NULL, &w->json);
    return NULL;
}

static void test_issue18_http(void)
{
    json_t *j;
    char hdrs[4096], etag[32], h[128];
    /* GET answers the version it read as an ETag. */
    CHECK(http_ex("GET", "/config", "", NULL, &j, hdrs, sizeof(hdrs)) == 200);
    json_int_t v = get_int(j, "version");
    json_decref(j);
    snprintf(etag, sizeof(etag), "ETag: \"%lld\"", (long long)v);
    CHECK(strstr(hdrs, etag) != NULL);
    CHECK(v == head_version());
    /* If-Match: the head's version commits (with author and reason)... */
    snprintf(h, sizeof(h), "If-Match: \"%lld\"\r\nX-Author: alice\r\nX-Reason: raise the pool\r\n",
             (long long)v);
    CHECK(http_ex("POST", "/config", h, "{\"pool\": 20}", &j, NULL, 0) == 200);
    CHECK(get_int(j, "version") == v + 1);
    json_decref(j);
    /* ...an old one is 412 and changes nothing. */
    CHECK(http_ex("POST", "/config", h, "{\"pool\": 99}", &j, NULL, 0) == 412);
    json_decref(j);
    CHECK(head_version() == v + 1);
    CHECK(http("GET", "/config/pool", NULL, &j) == 200);
    CHECK(get_int(j, "value") == 20);
    json_decref(j);
    CHECK(http_ex("POST", "/config", "If-Match: W/\"3\"\r\n", "{}", NULL, NULL, 0) == 400);
    /* /history shows who and why, for that version only. */
    CHECK(http("GET", "/history", NULL, &j) == 200);
    json_t *versions = json_object_get(j, "versions");
    size_t n = json_array_size(versions);
    json_t *last = json_array_get(versions, n - 1), *prev = json_array_get(versions, n - 2);
    CHECK(get_int(last, "version") == v + 1);
    CHECK(strcmp(json_string_value(json_object_get(last, "author")), "alice") == 0);
    CHECK(strcmp(json_string_value(json_object_get(last, "reason")), "raise the pool") == 0);
    CHECK(json_object_get(prev, "author") == NULL);
    json_decref(j);
    /* A watch with nothing new times out empty. */
    char target[64];
    snprintf(target, sizeof(target), "/watch?after=%lld&timeout=1", (long long)(v + 1));
    CHECK(http("GET", target, NULL, &j) == 200);
    CHECK(get_int(j, "to") == v + 1 && json_array_size(json_object_get(j, "changes")) == 0);
    json_decref(j);
    /* A watch that is waiting answers the next commit's diff. */
    struct watch_call w = {.status = 0, .json = NULL};
    snprintf(w.target, sizeof(w.target), "/watch?after=%lld&timeout=60", (long long)(v + 1));
    pthread_t th;
    CHECK(pthread_create(&th, NULL, watch_thread, &w) == 0);
    struct timespec pause = {0, 200 * 1000 * 1000};
    nanosleep(&pause, NULL); /* the watch is (most likely) asleep by now; either way it sees it */
    CHECK(http("POST", "/config", "{\"pool\": 21}", NULL) == 200);
    CHECK(pthread_join(th, NULL) == 0);
    CHECK(w.status == 200);
    CHECK(get_int(w.json, "from") == v + 1 && get_int(w.json, "to") == v + 2);
    json_t *ch = json_object_get(w.json, "changes");
    CHECK(json_array_size(ch) == 1);
    CHECK(strcmp(json_string_value(json_object_get(json_array_get(ch, 0), "path")), "pool") == 0);
    json_decref(w.json);
    /* A watch after a version already passed answers at once. */
    snprintf(target, sizeof(target), "/watch?after=%lld", (long long)v);
    CHECK(http("GET", target, NULL, &j) == 200);
    CHECK(get_int(j, "to") == v + 2 && json_array_size(json_object_get(j, "changes")) == 1);
    json_decref(j);
    CHECK(http("GET", "/watch", NULL, NULL) == 400);
    CHECK(http("GET", "/watch?after=1&timeout=301", NULL, NULL) == 400);
    CHECK(http("GET", "/watch?after=999999", NULL, NULL) == 410);
}

int main(int argc, char **argv)
{
    CHECK(argc == 3);
    test_rfc3339();
    test_request_grammar();
    test_doc_roundtrip();

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
        /* A failed CHECK aborts this test: the server must not outlive it
         * (it holds ctest's output pipe, which would wait for it). */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
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
    CHECK(http("POST", "/config", "{\"\": 1}", NULL) == 400);
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

    test_issue14_http();
    test_issue18_http();

    kill(pid, SIGTERM);
    int status;
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    printf("config_server: every endpoint, both reloads and the 4xx cases behave\n");
    return 0;
}
