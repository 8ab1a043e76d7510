// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* HdrHistogram V2 export: the index layout, and decoding what we encode (counts kept). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "hdrlog.h"

static void index_layout(void **state)
{
	/* HdrHistogram's own layout for 3 digits: values below 2048 are exact, then each
	 * doubling has 1024 sub-buckets */
	assert_int_equal(hdr_index(0), 0);
	assert_int_equal(hdr_index(2047), 2047);
	assert_int_equal(hdr_index(2048), 2048);
	assert_int_equal(hdr_index(2049), 2048);
	assert_int_equal(hdr_index(4096), 3072);
	assert_int_equal(hdr_value_at(3072), 4096);
	assert_int_equal(hdr_value_at(1000), 1000);
	for (uint64_t v = 1; v < HDR_HIGHEST; v = v * 3 + 1) {
		size_t i = hdr_index(v);

		assert_true(hdr_value_at(i) <= v);
		assert_true(i + 1 == hdr_counts_len() || hdr_value_at(i + 1) > v);
		/* 3 significant digits: the bucket is at most 1/1024 of its value wide */
		assert_true(v - hdr_value_at(i) <= v / 1024 + 1);
	}
	assert_true(hdr_index(HDR_HIGHEST) < hdr_counts_len());
}

static void round_trip(void **state)
{
	size_t len = hdr_counts_len(), i;
	uint64_t *counts = calloc(len, sizeof(*counts)), total = 0;
	struct hist h = {0};
	unsigned int seed = 3;
	char *b64;

	assert_non_null(counts);
	for (i = 0; i < 20000; i++)
		hist_record(&h, 1000 + (uint64_t)(rand_r(&seed) % 5000000));
	hist_record(&h, 7);
	hist_record(&h, 90000000000ULL);
	b64 = hdr_encode_base64(&h);
	assert_non_null(b64);
	assert_true(strncmp(b64, "HISTF", 5) == 0); /* the cookie 0x1c849314, base64 */
	assert_int_equal(hdr_decode_base64(b64, counts, len), 0);
	for (i = 0; i < len; i++)
		total += counts[i];
	assert_int_equal(total, h.count);
	/* every bucket of ours landed where its midpoint belongs */
	for (i = 0; i < VNL_LL_BUCKETS; i++)
		if (hist_bucket(&h, i))
			assert_true(counts[hdr_index(vnl_ll_low((uint32_t)i) +
						     vnl_ll_width((uint32_t)i) / 2)] >=
				    hist_bucket(&h, i));
	assert_true(counts[hdr_index(7)] == 1);
	free(b64);
	assert_int_equal(hdr_decode_base64("HISTFAAA!!", counts, len), -1);
	hist_free(&h);
	free(counts);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(index_layout),
	    cmocka_unit_test(round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
