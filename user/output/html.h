/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * report --html: one self-contained page (no script, no fetch; charts are SVG drawn here):
 * a waterfall of the layers per direction, each segment's CDF, and the time series with
 * spikes and clock changes marked.
 */
#ifndef VNL_HTML_H
#define VNL_HTML_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "breakdown.h"
#include "recording.h"
#include "journey.h"
#include "timeline.h"

/* A moment marked on the time series, with what happened then. */
struct html_mark {
	double time_s;
	char what[64];
};

struct html_input {
	const struct recording *rec;
	const struct group *all;
	struct group *const *windows;
	size_t nwindows;
	uint64_t window_ns;
	double from_s; /* where the first window begins, in seconds since the start (--time) */
	const struct timeline *tl;
	const uint64_t *clock_ts; /* clock.adjust events, ns */
	size_t nclock;
	const struct html_mark *marks; /* ptp4l's port state changes */
	size_t nmarks;
	const struct journey *kept; /* --keep-slow: the kept packets, slowest first */
	size_t nkept;
	/* per direction, a typical (p50) and a slow (p99) packet of the run; NULL if none */
	const struct journey *example[VNL_DIR_ANY][2];
};

int html_write(FILE *f, const struct html_input *in);

#endif
