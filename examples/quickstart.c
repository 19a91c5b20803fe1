/*
 * examples/quickstart.c - a versioned map in under 60 lines: commit, read
 * without locks, pin an old version, diff two versions.
 */
#include <stdio.h>

#include <vcow/vcow.h>

static int print_change(vcow_slice key, const vcow_val *before, const vcow_val *after, void *ctx)
{
    (void)ctx;
    printf("  %.*s %s\n", (int)key.len, (const char *)key.ptr,
           before == NULL  ? "added"
           : after == NULL ? "removed"
                           : "changed");
    return 0;
}

int main(void)
{
    struct vcow_cell_opts opts = {.size = sizeof(opts), .history = true};
    vcow_cell *cell;
    if (vcow_cell_open(VCOW_KIND_MAP, &opts, &cell) != VCOW_OK)
        return 1;

    /* Writers: every commit publishes a new version with one CAS. */
    vcow_map_cell_set(cell, "listen", vcow_val_i64(80), NULL);  /* version 1 */
    vcow_map_cell_set(cell, "tls", vcow_val_bool(false), NULL); /* version 2 */
    vcow_txn *t; /* several changes, one atomic commit: version 3 */
    vcow_txn_begin(cell, &t);
    vcow_map_set(t, "listen", vcow_val_i64(443));
    vcow_map_set(t, "tls", vcow_val_bool(true));
    vcow_map_set_path(t, "db.host", vcow_val_bytes("10.0.0.1", 8));
    int rc = vcow_txn_commit(t);
    vcow_txn_free(t);
    if (rc != VCOW_OK)
        return fprintf(stderr, "commit: %s\n", vcow_strerror(rc)), 1;

    /* Readers: no lock, no shared write; valid until the section ends. */
    vcow_val v;
    vcow_read_lock();
    const vcow_version *head = vcow_cell_head(cell);
    uint64_t keys = 0;
    vcow_map_get(head, "listen", &v);
    vcow_map_len(head, &keys);
    printf("head: version %llu, listen=%lld, %llu keys\n",
           (unsigned long long)vcow_version_seq(head), (long long)v.u.i64,
           (unsigned long long)keys);
    vcow_read_unlock();

    /* Time travel: a pin keeps version 2 alive across sections and commits. */
    vcow_version *old, *now;
    vcow_cell_pin_at(cell, 2, &old);
    vcow_cell_pin_head(cell, &now);
    vcow_map_get(old, "listen", &v);
    printf("version 2: listen=%lld\ndiff version 2 -> %llu:\n", (long long)v.u.i64,
           (unsigned long long)vcow_version_seq(now));
    vcow_map_diff(old, now, print_change, NULL); /* skips shared subtrees */
    vcow_version_unpin(old);
    vcow_version_unpin(now);
    return vcow_cell_close(cell) == VCOW_OK ? 0 : 1;
}
