/*
 * tests/map/test_hamt.c - the CHAMP map.
 *
 *   basic     set / get / del / len / iter / equal / diff, blobs, txn reads,
 *             abort, cell conveniences; counters back to zero
 *   badinput  every misuse gets its error code
 *   paths     nested maps through a.b.c paths
 *   history   every version of a history cell equals the model at that
 *             version; diff between random version pairs equals the
 *             model's difference
 *   oom       the k-th allocation fails, for every k of a scripted sequence:
 *             the txn's content is unchanged and nothing leaks
 *   bulk      a large load in one txn copies each published node at most once
 *   diffrand  <ops> <seeds>: random set / del / overwrite / nested ops
 *             against a reference model, checked after every op; the shape
 *             after deletes equals the map built from scratch
 *   collide   the same with hash masks that force (full) collisions
 */
#include <limits.h>
#include <stdint.h>

#include "tests/test.h"
#include <vcow/map.h>

/* The map's length (vcow_map_len), checked to succeed. */
static uint64_t map_len(const vcow_version *v)
{
    uint64_t n = 0;
    CHECK_OK(vcow_map_len(v, &n));
    return n;
}

/* ---- helpers ---- */

static vcow_cell *open_map(bool history)
{
    struct vcow_cell_opts o;
    memset(&o, 0, sizeof(o));
    o.size = sizeof(o);
    o.history = history;
    vcow_cell *c;
    CHECK_OK(vcow_cell_open(VCOW_KIND_MAP, &o, &c));
    return c;
}

static bool slice_is(vcow_val v, const char *s)
{
    return v.type == VCOW_T_BYTES && v.u.bytes.len == strlen(s) &&
           memcmp(v.u.bytes.ptr, s, v.u.bytes.len) == 0;
}

static vcow_val sval(const char *s)
{
    return vcow_val_bytes(s, strlen(s));
}

/* ---- the reference model ---- */

/*
 * Plain keys 0..nk-1 at top level; nested maps "map0".."map<nm-1>" at top
 * level, each with sub-keys 0..ns-1. A value is (type, seed); its bytes are
 * derived from the seed.
 */
enum { MT_I64, MT_F64, MT_BOOL, MT_SHORT, MT_LONG, MT_COUNT };

struct mval {
    uint8_t present, type;
    uint64_t seed;
};

struct model {
    unsigned nk, nm, ns;
    struct mval *plain;
    uint8_t *map_present;
    struct mval *sub; /* nm * ns */
};

static void model_init(struct model *m, unsigned nk, unsigned nm, unsigned ns)
{
    m->nk = nk;
    m->nm = nm;
    m->ns = ns;
    m->plain = calloc(nk, sizeof(*m->plain));
    m->map_present = calloc(nm ? nm : 1, 1);
    m->sub = calloc((size_t)nm * ns + 1, sizeof(*m->sub));
    CHECK(m->plain && m->map_present && m->sub);
}

static void model_copy(struct model *dst, const struct model *src)
{
    model_init(dst, src->nk, src->nm, src->ns);
    memcpy(dst->plain, src->plain, src->nk * sizeof(*src->plain));
    memcpy(dst->map_present, src->map_present, src->nm);
    memcpy(dst->sub, src->sub, (size_t)src->nm * src->ns * sizeof(*src->sub));
}

static void model_free(struct model *m)
{
    free(m->plain);
    free(m->map_present);
    free(m->sub);
}

static size_t model_len(const struct model *m)
{
    size_t n = 0;
    for (unsigned i = 0; i < m->nk; i++)
        n += m->plain[i].present;
    for (unsigned i = 0; i < m->nm; i++)
        n += m->map_present[i];
    return n;
}

/* Key i: every third one long enough for a blob. */
static size_t plain_key(unsigned i, char *buf)
{
    if (i % 3 == 0) {
        int n = sprintf(buf, "long-key-%u-", i);
        size_t len = 16 + i % 40;
        for (size_t j = (size_t)n; j < len; j++)
            buf[j] = (char)('a' + (i + j) % 26);
        buf[len] = 0;
        return len;
    }
    return (size_t)sprintf(buf, "k%u", i);
}

static size_t map_key(unsigned i, char *buf)
{
    return (size_t)sprintf(buf, "map%u", i);
}

static size_t sub_key(unsigned i, char *buf)
{
    if (i % 4 == 0)
        return (size_t)sprintf(buf, "a-long-sub-key-number-%u", i);
    return (size_t)sprintf(buf, "s%u", i);
}

static vcow_val make_val(struct mval mv, unsigned char *buf)
{
    switch (mv.type) {
    case MT_I64:
        return vcow_val_i64((int64_t)mv.seed);
    case MT_F64:
        return vcow_val_f64((double)mv.seed / 3.0);
    case MT_BOOL:
        return vcow_val_bool(mv.seed & 1);
    default: {
        size_t len = mv.type == MT_SHORT ? mv.seed % 23 : 23 + mv.seed % 200;
        for (size_t j = 0; j < len; j++)
            buf[j] = (unsigned char)(mv.seed >> (j % 8) ^ j);
        return vcow_val_bytes(buf, len);
    }
    }
}

static bool val_matches(vcow_val got, struct mval mv)
{
    unsigned char buf[256];
    vcow_val want = make_val(mv, buf);
    if (got.type != want.type)
        return false;
    switch (want.type) {
    case VCOW_T_I64:
        return got.u.i64 == want.u.i64;
    case VCOW_T_F64:
        return got.u.f64 == want.u.f64;
    case VCOW_T_BOOL:
        return got.u.b == want.u.b;
    default:
        return got.u.bytes.len == want.u.bytes.len &&
               (want.u.bytes.len == 0 ||
                memcmp(got.u.bytes.ptr, want.u.bytes.ptr, want.u.bytes.len) == 0);
    }
}

static struct mval rand_mval(unsigned long long *rs)
{
    struct mval mv;
    mv.present = 1;
    mv.type = (uint8_t)(test_rand(rs) % MT_COUNT);
    mv.seed = test_rand(rs);
    return mv;
}

/* A read source: a version, or a txn's current state. */
struct src {
    const vcow_version *v;
    const vcow_txn *t;
};

static int src_get(struct src s, const char *key, size_t klen, vcow_val *out)
{
    return s.v ? vcow_map_getn(s.v, key, klen, out)
               : vcow_map_getn(vcow_txn_view(s.t), key, klen, out);
}

