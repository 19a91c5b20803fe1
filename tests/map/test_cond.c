/*
 * tests/map/test_cond.c - conditional commits and rebase (vcow/cell.h,
 * "Conditional commits and rebase"; vcow/map.h, vcow/tree.h).
 *
 * Parts: seq (vcow_txn_if_seq), unchanged (what counts as a write: change
 * and change back, same-value put, delete, absent keys; history on and
 * off), equal, modseq, tree, update (vcow_cell_update and VCOW_ECOND),
 * rebase (disjoint keys, overlapping writes, reads, write skew, reads of
 * everything, conditions on the new head, nested values, blobs, deletes),
 * oom (allocation failure inside a rebase), model (differential: random
 * interleaved txns against a serial replay), mt (writers rebasing on own
 * keys, invariant-checking readers).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "tests/test.h"

static vcow_cell *open_map(bool history)
{
    struct vcow_cell_opts o = {.size = sizeof(o), .history = history};
    vcow_cell *c;
    CHECK_OK(vcow_cell_open(VCOW_KIND_MAP, &o, &c));
    return c;
}

static uint64_t put(vcow_cell *c, const char *key, int64_t x)
{
    uint64_t seq;
    CHECK_OK(vcow_map_cell_set(c, key, vcow_val_i64(x), &seq));
    return seq;
}

static int64_t get_i64(vcow_cell *c, const char *key)
{
    vcow_val v;
    int rc = vcow_map_cell_get(c, key, &v, NULL, 0);
    if (rc == VCOW_ENOENT)
        return INT64_MIN;
    CHECK_OK(rc);
    CHECK_EQ_INT(v.type, VCOW_T_I64);
    return v.u.i64;
}

static uint64_t head_seq(vcow_cell *c)
{
    struct vcow_cell_stats s;
    CHECK_OK(vcow_cell_get_stats(c, &s));
    return s.head_seq;
}

/* ---- vcow_txn_if_seq ---- */

static void test_seq(void)
{
    vcow_cell *c = open_map(false);
    put(c, "a", 1); /* seq 1 */
    vcow_txn *t;
    CHECK_OK(vcow_txn_begin(c, &t));
    CHECK_OK(vcow_txn_if_seq(t, 1));
    CHECK_OK(vcow_map_set(t, "a", vcow_val_i64(2)));
    CHECK_OK(vcow_txn_commit(t));
    vcow_txn_free(t);
    CHECK_EQ_INT(get_i64(c, "a"), 2);

    /* The base is 2, not 1: no commit, the txn is finished. */
    CHECK_OK(vcow_txn_begin(c, &t));
    CHECK_OK(vcow_txn_if_seq(t, 1));
    CHECK_OK(vcow_map_set(t, "a", vcow_val_i64(3)));
    CHECK_RC(vcow_txn_commit(t), VCOW_ECOND);
    CHECK_RC(vcow_map_set(t, "a", vcow_val_i64(3)), VCOW_ESTATE);
    CHECK_RC(vcow_txn_if_seq(t, 2), VCOW_ESTATE);
    vcow_txn_free(t);
    CHECK_EQ_INT(get_i64(c, "a"), 2);
    CHECK_EQ_INT(head_seq(c), 2);

    /* The head moves after begin: VCOW_ECOND, not VCOW_ECONFLICT, with or
     * without rebase, and even for a disjoint key. */
    for (int rebase = 0; rebase < 2; rebase++) {
        CHECK_OK(vcow_txn_begin(c, &t));
        CHECK_OK(vcow_txn_set_rebase(t, rebase != 0));
        uint64_t s = head_seq(c);
        CHECK_OK(vcow_txn_if_seq(t, s));
        CHECK_OK(vcow_map_set(t, "x", vcow_val_i64(1)));
        put(c, "y", 1);
        CHECK_RC(vcow_txn_commit(t), VCOW_ECOND);
        vcow_txn_free(t);
        CHECK_EQ_INT(get_i64(c, "x"), INT64_MIN);
    }
    /* Two different seqs can never both hold. */
    CHECK_OK(vcow_txn_begin(c, &t));
    uint64_t s = head_seq(c);
    CHECK_OK(vcow_txn_if_seq(t, s));
    CHECK_OK(vcow_txn_if_seq(t, s + 1));
    CHECK_RC(vcow_txn_commit(t), VCOW_ECOND);
    vcow_txn_free(t);
    CHECK_RC(vcow_txn_if_seq(NULL, 1), VCOW_EINVAL);
    CHECK(strcmp(vcow_strerror(VCOW_ECOND), "unknown vcow error") != 0);
    CHECK_OK(vcow_cell_close(c));
    test_check_all_freed();
}

/* ---- what counts as a write ---- */

static int since(vcow_cell *c, const char *key, uint64_t seq)
{
    vcow_txn *t;
    CHECK_OK(vcow_txn_begin(c, &t));
    int rc = vcow_map_if_unchanged_since(t, key, seq);
    if (rc == VCOW_OK) {
        CHECK_OK(vcow_map_set(t, "_probe", vcow_val_i64((int64_t)seq)));
        rc = vcow_txn_commit(t);
    }
    vcow_txn_free(t);
    return rc;
}

