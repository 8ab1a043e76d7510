// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The Prometheus exposition, parsed back: cumulative buckets, +Inf = count, sum, escaping. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "live.h"

struct parsed {
	double buckets[64], le[64], sum;
	int nbuckets;
	unsigned long long count;
	int help, type;
};

/* Parses the lines of one series (those whose label set contains match). */
static void parse(const char *text, const char *match, struct parsed *p)
{
	char *copy = strdup(text), *line, *save = NULL;

	memset(p, 0, sizeof(*p));
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *brace = strchr(line, '}'), *le;

		if (!strncmp(line, "# HELP vnetlat_segment_latency_seconds ", 39))
			p->help = 1;
		if (!strcmp(line, "# TYPE vnetlat_segment_latency_seconds histogram"))
			p->type = 1;
		if (line[0] == '#' || !brace || !strstr(line, match))
			continue;
		if (!strncmp(line, "vnetlat_segment_latency_seconds_bucket{", 39)) {
			le = strstr(line, "le=\"");
			assert_non_null(le);
			p->le[p->nbuckets] = !strncmp(le + 4, "+Inf", 4) ? INFINITY : atof(le + 4);
			p->buckets[p->nbuckets++] = atof(brace + 1);
		} else if (!strncmp(line, "vnetlat_segment_latency_seconds_sum{", 36)) {
			p->sum = atof(brace + 1);
		} else if (!strncmp(line, "vnetlat_segment_latency_seconds_count{", 38)) {
			p->count = strtoull(brace + 1, NULL, 10);
		}
	}
	free(copy);
}

static char *render(struct live *l)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	live_render_metrics(l, f);
	fclose(f);
	return text;
}

static void exposition(void **state)
{
	static const uint64_t values[] = {500, 1500, 30000, 30000, 2000000, 7000000000ULL};
	struct live l;
	struct parsed p;
	double sum = 0;
	char *text;
	size_t i;
	int b;

	assert_int_equal(live_init(&l), 0);
	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		assert_int_equal(
		    live_add(&l, "vm1", "tap0", "to_guest", "host.tap_queue", values[i]), 0);
		sum += (double)values[i] / 1e9;
	}
	live_add(&l, "we\"ird\\vm\nname", "tap1", "from_guest", "host.bridge", 1000);
	text = render(&l);
	parse(text, "segment=\"host.tap_queue\"", &p);
	assert_true(p.help && p.type);
	assert_int_equal(p.nbuckets, LIVE_LE_N + 1);
	for (b = 1; b < p.nbuckets; b++) {
		assert_true(p.le[b] > p.le[b - 1]);	       /* le ascending */
		assert_true(p.buckets[b] >= p.buckets[b - 1]); /* cumulative */
	}
	assert_true(isinf(p.le[p.nbuckets - 1]));
	assert_int_equal((unsigned long long)p.buckets[p.nbuckets - 1], 6); /* +Inf = count */
	assert_int_equal(p.count, 6);
	assert_true(fabs(p.sum - sum) < 1e-6);
	/* le is an upper bound: 1 us holds the 500 ns value only, 2.5 us both small ones */
	assert_int_equal((int)p.buckets[0], 1);
	assert_int_equal((int)p.buckets[1], 2);
	/* 7 s is above the last finite bucket (2.5 s) */
	assert_int_equal((int)p.buckets[p.nbuckets - 2], 5);
	/* label values escape quote, backslash and newline */
	assert_non_null(strstr(text, "vm=\"we\\\"ird\\\\vm\\nname\""));
	assert_non_null(strstr(text, "vnetlat_lost_events_total 0\n"));
	free(text);
	live_free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(exposition),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
