/*
 * examples/config_server/request.c - the request grammar: see request.h.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "request.h"

#define NS_PER_S 1000000000LL

/* ---- targets ---- */

static int hex(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/*
 * Decode s[0, n) into a new string. NULL with *bad = 1 on a malformed
 * escape or an escaped NUL: a C string would end at the NUL and the
 * request be answered for a shorter target than the one sent.
 */
static char *decode(const char *s, size_t n, bool plus_is_space, int *bad)
{
    char *out = malloc(n + 1), *o = out;
    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%') {
            int hi = i + 2 < n ? hex(s[i + 1]) : -1;
            int lo = hi >= 0 ? hex(s[i + 2]) : -1;
            if (lo < 0 || (hi == 0 && lo == 0)) {
                free(out);
                *bad = 1;
                return NULL;
            }
            *o++ = (char)(hi << 4 | lo);
            i += 2;
        } else {
            *o++ = plus_is_space && s[i] == '+' ? ' ' : s[i];
        }
    }
    *o = '\0';
    return out;
}

void target_free(struct target *t)
{
    free(t->path);
    for (size_t i = 0; i < 2 * t->nargs; i++)
        free(t->args[i]);
    free(t->args);
    memset(t, 0, sizeof(*t));
}

const char *target_arg(const struct target *t, const char *key)
{
    for (size_t i = 0; i < t->nargs; i++)
        if (strcmp(t->args[2 * i], key) == 0)
            return t->args[2 * i + 1];
    return NULL;
}

/* Add the pair in s[0, n) ("key=value", "key"), decoded. */
static int add_arg(struct target *t, const char *s, size_t n, const char **why)
{
    const char *eq = memchr(s, '=', n);
    size_t klen = eq != NULL ? (size_t)(eq - s) : n;
    int bad = 0;
    char *key = decode(s, klen, true, &bad);
    char *val = key == NULL  ? NULL
                : eq != NULL ? decode(eq + 1, n - klen - 1, true, &bad)
                             : decode("", 0, true, &bad);
    if (val == NULL) {
        free(key);
        *why = "malformed %-escape, or %00, in the query";
        return bad ? 400 : 500;
    }
    /* One meaning per request: which of two versions to read is a guess. */
    if (target_arg(t, key) != NULL) {
        free(key);
        free(val);
        *why = "a query argument given twice";
        return 400;
    }
    char **args = realloc(t->args, (t->nargs + 1) * 2 * sizeof(*args));
    if (args == NULL) {
        free(key);
        free(val);
        return 500;
    }
    t->args = args;
    t->args[2 * t->nargs] = key;
    t->args[2 * t->nargs + 1] = val;
    t->nargs++;
    return 0;
}

int target_parse(const char *raw, struct target *t, const char **why)
{
    memset(t, 0, sizeof(*t));
    const char *q = strchr(raw, '?');
    size_t plen = q != NULL ? (size_t)(q - raw) : strlen(raw);
    int bad = 0;
    t->path = decode(raw, plen, false, &bad);
    if (t->path == NULL) {
        *why = "malformed %-escape, or %00, in the path";
        return bad ? 400 : 500;
    }
    for (const char *s = q != NULL ? q + 1 : NULL; s != NULL;) {
        const char *amp = strchr(s, '&');
        size_t n = amp != NULL ? (size_t)(amp - s) : strlen(s);
        int rc = n > 0 ? add_arg(t, s, n, why) : 0;
        if (rc != 0) {
            target_free(t);
            return rc;
        }
        s = amp != NULL ? amp + 1 : NULL;
    }
    return 0;
}

int check_doc_path(const char *path, const char **why)
{
    if (path[0] == '\0')
        return 0;
    for (const char *s = path;; s++) {
        const char *dot = strchr(s, '.');
        if (dot == s || *s == '\0') {
            *why = "a path is keys joined by '.', none empty";
            return -1;
        }
        if (dot == NULL)
            return 0;
        s = dot;
    }
}

int parse_seq(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    size_t i = 0;
    for (; s[i] >= '0' && s[i] <= '9'; i++) {
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1; /* past UINT64_MAX: malformed, not "no such version" */
        v = v * 10 + d;
    }
    if (i == 0 || s[i] != '\0')
        return -1;
    *out = v;
    return 0;
}

/* ---- RFC 3339 ---- */

/*
 * Days since 1970-01-01 of a proleptic Gregorian date, and back: Howard
 * Hinnant's days_from_civil / civil_from_days ("chrono-Compatible Low-Level
 * Date Algorithms"), which count in 400-year eras so that no step can
 * overflow and no libc (timegm's time_t, gmtime's int tm_year) is needed.
 */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static unsigned days_in_month(int64_t y, unsigned m)
{
    static const unsigned char len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    return m == 2 && leap ? 29 : len[m - 1];
}

