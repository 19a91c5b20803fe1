#!/bin/sh
# install-deps.sh [set...] - install the Debian 12 packages vcow needs.
#   core   building and testing the library and its API reference (always)
#   demo   the demo's load generator
#   bench  the benchmark plots
#   etcd   the etcd mirror (libvcow-mirror, its tests, `make demo-cluster`):
#          libcurl, and Debian's etcd-server for the tests' real members.
#          Optional: `make test` asks for it, and where it cannot be
#          installed the build leaves the mirror out or its tests report
#          themselves skipped. (On a machine running systemd, installing
#          etcd-server also starts Debian's etcd service on port 2379; the
#          tests do not use it: they start their own members.)
# Installs only what is missing: apt-get as root, through sudo otherwise.
set -eu

core="build-essential cmake ninja-build pkg-config clang clang-format
      liburcu-dev libck-dev libjemalloc-dev libxxhash-dev
      libbenchmark-dev liblmdb-dev zlib1g-dev libjansson-dev libmicrohttpd-dev
      systemtap-sdt-dev binutils doxygen"
demo="wrk curl"
bench="python3-matplotlib"
etcd="libcurl4-openssl-dev etcd-server etcd-client"
optional=""

want="$core"
for set in "$@"; do
    case "$set" in
        core) ;;
        demo) want="$want $demo" ;;
        bench) want="$want $bench" ;;
        etcd) optional="$optional $etcd" ;;
        *) echo "install-deps.sh: unknown set '$set'" >&2; exit 2 ;;
    esac
done

if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "install-deps.sh: not a Debian system; install these packages yourself:" >&2
    echo "  $want" >&2
    exit 0 # configure will name anything still missing
fi

missing_of() {
    for p in "$@"; do
        if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
            printf ' %s' "$p"
        fi
    done
}
# shellcheck disable=SC2086
missing=$(missing_of $want)
# shellcheck disable=SC2086
missing_optional=$(missing_of $optional)
[ -z "$missing" ] && [ -z "$missing_optional" ] && exit 0

echo "install-deps.sh: installing:$missing$missing_optional"
if [ "$(id -u)" -eq 0 ]; then
    run=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    run="sudo"
elif command -v sudo >/dev/null 2>&1 && [ -t 0 ]; then
    run="sudo" # sudo will ask for the password
else
    if [ -z "$missing" ]; then
        echo "install-deps.sh: optional packages not installed (need root or sudo):$missing_optional" >&2
        exit 0
    fi
    echo "install-deps.sh: need root or sudo to install:$missing" >&2
    echo "  run: sudo apt-get install -y$missing" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086
$run apt-get update -q
if [ -n "$missing" ]; then
    # shellcheck disable=SC2086
    $run apt-get install -y -q --no-install-recommends $missing
fi
# Optional sets: without them the build leaves their parts out or skips
# their tests, so a failure here is a warning.
if [ -n "$missing_optional" ]; then
    # shellcheck disable=SC2086
    $run apt-get install -y -q --no-install-recommends $missing_optional ||
        echo "install-deps.sh: could not install$missing_optional (the etcd mirror's tests will be skipped)" >&2
fi
