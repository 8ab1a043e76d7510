/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The offset between a guest's clock and the host's, from the traffic itself.
 *
 * offset(t) = guest clock - host clock, modelled as a + b * (t - t0) (b: the drift).
 * A packet going to the guest, seen by the host at h and by the guest at g, took g - offset - h
 * >= 0, so offset <= g - h: an upper bound. A packet coming from the guest, seen by the guest
 * at g and the host at h, gives offset >= g - h: a lower bound. A request/response exchange
 * over the agent's link gives both at once. As NTP's clock filter, the tightest bounds of each
 * window (the fastest packets) decide. The drift is none while one offset fits every sample;
 * else the one that leaves every sample the most room, when one leaves any (a clock that runs
 * off at a steady rate); else the slope of the windows' midpoints (weighted by how narrow
 * each window's interval is). The stated bound is the farthest any
 * window's interval lets the truth lie from the estimate, over the windows that are not far
 * wider than the one most samples fell in.
 */
#ifndef VNL_CLOCK_H
#define VNL_CLOCK_H

#include <stddef.h>
#include <stdint.h>

struct clk_sample {
	uint64_t t;    /* when, on the guest's clock */
	int64_t bound; /* offset <= bound (upper) or offset >= bound (lower) */
	int upper;
};

struct clk_est {
	int valid;	    /* both kinds of bound were seen */
	uint64_t t0;	    /* guest time the offset refers to (the first sample) */
	int64_t offset_ns;  /* a: the offset at t0 */
	double drift;	    /* b, in ns per ns (ppm / 1e6) */
	double drift_bound; /* every drift the samples allow is within this of b; -1: none
			     * allows all of them (b is the windows' slope) */
	int64_t bound_ns;   /* |estimate - truth| stays within this where windows had samples */
	uint64_t nupper, nlower, windows;
	uint64_t loose_windows; /* windows far wider than the rest: not covered by bound_ns */
	uint64_t outliers;	/* samples that contradicted most of their neighbours: left out */
};

/* Estimates from samples (reordered in place); window_ns: the clock filter's window. */
void clk_estimate(struct clk_sample *s, size_t n, uint64_t window_ns, struct clk_est *est);
/* The offset at guest time t. */
int64_t clk_offset_at(const struct clk_est *est, uint64_t t);
/* A guest timestamp on the host's clock. */
uint64_t clk_to_host(const struct clk_est *est, uint64_t guest_ts);

#endif
