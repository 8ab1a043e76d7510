// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Joining events into journeys and round trips, on synthetic event streams. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "journey.h"
#include "hoptab.h"

#define MAXJ 64

struct seen {
	struct journey j[MAXJ];
	int n;
	struct journey req[MAXJ], resp[MAXJ];
	int nrt;
};

static void on_j(void *ctx, const struct journey *j)
{
	struct seen *s = ctx;

	if (s->n < MAXJ)
		s->j[s->n++] = *j;
}

static void on_rt(void *ctx, const struct journey *a, const struct journey *b)
{
	struct seen *s = ctx;

	if (s->nrt < MAXJ) {
		s->req[s->nrt] = *a;
		s->resp[s->nrt++] = *b;
	}
}

static struct jengine *engine(struct seen *s)
{
	struct jsink sink = {on_j, on_rt, s};
	int final[VNL_DIR_MAX] = {VNL_HOP_VMM_READ, VNL_HOP_UPLINK_XMIT, -1};

	memset(s, 0, sizeof(*s));
	return jengine_new(&sink, final, 1000000000ULL);
}

static struct vnl_event ev(uint16_t hop, uint64_t ts, uint64_t fp, uint64_t skb)
{
	struct vnl_event e = {.ts_ns = ts, .skb = skb, .hop = hop, .ifindex = 1};

	e.pkt.fp = fp;
	e.pkt.flow.family = 4;
	e.pkt.flow.proto = 17;
	e.pkt.flow.saddr[0] = 1;
	e.pkt.flow.daddr[0] = 2;
	e.pkt.flow.sport = 1000;
	e.pkt.flow.dport = 7;
	return e;
}

static const uint16_t to_guest[] = {VNL_HOP_UPLINK_RX, VNL_HOP_UPLINK_RECEIVE,
				    VNL_HOP_TAP_QUEUE, VNL_HOP_TAP_XMIT_START,
				    VNL_HOP_TAP_XMIT,  VNL_HOP_VMM_READ};

static void send_path(struct jengine *e, const uint16_t *hops, int n, uint64_t t0, uint64_t fp,
		      uint64_t skb)
{
	int i;

	for (i = 0; i < n; i++) {
		struct vnl_event x = ev(hops[i], t0 + (uint64_t)(i + 1) * 1000 * (i + 1), fp, skb);

		jengine_event(e, &x);
	}
}

static void one_journey_segments_add_up(void **state)
{
	struct seen s;
	struct jengine *e = engine(&s);
	uint64_t sum = 0;
	int i;

	send_path(e, to_guest, 6, 1000000, 42, 0xa);
	assert_int_equal(s.n, 1); /* closed at its final hop, without waiting */
	assert_true(s.j[0].complete);
	assert_int_equal(s.j[0].nhops, 6);
	for (i = 1; i < s.j[0].nhops; i++)
		sum += s.j[0].ts[i] - s.j[0].ts[i - 1];
	assert_int_equal(sum, s.j[0].ts[5] - s.j[0].ts[0]);
	assert_int_equal(s.j[0].dir, VNL_DIR_TO_GUEST);
	jengine_free(e);
}

static void incomplete_closes_on_timeout(void **state)
{
	struct seen s;
	struct jengine *e = engine(&s);
	struct vnl_event later = ev(VNL_HOP_UPLINK_RX, 3000000000ULL, 99, 0xb);

	send_path(e, to_guest, 4, 1000000, 42, 0xa); /* stops at tap.xmit_start */
	assert_int_equal(s.n, 0);
	jengine_event(e, &later); /* 3 s later: the first journey has timed out */
	assert_int_equal(s.n, 1);
	assert_false(s.j[0].complete);
	assert_int_equal(s.j[0].hops[s.j[0].nhops - 1], VNL_HOP_TAP_XMIT_START);
	jengine_flush(e);
	assert_int_equal(s.n, 2);
	jengine_free(e);
}

