// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Joining events into journeys and round trips, on synthetic event streams. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "journey.h"
#include "reorder.h"
#include "hoptab.h"
#include "jcheck.h"
#include "joiner.h"

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
	struct jpath path = {{VNL_HOP_UPLINK_RX, VNL_HOP_TAP_RX, -1},
			     {VNL_HOP_VMM_READ, VNL_HOP_UPLINK_XMIT, -1},
			     {VNL_HOP_UPLINK_RX, VNL_HOP_TAP_RX, -1},
			     {VNL_HOP_VMM_READ, VNL_HOP_UPLINK_XMIT, -1},
			     0};

	memset(s, 0, sizeof(*s));
	return jengine_new(&sink, &path, 1000000000ULL);
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

/* A journey left behind while packets after it moved on past its hop was lost there. */
static void lost_closes_when_path_moves_on(void **state)
{
	struct seen s;
	struct jengine *e = engine(&s);
	struct vnl_event later = ev(VNL_HOP_UPLINK_RX, 3000000000ULL, 99, 0xb);

	send_path(e, to_guest, 4, 1000000, 42, 0xa); /* stops at tap.xmit_start */
	send_path(e, to_guest, 6, 2000000, 43, 0xc); /* the next one goes on */
	assert_int_equal(s.n, 1);
	jengine_event(e, &later); /* 3 s later: the first journey has timed out */
	assert_int_equal(s.n, 2);
	assert_false(s.j[1].complete);
	assert_false(s.j[1].partial);
	assert_int_equal(s.j[1].hops[s.j[1].nhops - 1], VNL_HOP_TAP_XMIT_START);
	assert_int_equal(jengine_stats(e)->lost, 1);
	assert_int_equal(jengine_stats(e)->held, 0);
	jengine_flush(e);
	assert_int_equal(s.n, 3);
	jengine_free(e);
}

/* A VMM stopped for seconds: nothing leaves the tap, and the stall lands in the journey. */
static void stall_kept_in_the_tail(void **state)
{
	struct seen s;
	struct jengine *e = engine(&s);
	struct vnl_event other = ev(VNL_HOP_UPLINK_RX, 3000000000ULL, 99, 0xb);
	struct vnl_event read = ev(VNL_HOP_VMM_READ, 5000000000ULL, 42, 0xa);

	send_path(e, to_guest, 5, 1000000, 42, 0xa); /* waits at tap.xmit */
	jengine_event(e, &other);		     /* more traffic arrives meanwhile */
	assert_int_equal(s.n, 0);
	jengine_event(e, &read);
	assert_int_equal(s.n, 1);
	assert_true(s.j[0].complete);
	assert_true(ts_diff(s.j[0].ts[s.j[0].nhops - 1], s.j[0].ts[0]) > 4000000000LL);
	assert_true(jengine_stats(e)->held >= 1);
	jengine_flush(e);
	jengine_free(e);
}

static void stall_ends_at_max_stall(void **state)
{
	struct seen s;
	struct jengine *e = engine(&s);
	struct vnl_event later = ev(VNL_HOP_UPLINK_RX, 5000000000ULL, 99, 0xb);

	jengine_set_max_stall(e, 2000000000ULL);
	send_path(e, to_guest, 5, 1000000, 42, 0xa);
	jengine_event(e, &later);
	assert_int_equal(s.n, 1);
	assert_false(s.j[0].complete);
	assert_int_equal(jengine_stats(e)->stall_ends, 1);
	jengine_free(e);
}

/* A clone from the bridge, or a GSO tail: reaches the end, but never counts as end to end. */
static void mid_path_start_is_partial(void **state)
{
	struct seen s;
	struct jengine *e = engine(&s);

	send_path(e, to_guest + 3, 3, 0, 42, 0xa); /* tap.xmit_start .. vmm.read */
	send_path(e, to_guest, 6, 100000, 43, 0xb);
	send_path(e, to_guest + 1, 5, 200000, 44, 0xc); /* uplink.receive: still the uplink */
	assert_int_equal(s.n, 3);
	assert_true(s.j[0].partial);
	assert_false(s.j[0].complete);
	assert_true(s.j[1].complete);
	assert_true(s.j[2].complete);
	assert_int_equal(jengine_stats(e)->partial, 1);
	assert_int_equal(jengine_stats(e)->complete, 2);
	jengine_free(e);
}

