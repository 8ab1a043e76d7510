// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The guest/host clock offset estimator on synthetic traffic with a known offset, drift and
 * jitter: the estimate must lie within its stated bound at every moment traffic was seen.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <math.h>
#include <stdlib.h>
#include <cmocka.h>
#include "clock.h"

struct truth {
	double a, b; /* offset = a + b * (guest time - start) */
	uint64_t start;
};

static double truth_at(const struct truth *tr, uint64_t g)
{
	return tr->a + tr->b * (double)(g - tr->start);
}

static uint64_t rnd_u64(unsigned int *seed)
{
	return ((uint64_t)rand_r(seed) << 31) ^ (uint64_t)rand_r(seed);
}

/* A one-way time: a fixed base plus exponential jitter, now and then a long stall. */
static double one_way(unsigned int *seed, double base, double jitter)
{
	double u = (rand_r(seed) + 1.0) / ((double)RAND_MAX + 2.0), d = base - jitter * log(u);

	if (rand_r(seed) % 100 == 0)
		d += 5e6;
	return d;
}

/* n packets over duration_s; returns the worst |estimate - truth| seen, in ns. */
static double run(unsigned int seed, const struct truth *tr, size_t n, double duration_s,
		  double base, double jitter, struct clk_est *est)
{
	struct clk_sample *s = calloc(n, sizeof(*s));
	double worst = 0;
	size_t i;

	assert_non_null(s);
	for (i = 0; i < n; i++) {
		uint64_t g = tr->start + (uint64_t)((double)i / (double)n * duration_s * 1e9);
		double off = truth_at(tr, g), owd = one_way(&seed, base, jitter);

		s[i].t = g;
		if (rand_r(&seed) & 1) { /* to the guest: host saw it at g - off - owd */
			s[i].upper = 1;
			s[i].bound = (int64_t)llround(off + owd);
		} else { /* from the guest: the host sees it at g - off + owd */
			s[i].upper = 0;
			s[i].bound = (int64_t)llround(off - owd);
		}
	}
	clk_estimate(s, n, 2000000000ULL, est);
	for (i = 0; i < n && est->valid; i++) {
		double err = fabs((double)clk_offset_at(est, s[i].t) - truth_at(tr, s[i].t));

		if (err > worst)
			worst = err;
	}
	free(s);
	return worst;
}

static void within_bound(void **state)
{
	static const double offsets[] = {0, 3.7e12, -8.1e11, 123456789};
	static const double drifts_ppm[] = {0, 12.5, -60, 250};
	static const double jitters[] = {5e3, 100e3, 2e6};
	unsigned int seed = 1;
	int i, j, k;

	for (i = 0; i < 4; i++)
		for (j = 0; j < 4; j++)
			for (k = 0; k < 3; k++) {
				struct truth tr = {offsets[i], drifts_ppm[j] / 1e6,
						   rnd_u64(&seed) % 1000000000000ULL +
						       1000000000ULL};
				struct clk_est est;
				double worst = run(seed++, &tr, 4000, 60, 40e3, jitters[k], &est);

				assert_true(est.valid);
				assert_true(worst <= (double)est.bound_ns);
				/* and the bound is useful: a few one-way times, not seconds */
				assert_true(est.bound_ns < 40e3 + 8 * jitters[k] + 1e6);
				assert_true(fabs(est.drift * 1e6 - drifts_ppm[j]) < 50);
			}
}

static void one_direction_is_not_enough(void **state)
{
	struct clk_sample s[3] = {{1000, 50, 1}, {2000, 40, 1}, {3000, 45, 1}};
	struct clk_est est;

	clk_estimate(s, 3, 1000000000ULL, &est);
	assert_false(est.valid);
	assert_int_equal(est.nupper, 3);
	clk_estimate(NULL, 0, 1000000000ULL, &est);
	assert_false(est.valid);
}

static void link_exchanges(void **state)
{
	/* host sent at 1000, guest answered at 5001000 (its clock), host got it at 1600: the
	 * offset lies in [5001000 - 1600, 5001000 - 1000] */
	struct clk_sample s[2] = {{5001000, 5001000 - 1000, 1}, {5001000, 5001000 - 1600, 0}};
	struct clk_est est;

	clk_estimate(s, 2, 1000000000ULL, &est);
	assert_true(est.valid);
	assert_int_equal(est.offset_ns, 4999700);
	assert_true(est.bound_ns >= 300 && est.bound_ns <= 301);
	assert_int_equal(clk_to_host(&est, 5001000), 5001000 - (uint64_t)est.offset_ns);
}

/*
 * A run of a few seconds with no drift: a few windows fit any slope, and a made-up one puts
 * the guest's hops milliseconds off. No drift is claimed while one offset fits every window.
 */
