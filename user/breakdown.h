/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The breakdown report builds: per group (everything, a VM, a tap, a flow, a time window)
 * and row (direction, round trips by initiator), each segment's histogram.
 */
#ifndef VNL_BREAKDOWN_H
#define VNL_BREAKDOWN_H

#include <stddef.h>
#include <stdint.h>
#include "hist.h"
#include "hops.h"

enum part { PART_REQ = 0, PART_OUTSIDE, PART_RESP };

/* Breakdown rows: direction to_guest, from_guest, then round trips by initiator. */
enum row_dir { ROW_TO_GUEST = 0, ROW_FROM_GUEST, ROW_RT_REMOTE, ROW_RT_GUEST, ROW_MAX };

struct seg_agg {
	char name[80];
	uint16_t from, to;
	uint8_t part;
	struct hist h;
};

struct drop_agg {
	uint16_t hop;
	uint32_t reason;
	uint64_t count;
};

struct dir_agg {
	uint64_t packets, complete, partial, incomplete, dropped; /* incomplete: lost hops */
	struct hist boundary;		/* round trips through a guest: VNL_SEG_BOUNDARY */
	uint64_t boundary_mismatch_max; /* |that - (deliver + transmit)|, the largest seen, ns */
	uint64_t incomplete_after[VNL_HOP_MAX];
	struct hist e2e;
	struct seg_agg *segs;
	size_t nsegs;
	struct drop_agg *drops;
	size_t ndrops;
};

struct group {
	char key[128];
	struct dir_agg dirs[ROW_MAX];
	/* the VMM threads' waits for a CPU (vmm.sched_delay) that ended in this group's time */
	uint64_t sched_ns, sched_max_ns, sched_n;
	struct group *next;
};

#endif
