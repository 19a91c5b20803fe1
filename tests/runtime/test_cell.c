/*
 * tests/runtime/test_cell.c - cells, txns, pins and history on the box kind
 * (single-threaded parts; see test_cell_mt.c for the concurrent ones).
 *
 *   basic     commit / read / pin / abort / conflict, counters back to zero
 *   badinput  every misuse gets its error code
 *   history   history all: every version by seq and by time; trims free
 *             exactly what they should; pins survive trims
 *   policies  keep_last, max_bytes, max_age
 *   oom       the k-th allocation fails, for every k of a scripted sequence
 *   cost      what a kept version costs: a 64-byte object, plus 16 bytes and
 *             8 per retired node for its retire list; a cell whose writers
 *             stop has its garbage freed with no further call (the drain)
 */
#include <limits.h>
#include <stdint.h>

#include "tests/test.h"

static int64_t head_i64(vcow_cell *c, uint64_t *seq)
{
    vcow_val v;
    vcow_read_lock();
    const vcow_version *h = vcow_cell_head(c);
    CHECK_OK(vcow_box_get(h, &v));
    if (seq != NULL)
        *seq = vcow_version_seq(h);
    vcow_read_unlock();
    CHECK(v.type == VCOW_T_I64);
    return v.u.i64;
}

static void commit_i64(vcow_cell *c, int64_t x)
{
    vcow_txn *t;
    CHECK_OK(vcow_txn_begin(c, &t));
    CHECK_OK(vcow_box_set(t, vcow_val_i64(x)));
    CHECK_OK(vcow_txn_commit(t));
    vcow_txn_free(t);
}

