/*
 * examples/config_server/request.h - the request grammar: the target
 * (path and query arguments), version numbers and RFC 3339 times. Pure
 * functions, no libmicrohttpd, so that the tests and tests/fuzz/fuzz_config.c
 * can call them directly. Each parser either accepts its whole input or
 * rejects it: a request it rejects is answered 400 and changes nothing.
 */
#ifndef CONFIG_REQUEST_H
#define CONFIG_REQUEST_H

#include <stddef.h>
#include <stdint.h>

/* A request target split at '?' and percent-decoded. */
struct target {
    char *path;   /* "/config/db.port": decoded, NUL-free */
    char **args;  /* key 0, value 0, key 1, value 1, ...: decoded, NUL-free */
    size_t nargs; /* pairs */
};

/*
 * Split and decode a raw request target as the client sent it
 * ("/config/db%2Eport?version=2"). In the query, '+' is a space (as HTML
 * forms send it); a '+' meant literally, as in an RFC 3339 offset, is %2B.
 * Returns 0 (free t with target_free), 400 with *why set (a malformed
 * %-escape, one that decodes to NUL, an argument given twice; t is left
 * empty), or 500 (out of memory).
 */
int target_parse(const char *raw, struct target *t, const char **why);
void target_free(struct target *t);

/* The decoded value of query argument `key` ("" for "?key"), or NULL. */
const char *target_arg(const struct target *t, const char *key);

/*
 * A document path as /config/<path> names it: "" (the root) or keys
 * joined by '.', none empty. 0, or -1 with *why set.
 */
int check_doc_path(const char *path, const char **why);

/* A version number: 1 to 20 decimal digits, at most UINT64_MAX. 0 or -1. */
int parse_seq(const char *s, uint64_t *out);

/*
 * An RFC 3339 date-time (§5.6): "2026-11-23T03:12:00Z",
 * "2026-11-23t03:12:00.5+01:00"; year 0000-9999, a real calendar date,
 * second 60 only where a leap second may fall (23:59:60 UTC on the last
 * day of a month). Fraction digits past the ninth are dropped, so an
 * instant between two nanoseconds reads as the earlier one. *ns gets
 * CLOCK_REALTIME nanoseconds, clamped to INT64_MIN / INT64_MAX outside
 * 1677-09-21 .. 2262-04-11: as an as_of, a clamped time is still before
 * or after every commit. 0 on success, -1 when malformed.
 */
int parse_rfc3339(const char *s, int64_t *ns);

/*
 * Format ns as RFC 3339 UTC with nine fraction digits into buf (at least
 * RFC3339_LEN bytes); parse_rfc3339 reads it back as the same ns. The
 * text is 30 bytes; RFC3339_LEN has room for the widest values the
 * fields' types allow, so that gcc's -Wformat-truncation sees it fits.
 */
#define RFC3339_LEN 80
void format_rfc3339(int64_t ns, char *buf, size_t len);

#endif
