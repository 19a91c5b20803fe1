#!/bin/sh
# etcd-cluster.sh - a 3-member etcd cluster on 127.0.0.1, in a directory.
#
#   etcd-cluster.sh start [DIR]    start it (DIR: a new temporary directory);
#                                  prints DIR, then the client URLs (comma-separated)
#   etcd-cluster.sh kill DIR N     SIGKILL member N (0, 1 or 2)
#   etcd-cluster.sh restart DIR N  start member N again on its data
#   etcd-cluster.sh stop DIR       stop every member and remove DIR
#
# Debian's etcd-server (sh scripts/install-deps.sh etcd). Ports are free
# ones found at start; DIR/endpoints holds the client URLs, DIR/mN.log each
# member's log. Members run detached: call stop (a trap in your script).
set -eu

die() { echo "etcd-cluster.sh: $*" >&2; exit 1; }
ETCD=${VCOW_ETCD:-$(command -v etcd || true)}

port_free() {
    if command -v ss >/dev/null 2>&1; then
        ! ss -ltnH "sport = :$1" 2>/dev/null | grep -q .
    else
        true
    fi
}

pick_port() {
    while :; do
        p=$(( 20000 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 40000 ))
        if port_free "$p" && ! grep -qs ":$p\$" "$dir/ports" 2>/dev/null; then
            echo "$p"
            return
        fi
    done
}

member() { # member N new|existing: start member N in the background
    n=$1
    cp=$(sed -n "$((n + 1))p" "$dir/ports" | cut -d' ' -f1)
    pp=$(sed -n "$((n + 1))p" "$dir/ports" | cut -d' ' -f2)
    initial=$(awk '{printf "%sm%d=http://127.0.0.1:%s", (NR > 1 ? "," : ""), NR - 1, $2}' "$dir/ports")
    nohup "$ETCD" --name "m$n" --data-dir "$dir/m$n" \
        --listen-client-urls "http://127.0.0.1:$cp" --advertise-client-urls "http://127.0.0.1:$cp" \
        --listen-peer-urls "http://127.0.0.1:$pp" --initial-advertise-peer-urls "http://127.0.0.1:$pp" \
        --initial-cluster "$initial" --initial-cluster-token vcow-demo \
        --initial-cluster-state "$2" --logger zap --log-level warn \
        >>"$dir/m$n.log" 2>&1 &
    echo $! >"$dir/m$n.pid"
}

ready() { # ready N: wait until member N answers a linearizable read (1: it exited)
    cp=$(sed -n "$(($1 + 1))p" "$dir/ports" | cut -d' ' -f1)
    i=0
    while [ $i -lt 300 ]; do
        if curl -sf -m 1 -X POST "http://127.0.0.1:$cp/v3/kv/range" -d '{"key":"AA=="}' \
            >/dev/null 2>&1; then
            return 0
        fi
        kill -0 "$(cat "$dir/m$1.pid")" 2>/dev/null || return 1
        sleep 0.1
        i=$((i + 1))
    done
    return 1
}

stop_members() {
    for f in "$dir"/m*.pid; do
        [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true
    done
    for f in "$dir"/m*.pid; do
        [ -f "$f" ] || continue
        while kill -0 "$(cat "$f")" 2>/dev/null; do sleep 0.05; done
    done
}

cmd=${1:-}
case "$cmd" in
start)
    [ -n "$ETCD" ] || die "no etcd binary: sh scripts/install-deps.sh etcd (Debian's etcd-server)"
    command -v curl >/dev/null 2>&1 || die "needs curl"
    dir=${2:-$(mktemp -d "${TMPDIR:-/tmp}/vcow-etcd.XXXXXX")}
    mkdir -p "$dir"
    # A port found free may be taken before etcd binds it: then start
    # again on new ports (three tries); never leave a member behind.
    try=0
    while :; do
        : >"$dir/ports"
        for n in 0 1 2; do
            c=$(pick_port); echo "$c 0" >>"$dir/ports"
            p=$(pick_port); sed -i "\$s/ 0\$/ $p/" "$dir/ports"
        done
        for n in 0 1 2; do member $n new; done
        ok=1
        for n in 0 1 2; do ready $n || { ok=0; break; }; done
        [ $ok -eq 1 ] && break
        stop_members
        try=$((try + 1))
        if [ $try -eq 3 ]; then
            tail -3 "$dir"/m*.log >&2
            rm -rf "$dir"
            die "the cluster did not start (three tries)"
        fi
        rm -rf "$dir"/m*
    done
    awk '{printf "%shttp://127.0.0.1:%s", (NR > 1 ? "," : ""), $1}' "$dir/ports" >"$dir/endpoints"
    echo "$dir"
    cat "$dir/endpoints"
    echo
    ;;
kill)
    dir=$2
    pid=$(cat "$dir/m$3.pid")
    kill -9 "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
    ;;
restart)
    dir=$2
    member "$3" existing
    ready "$3" || die "member $3 did not come back (see $dir/m$3.log)"
    ;;
stop)
    dir=$2
    [ -f "$dir/ports" ] || die "$dir is not a cluster directory"
    stop_members
    rm -rf "$dir"
    ;;
*)
    sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
