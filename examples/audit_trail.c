/*
 * examples/audit_trail.c - an access list in a map cell that keeps every
 * version: commit a few changes, then answer an auditor's questions.
 *
 *   - the trail: every version with its time, and what it changed
 *     (vcow_cell_versions, vcow_map_diff between neighbours);
 *   - "what did the list say at 12:03:07.250?" (vcow_cell_pin_as_of) and
 *     "at version 2?" (vcow_cell_pin_at);
 *   - what changed between two versions far apart.
 *
 * The program also applies each change to a small model of its own and
 * checks every answer against it; exits 1 with a message on a mismatch.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <vcow/vcow.h>

/* ---- the changes: one commit each ---- */

enum op_kind { END, PUT_STR, PUT_INT, DEL };
struct op {
    enum op_kind kind;
    const char *key;
    const char *s;
    int64_t i;
};
static const struct step {
    const char *why;
    struct op ops[4]; /* up to the first END */
} steps[] = {
    {"onboard alice and bob",
     {{PUT_STR, "alice", "viewer", 0},
      {PUT_STR, "bob", "editor", 0},
      {PUT_INT, "session_hours", NULL, 8}}},
    {"promote alice", {{PUT_STR, "alice", "editor", 0}}},
    {"bob leaves, carol joins", {{DEL, "bob", NULL, 0}, {PUT_STR, "carol", "viewer", 0}}},
    {"longer sessions, carol is admin",
     {{PUT_INT, "session_hours", NULL, 12}, {PUT_STR, "carol", "admin", 0}}},
    {"alice leaves", {{DEL, "alice", NULL, 0}}},
};
enum { STEPS = sizeof(steps) / sizeof(steps[0]), MAX = 16 };

_Noreturn static void fail(const char *what, long n)
{
    fprintf(stderr, "audit_trail: %s (%ld)\n", what, n);
    exit(1);
}

/* ---- lines of text, compared as sorted sets ---- */

struct lines {
    char l[MAX][64];
    int n;
};