static struct jengine *guest_engine(struct seen *s)
{
	struct jsink sink = {on_j, on_rt, s};

	memset(s, 0, sizeof(*s));
	return jengine_new(&sink, &jc_guest_path, 1000000000ULL);
}

static const uint16_t into_guest[] = {VNL_HOP_UPLINK_RX, VNL_HOP_TAP_XMIT, VNL_HOP_VMM_READ,
				      VNL_HOP_GUEST_RECEIVE, VNL_HOP_GUEST_APP_READ};

static struct vnl_event tcp_ev(uint16_t hop, uint64_t ts, uint64_t fp, uint32_t payload)
{
	struct vnl_event x = ev(hop, ts, fp, fp);

	x.pkt.flow.proto = 6;
	x.pkt.payload = payload;
	x.pkt.tcp_flags = 0x10;
	x.kernel = vnl_hops[hop].side == VNL_SIDE_GUEST;
	return x;
}

/* A pure ACK ends in the guest's stack: complete there, not lost before the application. */
static void pure_ack_ends_in_the_stack(void **state)
{
	struct seen s;
	struct jengine *e = guest_engine(&s);
	int i;

	for (i = 0; i < 4; i++) {
		struct vnl_event x = tcp_ev(into_guest[i], 1000 + (uint64_t)i * 1000, 42, 0);

		jengine_event(e, &x);
	}
	for (i = 0; i < 5; i++) {
		struct vnl_event x = tcp_ev(into_guest[i], 9000 + (uint64_t)i * 1000, 43, 100);

		jengine_event(e, &x);
	}
	assert_int_equal(s.n, 2);
	assert_true(s.j[0].complete);
	assert_int_equal(s.j[0].hops[s.j[0].nhops - 1], VNL_HOP_GUEST_RECEIVE);
	assert_true(s.j[1].complete);
	assert_int_equal(s.j[1].hops[s.j[1].nhops - 1], VNL_HOP_GUEST_APP_READ);
	jengine_flush(e);
	assert_int_equal(jengine_stats(e)->lost, 0);
	jengine_free(e);
}

/* An interrupt of an earlier batch would put the guest's part before the host's: refused. */
static void backwards_tie_refused(void **state)
{
	struct seen s;
	struct jengine *e = guest_engine(&s);
	struct vnl_event irq = {.ts_ns = 1500,
				.hop = VNL_HOP_GUEST_IRQ,
				.cpu = 0,
				.kernel = 1,
				.flags = VNL_EV_NO_PACKET};
	int i;

	for (i = 0; i < 5; i++) {
		struct vnl_event x = tcp_ev(into_guest[i], 1000 + (uint64_t)i * 1000, 42, 100);

		if (i == 3)
			jengine_event(e, &irq); /* at 1500: before vmm.read at 3000 */
		jengine_event(e, &x);
	}
	assert_int_equal(s.n, 1);
	assert_int_equal(s.j[0].nhops, 5);
	for (i = 1; i < s.j[0].nhops; i++)
		assert_true(ts_diff(s.j[0].ts[i], s.j[0].ts[i - 1]) >= 0);
	assert_int_equal(jengine_stats(e)->refused_by_hop[VNL_HOP_GUEST_IRQ], 1);
	jengine_free(e);
}

/* A hop timestamped before the journey's last one (a late event) is refused, not joined. */
static void backwards_join_refused(void **state)
{
	struct seen s;
	struct jengine *e = engine(&s);
	struct vnl_event a = ev(VNL_HOP_UPLINK_RX, 5000, 42, 0xa);
	struct vnl_event b = ev(VNL_HOP_TAP_QUEUE, 4000, 42, 0xa);

	jengine_event(e, &a);
	jengine_event(e, &b);
	jengine_flush(e);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.j[0].nhops, 1);
	assert_int_equal(jengine_stats(e)->refused_by_hop[VNL_HOP_TAP_QUEUE], 1);
	jengine_free(e);
}

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
/* An skb address recycled: the hop goes to the journey that holds it now, not a stale one. */
static void recycled_skb_joins_its_current_holder(void **state)
{
	struct seen s;
	struct jengine *e = engine(&s);
	struct vnl_event a1 = ev(VNL_HOP_UPLINK_RX, 1000, 7, 0xa);
	struct vnl_event b1 = ev(VNL_HOP_UPLINK_RX, 5000, 7, 0xb);
	struct vnl_event a2 = ev(VNL_HOP_UPLINK_RX, 9000, 7, 0xa); /* 0xa again: a new packet */
	struct vnl_event a3 = ev(VNL_HOP_TAP_QUEUE, 9500, 7, 0xa);

	jengine_event(e, &a1);
	jengine_event(e, &b1);
	jengine_event(e, &a2);
	jengine_event(e, &a3);
	jengine_flush(e);
	assert_int_equal(s.n, 3);
	for (int i = 0; i < s.n; i++)
		if (s.j[i].ts[0] == 9000)
			assert_int_equal(s.j[i].nhops, 2);
		else
			assert_int_equal(s.j[i].nhops, 1);
	jengine_free(e);
}

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

