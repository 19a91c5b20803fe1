/*
 * examples/ordered_index.c - an ordered index in a tree cell: bulk load,
 * inserts, range scans, rank / select, lower / upper bounds and a range
 * delete, each checked against a plain sorted array kept by the program.
 *
 * Keys are numbers written as 6 decimal digits ("004711"), so the tree's
 * byte order is numeric order; each value is the key's number. Exits 1
 * with a message on the first mismatch.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vcow/vcow.h>

enum { SPACE = 1000000, LOADED = 100000 };

_Noreturn static void fail(const char *what, long k)
{
    fprintf(stderr, "ordered_index: %s (%ld)\n", what, k);
    exit(1);
}

static void check(int rc, const char *what)
{
    if (rc != VCOW_OK) {
        fprintf(stderr, "ordered_index: %s: %s\n", what, vcow_strerror(rc));
        exit(1);
    }
}

/* ---- the model: which numbers are present, and their sorted list ---- */

static bool present[SPACE];
static long sorted[SPACE];
static size_t count;

static void model_sort(void)
{
    count = 0;
    for (long k = 0; k < SPACE; k++)
        if (present[k])
            sorted[count++] = k;
}

/* How many present keys are < k: the rank, as the tree should answer it. */
static size_t model_rank(long k)
{
    size_t lo = 0, hi = count;
    while (lo < hi)
        if (sorted[(lo + hi) / 2] < k)
            lo = (lo + hi) / 2 + 1;
        else
            hi = (lo + hi) / 2;
    return lo;
}

/* ---- keys ---- */

static void key_of(long k, char out[7])
{
    snprintf(out, 7, "%06ld", k);
}

static long number_of(vcow_slice key)
{
    long k = 0;
    if (key.len != 6)
        fail("a key of the wrong length", (long)key.len);
    for (size_t i = 0; i < 6; i++)
        k = k * 10 + (((const char *)key.ptr)[i] - '0');
    return k;
}

/* ---- checks against the model ---- */

struct scan {
    size_t from, to; /* the model's sorted[from .. to) */
    bool reverse;
    size_t seen;
};

static int visit(vcow_slice key, const vcow_val *val, void *ctx)
{
    struct scan *s = ctx;
    long k = number_of(key);
    int64_t x;
    if (s->from + s->seen >= s->to)
        fail("the scan went past its range", k);
    if (k != sorted[s->reverse ? s->to - 1 - s->seen : s->from + s->seen])
        fail("the scan visited a key out of order", k);
    if (vcow_val_as_i64(val, &x) != VCOW_OK || x != k)
        fail("a value is not its key's number", k);
    s->seen++;
    return 0;
}

/* vcow_tree_range over [lo, hi) with flags, against the model. */
static void check_range(const vcow_version *v, long lo, long hi, unsigned flags)
{
    char lk[7], hk[7];
    key_of(lo, lk);
    key_of(hi, hk);
    struct scan s = {
        .from = flags & VCOW_TREE_NO_LO ? 0 : model_rank(flags & VCOW_TREE_LO_EXCL ? lo + 1 : lo),
        .to = flags & VCOW_TREE_NO_HI ? count : model_rank(flags & VCOW_TREE_HI_INCL ? hi + 1 : hi),
        .reverse = flags & VCOW_TREE_REVERSE,
    };
    if (s.to < s.from)
        s.to = s.from; /* lo excluded and hi included on lo == hi: empty */
    check(vcow_tree_range(v, lk, 6, hk, 6, flags, visit, &s), "range");
    if (s.seen != s.to - s.from)
        fail("a scan missed keys", lo);
}

/* get, rank, select and both bounds of k, against the model. */
static void check_point(const vcow_version *v, long k)
{
    char key[7];
    vcow_slice found;
    uint64_t rank;
    size_t r = model_rank(k);
    key_of(k, key);
    int rc = vcow_tree_get(v, key, NULL);
    if ((rc == VCOW_OK) != (k < SPACE && present[k]))
        fail("get disagrees with the model", k);
    check(vcow_tree_rank(v, key, &rank), "rank");
    if (rank != r)
        fail("rank disagrees with the model", k);
    rc = vcow_tree_lower_bound(v, key, &found, NULL);
    if (r < count ? rc != VCOW_OK || number_of(found) != sorted[r] : rc != VCOW_ENOENT)
        fail("lower_bound disagrees with the model", k);
    size_t above = r + (r < count && sorted[r] == k); /* the first key > k */
    rc = vcow_tree_upper_bound(v, key, &found, NULL);
    if (above < count ? rc != VCOW_OK || number_of(found) != sorted[above] : rc != VCOW_ENOENT)
        fail("upper_bound disagrees with the model", k);
    if (r < count) {
        check(vcow_tree_select(v, r, &found, NULL), "select");
        if (number_of(found) != sorted[r])
            fail("select disagrees with the model", (long)r);
    }
}