/*
 * Exactly n digits at *p, advancing it; -1 otherwise. Stops at the first
 * non-digit, the terminating NUL included, so it never reads past the end.
 */
static int digits(const char **p, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++, (*p)++) {
        if (**p < '0' || **p > '9')
            return -1;
        v = v * 10 + (**p - '0');
    }
    return v;
}

static bool expect(const char **p, char c1, char c2)
{
    if (**p != c1 && **p != c2)
        return false;
    (*p)++;
    return true;
}

/* s seconds and frac (0 .. 1e9-1) ns as ns since the epoch, clamped. */
static int64_t to_ns(int64_t s, int64_t frac)
{
    /* s * 1e9 + frac without overflow on the way: for s < 0 the product
     * alone may fall below INT64_MIN while the sum does not (INT64_MIN
     * itself is -9223372037 s + 145224192 ns). */
    int64_t x;
    bool ok = s >= 0
                  ? !__builtin_mul_overflow(s, NS_PER_S, &x) && !__builtin_add_overflow(x, frac, &x)
                  : !__builtin_mul_overflow(s + 1, NS_PER_S, &x) &&
                        !__builtin_add_overflow(x, frac - NS_PER_S, &x);
    if (!ok)
        return s >= 0 ? INT64_MAX : INT64_MIN;
    return x;
}

int parse_rfc3339(const char *s, int64_t *ns)
{
    const char *p = s;
    int y = digits(&p, 4);
    bool ok = y >= 0 && expect(&p, '-', '-');
    int mo = ok ? digits(&p, 2) : -1;
    ok = mo >= 1 && mo <= 12 && expect(&p, '-', '-');
    int d = ok ? digits(&p, 2) : -1;
    ok = d >= 1 && (unsigned)d <= days_in_month(y, (unsigned)mo) && expect(&p, 'T', 't');
    int h = ok ? digits(&p, 2) : -1;
    ok = h >= 0 && h <= 23 && expect(&p, ':', ':');
    int mi = ok ? digits(&p, 2) : -1;
    ok = mi >= 0 && mi <= 59 && expect(&p, ':', ':');
    int sec = ok ? digits(&p, 2) : -1;
    if (sec < 0 || sec > 60)
        return -1;
    int64_t frac = 0;
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9')
            return -1;
        for (int64_t scale = NS_PER_S / 10; *p >= '0' && *p <= '9'; p++, scale /= 10)
            frac += (*p - '0') * scale; /* scale reaches 0 after nine digits */
    }
    int off = 0; /* seconds east of UTC */
    if (!expect(&p, 'Z', 'z')) {
        int sign = *p == '+' ? 1 : *p == '-' ? -1 : 0;
        if (sign == 0)
            return -1;
        p++;
        int oh = digits(&p, 2);
        int om = oh >= 0 && oh <= 23 && expect(&p, ':', ':') ? digits(&p, 2) : -1;
        if (om < 0 || om > 59)
            return -1;
        off = sign * (oh * 3600 + om * 60);
    }
    if (*p != '\0')
        return -1;

    int64_t days = days_from_civil(y, (unsigned)mo, (unsigned)d);
    int64_t t = days * 86400 + h * 3600 + mi * 60 + (sec == 60 ? 59 : sec) - off;
    if (sec == 60) {
        /* A leap second is inserted after 23:59:59 UTC on a month's last
         * day; POSIX time has none, so it reads as the next second. */
        int64_t utc_day = t >= 0 ? t / 86400 : (t - 86399) / 86400;
        int64_t uy;
        unsigned um, ud;
        civil_from_days(utc_day, &uy, &um, &ud);
        if (t - utc_day * 86400 != 86399 || ud != days_in_month(uy, um))
            return -1;
        t++;
    }
    *ns = to_ns(t, frac);
    return 0;
}

void format_rfc3339(int64_t ns, char *buf, size_t len)
{
    /* Floor division: the fraction of a time before the epoch counts
     * forward from the second before it. */
    int64_t s = ns / NS_PER_S, frac = ns % NS_PER_S;
    if (frac < 0) {
        frac += NS_PER_S;
        s--;
    }
    int64_t days = s >= 0 ? s / 86400 : (s - 86399) / 86400;
    int64_t sod = s - days * 86400;
    int64_t y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    snprintf(buf, len, "%04lld-%02u-%02uT%02u:%02u:%02u.%09lldZ", (long long)y, m, d,
             (unsigned)(sod / 3600), (unsigned)(sod / 60 % 60), (unsigned)(sod % 60),
             (long long)frac);
}