/* Two packets with one fingerprint: the skb address keeps them apart. */
static void collision_resolved_by_skb(void **state)
{
	struct seen s;
	struct jengine *e = engine(&s);
	struct vnl_event a1 = ev(VNL_HOP_UPLINK_RX, 100, 7, 0xa);
	struct vnl_event b1 = ev(VNL_HOP_UPLINK_RX, 200, 7, 0xb);
	struct vnl_event b2 = ev(VNL_HOP_UPLINK_RECEIVE, 300, 7, 0xb);
	struct vnl_event a2 = ev(VNL_HOP_UPLINK_RECEIVE, 400, 7, 0xa);

	jengine_event(e, &a1);
	jengine_event(e, &b1);
	jengine_event(e, &b2);
	jengine_event(e, &a2);
	jengine_flush(e);
	assert_int_equal(s.n, 2);
	assert_int_equal(jengine_stats(e)->ambiguous, 0);
	for (int i = 0; i < 2; i++) {
		if (s.j[i].ts[0] == 100)
			assert_int_equal(s.j[i].ts[1], 400);
		else
			assert_int_equal(s.j[i].ts[1], 300);
	}
	jengine_free(e);
}

/* Same fingerprint, no skb to tell them apart (a copy): first in, first out, counted. */
static void collision_fifo_counted(void **state)
{
	struct seen s;
	struct jengine *e = engine(&s);
	struct vnl_event a1 = ev(VNL_HOP_UPLINK_RX, 100, 7, 0xa);
	struct vnl_event b1 = ev(VNL_HOP_UPLINK_RX, 200, 7, 0xb);
	struct vnl_event c = ev(VNL_HOP_TAP_QUEUE, 300, 7, 0xc);

	jengine_event(e, &a1);
	jengine_event(e, &b1);
	jengine_event(e, &c);
	jengine_flush(e);
	assert_int_equal(jengine_stats(e)->ambiguous, 1);
	for (int i = 0; i < s.n; i++)
		if (s.j[i].ts[0] == 100)
			assert_int_equal(s.j[i].nhops, 2);
	jengine_free(e);
}

/* A hop already passed starts a new journey (the same packet seen again, or a retransmit). */
static void repeated_hop_starts_new_journey(void **state)
{
	struct seen s;
	struct jengine *e = engine(&s);

	send_path(e, to_guest, 3, 0, 5, 0xa);
	send_path(e, to_guest, 3, 500000, 5, 0xa);
	jengine_flush(e);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.j[0].nhops, 3);
	jengine_free(e);
}

static void drop_ends_journey(void **state)
{
	struct seen s;
	struct jengine *e = engine(&s);
	struct vnl_event d = ev(VNL_HOP_DROP, 100000, 42, 0xa);
	struct vnl_event orphan = ev(VNL_HOP_DROP, 100001, 43, 0xd);

	d.reason = 80;
	send_path(e, to_guest, 5, 0, 42, 0xa);
	jengine_event(e, &d);
	jengine_event(e, &orphan);
	assert_int_equal(s.n, 1);
	assert_true(s.j[0].dropped);
	assert_int_equal(s.j[0].drop_hop, VNL_HOP_TAP_XMIT);
	assert_int_equal(s.j[0].drop_reason, 80);
	assert_int_equal(jengine_stats(e)->orphan_drops, 1);
	jengine_free(e);
}

static void udp_round_trip(void **state)
{
	static const uint16_t from_guest[] = {VNL_HOP_TAP_RECEIVE, VNL_HOP_UPLINK_QUEUE,
					      VNL_HOP_UPLINK_XMIT_START, VNL_HOP_UPLINK_XMIT};
	struct seen s;
	struct jengine *e = engine(&s);
	int i;

	send_path(e, to_guest, 6, 0, 42, 0xa);
	/* the response: addresses and ports swapped */
	for (i = 0; i < 4; i++) {
		struct vnl_event x = ev(from_guest[i], 5000000 + (uint64_t)i * 1000, 77, 0xe);

		x.pkt.flow.saddr[0] = 2;
		x.pkt.flow.daddr[0] = 1;
		x.pkt.flow.sport = 7;
		x.pkt.flow.dport = 1000;
		jengine_event(e, &x);
	}
	assert_int_equal(s.nrt, 1);
	assert_int_equal(s.req[0].dir, VNL_DIR_TO_GUEST);
	assert_int_equal(s.resp[0].dir, VNL_DIR_FROM_GUEST);
	assert_int_equal(s.resp[0].ts[0] - s.req[0].ts[5], 5000000 - s.req[0].ts[5]);
	jengine_free(e);
}

