/*
 * tests/runtime/test_nul.c - byte values read from a version are followed
 * by a NUL (vcow/val.h), so text is a C string as it is.
 *
 * Every part stores, for each value length 0..80, 100, 1000 and 70000 (on
 * both sides of the map's inline limit for every key length, of the
 * tree's VCOW_TREE_INLINE_VAL, and well into blobs) and keys of 1, 12, 15,
 * 16 and 40 bytes (inline keys, the longest inline key, blob keys), bytes
 * that hold no NUL; reads them back through every read path and checks
 * ptr[len] == 0 (the empty value too: a pointer to a NUL, never NULL) and
 * that vcow_val_as_str gives the same string.
 *
 * Each key first gets a longer value, then a shorter one, then one of the
 * same length (in one txn: the map and box change their own nodes in
 * place, the tree rebuilds then patches its leaf), and a second txn
 * overwrites the published values with shorter or same-length ones, so
 * no tail of an older value may show where a NUL belongs. The empty value
 * also replaces a scalar and a blob value, which left no byte for its NUL,
 * in a published node and in one the txn made.
 *
 *   map     get on the txn view, the head and a pinned older version,
 *           iter, diff's before / after; vcow_map_check
 *   tree    the same plus first / last, lower / upper bound, select,
 *           range both ways, bulk load; vcow_tree_check
 *   box     get on the txn view, the head and a pinned older version
 *   nested  a tree and a map nested in a map: the txn view inside
 *           vcow_map_enter, views by vcow_map_view_path, get_path,
 *           iter_path, diff_path, the nested trees' diff; both checkers
 */
#include <stdint.h>

#include "tests/test.h"
#include <vcow/box.h>
#include <vcow/map.h>
#include <vcow/tree.h>

/* ---- keys and values ---- */

#define NVAL 84 /* value lengths 0..80, 100, 1000, 70000 */

static const size_t key_lens[] = {1, 12, 15, 16, 40};
#define NKEYLEN (sizeof(key_lens) / sizeof(key_lens[0]))

static size_t val_len(unsigned idx)
{
    static const size_t big[] = {100, 1000, 70000};
    return idx <= 80 ? idx : big[idx - 81];
}

/* The values of the three stages: "first" is what the first commit
 * leaves, "second" what the second leaves (shorter for even idx, the same
 * length for odd ones), "bulk" what a bulk load stores. */
enum { SEED_LONGER = 9, SEED_SAME = 7, SEED_FIRST = 1, SEED_SECOND = 2, SEED_BULK = 3 };

static size_t second_len(unsigned idx)
{
    return idx % 2 ? val_len(idx) : val_len(idx) / 2;
}

static char byte_at(size_t i, unsigned seed)
{
    return (char)(1 + (i * 31 + seed * 17) % 255); /* never 0 */
}

static char valbuf[70000 + 16];

/* A value of len bytes from seed (in a static buffer, so one at a time). */
static vcow_val make_val(size_t len, unsigned seed)
{
    CHECK(len < sizeof(valbuf));
    for (size_t i = 0; i < len; i++)
        valbuf[i] = byte_at(i, seed);
    return vcow_val_bytes(valbuf, len);
}

/* The key of value idx for a key length: the first byte orders the keys
 * by idx (memcmp), none is 0 or '.', so every key is also a path segment. */
struct key {
    char b[48];
    size_t len;
};

static struct key make_key(size_t klen, unsigned idx)
{
    struct key k;
    CHECK(klen >= 1 && klen < sizeof(k.b));
    k.b[0] = (char)(0x30 + idx);
    for (size_t j = 1; j < klen; j++)
        k.b[j] = (char)('a' + (klen + j) % 26);
    k.b[klen] = '\0';
    k.len = klen;
    return k;
}

static unsigned key_idx(vcow_slice k, size_t klen)
{
    CHECK(k.len == klen);
    unsigned idx = (unsigned char)((const char *)k.ptr)[0] - 0x30u;
    CHECK(idx < NVAL);
    return idx;
}

/* Why v is not the value of len bytes from seed as a read must hand it
 * out, or NULL when it is. */