/* Many points and ranges drawn from a fixed seed, and the length. */
static void check_all(const vcow_version *v, const char *when)
{
    static const unsigned flag_sets[] = {
        0,
        VCOW_TREE_HI_INCL,
        VCOW_TREE_LO_EXCL,
        VCOW_TREE_LO_EXCL | VCOW_TREE_HI_INCL | VCOW_TREE_REVERSE,
        VCOW_TREE_REVERSE,
        VCOW_TREE_NO_LO,
        VCOW_TREE_NO_HI | VCOW_TREE_REVERSE,
    };
    uint64_t len;
    unsigned long seed = 19;
    check(vcow_tree_len(v, &len), "len");
    if (len != count)
        fail("len disagrees with the model", (long)len);
    check(vcow_tree_check(v), "check");
    for (int i = 0; i < 20000; i++) {
        seed = seed * 6364136223846793005ul + 1442695040888963407ul;
        check_point(v, (long)(seed >> 33) % SPACE);
    }
    for (int i = 0; i < 300; i++) {
        seed = seed * 6364136223846793005ul + 1442695040888963407ul;
        long lo = (long)(seed >> 33) % SPACE, hi = lo + (long)(seed >> 13) % 3000;
        check_range(v, lo, hi < SPACE ? hi : SPACE - 1, flag_sets[i % 7]);
    }
    printf("%-28s %7zu keys: 20000 points and 300 ranges agree with the model\n", when, count);
}

/* Print the first n keys from lo up (or down, with VCOW_TREE_REVERSE). */
static int print_key(vcow_slice key, const vcow_val *val, void *ctx)
{
    int *left = ctx;
    (void)val;
    printf(" %.*s", (int)key.len, (const char *)key.ptr);
    return --*left == 0; /* non-zero stops the scan */
}

int main(void)
{
    vcow_cell *cell;
    vcow_txn *t;
    check(vcow_cell_open(VCOW_KIND_TREE, NULL, &cell), "open");

    /* 1. Bulk load the even numbers below 2 * LOADED, in key order. */
    static char keys[LOADED][7];
    static struct vcow_tree_kv items[LOADED];
    for (long i = 0; i < LOADED; i++) {
        key_of(2 * i, keys[i]);
        items[i] = (struct vcow_tree_kv){{keys[i], 6}, vcow_val_i64(2 * i)};
        present[2 * i] = true;
    }
    check(vcow_txn_begin(cell, &t), "begin");
    check(vcow_tree_bulk_load(t, items, LOADED), "bulk_load");
    check(vcow_txn_commit(t), "commit");
    vcow_txn_free(t);
    model_sort();
    vcow_version *loaded;
    check(vcow_cell_pin_head(cell, &loaded), "pin");
    check_all(loaded, "after the bulk load:");

    /* 2. Insert the odd numbers of [1000, 3000) and numbers past the end,
     * one set each, in one commit. */
    check(vcow_txn_begin(cell, &t), "begin");
    for (long k = 1001; k < 3000; k += 2)
        present[k] = true;
    for (long k = 900000; k < 900500; k++)
        present[k] = true;
    for (long k = 0; k < SPACE; k++) {
        char key[7];
        key_of(k, key);
        if (present[k] && (k & 1 || k >= 2 * LOADED))
            check(vcow_tree_set(t, key, vcow_val_i64(k)), "set");
    }
    check(vcow_txn_commit(t), "commit");
    vcow_txn_free(t);
    model_sort();
    vcow_read_lock();
    check_all(vcow_cell_head(cell), "after 1500 inserts:");

    int left = 8;
    printf("the 8 keys from 001995 up:  ");
    vcow_tree_range(vcow_cell_head(cell), "001995", 6, NULL, 0, VCOW_TREE_NO_HI, print_key, &left);
    left = 5;
    printf("\nthe 5 largest keys:         ");
    vcow_tree_range(vcow_cell_head(cell), NULL, 0, NULL, 0,
                    VCOW_TREE_NO_LO | VCOW_TREE_NO_HI | VCOW_TREE_REVERSE, print_key, &left);
    printf("\n");
    vcow_read_unlock();

    /* 3. Delete the range [002000, 150000] in one commit. */
    uint64_t deleted;
    size_t before = count;
    check(vcow_txn_begin(cell, &t), "begin");
    check(vcow_tree_del_range(t, "002000", 6, "150000", 6, VCOW_TREE_HI_INCL, &deleted),
          "del_range");
    check(vcow_txn_commit(t), "commit");
    vcow_txn_free(t);
    for (long k = 2000; k <= 150000; k++)
        present[k] = false;
    model_sort();
    if (deleted != before - count)
        fail("del_range deleted another number of keys than the model", (long)deleted);
    vcow_read_lock();
    check_all(vcow_cell_head(cell), "after deleting a range:");
    vcow_read_unlock();

    /* The pinned version of step 1 is untouched by the two later commits. */
    for (long k = 0; k < SPACE; k++)
        present[k] = k < 2 * LOADED && k % 2 == 0;
    model_sort();
    check_all(loaded, "the bulk-loaded version:");
    vcow_version_unpin(loaded);
    return vcow_cell_close(cell) == VCOW_OK ? 0 : 1;
}
