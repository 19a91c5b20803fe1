/*
 * A multithreaded program built with -fsanitize=thread against the
 * installed libvcow-tsan, as a user running ThreadSanitizer would: one
 * writer stores 64-byte values into a box cell with history, three readers
 * read the head in read sections, pin old versions by seq and check what
 * they read. The install test runs it with halt_on_error=1 and the
 * installed suppressions: any report fails it.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vcow/vcow.h>

enum { COMMITS = 20000, READERS = 3, LEN = 64 };

static vcow_cell *cell;
static atomic_bool done;

static void fail(const char *what)
{
    fprintf(stderr, "consumer_tsan: %s\n", what);
    exit(1);
}

/* A value is LEN copies of one byte; returns it, or -1 if torn. */
static int value_of(const vcow_version *v)
{
    vcow_val val;
    if (vcow_box_get(v, &val) != VCOW_OK)
        fail("box_get");
    if (val.type == VCOW_T_NONE)
        return 0;
    const unsigned char *p = val.u.bytes.ptr;
    if (val.type != VCOW_T_BYTES || val.u.bytes.len != LEN)
        return -1;
    for (int i = 1; i < LEN; i++)
        if (p[i] != p[0])
            return -1;
    return p[0];
}

static void *writer(void *arg)
{
    (void)arg;
    unsigned char buf[LEN];
    for (int i = 1; i <= COMMITS; i++) {
        memset(buf, i % 251 + 1, sizeof(buf));
        if (vcow_box_cell_set(cell, vcow_val_bytes(buf, sizeof(buf)), NULL) != VCOW_OK)
            fail("store");
    }
    atomic_store(&done, true);
    return NULL;
}

static void *reader(void *arg)
{
    (void)arg;
    unsigned n = 0;
    while (!atomic_load(&done)) {
        vcow_read_lock();
        const vcow_version *h = vcow_cell_head(cell);
        uint64_t seq = vcow_version_seq(h);
        if (value_of(h) < 0)
            fail("torn head value");
        vcow_read_unlock();
        /* An old version, pinned outside any read section. */
        vcow_version *old;
        if (seq > 10 && vcow_cell_pin_at(cell, seq - 10 + n % 10, &old) == VCOW_OK) {
            if (value_of(old) < 0)
                fail("torn old value");
            vcow_version_unpin(old);
        }
        n++;
    }
    return NULL;
}

int main(void)
{
    struct vcow_cell_opts o = {.size = sizeof(o), .history = true, .keep_last = 1000};
    if (vcow_cell_open(VCOW_KIND_BOX, &o, &cell) != VCOW_OK)
        fail("open");
    pthread_t w, r[READERS];
    for (int i = 0; i < READERS; i++)
        pthread_create(&r[i], NULL, reader, NULL);
    pthread_create(&w, NULL, writer, NULL);
    pthread_join(w, NULL);
    for (int i = 0; i < READERS; i++)
        pthread_join(r[i], NULL);
    if (vcow_cell_close(cell) != VCOW_OK || vcow_gc_barrier() != VCOW_OK)
        fail("close");
    printf("consumer_tsan: %d commits, %d readers, no report\n", COMMITS, READERS);
    return 0;
}
