/*
 * tests/fuzz/fuzz_config.c - libFuzzer: examples/config_server's pure
 * request handling (examples/config_server/request.c and doc.c), each part
 * against an independent model.
 *
 * The first byte picks the part; the rest is its input:
 *   target  a raw request target: accepted exactly when every %-escape is
 *           well formed, none is %00 and no argument repeats; the decoded
 *           path and arguments equal a reference decoder's, and encoded
 *           again they parse back to themselves. check_doc_path and
 *           parse_seq against their grammar (parse_seq: strtoull).
 *   time    text for parse_rfc3339: accepted exactly when libc's timegm /
 *           gmtime_r agree that the fields name a real date (and a leap
 *           second falls where one may), and then the same instant,
 *           clamped to int64 nanoseconds.
 *   instant eight bytes of nanoseconds: format_rfc3339 agrees with gmtime_r
 *           and parses back to the same nanoseconds.
 *   json    JSON text: a document, then merge patches after 0 bytes; or
 *   gen     documents and patches generated from the bytes (valid JSON
 *           every time, with every type, control characters, keys with
 *           '.', nesting past DOC_MAX_DEPTH):
 *           a document stored (doc_replace) reads back (doc_render) equal
 *           to itself, nulls included (json_equal), its subtrees by
 *           (escaped) path too; a patch (doc_merge_patch) gives what RFC
 *           7386 says. One with an empty key, or nested too deep, is
 *           refused whole, as is one whose commit runs out of memory
 *           (injected): the head stays what it was.
 * Every node vcow allocated is freed at the end.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <vcow/map.h>

#include "doc.h"
#include "fuzz.h"
#include "request.h"

/* ---- target, paths, version numbers ---- */

static int ref_hex(char c)
{
    const char *digits = "0123456789abcdef0123456789ABCDEF";
    const char *p = c != '\0' ? strchr(digits, c) : NULL;
    return p == NULL ? -1 : (int)(p - digits) % 16;
}

/* s[0, n) decoded into out (n + 1 bytes); false if malformed or %00. */
static bool ref_decode(const char *s, size_t n, bool plus, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '%') {
            out[o++] = plus && s[i] == '+' ? ' ' : s[i];
            continue;
        }
        int hi = n - i >= 3 ? ref_hex(s[i + 1]) : -1;
        int lo = hi >= 0 ? ref_hex(s[i + 2]) : -1;
        if (lo < 0 || hi * 16 + lo == 0) {
            out[o] = '\0';
            return false;
        }
        out[o++] = (char)(hi * 16 + lo);
        i += 2;
    }
    out[o] = '\0';
    return true;
}

/* Every byte as %XX: the decoder must give s back. */
static void encode(const char *s, char *out)
{
    for (; *s != '\0'; s++)
        out += sprintf(out, "%%%02X", (unsigned char)*s);
    *out = '\0';
}

