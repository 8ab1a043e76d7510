/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Joins hop events into packet journeys (one packet's path through the host, in one
 * direction), and journeys into round trips (a request and its response).
 *
 * Events must come in timestamp order (see struct reorder). A journey is keyed by the packet
 * fingerprint; the skb address breaks ties between journeys whose fingerprints collide, and
 * otherwise the oldest open journey wins (first in, first out) and the join is counted as
 * ambiguous. A journey closes at its direction's last hop, at a drop, or when no hop was
 * seen for `timeout_ns`.
 */
#ifndef VNL_JOURNEY_H
#define VNL_JOURNEY_H

#include <stdint.h>
#include "hops.h"

#define J_MAX_HOPS 24

struct journey {
	uint64_t id;
	uint64_t fp;
	uint64_t last_skb;
	uint8_t dir;
	uint8_t nhops;
	uint8_t complete; /* reached its direction's last hop */
	uint8_t dropped;
	uint16_t drop_hop; /* the last hop seen before the drop */
	uint32_t drop_reason;
	uint32_t tap_ifindex; /* the tap it crossed, 0 if none seen */
	uint32_t uplink_ifindex;
	uint32_t vmm_pid;
	uint8_t kernel; /* the guest kernel whose hops it has, 0 if none */
	uint8_t host_hops, guest_hops;
	uint16_t hops[J_MAX_HOPS];
	uint64_t ts[J_MAX_HOPS];
	struct vnl_pkt pkt;
	/* internal */
	struct journey *hnext, *lprev, *lnext;
	uint64_t last_ts;
};

struct jstats {
	uint64_t events;
	uint64_t journeys;
	uint64_t ambiguous;	  /* a hop joined one of several candidate journeys */
	uint64_t orphan_drops;	  /* a drop of a packet with no open journey */
	uint64_t packetless;	  /* hops without a packet seen */
	uint64_t packetless_tied; /* of which tied to a journey (by thread or CPU) */
	uint64_t cross_kernel;	  /* journeys with hops in both the host's and a guest's kernel */
	uint64_t overflow;	  /* journeys with more hops than J_MAX_HOPS */
	uint64_t round_trips;
	uint64_t unpaired_expired; /* requests that got no response in time */
};

struct jsink {
	void (*journey)(void *ctx, const struct journey *j);
	/* a round trip: req's and resp's hops, in order */
	void (*round_trip)(void *ctx, const struct journey *req, const struct journey *resp);
	void *ctx;
};

struct jengine;

/* final_hop[dir]: the hop that ends a journey in each direction, given what was attached. */
struct jengine *jengine_new(const struct jsink *sink, const int final_hop[VNL_DIR_MAX],
			    uint64_t timeout_ns);
/*
 * With guests: a journey is complete once it reached the host's last hop (host_final), and
 * goes on into the guest until final_hop or the timeout; round trips are then paired in the
 * order journeys started, once they all closed.
 */
void jengine_set_host_final(struct jengine *e, const int host_final[VNL_DIR_MAX]);
void jengine_event(struct jengine *e, const struct vnl_event *ev);
/* Closes every open journey (end of the recording). */
void jengine_flush(struct jengine *e);
const struct jstats *jengine_stats(const struct jengine *e);
void jengine_free(struct jengine *e);

/* Timestamp reordering: per-CPU ring order is close to, not exactly, time order. */
struct reorder;
struct reorder *reorder_new(uint64_t window_ns);
/* Adds ev; hands every event older than the window to out, oldest first. */
int reorder_push(struct reorder *r, const struct vnl_event *ev,
		 void (*out)(void *ctx, const struct vnl_event *ev), void *ctx);
void reorder_drain(struct reorder *r, void (*out)(void *ctx, const struct vnl_event *ev),
		   void *ctx);
uint64_t reorder_late(const struct reorder *r); /* events older than what was already handed out */
void reorder_free(struct reorder *r);

#endif
