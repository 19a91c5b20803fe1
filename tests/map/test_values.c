/*
 * tests/map/test_values.c - values in a map beyond scalars: arrays, escaped
 * paths, clearing, copy-out by path and the recursive diff.
 *
 * Parts (argv[1]):
 *   array    arrays: append ("-" and len), replace, index errors, reads,
 *            index-order iteration, views, the shifting delete (values of
 *            every kind move, inline and blob bytes across key lengths),
 *            enter through arrays, equality, the checker
 *   escape   '\' escapes in every path call; vcow_map_path_escape; the
 *            empty key through a view; long escaped paths
 *   clear    vcow_map_clear (top and entered maps, commit, discard) and
 *            vcow_tree_clear; old versions keep their content
 *   getpath  vcow_map_cell_get_path and vcow_map_cell_getn copy out with a
 *            NUL (cap >= len + 1)
 *   deep     vcow_map_diff_deep on hand-built versions: the leaves
 *            expected, one by one
 *   oom      the k-th allocation fails, for every k of a scripted run of
 *            array writes: errors are VCOW_ENOMEM, the content unchanged
 *   model    <ops> <seeds>: random writes through paths (nested maps,
 *            arrays, escaped keys, enter, clear) against a reference
 *            model; get_path, iteration order, len, the checker and deep
 *            diffs of random pairs of committed versions against the
 *            model's leaves
 */
#include <limits.h>
#include <stdint.h>

#include "tests/test.h"
#include <vcow/map.h>
#include <vcow/rope.h>
#include <vcow/tree.h>

/* ---- helpers ---- */

static vcow_cell *open_map(void)
{
    struct vcow_cell_opts o;
    memset(&o, 0, sizeof(o));
    o.size = sizeof(o);
    vcow_cell *c;
    CHECK_OK(vcow_cell_open(VCOW_KIND_MAP, &o, &c));
    return c;
}

static uint64_t len_of(const vcow_version *v)
{
    uint64_t n = 0;
    CHECK_OK(vcow_map_len(v, &n));
    return n;
}

static bool bytes_is(vcow_val v, const char *s)
{
    return v.type == VCOW_T_BYTES && v.u.bytes.len == strlen(s) &&
           memcmp(v.u.bytes.ptr, s, v.u.bytes.len) == 0;
}

static int64_t i64_at(const vcow_version *v, const char *path)
{
    vcow_val x;
    CHECK_OK(vcow_map_get_path(v, path, &x));
    CHECK(x.type == VCOW_T_I64);
    return x.u.i64;
}

static vcow_val bytes_at(const vcow_version *v, const char *path)
{
    vcow_val x;
    CHECK_OK(vcow_map_get_path(v, path, &x));
    CHECK(x.type == VCOW_T_BYTES);
    return x;
}

/* Keys and values seen by an iteration, in order. */
struct seen {
    unsigned n;
    char key[64][32];
    vcow_val val[64];
};

static int seen_fn(vcow_slice key, const vcow_val *val, void *ctx)
{
    struct seen *s = ctx;
    CHECK(s->n < 64 && key.len < 32);
    memcpy(s->key[s->n], key.ptr, key.len);
    s->key[s->n][key.len] = '\0';
    s->val[s->n++] = *val;
    return 0;
}

/* An iteration of an array visits "0".."n-1" in order. */
static void check_index_order(const struct seen *s)
{
    for (unsigned i = 0; i < s->n; i++) {
        char want[24];
        snprintf(want, sizeof(want), "%u", i);
        CHECK(strcmp(s->key[i], want) == 0);
    }
}

/* A byte value of len bytes: 'a' + i % 26, then the seed's letter. */
static void fill(char *buf, size_t len, char seed)
{
    for (size_t i = 0; i < len; i++)
        buf[i] = (char)('a' + (i + (size_t)seed) % 26);
}

/* ---- array ---- */

static void test_array_basic(void)
{
    vcow_cell *c = open_map();
    vcow_txn *t;
    CHECK_OK(vcow_txn_begin(c, &t));
    const vcow_version *tv = vcow_txn_view(t);
    CHECK_OK(vcow_map_set(t, "servers", vcow_val_array()));
    vcow_val x;
    CHECK_OK(vcow_map_get(tv, "servers", &x));
    CHECK(x.type == VCOW_T_ARRAY && x.u.root == NULL);

    /* Appends: "-" and the index len; a new map through "-" inside a path. */
    CHECK_OK(vcow_map_set_path(t, "servers.-.host", vcow_val_str("a")));
    CHECK_OK(vcow_map_set_path(t, "servers.1", vcow_val_i64(7)));
    CHECK_OK(vcow_map_set_path(t, "servers.-", vcow_val_str("three")));
    CHECK_OK(vcow_map_set_path(t, "servers.0.port", vcow_val_i64(80)));
    CHECK(bytes_is(bytes_at(tv, "servers.0.host"), "a"));
    CHECK_EQ_INT(i64_at(tv, "servers.0.port"), 80);
    CHECK_EQ_INT(i64_at(tv, "servers.1"), 7);
    CHECK(bytes_is(bytes_at(tv, "servers.2"), "three"));

    /* Replace, and the index errors. */
    CHECK_OK(vcow_map_set_path(t, "servers.1", vcow_val_i64(8)));
    CHECK_EQ_INT(i64_at(tv, "servers.1"), 8);
    CHECK_RC(vcow_map_set_path(t, "servers.4", vcow_val_i64(0)), VCOW_ERANGE);
    CHECK_RC(vcow_map_set_path(t, "servers.99999999999999999999999", vcow_val_i64(0)), VCOW_ERANGE);
    CHECK_RC(vcow_map_set_path(t, "servers.4.x", vcow_val_i64(0)), VCOW_ERANGE);
    const char *bad[] = {"01", "-1", "x", "+1", " 1", "1 ", "1a", "00", "--"};
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char p[32];
        snprintf(p, sizeof(p), "servers.%s", bad[i]);
        CHECK_RC(vcow_map_set_path(t, p, vcow_val_i64(0)), VCOW_EINVAL);
        CHECK_RC(vcow_map_get_path(tv, p, &x), VCOW_EINVAL);
        CHECK_RC(vcow_map_del_path(t, p), VCOW_EINVAL);
        CHECK_RC(vcow_map_enter(t, p, VCOW_KIND_MAP), VCOW_EINVAL);
        snprintf(p, sizeof(p), "servers.%s.host", bad[i]);
        CHECK_RC(vcow_map_set_path(t, p, vcow_val_i64(0)), VCOW_EINVAL);
        CHECK_RC(vcow_map_get_path(tv, p, &x), VCOW_EINVAL);
    }
    /* Reads past the end, and "-", find nothing. */
    CHECK_RC(vcow_map_get_path(tv, "servers.3", &x), VCOW_ENOENT);
    CHECK_RC(vcow_map_get_path(tv, "servers.-", &x), VCOW_ENOENT);
    CHECK_RC(vcow_map_get_path(tv, "servers.-.host", &x), VCOW_ENOENT);
    CHECK_RC(vcow_map_del_path(t, "servers.3"), VCOW_ENOENT);
    CHECK_RC(vcow_map_del_path(t, "servers.-"), VCOW_ENOENT);
    /* Through a scalar element: not a map or array. */
    CHECK_RC(vcow_map_get_path(tv, "servers.1.x", &x), VCOW_EINVAL);
    CHECK_RC(vcow_map_set_path(t, "servers.1.x", vcow_val_i64(0)), VCOW_EINVAL);
    /* Only an empty array can be stored. */
    vcow_val full = {.type = VCOW_T_ARRAY, .u.root = &x};
    CHECK_RC(vcow_map_set(t, "other", full), VCOW_EINVAL);
    CHECK_RC(vcow_map_set_path(t, "servers.-", full), VCOW_EINVAL);
    CHECK_RC(vcow_map_cell_set(c, "other", full, NULL), VCOW_EINVAL);
    CHECK_EQ_INT(len_of(tv), 1);

    /* Enter: a map element (the map path through the array), an appended
     * tree; the array itself is no map. */
    CHECK_OK(vcow_map_enter(t, "servers.0", VCOW_KIND_MAP));
    CHECK_OK(vcow_map_set(t, "name", vcow_val_str("primary")));
    CHECK_OK(vcow_txn_leave(t));
    CHECK(bytes_is(bytes_at(tv, "servers.0.name"), "primary"));
    CHECK_OK(vcow_map_enter(t, "servers.-", VCOW_KIND_TREE));
    CHECK_OK(vcow_tree_set(t, "k", vcow_val_i64(1)));
    CHECK_OK(vcow_txn_leave(t));
    CHECK_OK(vcow_map_enter(t, "servers.4", VCOW_KIND_ROPE));
    CHECK_OK(vcow_rope_append(t, "log", 3));
    CHECK_OK(vcow_txn_leave(t));
    CHECK_RC(vcow_map_enter(t, "servers.6", VCOW_KIND_ROPE), VCOW_ERANGE);
    CHECK_RC(vcow_map_enter(t, "servers", VCOW_KIND_MAP), VCOW_EINVAL);
    CHECK_RC(vcow_map_enter(t, "servers.1", VCOW_KIND_MAP), VCOW_EINVAL);
    CHECK_OK(vcow_map_get_path(tv, "servers.3", &x));
    CHECK(x.type == VCOW_T_TREE && x.u.root != NULL);

    /* Arrays in arrays. */
    CHECK_OK(vcow_map_set_path(t, "servers.-", vcow_val_array()));
    CHECK_OK(vcow_map_set_path(t, "servers.5.-", vcow_val_i64(50)));
    CHECK_OK(vcow_map_set_path(t, "servers.5.-", vcow_val_i64(51)));
    CHECK_EQ_INT(i64_at(tv, "servers.5.1"), 51);
    CHECK_OK(vcow_txn_commit(t));
    vcow_txn_free(t);

    vcow_version *v;
    CHECK_OK(vcow_cell_pin_head(c, &v));
    CHECK_OK(vcow_map_check(v));
    /* iter_path: index order. */
    struct seen s = {0};
    CHECK_OK(vcow_map_iter_path(v, "servers", seen_fn, &s));
    CHECK_EQ_INT(s.n, 6);
    check_index_order(&s);
    CHECK(s.val[0].type == VCOW_T_MAP && s.val[1].type == VCOW_T_I64 &&
          s.val[2].type == VCOW_T_BYTES && s.val[3].type == VCOW_T_TREE &&
          s.val[4].type == VCOW_T_ROPE && s.val[5].type == VCOW_T_ARRAY);
    /* A view of the array is a map version of its elements. */
    vcow_view w;
    const vcow_version *av;
    CHECK_OK(vcow_map_view_path(v, "servers", &w, &av));
    CHECK_EQ_INT(len_of(av), 6);
    CHECK_OK(vcow_map_check(av));
    memset(&s, 0, sizeof(s));
    CHECK_OK(vcow_map_iter(av, seen_fn, &s));
    CHECK_EQ_INT(s.n, 6);
    check_index_order(&s);
    CHECK_OK(vcow_map_get(av, "1", &x));
    CHECK_EQ_INT(x.u.i64, 8);
    CHECK_EQ_INT(i64_at(av, "5.0"), 50);
    CHECK_RC(vcow_map_get_path(av, "01", &x), VCOW_EINVAL);
    CHECK_RC(vcow_map_get_path(av, "6", &x), VCOW_ENOENT);
    memset(&s, 0, sizeof(s));
    CHECK_OK(vcow_map_iter_path(av, "", seen_fn, &s));
    CHECK_EQ_INT(s.n, 6);
    vcow_view w2;
    const vcow_version *inner;
    CHECK_OK(vcow_map_view_path(av, "5", &w2, &inner));
    CHECK_EQ_INT(len_of(inner), 2);
    CHECK_OK(vcow_map_view_path(v, "servers.3", &w2, &inner));
    CHECK_OK(vcow_tree_get(inner, "k", &x));
    /* The cell convenience reports an array with its type, no root. */
    char buf[8];
    CHECK_OK(vcow_map_cell_get(c, "servers", &x, buf, sizeof(buf)));
    CHECK(x.type == VCOW_T_ARRAY && x.u.root == NULL);

    /* Equality and diff: an array is not the map with the same keys. */
    vcow_cell *c2 = open_map();
    CHECK_OK(vcow_txn_begin(c2, &t));
    CHECK_OK(vcow_map_set(t, "a", vcow_val_array()));
    CHECK_OK(vcow_map_set_path(t, "a.-", vcow_val_i64(1)));
    CHECK_OK(vcow_map_set(t, "m", vcow_val_map()));
    CHECK_OK(vcow_map_set_path(t, "m.0", vcow_val_i64(1)));
    CHECK_OK(vcow_txn_commit(t));
    vcow_txn_free(t);
    vcow_version *v2;
    CHECK_OK(vcow_cell_pin_head(c2, &v2));
    vcow_view wa, wm;
    const vcow_version *va, *vm;
    CHECK_OK(vcow_map_view_path(v2, "a", &wa, &va));
    CHECK_OK(vcow_map_view_path(v2, "m", &wm, &vm));
    bool eq = true;
    CHECK_OK(vcow_map_equal(va, vm, &eq)); /* as maps their entries are equal */
    CHECK(eq);
    CHECK_OK(vcow_map_get(v2, "a", &x));
    vcow_val y;
    CHECK_OK(vcow_map_get(v2, "m", &y));
    CHECK(x.type != y.type);
    CHECK_OK(vcow_map_check(v2));
    vcow_version_unpin(v2);
    CHECK_OK(vcow_cell_close(c2));

    vcow_version_unpin(v);
    CHECK_OK(vcow_cell_close(c));
    test_check_all_freed();
}