static const uint16_t reply_path[] = {VNL_HOP_TAP_RECEIVE, VNL_HOP_UPLINK_QUEUE,
				      VNL_HOP_UPLINK_XMIT_START, VNL_HOP_UPLINK_XMIT};

/* A packet to the guest (reply = 0) or its answer back, with f's transport fields. */
static void packet(struct jengine *e, int reply, uint64_t t0, uint64_t fp, const struct vnl_pkt *f)
{
	const uint16_t *hops = reply ? reply_path : to_guest;
	int i, n = reply ? 4 : 6;

	for (i = 0; i < n; i++) {
		struct vnl_event x = ev(hops[i], t0 + (uint64_t)i * 1000, fp, fp);

		x.pkt.flow.proto = f->flow.proto;
		x.pkt.seq = f->seq;
		x.pkt.ack = f->ack;
		x.pkt.payload = f->payload;
		x.pkt.tcp_flags = f->tcp_flags;
		if (reply) {
			x.pkt.flow.saddr[0] = 2;
			x.pkt.flow.daddr[0] = 1;
			x.pkt.flow.sport = 7;
			x.pkt.flow.dport = 1000;
		}
		jengine_event(e, &x);
	}
}

/* A UDP request (to the guest) or reply (back), whose payload hashes to seq. */
static void udp_packet(struct jengine *e, int reply, uint64_t t0, uint64_t fp, uint32_t seq)
{
	struct vnl_pkt f = {.flow.proto = 17, .seq = seq};

	packet(e, reply, t0, fp, &f);
}

/*
 * 20 UDP requests 10 ms apart, their payloads hashing to 0x5000 + i; the reply to request i
 * comes `delay` later hashing to reply_base + i, but for every lose_every-th one (from the
 * second), left unanswered.
 */
static void lossy_exchanges(struct jengine *e, int lose_every, uint32_t reply_base, uint64_t delay)
{
	int i;

	for (i = 0; i < 20; i++) {
		uint64_t t = (uint64_t)i * 10000000;

		udp_packet(e, 0, t, 1000 + (uint64_t)i, 0x5000 + (uint32_t)i);
		if (i % lose_every != lose_every / 2)
			udp_packet(e, 1, t + delay, 2000 + (uint64_t)i, reply_base + (uint32_t)i);
	}
	jengine_flush(e);
}

/*
 * An echo server that leaves every fifth request unanswered: each reply pairs with the
 * request whose payload it echoes, never with an older one left behind.
 */
static void udp_lost_replies_never_shift(void **state)
{
	struct seen s;
	struct jengine *e = engine(&s);
	int i;

	lossy_exchanges(e, 5, 0x5000, 2000000);
	assert_int_equal(s.nrt, 16);
	for (i = 0; i < s.nrt; i++) {
		assert_int_equal(s.req[i].pkt.seq, s.resp[i].pkt.seq);
		assert_int_equal(ts_diff(s.resp[i].ts[0], s.req[i].ts[0]), 2000000);
	}
	assert_int_equal(jengine_stats(e)->pairs_by_echo, 16);
	assert_int_equal(jengine_stats(e)->unpaired_expired, 4);
	jengine_free(e);
}

