// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "clock.h"

struct window {
	double t;      /* mean sample time, ns after t0 */
	double lo, hi; /* the offset's interval in the window */
	int have_lo, have_hi;
	size_t samples;
};

#define DRIFT_MAX 0.01 /* 1%: far beyond a clock that keeps time, a TCG guest's included */
#define NEAR	  8    /* samples of the other kind looked at on each side of one */

static int by_time(const void *a, const void *b)
{
	const struct clk_sample *x = a, *y = b;

	return x->t < y->t ? -1 : x->t > y->t;
}

/* The middle of n values (n small: at most 2 * NEAR), by insertion: this runs for every sample. */
static double middle(double *v, size_t n)
{
	size_t i, j;

	for (i = 1; i < n; i++) {
		double x = v[i];

		for (j = i; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
	return v[n / 2];
}

/*
 * The median of the other kind's bounds nearest in time to s[at] (up to NEAR on each side, in
 * other[], which holds indexes into s in time order), each moved to s[at]'s time by the
 * largest drift a clock may have, against s[at]: a lower bound that lies above it (an upper
 * one below) contradicts most of its neighbours. Returns 1 for such a sample.
 */
static int contradicts_neighbours(const struct clk_sample *s, size_t at, const size_t *other,
				  size_t nother)
{
	double v[2 * NEAR];
	size_t lo = 0, hi = nother, i, n = 0;

	while (lo < hi) { /* the first of the other kind at or after s[at] */
		size_t mid = lo + (hi - lo) / 2;

		if (s[other[mid]].t < s[at].t)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (i = lo > NEAR ? lo - NEAR : 0; i < nother && i < lo + NEAR; i++) {
		const struct clk_sample *o = &s[other[i]];
		double dt = fabs((double)(int64_t)(o->t - s[at].t)), slack = DRIFT_MAX * dt + 1e4;

		v[n++] = (double)o->bound + (s[at].upper ? -slack : slack);
	}
	if (n < 3)
		return 0;
	return s[at].upper ? (double)s[at].bound < middle(v, n)
			   : (double)s[at].bound > middle(v, n);
}

/*
 * Samples that cannot be right: a lower bound above most upper bounds around it (or the
 * reverse), further than any drift explains, is a packet paired with another that had its
 * fingerprint (seconds apart), not a measurement. One such sample contradicts every window
 * it falls in and once drove the estimate a clock rate of 190%. Left out, and counted.
 */
static size_t drop_contradicting(struct clk_sample *s, size_t n, struct clk_est *est)
{
	size_t *idx = malloc(n * sizeof(*idx)), nup = 0, nlow = 0, i, kept = 0;
	unsigned char *bad = calloc(n ? n : 1, 1);

	if (!idx || !bad)
		goto out;
	/* upper bounds' indexes from the front, lower ones' from the back */
	for (i = 0; i < n; i++)
		if (s[i].upper)
			idx[nup++] = i;
	for (i = 0; i < n; i++)
		if (!s[i].upper)
			idx[nup + nlow++] = i;
	for (i = 0; i < n; i++)
		bad[i] = s[i].upper ? contradicts_neighbours(s, i, idx + nup, nlow)
				    : contradicts_neighbours(s, i, idx, nup);
	for (i = 0; i < n; i++)
		if (!bad[i])
			s[kept++] = s[i];
	est->outliers = n - kept;
	n = kept;
out:
	free(idx);
	free(bad);
	return n;
}

static int both_kinds(const struct clk_sample *s, size_t n)
{
	int seen = 0;
	size_t i;

	for (i = 0; i < n && seen != 3; i++)
		seen |= s[i].upper ? 1 : 2;
	return seen == 3;
}

/* Each window's interval, with the drift b taken out of every sample. */
static size_t fill_windows(const struct clk_sample *s, size_t n, uint64_t t0, uint64_t width,
			   double b, struct window *w)
{
	size_t i, nw = 0, in_win = 0;
	uint64_t cur = UINT64_MAX;

	for (i = 0; i < n; i++) {
		uint64_t k = (s[i].t - t0) / width;
		double dt = (double)(s[i].t - t0), v = (double)s[i].bound - b * dt;
		struct window *cw;

		if (k != cur) {
			cur = k;
			memset(&w[nw++], 0, sizeof(*w));
			in_win = 0;
		}
		cw = &w[nw - 1];
		cw->t += (dt - cw->t) / (double)++in_win;
		cw->samples = in_win;
		if (s[i].upper && (!cw->have_hi || v < cw->hi)) {
			cw->hi = v;
			cw->have_hi = 1;
		} else if (!s[i].upper && (!cw->have_lo || v > cw->lo)) {
			cw->lo = v;
			cw->have_lo = 1;
		}
	}
	/* only windows with both bounds say where the offset is */
	for (i = 0, n = 0; i < nw; i++) {
		if (!w[i].have_lo || !w[i].have_hi)
			continue;
		if (w[i].lo > w[i].hi) { /* contradictory bounds: keep both ends, honestly wide */
			double t = w[i].lo;

			w[i].lo = w[i].hi;
			w[i].hi = t;
		}
		w[n++] = w[i];
	}
	return n;
}

/* How much a window's midpoint counts: the narrower its interval, the more. */
static double weight(const struct window *w)
{
	double half = (w->hi - w->lo) / 2 + 1000;

	return 1 / (half * half);
}

/* Weighted least-squares slope of the windows' midpoints; 0 with fewer than two windows. */
static double slope(const struct window *w, size_t n)
{
	double sw = 0, mt = 0, mv = 0, num = 0, den = 0;
	size_t i;

	if (n < 2)
		return 0;
	for (i = 0; i < n; i++) {
		sw += weight(&w[i]);
		mt += weight(&w[i]) * w[i].t;
		mv += weight(&w[i]) * (w[i].lo + w[i].hi) / 2;
	}
	mt /= sw;
	mv /= sw;
	for (i = 0; i < n; i++) {
		num += weight(&w[i]) * (w[i].t - mt) * ((w[i].lo + w[i].hi) / 2 - mv);
		den += weight(&w[i]) * (w[i].t - mt) * (w[i].t - mt);
	}
	return den > 0 ? num / den : 0;
}

/*
 * The drift, from windows filled without one: none while a single offset fits every
 * window's interval (a short run's few windows would otherwise fit any slope, and a slope
 * of a few hundred ppm puts a guest's hops milliseconds off over a run of seconds).
 */
static double drift_of(const struct window *w, size_t n)
{
	double lo = -1e300, hi = 1e300, b;
	size_t i;

	for (i = 0; i < n; i++) {
		lo = w[i].lo > lo ? w[i].lo : lo;
		hi = w[i].hi < hi ? w[i].hi : hi;
	}
	if (lo <= hi)
		return 0;
	b = slope(w, n);
	return fabs(b) <= DRIFT_MAX ? b : 0; /* windows that disagree for another reason */
}

/*
 * How much room every sample leaves the offset once the drift b is taken out: the lowest
 * upper bound less the highest lower one. It is concave in b (a minimum of lines less a
 * maximum of lines), so its top is found by narrowing in on it.
 */
static double room(const struct clk_sample *s, size_t n, uint64_t t0, double b)
{
	double lo = -1e300, hi = 1e300;
	size_t i;

	for (i = 0; i < n; i++) {
		double v = (double)s[i].bound - b * (double)(s[i].t - t0);

		if (s[i].upper && v < hi)
			hi = v;
		else if (!s[i].upper && v > lo)
			lo = v;
	}
	return hi - lo;
}

/*
 * The drift that leaves every sample the most room, when one exists that leaves any: a guest
 * whose clock runs off by a constant rate (a TSC calibrated a little wrong at boot, common
 * under emulation) is then placed within its packets' one-way times all run long. The
 * windows' slope below is only a fallback for a drift that changes during the run.
 */
static int drift_that_fits(const struct clk_sample *s, size_t n, uint64_t t0, double *b)
{
	const double golden = 0.6180339887498949;
	double x0 = -DRIFT_MAX, x1 = DRIFT_MAX, m0, m1, r0, r1;
	int i;

	m0 = x1 - golden * (x1 - x0);
	m1 = x0 + golden * (x1 - x0);
	r0 = room(s, n, t0, m0);
	r1 = room(s, n, t0, m1);
	for (i = 0; i < 90; i++) {
		if (r0 < r1) {
			x0 = m0;
			m0 = m1;
			r0 = r1;
			m1 = x0 + golden * (x1 - x0);
			r1 = room(s, n, t0, m1);
		} else {
			x1 = m1;
			m1 = m0;
			r1 = r0;
			m0 = x1 - golden * (x1 - x0);
			r0 = room(s, n, t0, m0);
		}
	}
	*b = (x0 + x1) / 2;
	return room(s, n, t0, *b) >= 0;
}

/*
 * How far from b the drifts every sample allows reach (room() stays at least 0 between
 * them, being concave), on the farther side: what the drift itself can be trusted to.
 */
static double drift_bound(const struct clk_sample *s, size_t n, uint64_t t0, double b)
{
	double reach = 0;
	int side, i;

	for (side = -1; side <= 1; side += 2) {
		double in = b, out = side * DRIFT_MAX;

		if (room(s, n, t0, out) >= 0) {
			in = out;
		} else {
			for (i = 0; i < 26; i++) { /* 2% / 2^26: well under 0.001 ppm */
				double m = (in + out) / 2;

				if (room(s, n, t0, m) >= 0)
					in = m;
				else
					out = m;
			}
		}
		if (fabs(in - b) > reach)
			reach = fabs(in - b);
	}
	return reach;
}

static int by_width(const void *a, const void *b)
{
	const struct window *x = a, *y = b;
	double wx = x->hi - x->lo, wy = y->hi - y->lo;

	return wx < wy ? -1 : wx > wy;
}

/*
 * Windows that say little (a quiet moment with only a slow link exchange) would make the
 * bound as loose as they are: the bound covers the windows no wider than a few times the
 * width most samples saw (the median of widths, each window counted once per sample, so two
 * slow link-only windows do not outvote one full of packets); the others still count, by
 * weight, in the estimate.
 */
static double tight_limit(const struct window *w, size_t n)
{
	struct window *sorted = malloc(n * sizeof(*sorted));
	size_t i, total = 0, seen = 0;
	double median = 0;

	if (!sorted)
		return 1e300;
	memcpy(sorted, w, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), by_width);
	for (i = 0; i < n; i++)
		total += sorted[i].samples;
	for (i = 0; i < n; i++) {
		seen += sorted[i].samples;
		median = sorted[i].hi - sorted[i].lo;
		if (2 * seen >= total)
			break;
	}
	free(sorted);
	return 4 * median + 2000;
}

void clk_estimate(struct clk_sample *s, size_t n, uint64_t window_ns, struct clk_est *est)
{
	struct window *w;
	double a_lo = -1e300, a_hi = 1e300, a = 0, sw = 0, bound = 0, b, limit;
	size_t i, nw;
	int fits;

	memset(est, 0, sizeof(*est));
	for (i = 0; i < n; i++) {
		est->nupper += s[i].upper != 0;
		est->nlower += s[i].upper == 0;
	}
	if (!est->nupper || !est->nlower || !window_ns)
		return;
	qsort(s, n, sizeof(*s), by_time);
	n = drop_contradicting(s, n, est);
	if (!both_kinds(s, n))
		return;
	est->t0 = s[0].t;
	w = calloc(n, sizeof(*w));
	if (!w)
		return;
	b = 0; /* while one offset fits every sample, no drift is claimed */
	fits = room(s, n, est->t0, 0) >= 0 || drift_that_fits(s, n, est->t0, &b);
	if (!fits)
		b = drift_of(w, fill_windows(s, n, est->t0, window_ns, 0, w));
	est->drift_bound = fits ? drift_bound(s, n, est->t0, b) : -1;
	nw = fill_windows(s, n, est->t0, window_ns, b, w);
	if (!nw) {
		free(w);
		return;
	}
	for (i = 0; i < nw; i++) {
		if (w[i].lo > a_lo)
			a_lo = w[i].lo;
		if (w[i].hi < a_hi)
			a_hi = w[i].hi;
		a += weight(&w[i]) * (w[i].lo + w[i].hi) / 2;
		sw += weight(&w[i]);
	}
	a /= sw;
	if (a_lo <= a_hi)
		a = (a_lo + a_hi) / 2; /* inside every window's interval */
	limit = tight_limit(w, nw);
	for (i = 0; i < nw; i++) {
		if (w[i].hi - w[i].lo > limit) {
			est->loose_windows++;
			continue;
		}
		if (a - w[i].lo > bound)
			bound = a - w[i].lo;
		if (w[i].hi - a > bound)
			bound = w[i].hi - a;
	}
	free(w);
	if (!(a > -4e18 && a < 4e18) || !(bound < 4e18) || !isfinite(b))
		return; /* samples no clock could give (a damaged recording) */
	est->valid = 1;
	est->offset_ns = (int64_t)(a < 0 ? a - 0.5 : a + 0.5);
	est->drift = b;
	est->bound_ns = (int64_t)bound + 1;
	est->windows = nw;
}

int64_t clk_offset_at(const struct clk_est *est, uint64_t t)
{
	double dt = (double)(int64_t)(t - est->t0), d = est->drift * dt;

	/* a damaged recording can hold any samples: keep the arithmetic defined */
	if (!(d > -4e18 && d < 4e18))
		d = 0;
	return (int64_t)((uint64_t)est->offset_ns + (uint64_t)(int64_t)d);
}

uint64_t clk_to_host(const struct clk_est *est, uint64_t guest_ts)
{
	return guest_ts - (uint64_t)clk_offset_at(est, guest_ts);
}
