/*
 * tests/map/test_nested.c - trees, ropes and maps nested in a map cell:
 * vcow_map_enter / vcow_txn_leave, views, equality and diff by content.
 *
 * Parts (argv[1]):
 *   basic     one txn fills a tree, a rope and nested maps; views read them;
 *             old versions keep their own nested content
 *   state     commit inside a structure, leave outside one, nesting depth,
 *             wrong kinds and types: the documented error codes
 *   equal     equality and diff look into nested trees and ropes
 *   model     random txns against a reference model (ops, seeds); every
 *             retained version equals the model's snapshot
 *   oom       the k-th allocation fails, for every k of a scripted run:
 *             errors are VCOW_ENOMEM, committed versions unchanged, no leak
 */

#include "tests/rope/model.h"
#include "tests/test.h"

/* The map's length (vcow_map_len), checked to succeed. */
static uint64_t map_len(const vcow_version *v)
{
    uint64_t n = 0;
    CHECK_OK(vcow_map_len(v, &n));
    return n;
}

static const vcow_version *view(const vcow_version *v, const char *path, vcow_view *w)
{
    const vcow_version *out;
    CHECK_OK(vcow_map_view_path(v, path, w, &out));
    return out;
}

static int64_t tree_i64(const vcow_version *tv, const char *key)
{
    vcow_val x;
    CHECK_OK(vcow_tree_get(tv, key, &x));
    CHECK(x.type == VCOW_T_I64);
    return x.u.i64;
}

/* ---- basic ---- */

