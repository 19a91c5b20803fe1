/*
 * tests/fuzz/fuzz.h - what the libFuzzer targets share: CHECK (from
 * tests/test.h), the input read as a program one byte at a time, and the
 * end-of-input leak check.
 */
#ifndef VCOW_FUZZ_H
#define VCOW_FUZZ_H

#include <stdint.h>

#include "tests/test.h"

struct input {
    const uint8_t *p;
    size_t n;
};

/* The next byte of the program; 0 once it is used up. */
static inline uint8_t next(struct input *in)
{
    if (in->n == 0)
        return 0;
    in->n--;
    return *in->p++;
}

/*
 * Every node vcow allocated is freed. A barrier waits for liburcu's worker
 * (it batches every 10 ms): check on every 32nd input only, for the
 * fuzzer's speed.
 */
static inline void fuzz_check_all_freed_sometimes(void)
{
    static unsigned runs;
    if (runs++ % 32 == 0)
        test_check_all_freed();
}

#endif
