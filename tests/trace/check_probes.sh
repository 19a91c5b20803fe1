#!/bin/sh
# tests/trace/check_probes.sh LIB HAVE_SDT [PROG]
#
# trace.probes: the library carries the six USDT probes of base/trace.h
# (provider vcow), read from its ELF notes.
# trace.count (PROG given): a tracer counts them for real. perf attaches to
# vcow:commit and vcow:reclaim in `PROG cost` (test_cell's part that makes
# exactly 3,000 commits) and must count 3,000 commits and some reclaimed
# batches. Needs root, perf and tracefs with uprobes; skipped (77) where
# they are missing. The probes it adds are removed again.
set -eu
lib=$1 have=$2 prog=${3:-}
if [ "$have" != 1 ]; then
    echo "built without sys/sdt.h (systemtap-sdt-dev): no probes"
    exit 77
fi
command -v readelf >/dev/null 2>&1 || { echo "readelf missing"; exit 77; }

if [ -z "$prog" ]; then
    notes=$(readelf -n "$lib")
    for p in commit conflict backpressure reclaim pin_old unpin_old; do
        if ! printf '%s\n' "$notes" | grep -A1 'Provider: vcow' | grep -q "Name: $p\$"; then
            echo "FAIL: probe vcow:$p is not in $lib" >&2
            exit 1
        fi
    done
    echo "the six probes are in $lib"
    exit 0
fi

tracefs=/sys/kernel/tracing
[ -d $tracefs/events ] || tracefs=/sys/kernel/debug/tracing
if [ "$(id -u)" != 0 ] || ! command -v perf >/dev/null 2>&1 || [ ! -w $tracefs/uprobe_events ]; then
    echo "needs root, perf and a mounted tracefs with uprobes"
    exit 77
fi
tmp=$(mktemp -d)
trap 'perf probe -q -d "sdt_vcow:*" >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT
export PERF_BUILDID_DIR="$tmp"
perf buildid-cache --add "$prog" >/dev/null 2>&1
for p in commit reclaim; do
    perf probe -q -x "$prog" -a "sdt_vcow:$p" >/dev/null 2>&1 ||
        { echo "perf probe could not attach to sdt_vcow:$p"; exit 77; }
done
perf stat -x, -o "$tmp/stat" -e sdt_vcow:commit -e sdt_vcow:reclaim "$prog" cost >/dev/null
commits=$(grep 'sdt_vcow:commit' "$tmp/stat" | cut -d, -f1)
batches=$(grep 'sdt_vcow:reclaim' "$tmp/stat" | cut -d, -f1)
echo "perf counted $commits commits and $batches reclaimed batches"
[ "$commits" = 3000 ] || { echo "FAIL: expected 3000 commits" >&2; exit 1; }
[ "$batches" -gt 0 ] || { echo "FAIL: no reclaimed batch seen" >&2; exit 1; }
