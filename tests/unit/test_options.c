// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* --keep-slow SPEC as the recorder takes it: times, quantiles, segments, layers and sums. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>
#include "hoptab.h"
#include "record.h"

/* The slots of the segments whose name is name, or begins with it and a dot (prefix). */
static uint64_t slots_named(const char *name, int prefix)
{
	unsigned int slot, from, to;
	const char *n;
	uint64_t mask = 0;

	for (slot = 1; slot < 64; slot++)
		if (!segment_of_slot(slot, &from, &to, &n) &&
		    (prefix ? !strncmp(n, name, strlen(name)) && n[strlen(name)] == '.'
			    : !strcmp(n, name)))
			mask |= 1ULL << slot;
	return mask;
}

static void times_and_quantiles(void **state)
{
	struct rec_opts o = {0};

	assert_int_equal(parse_keep_slow(&o, "500us"), 0);
	assert_int_equal(o.keep_ns, 500000);
	assert_int_equal(o.keep_seg_mask, 0);
	memset(&o, 0, sizeof(o));
	assert_int_equal(parse_keep_slow(&o, "p99.9"), 0);
	assert_true(o.keep_q > 99.89 && o.keep_q < 99.91);
	memset(&o, 0, sizeof(o));
	assert_int_not_equal(parse_keep_slow(&o, "p100"), 0);
	assert_int_not_equal(parse_keep_slow(&o, "fast"), 0);
}

static void segments_layers_and_sums(void **state)
{
	struct rec_opts o = {0};
	uint64_t tapq = slots_named("host.tap_queue", 0), host = slots_named("host", 1);

	assert_int_not_equal(tapq, 0);
	assert_int_equal(parse_keep_slow(&o, "host.tap_queue>2ms"), 0);
	assert_int_equal(o.keep_seg_mask, tapq);
	assert_int_equal(o.keep_ns, 2000000);
	memset(&o, 0, sizeof(o));
	assert_int_equal(parse_keep_slow(&o, "host>1ms"), 0); /* a layer: all its segments */
	assert_int_equal(o.keep_seg_mask, host);
	assert_true((host & tapq) == tapq);
	assert_int_equal(host & slots_named("guest", 1), 0);
	memset(&o, 0, sizeof(o));
	assert_int_equal(parse_keep_slow(&o, "vmm+guest>2ms"), 0);
	assert_int_equal(o.keep_seg_mask, slots_named("vmm", 1) | slots_named("guest", 1));
	memset(&o, 0, sizeof(o));
	assert_int_equal(parse_keep_slow(&o, "host.backlog+host.tap_queue>500us"), 0);
	assert_int_equal(o.keep_seg_mask, slots_named("host.backlog", 0) | tapq);
	/* a name must be whole: "host.tap" is neither a segment nor a layer */
	memset(&o, 0, sizeof(o));
	assert_int_not_equal(parse_keep_slow(&o, "host.tap>1ms"), 0);
	assert_int_not_equal(parse_keep_slow(&o, "+host>1ms"), 0);
	assert_int_not_equal(parse_keep_slow(&o, "host>"), 0);
	assert_int_not_equal(parse_keep_slow(&o, "hos>1ms"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(times_and_quantiles),
	    cmocka_unit_test(segments_layers_and_sums),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
