#!/bin/sh
# check_rope_layers.sh ROPE_DIR
# The rope's layers depend one way (structures/rope/rope_tree.h):
#   text   rope_text.c rope_text.h
#   engine rope_tree*.c rope_tree*.h      may use: text
#   delta  rope_delta*.c rope_delta.h     may use: text, engine
#   public every other rope_*.c, rope_api.h   may use: all
# Fails when a lower layer includes a higher layer's header or names
# anything a higher layer declares (functions, macros, types, constants),
# when the engine or the delta layer calls the public API (vcow_rope_*()),
# when an engine file other than rope_tree_sink.c retires into the txn
# directly (every engine retire goes through its struct rope_sink), or when
# a _Thread_local (or __thread) appears anywhere in the rope.
# File lists are split on purpose (rope file names have no spaces).
# shellcheck disable=SC2086
dir="${1:?usage: check_rope_layers.sh ROPE_DIR}"
fail=0

# The names a header declares: vcow__/vcow_ functions and static inlines,
# macros (not the include guard), enum constants and struct tags.
names_of() {
    {
        sed -n 's/^[a-z].*[ *]\([a-z_][a-z0-9_]*\)(.*/\1/p' "$1"
        sed -n 's/^#define \([A-Za-z_][A-Za-z0-9_]*\).*/\1/p' "$1" | grep -v '_H$'
        sed -n 's/^ *\(ROPE_[A-Z0-9_]*\) *=.*/\1/p' "$1"
        sed -n 's/^enum { *\(ROPE_[A-Z0-9_]*\) *=.*/\1/p' "$1"
        sed -n 's/^struct \([a-z_][a-z0-9_]*\) {.*/\1/p' "$1"
    } | sort -u
}

# The code of every file, comments blanked (line numbers kept), in a
# scratch copy: prose may name a higher layer, code may not. perl is in
# every Debian (perl-base).
code=$(mktemp -d)
trap 'rm -rf "$code"' EXIT
cp "$dir"/*.c "$dir"/*.h "$code"/
perl -0777 -pi -e 's{/\*.*?\*/}{my $c = $&; $c =~ tr/\n//cd; $c}gse; s{//[^\n]*}{}g' "$code"/*

# grep_code OPTS PATTERN FILES: grep -n over the files' code, as file:line.
grep_code() {
    opts="$1"
    pat="$2"
    shift 2
    for f in "$@"; do
        set -- "$@" "$code/$(basename "$f")"
        shift
    done
    grep -Hn $opts -- "$pat" "$@" | sed "s|^$code/|$dir/|"
}

# check LAYER FILES... -- HEADER...: no FILE includes or names a HEADER's names.
check() {
    layer="$1"
    shift
    files=""
    while [ "$1" != "--" ]; do
        files="$files $1"
        shift
    done
    shift
    for h in "$@"; do
        base=$(basename "$h")
        bad=$(grep_code -F "#include \"$base\"" $files)
        if [ -n "$bad" ]; then
            echo "$layer includes $base (a higher layer):"
            echo "$bad"
            fail=1
        fi
        pat=$(names_of "$h" | paste -sd'|' -)
        [ -n "$pat" ] || { echo "no names found in $h"; fail=1; continue; }
        bad=$(grep_code -wE "$pat" $files)
        if [ -n "$bad" ]; then
            echo "$layer names what $base declares:"
            echo "$bad"
            fail=1
        fi
    done
}

engine=$(ls "$dir"/rope_tree*.c "$dir"/rope_tree*.h "$dir"/rope_text.c "$dir"/rope_text.h 2>/dev/null)
delta=$(ls "$dir"/rope_delta*.c "$dir"/rope_delta.h 2>/dev/null)
for need in rope_tree.h rope_text.h rope_delta.h rope_api.h; do
    [ -f "$dir/$need" ] || { echo "$dir/$need missing"; exit 1; }
done
if [ -z "$engine" ] || [ -z "$delta" ]; then
    echo "no engine or delta files in $dir"
    exit 1
fi

check "text" "$dir"/rope_text.c "$dir"/rope_text.h -- "$dir"/rope_tree.h "$dir"/rope_delta.h \
    "$dir"/rope_api.h
check "engine" $engine -- "$dir"/rope_delta.h "$dir"/rope_api.h
check "delta layer" $delta -- "$dir"/rope_api.h

bad=$(grep_code -E '\bvcow_rope_[a-z0-9_]+[[:space:]]*\(' $engine $delta)
if [ -n "$bad" ]; then
    echo "engine or delta layer calls the public API (the layer above them):"
    echo "$bad"
    fail=1
fi
edits=$(echo $engine | tr ' ' '\n' | grep -v '/rope_tree_sink\.c$')
bad=$(grep_code -E '\bvcow_txn_retire(_tree)?[[:space:]]*\(' $edits)
if [ -n "$bad" ]; then
    echo "engine retires around its retire destination (use vcow__rope_sink_*):"
    echo "$bad"
    fail=1
fi
bad=$(grep_code -E '_Thread_local|\bthread_local\b|__thread\b' "$dir"/*.c "$dir"/*.h)
if [ -n "$bad" ]; then
    echo "thread-local state in the rope (pass it explicitly):"
    echo "$bad"
    fail=1
fi
[ "$fail" -eq 0 ] && echo "rope layers: text <- engine <- delta <- public, one way"
exit "$fail"
