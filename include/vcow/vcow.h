/**
 * @file vcow/vcow.h
 * everything: include this, or the module headers you use.
 */
#ifndef VCOW_VCOW_H
#define VCOW_VCOW_H

#include <vcow/common.h>
#include <vcow/version.h>
#include <vcow/error.h>
#include <vcow/gc.h>
#include <vcow/mem.h>
#include <vcow/debug.h>
#include <vcow/val.h>
#include <vcow/cell.h>
#include <vcow/box.h>
#include <vcow/map.h>
#include <vcow/rope.h>
#include <vcow/tree.h>
#include <vcow/watch.h>
#include <vcow/revert.h>

#endif
