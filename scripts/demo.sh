#!/bin/sh
# scripts/demo.sh <build dir> - the main job (`make demo`), under a minute:
#   1. quickstart: commit, read lock-free, pin, compare;
#   2. the config server: throughput with wrk, then again while the config
#      is reloaded (one commit) every 10 ms; old versions and a diff;
#   3. time travel on a real editing history.
set -eu
build=$1
root=$(cd "$(dirname "$0")/.." && pwd)
export VCOW_TRACES="${VCOW_TRACES:-$root/../shared/traces}"
work=$build/demo
mkdir -p "$work"
say() { printf '\n== %s\n' "$*"; }

say "1. quickstart (examples/quickstart.c)"
"$build/examples/quickstart"

say "2. config server (examples/config_server): lock-free reads while the config changes"
cat >"$work/config.json" <<'JSON'
{
  "server": {"listen": "0.0.0.0", "port": 8080, "workers": 16},
  "db": {"primary": {"host": "10.0.0.1", "port": 5432}, "pool": 32},
  "features": {"new_checkout": true, "ratio": 0.25},
  "regions": ["eu-west", "us-east"]
}
JSON
threads=$(nproc)
run_server() { # reload-ms
    "$build/examples/config_server" --config "$work/config.json" --port 0 \
        --threads "$threads" --reload-every-ms "$1" >"$work/server.out" 2>"$work/server.err" &
    pid=$!
    for _ in $(seq 100); do
        port=$(sed -n 's/^listening on 127.0.0.1://p' "$work/server.out")
        [ -n "$port" ] && return 0
        sleep 0.05
    done
    echo "config_server did not start:"; cat "$work/server.err"; exit 1
}
bench() { # label
    wrk -t"$threads" -c64 -d8s "http://127.0.0.1:$port/config/db.primary.port" >"$work/wrk.out"
    rps=$(awk '/^Requests\/sec/ {print $2}' "$work/wrk.out")
    lat=$(awk '/^    Latency/ {print $2}' "$work/wrk.out")
    printf '%-34s %10s requests/s   mean latency %s\n' "$1" "$rps" "$lat" >&2
    echo "$rps"
}
run_server 0
echo "server on 127.0.0.1:$port, $threads worker threads; wrk: $threads threads, 64 connections, 8 s"
base=$(bench "GET /config/db.primary.port")
kill "$pid"; wait "$pid" 2>/dev/null || true

run_server 10
reload=$(bench "same, config reloaded every 10 ms")
say "old versions and a diff, from the history kept by the cell"
post=$(curl -s -X POST -d '{"db": {"pool": 64}, "features": {"ratio": null}}' \
    "http://127.0.0.1:$port/config" | tr -d '\n ')
echo "POST /config {\"db\": {\"pool\": 64}, \"features\": {\"ratio\": null}} -> $post"
last=$(echo "$post" | sed 's/[^0-9]//g')
echo "GET /config/db?version=1:"
curl -s "http://127.0.0.1:$port/config/db?version=1" | tr -d '\n' | tr -s ' '; echo
echo "GET /diff?from=1&to=$last:"
curl -s "http://127.0.0.1:$port/diff?from=1&to=$last" | tr -d '\n' | tr -s ' '; echo
echo "GET /config?as_of=1999-01-01T00:00:00Z (before the first version):"
curl -s "http://127.0.0.1:$port/config?as_of=1999-01-01T00:00:00Z" | tr -d '\n' | tr -s ' '; echo
kill "$pid"; wait "$pid" 2>/dev/null || true
reloads=$(sed -n 's/.*: \([0-9]*\) timed reloads/\1/p' "$work/server.err")
ratio=$(awk -v a="$reload" -v b="$base" 'BEGIN {printf "%.1f", 100 * a / b}')
echo
echo "throughput: $base req/s without reloads, $reload req/s with $reloads reloads (one every 10 ms): $ratio %"

say "3. time travel (examples/time_travel): an editing history, one version per keystroke transaction"
"$build/examples/time_travel"

say "done: see README.md and docs/ for what you just saw"
