/*
 * base/trace.h - USDT probes: static tracepoints that cost one nop each
 * until a tracer (perf, bpftrace, SystemTap) attaches to them. Provider
 * "vcow"; every probe's first argument is the cell, so a tracer can tell
 * cells apart. Built with Debian's systemtap-sdt-dev (sys/sdt.h, header
 * only); compiled out where that header is absent (VCOW_HAVE_SDT unset).
 *
 *   probe          where                                 arguments
 *   commit         a commit published its version       cell, seq, retired nodes
 *   conflict       a commit lost its CAS                 cell, base seq
 *   backpressure   a committer waits a grace period to  cell, backlog bytes
 *                  free the cell's backlog
 *   reclaim        the reclaimer freed a batch           cell, bytes, pending bytes
 *                  (bytes: all it freed that old versions held; pending
 *                  bytes: of those, what counted against max_pending_bytes)
 *   pin_old        a version other than the head was    cell, seq
 *                  pinned (pin_at, pin_as_of, versions)
 *   unpin_old      the last pin of a version that is    cell, seq
 *                  no longer the head went
 *
 * docs/OPERATIONS.md shows how to count them.
 */
#ifndef VCOW_BASE_TRACE_H
#define VCOW_BASE_TRACE_H

#ifdef VCOW_HAVE_SDT
#include <sys/sdt.h>
#define VCOW_TRACE2(name, a, b)    DTRACE_PROBE2(vcow, name, a, b)
#define VCOW_TRACE3(name, a, b, c) DTRACE_PROBE3(vcow, name, a, b, c)
#else
#define VCOW_TRACE2(name, a, b)    ((void)(a), (void)(b))
#define VCOW_TRACE3(name, a, b, c) ((void)(a), (void)(b), (void)(c))
#endif

#endif