static void test_basic(void)
{
    struct vcow_cell_opts o = {.size = sizeof(o), .history = true};
    vcow_cell *c;
    CHECK_OK(vcow_cell_open(VCOW_KIND_MAP, &o, &c));
    vcow_txn *t;
    CHECK_OK(vcow_txn_begin(c, &t));
    CHECK_OK(vcow_map_enter(t, "ledger", VCOW_KIND_TREE));
    CHECK_OK(vcow_tree_set(t, "alice", vcow_val_i64(100)));
    CHECK_OK(vcow_tree_set(t, "bob", vcow_val_i64(50)));
    CHECK_OK(vcow_txn_leave(t));
    CHECK_OK(vcow_map_enter(t, "docs.readme", VCOW_KIND_ROPE)); /* creates map "docs" */
    CHECK_OK(vcow_rope_append(t, "h\xC3\xA9llo\n", 7));
    CHECK_OK(vcow_txn_leave(t));
    CHECK_OK(vcow_map_enter(t, "docs", VCOW_KIND_MAP)); /* nest: map, then tree in it */
    CHECK_OK(vcow_map_enter(t, "index", VCOW_KIND_TREE));
    CHECK_OK(vcow_tree_set(t, "k", vcow_val_i64(9)));
    CHECK_OK(vcow_txn_leave(t));
    CHECK_OK(vcow_map_set(t, "owner", vcow_val_bytes("ops", 3)));
    CHECK_OK(vcow_txn_leave(t));
    CHECK_OK(vcow_map_set(t, "count", vcow_val_i64(1)));
    /* _txn reads of the nested tree while inside it */
    CHECK_OK(vcow_map_enter(t, "ledger", VCOW_KIND_TREE));
    uint64_t n;
    CHECK_OK(vcow_tree_len(vcow_txn_view(t), &n));
    CHECK_EQ_INT(n, 2);
    CHECK_OK(vcow_txn_leave(t));
    CHECK_OK(vcow_txn_commit(t));
    vcow_txn_free(t);

    vcow_version *v1;
    CHECK_OK(vcow_cell_pin_head(c, &v1));
    vcow_view w1, w2, w3;
    const vcow_version *ledger = view(v1, "ledger", &w1);
    CHECK_EQ_INT(tree_i64(ledger, "alice"), 100);
    CHECK_EQ_INT(tree_i64(ledger, "bob"), 50);
    CHECK_OK(vcow_tree_check(ledger));
    CHECK_EQ_INT(vcow_version_seq(ledger), vcow_version_seq(v1));
    CHECK(vcow_version_cell(ledger) == c);
    expect_version(view(v1, "docs.readme", &w2), "h\xC3\xA9llo\n", 7);
    CHECK_EQ_INT(tree_i64(view(v1, "docs.index", &w3), "k"), 9);
    vcow_val x;
    CHECK_OK(vcow_map_get_path(v1, "docs.owner", &x));
    CHECK(x.type == VCOW_T_BYTES && x.u.bytes.len == 3);
    CHECK_OK(vcow_map_check(v1));

    /* A second commit changes the tree and the rope; v1 keeps its own. */
    CHECK_OK(vcow_txn_begin(c, &t));
    CHECK_OK(vcow_map_enter(t, "ledger", VCOW_KIND_TREE));
    CHECK_OK(vcow_tree_set(t, "alice", vcow_val_i64(70)));
    CHECK_OK(vcow_tree_set(t, "carol", vcow_val_i64(30)));
    CHECK_OK(vcow_txn_leave(t));
    CHECK_OK(vcow_map_enter(t, "docs.readme", VCOW_KIND_ROPE));
    CHECK_OK(vcow_rope_insert(t, VCOW_ROPE_CHARS, 0, "> ", 2));
    CHECK_OK(vcow_txn_leave(t));
    CHECK_OK(vcow_txn_commit(t));
    vcow_txn_free(t);
    vcow_read_lock();
    const vcow_version *h = vcow_cell_head(c);
    vcow_view a, b;
    CHECK_EQ_INT(tree_i64(view(h, "ledger", &a), "alice"), 70);
    CHECK_EQ_INT(tree_i64(view(h, "ledger", &a), "carol"), 30);
    expect_version(view(h, "docs.readme", &b), "> h\xC3\xA9llo\n", 9);
    vcow_read_unlock();
    CHECK_EQ_INT(tree_i64(ledger, "alice"), 100); /* v1's view, still pinned */
    CHECK(vcow_tree_get(ledger, "carol", &x) == VCOW_ENOENT);
    expect_version(view(v1, "docs.readme", &w2), "h\xC3\xA9llo\n", 7);

    /* Pinning a view pins its version; unpinning a view unpins it. */
    vcow_version *p;
    CHECK_OK(vcow_version_pin(ledger, &p));
    CHECK(vcow_version_seq(p) == vcow_version_seq(v1) && vcow_version_cell(p) == c);
    vcow_version_unpin((vcow_version *)ledger);
    vcow_version_unpin(v1);

    /* Deleting the key drops the whole nested tree (freed with its version). */
    CHECK_OK(vcow_map_cell_del(c, "ledger", NULL));
    CHECK_OK(vcow_map_cell_get(c, "count", &x, NULL, 0));
    CHECK_EQ_INT(x.u.i64, 1);
    CHECK_OK(vcow_cell_close(c));
    test_check_all_freed();
}

/* ---- state and bad input ---- */

static int leave_inside(vcow_txn *t, void *ctx)
{
    (void)ctx;
    int rc = vcow_map_enter(t, "t", VCOW_KIND_TREE);
    if (rc == VCOW_OK)
        rc = vcow_tree_set(t, "x", vcow_val_i64(1));
    return rc; /* forgets to leave */
}