/*
 * The shifting delete: an array of n elements of every kind, element i
 * removed, every later one checked one index down, for several n and i
 * (so moves cross the 9 -> 10 and 99 -> 100 key lengths, where a value's
 * inline room changes: values of 26..29 bytes go from blob to inline).
 */
static void put_elem(vcow_txn *t, unsigned j, unsigned seed)
{
    char p[64], b[64];
    snprintf(p, sizeof(p), "arr.%u", j);
    switch ((j + seed) % 6) {
    case 0:
        CHECK_OK(vcow_map_set_path(t, p, vcow_val_i64(1000 + j)));
        break;
    case 1: {
        size_t len = 24 + j % 8; /* 24..31: around the inline room */
        fill(b, len, (char)j);
        CHECK_OK(vcow_map_set_path(t, p, vcow_val_bytes(b, len)));
        break;
    }
    case 2: {
        size_t len = 40 + j % 3;
        fill(b, len, (char)j);
        CHECK_OK(vcow_map_set_path(t, p, vcow_val_bytes(b, len)));
        break;
    }
    case 3: {
        CHECK_OK(vcow_map_set_path(t, p, vcow_val_map()));
        snprintf(p, sizeof(p), "arr.%u.v", j);
        CHECK_OK(vcow_map_set_path(t, p, vcow_val_i64(j)));
        break;
    }
    case 4:
        CHECK_OK(vcow_map_enter(t, p, VCOW_KIND_TREE));
        snprintf(b, sizeof(b), "t%u", j);
        CHECK_OK(vcow_tree_set(t, b, vcow_val_i64(j)));
        CHECK_OK(vcow_txn_leave(t));
        break;
    default:
        CHECK_OK(vcow_map_enter(t, p, VCOW_KIND_ROPE));
        snprintf(b, sizeof(b), "r%u", j);
        CHECK_OK(vcow_rope_append(t, b, strlen(b)));
        CHECK_OK(vcow_txn_leave(t));
        break;
    }
}

/* Element at index `at` holds what put_elem(j) stored. */
static void check_elem(const vcow_version *v, unsigned at, unsigned j, unsigned seed)
{
    char p[64], b[64];
    snprintf(p, sizeof(p), "arr.%u", at);
    vcow_val x;
    CHECK_OK(vcow_map_get_path(v, p, &x));
    switch ((j + seed) % 6) {
    case 0:
        CHECK(x.type == VCOW_T_I64 && x.u.i64 == 1000 + j);
        break;
    case 1:
    case 2: {
        size_t len = (j + seed) % 6 == 1 ? 24 + j % 8 : 40 + j % 3;
        fill(b, len, (char)j);
        CHECK(x.type == VCOW_T_BYTES && x.u.bytes.len == len && memcmp(x.u.bytes.ptr, b, len) == 0);
        break;
    }
    case 3:
        snprintf(p, sizeof(p), "arr.%u.v", at);
        CHECK_EQ_INT(i64_at(v, p), j);
        break;
    case 4: {
        vcow_view w;
        const vcow_version *tv = vcow_view_of(&w, v, x);
        snprintf(b, sizeof(b), "t%u", j);
        CHECK(x.type == VCOW_T_TREE && tv != NULL);
        CHECK_OK(vcow_tree_get(tv, b, &x));
        CHECK_EQ_INT(x.u.i64, j);
        CHECK_OK(vcow_tree_check(tv));
        break;
    }
    default: {
        vcow_view w;
        const vcow_version *rv = vcow_view_of(&w, v, x);
        CHECK(x.type == VCOW_T_ROPE && rv != NULL);
        snprintf(b, sizeof(b), "r%u", j);
        char out[16];
        size_t n = 0;
        CHECK_OK(vcow_rope_copy(rv, VCOW_ROPE_BYTES, 0, strlen(b), out, &n));
        CHECK(n == strlen(b) && memcmp(out, b, n) == 0);
        break;
    }
    }
}

static void test_array_shift(void)
{
    static const unsigned sizes[] = {1, 2, 11, 12, 23, 105};
    for (unsigned si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
        unsigned n = sizes[si];
        for (unsigned seed = 0; seed < 6; seed += (n > 20 ? 5 : 1)) {
            unsigned picks[] = {0, 1, n / 2, 9, 10, n - 1, 99};
            for (unsigned pi = 0; pi < sizeof(picks) / sizeof(picks[0]); pi++) {
                unsigned i = picks[pi];
                if (i >= n)
                    continue;
                vcow_cell *c = open_map();
                vcow_txn *t;
                CHECK_OK(vcow_txn_begin(c, &t));
                CHECK_OK(vcow_map_set(t, "arr", vcow_val_array()));
                for (unsigned j = 0; j < n; j++)
                    put_elem(t, j, seed);
                CHECK_OK(vcow_txn_commit(t));
                vcow_txn_free(t);
                vcow_version *before;
                CHECK_OK(vcow_cell_pin_head(c, &before));
                /* Delete in a fresh txn (published nodes) or, every other
                 * round, after a write made the array's nodes owned. */
                CHECK_OK(vcow_txn_begin(c, &t));
                if (pi % 2 == 1)
                    CHECK_OK(vcow_map_set(t, "touch", vcow_val_i64(1)));
                char p[32];
                snprintf(p, sizeof(p), "arr.%u", i);
                CHECK_OK(vcow_map_del_path(t, p));
                const vcow_version *tv = vcow_txn_view(t);
                vcow_view w;
                const vcow_version *av;
                CHECK_OK(vcow_map_view_path(tv, "arr", &w, &av));
                CHECK_EQ_INT(len_of(av), n - 1);
                CHECK_OK(vcow_map_check(tv));
                for (unsigned j = 0; j + 1 < n; j++)
                    check_elem(tv, j, j < i ? j : j + 1, seed);
                CHECK_OK(vcow_txn_commit(t));
                vcow_txn_free(t);
                /* The old version keeps its own. */
                for (unsigned j = 0; j < n; j++)
                    check_elem(before, j, j, seed);
                CHECK_OK(vcow_map_check(before));
                vcow_version_unpin(before);
                /* Delete them all, from the front. */
                CHECK_OK(vcow_txn_begin(c, &t));
                for (unsigned j = 0; j + 1 < n; j++)
                    CHECK_OK(vcow_map_del_path(t, "arr.0"));
                CHECK_OK(vcow_map_check(vcow_txn_view(t)));
                CHECK_OK(vcow_txn_commit(t));
                vcow_txn_free(t);
                vcow_read_lock();
                vcow_val x;
                CHECK_OK(vcow_map_get(vcow_cell_head(c), "arr", &x));
                CHECK(x.type == VCOW_T_ARRAY && x.u.root == NULL);
                vcow_read_unlock();
                CHECK_OK(vcow_cell_close(c));
            }
        }
    }
    test_check_all_freed();
}

/*
 * Where an index gets one digit longer (10, 100), its entry has one byte
 * less room for inline value bytes: a value that needs a blob at index 10
 * may fit inline at index 9. Arrays of same-length values, for each length
 * around that room, lose element 0: every value moves down one index.
 */
static void test_array_boundary(void)
{
    for (unsigned n = 12; n <= 102; n += 90) {
        for (size_t len = 22; len <= 31; len++) {
            vcow_cell *c = open_map();
            vcow_txn *t;
            char b[64], p[32];
            CHECK_OK(vcow_txn_begin(c, &t));
            CHECK_OK(vcow_map_set(t, "arr", vcow_val_array()));
            for (unsigned j = 0; j < n; j++) {
                fill(b, len, (char)j);
                CHECK_OK(vcow_map_set_path(t, "arr.-", vcow_val_bytes(b, len)));
            }
            CHECK_OK(vcow_txn_commit(t));
            vcow_txn_free(t);
            CHECK_OK(vcow_txn_begin(c, &t));
            CHECK_OK(vcow_map_del_path(t, "arr.0"));
            CHECK_OK(vcow_map_check(vcow_txn_view(t)));
            for (unsigned j = 0; j + 1 < n; j++) {
                snprintf(p, sizeof(p), "arr.%u", j);
                vcow_val x = bytes_at(vcow_txn_view(t), p);
                fill(b, len, (char)(j + 1));
                CHECK(x.u.bytes.len == len && memcmp(x.u.bytes.ptr, b, len) == 0);
            }
            CHECK_OK(vcow_txn_commit(t));
            vcow_txn_free(t);
            CHECK_OK(vcow_cell_close(c));
        }
    }
    test_check_all_freed();
}

static void test_array(void)
{
    test_array_basic();
    test_array_boundary();
    test_array_shift();
}

/* ---- escape ---- */

static int count_fn(vcow_slice key, const vcow_val *before, const vcow_val *after, void *ctx)
{
    (void)key;
    (void)before;
    (void)after;
    ++*(int *)ctx;
    return 0;
}

/* Every path call refuses path with VCOW_EINVAL. */
static void check_bad_path(vcow_cell *c, vcow_txn *t, const char *path)
{
    const vcow_version *tv = vcow_txn_view(t);
    vcow_val x;
    vcow_view w;
    const vcow_version *out;
    struct seen s = {0};
    char buf[8];
    CHECK_RC(vcow_map_set_path(t, path, vcow_val_i64(0)), VCOW_EINVAL);
    CHECK_RC(vcow_map_get_path(tv, path, &x), VCOW_EINVAL);
    CHECK_RC(vcow_map_del_path(t, path), VCOW_EINVAL);
    CHECK_RC(vcow_map_enter(t, path, VCOW_KIND_MAP), VCOW_EINVAL);
    CHECK_RC(vcow_map_view_path(tv, path, &w, &out), VCOW_EINVAL);
    CHECK_RC(vcow_map_iter_path(tv, path, seen_fn, &s), VCOW_EINVAL);
    int calls = 0;
    CHECK_RC(vcow_map_diff_path(tv, tv, path, count_fn, &calls), VCOW_EINVAL);
    CHECK_RC(vcow_map_diff_deep(tv, tv, path, count_fn, &calls), VCOW_EINVAL);
    CHECK_EQ_INT(calls, 0);
    CHECK_RC(vcow_map_cell_get_path(c, path, &x, buf, sizeof(buf)), VCOW_EINVAL);
    CHECK_EQ_INT(s.n, 0);
}

/* The one path a deep diff reports (ctx: a buffer of 2048). */
static int path_fn(vcow_slice key, const vcow_val *before, const vcow_val *after, void *ctx)
{
    (void)before;
    (void)after;
    char *out = ctx;
    CHECK(key.len < 2048 && out[0] == '\0');
    memcpy(out, key.ptr, key.len);
    out[key.len] = '\0';
    CHECK(((const char *)key.ptr)[key.len] == '\0');
    return 0;
}

