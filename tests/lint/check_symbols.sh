#!/bin/sh
# The shared library exports vcow_ symbols and nothing else: everything
# internal (xxhash's inlined functions, the gc backend, helpers) is hidden.
lib="$1"
bad=$(nm -D --defined-only "$lib" | awk '{print $NF}' |
      grep -v -E '^(vcow_|_init$|_fini$|_edata$|_end$|__bss_start$)')
if [ -n "$bad" ]; then
    echo "symbols exported without the vcow_ prefix:"
    echo "$bad"
    exit 1
fi
n=$(nm -D --defined-only "$lib" | grep -c ' T vcow_')
echo "$n vcow_ functions exported, nothing else"
[ "$n" -gt 0 ]
