#!/bin/sh
# check_install.sh <vcow build dir> <consumer source> <scratch dir> <cc> <gc backend>
#                  <examples dir> <structures built, comma-separated>
set -eu
build=$1 src=$2 work=$3 cc=$4 gc=$5 exdir=$6 structures=$7
rm -rf "$work"
mkdir -p "$work"
cmake --install "$build" --prefix "$work/prefix" >/dev/null

# The one-file examples this vcow has the structures for; config_reload
# also needs jansson. Each checks its own results and exits non-zero on a
# mismatch (its stdout is dropped here, its message is on stderr).
examples=""
case ",$structures," in *,tree,*) examples="ordered_index" ;; esac
case ",$structures," in
    *,map,*)
        examples="$examples audit_trail"
        if pkg-config --exists jansson; then
            examples="$examples config_reload"
        else
            echo "examples/config_reload.c skipped: no jansson (pkg-config jansson)"
        fi ;;
esac
echo "examples: ${examples# }"

echo "== find_package(vcow)"
# shellcheck disable=SC2086
cmake -S "$src" -B "$work/consumer" -DCMAKE_C_COMPILER="$cc" \
      -DCMAKE_PREFIX_PATH="$work/prefix" \
      -DEXAMPLES_DIR="$exdir" -DEXAMPLES="$(echo $examples | tr ' ' ';')" >/dev/null
cmake --build "$work/consumer" --parallel 2 >/dev/null
"$work/consumer/consumer_shared"
"$work/consumer/consumer_static"
for ex in $examples; do
    "$work/consumer/$ex" >/dev/null
    echo "$ex: ok"
done

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
# The examples as plain C11 with warnings as errors, outside vcow's own flags.
for ex in $examples; do
    extra=""
    [ "$ex" != config_reload ] || extra="$(pkg-config --cflags --libs jansson) -lpthread"
    # shellcheck disable=SC2046,SC2086
    "$cc" -std=c11 -Wall -Wextra -Werror -O2 -o "$work/${ex}_pc" "$exdir/$ex.c" \
          $(pkg-config --cflags --libs vcow) $extra
    LD_LIBRARY_PATH="$(dirname "$libdir")" "$work/${ex}_pc" >/dev/null
    echo "$ex (pkg-config): ok"
done

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