static const char *val_problem(const vcow_val *v, size_t len, unsigned seed)
{
    if (v->type != VCOW_T_BYTES)
        return "not bytes";
    if (v->u.bytes.len != len)
        return "wrong length";
    const char *p = v->u.bytes.ptr;
    if (p == NULL)
        return "NULL pointer";
    if (p[len] != '\0')
        return "no NUL after the bytes";
    for (size_t i = 0; i < len; i++)
        if (p[i] != byte_at(i, seed))
            return "wrong bytes";
    const char *s = NULL;
    if (vcow_val_as_str(v, &s) != VCOW_OK)
        return "vcow_val_as_str refused it";
    if (strlen(s) != len || (len != 0 && s != p))
        return "vcow_val_as_str gave another string";
    return NULL;
}

static void check_val(const char *where, const vcow_val *v, size_t len, unsigned seed)
{
    const char *why = val_problem(v, len, seed);
    if (why != NULL) {
        fprintf(stderr, "%s: value of %zu bytes (seed %u): %s\n", where, len, seed, why);
        abort();
    }
}

/* What the entries of a version hold: each idx's length and seed. */
struct want {
    size_t klen;
    size_t (*len)(unsigned idx);
    unsigned seed;
};

static vcow_cell *open_cell(enum vcow_kind kind)
{
    struct vcow_cell_opts o;
    memset(&o, 0, sizeof(o));
    o.size = sizeof(o);
    vcow_cell *c;
    CHECK_OK(vcow_cell_open(kind, &o, &c));
    return c;
}

static vcow_version *pin_head(vcow_cell *c)
{
    vcow_version *v;
    CHECK_OK(vcow_cell_pin_head(c, &v));
    return v;
}

/* ---- callbacks shared by the map and the tree ---- */

struct visit {
    const struct want *w;
    const char *where;
    unsigned seen;
    int next; /* range: the idx expected next, -1: any order */
    int step;
};

static int visit_cb(vcow_slice key, const vcow_val *val, void *ctx)
{
    struct visit *x = ctx;
    unsigned idx = key_idx(key, x->w->klen);
    if (x->next >= 0) {
        CHECK_EQ_INT(idx, x->next);
        x->next += x->step;
    }
    check_val(x->where, val, x->w->len(idx), x->w->seed);
    x->seen++;
    return 0;
}

struct diffs {
    const struct want *a, *b;
    const char *where;
    unsigned seen;
};

static int diff_cb(vcow_slice key, const vcow_val *before, const vcow_val *after, void *ctx)
{
    struct diffs *d = ctx;
    unsigned idx = key_idx(key, d->a->klen);
    CHECK(before != NULL && after != NULL); /* every key is in both */
    check_val(d->where, before, d->a->len(idx), d->a->seed);
    check_val(d->where, after, d->b->len(idx), d->b->seed);
    d->seen++;
    return 0;
}

/* Keys whose values differ between a and b (of different seeds, so every
 * key but one empty in both: idx 0). */
static unsigned changed(const struct want *a, const struct want *b)
{
    CHECK(a->seed != b->seed);
    unsigned n = 0;
    for (unsigned idx = 0; idx < NVAL; idx++)
        n += !(a->len(idx) == 0 && b->len(idx) == 0);
    return n;
}

/* ---- the empty value where a scalar or a blob was (map and tree) ---- */

struct ops {
    enum vcow_kind kind;
    const char *name;
    int (*setn)(vcow_txn *t, const void *key, size_t klen, vcow_val val);
    int (*getn)(const vcow_version *v, const void *key, size_t klen, vcow_val *out);
    int (*check)(const vcow_version *v);
};

static void expect_empty(const struct ops *o, const vcow_version *v, const char *where)
{
    vcow_val val;
    CHECK_OK(o->getn(v, "s", 1, &val));
    check_val(where, &val, 0, 0);
    CHECK_OK(o->getn(v, "b", 1, &val));
    check_val(where, &val, 0, 0);
    CHECK_OK(o->check(v));
}

/* "s" held an i64 and "b" a blob value, neither with a byte where the
 * empty value's NUL goes: replace them in published nodes (copied), then
 * again in nodes the txn made (changed in place, or rebuilt). */