static void test_escape(void)
{
    vcow_cell *c = open_map();
    vcow_txn *t;
    CHECK_OK(vcow_txn_begin(c, &t));
    const vcow_version *tv = vcow_txn_view(t);
    vcow_val x;
    CHECK_OK(vcow_map_set_path(t, "a\\.b", vcow_val_i64(1))); /* the key "a.b" */
    CHECK_OK(vcow_map_get(tv, "a.b", &x));
    CHECK_EQ_INT(x.u.i64, 1);
    CHECK_RC(vcow_map_get(tv, "a", &x), VCOW_ENOENT);
    CHECK_EQ_INT(i64_at(tv, "a\\.b"), 1);
    CHECK_OK(vcow_map_set_path(t, "x.y\\.z.w", vcow_val_i64(2))); /* x -> "y.z" -> w */
    vcow_view w;
    const vcow_version *xv;
    CHECK_OK(vcow_map_view_path(tv, "x", &w, &xv));
    CHECK_OK(vcow_map_get(xv, "y.z", &x));
    CHECK(x.type == VCOW_T_MAP);
    struct seen s = {0};
    CHECK_OK(vcow_map_iter_path(tv, "x.y\\.z", seen_fn, &s));
    CHECK(s.n == 1 && strcmp(s.key[0], "w") == 0);
    CHECK_OK(vcow_map_set_path(t, "back\\\\slash", vcow_val_i64(3))); /* one backslash */
    CHECK_OK(vcow_map_get(tv, "back\\slash", &x));
    CHECK_OK(vcow_map_set_path(t, "\\x\\y", vcow_val_i64(4))); /* any escaped character */
    CHECK_OK(vcow_map_get(tv, "xy", &x));
    CHECK_OK(vcow_map_set_path(t, "end\\\\", vcow_val_i64(5))); /* ends with an escaped '\' */
    CHECK_OK(vcow_map_get(tv, "end\\", &x));
    CHECK_OK(vcow_map_set_path(t, "\\.", vcow_val_i64(6))); /* the key "." */
    CHECK_OK(vcow_map_get(tv, ".", &x));
    CHECK_OK(vcow_map_set(t, "arr", vcow_val_array()));
    CHECK_OK(vcow_map_set_path(t, "arr.\\-", vcow_val_i64(7))); /* "-" however written */
    CHECK_OK(vcow_map_set_path(t, "arr.\\1", vcow_val_i64(8)));
    CHECK_EQ_INT(i64_at(tv, "arr.1"), 8);
    CHECK_OK(vcow_map_del_path(t, "x.y\\.z.w"));
    CHECK_OK(vcow_map_del_path(t, "a\\.b"));
    CHECK_RC(vcow_map_get(tv, "a.b", &x), VCOW_ENOENT);
    /* Enter through an escaped key. */
    CHECK_OK(vcow_map_enter(t, "x.y\\.z", VCOW_KIND_MAP));
    CHECK_OK(vcow_map_set(t, "in", vcow_val_i64(9)));
    CHECK_OK(vcow_txn_leave(t));
    CHECK_EQ_INT(i64_at(tv, "x.y\\.z.in"), 9);

    /* Bad paths, in every call. */
    const char *bad[] = {"a\\", "x.y\\", "\\", "a..b", ".a", "a.", ".", "a.\\"};
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        check_bad_path(c, t, bad[i]);
    /* 64 segments, escaped or not, and no more. */
    char deep[512] = "";
    for (int i = 0; i < 64; i++)
        strcat(deep, i == 0 ? "\\k" : ".\\k");
    CHECK_OK(vcow_map_set_path(t, deep, vcow_val_i64(64)));
    CHECK_EQ_INT(i64_at(tv, deep), 64);
    strcat(deep, ".k");
    check_bad_path(c, t, deep);

    /* A long escaped path (decoded on the heap): a 700-byte key of dots. */
    char key[701], esc[1500], path[1600];
    for (int i = 0; i < 700; i++)
        key[i] = i % 7 == 3 ? '.' : i % 11 == 5 ? '\\' : (char)('a' + i % 26);
    key[700] = '\0';
    size_t need = 0;
    CHECK_RC(vcow_map_path_escape(key, 700, esc, 10, &need), VCOW_ERANGE);
    CHECK(need > 701 && need < sizeof(esc));
    CHECK_RC(vcow_map_path_escape(key, 700, esc, need - 1, NULL), VCOW_ERANGE);
    CHECK_OK(vcow_map_path_escape(key, 700, esc, need, &need));
    CHECK_EQ_INT(strlen(esc), need - 1);
    snprintf(path, sizeof(path), "long.%s.v", esc);
    CHECK_OK(vcow_map_set_path(t, path, vcow_val_i64(700)));
    CHECK_EQ_INT(i64_at(tv, path), 700);
    vcow_val lm;
    CHECK_OK(vcow_map_get_path(tv, "long", &lm));
    const vcow_version *lv = vcow_view_of(&w, tv, lm);
    CHECK_OK(vcow_map_getn(lv, key, 700, &x));
    CHECK(x.type == VCOW_T_MAP);
    CHECK_OK(vcow_txn_commit(t));
    vcow_txn_free(t);

    /* The deep diff names the key escaped, as vcow_map_path_escape does. */
    vcow_version *v1, *v2;
    CHECK_OK(vcow_cell_pin_head(c, &v1));
    CHECK_OK(vcow_map_cell_set(c, "zz", vcow_val_i64(0), NULL)); /* unrelated */
    CHECK_OK(vcow_txn_begin(c, &t));
    CHECK_OK(vcow_map_set_path(t, path, vcow_val_i64(701)));
    CHECK_OK(vcow_txn_commit(t));
    vcow_txn_free(t);
    CHECK_OK(vcow_cell_pin_head(c, &v2));
    char got[2048] = "";
    CHECK_OK(vcow_map_diff_deep(v1, v2, "long", path_fn, got));
    snprintf(path, sizeof(path), "%s.v", esc);
    CHECK(strcmp(got, path) == 0);
    got[0] = '\0';
    CHECK_OK(vcow_map_diff_deep(v1, v2, "x", path_fn, got)); /* nothing there changed */
    CHECK(got[0] == '\0');

    /* vcow_map_path_escape. */
    char b[16];
    CHECK_OK(vcow_map_path_escape("a.b\\c", 5, b, sizeof(b), &need));
    CHECK(strcmp(b, "a\\.b\\\\c") == 0 && need == 8);
    CHECK_OK(vcow_map_path_escape("plain", 5, b, 6, NULL));
    CHECK(strcmp(b, "plain") == 0);
    CHECK_RC(vcow_map_path_escape("plain", 5, b, 5, &need), VCOW_ERANGE);
    CHECK_EQ_INT(need, 6);
    CHECK_RC(vcow_map_path_escape("plain", 5, NULL, 0, &need), VCOW_ERANGE);
    CHECK_RC(vcow_map_path_escape("", 0, b, sizeof(b), &need), VCOW_EINVAL);
    CHECK_RC(vcow_map_path_escape(NULL, 0, b, sizeof(b), &need), VCOW_EINVAL);
    CHECK_RC(vcow_map_path_escape(NULL, 3, b, sizeof(b), &need), VCOW_EINVAL);
    CHECK_RC(vcow_map_path_escape("a\0b", 3, b, sizeof(b), &need), VCOW_EINVAL);

    /* The empty key: no path names it; a view reads it. */
    CHECK_OK(vcow_txn_begin(c, &t));
    CHECK_OK(vcow_map_enter(t, "m", VCOW_KIND_MAP));
    CHECK_OK(vcow_map_setn(t, "", 0, vcow_val_i64(42)));
    CHECK_OK(vcow_txn_leave(t));
    CHECK_OK(vcow_txn_commit(t));
    vcow_txn_free(t);
    vcow_read_lock();
    const vcow_version *mv;
    CHECK_OK(vcow_map_view_path(vcow_cell_head(c), "m", &w, &mv));
    CHECK_OK(vcow_map_getn(mv, "", 0, &x));
    CHECK_EQ_INT(x.u.i64, 42);
    CHECK_RC(vcow_map_get_path(vcow_cell_head(c), "m.", &x), VCOW_EINVAL);
    /* ... and a deep diff shows it as an empty segment. */
    got[0] = '\0';
    CHECK_OK(vcow_map_diff_deep(v2, vcow_cell_head(c), "", path_fn, got));
    CHECK(strcmp(got, "m.") == 0);
    vcow_read_unlock();

    vcow_version_unpin(v1);
    vcow_version_unpin(v2);
    CHECK_OK(vcow_cell_close(c));
    test_check_all_freed();
}

/* ---- clear ---- */

static void test_clear(void)
{
    vcow_cell *c = open_map();
    vcow_txn *t;
    CHECK_OK(vcow_txn_begin(c, &t));
    CHECK_OK(vcow_map_set(t, "a", vcow_val_i64(1)));
    CHECK_OK(vcow_map_set_path(t, "m.b", vcow_val_i64(2)));
    CHECK_OK(vcow_map_set_path(t, "m.c", vcow_val_str("a value long enough for a blob")));
    CHECK_OK(vcow_map_set(t, "arr", vcow_val_array()));
    for (int i = 0; i < 40; i++)
        CHECK_OK(vcow_map_set_path(t, "arr.-", vcow_val_i64(i)));
    CHECK_OK(vcow_map_enter(t, "tr", VCOW_KIND_TREE));
    for (int i = 0; i < 300; i++) {
        char k[16];
        snprintf(k, sizeof(k), "k%03d", i);
        CHECK_OK(vcow_tree_set(t, k, vcow_val_i64(i)));
    }
    CHECK_OK(vcow_txn_leave(t));
    CHECK_OK(vcow_txn_commit(t));
    vcow_txn_free(t);
    vcow_version *v1;
    CHECK_OK(vcow_cell_pin_head(c, &v1));
    CHECK_EQ_INT(len_of(v1), 4);

    /* Errors first: nothing changes. */
    CHECK_RC(vcow_map_clear(NULL), VCOW_EINVAL);
    CHECK_RC(vcow_tree_clear(NULL), VCOW_EINVAL);
    CHECK_OK(vcow_txn_begin(c, &t));
    CHECK_RC(vcow_tree_clear(t), VCOW_EINVAL); /* a map txn */
    CHECK_OK(vcow_map_enter(t, "tr", VCOW_KIND_TREE));
    CHECK_RC(vcow_map_clear(t), VCOW_EINVAL); /* on a tree */
    CHECK_OK(vcow_txn_leave(t));
    CHECK_EQ_INT(len_of(vcow_txn_view(t)), 4);

    /* Clear, twice, then discard: the head is as it was. */
    CHECK_OK(vcow_map_clear(t));
    CHECK_EQ_INT(len_of(vcow_txn_view(t)), 0);
    CHECK_OK(vcow_map_set(t, "n", vcow_val_i64(1)));
    CHECK_OK(vcow_map_clear(t));
    CHECK_OK(vcow_map_clear(t)); /* an empty map: nothing to do */
    CHECK_OK(vcow_txn_abort(t));
    vcow_txn_free(t);
    bool eq = false;
    vcow_read_lock();
    CHECK_OK(vcow_map_equal(vcow_cell_head(c), v1, &eq));
    vcow_read_unlock();
    CHECK(eq);

    /* Clear the entered map, and the entered tree; commit. */
    CHECK_OK(vcow_txn_begin(c, &t));
    CHECK_OK(vcow_map_enter(t, "m", VCOW_KIND_MAP));
    CHECK_OK(vcow_map_clear(t));
    CHECK_EQ_INT(len_of(vcow_txn_view(t)), 0);
    CHECK_OK(vcow_map_set(t, "d", vcow_val_i64(4)));
    CHECK_OK(vcow_txn_leave(t));
    CHECK_OK(vcow_map_enter(t, "tr", VCOW_KIND_TREE));
    CHECK_OK(vcow_tree_clear(t));
    uint64_t n = 1;
    CHECK_OK(vcow_tree_len(vcow_txn_view(t), &n));
    CHECK_EQ_INT(n, 0);
    CHECK_OK(vcow_txn_leave(t));
    CHECK_OK(vcow_txn_commit(t));
    CHECK_RC(vcow_map_clear(t), VCOW_ESTATE); /* finished */
    vcow_txn_free(t);
    vcow_version *v2;
    CHECK_OK(vcow_cell_pin_head(c, &v2));
    vcow_view w;
    const vcow_version *mv;
    CHECK_OK(vcow_map_view_path(v2, "m", &w, &mv));
    CHECK_EQ_INT(len_of(mv), 1);
    CHECK_EQ_INT(i64_at(v2, "m.d"), 4);
    vcow_val x;
    CHECK_OK(vcow_map_get(v2, "tr", &x));
    CHECK(x.type == VCOW_T_TREE && x.u.root == NULL);
    CHECK_EQ_INT(i64_at(v2, "arr.39"), 39);
    CHECK_OK(vcow_map_check(v2));

    /* Clear the top map and commit; the old versions keep everything. */
    CHECK_OK(vcow_txn_begin(c, &t));
    CHECK_OK(vcow_map_clear(t));
    CHECK_OK(vcow_map_set(t, "z", vcow_val_i64(26)));
    CHECK_OK(vcow_txn_commit(t));
    vcow_txn_free(t);
    vcow_read_lock();
    CHECK_EQ_INT(len_of(vcow_cell_head(c)), 1);
    vcow_read_unlock();
    CHECK_EQ_INT(i64_at(v1, "m.b"), 2);
    CHECK_EQ_INT(i64_at(v1, "arr.39"), 39);
    const vcow_version *tv1;
    CHECK_OK(vcow_map_view_path(v1, "tr", &w, &tv1));
    CHECK_OK(vcow_tree_len(tv1, &n));
    CHECK_EQ_INT(n, 300);
    CHECK_OK(vcow_tree_check(tv1));
    CHECK_OK(vcow_map_check(v1));
    vcow_version_unpin(v1);
    vcow_version_unpin(v2);
    CHECK_OK(vcow_cell_close(c));

    /* A tree cell. */
    struct vcow_cell_opts o = {.size = sizeof(o)};
    CHECK_OK(vcow_cell_open(VCOW_KIND_TREE, &o, &c));
    CHECK_OK(vcow_tree_cell_set(c, "a", vcow_val_i64(1), NULL));
    CHECK_OK(vcow_tree_cell_set(c, "b", vcow_val_i64(2), NULL));
    CHECK_OK(vcow_txn_begin(c, &t));
    CHECK_RC(vcow_map_clear(t), VCOW_EINVAL);
    CHECK_OK(vcow_tree_clear(t));
    CHECK_OK(vcow_txn_commit(t));
    vcow_txn_free(t);
    vcow_read_lock();
    CHECK_OK(vcow_tree_len(vcow_cell_head(c), &n));
    CHECK_EQ_INT(n, 0);
    vcow_read_unlock();
    CHECK_OK(vcow_cell_close(c));
    test_check_all_freed();
}