static void fuzz_target(const char *raw)
{
    size_t n = strlen(raw);
    char *buf = malloc(n + 1);
    CHECK(buf != NULL);
    /* The model: split at the first '?', then at every '&', skip empties. */
    const char *q = strchr(raw, '?');
    size_t plen = q != NULL ? (size_t)(q - raw) : n;
    bool ok = ref_decode(raw, plen, false, buf);
    char *path = ok ? strdup(buf) : NULL;
    char *keys[64], *vals[64];
    size_t nargs = 0;
    bool dup = false;
    for (const char *s = q != NULL ? q + 1 : NULL; ok && s != NULL && nargs < 64;) {
        const char *amp = strchr(s, '&');
        size_t len = amp != NULL ? (size_t)(amp - s) : strlen(s);
        if (len > 0) {
            const char *eq = memchr(s, '=', len);
            size_t klen = eq != NULL ? (size_t)(eq - s) : len;
            if (!(ok = ref_decode(s, klen, true, buf)))
                break;
            keys[nargs] = strdup(buf);
            ok = ref_decode(eq != NULL ? eq + 1 : "", eq != NULL ? len - klen - 1 : 0, true, buf);
            vals[nargs] = strdup(buf);
            for (size_t i = 0; i < nargs; i++)
                dup |= strcmp(keys[i], keys[nargs]) == 0;
            nargs++;
        }
        s = amp != NULL ? amp + 1 : NULL;
    }
    if (nargs == 64)
        goto out; /* past the model's room: not checked */

    struct target t;
    const char *why = NULL;
    int rc = target_parse(raw, &t, &why);
    CHECK(rc == 0 || rc == 400);
    CHECK((rc == 0) == (ok && !dup));
    if (rc != 0) {
        CHECK(why != NULL && t.path == NULL && t.nargs == 0);
        goto out;
    }
    CHECK(strcmp(t.path, path) == 0 && t.nargs == nargs);
    for (size_t i = 0; i < nargs; i++) {
        CHECK(strcmp(t.args[2 * i], keys[i]) == 0);
        CHECK(strcmp(target_arg(&t, keys[i]), vals[i]) == 0);
    }

    /* Encoded again, it reads the same. */
    size_t room = 3 * n + 8;
    char *again = malloc(room), *o = again;
    CHECK(again != NULL);
    encode(t.path, o);
    o += strlen(o);
    for (size_t i = 0; i < t.nargs; i++) {
        *o++ = i == 0 ? '?' : '&';
        encode(t.args[2 * i], o);
        o += strlen(o);
        *o++ = '=';
        encode(t.args[2 * i + 1], o);
        o += strlen(o);
    }
    *o = '\0';
    struct target t2;
    CHECK(target_parse(again, &t2, &why) == 0);
    CHECK(strcmp(t2.path, t.path) == 0 && t2.nargs == t.nargs);
    for (size_t i = 0; i < 2 * t.nargs; i++)
        CHECK(strcmp(t2.args[i], t.args[i]) == 0);
    target_free(&t2);
    free(again);

    /* A document path: "" or keys joined by '.', none empty. */
    size_t pl = strlen(t.path);
    bool good = pl == 0 || (t.path[0] != '.' && t.path[pl - 1] != '.' && !strstr(t.path, ".."));
    CHECK((check_doc_path(t.path, &why) == 0) == good);

    /* A version number: digits only, at most UINT64_MAX. */
    uint64_t seq = 7;
    bool digits = t.path[0] != '\0' && strspn(t.path, "0123456789") == pl;
    errno = 0;
    unsigned long long want = digits ? strtoull(t.path, NULL, 10) : 0;
    digits = digits && errno == 0;
    CHECK((parse_seq(t.path, &seq) == 0) == digits);
    CHECK(!digits || seq == want);
    target_free(&t);
out:
    for (size_t i = 0; i < nargs; i++) {
        free(keys[i]);
        free(vals[i]);
    }
    free(path);
    free(buf);
}

/* ---- RFC 3339 ---- */

#define NS 1000000000LL

static int64_t clamp_ns(__int128 x)
{
    return x > INT64_MAX ? INT64_MAX : x < INT64_MIN ? INT64_MIN : (int64_t)x;
}

/* Does tm (UTC) name the date it was built from? */
static bool real_date(int y, int mo, int d)
{
    struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = 12};
    time_t t = timegm(&tm);
    struct tm back;
    return gmtime_r(&t, &back) != NULL && back.tm_year == y - 1900 && back.tm_mon == mo - 1 &&
           back.tm_mday == d;
}

