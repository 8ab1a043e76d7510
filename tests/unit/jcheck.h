/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Invariants of the journey engine, checked on whatever it emits: no negative segment, a
 * round trip's response after its request, every event accounted for exactly once, every
 * journey in exactly one class. Shared by the property test and the fuzzer.
 */
#ifndef VNL_JCHECK_H
#define VNL_JCHECK_H

#include <stdio.h>
#include "hoptab.h"
#include "journey.h"

/* A host with a guest: journeys from the uplink into the guest's application, and back. */
static const struct jpath jc_guest_path = {{VNL_HOP_UPLINK_RX, VNL_HOP_GUEST_QUEUE, -1},
					   {VNL_HOP_GUEST_APP_READ, VNL_HOP_UPLINK_XMIT, -1},
					   {VNL_HOP_UPLINK_RX, VNL_HOP_TAP_RX, -1},
					   {VNL_HOP_VMM_READ, VNL_HOP_UPLINK_XMIT, -1},
					   1};

struct jcheck {
	uint64_t journeys, hops, dropped, classes[4], round_trips;
	int bad;
	char why[160];
};

static void jc_fail(struct jcheck *c, const char *what, uint64_t a, uint64_t b)
{
	if (!c->bad++)
		snprintf(c->why, sizeof(c->why), "%s (%llu, %llu)", what, (unsigned long long)a,
			 (unsigned long long)b);
}

static void jc_journey(void *ctx, const struct journey *j)
{
	struct jcheck *c = ctx;
	int i;

	c->journeys++;
	c->hops += j->nhops;
	c->dropped += j->dropped;
	if (!j->nhops)
		jc_fail(c, "journey without hops", j->id, 0);
	for (i = 1; i < j->nhops; i++)
		if (ts_diff(j->ts[i], j->ts[i - 1]) < 0)
			jc_fail(c, "negative segment", j->ts[i - 1], j->ts[i]);
	if (j->complete + j->partial + j->dropped > 1)
		jc_fail(c, "journey in two classes", j->complete, j->partial);
	c->classes[j->complete ? 0 : j->partial ? 1 : j->dropped ? 2 : 3]++;
}

static void jc_round_trip(void *ctx, const struct journey *req, const struct journey *resp)
{
	struct jcheck *c = ctx;

	c->round_trips++;
	if (ts_diff(resp->ts[0], req->ts[req->nhops - 1]) < 0)
		jc_fail(c, "response before its request ended", req->ts[req->nhops - 1],
			resp->ts[0]);
	if (req->dir == resp->dir)
		jc_fail(c, "round trip in one direction", req->dir, resp->dir);
	if (!(req->complete || req->partial) || !(resp->complete || resp->partial))
		jc_fail(c, "round trip of an unfinished journey", req->complete, resp->complete);
}

/* After jengine_flush: what was emitted against what the engine counted. */
static int jc_verify(struct jcheck *c, const struct jstats *st)
{
	uint64_t accounted = st->packetless + st->unparsed + st->bad_hop + st->joined +
			     st->refused + st->orphan_drops + st->overflow;

	if (accounted != st->events)
		jc_fail(c, "events not accounted for once", st->events, accounted);
	if (c->hops + c->dropped != st->joined + st->packetless_tied)
		jc_fail(c, "hops emitted vs joined", c->hops + c->dropped,
			st->joined + st->packetless_tied);
	if (c->journeys != st->journeys)
		jc_fail(c, "journeys emitted vs counted", c->journeys, st->journeys);
	if (c->classes[0] != st->complete || c->classes[1] != st->partial ||
	    c->classes[2] != st->dropped || c->classes[3] != st->lost)
		jc_fail(c, "classes emitted vs counted", c->classes[0], st->complete);
	if (c->round_trips != st->round_trips)
		jc_fail(c, "round trips emitted vs counted", c->round_trips, st->round_trips);
	return c->bad;
}

#endif
