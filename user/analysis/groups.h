/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What a breakdown holds per group (everything, a VM, a tap, a flow, a time window) and row
 * (direction, round trips by initiator): each segment's histogram, drops, lost hops.
 */
#ifndef VNL_GROUPS_H
#define VNL_GROUPS_H

#include <stddef.h>
#include <stdint.h>
#include "hist.h"
#include "hops.h"
#include "names.h"

enum part { PART_REQ = 0, PART_OUTSIDE, PART_RESP };

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
	struct seg_agg *segs; /* in path order: part, then from, then to */
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

void group_free(struct group *g);

#endif