static void short_run_claims_no_drift(void **state)
{
	unsigned int seed = 7;
	int i;

	for (i = 0; i < 50; i++) {
		struct truth tr = {-3.2e12, 0, rnd_u64(&seed) % 1000000000000ULL + 1000000000ULL};
		struct clk_est est;
		double worst = run(seed++, &tr, 40, 3, 60e3, 500e3, &est);

		assert_true(est.valid);
		assert_true(worst <= (double)est.bound_ns);
		assert_true(fabs(est.drift) * 1e6 < 20);
	}
}

/*
 * A guest whose clock runs fast or slow at a steady rate (its TSC calibrated wrong at boot,
 * which a guest under emulation can get by a part in a thousand), over a short run of two
 * windows: every packet must still fall within the bound, and the bound stay near the
 * one-way times. Within a window such a drift makes the bounds cross, which a filter by
 * windows alone read as a wide window and a midpoint that put half the packets backwards.
 */
static void steady_drift_over_a_short_run(void **state)
{
	static const double drifts_ppm[] = {1000, -3000, 400, 8000};
	unsigned int seed = 11;
	size_t i;

	for (i = 0; i < sizeof(drifts_ppm) / sizeof(drifts_ppm[0]); i++) {
		struct truth tr = {-5.3e13, drifts_ppm[i] / 1e6,
				   rnd_u64(&seed) % 1000000000000ULL + 1000000000ULL};
		struct clk_est est;
		double worst = run(seed++, &tr, 210, 2.5, 40e3, 5e3, &est);

		assert_true(est.valid);
		assert_true(worst <= (double)est.bound_ns);
		assert_true(est.bound_ns < 100000);
		assert_true(fabs(est.drift * 1e6 - drifts_ppm[i]) < 20);
		/* the true drift lies within the bound the estimate gives its drift */
		assert_true(est.drift_bound >= 0 && est.drift_bound * 1e6 < 100);
		assert_true(fabs(est.drift - tr.b) <= est.drift_bound);
	}
}

/*
 * One packet paired with another of the same fingerprint seconds apart (a guest repeats an
 * IPv6 router solicitation every 4 s, word for word; the host saw the first, the guest's
 * recording only the second): a lower bound 4 s above the truth. It must be left out, not
 * turned into a drift or a bound of seconds.
 */
static void a_packet_paired_seconds_apart_is_left_out(void **state)
{
	struct clk_sample s[211];
	const int64_t off = -53455906777274LL;
	unsigned int seed = 5;
	struct clk_est est;
	size_t i, n = 0;

	for (i = 0; i < 210; i++) /* 100 echoes and replies over 2 s, 40-90 us one way */
		s[n++] = (struct clk_sample){
		    7000000000ULL + i * 10000000ULL,
		    off + (i & 1 ? 1 : -1) * (40000 + rand_r(&seed) % 50000), (int)(i & 1)};
	s[n++] = (struct clk_sample){9440695864ULL, off + 4159225000LL, 0};
	clk_estimate(s, n, 2000000000ULL, &est);
	assert_true(est.valid);
	assert_true(fabs(est.drift) * 1e6 < 20);
	assert_true(llabs(est.offset_ns - off) <= est.bound_ns && est.bound_ns <= 90000);
	assert_int_equal(est.outliers, 1);
}

/*
 * A short recording: its packets all in one window, then quiet windows with only a slow
 * link exchange each. The few wide windows must not set the bound for the one that holds
 * the traffic; they are counted as loose instead.
 */
static void quiet_windows_do_not_set_the_bound(void **state)
{
	struct clk_sample s[200 + 4];
	struct clk_est est;
	size_t i, n = 0;
	const int64_t off = -9315891000000LL;

	for (i = 0; i < 200; i++) /* 100 us one way, both directions, in the first second */
		s[n++] = (struct clk_sample){1000000000ULL + i * 4000000ULL,
					     off + (i & 1 ? 100000 : -100000), (int)(i & 1)};
	for (i = 0; i < 2; i++) { /* a 20 ms link exchange in each of the next two windows */
		uint64_t t = 3000000000ULL + i * 2000000000ULL;

		s[n++] = (struct clk_sample){t, off + 10000000, 1};
		s[n++] = (struct clk_sample){t, off - 10000000, 0};
	}
	clk_estimate(s, n, 2000000000ULL, &est);
	assert_true(est.valid);
	assert_true(llabs(est.offset_ns - off) <= 100000);
	assert_true(est.bound_ns <= 100001);
	assert_int_equal(est.loose_windows, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(within_bound),
	    cmocka_unit_test(one_direction_is_not_enough),
	    cmocka_unit_test(link_exchanges),
	    cmocka_unit_test(short_run_claims_no_drift),
	    cmocka_unit_test(steady_drift_over_a_short_run),
	    cmocka_unit_test(a_packet_paired_seconds_apart_is_left_out),
	    cmocka_unit_test(quiet_windows_do_not_set_the_bound),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
