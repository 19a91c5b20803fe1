/*
 * bench/cell/bench_cell.cc - the cost of a commit, and what vcow adds to a
 * bare pointer swap.
 *
 *   commit/vcow_txn/history:<h>     begin, set a box to an integer, commit,
 *                                   free the txn (old version reclaimed
 *                                   after a grace period; h = none or all)
 *   commit/vcow_update/history:<h>  vcow_box_cell_add: the same through the
 *                                   retry loop (a counter increment)
 *   floor/exchange                  allocate a 32-byte node, atomic exchange
 *                                   of a shared pointer, free the old node
 *                                   at once (unsafe for readers: the floor)
 *   floor/exchange+defer            the same, the old node freed after a
 *                                   grace period (vcow's gc layer): the
 *                                   cheapest safe publication
 *   watch/wake_latency              a thread sleeps in vcow_cell_wait,
 *                                   another commits; counters: the median
 *                                   and p99 time from just before the
 *                                   commit call to the waiter's return
 *                                   (CLOCK_MONOTONIC stamps; includes the
 *                                   commit's own work up to its wake)
 *
 *   rebase/map_disjoint/rebase:<r>  N writers on one map cell of 4096 keys,
 *                                   each incrementing keys of its own (read
 *                                   through the txn's view, write back)
 *                                   through vcow_cell_update; r = 1 sets
 *                                   vcow_txn_set_rebase, so a lost CAS
 *                                   moves the txn onto the new head; r = 0:
 *                                   a lost CAS is a conflict and fn runs
 *                                   again (counters: conflicts/commit, and
 *                                   rebased/commit, reruns/commit: lost
 *                                   CASes rebased / redone)
 *
 *   pin/vcow_pin_head               pin the head, read the box, unpin
 *   pin/vcow_txn_readonly           begin a txn, read its base, abort and
 *                                   free it
 *   pin/vcow_read_section           read lock, load the head, read, unlock
 *                                   (no pin: the floor of a read)
 *   pin/pthread_rwlock              rdlock, read a shared integer, unlock
 *                                   (the reader-writer lock baseline)
 *   (the pin benchmarks run with no writer: with N threads they show
 *   whether readers share a written cache line, as a count in the version
 *   would make them)
 *
 * vcow's own bookkeeping (version object, CAS, retire list, version-ordered
 * reclamation) is the commit time minus floor/exchange+defer.
 * Each runs with 1 thread and with N threads (N = VCOW_BENCH_THREADS,
 * default the online CPUs), all on ONE cell / pointer: N writers contend.
 * Times are wall-clock per commit of all threads together, so with N
 * threads the time is the inverse of the total commit rate.
 */
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <pthread.h>
#include <thread>
#include <vector>

#include <benchmark/benchmark.h>

#include "gc/gc_int.h"
#include <vcow/vcow.h>