static void test_unchanged(void)
{
    for (int history = 0; history < 2; history++) {
        vcow_cell *c = open_map(history != 0);
        vcow_version *keep = NULL;
        if (!history)
            CHECK_OK(vcow_cell_pin_head(c, &keep)); /* keeps every version from 0 */
        /* The _probe commits of since() write only _probe. */
        put(c, "a", 1);                         /* 1 */
        uint64_t s2 = put(c, "a", 2);           /* 2 */
        uint64_t s3 = put(c, "a", 1);           /* 3: back to 1 */
        CHECK_RC(since(c, "a", 1), VCOW_ECOND); /* changed and changed back */
        CHECK_OK(since(c, "a", s3));            /* 4 */
        CHECK_RC(since(c, "a", s2), VCOW_ECOND);
        uint64_t s5 = put(c, "a", 1); /* 5: the same value */
        CHECK_OK(since(c, "a", s3));  /* 6: a same-value put is no write */
        uint64_t s7 = head_seq(c);
        CHECK_OK(vcow_map_cell_del(c, "a", NULL)); /* 7: delete */
        CHECK_RC(since(c, "a", s7), VCOW_ECOND);
        CHECK_OK(since(c, "a", s7 + 1)); /* 8 */
        CHECK_OK(since(c, "nope", 0));   /* 9: absent all along */
        uint64_t s9 = head_seq(c);
        put(c, "nope", 0); /* 10: added */
        CHECK_RC(since(c, "nope", s9), VCOW_ECOND);
        (void)s5;
        /* Since the base: nothing can have changed without a lost CAS. */
        vcow_txn *t;
        CHECK_OK(vcow_txn_begin(c, &t));
        CHECK_OK(vcow_map_if_unchanged(t, "a"));
        CHECK_RC(vcow_map_if_unchanged_since(t, "a", head_seq(c) + 1), VCOW_ERANGE);
        CHECK_RC(vcow_map_if_unchanged_since(t, "a", UINT64_MAX), VCOW_ERANGE);
        CHECK_RC(vcow_map_if_unchanged(t, NULL), VCOW_EINVAL);
        CHECK_RC(vcow_map_if_unchangedn(t, NULL, 1), VCOW_EINVAL);
        CHECK_OK(vcow_map_if_unchangedn(t, NULL, 0)); /* the empty key */
        CHECK_OK(vcow_txn_commit(t));
        vcow_txn_free(t);
        if (keep != NULL)
            vcow_version_unpin(keep);
        /* Without history nor a pin the old versions are gone. */
        if (!history) {
            CHECK_RC(since(c, "a", 1), VCOW_ENOENT);
            CHECK_OK(since(c, "a", head_seq(c)));
        } else {
            CHECK_RC(since(c, "a", 1), VCOW_ECOND);
        }
        CHECK_OK(vcow_cell_close(c));
    }
    /* Not a map cell. */
    vcow_cell *b;
    CHECK_OK(vcow_cell_open(VCOW_KIND_BOX, NULL, &b));
    vcow_txn *t;
    CHECK_OK(vcow_txn_begin(b, &t));
    CHECK_RC(vcow_map_if_unchanged(t, "a"), VCOW_EINVAL);
    CHECK_RC(vcow_txn_set_rebase(t, true), VCOW_EINVAL);
    vcow_txn_free(t);
    CHECK_OK(vcow_cell_close(b));
    test_check_all_freed();
}

/* ---- equal ---- */

static int equal(vcow_cell *c, const char *key, vcow_val v)
{
    vcow_txn *t;
    CHECK_OK(vcow_txn_begin(c, &t));
    int rc = vcow_map_if_equal(t, key, v);
    if (rc == VCOW_OK) {
        CHECK_OK(vcow_map_set(t, "_probe", vcow_val_bool(true)));
        rc = vcow_txn_commit(t);
    }
    vcow_txn_free(t);
    return rc;
}

static void test_equal(void)
{
    vcow_cell *c = open_map(false);
    char big[100];
    memset(big, 'b', sizeof(big));
    put(c, "i", 7);
    CHECK_OK(vcow_map_cell_set(c, "s", vcow_val_bytes(big, sizeof(big)), NULL));
    CHECK_OK(vcow_map_cell_set(c, "f", vcow_val_f64(0.0), NULL));
    CHECK_OK(vcow_map_cell_set(c, "n", vcow_val_map(), NULL));
    uint64_t s0 = head_seq(c);
    CHECK_OK(equal(c, "i", vcow_val_i64(7)));
    CHECK_RC(equal(c, "i", vcow_val_i64(8)), VCOW_ECOND);
    CHECK_RC(equal(c, "i", vcow_val_str("7")), VCOW_ECOND);
    CHECK_OK(equal(c, "s", vcow_val_bytes(big, sizeof(big))));
    CHECK_RC(equal(c, "s", vcow_val_bytes(big, sizeof(big) - 1)), VCOW_ECOND);
    CHECK_RC(equal(c, "f", vcow_val_f64(-0.0)), VCOW_ECOND); /* bit patterns */
    vcow_val none = {.type = VCOW_T_NONE};
    CHECK_OK(equal(c, "absent", none));
    CHECK_RC(equal(c, "i", none), VCOW_ECOND);
    CHECK_RC(equal(c, "n", vcow_val_map()), VCOW_EINVAL);
    CHECK_EQ_INT(head_seq(c), s0 + 3); /* only the commits that held */
    CHECK_OK(vcow_cell_close(c));
    test_check_all_freed();
}

