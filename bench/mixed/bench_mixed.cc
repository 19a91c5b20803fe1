/*
 * bench/mixed/bench_mixed.cc - one shared map under concurrent reads and
 * writes: vcow's HAMT cell against lock-protected hash maps and two
 * concurrent hash tables, plus memory per entry and per retained version.
 *
 * The shared map: 100,000 keys "key:%08d" (12 B) -> 16 B values, built once
 * per competitor and kept for the whole process. Every operation picks its
 * key uniformly at random (a per-thread splitmix64); a write overwrites an
 * existing key with a fresh 16-byte value.
 *
 *   mixed/<mix>/<impl>             mix = read100 | read99 | read90 | read50
 *                                  (% of reads, the rest writes), with 1 and
 *                                  N threads; items_per_second is the total
 *                                  throughput of all threads
 *   readers_vs_writer/<impl>       N threads: thread 0 writes flat out while
 *                                  threads 1..N-1 read; counters reads/s (sum
 *                                  over the readers) and writes/s
 *   readers_vs_writer_1M/<impl>    the same with 2 threads (one writer, one
 *                                  reader) on a second map of 1M keys, which
 *                                  no longer fits the caches
 *   memory/<impl>                  1M entries, once (Iterations(1)): counters
 *                                  bytes_per_entry and/or rss_bytes_per_entry
 *   memory/vcow_hamt_history_all   1M keys, 10^5 single-key commits with every
 *                                  version kept: bytes_per_version
 *
 * Competitors (impl):
 *
 *   vcow_hamt                   HAMT cell, history off; a write is
 *                               vcow_map_cell_set (one committed version, the
 *                               old one reclaimed after a grace period)
 *   vcow_hamt_history:last1000  the same with history on, keep_last = 1000
 *   umap_shared_mutex           std::unordered_map<std::string, std::string>
 *                               under a std::shared_mutex (shared for reads)
 *   umap_rwlock                 the same under a pthread_rwlock_t
 *   umap_mutex                  the same under one pthread_mutex_t
 *   cds_lfht                    liburcu's RCU hash table (urcu-memb flavor,
 *                               pre-sized); a write replaces the node with
 *                               cds_lfht_replace and frees the old one with
 *                               call_rcu
 *   ck_hs                       ConcurrencyKit's SPMC hash set (ck_map.c: ck's
 *                               headers are C only) of pointers to
 *                               key/value records; writers serialised by a
 *                               mutex (one producer at a time), readers in
 *                               ck_epoch sections on a per-thread record, a
 *                               replaced record freed through ck_epoch_call
 *                               (each operation is one out-of-line call, as
 *                               vcow's are)
 *
 * Allocators: the executable links libvcow.so, so vcow's nodes come from
 * vcow_allocator() and every other map's memory from the process's malloc;
 * each benchmark's label names its own (bench/alloc.h).
 *
 * N is VCOW_BENCH_THREADS, default the number of online CPUs, at least 2.
 * Times are wall-clock (UseRealTime).
 *
 * Memory: vcow's figures are its own counters (vcow_cell_get_stats: the
 * requested bytes of the cell's live nodes and blobs); unordered_map is
 * counted exactly by a counting allocator (nodes and bucket array) plus the
 * heap buffers of its strings (capacity + 1 where not inline), and by RSS
 * growth; cds_lfht by RSS growth. Before each RSS reading the heaps are
 * trimmed (vcow_mem_purge, malloc_trim). RSS growth includes the
 * allocator's per-chunk overhead; the counters do not.
 */
#include <malloc.h>
#include <pthread.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <benchmark/benchmark.h>

#include <vcow/vcow.h>
#include <vcow/map.h>

#include "bench/alloc.h"
#include "bench/lfht.h"
#include "ck_map.h"

