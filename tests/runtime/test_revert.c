/*
 * tests/runtime/test_revert.c - vcow_cell_revert / vcow_txn_revert_to
 * (vcow/revert.h, runtime/revert.c and the kinds' revert hooks).
 *
 * The reclamation checker. A revert must not make the new head reach a
 * node that some version since the target retired (runtime/reclaim.c:
 * such a node is freed once the versions before its retirement die). With
 * every version retained, that is checked exactly: every node the new
 * head reaches is either reached by the head it replaced, or new (reached
 * by no earlier version). reach() walks a version's nodes with the kinds'
 * walk functions (runtime/node.h), so this test includes internal headers.
 * Then history is trimmed to the head and the head read in full: under
 * ASan a node freed while reachable is a use after free, and vcow_cell_close
 * frees everything once (a node linked twice would be freed twice).
 *
 *   map      a map with scalars, long bytes, nested maps, arrays, trees and
 *            ropes, 60 random commits; revert to each of 12 versions in
 *            turn: the new head equals the target (vcow_map_equal, an empty
 *            vcow_map_diff_deep), passes vcow_map_check, and keeps the
 *            invariant; the checker itself is shown to catch a txn whose
 *            root is the target's (never committed).
 *   tree     the same for a tree cell (long values in blobs), rope (a
 *            rope cell with history: delta nodes) and box (part "other").
 *   head     reverting to the head commits a version that changes nothing.
 *   compose  vcow_txn_revert_to then more writes in one txn; not as a
 *            second write (VCOW_ESTATE).
 *   badinput NULLs, missing / trimmed / history-off seqs, foreign
 *            versions, views, finished txns: error codes, nothing changed.
 *   oom      every allocation of a revert failed in turn: VCOW_ENOMEM,
 *            the head unchanged, nothing leaked; then it succeeds.
 *   mt       writers commit random changes while a reverter reverts to
 *            random retained versions and readers check every head:
 *            each revert's version equals its target.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

#include "runtime/cell.h"
#include "runtime/node.h"
#include "runtime/txn.h"
#include "tests/test.h"

/* ---- node sets and reachability ---- */

struct nset {
    uintptr_t *a;
    size_t cap, n;
};

static bool ns_has(const struct nset *s, const void *p)
{
    if (s->cap == 0)
        return false;
    size_t i = ((uintptr_t)p >> 4) * 0x9E3779B97F4A7C15ull % s->cap;
    while (s->a[i] != 0) {
        if (s->a[i] == (uintptr_t)p)
            return true;
        i = (i + 1) % s->cap;
    }
    return false;
}

static bool ns_add(struct nset *s, const void *p)
{
    if (2 * (s->n + 1) > s->cap) {
        struct nset g = {calloc(s->cap ? 2 * s->cap : 1024, sizeof(uintptr_t)),
                         s->cap ? 2 * s->cap : 1024, 0};
        CHECK(g.a != NULL);
        for (size_t i = 0; i < s->cap; i++)
            if (s->a[i] != 0)
                ns_add(&g, (const void *)s->a[i]);
        free(s->a);
        *s = g;
    }
    size_t i = ((uintptr_t)p >> 4) * 0x9E3779B97F4A7C15ull % s->cap;
    while (s->a[i] != 0) {
        if (s->a[i] == (uintptr_t)p)
            return false;
        i = (i + 1) % s->cap;
    }
    s->a[i] = (uintptr_t)p;
    s->n++;
    return true;
}

struct walk {
    struct nset *s;
    struct vcow_node **stack;
    size_t n, cap;
};

static void push(struct walk *w, struct vcow_node *n)
{
    if (n == NULL || !ns_add(w->s, n))
        return;
    if (w->n == w->cap) {
        w->cap = w->cap ? 2 * w->cap : 256;
        w->stack = realloc(w->stack, w->cap * sizeof(*w->stack));
        CHECK(w->stack != NULL);
    }
    w->stack[w->n++] = n;
}

