#!/bin/sh
# install-deps.sh [set...] - install the Debian 12 packages vcow needs.
#   core   building and testing the library and its API reference (always)
#   demo   the demo's load generator
#   bench  the benchmark plots
# Installs only what is missing: apt-get as root, through sudo otherwise.
set -eu

core="build-essential cmake ninja-build pkg-config clang clang-format
      liburcu-dev libck-dev libjemalloc-dev libxxhash-dev
      libbenchmark-dev liblmdb-dev zlib1g-dev libjansson-dev libmicrohttpd-dev
      systemtap-sdt-dev binutils doxygen"
demo="wrk curl"
bench="python3-matplotlib"

want="$core"
for set in "$@"; do
    case "$set" in
        core) ;;
        demo) want="$want $demo" ;;
        bench) want="$want $bench" ;;
        *) echo "install-deps.sh: unknown set '$set'" >&2; exit 2 ;;
    esac
done

if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "install-deps.sh: not a Debian system; install these packages yourself:" >&2
    echo "  $want" >&2
    exit 0 # configure will name anything still missing
fi

missing=""
for p in $want; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0

echo "install-deps.sh: installing:$missing"
if [ "$(id -u)" -eq 0 ]; then
    run=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    run="sudo"
elif command -v sudo >/dev/null 2>&1 && [ -t 0 ]; then
    run="sudo" # sudo will ask for the password
else
    echo "install-deps.sh: need root or sudo to install:$missing" >&2
    echo "  run: sudo apt-get install -y$missing" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086
$run apt-get update -q
# shellcheck disable=SC2086
$run apt-get install -y -q --no-install-recommends $missing
