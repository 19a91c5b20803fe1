/*
 * tests/rope/trace.h - editing traces (../shared/traces/NAME.json.gz) loaded
 * into flat arrays, for the rope's tests, benchmarks and examples.
 *
 * Positions and delete counts are in code points. The patches of one
 * transaction are applied one after another, in order.
 */
#ifndef VCOW_TESTS_ROPE_TRACE_H
#define VCOW_TESTS_ROPE_TRACE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct trace_patch {
    uint64_t pos, del; /* code points */
    const char *ins;   /* UTF-8, not NUL-terminated */
    size_t ins_len;
};

struct trace_txn {
    int64_t time_ns; /* CLOCK_REALTIME nanoseconds */
    size_t first, n; /* patches[first .. first + n) */
};

struct trace {
    char *start, *end; /* startContent, endContent (NUL-terminated) */
    size_t start_len, end_len;
    struct trace_txn *txns;
    size_t n_txns;
    struct trace_patch *patches;
    size_t n_patches;
    char *text; /* storage of every patch's inserted text */
};

/* The traces folder: $VCOW_TRACES, else "../shared/traces". */
const char *trace_dir(void);

/* Load <trace_dir()>/<name>.json.gz. 0 on success, -1 when the file is
 * missing (skip), -2 when it is malformed. */
int trace_load(const char *name, struct trace *out);
void trace_free(struct trace *t);

#ifdef __cplusplus
}
#endif

#endif
