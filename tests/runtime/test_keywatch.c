/*
 * tests/runtime/test_keywatch.c - key and prefix watches (vcow/watch.h,
 * runtime/keywatch.c, structures/map/hamt_watch.c,
 * structures/tree/tree_watch.c).
 *
 * Every part keeps a model (key -> value text) of what a watch looks at,
 * fed only by the changes the watch delivers; a change that names a key
 * the model does not hold (or a "before" that is not the model's value)
 * is a change delivered twice or one lost, and fails the test.
 *
 *   mapkey   a watch on one key: other keys' commits pass over it
 *            (VCOW_EAGAIN, the watch moved), its own are delivered (set,
 *            change, delete), a bytes value arrives as it is.
 *   mapprefix a watch on a path: changes under it by relative path; a
 *            nested map appearing, a key of it changing, the whole map
 *            replaced by a scalar (its leaves go, the scalar arrives under
 *            the empty key), deleted.
 *   nested   trees and ropes nested under a watched path: tree keys as
 *            segments, a rope as a leaf, arrays by index.
 *   tree     prefix watches (including a prefix of 0xff bytes, which has
 *            no upper bound, and the empty prefix), an exact watch, a
 *            comparator cell (exact works, a prefix is VCOW_EINVAL),
 *            vcow_tree_diff_range against a filtered vcow_tree_diff.
 *   trim     the version a watch holds stays readable and diffable after
 *            vcow_cell_trim and with history off, while commits retire its
 *            nodes (ASan sees any use after free).
 *   from     a watch opened from version n delivers what changed since n.
 *   timeout  nothing watched changes: VCOW_EAGAIN, no earlier than the
 *            timeout; timeout 0 only looks; fn stopping keeps the watch
 *            where it was (the same change comes again).
 *   fd       the event-loop use: the cell's fd, ack, vcow_watch_next(w, 0).
 *   badinput NULLs, kinds, paths, flags, long keys, foreign versions,
 *            views, read sections: each its error code, nothing changed.
 *   oom      allocation failure in open (nothing leaked) and in next (a
 *            path past the deep diff's stack buffer: VCOW_ENOMEM, the
 *            watch stays, and the retry delivers everything).
 *   mt       writers commit random changes to a map (or tree, "mttree")
 *            while watchers on several paths (prefixes) apply what they get
 *            to their models, some slowly (so commits pile up between two
 *            calls); after the writers stop, each model equals the head's
 *            content under its path, read independently.
 */
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <unistd.h>

#include "tests/test.h"

/* ---- a model: key -> value text ---- */

#define MODEL_MAX 2048
#define TXT       96

struct model {
    int n;
    char key[MODEL_MAX][TXT];
    char val[MODEL_MAX][TXT];
};

static void val_text(const vcow_val *v, char *buf)
{
    switch (v->type) {
    case VCOW_T_BYTES:
        snprintf(buf, TXT, "b:%.*s", (int)v->u.bytes.len, (const char *)v->u.bytes.ptr);
        break;
    case VCOW_T_I64:
        snprintf(buf, TXT, "i:%lld", (long long)v->u.i64);
        break;
    case VCOW_T_MAP:
        snprintf(buf, TXT, "map");
        break;
    case VCOW_T_ARRAY:
        snprintf(buf, TXT, "array");
        break;
    case VCOW_T_TREE:
        snprintf(buf, TXT, "tree");
        break;
    case VCOW_T_ROPE:
        snprintf(buf, TXT, "rope");
        break;
    default:
        snprintf(buf, TXT, "t:%d", (int)v->type);
        break;
    }
}

static int model_find(const struct model *m, vcow_slice k)
{
    for (int i = 0; i < m->n; i++)
        if (strlen(m->key[i]) == k.len && memcmp(m->key[i], k.ptr, k.len) == 0)
            return i;
    return -1;
}

static const char *model_get(const struct model *m, const char *k)
{
    int i = model_find(m, (vcow_slice){k, strlen(k)});
    return i >= 0 ? m->val[i] : NULL;
}

/* Apply one delivered change; a change that does not fit the model fails. */
static int apply_fn(vcow_slice key, const vcow_val *before, const vcow_val *after, void *ctx)
{
    struct model *m = ctx;
    CHECK(key.len < TXT);
    int i = model_find(m, key);
    char b[TXT], a[TXT];
    if (before == NULL) {
        if (i >= 0)
            fprintf(stderr, "added twice: %.*s\n", (int)key.len, (const char *)key.ptr);
        CHECK(i < 0);
        CHECK(m->n < MODEL_MAX);
        i = m->n++;
        memcpy(m->key[i], key.ptr, key.len);
        m->key[i][key.len] = '\0';
    } else {
        if (i < 0)
            fprintf(stderr, "not in model: %.*s\n", (int)key.len, (const char *)key.ptr);
        CHECK(i >= 0);
        val_text(before, b);
        if (strcmp(b, m->val[i]) != 0)
            fprintf(stderr, "%s: before %s, model %s\n", m->key[i], b, m->val[i]);
        CHECK(strcmp(b, m->val[i]) == 0);
    }
    if (after == NULL) {
        m->n--;
        memcpy(m->key[i], m->key[m->n], TXT);
        memcpy(m->val[i], m->val[m->n], TXT);
    } else {
        val_text(after, a);
        memcpy(m->val[i], a, TXT);
    }
    return 0;
}

static int model_add(struct model *m, const char *k, const vcow_val *v)
{
    return apply_fn((vcow_slice){k, strlen(k)}, NULL, v, m);
}

static bool model_equal(const struct model *x, const struct model *y)
{
    if (x->n != y->n) {
        fprintf(stderr, "model sizes %d and %d\n", x->n, y->n);
        return false;
    }
    for (int i = 0; i < x->n; i++) {
        const char *v = model_get(y, x->key[i]);
        if (v == NULL || strcmp(v, x->val[i]) != 0) {
            fprintf(stderr, "key %s: %s vs %s\n", x->key[i], x->val[i], v ? v : "(none)");
            return false;
        }
    }
    return true;
}

