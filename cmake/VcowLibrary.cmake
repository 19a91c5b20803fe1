# vcow_add_library(name SHARED|STATIC backend)
#
# Builds the whole runtime with one reclamation backend. The configured
# library (VCOW_GC) is built this way, and so are the per-backend static
# variants the tests link, so that one test body runs against every backend.
# Every .c under runtime/ and structures/<kind>/ for the kinds in
# VCOW_STRUCTURES (default: every folder under structures/) is part of the
# library; a new structure needs no edit here (re-run cmake after adding a
# file). Leaving a kind out builds the library without it.
file(GLOB _kinds RELATIVE "${PROJECT_SOURCE_DIR}/structures" "${PROJECT_SOURCE_DIR}/structures/*")
list(SORT _kinds)
set(VCOW_STRUCTURES "${_kinds}" CACHE STRING "Structures to build (box is always built)")
list(APPEND VCOW_STRUCTURES box)
list(REMOVE_DUPLICATES VCOW_STRUCTURES)
file(GLOB VCOW_RUNTIME_SOURCES CONFIGURE_DEPENDS RELATIVE "${PROJECT_SOURCE_DIR}"
     "${PROJECT_SOURCE_DIR}/runtime/*.c")
foreach(k IN LISTS VCOW_STRUCTURES)
  file(GLOB _src CONFIGURE_DEPENDS RELATIVE "${PROJECT_SOURCE_DIR}"
       "${PROJECT_SOURCE_DIR}/structures/${k}/*.c")
  list(APPEND VCOW_RUNTIME_SOURCES ${_src})
endforeach()
list(SORT VCOW_RUNTIME_SOURCES)
# base/ lies below both gc/ and runtime/ (what both need: panic, ...).
file(GLOB VCOW_BASE_SOURCES CONFIGURE_DEPENDS RELATIVE "${PROJECT_SOURCE_DIR}"
     "${PROJECT_SOURCE_DIR}/base/*.c")
set(VCOW_GC_COMMON_SOURCES gc/thread.c ${VCOW_BASE_SOURCES})
# USDT probes (base/trace.h): Debian's systemtap-sdt-dev, header only;
# compiled out where it is absent or VCOW_TRACING is off.
option(VCOW_TRACING "Build the USDT probes (needs sys/sdt.h)" ON)
if(VCOW_TRACING)
  include(CheckIncludeFile)
  check_include_file(sys/sdt.h VCOW_HAVE_SDT)
endif()

# vcow_add_library(name type backend [TSAN]): TSAN builds the variant for
# programs run under ThreadSanitizer (libvcow-tsan): instrumented, with the
# libc allocator (TSan does not see jemalloc) and vcow's happens-before
# annotations for grace periods (gc/thread.h).
function(vcow_add_library name type backend)
  set(root "${PROJECT_SOURCE_DIR}")
  set(tsan OFF)
  if("TSAN" IN_LIST ARGN)
    set(tsan ON)
  endif()
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
  if(VCOW_HAVE_SDT)
    target_compile_definitions(${name} PRIVATE VCOW_HAVE_SDT)
  endif()
  # Static consumers need the dependencies too; the shared library hides them.
  if(type STREQUAL "STATIC")
    set(vis PUBLIC)
  else()
    set(vis PRIVATE)
  endif()
  target_link_libraries(${name} ${vis} ${gcdeps} PkgConfig::XXHASH Threads::Threads)
  # ck_backoff.h only (header-only): the include path, not the library.
  target_include_directories(${name} PRIVATE ${CK_INCLUDE_DIRS})
  if(VCOW_ALLOCATOR STREQUAL "jemalloc" AND NOT tsan)
    target_compile_definitions(${name} PRIVATE VCOW_USE_JEMALLOC)
    target_link_libraries(${name} ${vis} PkgConfig::JEMALLOC)
  endif()
  if(tsan)
    # PUBLIC: a program that links it is compiled for TSan too.
    target_compile_options(${name} PUBLIC -fsanitize=thread)
    target_compile_options(${name} PRIVATE -fno-omit-frame-pointer)
    target_compile_definitions(${name} PRIVATE VCOW_SANITIZED=1)
    target_link_options(${name} PUBLIC -fsanitize=thread)
  endif()
  if(type STREQUAL "SHARED" AND VCOW_SANITIZE STREQUAL "" AND NOT tsan)
    # Fail at link time, not at run time, on a symbol left undefined.
    # (Not with sanitizers: clang links their runtime into executables only.)
    target_link_options(${name} PRIVATE -Wl,--no-undefined)
  endif()
endfunction()