static void visit(struct vcow_node *child, void *ctx)
{
    push(ctx, child);
}

/* Add every node v reaches (v pinned, or a txn view) to s. */
static void reach(const vcow_version *v, struct nset *s)
{
    struct walk w = {s, NULL, 0, 0};
    push(&w, vcow_version_root(v));
    while (w.n > 0)
        vcow_node_walk(w.stack[--w.n], visit, &w);
    free(w.stack);
}

/*
 * The invariant for a new state r replacing head h, with every version
 * 0..h retained: a node r reaches is reached by h, or by no version <= h.
 * Returns how many nodes break it.
 */
static size_t violations(vcow_cell *c, uint64_t h, const vcow_version *r)
{
    struct nset old = {0}, head = {0}, now = {0};
    for (uint64_t s = 0; s <= h; s++) {
        vcow_version *v;
        CHECK_OK(vcow_cell_pin_at(c, s, &v));
        reach(v, s == h ? &head : &old);
        vcow_version_unpin(v);
    }
    reach(r, &now);
    size_t bad = 0;
    for (size_t i = 0; i < now.cap; i++) {
        const void *p = (const void *)now.a[i];
        if (p != NULL && !ns_has(&head, p) && ns_has(&old, p))
            bad++;
    }
    free(old.a);
    free(head.a);
    free(now.a);
    return bad;
}

/* ---- helpers ---- */

static vcow_cell *open_hist(enum vcow_kind k)
{
    vcow_cell *c;
    struct vcow_cell_opts o = {.size = sizeof(o), .history = true};
    CHECK_OK(vcow_cell_open(k, &o, &c));
    return c;
}

static uint64_t head_seq(vcow_cell *c)
{
    vcow_read_lock();
    uint64_t s = vcow_version_seq(vcow_cell_head(c));
    vcow_read_unlock();
    return s;
}

static const char *long_text(unsigned long long r)
{
    static _Thread_local char buf[200]; /* writers run in several threads */
    snprintf(buf, sizeof(buf),
             "a value long enough to live in a blob node of its own, number %llu, and then some",
             r);
    return buf;
}

/* Is every version's content equal, as the kind sees it? */
static bool same_content(const vcow_version *a, const vcow_version *b)
{
    bool eq = false;
    switch (vcow_version_kind(a)) {
    case VCOW_KIND_MAP:
        CHECK_OK(vcow_map_equal(a, b, &eq));
        break;
    case VCOW_KIND_TREE:
        CHECK_OK(vcow_tree_equal(a, b, &eq));
        break;
    case VCOW_KIND_ROPE: {
        struct vcow_rope_metrics ma, mb;
        CHECK_OK(vcow_rope_len(a, &ma));
        CHECK_OK(vcow_rope_len(b, &mb));
        if (ma.bytes != mb.bytes)
            return false;
        char *x = malloc(ma.bytes + 1), *y = malloc(mb.bytes + 1);
        CHECK(x != NULL && y != NULL);
        CHECK_OK(vcow_rope_copy(a, VCOW_ROPE_BYTES, 0, ma.bytes, x, NULL));
        CHECK_OK(vcow_rope_copy(b, VCOW_ROPE_BYTES, 0, mb.bytes, y, NULL));
        eq = memcmp(x, y, ma.bytes) == 0;
        free(x);
        free(y);
        break;
    }
    case VCOW_KIND_BOX: {
        vcow_val x, y;
        CHECK_OK(vcow_box_get(a, &x));
        CHECK_OK(vcow_box_get(b, &y));
        eq = x.type == y.type;
        if (eq && x.type == VCOW_T_BYTES)
            eq = x.u.bytes.len == y.u.bytes.len &&
                 memcmp(x.u.bytes.ptr, y.u.bytes.ptr, x.u.bytes.len) == 0;
        else if (eq && x.type == VCOW_T_I64)
            eq = x.u.i64 == y.u.i64;
        break;
    }
    default:
        CHECK(0);
    }
    return eq;
}

