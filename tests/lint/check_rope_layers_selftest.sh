#!/bin/sh
# check_rope_layers_selftest.sh ROPE_DIR
# Proves check_rope_layers.sh can fail: it passes on a copy of the rope,
# then must fail on each of these breaks, one at a time:
#   1. an engine file includes rope_delta.h
#   2. an engine file calls a delta-layer function
#   3. an engine file tests for a delta node type
#   4. the delta layer calls the public API
#   5. the delta layer names what rope_api.h declares
#   6. a _Thread_local comes back
#   7. an engine file calls the public API
#   8. an engine edit retires into the txn around its struct rope_sink
# and must still pass when an engine comment merely mentions the delta
# layer.
src="${1:?usage: check_rope_layers_selftest.sh ROPE_DIR}"
here=$(dirname "$0")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

fresh() {
    rm -rf "$tmp/rope"
    cp -R "$src" "$tmp/rope"
}

expect() { # expect pass|fail WHAT
    if sh "$here/check_rope_layers.sh" "$tmp/rope" >"$tmp/out" 2>&1; then got=pass; else got=fail; fi
    if [ "$got" != "$1" ]; then
        echo "FAIL: $2: the check said $got, want $1"
        cat "$tmp/out"
        fail=1
    else
        echo "ok: $2 ($got)"
    fi
}

fresh
expect pass "the rope as it is"

fresh
printf '#include "rope_delta.h"\n' >>"$tmp/rope/rope_tree_node.c"
expect fail "engine includes rope_delta.h"

fresh
printf 'void x_(vcow_txn *t);\nvoid x_(vcow_txn *t) { (void)vcow__rope_materialise(t); }\n' \
    >>"$tmp/rope/rope_tree_merge.c"
expect fail "engine calls vcow__rope_materialise"

fresh
printf 'static int y_(const struct vcow_node *n) { return n->type == ROPE_DELTA; }\n' \
    >>"$tmp/rope/rope_tree_read.c"
expect fail "engine tests for ROPE_DELTA"

fresh
printf 'static bool z_(vcow_rope_iter *it, vcow_slice *c) { return vcow_rope_iter_next(it, c); }\n' \
    >>"$tmp/rope/rope_delta_iter.c"
expect fail "delta layer calls vcow_rope_iter_next"

fresh
printf 'static int w_(const vcow_version *v, const struct vcow_node **r) { return rope_root_of(v, r); }\n' \
    >>"$tmp/rope/rope_delta_check.c"
expect fail "delta layer names rope_root_of"

fresh
printf 'static _Thread_local int holding_;\n' >>"$tmp/rope/rope_delta_materialise.c"
expect fail "a _Thread_local"

fresh
printf 'static int v_(vcow_txn *t) { return vcow_rope_defrag(t); }\n' >>"$tmp/rope/rope_tree_pack.c"
expect fail "engine calls vcow_rope_defrag"

fresh
printf 'static void u_(vcow_txn *t, struct vcow_node *n) { vcow_txn_retire(t, n); }\n' \
    >>"$tmp/rope/rope_tree_merge.c"
expect fail "engine calls vcow_txn_retire outside rope_tree_sink.c"

fresh
printf '/* like vcow__rope_materialise and ROPE_DELTA, in prose */\n' >>"$tmp/rope/rope_tree_pool.c"
expect pass "an engine comment naming the delta layer"

exit "$fail"
