// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "analysis.h"

#define MAD_SIGMAS   8.0
#define MIN_FIT	     0.8 /* share of gaps that must be multiples of the period */

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

/* Of the gaps, the share that are whole multiples of p (within 2 windows: each spike may
 * fall a window early or late; or 15%). */
static double multiples_fit(const double *gap, size_t n, double p)
{
	size_t i, fit = 0;

	for (i = 0; i < n; i++) {
		double k = floor(gap[i] / p + 0.5), tol = p * 0.15 > 2 ? p * 0.15 : 2;

		if (k >= 1 && fabs(gap[i] - k * p) <= tol)
			fit++;
	}
	return (double)fit / (double)n;
}

/*
 * The period of recurring spikes, in windows: the median gap between spikes, or a half or a
 * third of it when spikes were missed, if nearly every gap is a whole multiple of it; then
 * refined over the first and last spike (below a window over many periods).
 */
static void spike_period(struct spikes *s)
{
	double gap[SPIKES_MAX], sorted[SPIKES_MAX], median, span;
	size_t i, n = s->n - 1;
	int div;

	for (i = 0; i < n; i++)
		sorted[i] = gap[i] = (double)(s->at[i + 1] - s->at[i]);
	qsort(sorted, n, sizeof(*sorted), by_value);
	median = n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
	span = (double)(s->at[s->n - 1] - s->at[0]);
	for (div = 1; div <= 3; div++) {
		double p = median / div, fit = multiples_fit(gap, n, p), periods = 0;

		if (p < 4 || fit < MIN_FIT)
			continue;
		/* the periods the spikes span, counting the gaps where spikes were missed */
		for (i = 0; i < n; i++)
			periods += floor(gap[i] / p + 0.5);
		s->period = periods >= 1 ? span / periods : p;
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
		/* a run of spiking windows is one spike, at its highest window */
		if (s->n && s->at[s->n - 1] + 1 == i) {
			if (v[i] > v[s->at[s->n - 1]])
				s->at[s->n - 1] = i;
			continue;
		}
		s->at[s->n++] = i;
	}
	if (!s->n)
		return;
	{
		double *ex = malloc(s->n * sizeof(*ex));
		int *all = malloc(s->n * sizeof(*all));

		if (ex && all) {
			for (i = 0; i < s->n; i++) {
				ex[i] = v[s->at[i]];
				all[i] = 1;
			}
			s->magnitude = median_of(ex, all, s->n, s->baseline, 0);
		}
		free(ex);
		free(all);
	}
	if (s->n >= 3)
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