static void test_state(void)
{
    vcow_cell *c;
    CHECK_OK(vcow_cell_open(VCOW_KIND_MAP, NULL, &c));
    vcow_txn *t;
    CHECK_OK(vcow_txn_begin(c, &t));
    CHECK_RC(vcow_txn_leave(t), VCOW_ESTATE); /* not inside anything */
    CHECK_RC(vcow_txn_leave(NULL), VCOW_EINVAL);
    CHECK_OK(vcow_map_set(t, "n", vcow_val_i64(5)));
    CHECK_RC(vcow_map_enter(t, "n", VCOW_KIND_TREE), VCOW_EINVAL);   /* holds an i64 */
    CHECK_RC(vcow_map_enter(t, "n.x", VCOW_KIND_TREE), VCOW_EINVAL); /* through an i64 */
    CHECK_RC(vcow_map_enter(t, "a", VCOW_KIND_BOX), VCOW_EINVAL);    /* not nestable */
    CHECK_RC(vcow_map_enter(t, "a", (enum vcow_kind)99), VCOW_EINVAL);
    CHECK_RC(vcow_map_enter(t, "", VCOW_KIND_TREE), VCOW_EINVAL);
    CHECK_RC(vcow_map_enter(t, "a..b", VCOW_KIND_TREE), VCOW_EINVAL);
    CHECK_RC(vcow_map_enter(t, NULL, VCOW_KIND_TREE), VCOW_EINVAL);
    CHECK_RC(vcow_map_enter(NULL, "a", VCOW_KIND_TREE), VCOW_EINVAL);
    /* Only empty nested structures can be stored by value. */
    int dummy;
    CHECK_RC(vcow_map_set(t, "a", (vcow_val){VCOW_T_TREE, {.root = &dummy}}), VCOW_EINVAL);
    CHECK_OK(vcow_map_set(t, "r", (vcow_val){VCOW_T_ROPE, {.root = NULL}}));
    CHECK_RC(vcow_map_enter(t, "r", VCOW_KIND_TREE), VCOW_EINVAL); /* a rope, not a tree */
    CHECK_OK(vcow_map_enter(t, "tr", VCOW_KIND_TREE));
    /* Inside a tree: map calls and entering are the wrong kind. */
    CHECK_RC(vcow_map_set(t, "z", vcow_val_i64(1)), VCOW_EINVAL);
    CHECK_RC(vcow_map_enter(t, "z", VCOW_KIND_TREE), VCOW_EINVAL);
    CHECK_RC(vcow_rope_append(t, "x", 1), VCOW_EINVAL);
    CHECK_OK(vcow_tree_set(t, "k", vcow_val_i64(7)));
    CHECK_RC(vcow_txn_commit(t), VCOW_ESTATE); /* inside: refused, txn open */
    CHECK_OK(vcow_txn_leave(t));
    CHECK_OK(vcow_txn_commit(t));
    CHECK_RC(vcow_txn_leave(t), VCOW_ESTATE); /* finished */
    vcow_txn_free(t);

    /* Nesting depth: 8 levels of maps, the 9th is VCOW_ERANGE. */
    CHECK_OK(vcow_txn_begin(c, &t));
    for (int i = 0; i < 8; i++)
        CHECK_OK(vcow_map_enter(t, "m", VCOW_KIND_MAP));
    CHECK_RC(vcow_map_enter(t, "m", VCOW_KIND_MAP), VCOW_ERANGE);
    CHECK_OK(vcow_map_set(t, "deep", vcow_val_i64(8)));
    for (int i = 0; i < 8; i++)
        CHECK_OK(vcow_txn_leave(t));
    CHECK_OK(vcow_txn_commit(t));
    vcow_txn_free(t);

    /* An update whose fn stays inside: VCOW_ESTATE, nothing committed. */
    uint64_t seq_before;
    vcow_read_lock();
    seq_before = vcow_version_seq(vcow_cell_head(c));
    vcow_read_unlock();
    CHECK_RC(vcow_cell_update(c, leave_inside, NULL, NULL), VCOW_ESTATE);

    /* An abort from deep inside frees what the txn made. */
    CHECK_OK(vcow_txn_begin(c, &t));
    CHECK_OK(vcow_map_enter(t, "x", VCOW_KIND_MAP));
    CHECK_OK(vcow_map_enter(t, "y", VCOW_KIND_TREE));
    for (int i = 0; i < 500; i++) {
        char k[16];
        CHECK_OK(vcow_tree_setn(t, k, (size_t)snprintf(k, sizeof(k), "k%d", i), vcow_val_i64(i)));
    }
    vcow_txn_free(t);

    vcow_read_lock();
    const vcow_version *h = vcow_cell_head(c);
    CHECK_EQ_INT(vcow_version_seq(h), seq_before);
    vcow_val x;
    CHECK_OK(vcow_map_get_path(h, "m.m.m.m.m.m.m.m.deep", &x));
    CHECK_EQ_INT(x.u.i64, 8);
    vcow_view w;
    const vcow_version *tv = view(h, "tr", &w);
    CHECK_EQ_INT(tree_i64(tv, "k"), 7);
    CHECK(vcow_view_of(&w, h, vcow_val_i64(1)) == NULL); /* not nested */
    CHECK(vcow_view_of(NULL, h, x) == NULL);
    CHECK(vcow_view_of(&w, NULL, (vcow_val){VCOW_T_TREE, {.root = NULL}}) == NULL);
    const vcow_version *out;
    CHECK_RC(vcow_map_view_path(h, "m.m.m.m.m.m.m.m.deep", &w, &out), VCOW_EINVAL);
    CHECK_RC(vcow_map_view_path(h, "nope", &w, &out), VCOW_ENOENT);
    CHECK_RC(vcow_map_view_path(h, "tr", NULL, &out), VCOW_EINVAL);
    /* An empty nested rope reads as the empty text. */
    expect_version(view(h, "r", &w), "", 0);
    /* A view is not a map: hamt reads on a tree view refuse it. */
    CHECK(vcow_map_get(tv, "k", &x) == VCOW_EINVAL);
    vcow_read_unlock();
    CHECK_OK(vcow_cell_close(c));
    test_check_all_freed();
}

