/*
 * tests/tree/test_cursor.c - the tree cursor (vcow/tree.h) against a sorted
 * array of the keys.
 *
 *   model [seeds ops]  a tree of random short keys over a small alphabet
 *                      (so prefixes share many keys, 0xFF bytes included);
 *                      random first / last / seek / next / prev / prefix
 *                      windows, each answer checked against the model,
 *                      while commits change the head: the cursor keeps
 *                      reading its own pinned version outside any read
 *                      section.
 *   badinput           NULL arguments, a box version, a txn view, a prefix
 *                      under a comparator, get on an unpositioned cursor.
 */
#include <stdlib.h>

#include "tests/test.h"
#include <vcow/tree.h>

#define MAXK 6

struct key {
    unsigned char b[MAXK];
    size_t len;
};

static const unsigned char alphabet[] = {0x00, 'a', 'b', 0xFE, 0xFF};

static int key_cmp(const struct key *a, const struct key *b)
{
    size_t n = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->b, b->b, n);
    return c != 0 ? c : (a->len > b->len) - (a->len < b->len);
}

static int key_qcmp(const void *a, const void *b)
{
    return key_cmp(a, b);
}

static struct key rand_key(unsigned long long *s, size_t maxlen)
{
    struct key k;
    k.len = test_rand(s) % (maxlen + 1);
    for (size_t i = 0; i < k.len; i++)
        k.b[i] = alphabet[test_rand(s) % sizeof(alphabet)];
    return k;
}

/* The value stored under a key: a function of the key. */
static int64_t val_of(const struct key *k)
{
    return (int64_t)k->len * 1000 + (k->len != 0 ? k->b[0] : 0);
}

static bool has_prefix(const struct key *k, const struct key *p)
{
    return k->len >= p->len && memcmp(k->b, p->b, p->len) == 0;
}

/* The model's window for a prefix: [lo, hi) indices of the sorted keys. */
static void window(const struct key *keys, size_t n, const struct key *p, size_t *lo, size_t *hi)
{
    *lo = 0;
    while (*lo < n && !has_prefix(&keys[*lo], p))
        (*lo)++;
    *hi = *lo;
    while (*hi < n && has_prefix(&keys[*hi], p))
        (*hi)++;
    for (size_t i = *hi; i < n; i++)
        CHECK(!has_prefix(&keys[i], p)); /* the model's own premise */
}

/* The cursor is on model entry i (or unpositioned when i == SIZE_MAX). */
static void expect_at(vcow_tree_cursor *cur, const struct key *keys, size_t i)
{
    vcow_slice k;
    vcow_val v;
    if (i == SIZE_MAX) {
        CHECK_RC(vcow_tree_cursor_get(cur, &k, &v), VCOW_ENOENT);
        return;
    }
    CHECK_OK(vcow_tree_cursor_get(cur, &k, &v));
    CHECK(k.len == keys[i].len && memcmp(k.ptr, keys[i].b, k.len) == 0);
    CHECK(v.type == VCOW_T_I64 && v.u.i64 == val_of(&keys[i]));
}

static void model_round(uint64_t seed, long ops)
{
    unsigned long long s = seed;
    vcow_cell *c;
    CHECK_OK(vcow_cell_open(VCOW_KIND_TREE, NULL, &c));
    size_t n = 0;
    struct key *keys = malloc(sizeof(*keys) * 4000);
    CHECK(keys != NULL);
    vcow_txn *t;
    CHECK_OK(vcow_txn_begin(c, &t));
    for (int i = 0; i < 3000; i++) {
        struct key k = rand_key(&s, MAXK);
        CHECK_OK(vcow_tree_setn(t, k.b, k.len, vcow_val_i64(val_of(&k))));
    }
    CHECK_OK(vcow_txn_commit(t));
    vcow_txn_free(t);
    vcow_tree_cursor *cur;
    vcow_read_lock();
    const vcow_version *h = vcow_cell_head(c);
    CHECK_OK(vcow_tree_cursor_open(h, &cur));
    /* The model: every key of that version, sorted. */
    for (int rc = vcow_tree_cursor_first(cur); rc == VCOW_OK; rc = vcow_tree_cursor_next(cur)) {
        vcow_slice k;
        CHECK_OK(vcow_tree_cursor_get(cur, &k, NULL));
        memcpy(keys[n].b, k.ptr, k.len);
        keys[n++].len = k.len;
    }
    uint64_t len;
    CHECK_OK(vcow_tree_len(h, &len));
    CHECK_EQ_INT(n, len);
    vcow_read_unlock();
    struct key *sorted = malloc(sizeof(*keys) * n);
    CHECK(sorted != NULL);
    memcpy(sorted, keys, sizeof(*keys) * n);
    qsort(sorted, n, sizeof(*sorted), key_qcmp);
    for (size_t i = 0; i < n; i++) /* first/next walked in key order, no repeats */
        CHECK(key_cmp(&keys[i], &sorted[i]) == 0 &&
              (i == 0 || key_cmp(&keys[i - 1], &keys[i]) < 0));

    size_t lo = 0, hi = n, at = SIZE_MAX;
    for (long op = 0; op < ops; op++) {
        if (op % 64 == 0) {
            /* Writers move on; the cursor's version stays as it was. */
            struct key k = rand_key(&s, MAXK);
            if (test_rand(&s) % 2)
                vcow_tree_cell_setn(c, k.b, k.len, vcow_val_i64(-1), NULL);
            else
                vcow_tree_cell_deln(c, k.b, k.len, NULL);
        }
        switch (test_rand(&s) % 7) {
        case 0: {
            int rc = vcow_tree_cursor_first(cur);
            at = lo < hi ? lo : SIZE_MAX;
            CHECK_RC(rc, at == SIZE_MAX ? VCOW_ENOENT : VCOW_OK);
            break;
        }
        case 1: {
            int rc = vcow_tree_cursor_last(cur);
            at = lo < hi ? hi - 1 : SIZE_MAX;
            CHECK_RC(rc, at == SIZE_MAX ? VCOW_ENOENT : VCOW_OK);
            break;
        }
        case 2: {
            struct key k = rand_key(&s, MAXK);
            int rc = vcow_tree_cursor_seekn(cur, k.b, k.len);
            size_t i = lo;
            while (i < hi && key_cmp(&sorted[i], &k) < 0)
                i++;
            at = i < hi ? i : SIZE_MAX;
            CHECK_RC(rc, at == SIZE_MAX ? VCOW_ENOENT : VCOW_OK);
            break;
        }
        case 3:
        case 4: {
            int rc = vcow_tree_cursor_next(cur);
            at = at == SIZE_MAX ? (lo < hi ? lo : SIZE_MAX) : (at + 1 < hi ? at + 1 : SIZE_MAX);
            CHECK_RC(rc, at == SIZE_MAX ? VCOW_ENOENT : VCOW_OK);
            break;
        }
        case 5: {
            int rc = vcow_tree_cursor_prev(cur);
            at = at == SIZE_MAX ? (lo < hi ? hi - 1 : SIZE_MAX) : (at > lo ? at - 1 : SIZE_MAX);
            CHECK_RC(rc, at == SIZE_MAX ? VCOW_ENOENT : VCOW_OK);
            break;
        }
        case 6: {
            struct key p = rand_key(&s, 3);
            CHECK_OK(vcow_tree_cursor_prefix(cur, p.b, p.len));
            window(sorted, n, &p, &lo, &hi);
            at = SIZE_MAX;
            break;
        }
        }
        expect_at(cur, sorted, at);
    }
    vcow_tree_cursor_close(cur);
    free(keys);
    free(sorted);
    CHECK_OK(vcow_cell_close(c));
    test_check_all_freed();
}