static int src_get_path(struct src s, const char *path, vcow_val *out)
{
    return s.v ? vcow_map_get_path(s.v, path, out)
               : vcow_map_get_path(vcow_txn_view(s.t), path, out);
}

static void check_plain(struct src s, const struct model *m, unsigned i)
{
    char kb[64];
    size_t kl = plain_key(i, kb);
    vcow_val v;
    int rc = src_get(s, kb, kl, &v);
    if (m->plain[i].present) {
        CHECK_OK(rc);
        CHECK(val_matches(v, m->plain[i]));
    } else {
        CHECK_RC(rc, VCOW_ENOENT);
    }
}

static void check_sub(struct src s, const struct model *m, unsigned mi, unsigned si)
{
    char path[96];
    size_t n = map_key(mi, path);
    path[n++] = '.';
    sub_key(si, path + n);
    vcow_val v;
    int rc = src_get_path(s, path, &v);
    if (!m->map_present[mi]) {
        CHECK_RC(rc, VCOW_ENOENT);
        return;
    }
    const struct mval *mv = &m->sub[(size_t)mi * m->ns + si];
    if (mv->present) {
        CHECK_OK(rc);
        CHECK(val_matches(v, *mv));
    } else {
        CHECK_RC(rc, VCOW_ENOENT);
    }
}

static int count_fn(vcow_slice key, const vcow_val *val_p, void *ctx)
{
    vcow_val val = *val_p;
    (void)key;
    (void)val;
    ++*(size_t *)ctx;
    return 0;
}

/* Every key of the model, and nothing else, in version v. */
static void check_full(const vcow_version *v, const struct model *m)
{
    struct src s = {v, NULL};
    CHECK_EQ_INT(map_len(v), model_len(m));
    size_t n = 0;
    CHECK_OK(vcow_map_iter(v, count_fn, &n));
    CHECK_EQ_INT(n, model_len(m));
    for (unsigned i = 0; i < m->nk; i++)
        check_plain(s, m, i);
    for (unsigned i = 0; i < m->nm; i++) {
        char kb[32];
        size_t kl = map_key(i, kb);
        vcow_val mv;
        int rc = vcow_map_getn(v, kb, kl, &mv);
        CHECK_RC(rc, m->map_present[i] ? VCOW_OK : VCOW_ENOENT);
        for (unsigned j = 0; j < m->ns; j++)
            check_sub(s, m, i, j);
    }
    CHECK_OK(vcow_map_check(v));
}

/* Load the model's contents into a fresh txn of cell c (in key order). */
static void load_model(vcow_cell *c, const struct model *m)
{
    vcow_txn *t;
    CHECK_OK(vcow_txn_begin(c, &t));
    unsigned char vb[256];
    char kb[96];
    for (unsigned i = m->nk; i-- > 0;) /* reverse: a different insert order */
        if (m->plain[i].present) {
            size_t kl = plain_key(i, kb);
            CHECK_OK(vcow_map_setn(t, kb, kl, make_val(m->plain[i], vb)));
        }
    for (unsigned i = 0; i < m->nm; i++) {
        if (!m->map_present[i])
            continue;
        size_t kl = map_key(i, kb);
        vcow_val empty = vcow_val_map();
        CHECK_OK(vcow_map_setn(t, kb, kl, empty));
        for (unsigned j = 0; j < m->ns; j++) {
            const struct mval *mv = &m->sub[(size_t)i * m->ns + j];
            if (!mv->present)
                continue;
            size_t n = kl;
            kb[n++] = '.';
            sub_key(j, kb + n);
            CHECK_OK(vcow_map_set_path(t, kb, make_val(*mv, vb)));
            kb[kl] = 0;
        }
    }
    CHECK_OK(vcow_txn_commit(t));
    vcow_txn_free(t);
}

/* The head of c has the same shape (and content) as the model built fresh. */
static void check_shape(vcow_cell *c, const struct model *m)
{
    vcow_cell *fresh = open_map(false);
    load_model(fresh, m);
    vcow_read_lock();
    bool eq = false;
    CHECK_OK(vcow_map_equal(vcow_cell_head(c), vcow_cell_head(fresh), &eq));
    CHECK(eq);
    vcow_read_unlock();
    CHECK_OK(vcow_cell_close(fresh));
}

/* One random op on txn t and the model; checks the result at once. */
static void random_op(vcow_txn *t, struct model *m, unsigned long long *rs)
{
    unsigned char vb[256];
    char kb[128];
    struct src s = {NULL, t};
    unsigned r = (unsigned)(test_rand(rs) % 100);
    if (m->nm == 0 && r >= 70)
        r %= 70;
    if (r < 45) { /* set / overwrite */
        unsigned i = (unsigned)(test_rand(rs) % m->nk);
        struct mval mv = rand_mval(rs);
        size_t kl = plain_key(i, kb);
        CHECK_OK(vcow_map_setn(t, kb, kl, make_val(mv, vb)));
        m->plain[i] = mv;
        check_plain(s, m, i);
    } else if (r < 70) { /* del */
        unsigned i = (unsigned)(test_rand(rs) % m->nk);
        size_t kl = plain_key(i, kb);
        CHECK_RC(vcow_map_deln(t, kb, kl), m->plain[i].present ? VCOW_OK : VCOW_ENOENT);
        m->plain[i].present = 0;
        check_plain(s, m, i);
    } else {
        unsigned mi = (unsigned)(test_rand(rs) % m->nm);
        unsigned si = (unsigned)(test_rand(rs) % m->ns);
        size_t n = map_key(mi, kb);
        struct mval *sub = &m->sub[(size_t)mi * m->ns];
        if (r < 85) { /* set_path, creating the map if needed */
            kb[n++] = '.';
            sub_key(si, kb + n);
            struct mval mv = rand_mval(rs);
            CHECK_OK(vcow_map_set_path(t, kb, make_val(mv, vb)));
            if (!m->map_present[mi])
                memset(sub, 0, m->ns * sizeof(*sub));
            m->map_present[mi] = 1;
            sub[si] = mv;
        } else if (r < 95) { /* del_path */
            kb[n++] = '.';
            sub_key(si, kb + n);
            bool present = m->map_present[mi] && sub[si].present;
            CHECK_RC(vcow_map_del_path(t, kb), present ? VCOW_OK : VCOW_ENOENT);
            sub[si].present = 0;
        } else if (r < 98) { /* drop a whole nested map */
            CHECK_RC(vcow_map_deln(t, kb, n), m->map_present[mi] ? VCOW_OK : VCOW_ENOENT);
            m->map_present[mi] = 0;
        } else { /* replace it with an empty map */
            vcow_val empty = vcow_val_map();
            CHECK_OK(vcow_map_setn(t, kb, n, empty));
            m->map_present[mi] = 1;
            memset(sub, 0, m->ns * sizeof(*sub));
        }
        check_sub(s, m, mi, si);
    }
    uint64_t len;
    CHECK_OK(vcow_map_len(vcow_txn_view(t), &len));
    CHECK_EQ_INT(len, model_len(m));
}

