/*
 * base/yield.h - yield injection for stress builds.
 *
 * With -DVCOW_YIELD_INJECT=ON (the tsan preset turns it on), the places
 * where a rare interleaving matters call VCOW_YIELD_POINT(): one time in
 * 16 the thread gives up the CPU there, so a few seconds of stress reach
 * schedules that would otherwise take hours. Off, it compiles to nothing.
 */
#ifndef VCOW_BASE_YIELD_H
#define VCOW_BASE_YIELD_H

#ifdef VCOW_YIELD_INJECT
void vcow_yield_point(void);
#define VCOW_YIELD_POINT() vcow_yield_point()
#else
#define VCOW_YIELD_POINT() ((void)0)
#endif

#endif
