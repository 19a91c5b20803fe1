/*
 * tests/map/test_iter_from.c - resumable map iteration (vcow_map_iter_from)
 * against vcow_map_iter's sequence of the same version.
 *
 *   pages [seeds]  maps of up to 5000 keys (and, with a 4-bit hash mask,
 *                  collision nodes): paging with random page sizes through
 *                  a pinned version, outside read sections, while commits
 *                  change the head, gives exactly iter's sequence; a
 *                  resume at any position gives its suffix; len visits
 *                  nothing; past len is VCOW_ERANGE. On a view of an
 *                  array, pages come in index order.
 */
#include <stdlib.h>

#include "tests/test.h"
#include <vcow/debug.h>
#include <vcow/map.h>

struct seq {
    char (*keys)[16];
    size_t n, cap;
    size_t page; /* stop after this many visits (0: never) */
    size_t seen; /* visits in this call */
};

static int record(vcow_slice key, const vcow_val *val, void *ctx)
{
    struct seq *s = ctx;
    CHECK(key.len < 16 && val->type == VCOW_T_I64);
    CHECK(s->n < s->cap);
    memcpy(s->keys[s->n], key.ptr, key.len);
    s->keys[s->n][key.len] = '\0';
    s->n++;
    return s->page != 0 && ++s->seen == s->page ? 1 : 0;
}

static void round_(unsigned long long seed, size_t nkeys, bool collide)
{
    unsigned long long r = seed;
    vcow_debug_hash_mask(collide ? 0xF : ~(uint64_t)0);
    vcow_cell *c;
    CHECK_OK(vcow_cell_open(VCOW_KIND_MAP, NULL, &c));
    vcow_txn *t;
    CHECK_OK(vcow_txn_begin(c, &t));
    for (size_t i = 0; i < nkeys; i++) {
        char k[16];
        snprintf(k, sizeof(k), "k%llu", test_rand(&r) % (nkeys * 2));
        CHECK_OK(vcow_map_set(t, k, vcow_val_i64((int64_t)i)));
    }
    CHECK_OK(vcow_txn_commit(t));
    vcow_txn_free(t);
    vcow_version *v;
    CHECK_OK(vcow_cell_pin_head(c, &v));
    uint64_t len;
    CHECK_OK(vcow_map_len(v, &len));
    struct seq all = {malloc(16 * (len + 1)), 0, len + 1, 0, 0};
    struct seq paged = {malloc(16 * (len + 1)), 0, len + 1, 0, 0};
    CHECK(all.keys != NULL && paged.keys != NULL);
    CHECK_OK(vcow_map_iter(v, record, &all));
    CHECK_EQ_INT(all.n, len);
    /* Page through, each page in its own call, commits in between. */
    uint64_t pos = 0;
    while (pos < len) {
        paged.page = 1 + test_rand(&r) % 50;
        paged.seen = 0;
        uint64_t before = pos;
        int rc = vcow_map_iter_from(v, &pos, record, &paged);
        CHECK(rc == 0 || rc == 1);
        CHECK_EQ_INT(pos - before, paged.seen);
        CHECK(rc == 1 ? paged.seen == paged.page : pos == len);
        char k[16];
        snprintf(k, sizeof(k), "k%llu", test_rand(&r) % (nkeys * 2));
        CHECK_OK(vcow_map_cell_set(c, k, vcow_val_i64(-1), NULL)); /* the head moves on */
    }
    CHECK_EQ_INT(paged.n, len);
    for (size_t i = 0; i < len; i++)
        CHECK(strcmp(all.keys[i], paged.keys[i]) == 0);
    /* A resume anywhere gives the suffix. */
    for (int k = 0; k < 20; k++) {
        uint64_t at = test_rand(&r) % (len + 1), p = at;
        paged.n = 0;
        paged.page = 0;
        CHECK_OK(vcow_map_iter_from(v, &p, record, &paged));
        CHECK_EQ_INT(p, len);
        CHECK_EQ_INT(paged.n, len - at);
        for (size_t i = 0; i < paged.n; i++)
            CHECK(strcmp(all.keys[at + i], paged.keys[i]) == 0);
    }
    pos = len + 1;
    CHECK_RC(vcow_map_iter_from(v, &pos, record, &paged), VCOW_ERANGE);
    CHECK_RC(vcow_map_iter_from(v, NULL, record, &paged), VCOW_EINVAL);
    CHECK_RC(vcow_map_iter_from(v, &pos, NULL, &paged), VCOW_EINVAL);
    CHECK_RC(vcow_map_iter_from(NULL, &pos, record, &paged), VCOW_EINVAL);
    vcow_version_unpin(v);
    free(all.keys);
    free(paged.keys);
    CHECK_OK(vcow_cell_close(c));
    vcow_debug_hash_mask(~(uint64_t)0);
    test_check_all_freed();
}

/* On a view of an array, positions are indices: pages give "0", "1", ... */
static void array_pages(void)
{
    vcow_cell *c;
    CHECK_OK(vcow_cell_open(VCOW_KIND_MAP, NULL, &c));
    vcow_txn *t;
    CHECK_OK(vcow_txn_begin(c, &t));
    CHECK_OK(vcow_map_set(t, "a", vcow_val_array()));
    for (int i = 0; i < 300; i++)
        CHECK_OK(vcow_map_set_path(t, "a.-", vcow_val_i64(i)));
    CHECK_OK(vcow_txn_commit(t));
    vcow_txn_free(t);
    vcow_read_lock();
    vcow_view w;
    const vcow_version *av;
    CHECK_OK(vcow_map_view_path(vcow_cell_head(c), "a", &w, &av));
    struct seq paged = {malloc(16 * 301), 0, 301, 7, 0};
    CHECK(paged.keys != NULL);
    uint64_t pos = 0;
    while (pos < 300) {
        paged.seen = 0;
        CHECK(vcow_map_iter_from(av, &pos, record, &paged) >= 0);
    }
    CHECK_EQ_INT(paged.n, 300);
    for (int i = 0; i < 300; i++) {
        char k[16];
        snprintf(k, sizeof(k), "%d", i);
        CHECK(strcmp(paged.keys[i], k) == 0);
    }
    vcow_read_unlock();
    free(paged.keys);
    CHECK_OK(vcow_cell_close(c));
    test_check_all_freed();
}

int main(int argc, char **argv)
{
    const char *part = argc > 1 ? argv[1] : "pages";
    int seeds = argc > 2 ? atoi(argv[2]) : 3;
    if (strcmp(part, "pages") != 0)
        return 2;
    for (int i = 0; i < seeds; i++) {
        round_(0xabc0u + (unsigned)i, 1 + (size_t)i * 2500, false);
        round_(0xdef0u + (unsigned)i, 1 + (size_t)i * 700, true);
    }
    round_(1, 0, false); /* the empty map */
    array_pages();
    return 0;
}
