/*
 * tests/runtime/test_meta.c - commit metadata: tags and commit times the
 * committer chooses (vcow_txn_set_tag, vcow_txn_set_time, vcow/cell.h).
 *
 *   tag     a tag is read back from the version, from a view's version
 *           and from vcow_cell_versions; versions without one say so;
 *           limits and finished txns are refused; equal data with other
 *           tags is equal and diffs to nothing; every version is freed.
 *   time    a cell opened at T0 takes commits at chosen times; as-of
 *           answers by them; a time before the base's, or not after one an
 *           as-of query answered, is VCOW_ERANGE with the txn still open.
 */
#include "tests/test.h"
#include <vcow/box.h>
#include <vcow/map.h>

/* One commit of key = x, with tag unless NULL; returns its seq. */
static uint64_t commit_tagged(vcow_cell *c, const char *key, int64_t x, const char *tag)
{
    vcow_txn *t;
    CHECK_OK(vcow_txn_begin(c, &t));
    CHECK_OK(vcow_map_set(t, key, vcow_val_i64(x)));
    if (tag != NULL)
        CHECK_OK(vcow_txn_set_tag(t, tag, strlen(tag)));
    uint64_t seq = vcow_version_seq(vcow_txn_base(t)) + 1;
    CHECK_OK(vcow_txn_commit(t));
    vcow_txn_free(t);
    return seq;
}

static int no_diff(vcow_slice k, const vcow_val *a, const vcow_val *b, void *ctx)
{
    (void)k, (void)a, (void)b, (void)ctx;
    CHECK(!"metadata showed up in a diff");
    return 1;
}

static void test_tag(void)
{
    struct vcow_cell_opts o = {.size = sizeof(o), .history = true};
    vcow_cell *c;
    CHECK_OK(vcow_cell_open(VCOW_KIND_MAP, &o, &c));
    uint64_t s1 = commit_tagged(c, "limit", 10, "alice: raise the limit");
    uint64_t s2 = commit_tagged(c, "limit", 10, "bob: same value, other reason");
    uint64_t s3 = commit_tagged(c, "other", 1, NULL);
    CHECK(s1 == 1 && s2 == 2 && s3 == 3);
    char big[VCOW_TAG_MAX];
    memset(big, 'x', sizeof(big));
    vcow_txn *t;
    CHECK_OK(vcow_txn_begin(c, &t));
    CHECK_RC(vcow_txn_set_tag(t, big, sizeof(big) + 1), VCOW_EINVAL);
    CHECK_RC(vcow_txn_set_tag(t, NULL, 1), VCOW_EINVAL);
    CHECK_RC(vcow_txn_set_tag(NULL, "a", 1), VCOW_EINVAL);
    CHECK_OK(vcow_txn_set_tag(t, "first", 5));
    CHECK_OK(vcow_txn_set_tag(t, big, sizeof(big))); /* replaces, at the limit */
    CHECK_OK(vcow_map_set(t, "big", vcow_val_i64(0)));
    CHECK_OK(vcow_txn_commit(t));
    CHECK_RC(vcow_txn_set_tag(t, "late", 4), VCOW_ESTATE);
    CHECK_RC(vcow_txn_set_time(t, 1), VCOW_ESTATE);
    vcow_txn_free(t);

    struct vcow_version_info info[8];
    size_t n;
    CHECK_OK(vcow_cell_versions(c, 0, 100, info, 8, &n));
    CHECK_EQ_INT(n, 5);
    CHECK(info[0].tag_len == 0 && info[s3].tag_len == 0);
    CHECK(info[s1].tag_len == strlen("alice: raise the limit") &&
          memcmp(info[s1].tag, "alice: raise the limit", info[s1].tag_len) == 0);
    CHECK(info[4].tag_len == VCOW_TAG_MAX && memcmp(info[4].tag, big, VCOW_TAG_MAX) == 0);

    vcow_version *v1, *v2, *v3;
    CHECK_OK(vcow_cell_pin_at(c, s1, &v1));
    CHECK_OK(vcow_cell_pin_at(c, s2, &v2));
    CHECK_OK(vcow_cell_pin_at(c, s3, &v3));
    const void *tag;
    size_t len;
    CHECK_OK(vcow_version_tag(v2, &tag, &len));
    CHECK(len == strlen("bob: same value, other reason") &&
          memcmp(tag, "bob: same value, other reason", len) == 0);
    CHECK_OK(vcow_version_tag(v3, &tag, &len));
    CHECK(len == 0);
    CHECK_RC(vcow_version_tag(NULL, &tag, &len), VCOW_EINVAL);
    CHECK_RC(vcow_version_tag(v1, NULL, &len), VCOW_EINVAL);
    /* Metadata is not data. */
    bool eq = false;
    CHECK_OK(vcow_map_equal(v1, v2, &eq));
    CHECK(eq);
    CHECK_OK(vcow_map_diff(v1, v2, no_diff, NULL));
    vcow_version_unpin(v1);
    vcow_version_unpin(v2);
    vcow_version_unpin(v3);
    CHECK_OK(vcow_cell_close(c));
    test_check_all_freed();
}