/* Replies that do not echo: one request outstanding at a time, the latest is the one. */
static void udp_latest_outstanding_without_echo(void **state)
{
	struct seen s;
	struct jengine *e = engine(&s);
	int i;

	lossy_exchanges(e, 4, 0x9000, 3000000);
	assert_int_equal(s.nrt, 15);
	for (i = 0; i < s.nrt; i++) {
		assert_int_equal(s.resp[i].pkt.seq - 0x9000, s.req[i].pkt.seq - 0x5000);
		assert_int_equal(ts_diff(s.resp[i].ts[0], s.req[i].ts[0]), 3000000);
	}
	assert_int_equal(jengine_stats(e)->pairs_by_echo, 0);
	jengine_free(e);
}

/* A PTP message over UDP to a multicast group: to the guest (reply = 0) or from it. */
static void ptp_packet(struct jengine *e, int from_guest, uint64_t t0, uint64_t fp,
		       unsigned int type, uint16_t seqid, uint32_t port)
{
	const uint16_t *hops = from_guest ? reply_path : to_guest;
	int i, n = from_guest ? 4 : 6;

	for (i = 0; i < n; i++) {
		struct vnl_event x = ev(hops[i], t0 + (uint64_t)i * 1000, fp, fp);

		x.pkt.flags = VNL_PKT_PTP;
		x.pkt.ack = VNL_PTP_INFO(type, 0, seqid);
		x.pkt.seq = port;
		x.pkt.flow.saddr[0] = from_guest ? 2 : 1;
		x.pkt.flow.daddr[0] = 0x810100e0; /* 224.0.1.129 */
		x.pkt.flow.sport = x.pkt.flow.dport = type >= 8 ? 320 : 319;
		jengine_event(e, &x);
	}
}

/*
 * PTP: a Delay_Req pairs with the Delay_Resp that names its port and sequence id, never
 * with another slave's of the same number, and a Sync pairs with nothing, although all go
 * to one multicast group on the same ports.
 */
static void ptp_delay_pairs(void **state)
{
	struct seen s;
	struct jengine *e = engine(&s);

	ptp_packet(e, 0, 0, 1, VNL_PTP_SYNC, 9, 0x111);
	ptp_packet(e, 1, 1000000, 2, VNL_PTP_DELAY_REQ, 9, 0xabc);
	ptp_packet(e, 1, 1100000, 3, VNL_PTP_DELAY_REQ, 9, 0xdef);
	ptp_packet(e, 0, 3000000, 4, VNL_PTP_DELAY_RESP, 9, 0xabc);
	ptp_packet(e, 0, 4000000, 5, VNL_PTP_FOLLOW_UP, 9, 0x111);
	jengine_flush(e);
	assert_int_equal(s.nrt, 1);
	assert_int_equal(s.req[0].fp, 2);
	assert_int_equal(s.resp[0].fp, 4);
	assert_int_equal(jengine_stats(e)->pairs_by_echo, 0);
	jengine_free(e);
}

/* A stray reply of an echoing flow is counted, and never becomes a request of its own. */
static void stray_reply_is_not_a_request(void **state)
{
	struct seen s;
	struct jengine *e = engine(&s);

	udp_packet(e, 0, 0, 1, 0x11);
	udp_packet(e, 1, 1000000, 2, 0x11);
	udp_packet(e, 1, 5000000, 3, 0x77); /* answers nothing */
	udp_packet(e, 0, 10000000, 4, 0x12);
	udp_packet(e, 1, 11000000, 5, 0x12);
	jengine_flush(e);
	assert_int_equal(s.nrt, 2);
	assert_int_equal(s.req[1].pkt.seq, 0x12);
	assert_int_equal(s.resp[1].pkt.seq, 0x12);
	assert_int_equal(jengine_stats(e)->unmatched_replies, 1);
	assert_int_equal(jengine_stats(e)->unpaired_expired, 0);
	jengine_free(e);
}

static void tcp_segment(struct jengine *e, int reply, uint64_t t0, uint64_t fp, uint32_t seq,
			uint32_t ack, uint32_t payload)
{
	struct vnl_pkt f = {
	    .flow.proto = 6, .seq = seq, .ack = ack, .payload = payload, .tcp_flags = 0x18};

	packet(e, reply, t0, fp, &f);
}

/*
 * TCP: an ACK pairs with the segment whose end it acknowledges; a range sent twice gives no
 * round trip (Karn: the RTO would land in it); an ACK covering two segments pairs the later.
 */