/* ---- basic ---- */

static int collect_fn(vcow_slice key, const vcow_val *val_p, void *ctx)
{
    vcow_val val = *val_p;
    (void)val;
    size_t *sum = ctx;
    *sum += key.len;
    return 0;
}

static int stop_fn(vcow_slice key, const vcow_val *val_p, void *ctx)
{
    vcow_val val = *val_p;
    (void)key;
    (void)val;
    (void)ctx;
    return 42;
}

struct diff_count {
    int added, removed, changed;
};

static int diff_count_fn(vcow_slice key, const vcow_val *before, const vcow_val *after, void *ctx)
{
    (void)key;
    struct diff_count *d = ctx;
    CHECK(before != NULL || after != NULL);
    if (before == NULL)
        d->added++;
    else if (after == NULL)
        d->removed++;
    else
        d->changed++;
    return 0;
}

static void test_basic(void)
{
    vcow_cell *c = open_map(false);
    vcow_read_lock();
    const vcow_version *h0 = vcow_cell_head(c);
    CHECK_EQ_INT(map_len(h0), 0);
    vcow_val v;
    CHECK_RC(vcow_map_get(h0, "a", &v), VCOW_ENOENT);
    bool has = true;
    CHECK_OK(vcow_map_contains(h0, "a", &has));
    CHECK(!has);
    vcow_read_unlock();

    vcow_txn *t;
    CHECK_OK(vcow_txn_begin(c, &t));
    CHECK_OK(vcow_map_set(t, "a", vcow_val_i64(1)));
    CHECK_OK(vcow_map_set(t, "b", vcow_val_f64(2.5)));
    CHECK_OK(vcow_map_set(t, "c", vcow_val_bool(true)));
    CHECK_OK(vcow_map_set(t, "d", sval("short")));
    char longv[300], longk[100];
    memset(longv, 'v', sizeof(longv));
    memset(longk, 'k', sizeof(longk));
    CHECK_OK(vcow_map_setn(t, longk, sizeof(longk), vcow_val_bytes(longv, sizeof(longv))));
    CHECK_OK(vcow_map_set(t, "e", vcow_val_bytes(NULL, 0)));
    CHECK_OK(vcow_map_get(vcow_txn_view(t), "a", &v));
    CHECK(v.type == VCOW_T_I64 && v.u.i64 == 1);
    CHECK_OK(vcow_map_set(t, "a", vcow_val_i64(11))); /* overwrite, in place */
    uint64_t len;
    CHECK_OK(vcow_map_len(vcow_txn_view(t), &len));
    CHECK_EQ_INT(len, 6);
    CHECK_OK(vcow_map_check(vcow_txn_view(t)));
    CHECK_OK(vcow_txn_commit(t));
    vcow_txn_free(t);

    vcow_version *v1;
    CHECK_OK(vcow_cell_pin_head(c, &v1));
    CHECK_EQ_INT(map_len(v1), 6);
    CHECK_OK(vcow_map_get(v1, "a", &v));
    CHECK(v.type == VCOW_T_I64 && v.u.i64 == 11);
    CHECK_OK(vcow_map_get(v1, "b", &v));
    CHECK(v.type == VCOW_T_F64 && v.u.f64 == 2.5);
    CHECK_OK(vcow_map_get(v1, "c", &v));
    CHECK(v.type == VCOW_T_BOOL && v.u.b);
    CHECK_OK(vcow_map_get(v1, "d", &v));
    CHECK(slice_is(v, "short"));
    CHECK_OK(vcow_map_get(v1, "e", &v));
    CHECK(v.type == VCOW_T_BYTES && v.u.bytes.len == 0);
    CHECK_OK(vcow_map_getn(v1, longk, sizeof(longk), &v));
    CHECK(v.type == VCOW_T_BYTES && v.u.bytes.len == sizeof(longv) &&
          memcmp(v.u.bytes.ptr, longv, sizeof(longv)) == 0);
    has = false;
    CHECK_OK(vcow_map_containsn(v1, longk, sizeof(longk), &has));
    CHECK(has);
    size_t klen_sum = 0;
    CHECK_OK(vcow_map_iter(v1, collect_fn, &klen_sum));
    CHECK_EQ_INT(klen_sum, 5 + sizeof(longk));
    CHECK_EQ_INT(vcow_map_iter(v1, stop_fn, NULL), 42);
    CHECK_OK(vcow_map_check(v1));

    /* Delete, abort, diff, equal. */
    CHECK_OK(vcow_txn_begin(c, &t));
    CHECK_OK(vcow_map_del(t, "a"));
    CHECK_RC(vcow_map_del(t, "a"), VCOW_ENOENT);
    CHECK_OK(vcow_txn_abort(t));
    vcow_txn_free(t);
    CHECK_OK(vcow_txn_begin(c, &t));
    CHECK_OK(vcow_map_del(t, "a"));
    CHECK_OK(vcow_map_deln(t, longk, sizeof(longk)));
    CHECK_OK(vcow_map_set(t, "b", vcow_val_f64(3.5)));
    CHECK_OK(vcow_map_set(t, "zz", vcow_val_i64(0)));
    CHECK_OK(vcow_txn_commit(t));
    vcow_txn_free(t);
    vcow_version *v2;
    CHECK_OK(vcow_cell_pin_head(c, &v2));
    struct diff_count d = {0, 0, 0};
    CHECK_OK(vcow_map_diff(v1, v2, diff_count_fn, &d));
    CHECK(d.added == 1 && d.removed == 2 && d.changed == 1);
    bool eq = true;
    CHECK_OK(vcow_map_equal(v1, v2, &eq));
    CHECK(!eq);
    CHECK_OK(vcow_map_equal(v1, v1, &eq));
    CHECK(eq);

    /* Cell conveniences. */
    uint64_t seq;
    CHECK_OK(vcow_map_cell_set(c, "x", sval("hello"), &seq));
    CHECK_EQ_INT(seq, 3);
    char buf[16];
    CHECK_OK(vcow_map_cell_get(c, "x", &v, buf, sizeof(buf)));
    CHECK(slice_is(v, "hello") && v.u.bytes.ptr == buf);
    CHECK_RC(vcow_map_cell_get(c, "x", &v, buf, 2), VCOW_ERANGE);
    CHECK_EQ_INT(v.u.bytes.len, 5);
    CHECK_OK(vcow_map_cell_del(c, "x", &seq));
    CHECK_RC(vcow_map_cell_del(c, "x", NULL), VCOW_ENOENT);
    CHECK_RC(vcow_map_cell_get(c, "x", &v, buf, sizeof(buf)), VCOW_ENOENT);
    vcow_version_unpin(v1);
    vcow_version_unpin(v2);

    /* Delete everything: the root goes away. */
    CHECK_OK(vcow_txn_begin(c, &t));
    const char *keys[] = {"b", "c", "d", "e", "zz"};
    for (int i = 0; i < 5; i++)
        CHECK_OK(vcow_map_del(t, keys[i]));
    CHECK_OK(vcow_map_len(vcow_txn_view(t), &len));
    CHECK_EQ_INT(len, 0);
    CHECK_OK(vcow_txn_commit(t));
    vcow_txn_free(t);
    CHECK_OK(vcow_cell_close(c));
    test_check_all_freed();
}

