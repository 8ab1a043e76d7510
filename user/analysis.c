// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "analysis.h"

#define MAD_SIGMAS   8.0
#define MIN_FIT	     0.75 /* share of gaps that must be multiples of the period */
#define MIN_PERIODIC 4	  /* spikes needed to call them periodic */

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

/* How far from a whole number of periods a gap may fall: each onset is known to a window. */
static double period_tol(double p)
{
	return p * 0.12 > 2 ? p * 0.12 : 2;
}

/* Of the gaps, the share that are whole multiples of p (up to 3: spikes may be missed). */
static double multiples_fit(const double *gap, size_t n, double p)
{
	size_t i, fit = 0;

	for (i = 0; i < n; i++) {
		double k = floor(gap[i] / p + 0.5);

		if (k >= 1 && k <= 3 && fabs(gap[i] - k * p) <= period_tol(p))
			fit++;
	}
	return (double)fit / (double)n;
}

/*
 * The period refined: each spike gets its number of periods from the median spike, and the
 * least-squares line through those that fall on the grid gives the period (a spike off the
 * grid, a cold start say, is left out).
 */
static double refine_period(const struct spikes *s, double p)
{
	double ref = (double)s->at[s->n / 2], sk = 0, st = 0, skk = 0, skt = 0;
	size_t i, m = 0;

	for (i = 0; i < s->n; i++) {
		double t = (double)s->at[i], k = floor((t - ref) / p + 0.5);

		if (fabs(t - ref - k * p) > period_tol(p))
			continue;
		sk += k;
		st += t;
		skk += k * k;
		skt += k * t;
		m++;
	}
	if (m < 3 || m * skk - sk * sk <= 0)
		return p;
	return ((double)m * skt - sk * st) / ((double)m * skk - sk * sk);
}

/*
 * The period of recurring spikes, in windows: the median gap between spikes, or a half or a
 * third of it when spikes were missed, if nearly every gap is a whole multiple of it; then
 * refined over the first and last spike (below a window over many periods).
 */
static void spike_period(struct spikes *s)
{
	double gap[SPIKES_MAX], sorted[SPIKES_MAX], median;
	size_t i, n = s->n - 1;
	int div;

	for (i = 0; i < n; i++)
		sorted[i] = gap[i] = (double)(s->at[i + 1] - s->at[i]);
	qsort(sorted, n, sizeof(*sorted), by_value);
	median = n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
	for (div = 1; div <= 3; div++) {
		double p = median / div, fit = multiples_fit(gap, n, p);

		if (p < 4 || fit < MIN_FIT)
			continue;
		s->period = refine_period(s, p);
		s->period_score = fit;
		return;
	}
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