static void tcp_pairs_by_ack_karn_and_covered(void **state)
{
	struct seen s;
	struct jengine *e = engine(&s);

	tcp_segment(e, 0, 0, 1, 1000, 1, 100);
	tcp_segment(e, 1, 1000000, 2, 1, 1100, 0);
	tcp_segment(e, 0, 2000000, 3, 1100, 1, 100);
	tcp_segment(e, 0, 300000000, 4, 1100, 1, 100); /* retransmitted */
	tcp_segment(e, 1, 301000000, 5, 1, 1200, 0);
	tcp_segment(e, 0, 400000000, 6, 1200, 1, 100);
	tcp_segment(e, 0, 401000000, 7, 1300, 1, 100);
	tcp_segment(e, 1, 402000000, 8, 1, 1400, 0); /* covers both */
	jengine_flush(e);
	assert_int_equal(s.nrt, 2);
	assert_int_equal(s.req[0].pkt.seq, 1000);
	assert_int_equal(s.req[1].pkt.seq, 1300);
	assert_int_equal(jengine_stats(e)->retransmitted, 1);
	assert_int_equal(jengine_stats(e)->covered, 1);
	jengine_free(e);
}

/* A request ACKed at once, then answered: the round trip ends at the answer, not the ACK. */
static void tcp_reply_not_its_early_ack(void **state)
{
	struct seen s;
	struct jengine *e = engine(&s);

	tcp_segment(e, 0, 0, 1, 1000, 1, 100);
	tcp_segment(e, 1, 100000, 2, 1, 1100, 0);	/* the pure ACK */
	tcp_segment(e, 1, 3000000, 3, 1, 1100, 200);	/* the reply, 3 ms after the request */
	tcp_segment(e, 0, 10000000, 4, 1100, 201, 100); /* a stream's segment: only ACKed */
	tcp_segment(e, 1, 10200000, 5, 201, 1200, 0);
	assert_int_equal(s.nrt, 1);
	assert_int_equal(s.resp[0].pkt.payload, 200);
	assert_int_equal(ts_diff(s.resp[0].ts[0], s.req[0].ts[0]), 3000000);
	jengine_flush(e); /* no reply came: its ACK is its round trip */
	assert_int_equal(s.nrt, 2);
	assert_int_equal(s.req[1].pkt.seq, 1100);
	assert_int_equal(s.resp[1].pkt.payload, 0);
	assert_int_equal(jengine_stats(e)->unpaired_expired, 0);
	jengine_free(e);
}

/* ---- random event streams: the engine's invariants hold whatever comes in ---- */

static uint64_t rnd_state;

static uint32_t rnd(uint32_t n)
{
	rnd_state = rnd_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(rnd_state >> 33) % n;
}

static const uint16_t guest_rx[] = {
    VNL_HOP_UPLINK_RX,	    VNL_HOP_UPLINK_RECEIVE, VNL_HOP_TAP_QUEUE,
    VNL_HOP_TAP_XMIT_START, VNL_HOP_TAP_XMIT,	    VNL_HOP_VMM_READ,
    VNL_HOP_GUEST_GRO,	    VNL_HOP_GUEST_RECEIVE,  VNL_HOP_GUEST_APP_READ};
static const uint16_t guest_tx[] = {VNL_HOP_GUEST_QUEUE,  VNL_HOP_GUEST_XMIT_START,
				    VNL_HOP_TAP_RX,	  VNL_HOP_TAP_RECEIVE,
				    VNL_HOP_UPLINK_QUEUE, VNL_HOP_UPLINK_XMIT};

#define RAND_MAX_EVENTS 8192

static int by_ts(const void *a, const void *b)
{
	const struct vnl_event *x = a, *y = b;

	return x->ts_ns < y->ts_ns ? -1 : x->ts_ns > y->ts_ns;
}