/* ---- equality and diff by content ---- */

static int fill(vcow_txn *t, void *ctx)
{
    const int *variant = ctx;
    int rc = vcow_map_enter(t, "tree", VCOW_KIND_TREE);
    for (int i = 0; i < 300 && rc == VCOW_OK; i++) {
        char k[16];
        rc = vcow_tree_setn(t, k, (size_t)snprintf(k, sizeof(k), "key%04d", i),
                            vcow_val_i64(i == 150 ? *variant : i));
    }
    if (rc == VCOW_OK)
        rc = vcow_txn_leave(t);
    if (rc == VCOW_OK)
        rc = vcow_map_enter(t, "rope", VCOW_KIND_ROPE);
    for (int i = 0; i < 200 && rc == VCOW_OK; i++)
        rc = vcow_rope_append(t, i == 100 && *variant ? "X line\n" : "a line\n", 7);
    if (rc == VCOW_OK)
        rc = vcow_txn_leave(t);
    return rc;
}

struct seen {
    int changed;
    char key[16];
};

static int on_diff(vcow_slice key, const vcow_val *old_p, const vcow_val *new__p, void *ctx)
{
    /* absent as VCOW_T_NONE, as the checks below were written */
    vcow_val old = old_p != NULL ? *old_p : (vcow_val){VCOW_T_NONE, {{0}}};
    vcow_val new_ = new__p != NULL ? *new__p : (vcow_val){VCOW_T_NONE, {{0}}};
    struct seen *s = ctx;
    CHECK(old.type != VCOW_T_NONE && new_.type != VCOW_T_NONE);
    s->changed++;
    memcpy(s->key, key.ptr, key.len < 15 ? key.len : 15);
    s->key[key.len < 15 ? key.len : 15] = 0;
    return 0;
}