static void icmp_pairs_by_id_and_seq(void **state)
{
	static const uint16_t from_guest[] = {VNL_HOP_TAP_RECEIVE, VNL_HOP_UPLINK_XMIT};
	struct seen s;
	struct jengine *e = engine(&s);
	uint16_t seq;
	int i;

	/* requests 1 and 2, then the reply to 2 only */
	for (seq = 1; seq <= 2; seq++) {
		for (i = 0; i < 6; i++) {
			struct vnl_event x =
			    ev(to_guest[i], seq * 1000000 + (uint64_t)i, 100 + seq, seq);

			x.pkt.flow.proto = 1;
			x.pkt.flow.sport = 9;
			x.pkt.flow.dport = 0;
			x.pkt.seq = seq;
			x.pkt.flags = VNL_PKT_ECHO_REQ;
			jengine_event(e, &x);
		}
	}
	for (i = 0; i < 2; i++) {
		struct vnl_event x = ev(from_guest[i], 9000000 + (uint64_t)i, 500, 0x77);

		x.pkt.flow.proto = 1;
		x.pkt.flow.saddr[0] = 2;
		x.pkt.flow.daddr[0] = 1;
		x.pkt.flow.sport = 9;
		x.pkt.flow.dport = 0;
		x.pkt.seq = 2;
		x.pkt.flags = VNL_PKT_ECHO_REPLY;
		jengine_event(e, &x);
	}
	assert_int_equal(s.nrt, 1);
	assert_int_equal(s.req[0].pkt.seq, 2);
	jengine_flush(e);
	assert_int_equal(jengine_stats(e)->unpaired_expired, 1);
	jengine_free(e);
}

static void tie_vmm_write_by_thread(void **state)
{
	struct seen s;
	struct jengine *e = engine(&s);
	struct vnl_event w = {
	    .ts_ns = 1000, .hop = VNL_HOP_VMM_WRITE, .tid = 55, .flags = VNL_EV_NO_PACKET};
	struct vnl_event r = ev(VNL_HOP_TAP_RECEIVE, 3000, 9, 0x1);

	r.tid = 55;
	jengine_event(e, &w);
	jengine_event(e, &r);
	jengine_flush(e);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.j[0].hops[0], VNL_HOP_VMM_WRITE);
	assert_int_equal(s.j[0].hops[1], VNL_HOP_TAP_RECEIVE);
	assert_int_equal(jengine_stats(e)->packetless_tied, 1);
	jengine_free(e);
}

static uint64_t out_ts[64];
static int nout;

static void collect(void *ctx, const struct vnl_event *e)
{
	if (nout < 64)
		out_ts[nout++] = e->ts_ns;
}

static void reorder_sorts_within_window(void **state)
{
	static const uint64_t in[] = {10, 30, 20, 50, 40, 1000, 45, 2000};
	struct reorder *r = reorder_new(100);
	size_t i;

	nout = 0;
	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		struct vnl_event x = {.ts_ns = in[i]};

		assert_int_equal(reorder_push(r, &x, collect, NULL), 0);
	}
	reorder_drain(r, collect, NULL);
	assert_int_equal(nout, 8);
	for (i = 1; i < 8; i++)
		if (out_ts[i] < out_ts[i - 1])
			assert_int_equal(reorder_late(r), 1); /* 45 came after 1000 flushed 50 */
	assert_int_equal(reorder_late(r), 1);
	reorder_free(r);
}

static void segment_names(void **state)
{
	char buf[80];

	assert_string_equal(segment_name(VNL_HOP_TAP_XMIT, VNL_HOP_VMM_READ, buf, sizeof(buf)),
			    "host.tap_queue");
	assert_string_equal(
	    segment_name(VNL_HOP_UPLINK_RECEIVE, VNL_HOP_TAP_QUEUE, buf, sizeof(buf)),
	    "host.bridge");
	assert_string_equal(segment_name(VNL_HOP_UPLINK_RX, VNL_HOP_TAP_QUEUE, buf, sizeof(buf)),
			    "uplink.rx..tap.queue");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(one_journey_segments_add_up),
	    cmocka_unit_test(incomplete_closes_on_timeout),
	    cmocka_unit_test(collision_resolved_by_skb),
	    cmocka_unit_test(collision_fifo_counted),
	    cmocka_unit_test(repeated_hop_starts_new_journey),
	    cmocka_unit_test(drop_ends_journey),
	    cmocka_unit_test(udp_round_trip),
	    cmocka_unit_test(icmp_pairs_by_id_and_seq),
	    cmocka_unit_test(tie_vmm_write_by_thread),
	    cmocka_unit_test(reorder_sorts_within_window),
	    cmocka_unit_test(segment_names),
	};

	return cmocka_run_group_tests_name("journey", tests, NULL, NULL);
}