static void empty_after_other(const struct ops *o)
{
    vcow_cell *c = open_cell(o->kind);
    vcow_txn *t;
    CHECK_OK(vcow_txn_begin(c, &t));
    CHECK_OK(o->setn(t, "s", 1, vcow_val_i64(7)));
    CHECK_OK(o->setn(t, "b", 1, make_val(100, SEED_FIRST)));
    CHECK_OK(vcow_txn_commit(t));
    vcow_txn_free(t);

    CHECK_OK(vcow_txn_begin(c, &t));
    CHECK_OK(o->setn(t, "s", 1, vcow_val_bytes(NULL, 0)));
    CHECK_OK(o->setn(t, "b", 1, vcow_val_bytes(NULL, 0)));
    expect_empty(o, vcow_txn_view(t), o->name);
    CHECK_OK(o->setn(t, "s", 1, vcow_val_i64(8)));
    CHECK_OK(o->setn(t, "s", 1, vcow_val_bytes(NULL, 0)));
    CHECK_OK(o->setn(t, "b", 1, make_val(100, SEED_SECOND)));
    CHECK_OK(o->setn(t, "b", 1, vcow_val_bytes(NULL, 0)));
    expect_empty(o, vcow_txn_view(t), o->name);
    CHECK_OK(vcow_txn_commit(t));
    vcow_txn_free(t);
    vcow_read_lock();
    expect_empty(o, vcow_cell_head(c), o->name);
    vcow_read_unlock();
    CHECK_OK(vcow_cell_close(c));
    test_check_all_freed();
}

/* ---- map ---- */

static void map_reads(const vcow_version *v, const struct want *w, const char *where)
{
    for (unsigned idx = 0; idx < NVAL; idx++) {
        struct key k = make_key(w->klen, idx);
        vcow_val val;
        CHECK_OK(vcow_map_getn(v, k.b, k.len, &val));
        check_val(where, &val, w->len(idx), w->seed);
    }
    struct visit x = {w, where, 0, -1, 0};
    CHECK_OK(vcow_map_iter(v, visit_cb, &x));
    CHECK_EQ_INT(x.seen, NVAL);
    CHECK_OK(vcow_map_check(v));
}

/* Set every key of klen to its longer, then shorter, then final value. */
static void map_fill(vcow_txn *t, size_t klen)
{
    for (unsigned idx = 0; idx < NVAL; idx++) {
        struct key k = make_key(klen, idx);
        size_t len = val_len(idx);
        CHECK_OK(vcow_map_setn(t, k.b, k.len, make_val(len + 8, SEED_LONGER)));
        CHECK_OK(vcow_map_setn(t, k.b, k.len, make_val(len, SEED_SAME)));
        CHECK_OK(vcow_map_setn(t, k.b, k.len, make_val(len, SEED_FIRST)));
    }
}

static void map_overwrite(vcow_txn *t, size_t klen)
{
    for (unsigned idx = 0; idx < NVAL; idx++) {
        struct key k = make_key(klen, idx);
        CHECK_OK(vcow_map_setn(t, k.b, k.len, make_val(second_len(idx), SEED_SECOND)));
    }
}

static void test_map(void)
{
    for (size_t ki = 0; ki < NKEYLEN; ki++) {
        size_t klen = key_lens[ki];
        struct want first = {klen, val_len, SEED_FIRST};
        struct want second = {klen, second_len, SEED_SECOND};
        vcow_cell *c = open_cell(VCOW_KIND_MAP);
        vcow_txn *t;
        CHECK_OK(vcow_txn_begin(c, &t));
        map_fill(t, klen);
        map_reads(vcow_txn_view(t), &first, "map: txn view");
        CHECK_OK(vcow_txn_commit(t));
        vcow_txn_free(t);
        vcow_version *v1 = pin_head(c);

        CHECK_OK(vcow_txn_begin(c, &t));
        map_overwrite(t, klen);
        map_reads(vcow_txn_view(t), &second, "map: txn view after overwrite");
        CHECK_OK(vcow_txn_commit(t));
        vcow_txn_free(t);

        vcow_version *v2 = pin_head(c);
        map_reads(v2, &second, "map: head");
        map_reads(v1, &first, "map: pinned old version");
        struct diffs d = {&first, &second, "map: diff", 0};
        CHECK_OK(vcow_map_diff(v1, v2, diff_cb, &d));
        CHECK_EQ_INT(d.seen, changed(&first, &second));
        vcow_version_unpin(v2);
        vcow_version_unpin(v1);
        CHECK_OK(vcow_cell_close(c));
        test_check_all_freed();
    }
    struct ops o = {VCOW_KIND_MAP, "map: empty after a scalar or a blob", vcow_map_setn,
                    vcow_map_getn, vcow_map_check};
    empty_after_other(&o);
}

/* ---- tree ---- */