/* ---- bad input ---- */

static void test_badinput(void)
{
    vcow_cell *c = open_map(false);
    vcow_cell *box;
    CHECK_OK(vcow_cell_open(VCOW_KIND_BOX, NULL, &box));
    vcow_txn *t, *tb;
    CHECK_OK(vcow_txn_begin(c, &t));
    CHECK_OK(vcow_txn_begin(box, &tb));
    vcow_val i1 = vcow_val_i64(1), out;
    static char huge[VCOW_MAP_KEY_MAX + 1];
    memset(huge, 'h', sizeof(huge));

    CHECK_RC(vcow_map_set(NULL, "a", i1), VCOW_EINVAL);
    CHECK_RC(vcow_map_setn(t, NULL, 1, i1), VCOW_EINVAL);
    CHECK_RC(vcow_map_setn(t, huge, sizeof(huge), i1), VCOW_EINVAL);
    CHECK_OK(vcow_map_setn(t, huge, VCOW_MAP_KEY_MAX, i1)); /* the limit itself is fine */
    CHECK_RC(vcow_map_set(tb, "a", i1), VCOW_EINVAL);       /* not a hamt */
    vcow_val bad = {VCOW_T_NONE, {.i64 = 0}};
    CHECK_RC(vcow_map_set(t, "a", bad), VCOW_EINVAL);
    bad.type = VCOW_T_TREE;
    bad.u.root = &out; /* a tree root from elsewhere */
    CHECK_RC(vcow_map_set(t, "a", bad), VCOW_EINVAL);
    bad.u.root = NULL;
    /* A new empty tree or rope is a valid value, though this program calls
     * no tree or rope function: every kind built is linked with libvcow.a
     * too (runtime/node.c; its weak references once left them out). */
    CHECK_OK(vcow_map_set(t, "tr", (vcow_val){.type = VCOW_T_TREE}));
    CHECK_OK(vcow_map_set(t, "ro", (vcow_val){.type = VCOW_T_ROPE}));
    CHECK_OK(vcow_map_del(t, "tr"));
    CHECK_OK(vcow_map_del(t, "ro"));
    bad.type = (enum vcow_type)99;
    CHECK_RC(vcow_map_set(t, "a", bad), VCOW_EINVAL);
    bad.type = VCOW_T_MAP;
    bad.u.root = &out; /* a root from elsewhere */
    CHECK_RC(vcow_map_set(t, "a", bad), VCOW_EINVAL);
    CHECK_RC(vcow_map_set(t, "a", vcow_val_bytes(NULL, 3)), VCOW_EINVAL);
    CHECK_RC(vcow_map_set(t, "a", vcow_val_bytes("x", VCOW_VAL_MAX_BYTES + 1)), VCOW_EINVAL);
    CHECK_RC(vcow_map_deln(t, NULL, 1), VCOW_EINVAL);
    CHECK_RC(vcow_map_del(t, "a"), VCOW_ENOENT);
    CHECK_RC(vcow_map_get(vcow_txn_view(NULL), "a", &out), VCOW_EINVAL);

    /* Paths. */
    CHECK_OK(vcow_map_set(t, "scalar", i1));
    CHECK_RC(vcow_map_set_path(t, NULL, i1), VCOW_EINVAL);
    CHECK_RC(vcow_map_set_path(t, "", i1), VCOW_EINVAL);
    CHECK_RC(vcow_map_set_path(t, "a..b", i1), VCOW_EINVAL);
    CHECK_RC(vcow_map_set_path(t, "a.", i1), VCOW_EINVAL);
    CHECK_RC(vcow_map_set_path(t, ".a", i1), VCOW_EINVAL);
    CHECK_RC(vcow_map_set_path(t, "scalar.x", i1), VCOW_EINVAL); /* through a non-map */
    CHECK_RC(vcow_map_get_path(vcow_txn_view(t), "scalar.x", &out), VCOW_EINVAL);
    CHECK_RC(vcow_map_get_path(vcow_txn_view(t), "nothere.x", &out), VCOW_ENOENT);
    CHECK_RC(vcow_map_del_path(t, "scalar.x"), VCOW_EINVAL);
    CHECK_RC(vcow_map_del_path(t, "nothere.x"), VCOW_ENOENT);
    CHECK_OK(vcow_map_check(vcow_txn_view(t)));
    CHECK_OK(vcow_txn_commit(t));
    CHECK_RC(vcow_map_set(t, "a", i1), VCOW_ESTATE);
    CHECK_RC(vcow_map_del(t, "a"), VCOW_ESTATE);
    CHECK_RC(vcow_map_set_path(t, "a.b", i1), VCOW_ESTATE);
    vcow_txn_free(t);

    /* Reads with bad arguments. */
    vcow_read_lock();
    const vcow_version *h = vcow_cell_head(c), *hb = vcow_cell_head(box);
    CHECK_RC(vcow_map_get(NULL, "a", &out), VCOW_EINVAL);
    CHECK_RC(vcow_map_get(hb, "a", &out), VCOW_EINVAL);
    CHECK_RC(vcow_map_getn(h, NULL, 1, &out), VCOW_EINVAL);
    CHECK_RC(vcow_map_getn(h, huge, sizeof(huge), &out), VCOW_EINVAL);
    bool has;
    CHECK_RC(vcow_map_contains(NULL, "a", &has), VCOW_EINVAL);
    CHECK_RC(vcow_map_contains(h, "a", NULL), VCOW_EINVAL);
    CHECK_RC(vcow_map_contains(h, NULL, &has), VCOW_EINVAL);
    uint64_t n0;
    CHECK_RC(vcow_map_len(NULL, &n0), VCOW_EINVAL);
    CHECK_RC(vcow_map_len(hb, &n0), VCOW_EINVAL);
    CHECK_RC(vcow_map_iter(h, NULL, NULL), VCOW_EINVAL);
    bool eq;
    CHECK_RC(vcow_map_equal(h, hb, &eq), VCOW_EINVAL);
    CHECK_RC(vcow_map_equal(h, h, NULL), VCOW_EINVAL);
    CHECK_RC(vcow_map_diff(h, NULL, diff_count_fn, NULL), VCOW_EINVAL);
    CHECK_RC(vcow_map_diff(h, h, NULL, NULL), VCOW_EINVAL);
    CHECK_RC(vcow_map_get_path(h, "scalar.x", &out), VCOW_EINVAL);
    CHECK_RC(vcow_map_get_path(hb, "scalar", &out), VCOW_EINVAL);
    CHECK_RC(vcow_map_check(hb), VCOW_EINVAL);
    vcow_read_unlock();
    CHECK_RC(vcow_map_cell_set(box, "a", i1, NULL), VCOW_EINVAL);
    CHECK_RC(vcow_map_cell_set(NULL, "a", i1, NULL), VCOW_EINVAL);
    CHECK_RC(vcow_map_cell_set(c, NULL, i1, NULL), VCOW_EINVAL);
    CHECK_RC(vcow_map_cell_del(c, NULL, NULL), VCOW_EINVAL);
    CHECK_RC(vcow_map_cell_get(c, NULL, &out, NULL, 0), VCOW_EINVAL);
    CHECK_RC(vcow_map_cell_deln(c, NULL, 1, NULL), VCOW_EINVAL);
    CHECK_RC(vcow_map_cell_get(c, "a", NULL, NULL, 0), VCOW_EINVAL);
    CHECK_OK(vcow_txn_abort(tb));
    vcow_txn_free(tb);
    CHECK_OK(vcow_cell_close(box));
    CHECK_OK(vcow_cell_close(c));
    test_check_all_freed();
}