/* ---- mod_seq ---- */

static uint64_t mod_seq(vcow_cell *c, const char *key, int *rc)
{
    vcow_version *v;
    CHECK_OK(vcow_cell_pin_head(c, &v));
    uint64_t s = UINT64_MAX;
    *rc = vcow_map_mod_seq(v, key, &s);
    vcow_version_unpin(v);
    return s;
}

static void test_modseq(void)
{
    vcow_cell *c = open_map(true);
    int rc;
    CHECK_EQ_INT(mod_seq(c, "a", &rc), 0); /* never written */
    CHECK_OK(rc);
    uint64_t s1 = put(c, "a", 1);
    put(c, "b", 1);
    CHECK_EQ_INT(mod_seq(c, "a", &rc), s1);
    put(c, "a", 1); /* same value: no write */
    CHECK_EQ_INT(mod_seq(c, "a", &rc), s1);
    put(c, "a", 2);
    uint64_t s5 = put(c, "a", 1); /* changed back: a write */
    CHECK_EQ_INT(mod_seq(c, "a", &rc), s5);
    CHECK_OK(rc);
    /* Older than what is kept: ENOENT. */
    put(c, "c", 1);
    CHECK_OK(vcow_cell_trim(c, s5)); /* s5 - 1 goes */
    CHECK_EQ_INT(mod_seq(c, "c", &rc), s5 + 1);
    CHECK_OK(rc);
    (void)mod_seq(c, "a", &rc);
    CHECK_RC(rc, VCOW_ENOENT);
    /* Views and txn views have no history of their own. */
    vcow_txn *t;
    CHECK_OK(vcow_txn_begin(c, &t));
    uint64_t s;
    CHECK_RC(vcow_map_mod_seq(vcow_txn_view(t), "a", &s), VCOW_EINVAL);
    CHECK_RC(vcow_map_mod_seq(vcow_txn_base(t), NULL, &s), VCOW_EINVAL);
    vcow_txn_free(t);
    CHECK_OK(vcow_cell_close(c));
    test_check_all_freed();
}

/* ---- trees ---- */

static void test_tree(void)
{
    for (int history = 0; history < 2; history++) {
        struct vcow_cell_opts o = {.size = sizeof(o), .history = history != 0};
        vcow_cell *c;
        CHECK_OK(vcow_cell_open(VCOW_KIND_TREE, &o, &c));
        vcow_version *keep;
        CHECK_OK(vcow_cell_pin_head(c, &keep));
        CHECK_OK(vcow_tree_cell_set(c, "k", vcow_val_i64(1), NULL)); /* 1 */
        CHECK_OK(vcow_tree_cell_set(c, "k", vcow_val_i64(2), NULL)); /* 2 */
        CHECK_OK(vcow_tree_cell_set(c, "k", vcow_val_i64(1), NULL)); /* 3 */
        CHECK_OK(vcow_tree_cell_set(c, "k", vcow_val_i64(1), NULL)); /* 4: same */
        vcow_txn *t;
        CHECK_OK(vcow_txn_begin(c, &t));
        CHECK_OK(vcow_tree_if_unchanged_since(t, "k", 1)); /* 2 and 3 wrote it */
        CHECK_OK(vcow_tree_set(t, "z", vcow_val_i64(0)));
        CHECK_RC(vcow_txn_commit(t), VCOW_ECOND);
        vcow_txn_free(t);
        CHECK_OK(vcow_txn_begin(c, &t));
        CHECK_OK(vcow_tree_if_unchanged_since(t, "k", 3)); /* 4 is no write */
        CHECK_OK(vcow_tree_if_equal(t, "k", vcow_val_i64(1)));
        CHECK_OK(vcow_tree_if_unchanged(t, "k"));
        vcow_val none = {.type = VCOW_T_NONE};
        CHECK_OK(vcow_tree_if_equal(t, "absent", none));
        CHECK_RC(vcow_map_if_equal(t, "k", none), VCOW_EINVAL); /* a tree cell */
        CHECK_RC(vcow_txn_set_rebase(t, true), VCOW_EINVAL);    /* trees do not rebase */
        CHECK_OK(vcow_tree_set(t, "z", vcow_val_i64(0)));
        CHECK_OK(vcow_txn_commit(t));
        vcow_txn_free(t);
        CHECK_OK(vcow_txn_begin(c, &t));
        CHECK_OK(vcow_tree_if_equal(t, "k", vcow_val_i64(2)));
        CHECK_RC(vcow_txn_commit(t), VCOW_ECOND);
        vcow_txn_free(t);
        uint64_t s;
        CHECK_OK(vcow_tree_mod_seq(keep, "k", &s));
        CHECK_EQ_INT(s, 0);
        vcow_version *h;
        CHECK_OK(vcow_cell_pin_head(c, &h));
        CHECK_OK(vcow_tree_mod_seq(h, "k", &s));
        CHECK_EQ_INT(s, 3);
        CHECK_OK(vcow_tree_mod_seq(h, "z", &s));
        CHECK_EQ_INT(s, 5);
        vcow_version_unpin(h);
        vcow_version_unpin(keep);
        CHECK_OK(vcow_cell_close(c));
    }
    test_check_all_freed();
}