static int count_fn(vcow_slice key, const vcow_val *before, const vcow_val *after, void *ctx)
{
    (void)key;
    (void)before;
    (void)after;
    (*(int *)ctx)++;
    return 0;
}

static void check_kind(const vcow_version *v)
{
    switch (vcow_version_kind(v)) {
    case VCOW_KIND_MAP:
        CHECK_OK(vcow_map_check(v));
        break;
    case VCOW_KIND_TREE:
        CHECK_OK(vcow_tree_check(v));
        break;
    case VCOW_KIND_ROPE:
        CHECK_OK(vcow_rope_check(v));
        break;
    default:
        break;
    }
}

/* Revert c to seq and check the new head: equal to seq's content, valid,
 * and keeping the invariant. */
static void revert_and_check(vcow_cell *c, uint64_t seq)
{
    uint64_t h = head_seq(c), n;
    CHECK_OK(vcow_cell_revert(c, seq, &n));
    CHECK_EQ_INT(n, h + 1);
    vcow_version *r, *target;
    CHECK_OK(vcow_cell_pin_at(c, n, &r));
    CHECK_OK(vcow_cell_pin_at(c, seq, &target));
    CHECK(same_content(r, target));
    check_kind(r);
    if (vcow_version_kind(r) == VCOW_KIND_MAP) {
        int diffs = 0;
        CHECK_OK(vcow_map_diff_deep(target, r, "", count_fn, &diffs));
        CHECK_EQ_INT(diffs, 0);
    } else if (vcow_version_kind(r) == VCOW_KIND_TREE) {
        int diffs = 0;
        CHECK_OK(vcow_tree_diff(target, r, count_fn, &diffs));
        CHECK_EQ_INT(diffs, 0);
    }
    CHECK_EQ_INT(violations(c, h, r), 0);
    vcow_version_unpin(r);
    vcow_version_unpin(target);
}

/* The checker catches the forbidden revert: a txn whose root is the
 * target's own (built by hand, never committed). */
static void checker_catches(vcow_cell *c, uint64_t seq)
{
    vcow_version *target;
    CHECK_OK(vcow_cell_pin_at(c, seq, &target));
    vcow_txn *t;
    CHECK_OK(vcow_txn_begin(c, &t));
    struct vcow_node *mine = vcow_txn_root(t);
    vcow_txn_set_root(t, vcow_version_root(target));
    CHECK(violations(c, head_seq(c), vcow_txn_view(t)) > 0);
    vcow_txn_set_root(t, mine);
    vcow_txn_free(t);
    vcow_version_unpin(target);
}

/* After the reverts: keep only the head, let the reclaimer free all it
 * may, read the head in full (ASan: no use after free), close (each node
 * freed once). */
static void trim_read_close(vcow_cell *c)
{
    CHECK_OK(vcow_cell_trim(c, head_seq(c)));
    CHECK_OK(vcow_gc_barrier());
    vcow_read_lock();
    check_kind(vcow_cell_head(c));
    vcow_read_unlock();
    CHECK_OK(vcow_cell_close(c));
    test_check_all_freed();
}

/* ---- random writers ---- */

