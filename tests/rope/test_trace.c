/*
 * tests/rope/test_trace.c - replay real editing traces into a rope.
 *
 *   onetxn [trace...]          every patch in one txn; the text must equal
 *                              endContent byte for byte
 *   history [trace [max_txns]] one commit per trace transaction with history
 *                              kept (small edits are delta nodes); then the
 *                              text "as of" 50 evenly spread transactions
 *                              must equal a fresh replay up to that
 *                              transaction
 *   history_nodelta [...]      the same with rope_no_deltas
 * Exits 77 (skipped) when the traces are not there.
 */
#include <limits.h>
#include <vcow/rope.h>

#include "tests/rope/trace.h"
#include "tests/test.h"

static int load(const char *name, struct trace *tr)
{
    int rc = trace_load(name, tr);
    if (rc == -1) {
        fprintf(stderr, "skip: trace %s not found in %s (set VCOW_TRACES)\n", name, trace_dir());
        return TEST_SKIP;
    }
    CHECK_EQ_INT(rc, 0);
    return 0;
}

static void apply(vcow_txn *t, const struct trace_patch *p)
{
    if (p->del > 0)
        CHECK_OK(vcow_rope_delete(t, VCOW_ROPE_CHARS, p->pos, p->del));
    if (p->ins_len > 0)
        CHECK_OK(vcow_rope_insert(t, VCOW_ROPE_CHARS, p->pos, p->ins, p->ins_len));
}

static void check_text_txn(vcow_txn *t, const char *want, size_t len)
{
    struct vcow_rope_metrics l;
    CHECK_OK(vcow_rope_len(vcow_txn_view(t), &l));
    CHECK_EQ_INT(l.bytes, len);
    char *buf = malloc(len + 1);
    size_t n;
    CHECK_OK(vcow_rope_copy(vcow_txn_view(t), VCOW_ROPE_BYTES, 0, len, buf, &n));
    CHECK_EQ_INT(n, len);
    CHECK(memcmp(buf, want, len) == 0);
    free(buf);
}

static void check_text(const vcow_version *v, const char *want, size_t len)
{
    struct vcow_rope_metrics l;
    CHECK_OK(vcow_rope_len(v, &l));
    CHECK_EQ_INT(l.bytes, len);
    char *buf = malloc(len + 1);
    size_t n;
    CHECK_OK(vcow_rope_copy(v, VCOW_ROPE_BYTES, 0, len, buf, &n));
    CHECK_EQ_INT(n, len);
    CHECK(memcmp(buf, want, len) == 0);
    free(buf);
}

static int onetxn(const char *name)
{
    struct trace tr;
    int rc = load(name, &tr);
    if (rc != 0)
        return rc;
    vcow_cell *c;
    vcow_txn *t;
    CHECK_OK(vcow_cell_open(VCOW_KIND_ROPE, NULL, &c));
    CHECK_OK(vcow_txn_begin(c, &t));
    CHECK_OK(vcow_rope_insert(t, VCOW_ROPE_BYTES, 0, tr.start, tr.start_len));
    double t0 = test_now();
    for (size_t i = 0; i < tr.n_patches; i++)
        apply(t, &tr.patches[i]);
    double dt = test_now() - t0;
    CHECK_OK(vcow_rope_check(vcow_txn_view(t)));
    check_text_txn(t, tr.end, tr.end_len);
    CHECK_OK(vcow_txn_commit(t));
    vcow_txn_free(t);
    vcow_read_lock();
    const vcow_version *v = vcow_cell_head(c);
    check_text(v, tr.end, tr.end_len);
    CHECK_OK(vcow_rope_check(v));
    vcow_read_unlock();
    printf("%s: %zu patches in one txn: %.2f ms\n", name, tr.n_patches, dt * 1e3);
    CHECK_OK(vcow_cell_close(c));
    trace_free(&tr);
    test_check_all_freed();
    return 0;
}

