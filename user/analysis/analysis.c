// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "analysis.h"

#define MAD_SIGMAS   8.0
#define MIN_PERIODIC 4	 /* spikes on the grid needed to call them periodic */
#define MIN_ON_GRID  0.7 /* share of the spikes that must fall on it */
#define MIN_COVERAGE 0.6 /* share of its points (first to last) that must have a spike */

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The median of the values where have[i] (of src shifted by -sub and made absolute if abs_). */
static double median_of(const double *v, const int *have, size_t n, double sub, int abs_)
{
	double *tmp = malloc((n + 1) * sizeof(*tmp)), m;
	size_t i, k = 0;

	if (!tmp)
		return 0;
	for (i = 0; i < n; i++)
		if (have[i])
			tmp[k++] = abs_ ? fabs(v[i] - sub) : v[i] - sub;
	if (!k) {
		free(tmp);
		return 0;
	}
	qsort(tmp, k, sizeof(*tmp), by_value);
	m = k % 2 ? tmp[k / 2] : (tmp[k / 2 - 1] + tmp[k / 2]) / 2;
	free(tmp);
	return m;
}

#define MIN_PERIOD 3 /* windows: the shortest period looked for */

/*
 * How far from the grid a spike may fall: each onset is known to a window either way. A
 * short period leaves no such room (a window either way would put every window on a grid
 * of 3): there, spikes must fall on the grid's own windows.
 */
static double period_tol(double p)
{
	if (p < 5)
		return 0.5;
	if (p < 8)
		return 1;
	return p * 0.08 > 2 ? p * 0.08 : 2;
}

struct grid {
	double p;	 /* period, windows */
	size_t hits;	 /* spikes on the grid */
	double coverage; /* hits / grid points from the first hit to the last */
	double anchor;
};

static int on_grid(double t, double anchor, double p)
{
	double k = floor((t - anchor) / p + 0.5);

	return fabs(t - anchor - k * p) <= period_tol(p);
}

/* The best phase for period p: the spike most others fall on the grid of. */
static struct grid fit_grid(const struct spikes *s, double p)
{
	struct grid g = {p, 0, 0, 0};
	size_t a, i;

	for (a = 0; a < s->n && a < 32; a++) {
		double anchor = (double)s->at[a], first = 1e300, last = -1e300;
		size_t hits = 0;

		for (i = 0; i < s->n; i++) {
			if (!on_grid((double)s->at[i], anchor, p))
				continue;
			hits++;
			first = fmin(first, (double)s->at[i]);
			last = fmax(last, (double)s->at[i]);
		}
		if (hits > g.hits) {
			g.hits = hits;
			g.anchor = anchor;
			g.coverage = (double)hits / (floor((last - first) / p + 0.5) + 1);
		}
	}
	return g;
}

/* Spikes on the grid less the grid's points without one, from its first hit to its last. */
static double grid_score(const struct grid *g)
{
	double points;

	if (!g->hits)
		return -1e300;
	points = (double)g->hits / g->coverage;
	return (double)g->hits - (points - (double)g->hits);
}

/* The least-squares line through the spikes on the grid: the period below a window. */
static double refine_period(const struct spikes *s, const struct grid *g)
{
	double sk = 0, st = 0, skk = 0, skt = 0;
	size_t i, m = 0;

	for (i = 0; i < s->n; i++) {
		double t = (double)s->at[i], k = floor((t - g->anchor) / g->p + 0.5);

		if (!on_grid(t, g->anchor, g->p))
			continue;
		sk += k;
		st += t;
		skk += k * k;
		skt += k * t;
		m++;
	}
	if (m < 3 || m * skk - sk * sk <= 0)
		return g->p;
	return ((double)m * skt - sk * st) / ((double)m * skk - sk * sk);
}

/*
 * The period of recurring spikes, in windows. Candidates are the gaps between consecutive
 * spikes and their halves and thirds (spikes may be missed); a candidate holds when most
 * spikes fall on one grid of it (some may be strays: a cold start, a one-off stall) and most
 * of that grid's points have a spike (a fraction of the true period would leave most empty).
 * Of those, the one with the most spikes on its grid less its empty points (a stray spike half
 * way between two real ones must not halve the period), then the longest.
 */
static void spike_period(struct spikes *s)
{
	struct grid best = {0, 0, 0, 0};
	size_t i;
	int div;

	for (i = 0; i + 1 < s->n; i++) {
		double gap = (double)(s->at[i + 1] - s->at[i]);

		for (div = 1; div <= 3; div++) {
			struct grid g;

			if (gap / div < MIN_PERIOD)
				continue;
			g = fit_grid(s, gap / div);
			if (g.hits < MIN_PERIODIC || (double)g.hits < MIN_ON_GRID * (double)s->n ||
			    g.coverage < MIN_COVERAGE)
				continue;
			if (grid_score(&g) > grid_score(&best) ||
			    (grid_score(&g) == grid_score(&best) && g.p > best.p))
				best = g;
		}
	}
	if (!best.hits)
		return;
	s->period = refine_period(s, &best);
	s->period_score = (double)best.hits / (double)s->n;
}

void find_spikes(const double *v, const int *have, size_t n, double min_excess, struct spikes *s)
{
	double spread, margin;
	size_t i;

	memset(s, 0, sizeof(*s));
	if (n < 3)
		return;
	s->baseline = median_of(v, have, n, 0, 0);
	spread = 1.4826 * median_of(v, have, n, s->baseline, 1);
	margin = MAD_SIGMAS * spread;
	if (margin < s->baseline / 2)
		margin = s->baseline / 2;
	if (margin < min_excess)
		margin = min_excess;
	s->threshold = s->baseline + margin;
	for (i = 0; i < n && s->n < SPIKES_MAX; i++) {
		if (!have[i] || v[i] <= s->threshold)
			continue;
		/* a run of spiking windows is one spike: it starts at its first window (the onset
		 * keeps its phase from one spike to the next) and is as high as its highest */
		if (s->n && s->end[s->n - 1] + 1 == i) {
			s->end[s->n - 1] = i;
			if (v[i] > s->peak[s->n - 1])
				s->peak[s->n - 1] = v[i];
			continue;
		}
		s->at[s->n] = s->end[s->n] = i;
		s->peak[s->n++] = v[i];
	}
	if (!s->n)
		return;
	{
		double *ex = malloc(s->n * sizeof(*ex));
		int *all = malloc(s->n * sizeof(*all));

		if (ex && all) {
			for (i = 0; i < s->n; i++) {
				ex[i] = s->peak[i];
				all[i] = 1;
			}
			s->magnitude = median_of(ex, all, s->n, s->baseline, 0);
		}
		free(ex);
		free(all);
	}
	if (s->n >= MIN_PERIODIC)
		spike_period(s);
}

int trend(const double *t, const double *v, const int *have, size_t n, double *slope, double *r2)
{
	double mt = 0, mv = 0, stt = 0, svv = 0, stv = 0;
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		if (!have[i])
			continue;
		mt += t[i];
		mv += v[i];
		k++;
	}
	if (k < 3)
		return -1;
	mt /= (double)k;
	mv /= (double)k;
	for (i = 0; i < n; i++) {
		if (!have[i])
			continue;
		stt += (t[i] - mt) * (t[i] - mt);
		svv += (v[i] - mv) * (v[i] - mv);
		stv += (t[i] - mt) * (v[i] - mv);
	}
	if (stt <= 0)
		return -1;
	*slope = stv / stt;
	*r2 = svv > 0 ? stv * stv / (stt * svv) : 0;
	return 0;
}
