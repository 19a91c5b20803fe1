/*
 * bench/mixed/ck_map.c - ck_hs + ck_epoch as a key/value map (ck_map.h).
 */
#include "ck_map.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ck_epoch.h>
#include <ck_hs.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

struct ckm_rec {
    char key[CKM_KLEN]; /* first: a lookup passes a pointer to key bytes */
    char val[CKM_VLEN];
    ck_epoch_entry_t epoch_entry;
};

struct ckm {
    ck_hs_t hs;
    ck_epoch_t epoch;
    pthread_mutex_t writer; /* ck_hs is SPMC: one writer at a time */
};

struct ckm_thread {
    ck_epoch_record_t *rec;
    unsigned writes_since_poll;
};

static unsigned long hash_cb(const void *key, unsigned long seed)
{
    return (unsigned long)XXH3_64bits_withSeed(key, CKM_KLEN, seed);
}

static bool compare_cb(const void *a, const void *b)
{
    return memcmp(a, b, CKM_KLEN) == 0;
}

/* Set once loading is over: from then on a map free would race readers. */
static bool shared;

static void *hs_malloc(size_t n)
{
    return malloc(n);
}

static void *hs_realloc(void *p, size_t old, size_t n, bool defer)
{
    (void)old;
    (void)defer;
    return realloc(p, n);
}

static void hs_free(void *p, size_t n, bool defer)
{
    (void)n;
    if (defer && __atomic_load_n(&shared, __ATOMIC_RELAXED)) {
        fputs("bench_mixed: ck_hs would free a map under its readers\n", stderr);
        abort();
    }
    free(p);
}

static struct ck_malloc allocator = {hs_malloc, hs_realloc, hs_free};

struct ckm *ckm_create(size_t capacity)
{
    struct ckm *m = malloc(sizeof(*m));
    if (m == NULL)
        return NULL;
    ck_epoch_init(&m->epoch);
    pthread_mutex_init(&m->writer, NULL);
    /* Grows past half full: four times the keys never grows. */
    if (!ck_hs_init(&m->hs, CK_HS_MODE_SPMC | CK_HS_MODE_OBJECT, hash_cb, compare_cb, &allocator,
                    capacity * 4, 42)) {
        free(m);
        return NULL;
    }
    return m;
}

static struct ckm_rec *rec_new(const char *key, const char *val)
{
    struct ckm_rec *r = malloc(sizeof(*r));
    if (r == NULL)
        abort();
    memcpy(r->key, key, CKM_KLEN);
    memcpy(r->val, val, CKM_VLEN);
    return r;
}

void ckm_load(struct ckm *m, const char *key, const char *val)
{
    struct ckm_rec *r = rec_new(key, val);
    void *prev = NULL;
    if (!ck_hs_set(&m->hs, CK_HS_HASH(&m->hs, hash_cb, r->key), r, &prev))
        abort();
    free(prev); /* no reader yet */
}

void ckm_share(struct ckm *m)
{
    (void)m;
    __atomic_store_n(&shared, true, __ATOMIC_RELEASE);
}

struct ckm_thread *ckm_thread_begin(struct ckm *m)
{
    struct ckm_thread *t = malloc(sizeof(*t));
    if (t == NULL)
        abort();
    t->writes_since_poll = 0;
    t->rec = ck_epoch_recycle(&m->epoch, NULL);
    if (t->rec == NULL) {
        /* Never freed: ck_epoch keeps registered records for good and hands
         * an unregistered one to the next ck_epoch_recycle. */
        t->rec = aligned_alloc(CK_MD_CACHELINE, sizeof(ck_epoch_record_t));
        if (t->rec == NULL)
            abort();
        ck_epoch_register(&m->epoch, t->rec, NULL);
    }
    return t;
}

void ckm_thread_end(struct ckm_thread *t)
{
    ck_epoch_barrier(t->rec); /* a grace period, then this record's frees */
    ck_epoch_unregister(t->rec);
    free(t);
}

uint64_t ckm_read(struct ckm *m, struct ckm_thread *t, const char *key)
{
    uint64_t w = 0;
    ck_epoch_begin(t->rec, NULL);
    const struct ckm_rec *r = ck_hs_get(&m->hs, CK_HS_HASH(&m->hs, hash_cb, key), key);
    if (r != NULL)
        memcpy(&w, r->val, sizeof(w));
    ck_epoch_end(t->rec, NULL);
    return w;
}

static void free_rec(ck_epoch_entry_t *e)
{
    free((char *)e - offsetof(struct ckm_rec, epoch_entry));
}

void ckm_write(struct ckm *m, struct ckm_thread *t, const char *key, const char *val)
{
    struct ckm_rec *r = rec_new(key, val);
    unsigned long h = CK_HS_HASH(&m->hs, hash_cb, r->key);
    void *prev = NULL;
    pthread_mutex_lock(&m->writer);
    bool ok = ck_hs_set(&m->hs, h, r, &prev);
    pthread_mutex_unlock(&m->writer);
    if (!ok || prev == NULL)
        abort(); /* out of memory, or the key was not there */
    /* Readers may still hold prev: free it after a grace period. */
    struct ckm_rec *old = prev;
    ck_epoch_call(t->rec, &old->epoch_entry, free_rec);
    if (++t->writes_since_poll == 64) {
        t->writes_since_poll = 0;
        ck_epoch_poll(t->rec);
    }
}