/* ---- paths ---- */

static void test_paths(void)
{
    vcow_cell *c = open_map(false);
    vcow_txn *t;
    CHECK_OK(vcow_txn_begin(c, &t));
    CHECK_OK(vcow_map_set_path(t, "db.primary.host", sval("10.0.0.1")));
    CHECK_OK(vcow_map_set_path(t, "db.primary.port", vcow_val_i64(5432)));
    CHECK_OK(vcow_map_set_path(t, "db.replicas", vcow_val_i64(2)));
    CHECK_OK(vcow_map_set_path(t, "name", sval("svc")));
    CHECK_OK(vcow_map_check(vcow_txn_view(t)));
    CHECK_OK(vcow_txn_commit(t));
    vcow_txn_free(t);

    vcow_version *v1;
    CHECK_OK(vcow_cell_pin_head(c, &v1));
    vcow_val v;
    CHECK_EQ_INT(map_len(v1), 2);
    CHECK_OK(vcow_map_get_path(v1, "db.primary.host", &v));
    CHECK(slice_is(v, "10.0.0.1"));
    CHECK_OK(vcow_map_get_path(v1, "db.primary.port", &v));
    CHECK(v.type == VCOW_T_I64 && v.u.i64 == 5432);
    CHECK_OK(vcow_map_get(v1, "db", &v));
    CHECK(v.type == VCOW_T_MAP && v.u.root != NULL);
    CHECK_RC(vcow_map_get_path(v1, "db.primary.port.x", &v), VCOW_EINVAL);
    CHECK_RC(vcow_map_get_path(v1, "db.secondary.port", &v), VCOW_ENOENT);
    CHECK_OK(vcow_map_check(v1));

    /* Change one leaf: the old version keeps its value. */
    CHECK_OK(vcow_txn_begin(c, &t));
    CHECK_OK(vcow_map_set_path(t, "db.primary.port", vcow_val_i64(6432)));
    CHECK_OK(vcow_map_del_path(t, "db.replicas"));
    CHECK_RC(vcow_map_del_path(t, "db.replicas"), VCOW_ENOENT);
    CHECK_OK(vcow_txn_commit(t));
    vcow_txn_free(t);
    vcow_version *v2;
    CHECK_OK(vcow_cell_pin_head(c, &v2));
    CHECK_OK(vcow_map_get_path(v1, "db.primary.port", &v));
    CHECK_EQ_INT(v.u.i64, 5432);
    CHECK_OK(vcow_map_get_path(v2, "db.primary.port", &v));
    CHECK_EQ_INT(v.u.i64, 6432);
    CHECK_RC(vcow_map_get_path(v2, "db.replicas", &v), VCOW_ENOENT);
    struct diff_count d = {0, 0, 0};
    CHECK_OK(vcow_map_diff(v1, v2, diff_count_fn, &d));
    CHECK(d.changed == 1 && d.added == 0 && d.removed == 0); /* "db" changed */
    CHECK_OK(vcow_map_check(v2));

    /* Replace a nested map by an empty one, then drop it. */
    char buf[8];
    CHECK_OK(vcow_map_cell_get(c, "db", &v, buf, sizeof(buf)));
    CHECK(v.type == VCOW_T_MAP && v.u.root == NULL);
    vcow_val empty = vcow_val_map();
    CHECK_OK(vcow_map_cell_set(c, "db", empty, NULL));
    vcow_read_lock();
    CHECK_OK(vcow_map_get(vcow_cell_head(c), "db", &v));
    CHECK(v.type == VCOW_T_MAP && v.u.root == NULL);
    vcow_read_unlock();
    CHECK_OK(vcow_txn_begin(c, &t));
    CHECK_OK(vcow_map_set_path(t, "db.x", vcow_val_i64(1)));
    CHECK_OK(vcow_map_get_path(vcow_txn_view(t), "db.x", &v));
    CHECK_EQ_INT(v.u.i64, 1);
    CHECK_OK(vcow_txn_commit(t));
    vcow_txn_free(t);
    CHECK_OK(vcow_map_cell_del(c, "db", NULL));
    vcow_version_unpin(v1);
    vcow_version_unpin(v2);

    /* A deep document, in one txn and then over many txns. */
    CHECK_OK(vcow_txn_begin(c, &t));
    char path[256];
    for (int i = 0; i < 200; i++) {
        sprintf(path, "root.level%d.sub%d.leaf%d", i % 7, i % 13, i);
        CHECK_OK(vcow_map_set_path(t, path, vcow_val_i64(i)));
    }
    CHECK_OK(vcow_map_check(vcow_txn_view(t)));
    CHECK_OK(vcow_txn_commit(t));
    vcow_txn_free(t);
    for (int i = 0; i < 200; i += 3) {
        CHECK_OK(vcow_txn_begin(c, &t));
        sprintf(path, "root.level%d.sub%d.leaf%d", i % 7, i % 13, i);
        CHECK_OK(vcow_map_del_path(t, path));
        CHECK_OK(vcow_txn_commit(t));
        vcow_txn_free(t);
    }
    vcow_read_lock();
    const vcow_version *h = vcow_cell_head(c);
    CHECK_OK(vcow_map_check(h));
    for (int i = 0; i < 200; i++) {
        sprintf(path, "root.level%d.sub%d.leaf%d", i % 7, i % 13, i);
        int rc = vcow_map_get_path(h, path, &v);
        if (i % 3 == 0) {
            CHECK_RC(rc, VCOW_ENOENT);
        } else {
            CHECK_OK(rc);
            CHECK_EQ_INT(v.u.i64, i);
        }
    }
    vcow_read_unlock();
    CHECK_OK(vcow_cell_close(c));
    test_check_all_freed();
}