static void map_op(vcow_txn *t, unsigned long long *seed)
{
    unsigned long long r = test_rand(seed);
    char path[64];
    unsigned k = (unsigned)(r >> 8) % 6;
    switch (r % 10) {
    case 0:
        snprintf(path, sizeof(path), "k%u", k);
        CHECK_OK(vcow_map_set(t, path, vcow_val_i64((int64_t)(r >> 20))));
        break;
    case 1:
        snprintf(path, sizeof(path), "k%u", k);
        CHECK_OK(vcow_map_set(t, path, vcow_val_str(long_text(r >> 16))));
        break;
    case 2: {
        snprintf(path, sizeof(path), "m%u.x%u", k % 3, (unsigned)(r >> 16) % 5);
        int rc = vcow_map_set_path(t, path, vcow_val_str(long_text(r >> 24)));
        CHECK(rc == VCOW_OK || rc == VCOW_EINVAL); /* m is a scalar now */
        break;
    }
    case 3: {
        snprintf(path, sizeof(path), "m%u.deep.y%u", k % 3, (unsigned)(r >> 16) % 3);
        int rc = vcow_map_set_path(t, path, vcow_val_i64(1));
        CHECK(rc == VCOW_OK || rc == VCOW_EINVAL);
        break;
    }
    case 4: { /* arrays: append, replace, delete */
        vcow_val a;
        if (vcow_map_get_path(vcow_txn_view(t), "arr", &a) != VCOW_OK)
            CHECK_OK(vcow_map_set(t, "arr", vcow_val_array()));
        int rc;
        if ((r >> 12) % 3 == 0)
            rc = vcow_map_set_path(t, "arr.-", vcow_val_str(long_text(r)));
        else if ((r >> 12) % 3 == 1)
            rc = vcow_map_set_path(t, "arr.0", vcow_val_i64((int64_t)r % 100));
        else
            rc = vcow_map_del_path(t, "arr.0");
        CHECK(rc == VCOW_OK || rc == VCOW_ENOENT || rc == VCOW_ERANGE);
        break;
    }
    case 5: { /* a nested tree */
        snprintf(path, sizeof(path), "t%u", k % 2);
        int rc = vcow_map_enter(t, path, VCOW_KIND_TREE);
        if (rc == VCOW_EINVAL)
            break; /* holds something else */
        CHECK_OK(rc);
        for (int i = 0; i < 3; i++) {
            char key[16];
            int n = snprintf(key, sizeof(key), "e%llu", test_rand(seed) % 40);
            if (test_rand(seed) % 3 == 0) {
                rc = vcow_tree_deln(t, key, (size_t)n);
                CHECK(rc == VCOW_OK || rc == VCOW_ENOENT);
            } else {
                CHECK_OK(vcow_tree_setn(t, key, (size_t)n, vcow_val_str(long_text(r + i))));
            }
        }
        CHECK_OK(vcow_txn_leave(t));
        break;
    }
    case 6: { /* a nested rope */
        int rc = vcow_map_enter(t, "log", VCOW_KIND_ROPE);
        if (rc == VCOW_EINVAL)
            break;
        CHECK_OK(rc);
        struct vcow_rope_metrics m;
        CHECK_OK(vcow_rope_len(vcow_txn_view(t), &m));
        if (m.chars > 40 && (r >> 10) % 2)
            CHECK_OK(vcow_rope_delete(t, VCOW_ROPE_CHARS, (r >> 20) % (m.chars - 20), 10));
        else
            CHECK_OK(vcow_rope_append(t, "line \xc3\xa9t\xc3\xa9\n", 12));
        CHECK_OK(vcow_txn_leave(t));
        break;
    }
    case 7: /* a structure replaced by a scalar */
        snprintf(path, sizeof(path), (r >> 9) % 2 ? "m%u" : "t%u", k % 3);
        CHECK_OK(vcow_map_set(t, path, vcow_val_i64(-1)));
        break;
    default: {
        static const char *names[] = {"k0", "k1", "m0", "m1", "t0", "arr", "log", "m2"};
        int rc = vcow_map_del(t, names[(r >> 8) % 8]);
        CHECK(rc == VCOW_OK || rc == VCOW_ENOENT);
        break;
    }
    }
}

static void tree_op(vcow_txn *t, unsigned long long *seed)
{
    unsigned long long r = test_rand(seed);
    char key[16];
    int n = snprintf(key, sizeof(key), "key%03llu", (r >> 8) % 300);
    if (r % 4 == 0) {
        int rc = vcow_tree_deln(t, key, (size_t)n);
        CHECK(rc == VCOW_OK || rc == VCOW_ENOENT);
    } else if (r % 4 == 1) {
        CHECK_OK(vcow_tree_setn(t, key, (size_t)n, vcow_val_i64((int64_t)r)));
    } else {
        CHECK_OK(vcow_tree_setn(t, key, (size_t)n, vcow_val_str(long_text(r))));
    }
}