static int rev_cmp(const void *a, size_t alen, const void *b, size_t blen, void *ctx)
{
    (void)ctx;
    size_t n = alen < blen ? alen : blen;
    int r = memcmp(b, a, n);
    return r != 0 ? r : (blen > alen) - (blen < alen);
}

static void test_badinput(void)
{
    vcow_cell *c, *box, *rc_cell;
    CHECK_OK(vcow_cell_open(VCOW_KIND_TREE, NULL, &c));
    CHECK_OK(vcow_cell_open(VCOW_KIND_BOX, NULL, &box));
    struct vcow_cell_opts o = {.size = sizeof(o), .compare = rev_cmp};
    CHECK_OK(vcow_cell_open(VCOW_KIND_TREE, &o, &rc_cell));
    CHECK_OK(vcow_tree_cell_set(c, "a", vcow_val_i64(1), NULL));
    vcow_tree_cursor *cur;
    vcow_read_lock();
    CHECK_RC(vcow_tree_cursor_open(NULL, &cur), VCOW_EINVAL);
    CHECK_RC(vcow_tree_cursor_open(vcow_cell_head(c), NULL), VCOW_EINVAL);
    CHECK_RC(vcow_tree_cursor_open(vcow_cell_head(box), &cur), VCOW_EINVAL);
    CHECK_OK(vcow_tree_cursor_open(vcow_cell_head(rc_cell), &cur));
    CHECK_RC(vcow_tree_cursor_prefix(cur, "a", 1), VCOW_EINVAL);
    CHECK_RC(vcow_tree_cursor_first(cur), VCOW_ENOENT); /* empty */
    vcow_tree_cursor_close(cur);
    CHECK_OK(vcow_tree_cursor_open(vcow_cell_head(c), &cur));
    vcow_read_unlock();
    vcow_slice k;
    CHECK_RC(vcow_tree_cursor_get(cur, &k, NULL), VCOW_ENOENT); /* unpositioned */
    CHECK_RC(vcow_tree_cursor_seek(cur, NULL), VCOW_EINVAL);
    CHECK_RC(vcow_tree_cursor_prefix(cur, NULL, 1), VCOW_EINVAL);
    CHECK_RC(vcow_tree_cursor_next(NULL), VCOW_EINVAL);
    CHECK_RC(vcow_tree_cursor_get(NULL, &k, NULL), VCOW_EINVAL);
    CHECK_OK(vcow_tree_cursor_seek(cur, ""));
    CHECK_OK(vcow_tree_cursor_get(cur, &k, NULL));
    CHECK(k.len == 1 && memcmp(k.ptr, "a", 1) == 0);
    vcow_tree_cursor_close(cur);
    vcow_txn *t;
    CHECK_OK(vcow_txn_begin(c, &t));
    CHECK_RC(vcow_tree_cursor_open(vcow_txn_view(t), &cur), VCOW_EINVAL);
    CHECK_OK(vcow_txn_abort(t));
    vcow_txn_free(t);
    vcow_tree_cursor_close(NULL);
    CHECK_OK(vcow_cell_close(rc_cell));
    CHECK_OK(vcow_cell_close(box));
    CHECK_OK(vcow_cell_close(c));
    test_check_all_freed();
}

int main(int argc, char **argv)
{
    const char *part = argc > 1 ? argv[1] : "badinput";
    int seeds = argc > 2 ? atoi(argv[2]) : 2;
    long ops = argc > 3 ? atol(argv[3]) : 20000;
    if (strcmp(part, "model") == 0) {
        for (int i = 0; i < seeds; i++)
            model_round(0x5eed0000u + (uint64_t)i, ops);
    } else if (strcmp(part, "badinput") == 0) {
        test_badinput();
    } else {
        return 2;
    }
    return 0;
}