/* ---- differential ---- */

static void run_diffrand(unsigned long long seed, long ops, unsigned nk, unsigned nm, unsigned ns,
                         uint64_t mask)
{
    vcow_debug_hash_mask(mask);
    unsigned long long rs = seed * 0x9E3779B97F4A7C15ull + 1;
    struct model m;
    model_init(&m, nk, nm, ns);
    vcow_cell *c = open_map(false);
    long done = 0, commits = 0;
    while (done < ops) {
        vcow_txn *t;
        CHECK_OK(vcow_txn_begin(c, &t));
        long batch = 1 + (long)(test_rand(&rs) % 64);
        struct model before;
        bool abort_it = test_rand(&rs) % 16 == 0;
        if (abort_it)
            model_copy(&before, &m);
        for (long i = 0; i < batch && done < ops; i++, done++)
            random_op(t, &m, &rs);
        if (test_rand(&rs) % 8 == 0)
            CHECK_OK(vcow_map_check(vcow_txn_view(t)));
        if (abort_it) {
            CHECK_OK(vcow_txn_abort(t));
            model_free(&m);
            m = before;
        } else {
            CHECK_OK(vcow_txn_commit(t));
        }
        vcow_txn_free(t);
        if (++commits % 64 == 0) {
            vcow_read_lock();
            check_full(vcow_cell_head(c), &m);
            vcow_read_unlock();
        }
        if (commits % 512 == 0)
            check_shape(c, &m);
    }
    vcow_read_lock();
    check_full(vcow_cell_head(c), &m);
    vcow_read_unlock();
    check_shape(c, &m);
    /* Delete everything that is left: the map empties completely. */
    vcow_txn *t;
    CHECK_OK(vcow_txn_begin(c, &t));
    char kb[64];
    for (unsigned i = 0; i < nk; i++)
        if (m.plain[i].present)
            CHECK_OK(vcow_map_deln(t, kb, plain_key(i, kb)));
    for (unsigned i = 0; i < nm; i++)
        if (m.map_present[i])
            CHECK_OK(vcow_map_deln(t, kb, map_key(i, kb)));
    uint64_t len;
    CHECK_OK(vcow_map_len(vcow_txn_view(t), &len));
    CHECK_EQ_INT(len, 0);
    CHECK_OK(vcow_txn_commit(t));
    vcow_txn_free(t);
    CHECK_OK(vcow_cell_close(c));
    model_free(&m);
    vcow_debug_hash_mask(~(uint64_t)0);
    test_check_all_freed();
}

static void test_diffrand(long ops, int seeds)
{
    for (int s = 0; s < seeds; s++) {
        /* Small key spaces make deletes and re-inserts collide often. */
        unsigned nk = s % 2 ? 300 : 3000;
        run_diffrand((unsigned long long)s + 1, ops, nk, 8, 40, ~(uint64_t)0);
    }
    printf("diffrand: %ld ops x %d seeds\n", ops, seeds);
}

static void test_collide(long ops, int seeds)
{
    /* Masks: every key collides; 2 bits of hash (deep chains and full
     * collisions); high and low bits only (chains down to the last level). */
    static const uint64_t masks[] = {0, 0x3, 0xF000000000000001ull, 0x1F0ull};
    static const unsigned nks[] = {40, 400, 400, 1000};
    for (int s = 0; s < seeds; s++) {
        int i = s % 4;
        run_diffrand((unsigned long long)s + 101, ops, nks[i], i == 0 ? 2 : 6, 20, masks[i]);
    }
    printf("collide: %ld ops x %d seeds\n", ops, seeds);
}

/* ---- history ---- */

struct diff_check {
    const struct model *a, *b;
    int events;
    uint8_t *seen_plain, *seen_map;
};

static int diff_check_fn(vcow_slice key, const vcow_val *old_p, const vcow_val *new__p, void *ctx)
{
    /* absent as VCOW_T_NONE, as the checks below were written */
    vcow_val old = old_p != NULL ? *old_p : (vcow_val){VCOW_T_NONE, {{0}}};
    vcow_val new_ = new__p != NULL ? *new__p : (vcow_val){VCOW_T_NONE, {{0}}};
    struct diff_check *d = ctx;
    d->events++;
    char kb[96];
    const struct model *a = d->a, *b = d->b;
    for (unsigned i = 0; i < a->nk; i++) {
        size_t kl = plain_key(i, kb);
        if (kl != key.len || memcmp(kb, key.ptr, kl) != 0)
            continue;
        CHECK(!d->seen_plain[i]);
        d->seen_plain[i] = 1;
        if (a->plain[i].present)
            CHECK(val_matches(old, a->plain[i]));
        else
            CHECK(old.type == VCOW_T_NONE);
        if (b->plain[i].present)
            CHECK(val_matches(new_, b->plain[i]));
        else
            CHECK(new_.type == VCOW_T_NONE);
        return 0;
    }
    for (unsigned i = 0; i < a->nm; i++) {
        size_t kl = map_key(i, kb);
        if (kl != key.len || memcmp(kb, key.ptr, kl) != 0)
            continue;
        CHECK(!d->seen_map[i]);
        d->seen_map[i] = 1;
        CHECK(old.type == (a->map_present[i] ? VCOW_T_MAP : VCOW_T_NONE));
        CHECK(new_.type == (b->map_present[i] ? VCOW_T_MAP : VCOW_T_NONE));
        return 0;
    }
    CHECK(!"diff reported an unknown key");
    return 0;
}