/* ---- helpers ---- */

struct rec {
    int calls;
    struct model m;
};

static int count_apply(vcow_slice key, const vcow_val *before, const vcow_val *after, void *ctx)
{
    struct rec *r = ctx;
    r->calls++;
    return apply_fn(key, before, after, &r->m);
}

static vcow_cell *open_kind(enum vcow_kind k, bool history)
{
    vcow_cell *c;
    struct vcow_cell_opts o = {.size = sizeof(o), .history = history};
    CHECK_OK(vcow_cell_open(k, &o, &c));
    return c;
}

static uint64_t set_path(vcow_cell *c, const char *path, vcow_val v)
{
    vcow_txn *t;
    uint64_t seq;
    CHECK_OK(vcow_txn_begin(c, &t));
    CHECK_OK(vcow_map_set_path(t, path, v));
    CHECK_OK(vcow_txn_commit(t));
    vcow_txn_free(t);
    vcow_read_lock(); /* one thread commits here: the head is ours */
    seq = vcow_version_seq(vcow_cell_head(c));
    vcow_read_unlock();
    return seq;
}

static void del_path(vcow_cell *c, const char *path)
{
    vcow_txn *t;
    CHECK_OK(vcow_txn_begin(c, &t));
    CHECK_OK(vcow_map_del_path(t, path));
    CHECK_OK(vcow_txn_commit(t));
    vcow_txn_free(t);
}

static uint64_t head_seq(vcow_cell *c)
{
    vcow_read_lock();
    uint64_t s = vcow_version_seq(vcow_cell_head(c));
    vcow_read_unlock();
    return s;
}

/* One round: expect exactly `calls` changes delivered at once. */
static void next_now(vcow_watch *w, struct rec *r, int calls)
{
    r->calls = 0;
    int rc = vcow_watch_next(w, 0, count_apply, r);
    CHECK_RC(rc, calls > 0 ? VCOW_OK : VCOW_EAGAIN);
    CHECK_EQ_INT(r->calls, calls);
}

/* ---- map ---- */

static void test_mapkey(void)
{
    vcow_cell *c = open_kind(VCOW_KIND_MAP, false);
    vcow_watch *w;
    CHECK_OK(vcow_map_watch_open(c, "port", NULL, &w));
    CHECK_EQ_INT(vcow_watch_seq(w), 0);
    struct rec r = {0};
    next_now(w, &r, 0);
    CHECK_OK(vcow_map_cell_set(c, "host", vcow_val_str("a"), NULL));
    next_now(w, &r, 0); /* passed over: another key */
    CHECK_EQ_INT(vcow_watch_seq(w), 1);
    CHECK_OK(vcow_map_cell_set(c, "port", vcow_val_i64(80), NULL));
    next_now(w, &r, 1);
    CHECK(strcmp(model_get(&r.m, ""), "i:80") == 0);
    CHECK_EQ_INT(vcow_watch_seq(w), 2);
    /* Several commits between two calls: the net change, once. */
    CHECK_OK(vcow_map_cell_set(c, "port", vcow_val_i64(81), NULL));
    CHECK_OK(vcow_map_cell_set(c, "host", vcow_val_str("b"), NULL));
    CHECK_OK(vcow_map_cell_set(c, "port", vcow_val_str("eighty-two, as bytes in a blob"), NULL));
    next_now(w, &r, 1);
    CHECK(strcmp(model_get(&r.m, ""), "b:eighty-two, as bytes in a blob") == 0);
    CHECK_EQ_INT(vcow_watch_seq(w), 5);
    /* Set and set back: no difference. */
    CHECK_OK(vcow_map_cell_set(c, "port", vcow_val_i64(1), NULL));
    CHECK_OK(vcow_map_cell_set(c, "port", vcow_val_str("eighty-two, as bytes in a blob"), NULL));
    next_now(w, &r, 0);
    CHECK_EQ_INT(vcow_watch_seq(w), 7);
    CHECK_OK(vcow_map_cell_del(c, "port", NULL));
    next_now(w, &r, 1);
    CHECK_EQ_INT(r.m.n, 0);
    vcow_watch_close(w);
    CHECK_OK(vcow_cell_close(c));
    test_check_all_freed();
}

static void test_mapprefix(void)
{
    vcow_cell *c = open_kind(VCOW_KIND_MAP, false);
    vcow_watch *w, *top;
    CHECK_OK(vcow_map_watch_open(c, "db", NULL, &w));
    CHECK_OK(vcow_map_watch_open(c, "", NULL, &top));
    struct rec r = {0}, rt = {0};
    /* An empty map at the path holds nothing. */
    CHECK_OK(vcow_map_cell_set(c, "db", vcow_val_map(), NULL));
    next_now(w, &r, 0);
    set_path(c, "db.host", vcow_val_str("h1"));
    set_path(c, "db.port", vcow_val_i64(5432));
    set_path(c, "web.port", vcow_val_i64(80));
    next_now(w, &r, 2);
    CHECK(strcmp(model_get(&r.m, "host"), "b:h1") == 0);
    CHECK(strcmp(model_get(&r.m, "port"), "i:5432") == 0);
    set_path(c, "db.primary.addr", vcow_val_str("10.0.0.1"));
    set_path(c, "db.a\\.b", vcow_val_i64(1)); /* the key "a.b": escaped */
    next_now(w, &r, 2);
    CHECK(strcmp(model_get(&r.m, "primary.addr"), "b:10.0.0.1") == 0);
    CHECK(strcmp(model_get(&r.m, "a\\.b"), "i:1") == 0);
    /* An empty map below the path is a leaf. */
    set_path(c, "db.replica", vcow_val_map());
    next_now(w, &r, 1);
    CHECK(strcmp(model_get(&r.m, "replica"), "map") == 0);
    /* The whole map replaced by a scalar: its leaves go, it comes. */
    CHECK_OK(vcow_map_cell_set(c, "db", vcow_val_i64(7), NULL));
    next_now(w, &r, 6);
    CHECK_EQ_INT(r.m.n, 1);
    CHECK(strcmp(model_get(&r.m, ""), "i:7") == 0);
    CHECK_OK(vcow_map_cell_del(c, "db", NULL));
    next_now(w, &r, 1);
    CHECK_EQ_INT(r.m.n, 0);
    /* The top watch saw everything; its model is the head's leaves. */
    next_now(top, &rt, 1);
    CHECK_EQ_INT(rt.m.n, 1);
    CHECK(strcmp(model_get(&rt.m, "web.port"), "i:80") == 0);
    vcow_watch_close(w);
    vcow_watch_close(top);
    CHECK_OK(vcow_cell_close(c));
    test_check_all_freed();
}