/* ---- vcow_cell_update ---- */

struct upd {
    int calls;
    uint64_t seq;
    bool bump; /* make the first try lose its CAS */
    vcow_cell *c;
};

static int upd_if_seq(vcow_txn *t, void *arg)
{
    struct upd *u = arg;
    u->calls++;
    int rc = vcow_txn_if_seq(t, u->seq);
    return rc != VCOW_OK ? rc : vcow_map_set(t, "a", vcow_val_i64(9));
}

static int upd_unchanged(vcow_txn *t, void *arg)
{
    struct upd *u = arg;
    u->calls++;
    CHECK_OK(vcow_txn_set_rebase(t, true));
    CHECK_OK(vcow_map_if_unchanged(t, "a"));
    if (u->bump) {
        u->bump = false;
        put(u->c, "a", 100); /* another commit writes a */
    }
    return vcow_map_set(t, "b", vcow_val_i64(9));
}

static void test_update(void)
{
    vcow_cell *c = open_map(false);
    put(c, "a", 1);
    /* A failed condition is returned, not retried. */
    struct upd u = {0, 7, false, c};
    CHECK_RC(vcow_cell_update(c, upd_if_seq, &u, NULL), VCOW_ECOND);
    CHECK_EQ_INT(u.calls, 1);
    u.calls = 0;
    u.seq = head_seq(c);
    CHECK_OK(vcow_cell_update(c, upd_if_seq, &u, NULL));
    CHECK_EQ_INT(u.calls, 1);
    /* An if_unchanged key written by another commit: a conflict, retried
     * on the new head, where it holds. */
    u.calls = 0;
    u.bump = true;
    CHECK_OK(vcow_cell_update(c, upd_unchanged, &u, NULL));
    CHECK_EQ_INT(u.calls, 2);
    CHECK_EQ_INT(get_i64(c, "b"), 9);
    CHECK_OK(vcow_cell_close(c));
    test_check_all_freed();
}

/* ---- rebase ---- */

#define NKEYS 1024

static void fill(vcow_cell *c, int n)
{
    vcow_txn *t;
    CHECK_OK(vcow_txn_begin(c, &t));
    for (int i = 0; i < n; i++) {
        char k[16];
        snprintf(k, sizeof(k), "k%d", i);
        CHECK_OK(vcow_map_set(t, k, vcow_val_i64(i)));
    }
    CHECK_OK(vcow_txn_commit(t));
    vcow_txn_free(t);
}

static vcow_txn *begin_rebase(vcow_cell *c)
{
    vcow_txn *t;
    CHECK_OK(vcow_txn_begin(c, &t));
    CHECK_OK(vcow_txn_set_rebase(t, true));
    return t;
}

static void check_map(vcow_cell *c)
{
    vcow_read_lock();
    CHECK_OK(vcow_map_check(vcow_cell_head(c)));
    vcow_read_unlock();
}

static void test_rebase_disjoint(void)
{
    vcow_cell *c = open_map(true);
    fill(c, NKEYS);
    char big[200];
    memset(big, 'v', sizeof(big));
    int rebased = 0;
    for (int i = 1; i < 65; i++) {
        char mine[16], other[16];
        snprintf(mine, sizeof(mine), "k%d", i);
        snprintf(other, sizeof(other), "k%d", NKEYS - i);
        uint64_t conflicts0, s0;
        struct vcow_cell_stats st;
        CHECK_OK(vcow_cell_get_stats(c, &st));
        conflicts0 = st.conflicts;
        s0 = st.head_seq;
        vcow_txn *t = begin_rebase(c);
        /* A blob value, a delete and a new key, so each kind is replayed. */
        CHECK_OK(vcow_map_set(t, mine, vcow_val_bytes(big, sizeof(big))));
        char gone[16], fresh[16];
        snprintf(gone, sizeof(gone), "k%d", 100 + i);
        snprintf(fresh, sizeof(fresh), "new%d", i);
        CHECK_OK(vcow_map_del(t, gone));
        CHECK_OK(vcow_map_set(t, fresh, vcow_val_map()));
        put(c, other, -i); /* another commit, on a disjoint key */
        int rc = vcow_txn_commit(t);
        vcow_txn_free(t);
        CHECK_EQ_INT(get_i64(c, other), -i);
        CHECK_OK(vcow_cell_get_stats(c, &st));
        if (rc == VCOW_OK) {
            rebased++;
            CHECK_EQ_INT(st.head_seq, s0 + 2);
            CHECK_EQ_INT(st.conflicts, conflicts0);
            vcow_val v;
            char out[sizeof(big) + 1];
            CHECK_OK(vcow_map_cell_get(c, mine, &v, out, sizeof(out)));
            CHECK_EQ_INT(v.u.bytes.len, sizeof(big));
            CHECK(memcmp(out, big, sizeof(big)) == 0);
            CHECK_EQ_INT(get_i64(c, gone), INT64_MIN);
            CHECK_OK(vcow_map_cell_get(c, fresh, &v, NULL, 0));
            CHECK_EQ_INT(v.type, VCOW_T_MAP);
        } else {
            /* A false conflict: the two keys share a node. */
            CHECK_RC(rc, VCOW_ECONFLICT);
            CHECK_EQ_INT(st.head_seq, s0 + 1);
            CHECK_EQ_INT(get_i64(c, mine), i);
        }
        check_map(c);
    }
    /* 1024 keys: two keys share their node about 1 time in 32. */
    CHECK(rebased >= 48);
    CHECK_OK(vcow_cell_close(c));
    test_check_all_freed();
}