namespace
{

constexpr std::size_t KLEN = 12, VLEN = 16;
constexpr std::size_t SHARED_KEYS = 100000;
constexpr std::size_t BIG_KEYS = 1000000; /* readers_vs_writer_1M */
constexpr std::size_t MEMORY_KEYS = 1000000;
constexpr std::size_t HISTORY_COMMITS = 100000;
const char VALUE[VLEN + 1] = "0123456789abcdef";

/* The keys "key:%08d", 0..n-1, in order (the key is picked at random). */
std::vector<std::string> make_keys(std::size_t n)
{
    std::vector<std::string> keys;
    keys.reserve(n);
    char buf[32];
    for (std::size_t i = 0; i < n; i++) {
        std::snprintf(buf, sizeof(buf), "key:%08zu", i);
        keys.emplace_back(buf);
    }
    return keys;
}

const std::vector<std::string> &shared_keys()
{
    static const std::vector<std::string> keys = make_keys(SHARED_KEYS);
    return keys;
}

const std::vector<std::string> &big_keys()
{
    static const std::vector<std::string> keys = make_keys(BIG_KEYS);
    return keys;
}

/* A fresh 16-byte value: the writer's counter, then the constant tail. */
void make_value(char *out, std::uint64_t x)
{
    std::memcpy(out, VALUE, VLEN);
    std::memcpy(out, &x, sizeof(x));
}

std::uint64_t first_word(const void *val)
{
    std::uint64_t w;
    std::memcpy(&w, val, sizeof(w));
    return w;
}

/* Resident set size. Callers first hand freed memory back (trim_heaps), so
 * that a table's growth is not hidden by memory an earlier one freed. */
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

void trim_heaps()
{
    vcow_gc_barrier();
    vcow_mem_purge(); /* vcow's allocator */
    malloc_trim(0);   /* glibc's heap: the standard containers, cds_lfht */
}

/* splitmix64: a per-thread generator, one draw per operation. */
struct rng {
    std::uint64_t s;
    std::uint64_t next()
    {
        std::uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
};

/* The high half of a draw picks the key, the low half read or write. */
inline std::size_t pick_key(std::uint64_t r, std::size_t n)
{
    return (std::size_t)(((r >> 32) * n) >> 32);
}

inline bool pick_write(std::uint64_t r, unsigned write_pct)
{
    return ((r & 0xffffffffULL) * 100 >> 32) < write_pct;
}

/* ---- vcow ---- */

int64_t cell_bytes(vcow_cell *c)
{
    vcow_cell_stats st;
    std::memset(&st, 0, sizeof(st));
    vcow_cell_get_stats(c, &st);
    int64_t sum = 0;
    for (int k = 0; k < VCOW_MEM_COUNT; k++)
        sum += st.bytes[k];
    return sum;
}

vcow_cell *vcow_open_loaded(const std::vector<std::string> &keys, bool history, uint64_t keep_last)
{
    vcow_cell_opts o;
    std::memset(&o, 0, sizeof(o));
    o.size = sizeof(o);
    o.history = history;
    o.keep_last = keep_last;
    vcow_cell *c;
    if (vcow_cell_open(VCOW_KIND_MAP, &o, &c) != VCOW_OK)
        std::abort();
    vcow_txn *t;
    if (vcow_txn_begin(c, &t) != VCOW_OK)
        std::abort();
    vcow_val v = vcow_val_bytes(VALUE, VLEN);
    for (const auto &k : keys)
        if (vcow_map_setn(t, k.data(), k.size(), v) != VCOW_OK)
            std::abort();
    if (vcow_txn_commit(t) != VCOW_OK)
        std::abort();
    vcow_txn_free(t);
    return c;
}

struct vcow_map {
    const std::vector<std::string> &keys;
    vcow_cell *cell;
    vcow_map(bool history, uint64_t keep_last, const std::vector<std::string> &k = shared_keys())
        : keys(k), cell(vcow_open_loaded(k, history, keep_last))
    {
    }
    std::size_t size() const
    {
        return keys.size();
    }
    static std::string label()
    {
        return bench_alloc::vcow_label();
    }
    void thread_begin() {}
    void thread_end() {}
    std::uint64_t read(std::size_t i)
    {
        const std::string &k = keys[i];
        vcow_val v;
        vcow_read_lock();
        int rc = vcow_map_getn(vcow_cell_head(cell), k.data(), k.size(), &v);
        std::uint64_t w = rc == VCOW_OK ? first_word(v.u.bytes.ptr) : 0;
        vcow_read_unlock();
        return w;
    }
    void write(std::size_t i, std::uint64_t x)
    {
        const std::string &k = keys[i];
        char buf[VLEN];
        make_value(buf, x);
        if (vcow_map_cell_setn(cell, k.data(), k.size(), vcow_val_bytes(buf, VLEN), nullptr) !=
            VCOW_OK)
            std::abort();
    }
};

/* ---- std::unordered_map under a lock ---- */

using umap = std::unordered_map<std::string, std::string>;

struct shared_mutex_lock {
    std::shared_mutex m;
    void rlock()
    {
        m.lock_shared();
    }
    void runlock()
    {
        m.unlock_shared();
    }
    void wlock()
    {
        m.lock();
    }
    void wunlock()
    {
        m.unlock();
    }
};

struct rwlock_lock {
    pthread_rwlock_t l = PTHREAD_RWLOCK_INITIALIZER;
    void rlock()
    {
        pthread_rwlock_rdlock(&l);
    }
    void runlock()
    {
        pthread_rwlock_unlock(&l);
    }
    void wlock()
    {
        pthread_rwlock_wrlock(&l);
    }
    void wunlock()
    {
        pthread_rwlock_unlock(&l);
    }
};

struct mutex_lock {
    pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
    void rlock()
    {
        pthread_mutex_lock(&m);
    }
    void runlock()
    {
        pthread_mutex_unlock(&m);
    }
    void wlock()
    {
        pthread_mutex_lock(&m);
    }
    void wunlock()
    {
        pthread_mutex_unlock(&m);
    }
};

template <class Lock> struct locked_umap {
    const std::vector<std::string> &keys;
    umap m;
    Lock lock;
    explicit locked_umap(const std::vector<std::string> &k = shared_keys()) : keys(k)
    {
        m.reserve(keys.size());
        for (const auto &key : keys)
            m.emplace(key, std::string(VALUE, VLEN));
    }
    std::size_t size() const
    {
        return keys.size();
    }
    static std::string label()
    {
        return bench_alloc::malloc_label();
    }
    void thread_begin() {}
    void thread_end() {}
    std::uint64_t read(std::size_t i)
    {
        lock.rlock();
        auto it = m.find(keys[i]);
        std::uint64_t w = it != m.end() ? first_word(it->second.data()) : 0;
        lock.runlock();
        return w;
    }
    void write(std::size_t i, std::uint64_t x)
    {
        char buf[VLEN];
        make_value(buf, x);
        lock.wlock();
        auto it = m.find(keys[i]);
        if (it != m.end())
            it->second.assign(buf, VLEN); /* same length: no allocation */
        lock.wunlock();
    }
};

/* ---- liburcu cds_lfht (bench/lfht.h) ---- */

/* Writers replace entries under readers: the old one goes through call_rcu. */
struct lf_ent {
    cds_lfht_node node;
    rcu_head rcu;
    char key[KLEN];
    char val[VLEN];
};

void lf_free_rcu(rcu_head *head)
{
    delete caa_container_of(head, lf_ent, rcu);
}

cds_lfht *lf_load(const std::vector<std::string> &keys)
{
    return lfht::load<lf_ent>(keys, VALUE);
}

void lf_destroy(cds_lfht *h)
{
    lfht::destroy<lf_ent>(h);
}

struct lfht_map {
    const std::vector<std::string> &keys;
    cds_lfht *h;
    explicit lfht_map(const std::vector<std::string> &k = shared_keys()) : keys(k), h(lf_load(k)) {}
    std::size_t size() const
    {
        return keys.size();
    }
    static std::string label()
    {
        return bench_alloc::malloc_label();
    }
    void thread_begin()
    {
        lfht::register_thread();
    }
    void thread_end() {}
    std::uint64_t read(std::size_t i)
    {
        const std::string &k = keys[i];
        urcu_memb_read_lock();
        lf_ent *e = lfht::find<lf_ent>(h, k.data());
        std::uint64_t w = e ? first_word(e->val) : 0;
        urcu_memb_read_unlock();
        return w;
    }
    void write(std::size_t i, std::uint64_t x)
    {
        const std::string &k = keys[i];
        char buf[VLEN];
        make_value(buf, x);
        lf_ent *e = lfht::make<lf_ent>(k.data(), buf);
        unsigned long hash = lfht::hash<lf_ent>(k.data());
        for (;;) {
            cds_lfht_iter it;
            urcu_memb_read_lock();
            cds_lfht_lookup(h, hash, lfht::match<lf_ent>, k.data(), &it);
            cds_lfht_node *old = cds_lfht_iter_get_node(&it);
            /* -ENOENT: another writer replaced old first; look again. */
            int rc =
                old ? cds_lfht_replace(h, &it, hash, lfht::match<lf_ent>, k.data(), &e->node) : -1;
            urcu_memb_read_unlock();
            if (rc == 0) {
                urcu_memb_call_rcu(&caa_container_of(old, lf_ent, node)->rcu, lf_free_rcu);
                return;
            }
            if (old == nullptr)
                std::abort();
        }
    }
};

/* ---- ConcurrencyKit ck_hs + ck_epoch (in C: ck_map.c) ---- */

struct ck_map {
    ckm *m;
    static thread_local ckm_thread *t;
    const std::vector<std::string> &keys;
    explicit ck_map(const std::vector<std::string> &k = shared_keys())
        : m(ckm_create(k.size())), keys(k)
    {
        if (m == nullptr)
            std::abort();
        for (const auto &key : keys)
            ckm_load(m, key.data(), VALUE);
        ckm_share(m);
    }
    std::size_t size() const
    {
        return keys.size();
    }
    static std::string label()
    {
        return bench_alloc::malloc_label();
    }
    void thread_begin()
    {
        t = ckm_thread_begin(m);
    }
    void thread_end()
    {
        ckm_thread_end(t);
        t = nullptr;
    }
    std::uint64_t read(std::size_t i)
    {
        return ckm_read(m, t, keys[i].data());
    }
    void write(std::size_t i, std::uint64_t x)
    {
        char buf[VLEN];
        make_value(buf, x);
        ckm_write(m, t, keys[i].data(), buf);
    }
};

thread_local ckm_thread *ck_map::t = nullptr;

/* ---- the shared maps, built on first use and kept ---- */

vcow_map &the_vcow()
{
    static vcow_map m(false, 0);
    return m;
}

vcow_map &the_vcow_history()
{
    static vcow_map m(true, 1000);
    return m;
}

template <class Lock> locked_umap<Lock> &the_umap()
{
    static locked_umap<Lock> m;
    return m;
}

lfht_map &the_lfht()
{
    static lfht_map m;
    return m;
}

ck_map &the_ck()
{
    static ck_map m;
    return m;
}

/* The same maps with 1M keys, for readers_vs_writer_1M (built on first use;
 * the 100k-key ones above are not touched by it). */
vcow_map &big_vcow()
{
    static vcow_map m(false, 0, big_keys());
    return m;
}

locked_umap<shared_mutex_lock> &big_umap()
{
    static locked_umap<shared_mutex_lock> m(big_keys());
    return m;
}

lfht_map &big_lfht()
{
    static lfht_map m(big_keys());
    return m;
}

ck_map &big_ck()
{
    static ck_map m(big_keys());
    return m;
}

/* ---- the workloads ---- */

template <class Map> void bm_mixed(benchmark::State &state, Map &(*get)(), unsigned write_pct)
{
    Map &m = get(); /* thread-safe first build; all threads wait at the loop */
    m.thread_begin();
    state.SetLabel(Map::label());
    rng r{0x5eed0000ULL + (std::uint64_t)state.thread_index() * 0x10001ULL};
    std::uint64_t sum = 0, x = (std::uint64_t)state.thread_index() << 48;
    for (auto _ : state) {
        std::uint64_t d = r.next();
        std::size_t i = pick_key(d, m.size());
        if (pick_write(d, write_pct))
            m.write(i, ++x);
        else
            sum += m.read(i);
    }
    benchmark::DoNotOptimize(sum);
    m.thread_end();
    state.SetItemsProcessed((int64_t)state.iterations());
}

/*
 * Thread 0 writes and threads 1..N-1 read. All threads run the same
 * number of iterations; the writer, when its own are done, keeps writing
 * until every reader has finished, so each reader's whole loop runs
 * against a busy writer. Each thread times its own loop; the counters are
 * summed over threads, so reads/s is the readers' total throughput.
 */
std::atomic<int> readers_left{0};

template <class Map> void bm_readers_vs_writer(benchmark::State &state, Map &(*get)())
{
    using clock = std::chrono::steady_clock;
    Map &m = get();
    m.thread_begin();
    state.SetLabel(Map::label());
    const bool writer = state.thread_index() == 0;
    if (writer)
        readers_left.store(state.threads() - 1);
    rng r{0xabcd0000ULL + (std::uint64_t)state.thread_index() * 0x10001ULL};
    std::uint64_t sum = 0, ops = 0, x = 0;
    const int64_t n = (int64_t)state.max_iterations;
    int64_t it = 0;
    clock::time_point t0{}, t1{};
    for (auto _ : state) {
        if (it == 0)
            t0 = clock::now();
        std::size_t i = pick_key(r.next(), m.size());
        if (writer)
            m.write(i, ++x);
        else
            sum += m.read(i);
        ops++;
        if (++it == n) {
            if (writer) {
                while (readers_left.load(std::memory_order_acquire) > 0) {
                    m.write(pick_key(r.next(), m.size()), ++x);
                    ops++;
                }
            } else {
                readers_left.fetch_sub(1, std::memory_order_release);
            }
            t1 = clock::now();
        }
    }
    benchmark::DoNotOptimize(sum);
    m.thread_end();
    double secs = std::chrono::duration<double>(t1 - t0).count();
    double rate = secs > 0 ? (double)ops / secs : 0;
    state.counters[writer ? "writes/s" : "reads/s"] = rate;
}

/* ---- memory ---- */

void bm_memory_vcow(benchmark::State &state)
{
    state.SetLabel(bench_alloc::vcow_label());
    const std::vector<std::string> keys = make_keys(MEMORY_KEYS);
    for (auto _ : state) {
        trim_heaps();
        long r0 = rss_bytes();
        vcow_cell *c = vcow_open_loaded(keys, false, 0);
        vcow_gc_barrier();
        int64_t b = cell_bytes(c);
        state.counters["bytes_per_entry"] = (double)b / (double)keys.size();
        state.counters["rss_bytes_per_entry"] = (double)(rss_bytes() - r0) / (double)keys.size();
        vcow_cell_close(c);
        vcow_gc_barrier();
        vcow_mem_purge();
    }
}

std::atomic<int64_t> counted_bytes{0};

template <class T> struct counting_alloc {
    using value_type = T;
    counting_alloc() = default;
    template <class U> counting_alloc(const counting_alloc<U> &) {}
    T *allocate(std::size_t n)
    {
        counted_bytes += (int64_t)(n * sizeof(T));
        return std::allocator<T>().allocate(n);
    }
    void deallocate(T *p, std::size_t n)
    {
        counted_bytes -= (int64_t)(n * sizeof(T));
        std::allocator<T>().deallocate(p, n);
    }
    template <class U> bool operator==(const counting_alloc<U> &) const
    {
        return true;
    }
    template <class U> bool operator!=(const counting_alloc<U> &) const
    {
        return false;
    }
};

using counted_umap =
    std::unordered_map<std::string, std::string, std::hash<std::string>, std::equal_to<std::string>,
                       counting_alloc<std::pair<const std::string, std::string>>>;

/* Heap bytes of a string beyond its inline buffer (capacity + the NUL). */
std::size_t string_heap(const std::string &s)
{
    const char *p = s.data();
    const char *obj = reinterpret_cast<const char *>(&s);
    bool inline_buf = p >= obj && p < obj + sizeof(s);
    return inline_buf ? 0 : s.capacity() + 1;
}

void bm_memory_umap(benchmark::State &state)
{
    state.SetLabel(bench_alloc::malloc_label());
    const std::vector<std::string> keys = make_keys(MEMORY_KEYS);
    for (auto _ : state) {
        trim_heaps();
        long r0 = rss_bytes();
        int64_t c0 = counted_bytes.load();
        auto *m = new counted_umap;
        for (const auto &k : keys)
            (*m)[k] = std::string(VALUE, VLEN);
        std::size_t strings = 0;
        for (const auto &kv : *m)
            strings += string_heap(kv.first) + string_heap(kv.second);
        double n = (double)keys.size();
        state.counters["bytes_per_entry"] =
            (double)(counted_bytes.load() - c0 + (int64_t)strings) / n;
        state.counters["rss_bytes_per_entry"] = (double)(rss_bytes() - r0) / n;
        delete m;
    }
}

void bm_memory_lfht(benchmark::State &state)
{
    state.SetLabel(bench_alloc::malloc_label());
    const std::vector<std::string> keys = make_keys(MEMORY_KEYS);
    for (auto _ : state) {
        trim_heaps();
        long r0 = rss_bytes();
        cds_lfht *h = lf_load(keys);
        state.counters["rss_bytes_per_entry"] = (double)(rss_bytes() - r0) / (double)keys.size();
        lf_destroy(h);
    }
}

/* 1M keys, then 10^5 single-key commits with every version retained:
 * (bytes of the cell after - before) / commits, from vcow's counters. */
void bm_memory_history(benchmark::State &state)
{
    state.SetLabel(bench_alloc::vcow_label());
    const std::vector<std::string> keys = make_keys(MEMORY_KEYS);
    for (auto _ : state) {
        vcow_cell *c = vcow_open_loaded(keys, true, 0);
        vcow_gc_barrier();
        int64_t before = cell_bytes(c);
        rng r{7};
        char buf[VLEN];
        for (std::size_t i = 0; i < HISTORY_COMMITS; i++) {
            const std::string &k = keys[(std::size_t)(((r.next() >> 32) * keys.size()) >> 32)];
            make_value(buf, i);
            if (vcow_map_cell_setn(c, k.data(), k.size(), vcow_val_bytes(buf, VLEN), nullptr) !=
                VCOW_OK)
                std::abort();
        }
        vcow_gc_barrier();
        int64_t after = cell_bytes(c);
        state.counters["bytes_per_version"] = (double)(after - before) / (double)HISTORY_COMMITS;
        state.counters["MB_retained"] = (double)(after - before) / 1e6;
        vcow_cell_close(c);
        vcow_gc_barrier();
        vcow_mem_purge();
    }
}

/* ---- registration ---- */

int bench_threads()
{
    const char *env = std::getenv("VCOW_BENCH_THREADS");
    if (env != nullptr && *env != '\0') {
        char *end = nullptr;
        long n = std::strtol(env, &end, 10);
        if (*end == '\0' && n >= 1 && n <= 1024)
            return n < 2 ? 2 : (int)n;
    }
    unsigned hw = std::thread::hardware_concurrency();
    return hw >= 2 ? (int)hw : 2;
}

struct mix {
    const char *name;
    unsigned write_pct;
};
const mix MIXES[] = {{"read100", 0}, {"read99", 1}, {"read90", 10}, {"read50", 50}};

template <class Map>
void add_impl(const std::string &impl, Map &(*get)(), int threads, bool readers_vs_writer)
{
    for (const mix &x : MIXES) {
        unsigned pct = x.write_pct;
        auto *b = benchmark::RegisterBenchmark(
            ("mixed/" + std::string(x.name) + "/" + impl).c_str(),
            [get, pct](benchmark::State &s) { bm_mixed<Map>(s, get, pct); });
        b->Threads(1)->Threads(threads)->UseRealTime();
    }
    if (readers_vs_writer) {
        auto *b = benchmark::RegisterBenchmark(
            ("readers_vs_writer/" + impl).c_str(),
            [get](benchmark::State &s) { bm_readers_vs_writer<Map>(s, get); });
        b->Threads(threads)->UseRealTime();
    }
}

template <class Map> void add_rw_1m(const std::string &impl, Map &(*get)())
{
    auto *b = benchmark::RegisterBenchmark(
        ("readers_vs_writer_1M/" + impl).c_str(),
        [get](benchmark::State &s) { bm_readers_vs_writer<Map>(s, get); });
    b->Threads(2)->UseRealTime();
}

} // namespace

int main(int argc, char **argv)
{
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv))
        return 1;
    const int threads = bench_threads();
    benchmark::AddCustomContext("vcow_bench_threads", std::to_string(threads));
    benchmark::AddCustomContext("vcow_gc_backend", vcow_gc_backend());
    benchmark::AddCustomContext("vcow_bench_mixed_keys", std::to_string(SHARED_KEYS));
    benchmark::AddCustomContext("vcow_bench_mixed_big_keys", std::to_string(BIG_KEYS));
    bench_alloc::add_context();

    /* Memory first, on a fresh heap. */
    benchmark::RegisterBenchmark("memory/vcow_hamt", bm_memory_vcow)->Iterations(1);
    benchmark::RegisterBenchmark("memory/unordered_map", bm_memory_umap)->Iterations(1);
    benchmark::RegisterBenchmark("memory/cds_lfht", bm_memory_lfht)->Iterations(1);
    benchmark::RegisterBenchmark("memory/vcow_hamt_history_all", bm_memory_history)->Iterations(1);

    add_impl("vcow_hamt", the_vcow, threads, true);
    add_impl("vcow_hamt_history:last1000", the_vcow_history, threads, true);
    add_impl("umap_shared_mutex", the_umap<shared_mutex_lock>, threads, true);
    add_impl("umap_rwlock", the_umap<rwlock_lock>, threads, true);
    add_impl("umap_mutex", the_umap<mutex_lock>, threads, true);
    add_impl("cds_lfht", the_lfht, threads, true);
    add_impl("ck_hs", the_ck, threads, true);

    /* One writer and one reader on 1M keys (two threads whatever
     * VCOW_BENCH_THREADS says): the map no longer fits the caches. */
    add_rw_1m("vcow_hamt", big_vcow);
    add_rw_1m("umap_shared_mutex", big_umap);
    add_rw_1m("cds_lfht", big_lfht);
    add_rw_1m("ck_hs", big_ck);

    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