static void test_nested(void)
{
    vcow_cell *c = open_kind(VCOW_KIND_MAP, false);
    vcow_watch *w;
    CHECK_OK(vcow_map_watch_open(c, "cfg", NULL, &w));
    struct rec r = {0};
    vcow_txn *t;
    CHECK_OK(vcow_txn_begin(c, &t));
    CHECK_OK(vcow_map_enter(t, "cfg.ledger", VCOW_KIND_TREE));
    CHECK_OK(vcow_tree_set(t, "alice", vcow_val_i64(10)));
    CHECK_OK(vcow_tree_set(t, "bob", vcow_val_i64(20)));
    CHECK_OK(vcow_txn_leave(t));
    CHECK_OK(vcow_map_enter(t, "cfg.log", VCOW_KIND_ROPE));
    CHECK_OK(vcow_rope_append(t, "hello", 5));
    CHECK_OK(vcow_txn_leave(t));
    CHECK_OK(vcow_map_set(t, "other", vcow_val_i64(1)));
    CHECK_OK(vcow_txn_commit(t));
    vcow_txn_free(t);
    next_now(w, &r, 3);
    CHECK(strcmp(model_get(&r.m, "ledger.alice"), "i:10") == 0);
    CHECK(strcmp(model_get(&r.m, "log"), "rope") == 0);
    CHECK_OK(vcow_txn_begin(c, &t));
    CHECK_OK(vcow_map_enter(t, "cfg.ledger", VCOW_KIND_TREE));
    CHECK_OK(vcow_tree_del(t, "alice"));
    CHECK_OK(vcow_tree_set(t, "bob", vcow_val_i64(21)));
    CHECK_OK(vcow_txn_leave(t));
    CHECK_OK(vcow_map_set_path(t, "cfg.servers", vcow_val_array()));
    CHECK_OK(vcow_map_set_path(t, "cfg.servers.-", vcow_val_str("s0")));
    CHECK_OK(vcow_map_set_path(t, "cfg.servers.-", vcow_val_str("s1")));
    CHECK_OK(vcow_txn_commit(t));
    vcow_txn_free(t);
    next_now(w, &r, 4);
    CHECK(model_get(&r.m, "ledger.alice") == NULL);
    CHECK(strcmp(model_get(&r.m, "ledger.bob"), "i:21") == 0);
    CHECK(strcmp(model_get(&r.m, "servers.1"), "b:s1") == 0);
    /* The rope changes: the leaf changes. */
    CHECK_OK(vcow_txn_begin(c, &t));
    CHECK_OK(vcow_map_enter(t, "cfg.log", VCOW_KIND_ROPE));
    CHECK_OK(vcow_rope_append(t, " world", 6));
    CHECK_OK(vcow_txn_leave(t));
    CHECK_OK(vcow_txn_commit(t));
    vcow_txn_free(t);
    next_now(w, &r, 1);
    /* Everything goes at once. */
    del_path(c, "cfg");
    next_now(w, &r, 4);
    CHECK_EQ_INT(r.m.n, 0);
    vcow_watch_close(w);
    CHECK_OK(vcow_cell_close(c));
    test_check_all_freed();
}

/* ---- tree ---- */

static void tree_set(vcow_cell *c, const void *k, size_t kl, int64_t v)
{
    CHECK_OK(vcow_tree_cell_setn(c, k, kl, vcow_val_i64(v), NULL));
}

static int model_fn(vcow_slice key, const vcow_val *before, const vcow_val *after, void *ctx)
{
    return apply_fn(key, before, after, ctx);
}

/* Record a change as it is: key -> "before>after" (each key once). */
static int log_fn(vcow_slice key, const vcow_val *before, const vcow_val *after, void *ctx)
{
    struct model *m = ctx;
    char b[TXT] = "-", a[TXT] = "-";
    if (before != NULL)
        val_text(before, b);
    if (after != NULL)
        val_text(after, a);
    CHECK(key.len < TXT && m->n < MODEL_MAX);
    int i = model_find(m, key);
    CHECK(i < 0);
    i = m->n++;
    memcpy(m->key[i], key.ptr, key.len);
    m->key[i][key.len] = '\0';
    snprintf(m->val[i], TXT, "%.40s>%.40s", b, a);
    return 0;
}

static int log_count(vcow_slice key, const vcow_val *before, const vcow_val *after, void *ctx)
{
    struct rec *r = ctx;
    r->calls++;
    return log_fn(key, before, after, &r->m);
}

struct filt {
    const char *p;
    size_t plen;
    struct model m;
};

static int prefix_filter(vcow_slice key, const vcow_val *before, const vcow_val *after, void *ctx)
{
    struct filt *f = ctx;
    if (key.len >= f->plen && memcmp(key.ptr, f->p, f->plen) == 0)
        return log_fn(key, before, after, &f->m);
    return 0;
}