/* ---- getpath ---- */

static void test_getpath(void)
{
    vcow_cell *c = open_map();
    vcow_txn *t;
    CHECK_OK(vcow_txn_begin(c, &t));
    CHECK_OK(vcow_map_set_path(t, "a.b", vcow_val_str("hello")));
    CHECK_OK(vcow_map_set_path(t, "a.n", vcow_val_i64(5)));
    CHECK_OK(vcow_map_set_path(t, "a.e", vcow_val_bytes(NULL, 0)));
    CHECK_OK(vcow_map_set_path(t, "a.long", vcow_val_str("a value stored in a blob, not inline")));
    CHECK_OK(vcow_map_set(t, "arr", vcow_val_array()));
    CHECK_OK(vcow_map_set_path(t, "arr.-", vcow_val_str("x")));
    CHECK_OK(vcow_map_set(t, "m", vcow_val_map()));
    CHECK_OK(vcow_map_set(t, "k", vcow_val_str("abc")));
    CHECK_OK(vcow_map_set(t, "a\\.dot", vcow_val_i64(6)));
    CHECK_OK(vcow_txn_commit(t));
    vcow_txn_free(t);

    char buf[64];
    vcow_val x;
    memset(buf, 'X', sizeof(buf));
    CHECK_OK(vcow_map_cell_get_path(c, "a.b", &x, buf, 6));
    CHECK(x.type == VCOW_T_BYTES && x.u.bytes.ptr == buf && x.u.bytes.len == 5);
    CHECK(strcmp(buf, "hello") == 0);
    CHECK_RC(vcow_map_cell_get_path(c, "a.b", &x, buf, 5), VCOW_ERANGE);
    CHECK(x.type == VCOW_T_BYTES && x.u.bytes.len == 5 && x.u.bytes.ptr == NULL);
    CHECK_RC(vcow_map_cell_get_path(c, "a.b", &x, NULL, 0), VCOW_ERANGE);
    CHECK_RC(vcow_map_cell_get_path(c, "a.b", &x, NULL, 64), VCOW_ERANGE);
    CHECK_EQ_INT(x.u.bytes.len, 5);
    memset(buf, 'X', sizeof(buf));
    CHECK_OK(vcow_map_cell_get_path(c, "a.long", &x, buf, sizeof(buf)));
    CHECK(bytes_is(x, "a value stored in a blob, not inline") && buf[x.u.bytes.len] == '\0');
    CHECK_OK(vcow_map_cell_get_path(c, "a.n", &x, NULL, 0));
    CHECK(x.type == VCOW_T_I64 && x.u.i64 == 5);
    memset(buf, 'X', sizeof(buf));
    CHECK_OK(vcow_map_cell_get_path(c, "a.e", &x, buf, 1));
    CHECK(x.type == VCOW_T_BYTES && x.u.bytes.len == 0 && buf[0] == '\0');
    CHECK_RC(vcow_map_cell_get_path(c, "a.e", &x, buf, 0), VCOW_ERANGE);
    CHECK_EQ_INT(x.u.bytes.len, 0);
    CHECK_OK(vcow_map_cell_get_path(c, "arr.0", &x, buf, 2));
    CHECK(bytes_is(x, "x") && buf[1] == '\0');
    CHECK_OK(vcow_map_cell_get_path(c, "arr", &x, NULL, 0));
    CHECK(x.type == VCOW_T_ARRAY && x.u.root == NULL);
    CHECK_OK(vcow_map_cell_get_path(c, "a", &x, NULL, 0));
    CHECK(x.type == VCOW_T_MAP && x.u.root == NULL);
    CHECK_OK(vcow_map_cell_get_path(c, "a\\\\\\.dot", &x, NULL, 0));
    CHECK_EQ_INT(x.u.i64, 6);
    CHECK_RC(vcow_map_cell_get_path(c, "a.zz", &x, buf, sizeof(buf)), VCOW_ENOENT);
    CHECK_RC(vcow_map_cell_get_path(c, "arr.1", &x, buf, sizeof(buf)), VCOW_ENOENT);
    CHECK_RC(vcow_map_cell_get_path(c, "a.b.c", &x, buf, sizeof(buf)), VCOW_EINVAL);
    CHECK_RC(vcow_map_cell_get_path(c, "arr.x", &x, buf, sizeof(buf)), VCOW_EINVAL);
    CHECK_RC(vcow_map_cell_get_path(NULL, "a.b", &x, buf, sizeof(buf)), VCOW_EINVAL);
    CHECK_RC(vcow_map_cell_get_path(c, NULL, &x, buf, sizeof(buf)), VCOW_EINVAL);
    CHECK_RC(vcow_map_cell_get_path(c, "a.b", NULL, buf, sizeof(buf)), VCOW_EINVAL);
    /* Inside the caller's own read section too (sections nest). */
    vcow_read_lock();
    CHECK_OK(vcow_map_cell_get_path(c, "a.n", &x, NULL, 0));
    vcow_read_unlock();

    /* vcow_map_cell_getn terminates its copy the same way. */
    memset(buf, 'X', sizeof(buf));
    CHECK_RC(vcow_map_cell_get(c, "k", &x, buf, 3), VCOW_ERANGE);
    CHECK(x.u.bytes.len == 3 && x.u.bytes.ptr == NULL);
    CHECK_OK(vcow_map_cell_get(c, "k", &x, buf, 4));
    CHECK(bytes_is(x, "abc") && buf[3] == '\0');
    CHECK_OK(vcow_map_cell_getn(c, "k", 1, &x, buf, 4));
    CHECK_OK(vcow_map_cell_get(c, "arr", &x, NULL, 0));
    CHECK(x.type == VCOW_T_ARRAY && x.u.root == NULL);

    /* Not a map cell. */
    vcow_cell *tc;
    struct vcow_cell_opts o = {.size = sizeof(o)};
    CHECK_OK(vcow_cell_open(VCOW_KIND_TREE, &o, &tc));
    CHECK_RC(vcow_map_cell_get_path(tc, "a", &x, buf, sizeof(buf)), VCOW_EINVAL);
    CHECK_OK(vcow_cell_close(tc));
    CHECK_OK(vcow_cell_close(c));
    test_check_all_freed();
}

/* ---- deep ---- */

/* One reported leaf: its path, and 'a'dded, 'r'emoved or 'c'hanged. */
struct rep {
    char path[64];
    char how;
    vcow_val before, after;
};

struct reps {
    unsigned n;
    struct rep r[64];
    int stop_after; /* return 7 from that call (0: never) */
};

static int rep_fn(vcow_slice key, const vcow_val *before, const vcow_val *after, void *ctx)
{
    struct reps *rs = ctx;
    CHECK(rs->n < 64 && key.len < 64 && (before != NULL || after != NULL));
    CHECK(((const char *)key.ptr)[key.len] == '\0');
    struct rep *r = &rs->r[rs->n++];
    memcpy(r->path, key.ptr, key.len);
    r->path[key.len] = '\0';
    r->how = before == NULL ? 'a' : after == NULL ? 'r' : 'c';
    if (before != NULL)
        r->before = *before;
    if (after != NULL)
        r->after = *after;
    return rs->stop_after != 0 && (int)rs->n == rs->stop_after ? 7 : 0;
}

static int rep_cmp(const void *a, const void *b)
{
    return strcmp(((const struct rep *)a)->path, ((const struct rep *)b)->path);
}

/* The reports, sorted, are exactly want ("how path" each, sorted too). */
static struct reps *expect_reps(struct reps *rs, const char *const *want, unsigned n)
{
    qsort(rs->r, rs->n, sizeof(rs->r[0]), rep_cmp);
    bool ok = rs->n == n;
    for (unsigned i = 0; ok && i < n; i++)
        ok = rs->r[i].how == want[i][0] && strcmp(rs->r[i].path, want[i] + 2) == 0;
    if (!ok)
        for (unsigned i = 0; i < rs->n; i++)
            fprintf(stderr, "  got %c %s\n", rs->r[i].how, rs->r[i].path);
    CHECK(ok);
    return rs;
}

static const struct rep *rep_at(const struct reps *rs, const char *path)
{
    for (unsigned i = 0; i < rs->n; i++)
        if (strcmp(rs->r[i].path, path) == 0)
            return &rs->r[i];
    CHECK(!"no such report");
    return NULL;
}

static void tree_put(vcow_txn *t, const char *path, const char *k, int64_t v)
{
    CHECK_OK(vcow_map_enter(t, path, VCOW_KIND_TREE));
    CHECK_OK(vcow_tree_set(t, k, vcow_val_i64(v)));
    CHECK_OK(vcow_txn_leave(t));
}

