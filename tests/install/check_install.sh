#!/bin/sh
# check_install.sh <vcow build dir> <consumer source> <scratch dir> <cc> <gc backend>
set -eu
build=$1 src=$2 work=$3 cc=$4 gc=$5
rm -rf "$work"
mkdir -p "$work"
cmake --install "$build" --prefix "$work/prefix" >/dev/null

echo "== find_package(vcow)"
cmake -S "$src" -B "$work/consumer" -DCMAKE_C_COMPILER="$cc" \
      -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/consumer" >/dev/null
"$work/consumer/consumer_shared"
"$work/consumer/consumer_static"

echo "== pkg-config vcow"
libdir=$(dirname "$(find "$work/prefix" -name vcow.pc)")
export PKG_CONFIG_PATH="$libdir"
# The backend is private (a static link needs it, a shared one does not):
# it must be named in Requires.private and stay off the shared link line.
req=$(pkg-config --print-requires-private vcow)
case "$gc" in
    ck-epoch) want=ck ;;
    *) want=lib$gc ;;
esac
echo "Requires: $req"
echo "$req" | grep -q "^$want" || { echo "vcow.pc must require $want (privately)"; exit 1; }
if pkg-config --libs vcow | grep -q -- "-lurcu\|-lck"; then
    echo "pkg-config --libs vcow must not name the backend: $(pkg-config --libs vcow)"
    exit 1
fi
# shellcheck disable=SC2046
"$cc" -o "$work/consumer_pc" "$src/consumer.c" $(pkg-config --cflags --libs vcow)
LD_LIBRARY_PATH="$(dirname "$libdir")" "$work/consumer_pc"

echo "== ThreadSanitizer: libvcow-tsan"
if [ -f "$work/consumer/consumer_tsan" ]; then
    supp=$(pkg-config --variable=tsan_suppressions vcow-tsan)
    [ -f "$supp" ] || { echo "vcow-tsan.pc names no installed suppressions file ($supp)"; exit 1; }
    opts="halt_on_error=1 suppressions=$supp"
    TSAN_OPTIONS="$opts" "$work/consumer/consumer_tsan"
    # shellcheck disable=SC2046
    "$cc" -o "$work/consumer_tsan_pc" "$src/consumer_tsan.c" $(pkg-config --cflags --libs vcow-tsan) -lpthread
    TSAN_OPTIONS="$opts" LD_LIBRARY_PATH="$(dirname "$libdir")" "$work/consumer_tsan_pc"
else
    echo "no libvcow-tsan in this build (VCOW_TSAN_VARIANT off, or no TSan runtime)"
fi