/* Same value (different seeds can make the same bool or bytes). */
static bool mval_equal(const struct mval *x, const struct mval *y)
{
    if (x->present != y->present)
        return false;
    if (!x->present)
        return true;
    unsigned char b1[256];
    return val_matches(make_val(*x, b1), *y);
}

static bool sub_equal(const struct model *a, const struct model *b, unsigned mi)
{
    for (unsigned j = 0; j < a->ns; j++)
        if (!mval_equal(&a->sub[(size_t)mi * a->ns + j], &b->sub[(size_t)mi * b->ns + j]))
            return false;
    return true;
}

static void check_diff(const vcow_version *va, const vcow_version *vb, const struct model *a,
                       const struct model *b)
{
    struct diff_check d = {a, b, 0, calloc(a->nk, 1), calloc(a->nm, 1)};
    CHECK_OK(vcow_map_diff(va, vb, diff_check_fn, &d));
    int expect = 0;
    for (unsigned i = 0; i < a->nk; i++) {
        bool differs = !mval_equal(&a->plain[i], &b->plain[i]);
        CHECK(differs == (d.seen_plain[i] != 0));
        expect += differs;
    }
    for (unsigned i = 0; i < a->nm; i++) {
        bool differs =
            a->map_present[i] != b->map_present[i] || (a->map_present[i] && !sub_equal(a, b, i));
        CHECK(differs == (d.seen_map[i] != 0));
        expect += differs;
    }
    CHECK_EQ_INT(d.events, expect);
    bool eq;
    CHECK_OK(vcow_map_equal(va, vb, &eq));
    CHECK(eq == (expect == 0));
    free(d.seen_plain);
    free(d.seen_map);
}

static void test_history(void)
{
    enum { VERSIONS = 300, PAIRS = 400 };
    unsigned long long rs = 7;
    vcow_cell *c = open_map(true);
    struct model m;
    model_init(&m, 500, 4, 16);
    struct model *snap = calloc(VERSIONS + 1, sizeof(*snap));
    model_copy(&snap[0], &m);
    for (int v = 1; v <= VERSIONS; v++) {
        vcow_txn *t;
        CHECK_OK(vcow_txn_begin(c, &t));
        long batch = v % 10 == 0 ? 0 : 1 + (long)(test_rand(&rs) % 20); /* some empty commits */
        for (long i = 0; i < batch; i++)
            random_op(t, &m, &rs);
        CHECK_OK(vcow_txn_commit(t));
        vcow_txn_free(t);
        model_copy(&snap[v], &m);
    }
    for (int v = 0; v <= VERSIONS; v++) {
        vcow_version *p;
        CHECK_OK(vcow_cell_pin_at(c, (uint64_t)v, &p));
        check_full(p, &snap[v]);
        vcow_version_unpin(p);
    }
    for (int i = 0; i < PAIRS; i++) {
        int a = (int)(test_rand(&rs) % (VERSIONS + 1));
        int b = i % 4 == 0 ? a + 1 : (int)(test_rand(&rs) % (VERSIONS + 1));
        if (b > VERSIONS)
            b = VERSIONS;
        vcow_version *pa, *pb;
        CHECK_OK(vcow_cell_pin_at(c, (uint64_t)a, &pa));
        CHECK_OK(vcow_cell_pin_at(c, (uint64_t)b, &pb));
        check_diff(pa, pb, &snap[a], &snap[b]);
        vcow_version_unpin(pa);
        vcow_version_unpin(pb);
    }
    for (int v = 0; v <= VERSIONS; v++)
        model_free(&snap[v]);
    free(snap);
    model_free(&m);
    CHECK_OK(vcow_cell_close(c));
    test_check_all_freed();
    printf("history: %d versions, %d diffs checked\n", VERSIONS, PAIRS);
}

/* ---- oom ---- */

/* A scripted sequence touching every write path; returns failures seen.
 * After every failed call the txn's content must be what it was. */
static int scripted(void)
{
    int failures = 0;
    vcow_cell *c;
    if (vcow_cell_open(VCOW_KIND_MAP, NULL, &c) != VCOW_OK)
        return 1;
    struct model m;
    model_init(&m, 60, 3, 6);
    unsigned long long rs = 99;
    for (int round = 0; round < 6; round++) {
        vcow_txn *t;
        int rc = vcow_txn_begin(c, &t);
        if (rc != VCOW_OK) {
            CHECK_RC(rc, VCOW_ENOMEM);
            failures++;
            continue;
        }
        struct model before;
        model_copy(&before, &m);
        bool ok = true;
        for (int i = 0; i < 25; i++) {
            unsigned char vb[256];
            char kb[128];
            unsigned k = (unsigned)(test_rand(&rs) % m.nk);
            unsigned op = (unsigned)(test_rand(&rs) % 4);
            struct mval mv = rand_mval(&rs);
            size_t kl = plain_key(k, kb);
            if (op == 0 || op == 1) {
                rc = vcow_map_setn(t, kb, kl, make_val(mv, vb));
                if (rc == VCOW_OK)
                    m.plain[k] = mv;
            } else if (op == 2) {
                rc = vcow_map_deln(t, kb, kl);
                if (rc == VCOW_ENOENT)
                    rc = VCOW_OK;
                if (rc == VCOW_OK)
                    m.plain[k].present = 0;
            } else {
                unsigned mi = k % m.nm, si = k % m.ns;
                size_t n = map_key(mi, kb);
                kb[n++] = '.';
                sub_key(si, kb + n);
                rc = vcow_map_set_path(t, kb, make_val(mv, vb));
                if (rc == VCOW_OK) {
                    if (!m.map_present[mi])
                        memset(&m.sub[mi * m.ns], 0, m.ns * sizeof(struct mval));
                    m.map_present[mi] = 1;
                    m.sub[mi * m.ns + si] = mv;
                }
            }
            if (rc != VCOW_OK) {
                CHECK_RC(rc, VCOW_ENOMEM);
                failures++;
            }
            /* The txn holds exactly the model (failed ops changed nothing). */
            struct src s = {NULL, t};
            uint64_t len;
            CHECK_OK(vcow_map_len(vcow_txn_view(t), &len));
            CHECK_EQ_INT(len, model_len(&m));
            check_plain(s, &m, k);
            CHECK_OK(vcow_map_check(vcow_txn_view(t)));
        }
        if (round % 3 == 2) {
            vcow_txn_abort(t);
            ok = false;
        } else {
            rc = vcow_txn_commit(t);
            if (rc != VCOW_OK) {
                CHECK_RC(rc, VCOW_ENOMEM);
                failures++;
                vcow_txn_abort(t);
                ok = false;
            }
        }
        vcow_txn_free(t);
        if (!ok) {
            model_free(&m);
            m = before;
        } else {
            model_free(&before);
        }
        vcow_read_lock();
        check_full(vcow_cell_head(c), &m);
        vcow_read_unlock();
    }
    model_free(&m);
    CHECK_OK(vcow_cell_close(c));
    return failures;
}