static void test_tree(void)
{
    vcow_cell *c = open_kind(VCOW_KIND_TREE, true);
    vcow_watch *w1, *wx, *wff, *all;
    CHECK_OK(vcow_tree_watch_open(c, "user:1", 6, 0, NULL, &w1));
    CHECK_OK(vcow_tree_watch_open(c, "user:1", 6, VCOW_WATCH_EXACT, NULL, &wx));
    CHECK_OK(vcow_tree_watch_open(c, "\xff\xff", 2, 0, NULL, &wff));
    CHECK_OK(vcow_tree_watch_open(c, NULL, 0, 0, NULL, &all));
    static struct rec r1, rx, rff, ra;
    tree_set(c, "user:2", 6, 2);
    tree_set(c, "user:0", 6, 0);
    tree_set(c, "user:", 5, 9);
    next_now(w1, &r1, 0);
    next_now(wx, &rx, 0);
    tree_set(c, "user:10", 7, 10);
    tree_set(c, "user:1", 6, 1);
    tree_set(c, "user:1\xff\xff", 8, 11);
    tree_set(c, "user:2", 6, 3);
    next_now(w1, &r1, 3);
    next_now(wx, &rx, 1);
    CHECK(strcmp(model_get(&rx.m, "user:1"), "i:1") == 0);
    tree_set(c, "\xff\xff", 2, 5);
    tree_set(c, "\xff\xff\xff", 3, 6);
    tree_set(c, "\xff\xfe", 2, 7);
    next_now(wff, &rff, 2);
    next_now(w1, &r1, 0);
    /* Many keys, so the range walk goes through inner nodes and skips. */
    char k[32];
    for (int i = 0; i < 2000; i++) {
        int n = snprintf(k, sizeof(k), "k%05d", i);
        tree_set(c, k, (size_t)n, i);
    }
    static struct filt f = {"k012", 4, {0}};
    vcow_watch *wk;
    CHECK_OK(vcow_tree_watch_open(c, "k012", 4, 0, NULL, &wk));
    uint64_t s0 = head_seq(c);
    for (int i = 0; i < 2000; i += 7) {
        int n = snprintf(k, sizeof(k), "k%05d", i);
        if (i % 3 == 0)
            CHECK_OK(vcow_tree_cell_deln(c, k, (size_t)n, NULL));
        else
            tree_set(c, k, (size_t)n, -i);
    }
    static struct rec rk = {0};
    CHECK_OK(vcow_watch_next(wk, 0, log_count, &rk));
    /* The same as the whole diff filtered by the prefix (models start
     * empty, so compare the changes). */
    vcow_version *a, *b;
    CHECK_OK(vcow_cell_pin_at(c, s0, &a));
    CHECK_OK(vcow_cell_pin_head(c, &b));
    CHECK_OK(vcow_tree_diff(a, b, prefix_filter, &f));
    static struct model rm = {0};
    CHECK_OK(vcow_tree_diff_range(a, b, "k012", 4, "k013", 4, 0, log_fn, &rm));
    CHECK(model_equal(&rm, &f.m));
    CHECK(model_equal(&rk.m, &f.m));
    CHECK_EQ_INT(rk.calls, f.m.n);
    CHECK(f.m.n > 10);
    /* Bounds: inclusive hi, excluded lo, open ends, lo > hi. */
    static struct model e = {0};
    CHECK_RC(vcow_tree_diff_range(a, b, "k2", 2, "k1", 2, 0, log_fn, &e), VCOW_ERANGE);
    CHECK_RC(vcow_tree_diff_range(a, b, "k2", 2, "k1", 2, VCOW_TREE_REVERSE, log_fn, &e),
             VCOW_EINVAL);
    CHECK_OK(vcow_tree_diff_range(a, b, "k00007", 6, "k00014", 6,
                                  VCOW_TREE_LO_EXCL | VCOW_TREE_HI_INCL, log_fn, &e));
    CHECK_EQ_INT(e.n, 1);
    CHECK(model_get(&e, "k00014") != NULL);
    static struct filt all_f = {"", 0, {0}};
    static struct model all_m = {0};
    CHECK_OK(vcow_tree_diff(a, b, prefix_filter, &all_f));
    CHECK_OK(vcow_tree_diff_range(a, b, NULL, 0, NULL, 0, VCOW_TREE_NO_LO | VCOW_TREE_NO_HI, log_fn,
                                  &all_m));
    CHECK(model_equal(&all_m, &all_f.m));
    vcow_version_unpin(a);
    vcow_version_unpin(b);
    CHECK_OK(vcow_watch_next(all, 0, count_apply, &ra));
    static struct model head;
    CHECK_OK(vcow_cell_pin_at(c, 0, &a));
    CHECK_OK(vcow_cell_pin_head(c, &b));
    CHECK_OK(vcow_tree_diff(a, b, model_fn, &head));
    vcow_version_unpin(a);
    vcow_version_unpin(b);
    CHECK(model_equal(&ra.m, &head));
    vcow_watch_close(w1);
    vcow_watch_close(wx);
    vcow_watch_close(wff);
    vcow_watch_close(all);
    vcow_watch_close(wk);
    CHECK_OK(vcow_cell_close(c));
    test_check_all_freed();
}

static int rev_cmp(const void *a, size_t alen, const void *b, size_t blen, void *ctx)
{
    (void)ctx;
    size_t m = alen < blen ? alen : blen;
    int x = memcmp(a, b, m);
    if (x == 0)
        x = alen < blen ? -1 : alen > blen;
    return -x;
}

static void test_tree_cmp(void)
{
    vcow_cell *c;
    struct vcow_cell_opts o = {.size = sizeof(o), .compare = rev_cmp};
    CHECK_OK(vcow_cell_open(VCOW_KIND_TREE, &o, &c));
    vcow_watch *w;
    CHECK_RC(vcow_tree_watch_open(c, "a", 1, 0, NULL, &w), VCOW_EINVAL);
    CHECK_OK(vcow_tree_watch_open(c, "ab", 2, VCOW_WATCH_EXACT, NULL, &w));
    struct rec r = {0};
    tree_set(c, "a", 1, 1);
    tree_set(c, "abc", 3, 1);
    next_now(w, &r, 0);
    tree_set(c, "ab", 2, 2);
    next_now(w, &r, 1);
    vcow_watch_close(w);
    CHECK_OK(vcow_tree_watch_open(c, NULL, 0, 0, NULL, &w)); /* the whole tree: fine */
    vcow_watch_close(w);
    CHECK_OK(vcow_cell_close(c));
    test_check_all_freed();
}