static void test_basic(void)
{
    /* The library we run with is the one whose header we compiled with. */
    CHECK_EQ_INT(vcow_library_version_number(), VCOW_VERSION_NUMBER);
    CHECK(strcmp(vcow_library_version(), VCOW_VERSION_STRING) == 0);
    vcow_cell *c;
    CHECK_OK(vcow_cell_open(VCOW_KIND_BOX, NULL, &c));
    CHECK(vcow_cell_kind(c) == VCOW_KIND_BOX);

    vcow_val v;
    vcow_read_lock();
    const vcow_version *h0 = vcow_cell_head(c);
    CHECK_EQ_INT(vcow_version_seq(h0), 0);
    CHECK_OK(vcow_box_get(h0, &v));
    CHECK(v.type == VCOW_T_NONE);
    vcow_read_unlock();

    /* A txn sees its own writes; changing its own node twice is in place. */
    vcow_txn *t;
    CHECK_OK(vcow_txn_begin(c, &t));
    CHECK_OK(vcow_box_set(t, vcow_val_i64(1)));
    CHECK_OK(vcow_gc_barrier()); /* no reclamation running behind the counts */
    uint64_t allocs0 = (uint64_t)test_live_nodes(VCOW_MEM_BOX);
    CHECK_OK(vcow_box_set(t, vcow_val_i64(2)));
    CHECK_EQ_INT(test_live_nodes(VCOW_MEM_BOX), allocs0);
    CHECK_OK(vcow_box_get(vcow_txn_view(t), &v));
    CHECK_EQ_INT(v.u.i64, 2);
    CHECK_OK(vcow_txn_commit(t));
    vcow_txn_free(t);
    uint64_t seq;
    CHECK_EQ_INT(head_i64(c, &seq), 2);
    CHECK_EQ_INT(seq, 1);

    /* Bytes are copied and read back. */
    char buf[100];
    memset(buf, 'x', sizeof(buf));
    CHECK_OK(vcow_txn_begin(c, &t));
    CHECK_OK(vcow_box_set(t, vcow_val_bytes(buf, sizeof(buf))));
    memset(buf, 'y', sizeof(buf));
    CHECK_OK(vcow_txn_commit(t));
    vcow_txn_free(t);
    vcow_read_lock();
    CHECK_OK(vcow_box_get(vcow_cell_head(c), &v));
    CHECK(v.type == VCOW_T_BYTES && v.u.bytes.len == 100);
    CHECK(((const char *)v.u.bytes.ptr)[0] == 'x' && ((const char *)v.u.bytes.ptr)[99] == 'x');
    vcow_read_unlock();

    /* A pin keeps its version; abort changes nothing and frees its nodes. */
    vcow_version *p;
    CHECK_OK(vcow_cell_pin_head(c, &p));
    CHECK_OK(vcow_gc_barrier());
    int64_t box_nodes = test_live_nodes(VCOW_MEM_BOX);
    CHECK_OK(vcow_txn_begin(c, &t));
    CHECK_OK(vcow_box_set(t, vcow_val_f64(2.5)));
    CHECK_OK(vcow_txn_abort(t));
    vcow_txn_free(t);
    CHECK_EQ_INT(test_live_nodes(VCOW_MEM_BOX), box_nodes);
    commit_i64(c, 7);
    CHECK_OK(vcow_box_get(p, &v));
    CHECK(v.type == VCOW_T_BYTES && v.u.bytes.len == 100);
    CHECK_EQ_INT(vcow_version_seq(p), 2);
    vcow_version_unpin(p);

    /* Conflict: two txns on the same head; the second commit loses and
     * frees what it made. */
    vcow_txn *a, *b;
    CHECK_OK(vcow_txn_begin(c, &a));
    CHECK_OK(vcow_txn_begin(c, &b));
    CHECK_OK(vcow_box_set(a, vcow_val_i64(10)));
    CHECK_OK(vcow_box_set(b, vcow_val_i64(20)));
    CHECK_OK(vcow_txn_commit(a));
    CHECK_RC(vcow_txn_commit(b), VCOW_ECONFLICT);
    vcow_txn_free(a);
    vcow_txn_free(b);
    CHECK_EQ_INT(head_i64(c, &seq), 10);
    CHECK_EQ_INT(seq, 4);

    /* Cell conveniences. */
    int64_t r;
    CHECK_OK(vcow_box_cell_add(c, 5, &r, &seq));
    CHECK_EQ_INT(r, 15);
    CHECK_EQ_INT(seq, 5);
    CHECK_OK(vcow_box_cell_set(c, vcow_val_bool(true), NULL));
    CHECK_RC(vcow_box_cell_add(c, 1, NULL, NULL), VCOW_EINVAL); /* not a counter */

    /* Without history only the head lives once the reclaimer ran. */
    CHECK_OK(vcow_gc_barrier());
    struct vcow_cell_stats s;
    CHECK_OK(vcow_cell_get_stats(c, &s));
    CHECK_EQ_INT(s.head_seq, 6);
    CHECK_EQ_INT(s.live_versions, 1);
    CHECK_EQ_INT(s.oldest_seq, 6);
    CHECK_EQ_INT(s.nodes[VCOW_MEM_BOX], 1);
    CHECK_EQ_INT(s.nodes[VCOW_MEM_META], 1); /* the head's version object */
    CHECK_EQ_INT(s.held_bytes, 0);
    CHECK_EQ_INT(s.commits, 6);
    CHECK_EQ_INT(s.conflicts, 1);

    CHECK_OK(vcow_cell_close(c));
    test_check_all_freed();
}