static void tree_reads(const vcow_version *v, const struct want *w, const char *where)
{
    vcow_slice ks;
    vcow_val val;
    for (unsigned idx = 0; idx < NVAL; idx++) {
        struct key k = make_key(w->klen, idx);
        CHECK_OK(vcow_tree_getn(v, k.b, k.len, &val));
        check_val(where, &val, w->len(idx), w->seed);
        CHECK_OK(vcow_tree_select(v, idx, &ks, &val));
        CHECK_EQ_INT(key_idx(ks, w->klen), idx);
        check_val(where, &val, w->len(idx), w->seed);
        CHECK_OK(vcow_tree_lower_boundn(v, k.b, k.len, &ks, &val));
        CHECK_EQ_INT(key_idx(ks, w->klen), idx);
        check_val(where, &val, w->len(idx), w->seed);
        if (idx + 1 < NVAL) {
            CHECK_OK(vcow_tree_upper_boundn(v, k.b, k.len, &ks, &val));
            CHECK_EQ_INT(key_idx(ks, w->klen), idx + 1);
            check_val(where, &val, w->len(idx + 1), w->seed);
        }
    }
    CHECK_OK(vcow_tree_first(v, &ks, &val));
    CHECK_EQ_INT(key_idx(ks, w->klen), 0);
    check_val(where, &val, w->len(0), w->seed);
    CHECK_OK(vcow_tree_last(v, &ks, &val));
    CHECK_EQ_INT(key_idx(ks, w->klen), NVAL - 1);
    check_val(where, &val, w->len(NVAL - 1), w->seed);
    struct visit fwd = {w, where, 0, 0, 1};
    CHECK_OK(
        vcow_tree_range(v, NULL, 0, NULL, 0, VCOW_TREE_NO_LO | VCOW_TREE_NO_HI, visit_cb, &fwd));
    CHECK_EQ_INT(fwd.seen, NVAL);
    struct visit rev = {w, where, 0, NVAL - 1, -1};
    CHECK_OK(vcow_tree_range(v, NULL, 0, NULL, 0,
                             VCOW_TREE_NO_LO | VCOW_TREE_NO_HI | VCOW_TREE_REVERSE, visit_cb,
                             &rev));
    CHECK_EQ_INT(rev.seen, NVAL);
    CHECK_OK(vcow_tree_check(v));
}

static void tree_fill(vcow_txn *t, size_t klen)
{
    for (unsigned idx = 0; idx < NVAL; idx++) {
        struct key k = make_key(klen, idx);
        size_t len = val_len(idx);
        CHECK_OK(vcow_tree_setn(t, k.b, k.len, make_val(len + 8, SEED_LONGER)));
        CHECK_OK(vcow_tree_setn(t, k.b, k.len, make_val(len, SEED_SAME)));
        CHECK_OK(vcow_tree_setn(t, k.b, k.len, make_val(len, SEED_FIRST)));
    }
}

static void tree_overwrite(vcow_txn *t, size_t klen)
{
    for (unsigned idx = 0; idx < NVAL; idx++) {
        struct key k = make_key(klen, idx);
        CHECK_OK(vcow_tree_setn(t, k.b, k.len, make_val(second_len(idx), SEED_SECOND)));
    }
}

/* Replace the txn's tree by a bulk load of every key's bulk value. */
static void tree_bulk(vcow_txn *t, size_t klen)
{
    static struct key keys[NVAL];
    static struct vcow_tree_kv items[NVAL];
    char *vals = malloc(NVAL * (70000 + 1));
    CHECK(vals != NULL);
    char *p = vals;
    for (unsigned idx = 0; idx < NVAL; idx++) {
        keys[idx] = make_key(klen, idx);
        size_t len = val_len(idx);
        for (size_t i = 0; i < len; i++)
            p[i] = byte_at(i, SEED_BULK);
        p[len] = 'x'; /* the input is no C string: the NUL must be vcow's */
        items[idx].key.ptr = keys[idx].b;
        items[idx].key.len = keys[idx].len;
        items[idx].val = vcow_val_bytes(p, len);
        p += len + 1;
    }
    CHECK_OK(vcow_tree_bulk_load(t, items, NVAL));
    free(vals);
}

