// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * --keep-slow across kernels: what one kernel does with the other's word that it kept a
 * packet (keepsync.c), over an array standing for the BPF map of recent paths.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "hops.h"
#include "keepsync.h"

#define NRECENT 64
#define SEC	1000000000ULL
#define NOW	(100 * SEC)

struct taken {
	uint64_t fp[16];
	unsigned int n;
};

static int take(void *ctx, const struct vnl_kept *k)
{
	struct taken *t = ctx;

	t->fp[t->n++] = k->path.pkt.fp;
	return 0;
}

static struct keep_sync *make(struct vnl_kept *recent)
{
	struct keep_sync *ks = calloc(1, sizeof(*ks));

	ks->recent = recent;
	ks->nrecent = NRECENT;
	return ks;
}

static void put(struct vnl_kept *recent, unsigned int i, uint64_t fp, uint64_t t0)
{
	memset(&recent[i], 0, sizeof(recent[i]));
	recent[i].path.pkt.fp = fp;
	recent[i].path.t0 = t0;
	recent[i].path.n = 3;
	recent[i].path.h[0].hop = VNL_HOP_TAP_XMIT;
}

static void found_once(void **state)
{
	struct vnl_kept recent[NRECENT] = {0};
	struct keep_sync *ks = make(recent);
	struct vnl_keep_req req = {.fp = 0xabc};
	struct taken t = {0};

	put(recent, 40, 0xabc, NOW - SEC);
	keep_sync_ask(ks, &req, NOW);
	assert_int_equal(keep_sync_serve(ks, NOW, take, &t), 0);
	assert_int_equal(t.n, 1);
	assert_int_equal(t.fp[0], 0xabc);
	assert_int_equal(ks->n.asked, 1);
	assert_int_equal(ks->n.served, 1);
	/* asked again (another guest's agent, a repeat): kept once */
	keep_sync_ask(ks, &req, NOW + SEC);
	keep_sync_serve(ks, NOW + SEC, take, &t);
	assert_int_equal(t.n, 1);
	assert_int_equal(ks->n.already, 1);
	free(ks);
}

static void waits_for_a_part_still_on_its_way(void **state)
{
	struct vnl_kept recent[NRECENT] = {0};
	struct keep_sync *ks = make(recent);
	struct vnl_keep_req req = {.fp = 0x77};
	struct taken t = {0};

	keep_sync_ask(ks, &req, NOW);
	keep_sync_serve(ks, NOW, take, &t);
	assert_int_equal(t.n, 0);
	assert_int_equal(ks->npending, 1);
	put(recent, 3, 0x77, NOW + SEC / 2);	       /* its last hop came half a second later */
	keep_sync_serve(ks, NOW + SEC / 10, take, &t); /* scans are 50 ms apart at least */
	assert_int_equal(t.n, 0);
	keep_sync_serve(ks, NOW + SEC, take, &t);
	assert_int_equal(t.n, 1);
	assert_int_equal(ks->n.gone, 0);
	free(ks);
}

static void gone_is_counted_not_guessed(void **state)
{
	struct vnl_kept recent[NRECENT] = {0};
	struct keep_sync *ks = make(recent);
	struct vnl_keep_req req = {.fp = 0x55};
	struct taken t = {0};

	put(recent, 9, 0x55, NOW - 20 * SEC); /* an older packet of the same fingerprint */
	keep_sync_ask(ks, &req, NOW);
	keep_sync_serve(ks, NOW, take, &t);
	keep_sync_serve(ks, NOW + 3 * SEC, take, &t);
	assert_int_equal(t.n, 0);
	assert_int_equal(ks->n.gone, 1);
	assert_int_equal(ks->npending, 0);
	free(ks);
}

static void slow_on_both_sides_is_kept_once(void **state)
{
	struct vnl_kept recent[NRECENT] = {0}, own = {0};
	struct keep_sync *ks = make(recent);
	struct vnl_keep_req req = {.fp = 0x99}, told;
	struct taken t = {0};

	/* the other side's word first, then our own ring's record of the same packet */
	keep_sync_ask(ks, &req, NOW);
	own.path.pkt.fp = 0x99;
	own.path.n = 1;
	own.path.h[0].hop = VNL_HOP_TAP_XMIT;
	assert_int_equal(keep_sync_own(ks, &own, &told), 0); /* the other side has it */
	assert_int_equal(ks->npending, 0);
	assert_int_equal(ks->n.already, 1);
	/* and the other way: ours first, then the word */
	own.path.pkt.fp = 0x98;
	assert_int_equal(keep_sync_own(ks, &own, &told), 1);
	assert_int_equal(told.fp, 0x98);
	assert_int_equal(told.dir, VNL_DIR_TO_GUEST);
	req.fp = 0x98;
	keep_sync_ask(ks, &req, NOW);
	assert_int_equal(ks->npending, 0);
	assert_int_equal(ks->n.already, 2);
	keep_sync_serve(ks, NOW, take, &t);
	assert_int_equal(t.n, 0);
	free(ks);
}

static void inbox_bounded(void **state)
{
	struct keep_inbox box = {0};
	struct vnl_keep_req req = {.fp = 1};
	unsigned int i;

	keep_inbox_add(&box, &req, sizeof(req) - 1); /* short: passed over */
	assert_int_equal(box.n, 0);
	for (i = 0; i < 70; i++)
		keep_inbox_add(&box, &req, sizeof(req));
	assert_int_equal(box.n, 64);
	assert_int_equal(box.overflow, 6);
}

static void bits_bounded(void **state)
{
	assert_int_equal(keep_sync_bits(2), 13);
	assert_true(((size_t)512 << keep_sync_bits(512)) <= (1u << 18));
	assert_int_equal(keep_sync_bits(100000), 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(found_once),
	    cmocka_unit_test(waits_for_a_part_still_on_its_way),
	    cmocka_unit_test(gone_is_counted_not_guessed),
	    cmocka_unit_test(slow_on_both_sides_is_kept_once),
	    cmocka_unit_test(inbox_bounded),
	    cmocka_unit_test(bits_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