static void test_time(void)
{
    const int64_t T0 = 1577836800LL * 1000000000LL; /* 2020-01-01 */
    struct vcow_cell_opts o = {.size = sizeof(o), .history = true, .created_ns = T0};
    vcow_cell *c;
    CHECK_OK(vcow_cell_open(VCOW_KIND_BOX, &o, &c));
    vcow_version *v;
    CHECK_OK(vcow_cell_pin_head(c, &v));
    CHECK_EQ_INT(vcow_version_time(v), T0);
    vcow_version_unpin(v);
    for (int i = 1; i <= 3; i++) {
        vcow_txn *t;
        CHECK_OK(vcow_txn_begin(c, &t));
        CHECK_OK(vcow_box_set(t, vcow_val_i64(i)));
        CHECK_OK(vcow_txn_set_time(t, T0 + i * 1000));
        CHECK_OK(vcow_txn_commit(t));
        vcow_txn_free(t);
    }
    /* As-of answers by the chosen times. */
    CHECK_OK(vcow_cell_pin_as_of(c, T0 + 2500, &v));
    CHECK_EQ_INT(vcow_version_seq(v), 2);
    CHECK_EQ_INT(vcow_version_time(v), T0 + 2000);
    vcow_version_unpin(v);
    /* Before the base's time: refused, the txn stays open. */
    vcow_txn *t;
    CHECK_OK(vcow_txn_begin(c, &t));
    CHECK_OK(vcow_box_set(t, vcow_val_i64(4)));
    CHECK_OK(vcow_txn_set_time(t, T0 + 2999));
    CHECK_RC(vcow_txn_commit(t), VCOW_ERANGE);
    /* Not after a time an as-of query answered (T0 + 2500 above): refused. */
    CHECK_OK(vcow_txn_set_time(t, T0 + 2500));
    CHECK_RC(vcow_txn_commit(t), VCOW_ERANGE);
    CHECK_OK(vcow_cell_pin_as_of(c, T0 + 5000, &v)); /* answers version 3 */
    CHECK_EQ_INT(vcow_version_seq(v), 3);
    vcow_version_unpin(v);
    CHECK_OK(vcow_txn_set_time(t, T0 + 5000));
    CHECK_RC(vcow_txn_commit(t), VCOW_ERANGE);
    CHECK_OK(vcow_txn_set_time(t, T0 + 5001));
    CHECK_OK(vcow_txn_commit(t));
    vcow_txn_free(t);
    CHECK_OK(vcow_cell_pin_as_of(c, T0 + 5000, &v)); /* still version 3 */
    CHECK_EQ_INT(vcow_version_seq(v), 3);
    vcow_version_unpin(v);
    CHECK_OK(vcow_cell_pin_head(c, &v));
    CHECK_EQ_INT(vcow_version_time(v), T0 + 5001);
    vcow_version_unpin(v);
    /* Without a chosen time the clock is read: now, long after T0. */
    vcow_val x = vcow_val_i64(5);
    CHECK_OK(vcow_box_cell_set(c, x, NULL));
    CHECK_OK(vcow_cell_pin_head(c, &v));
    CHECK(vcow_version_time(v) > T0 + 5001);
    vcow_version_unpin(v);
    CHECK_RC(vcow_txn_set_time(NULL, T0), VCOW_EINVAL);
    struct vcow_cell_opts bad = {.size = sizeof(bad), .created_ns = INT64_MIN};
    vcow_cell *c2;
    CHECK_RC(vcow_cell_open(VCOW_KIND_BOX, &bad, &c2), VCOW_EINVAL);
    CHECK_OK(vcow_cell_close(c));
    test_check_all_freed();
}

int main(int argc, char **argv)
{
    const char *part = argc > 1 ? argv[1] : "tag";
    if (strcmp(part, "tag") == 0)
        test_tag();
    else if (strcmp(part, "time") == 0)
        test_time();
    else
        return 2;
    return 0;
}
