/*
 * bench/alloc.h - which allocator each contender runs on, found at run time
 * and written into the results (context and per-benchmark labels), so a
 * table never compares allocators without saying so.
 *
 *   vcow's nodes:   vcow_allocator() ("jemalloc": mallocx/sdallocx inside
 *                   libvcow, or "libc")
 *   everything else (std containers through operator new, cds_lfht, ck_hs,
 *   LMDB's own buffers): the process's malloc, named after the shared object
 *   that `malloc` resolves to (libc.so.6 -> "glibc", libjemalloc.so.2 ->
 *   "jemalloc").
 */
#ifndef VCOW_BENCH_ALLOC_H
#define VCOW_BENCH_ALLOC_H

#include <dlfcn.h>

#include <cstring>
#include <string>

#include <benchmark/benchmark.h>

#include <vcow/mem.h>

namespace bench_alloc
{

/* "glibc", "jemalloc", "tcmalloc", ... or the object's file name. */
inline std::string process_malloc()
{
    void *sym = dlsym(RTLD_DEFAULT, "malloc");
    Dl_info info;
    if (sym == nullptr || dladdr(sym, &info) == 0 || info.dli_fname == nullptr)
        return "unknown";
    const char *base = std::strrchr(info.dli_fname, '/');
    base = base != nullptr ? base + 1 : info.dli_fname;
    if (std::strncmp(base, "libc.so", 7) == 0)
        return "glibc";
    if (std::strstr(base, "jemalloc") != nullptr)
        return "jemalloc";
    if (std::strstr(base, "tcmalloc") != nullptr)
        return "tcmalloc";
    if (std::strstr(base, "mimalloc") != nullptr)
        return "mimalloc";
    /* malloc defined in the executable itself: a static allocator. */
    return base;
}

/* The label of a vcow contender: "alloc:jemalloc". */
inline std::string vcow_label()
{
    return std::string("alloc:") + vcow_allocator();
}

/* The label of a contender on the process's malloc: "alloc:glibc". */
inline std::string malloc_label()
{
    return "alloc:" + process_malloc();
}

/* Both into the JSON context (report.py names them in the tables). */
inline void add_context()
{
    benchmark::AddCustomContext("vcow_allocator", vcow_allocator());
    benchmark::AddCustomContext("process_malloc", process_malloc());
}

} // namespace bench_alloc

#endif
