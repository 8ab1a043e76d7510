/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Time-series analysis of a segment's per-window statistics: spikes, the period of recurring
 * spikes, and a trend over the run. Pure functions on arrays (unit-tested on synthetic series).
 */
#ifndef VNL_ANALYSIS_H
#define VNL_ANALYSIS_H

#include <stddef.h>

#define SPIKES_MAX 256

struct spikes {
	size_t n;		 /* spikes found (a run of spiking windows is one) */
	size_t at[SPIKES_MAX];	 /* the first window of each spike */
	size_t end[SPIKES_MAX];	 /* its last window */
	double peak[SPIKES_MAX]; /* its highest value */
	double baseline;	 /* the series' median */
	double threshold;	 /* what a window must exceed to spike */
	double magnitude;	 /* median excess of the spikes over the baseline */
	double period;		 /* in windows; 0 when the spikes do not recur regularly */
	double period_score;	 /* the share of the spikes on its grid */
};

/*
 * v[i]: the statistic (p99, say) of window i; have[i]: whether window i had enough samples.
 * A window spikes when it exceeds the median by several times the series' own spread (median
 * absolute deviation), by half the median and by min_excess. The period is one most spikes
 * fall on a grid of, most of whose points have a spike (spikes may be missed, and strays may
 * come), refined by least squares; it needs at least four spikes on its grid.
 */
void find_spikes(const double *v, const int *have, size_t n, double min_excess, struct spikes *s);

/* Least-squares slope of v against t (where have[i]) and r^2; -1 with fewer than 3 points. */
int trend(const double *t, const double *v, const int *have, size_t n, double *slope, double *r2);

#endif
