#!/bin/sh
# Every C/C++ source of vcow is formatted with the committed .clang-format.
# Fix with: clang-format -i <file>   (skipped when clang-format is absent)
cd "$1" || exit 1
cf=$(command -v clang-format || command -v clang-format-14)
if [ -z "$cf" ]; then
    echo "clang-format not installed: skipped"
    exit 77
fi
files=$(git ls-files '*.c' '*.h' '*.cc' 2>/dev/null)
[ -n "$files" ] || files=$(find include runtime gc structures tests examples stress bench \
    -name '*.[ch]' -o -name '*.cc' 2>/dev/null)
# shellcheck disable=SC2086
exec "$cf" --dry-run --Werror $files
