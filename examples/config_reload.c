/*
 * examples/config_reload.c - a JSON config in a map cell, reloaded while
 * four threads read it without locks.
 *
 * The writer parses a changed document (jansson) and loads it in one
 * commit per reload: nested objects become nested maps, strings, integers,
 * reals and booleans become values; arrays and nulls are skipped (a map
 * cannot store arrays yet, vcow/val.h). Every document carries its
 * "generation" g and values derived from g, so a reader can rebuild the
 * document it should be looking at and check that the version it reads is
 * exactly that document: never half of one reload and half of another.
 * Exits 1 with a message on the first mismatch.
 */
#define _POSIX_C_SOURCE 200809L /* nanosleep */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <vcow/vcow.h>

enum { RELOADS = 2000, READERS = 4 };

static vcow_cell *cell;
static atomic_bool done;

_Noreturn static void fail(const char *what, long g)
{
    fprintf(stderr, "config_reload: %s (generation %ld)\n", what, g);
    exit(1);
}

/* The config file as it reads at generation g: "canary" comes and goes. */
static json_t *document(long g)
{
    char text[512];
    char canary[64] = "";
    if (g % 3 == 0)
        snprintf(canary, sizeof(canary), "\"canary\": {\"percent\": %ld},", g % 100);
    snprintf(text, sizeof(text),
             "{\"generation\": %ld, %s"
             " \"service\": {\"name\": \"api-%ld\", \"port\": %ld, \"tls\": %s, \"weight\": %ld.25,"
             "              \"limits\": {\"rps\": %ld, \"burst\": %ld}},"
             " \"tags\": [\"blue\", \"green\"], \"owner\": null, \"motd\": \"reload #%ld\"}",
             g, canary, g, 8000 + g, g % 2 ? "true" : "false", g, 100 * g, 10 * g, g);
    json_error_t err;
    json_t *doc = json_loads(text, 0, &err);
    if (doc == NULL)
        fail(err.text, g);
    return doc;
}

static bool storable(const json_t *j)
{
    return j != NULL && !json_is_array(j) && !json_is_null(j);
}

/* ---- the writer: one reload, one commit ---- */

/* Store the members of obj into the map the txn is on (the cell's map, or a
 * nested one entered with vcow_map_enter). */
static int load(vcow_txn *t, json_t *obj)
{
    const char *key;
    json_t *j;
    json_object_foreach(obj, key, j)
    {
        int rc = VCOW_OK;
        switch (json_typeof(j)) {
        case JSON_OBJECT:
            /* A fresh empty map replaces whatever the key held; enter it
             * (its key is a path, so it cannot contain '.') and fill it. */
            if (strchr(key, '.') != NULL)
                return VCOW_EINVAL;
            rc = vcow_map_set(t, key, vcow_val_map());
            if (rc == VCOW_OK)
                rc = vcow_map_enter(t, key, VCOW_KIND_MAP);
            if (rc == VCOW_OK) {
                rc = load(t, j);
                vcow_txn_leave(t);
            }
            break;
        case JSON_STRING: /* json_loads refused \u0000: a C string */
            rc = vcow_map_set(t, key, vcow_val_str(json_string_value(j)));
            break;
        case JSON_INTEGER:
            rc = vcow_map_set(t, key, vcow_val_i64(json_integer_value(j)));
            break;
        case JSON_REAL:
            rc = vcow_map_set(t, key, vcow_val_f64(json_real_value(j)));
            break;
        case JSON_TRUE:
        case JSON_FALSE:
            rc = vcow_map_set(t, key, vcow_val_bool(json_is_true(j)));
            break;
        default: /* arrays and nulls: not stored */
            break;
        }
        if (rc != VCOW_OK)
            return rc;
    }
    return VCOW_OK;
}

struct reload {
    vcow_txn *txn;
    json_t *doc;
};

/* Delete the keys of the old version that the new document lacks. The old
 * version (the txn's base) is immutable, so the txn may change while we
 * iterate it. */
static int drop_missing(vcow_slice key, const vcow_val *val, void *ctx)
{
    struct reload *r = ctx;
    char name[256];
    (void)val;
    snprintf(name, sizeof(name), "%.*s", (int)key.len, (const char *)key.ptr);
    return storable(json_object_get(r->doc, name)) ? 0 : vcow_map_deln(r->txn, key.ptr, key.len);
}

/* A vcow_update_fn: may run again on a newer head after a conflict, so it
 * only touches the txn. */
static int reload(vcow_txn *t, void *doc)
{
    struct reload r = {t, doc};
    int rc = vcow_map_iter(vcow_txn_base(t), drop_missing, &r);
    return rc != VCOW_OK ? rc : load(t, doc);
}

/* ---- the readers ---- */

/* Does the map m hold exactly the storable members of obj? m is the head
 * read in a read section, or a view of a map nested in it. */