static void test_badinput(void)
{
    vcow_cell *c;
    vcow_txn *t;
    vcow_version *p;
    vcow_val v;
    CHECK_RC(vcow_cell_open(VCOW_KIND_BOX, NULL, NULL), VCOW_EINVAL);
    CHECK_RC(vcow_cell_open((enum vcow_kind)VCOW_MEM_META, NULL, &c), VCOW_EINVAL);
    CHECK_RC(vcow_cell_open((enum vcow_kind)VCOW_MEM_BLOB, NULL, &c), VCOW_EINVAL);
    /* Cell kinds and memory classes are two vocabularies with one numbering. */
    CHECK(strcmp(vcow_kind_name(VCOW_KIND_BOX), "box") == 0);
    CHECK(vcow_kind_name((enum vcow_kind)VCOW_MEM_BLOB) == NULL);
    CHECK(vcow_kind_name((enum vcow_kind)VCOW_MEM_META) == NULL);
    CHECK(strcmp(vcow_mem_name(VCOW_MEM_BLOB), "blob") == 0);
    CHECK(strcmp(vcow_mem_name(VCOW_MEM_META), "meta") == 0);
    CHECK(vcow_mem_name(VCOW_MEM_COUNT) == NULL);
    CHECK_RC(vcow_cell_open((enum vcow_kind)99, NULL, &c), VCOW_EINVAL);
    struct vcow_cell_opts o = {0};
    CHECK_RC(vcow_cell_open(VCOW_KIND_BOX, &o, &c), VCOW_EINVAL); /* size unset */
    o.size = sizeof(o);
    o.keep_last = 3; /* a limit without history */
    CHECK_RC(vcow_cell_open(VCOW_KIND_BOX, &o, &c), VCOW_EINVAL);
    CHECK_RC(vcow_cell_close(NULL), VCOW_EINVAL);
    CHECK_RC(vcow_txn_begin(NULL, &t), VCOW_EINVAL);
    CHECK_RC(vcow_txn_commit(NULL), VCOW_EINVAL);
    CHECK_RC(vcow_txn_abort(NULL), VCOW_EINVAL);
    vcow_txn_free(NULL);
    CHECK_RC(vcow_box_set(NULL, vcow_val_i64(1)), VCOW_EINVAL);
    CHECK_RC(vcow_box_get(NULL, &v), VCOW_EINVAL);
    CHECK_RC(vcow_cell_pin_at(NULL, 0, &p), VCOW_EINVAL);
    CHECK_RC(vcow_cell_pin_head(NULL, &p), VCOW_EINVAL);
    CHECK_RC(vcow_cell_update(NULL, NULL, NULL, NULL), VCOW_EINVAL);
    CHECK(vcow_cell_head(NULL) == NULL);
    vcow_version_unpin(NULL);

    CHECK_OK(vcow_cell_open(VCOW_KIND_BOX, NULL, &c));
    CHECK_RC(vcow_cell_pin_at(c, 0, NULL), VCOW_EINVAL);
    CHECK_OK(vcow_txn_begin(c, &t));
    CHECK_RC(vcow_box_set(t, vcow_val_bytes(NULL, 5)), VCOW_EINVAL);
    vcow_val nested = {.type = VCOW_T_MAP};
    CHECK_RC(vcow_box_set(t, nested), VCOW_EINVAL);
    vcow_val unknown = {.type = (enum vcow_type)42};
    CHECK_RC(vcow_box_set(t, unknown), VCOW_EINVAL);
    CHECK_OK(vcow_box_set(t, vcow_val_i64(1)));
    /* The txn view reads what the txn wrote, not its base. */
    const vcow_version *tv = vcow_txn_view(t);
    CHECK_OK(vcow_box_get(tv, &v));
    CHECK_EQ_INT(v.u.i64, 1);
    CHECK_RC(vcow_box_get(vcow_txn_base(t), &v), VCOW_OK);
    CHECK(v.type == VCOW_T_NONE);
    CHECK_RC(vcow_version_pin(tv, &p), VCOW_EINVAL); /* no pin */
    CHECK_OK(vcow_box_set(t, vcow_val_i64(5)));
    CHECK_OK(vcow_box_get(tv, &v)); /* the same pointer follows the write */
    CHECK_EQ_INT(v.u.i64, 5);
    CHECK_OK(vcow_box_set(t, vcow_val_i64(1)));
    /* close refuses while a txn (a pin) is open. */
    CHECK_RC(vcow_cell_close(c), VCOW_ESTATE);
    CHECK_OK(vcow_txn_commit(t));
    CHECK_RC(vcow_box_get(tv, &v), VCOW_EINVAL); /* finished: reads fail */
    /* Commit twice, use after commit. */
    CHECK_RC(vcow_txn_commit(t), VCOW_ESTATE);
    CHECK_RC(vcow_box_set(t, vcow_val_i64(2)), VCOW_ESTATE);
    CHECK(vcow_txn_view(t) == NULL);
    CHECK_RC(vcow_txn_abort(t), VCOW_ESTATE);
    CHECK(vcow_txn_base(t) == NULL);
    vcow_txn_free(t);

    /* Unknown seq, a reclaimed seq, time before the first version. */
    CHECK_RC(vcow_cell_pin_at(c, 99, &p), VCOW_ENOENT);
    commit_i64(c, 2);
    CHECK_OK(vcow_gc_barrier());
    CHECK_RC(vcow_cell_pin_at(c, 0, &p), VCOW_ENOENT);
    CHECK_RC(vcow_cell_pin_as_of(c, 0, &p), VCOW_ENOENT);
    CHECK_OK(vcow_cell_pin_at(c, 2, &p));
    vcow_version_unpin(p);

    /* Read-section rules. */
    vcow_read_lock();
    CHECK_RC(vcow_cell_close(c), VCOW_ESTATE);
    vcow_read_unlock();
    size_t n;
    CHECK_RC(vcow_cell_versions(c, 5, 1, NULL, 0, &n), VCOW_EINVAL);
    CHECK_OK(vcow_cell_close(c));
    test_check_all_freed();
}

