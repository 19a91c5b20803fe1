/*
 * vcow/vcow.h - everything: include this, or the module headers you use.
 */
#ifndef VCOW_VCOW_H
#define VCOW_VCOW_H

#include <vcow/common.h>
#include <vcow/error.h>
#include <vcow/gc.h>
#include <vcow/mem.h>
#include <vcow/debug.h>

#endif