namespace
{

vcow_cell *g_cell;

int threads_n()
{
    const char *e = std::getenv("VCOW_BENCH_THREADS");
    int n = e != nullptr ? std::atoi(e) : static_cast<int>(std::thread::hardware_concurrency());
    return n > 1 ? n : 2;
}

void open_cell(benchmark::State &state, bool history)
{
    if (state.thread_index() != 0)
        return;
    vcow_cell_opts o{};
    o.size = sizeof(o);
    o.history = history;
    if (vcow_cell_open(VCOW_KIND_BOX, &o, &g_cell) != VCOW_OK)
        state.SkipWithError("vcow_cell_open failed");
}

void close_cell(benchmark::State &state)
{
    if (state.thread_index() != 0)
        return;
    vcow_cell_stats s{};
    vcow_cell_get_stats(g_cell, &s);
    state.counters["conflicts/commit"] =
        s.commits != 0 ? static_cast<double>(s.conflicts) / static_cast<double>(s.commits) : 0;
    /* vcow's own bytes (version objects with their retire lists) per live
     * version: with history:all every version is live, so this is what a
     * kept version costs. */
    state.counters["meta_bytes/version"] =
        s.live_versions != 0
            ? static_cast<double>(s.bytes[VCOW_MEM_META]) / static_cast<double>(s.live_versions)
            : 0;
    vcow_cell_close(g_cell);
    vcow_gc_barrier();
}

void commit_txn(benchmark::State &state, bool history)
{
    open_cell(state, history);
    std::int64_t i = 0;
    for (auto _ : state) {
        for (;;) {
            vcow_txn *t;
            vcow_txn_begin(g_cell, &t);
            vcow_box_set(t, vcow_val_i64(++i));
            int rc = vcow_txn_commit(t);
            vcow_txn_free(t);
            if (rc == VCOW_OK)
                break;
        }
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
    close_cell(state);
}

void commit_update(benchmark::State &state, bool history)
{
    open_cell(state, history);
    for (auto _ : state) {
        std::int64_t r;
        vcow_box_cell_add(g_cell, 1, &r, nullptr);
        benchmark::DoNotOptimize(r);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
    close_cell(state);
}

void open_pin_cell(benchmark::State &state)
{
    if (state.thread_index() != 0)
        return;
    open_cell(state, false);
    vcow_box_cell_set(g_cell, vcow_val_i64(7), nullptr);
}

void pin_head(benchmark::State &state)
{
    open_pin_cell(state);
    for (auto _ : state) {
        vcow_version *v;
        vcow_cell_pin_head(g_cell, &v);
        vcow_val x;
        vcow_box_get(v, &x);
        benchmark::DoNotOptimize(x.u.i64);
        vcow_version_unpin(v);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
    close_cell(state);
}

void txn_readonly(benchmark::State &state)
{
    open_pin_cell(state);
    for (auto _ : state) {
        vcow_txn *t;
        vcow_txn_begin(g_cell, &t);
        vcow_val x;
        vcow_box_get(vcow_txn_base(t), &x);
        benchmark::DoNotOptimize(x.u.i64);
        vcow_txn_abort(t);
        vcow_txn_free(t);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
    close_cell(state);
}

void read_section(benchmark::State &state)
{
    open_pin_cell(state);
    for (auto _ : state) {
        vcow_read_lock();
        vcow_val x;
        vcow_box_get(vcow_cell_head(g_cell), &x);
        benchmark::DoNotOptimize(x.u.i64);
        vcow_read_unlock();
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
    close_cell(state);
}

pthread_rwlock_t g_rw = PTHREAD_RWLOCK_INITIALIZER;
std::int64_t g_rw_value = 7;

void rwlock_read(benchmark::State &state)
{
    for (auto _ : state) {
        pthread_rwlock_rdlock(&g_rw);
        benchmark::DoNotOptimize(g_rw_value);
        pthread_rwlock_unlock(&g_rw);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

struct node {
    vcow_gc_head head;
    std::int64_t value;
};
std::atomic<node *> g_ptr{nullptr};

void free_node(vcow_gc_head *h)
{
    std::free(reinterpret_cast<node *>(h));
}

template <bool Defer> void floor_exchange(benchmark::State &state)
{
    std::int64_t i = 0;
    for (auto _ : state) {
        node *n = static_cast<node *>(std::malloc(sizeof(node)));
        n->value = ++i;
        /* acq_rel: publish n; own the old node's contents before freeing. */
        node *old = g_ptr.exchange(n, std::memory_order_acq_rel);
        if (old != nullptr) {
            if (Defer)
                vcow_gc_defer(&old->head, free_node);
            else
                std::free(old);
        }
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
    if (state.thread_index() == 0) {
        vcow_gc_barrier();
        std::free(g_ptr.exchange(nullptr));
    }
}

std::int64_t mono_ns()
{
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

/*
 * One waiter thread sleeps in vcow_cell_wait for the next seq; the
 * benchmark thread gives it time to fall asleep (a 20 us spin, not
 * timed apart from the round), stamps, commits, and spins until the waiter
 * has recorded the wake-up. Each round is one futex sleep and one wake.
 */
void watch_wake_latency(benchmark::State &state)
{
    open_cell(state, false);
    std::atomic<std::int64_t> stamp{0};
    std::atomic<std::uint64_t> woke{0};
    std::atomic<bool> stop{false};
    std::vector<std::int64_t> lat;
    lat.reserve(1 << 20);
    std::thread waiter([&] {
        std::uint64_t seen = 0;
        while (!stop.load(std::memory_order_acquire)) {
            std::uint64_t h;
            if (vcow_cell_wait(g_cell, seen, 1000000000, &h) != VCOW_OK)
                continue;
            std::int64_t now = mono_ns();
            if (stop.load(std::memory_order_acquire))
                break;
            /* acquire: the stamp of the commit we saw (stored before it). */
            lat.push_back(now - stamp.load(std::memory_order_acquire));
            seen = h;
            woke.store(h, std::memory_order_release);
        }
    });
    std::uint64_t seq = 0;
    for (auto _ : state) {
        for (std::int64_t t = mono_ns(); mono_ns() - t < 20000;) {
        }
        stamp.store(mono_ns(), std::memory_order_release);
        vcow_box_cell_set(g_cell, vcow_val_i64(static_cast<std::int64_t>(seq + 1)), &seq);
        while (woke.load(std::memory_order_acquire) < seq)
            std::this_thread::yield();
    }
    stop.store(true, std::memory_order_release);
    vcow_box_cell_set(g_cell, vcow_val_i64(0), nullptr); /* wake it to stop */
    waiter.join();
    if (!lat.empty()) {
        std::sort(lat.begin(), lat.end());
        state.counters["wake_median_ns"] = static_cast<double>(lat[lat.size() / 2]);
        state.counters["wake_p99_ns"] = static_cast<double>(lat[lat.size() * 99 / 100]);
        state.counters["wakes"] = static_cast<double>(lat.size());
    }
    close_cell(state);
}

constexpr int kMapKeys = 4096;

struct disjoint_ctx {
    int id, threads;
    std::int64_t i;
    bool rebase;
    std::uint64_t base; /* the last try's base */
    std::int64_t tries; /* runs of fn */
    std::int64_t moved; /* commits not at base + 1: rebased */
};

int disjoint_fn(vcow_txn *t, void *arg)
{
    auto *d = static_cast<disjoint_ctx *>(arg);
    if (d->rebase) {
        int rc = vcow_txn_set_rebase(t, true);
        if (rc != VCOW_OK)
            return rc;
    }
    d->tries++;
    d->base = vcow_version_seq(vcow_txn_base(t));
    char key[16];
    /* Thread id's keys are those = id mod threads: never another's. */
    int k = static_cast<int>((d->i * d->threads + d->id) % kMapKeys);
    std::snprintf(key, sizeof(key), "k%d", k);
    vcow_val v;
    int rc = vcow_map_get(vcow_txn_view(t), key, &v);
    if (rc != VCOW_OK)
        return rc;
    return vcow_map_set(t, key, vcow_val_i64(v.u.i64 + 1));
}

void map_disjoint(benchmark::State &state, bool rebase)
{
    if (state.thread_index() == 0) {
        vcow_cell_opts o{};
        o.size = sizeof(o);
        if (vcow_cell_open(VCOW_KIND_MAP, &o, &g_cell) != VCOW_OK) {
            state.SkipWithError("vcow_cell_open failed");
            return;
        }
        vcow_txn *t;
        vcow_txn_begin(g_cell, &t);
        for (int k = 0; k < kMapKeys; k++) {
            char key[16];
            std::snprintf(key, sizeof(key), "k%d", k);
            vcow_map_set(t, key, vcow_val_i64(0));
        }
        vcow_txn_commit(t);
        vcow_txn_free(t);
    }
    disjoint_ctx d{state.thread_index(), state.threads(), 0, rebase, 0, 0, 0};
    for (auto _ : state) {
        std::uint64_t seq;
        if (vcow_cell_update(g_cell, disjoint_fn, &d, &seq) != VCOW_OK) {
            state.SkipWithError("update failed");
            break;
        }
        d.moved += seq != d.base + 1;
        d.i++;
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
    /* Summed over the threads, per commit of all: lost CASes that were
     * rebased, and runs of fn beyond one per commit (conflicts redone). */
    state.counters["rebased/commit"] =
        benchmark::Counter(static_cast<double>(d.moved), benchmark::Counter::kAvgIterations);
    state.counters["reruns/commit"] = benchmark::Counter(
        static_cast<double>(d.tries - static_cast<std::int64_t>(state.iterations())),
        benchmark::Counter::kAvgIterations);
    close_cell(state);
}

void register_all()
{
    benchmark::RegisterBenchmark("watch/wake_latency", watch_wake_latency)->UseRealTime();
    int n = threads_n();
    for (int th : {1, n}) {
        benchmark::RegisterBenchmark("commit/vcow_txn/history:none",
                                     [](benchmark::State &s) { commit_txn(s, false); })
            ->Threads(th)
            ->UseRealTime();
        benchmark::RegisterBenchmark("commit/vcow_txn/history:all",
                                     [](benchmark::State &s) { commit_txn(s, true); })
            ->Threads(th)
            ->UseRealTime();
        benchmark::RegisterBenchmark("commit/vcow_update/history:none",
                                     [](benchmark::State &s) { commit_update(s, false); })
            ->Threads(th)
            ->UseRealTime();
        benchmark::RegisterBenchmark("floor/exchange", floor_exchange<false>)
            ->Threads(th)
            ->UseRealTime();
        benchmark::RegisterBenchmark("floor/exchange+defer", floor_exchange<true>)
            ->Threads(th)
            ->UseRealTime();
        benchmark::RegisterBenchmark("rebase/map_disjoint/rebase:0",
                                     [](benchmark::State &s) { map_disjoint(s, false); })
            ->Threads(th)
            ->UseRealTime();
        benchmark::RegisterBenchmark("rebase/map_disjoint/rebase:1",
                                     [](benchmark::State &s) { map_disjoint(s, true); })
            ->Threads(th)
            ->UseRealTime();
        benchmark::RegisterBenchmark("pin/vcow_pin_head", pin_head)->Threads(th)->UseRealTime();
        benchmark::RegisterBenchmark("pin/vcow_txn_readonly", txn_readonly)
            ->Threads(th)
            ->UseRealTime();
        benchmark::RegisterBenchmark("pin/vcow_read_section", read_section)
            ->Threads(th)
            ->UseRealTime();
        benchmark::RegisterBenchmark("pin/pthread_rwlock", rwlock_read)->Threads(th)->UseRealTime();
    }
}

} // namespace

int main(int argc, char **argv)
{
    benchmark::Initialize(&argc, argv);
    register_all();
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
