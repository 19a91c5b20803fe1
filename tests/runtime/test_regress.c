/*
 * tests/runtime/test_regress.c - regressions from a new user's attacks
 * (issue 14), single-threaded parts. Each failed on the code before its fix.
 *
 *   update_conflict  fn returning VCOW_ECONFLICT aborts the txn and is
 *                    returned (it used to loop, leak the txn and make close
 *                    answer VCOW_ESTATE for ever)
 *   box_add_range    vcow_box_cell_add refuses to overflow (it used to wrap)
 *   held_bytes       held_bytes counts every byte an old pin holds,
 *                    version objects included
 *   unpin_slice      the thread whose unpin ends a long pin frees at most
 *                    one slice of the backlog (it used to free all of it)
 *   clock_back       as-of answers stay put when CLOCK_REALTIME steps back
 */
#include <limits.h>
#include <pthread.h>
#include <stdint.h>

#include "tests/test.h"

/* ---- update_conflict ---- */

struct conflict_ctx {
    int runs;
};

static int conflict_fn(vcow_txn *t, void *arg)
{
    struct conflict_ctx *c = arg;
    CHECK_OK(vcow_box_set(t, vcow_val_i64(++c->runs)));
    return c->runs == 1 ? VCOW_ECONFLICT : VCOW_OK;
}

static void test_update_conflict(void)
{
    vcow_cell *c;
    CHECK_OK(vcow_cell_open(VCOW_KIND_BOX, NULL, &c));
    struct conflict_ctx ctx = {0};
    uint64_t seq = 99;
    /* fn's own VCOW_ECONFLICT is fn's verdict, not a lost CAS: returned. */
    CHECK_RC(vcow_cell_update(c, conflict_fn, &ctx, &seq), VCOW_ECONFLICT);
    CHECK_EQ_INT(ctx.runs, 1);
    CHECK_EQ_INT(seq, 99); /* nothing committed */
    vcow_read_lock();
    CHECK_EQ_INT(vcow_version_seq(vcow_cell_head(c)), 0);
    vcow_read_unlock();
    /* The txn's pin on the base is gone: close works. */
    CHECK_OK(vcow_cell_close(c));
    test_check_all_freed();
}

/* ---- box_add_range ---- */

static void test_box_add_range(void)
{
    vcow_cell *c;
    CHECK_OK(vcow_cell_open(VCOW_KIND_BOX, NULL, &c));
    uint64_t seq;
    CHECK_OK(vcow_box_cell_set(c, vcow_val_i64(INT64_MAX), &seq));
    int64_t r = 7;
    CHECK_RC(vcow_box_cell_add(c, 1, &r, NULL), VCOW_ERANGE);
    CHECK_EQ_INT(r, 7);
    CHECK_OK(vcow_box_cell_set(c, vcow_val_i64(INT64_MIN), &seq));
    CHECK_RC(vcow_box_cell_add(c, -1, &r, NULL), VCOW_ERANGE);
    /* Nothing committed by the refused adds; the value is intact. */
    vcow_read_lock();
    const vcow_version *h = vcow_cell_head(c);
    vcow_val v;
    CHECK_OK(vcow_box_get(h, &v));
    CHECK_EQ_INT(vcow_version_seq(h), seq);
    CHECK(v.type == VCOW_T_I64 && v.u.i64 == INT64_MIN);
    vcow_read_unlock();
    /* The edges themselves are fine. */
    CHECK_OK(vcow_box_cell_add(c, INT64_MAX, &r, NULL));
    CHECK_EQ_INT(r, -1);
    CHECK_OK(vcow_cell_close(c));
    test_check_all_freed();
}

/* ---- held_bytes ---- */

static int64_t cell_bytes(vcow_cell *c, struct vcow_cell_stats *s)
{
    CHECK_OK(vcow_cell_get_stats(c, s));
    int64_t b = 0;
    for (int k = 0; k < VCOW_MEM_COUNT; k++)
        b += s->bytes[k];
    return b;
}

static void test_held_bytes(void)
{
    vcow_cell *c;
    struct vcow_cell_stats s;
    char blob[100];
    memset(blob, 'h', sizeof(blob));
    CHECK_OK(vcow_cell_open(VCOW_KIND_BOX, NULL, &c));
    /* Twice: a version's object carries the list of what its commit
     * retired, so the head measured here must have retired a value, as
     * the head measured below has. */
    CHECK_OK(vcow_box_cell_set(c, vcow_val_bytes(blob, sizeof(blob)), NULL));
    CHECK_OK(vcow_box_cell_set(c, vcow_val_bytes(blob, sizeof(blob)), NULL));
    CHECK_OK(vcow_gc_barrier());
    /* What the head alone costs: nothing is held. */
    int64_t head_only = cell_bytes(c, &s);
    CHECK_EQ_INT(s.held_bytes, 0);

    vcow_version *old;
    CHECK_OK(vcow_cell_pin_head(c, &old));
    for (int i = 0; i < 1000; i++) {
        blob[0] = (char)i;
        CHECK_OK(vcow_box_cell_set(c, vcow_val_bytes(blob, sizeof(blob)), NULL));
    }
    CHECK_OK(vcow_gc_barrier());
    /* Every byte beyond the head's is held by the pin, and held_bytes says
     * so: replaced values and the replaced versions' own objects alike. */
    int64_t all = cell_bytes(c, &s);
    CHECK(s.held_bytes > 1000 * sizeof(blob));
    CHECK_EQ_INT(s.held_bytes, all - head_only);

    vcow_version_unpin(old);
    CHECK_OK(vcow_gc_barrier());
    CHECK_EQ_INT(cell_bytes(c, &s), head_only);
    CHECK_EQ_INT(s.held_bytes, 0);
    CHECK_OK(vcow_cell_close(c));
    test_check_all_freed();
}