static void test_tree(void)
{
    for (size_t ki = 0; ki < NKEYLEN; ki++) {
        size_t klen = key_lens[ki];
        struct want first = {klen, val_len, SEED_FIRST};
        struct want second = {klen, second_len, SEED_SECOND};
        struct want bulk = {klen, val_len, SEED_BULK};
        vcow_cell *c = open_cell(VCOW_KIND_TREE);
        vcow_txn *t;
        CHECK_OK(vcow_txn_begin(c, &t));
        tree_fill(t, klen);
        tree_reads(vcow_txn_view(t), &first, "tree: txn view");
        CHECK_OK(vcow_txn_commit(t));
        vcow_txn_free(t);
        vcow_version *v1 = pin_head(c);

        CHECK_OK(vcow_txn_begin(c, &t));
        tree_overwrite(t, klen);
        tree_reads(vcow_txn_view(t), &second, "tree: txn view after overwrite");
        CHECK_OK(vcow_txn_commit(t));
        vcow_txn_free(t);

        vcow_version *v2 = pin_head(c);
        tree_reads(v2, &second, "tree: head");
        tree_reads(v1, &first, "tree: pinned old version");
        struct diffs d = {&first, &second, "tree: diff", 0};
        CHECK_OK(vcow_tree_diff(v1, v2, diff_cb, &d));
        CHECK_EQ_INT(d.seen, changed(&first, &second));

        CHECK_OK(vcow_txn_begin(c, &t));
        tree_bulk(t, klen);
        tree_reads(vcow_txn_view(t), &bulk, "tree: txn view after bulk load");
        CHECK_OK(vcow_txn_commit(t));
        vcow_txn_free(t);
        vcow_version *v3 = pin_head(c);
        tree_reads(v3, &bulk, "tree: bulk loaded head");
        tree_reads(v2, &second, "tree: pinned version before the bulk load");
        vcow_version_unpin(v3);
        vcow_version_unpin(v2);
        vcow_version_unpin(v1);
        CHECK_OK(vcow_cell_close(c));
        test_check_all_freed();
    }
    struct ops o = {VCOW_KIND_TREE, "tree: empty after a scalar or a blob", vcow_tree_setn,
                    vcow_tree_getn, vcow_tree_check};
    empty_after_other(&o);
}

/* ---- box ---- */

static void box_read(const vcow_version *v, size_t len, unsigned seed, const char *where)
{
    vcow_val val;
    CHECK_OK(vcow_box_get(v, &val));
    check_val(where, &val, len, seed);
}

static void test_box(void)
{
    vcow_cell *c = open_cell(VCOW_KIND_BOX);
    for (unsigned idx = 0; idx < NVAL; idx++) {
        size_t len = val_len(idx);
        vcow_txn *t;
        CHECK_OK(vcow_txn_begin(c, &t));
        CHECK_OK(vcow_box_set(t, make_val(len + 8, SEED_LONGER)));
        CHECK_OK(vcow_box_set(t, make_val(len, SEED_SAME)));
        CHECK_OK(vcow_box_set(t, make_val(len, SEED_FIRST))); /* in place: same size */
        box_read(vcow_txn_view(t), len, SEED_FIRST, "box: txn view");
        CHECK_OK(vcow_txn_commit(t));
        vcow_txn_free(t);
        vcow_version *v1 = pin_head(c);

        CHECK_OK(vcow_txn_begin(c, &t));
        CHECK_OK(vcow_box_set(t, make_val(second_len(idx), SEED_SECOND)));
        box_read(vcow_txn_view(t), second_len(idx), SEED_SECOND, "box: txn view after overwrite");
        CHECK_OK(vcow_txn_commit(t));
        vcow_txn_free(t);
        vcow_read_lock();
        box_read(vcow_cell_head(c), second_len(idx), SEED_SECOND, "box: head");
        vcow_read_unlock();
        box_read(v1, len, SEED_FIRST, "box: pinned old version");
        vcow_version_unpin(v1);
    }
    /* The empty value where a scalar was (a box one byte bigger). */
    CHECK_OK(vcow_box_cell_set(c, vcow_val_i64(7), NULL));
    vcow_txn *t;
    CHECK_OK(vcow_txn_begin(c, &t));
    CHECK_OK(vcow_box_set(t, vcow_val_bytes(NULL, 0)));
    box_read(vcow_txn_view(t), 0, 0, "box: empty after a scalar");
    CHECK_OK(vcow_txn_commit(t));
    vcow_txn_free(t);
    CHECK_OK(vcow_cell_close(c));
    test_check_all_freed();
}

/* ---- nested: a tree "t" and a map "m" in a map ---- */