static void test_deep(void)
{
    vcow_cell *c = open_map();
    vcow_txn *t;
    CHECK_OK(vcow_txn_begin(c, &t));
    CHECK_OK(vcow_map_set_path(t, "accounts.alice", vcow_val_i64(10)));
    CHECK_OK(vcow_map_set_path(t, "accounts.bob", vcow_val_i64(20)));
    CHECK_OK(vcow_map_set(t, "servers", vcow_val_array()));
    CHECK_OK(vcow_map_set_path(t, "servers.-.host", vcow_val_str("h0")));
    CHECK_OK(vcow_map_set_path(t, "servers.-.host", vcow_val_str("h1")));
    CHECK_OK(vcow_map_set_path(t, "servers.1.port", vcow_val_i64(1)));
    CHECK_OK(vcow_map_set(t, "a.b", vcow_val_i64(1)));
    tree_put(t, "tr", "k1", 1);
    tree_put(t, "tr", "k2", 2);
    CHECK_OK(vcow_map_enter(t, "rope", VCOW_KIND_ROPE));
    CHECK_OK(vcow_rope_append(t, "abc", 3));
    CHECK_OK(vcow_txn_leave(t));
    CHECK_OK(vcow_map_set_path(t, "gone.x.y", vcow_val_i64(1)));
    CHECK_OK(vcow_map_set(t, "s2m", vcow_val_i64(5)));
    CHECK_OK(vcow_map_set_path(t, "m2s.q", vcow_val_i64(1)));
    CHECK_OK(vcow_map_set(t, "em", vcow_val_map()));
    CHECK_OK(vcow_map_set_path(t, "same.deep.x", vcow_val_i64(1)));
    CHECK_OK(vcow_map_set_path(t, "m2a.0", vcow_val_i64(1)));
    tree_put(t, "t2m", "k", 1);
    tree_put(t, "t2m2", "k", 1);
    tree_put(t, "t2m2", "j", 2);
    CHECK_OK(vcow_map_set(t, "e2s", vcow_val_map()));
    CHECK_OK(vcow_map_set(t, "s2e", vcow_val_i64(8)));
    CHECK_OK(vcow_txn_commit(t));
    vcow_txn_free(t);
    vcow_version *a;
    CHECK_OK(vcow_cell_pin_head(c, &a));

    CHECK_OK(vcow_txn_begin(c, &t));
    CHECK_OK(vcow_map_set_path(t, "accounts.alice", vcow_val_i64(15)));
    CHECK_OK(vcow_map_del_path(t, "accounts.bob"));
    CHECK_OK(vcow_map_set_path(t, "accounts.carol", vcow_val_i64(5)));
    CHECK_OK(vcow_map_del_path(t, "servers.0")); /* h1's element moves to 0 */
    CHECK_OK(vcow_map_set(t, "a.b", vcow_val_i64(2)));
    tree_put(t, "tr", "k2", 3);
    tree_put(t, "tr", "k3", 4);
    CHECK_OK(vcow_map_enter(t, "rope", VCOW_KIND_ROPE));
    CHECK_OK(vcow_rope_append(t, "d", 1));
    CHECK_OK(vcow_txn_leave(t));
    CHECK_OK(vcow_map_del(t, "gone"));
    CHECK_OK(vcow_map_set(t, "s2m", vcow_val_map()));
    CHECK_OK(vcow_map_set_path(t, "s2m.q", vcow_val_i64(1)));
    CHECK_OK(vcow_map_set(t, "m2s", vcow_val_i64(6)));
    CHECK_OK(vcow_map_del(t, "em"));
    CHECK_OK(vcow_map_set(t, "m2a", vcow_val_array()));
    CHECK_OK(vcow_map_set_path(t, "m2a.-", vcow_val_i64(1)));
    CHECK_OK(vcow_map_set(t, "t2m", vcow_val_map()));
    CHECK_OK(vcow_map_set_path(t, "t2m.k", vcow_val_i64(1)));
    CHECK_OK(vcow_map_set(t, "t2m2", vcow_val_map()));
    CHECK_OK(vcow_map_set_path(t, "t2m2.k", vcow_val_i64(1)));
    CHECK_OK(vcow_map_set_path(t, "t2m2.l", vcow_val_i64(3)));
    CHECK_OK(vcow_map_set(t, "e2s", vcow_val_i64(7)));
    CHECK_OK(vcow_map_set(t, "s2e", vcow_val_tree()));
    CHECK_OK(vcow_map_set(t, "new", vcow_val_array()));
    CHECK_OK(vcow_map_set(t, "newdeep", vcow_val_map()));
    CHECK_OK(vcow_map_set(t, "newdeep.p", vcow_val_array())); /* the key "newdeep.p" */
    CHECK_OK(vcow_map_set_path(t, "newdeep\\.p.-", vcow_val_i64(1)));
    CHECK_OK(vcow_map_set_path(t, "c\\\\d.e", vcow_val_i64(1)));
    CHECK_OK(vcow_txn_commit(t));
    vcow_txn_free(t);
    vcow_version *b;
    CHECK_OK(vcow_cell_pin_head(c, &b));

    struct reps rs = {0};
    CHECK_OK(vcow_map_diff_deep(a, b, "", rep_fn, &rs));
    static const char *const want[] = {
        "c a\\.b",
        "c accounts.alice",
        "a accounts.carol",
        "r accounts.bob",
        "a c\\\\d.e",
        "c e2s",
        "r em",
        "r gone.x.y",
        "a m2s",
        "r m2s.q",
        "a new",
        "a newdeep",
        "a newdeep\\.p.0",
        "c rope",
        "c s2e",
        "r s2m",
        "a s2m.q",
        "c servers.0.host",
        "a servers.0.port",
        "r servers.1.host",
        "r servers.1.port",
        "r t2m2.j",
        "a t2m2.l",
        "c tr.k2",
        "a tr.k3",
    };
    /* newdeep is an empty map on b's side: one leaf, and newdeep.p its
     * sibling key "newdeep.p" (escaped), not a child. */
    size_t nw = sizeof(want) / sizeof(want[0]);
    const char *sorted[32];
    memcpy(sorted, want, sizeof(want));
    for (size_t i = 1; i < nw; i++) /* sort want by path (insertion) */
        for (size_t j = i; j > 0 && strcmp(sorted[j - 1] + 2, sorted[j] + 2) > 0; j--) {
            const char *x = sorted[j];
            sorted[j] = sorted[j - 1];
            sorted[j - 1] = x;
        }
    expect_reps(&rs, sorted, (unsigned)nw);
    const struct rep *r = rep_at(&rs, "e2s");
    CHECK(r->before.type == VCOW_T_MAP && r->before.u.root == NULL && r->after.type == VCOW_T_I64);
    r = rep_at(&rs, "s2e"); /* a scalar, then an empty tree: one leaf changed */
    CHECK(r->how == 'c' && r->before.type == VCOW_T_I64 && r->after.type == VCOW_T_TREE);
    r = rep_at(&rs, "servers.0.host");
    CHECK(bytes_is(r->before, "h0") && bytes_is(r->after, "h1"));
    r = rep_at(&rs, "tr.k2");
    CHECK(r->before.u.i64 == 2 && r->after.u.i64 == 3);
    r = rep_at(&rs, "new");
    CHECK(r->after.type == VCOW_T_ARRAY && r->after.u.root == NULL);
    r = rep_at(&rs, "rope");
    CHECK(r->before.type == VCOW_T_ROPE && r->after.type == VCOW_T_ROPE);

    /* The other way round: every report flips. */
    struct reps back = {0};
    CHECK_OK(vcow_map_diff_deep(b, a, "", rep_fn, &back));
    CHECK_EQ_INT(back.n, nw);

    /* Below a path: keys relative to it; an array by index. */
    memset(&rs, 0, sizeof(rs));
    CHECK_OK(vcow_map_diff_deep(a, b, "accounts", rep_fn, &rs));
    static const char *const acc[] = {"c alice", "r bob", "a carol"};
    expect_reps(&rs, acc, 3);
    memset(&rs, 0, sizeof(rs));
    CHECK_OK(vcow_map_diff_deep(a, b, "servers", rep_fn, &rs));
    static const char *const srv[] = {"c 0.host", "a 0.port", "r 1.host", "r 1.port"};
    expect_reps(&rs, srv, 4);
    /* On views of the two arrays, path "" is the array. */
    vcow_view wa, wb;
    const vcow_version *sa, *sb;
    CHECK_OK(vcow_map_view_path(a, "servers", &wa, &sa));
    CHECK_OK(vcow_map_view_path(b, "servers", &wb, &sb));
    memset(&rs, 0, sizeof(rs));
    CHECK_OK(vcow_map_diff_deep(sa, sb, "", rep_fn, &rs));
    expect_reps(&rs, srv, 4);
    memset(&rs, 0, sizeof(rs));
    CHECK_OK(vcow_map_diff_deep(sa, sb, "1", rep_fn, &rs)); /* only in a */
    static const char *const one[] = {"r host", "r port"};
    expect_reps(&rs, one, 2);
    /* A map on one side only: all its leaves; on neither: VCOW_ENOENT. */
    memset(&rs, 0, sizeof(rs));
    CHECK_OK(vcow_map_diff_deep(a, b, "gone", rep_fn, &rs));
    static const char *const gone[] = {"r x.y"};
    expect_reps(&rs, gone, 1);
    CHECK_RC(vcow_map_diff_deep(a, b, "nowhere", rep_fn, &rs), VCOW_ENOENT);
    CHECK_RC(vcow_map_diff_deep(a, b, "a\\.b", rep_fn, &rs), VCOW_EINVAL); /* a scalar */
    CHECK_RC(vcow_map_diff_deep(a, b, "tr", rep_fn, &rs), VCOW_EINVAL);    /* a tree */
    CHECK_RC(vcow_map_diff_deep(a, b, "s2m", rep_fn, &rs), VCOW_EINVAL);   /* scalar in a */
    /* Shared and equal: nothing. */
    memset(&rs, 0, sizeof(rs));
    CHECK_OK(vcow_map_diff_deep(a, a, "", rep_fn, &rs));
    CHECK_OK(vcow_map_diff_deep(a, b, "same", rep_fn, &rs));
    CHECK_OK(vcow_map_diff_deep(a, b, "m2a", rep_fn, &rs)); /* a map, then an array: same leaves */
    CHECK_EQ_INT(rs.n, 0);
    /* fn stops the walk. */
    memset(&rs, 0, sizeof(rs));
    rs.stop_after = 3;
    CHECK_RC(vcow_map_diff_deep(a, b, "", rep_fn, &rs), 7);
    CHECK_EQ_INT(rs.n, 3);
    /* Bad arguments. */
    CHECK_RC(vcow_map_diff_deep(NULL, b, "", rep_fn, &rs), VCOW_EINVAL);
    CHECK_RC(vcow_map_diff_deep(a, NULL, "", rep_fn, &rs), VCOW_EINVAL);
    CHECK_RC(vcow_map_diff_deep(a, b, NULL, rep_fn, &rs), VCOW_EINVAL);
    CHECK_RC(vcow_map_diff_deep(a, b, "", NULL, &rs), VCOW_EINVAL);
    const vcow_version *trv;
    CHECK_OK(vcow_map_view_path(a, "tr", &wa, &trv));
    CHECK_RC(vcow_map_diff_deep(trv, b, "", rep_fn, &rs), VCOW_EINVAL); /* not a map */

    vcow_version_unpin(a);
    vcow_version_unpin(b);
    CHECK_OK(vcow_cell_close(c));
    test_check_all_freed();
}

/* ---- oom ---- */

/*
 * One write per txn, so that after a failure the txn's content must equal
 * its base (the head). The array is built and then shrunk from the front,
 * the middle and the end, with values of every kind.
 */
static int oom_run(void)
{
    int failures = 0;
    vcow_cell *c;
    struct vcow_cell_opts o = {.size = sizeof(o)};
    if (vcow_cell_open(VCOW_KIND_MAP, &o, &c) != VCOW_OK)
        return 1;
    char big[64];
    fill(big, sizeof(big), 3);
    /* A failed op is tried again (one allocation fails per run). */
    for (int op = 0; op < 64;) {
        uint64_t n = 0;
        if (op > 34) {
            vcow_read_lock();
            vcow_view w;
            const vcow_version *av;
            CHECK_OK(vcow_map_view_path(vcow_cell_head(c), "arr", &w, &av));
            CHECK_OK(vcow_map_len(av, &n));
            vcow_read_unlock();
            if (n == 0)
                break;
        }
        vcow_txn *t;
        int rc = vcow_txn_begin(c, &t);
        if (rc != VCOW_OK) {
            CHECK_RC(rc, VCOW_ENOMEM);
            failures++;
            continue;
        }
        char p[32];
        if (op == 0) {
            rc = vcow_map_set(t, "arr", vcow_val_array());
        } else if (op < 30) {
            /* Element op - 1: maps at 1, 5, 9, ...; trees at 2, 6, ... */
            vcow_val v = op % 4 == 0   ? vcow_val_i64(op)
                         : op % 4 == 1 ? vcow_val_bytes(big, 20 + (size_t)op % 12)
                         : op % 4 == 2 ? vcow_val_map()
                                       : vcow_val_tree();
            rc = vcow_map_set_path(t, "arr.-", v);
        } else if (op < 34) {
            snprintf(p, sizeof(p), "arr.%d.x", (op - 30) * 4 + 1); /* into a map element */
            rc = vcow_map_set_path(t, p, vcow_val_bytes(big, 40));
        } else if (op == 34) {
            rc = vcow_map_enter(t, "arr.1", VCOW_KIND_MAP);
            if (rc == VCOW_OK) {
                rc = vcow_map_clear(t);
                CHECK_OK(vcow_txn_leave(t));
            }
        } else {
            uint64_t i = op % 3 == 0 ? 0 : op % 3 == 1 ? n / 2 : n - 1;
            snprintf(p, sizeof(p), "arr.%llu", (unsigned long long)i);
            rc = vcow_map_del_path(t, p);
        }
        if (rc == VCOW_OK) {
            CHECK_OK(vcow_map_check(vcow_txn_view(t)));
            rc = vcow_txn_commit(t);
        } else {
            CHECK_RC(rc, VCOW_ENOMEM);
            bool eq = false;
            vcow_read_lock();
            CHECK_OK(vcow_map_equal(vcow_txn_view(t), vcow_cell_head(c), &eq));
            vcow_read_unlock();
            CHECK(eq); /* the failed write changed no content */
            CHECK_OK(vcow_map_check(vcow_txn_view(t)));
        }
        if (rc != VCOW_OK) {
            CHECK_RC(rc, VCOW_ENOMEM);
            failures++;
            vcow_txn_abort(t);
        } else {
            op++;
        }
        vcow_txn_free(t);
        vcow_read_lock();
        CHECK_OK(vcow_map_check(vcow_cell_head(c)));
        vcow_read_unlock();
    }
    CHECK_OK(vcow_cell_close(c));
    return failures;
}