/* ---- unpin_slice ---- */

/* runtime/reclaim.c's FREE_BUDGET: nodes one slice frees (version objects
 * count as nodes; the slice may end one version object over). */
#define SLICE (16384 + 1)

struct unpin_arg {
    vcow_version *v;
    uint64_t frees;
};

static void *unpin_thread(void *p)
{
    struct unpin_arg *a = p;
    uint64_t before = vcow_debug_thread_frees();
    vcow_version_unpin(a->v);
    a->frees = vcow_debug_thread_frees() - before;
    return NULL;
}

static void test_unpin_slice(void)
{
    enum { COMMITS = 100000 };
    /* A small bound: the whole backlog is far over it, so the unpinning
     * thread is the one that would have to help. */
    struct vcow_cell_opts o = {.size = sizeof(o), .max_pending_bytes = 64 << 10};
    vcow_cell *c;
    CHECK_OK(vcow_cell_open(VCOW_KIND_BOX, &o, &c));
    struct unpin_arg a = {NULL, 0};
    CHECK_OK(vcow_cell_pin_head(c, &a.v));
    for (int i = 1; i <= COMMITS; i++)
        CHECK_OK(vcow_box_cell_set(c, vcow_val_i64(i), NULL));
    CHECK_OK(vcow_gc_barrier());
    struct vcow_cell_stats s;
    CHECK_OK(vcow_cell_get_stats(c, &s));
    int64_t backlog = s.nodes[VCOW_MEM_BOX] + s.nodes[VCOW_MEM_META] - 2; /* less the head */
    CHECK(backlog >= 2 * COMMITS - 2);

    pthread_t th;
    CHECK(pthread_create(&th, NULL, unpin_thread, &a) == 0);
    pthread_join(th, NULL);
    printf("unpin_slice: backlog %lld nodes, the unpinning thread freed %llu\n", (long long)backlog,
           (unsigned long long)a.frees);
    CHECK(a.frees <= SLICE);

    /* The reclaimer frees the rest; meanwhile the bound stands exceeded and
     * committers help (backpressure). */
    for (int i = 0; i < 100; i++)
        CHECK_OK(vcow_box_cell_set(c, vcow_val_i64(i), NULL));
    CHECK_OK(vcow_gc_barrier());
    CHECK_OK(vcow_cell_get_stats(c, &s));
    CHECK_EQ_INT(s.nodes[VCOW_MEM_BOX], 1);
    CHECK_EQ_INT(s.held_bytes, 0);
    CHECK_EQ_INT(s.pending_bytes, 0);
    CHECK_OK(vcow_cell_close(c));
    test_check_all_freed();
}

/* ---- clock_back ---- */

static void test_clock_back(void)
{
    struct vcow_cell_opts o = {.size = sizeof(o), .history = true};
    vcow_cell *c;
    vcow_version *p;
    CHECK_OK(vcow_cell_open(VCOW_KIND_BOX, &o, &c));
    uint64_t s1, s2;
    CHECK_OK(vcow_box_cell_set(c, vcow_val_i64(1), &s1));
    int64_t t = test_realtime_ns();
    CHECK_OK(vcow_cell_pin_as_of(c, t, &p));
    CHECK_EQ_INT(vcow_version_seq(p), s1);
    vcow_version_unpin(p);

    /* The clock steps back an hour; the next commit must still be later
     * than t, or as-of(t) would change its answer to it. */
    vcow_debug_clock_shift(-3600 * (int64_t)1000000000);
    CHECK_OK(vcow_box_cell_set(c, vcow_val_i64(2), &s2));
    CHECK_OK(vcow_cell_pin_as_of(c, t, &p));
    CHECK_EQ_INT(vcow_version_seq(p), s1);
    vcow_version_unpin(p);
    CHECK_OK(vcow_cell_pin_at(c, s2, &p));
    CHECK(vcow_version_time(p) > t);
    vcow_version_unpin(p);
    /* And times never go back with seq. */
    CHECK_OK(vcow_cell_pin_at(c, s1, &p));
    vcow_version *q;
    CHECK_OK(vcow_cell_pin_at(c, s2, &q));
    CHECK(vcow_version_time(q) >= vcow_version_time(p));
    vcow_version_unpin(p);
    vcow_version_unpin(q);
    vcow_debug_clock_shift(3600 * (int64_t)1000000000);
    CHECK_OK(vcow_cell_close(c));
    test_check_all_freed();
}

int main(int argc, char **argv)
{
    const char *part = argc > 1 ? argv[1] : "";
    if (strcmp(part, "update_conflict") == 0)
        test_update_conflict();
    else if (strcmp(part, "box_add_range") == 0)
        test_box_add_range();
    else if (strcmp(part, "held_bytes") == 0)
        test_held_bytes();
    else if (strcmp(part, "unpin_slice") == 0)
        test_unpin_slice();
    else if (strcmp(part, "clock_back") == 0)
        test_clock_back();
    else
        return 2;
    return 0;
}
