#!/bin/sh
# bench.sh <build dir> [benchmark flags...] - run every benchmark, then report.
#
# Runs each executable <build>/bench/bench_* with JSON output to
# build/bench/<name>.json, then bench/report.py writes the tables into
# docs/BENCHMARKS.md (and PNG charts into docs/img/ when matplotlib is
# installed). Extra arguments go to every benchmark binary, e.g.
# --benchmark_filter=rwlock.
#
#   BENCH_LONG=1          the full run: --benchmark_min_time=1 (default 0.1)
#   VCOW_BENCH_THREADS=N  the multithreaded case (default: online CPUs)
#   VCOW_BENCH_PASSES=N   bench_hamt: passes over the 1M keys of a lookup or
#                         update run (default 1; those runs are a fixed
#                         number of iterations, so min_time does not apply)
#
# The executables link libvcow.so: to compare two builds of the library,
# run one executable twice with LD_LIBRARY_PATH naming each (its RUNPATH
# yields to LD_LIBRARY_PATH), alternating, as docs/BENCHMARKS.md does.
set -eu

if [ $# -lt 1 ]; then
    echo "usage: $0 <build dir> [benchmark flags...]" >&2
    exit 2
fi
build=$1
shift
root=$(cd "$(dirname "$0")/.." && pwd)

if [ "${BENCH_LONG:-0}" = 1 ]; then
    min_time=1
else
    min_time=0.1
fi

# JSON goes to build/bench/ (whatever the build folder). A JSON left by a
# binary that no longer exists must not reach the report.
out="$root/build/bench"
mkdir -p "$out"
rm -f "$out"/bench_*.json
found=0
for exe in "$build"/bench/bench_*; do
    if [ ! -f "$exe" ] || [ ! -x "$exe" ]; then continue; fi
    found=1
    name=$(basename "$exe")
    echo "=== $name (min_time ${min_time}s)"
    "$exe" --benchmark_min_time="$min_time" \
        --benchmark_out="$out/$name.json" --benchmark_out_format=json "$@"
done
if [ "$found" = 0 ]; then
    echo "bench.sh: no benchmarks in $build/bench/ (is libbenchmark-dev installed? build first)" >&2
    exit 1
fi

# The Debian python, which has python3-matplotlib; another python3 may come
# first on PATH.
py=/usr/bin/python3
[ -x "$py" ] || py=python3
"$py" "$root/bench/report.py" --doc "$root/docs/BENCHMARKS.md" --img "$root/docs/img" \
    "$out"/bench_*.json