static int history(const char *name, size_t max_txns, bool nodelta)
{
    struct trace tr;
    int rc = load(name, &tr);
    if (rc != 0)
        return rc;
    size_t nt = tr.n_txns < max_txns ? tr.n_txns : max_txns;
    struct vcow_cell_opts o = {0};
    o.size = sizeof(o);
    o.history = true;
    o.rope_no_deltas = nodelta;
    vcow_cell *c, *fresh;
    vcow_txn *t;
    CHECK_OK(vcow_cell_open(VCOW_KIND_ROPE, &o, &c));
    CHECK_OK(vcow_txn_begin(c, &t));
    CHECK_OK(vcow_rope_insert(t, VCOW_ROPE_BYTES, 0, tr.start, tr.start_len));
    CHECK_OK(vcow_txn_commit(t));
    vcow_txn_free(t);
    double t0 = test_now();
    for (size_t i = 0; i < nt; i++) {
        CHECK_OK(vcow_txn_begin(c, &t));
        for (size_t k = 0; k < tr.txns[i].n; k++)
            apply(t, &tr.patches[tr.txns[i].first + k]);
        CHECK_OK(vcow_txn_commit(t)); /* trace txn i is version i + 2 */
        vcow_txn_free(t);
    }
    double dt = test_now() - t0;
    struct vcow_cell_stats st;
    CHECK_OK(vcow_cell_get_stats(c, &st));
    printf("%s: %zu commits with history%s: %.2f ms, %lld rope bytes live (%.1f MB)\n", name, nt,
           nodelta ? " (no deltas)" : "", dt * 1e3, (long long)st.bytes[VCOW_MEM_ROPE],
           (double)st.bytes[VCOW_MEM_ROPE] / 1e6);
    if (nt == tr.n_txns) {
        vcow_read_lock();
        check_text(vcow_cell_head(c), tr.end, tr.end_len);
        vcow_read_unlock();
    }
    /* Commit times, for "as of". */
    struct vcow_version_info *info = malloc((nt + 2) * sizeof(*info));
    size_t ninfo;
    CHECK_OK(vcow_cell_versions(c, 0, UINT64_MAX, info, nt + 2, &ninfo));
    CHECK_EQ_INT(ninfo, nt + 2);

    /* A fresh replay in one txn of another cell, stopped at 50 points. */
    CHECK_OK(vcow_cell_open(VCOW_KIND_ROPE, NULL, &fresh));
    CHECK_OK(vcow_txn_begin(fresh, &t));
    CHECK_OK(vcow_rope_insert(t, VCOW_ROPE_BYTES, 0, tr.start, tr.start_len));
    size_t done = 0;
    char *buf = NULL;
    for (int k = 1; k <= 50; k++) {
        size_t upto = (size_t)((double)nt * k / 50); /* after trace txns [0, upto) */
        if (upto == 0)
            continue;
        for (; done < upto; done++)
            for (size_t j = 0; j < tr.txns[done].n; j++)
                apply(t, &tr.patches[tr.txns[done].first + j]);
        /* Trace txn upto-1 made version upto + 1; find it by its time. */
        const struct vcow_version_info *want = &info[upto + 1];
        CHECK_EQ_INT(want->seq, upto + 1);
        vcow_version *v;
        CHECK_OK(vcow_cell_pin_as_of(c, want->time_ns, &v));
        /* Several commits may share a clock tick: as of that time is the
         * newest of them. Step back to the one we want by sequence. */
        if (vcow_version_seq(v) != want->seq) {
            CHECK(vcow_version_seq(v) > want->seq);
            CHECK(vcow_version_time(v) == want->time_ns);
            vcow_version_unpin(v);
            CHECK_OK(vcow_cell_pin_at(c, want->seq, &v));
        }
        struct vcow_rope_metrics l;
        CHECK_OK(vcow_rope_len(vcow_txn_view(t), &l));
        buf = realloc(buf, l.bytes + 1);
        size_t n;
        CHECK_OK(vcow_rope_copy(vcow_txn_view(t), VCOW_ROPE_BYTES, 0, l.bytes, buf, &n));
        check_text(v, buf, n);
        if (k % 10 == 0)
            CHECK_OK(vcow_rope_check(v));
        vcow_version_unpin(v);
    }
    free(buf);
    free(info);
    CHECK_OK(vcow_txn_abort(t));
    vcow_txn_free(t);
    CHECK_OK(vcow_cell_close(fresh));
    CHECK_OK(vcow_cell_close(c));
    trace_free(&tr);
    test_check_all_freed();
    return 0;
}

int main(int argc, char **argv)
{
    const char *part = argc > 1 ? argv[1] : "onetxn";
    int rc = 0;
    if (strcmp(part, "onetxn") == 0) {
        if (argc > 2) {
            for (int i = 2; i < argc && rc == 0; i++)
                rc = onetxn(argv[i]);
        } else {
            rc = onetxn("automerge-paper");
            if (rc == 0)
                rc = onetxn("sveltecomponent");
        }
    } else if (strcmp(part, "history") == 0 || strcmp(part, "history_nodelta") == 0) {
        size_t max = argc > 3 ? (size_t)atol(argv[3]) : (size_t)-1;
        rc = history(argc > 2 ? argv[2] : "sveltecomponent", max,
                     strcmp(part, "history_nodelta") == 0);
    } else {
        return 2;
    }
    return rc;
}