static void test_rebase_conflicts(void)
{
    vcow_cell *c = open_map(false);
    fill(c, NKEYS);
    vcow_txn *t;

    /* The same key written by both. */
    t = begin_rebase(c);
    CHECK_OK(vcow_map_set(t, "k1", vcow_val_i64(-1)));
    put(c, "k1", -2);
    CHECK_RC(vcow_txn_commit(t), VCOW_ECONFLICT);
    vcow_txn_free(t);
    CHECK_EQ_INT(get_i64(c, "k1"), -2);

    /* A same-value put by the txn still counts as its write. */
    t = begin_rebase(c);
    CHECK_OK(vcow_map_set(t, "k2", vcow_val_i64(2)));
    put(c, "k2", -2);
    CHECK_RC(vcow_txn_commit(t), VCOW_ECONFLICT);
    vcow_txn_free(t);

    /* A key read through the view, changed by another commit. */
    t = begin_rebase(c);
    vcow_val v;
    CHECK_OK(vcow_map_get(vcow_txn_view(t), "k3", &v));
    CHECK_OK(vcow_map_set(t, "k4", vcow_val_i64(v.u.i64 + 1)));
    put(c, "k3", -3);
    CHECK_RC(vcow_txn_commit(t), VCOW_ECONFLICT);
    vcow_txn_free(t);
    CHECK_EQ_INT(get_i64(c, "k4"), 4);

    /* An absent key read (contains), then added by another commit. */
    t = begin_rebase(c);
    bool has;
    CHECK_OK(vcow_map_contains(vcow_txn_view(t), "nokey", &has));
    CHECK(!has);
    CHECK_OK(vcow_map_set(t, "k5", vcow_val_i64(55)));
    put(c, "nokey", 1);
    CHECK_RC(vcow_txn_commit(t), VCOW_ECONFLICT);
    vcow_txn_free(t);

    /* A read of everything (len, iteration) conflicts with any change. */
    t = begin_rebase(c);
    uint64_t n;
    CHECK_OK(vcow_map_len(vcow_txn_view(t), &n));
    CHECK_OK(vcow_map_set(t, "count", vcow_val_i64((int64_t)n)));
    put(c, "k6", -6);
    CHECK_RC(vcow_txn_commit(t), VCOW_ECONFLICT);
    vcow_txn_free(t);

    /* Rebase must be chosen before the first read through the view. */
    CHECK_OK(vcow_txn_begin(c, &t));
    CHECK_OK(vcow_map_get(vcow_txn_view(t), "k1", &v));
    CHECK_RC(vcow_txn_set_rebase(t, true), VCOW_ESTATE);
    CHECK_OK(vcow_txn_set_rebase(t, false));
    vcow_txn_free(t);

    /* A changed nested structure is not replayed: a conflict. */
    t = begin_rebase(c);
    CHECK_OK(vcow_map_set_path(t, "nest.x", vcow_val_i64(1)));
    put(c, "k7", -7);
    CHECK_RC(vcow_txn_commit(t), VCOW_ECONFLICT);
    vcow_txn_free(t);

    /* Conditions on the new head: equal fails (ECOND); unchanged written
     * meanwhile (ECONFLICT), even when changed back. */
    t = begin_rebase(c);
    CHECK_OK(vcow_map_if_equal(t, "k8", vcow_val_i64(8)));
    CHECK_OK(vcow_map_set(t, "k9", vcow_val_i64(99)));
    put(c, "k8", -8);
    CHECK_RC(vcow_txn_commit(t), VCOW_ECOND);
    vcow_txn_free(t);
    t = begin_rebase(c);
    CHECK_OK(vcow_map_if_unchanged(t, "k10"));
    CHECK_OK(vcow_map_set(t, "k9", vcow_val_i64(99)));
    put(c, "k10", -10);
    put(c, "k10", 10);
    CHECK_RC(vcow_txn_commit(t), VCOW_ECONFLICT);
    vcow_txn_free(t);
    CHECK_EQ_INT(get_i64(c, "k9"), 9);

    /* Without rebase a disjoint commit is still a conflict. */
    CHECK_OK(vcow_txn_begin(c, &t));
    CHECK_OK(vcow_map_set(t, "k1", vcow_val_i64(0)));
    put(c, "k1000", 0);
    CHECK_RC(vcow_txn_commit(t), VCOW_ECONFLICT);
    vcow_txn_free(t);
    CHECK_OK(vcow_cell_close(c));
    test_check_all_freed();
}

/*
 * Write skew: x + y >= 1 must hold; each txn reads both and zeroes one if
 * the sum allows. Serially the second sees the first's write and refuses;
 * so at most one of two concurrent ones may commit.
 */
