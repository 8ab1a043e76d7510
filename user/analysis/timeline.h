/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The report's time view: every segment's series of per-window percentiles, the spikes in
 * its p99 (and their period) and the trend of its p50 over the run (see analysis.h).
 */
#ifndef VNL_TIMELINE_H
#define VNL_TIMELINE_H

#include <stddef.h>
#include <stdint.h>
#include "analysis.h"
#include "groups.h"

#define TIMELINE_MIN_COUNT 3 /* a window needs this many samples of a segment to count */

struct finding {
	int row;		   /* enum row_dir */
	const struct seg_agg *seg; /* NULL: end to end; else &id (the segment's identity) */
	struct seg_agg id;	   /* name, hops and part; its histogram unused */
	struct spikes spikes;	   /* of the per-window p99 */
	int have_trend;
	double slope_ns_per_min; /* of the per-window p50 */
	double r2;
	double median_p50_ns;
	size_t windows; /* windows with enough samples */
};

struct timeline {
	uint64_t window_ns;
	struct finding *f;
	size_t n;
};

/* Analyses every segment of every row of all across windows[0..nwindows) (NULL: empty). */
int timeline_build(struct timeline *tl, struct group *all, struct group *const *windows,
		   size_t nwindows, uint64_t window_ns);
/* The finding whose spikes are largest (periodic ones first, unless others are a hundred
 * times their size); NULL when nothing spikes. */
const struct finding *timeline_worst(const struct timeline *tl);
/* Whether a trend is worth a line: it moved the p50 by a fifth over the run, and fits. */
int timeline_trend_notable(const struct timeline *tl, const struct finding *f);
void timeline_free(struct timeline *tl);

#endif
