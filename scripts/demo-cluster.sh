#!/bin/sh
# demo-cluster.sh BUILD_DIR - `make demo-cluster`: three config servers on a
# 3-member etcd cluster (scripts/etcd-cluster.sh). Writes go through server
# 1, reads through servers 2 and 3; an etcd member is killed in the middle
# of the writes and restarted; then every server's history is printed side
# by side: the same etcd revisions, the same documents, on every server.
set -eu
build=${1:-build/release}
here=$(dirname "$0")
server="$build/examples/config_server"
[ -x "$server" ] || { echo "demo-cluster.sh: build $server first (make build-release)" >&2; exit 1; }

out=$(sh "$here/etcd-cluster.sh" start)
dir=$(echo "$out" | sed -n 1p)
eps=$(echo "$out" | sed -n 2p)
pids=""
cleanup() {
    for p in $pids; do kill "$p" 2>/dev/null || true; done
    sh "$here/etcd-cluster.sh" stop "$dir" 2>/dev/null || true
}
trap cleanup EXIT INT TERM
echo "etcd cluster: $eps (in $dir)"

# Each server lists the endpoints from a different member first.
e0=$(echo "$eps" | cut -d, -f1) e1=$(echo "$eps" | cut -d, -f2) e2=$(echo "$eps" | cut -d, -f3)
ports=""
for order in "$e0,$e1,$e2" "$e1,$e2,$e0" "$e2,$e0,$e1"; do
    log="$dir/server$(echo "$ports" | wc -w).log"
    "$server" --etcd "$order" --prefix demo --port 0 --threads 2 >"$log" 2>&1 &
    pids="$pids $!"
    i=0
    until grep -q "^listening" "$log" 2>/dev/null; do
        sleep 0.1; i=$((i + 1)); [ $i -lt 100 ] || { cat "$log"; exit 1; }
    done
    ports="$ports $(sed -n 's/^listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$log")"
done
set -- $ports
p1=$1 p2=$2 p3=$3
echo "config servers on ports $p1 (writes) $p2 $p3 (reads)"

post() { curl -s -X POST "http://127.0.0.1:$p1/config" -d "$1" | tr -d ' \n'; echo; }
echo "== writes through server 1"
post '{"service": {"name": "billing", "replicas": 2}, "db": {"host": "10.0.0.1", "port": 5432}}'
for i in 1 2 3; do post "{\"service\": {\"replicas\": $((2 + i))}}"; done
echo "== member 2 killed"
sh "$here/etcd-cluster.sh" kill "$dir" 2
for i in 4 5 6; do post "{\"service\": {\"replicas\": $((2 + i))}, \"feature/x\": $i}"; done
post '{"db": {"port": 6432}}'
echo "== member 2 restarted"
sh "$here/etcd-cluster.sh" restart "$dir" 2
post '{"db": null, "dsn": "postgres://10.0.0.2:6432"}'
# A write based on an old revision is refused (412), not merged over.
echo "== a stale write (If-Match: the first revision):"
curl -s -X POST -H 'If-Match: "2"' "http://127.0.0.1:$p1/config" -d '{"service": {"replicas": 1}}' | tr -d '\n'
echo
last=$(curl -s "http://127.0.0.1:$p1/config" | sed -n 's/.*"version": \([0-9]*\).*/\1/p' | tail -1)

echo "== reads through servers 2 and 3 (revision $last)"
for p in $p2 $p3; do
    i=0
    until curl -s "http://127.0.0.1:$p/config" | grep -q "\"version\": $last"; do
        sleep 0.1; i=$((i + 1)); [ $i -lt 100 ] || break
    done
    printf 'server on %s: ' "$p"
    curl -s "http://127.0.0.1:$p/config" | tr -d ' \n'
    echo
done

echo "== every server's history: etcd revision, what changed"
for p in $p1 $p2 $p3; do
    revs=$(curl -s "http://127.0.0.1:$p/history" | sed -n 's/.*"version": \([0-9]*\).*/\1/p')
    prev=""
    for r in $revs; do
        if [ -z "$prev" ]; then
            echo "$r snapshot"
        else
            ch=$(curl -s "http://127.0.0.1:$p/diff?from=$prev&to=$r" |
                sed -n 's/.*"path": "\(.*\)".*/\1/p' | sort | tr '\n' ' ')
            echo "$r $ch"
        fi
        prev=$r
    done >"$dir/history.$p"
done
printf '%-44s %-44s %s\n' "server 1 (port $p1)" "server 2 (port $p2)" "server 3 (port $p3)"
paste -d'|' "$dir/history.$p1" "$dir/history.$p2" "$dir/history.$p3" |
    awk -F'|' '{printf "%-44s %-44s %s\n", $1, $2, $3}'
if cmp -s "$dir/history.$p1" "$dir/history.$p2" && cmp -s "$dir/history.$p1" "$dir/history.$p3"; then
    echo "== the three histories are identical"
else
    echo "== the histories differ (a server that started late begins at a later snapshot)"
fi
echo "== mirror status of server 3"
curl -s "http://127.0.0.1:$p3/status" | tr -d ' \n'
echo
