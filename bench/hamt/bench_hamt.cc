/*
 * bench/hamt/bench_hamt.cc - the CHAMP map against a mutable hash table and
 * an RCU hash table, on the same 1M keys "key:%08d" (12 B) -> 16 B values.
 *
 * Two random orders of the keys: the tables are built in the insertion
 * order, and every lookup and update visits the keys in a second, unrelated
 * permutation (a copy of the key strings, so reading the next key is a
 * sequential load for every contender). Visiting in insertion order would
 * let the baselines walk their nodes in allocation order, one after the
 * other in memory, which is not what a user's lookups do.
 *
 *   lookup_hit/<impl>      one successful lookup (vcow and lfht each in
 *                          their own read section); one pass over all keys
 *   insert_loop/<impl>     building the 1M-key table, per key
 *                          (vcow: all sets in one txn + the commit;
 *                          unordered_map_reserve: reserve(n) first)
 *   update_commit/vcow     one key overwritten with a new 16-byte value and
 *                          committed to the cell (one-op txn, history off;
 *                          the old version is reclaimed)
 *   update/unordered_map_insert_or_assign
 *                          the same overwrite in place, no versions
 *   update/cds_lfht_replace_call_rcu
 *                          a new entry replaces the old one under readers
 *                          (cds_lfht_replace), the old one freed by call_rcu
 *   iterate/<impl>         per entry, a full pass
 *   diff_100/vcow          diff of two 1M-key versions differing in 100 keys
 *   memory/<impl>          bytes per entry: vcow counters (hamt+blob nodes)
 *                          and the RSS growth of loading the table
 *
 * Competitors: std::unordered_map<std::string, std::string> and liburcu's
 * cds_lfht (set up as bench/lfht.h says: urcu-memb, pre-sized). Every
 * benchmark's label names its allocator (bench/alloc.h): vcow's nodes come
 * from vcow_allocator(), the others from the process's malloc.
 * VCOW_BENCH_KEYS overrides the key count, VCOW_BENCH_PASSES the passes of
 * a lookup or update run (default 1).
 */
#include <malloc.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include <benchmark/benchmark.h>

#include <vcow/vcow.h>
#include <vcow/map.h>

#include "bench/alloc.h"
#include "bench/lfht.h"