/* ---- history ---- */

static void test_trim(void)
{
    for (int history = 0; history < 2; history++) {
        vcow_cell *c = open_kind(VCOW_KIND_MAP, history != 0);
        set_path(c, "a.x", vcow_val_str("a long value that lives in a blob node, x"));
        set_path(c, "a.y", vcow_val_i64(1));
        vcow_watch *w;
        CHECK_OK(vcow_map_watch_open(c, "a", NULL, &w));
        struct model m0 = {0};
        /* What the watch starts from, read from its version. */
        vcow_val v;
        CHECK_OK(vcow_map_get_path(vcow_watch_version(w), "a.x", &v));
        model_add(&m0, "x", &v);
        CHECK_OK(vcow_map_get_path(vcow_watch_version(w), "a.y", &v));
        model_add(&m0, "y", &v);
        for (int i = 0; i < 50; i++) {
            char val[64];
            snprintf(val, sizeof(val), "another long value that lives in a blob node, %d", i);
            set_path(c, "a.x", vcow_val_str(val));
            set_path(c, "b", vcow_val_i64(i));
        }
        if (history)
            CHECK_OK(vcow_cell_trim(c, head_seq(c)));
        CHECK_OK(vcow_gc_barrier()); /* whatever is free to go has gone */
        /* Still readable: the nodes of version 2 the commits replaced. */
        CHECK_OK(vcow_map_get_path(vcow_watch_version(w), "a.x", &v));
        CHECK(v.u.bytes.len == 41 && memcmp(v.u.bytes.ptr, "a long value", 12) == 0);
        CHECK_OK(vcow_map_check(vcow_watch_version(w)));
        struct rec r = {0};
        r.m = m0;
        next_now(w, &r, 1);
        CHECK(strcmp(model_get(&r.m, "x"), "b:another long value that lives in a blob node, 49") ==
              0);
        vcow_watch_close(w);
        CHECK_OK(vcow_cell_close(c));
        test_check_all_freed();
    }
}

static void test_from(void)
{
    vcow_cell *c = open_kind(VCOW_KIND_MAP, true);
    set_path(c, "a.x", vcow_val_i64(1));
    uint64_t n = set_path(c, "a.y", vcow_val_i64(2));
    set_path(c, "a.x", vcow_val_i64(3));
    set_path(c, "a.z", vcow_val_i64(4));
    vcow_version *v;
    CHECK_OK(vcow_cell_pin_at(c, n, &v));
    vcow_watch *w;
    CHECK_OK(vcow_map_watch_open(c, "a", v, &w));
    vcow_version_unpin(v); /* the watch has its own pin */
    CHECK_EQ_INT(vcow_watch_seq(w), n);
    struct rec r = {0};
    vcow_val x = vcow_val_i64(1), y = vcow_val_i64(2);
    model_add(&r.m, "x", &x);
    model_add(&r.m, "y", &y);
    next_now(w, &r, 2);
    CHECK(strcmp(model_get(&r.m, "x"), "i:3") == 0);
    CHECK(strcmp(model_get(&r.m, "z"), "i:4") == 0);
    vcow_watch_close(w);
    CHECK_OK(vcow_cell_close(c));
    test_check_all_freed();
}

static int stop_fn(vcow_slice key, const vcow_val *before, const vcow_val *after, void *ctx)
{
    (void)key;
    (void)before;
    (void)after;
    (*(int *)ctx)++;
    return 42;
}

static void test_timeout(void)
{
    vcow_cell *c = open_kind(VCOW_KIND_MAP, false);
    vcow_watch *w;
    CHECK_OK(vcow_map_watch_open(c, "k", NULL, &w));
    struct rec r = {0};
    double t0 = test_now();
    CHECK_RC(vcow_watch_next(w, 30 * 1000000, count_apply, &r), VCOW_EAGAIN);
    CHECK(test_now() - t0 >= 0.030);
    CHECK_OK(vcow_map_cell_set(c, "other", vcow_val_i64(1), NULL));
    t0 = test_now();
    CHECK_RC(vcow_watch_next(w, 30 * 1000000, count_apply, &r), VCOW_EAGAIN);
    CHECK(test_now() - t0 >= 0.030);
    CHECK_EQ_INT(vcow_watch_seq(w), 1); /* moved past the commit */
    CHECK_EQ_INT(r.calls, 0);
    /* fn stops: the watch stays, the change comes again. */
    CHECK_OK(vcow_map_cell_set(c, "k", vcow_val_i64(1), NULL));
    int stops = 0;
    CHECK_RC(vcow_watch_next(w, 0, stop_fn, &stops), 42);
    CHECK_RC(vcow_watch_next(w, 0, stop_fn, &stops), 42);
    CHECK_EQ_INT(stops, 2);
    CHECK_EQ_INT(vcow_watch_seq(w), 1);
    next_now(w, &r, 1);
    CHECK_EQ_INT(vcow_watch_seq(w), 2);
    vcow_watch_close(w);
    CHECK_OK(vcow_cell_close(c));
    test_check_all_freed();
}

static bool readable(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int n = poll(&p, 1, 0);
    CHECK(n >= 0);
    return n == 1 && (p.revents & POLLIN);
}

static void test_fd(void)
{
    vcow_cell *c = open_kind(VCOW_KIND_TREE, false);
    vcow_watch *w;
    CHECK_OK(vcow_tree_watch_open(c, "a", 1, 0, NULL, &w));
    int fd;
    CHECK_OK(vcow_cell_watch_fd(c, &fd));
    CHECK(!readable(fd));
    tree_set(c, "b", 1, 1);
    CHECK(readable(fd));
    CHECK_OK(vcow_cell_watch_ack(c, NULL));
    struct rec r = {0};
    next_now(w, &r, 0); /* the commit was not under "a" */
    tree_set(c, "a1", 2, 1);
    tree_set(c, "a2", 2, 2);
    CHECK(readable(fd));
    CHECK_OK(vcow_cell_watch_ack(c, NULL));
    next_now(w, &r, 2);
    CHECK(!readable(fd));
    vcow_watch_close(w);
    CHECK_OK(vcow_cell_close(c));
    test_check_all_freed();
}

