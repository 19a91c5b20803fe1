/*
 * bench/tree/bench_tree.cc - the vcow B+tree against std::map and LMDB.
 *
 * All three hold the same N keys (default 1M, env VCOW_BENCH_TREE_N):
 * 16-byte keys (hex of a mixed counter, so insertion order is random) and
 * 16-byte values. Single thread, wall-clock times.
 *
 *   tree_get/<x>         a random existing key, one snapshot per lookup:
 *                        vcow: a read section + head + get; LMDB: a read
 *                        txn renewed and reset around each get (the
 *                        cheapest way to read a fresh snapshot per
 *                        request); std::map: find (no isolation at all)
 *   tree_scan100/<x>     100 consecutive entries from a random key
 *   tree_commit1/<x>     overwrite one random key and publish it: vcow:
 *                        vcow_tree_cell_set (one txn, one new version);
 *                        LMDB: a write txn with one put, committed;
 *                        std::map: an assignment (not versioned, no txn)
 *   tree_bulk_load/<x>   N sorted keys into an empty structure and
 *                        published: vcow: vcow_tree_bulk_load + commit;
 *                        LMDB: one write txn of MDB_APPEND puts; std::map:
 *                        emplace_hint at the end
 *   <op>/vcow_cmp        get and commit on a second cell of the same N keys
 *                        opened with a comparator (struct vcow_cell_opts
 *                        compare) that implements memcmp order itself: the
 *                        cost of a comparator (no prefix shortcut, a call
 *                        per key comparison, full-key separators)
 *
 * LMDB runs on /dev/shm (no disk) with MDB_NOSYNC | MDB_NOMETASYNC |
 * MDB_WRITEMAP: its fastest durable-less mode; the environment is removed
 * at exit.
 */
#include <lmdb.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include <vcow/gc.h>
#include <vcow/tree.h>