static void test_history(void)
{
    enum { N = 2000 };
    struct vcow_cell_opts o = {.size = sizeof(o), .history = true};
    vcow_cell *c;
    CHECK_OK(vcow_cell_open(VCOW_KIND_BOX, &o, &c));
    static int64_t times[N + 1];
    vcow_read_lock();
    times[0] = vcow_version_time(vcow_cell_head(c));
    vcow_read_unlock();
    for (int64_t i = 1; i <= N; i++) {
        uint64_t seq;
        CHECK_OK(vcow_box_cell_set(c, vcow_val_i64(i * 3), &seq));
        CHECK_EQ_INT(seq, i);
        vcow_version *p;
        CHECK_OK(vcow_cell_pin_at(c, (uint64_t)i, &p));
        times[i] = vcow_version_time(p);
        CHECK(times[i] >= times[i - 1]);
        vcow_version_unpin(p);
    }
    CHECK_OK(vcow_gc_barrier());
    /* Every version by seq and by time holds what was committed. */
    for (int64_t i = 1; i <= N; i++) {
        vcow_version *p;
        vcow_val v;
        CHECK_OK(vcow_cell_pin_at(c, (uint64_t)i, &p));
        CHECK_OK(vcow_box_get(p, &v));
        CHECK_EQ_INT(v.u.i64, i * 3);
        vcow_version_unpin(p);
        CHECK_OK(vcow_cell_pin_as_of(c, times[i], &p));
        /* Several versions may share a clock tick: as-of gives the newest. */
        CHECK(vcow_version_seq(p) >= (uint64_t)i);
        CHECK(vcow_version_time(p) == times[i]);
        vcow_version_unpin(p);
    }
    struct vcow_version_info info[8];
    size_t n;
    CHECK_OK(vcow_cell_versions(c, 10, 17, info, 8, &n));
    CHECK_EQ_INT(n, 8);
    CHECK_EQ_INT(info[0].seq, 10);
    CHECK_EQ_INT(info[7].seq, 17);

    /* Live box nodes: one per version 1..N (version 0 is empty). */
    struct vcow_cell_stats s;
    CHECK_OK(vcow_cell_get_stats(c, &s));
    CHECK_EQ_INT(s.nodes[VCOW_MEM_BOX], N);
    CHECK_EQ_INT(s.live_versions, N + 1);

    /* Pin version 100, trim everything before 1500: exactly versions
     * 0..1499 except 100 die, and their boxes are freed. */
    vcow_version *keep;
    CHECK_OK(vcow_cell_pin_at(c, 100, &keep));
    CHECK_OK(vcow_cell_trim(c, 1500));
    CHECK_OK(vcow_gc_barrier());
    CHECK_OK(vcow_cell_get_stats(c, &s));
    CHECK_EQ_INT(s.live_versions, (N - 1500 + 1) + 1);
    CHECK_EQ_INT(s.oldest_seq, 100);
    /* Version 100 holds back every box newer than it (the MVCC horizon):
     * boxes of 101..1499 are retired but not freed until it goes. */
    CHECK_EQ_INT(s.nodes[VCOW_MEM_BOX], N - 100 + 1);
    CHECK(s.held_bytes > 0);
    vcow_val v;
    CHECK_OK(vcow_box_get(keep, &v));
    CHECK_EQ_INT(v.u.i64, 300);
    CHECK_RC(vcow_cell_pin_at(c, 1499, &keep), VCOW_ENOENT);
    vcow_version *tmp;
    CHECK_RC(vcow_cell_pin_at(c, 1499, &tmp), VCOW_ENOENT);
    CHECK_RC(vcow_cell_pin_at(c, 99, &tmp), VCOW_ENOENT);
    vcow_version_unpin(keep);
    CHECK_OK(vcow_gc_barrier());
    CHECK_OK(vcow_cell_get_stats(c, &s));
    CHECK_EQ_INT(s.nodes[VCOW_MEM_BOX], N - 1500 + 1);
    CHECK_EQ_INT(s.live_versions, N - 1500 + 1);
    CHECK_EQ_INT(s.oldest_seq, 1500);
    CHECK_OK(vcow_cell_pin_at(c, 1500, &tmp));
    CHECK_OK(vcow_box_get(tmp, &v));
    CHECK_EQ_INT(v.u.i64, 4500);
    vcow_version_unpin(tmp);
    CHECK_OK(vcow_cell_close(c));
    test_check_all_freed();
}

