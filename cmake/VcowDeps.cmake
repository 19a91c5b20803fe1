# Dependencies, found through pkg-config. A missing one stops configure with
# the name of the Debian package that provides it.
find_package(PkgConfig)
if(NOT PKG_CONFIG_FOUND)
  message(FATAL_ERROR "pkg-config not found: install the Debian package pkg-config (or run `make deps`)")
endif()

function(vcow_require prefix module debian)
  pkg_check_modules(${prefix} QUIET IMPORTED_TARGET GLOBAL ${module})
  if(NOT ${prefix}_FOUND)
    message(FATAL_ERROR "vcow needs ${module} (pkg-config) - install the Debian package ${debian} (or run `make deps`)")
  endif()
endfunction()

# The liburcu flavors: each backend links exactly one.
vcow_require(URCU_MEMB liburcu-memb liburcu-dev)
vcow_require(URCU_QSBR liburcu-qsbr liburcu-dev)
vcow_require(URCU_BP liburcu-bp liburcu-dev)
vcow_require(URCU_CDS liburcu-cds liburcu-dev)
vcow_require(CK ck libck-dev)
vcow_require(XXHASH libxxhash libxxhash-dev)
if(VCOW_ALLOCATOR STREQUAL "jemalloc")
  vcow_require(JEMALLOC jemalloc libjemalloc-dev)
elseif(NOT VCOW_ALLOCATOR STREQUAL "libc")
  message(FATAL_ERROR "VCOW_ALLOCATOR must be jemalloc or libc, not '${VCOW_ALLOCATOR}'")
endif()
if(NOT VCOW_GC MATCHES "^(urcu-memb|urcu-qsbr|urcu-bp|ck-epoch)$")
  message(FATAL_ERROR "VCOW_GC must be urcu-memb, urcu-qsbr, urcu-bp or ck-epoch, not '${VCOW_GC}'")
endif()

set(THREADS_PREFER_PTHREAD_FLAG ON)
find_package(Threads REQUIRED)

# The pkg-config module a consumer must link for a backend (vcow.pc Requires).
function(vcow_gc_pc_module backend out)
  if(backend STREQUAL "ck-epoch")
    set(${out} ck PARENT_SCOPE)
  else()
    set(${out} lib${backend} PARENT_SCOPE)
  endif()
endfunction()