/* One packet's hops, some skipped, some lost or dropped, some stalled for seconds. */
static size_t random_packet(struct vnl_event *out, size_t room, uint64_t t)
{
	int reply = rnd(2);
	const uint16_t *hops = reply ? guest_tx : guest_rx;
	int n = reply ? 6 : 9, i, first = rnd(4) ? 0 : (int)rnd(3), last = rnd(5) ? n : (int)rnd(n);
	uint64_t fp = 1 + rnd(40), skb = 0x1000 + rnd(16);
	size_t k = 0;

	for (i = first; i < last && k + 2 < room; i++) {
		struct vnl_event x = ev(hops[i], t, fp, skb);
		int guest = vnl_hops[hops[i]].side == VNL_SIDE_GUEST;

		t += 1000 + rnd(2000000) + (rnd(200) ? 0 : 3000000000ULL);
		if (!rnd(8))
			continue;
		x.kernel = (uint8_t)guest;
		x.cpu = (uint16_t)rnd(2);
		x.tid = 100 + rnd(3);
		x.pkt.flow.proto = rnd(3) ? 17 : 6;
		x.pkt.payload = rnd(3) ? 64 : 0;
		x.pkt.seq = (uint32_t)fp;
		x.ts_ns = t + (rnd(20) ? 0 : rnd(4000)) - (rnd(20) ? 0 : rnd(4000));
		if (reply) {
			x.pkt.flow.saddr[0] = 2;
			x.pkt.flow.daddr[0] = 1;
		}
		if (guest && !reply && rnd(2)) {
			struct vnl_event irq = {.ts_ns = x.ts_ns - rnd(50000),
						.hop =
						    rnd(2) ? VNL_HOP_GUEST_IRQ : VNL_HOP_GUEST_NAPI,
						.cpu = x.cpu,
						.kernel = 1,
						.flags = VNL_EV_NO_PACKET};
			out[k++] = irq;
		}
		out[k++] = x;
	}
	if (last < n && !rnd(3) && k < room) {
		out[k] = ev(VNL_HOP_DROP, t + 500, fp, skb);
		out[k].kernel = (uint8_t)rnd(2);
		k++;
	}
	return k;
}

