/*
 * runtime/hash.h - key hashing: XXH3 (libxxhash) with a per-process random
 * seed, so that an attacker who controls keys cannot aim them at one bucket.
 */
#ifndef VCOW_RUNTIME_HASH_H
#define VCOW_RUNTIME_HASH_H

#include <stddef.h>
#include <stdint.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

extern uint64_t vcow_hash_seed;
extern uint64_t vcow_hash_mask; /* ~0 except under vcow_debug_hash_mask */

static inline uint64_t vcow_hash(const void *key, size_t len)
{
    return XXH3_64bits_withSeed(key, len, vcow_hash_seed) & vcow_hash_mask;
}

#endif
