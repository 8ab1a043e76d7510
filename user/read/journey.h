/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Joins hop events into packet journeys (one packet's path through the host, in one
 * direction), and journeys into round trips (a request and its response).
 *
 * Events must come in timestamp order (see reorder.h). A journey is keyed by the packet
 * fingerprint; the skb address breaks ties between journeys whose fingerprints collide, and
 * otherwise the oldest open journey wins (first in, first out) and the join is counted as
 * ambiguous. A join or tie that would make time run backwards is refused and counted per hop,
 * so no segment is ever negative. A journey closes at its direction's last hop, at a drop,
 * or when no hop was seen for `timeout_ns` while packets behind it moved on; a journey held
 * where the whole path stalled (a paused VMM) waits up to the engine's max stall.
 *
 * What a closed journey is:
 *   complete  from the direction's first hop (the host's, or the guest's) to its last, or to
 *             the stack for a packet with no data for a socket (a pure ACK);
 *   partial   reached the last hop but began mid-path (a GSO tail, a clone, a merged skb):
 *             never in end to end;
 *   dropped   a drop event closed it;
 *   lost      none of these: its last hop seen is where it was lost.
 */
#ifndef VNL_JOURNEY_H
#define VNL_JOURNEY_H

#include <stdint.h>
#include "hops.h"

#define J_MAX_HOPS 24

/* b - a of two timestamps, signed: a segment is never computed from unsigned wrap-around */
static inline int64_t ts_diff(uint64_t b, uint64_t a)
{
	return (int64_t)(b - a);
}

struct journey {
	uint64_t id;
	uint64_t fp;
	uint64_t last_skb;
	uint32_t last_tid; /* the thread that saw its last packet hop */
	uint8_t dir;
	uint8_t nhops;
	uint8_t complete; /* from its direction's first hop to its last (see above) */
	uint8_t partial;  /* reached the last hop, but began mid-path */
	uint8_t dropped;
	uint8_t reached;    /* internal: got to its last hop (or the host's, with guests) */
	uint8_t held;	    /* internal: kept open while its path is stalled (1), or while a tied
			     * hop may follow its last (2: trailing) */
	uint16_t first_hop; /* the first packet hop (packetless hops may be tied before it) */
	uint16_t drop_hop;  /* the last hop seen before the drop */
	uint32_t drop_reason;
	uint8_t drop_kernel;  /* whose drop reasons name it: each kernel numbers its own */
	uint32_t tap_ifindex; /* the tap it crossed, 0 if none seen */
	uint32_t uplink_ifindex;
	uint32_t guest_ifindex; /* the guest's device, in its own kernel */
	uint32_t vmm_pid;
	uint8_t kernel; /* the guest kernel whose hops it has, 0 if none */
	uint8_t host_hops, guest_hops;
	uint64_t cpus[2]; /* the CPUs its hops ran on (bit cpu % 64): the host's, the guest's */
	uint16_t hops[J_MAX_HOPS];
	uint64_t ts[J_MAX_HOPS];
	/* the packet's class at each hop: skb priority and transmit queue (where classed) */
	uint8_t prio[J_MAX_HOPS];
	uint16_t queue[J_MAX_HOPS];
	uint32_t classed; /* bit i: prio[i] and queue[i] were read at hops[i] */
	struct vnl_pkt pkt;
	/* internal */
	struct journey *hnext, *lprev, *lnext;
	uint64_t last_ts;
};

struct jstats {
	uint64_t events;
	uint64_t joined;       /* packet events that are a hop of a journey */
	uint64_t unparsed;     /* packet events without a fingerprint (not IP, or not parsed) */
	uint64_t bad_hop;      /* events with a hop id this build does not know */
	uint64_t refused;      /* packet events refused: joined, time would run backwards */
	uint64_t refused_ties; /* packetless hops refused for the same reason */
	uint64_t refused_by_hop[VNL_HOP_MAX]; /* both, by the hop refused */
	uint64_t journeys;
	uint64_t complete, partial, dropped, lost;
	uint64_t held;		  /* journeys kept open past the timeout while their path stalled */
	uint64_t stall_ends;	  /* of which closed at the max stall, still waiting */
	uint64_t ambiguous;	  /* a hop joined one of several candidate journeys */
	uint64_t orphan_drops;	  /* a drop of a packet with no open journey */
	uint64_t packetless;	  /* hops without a packet seen */
	uint64_t packetless_tied; /* of which tied to a journey (by thread or CPU) */
	uint64_t cross_kernel;	  /* journeys with hops in both the host's and a guest's kernel */
	uint64_t overflow;	  /* journeys with more hops than J_MAX_HOPS */
	uint64_t round_trips;
	uint64_t pairs_by_echo;	    /* UDP: the response echoed the request's payload */
	uint64_t unpaired_expired;  /* requests that got no response in time */
	uint64_t unmatched_replies; /* responses of a known flow that matched no request */
	uint64_t retransmitted;	    /* TCP requests sent again: not paired (Karn) */
	uint64_t covered;	    /* TCP requests acknowledged together with a later one */
};

struct jsink {
	void (*journey)(void *ctx, const struct journey *j);
	/* a round trip: req's and resp's hops, in order */
	void (*round_trip)(void *ctx, const struct journey *req, const struct journey *resp);
	void *ctx;
};

struct jengine;

/*
 * Where journeys begin and end in each direction, given what was attached (-1: none).
 * With guests, a journey that reached the host's last hop is complete as far as the host
 * goes, and goes on into the guest until final or the timeout; round trips are then paired
 * in the order journeys started, once they all closed.
 */
struct jpath {
	int first[VNL_DIR_MAX], final[VNL_DIR_MAX];
	int host_first[VNL_DIR_MAX], host_final[VNL_DIR_MAX];
	int guests;
	/* a tied hop that follows the final one on its thread (vhost.signal after vmm.read), as
	 * its id + 1 (0: none): a journey waits for it, at most TIE_NS, before it closes */
	int trailing[VNL_DIR_MAX];
};

/* The path of what was attached (attached[hop]) on the device roles traced (roles[role]). */
void jpath_of(struct jpath *p, const int attached[VNL_HOP_MAX], const int roles[VNL_ROLE_MAX],
	      int guests);

/*
 * The class a journey had where it was queued for transmit (its first qdisc hop, else the
 * first hop that read one): 0 with prio and queue, -1 when no hop read it.
 */
int journey_class(const struct journey *j, uint8_t *prio, uint16_t *queue);
/* The first hop where the journey was queued for transmit with its class read; -1 if none. */
int journey_queued_at(const struct journey *j);

struct recording;
/* The path of what a recording attached, on the roles of the devices it traced. */
void jpath_of_recording(struct jpath *path, const struct recording *rec);

struct jengine *jengine_new(const struct jsink *sink, const struct jpath *path,
			    uint64_t timeout_ns);
/* How long a hop is waited for while packets behind it move on. */
#define JENGINE_TIMEOUT_NS 1000000000ULL
/*
 * The engine for a recording, once its description was read: its path, the default timeout,
 * and max_stall_ns (0: the default). NULL when out of memory.
 */
struct jengine *jengine_for(const struct recording *rec, const struct jsink *sink,
			    uint64_t max_stall_ns);
/* How long a journey is kept open while nothing moves past its hop (default 30 s). */
void jengine_set_max_stall(struct jengine *e, uint64_t max_stall_ns);
void jengine_event(struct jengine *e, const struct vnl_event *ev);
/* Closes every open journey (end of the recording). */
void jengine_flush(struct jengine *e);
const struct jstats *jengine_stats(const struct jengine *e);
void jengine_free(struct jengine *e);

#endif