static void random_streams_keep_invariants(void **state)
{
	static struct vnl_event evs[RAND_MAX_EVENTS];
	int round;

	for (round = 0; round < 300; round++) {
		struct jcheck c = {0};
		struct jsink sink = {jc_journey, jc_round_trip, &c};
		struct jpath path = jc_guest_path;
		struct jengine *e;
		size_t n = 0, i;
		uint64_t t = 1000000;

		path.guests = round & 1;
		e = jengine_new(&sink, &path, 1000000000ULL);
		rnd_state = (uint64_t)round * 7919 + 1;
		while (n < RAND_MAX_EVENTS - 64) {
			n += random_packet(evs + n, RAND_MAX_EVENTS - n, t);
			t += rnd(3000000);
		}
		qsort(evs, n, sizeof(evs[0]), by_ts);
		for (i = 0; i + 1 < n; i++) /* a few late events: the reorder window missed them */
			if (!rnd(100)) {
				struct vnl_event tmp = evs[i];

				evs[i] = evs[i + 1];
				evs[i + 1] = tmp;
			}
		for (i = 0; i < n; i++)
			jengine_event(e, &evs[i]);
		jengine_flush(e);
		if (jc_verify(&c, jengine_stats(e)))
			fail_msg("round %d: %s", round, c.why);
		assert_true(jengine_stats(e)->journeys > 0);
		jengine_free(e);
	}
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

static struct vnl_event on_thread(struct vnl_event e, uint32_t tid)
{
	e.tid = tid;
	return e;
}

static struct vnl_event packetless(uint16_t hop, uint64_t ts, uint32_t tid)
{
	struct vnl_event e = {.ts_ns = ts, .hop = hop, .tid = tid, .flags = VNL_EV_NO_PACKET};

	return e;
}

/*
 * vhost-net: the worker's handle_rx, its read of the packet (the last host hop) and its signal
 * on one thread make one journey, which waits for the signal before it closes (at most
 * TIE_NS); its handle_tx starts the reply's. A signal that never comes closes it on time.
 */
/* The path of a host whose traced device is a tap, with these hops attached. */
static void tap_path_of(struct jpath *path, const uint16_t *hops, size_t n)
{
	int attached[VNL_HOP_MAX] = {0}, roles[VNL_ROLE_MAX] = {0};
	size_t i;

	for (i = 0; i < n; i++)
		attached[hops[i]] = 1;
	roles[VNL_ROLE_TAP] = 1;
	jpath_of(path, attached, roles, 0);
}

#define SENDER_TID 50
#define WORKER_TID 77

/*
 * One packet through a vhost worker, from t0: the sender's xmit_start, the worker's handle_rx
 * 5 us later, the driver return ret_dt after t0 on the thread ret_tid, the worker's read
 * read_dt after t0 and its signal 30 us after t0.
 */
static void worker_race(struct jengine *e, uint64_t t0, uint64_t fp, uint64_t skb, uint32_t ret_tid,
			uint64_t ret_dt, uint64_t read_dt)
{
	const struct vnl_event x[] = {
	    on_thread(ev(VNL_HOP_TAP_XMIT_START, t0, fp, skb), SENDER_TID),
	    packetless(VNL_HOP_VHOST_RX, t0 + 5000, WORKER_TID),
	    on_thread(ev(VNL_HOP_TAP_XMIT, t0 + ret_dt, fp, skb), ret_tid),
	    on_thread(ev(VNL_HOP_VMM_READ, t0 + read_dt, fp, skb), WORKER_TID),
	    packetless(VNL_HOP_VHOST_SIGNAL, t0 + 30000, WORKER_TID),
	};
	size_t i;

	for (i = 0; i < sizeof(x) / sizeof(x[0]); i++)
		jengine_event(e, &x[i]);
}

/*
 * The worker overtook the tap's driver return: handle_rx ran (and read the packet) before
 * net_dev_xmit fired in the sender, so the BPF side recorded tap.xmit at the read, on the
 * worker's thread. The return ends where the worker began, and handle_rx ties in; the same
 * handle_rx against a return the sender's own thread recorded later is refused.
 */
static void vhost_worker_overtakes_the_return(void **state)
{
	struct seen s;
	struct jsink sink = {on_j, on_rt, &s};
	static const uint16_t host_hops[] = {VNL_HOP_TAP_XMIT_START, VNL_HOP_TAP_XMIT,
					     VNL_HOP_VMM_READ, VNL_HOP_VHOST_RX,
					     VNL_HOP_VHOST_SIGNAL};
	struct jpath path;
	struct jengine *e;

	memset(&s, 0, sizeof(s));
	tap_path_of(&path, host_hops, sizeof(host_hops) / sizeof(host_hops[0]));
	e = jengine_new(&sink, &path, 1000000000ULL);
	/* the return recorded at the read, on the worker's thread */
	worker_race(e, 1000000, 42, 0xa, WORKER_TID, 20000, 20100);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.j[0].nhops, 5);
	assert_int_equal(s.j[0].hops[1], VNL_HOP_TAP_XMIT);
	assert_int_equal(s.j[0].ts[1], 1005000); /* the return, where the worker began */
	assert_int_equal(s.j[0].hops[2], VNL_HOP_VHOST_RX);
	assert_int_equal(s.j[0].ts[2], 1005000);
	assert_int_equal(s.j[0].hops[3], VNL_HOP_VMM_READ);
	/* the sender's thread saw its return late: the earlier handle_rx is another packet's */
	worker_race(e, 2000000, 43, 0xb, SENDER_TID, 10000, 20000);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.j[1].nhops, 4);
	assert_int_equal(s.j[1].ts[1], 2010000);
	assert_int_equal(s.j[1].hops[2], VNL_HOP_VMM_READ);
	jengine_flush(e);
	jengine_free(e);
}