/* test_oom_sweep stops at the first k whose run sees no failure, but one
 * allocation here fails unseen (one the runtime copes with: k = 7, early
 * on), so sweep on until 64 runs in a row saw none. */
static void test_oom(void)
{
    long k, quiet = 0, failed = 0;
    for (k = 1; quiet < 64; k++) {
        vcow_debug_fail_alloc(k, false);
        int failures = oom_run();
        vcow_debug_fail_alloc(0, false);
        test_check_all_freed();
        quiet = failures == 0 ? quiet + 1 : 0;
        failed += failures != 0;
    }
    printf("oom: %ld of %ld allocations failed in turn were seen\n", failed, k - 1 - 64);
    CHECK(failed > 200);
}

/* ---- model ---- */

/* A model value: a scalar, bytes, or a map / array of model values. */
struct mv {
    enum vcow_type type; /* VCOW_T_I64, _BYTES, _MAP or _ARRAY */
    int64_t i;
    char *b;
    size_t blen;
    unsigned n, cap;
    char **keys; /* a map's keys (C strings: the alphabet has no NUL) */
    struct mv **kid;
};

static struct mv *mv_new(enum vcow_type type)
{
    struct mv *m = calloc(1, sizeof(*m));
    CHECK(m != NULL);
    m->type = type;
    return m;
}

static void mv_free(struct mv *m)
{
    if (m == NULL)
        return;
    for (unsigned j = 0; j < m->n; j++) {
        mv_free(m->kid[j]);
        if (m->keys != NULL)
            free(m->keys[j]);
    }
    free(m->kid);
    free(m->keys);
    free(m->b);
    free(m);
}

static void mv_clear(struct mv *m)
{
    for (unsigned j = 0; j < m->n; j++) {
        mv_free(m->kid[j]);
        if (m->keys != NULL)
            free(m->keys[j]);
    }
    m->n = 0;
}

static struct mv *mv_copy(const struct mv *m)
{
    struct mv *c = mv_new(m->type);
    c->i = m->i;
    c->blen = m->blen;
    if (m->b != NULL) {
        c->b = malloc(m->blen + 1);
        memcpy(c->b, m->b, m->blen);
    }
    c->n = c->cap = m->n;
    if (m->n != 0) {
        c->kid = malloc(m->n * sizeof(*c->kid));
        if (m->type == VCOW_T_MAP)
            c->keys = malloc(m->n * sizeof(*c->keys));
    }
    for (unsigned j = 0; j < m->n; j++) {
        c->kid[j] = mv_copy(m->kid[j]);
        if (m->type == VCOW_T_MAP)
            c->keys[j] = strdup(m->keys[j]);
    }
    return c;
}

/* Append a child (key NULL in an array). */
static void mv_add(struct mv *c, const char *key, struct mv *v)
{
    if (c->n == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 4;
        c->kid = realloc(c->kid, c->cap * sizeof(*c->kid));
        if (c->type == VCOW_T_MAP)
            c->keys = realloc(c->keys, c->cap * sizeof(*c->keys));
    }
    if (c->type == VCOW_T_MAP)
        c->keys[c->n] = strdup(key);
    c->kid[c->n++] = v;
}

static int mv_find(const struct mv *c, const char *key)
{
    for (unsigned j = 0; j < c->n; j++)
        if (strcmp(c->keys[j], key) == 0)
            return (int)j;
    return -1;
}

/* Remove child j; later children move down (an array stays dense). */
static void mv_remove(struct mv *c, unsigned j)
{
    mv_free(c->kid[j]);
    if (c->type == VCOW_T_MAP)
        free(c->keys[j]);
    for (unsigned k = j; k + 1 < c->n; k++) {
        c->kid[k] = c->kid[k + 1];
        if (c->type == VCOW_T_MAP)
            c->keys[k] = c->keys[k + 1];
    }
    c->n--;
}

static bool mv_container(const struct mv *m)
{
    return m->type == VCOW_T_MAP || m->type == VCOW_T_ARRAY;
}

static bool mv_equal(const struct mv *a, const struct mv *b)
{
    if (a->type != b->type)
        return false;
    if (a->type == VCOW_T_I64)
        return a->i == b->i;
    if (a->type == VCOW_T_BYTES)
        return a->blen == b->blen && (a->blen == 0 || memcmp(a->b, b->b, a->blen) == 0);
    if (a->n != b->n)
        return false;
    for (unsigned j = 0; j < a->n; j++) {
        int k = a->type == VCOW_T_MAP ? mv_find(b, a->keys[j]) : (int)j;
        if (k < 0 || !mv_equal(a->kid[j], b->kid[k]))
            return false;
    }
    return true;
}

/* The test's own reading of an array segment: 0 bad, 1 "-", 2 an index. */
static int tparse(const char *s, uint64_t *out)
{
    if (strcmp(s, "-") == 0)
        return 1;
    size_t len = strlen(s);
    if (len == 0 || len > 18 || (s[0] == '0' && len > 1))
        return 0;
    uint64_t x = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        x = x * 10 + (uint64_t)(s[i] - '0');
    }
    *out = x;
    return 2;
}

/* Maps holding segs[0..n-1] -> val, one inside the other. */
static struct mv *chain(const char *const *segs, unsigned n, const struct mv *val)
{
    struct mv *m = mv_new(VCOW_T_MAP);
    mv_add(m, segs[0], n == 1 ? mv_copy(val) : chain(segs + 1, n - 1, val));
    return m;
}

/*
 * The model's answer to a path op on root (what vcow/map.h says): `op` is
 * 's'et (val), 'd'elete or 'g'et (*out).
 */
static int m_path(struct mv *root, const char *const *segs, unsigned n, char op,
                  const struct mv *val, struct mv **out)
{
    struct mv *c = root;
    for (unsigned i = 0; i < n; i++) {
        bool last = i + 1 == n;
        int j;
        if (c->type == VCOW_T_MAP) {
            j = mv_find(c, segs[i]);
            if (j < 0 && op == 's') {
                mv_add(c, segs[i], last ? mv_copy(val) : chain(segs + i + 1, n - i - 1, val));
                return VCOW_OK;
            }
            if (j < 0)
                return VCOW_ENOENT;
        } else {
            uint64_t x = 0;
            int r = tparse(segs[i], &x);
            if (r == 0)
                return VCOW_EINVAL;
            if (r == 1)
                x = c->n;
            if (op != 's' && x >= c->n)
                return VCOW_ENOENT;
            if (x > c->n)
                return VCOW_ERANGE;
            if (x == c->n) {
                mv_add(c, NULL, last ? mv_copy(val) : chain(segs + i + 1, n - i - 1, val));
                return VCOW_OK;
            }
            j = (int)x;
        }
        if (last) {
            if (op == 's') {
                mv_free(c->kid[j]);
                c->kid[j] = mv_copy(val);
            } else if (op == 'd') {
                mv_remove(c, (unsigned)j);
            } else {
                *out = c->kid[j];
            }
            return VCOW_OK;
        }
        if (!mv_container(c->kid[j]))
            return VCOW_EINVAL;
        c = c->kid[j];
    }
    return VCOW_EINVAL; /* no segments */
}

/* ---- escaped paths, the test's own way ---- */

static size_t tesc(const char *key, size_t klen, char *out)
{
    size_t n = 0;
    for (size_t i = 0; i < klen; i++) {
        if (key[i] == '.' || key[i] == '\\')
            out[n++] = '\\';
        out[n++] = key[i];
    }
    out[n] = '\0';
    return n;
}

static void join(const char *const *segs, unsigned n, char *out)
{
    size_t len = 0;
    out[0] = '\0';
    for (unsigned i = 0; i < n; i++) {
        if (i > 0)
            out[len++] = '.';
        len += tesc(segs[i], strlen(segs[i]), out + len);
    }
}

/* ---- leaves ---- */

struct leaf {
    char *path;
    size_t plen;
    enum vcow_type type; /* a scalar, bytes, or an empty map or array */
    int64_t i;
    char *b;
    size_t blen;
};

struct leaves {
    struct leaf *v;
    unsigned n, cap;
};

static void leaf_add(struct leaves *l, const char *path, size_t plen, enum vcow_type type,
                     int64_t i, const void *b, size_t blen)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 32;
        l->v = realloc(l->v, l->cap * sizeof(*l->v));
    }
    struct leaf *f = &l->v[l->n++];
    f->path = malloc(plen + 1);
    memcpy(f->path, path, plen);
    f->path[plen] = '\0';
    f->plen = plen;
    f->type = type;
    f->i = i;
    f->b = malloc(blen + 1);
    if (blen != 0)
        memcpy(f->b, b, blen);
    f->blen = blen;
}

static void leaves_free(struct leaves *l)
{
    for (unsigned i = 0; i < l->n; i++) {
        free(l->v[i].path);
        free(l->v[i].b);
    }
    free(l->v);
    memset(l, 0, sizeof(*l));
}

static int path_cmp(const char *a, size_t al, const char *b, size_t bl)
{
    int c = memcmp(a, b, al < bl ? al : bl);
    return c != 0 ? c : (al > bl) - (al < bl);
}

static int leaf_cmp(const void *x, const void *y)
{
    const struct leaf *a = x, *b = y;
    return path_cmp(a->path, a->plen, b->path, b->plen);
}

static void sort_leaves(struct leaves *l)
{
    if (l->n > 0) /* qsort's base must not be NULL */
        qsort(l->v, l->n, sizeof(l->v[0]), leaf_cmp);
}

static bool leaf_eq(const struct leaf *a, const struct leaf *b)
{
    return a->type == b->type && a->i == b->i && a->blen == b->blen &&
           (a->blen == 0 || memcmp(a->b, b->b, a->blen) == 0);
}

static void leaf_of_val(struct leaves *l, const char *path, size_t plen, const vcow_val *v)
{
    CHECK(v->type == VCOW_T_I64 || v->type == VCOW_T_BYTES ||
          ((v->type == VCOW_T_MAP || v->type == VCOW_T_ARRAY) && v->u.root == NULL));
    if (v->type == VCOW_T_BYTES)
        leaf_add(l, path, plen, v->type, 0, v->u.bytes.ptr, v->u.bytes.len);
    else
        leaf_add(l, path, plen, v->type, v->type == VCOW_T_I64 ? v->u.i64 : 0, NULL, 0);
}

/* The model's leaves under container c, paths after prefix. */
static void flat_model(const struct mv *c, char *prefix, size_t plen, struct leaves *out)
{
    for (unsigned j = 0; j < c->n; j++) {
        char ib[24];
        const char *key = ib;
        if (c->type == VCOW_T_MAP)
            key = c->keys[j];
        else
            snprintf(ib, sizeof(ib), "%u", j);
        size_t len = plen;
        if (len > 0)
            prefix[len++] = '.';
        len += tesc(key, strlen(key), prefix + len);
        const struct mv *k = c->kid[j];
        if (mv_container(k) && k->n > 0)
            flat_model(k, prefix, len, out);
        else
            leaf_add(out, prefix, len, k->type, k->i, k->b, k->blen);
        prefix[plen] = '\0';
    }
}

/* The version's leaves, read through iteration and views (an array's
 * elements must come in index order). */
struct flat {
    struct leaves *out;
    const vcow_version *v;
    char *prefix;
    size_t plen;
    bool array;
    uint64_t next;
};

static int flat_fn(vcow_slice key, const vcow_val *val, void *ctx)
{
    struct flat *f = ctx;
    if (f->array) {
        char want[24];
        int wl = snprintf(want, sizeof(want), "%llu", (unsigned long long)f->next++);
        CHECK(key.len == (size_t)wl && memcmp(key.ptr, want, key.len) == 0);
    }
    size_t len = f->plen;
    if (len > 0)
        f->prefix[len++] = '.';
    len += tesc(key.ptr, key.len, f->prefix + len);
    if ((val->type == VCOW_T_MAP || val->type == VCOW_T_ARRAY) && val->u.root != NULL) {
        vcow_view w;
        struct flat sub = {f->out, vcow_view_of(&w, f->v, *val), f->prefix,
                           len,    val->type == VCOW_T_ARRAY,    0};
        CHECK(sub.v != NULL);
        CHECK_OK(vcow_map_iter(sub.v, flat_fn, &sub));
        uint64_t n = 0;
        CHECK_OK(vcow_map_len(sub.v, &n));
        CHECK(!sub.array || sub.next == n);
    } else {
        leaf_of_val(f->out, f->prefix, len, val);
    }
    f->prefix[f->plen] = '\0';
    return 0;
}

static void flat_version(const vcow_version *v, struct leaves *out)
{
    char prefix[2048] = "";
    struct flat f = {out, v, prefix, 0, false, 0};
    CHECK_OK(vcow_map_iter(v, flat_fn, &f));
}

