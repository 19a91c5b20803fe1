/*
 * base/panic.h - stop loudly on misuse that cannot be reported.
 *
 * Below runtime/ and gc/: both use it. A call that detects misuse it has
 * no way to return an error for (a double unpin, an unpaired read unlock)
 * prints "vcow: <call>: <what>" on stderr and aborts, in every build:
 * going on would hang or corrupt a cell, which is worse than stopping.
 */
#ifndef VCOW_BASE_PANIC_H
#define VCOW_BASE_PANIC_H

__attribute__((noreturn, format(printf, 2, 3))) void vcow__panic(const char *call, const char *fmt,
                                                                 ...);

#endif