static void test_policies(void)
{
    vcow_cell *c;
    struct vcow_cell_stats s;
    /* keep_last */
    struct vcow_cell_opts o = {.size = sizeof(o), .history = true, .keep_last = 10};
    CHECK_OK(vcow_cell_open(VCOW_KIND_BOX, &o, &c));
    for (int i = 1; i <= 100; i++)
        CHECK_OK(vcow_box_cell_set(c, vcow_val_i64(i), NULL));
    CHECK_OK(vcow_gc_barrier());
    CHECK_OK(vcow_cell_get_stats(c, &s));
    CHECK_EQ_INT(s.live_versions, 10);
    CHECK_EQ_INT(s.oldest_seq, 91);
    CHECK_EQ_INT(s.nodes[VCOW_MEM_BOX], 10);
    CHECK_OK(vcow_cell_close(c));

    /* max_bytes: each version's history costs one retired box of 32 + 64
     * bytes and the NUL after them; a budget of 10 boxes keeps 11 versions. */
    char buf[64] = {0};
    o = (struct vcow_cell_opts){.size = sizeof(o), .history = true, .max_bytes = 10 * 97};
    CHECK_OK(vcow_cell_open(VCOW_KIND_BOX, &o, &c));
    for (int i = 1; i <= 100; i++) {
        buf[0] = (char)i;
        CHECK_OK(vcow_box_cell_set(c, vcow_val_bytes(buf, sizeof(buf)), NULL));
    }
    CHECK_OK(vcow_gc_barrier());
    CHECK_OK(vcow_cell_get_stats(c, &s));
    CHECK_EQ_INT(s.live_versions, 11);
    CHECK_EQ_INT(s.oldest_seq, 90);
    CHECK_OK(vcow_cell_close(c));

    /* max_age: versions older than 50 ms go at the next commit. */
    o = (struct vcow_cell_opts){.size = sizeof(o), .history = true, .max_age_ns = 50000000};
    CHECK_OK(vcow_cell_open(VCOW_KIND_BOX, &o, &c));
    for (int i = 1; i <= 5; i++)
        CHECK_OK(vcow_box_cell_set(c, vcow_val_i64(i), NULL));
    struct timespec ts = {0, 120000000};
    nanosleep(&ts, NULL);
    CHECK_OK(vcow_box_cell_set(c, vcow_val_i64(6), NULL));
    CHECK_OK(vcow_gc_barrier());
    CHECK_OK(vcow_cell_get_stats(c, &s));
    CHECK_EQ_INT(s.live_versions, 1);
    CHECK_EQ_INT(s.oldest_seq, 6);
    CHECK_OK(vcow_cell_close(c));
    test_check_all_freed();
}

/*
 * The scripted sequence run under allocation failure. Each step either
 * succeeds or returns VCOW_ENOMEM having changed nothing: the head and the
 * pinned version still read what they read before.
 */
static int scripted(void)
{
    int failures = 0;
    vcow_cell *c;
    struct vcow_cell_opts o = {.size = sizeof(o), .history = true};
    int rc = vcow_cell_open(VCOW_KIND_BOX, &o, &c);
    if (rc == VCOW_ENOMEM)
        return 1;
    CHECK_OK(rc);
    int64_t expect = 0;
    vcow_version *pin = NULL;
    for (int i = 1; i <= 40; i++) {
        char big[300];
        memset(big, i, sizeof(big));
        vcow_txn *t;
        rc = vcow_txn_begin(c, &t);
        if (rc == VCOW_ENOMEM) {
            failures++;
            continue;
        }
        CHECK_OK(rc);
        rc = vcow_box_set(t, i % 3 ? vcow_val_i64(i) : vcow_val_bytes(big, sizeof(big)));
        if (rc == VCOW_OK)
            rc = vcow_box_set(t, vcow_val_i64(i)); /* in place or a new node */
        if (rc == VCOW_OK) {
            rc = vcow_txn_commit(t);
            if (rc == VCOW_ENOMEM) {
                failures++;
                rc = vcow_txn_commit(t); /* still open: may succeed now */
            }
        }
        if (rc == VCOW_OK) {
            expect = i;
        } else {
            CHECK_RC(rc, VCOW_ENOMEM);
            failures++;
        }
        vcow_txn_free(t);
        /* The head holds the last committed value, whatever failed. */
        vcow_val v;
        vcow_read_lock();
        CHECK_OK(vcow_box_get(vcow_cell_head(c), &v));
        CHECK(expect == 0 ? v.type == VCOW_T_NONE : v.u.i64 == expect);
        vcow_read_unlock();
        if (i == 10 && pin == NULL && expect != 0)
            CHECK_OK(vcow_cell_pin_head(c, &pin));
        if (pin != NULL) {
            CHECK_OK(vcow_box_get(pin, &v));
            CHECK(v.type == VCOW_T_I64 && v.u.i64 <= 10);
        }
        if (i == 20)
            CHECK_OK(vcow_cell_trim(c, 15));
    }
    if (pin != NULL)
        vcow_version_unpin(pin);
    CHECK_OK(vcow_cell_close(c));
    return failures;
}