static void rope_op(vcow_txn *t, unsigned long long *seed)
{
    unsigned long long r = test_rand(seed);
    struct vcow_rope_metrics m;
    CHECK_OK(vcow_rope_len(vcow_txn_view(t), &m));
    if (m.chars > 30 && r % 3 == 0) {
        CHECK_OK(
            vcow_rope_delete(t, VCOW_ROPE_CHARS, (r >> 8) % (m.chars - 10), (r >> 20) % 9 + 1));
    } else {
        static const char *bits[] = {"hello ", "\xc3\xa9t\xc3\xa9 ", "\xe2\x82\xac\n", "x"};
        const char *s = bits[(r >> 4) % 4];
        CHECK_OK(vcow_rope_insert(t, VCOW_ROPE_CHARS, m.chars ? (r >> 12) % (m.chars + 1) : 0, s,
                                  strlen(s)));
    }
}

static void box_op(vcow_txn *t, unsigned long long *seed)
{
    unsigned long long r = test_rand(seed);
    if (r % 2)
        CHECK_OK(vcow_box_set(t, vcow_val_i64((int64_t)r)));
    else
        CHECK_OK(vcow_box_set(t, vcow_val_str(long_text(r))));
}

static void commit_random(vcow_cell *c, enum vcow_kind kind, unsigned long long *seed, int ops)
{
    vcow_txn *t;
    CHECK_OK(vcow_txn_begin(c, &t));
    for (int i = 0; i < ops; i++) {
        if (kind == VCOW_KIND_MAP)
            map_op(t, seed);
        else if (kind == VCOW_KIND_TREE)
            tree_op(t, seed);
        else if (kind == VCOW_KIND_ROPE)
            rope_op(t, seed);
        else
            box_op(t, seed);
    }
    CHECK_OK(vcow_txn_commit(t));
    vcow_txn_free(t);
}

static void test_kind(enum vcow_kind kind, int commits, int reverts)
{
    vcow_cell *c = open_hist(kind);
    unsigned long long seed = 0x1234567 + (unsigned long long)kind;
    for (int i = 0; i < commits; i++)
        commit_random(c, kind, &seed, kind == VCOW_KIND_TREE && i == 0 ? 200 : 3);
    checker_catches(c, 1);
    /* Revert to versions across the history (0 included: empty), each
     * followed by more commits, so later reverts cross earlier ones. */
    for (int i = 0; i < reverts; i++) {
        uint64_t seq = (uint64_t)(test_rand(&seed) % (head_seq(c) + 1));
        if (i == 0)
            seq = 0;
        revert_and_check(c, seq);
        for (int j = 0; j < 3; j++)
            commit_random(c, kind, &seed, 2);
    }
    trim_read_close(c);
}

/* ---- the parts ---- */

static void test_head(void)
{
    vcow_cell *c = open_hist(VCOW_KIND_MAP);
    CHECK_OK(vcow_map_cell_set(c, "a", vcow_val_i64(1), NULL));
    uint64_t n;
    CHECK_OK(vcow_cell_revert(c, 1, &n));
    CHECK_EQ_INT(n, 2);
    vcow_version *a, *b;
    CHECK_OK(vcow_cell_pin_at(c, 1, &a));
    CHECK_OK(vcow_cell_pin_at(c, 2, &b));
    CHECK(vcow_version_root(a) == vcow_version_root(b)); /* no change: the same root */
    vcow_version_unpin(a);
    vcow_version_unpin(b);
    CHECK_OK(vcow_cell_close(c));
    test_check_all_freed();
}

