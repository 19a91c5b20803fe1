/*
 * bench/mixed/ck_map.h - ConcurrencyKit's ck_hs as a key/value map for
 * bench_mixed.cc, behind a C interface: ck's headers are C only (they
 * convert void * implicitly, which C++ rejects).
 *
 * The map holds pointers to records (12-byte key, 16-byte value). ck_hs is
 * single-writer many-reader: writers are serialised by a mutex. Readers run
 * in ck_epoch sections on their thread's epoch record; a writer defers the
 * free of the record it replaced with ck_epoch_call on its own record and
 * polls every 64 writes. The table is pre-sized and only overwritten after
 * loading, so it never grows under readers (ckm_write aborts if it would).
 */
#ifndef BENCH_MIXED_CK_MAP_H
#define BENCH_MIXED_CK_MAP_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CKM_KLEN 12
#define CKM_VLEN 16

struct ckm;        /* the map */
struct ckm_thread; /* one thread's epoch record and poll counter */

/* A map for up to `capacity` keys; NULL when out of memory. */
struct ckm *ckm_create(size_t capacity);
/* Loading, before any other thread uses the map: add or overwrite. */
void ckm_load(struct ckm *m, const char *key, const char *val);
/* After loading: the map is shared from now on. */
void ckm_share(struct ckm *m);

/* Every thread that reads or writes takes a record first, and gives it
 * back (after a grace period and its pending frees) when done. */
struct ckm_thread *ckm_thread_begin(struct ckm *m);
void ckm_thread_end(struct ckm_thread *t);

/* The first 8 bytes of key's value (0 when absent), in an epoch section. */
uint64_t ckm_read(struct ckm *m, struct ckm_thread *t, const char *key);
/* Overwrite key (which must exist) with val. */
void ckm_write(struct ckm *m, struct ckm_thread *t, const char *key, const char *val);

#ifdef __cplusplus
}
#endif

#endif
