// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "timeline.h"

#define MIN_SPIKE_NS 20000.0 /* an excess below 20 us is not called a spike */
#define MIN_WINDOWS  12	     /* spikes stand out of a series this long at least */

/* The histogram of segment seg (or end to end) of row in window group g; NULL if none. */
static const struct hist *window_hist(const struct group *g, int row, const struct seg_agg *seg)
{
	const struct dir_agg *d;
	size_t i;

	if (!g)
		return NULL;
	d = &g->dirs[row];
	if (!seg)
		return &d->e2e;
	for (i = 0; i < d->nsegs; i++)
		if (d->segs[i].from == seg->from && d->segs[i].to == seg->to &&
		    d->segs[i].part == seg->part && !strcmp(d->segs[i].name, seg->name))
			return &d->segs[i].h;
	return NULL;
}

static int analyse(struct finding *f, struct group *const *windows, size_t n, uint64_t window_ns)
{
	double *p99 = calloc(n + 1, sizeof(double)), *p50 = calloc(n + 1, sizeof(double));
	double *t = calloc(n + 1, sizeof(double)), *tmp = calloc(n + 1, sizeof(double));
	int *have = calloc(n + 1, sizeof(int));
	size_t i, k = 0;
	int ret = -ENOMEM;

	if (!p99 || !p50 || !t || !have || !tmp)
		goto out;
	for (i = 0; i < n; i++) {
		const struct hist *h = window_hist(windows[i], f->row, f->seg);

		t[i] = (double)i * (double)window_ns / 60e9; /* minutes */
		if (!h || h->count < TIMELINE_MIN_COUNT)
			continue;
		have[i] = 1;
		p99[i] = (double)hist_percentile(h, 99);
		p50[i] = (double)hist_percentile(h, 50);
		tmp[k++] = p50[i];
		f->windows++;
	}
	if (f->windows >= MIN_WINDOWS)
		find_spikes(p99, have, n, MIN_SPIKE_NS, &f->spikes);
	f->have_trend = !trend(t, p50, have, n, &f->slope_ns_per_min, &f->r2);
	if (k) {
		size_t a, b;

		for (a = 1; a < k; a++) /* insertion sort: a few thousand windows at most */
			for (b = a; b > 0 && tmp[b - 1] > tmp[b]; b--) {
				double x = tmp[b];

				tmp[b] = tmp[b - 1];
				tmp[b - 1] = x;
			}
		f->median_p50_ns = tmp[k / 2];
	}
	ret = 0;
out:
	free(p99);
	free(p50);
	free(t);
	free(tmp);
	free(have);
	return ret;
}

int timeline_build(struct timeline *tl, struct group *all, struct group *const *windows,
		   size_t nwindows, uint64_t window_ns)
{
	size_t total = 0, i;
	int row;

	memset(tl, 0, sizeof(*tl));
	tl->window_ns = window_ns;
	if (nwindows < 3)
		return 0;
	for (row = 0; row < ROW_MAX; row++)
		total += all->dirs[row].nsegs + 1;
	tl->f = calloc(total, sizeof(*tl->f));
	if (!tl->f)
		return -ENOMEM;
	for (row = 0; row < ROW_MAX; row++) {
		const struct dir_agg *d = &all->dirs[row];

		if (!d->complete)
			continue;
		for (i = 0; i <= d->nsegs; i++) {
			struct finding *f = &tl->f[tl->n];

			f->row = row;
			/* by value: the report sorts its segment arrays afterwards */
			if (i < d->nsegs) {
				memcpy(f->id.name, d->segs[i].name, sizeof(f->id.name));
				f->id.from = d->segs[i].from;
				f->id.to = d->segs[i].to;
				f->id.part = d->segs[i].part;
				f->seg = &f->id;
			}
			if (analyse(f, windows, nwindows, window_ns))
				return -ENOMEM;
			tl->n++;
		}
	}
	return 0;
}

/*
 * How a layer's spikes rank for the headline: recurring ones first, the bigger first; but
 * spikes a hundred times the size of a recurring wobble are the story even when they do not
 * keep time (a VMM kept off its CPU for 300 ms, against a periodic 100 us in the driver).
 */
#define APERIODIC_OUTWEIGHS 100.0

static double spike_rank(const struct finding *f)
{
	return f->spikes.magnitude * (f->spikes.period > 0 ? APERIODIC_OUTWEIGHS : 1.0);
}

const struct finding *timeline_worst(const struct timeline *tl)
{
	const struct finding *best = NULL;
	size_t i;

	for (i = 0; i < tl->n; i++) {
		const struct finding *f = &tl->f[i];

		if (!f->seg || !f->spikes.n)
			continue; /* the layer is wanted: end to end carries every spike */
		if (!best || spike_rank(f) > spike_rank(best))
			best = f;
	}
	return best;
}

int timeline_trend_notable(const struct timeline *tl, const struct finding *f)
{
	double minutes = (double)tl->window_ns * (double)f->windows / 60e9;

	/* a creep is a matter of minutes: half a minute of data at least, and a fit */
	return f->have_trend && f->windows >= 10 && minutes >= 0.5 && f->r2 >= 0.5 &&
	       f->median_p50_ns > 0 &&
	       fabs(f->slope_ns_per_min) * minutes >= 0.2 * f->median_p50_ns;
}

void timeline_free(struct timeline *tl)
{
	free(tl->f);
	memset(tl, 0, sizeof(*tl));
}