static void test_oom(void)
{
    printf("oom: failed each of %ld allocations in turn\n", test_oom_sweep(scripted));
    long k;
    /* Persistent failure from some point on: every call fails cleanly. */
    for (k = 1; k < 60; k += 7) {
        vcow_debug_fail_alloc(k, true);
        scripted();
        vcow_debug_fail_alloc(0, false);
        test_check_all_freed();
    }
}

static int64_t meta_bytes(vcow_cell *c, struct vcow_cell_stats *s)
{
    CHECK_OK(vcow_cell_get_stats(c, s));
    return s->bytes[VCOW_MEM_META];
}

static void test_cost(void)
{
    enum { N = 1000 };
    struct vcow_cell_opts o = {.size = sizeof(o), .history = true};
    struct vcow_cell_stats s;
    vcow_cell *c;
    CHECK_OK(vcow_cell_open(VCOW_KIND_BOX, &o, &c));
    /* Commits that change nothing retire nothing: 64 bytes a version. */
    for (int i = 0; i < N; i++) {
        vcow_txn *t;
        CHECK_OK(vcow_txn_begin(c, &t));
        CHECK_OK(vcow_txn_commit(t));
        vcow_txn_free(t);
    }
    CHECK_EQ_INT(meta_bytes(c, &s), (N + 1) * 64);
    CHECK_EQ_INT(s.live_versions, N + 1);
    /* Each store replaces one box node: its list holds one entry. The
     * first store replaced nothing (the box was empty). */
    for (int i = 0; i < N; i++)
        CHECK_OK(vcow_box_cell_set(c, vcow_val_i64(i), NULL));
    CHECK_EQ_INT(meta_bytes(c, &s), (N + 1) * 64 + N * 64 + (N - 1) * (16 + 8));
    CHECK_OK(vcow_cell_close(c));
    CHECK_OK(vcow_gc_barrier());
    test_check_all_freed();

    /* No history: the writer stops, nobody calls anything, and yet every
     * replaced version and value is freed once grace periods pass (the
     * last ones wait in the open batch until the drain takes it). */
    CHECK_OK(vcow_cell_open(VCOW_KIND_BOX, NULL, &c));
    for (int i = 0; i < N; i++)
        CHECK_OK(vcow_box_cell_set(c, vcow_val_i64(i), NULL));
    CHECK_OK(vcow_gc_barrier());
    CHECK_EQ_INT(meta_bytes(c, &s), 64 + 16 + 8); /* the head alone */
    CHECK_EQ_INT(s.held_bytes, 0);
    CHECK_EQ_INT(s.pending_bytes, 0);
    CHECK_EQ_INT(s.live_versions, 1);
    CHECK_OK(vcow_cell_close(c));
    CHECK_OK(vcow_gc_barrier());
    test_check_all_freed();
}

int main(int argc, char **argv)
{
    const char *part = argc > 1 ? argv[1] : "basic";
    if (strcmp(part, "basic") == 0)
        test_basic();
    else if (strcmp(part, "badinput") == 0)
        test_badinput();
    else if (strcmp(part, "history") == 0)
        test_history();
    else if (strcmp(part, "policies") == 0)
        test_policies();
    else if (strcmp(part, "oom") == 0)
        test_oom();
    else if (strcmp(part, "cost") == 0)
        test_cost();
    else
        return 2;
    return 0;
}
