/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The journey engine's state, shared by its two halves inside user/read: joining hop events
 * into journeys (journey.c) and pairing journeys into round trips (pairing.c).
 */
#ifndef VNL_JOINER_H
#define VNL_JOINER_H

#include "hoptab.h"
#include "journey.h"

#define J_BUCKETS	   (1u << 16)
#define TIE_SLOTS	   256
#define TIE_NS		   10000000ULL /* a packetless hop ties to a packet hop this close */
#define PENDING_BUCKETS	   (1u << 14)
#define PENDING_MAX	   65536
#define FLOW_SLOTS	   4096
#define OPEN_MAX	   (1u << 20) /* open journeys beyond this are not held for a stall */
#define J_PROGRESS_CLASSES 256	      /* (priority & 15) | (queue & 15) << 4 */
#define MAX_STALL_NS	   30000000000ULL
/*
 * A request is unanswered once PAIR_RTTS of its flow's longest round trips went by without
 * its response (within the bounds below); a flow whose round trip is not known yet waits
 * PAIR_WINDOW_NS.
 */
#define PAIR_RTTS	   64
#define PAIR_WINDOW_MIN_NS 10000000ULL
#define PAIR_WINDOW_MAX_NS 10000000000ULL
#define PAIR_WINDOW_NS	   2000000000ULL

struct pending {
	struct journey req;
	struct journey *ack; /* TCP: a pure ACK that answered it, kept while a reply may come */
	uint64_t key, disc;
	uint64_t flow; /* flow_id of the request: asked for at every event while it is oldest */
	uint8_t retransmitted;
	struct pending *next, *onext, *oprev; /* bucket chain; global age order */
};

/*
 * What pairing learned of a flow (both directions under one key): which way its requests
 * go once one was answered, whether responses echo the request's payload, its longest
 * round trip. A flow that echoes is never paired by order again, and a response of a known
 * flow never becomes a request: either would shift every later pair.
 */
struct flow_state {
	uint64_t key;
	uint64_t max_rtt;
	uint8_t used, req_dir, echo;
};

/* A tied hop's rule (include/hops.h, VNL_HOP_TIES). */
struct tie_rule {
	uint16_t hop;
	uint16_t anchor[2];
	uint8_t by_cpu, consume, after;
};

#define TIE_RULE(id, a1, a2, by, use, when)                                                        \
	{VNL_HOP_##id,                                                                             \
	 {VNL_HOP_##a1, VNL_HOP_##a2},                                                             \
	 VNL_TIE_##by == VNL_TIE_CPU,                                                              \
	 VNL_TIE_##use == VNL_TIE_ONCE,                                                            \
	 VNL_TIE_##when == VNL_TIE_AFTER},
static const struct tie_rule tie_rules[] = {VNL_HOP_TIES(TIE_RULE)};
#undef TIE_RULE

#define TIE_RULES (sizeof(tie_rules) / sizeof(tie_rules[0]))

struct tie_slot {
	uint32_t id; /* thread or CPU */
	uint8_t kernel;
	uint64_t ts;
	uint64_t jid, fp; /* "after" rules: the journey waiting for its hop */
};

struct jlist {
	struct journey *head, *tail; /* least recently updated first */
};

struct jengine {
	struct jsink sink;
	struct jpath path;
	uint64_t timeout_ns, max_stall_ns, next_id, now;
	struct journey *buckets[J_BUCKETS];
	struct jlist open, held; /* held: past the timeout, but their path stalled */
	struct jlist trailing;	 /* at their last hop, waiting (TIE_NS) for a tied hop to follow */
	size_t nopen;
	/*
	 * Per hop, the latest arrival there of a journey that has since moved on: a journey
	 * that arrived after it and is still there was overtaken (lost); one that was not
	 * overtaken waits where the whole path stalled. In a qdisc, per class (priority and
	 * transmit queue): a higher band or another queue overtakes a waiting packet by design.
	 */
	uint64_t progress[VNL_DIR_MAX][VNL_HOP_MAX][J_PROGRESS_CLASSES];
	struct tie_slot ties[TIE_RULES][TIE_SLOTS];
	uint64_t pair_delay_ns; /* pair in time order, this long after a journey closes */
	uint64_t pair_now;
	struct journey **closed; /* closed journeys waiting to be paired: a min-heap by ts[0] */
	size_t nclosed, closed_cap;
	struct pending *pbuckets[PENDING_BUCKETS];
	struct pending *ptails[PENDING_BUCKETS]; /* appends are O(1): floods share one key */
	struct pending *ohead, *otail;
	size_t npending;
	struct flow_state flows[FLOW_SLOTS];
	struct jstats st;
};

/* a hash step for keys made of several fields */
static inline uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v;
	h *= 0x9e3779b97f4a7c15ULL;
	return h ^ (h >> 31);
}

/* pairing.c */
int is_tcp(const struct vnl_pkt *p);
/* a closed journey, to be paired in time order once pair_delay_ns passed */
int heap_push(struct jengine *e, struct journey *j);
void pair(struct jengine *e, struct journey *j);
void pair_due(struct jengine *e, int all);
void pending_expire(struct jengine *e);
void pending_done(struct jengine *e, struct pending *pd);

#endif