static int skew_txn(vcow_txn *t, const char *mine)
{
    vcow_val x, y;
    CHECK_OK(vcow_map_get(vcow_txn_view(t), "x", &x));
    CHECK_OK(vcow_map_get(vcow_txn_view(t), "y", &y));
    if (x.u.i64 + y.u.i64 < 2)
        return VCOW_EINVAL;
    return vcow_map_set(t, mine, vcow_val_i64(0));
}

static void test_rebase_skew(void)
{
    vcow_cell *c = open_map(false);
    put(c, "x", 1);
    put(c, "y", 1);
    vcow_txn *t1 = begin_rebase(c), *t2 = begin_rebase(c);
    CHECK_OK(skew_txn(t1, "x"));
    CHECK_OK(skew_txn(t2, "y"));
    CHECK_OK(vcow_txn_commit(t2));
    CHECK_RC(vcow_txn_commit(t1), VCOW_ECONFLICT);
    vcow_txn_free(t1);
    vcow_txn_free(t2);
    CHECK_EQ_INT(get_i64(c, "x") + get_i64(c, "y"), 1);

    /* A key read, changed by others and changed back: the read still
     * holds, the rebase goes through (the values are what it read). */
    put(c, "r", 5);
    vcow_txn *t = begin_rebase(c);
    vcow_val v;
    CHECK_OK(vcow_map_get(vcow_txn_view(t), "r", &v));
    CHECK_OK(vcow_map_set(t, "w", vcow_val_i64(v.u.i64 * 2)));
    put(c, "r", 6);
    put(c, "r", 5);
    int rc = vcow_txn_commit(t);
    vcow_txn_free(t);
    /* A tiny map: "w" and "r" may share the root; either answer is safe,
     * but a commit must have written what the read allows. */
    if (rc == VCOW_OK)
        CHECK_EQ_INT(get_i64(c, "w"), 10);
    else
        CHECK_RC(rc, VCOW_ECONFLICT);
    CHECK_OK(vcow_cell_close(c));
    test_check_all_freed();
}

static void test_rebase(void)
{
    test_rebase_disjoint();
    test_rebase_conflicts();
    test_rebase_skew();
}

/* ---- allocation failure inside a rebase ---- */

static void test_oom(void)
{
    /* Arm the failure only around the commit that rebases. */
    int failures_seen = 1;
    for (long k = 1; failures_seen != 0; k++) {
        vcow_cell *c = open_map(true);
        fill(c, 256);
        vcow_txn *t = begin_rebase(c);
        char big[64];
        memset(big, 'o', sizeof(big));
        CHECK_OK(vcow_map_set(t, "k1", vcow_val_bytes(big, sizeof(big))));
        CHECK_OK(vcow_map_del(t, "k2"));
        vcow_val v;
        CHECK_OK(vcow_map_get(vcow_txn_view(t), "k3", &v));
        uint64_t s0 = put(c, "k200", -1);
        vcow_debug_fail_alloc(k, false);
        int rc = vcow_txn_commit(t);
        uint64_t tried = vcow_debug_alloc_count();
        vcow_debug_fail_alloc(0, false);
        failures_seen = (uint64_t)k <= tried;
        if (rc == VCOW_ENOMEM) /* after a rebase: still open; commit again */
            rc = vcow_txn_commit(t);
        vcow_txn_free(t);
        if (rc == VCOW_OK) {
            CHECK_EQ_INT(head_seq(c), s0 + 1);
            char out[sizeof(big) + 1];
            CHECK_OK(vcow_map_cell_get(c, "k1", &v, out, sizeof(out)));
            CHECK(memcmp(out, big, sizeof(big)) == 0);
            CHECK_EQ_INT(get_i64(c, "k2"), INT64_MIN);
        } else {
            CHECK_RC(rc, VCOW_ECONFLICT);
            CHECK_EQ_INT(head_seq(c), s0);
            CHECK_EQ_INT(get_i64(c, "k1"), 1);
            CHECK_EQ_INT(get_i64(c, "k2"), 2);
        }
        CHECK_EQ_INT(get_i64(c, "k200"), -1);
        check_map(c);
        CHECK_OK(vcow_cell_close(c));
        test_check_all_freed();
    }
}

/* ---- differential: random interleaved txns against a serial replay ---- */

#define MK   48 /* keys */
#define MTX  4  /* txns open at once */
#define MOPS 6  /* reads and writes per txn */

struct mtx {
    vcow_txn *t;
    int nread, nwrite;
    int rkey[MOPS];
    int64_t rval[MOPS]; /* INT64_MIN: absent */
    int wkey[MOPS];
    int64_t wval[MOPS]; /* INT64_MIN: delete */
    uint64_t base;
};

static void mkey(char *buf, int k)
{
    snprintf(buf, 16, "m%d", k);
}