static void test_equal(void)
{
    vcow_cell *a, *b;
    struct vcow_cell_opts o = {.size = sizeof(o), .history = true};
    CHECK_OK(vcow_cell_open(VCOW_KIND_MAP, &o, &a));
    CHECK_OK(vcow_cell_open(VCOW_KIND_MAP, NULL, &b));
    int v0 = 0, v1 = 1;
    CHECK_OK(vcow_cell_update(a, fill, &v0, NULL));
    CHECK_OK(vcow_cell_update(b, fill, &v0, NULL));
    bool eq;
    vcow_read_lock();
    CHECK_OK(vcow_map_equal(vcow_cell_head(a), vcow_cell_head(b), &eq));
    CHECK(eq); /* different nodes, same content */
    vcow_read_unlock();

    /* Change the tree only: equal says no; diff names "tree" alone. */
    CHECK_OK(vcow_cell_update(b, fill, &v1, NULL));
    vcow_read_lock();
    CHECK_OK(vcow_map_equal(vcow_cell_head(a), vcow_cell_head(b), &eq));
    CHECK(!eq);
    struct seen s = {0, {0}};
    CHECK_OK(vcow_map_diff(vcow_cell_head(a), vcow_cell_head(b), on_diff, &s));
    CHECK_EQ_INT(s.changed, 2); /* the tree (one value) and the rope (one line) */
    vcow_read_unlock();

    /* In one lineage: a version whose rope alone changed diffs as "rope". */
    vcow_version *p;
    CHECK_OK(vcow_cell_pin_head(a, &p));
    vcow_txn *t;
    CHECK_OK(vcow_txn_begin(a, &t));
    CHECK_OK(vcow_map_enter(t, "rope", VCOW_KIND_ROPE));
    CHECK_OK(vcow_rope_insert(t, VCOW_ROPE_BYTES, 3, "!", 1));
    CHECK_OK(vcow_txn_leave(t));
    CHECK_OK(vcow_txn_commit(t));
    vcow_txn_free(t);
    vcow_read_lock();
    memset(&s, 0, sizeof(s));
    CHECK_OK(vcow_map_diff(p, vcow_cell_head(a), on_diff, &s));
    CHECK_EQ_INT(s.changed, 1);
    CHECK(strcmp(s.key, "rope") == 0);
    CHECK_OK(vcow_map_equal(p, vcow_cell_head(a), &eq));
    CHECK(!eq);
    vcow_read_unlock();
    vcow_version_unpin(p);
    CHECK_OK(vcow_cell_close(a));
    CHECK_OK(vcow_cell_close(b));
    test_check_all_freed();
}

/* ---- model ---- */

#define NKEYS   24
#define TEXTCAP 4096

struct nmodel {
    int64_t bal[NKEYS];
    bool has[NKEYS];  /* tree entries */
    bool flag[NKEYS]; /* nested map "flags" entries (i64 = index) */
    char text[TEXTCAP];
    uint64_t len;
    int64_t count;
};

static size_t key_of(unsigned i, char *buf)
{
    return (size_t)snprintf(buf, 16, "k%02u", i);
}

/* One random step on txn t and model m, inside the structure it names.
 * Returns the vcow result; the model changes only on VCOW_OK. */
