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
 *                                   version kept (history on; small edits
 *                                   are delta nodes); counters:
 *                                   MB_all_versions, the rope node and
 *                                   version bytes all versions hold, and
 *                                   rope_MB, the rope node bytes alone
 *   trace_history/<trace>/vcow_nodelta  the same with rope_no_deltas: every
 *                                   edit copies its chunk and path
 *   trace_history/<trace>/commits_only  the same commits with no edit in
 *                                   them: what the runtime's txns and
 *                                   versions cost alone (the floor under
 *                                   the two above)
 *   read_head/<op>/<k>              a read at a random position of a 1 MB
 *                                   text whose head is a chain of k delta
 *                                   nodes (0: a plain tree, made by the
 *                                   same edits with rope_no_deltas): op is
 *                                   convert (code point to byte), copy64
 *                                   (64 code points) or line_of
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

/* mode: 0 deltas, 1 rope_no_deltas, 2 commits without edits */
void trace_history(benchmark::State &state, const char *name, int mode)
{
    const trace *tr = get_trace(name);
    if (tr == nullptr) {
        state.SkipWithError("trace not found (set VCOW_TRACES)");
        return;
    }
    double mb = 0, rope_mb = 0;
    for (auto _ : state) {
        state.PauseTiming();
        vcow_cell *c;
        vcow_txn *t;
        vcow_cell_opts o{};
        o.size = sizeof(o);
        o.history = true;
        o.rope_no_deltas = mode == 1;
        vcow_cell_open(VCOW_KIND_ROPE, &o, &c);
        state.ResumeTiming();
        vcow_txn_begin(c, &t);
        vcow_rope_insert(t, VCOW_ROPE_BYTES, 0, tr->start, tr->start_len);
        vcow_txn_commit(t);
        vcow_txn_free(t);
        for (size_t i = 0; i < tr->n_txns; i++) {
            vcow_txn_begin(c, &t);
            for (size_t k = 0; k < tr->txns[i].n && mode != 2; k++)
                apply(t, tr->patches[tr->txns[i].first + k]);
            if (vcow_txn_commit(t) != VCOW_OK)
                std::abort();
            vcow_txn_free(t);
        }
        state.PauseTiming();
        vcow_cell_stats st;
        vcow_cell_get_stats(c, &st);
        mb = (double)(st.bytes[VCOW_MEM_ROPE] + st.bytes[VCOW_MEM_META]) / 1e6;
        rope_mb = (double)st.bytes[VCOW_MEM_ROPE] / 1e6;
        vcow_cell_close(c);
        vcow_gc_barrier();
        state.ResumeTiming();
    }
    state.counters["MB_all_versions"] = mb;
    state.counters["rope_MB"] = rope_mb;
    state.SetItemsProcessed((int64_t)state.iterations() * (int64_t)tr->n_patches);
}

void trace_history_vcow(benchmark::State &state, const char *name)
{
    trace_history(state, name, 0);
}

void trace_history_nodelta(benchmark::State &state, const char *name)
{
    trace_history(state, name, 1);
}

void trace_history_commits(benchmark::State &state, const char *name)
{
    trace_history(state, name, 2);
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

/*
 * Reads on a head that is a plain tree or a delta chain: a 1 MB text
 * (a line break every 64 bytes on average), then chain 1-character inserts at random positions,
 * one commit each, with history on; range(0) = chain length (0: plain, made
 * with rope_no_deltas so the same edits copy paths instead).
 */
struct read_head_fixture {
    vcow_cell *c = nullptr;
    uint64_t chars = 0;
};

read_head_fixture make_head(int chain)
{
    read_head_fixture f;
    vcow_cell_opts o{};
    o.size = sizeof(o);
    o.history = true;
    o.rope_no_deltas = chain == 0;
    vcow_cell_open(VCOW_KIND_ROPE, &o, &f.c);
    std::string text = big_text(1);
    vcow_txn *t;
    vcow_txn_begin(f.c, &t);
    vcow_rope_insert(t, VCOW_ROPE_BYTES, 0, text.data(), text.size());
    vcow_txn_commit(t);
    vcow_txn_free(t);
    uint64_t r = 12345, len = text.size();
    for (int i = 0; i < (chain == 0 ? 31 : chain); i++) {
        r = r * 6364136223846793005ull + 1442695040888963407ull;
        if (vcow_rope_cell_insert(f.c, VCOW_ROPE_BYTES, (r >> 20) % len, "\xC3\xA9", 2, nullptr) !=
            VCOW_OK)
            std::abort();
        len += 2;
    }
    vcow_read_lock();
    vcow_rope_metrics m;
    vcow_rope_len(vcow_cell_head(f.c), &m);
    vcow_read_unlock();
    f.chars = m.chars;
    return f;
}

void read_head(benchmark::State &state, int op)
{
    read_head_fixture f = make_head((int)state.range(0));
    uint64_t r = 99, sink = 0;
    char buf[64 * 4];
    vcow_read_lock();
    const vcow_version *v = vcow_cell_head(f.c);
    for (auto _ : state) {
        r = r * 6364136223846793005ull + 1442695040888963407ull;
        uint64_t pos = (r >> 20) % (f.chars - 64), out = 0, line = 0, col = 0;
        size_t n = 0;
        if (op == 0)
            vcow_rope_convert(v, VCOW_ROPE_CHARS, pos, VCOW_ROPE_BYTES, &out);
        else if (op == 1)
            vcow_rope_copy(v, VCOW_ROPE_CHARS, pos, pos + 64, buf, &n);
        else
            vcow_rope_line_of(v, VCOW_ROPE_CHARS, pos, &line, &col);
        sink += out + n + line + col;
    }
    vcow_read_unlock();
    benchmark::DoNotOptimize(sink);
    vcow_cell_close(f.c);
    vcow_gc_barrier();
}

void read_convert(benchmark::State &state)
{
    read_head(state, 0);
}

void read_copy64(benchmark::State &state)
{
    read_head(state, 1);
}

void read_line_of(benchmark::State &state)
{
    read_head(state, 2);
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
BENCHMARK_CAPTURE(trace_history_nodelta, automerge_paper, "automerge-paper")
    ->Name("trace_history/automerge-paper/vcow_nodelta")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(trace_history_commits, automerge_paper, "automerge-paper")
    ->Name("trace_history/automerge-paper/commits_only")
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
BENCHMARK_CAPTURE(trace_history_vcow, sveltecomponent, "sveltecomponent")
    ->Name("trace_history/sveltecomponent/vcow")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(trace_history_nodelta, sveltecomponent, "sveltecomponent")
    ->Name("trace_history/sveltecomponent/vcow_nodelta")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(read_convert)->Name("read_head/convert")->Arg(0)->Arg(1)->Arg(16)->Arg(31);
BENCHMARK(read_copy64)->Name("read_head/copy64")->Arg(0)->Arg(1)->Arg(16)->Arg(31);
BENCHMARK(read_line_of)->Name("read_head/line_of")->Arg(0)->Arg(1)->Arg(16)->Arg(31);
BENCHMARK(insert_middle_vcow)->Name("insert_middle/vcow")->Arg(1)->Arg(64)->UseRealTime();
BENCHMARK(insert_middle_flat)->Name("insert_middle/flat")->Arg(1)->Arg(64)->UseRealTime();

BENCHMARK_MAIN();