/* ---- errors ---- */

static void test_badinput(void)
{
    vcow_cell *m = open_kind(VCOW_KIND_MAP, false), *t = open_kind(VCOW_KIND_TREE, false);
    vcow_cell *m2 = open_kind(VCOW_KIND_MAP, false);
    vcow_watch *w = NULL;
    CHECK_RC(vcow_map_watch_open(NULL, "a", NULL, &w), VCOW_EINVAL);
    CHECK_RC(vcow_map_watch_open(m, NULL, NULL, &w), VCOW_EINVAL);
    CHECK_RC(vcow_map_watch_open(m, "a", NULL, NULL), VCOW_EINVAL);
    CHECK_RC(vcow_map_watch_open(t, "a", NULL, &w), VCOW_EINVAL);
    CHECK_RC(vcow_map_watch_open(m, "a..b", NULL, &w), VCOW_EINVAL);
    CHECK_RC(vcow_map_watch_open(m, "a\\", NULL, &w), VCOW_EINVAL);
    CHECK_RC(vcow_map_watch_open(m, ".", NULL, &w), VCOW_EINVAL);
    CHECK_RC(vcow_tree_watch_open(m, "a", 1, 0, NULL, &w), VCOW_EINVAL);
    CHECK_RC(vcow_tree_watch_open(t, "a", 1, 2, NULL, &w), VCOW_EINVAL);
    CHECK_RC(vcow_tree_watch_open(t, NULL, 1, 0, NULL, &w), VCOW_EINVAL);
    static char big[VCOW_TREE_MAX_KEY + 1];
    CHECK_RC(vcow_tree_watch_open(t, big, sizeof(big), 0, NULL, &w), VCOW_EINVAL);
    CHECK(w == NULL);
    /* from: a version of another cell, a view, a txn view. */
    vcow_version *v2;
    CHECK_OK(vcow_cell_pin_head(m2, &v2));
    CHECK_RC(vcow_map_watch_open(m, "a", v2, &w), VCOW_EINVAL);
    vcow_version_unpin(v2);
    CHECK_OK(vcow_map_cell_set(m, "n", vcow_val_map(), NULL));
    vcow_read_lock();
    vcow_val nested;
    CHECK_OK(vcow_map_get(vcow_cell_head(m), "n", &nested));
    vcow_view view;
    const vcow_version *vw = vcow_view_of(&view, vcow_cell_head(m), nested);
    CHECK(vw != NULL);
    CHECK_RC(vcow_map_watch_open(m, "a", vw, &w), VCOW_EINVAL);
    vcow_read_unlock();
    vcow_txn *tx;
    CHECK_OK(vcow_txn_begin(m, &tx));
    CHECK_RC(vcow_map_watch_open(m, "a", vcow_txn_view(tx), &w), VCOW_EINVAL);
    vcow_txn_free(tx);
    CHECK(w == NULL);
    /* next */
    CHECK_OK(vcow_map_watch_open(m, "a", NULL, &w));
    struct rec r = {0};
    CHECK_RC(vcow_watch_next(NULL, 0, count_apply, &r), VCOW_EINVAL);
    CHECK_RC(vcow_watch_next(w, 0, NULL, &r), VCOW_EINVAL);
    CHECK_OK(vcow_map_cell_set(m, "a", vcow_val_i64(1), NULL));
    vcow_read_lock();
    CHECK_RC(vcow_watch_next(w, 0, count_apply, &r), VCOW_ESTATE);
    vcow_read_unlock();
    CHECK_EQ_INT(vcow_watch_seq(w), 1); /* unchanged by the refusals */
    CHECK(vcow_watch_version(NULL) == NULL);
    CHECK_EQ_INT(vcow_watch_seq(NULL), 0);
    vcow_watch_close(NULL);
    /* A cell with a watch cannot close: the watch pins a version. */
    CHECK_RC(vcow_cell_close(m), VCOW_ESTATE);
    next_now(w, &r, 1);
    vcow_watch_close(w);
    CHECK_OK(vcow_cell_close(m));
    CHECK_OK(vcow_cell_close(m2));
    CHECK_OK(vcow_cell_close(t));
    test_check_all_freed();
}

struct lens {
    int calls;
    size_t sum;
};

static int lens_fn(vcow_slice key, const vcow_val *before, const vcow_val *after, void *ctx)
{
    struct lens *l = ctx;
    CHECK(before == NULL && after != NULL);
    l->calls++;
    l->sum += key.len;
    return 0;
}

static void test_oom(void)
{
    vcow_cell *c = open_kind(VCOW_KIND_MAP, false);
    vcow_watch *w;
    vcow_version *warm; /* the thread's pin slots exist before counting */
    CHECK_OK(vcow_cell_pin_head(c, &warm));
    vcow_version_unpin(warm);
    int fails = 0;
    for (long k = 1;; k++) {
        vcow_debug_fail_alloc(k, false);
        int rc = vcow_map_watch_open(c, "a", NULL, &w);
        vcow_debug_fail_alloc(0, false);
        if (rc == VCOW_OK)
            break;
        CHECK_RC(rc, VCOW_ENOMEM);
        fails++;
    }
    CHECK(fails >= 1);
    /* A key of 300 bytes: its path no longer fits the deep diff's stack buffer. */
    char key[301], path[310];
    memset(key, 'k', 300);
    key[300] = '\0';
    snprintf(path, sizeof(path), "a.%s", key);
    set_path(c, "a.short", vcow_val_i64(1));
    set_path(c, path, vcow_val_i64(2));
    fails = 0;
    for (long k = 1;; k++) {
        struct lens l = {0, 0};
        vcow_debug_fail_alloc(k, false);
        int rc = vcow_watch_next(w, 0, lens_fn, &l);
        vcow_debug_fail_alloc(0, false);
        if (rc == VCOW_OK) {
            CHECK_EQ_INT(l.calls, 2);
            CHECK_EQ_INT(l.sum, 300 + 5); /* "kkk..." and "short" */
            break;
        }
        CHECK_RC(rc, VCOW_ENOMEM);
        CHECK_EQ_INT(vcow_watch_seq(w), 0); /* stays */
        fails++;
    }
    CHECK(fails >= 1);
    CHECK_EQ_INT(vcow_watch_seq(w), 2);
    vcow_watch_close(w);
    CHECK_OK(vcow_cell_close(c));
    test_check_all_freed();
}

