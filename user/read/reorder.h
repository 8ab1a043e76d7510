/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Events back in time order: the rings hand them out in the order they were reserved, which
 * is time order but for CPUs racing each other by a few microseconds.
 */
#ifndef VNL_REORDER_H
#define VNL_REORDER_H

#include <stdint.h>
#include "vnetlat.h"

struct reorder;
struct reorder *reorder_new(uint64_t window_ns);
/* Adds ev; hands every event older than the window to out, oldest first. */
int reorder_push(struct reorder *r, const struct vnl_event *ev,
		 void (*out)(void *ctx, const struct vnl_event *ev), void *ctx);
void reorder_drain(struct reorder *r, void (*out)(void *ctx, const struct vnl_event *ev),
		   void *ctx);
uint64_t reorder_late(const struct reorder *r); /* events older than what was already handed out */
void reorder_free(struct reorder *r);

#endif