namespace
{

constexpr std::size_t KLEN = 12, VLEN = 16;

struct keyset {
    std::vector<std::string> keys;   /* insertion order (random) */
    std::vector<std::string> lookup; /* the same keys in a second random order */
    std::string value;
    keyset()
    {
        const char *env = std::getenv("VCOW_BENCH_KEYS");
        std::size_t n = env ? std::strtoull(env, nullptr, 10) : 1000000;
        keys.reserve(n);
        char buf[32];
        for (std::size_t i = 0; i < n; i++) {
            std::snprintf(buf, sizeof(buf), "key:%08zu", i);
            keys.emplace_back(buf);
        }
        std::mt19937_64 rng(42);
        std::shuffle(keys.begin(), keys.end(), rng);
        lookup = keys;
        std::mt19937_64 rng2(4242);
        std::shuffle(lookup.begin(), lookup.end(), rng2);
        value.assign("0123456789abcdef");
    }
};

const keyset &ks()
{
    static keyset k;
    return k;
}

/* Hand freed memory back first (vcow's allocator and glibc's heap), so a
 * table's RSS growth is not hidden by what an earlier benchmark freed. */
void trim_heaps()
{
    vcow_gc_barrier();
    vcow_mem_purge();
    malloc_trim(0);
}

long rss_bytes()
{
    FILE *f = std::fopen("/proc/self/statm", "r");
    long pages = 0, res = 0;
    if (f != nullptr) {
        if (std::fscanf(f, "%ld %ld", &pages, &res) != 2)
            res = 0;
        std::fclose(f);
    }
    return res * 4096;
}

/* Bytes of the cell's map nodes and blobs (vcow's own counters). */
int64_t vcow_bytes(vcow_cell *c)
{
    vcow_cell_stats st;
    std::memset(&st, 0, sizeof(st));
    vcow_cell_get_stats(c, &st);
    return st.bytes[VCOW_MEM_MAP] + st.bytes[VCOW_MEM_BLOB];
}

/* ---- vcow ---- */

vcow_cell *vcow_load()
{
    vcow_cell *c;
    if (vcow_cell_open(VCOW_KIND_MAP, nullptr, &c) != VCOW_OK)
        std::abort();
    vcow_txn *t;
    vcow_txn_begin(c, &t);
    vcow_val v = vcow_val_bytes(ks().value.data(), VLEN);
    for (const auto &k : ks().keys)
        vcow_map_setn(t, k.data(), k.size(), v);
    if (vcow_txn_commit(t) != VCOW_OK)
        std::abort();
    vcow_txn_free(t);
    return c;
}

void vcow_close(vcow_cell *c)
{
    vcow_cell_close(c);
    vcow_gc_barrier();
    vcow_mem_purge();
}

/* ---- cds_lfht (bench/lfht.h) ---- */

/* No rcu_head: nothing here replaces an entry under readers. */
struct lf_ent {
    cds_lfht_node node;
    char key[KLEN];
    char val[VLEN];
};

cds_lfht *lf_load()
{
    return lfht::load<lf_ent>(ks().keys, ks().value.data());
}

void lf_free(cds_lfht *h)
{
    lfht::destroy<lf_ent>(h);
}

using umap = std::unordered_map<std::string, std::string>;

umap *um_load(bool reserve = false)
{
    umap *m = new umap;
    if (reserve)
        m->reserve(ks().keys.size());
    for (const auto &k : ks().keys)
        (*m)[k] = ks().value;
    return m;
}

/* ---- lookups ---- */

void bm_lookup_vcow(benchmark::State &state)
{
    state.SetLabel(bench_alloc::vcow_label());
    vcow_cell *c = vcow_load();
    const auto &keys = ks().lookup;
    std::size_t i = 0, n = keys.size();
    for (auto _ : state) {
        const std::string &k = keys[i];
        vcow_val v;
        vcow_read_lock();
        int rc = vcow_map_getn(vcow_cell_head(c), k.data(), k.size(), &v);
        benchmark::DoNotOptimize(v.u.bytes.ptr);
        vcow_read_unlock();
        if (rc != VCOW_OK)
            state.SkipWithError("miss");
        if (++i == n)
            i = 0;
    }
    state.SetItemsProcessed((int64_t)state.iterations());
    vcow_close(c);
}

void bm_lookup_umap(benchmark::State &state)
{
    state.SetLabel(bench_alloc::malloc_label());
    umap *m = um_load();
    const auto &keys = ks().lookup;
    std::size_t i = 0, n = keys.size();
    for (auto _ : state) {
        auto it = m->find(keys[i]);
        benchmark::DoNotOptimize(it->second.data());
        if (++i == n)
            i = 0;
    }
    state.SetItemsProcessed((int64_t)state.iterations());
    delete m;
}

void bm_lookup_lfht(benchmark::State &state)
{
    state.SetLabel(bench_alloc::malloc_label());
    cds_lfht *h = lf_load();
    const auto &keys = ks().lookup;
    std::size_t i = 0, n = keys.size();
    for (auto _ : state) {
        const std::string &k = keys[i];
        urcu_memb_read_lock();
        lf_ent *e = lfht::find<lf_ent>(h, k.data());
        benchmark::DoNotOptimize(e ? e->val : nullptr);
        urcu_memb_read_unlock();
        if (++i == n)
            i = 0;
    }
    state.SetItemsProcessed((int64_t)state.iterations());
    lf_free(h);
}

/* ---- building the table ---- */

void bm_insert_vcow(benchmark::State &state)
{
    state.SetLabel(bench_alloc::vcow_label());
    for (auto _ : state) {
        vcow_cell *c = vcow_load();
        state.PauseTiming();
        vcow_close(c);
        state.ResumeTiming();
    }
    state.counters["ns_per_key"] =
        benchmark::Counter((double)ks().keys.size() * (double)state.iterations(),
                           benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
    state.SetItemsProcessed((int64_t)(state.iterations() * ks().keys.size()));
}

void bm_insert_umap(benchmark::State &state, bool reserve)
{
    state.SetLabel(bench_alloc::malloc_label());
    for (auto _ : state) {
        umap *m = um_load(reserve);
        state.PauseTiming();
        delete m;
        state.ResumeTiming();
    }
    state.counters["ns_per_key"] =
        benchmark::Counter((double)ks().keys.size() * (double)state.iterations(),
                           benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
    state.SetItemsProcessed((int64_t)(state.iterations() * ks().keys.size()));
}

void bm_insert_lfht(benchmark::State &state)
{
    state.SetLabel(bench_alloc::malloc_label());
    for (auto _ : state) {
        cds_lfht *h = lf_load();
        state.PauseTiming();
        lf_free(h);
        state.ResumeTiming();
    }
    state.counters["ns_per_key"] =
        benchmark::Counter((double)ks().keys.size() * (double)state.iterations(),
                           benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
    state.SetItemsProcessed((int64_t)(state.iterations() * ks().keys.size()));
}

/* ---- updates ---- */

/* A fresh 16-byte value for the x-th update (every contender writes the
 * same bytes). */
void update_value(char *buf, std::uint64_t x)
{
    std::memcpy(buf, ks().value.data(), VLEN);
    std::memcpy(buf, &x, sizeof(x));
}

void bm_update_commit_vcow(benchmark::State &state)
{
    state.SetLabel(bench_alloc::vcow_label());
    vcow_cell *c = vcow_load();
    const auto &keys = ks().lookup;
    std::size_t i = 0, n = keys.size();
    std::uint64_t x = 0;
    char buf[VLEN];
    for (auto _ : state) {
        const std::string &k = keys[i];
        update_value(buf, ++x);
        if (vcow_map_cell_setn(c, k.data(), k.size(), vcow_val_bytes(buf, VLEN), nullptr) !=
            VCOW_OK)
            state.SkipWithError("set failed");
        if (++i == n)
            i = 0;
    }
    state.SetItemsProcessed((int64_t)state.iterations());
    vcow_close(c);
}

void bm_update_umap(benchmark::State &state)
{
    state.SetLabel(bench_alloc::malloc_label());
    umap *m = um_load();
    const auto &keys = ks().lookup;
    std::size_t i = 0, n = keys.size();
    std::uint64_t x = 0;
    char buf[VLEN];
    for (auto _ : state) {
        update_value(buf, ++x);
        m->insert_or_assign(keys[i], std::string(buf, VLEN));
        if (++i == n)
            i = 0;
    }
    state.SetItemsProcessed((int64_t)state.iterations());
    delete m;
}

/* Replaced under readers: the old entry waits a grace period in call_rcu. */
struct lf_rent {
    cds_lfht_node node;
    rcu_head rcu;
    char key[KLEN];
    char val[VLEN];
};

void lf_rent_free(rcu_head *head)
{
    delete caa_container_of(head, lf_rent, rcu);
}

void bm_update_lfht(benchmark::State &state)
{
    state.SetLabel(bench_alloc::malloc_label());
    cds_lfht *h = lfht::load<lf_rent>(ks().keys, ks().value.data());
    const auto &keys = ks().lookup;
    std::size_t i = 0, n = keys.size();
    std::uint64_t x = 0;
    char buf[VLEN];
    for (auto _ : state) {
        const std::string &k = keys[i];
        update_value(buf, ++x);
        lf_rent *e = lfht::make<lf_rent>(k.data(), buf);
        unsigned long hash = lfht::hash<lf_rent>(k.data());
        cds_lfht_iter it;
        urcu_memb_read_lock();
        cds_lfht_lookup(h, hash, lfht::match<lf_rent>, k.data(), &it);
        cds_lfht_node *old = cds_lfht_iter_get_node(&it);
        int rc = old != nullptr
                     ? cds_lfht_replace(h, &it, hash, lfht::match<lf_rent>, k.data(), &e->node)
                     : -1;
        urcu_memb_read_unlock();
        if (rc != 0) {
            state.SkipWithError("replace failed");
            break;
        }
        urcu_memb_call_rcu(&caa_container_of(old, lf_rent, node)->rcu, lf_rent_free);
        if (++i == n)
            i = 0;
    }
    state.SetItemsProcessed((int64_t)state.iterations());
    urcu_memb_barrier(); /* every replaced entry freed */
    lfht::destroy<lf_rent>(h);
}

/* ---- iteration ---- */

int iter_fn(vcow_slice key, const vcow_val *val_p, void *ctx)
{
    vcow_val val = *val_p;
    *(std::size_t *)ctx += key.len + val.u.bytes.len;
    return 0;
}

void bm_iterate_vcow(benchmark::State &state)
{
    state.SetLabel(bench_alloc::vcow_label());
    vcow_cell *c = vcow_load();
    for (auto _ : state) {
        std::size_t sum = 0;
        vcow_read_lock();
        vcow_map_iter(vcow_cell_head(c), iter_fn, &sum);
        vcow_read_unlock();
        benchmark::DoNotOptimize(sum);
    }
    state.counters["ns_per_entry"] =
        benchmark::Counter((double)ks().keys.size() * (double)state.iterations(),
                           benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
    vcow_close(c);
}

void bm_iterate_umap(benchmark::State &state)
{
    state.SetLabel(bench_alloc::malloc_label());
    umap *m = um_load();
    for (auto _ : state) {
        std::size_t sum = 0;
        for (const auto &kv : *m)
            sum += kv.first.size() + kv.second.size();
        benchmark::DoNotOptimize(sum);
    }
    state.counters["ns_per_entry"] =
        benchmark::Counter((double)ks().keys.size() * (double)state.iterations(),
                           benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
    delete m;
}

void bm_iterate_lfht(benchmark::State &state)
{
    state.SetLabel(bench_alloc::malloc_label());
    cds_lfht *h = lf_load();
    for (auto _ : state) {
        std::size_t sum = 0;
        cds_lfht_iter it;
        cds_lfht_node *n;
        urcu_memb_read_lock();
        cds_lfht_for_each(h, &it, n) sum += (std::size_t)caa_container_of(n, lf_ent, node)->val[0];
        urcu_memb_read_unlock();
        benchmark::DoNotOptimize(sum);
    }
    state.counters["ns_per_entry"] =
        benchmark::Counter((double)ks().keys.size() * (double)state.iterations(),
                           benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
    lf_free(h);
}

/* ---- diff ---- */

int diff_fn(vcow_slice, const vcow_val *, const vcow_val *, void *ctx)
{
    ++*(int *)ctx;
    return 0;
}

void bm_diff_vcow(benchmark::State &state)
{
    state.SetLabel(bench_alloc::vcow_label());
    vcow_cell *c = vcow_load();
    vcow_version *a, *b;
    vcow_cell_pin_head(c, &a);
    vcow_txn *t;
    vcow_txn_begin(c, &t);
    for (int i = 0; i < 100; i++) {
        const std::string &k = ks().keys[(std::size_t)i * 7919 % ks().keys.size()];
        vcow_map_setn(t, k.data(), k.size(), vcow_val_i64(i));
    }
    vcow_txn_commit(t);
    vcow_txn_free(t);
    vcow_cell_pin_head(c, &b);
    int changes = 0;
    for (auto _ : state) {
        changes = 0;
        vcow_map_diff(a, b, diff_fn, &changes);
        benchmark::DoNotOptimize(changes);
    }
    state.counters["changes"] = changes;
    vcow_version_unpin(a);
    vcow_version_unpin(b);
    vcow_close(c);
}

/* ---- memory ---- */

void bm_memory_vcow(benchmark::State &state)
{
    state.SetLabel(bench_alloc::vcow_label());
    (void)ks(); /* the key strings are not the table's memory */
    for (auto _ : state) {
        trim_heaps();
        long r0 = rss_bytes();
        vcow_cell *c = vcow_load();
        vcow_gc_barrier();
        double n = (double)ks().keys.size();
        int64_t b = vcow_bytes(c);
        state.counters["bytes_per_entry"] = (double)b / n;
        state.counters["MB"] = (double)b / 1e6;
        state.counters["rss_MB"] = (double)(rss_bytes() - r0) / 1e6;
        vcow_close(c);
    }
}

void bm_memory_umap(benchmark::State &state)
{
    state.SetLabel(bench_alloc::malloc_label());
    (void)ks(); /* the key strings are not the table's memory */
    for (auto _ : state) {
        trim_heaps();
        long r0 = rss_bytes();
        umap *m = um_load();
        state.counters["rss_MB"] = (double)(rss_bytes() - r0) / 1e6;
        delete m;
    }
}

void bm_memory_lfht(benchmark::State &state)
{
    state.SetLabel(bench_alloc::malloc_label());
    (void)ks(); /* the key strings are not the table's memory */
    for (auto _ : state) {
        trim_heaps();
        long r0 = rss_bytes();
        cds_lfht *h = lf_load();
        state.counters["rss_MB"] = (double)(rss_bytes() - r0) / 1e6;
        lf_free(h);
    }
}

/* Iterations of a lookup or update run: the key count times
 * VCOW_BENCH_PASSES (default 1). */
int64_t passes()
{
    const char *env = std::getenv("VCOW_BENCH_KEYS");
    const char *p = std::getenv("VCOW_BENCH_PASSES");
    int64_t n = env ? (int64_t)std::strtoull(env, nullptr, 10) : 1000000;
    return n * (p ? std::max<int64_t>(1, (int64_t)std::strtoull(p, nullptr, 10)) : 1);
}

} // namespace

BENCHMARK(bm_memory_vcow)->Name("memory/vcow")->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK(bm_memory_umap)
    ->Name("memory/unordered_map")
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(bm_memory_lfht)->Name("memory/cds_lfht")->Iterations(1)->Unit(benchmark::kMillisecond);

/* Lookups and updates: one pass over the second permutation (every key
 * once) in one invocation, so each run loads its table once (min_time does
 * not apply to them). */
BENCHMARK(bm_lookup_vcow)->Name("lookup_hit/vcow")->Iterations(passes());
BENCHMARK(bm_lookup_umap)->Name("lookup_hit/unordered_map")->Iterations(passes());
BENCHMARK(bm_lookup_lfht)->Name("lookup_hit/cds_lfht")->Iterations(passes());
BENCHMARK(bm_insert_vcow)->Name("insert_loop/vcow_one_txn")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(bm_insert_umap, plain, false)
    ->Name("insert_loop/unordered_map")
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(bm_insert_umap, reserve, true)
    ->Name("insert_loop/unordered_map_reserve")
    ->Unit(benchmark::kMillisecond);
BENCHMARK(bm_insert_lfht)->Name("insert_loop/cds_lfht")->Unit(benchmark::kMillisecond);
BENCHMARK(bm_update_commit_vcow)->Name("update_commit/vcow")->Iterations(passes());
BENCHMARK(bm_update_umap)->Name("update/unordered_map_insert_or_assign")->Iterations(passes());
BENCHMARK(bm_update_lfht)->Name("update/cds_lfht_replace_call_rcu")->Iterations(passes());
BENCHMARK(bm_iterate_vcow)->Name("iterate/vcow")->Unit(benchmark::kMillisecond);
BENCHMARK(bm_iterate_umap)->Name("iterate/unordered_map")->Unit(benchmark::kMillisecond);
BENCHMARK(bm_iterate_lfht)->Name("iterate/cds_lfht")->Unit(benchmark::kMillisecond);
BENCHMARK(bm_diff_vcow)->Name("diff_100/vcow")->Unit(benchmark::kMicrosecond);
int main(int argc, char **argv)
{
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv))
        return 1;
    bench_alloc::add_context();
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