/* ---- many threads ---- */

#define MT_GROUPS  4
#define MT_KEYS    12
#define MT_WRITERS 2

struct mt {
    vcow_cell *cell;
    bool tree;
    long commits; /* per writer */
    _Atomic int writers_left;
    _Atomic int opened; /* watchers that have opened their watch */
};

struct watcher {
    struct mt *mt;
    const char *path; /* map path / tree prefix */
    bool exact;
    int slow; /* sleep this many µs between calls */
    struct model m;
    long rounds;
};

static void mt_write_map(struct mt *mt, unsigned long long *seed)
{
    vcow_txn *t;
    for (;;) {
        CHECK_OK(vcow_txn_begin(mt->cell, &t));
        int ops = 1 + (int)(test_rand(seed) % 3);
        for (int i = 0; i < ops; i++) {
            char path[32];
            unsigned g = (unsigned)(test_rand(seed) % MT_GROUPS);
            unsigned k = (unsigned)(test_rand(seed) % MT_KEYS);
            unsigned what = (unsigned)(test_rand(seed) % 100);
            if (what < 1) { /* the group becomes a scalar */
                snprintf(path, sizeof(path), "g%u", g);
                CHECK_OK(vcow_map_set(t, path, vcow_val_i64((int64_t)what)));
            } else if (what < 2) { /* or goes */
                snprintf(path, sizeof(path), "g%u", g);
                int rc = vcow_map_del(t, path);
                CHECK(rc == VCOW_OK || rc == VCOW_ENOENT);
            } else {
                snprintf(path, sizeof(path), "g%u.k%u", g, k);
                int rc;
                if (what < 35)
                    rc = vcow_map_del_path(t, path);
                else
                    rc = vcow_map_set_path(t, path, vcow_val_i64((int64_t)(test_rand(seed) % 5)));
                /* ENOENT: nothing to delete; EINVAL: the group is a scalar */
                CHECK(rc == VCOW_OK || rc == VCOW_ENOENT || rc == VCOW_EINVAL);
            }
        }
        int rc = vcow_txn_commit(t);
        vcow_txn_free(t);
        if (rc == VCOW_OK)
            return;
        CHECK_RC(rc, VCOW_ECONFLICT);
    }
}

static void mt_write_tree(struct mt *mt, unsigned long long *seed)
{
    vcow_txn *t;
    for (;;) {
        CHECK_OK(vcow_txn_begin(mt->cell, &t));
        int ops = 1 + (int)(test_rand(seed) % 3);
        for (int i = 0; i < ops; i++) {
            char key[32];
            int n = snprintf(key, sizeof(key), "g%u:k%u", (unsigned)(test_rand(seed) % MT_GROUPS),
                             (unsigned)(test_rand(seed) % (MT_KEYS * 4)));
            if (test_rand(seed) % 3 == 0) {
                int rc = vcow_tree_deln(t, key, (size_t)n);
                CHECK(rc == VCOW_OK || rc == VCOW_ENOENT);
            } else {
                CHECK_OK(vcow_tree_setn(t, key, (size_t)n,
                                        vcow_val_i64((int64_t)(test_rand(seed) % 5))));
            }
        }
        int rc = vcow_txn_commit(t);
        vcow_txn_free(t);
        if (rc == VCOW_OK)
            return;
        CHECK_RC(rc, VCOW_ECONFLICT);
    }
}

static void *mt_writer(void *arg)
{
    struct mt *mt = arg;
    static _Atomic unsigned long long seeds = 1;
    unsigned long long seed = 0x9E3779B97F4A7C15ull * atomic_fetch_add(&seeds, 1);
    for (long i = 0; i < mt->commits; i++) {
        if (mt->tree)
            mt_write_tree(mt, &seed);
        else
            mt_write_map(mt, &seed);
    }
    atomic_fetch_sub(&mt->writers_left, 1);
    return NULL;
}

static void *mt_watcher(void *arg)
{
    struct watcher *wa = arg;
    struct mt *mt = wa->mt;
    vcow_watch *w;
    if (mt->tree)
        CHECK_OK(vcow_tree_watch_open(mt->cell, wa->path, strlen(wa->path),
                                      wa->exact ? VCOW_WATCH_EXACT : 0, NULL, &w));
    else
        CHECK_OK(vcow_map_watch_open(mt->cell, wa->path, NULL, &w));
    CHECK_EQ_INT(vcow_watch_seq(w), 0); /* opened before any commit: empty */
    atomic_fetch_add(&mt->opened, 1);
    for (;;) {
        bool last = atomic_load(&mt->writers_left) == 0;
        /* After the writers are done, one more call delivers the rest. */
        int rc = vcow_watch_next(w, last ? 0 : 20 * 1000000, model_fn, &wa->m);
        CHECK(rc == VCOW_OK || rc == VCOW_EAGAIN);
        wa->rounds += rc == VCOW_OK;
        if (last && rc == VCOW_EAGAIN)
            break;
        if (wa->slow)
            usleep((useconds_t)wa->slow);
    }
    vcow_watch_close(w);
    return NULL;
}

