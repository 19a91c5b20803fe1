#!/bin/sh
# check_symbols.sh SHARED [STATIC]
# The shared library exports vcow_ symbols and nothing else: everything
# internal (xxhash's inlined functions, the gc backend, helpers) is hidden.
# The static library cannot hide: every global it defines is either public
# (vcow_) or internal with the vcow__ prefix, so that no internal name can
# clash with a program's own (sys/sdt.h's _.stapsdt.base aside).
lib="$1"
static="${2:-}"
# Only global and weak symbols are exported: the linker may list local ones
# in .dynsym too (the sanitizer coverage sections' __start_/__stop_ markers in
# the fuzzing build, lowercase in nm's output), which nobody can bind to.
bad=$(nm -D --defined-only "$lib" | awk '$(NF-1) ~ /^[A-Zuvw]$/ {print $NF}' |
      grep -v -E '^(vcow_|_init$|_fini$|_edata$|_end$|__bss_start$)')
if [ -n "$bad" ]; then
    echo "symbols exported without the vcow_ prefix:"
    echo "$bad"
    exit 1
fi
n=$(nm -D --defined-only "$lib" | grep -c ' T vcow_')
echo "$n vcow_ functions exported, nothing else"
[ "$n" -gt 0 ] || exit 1
[ -n "$static" ] || exit 0
bad=$(nm -g --defined-only "$static" | awk 'NF == 3 {print $3}' |
      grep -v -E '^(vcow_|_\.stapsdt\.base$)' | sort -u)
if [ -n "$bad" ]; then
    echo "$static defines globals without the vcow_ or vcow__ prefix:"
    echo "$bad"
    exit 1
fi
n=$(nm -g --defined-only "$static" | awk 'NF == 3 && $3 ~ /^vcow__/' | sort -u | wc -l)
echo "$static: every global is vcow_ ($n internal ones vcow__)"
