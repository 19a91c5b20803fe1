/*
 * examples/quickstart.c - a versioned cell in under 60 lines: commit, read
 * without locks, pin an old version, compare two versions.
 */
#include <stdio.h>
#include <string.h>

#include <vcow/vcow.h>

static void show(const char *what, const vcow_version *v)
{
    vcow_val val;
    vcow_box_get(v, &val);
    printf("%-22s version %llu: \"%.*s\"\n", what, (unsigned long long)vcow_version_seq(v),
           (int)val.u.bytes.len, (const char *)val.u.bytes.ptr);
}

int main(void)
{
    struct vcow_cell_opts opts = {.size = sizeof(opts), .history = true};
    vcow_cell *cell;
    if (vcow_cell_open(VCOW_KIND_BOX, &opts, &cell) != VCOW_OK)
        return 1;

    /* Writers: each commit publishes a new version with one CAS. */
    const char *configs[] = {"listen=80", "listen=8080", "listen=8080 tls=on"};
    for (int i = 0; i < 3; i++) {
        const char *s = configs[i];
        int rc = vcow_box_store(cell, vcow_val_bytes(s, strlen(s)), NULL);
        if (rc != VCOW_OK) {
            fprintf(stderr, "commit: %s\n", vcow_strerror(rc));
            return 1;
        }
    }

    /* Readers: no lock, no shared write; the version stays valid until unlock. */
    vcow_read_lock();
    show("head (lock-free read)", vcow_cell_head(cell));
    vcow_read_unlock();

    /* Time travel: pin version 1; it outlives read sections and new commits. */
    vcow_version *old;
    vcow_cell_pin_at(cell, 1, &old);
    vcow_box_store(cell, vcow_val_bytes("listen=443", 10), NULL);
    show("pinned", old);

    /* Compare two versions: versions share nothing mutable, so plain reads. */
    vcow_version *now;
    vcow_cell_pin_head(cell, &now);
    vcow_val a, b;
    vcow_box_get(old, &a);
    vcow_box_get(now, &b);
    printf("version %llu -> %llu: %s\n", (unsigned long long)vcow_version_seq(old),
           (unsigned long long)vcow_version_seq(now),
           a.u.bytes.len == b.u.bytes.len && !memcmp(a.u.bytes.ptr, b.u.bytes.ptr, a.u.bytes.len)
               ? "unchanged"
               : "changed");
    vcow_version_unpin(old);
    vcow_version_unpin(now);
    return vcow_cell_close(cell) == VCOW_OK ? 0 : 1;
}