static void test_compose(void)
{
    vcow_cell *c = open_hist(VCOW_KIND_TREE);
    CHECK_OK(vcow_tree_cell_set(c, "a", vcow_val_i64(1), NULL));
    CHECK_OK(vcow_tree_cell_set(c, "b", vcow_val_i64(2), NULL));
    CHECK_OK(vcow_tree_cell_set(c, "a", vcow_val_i64(3), NULL));
    vcow_version *v1;
    CHECK_OK(vcow_cell_pin_at(c, 1, &v1));
    vcow_txn *t;
    CHECK_OK(vcow_txn_begin(c, &t));
    CHECK_OK(vcow_txn_revert_to(t, v1));
    CHECK_RC(vcow_txn_revert_to(t, v1), VCOW_ESTATE); /* not the first write any more */
    CHECK_OK(vcow_tree_set(t, "c", vcow_val_i64(4)));
    CHECK_OK(vcow_txn_set_tag(t, "revert to 1", 11));
    CHECK_OK(vcow_txn_commit(t));
    vcow_txn_free(t);
    vcow_read_lock();
    const vcow_version *h = vcow_cell_head(c);
    vcow_val v;
    CHECK_OK(vcow_tree_get(h, "a", &v));
    CHECK_EQ_INT(v.u.i64, 1);
    CHECK_RC(vcow_tree_get(h, "b", &v), VCOW_ENOENT);
    CHECK_OK(vcow_tree_get(h, "c", &v));
    uint64_t len;
    CHECK_OK(vcow_tree_len(h, &len));
    CHECK_EQ_INT(len, 2);
    vcow_read_unlock();
    /* A write first: refused, the txn unchanged and open. */
    CHECK_OK(vcow_txn_begin(c, &t));
    CHECK_OK(vcow_tree_set(t, "z", vcow_val_i64(0)));
    CHECK_RC(vcow_txn_revert_to(t, v1), VCOW_ESTATE);
    CHECK_OK(vcow_tree_get(vcow_txn_view(t), "z", &v));
    CHECK_OK(vcow_txn_commit(t));
    vcow_txn_free(t);
    vcow_version_unpin(v1);
    CHECK_OK(vcow_cell_close(c));
    test_check_all_freed();
}

static void test_badinput(void)
{
    vcow_cell *c = open_hist(VCOW_KIND_MAP), *other = open_hist(VCOW_KIND_MAP);
    vcow_cell *nohist;
    CHECK_OK(vcow_cell_open(VCOW_KIND_MAP, NULL, &nohist));
    CHECK_OK(vcow_map_cell_set(c, "a", vcow_val_map(), NULL));
    CHECK_OK(vcow_map_cell_set(c, "b", vcow_val_i64(1), NULL));
    CHECK_OK(vcow_map_cell_set(nohist, "a", vcow_val_i64(1), NULL));
    CHECK_OK(vcow_map_cell_set(nohist, "a", vcow_val_i64(2), NULL));
    uint64_t n = 77;
    CHECK_RC(vcow_cell_revert(NULL, 0, &n), VCOW_EINVAL);
    CHECK_RC(vcow_cell_revert(c, 3, &n), VCOW_ENOENT);      /* not committed */
    CHECK_RC(vcow_cell_revert(nohist, 1, &n), VCOW_ENOENT); /* history off */
    CHECK_OK(vcow_cell_trim(c, 2));
    CHECK_OK(vcow_gc_barrier());
    CHECK_RC(vcow_cell_revert(c, 0, &n), VCOW_ENOENT); /* trimmed */
    CHECK_EQ_INT(n, 77);
    CHECK_EQ_INT(head_seq(c), 2);
    CHECK_EQ_INT(head_seq(nohist), 2);
    vcow_txn *t;
    CHECK_OK(vcow_txn_begin(c, &t));
    CHECK_RC(vcow_txn_revert_to(NULL, vcow_txn_base(t)), VCOW_EINVAL);
    CHECK_RC(vcow_txn_revert_to(t, NULL), VCOW_EINVAL);
    CHECK_RC(vcow_txn_revert_to(t, vcow_txn_view(t)), VCOW_EINVAL);
    vcow_version *ov;
    CHECK_OK(vcow_cell_pin_head(other, &ov));
    CHECK_RC(vcow_txn_revert_to(t, ov), VCOW_EINVAL);
    vcow_version_unpin(ov);
    vcow_read_lock();
    vcow_val a;
    CHECK_OK(vcow_map_get(vcow_cell_head(c), "a", &a));
    vcow_view w;
    const vcow_version *view = vcow_view_of(&w, vcow_cell_head(c), a);
    CHECK_RC(vcow_txn_revert_to(t, view), VCOW_EINVAL);
    vcow_read_unlock();
    CHECK_OK(vcow_map_enter(t, "a", VCOW_KIND_MAP));
    CHECK_RC(vcow_txn_revert_to(t, vcow_txn_base(t)), VCOW_ESTATE); /* entered */
    CHECK_OK(vcow_txn_leave(t));
    CHECK_OK(vcow_txn_abort(t));
    vcow_version *hv;
    CHECK_OK(vcow_cell_pin_head(c, &hv));
    CHECK_RC(vcow_txn_revert_to(t, hv), VCOW_ESTATE); /* finished */
    vcow_version_unpin(hv);
    vcow_txn_free(t);
    CHECK_EQ_INT(head_seq(c), 2);
    CHECK_OK(vcow_cell_close(c));
    CHECK_OK(vcow_cell_close(other));
    CHECK_OK(vcow_cell_close(nohist));
    test_check_all_freed();
}

