/*
 * bench/lfht.h - liburcu's cds_lfht as the benchmarks' RCU hash table
 * baseline, set up one way for every suite that compares against it
 * (bench/hamt, bench/mixed).
 *
 * Flavor: urcu-memb, the one vcow's default backend uses. A suite using it
 * links vcow's urcu-memb variant (or vcow_static with VCOW_GC=urcu-memb)
 * and PkgConfig::URCU_CDS + URCU_MEMB; vcow registers a thread with
 * urcu-memb at its first read section and unregisters it at thread exit,
 * so lfht_register_thread() is all a thread needs.
 *
 * Entries: any struct Ent with `cds_lfht_node node; char key[K]; char
 * val[V];` (fixed-length keys and values, as every suite's keys are). A
 * suite that replaces entries under readers adds an rcu_head to its Ent for
 * call_rcu; one that does not leaves it out, so the table's memory figure
 * holds only what the table needs.
 *
 * Sizing: pre-sized (min = init = the key count rounded up to a power of
 * two) with no resizing: emptying an auto-resizing table node by node took
 * seconds per run, its resize worker racing the deletes.
 */
#ifndef VCOW_BENCH_LFHT_H
#define VCOW_BENCH_LFHT_H

#include <urcu/urcu-memb.h>

#include <urcu/rculfhash.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <vcow/gc.h>

#ifndef XXH_INLINE_ALL
#define XXH_INLINE_ALL
#endif
#include <xxhash.h>

namespace lfht
{

/* The calling thread may enter urcu-memb read sections after this. */
inline void register_thread()
{
    vcow_read_lock();
    vcow_read_unlock();
}

template <class Ent> unsigned long hash(const void *key)
{
    return (unsigned long)XXH3_64bits(key, sizeof(Ent::key));
}

template <class Ent> int match(cds_lfht_node *node, const void *key)
{
    const Ent *e = caa_container_of(node, Ent, node);
    return std::memcmp(e->key, key, sizeof(e->key)) == 0;
}

template <class Ent> Ent *entry(cds_lfht_node *node)
{
    return node != nullptr ? caa_container_of(node, Ent, node) : nullptr;
}

/* A new entry, not in any table; key and val are sizeof(Ent::key) and
 * sizeof(Ent::val) bytes. */
template <class Ent> Ent *make(const void *key, const void *val)
{
    Ent *e = new Ent;
    cds_lfht_node_init(&e->node);
    std::memcpy(e->key, key, sizeof(e->key));
    std::memcpy(e->val, val, sizeof(e->val));
    return e;
}

/* The entry for key, or nullptr. Call inside a urcu-memb read section; the
 * entry is valid until the section ends. */
template <class Ent> Ent *find(cds_lfht *h, const void *key)
{
    cds_lfht_iter it;
    cds_lfht_lookup(h, hash<Ent>(key), match<Ent>, key, &it);
    return entry<Ent>(cds_lfht_iter_get_node(&it));
}

/* A table holding every key of keys, each with the value val (registers
 * the calling thread). */
template <class Ent> cds_lfht *load(const std::vector<std::string> &keys, const void *val)
{
    register_thread();
    unsigned long buckets = 1024;
    while (buckets < keys.size())
        buckets *= 2;
    cds_lfht *h = cds_lfht_new_flavor(buckets, buckets, 0, 0, &urcu_memb_flavor, nullptr);
    if (h == nullptr)
        std::abort();
    for (const auto &k : keys) {
        Ent *e = make<Ent>(k.data(), val);
        urcu_memb_read_lock();
        cds_lfht_add(h, hash<Ent>(k.data()), &e->node);
        urcu_memb_read_unlock();
    }
    return h;
}

/* Empty and destroy a table nothing else uses any more (no reader can hold
 * an entry, so they are deleted at once). */
template <class Ent> void destroy(cds_lfht *h)
{
    std::vector<Ent *> ents;
    cds_lfht_iter it;
    cds_lfht_node *n;
    urcu_memb_read_lock();
    cds_lfht_for_each(h, &it, n)
    {
        cds_lfht_del(h, n);
        ents.push_back(entry<Ent>(n));
    }
    urcu_memb_read_unlock();
    cds_lfht_destroy(h, nullptr);
    for (Ent *e : ents)
        delete e;
}

} // namespace lfht

#endif
