/*
 * tests/map/test_hamt_slots.c - the child slots' copies of their children's
 * bitmaps (structures/map/hamt_node.h): lookups read a node's bitmaps from
 * the slot that leads to it, so the copies must be exact after every kind
 * of write, and vcow_map_check must refuse a map where one is not.
 *
 *   slots   after inserts, pushdowns, overwrites (in place in an owned
 *           node and on published ones), deletes with compaction and
 *           nested-path copies, every slot equals its child (walked here,
 *           independently of the checker) and every key reads back; then a
 *           corrupted copy (datamap, then nodemap) makes vcow_map_check
 *           answer VCOW_ECORRUPT, and restoring it makes it pass again.
 */
#include <stdint.h>

#include "structures/map/hamt_node.h"
#include "tests/test.h"
#include <vcow/map.h>

#define NKEYS 4000u

static size_t key_of(unsigned i, char *buf)
{
    return (size_t)snprintf(buf, 24, "key:%08u", i);
}

/* Every slot below n against its child; returns the slots seen. */
static unsigned walk_slots(const struct hnode *n)
{
    unsigned seen = 0;
    if (n->hdr.type != HN_BITMAP)
        return 0;
    const struct hslot *s = slots(n);
    for (unsigned i = 0; i < n_nodes(n); i++) {
        CHECK(s[i].node != NULL);
        CHECK_EQ_INT(s[i].datamap, s[i].node->datamap);
        CHECK_EQ_INT(s[i].nodemap, s[i].node->nodemap);
        seen += 1 + walk_slots(s[i].node);
    }
    return seen;
}

static const struct hnode *root_of(const vcow_version *v)
{
    return (const struct hnode *)vcow_version_root(v);
}

/* Every live key reads back its value (i for key i), every dead one is absent. */
static void check_reads(const vcow_version *v, const bool *live)
{
    char kb[24];
    for (unsigned i = 0; i < NKEYS; i++) {
        vcow_val out;
        int rc = vcow_map_getn(v, kb, key_of(i, kb), &out);
        if (live[i]) {
            CHECK_OK(rc);
            CHECK_EQ_INT(out.u.i64, i);
        } else {
            CHECK_RC(rc, VCOW_ENOENT);
        }
    }
}

static void test_slots(void)
{
    static bool live[NKEYS];
    vcow_cell *c;
    CHECK_OK(vcow_cell_open(VCOW_KIND_MAP, NULL, &c));
    char kb[24];

    /* Inserts (and pushdowns) in one txn, then a check of the txn's view:
     * nodes owned by the txn were changed in place or reallocated. */
    vcow_txn *t;
    CHECK_OK(vcow_txn_begin(c, &t));
    for (unsigned i = 0; i < NKEYS; i++) {
        CHECK_OK(vcow_map_setn(t, kb, key_of(i, kb), vcow_val_i64(i)));
        live[i] = true;
    }
    CHECK(walk_slots(root_of(vcow_txn_view(t))) > 32);
    CHECK_OK(vcow_map_check(vcow_txn_view(t)));
    CHECK_OK(vcow_txn_commit(t));
    vcow_txn_free(t);

    /* Deletes (compaction moves entries up), overwrites and a nested map
     * (its path owned by vcow_map_enter) on the published map, one txn
     * each for some and many per txn for others. */
    unsigned long long rs = 12345;
    for (int round = 0; round < 40; round++) {
        CHECK_OK(vcow_txn_begin(c, &t));
        for (int j = 0; j < 50; j++) {
            unsigned i = (unsigned)(test_rand(&rs) % NKEYS);
            size_t kl = key_of(i, kb);
            if (test_rand(&rs) % 3 == 0 && live[i]) {
                CHECK_OK(vcow_map_deln(t, kb, kl));
                live[i] = false;
            } else {
                CHECK_OK(vcow_map_setn(t, kb, kl, vcow_val_i64(i)));
                live[i] = true;
            }
        }
        walk_slots(root_of(vcow_txn_view(t)));
        CHECK_OK(vcow_map_check(vcow_txn_view(t)));
        CHECK_OK(vcow_txn_commit(t));
        vcow_txn_free(t);
    }
    CHECK_OK(vcow_txn_begin(c, &t));
    CHECK_OK(vcow_map_set_path(t, "nested.inner", vcow_val_i64(7)));
    walk_slots(root_of(vcow_txn_view(t)));
    CHECK_OK(vcow_map_check(vcow_txn_view(t)));
    CHECK_OK(vcow_txn_commit(t));
    vcow_txn_free(t);

    vcow_version *v;
    CHECK_OK(vcow_cell_pin_head(c, &v));
    CHECK(walk_slots(root_of(v)) > 32);
    CHECK_OK(vcow_map_check(v));
    check_reads(v, live);

    /* A stale copy in the root's first slot: the checker must see it. */
    struct hnode *root = (struct hnode *)(uintptr_t)root_of(v);
    CHECK(n_nodes(root) > 0);
    struct hslot *s = &slots(root)[0];
    uint32_t dm = s->datamap, nm = s->nodemap;
    s->datamap = dm ^ 1u;
    CHECK_RC(vcow_map_check(v), VCOW_ECORRUPT);
    s->datamap = dm;
    CHECK_OK(vcow_map_check(v));
    s->nodemap = nm ^ 0x80000000u;
    CHECK_RC(vcow_map_check(v), VCOW_ECORRUPT);
    s->nodemap = nm;
    CHECK_OK(vcow_map_check(v));

    vcow_version_unpin(v);
    vcow_cell_close(c);
}

int main(int argc, char **argv)
{
    const char *part = argc > 1 ? argv[1] : "slots";
    if (strcmp(part, "slots") == 0)
        test_slots();
    else
        return 2;
    return 0;
}