static void vhost_worker_hops_tie(void **state)
{
	struct seen s;
	struct jsink sink = {on_j, on_rt, &s};
	static const uint16_t host_hops[] = {
	    VNL_HOP_TAP_QUEUE, VNL_HOP_TAP_XMIT_START, VNL_HOP_TAP_XMIT, VNL_HOP_VMM_READ,
	    VNL_HOP_VHOST_RX,  VNL_HOP_VHOST_SIGNAL,   VNL_HOP_VHOST_TX, VNL_HOP_TAP_RECEIVE};
	struct vnl_event x;
	struct jpath path;
	struct jengine *e;
	unsigned int i;

	memset(&s, 0, sizeof(s));
	tap_path_of(&path, host_hops, sizeof(host_hops) / sizeof(host_hops[0]));
	assert_int_equal(path.trailing[VNL_DIR_TO_GUEST], VNL_HOP_VHOST_SIGNAL + 1);
	assert_int_equal(path.trailing[VNL_DIR_FROM_GUEST], 0);
	e = jengine_new(&sink, &path, 1000000000ULL);
	for (i = 0; i < 3; i++) { /* tap.queue .. tap.xmit, in the sender's thread */
		x = on_thread(ev(host_hops[i], 1000000 + i * 1000, 42, 0xa), 50);
		jengine_event(e, &x);
	}
	x = packetless(VNL_HOP_VHOST_RX, 1010000, 77);
	jengine_event(e, &x);
	x = on_thread(ev(VNL_HOP_VMM_READ, 1020000, 42, 0xa), 77);
	jengine_event(e, &x);
	assert_int_equal(s.n, 0); /* at its last hop, waiting for the signal */
	x = packetless(VNL_HOP_VHOST_SIGNAL, 1030000, 77);
	jengine_event(e, &x);
	assert_int_equal(s.n, 1);
	assert_true(s.j[0].complete);
	assert_int_equal(s.j[0].nhops, 6);
	assert_int_equal(s.j[0].hops[3], VNL_HOP_VHOST_RX);
	assert_int_equal(s.j[0].hops[4], VNL_HOP_VMM_READ);
	assert_int_equal(s.j[0].hops[5], VNL_HOP_VHOST_SIGNAL);
	/* the reply: handle_tx, then the tap's receive on the worker's thread */
	x = packetless(VNL_HOP_VHOST_TX, 1040000, 77);
	jengine_event(e, &x);
	x = on_thread(ev(VNL_HOP_TAP_RECEIVE, 1050000, 43, 0xb), 77);
	jengine_event(e, &x);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.j[1].dir, VNL_DIR_FROM_GUEST);
	assert_int_equal(s.j[1].nhops, 2);
	assert_int_equal(s.j[1].hops[0], VNL_HOP_VHOST_TX);
	/* a packet whose signal never comes is closed TIE_NS after its read, complete */
	x = on_thread(ev(VNL_HOP_TAP_XMIT, 2000000, 44, 0xc), 50);
	jengine_event(e, &x);
	x = on_thread(ev(VNL_HOP_VMM_READ, 2010000, 44, 0xc), 77);
	jengine_event(e, &x);
	x = on_thread(ev(VNL_HOP_TAP_QUEUE, 2010000 + TIE_NS + 1000, 45, 0xd), 50);
	jengine_event(e, &x);
	assert_int_equal(s.n, 3);
	assert_true(s.j[2].complete);
	assert_int_equal(s.j[2].hops[s.j[2].nhops - 1], VNL_HOP_VMM_READ);
	jengine_flush(e);
	jengine_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(one_journey_segments_add_up),
	    cmocka_unit_test(vhost_worker_hops_tie),
	    cmocka_unit_test(vhost_worker_overtakes_the_return),
	    cmocka_unit_test(lost_closes_when_path_moves_on),
	    cmocka_unit_test(stall_kept_in_the_tail),
	    cmocka_unit_test(stall_ends_at_max_stall),
	    cmocka_unit_test(mid_path_start_is_partial),
	    cmocka_unit_test(pure_ack_ends_in_the_stack),
	    cmocka_unit_test(backwards_tie_refused),
	    cmocka_unit_test(backwards_join_refused),
	    cmocka_unit_test(collision_resolved_by_skb),
	    cmocka_unit_test(collision_fifo_counted),
	    cmocka_unit_test(recycled_skb_joins_its_current_holder),
	    cmocka_unit_test(repeated_hop_starts_new_journey),
	    cmocka_unit_test(drop_ends_journey),
	    cmocka_unit_test(udp_round_trip),
	    cmocka_unit_test(icmp_pairs_by_id_and_seq),
	    cmocka_unit_test(tie_vmm_write_by_thread),
	    cmocka_unit_test(udp_lost_replies_never_shift),
	    cmocka_unit_test(udp_latest_outstanding_without_echo),
	    cmocka_unit_test(stray_reply_is_not_a_request),
	    cmocka_unit_test(ptp_delay_pairs),
	    cmocka_unit_test(tcp_pairs_by_ack_karn_and_covered),
	    cmocka_unit_test(tcp_reply_not_its_early_ack),
	    cmocka_unit_test(random_streams_keep_invariants),
	    cmocka_unit_test(reorder_sorts_within_window),
	    cmocka_unit_test(segment_names),
	};

	return cmocka_run_group_tests_name("journey", tests, NULL, NULL);
}