static void model_start(vcow_cell *c, struct mtx *m, unsigned long long *rng)
{
    memset(m, 0, sizeof(*m));
    m->t = begin_rebase(c);
    m->base = vcow_version_seq(vcow_txn_base(m->t));
    int ops = 1 + (int)(test_rand(rng) % MOPS);
    for (int i = 0; i < ops; i++) {
        int k = (int)(test_rand(rng) % MK);
        char key[16];
        mkey(key, k);
        if (test_rand(rng) % 2 == 0 && m->nread < MOPS) {
            vcow_val v;
            int rc = vcow_map_get(vcow_txn_view(m->t), key, &v);
            bool own = false; /* a read of its own write: not of the base */
            for (int j = 0; j < m->nwrite; j++)
                own |= m->wkey[j] == k;
            if (own)
                continue;
            m->rkey[m->nread] = k;
            m->rval[m->nread++] = rc == VCOW_ENOENT ? INT64_MIN : v.u.i64;
        } else if (m->nwrite < MOPS) {
            int64_t x = (int64_t)(test_rand(rng) % 4); /* small: same-value puts happen */
            if (test_rand(rng) % 5 == 0) {
                int rc = vcow_map_del(m->t, key);
                CHECK(rc == VCOW_OK || rc == VCOW_ENOENT);
                if (rc == VCOW_ENOENT)
                    continue;
                x = INT64_MIN;
            } else {
                CHECK_OK(vcow_map_set(m->t, key, vcow_val_i64(x)));
            }
            m->wkey[m->nwrite] = k;
            m->wval[m->nwrite++] = x;
        }
    }
}

static void test_model(int nops, int seeds)
{
    for (int seed = 1; seed <= seeds; seed++) {
        unsigned long long rng = 0x9E3779B97F4A7C15ull * (unsigned long long)seed;
        vcow_cell *c = open_map(false);
        int64_t model[MK];
        for (int k = 0; k < MK; k++)
            model[k] = INT64_MIN;
        struct mtx open[MTX];
        for (int i = 0; i < MTX; i++)
            model_start(c, &open[i], &rng);
        int ok = 0, conflicts = 0, rebased = 0;
        for (int op = 0; op < nops; op++) {
            struct mtx *m = &open[test_rand(&rng) % MTX];
            uint64_t head0 = head_seq(c);
            int rc = vcow_txn_commit(m->t);
            if (rc == VCOW_OK) {
                /* Serial replay: the txn runs after everything committed
                 * before it, so what it read must be what the model holds
                 * now; then its writes apply. */
                for (int i = 0; i < m->nread; i++)
                    CHECK_EQ_INT(model[m->rkey[i]], m->rval[i]);
                for (int i = 0; i < m->nwrite; i++)
                    model[m->wkey[i]] = m->wval[i];
                ok++;
                rebased += m->base != head0;
            } else {
                CHECK_RC(rc, VCOW_ECONFLICT);
                CHECK(m->base != head0); /* a txn nobody overtook commits */
                conflicts++;
            }
            vcow_txn_free(m->t);
            /* The head equals the model. */
            vcow_read_lock();
            const vcow_version *h = vcow_cell_head(c);
            uint64_t n = 0, len;
            for (int k = 0; k < MK; k++) {
                char key[16];
                mkey(key, k);
                vcow_val v;
                int grc = vcow_map_get(h, key, &v);
                if (model[k] == INT64_MIN) {
                    CHECK_RC(grc, VCOW_ENOENT);
                } else {
                    CHECK_OK(grc);
                    CHECK_EQ_INT(v.u.i64, model[k]);
                    n++;
                }
            }
            CHECK_OK(vcow_map_len(h, &len));
            CHECK_EQ_INT(len, n);
            vcow_read_unlock();
            model_start(c, m, &rng);
        }
        for (int i = 0; i < MTX; i++)
            vcow_txn_free(open[i].t);
        /* Small maps share nodes, so most rebases fail; some must go. */
        CHECK(rebased > 0);
        CHECK(ok > 0 && conflicts > 0);
        check_map(c);
        CHECK_OK(vcow_cell_close(c));
    }
    test_check_all_freed();
}

/* ---- multithreaded: writers on their own keys, checking readers ---- */

#define MT_WRITERS 2
#define MT_READERS 2

struct mt {
    vcow_cell *c;
    atomic_bool stop;
    atomic_int writers_done;
    long iters;
    long commits[MT_WRITERS];
    atomic_long checked;
    atomic_long rebased; /* commits whose seq is not base + 1 */
};

struct wctx {
    struct mt *m;
    int id;
    bool sum;      /* this try is a sum txn */
    uint64_t base; /* the last try's base */
};

/* Own counter c<i> and its twin d<i> go up together; every 8th txn of
 * writer 0 sets "sum" to the sum of every c<j> it read. */
static int writer_fn(vcow_txn *t, void *arg)
{
    struct wctx *w = arg;
    int rc = vcow_txn_set_rebase(t, true);
    if (rc != VCOW_OK)
        return rc;
    w->base = vcow_version_seq(vcow_txn_base(t));
    const vcow_version *view = vcow_txn_view(t);
    char key[16];
    vcow_val v;
    if (w->sum) {
        int64_t s = 0;
        for (int j = 0; j < MT_WRITERS; j++) {
            snprintf(key, sizeof(key), "c%d", j);
            if (vcow_map_get(view, key, &v) == VCOW_OK)
                s += v.u.i64;
        }
        return vcow_map_set(t, "sum", vcow_val_i64(s));
    }
    snprintf(key, sizeof(key), "c%d", w->id);
    int64_t x = vcow_map_get(view, key, &v) == VCOW_OK ? v.u.i64 : 0;
    rc = vcow_map_set(t, key, vcow_val_i64(x + 1));
    if (rc != VCOW_OK)
        return rc;
    snprintf(key, sizeof(key), "d%d", w->id);
    return vcow_map_set(t, key, vcow_val_i64(x + 1));
}

