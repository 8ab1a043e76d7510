// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* CLI value parsers and the JSON writer's escaping. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <zlib.h>
#include "crc32.h"
#include "json.h"
#include "util.h"

static void durations(void **state)
{
	uint64_t ns;

	assert_int_equal(parse_duration_ns("30s", &ns), 0);
	assert_int_equal(ns, 30000000000ULL);
	assert_int_equal(parse_duration_ns("500ms", &ns), 0);
	assert_int_equal(ns, 500000000ULL);
	assert_int_equal(parse_duration_ns("2m", &ns), 0);
	assert_int_equal(ns, 120000000000ULL);
	assert_int_equal(parse_duration_ns("1.5", &ns), 0);
	assert_int_equal(ns, 1500000000ULL);
	assert_int_equal(parse_duration_ns("10us", &ns), 0);
	assert_int_equal(ns, 10000ULL);
	assert_int_equal(parse_duration_ns("", &ns), -EINVAL);
	assert_int_equal(parse_duration_ns("-1s", &ns), -EINVAL);
	assert_int_equal(parse_duration_ns("3 s", &ns), -EINVAL);
	assert_int_equal(parse_duration_ns("3parsecs", &ns), -EINVAL);
	assert_int_equal(parse_duration_ns("nan", &ns), -EINVAL);
	assert_int_equal(parse_duration_ns("1e30h", &ns), -ERANGE);
}

static void sizes(void **state)
{
	uint64_t b;

	assert_int_equal(parse_size("64M", &b), 0);
	assert_int_equal(b, 64ULL << 20);
	assert_int_equal(parse_size("4096", &b), 0);
	assert_int_equal(b, 4096);
	assert_int_equal(parse_size("1G", &b), 0);
	assert_int_equal(b, 1ULL << 30);
	assert_int_equal(parse_size("12Q", &b), -EINVAL);
	assert_int_equal(parse_size("M", &b), -EINVAL);
}

static void u32s(void **state)
{
	uint32_t v;

	assert_int_equal(parse_u32("1234", &v), 0);
	assert_int_equal(v, 1234);
	assert_int_equal(parse_u32("-1", &v), -EINVAL);
	assert_int_equal(parse_u32("4294967296", &v), -EINVAL);
	assert_int_equal(parse_u32("12x", &v), -EINVAL);
}

static void json_escapes_control_bytes(void **state)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	struct jw w;
	char s[40];
	int i;

	for (i = 1; i < 32; i++)
		s[i - 1] = (char)i;
	s[31] = '"';
	s[32] = '\\';
	s[33] = 0x7f;
	s[34] = '\0';
	jw_init(&w, f);
	jw_obj_begin(&w, NULL);
	jw_str(&w, "k\n", s);
	jw_arr_begin(&w, "a");
	jw_u64(&w, NULL, 1);
	jw_f64(&w, NULL, 0.0 / 0.0);
	jw_arr_end(&w);
	jw_obj_end(&w);
	fclose(f);
	for (i = 0; buf[i]; i++)
		assert_true((unsigned char)buf[i] >= 0x20 && buf[i] != 0x7f);
	assert_non_null(strstr(buf, "\"k\\n\":"));
	assert_non_null(strstr(buf, "\\u0001"));
	assert_non_null(strstr(buf, "\\u007f"));
	assert_non_null(strstr(buf, "\\\"\\\\"));
	assert_non_null(strstr(buf, "[1,null]"));
	free(buf);
}

/*
 * The block checksum folded by carry-less multiplication equals zlib's CRC-32 for every
 * length (around the 64-byte start of the fold, and long ones), offset and running value.
 */
static void crc32_matches_zlib(void **state)
{
	static uint8_t buf[70000];
	unsigned int seed = 9, round;
	size_t i;

	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)rand_r(&seed);
	for (round = 0; round < 3000; round++) {
		size_t off = (size_t)rand_r(&seed) % 64, len;
		uint32_t crc = round % 3 ? (uint32_t)rand_r(&seed) : 0;

		len = round < 300	? round
		      : round % 50 == 0 ? sizeof(buf) - off
					: (size_t)rand_r(&seed) % 5000;
		assert_int_equal(vnl_crc32(crc, buf + off, len),
				 (uint32_t)crc32(crc, buf + off, (uInt)len));
	}
	/* run over in pieces: the same as at once */
	assert_int_equal(vnl_crc32(vnl_crc32(0, buf, 1000), buf + 1000, 9000),
			 (uint32_t)crc32(0, buf, 10000));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(durations),
	    cmocka_unit_test(sizes),
	    cmocka_unit_test(u32s),
	    cmocka_unit_test(json_escapes_control_bytes),
	    cmocka_unit_test(crc32_matches_zlib),
	};

	return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