static vcow_cell *oom_cell;
static uint64_t oom_target;

static int oom_run(void)
{
    uint64_t h = head_seq(oom_cell), n = 0;
    int rc = vcow_cell_revert(oom_cell, oom_target, &n);
    if (rc == VCOW_ENOMEM) {
        CHECK_EQ_INT(head_seq(oom_cell), h); /* nothing committed */
        return 1;
    }
    CHECK_OK(rc);
    CHECK_EQ_INT(n, h + 1);
    return 0;
}

static void test_oom(void)
{
    /* One cell per kind the hooks cover, each with a revert that does a
     * little of everything. */
    enum vcow_kind kinds[] = {VCOW_KIND_MAP, VCOW_KIND_TREE, VCOW_KIND_ROPE, VCOW_KIND_BOX};
    for (int i = 0; i < 4; i++) {
        vcow_cell *c = open_hist(kinds[i]);
        unsigned long long seed = 99;
        for (int j = 0; j < 12; j++)
            commit_random(c, kinds[i], &seed, 4);
        oom_target = 3;
        vcow_version *target;
        CHECK_OK(vcow_cell_pin_at(c, oom_target, &target));
        oom_cell = c;
        uint64_t before = head_seq(c);
        long fails = 0;
        for (long k = 1;; k++) {
            vcow_debug_fail_alloc(k, false);
            int f = oom_run();
            vcow_debug_fail_alloc(0, false);
            if (f == 0)
                break;
            fails++;
            vcow_read_lock();
            check_kind(vcow_cell_head(c));
            vcow_read_unlock();
        }
        CHECK(fails >= 1);
        CHECK_EQ_INT(head_seq(c), before + 1);
        vcow_version *h;
        CHECK_OK(vcow_cell_pin_head(c, &h));
        CHECK(same_content(h, target));
        vcow_version_unpin(h);
        vcow_version_unpin(target);
        CHECK_OK(vcow_cell_close(c));
        test_check_all_freed();
    }
}

/* ---- many threads ---- */

struct mt {
    vcow_cell *cell;
    _Atomic bool stop;
    _Atomic long commits; /* the writers' */
};

static void *mt_writer(void *arg)
{
    struct mt *mt = arg;
    static _Atomic unsigned long long seeds = 7;
    unsigned long long seed = 0x9E3779B97F4A7C15ull * atomic_fetch_add(&seeds, 1);
    while (!atomic_load(&mt->stop)) {
        vcow_txn *t;
        CHECK_OK(vcow_txn_begin(mt->cell, &t));
        for (int i = 0; i < 2; i++)
            map_op(t, &seed);
        int rc = vcow_txn_commit(t);
        CHECK(rc == VCOW_OK || rc == VCOW_ECONFLICT);
        vcow_txn_free(t);
        if (rc == VCOW_OK)
            atomic_fetch_add(&mt->commits, 1);
    }
    return NULL;
}

