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
	const char *src; /* the hop table's string the name was made from, NULL if none */
	uint16_t from, to;
	uint8_t part;
	struct hist h;
};

struct drop_agg {
	uint16_t hop;	/* the last hop before the drop */
	uint8_t kernel; /* the kernel that dropped it: its drop reasons name the reason */
	uint32_t reason;
	uint64_t count;
};

/* How many packets had one class (priority, transmit queue) at one hop. */
struct class_agg {
	uint16_t hop;
	uint16_t queue;
	uint8_t prio;
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
	size_t seg_next; /* where the next search for a segment starts */
	struct drop_agg *drops;
	size_t ndrops;
	struct class_agg *classes; /* kept for PTP messages only */
	size_t nclasses;
};

struct group {
	char key[128];
	struct dir_agg dirs[ROW_MAX];
	/* the VMM threads' waits for a CPU (vmm.sched_delay) that ended in this group's time */
	uint64_t sched_ns, sched_max_ns, sched_n;
	struct group *next;
};

enum group_by { BY_NONE = 0, BY_VM, BY_IFACE, BY_FLOW, BY_PRIO, BY_QUEUE, BY_CLASS, BY_MAX };

struct recording;
struct journey;

/* The key of the group a journey is counted in (by VM, tap or flow; "all" for none). */
void group_key(enum group_by by, const struct recording *rec, const struct journey *j, char *buf,
	       size_t size);
/*
 * The class journey j had where it was first queued for transmit, by the priority map of that
 * device's qdisc ("tc 1, queues 2-3 on eth0 (guest)", "band 0 on tap0"); by its priority
 * alone where the recording has no such map. -1 (buf "unknown") when no hop read a class.
 */
/* The device (ifindex; 0 if none) a journey's hop is on, and the kernel it is in. */
uint32_t journey_hop_device(const struct journey *j, unsigned int hop, unsigned int *kernel);
int journey_class_name(const struct recording *rec, const struct journey *j, char *buf,
		       size_t size);
/* What that name is made of: the hop it was queued at (-1: none), its priority, the device,
 * the kernel, and the priority map in force then (NULL: none); -1 when no hop read a class. */
struct class_key {
	const struct vnl_file_qdisc *map;
	uint32_t ifindex;
	unsigned int kernel;
	int at;
	uint8_t prio;
};
int journey_class_key(const struct recording *rec, const struct journey *j, struct class_key *k);
void class_key_name(const struct recording *rec, const struct class_key *k, char *buf, size_t size);
void dir_agg_free(struct dir_agg *d);
/* Frees what g holds (NULL-safe); g itself is the caller's. */
void group_free(struct group *g);

#endif