namespace
{

std::size_t N = 1000000;
std::vector<std::string> keys;        /* random order */
std::vector<std::string> sorted_keys; /* memcmp order */
std::string value(16, 'v');

vcow_cell *cell, *cmp_cell;
std::map<std::string, std::string> smap;
MDB_env *env;
MDB_dbi dbi_main, dbi_bulk;
std::string env_dir;

std::uint64_t mix(std::uint64_t x)
{
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

struct rng {
    std::uint64_t s = 88172645463325252ull;
    std::size_t operator()(std::size_t n)
    {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        return static_cast<std::size_t>(s % n);
    }
};

void die(const char *what, int rc)
{
    std::fprintf(stderr, "bench_tree: %s failed: %d\n", what, rc);
    std::exit(1);
}

void check(int rc, const char *what)
{
    if (rc != 0)
        die(what, rc);
}

void remove_env()
{
    if (env != nullptr) {
        mdb_env_close(env);
        env = nullptr;
    }
    if (!env_dir.empty()) {
        unlink((env_dir + "/data.mdb").c_str());
        unlink((env_dir + "/lock.mdb").c_str());
        rmdir(env_dir.c_str());
    }
}

std::vector<vcow_tree_kv> sorted_kv()
{
    std::vector<vcow_tree_kv> kv(N);
    for (std::size_t i = 0; i < N; i++) {
        kv[i].key.ptr = sorted_keys[i].data();
        kv[i].key.len = sorted_keys[i].size();
        kv[i].val = vcow_val_bytes(value.data(), value.size());
    }
    return kv;
}

/* memcmp order, but through the comparator path. */
int memcmp_order(const void *a, std::size_t alen, const void *b, std::size_t blen, void *)
{
    std::size_t m = alen < blen ? alen : blen;
    int c = m ? std::memcmp(a, b, m) : 0;
    if (c != 0)
        return c;
    return alen < blen ? -1 : alen > blen ? 1 : 0;
}

void load(vcow_cell *c, const std::vector<vcow_tree_kv> &kv)
{
    vcow_txn *t;
    check(vcow_txn_begin(c, &t), "vcow_txn_begin");
    check(vcow_tree_bulk_load(t, kv.data(), kv.size()), "vcow_tree_bulk_load");
    check(vcow_txn_commit(t), "vcow_txn_commit");
    vcow_txn_free(t);
}

void setup()
{
    if (const char *e = std::getenv("VCOW_BENCH_TREE_N"))
        N = std::strtoull(e, nullptr, 10);
    keys.resize(N);
    char buf[32];
    for (std::size_t i = 0; i < N; i++) {
        std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(mix(i)));
        keys[i] = buf;
    }
    sorted_keys = keys;
    std::sort(sorted_keys.begin(), sorted_keys.end());

    /* vcow: one cell loaded with N keys (bulk load, then used by the
     * get/scan/commit cases). */
    check(vcow_cell_open(VCOW_KIND_TREE, nullptr, &cell), "vcow_cell_open");
    std::vector<vcow_tree_kv> kv = sorted_kv();
    load(cell, kv);
    vcow_cell_opts o{};
    o.size = sizeof(o);
    o.compare = memcmp_order;
    check(vcow_cell_open(VCOW_KIND_TREE, &o, &cmp_cell), "vcow_cell_open");
    load(cmp_cell, kv);

    for (const auto &k : sorted_keys)
        smap.emplace_hint(smap.end(), k, value);

    /* LMDB on /dev/shm. */
    env_dir = "/dev/shm/vcow-bench-tree-" + std::to_string(getpid());
    std::string mk = "mkdir -p " + env_dir;
    check(std::system(mk.c_str()), "mkdir");
    std::atexit(remove_env);
    check(mdb_env_create(&env), "mdb_env_create");
    check(mdb_env_set_mapsize(env, std::size_t(4) << 30), "mdb_env_set_mapsize");
    check(mdb_env_set_maxdbs(env, 4), "mdb_env_set_maxdbs");
    check(mdb_env_open(env, env_dir.c_str(), MDB_NOSYNC | MDB_NOMETASYNC | MDB_WRITEMAP, 0600),
          "mdb_env_open");
    MDB_txn *txn;
    check(mdb_txn_begin(env, nullptr, 0, &txn), "mdb_txn_begin");
    check(mdb_dbi_open(txn, "main", MDB_CREATE, &dbi_main), "mdb_dbi_open");
    check(mdb_dbi_open(txn, "bulk", MDB_CREATE, &dbi_bulk), "mdb_dbi_open");
    for (const auto &k : sorted_keys) {
        MDB_val mk_{k.size(), const_cast<char *>(k.data())};
        MDB_val mv{value.size(), const_cast<char *>(value.data())};
        check(mdb_put(txn, dbi_main, &mk_, &mv, MDB_APPEND), "mdb_put");
    }
    check(mdb_txn_commit(txn), "mdb_txn_commit");
}

/* ---- get ---- */

void get_vcow(benchmark::State &state, vcow_cell *c)
{
    rng r;
    for (auto _ : state) {
        const std::string &k = keys[r(N)];
        vcow_read_lock();
        vcow_val v;
        int rc = vcow_tree_getn(vcow_cell_head(c), k.data(), k.size(), &v);
        benchmark::DoNotOptimize(v.u.bytes.ptr);
        vcow_read_unlock();
        if (rc != VCOW_OK)
            die("vcow_tree_get", rc);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

void bm_get_vcow(benchmark::State &state)
{
    get_vcow(state, cell);
}

void bm_get_vcow_cmp(benchmark::State &state)
{
    get_vcow(state, cmp_cell);
}

void bm_get_map(benchmark::State &state)
{
    rng r;
    for (auto _ : state) {
        auto it = smap.find(keys[r(N)]);
        benchmark::DoNotOptimize(it);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

void bm_get_lmdb(benchmark::State &state)
{
    rng r;
    MDB_txn *txn;
    check(mdb_txn_begin(env, nullptr, MDB_RDONLY, &txn), "mdb_txn_begin");
    mdb_txn_reset(txn);
    for (auto _ : state) {
        const std::string &k = keys[r(N)];
        check(mdb_txn_renew(txn), "mdb_txn_renew");
        MDB_val mk{k.size(), const_cast<char *>(k.data())}, mv;
        int rc = mdb_get(txn, dbi_main, &mk, &mv);
        benchmark::DoNotOptimize(mv.mv_data);
        mdb_txn_reset(txn);
        if (rc != 0)
            die("mdb_get", rc);
    }
    mdb_txn_abort(txn);
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

/* ---- scan 100 ---- */

struct scan_ctx {
    int n;
    std::size_t bytes;
};

int scan_fn(vcow_slice key, const vcow_val *val, void *arg)
{
    auto *c = static_cast<scan_ctx *>(arg);
    c->bytes += key.len + val->u.bytes.len;
    return ++c->n == 100 ? 1 : 0;
}

void bm_scan_vcow(benchmark::State &state)
{
    rng r;
    for (auto _ : state) {
        const std::string &k = keys[r(N)];
        scan_ctx c{0, 0};
        vcow_read_lock();
        vcow_tree_range(vcow_cell_head(cell), k.data(), k.size(), nullptr, 0, VCOW_TREE_NO_HI,
                        scan_fn, &c);
        vcow_read_unlock();
        benchmark::DoNotOptimize(c.bytes);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * 100);
}

void bm_scan_map(benchmark::State &state)
{
    rng r;
    for (auto _ : state) {
        auto it = smap.lower_bound(keys[r(N)]);
        std::size_t bytes = 0;
        for (int i = 0; i < 100 && it != smap.end(); i++, ++it)
            bytes += it->first.size() + it->second.size();
        benchmark::DoNotOptimize(bytes);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * 100);
}

void bm_scan_lmdb(benchmark::State &state)
{
    rng r;
    MDB_txn *txn;
    MDB_cursor *cur;
    check(mdb_txn_begin(env, nullptr, MDB_RDONLY, &txn), "mdb_txn_begin");
    check(mdb_cursor_open(txn, dbi_main, &cur), "mdb_cursor_open");
    mdb_txn_reset(txn);
    for (auto _ : state) {
        const std::string &k = keys[r(N)];
        check(mdb_txn_renew(txn), "mdb_txn_renew");
        check(mdb_cursor_renew(txn, cur), "mdb_cursor_renew");
        MDB_val mk{k.size(), const_cast<char *>(k.data())}, mv;
        std::size_t bytes = 0;
        int rc = mdb_cursor_get(cur, &mk, &mv, MDB_SET_RANGE);
        for (int i = 0; i < 100 && rc == 0; i++) {
            bytes += mk.mv_size + mv.mv_size;
            rc = mdb_cursor_get(cur, &mk, &mv, MDB_NEXT);
        }
        benchmark::DoNotOptimize(bytes);
        mdb_txn_reset(txn);
    }
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * 100);
}

/* ---- one-record commits ---- */

void commit_vcow(benchmark::State &state, vcow_cell *c)
{
    rng r;
    for (auto _ : state) {
        const std::string &k = keys[r(N)];
        int rc = vcow_tree_cell_setn(c, k.data(), k.size(),
                                     vcow_val_bytes(value.data(), value.size()), nullptr);
        if (rc != VCOW_OK)
            die("vcow_tree_cell_set", rc);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

void bm_commit_vcow(benchmark::State &state)
{
    commit_vcow(state, cell);
}

void bm_commit_vcow_cmp(benchmark::State &state)
{
    commit_vcow(state, cmp_cell);
}

void bm_commit_map(benchmark::State &state)
{
    rng r;
    for (auto _ : state) {
        smap[keys[r(N)]] = value;
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

void bm_commit_lmdb(benchmark::State &state)
{
    rng r;
    for (auto _ : state) {
        const std::string &k = keys[r(N)];
        MDB_txn *txn;
        check(mdb_txn_begin(env, nullptr, 0, &txn), "mdb_txn_begin");
        MDB_val mk{k.size(), const_cast<char *>(k.data())};
        MDB_val mv{value.size(), const_cast<char *>(value.data())};
        check(mdb_put(txn, dbi_main, &mk, &mv, 0), "mdb_put");
        check(mdb_txn_commit(txn), "mdb_txn_commit");
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

/* ---- bulk load ---- */

void bm_bulk_vcow(benchmark::State &state)
{
    std::vector<vcow_tree_kv> kv = sorted_kv();
    vcow_cell *c;
    check(vcow_cell_open(VCOW_KIND_TREE, nullptr, &c), "vcow_cell_open");
    for (auto _ : state) {
        vcow_txn *t;
        check(vcow_txn_begin(c, &t), "vcow_txn_begin");
        check(vcow_tree_bulk_load(t, kv.data(), kv.size()), "vcow_tree_bulk_load");
        check(vcow_txn_commit(t), "vcow_txn_commit");
        vcow_txn_free(t);
        state.PauseTiming();
        /* Empty it again (untimed) and let the reclaimer free the nodes. */
        check(vcow_txn_begin(c, &t), "vcow_txn_begin");
        check(vcow_tree_bulk_load(t, nullptr, 0), "vcow_tree_bulk_load");
        check(vcow_txn_commit(t), "vcow_txn_commit");
        vcow_txn_free(t);
        vcow_gc_barrier();
        state.ResumeTiming();
    }
    check(vcow_cell_close(c), "vcow_cell_close");
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * N));
}

void bm_bulk_map(benchmark::State &state)
{
    for (auto _ : state) {
        std::map<std::string, std::string> m;
        for (const auto &k : sorted_keys)
            m.emplace_hint(m.end(), k, value);
        state.PauseTiming();
        m.clear();
        state.ResumeTiming();
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * N));
}

void bm_bulk_lmdb(benchmark::State &state)
{
    for (auto _ : state) {
        MDB_txn *txn;
        check(mdb_txn_begin(env, nullptr, 0, &txn), "mdb_txn_begin");
        for (const auto &k : sorted_keys) {
            MDB_val mk{k.size(), const_cast<char *>(k.data())};
            MDB_val mv{value.size(), const_cast<char *>(value.data())};
            check(mdb_put(txn, dbi_bulk, &mk, &mv, MDB_APPEND), "mdb_put");
        }
        check(mdb_txn_commit(txn), "mdb_txn_commit");
        state.PauseTiming();
        check(mdb_txn_begin(env, nullptr, 0, &txn), "mdb_txn_begin");
        check(mdb_drop(txn, dbi_bulk, 0), "mdb_drop");
        check(mdb_txn_commit(txn), "mdb_txn_commit");
        state.ResumeTiming();
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * N));
}

} // namespace

int main(int argc, char **argv)
{
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv))
        return 1;
    setup();
    benchmark::AddCustomContext("vcow_bench_tree_n", std::to_string(N));
    benchmark::AddCustomContext("vcow_gc_backend", vcow_gc_backend());

    benchmark::RegisterBenchmark("tree_get/vcow", bm_get_vcow)->UseRealTime();
    benchmark::RegisterBenchmark("tree_get/vcow_cmp", bm_get_vcow_cmp)->UseRealTime();
    benchmark::RegisterBenchmark("tree_get/lmdb", bm_get_lmdb)->UseRealTime();
    benchmark::RegisterBenchmark("tree_get/std_map", bm_get_map)->UseRealTime();
    benchmark::RegisterBenchmark("tree_scan100/vcow", bm_scan_vcow)->UseRealTime();
    benchmark::RegisterBenchmark("tree_scan100/lmdb", bm_scan_lmdb)->UseRealTime();
    benchmark::RegisterBenchmark("tree_scan100/std_map", bm_scan_map)->UseRealTime();
    benchmark::RegisterBenchmark("tree_commit1/vcow", bm_commit_vcow)->UseRealTime();
    benchmark::RegisterBenchmark("tree_commit1/vcow_cmp", bm_commit_vcow_cmp)->UseRealTime();
    benchmark::RegisterBenchmark("tree_commit1/lmdb", bm_commit_lmdb)->UseRealTime();
    benchmark::RegisterBenchmark("tree_commit1/std_map", bm_commit_map)->UseRealTime();
    benchmark::RegisterBenchmark("tree_bulk_load/vcow", bm_bulk_vcow)
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark("tree_bulk_load/lmdb", bm_bulk_lmdb)
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark("tree_bulk_load/std_map", bm_bulk_map)
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);

    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    check(vcow_cell_close(cell), "vcow_cell_close");
    check(vcow_cell_close(cmp_cell), "vcow_cell_close");
    vcow_gc_barrier();
    return 0;
}