static void *mt_reader(void *arg)
{
    struct mt *mt = arg;
    while (!atomic_load(&mt->stop)) {
        vcow_read_lock();
        CHECK_OK(vcow_map_check(vcow_cell_head(mt->cell)));
        vcow_read_unlock();
    }
    return NULL;
}

static void test_mt(long reverts)
{
    struct mt mt = {0};
    struct vcow_cell_opts o = {.size = sizeof(o), .history = true, .keep_last = 200};
    CHECK_OK(vcow_cell_open(VCOW_KIND_MAP, &o, &mt.cell));
    pthread_t th[3];
    CHECK(pthread_create(&th[0], NULL, mt_writer, &mt) == 0);
    CHECK(pthread_create(&th[1], NULL, mt_writer, &mt) == 0);
    CHECK(pthread_create(&th[2], NULL, mt_reader, &mt) == 0);
    unsigned long long seed = 5;
    long done = 0, gone = 0;
    while (atomic_load(&mt.commits) < 100)
        sched_yield(); /* a history to revert into, and writers running */
    long before = atomic_load(&mt.commits);
    /* Until enough reverts, and enough writer commits among them. */
    while (done < reverts || atomic_load(&mt.commits) - before < 100) {
        uint64_t h = head_seq(mt.cell);
        uint64_t seq = h - (h > 0 ? test_rand(&seed) % (h < 150 ? h : 150) : 0);
        vcow_version *target;
        if (vcow_cell_pin_at(mt.cell, seq, &target) != VCOW_OK) {
            gone++; /* trimmed meanwhile */
            continue;
        }
        uint64_t n;
        CHECK_OK(vcow_cell_revert(mt.cell, seq, &n));
        vcow_version *r;
        /* Pinned while the writers go on: keep_last may trim it otherwise. */
        int rc = vcow_cell_pin_at(mt.cell, n, &r);
        if (rc == VCOW_OK) {
            CHECK(same_content(r, target));
            CHECK_OK(vcow_map_check(r));
            vcow_version_unpin(r);
            done++;
        } else {
            CHECK_RC(rc, VCOW_ENOENT);
        }
        vcow_version_unpin(target);
    }
    long during = atomic_load(&mt.commits) - before;
    atomic_store(&mt.stop, true);
    for (int i = 0; i < 3; i++)
        CHECK(pthread_join(th[i], NULL) == 0);
    printf("%ld reverts checked (%ld targets trimmed first), %ld writer commits among them\n", done,
           gone, during);
    trim_read_close(mt.cell);
}

int main(int argc, char **argv)
{
    const char *part = argc > 1 ? argv[1] : "";
    long n = argc > 2 ? atol(argv[2]) : 300;
    if (strcmp(part, "map") == 0)
        test_kind(VCOW_KIND_MAP, 60, 12);
    else if (strcmp(part, "tree") == 0)
        test_kind(VCOW_KIND_TREE, 60, 12);
    else if (strcmp(part, "rope") == 0)
        test_kind(VCOW_KIND_ROPE, 60, 12);
    else if (strcmp(part, "box") == 0)
        test_kind(VCOW_KIND_BOX, 20, 6);
    else if (strcmp(part, "head") == 0)
        test_head();
    else if (strcmp(part, "compose") == 0)
        test_compose();
    else if (strcmp(part, "badinput") == 0)
        test_badinput();
    else if (strcmp(part, "oom") == 0)
        test_oom();
    else if (strcmp(part, "mt") == 0)
        test_mt(n);
    else
        return 2;
    printf("%s: ok\n", part);
    return 0;
}