/* The head's content under a watch, read without the watch code. */
struct expect {
    struct model *m;
    const char *prefix; /* path prefix for the keys */
    const vcow_version *v;
};

static int expect_fn(vcow_slice key, const vcow_val *val, void *ctx)
{
    struct expect *e = ctx;
    char k[TXT];
    snprintf(k, sizeof(k), "%s%s%.*s", e->prefix, e->prefix[0] ? "." : "", (int)key.len,
             (const char *)key.ptr);
    if (val->type == VCOW_T_MAP && val->u.root != NULL) {
        vcow_view w;
        const vcow_version *nv = vcow_view_of(&w, e->v, *val);
        struct expect sub = {e->m, k, e->v};
        return vcow_map_iter(nv, expect_fn, &sub);
    }
    return model_add(e->m, k, val);
}

static void expect_map(const vcow_version *v, const char *path, struct model *m)
{
    if (path[0] == '\0') {
        struct expect e = {m, "", v};
        CHECK_OK(vcow_map_iter(v, expect_fn, &e));
        return;
    }
    vcow_val val;
    int rc = vcow_map_get_path(v, path, &val);
    if (rc == VCOW_ENOENT || rc == VCOW_EINVAL)
        return;
    CHECK_OK(rc);
    if (val.type == VCOW_T_MAP) {
        if (val.u.root == NULL)
            return; /* an empty map at the path holds nothing */
        vcow_view w;
        struct expect e = {m, "", v};
        CHECK_OK(vcow_map_iter(vcow_view_of(&w, v, val), expect_fn, &e));
    } else {
        model_add(m, "", &val);
    }
}

struct pfx {
    const char *p;
    bool exact;
    struct model *m;
};

static int expect_tree_fn(vcow_slice key, const vcow_val *val, void *ctx)
{
    struct pfx *p = ctx;
    size_t pl = strlen(p->p);
    if (key.len < pl || memcmp(key.ptr, p->p, pl) != 0 || (p->exact && key.len != pl))
        return 0;
    char k[TXT];
    snprintf(k, sizeof(k), "%.*s", (int)key.len, (const char *)key.ptr);
    return model_add(p->m, k, val);
}

static void test_mt(bool tree, long commits)
{
    struct mt mt = {0};
    mt.cell = open_kind(tree ? VCOW_KIND_TREE : VCOW_KIND_MAP, false);
    mt.tree = tree;
    mt.commits = commits;
    atomic_store(&mt.writers_left, MT_WRITERS);
    static struct watcher ws[6];
    memset(ws, 0, sizeof(ws));
    const char *map_paths[6] = {"", "g0", "g1", "g2.k3", "g3", "g1.k0"};
    const char *tree_paths[6] = {"", "g0:", "g1:k1", "g2:k3", "g3:k", "g1:k10"};
    for (int i = 0; i < 6; i++) {
        ws[i].mt = &mt;
        ws[i].path = tree ? tree_paths[i] : map_paths[i];
        ws[i].exact = tree && i == 3;
        ws[i].slow = i % 2 == 1 ? 200 : 0;
    }
    pthread_t th[MT_WRITERS + 6];
    for (int i = 0; i < 6; i++)
        CHECK(pthread_create(&th[MT_WRITERS + i], NULL, mt_watcher, &ws[i]) == 0);
    /* The watchers open from version 0: wait until they have. */
    while (atomic_load(&mt.opened) < 6)
        sched_yield();
    for (int i = 0; i < MT_WRITERS; i++)
        CHECK(pthread_create(&th[i], NULL, mt_writer, &mt) == 0);
    for (int i = 0; i < MT_WRITERS + 6; i++)
        CHECK(pthread_join(th[i], NULL) == 0);
    vcow_version *head;
    CHECK_OK(vcow_cell_pin_head(mt.cell, &head));
    CHECK_EQ_INT(vcow_version_seq(head), (uint64_t)(MT_WRITERS * commits));
    for (int i = 0; i < 6; i++) {
        struct model *e = calloc(1, sizeof(*e));
        CHECK(e != NULL);
        if (tree) {
            struct pfx p = {ws[i].path, ws[i].exact, e};
            CHECK_OK(vcow_tree_range(head, NULL, 0, NULL, 0, VCOW_TREE_NO_LO | VCOW_TREE_NO_HI,
                                     expect_tree_fn, &p));
        } else {
            expect_map(head, ws[i].path, e);
        }
        if (!model_equal(&ws[i].m, e)) {
            fprintf(stderr, "watcher on \"%s\" differs from the head\n", ws[i].path);
            CHECK(0);
        }
        printf("watch \"%s\": %d keys, %ld deliveries\n", ws[i].path, e->n, ws[i].rounds);
        free(e);
    }
    vcow_version_unpin(head);
    CHECK_OK(vcow_cell_close(mt.cell));
    test_check_all_freed();
}

int main(int argc, char **argv)
{
    const char *part = argc > 1 ? argv[1] : "";
    long n = argc > 2 ? atol(argv[2]) : 20000;
    if (strcmp(part, "mapkey") == 0)
        test_mapkey();
    else if (strcmp(part, "mapprefix") == 0)
        test_mapprefix();
    else if (strcmp(part, "nested") == 0)
        test_nested();
    else if (strcmp(part, "tree") == 0) {
        test_tree();
        test_tree_cmp();
    } else if (strcmp(part, "trim") == 0)
        test_trim();
    else if (strcmp(part, "from") == 0)
        test_from();
    else if (strcmp(part, "timeout") == 0)
        test_timeout();
    else if (strcmp(part, "fd") == 0)
        test_fd();
    else if (strcmp(part, "badinput") == 0)
        test_badinput();
    else if (strcmp(part, "oom") == 0)
        test_oom();
    else if (strcmp(part, "mt") == 0)
        test_mt(false, n);
    else if (strcmp(part, "mttree") == 0)
        test_mt(true, n);
    else
        return 2;
    printf("%s: ok\n", part);
    return 0;
}