static int step(vcow_txn *t, struct nmodel *m, unsigned long long *rs)
{
    unsigned op = (unsigned)(test_rand(rs) % 6);
    unsigned k = (unsigned)(test_rand(rs) % NKEYS);
    char kb[16];
    size_t kl = key_of(k, kb);
    int rc;
    switch (op) {
    case 0:
    case 1: { /* tree set / del */
        if ((rc = vcow_map_enter(t, "ledger", VCOW_KIND_TREE)) != VCOW_OK)
            return rc;
        int64_t v = (int64_t)(test_rand(rs) % 1000);
        if (op == 0)
            rc = vcow_tree_setn(t, kb, kl, vcow_val_i64(v));
        else if ((rc = vcow_tree_deln(t, kb, kl)) == VCOW_ENOENT)
            rc = m->has[k] ? VCOW_ECORRUPT : VCOW_OK;
        CHECK_OK(vcow_txn_leave(t));
        if (rc == VCOW_OK) {
            m->has[k] = op == 0;
            m->bal[k] = v;
        }
        return rc;
    }
    case 2:
    case 3: { /* rope insert / delete */
        if ((rc = vcow_map_enter(t, "text.body", VCOW_KIND_ROPE)) != VCOW_OK)
            return rc;
        size_t pos = m->len ? (size_t)(test_rand(rs) % (m->len + 1)) : 0;
        if (op == 2 || m->len == 0) {
            char ins[8];
            size_t n = 1 + (size_t)(test_rand(rs) % 7);
            for (size_t i = 0; i < n; i++)
                ins[i] = (char)('a' + test_rand(rs) % 26);
            if (m->len + n > TEXTCAP)
                n = 0;
            rc = n ? vcow_rope_insert(t, VCOW_ROPE_BYTES, pos, ins, n) : VCOW_OK;
            if (rc == VCOW_OK && n) {
                memmove(m->text + pos + n, m->text + pos, m->len - pos);
                memcpy(m->text + pos, ins, n);
                m->len += n;
            }
        } else {
            size_t n = (size_t)(test_rand(rs) % 5);
            if (pos + n > m->len)
                n = m->len - pos;
            rc = vcow_rope_delete(t, VCOW_ROPE_BYTES, pos, n);
            if (rc == VCOW_OK) {
                memmove(m->text + pos, m->text + pos + n, m->len - pos - n);
                m->len -= n;
            }
        }
        CHECK_OK(vcow_txn_leave(t));
        return rc;
    }
    case 4: /* nested map, by enter */
        if ((rc = vcow_map_enter(t, "flags", VCOW_KIND_MAP)) != VCOW_OK)
            return rc;
        if (m->flag[k]) {
            rc = vcow_map_deln(t, kb, kl);
        } else {
            rc = vcow_map_setn(t, kb, kl, vcow_val_i64(k));
        }
        CHECK_OK(vcow_txn_leave(t));
        if (rc == VCOW_OK)
            m->flag[k] = !m->flag[k];
        return rc;
    default:
        rc = vcow_map_set(t, "count", vcow_val_i64(m->count + 1));
        if (rc == VCOW_OK)
            m->count++;
        return rc;
    }
}

/* The version (or the txn, when v is NULL) holds exactly the model. */
static void check_model(const vcow_version *v, const struct nmodel *m)
{
    vcow_view w;
    const vcow_version *tv = NULL, *rv = NULL, *fv = NULL;
    vcow_val x;
    int rc = vcow_map_view_path(v, "ledger", &w, &tv);
    uint64_t n = 0;
    if (rc == VCOW_OK)
        CHECK_OK(vcow_tree_len(tv, &n));
    else
        CHECK_RC(rc, VCOW_ENOENT);
    uint64_t want = 0;
    for (unsigned k = 0; k < NKEYS; k++) {
        want += m->has[k];
        char kb[16];
        size_t kl = key_of(k, kb);
        if (tv != NULL) {
            rc = vcow_tree_getn(tv, kb, kl, &x);
            CHECK_RC(rc, m->has[k] ? VCOW_OK : VCOW_ENOENT);
            CHECK(!m->has[k] || x.u.i64 == m->bal[k]);
        }
    }
    CHECK_EQ_INT(n, want);
    vcow_view w2, w3;
    if (vcow_map_view_path(v, "text.body", &w2, &rv) == VCOW_OK)
        expect_version(rv, m->text, m->len);
    else
        CHECK_EQ_INT(m->len, 0);
    if (vcow_map_view_path(v, "flags", &w3, &fv) == VCOW_OK) {
        size_t nf = 0;
        for (unsigned k = 0; k < NKEYS; k++) {
            char kb[16];
            nf += m->flag[k];
            bool has;
            CHECK_OK(vcow_map_containsn(fv, kb, key_of(k, kb), &has));
            CHECK(has == m->flag[k]);
        }
        CHECK_EQ_INT(map_len(fv), nf);
    }
    rc = vcow_map_get(v, "count", &x);
    CHECK(rc == VCOW_OK ? x.u.i64 == m->count : m->count == 0);
}

