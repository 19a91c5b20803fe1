/*
 * runtime/hash.c - the process's hash seed, drawn from getrandom(2) before
 * main() runs, so it is fixed before any thread can hash a key.
 */
#include <sys/random.h>
#include <time.h>

#include "hash.h"
#include <vcow/debug.h>

uint64_t vcow_hash_seed;
uint64_t vcow_hash_mask = ~(uint64_t)0;

__attribute__((constructor)) static void seed_hash(void)
{
    uint64_t seed = 0;
    if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != (ssize_t)sizeof(seed)) {
        /* Early boot without entropy: fall back to the clock; still unknown
         * to a remote attacker to within the clock's resolution. */
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        seed = (uint64_t)ts.tv_nsec * 0x9E3779B97F4A7C15ull ^ (uint64_t)ts.tv_sec;
    }
    vcow_hash_seed = seed;
}

void vcow_debug_hash_mask(uint64_t mask)
{
    vcow_hash_mask = mask;
}
