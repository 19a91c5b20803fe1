/*
 * bench/cell/bench_revert.cc - the cost of vcow_cell_revert / revert_to
 * against the size of what differs, not of the structure.
 *
 *   revert/map/size:<n>/changed:<k>   a map cell of n keys (16-byte
 *                                     values); version B differs from
 *                                     version A in k keys (changed values);
 *                                     each iteration reverts the head to A
 *                                     or to B in turn (one commit that
 *                                     changes k keys), through
 *                                     vcow_cell_update + vcow_txn_revert_to
 *                                     on pinned A and B
 *   revert/tree/size:<n>/changed:<k>  the same on a tree cell
 *
 * Time per revert should grow with k and stay flat in n (a diff skips the
 * subtrees A and B share, and the writes copy one path per key). Not a
 * test: read it as a figure, rerun it on your machine.
 */
#include <benchmark/benchmark.h>

#include <cstdio>

extern "C" {
#include <vcow/vcow.h>
}

namespace
{

struct revert_ctx {
    const vcow_version *to;
};

int revert_fn(vcow_txn *t, void *ctx)
{
    return vcow_txn_revert_to(t, static_cast<revert_ctx *>(ctx)->to);
}

int set_key(vcow_txn *t, enum vcow_kind kind, long i, long v)
{
    char k[32], val[32];
    int kl = std::snprintf(k, sizeof(k), "key:%010ld", i);
    int vl = std::snprintf(val, sizeof(val), "val:%011ld", v);
    vcow_val x = vcow_val_bytes(val, static_cast<size_t>(vl));
    return kind == VCOW_KIND_MAP ? vcow_map_setn(t, k, static_cast<size_t>(kl), x)
                                 : vcow_tree_setn(t, k, static_cast<size_t>(kl), x);
}

void bm_revert(benchmark::State &st, enum vcow_kind kind)
{
    const long n = st.range(0), k = st.range(1);
    vcow_cell *c;
    if (vcow_cell_open(kind, nullptr, &c) != VCOW_OK) {
        st.SkipWithError("open");
        return;
    }
    vcow_txn *t;
    vcow_txn_begin(c, &t);
    for (long i = 0; i < n; i++)
        set_key(t, kind, i, i);
    vcow_txn_commit(t);
    vcow_txn_free(t);
    vcow_version *a, *b;
    vcow_cell_pin_head(c, &a);
    vcow_txn_begin(c, &t);
    for (long j = 0; j < k; j++)
        set_key(t, kind, (j * 7919) % n, -j - 1); /* k distinct keys spread over the map */
    vcow_txn_commit(t);
    vcow_txn_free(t);
    vcow_cell_pin_head(c, &b);
    bool to_a = true;
    for (auto _ : st) {
        revert_ctx ctx{to_a ? a : b};
        if (vcow_cell_update(c, revert_fn, &ctx, nullptr) != VCOW_OK) {
            st.SkipWithError("revert");
            break;
        }
        to_a = !to_a;
    }
    st.counters["changed"] = static_cast<double>(k);
    vcow_version_unpin(a);
    vcow_version_unpin(b);
    vcow_cell_close(c);
}

void args(benchmark::internal::Benchmark *b)
{
    for (long n : {10000L, 100000L})
        for (long k : {1L, 10L, 100L, 1000L})
            b->Args({n, k});
    b->ArgNames({"size", "changed"});
}

} // namespace

BENCHMARK_CAPTURE(bm_revert, map, VCOW_KIND_MAP)->Apply(args)->Name("revert/map");
BENCHMARK_CAPTURE(bm_revert, tree, VCOW_KIND_TREE)->Apply(args)->Name("revert/tree");

BENCHMARK_MAIN();