static void fuzz_time_text(const char *s)
{
    /* The model: the fixed shape by position, then libc for the calendar. */
    static const char shape[] = "dddd-dd-ddTdd:dd:dd";
    bool ok = strlen(s) >= sizeof(shape) - 1;
    for (size_t i = 0; ok && i < sizeof(shape) - 1; i++)
        ok = shape[i] == 'd'   ? s[i] >= '0' && s[i] <= '9'
             : shape[i] == 'T' ? s[i] == 'T' || s[i] == 't'
                               : s[i] == shape[i];
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0, oh = 0, om = 0, sign = 0;
    long long frac = 0;
    const char *p = s + sizeof(shape) - 1;
    if (ok) {
        sscanf(s, "%4d-%2d-%2d%*c%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &sec);
        if (*p == '.') {
            size_t nd = strspn(++p, "0123456789");
            ok = nd > 0;
            for (size_t i = 0; i < 9; i++)
                frac = frac * 10 + (i < nd ? p[i] - '0' : 0);
            p += nd;
        }
        if (*p == 'Z' || *p == 'z') {
            p++;
        } else if ((*p == '+' || *p == '-') && strlen(p) == 6 && p[3] == ':' &&
                   strspn(p + 1, "0123456789") == 2 && strspn(p + 4, "0123456789") == 2) {
            sign = *p == '+' ? 1 : -1;
            sscanf(p + 1, "%2d:%2d", &oh, &om);
            p += 6;
        } else {
            ok = false;
        }
        ok = ok && *p == '\0' && mo >= 1 && mo <= 12 && d >= 1 && real_date(y, mo, d) && h <= 23 &&
             mi <= 59 && sec <= 60 && oh <= 23 && om <= 59;
    }
    time_t t = 0;
    if (ok) {
        struct tm tm = {.tm_year = y - 1900,
                        .tm_mon = mo - 1,
                        .tm_mday = d,
                        .tm_hour = h,
                        .tm_min = mi,
                        .tm_sec = sec == 60 ? 59 : sec};
        t = timegm(&tm) - sign * (oh * 3600 + om * 60);
        if (sec == 60) { /* only as the last second of a month, UTC */
            struct tm a, b;
            time_t next = t + 1;
            gmtime_r(&t, &a);
            gmtime_r(&next, &b);
            ok = a.tm_hour == 23 && a.tm_min == 59 && a.tm_sec == 59 && b.tm_mday == 1;
            t = next;
        }
    }
    int64_t ns = 0;
    int rc = parse_rfc3339(s, &ns);
    CHECK((rc == 0) == ok);
    if (ok)
        CHECK(ns == clamp_ns((__int128)t * NS + frac));
}

static void fuzz_instant(int64_t ns)
{
    char buf[RFC3339_LEN], want[RFC3339_LEN];
    format_rfc3339(ns, buf, sizeof(buf));
    __int128 floor_s = ns / NS - (ns % NS < 0);
    time_t t = (time_t)floor_s;
    struct tm tm;
    CHECK(gmtime_r(&t, &tm) != NULL);
    snprintf(want, sizeof(want), "%04d-%02d-%02dT%02d:%02d:%02d.%09lldZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
             (long long)(ns - floor_s * NS));
    CHECK(strcmp(buf, want) == 0);
    int64_t back;
    CHECK(parse_rfc3339(buf, &back) == 0 && back == ns);
}

/* ---- JSON <-> document ---- */

/* RFC 7386 §2, MergePatch(Target, Patch); consumes target. */
static json_t *ref_merge(json_t *target, json_t *patch)
{
    if (!json_is_object(patch)) {
        json_decref(target);
        return json_incref(patch);
    }
    if (!json_is_object(target)) {
        json_decref(target);
        target = json_object();
    }
    const char *k;
    json_t *v;
    json_object_foreach(patch, k, v)
    {
        if (json_is_null(v)) {
            json_object_del(target, k);
        } else {
            json_t *cur = json_object_get(target, k);
            json_object_set_new(target, k, ref_merge(json_incref(cur), v));
        }
    }
    return target;
}

/* Must the server refuse it: an empty key, or a value deeper than a path
 * reaches (DOC_MAX_DEPTH keys and indices)? j is at a path of depth keys. */
static bool refused(json_t *j, unsigned depth)
{
    if (json_is_array(j)) {
        if (depth == DOC_MAX_DEPTH)
            return true; /* its elements would be one key too deep */
        for (size_t i = 0; i < json_array_size(j); i++)
            if (refused(json_array_get(j, i), depth + 1))
                return true;
        return false;
    }
    const char *k;
    json_t *v;
    json_object_foreach(j, k, v)
    {
        if (k[0] == '\0' || depth + 1 > DOC_MAX_DEPTH || refused(v, depth + 1))
            return true;
    }
    return false;
}

/* The head as JSON, and each subtree along the first keys by path. */
static json_t *render_head(vcow_cell *cell, uint64_t *seq)
{
    vcow_version *v;
    CHECK(vcow_cell_pin_head(cell, &v) == VCOW_OK);
    int rc;
    json_t *doc = doc_render(v, "", &rc);
    CHECK(doc != NULL && rc == VCOW_OK);
    char path[4096] = "";
    size_t len = 0;
    for (json_t *sub = doc; json_is_object(sub) && json_object_size(sub) > 0;) {
        const char *k = json_object_iter_key(json_object_iter(sub));
        char esc[2048];
        size_t need;
        if (vcow_map_path_escape(k, strlen(k), esc, sizeof(esc), &need) != VCOW_OK ||
            len + need + 2 > sizeof(path))
            break;
        len += (size_t)sprintf(path + len, "%s%s", len ? "." : "", esc);
        sub = json_object_get(sub, k);
        json_t *r = doc_render(v, path, &rc);
        CHECK(r != NULL && json_equal(r, sub));
        json_decref(r);
    }
    *seq = vcow_version_seq(v);
    vcow_version_unpin(v);
    return doc;
}

/* Apply doc (replace) or patch (merge) and check against the model. */
static void apply(vcow_cell *cell, json_t *j, bool merge, long fail_at, json_t **model)
{
    uint64_t before_seq, seq = 0;
    json_t *before = render_head(cell, &before_seq);
    CHECK(json_equal(before, *model));
    char err[256] = "";
    vcow_debug_fail_alloc(fail_at, false);
    int rc = merge ? doc_merge_patch(cell, j, NULL, &seq, err, sizeof(err))
                   : doc_replace(cell, j, &seq, err, sizeof(err));
    vcow_debug_fail_alloc(0, false);
    bool bad = !json_is_object(j) || refused(j, 0);
    if (rc == VCOW_OK) {
        CHECK(!bad && seq == before_seq + 1);
        if (merge) {
            *model = ref_merge(*model, j);
        } else {
            json_decref(*model);
            *model = json_deep_copy(j);
        }
    } else {
        CHECK((rc == VCOW_EINVAL && bad && err[0] != '\0') || (rc == VCOW_ENOMEM && fail_at != 0));
    }
    uint64_t after_seq;
    json_t *after = render_head(cell, &after_seq);
    CHECK(after_seq == (rc == VCOW_OK ? before_seq + 1 : before_seq));
    CHECK(json_equal(after, *model));
    json_decref(before);
    json_decref(after);
}

/* A fresh cell and its model, the empty document. */
struct docs {
    vcow_cell *cell;
    json_t *model;
};

static bool docs_open(struct docs *d)
{
    struct vcow_cell_opts o = {.size = sizeof(o)};
    if (vcow_cell_open(VCOW_KIND_MAP, &o, &d->cell) != VCOW_OK)
        return false;
    d->model = json_object();
    return true;
}

static void docs_close(struct docs *d)
{
    json_decref(d->model);
    CHECK(vcow_cell_close(d->cell) == VCOW_OK);
}

/* Generated JSON: every value from the input, so it is always valid. */
static unsigned gen_codepoint(struct input *in)
{
    static const unsigned common[] = {0x00, 0x01, 0x1f, 0x7f, '"',  '\\',   '[',    ']',
                                      '{',  's',  'a',  '.',  0xe9, 0x4e2d, 0xfffd, 0x1f600};
    uint8_t b = next(in);
    if (b < 0x60)
        return b;
    if (b < 0x80)
        return common[b % (sizeof(common) / sizeof(common[0]))];
    unsigned cp = (unsigned)(b & 0x7f) << 10 | (unsigned)next(in) << 2; /* up to U+1FFFC */
    return cp >= 0xd800 && cp < 0xe000 ? cp - 0x800 : cp;               /* no surrogates */
}

static size_t gen_utf8(char *o, unsigned cp)
{
    if (cp < 0x80)
        return (size_t)(o[0] = (char)cp, 1);
    if (cp < 0x800)
        return (size_t)(o[0] = (char)(0xc0 | cp >> 6), o[1] = (char)(0x80 | (cp & 0x3f)), 2);
    if (cp < 0x10000)
        return (size_t)(o[0] = (char)(0xe0 | cp >> 12), o[1] = (char)(0x80 | (cp >> 6 & 0x3f)),
                        o[2] = (char)(0x80 | (cp & 0x3f)), 3);
    return (size_t)(o[0] = (char)(0xf0 | cp >> 18), o[1] = (char)(0x80 | (cp >> 12 & 0x3f)),
                    o[2] = (char)(0x80 | (cp >> 6 & 0x3f)), o[3] = (char)(0x80 | (cp & 0x3f)), 4);
}

/* Keys come from a small alphabet so that a patch meets the document's. */
static json_t *gen_json(struct input *in, unsigned depth)
{
    char buf[128];
    size_t n = 0;
    uint8_t b = next(in);
    switch (b % (depth < 80 ? 10 : 7)) {
    case 0:
        return json_null();
    case 1:
        return json_boolean(b & 0x10);
    case 2: {
        uint64_t x = 0;
        for (int i = 0; i < (b >> 5) + 1; i++)
            x = x << 8 | next(in);
        return json_integer((json_int_t)x);
    }
    case 3: {
        uint64_t x = 0;
        for (int i = 0; i < 8; i++)
            x = x << 8 | next(in);
        if ((x >> 52 & 0x7ff) == 0x7ff)
            x &= ~(1ull << 62); /* finite: JSON has no NaN or infinity */
        double d;
        memcpy(&d, &x, sizeof(d));
        return json_real(d);
    }
    case 4:
    case 5:
    case 6:
        for (unsigned len = next(in) % 16; len > 0; len--)
            n += gen_utf8(buf + n, gen_codepoint(in));
        return json_stringn(buf, n);
    case 7: {
        json_t *a = json_array();
        for (unsigned len = next(in) % 4; len > 0; len--)
            json_array_append_new(a, gen_json(in, depth + 1));
        return a;
    }
    default: {
        /* Mostly "a".."ccc"; one key in 8 starts with '.', U+0001 or '_',
         * one in 256 is empty. */
        json_t *o = json_object();
        for (unsigned len = next(in) % 4; len > 0; len--) {
            uint8_t k = next(in);
            char key[4];
            size_t kl = 0;
            if ((k & 0xe0) == 0xe0)
                key[kl++] = ".\x01_"[(k >> 2) % 3];
            for (unsigned i = kl; k != 0 && i < 1 + k % 3u; i++)
                key[kl++] = "abc"[(k >> (2 * i + 1)) % 3];
            key[kl] = '\0';
            json_object_set_new(o, key, gen_json(in, depth + 1));
        }
        return o;
    }
    }
}

/* A document, then merge patches, each after a 0 byte; an allocation
 * fails in the last one's commit when fail_at says so. */
static void fuzz_json_text(const uint8_t *data, size_t size, long fail_at)
{
    struct docs d;
    if (!docs_open(&d))
        return;
    for (bool first = true;; first = false) {
        const uint8_t *nul = memchr(data, 0, size);
        size_t len = nul != NULL ? (size_t)(nul - data) : size;
        json_error_t e;
        /* JSON_DECODE_ANY: an array or a string is refused by doc_*, not here. */
        json_t *j = json_loadb((const char *)data, len, JSON_ALLOW_NUL | JSON_DECODE_ANY, &e);
        if (j != NULL)
            apply(d.cell, j, !first, nul == NULL ? fail_at : 0, &d.model);
        json_decref(j);
        if (nul == NULL)
            break;
        data = nul + 1;
        size -= len + 1;
    }
    docs_close(&d);
}

/* Up to 16 generated documents, each a replace or a merge patch, with an
 * allocation failure in some. */
static void fuzz_generated(struct input *in)
{
    struct docs d;
    if (!docs_open(&d))
        return;
    for (int i = 0; i < 16 && in->n > 0; i++) {
        uint8_t b = next(in);
        long fail_at = (b & 0x0e) == 0x0e ? (b >> 4) + 1 : 0;
        json_t *j = gen_json(in, 0);
        apply(d.cell, j, b & 1, fail_at, &d.model);
        json_decref(j);
    }
    docs_close(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    uint8_t mode = data[0];
    data++;
    size--;
    /* The text parts see a C string: up to the first 0 byte. */
    char *text = malloc(size + 1);
    CHECK(text != NULL);
    memcpy(text, data, size);
    text[size] = '\0';
    long fail_at = mode & 0x80 ? (mode >> 3 & 0xf) + 1 : 0;
    switch (mode % 6) {
    case 0:
        fuzz_target(text);
        break;
    case 1:
        fuzz_time_text(text);
        break;
    case 2: {
        uint64_t x = 0;
        for (size_t i = 0; i < 8; i++)
            x = x << 8 | (i < size ? data[i] : 0);
        fuzz_instant((int64_t)x);
        break;
    }
    case 3:
        fuzz_json_text(data, size, fail_at);
        break;
    default: {
        struct input in = {data, size};
        fuzz_generated(&in);
        break;
    }
    }
    free(text);
    fuzz_check_all_freed_sometimes();
    return 0;
}
