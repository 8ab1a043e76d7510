// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Log-linear histograms: at most 1% relative error from 100 ns to 100 s, exact max. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <math.h>
#include <cmocka.h>
#include "hist.h"

static void bucket_error_bound(void **state)
{
	uint64_t v;

	for (v = 100; v <= 100000000000ULL; v = v * 1013 / 1000 + 1) {
		uint32_t b = vnl_ll_bucket(v);
		uint64_t lo = vnl_ll_low(b), w = vnl_ll_width(b);

		assert_true(b < VNL_LL_BUCKETS);
		assert_true(lo <= v && v < lo + w);
		/* the midpoint reported stands within 1% of every value in the bucket */
		assert_true((double)w / 2.0 <= 0.01 * (double)lo || w == 1);
	}
	assert_int_equal(vnl_ll_bucket(0), 0);
	assert_int_equal(vnl_ll_bucket(~0ULL), VNL_LL_BUCKETS - 1);
}

static void percentiles(void **state)
{
	struct hist h = {0};
	uint64_t i;

	for (i = 1; i <= 100000; i++)
		assert_int_equal(hist_record(&h, i * 1000), 0); /* 1 us .. 100 ms, uniform */
	assert_int_equal(h.count, 100000);
	assert_int_equal(h.max, 100000000);
	assert_int_equal(h.min, 1000);
	assert_true(fabs((double)hist_percentile(&h, 50) - 50e6) <= 0.01 * 50e6);
	assert_true(fabs((double)hist_percentile(&h, 99) - 99e6) <= 0.01 * 99e6);
	assert_true(fabs((double)hist_percentile(&h, 99.99) - 99.99e6) <= 0.01 * 99.99e6);
	assert_int_equal(hist_percentile(&h, 100), 100000000);
	assert_true(fabs(hist_mean(&h) - 50000500.0) < 1.0);
	hist_free(&h);
}

static void merge_and_empty(void **state)
{
	struct hist a = {0}, b = {0};

	assert_int_equal(hist_percentile(&a, 50), 0);
	hist_record(&a, 10);
	hist_record(&b, 1000000);
	assert_int_equal(hist_merge(&a, &b), 0);
	assert_int_equal(a.count, 2);
	assert_int_equal(a.max, 1000000);
	assert_int_equal(a.min, 10);
	assert_int_equal(hist_percentile(&a, 50), 10);
	hist_free(&a);
	hist_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(bucket_error_bound),
	    cmocka_unit_test(percentiles),
	    cmocka_unit_test(merge_and_empty),
	};

	return cmocka_run_group_tests_name("hist", tests, NULL, NULL);
}
