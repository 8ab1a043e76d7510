/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef VNL_HOPTAB_H
#define VNL_HOPTAB_H

#include "hops.h"
#include "names.h"

struct hop_info {
	const char *name;
	enum vnl_dir dir;
	int point;    /* enum vnl_point of the tracepoint, -1 if none */
	int role;     /* enum vnl_role the device must have */
	int fn_point; /* enum vnl_point of the kernel function that replaces it, -1 if none */
	enum vnl_hop_kind kind;
	int packetless;	    /* not a packet's own event: tied (by thread, CPU, time) or none */
	enum vnl_side side; /* the kernel it runs in */
	enum vnl_reason_kind reason;
};

/* What a point fires only with: probe says whether the host has it. */
enum vnl_needs {
	VNL_NEEDS_NOTHING = 0,
	VNL_NEEDS_KVM,	 /* a guest run by KVM (hardware virtualisation), not emulated */
	VNL_NEEDS_VHOST, /* vhost-net moving the guest's packets */
};

/* Attach points: the tracepoint (category:name) or the kernel function behind each. */
struct point_info {
	const char *name;     /* tracepoint name or function name */
	const char *category; /* tracepoint category; NULL for kernel functions */
	enum vnl_needs needs; /* what must run on the host for the point to fire */
	const char *note;     /* when the point fires, where that is not plain */
};

extern const struct hop_info vnl_hops[VNL_HOP_MAX];
extern const struct point_info vnl_points[VNL_PT_MAX];

const char *hop_name(unsigned int hop);
/* The point attached with the hop's own (VNL_HOP_COMPANION), -1 if none. */
int hop_companion(unsigned int hop);
/* Whether the hop runs in a guest's kernel (0 for ids outside the table). */
int hop_in_guest(unsigned int hop);
/* Whether the hop's tracepoint stays attached beside its function (VNL_HOP_BOTH_POINTS). */
int hop_both_points(unsigned int hop);
/*
 * The name of a round trip's time outside the host between its request's last hop and its
 * response's first: vmm+guest, the guest's own turnaround, or network+remote.
 */
const char *outside_segment_name(enum vnl_dir request_dir, unsigned int request_last_hop);
/* What a round trip's segments of one direction are prefixed with: "to_guest." */
const char *round_trip_prefix(enum vnl_dir dir);
/* The name of the segment between two hops; buf holds composite names "a..b". */
const char *segment_name(unsigned int from, unsigned int to, char *buf, size_t size);
/*
 * The hop that ends a journey in each direction: the last packet hop of the direction that is
 * attached (attached[hop]) on a device role that is traced (role_traced[role]); -1 if none.
 */
void final_hops(const int attached[VNL_HOP_MAX], const int role_traced[VNL_ROLE_MAX],
		int final_hop[VNL_DIR_MAX]);
/* The first such hop in each direction: where a whole journey begins. */
void first_hops(const int attached[VNL_HOP_MAX], const int role_traced[VNL_ROLE_MAX],
		int first_hop[VNL_DIR_MAX]);
/*
 * Where a packet with no data for a socket (a pure ACK, TCP control) ends when the journey's
 * last hop is final: the stack's receive (VNL_HOP_DATALESS_END), else final itself.
 */
int dataless_end(int final);
/* Aggregate-mode histogram slot of a segment: 1.. for rows of the table, 0 otherwise. */
unsigned int segment_slot(unsigned int from, unsigned int to);
/* The segment of a slot; returns -1 for slots that are not table rows. */
int segment_of_slot(unsigned int slot, unsigned int *from, unsigned int *to, const char **name);

#endif