static void test_model(long ops, int seeds)
{
    long total = 0, versions = 0;
    for (int seed = 1; seed <= seeds; seed++) {
        unsigned long long rs = 0x9E3779B97F4A7C15ull * (unsigned long long)seed;
        struct vcow_cell_opts o = {.size = sizeof(o), .history = true};
        vcow_cell *c;
        CHECK_OK(vcow_cell_open(VCOW_KIND_MAP, &o, &c));
        size_t cap = (size_t)ops + 2;
        struct nmodel *snap = calloc(cap, sizeof(*snap)); /* by seq */
        struct nmodel m;
        memset(&m, 0, sizeof(m));
        uint64_t seq = 0;
        for (long i = 0; i < ops;) {
            vcow_txn *t;
            CHECK_OK(vcow_txn_begin(c, &t));
            struct nmodel before = m;
            int nstep = 1 + (int)(test_rand(&rs) % 6);
            for (int s = 0; s < nstep; s++, i++)
                CHECK_OK(step(t, &m, &rs));
            if (test_rand(&rs) % 8 == 0) {
                CHECK_OK(vcow_txn_abort(t));
                m = before;
            } else {
                CHECK_OK(vcow_txn_commit(t));
                snap[++seq] = m;
            }
            vcow_txn_free(t);
            total += nstep;
        }
        /* Every version of the history equals its snapshot. */
        for (uint64_t s = 1; s <= seq; s++) {
            vcow_version *p;
            CHECK_OK(vcow_cell_pin_at(c, s, &p));
            check_model(p, &snap[s]);
            vcow_version_unpin(p);
            versions++;
        }
        free(snap);
        CHECK_OK(vcow_cell_close(c));
        test_check_all_freed();
    }
    printf("model: %ld ops, %ld versions checked\n", total, versions);
}

/* ---- oom ---- */

/* A scripted run; returns the failures seen. After a failed step the txn
 * is aborted and the head must still hold the model. */
static int scripted(void)
{
    int failures = 0;
    vcow_cell *c;
    struct vcow_cell_opts o = {.size = sizeof(o), .history = true};
    if (vcow_cell_open(VCOW_KIND_MAP, &o, &c) != VCOW_OK)
        return 1;
    unsigned long long rs = 7;
    struct nmodel m;
    memset(&m, 0, sizeof(m));
    for (int round = 0; round < 12; round++) {
        vcow_txn *t;
        int rc = vcow_txn_begin(c, &t);
        if (rc != VCOW_OK) {
            CHECK_RC(rc, VCOW_ENOMEM);
            failures++;
            continue;
        }
        struct nmodel before = m;
        for (int s = 0; s < 8 && rc == VCOW_OK; s++)
            rc = step(t, &m, &rs);
        if (rc == VCOW_OK)
            rc = vcow_txn_commit(t);
        if (rc != VCOW_OK) {
            CHECK_RC(rc, VCOW_ENOMEM);
            failures++;
            vcow_txn_abort(t);
            m = before;
        }
        vcow_txn_free(t);
        vcow_read_lock();
        check_model(vcow_cell_head(c), &m);
        vcow_read_unlock();
    }
    CHECK_OK(vcow_cell_close(c));
    return failures;
}

static void test_oom(void)
{
    printf("oom: failed each of %ld allocations in turn\n", test_oom_sweep(scripted));
}

int main(int argc, char **argv)
{
    const char *part = argc > 1 ? argv[1] : "basic";
    if (strcmp(part, "basic") == 0)
        test_basic();
    else if (strcmp(part, "state") == 0)
        test_state();
    else if (strcmp(part, "equal") == 0)
        test_equal();
    else if (strcmp(part, "model") == 0)
        test_model(argc > 2 ? atol(argv[2]) : 20000, argc > 3 ? atoi(argv[3]) : 2);
    else if (strcmp(part, "oom") == 0)
        test_oom();
    else
        return 2;
    return 0;
}
