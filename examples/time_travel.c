/*
 * examples/time_travel.c - replay an editing history into a rope cell that
 * keeps every version, then read the document as it was at chosen moments
 * and diff two of them.
 *
 *   time_travel [trace-name]      (default sveltecomponent)
 *
 * The trace is read from $VCOW_TRACES (default ../shared/traces); without
 * it, a synthetic typing session is replayed instead. Each transaction of
 * the trace becomes one commit; we remember which version each trace time
 * became, so "as of 03:12 in the trace" is one pin.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <vcow/rope.h>

#include "tests/rope/trace.h"

/* A synthetic session: typing a paragraph, with a backspace now and then. */
static void synthetic(struct trace *t)
{
    static const char text[] = "Versions share structure, so keeping every keystroke is cheap. ";
    size_t n = 3000;
    memset(t, 0, sizeof(*t));
    t->txns = calloc(n, sizeof(*t->txns));
    t->patches = calloc(n, sizeof(*t->patches));
    uint64_t len = 0;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        t->txns[i] = (struct trace_txn){1700000000000000000 + (int64_t)i * 150000000, i, 1};
        if (i % 17 == 15) /* a typo ... */
            t->patches[i] = (struct trace_patch){len, 0, "x", 1};
        else if (i % 17 == 16) /* ... and its backspace */
            t->patches[i] = (struct trace_patch){len - 1, 1, NULL, 0};
        else
            t->patches[i] = (struct trace_patch){len, 0, &text[k++ % (sizeof(text) - 1)], 1};
        len += t->patches[i].ins_len - t->patches[i].del;
    }
    t->n_txns = t->n_patches = n;
}

static void print_excerpt(const char *label, const vcow_version *v)
{
    struct vcow_rope_metrics m;
    vcow_rope_len(v, &m);
    uint64_t to = m.chars < 160 ? m.chars : 160;
    char buf[1024];
    size_t n;
    vcow_rope_copy(v, VCOW_ROPE_CHARS, 0, to, buf, &n);
    for (size_t i = 0; i < n; i++)
        buf[i] = buf[i] == '\n' ? ' ' : buf[i];
    printf("%s: version %llu, %llu chars, %llu lines: \"%.*s%s\"\n", label,
           (unsigned long long)vcow_version_seq(v), (unsigned long long)m.chars,
           (unsigned long long)m.lines, (int)n, buf, to < m.chars ? "..." : "");
}

struct diff_print {
    const vcow_version *b;
    int shown;
};

static int show_change(uint64_t af, uint64_t at, uint64_t bf, uint64_t bt, void *arg)
{
    struct diff_print *d = arg;
    if (d->shown++ < 3) {
        char buf[96];
        size_t n;
        uint64_t end = bt - bf > 60 ? bf + 60 : bt; /* regions are chunk-aligned bytes */
        vcow_rope_slice s;
        vcow_rope_slice_of(d->b, VCOW_ROPE_BYTES, bf, end, &s);
        vcow_rope_slice_copy(&s, buf);
        n = (size_t)(end - bf);
        for (size_t i = 0; i < n; i++)
            buf[i] = (buf[i] == '\n' || (unsigned char)buf[i] >= 0x80) ? ' ' : buf[i];
        printf("  bytes [%llu, %llu) became [%llu, %llu): \"%.*s...\"\n", (unsigned long long)af,
               (unsigned long long)at, (unsigned long long)bf, (unsigned long long)bt, (int)n, buf);
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *name = argc > 1 ? argv[1] : "sveltecomponent";
    struct trace t;
    if (trace_load(name, &t) != 0) {
        printf("trace %s not found in %s: replaying a synthetic typing session\n", name,
               trace_dir());
        synthetic(&t);
    }
    struct vcow_cell_opts opts = {.size = sizeof(opts), .history = true};
    vcow_cell *cell;
    if (vcow_cell_open(VCOW_KIND_ROPE, &opts, &cell) != VCOW_OK)
        return 1;
    uint64_t *seq_of = malloc(t.n_txns * sizeof(*seq_of));

    /* Replay: one commit per transaction of the trace. */
    vcow_txn *tx;
    if (t.start != NULL && t.start_len > 0) {
        vcow_txn_begin(cell, &tx);
        vcow_rope_append(tx, t.start, t.start_len);
        vcow_txn_commit(tx);
        vcow_txn_free(tx);
    }
    for (size_t i = 0; i < t.n_txns; i++) {
        vcow_txn_begin(cell, &tx);
        seq_of[i] = vcow_version_seq(vcow_txn_base(tx)) + 1; /* the only writer */
        for (size_t p = t.txns[i].first; p < t.txns[i].first + t.txns[i].n; p++) {
            const struct trace_patch *pa = &t.patches[p];
            if (pa->del > 0 && vcow_rope_delete(tx, VCOW_ROPE_CHARS, pa->pos, pa->del) != VCOW_OK)
                return 1;
            if (pa->ins_len > 0 &&
                vcow_rope_insert(tx, VCOW_ROPE_CHARS, pa->pos, pa->ins, pa->ins_len) != VCOW_OK)
                return 1;
        }
        if (vcow_txn_commit(tx) != VCOW_OK)
            return 1;
        vcow_txn_free(tx);
    }
    struct vcow_cell_stats st;
    vcow_cell_get_stats(cell, &st);
    printf("replayed %zu transactions of %s: %llu versions kept, %.1f MB of rope nodes\n", t.n_txns,
           name, (unsigned long long)st.live_versions, (double)st.bytes[VCOW_MEM_ROPE] / 1048576.0);

    /* The document as of three moments of the session: the times of the
     * transactions a quarter, half and three quarters of the way through. */
    vcow_version *at[3];
    for (int k = 0; k < 3; k++) {
        int64_t when = t.txns[t.n_txns / 4 * (size_t)(k + 1)].time_ns;
        size_t lo = 0, hi = t.n_txns; /* last transaction at or before `when` */
        while (hi - lo > 1)
            if (t.txns[(lo + hi) / 2].time_ns <= when)
                lo = (lo + hi) / 2;
            else
                hi = (lo + hi) / 2;
        vcow_cell_pin_at(cell, seq_of[lo], &at[k]);
        char label[64];
        time_t secs = (time_t)(when / 1000000000);
        struct tm tm;
        gmtime_r(&secs, &tm);
        strftime(label, sizeof(label), "as of %Y-%m-%d %H:%M:%S UTC", &tm);
        print_excerpt(label, at[k]);
    }
    vcow_version *head;
    vcow_cell_pin_head(cell, &head);
    print_excerpt("now", head);

    /* What changed between the first and the last moment: only the changed
     * chunks are visited. */
    struct diff_print d = {at[2], 0};
    printf("diff between versions %llu and %llu:\n", (unsigned long long)vcow_version_seq(at[0]),
           (unsigned long long)vcow_version_seq(at[2]));
    vcow_rope_diff(at[0], at[2], show_change, &d);
    printf("  (%d changed regions)\n", d.shown);

    for (int k = 0; k < 3; k++)
        vcow_version_unpin(at[k]);
    vcow_version_unpin(head);
    free(seq_of);
    if (t.text != NULL || t.start != NULL)
        trace_free(&t);
    else {
        free(t.txns);
        free(t.patches);
    }
    return vcow_cell_close(cell) == VCOW_OK ? 0 : 1;
}