/* ---- diffs ---- */

struct drec {
    struct leaves before, after; /* one leaf each, or none */
    char *path;
    size_t plen;
};

struct drecs {
    struct drec *v;
    unsigned n, cap;
};

static void drec_add(struct drecs *d, const char *path, size_t plen, const struct leaf *before,
                     const struct leaf *after)
{
    if (d->n == d->cap) {
        d->cap = d->cap ? 2 * d->cap : 32;
        d->v = realloc(d->v, d->cap * sizeof(*d->v));
    }
    struct drec *r = &d->v[d->n++];
    memset(r, 0, sizeof(*r));
    r->path = malloc(plen + 1);
    memcpy(r->path, path, plen);
    r->path[plen] = '\0';
    r->plen = plen;
    if (before != NULL)
        leaf_add(&r->before, path, plen, before->type, before->i, before->b, before->blen);
    if (after != NULL)
        leaf_add(&r->after, path, plen, after->type, after->i, after->b, after->blen);
}

static void drecs_free(struct drecs *d)
{
    for (unsigned i = 0; i < d->n; i++) {
        free(d->v[i].path);
        leaves_free(&d->v[i].before);
        leaves_free(&d->v[i].after);
    }
    free(d->v);
    memset(d, 0, sizeof(*d));
}

static int drec_cmp(const void *x, const void *y)
{
    const struct drec *a = x, *b = y;
    return path_cmp(a->path, a->plen, b->path, b->plen);
}

/* The model's leaf diff of two sorted leaf lists. */
static void leaf_diff(const struct leaves *a, const struct leaves *b, struct drecs *out)
{
    unsigned i = 0, j = 0;
    while (i < a->n || j < b->n) {
        int c = i == a->n   ? 1
                : j == b->n ? -1
                            : path_cmp(a->v[i].path, a->v[i].plen, b->v[j].path, b->v[j].plen);
        if (c < 0) {
            drec_add(out, a->v[i].path, a->v[i].plen, &a->v[i], NULL);
            i++;
        } else if (c > 0) {
            drec_add(out, b->v[j].path, b->v[j].plen, NULL, &b->v[j]);
            j++;
        } else {
            if (!leaf_eq(&a->v[i], &b->v[j]))
                drec_add(out, a->v[i].path, a->v[i].plen, &a->v[i], &b->v[j]);
            i++;
            j++;
        }
    }
}

static int drec_fn(vcow_slice key, const vcow_val *before, const vcow_val *after, void *ctx)
{
    struct drecs *d = ctx;
    CHECK(before != NULL || after != NULL);
    CHECK(((const char *)key.ptr)[key.len] == '\0');
    struct leaves lb = {0}, la = {0};
    if (before != NULL)
        leaf_of_val(&lb, key.ptr, key.len, before);
    if (after != NULL)
        leaf_of_val(&la, key.ptr, key.len, after);
    drec_add(d, key.ptr, key.len, before != NULL ? &lb.v[0] : NULL,
             after != NULL ? &la.v[0] : NULL);
    leaves_free(&lb);
    leaves_free(&la);
    return 0;
}

static void expect_drecs(struct drecs *got, struct drecs *want)
{
    if (got->n > 0) /* qsort's base must not be NULL */
        qsort(got->v, got->n, sizeof(got->v[0]), drec_cmp);
    bool ok = got->n == want->n;
    for (unsigned i = 0; ok && i < got->n; i++) {
        const struct drec *g = &got->v[i], *w = &want->v[i];
        ok = path_cmp(g->path, g->plen, w->path, w->plen) == 0 && g->before.n == w->before.n &&
             g->after.n == w->after.n &&
             (g->before.n == 0 || leaf_eq(&g->before.v[0], &w->before.v[0])) &&
             (g->after.n == 0 || leaf_eq(&g->after.v[0], &w->after.v[0]));
    }
    if (!ok) {
        for (unsigned i = 0; i < got->n; i++)
            fprintf(stderr, "  got  %s%s %s\n", got->v[i].before.n ? "-" : " ",
                    got->v[i].after.n ? "+" : " ", got->v[i].path);
        for (unsigned i = 0; i < want->n; i++)
            fprintf(stderr, "  want %s%s %s\n", want->v[i].before.n ? "-" : " ",
                    want->v[i].after.n ? "+" : " ", want->v[i].path);
    }
    CHECK(ok);
}

/* ---- the random walk ---- */

/* Map keys: dots, backslashes, digits, "-", one blob key. */
static const char *const alphabet[] = {
    "a", "b", "k.x", "p\\q", "0", "10", "-", "a.b.c", "\\", "zz", "a key longer than fifteen",
};
#define NALPHA (sizeof(alphabet) / sizeof(alphabet[0]))
static const char *const bad_index[] = {"01", "-1", "x", "1a", "00"};

struct walk {
    const char *segs[10];
    char ibuf[10][24];
    unsigned n;
};

/* A random path from container c: mostly to things that exist, sometimes
 * past them (new keys, chains), to bad or out-of-range indices, or through
 * scalars. */
static void gen_path(const struct mv *c, unsigned long long *rs, struct walk *w)
{
    w->n = 0;
    for (;;) {
        unsigned r = (unsigned)(test_rand(rs) % 100);
        const char *seg;
        const struct mv *child = NULL;
        if (c->type == VCOW_T_MAP) {
            if (c->n > 0 && r < 60) {
                unsigned j = (unsigned)(test_rand(rs) % c->n);
                seg = c->keys[j];
                child = c->kid[j];
            } else {
                seg = alphabet[test_rand(rs) % NALPHA];
                int j = mv_find(c, seg);
                child = j >= 0 ? c->kid[j] : NULL;
            }
        } else {
            char *ib = w->ibuf[w->n];
            if (r < 60 && c->n > 0) {
                unsigned j = (unsigned)(test_rand(rs) % c->n);
                snprintf(ib, 24, "%u", j);
                child = c->kid[j];
            } else if (r < 78) {
                snprintf(ib, 24, "%u", c->n);
            } else if (r < 90) {
                strcpy(ib, "-");
            } else if (r < 95) {
                snprintf(ib, 24, "%u", c->n + 1 + (unsigned)(test_rand(rs) % 3));
            } else {
                strcpy(ib, bad_index[test_rand(rs) % 5]);
            }
            seg = ib;
        }
        w->segs[w->n++] = seg;
        /* Mostly on into a structure: writes then grow it rather than
         * replace it. */
        if (child != NULL && mv_container(child) && w->n < 7 &&
            test_rand(rs) % 32 < (child->n > 0 ? 31u : 24u)) {
            c = child;
            continue;
        }
        if (test_rand(rs) % 6 == 0) /* past the end: a chain, or through a scalar */
            for (unsigned k = 1 + (unsigned)(test_rand(rs) % 2); k > 0 && w->n < 10; k--)
                w->segs[w->n++] = alphabet[test_rand(rs) % NALPHA];
        return;
    }
}

static const size_t byte_lens[] = {0, 1, 7, 14, 15, 16, 22, 26, 27, 28, 29, 30, 33, 45, 80};

/* A random value to set, and its model. */
static struct mv *gen_val(unsigned long long *rs, char *buf, vcow_val *out)
{
    unsigned r = (unsigned)(test_rand(rs) % 12);
    struct mv *m;
    if (r < 4) {
        m = mv_new(VCOW_T_I64);
        m->i = (int64_t)(test_rand(rs) % 1000) - 500;
        *out = vcow_val_i64(m->i);
    } else if (r < 8) {
        m = mv_new(VCOW_T_BYTES);
        m->blen = byte_lens[test_rand(rs) % (sizeof(byte_lens) / sizeof(byte_lens[0]))];
        fill(buf, m->blen, (char)(test_rand(rs) % 26));
        m->b = malloc(m->blen + 1);
        memcpy(m->b, buf, m->blen);
        *out = vcow_val_bytes(buf, m->blen);
    } else {
        m = mv_new(r < 10 ? VCOW_T_MAP : VCOW_T_ARRAY);
        *out = r < 10 ? vcow_val_map() : vcow_val_array();
    }
    return m;
}

static bool val_is(const vcow_val *v, const struct mv *m)
{
    if (v->type != m->type)
        return false;
    switch (m->type) {
    case VCOW_T_I64:
        return v->u.i64 == m->i;
    case VCOW_T_BYTES:
        return v->u.bytes.len == m->blen &&
               (m->blen == 0 || memcmp(v->u.bytes.ptr, m->b, m->blen) == 0);
    default:
        return (v->u.root == NULL) == (m->n == 0);
    }
}

static unsigned count_leaves(const struct mv *m)
{
    if (!mv_container(m) || m->n == 0)
        return 1;
    unsigned n = 0;
    for (unsigned j = 0; j < m->n; j++)
        n += count_leaves(m->kid[j]);
    return n;
}

/* Count the containers of type `want` below c (not c itself); with
 * pick < that count, stop at the pick-th and leave its path in w. */
static const struct mv *find_nth(const struct mv *c, enum vcow_type want, long *pick,
                                 struct walk *w, unsigned depth)
{
    for (unsigned j = 0; j < c->n && depth < 9; j++) {
        const struct mv *k = c->kid[j];
        if (!mv_container(k))
            continue;
        if (c->type == VCOW_T_MAP) {
            w->segs[depth] = c->keys[j];
        } else {
            snprintf(w->ibuf[depth], 24, "%u", j);
            w->segs[depth] = w->ibuf[depth];
        }
        if (k->type == want && (*pick)-- == 0) {
            w->n = depth + 1;
            return k;
        }
        const struct mv *f = find_nth(k, want, pick, w, depth + 1);
        if (f != NULL)
            return f;
    }
    return NULL;
}

/* A random container of type want below c (not c), and its path in w;
 * NULL if there is none. */
static const struct mv *pick_container(const struct mv *c, unsigned long long *rs, struct walk *w,
                                       enum vcow_type want)
{
    long n = LONG_MAX;
    find_nth(c, want, &n, w, 0);
    n = LONG_MAX - n;
    if (n == 0)
        return NULL;
    long pick = (long)(test_rand(rs) % (unsigned long long)n);
    return find_nth(c, want, &pick, w, 0);
}

/* What the random walk reached, to see it covers the cases. */
static struct {
    long rc[8];     /* set / delete results: OK, ENOENT, EINVAL, ERANGE */
    long shifts;    /* deletes of an array element before the last */
    long max_array; /* the longest array seen */
    long leaves;    /* summed over commits */
    long commits;
    long diff_reports;
} st;

static int rc_slot(int rc)
{
    return rc == VCOW_OK       ? 0
           : rc == VCOW_ENOENT ? 1
           : rc == VCOW_EINVAL ? 2
           : rc == VCOW_ERANGE ? 3
                               : 4;
}

/* Note arrays' lengths; a delete at a shifting index. */
static void note_arrays(const struct mv *m)
{
    if (m->type == VCOW_T_ARRAY && (long)m->n > st.max_array)
        st.max_array = m->n;
    for (unsigned j = 0; mv_container(m) && j < m->n; j++)
        note_arrays(m->kid[j]);
}

/* One set or delete through a path from the txn's current map, whose
 * model is m; checked against the model. */
static void step_path(vcow_txn *t, struct mv *m, unsigned long long *rs, bool del)
{
    struct walk w;
    char path[1024], buf[128];
    gen_path(m, rs, &w);
    join(w.segs, w.n, path);
    if (del) {
        if (w.n >= 2) { /* an array element before the last? */
            struct mv *parent = NULL;
            uint64_t x = 0;
            if (m_path(m, w.segs, w.n - 1, 'g', NULL, &parent) == VCOW_OK &&
                parent->type == VCOW_T_ARRAY && tparse(w.segs[w.n - 1], &x) == 2 &&
                x + 1 < parent->n)
                st.shifts++;
        }
        int want = m_path(m, w.segs, w.n, 'd', NULL, NULL);
        st.rc[rc_slot(want)]++;
        CHECK_RC(vcow_map_del_path(t, path), want);
        return;
    }
    vcow_val v;
    struct mv *val = gen_val(rs, buf, &v);
    int want = m_path(m, w.segs, w.n, 's', val, NULL);
    st.rc[rc_slot(want)]++;
    int rc = vcow_map_set_path(t, path, v);
    if (rc != want)
        fprintf(stderr, "set_path %s: %d, model %d\n", path, rc, want);
    CHECK_EQ_INT(rc, want);
    mv_free(val);
}

/* Append to, or delete an element of, a random array below m (one made
 * at the top when none is met), so that arrays grow long and deletes move
 * many elements. */
