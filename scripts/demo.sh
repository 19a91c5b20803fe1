#!/bin/sh
# scripts/demo.sh <build dir> - the main job: see README.md.
set -eu
build=$1
"$build/examples/quickstart"
