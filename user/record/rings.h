/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The BPF ring buffers: one per CPU, so the hops of two CPUs never wait on one lock. Each
 * pass over them is merged back into time order before it is handed on.
 */
#ifndef VNETLAT_RINGS_H
#define VNETLAT_RINGS_H

#include <stddef.h>
#include <stdint.h>
#include "vnetlat.h"

struct rings;

/* How long a pass reads one ring at most, unless the recorder says otherwise. */
#define RINGS_BUDGET_NS 50000000ULL

/* What one ring gave in the current pass, in the order it gave it. */
struct ring_run {
	struct vnl_event *ev;
	size_t n, cap;
	struct rings *owner;
	struct ring_buffer *rb; /* this ring alone: each is read with its own budget */
	uint64_t last_ts;	/* the newest event time it gave */
	unsigned int taken;	/* records taken in the current pass */
};

typedef int (*rings_out_fn)(void *ctx, const struct vnl_event *ev);

struct rings {
	int epfd; /* every ring's: a pass waits for any of them */
	int fds[VNL_MAX_RINGS];
	struct ring_run run[VNL_MAX_RINGS];
	unsigned int n;
	rings_out_fn out;
	void *ctx;
	/* events are handed on this long after their time: --keep-slow sends a slow packet's
	 * hops at its last one, up to this much after its first */
	uint64_t hold_ns;
	/* a --keep-slow packet's path as the ring gave it (before it becomes events) */
	void (*on_kept)(void *ctx, const struct vnl_kept *k);
	/* a pass reads a ring for this long at most (0: to its end), so that a ring that
	 * fills as fast as it is read does not hold the recorder's other work up */
	uint64_t budget_ns;
	uint64_t pass_deadline; /* CLOCK_MONOTONIC; 0: the current pass reads to the end */
	uint64_t pass_until;	/* event time; a ring's read stops past it (0: it does not) */
};

/*
 * How many rings for ncpus CPUs and how large each (a power of two, a page at least), for a
 * total of about total bytes.
 */
void rings_plan(uint64_t total, unsigned int ncpus, unsigned int *n, uint64_t *each);

/*
 * One record of a ring into its run: an event, or a --keep-slow packet's path (struct
 * vnl_kept) as one event per hop, each put in time order among the run's.
 */
int rings_take(struct ring_run *run, const void *data, size_t size);

/* Creates the rings, puts them in the BPF array outer_fd, and opens them for reading. */
int rings_open(struct rings *r, int outer_fd, unsigned int n, uint64_t each, rings_out_fn out,
	       void *ctx);

/*
 * Waits up to timeout_ms for a ring to fill, then takes what all of them hold (each for
 * budget_ns at most) and hands on, in time order, what is older than the pass and than what a
 * ring read only in part may still hold (the rest waits for the next).
 */
int rings_poll(struct rings *r, int timeout_ms);

/* Takes what all rings hold now and hands on everything, in time order. */
int rings_drain(struct rings *r);

/*
 * Hands on, in time order, every event stamped up to until (the event clock), and no later
 * one: a ring is read only up to its first newer record, so a flood that refills the rings
 * as fast as they are read does not hold the flush up, nor grow what it gathers.
 */
int rings_flush(struct rings *r, uint64_t until);

void rings_close(struct rings *r);

/*
 * Hands on the events up to horizon of n runs, each in time order, as one sequence in time
 * order; the later ones stay at the front of their runs.
 */
int rings_merge(struct ring_run *runs, unsigned int n, uint64_t horizon, rings_out_fn out,
		void *ctx);

#endif /* VNETLAT_RINGS_H */