static int by_text(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* Sort the lines and join them with sep into out (cap 1024). */
static const char *joined(struct lines *ls, const char *sep, char out[1024])
{
    qsort(ls->l, (size_t)ls->n, sizeof(ls->l[0]), by_text);
    size_t len = 0;
    for (int i = 0; i < ls->n; i++) {
        size_t a = i ? strlen(sep) : 0, b = strlen(ls->l[i]);
        if (len + a + b >= 1024)
            fail("text too long", i);
        memcpy(out + len, sep, a);
        memcpy(out + len + a, ls->l[i], b);
        len += a + b;
    }
    out[len] = '\0';
    return out;
}

static const char *text_of(const vcow_val *v, char buf[32])
{
    const char *s;
    int64_t i;
    if (vcow_val_as_str(v, &s) == VCOW_OK)
        snprintf(buf, 32, "%s", s);
    else if (vcow_val_as_i64(v, &i) == VCOW_OK)
        snprintf(buf, 32, "%lld", (long long)i);
    else
        snprintf(buf, 32, "?");
    return buf;
}

/* ---- what the map holds, and what changed, as lines ---- */

static int add_entry(vcow_slice key, const vcow_val *val, void *ctx)
{
    struct lines *ls = ctx;
    char t[32];
    if (ls->n == MAX)
        fail("too many entries", MAX);
    snprintf(ls->l[ls->n++], 64, "%.*s=%s", (int)key.len, (const char *)key.ptr, text_of(val, t));
    return 0;
}

static const char *content(const vcow_version *v, char out[1024])
{
    struct lines ls = {.n = 0};
    if (vcow_map_iter(v, add_entry, &ls) != VCOW_OK)
        fail("iter", (long)vcow_version_seq(v));
    return joined(&ls, ", ", out);
}

/* A vcow_diff_fn: before == NULL for an added key, after == NULL for a
 * removed one. */
static int add_change(vcow_slice key, const vcow_val *before, const vcow_val *after, void *ctx)
{
    struct lines *ls = ctx;
    char b[32], a[32];
    int klen = (int)key.len;
    const char *k = key.ptr;
    if (ls->n == MAX)
        fail("too many changes", MAX);
    if (before == NULL)
        snprintf(ls->l[ls->n++], 64, "+ %.*s = %s", klen, k, text_of(after, a));
    else if (after == NULL)
        snprintf(ls->l[ls->n++], 64, "- %.*s (was %s)", klen, k, text_of(before, b));
    else
        snprintf(ls->l[ls->n++], 64, "~ %.*s: %s -> %s", klen, k, text_of(before, b),
                 text_of(after, a));
    return 0;
}

static const char *changes(const vcow_version *from, const vcow_version *to, char out[1024])
{
    struct lines ls = {.n = 0};
    if (vcow_map_diff(from, to, add_change, &ls) != VCOW_OK)
        fail("diff", (long)vcow_version_seq(to));
    return joined(&ls, "\n    ", out);
}

/* ---- the model: each version's content, computed by hand ---- */

static struct lines model[STEPS + 1]; /* "key=value" lines of version k */

static void build_model(void)
{
    for (int k = 1; k <= STEPS; k++) {
        model[k] = model[k - 1];
        struct lines *m = &model[k];
        for (const struct op *op = steps[k - 1].ops; op->kind != END; op++) {
            size_t klen = strlen(op->key);
            int at = 0; /* the key's line, or m->n */
            while (at < m->n && !(strncmp(m->l[at], op->key, klen) == 0 && m->l[at][klen] == '='))
                at++;
            if (op->kind == DEL && at < m->n)
                memmove(m->l[at], m->l[--m->n], sizeof(m->l[at])); /* joined() sorts */
            else if (op->kind == PUT_STR)
                snprintf(m->l[at], 64, "%s=%s", op->key, op->s);
            else if (op->kind == PUT_INT)
                snprintf(m->l[at], 64, "%s=%lld", op->key, (long long)op->i);
            m->n += op->kind != DEL && at == m->n;
        }
    }
}

/* The value of line's key ("key=value") in ls, or NULL. */
static const char *value_in(const struct lines *ls, const char *line)
{
    size_t klen = strcspn(line, "=") + 1;
    for (int i = 0; i < ls->n; i++)
        if (strncmp(ls->l[i], line, klen) == 0)
            return ls->l[i] + klen;
    return NULL;
}

/* What should differ from version a to version b, as changes() writes it. */
static const char *model_changes(size_t a, size_t b, char out[1024])
{
    struct lines ls = {.n = 0};
    for (int i = 0; i < model[a].n; i++) {
        const char *line = model[a].l[i], *was = strchr(line, '=') + 1;
        const char *now = value_in(&model[b], line);
        int klen = (int)(was - 1 - line);
        if (now == NULL)
            snprintf(ls.l[ls.n++], 64, "- %.*s (was %s)", klen, line, was);
        else if (strcmp(now, was) != 0)
            snprintf(ls.l[ls.n++], 64, "~ %.*s: %s -> %s", klen, line, was, now);
    }
    for (int i = 0; i < model[b].n; i++) {
        const char *line = model[b].l[i], *now = strchr(line, '=') + 1;
        if (value_in(&model[a], line) == NULL)
            snprintf(ls.l[ls.n++], 64, "+ %.*s = %s", (int)(now - 1 - line), line, now);
    }
    return joined(&ls, "\n    ", out);
}

static const char *clock_text(int64_t ns, char buf[32])
{
    time_t s = (time_t)(ns / 1000000000);
    struct tm tm;
    gmtime_r(&s, &tm);
    size_t n = strftime(buf, 32, "%H:%M:%S", &tm);
    snprintf(buf + n, 32 - n, ".%03d", (int)(ns % 1000000000 / 1000000));
    return buf;
}

int main(void)
{
    struct vcow_cell_opts opts = {.size = sizeof(opts), .history = true};
    vcow_cell *cell;
    if (vcow_cell_open(VCOW_KIND_MAP, &opts, &cell) != VCOW_OK)
        fail("open", 0);

    /* One txn per step: the step's changes become one version together. */
    for (int k = 0; k < STEPS; k++) {
        struct timespec pause = {0, 3000000}; /* 3 ms: distinct commit times */
        nanosleep(&pause, NULL);
        vcow_txn *t;
        int rc = vcow_txn_begin(cell, &t);
        for (const struct op *op = steps[k].ops; rc == VCOW_OK && op->kind != END; op++)
            rc = op->kind == DEL       ? vcow_map_del(t, op->key)
                 : op->kind == PUT_STR ? vcow_map_set(t, op->key, vcow_val_str(op->s))
                                       : vcow_map_set(t, op->key, vcow_val_i64(op->i));
        if (rc == VCOW_OK)
            rc = vcow_txn_commit(t);
        vcow_txn_free(t);
        if (rc != VCOW_OK)
            fail(vcow_strerror(rc), k + 1);
    }
    build_model();

    /* The trail: every version kept, what it changed, checked against the
     * model's neighbours. */
    struct vcow_version_info info[STEPS + 2];
    size_t n;
    char got[1024], want[1024], when[32];
    if (vcow_cell_versions(cell, 0, UINT64_MAX, info, STEPS + 2, &n) != VCOW_OK || n != STEPS + 1)
        fail("history does not list every version", (long)n);
    printf("audit trail (%zu versions):\n", n);
    for (size_t k = 0; k < n; k++) {
        vcow_version *v, *prev;
        if (info[k].seq != k || vcow_cell_pin_at(cell, k, &v) != VCOW_OK)
            fail("a version is missing", (long)k);
        if (vcow_version_time(v) != info[k].time_ns ||
            (k > 0 && info[k].time_ns <= info[k - 1].time_ns))
            fail("commit times are not increasing", (long)k);
        if (strcmp(content(v, got), joined(&model[k], ", ", want)) != 0)
            fail("a version does not hold what was committed", (long)k);
        printf("  v%zu  %s  %s\n", k, clock_text(info[k].time_ns, when),
               k == 0 ? "(opened, empty)" : steps[k - 1].why);
        if (k > 0) {
            vcow_cell_pin_at(cell, k - 1, &prev);
            printf("    %s\n", changes(prev, v, got));
            vcow_version_unpin(prev);
            if (strcmp(got, model_changes(k - 1, k, want)) != 0)
                fail("the diff from the previous version is not what the step changed", (long)k);
        }
        vcow_version_unpin(v);
    }

    /* As of a wall-clock time: between two commits, the older one answers. */
    printf("as of a time:\n");
    for (size_t k = 0; k + 1 < n; k++) {
        int64_t t = info[k].time_ns + (info[k + 1].time_ns - info[k].time_ns) / 2;
        vcow_version *v;
        if (vcow_cell_pin_as_of(cell, t, &v) != VCOW_OK || vcow_version_seq(v) != k)
            fail("as-of between two commits did not answer the older one", (long)k);
        printf("  %s  v%zu  {%s}\n", clock_text(t, when), k, content(v, got));
        vcow_version_unpin(v);
    }
    vcow_version *v;
    if (vcow_cell_pin_as_of(cell, info[0].time_ns - 1, &v) != VCOW_ENOENT)
        fail("as-of before the cell existed answered a version", 0);

    /* Between two versions far apart: only the net change (shared parts of
     * the two versions are skipped, not compared). */
    vcow_version *first, *last;
    vcow_cell_pin_at(cell, 1, &first);
    vcow_cell_pin_head(cell, &last);
    printf("v1 -> v%d:\n    %s\n", STEPS, changes(first, last, got));
    if (strcmp(got, model_changes(1, STEPS, want)) != 0)
        fail("the diff from v1 to the head is not the net change", STEPS);
    vcow_version_unpin(first);
    vcow_version_unpin(last);
    return vcow_cell_close(cell) == VCOW_OK ? 0 : 1;
}
