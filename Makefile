# The two commands of README.md, and the longer targets.
#   make demo   install missing packages, build, run the demo
#   make test   install missing packages, build release + asan + tsan, run the tests
#   make soak   long stress runs under tsan and asan
#   make bench  the benchmark suite (BENCH_LONG=1 for the full one)
#   make demo-cluster  three config servers on a 3-member etcd cluster
#   make docs   the API reference: HTML and man pages from the public headers
# Each configures its preset under build/<preset>/ (see CMakePresets.json).

PRESETS_TEST := release asan tsan

BUILDS := $(addprefix build-,release debug asan tsan)
.PHONY: all deps demo demo-cluster test soak bench docs format clean $(BUILDS)

all: build-release

# core, and the optional etcd set (the mirror's tests run real etcd members;
# where it cannot be installed they are skipped).
deps:
	@sh scripts/install-deps.sh core etcd

# (a static pattern rule: make skips implicit rules for .PHONY targets)
$(BUILDS): build-%: deps
	cmake --preset $* >/dev/null
	cmake --build --preset $*

test: deps
	@set -e; for p in $(PRESETS_TEST); do \
	  echo "=== $$p: configure and build"; \
	  cmake --preset $$p >/dev/null; \
	  cmake --build --preset $$p; \
	  echo "=== $$p: test"; \
	  ctest --preset $$p; \
	done
	@echo "make test: all presets passed ($(PRESETS_TEST))"

demo: deps build-release
	@sh scripts/install-deps.sh core demo
	sh scripts/demo.sh build/release

# The config server on a 3-member etcd cluster (scripts/demo-cluster.sh).
demo-cluster: deps build-release
	@sh scripts/install-deps.sh core demo etcd
	sh scripts/demo-cluster.sh build/release

soak: deps build-tsan build-asan build-release
	sh scripts/soak.sh

bench: deps
	@sh scripts/install-deps.sh core bench
	cmake --preset release >/dev/null
	cmake --build --preset release
	sh scripts/bench.sh build/release

# Doxygen is in the core set: CI runs the docs.reference test too.
docs: deps
	cmake --preset release >/dev/null
	cmake --build --preset release --target docs
	@echo "make docs: HTML in build/release/docs/html/index.html," \
	      "man pages in build/release/docs/man/man3 (man -l <page>; cmake --install installs them)"

format:
	clang-format -i $$(git ls-files '*.c' '*.h' '*.cc')

clean:
	rm -rf build
