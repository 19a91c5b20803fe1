# vcow_add_library(name SHARED|STATIC backend)
#
# Builds the whole runtime with one reclamation backend. The configured
# library (VCOW_GC) is built this way, and so are the per-backend static
# variants the tests link, so that one test body runs against every backend.
set(VCOW_RUNTIME_SOURCES
  runtime/cell.c
  runtime/error.c
  runtime/hash.c
  runtime/mem.c
  runtime/node.c
  runtime/reclaim.c
  runtime/retire.c
  runtime/txn.c
  structures/box/box.c
)
set(VCOW_GC_COMMON_SOURCES gc/thread.c)

function(vcow_add_library name type backend)
  set(root "${PROJECT_SOURCE_DIR}")
  list(TRANSFORM VCOW_RUNTIME_SOURCES PREPEND "${root}/" OUTPUT_VARIABLE rt)
  list(TRANSFORM VCOW_GC_COMMON_SOURCES PREPEND "${root}/" OUTPUT_VARIABLE gcc)
  if(backend STREQUAL "ck-epoch")
    set(gcb "${root}/gc/backend_ck.c")
    set(gcdeps PkgConfig::CK)
    set(gcdef VCOW_GC_CK_EPOCH)
  else()
    set(gcb "${root}/gc/backend_urcu.c")
    string(REPLACE "urcu-" "" flavor "${backend}")
    string(TOUPPER "${flavor}" FLAVOR)
    set(gcdeps PkgConfig::URCU_${FLAVOR})
    set(gcdef VCOW_GC_URCU_${FLAVOR})
  endif()
  add_library(${name} ${type} ${rt} ${gcc} ${gcb})
  target_include_directories(${name}
    PUBLIC $<BUILD_INTERFACE:${root}/include> $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>
    PRIVATE ${root})
  target_compile_definitions(${name} PRIVATE ${gcdef})
  # Static consumers need the dependencies too; the shared library hides them.
  if(type STREQUAL "STATIC")
    set(vis PUBLIC)
  else()
    set(vis PRIVATE)
  endif()
  target_link_libraries(${name} ${vis} ${gcdeps} PkgConfig::XXHASH Threads::Threads)
  # ck_backoff.h only (header-only): the include path, not the library.
  target_include_directories(${name} PRIVATE ${CK_INCLUDE_DIRS})
  if(VCOW_ALLOCATOR STREQUAL "jemalloc")
    target_compile_definitions(${name} PRIVATE VCOW_USE_JEMALLOC)
    target_link_libraries(${name} ${vis} PkgConfig::JEMALLOC)
  endif()
  if(type STREQUAL "SHARED" AND VCOW_SANITIZE STREQUAL "")
    # Fail at link time, not at run time, on a symbol left undefined.
    # (Not with sanitizers: clang links their runtime into executables only.)
    target_link_options(${name} PRIVATE -Wl,--no-undefined)
  endif()
endfunction()