static void test_oom(void)
{
    printf("oom: failed each of %ld allocations in turn\n", test_oom_sweep(scripted));
    long k;
    for (k = 1; k < 400; k += 13) {
        vcow_debug_fail_alloc(k, true);
        scripted();
        vcow_debug_fail_alloc(0, false);
        test_check_all_freed();
    }
}

/* ---- bulk ---- */

static void test_bulk(void)
{
    enum { N = 200000 };
    vcow_cell *c = open_map(false);
    vcow_txn *t;
    char kb[32];
    CHECK_OK(vcow_txn_begin(c, &t));
    for (int i = 0; i < N; i++) {
        int n = sprintf(kb, "key:%08d", i);
        CHECK_OK(vcow_map_setn(t, kb, (size_t)n, sval("0123456789abcdef")));
    }
    CHECK_OK(vcow_txn_commit(t));
    vcow_txn_free(t);
    CHECK_OK(vcow_gc_barrier());
    int64_t base_nodes = test_live_nodes(VCOW_MEM_MAP);

    /* Overwrite every key in one txn: each published node is copied once,
     * then changed in place: exactly twice the nodes while the txn is open. */
    CHECK_OK(vcow_txn_begin(c, &t));
    vcow_debug_fail_alloc(LONG_MAX, false); /* count, fail none */
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < N; i++) {
            int n = sprintf(kb, "key:%08d", i);
            CHECK_OK(vcow_map_setn(t, kb, (size_t)n, vcow_val_i64(i + pass)));
        }
    /* Node copies plus the retire list's chunks (62 entries each). */
    uint64_t allocs = vcow_debug_alloc_count();
    vcow_debug_fail_alloc(0, false);
    CHECK(allocs >= (uint64_t)base_nodes);
    CHECK(allocs <= (uint64_t)base_nodes + (uint64_t)base_nodes / 60 + 8);
    CHECK_OK(vcow_map_check(vcow_txn_view(t)));
    CHECK_OK(vcow_txn_commit(t));
    vcow_txn_free(t);
    vcow_read_lock();
    const vcow_version *h = vcow_cell_head(c);
    CHECK_EQ_INT(map_len(h), N);
    vcow_val v;
    CHECK_OK(vcow_map_get(h, "key:00000007", &v));
    CHECK_EQ_INT(v.u.i64, 8);
    vcow_read_unlock();
    CHECK_OK(vcow_cell_close(c));
    test_check_all_freed();
    printf("bulk: %d keys, %lld nodes\n", N, (long long)base_nodes);
}

/* The empty key is a key like any other (as in a tree): set, get, contains,
 * iterate, diff, delete, in both key forms, beside a 1-byte key. */
static int find_empty_fn(vcow_slice key, const vcow_val *val, void *ctx)
{
    if (key.len == 0) {
        CHECK(val->type == VCOW_T_I64 && val->u.i64 == 7);
        ++*(int *)ctx;
    }
    return 0;
}

static void test_emptykey(void)
{
    vcow_cell *c = open_map(true);
    CHECK_OK(vcow_map_cell_set(c, "", vcow_val_i64(7), NULL));
    CHECK_OK(vcow_map_cell_setn(c, "x", 1, vcow_val_i64(8), NULL));
    vcow_read_lock();
    const vcow_version *h = vcow_cell_head(c);
    vcow_val v;
    CHECK_OK(vcow_map_getn(h, NULL, 0, &v));
    CHECK(v.type == VCOW_T_I64 && v.u.i64 == 7);
    CHECK_OK(vcow_map_get(h, "", NULL)); /* presence only */
    bool has = false;
    CHECK_OK(vcow_map_contains(h, "", &has));
    CHECK(has);
    CHECK_EQ_INT(map_len(h), 2);
    int seen = 0;
    CHECK_OK(vcow_map_iter(h, find_empty_fn, &seen));
    CHECK_EQ_INT(seen, 1);
    CHECK_OK(vcow_map_check(h));
    vcow_read_unlock();
    vcow_version *v2;
    CHECK_OK(vcow_cell_pin_head(c, &v2));
    CHECK_OK(vcow_map_cell_del(c, "", NULL));
    vcow_read_lock();
    h = vcow_cell_head(c);
    CHECK_RC(vcow_map_get(h, "", &v), VCOW_ENOENT);
    CHECK_OK(vcow_map_get(h, "x", &v));
    struct diff_count d = {0, 0, 0};
    CHECK_OK(vcow_map_diff(v2, h, diff_count_fn, &d));
    CHECK(d.added == 0 && d.removed == 1 && d.changed == 0);
    CHECK_OK(vcow_map_check(h));
    vcow_read_unlock();
    vcow_version_unpin(v2);
    CHECK_OK(vcow_cell_close(c));
    test_check_all_freed();
}

int main(int argc, char **argv)
{
    const char *part = argc > 1 ? argv[1] : "basic";
    long ops = argc > 2 ? atol(argv[2]) : 10000;
    int seeds = argc > 3 ? atoi(argv[3]) : 2;
    if (strcmp(part, "basic") == 0) {
        test_basic();
        test_emptykey();
    } else if (strcmp(part, "badinput") == 0)
        test_badinput();
    else if (strcmp(part, "paths") == 0)
        test_paths();
    else if (strcmp(part, "history") == 0)
        test_history();
    else if (strcmp(part, "oom") == 0)
        test_oom();
    else if (strcmp(part, "bulk") == 0)
        test_bulk();
    else if (strcmp(part, "diffrand") == 0)
        test_diffrand(ops, seeds);
    else if (strcmp(part, "collide") == 0)
        test_collide(ops, seeds);
    else
        return 2;
    return 0;
}