static void step_array(vcow_txn *t, struct mv *m, unsigned long long *rs, bool del)
{
    struct walk w;
    char path[1024], buf[128];
    struct mv *arr = (struct mv *)pick_container(m, rs, &w, VCOW_T_ARRAY);
    if (arr == NULL || test_rand(rs) % 16 == 0) { /* a new one at the top */
        const char *key = alphabet[test_rand(rs) % NALPHA];
        if (mv_find(m, key) >= 0)
            return;
        struct mv empty = {.type = VCOW_T_ARRAY};
        CHECK_OK(m_path(m, &key, 1, 's', &empty, NULL));
        CHECK_OK(vcow_map_set(t, key, vcow_val_array()));
        return;
    }
    if (del && arr->n == 0)
        return;
    uint64_t i = del ? test_rand(rs) % arr->n : arr->n;
    if (del && test_rand(rs) % 2)
        i = test_rand(rs) % (arr->n < 3 ? arr->n : 3); /* near the front: long shifts */
    snprintf(w.ibuf[w.n], 24, "%llu", (unsigned long long)i);
    if (!del && test_rand(rs) % 2)
        strcpy(w.ibuf[w.n], "-");
    w.segs[w.n] = w.ibuf[w.n];
    w.n++;
    join(w.segs, w.n, path);
    if (del) {
        st.shifts += i + 1 < arr->n;
        st.rc[0]++;
        CHECK_OK(m_path(m, w.segs, w.n, 'd', NULL, NULL));
        CHECK_OK(vcow_map_del_path(t, path));
        return;
    }
    vcow_val v;
    struct mv *val = gen_val(rs, buf, &v);
    st.rc[0]++;
    CHECK_OK(m_path(m, w.segs, w.n, 's', val, NULL));
    CHECK_OK(vcow_map_set_path(t, path, v));
    mv_free(val);
}

/* Reads through random paths of the txn's current map agree with m. */
static void check_reads(const vcow_version *v, struct mv *m, unsigned long long *rs)
{
    for (int k = 0; k < 2; k++) {
        struct walk w;
        char path[1024];
        gen_path(m, rs, &w);
        join(w.segs, w.n, path);
        struct mv *want = NULL;
        int wrc = m_path(m, w.segs, w.n, 'g', NULL, &want);
        vcow_val x;
        int rc = vcow_map_get_path(v, path, &x);
        if (rc != wrc)
            fprintf(stderr, "get_path %s: %d, model %d\n", path, rc, wrc);
        CHECK_EQ_INT(rc, wrc);
        if (rc != VCOW_OK)
            continue;
        CHECK(val_is(&x, want));
        if (!mv_container(want))
            continue;
        /* Its length, through a view, and its iteration order. */
        vcow_view vw;
        const vcow_version *sub;
        CHECK_OK(vcow_map_view_path(v, path, &vw, &sub));
        CHECK_EQ_INT(len_of(sub), want->n);
        struct leaves got = {0};
        char prefix[2048] = "";
        struct flat f = {&got, v, prefix, 0, want->type == VCOW_T_ARRAY, 0};
        CHECK_OK(vcow_map_iter_path(v, path, flat_fn, &f));
        struct leaves exp = {0};
        flat_model(want, prefix, 0, &exp);
        sort_leaves(&got);
        sort_leaves(&exp);
        CHECK_EQ_INT(got.n, exp.n);
        for (unsigned i = 0; i < got.n; i++)
            CHECK(leaf_cmp(&got.v[i], &exp.v[i]) == 0 && leaf_eq(&got.v[i], &exp.v[i]));
        leaves_free(&got);
        leaves_free(&exp);
    }
}

/* Every leaf of the version is the model's. */
static void check_all(const vcow_version *v, const struct mv *m)
{
    struct leaves got = {0}, exp = {0};
    char prefix[2048] = "";
    flat_version(v, &got);
    flat_model(m, prefix, 0, &exp);
    sort_leaves(&got);
    sort_leaves(&exp);
    CHECK_EQ_INT(got.n, exp.n);
    for (unsigned i = 0; i < got.n; i++)
        CHECK(leaf_cmp(&got.v[i], &exp.v[i]) == 0 && leaf_eq(&got.v[i], &exp.v[i]));
    CHECK_EQ_INT(len_of(v), m->n);
    CHECK_OK(vcow_map_check(v));
    leaves_free(&got);
    leaves_free(&exp);
}

#define RING 6

struct snap {
    vcow_version *pin;
    struct mv *m;
};

/* The model's side of vcow_map_diff_deep at a one-key path (or ""): its
 * leaves relative to the path, or the error the call must give. */
static int model_side(const struct mv *m, const char *key, struct leaves *out, bool *present)
{
    char prefix[2048] = "";
    *present = true;
    if (key != NULL) {
        int j = mv_find(m, key);
        if (j < 0) {
            *present = false;
            return VCOW_OK;
        }
        m = m->kid[j];
        if (!mv_container(m))
            return VCOW_EINVAL;
    }
    flat_model(m, prefix, 0, out);
    sort_leaves(out);
    return VCOW_OK;
}

static void check_deep(const struct snap *a, const struct snap *b, unsigned long long *rs)
{
    const char *key = NULL;
    char path[128] = "";
    if (test_rand(rs) % 3 == 0) {
        const struct mv *m = test_rand(rs) % 2 ? a->m : b->m;
        key = m->n > 0 ? m->keys[test_rand(rs) % m->n] : alphabet[test_rand(rs) % NALPHA];
        tesc(key, strlen(key), path);
    }
    struct leaves la = {0}, lb = {0};
    bool pa, pb;
    int ra = model_side(a->m, key, &la, &pa), rb = model_side(b->m, key, &lb, &pb);
    int want = ra != VCOW_OK ? ra : rb != VCOW_OK ? rb : !pa && !pb ? VCOW_ENOENT : VCOW_OK;
    struct drecs got = {0}, exp = {0};
    CHECK_RC(vcow_map_diff_deep(a->pin, b->pin, path, drec_fn, &got), want);
    if (want == VCOW_OK) {
        leaf_diff(&la, &lb, &exp);
        expect_drecs(&got, &exp);
        st.diff_reports += got.n;
    }
    bool eq = false;
    CHECK_OK(vcow_map_equal(a->pin, b->pin, &eq));
    CHECK(eq == mv_equal(a->m, b->m));
    leaves_free(&la);
    leaves_free(&lb);
    drecs_free(&got);
    drecs_free(&exp);
}

static long model_seed(unsigned long long seed, long nops)
{
    unsigned long long rs = seed * 0x9E3779B97F4A7C15ull + 1;
    vcow_cell *c = open_map();
    struct mv *committed = mv_new(VCOW_T_MAP);
    struct snap ring[RING];
    unsigned nring = 0, ring_next = 0;
    long ops = 0;
    while (ops < nops) {
        vcow_txn *t;
        CHECK_OK(vcow_txn_begin(c, &t));
        struct mv *m = mv_copy(committed);
        const vcow_version *tv = vcow_txn_view(t);
        unsigned nstep = 1 + (unsigned)(test_rand(&rs) % 8);
        for (unsigned s = 0; s < nstep; s++, ops++) {
            unsigned leaves = count_leaves(m);
            unsigned r = (unsigned)(test_rand(&rs) % 100);
            if (leaves > 160 && r < 3) {
                CHECK_OK(vcow_map_clear(t));
                mv_clear(m);
            } else if (r < (leaves > 150 ? 50u : leaves > 60 ? 30u : 12u)) {
                step_path(t, m, &rs, true);
            } else if (r < 70) {
                step_path(t, m, &rs, false);
            } else if (r < 88) {
                step_array(t, m, &rs, r < 76);
            } else if (r < 97) {
                /* Enter a nested map (in arrays too), write in it, leave. */
                struct walk w;
                char path[1024];
                struct mv *sub = (struct mv *)pick_container(m, &rs, &w, VCOW_T_MAP);
                if (sub == NULL)
                    continue;
                join(w.segs, w.n, path);
                CHECK_OK(vcow_map_enter(t, path, VCOW_KIND_MAP));
                for (unsigned k = (unsigned)(test_rand(&rs) % 4); k > 0; k--, ops++) {
                    if (test_rand(&rs) % 12 == 0) {
                        CHECK_OK(vcow_map_clear(t));
                        mv_clear(sub);
                    } else {
                        step_path(t, sub, &rs, test_rand(&rs) % 3 == 0);
                    }
                }
                CHECK_EQ_INT(len_of(tv), sub->n);
                check_reads(tv, sub, &rs);
                CHECK_OK(vcow_txn_leave(t));
            } else {
                /* An array is no map to enter. */
                struct walk w;
                char path[1024];
                if (pick_container(m, &rs, &w, VCOW_T_ARRAY) == NULL)
                    continue;
                join(w.segs, w.n, path);
                CHECK_RC(vcow_map_enter(t, path, VCOW_KIND_MAP), VCOW_EINVAL);
            }
            check_reads(tv, m, &rs);
        }
        if (test_rand(&rs) % 10 == 0) {
            CHECK_OK(vcow_txn_abort(t));
            vcow_txn_free(t);
            mv_free(m);
            continue;
        }
        CHECK_OK(vcow_txn_commit(t));
        vcow_txn_free(t);
        mv_free(committed);
        committed = m;
        /* The head, in full; a copy out by path. */
        struct snap *sn = &ring[ring_next];
        if (nring == RING) {
            vcow_version_unpin(sn->pin);
            mv_free(sn->m);
        } else {
            nring++;
        }
        ring_next = (ring_next + 1) % RING;
        CHECK_OK(vcow_cell_pin_head(c, &sn->pin));
        sn->m = mv_copy(committed);
        check_all(sn->pin, committed);
        st.commits++;
        st.leaves += count_leaves(committed);
        note_arrays(committed);
        struct walk w;
        char path[1024], buf[128];
        gen_path(committed, &rs, &w);
        join(w.segs, w.n, path);
        struct mv *want = NULL;
        int wrc = m_path(committed, w.segs, w.n, 'g', NULL, &want);
        vcow_val x;
        size_t cap = test_rand(&rs) % 90;
        int rc = vcow_map_cell_get_path(c, path, &x, buf, cap);
        if (wrc == VCOW_OK && want->type == VCOW_T_BYTES && want->blen + 1 > cap)
            wrc = VCOW_ERANGE;
        CHECK_EQ_INT(rc, wrc);
        if (rc == VCOW_OK) {
            CHECK(x.type == want->type);
            if (want->type == VCOW_T_BYTES)
                CHECK(x.u.bytes.ptr == buf && val_is(&x, want) && buf[want->blen] == '\0');
            else if (want->type == VCOW_T_I64)
                CHECK(x.u.i64 == want->i);
            else
                CHECK(x.u.root == NULL);
        }
        /* Deep diffs between committed versions. */
        check_deep(&ring[test_rand(&rs) % nring], &ring[test_rand(&rs) % nring], &rs);
    }
    for (unsigned i = 0; i < nring; i++) {
        vcow_version_unpin(ring[i].pin);
        mv_free(ring[i].m);
    }
    mv_free(committed);
    CHECK_OK(vcow_cell_close(c));
    test_check_all_freed();
    return ops;
}

static void test_model(long nops, int seeds)
{
    double t0 = test_now();
    long total = 0;
    for (int s = 0; s < seeds; s++)
        total += model_seed((unsigned long long)s + 1, nops);
    printf("model: %ld ops in %.1f s; set/del OK %ld, ENOENT %ld, EINVAL %ld, ERANGE %ld; "
           "%ld shifting deletes; longest array %ld; %ld commits of %.1f leaves on average; "
           "%ld deep diff reports\n",
           total, test_now() - t0, st.rc[0], st.rc[1], st.rc[2], st.rc[3], st.shifts, st.max_array,
           st.commits, st.commits ? (double)st.leaves / (double)st.commits : 0.0, st.diff_reports);
    CHECK(st.rc[4] == 0);
}

int main(int argc, char **argv)
{
    const char *part = argc > 1 ? argv[1] : "array";
    if (strcmp(part, "array") == 0)
        test_array();
    else if (strcmp(part, "escape") == 0)
        test_escape();
    else if (strcmp(part, "clear") == 0)
        test_clear();
    else if (strcmp(part, "getpath") == 0)
        test_getpath();
    else if (strcmp(part, "deep") == 0)
        test_deep();
    else if (strcmp(part, "oom") == 0)
        test_oom();
    else if (strcmp(part, "model") == 0)
        test_model(argc > 2 ? atol(argv[2]) : 50000, argc > 3 ? atoi(argv[3]) : 2);
    else
        return 2;
    return 0;
}