static void *writer(void *arg)
{
    struct wctx *w = arg;
    struct mt *m = w->m;
    for (long i = 0; i < m->iters; i++) {
        w->sum = w->id == 0 && i % 8 == 7;
        uint64_t seq;
        CHECK_OK(vcow_cell_update(m->c, writer_fn, w, &seq));
        if (seq != w->base + 1)
            atomic_fetch_add(&m->rebased, 1);
        if (!w->sum)
            m->commits[w->id]++;
    }
    atomic_fetch_add(&m->writers_done, 1);
    return NULL;
}

static int64_t vget(const vcow_version *v, const char *key)
{
    vcow_val x;
    int rc = vcow_map_get(v, key, &x);
    if (rc == VCOW_ENOENT)
        return 0;
    CHECK_OK(rc);
    return x.u.i64;
}

static void *reader(void *arg)
{
    struct mt *m = arg;
    while (atomic_load(&m->writers_done) < MT_WRITERS) {
        vcow_version *v;
        CHECK_OK(vcow_cell_pin_head(m->c, &v));
        int64_t total = 0;
        for (int j = 0; j < MT_WRITERS; j++) {
            char ck[16], dk[16];
            snprintf(ck, sizeof(ck), "c%d", j);
            snprintf(dk, sizeof(dk), "d%d", j);
            int64_t cj = vget(v, ck);
            CHECK_EQ_INT(cj, vget(v, dk)); /* a rebase lost no write */
            total += cj;
        }
        int64_t sum = vget(v, "sum");
        CHECK(sum <= total); /* counters only grow */
        /* The version that wrote sum held exactly the counters it read. */
        uint64_t ms;
        int rc = vcow_map_mod_seq(v, "sum", &ms);
        if (rc == VCOW_OK && ms == vcow_version_seq(v))
            CHECK_EQ_INT(sum, total);
        else if (rc != VCOW_OK)
            CHECK_RC(rc, VCOW_ENOENT);
        vcow_version_unpin(v);
        atomic_fetch_add(&m->checked, 1);
    }
    return NULL;
}

static void test_mt(long iters)
{
    struct vcow_cell_opts o = {.size = sizeof(o), .history = true, .keep_last = 32};
    struct mt m;
    memset(&m, 0, sizeof(m));
    m.iters = iters;
    CHECK_OK(vcow_cell_open(VCOW_KIND_MAP, &o, &m.c));
    fill(m.c, 512); /* room: c0 and c1 in different nodes, mostly */
    pthread_t w[MT_WRITERS], r[MT_READERS];
    struct wctx wc[MT_WRITERS];
    for (int i = 0; i < MT_READERS; i++)
        CHECK(pthread_create(&r[i], NULL, reader, &m) == 0);
    for (int i = 0; i < MT_WRITERS; i++) {
        wc[i] = (struct wctx){&m, i, false, 0};
        CHECK(pthread_create(&w[i], NULL, writer, &wc[i]) == 0);
    }
    for (int i = 0; i < MT_WRITERS; i++)
        CHECK(pthread_join(w[i], NULL) == 0);
    for (int i = 0; i < MT_READERS; i++)
        CHECK(pthread_join(r[i], NULL) == 0);
    vcow_read_lock();
    const vcow_version *h = vcow_cell_head(m.c);
    for (int j = 0; j < MT_WRITERS; j++) {
        char ck[16];
        snprintf(ck, sizeof(ck), "c%d", j);
        CHECK_EQ_INT(vget(h, ck), m.commits[j]);
    }
    CHECK_OK(vcow_map_check(h));
    vcow_read_unlock();
    struct vcow_cell_stats st;
    CHECK_OK(vcow_cell_get_stats(m.c, &st));
    fprintf(stderr, "mt: %llu commits, %ld rebased, %llu conflicts, %ld reader checks\n",
            (unsigned long long)st.commits, atomic_load(&m.rebased),
            (unsigned long long)st.conflicts, atomic_load(&m.checked));
    CHECK_OK(vcow_cell_close(m.c));
    test_check_all_freed();
}

int main(int argc, char **argv)
{
    const char *part = argc > 1 ? argv[1] : "seq";
    if (strcmp(part, "seq") == 0)
        test_seq();
    else if (strcmp(part, "unchanged") == 0)
        test_unchanged();
    else if (strcmp(part, "equal") == 0)
        test_equal();
    else if (strcmp(part, "modseq") == 0)
        test_modseq();
    else if (strcmp(part, "tree") == 0)
        test_tree();
    else if (strcmp(part, "update") == 0)
        test_update();
    else if (strcmp(part, "rebase") == 0)
        test_rebase();
    else if (strcmp(part, "oom") == 0)
        test_oom();
    else if (strcmp(part, "model") == 0)
        test_model(argc > 2 ? atoi(argv[2]) : 20000, argc > 3 ? atoi(argv[3]) : 2);
    else if (strcmp(part, "mt") == 0)
        test_mt(argc > 2 ? atol(argv[2]) : 20000);
    else
        return 2;
    return 0;
}