static void nested_reads(const vcow_version *v, const struct want *w, const char *where)
{
    vcow_view tw, mw;
    const vcow_version *tv, *mv;
    CHECK_OK(vcow_map_view_path(v, "t", &tw, &tv));
    tree_reads(tv, w, where);
    CHECK_OK(vcow_map_view_path(v, "m", &mw, &mv));
    map_reads(mv, w, where);
    char path[160];
    for (unsigned idx = 0; idx < NVAL; idx++) {
        struct key k = make_key(w->klen, idx);
        char esc[2 * sizeof(k.b) + 1];
        size_t need;
        CHECK_OK(
            vcow_map_path_escape(k.b, k.len, esc, sizeof(esc), &need)); /* '\\' is a key byte */
        snprintf(path, sizeof(path), "m.%s", esc);
        vcow_val val;
        CHECK_OK(vcow_map_get_path(v, path, &val));
        check_val(where, &val, w->len(idx), w->seed);
    }
    struct visit x = {w, where, 0, -1, 0};
    CHECK_OK(vcow_map_iter_path(v, "m", visit_cb, &x));
    CHECK_EQ_INT(x.seen, NVAL);
    CHECK_OK(vcow_map_check(v));
}

static void test_nested(void)
{
    for (size_t ki = 0; ki < NKEYLEN; ki++) {
        size_t klen = key_lens[ki];
        struct want first = {klen, val_len, SEED_FIRST};
        struct want second = {klen, second_len, SEED_SECOND};
        vcow_cell *c = open_cell(VCOW_KIND_MAP);
        vcow_txn *t;
        CHECK_OK(vcow_txn_begin(c, &t));
        CHECK_OK(vcow_map_enter(t, "t", VCOW_KIND_TREE));
        tree_fill(t, klen);
        tree_reads(vcow_txn_view(t), &first, "nested tree: txn view");
        CHECK_OK(vcow_txn_leave(t));
        CHECK_OK(vcow_map_enter(t, "m", VCOW_KIND_MAP));
        map_fill(t, klen);
        map_reads(vcow_txn_view(t), &first, "nested map: txn view");
        CHECK_OK(vcow_txn_leave(t));
        CHECK_OK(vcow_txn_commit(t));
        vcow_txn_free(t);
        vcow_version *v1 = pin_head(c);

        CHECK_OK(vcow_txn_begin(c, &t));
        CHECK_OK(vcow_map_enter(t, "t", VCOW_KIND_TREE));
        tree_overwrite(t, klen);
        tree_reads(vcow_txn_view(t), &second, "nested tree: txn view after overwrite");
        CHECK_OK(vcow_txn_leave(t));
        CHECK_OK(vcow_map_enter(t, "m", VCOW_KIND_MAP));
        map_overwrite(t, klen);
        map_reads(vcow_txn_view(t), &second, "nested map: txn view after overwrite");
        CHECK_OK(vcow_txn_leave(t));
        CHECK_OK(vcow_txn_commit(t));
        vcow_txn_free(t);

        vcow_version *v2 = pin_head(c);
        nested_reads(v2, &second, "nested: head");
        nested_reads(v1, &first, "nested: pinned old version");
        struct diffs d = {&first, &second, "nested map: diff_path", 0};
        CHECK_OK(vcow_map_diff_path(v1, v2, "m", diff_cb, &d));
        CHECK_EQ_INT(d.seen, changed(&first, &second));
        vcow_view w1, w2;
        const vcow_version *t1, *t2;
        CHECK_OK(vcow_map_view_path(v1, "t", &w1, &t1));
        CHECK_OK(vcow_map_view_path(v2, "t", &w2, &t2));
        struct diffs dt = {&first, &second, "nested tree: diff", 0};
        CHECK_OK(vcow_tree_diff(t1, t2, diff_cb, &dt));
        CHECK_EQ_INT(dt.seen, changed(&first, &second));
        vcow_version_unpin(v2);
        vcow_version_unpin(v1);
        CHECK_OK(vcow_cell_close(c));
        test_check_all_freed();
    }
}

int main(int argc, char **argv)
{
    const char *part = argc > 1 ? argv[1] : "map";
    if (strcmp(part, "map") == 0)
        test_map();
    else if (strcmp(part, "tree") == 0)
        test_tree();
    else if (strcmp(part, "box") == 0)
        test_box();
    else if (strcmp(part, "nested") == 0)
        test_nested();
    else
        return 2;
    return 0;
}