static bool same(const vcow_version *m, json_t *obj)
{
    const char *key;
    json_t *j;
    uint64_t want = 0, len;
    json_object_foreach(obj, key, j)
    {
        if (!storable(j))
            continue;
        want++;
        vcow_val val;
        int64_t i;
        double d;
        bool b;
        const char *s;
        vcow_view view;
        if (vcow_map_get(m, key, &val) != VCOW_OK)
            return false;
        switch (json_typeof(j)) {
        case JSON_OBJECT: {
            const vcow_version *sub = vcow_view_of(&view, m, val);
            if (sub == NULL || !same(sub, j))
                return false;
            break;
        }
        case JSON_STRING:
            if (vcow_val_as_str(&val, &s) != VCOW_OK || strcmp(s, json_string_value(j)) != 0)
                return false;
            break;
        case JSON_INTEGER:
            if (vcow_val_as_i64(&val, &i) != VCOW_OK || i != json_integer_value(j))
                return false;
            break;
        case JSON_REAL:
            if (vcow_val_as_f64(&val, &d) != VCOW_OK || d != json_real_value(j))
                return false;
            break;
        default:
            if (vcow_val_as_bool(&val, &b) != VCOW_OK || b != json_is_true(j))
                return false;
            break;
        }
    }
    return vcow_map_len(m, &len) == VCOW_OK && len == want; /* nothing stale left */
}

struct reader {
    pthread_t thread;
    unsigned long reads, generations;
};

static void *reader(void *arg)
{
    struct reader *r = arg;
    json_t *expect = NULL;
    long last = 0;
    /* No registration call: vcow registers a thread on its first read
     * section and unregisters it when it exits (vcow/gc.h). */
    while (!atomic_load(&done)) {
        vcow_read_lock();
        const vcow_version *v = vcow_cell_head(cell);
        vcow_val val;
        int64_t g, port;
        if (vcow_map_get(v, "generation", &val) == VCOW_ENOENT) { /* version 0: empty */
            vcow_read_unlock();
            continue;
        }
        if (vcow_val_as_i64(&val, &g) != VCOW_OK)
            fail("generation is not an integer", -1);
        if (g < last)
            fail("the head went back", g);
        if (vcow_version_seq(v) != (uint64_t)g)
            fail("version seq is not the generation: one reload, one commit", g);
        /* A path read, as a service would do it. */
        if (vcow_map_get_path(v, "service.port", &val) != VCOW_OK ||
            vcow_val_as_i64(&val, &port) != VCOW_OK || port != 8000 + g)
            fail("service.port does not match the generation", g);
        /* And the whole version against the document of its generation. */
        if (g != last || expect == NULL) {
            json_decref(expect);
            expect = document(g);
            r->generations++;
        }
        if (!same(v, expect))
            fail("the version differs from the document of its generation", g);
        vcow_read_unlock();
        last = g;
        r->reads++;
    }
    json_decref(expect);
    return NULL;
}

int main(void)
{
    if (vcow_cell_open(VCOW_KIND_MAP, NULL, &cell) != VCOW_OK)
        fail("open", 0);
    json_object_seed(0); /* before threads use jansson */
    struct reader r[READERS] = {0};
    for (int i = 0; i < READERS; i++)
        pthread_create(&r[i].thread, NULL, reader, &r[i]);

    for (long g = 1; g <= RELOADS; g++) {
        json_t *doc = document(g); /* "the file changed": parse it */
        uint64_t seq;
        int rc = vcow_cell_update(cell, reload, doc, &seq);
        if (rc != VCOW_OK)
            fail(vcow_strerror(rc), g);
        if (seq != (uint64_t)g)
            fail("a reload was not exactly one commit", g);
        json_decref(doc);
        struct timespec pause = {0, 50000}; /* let the readers run (2 cores, 5 threads) */
        nanosleep(&pause, NULL);
    }
    atomic_store(&done, true);
    unsigned long reads = 0, generations = 0;
    for (int i = 0; i < READERS; i++) {
        pthread_join(r[i].thread, NULL);
        reads += r[i].reads;
        generations += r[i].generations;
    }

    /* The head is the last document. */
    json_t *last = document(RELOADS);
    vcow_version *head;
    vcow_cell_pin_head(cell, &head);
    bool ok = same(head, last);
    vcow_val val;
    const char *motd = "";
    vcow_map_get(head, "motd", &val);
    vcow_val_as_str(&val, &motd);
    printf("config_reload: %d reloads; %d readers checked %lu reads (%lu of a newer version); "
           "head: version %llu, motd \"%s\"\n",
           RELOADS, READERS, reads, generations, (unsigned long long)vcow_version_seq(head), motd);
    vcow_version_unpin(head);
    json_decref(last);
    if (!ok)
        fail("the head is not the last document", RELOADS);
    if (reads == 0)
        fail("the readers read nothing", RELOADS);
    return vcow_cell_close(cell) == VCOW_OK ? 0 : 1;
}
