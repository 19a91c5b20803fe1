#!/bin/sh
# scripts/soak.sh - `make soak`: every stress program under ThreadSanitizer,
# then AddressSanitizer (+UBSan+LSan), then the garbage and backlog
# programs in release for the RSS checks. SOAK_SECONDS (default 600) is split evenly over the
# runs. Figures go to build/soak/summary.txt (copy them into
# docs/RELIABILITY.md with the date and machine).
set -eu
cd "$(dirname "$0")/.."
total=${SOAK_SECONDS:-600}
progs=$(ls build/tsan/stress/ | sed -n 's/^stress_//p' | sort)
n=$(echo "$progs" | wc -w)
runs=$((n * 2 + 2))
each=$((total / runs))
[ "$each" -ge 5 ] || each=5
out=build/soak
mkdir -p "$out"
summary=$out/summary.txt
{
    echo "soak $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs: $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)"
    echo "vcow $(git rev-parse --short HEAD 2>/dev/null || echo '?'), $each s per run"
} >"$summary"
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$PWD/tests/tsan.supp"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
status=0
run() { # preset program extra-args
    log=$out/$1-$2.log
    printf '%-6s %-10s ' "$1" "$2"
    start=$(date +%s)
    # shellcheck disable=SC2086
    if build/$1/stress/stress_$2 --seconds "$each" --threads "$(nproc)" $3 >"$log" 2>&1; then
        rc=0
    else
        rc=$?
        status=1
    fi
    reports=$(grep -c -E 'WARNING: ThreadSanitizer|ERROR: (Address|Leak)Sanitizer|runtime error:' "$log" || true)
    line=$(grep -E "^$2:" "$log" | tail -1 || true)
    echo "$1 $2 exit=$rc reports=$reports $(($(date +%s) - start))s $line" | tee -a "$summary" >/dev/null
    echo "exit=$rc reports=$reports $line"
}
for p in $progs; do run tsan "$p" ""; done
for p in $progs; do run asan "$p" ""; done
run release garbage "--check-rss 1"
run release backlog "--check-rss 1"
cat "$summary"
exit $status
