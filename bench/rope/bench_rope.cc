/*
 * bench/rope/bench_rope.cc - the rope against a flat buffer.
 *
 *   trace_onetxn/<trace>/vcow       every patch of a real editing trace in
 *                                   one txn (positions in code points), then
 *                                   commit
 *   trace_onetxn/<trace>/flat       the same on a std::string (code point
 *                                   positions converted by a scan, skipped
 *                                   while the text is ASCII)
 *   trace_history/<trace>/vcow      one commit per trace transaction, every
 *                                   version kept (history on); counters:
 *                                   rope_MB, the node bytes all versions hold
 *   insert_middle/<MB>/vcow         10 bytes into the middle of an MB-sized
 *                                   text, one commit each (the old version
 *                                   is reclaimed)
 *   insert_middle/<MB>/flat         the same into a std::string
 *
 * Traces come from $VCOW_TRACES (default ../shared/traces); without them
 * the trace benchmarks report an error and are skipped. Edits per second
 * are items_per_second.
 */
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include <benchmark/benchmark.h>

#include <vcow/gc.h>
#include <vcow/rope.h>

#include "tests/rope/trace.h"

namespace
{

const trace *get_trace(const char *name)
{
    static trace automerge, svelte;
    static int loaded_a = 1, loaded_s = 1;
    bool is_a = std::strcmp(name, "automerge-paper") == 0;
    trace *t = is_a ? &automerge : &svelte;
    int &loaded = is_a ? loaded_a : loaded_s;
    if (loaded == 1)
        loaded = trace_load(name, t);
    return loaded == 0 ? t : nullptr;
}

void apply(vcow_txn *t, const trace_patch &p)
{
    if (p.del > 0 && vcow_rope_delete(t, VCOW_ROPE_CHARS, p.pos, p.del) != VCOW_OK)
        std::abort();
    if (p.ins_len > 0 && vcow_rope_insert(t, VCOW_ROPE_CHARS, p.pos, p.ins, p.ins_len) != VCOW_OK)
        std::abort();
}

void trace_onetxn_vcow(benchmark::State &state, const char *name)
{
    const trace *tr = get_trace(name);
    if (tr == nullptr) {
        state.SkipWithError("trace not found (set VCOW_TRACES)");
        return;
    }
    for (auto _ : state) {
        state.PauseTiming();
        vcow_cell *c;
        vcow_txn *t;
        vcow_cell_open(VCOW_KIND_ROPE, nullptr, &c);
        vcow_txn_begin(c, &t);
        state.ResumeTiming();
        vcow_rope_insert(t, VCOW_ROPE_BYTES, 0, tr->start, tr->start_len);
        for (size_t i = 0; i < tr->n_patches; i++)
            apply(t, tr->patches[i]);
        if (vcow_txn_commit(t) != VCOW_OK)
            std::abort();
        state.PauseTiming();
        vcow_txn_free(t);
        vcow_cell_close(c);
        vcow_gc_barrier();
        state.ResumeTiming();
    }
    state.SetItemsProcessed((int64_t)state.iterations() * (int64_t)tr->n_patches);
}

/* Byte offset of code point k in s (scan; s.size() when k is the end). */
size_t cp_offset(const std::string &s, uint64_t k, size_t non_ascii)
{
    if (non_ascii == 0)
        return (size_t)k;
    size_t i = 0;
    for (; i < s.size() && k > 0; k--) {
        unsigned char c = (unsigned char)s[i];
        i += c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    }
    return i;
}

size_t count_non_ascii(const char *p, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += (unsigned char)p[i] >= 0x80;
    return k;
}

void trace_onetxn_flat(benchmark::State &state, const char *name)
{
    const trace *tr = get_trace(name);
    if (tr == nullptr) {
        state.SkipWithError("trace not found (set VCOW_TRACES)");
        return;
    }
    for (auto _ : state) {
        std::string s(tr->start, tr->start_len);
        size_t non_ascii = count_non_ascii(s.data(), s.size());
        for (size_t i = 0; i < tr->n_patches; i++) {
            const trace_patch &p = tr->patches[i];
            size_t at = cp_offset(s, p.pos, non_ascii);
            if (p.del > 0) {
                size_t end = cp_offset(s, p.pos + p.del, non_ascii);
                non_ascii -= count_non_ascii(s.data() + at, end - at);
                s.erase(at, end - at);
            }
            if (p.ins_len > 0) {
                s.insert(at, p.ins, p.ins_len);
                non_ascii += count_non_ascii(p.ins, p.ins_len);
            }
        }
        if (s.size() != tr->end_len)
            std::abort();
        benchmark::DoNotOptimize(s.data());
    }
    state.SetItemsProcessed((int64_t)state.iterations() * (int64_t)tr->n_patches);
}

void trace_history_vcow(benchmark::State &state, const char *name)
{
    const trace *tr = get_trace(name);
    if (tr == nullptr) {
        state.SkipWithError("trace not found (set VCOW_TRACES)");
        return;
    }
    double mb = 0;
    for (auto _ : state) {
        state.PauseTiming();
        vcow_cell *c;
        vcow_txn *t;
        vcow_cell_opts o{};
        o.size = sizeof(o);
        o.history = true;
        vcow_cell_open(VCOW_KIND_ROPE, &o, &c);
        state.ResumeTiming();
        vcow_txn_begin(c, &t);
        vcow_rope_insert(t, VCOW_ROPE_BYTES, 0, tr->start, tr->start_len);
        vcow_txn_commit(t);
        vcow_txn_free(t);
        for (size_t i = 0; i < tr->n_txns; i++) {
            vcow_txn_begin(c, &t);
            for (size_t k = 0; k < tr->txns[i].n; k++)
                apply(t, tr->patches[tr->txns[i].first + k]);
            if (vcow_txn_commit(t) != VCOW_OK)
                std::abort();
            vcow_txn_free(t);
        }
        state.PauseTiming();
        vcow_cell_stats st;
        vcow_cell_get_stats(c, &st);
        mb = (double)(st.bytes[VCOW_KIND_ROPE] + st.bytes[VCOW_KIND_META]) / 1e6;
        vcow_cell_close(c);
        vcow_gc_barrier();
        state.ResumeTiming();
    }
    state.counters["MB_all_versions"] = mb;
    state.SetItemsProcessed((int64_t)state.iterations() * (int64_t)tr->n_patches);
}

std::string big_text(size_t mb)
{
    std::string s(mb << 20, 'x');
    uint64_t r = 88172645463325252ull;
    for (auto &ch : s) {
        r ^= r << 13;
        r ^= r >> 7;
        r ^= r << 17;
        ch = (r % 64 == 0) ? '\n' : (char)('a' + r % 26);
    }
    return s;
}

void insert_middle_vcow(benchmark::State &state)
{
    size_t mb = (size_t)state.range(0);
    std::string text = big_text(mb);
    vcow_cell *c;
    vcow_txn *t;
    vcow_cell_open(VCOW_KIND_ROPE, nullptr, &c);
    vcow_txn_begin(c, &t);
    vcow_rope_insert(t, VCOW_ROPE_BYTES, 0, text.data(), text.size());
    vcow_txn_commit(t);
    vcow_txn_free(t);
    uint64_t len = text.size(), k = 0;
    for (auto _ : state) {
        uint64_t pos = len / 2 + (k++ % 1000) * 7;
        if (vcow_rope_cell_insert(c, VCOW_ROPE_BYTES, pos, "0123456789", 10, nullptr) != VCOW_OK)
            std::abort();
        len += 10;
    }
    vcow_cell_close(c);
    vcow_gc_barrier();
    state.SetItemsProcessed((int64_t)state.iterations());
}

void insert_middle_flat(benchmark::State &state)
{
    std::string s = big_text((size_t)state.range(0));
    s.reserve(s.size() + (64u << 20)); /* time the memmove, not a reallocation */
    benchmark::DoNotOptimize(s.data());
    uint64_t k = 0;
    for (auto _ : state) {
        s.insert(s.size() / 2 + (k++ % 1000) * 7, "0123456789", 10);
        benchmark::DoNotOptimize(s.data());
    }
    state.SetItemsProcessed((int64_t)state.iterations());
}

} // namespace

BENCHMARK_CAPTURE(trace_onetxn_vcow, automerge_paper, "automerge-paper")
    ->Name("trace_onetxn/automerge-paper/vcow")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(trace_onetxn_flat, automerge_paper, "automerge-paper")
    ->Name("trace_onetxn/automerge-paper/flat")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(trace_history_vcow, automerge_paper, "automerge-paper")
    ->Name("trace_history/automerge-paper/vcow")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(trace_onetxn_vcow, sveltecomponent, "sveltecomponent")
    ->Name("trace_onetxn/sveltecomponent/vcow")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(trace_onetxn_flat, sveltecomponent, "sveltecomponent")
    ->Name("trace_onetxn/sveltecomponent/flat")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(insert_middle_vcow)->Name("insert_middle/vcow")->Arg(1)->Arg(64)->UseRealTime();
BENCHMARK(insert_middle_flat)->Name("insert_middle/flat")->Arg(1)->Arg(64)->UseRealTime();

BENCHMARK_MAIN();
