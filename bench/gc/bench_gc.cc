/*
 * bench/gc/bench_gc.cc - the cost of one read section, against locks.
 *
 * Built once per reclamation backend (bench_gc_urcu_memb, ...): each backend
 * is a static library exporting the same vcow_ symbols, so one process holds
 * one backend. Every executable also measures the baselines in the same run,
 * so a backend is always compared with locks timed on the same machine, at
 * the same moment:
 *
 *   read_section/vcow:<backend>        vcow_read_lock / vcow_read_unlock
 *   read_section/vcow:urcu-qsbr-manual the same after
 *                                      vcow_thread_manual_quiescence(), with
 *                                      vcow_quiescent_state() every
 *                                      QS_PERIOD sections (urcu-qsbr only)
 *   read_section/pthread_rwlock        pthread_rwlock_rdlock / unlock
 *   read_section/shared_mutex          std::shared_mutex::lock_shared / unlock
 *   read_section/mutex                 pthread_mutex_lock / unlock
 *   read_section/none                  no protection: the floor
 *
 * Every section does the same tiny read a vcow reader does: an acquire load
 * of a published pointer and a read through it, so no section is empty and
 * no compiler can fold it away. All threads share one lock and one pointer
 * (the contended case a cell's readers are in).
 *
 * Each competitor runs with 1 thread and with N threads, N from the
 * environment variable VCOW_BENCH_THREADS (default: the number of online
 * CPUs). Times are wall-clock (UseRealTime). Google Benchmark divides the
 * wall time by the iterations of all threads together, so with N threads
 * the reported time is the inverse of the total throughput;
 * items_per_second is that throughput.
 */
#include <pthread.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <shared_mutex>
#include <string>
#include <thread>

#include <benchmark/benchmark.h>

#include <vcow/gc.h>

namespace
{

/* The manual qsbr reader announces a quiescent state this often, as an event
 * loop would once per turn; its cost is spread over the sections. */
constexpr std::uint64_t QS_PERIOD = 1024;

struct payload {
    std::uint64_t value;
};

payload the_payload{42};
std::atomic<const payload *> published{&the_payload};

pthread_rwlock_t rwlock = PTHREAD_RWLOCK_INITIALIZER;
pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
std::shared_mutex shared_mtx;

/* acquire: pairs with the release a writer would publish the payload with;
 * the same load a vcow reader makes of a cell's head. */
inline std::uint64_t tiny_read()
{
    const payload *p = published.load(std::memory_order_acquire);
    return p->value;
}

template <class Enter, class Leave>
void run_sections(benchmark::State &state, Enter enter, Leave leave)
{
    for (auto _ : state) {
        enter();
        std::uint64_t v = tiny_read();
        leave();
        benchmark::DoNotOptimize(v);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

void bm_vcow(benchmark::State &state)
{
    /* Untimed: the first read section registers the thread (Google
     * Benchmark starts fresh threads for every batch of iterations). */
    vcow_read_lock();
    vcow_read_unlock();
    run_sections(state, vcow_read_lock, vcow_read_unlock);
}

/*
 * urcu-qsbr with manual quiescent states: read sections cost no barrier.
 * A thread cannot leave manual mode, and Google Benchmark runs thread 0 of
 * every benchmark on the main thread, so this one is registered last: any
 * benchmark run after it on the main thread would measure manual mode
 * (so --benchmark_enable_random_interleaving would skew the urcu-qsbr row).
 */
void bm_vcow_qsbr_manual(benchmark::State &state)
{
    if (vcow_thread_manual_quiescence() != 0) {
        state.SkipWithError("vcow_thread_manual_quiescence failed");
        return;
    }
    /* Online again if a previous batch on this thread went offline. */
    vcow_thread_online();
    std::uint64_t n = 0;
    for (auto _ : state) {
        vcow_read_lock();
        std::uint64_t v = tiny_read();
        vcow_read_unlock();
        benchmark::DoNotOptimize(v);
        if (++n % QS_PERIOD == 0)
            vcow_quiescent_state();
    }
    /* The thread may exit (or run the next batch) after this: let grace
     * periods go on without it meanwhile. */
    vcow_thread_offline();
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

void bm_rwlock(benchmark::State &state)
{
    run_sections(
        state, [] { pthread_rwlock_rdlock(&rwlock); }, [] { pthread_rwlock_unlock(&rwlock); });
}

void bm_shared_mutex(benchmark::State &state)
{
    run_sections(
        state, [] { shared_mtx.lock_shared(); }, [] { shared_mtx.unlock_shared(); });
}

void bm_mutex(benchmark::State &state)
{
    run_sections(
        state, [] { pthread_mutex_lock(&mutex); }, [] { pthread_mutex_unlock(&mutex); });
}

void bm_none(benchmark::State &state)
{
    run_sections(
        state, [] {}, [] {});
}

int bench_threads()
{
    const char *env = std::getenv("VCOW_BENCH_THREADS");
    if (env != nullptr && *env != '\0') {
        char *end = nullptr;
        long n = std::strtol(env, &end, 10);
        if (*end == '\0' && n >= 1 && n <= 1024)
            return static_cast<int>(n);
    }
    unsigned hw = std::thread::hardware_concurrency();
    return hw >= 1 ? static_cast<int>(hw) : 2;
}

void add(const std::string &name, void (*fn)(benchmark::State &), int threads)
{
    benchmark::internal::Benchmark *b = benchmark::RegisterBenchmark(name.c_str(), fn);
    b->Threads(1);
    if (threads > 1)
        b->Threads(threads);
    b->UseRealTime();
}

} // namespace

int main(int argc, char **argv)
{
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv))
        return 1;

    const std::string backend = vcow_gc_backend();
    const int threads = bench_threads();
    benchmark::AddCustomContext("vcow_gc_backend", backend);
    benchmark::AddCustomContext("vcow_bench_threads", std::to_string(threads));

    add("read_section/vcow:" + backend, bm_vcow, threads);
    add("read_section/pthread_rwlock", bm_rwlock, threads);
    add("read_section/shared_mutex", bm_shared_mutex, threads);
    add("read_section/mutex", bm_mutex, threads);
    add("read_section/none", bm_none, threads);
    if (backend == "urcu-qsbr") /* last: see bm_vcow_qsbr_manual */
        add("read_section/vcow:urcu-qsbr-manual", bm_vcow_qsbr_manual, threads);

    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
