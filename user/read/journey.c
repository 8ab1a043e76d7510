// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "hoptab.h"
#include "journey.h"

#define J_BUCKETS	(1u << 16)
#define TIE_SLOTS	256
#define TIE_NS		10000000ULL /* a packetless hop ties to a packet hop this close */
#define PENDING_BUCKETS (1u << 14)
#define PENDING_MAX	65536
#define FLOW_SLOTS	4096
#define OPEN_MAX	(1u << 20) /* open journeys beyond this are not held for a stall */
#define MAX_STALL_NS	30000000000ULL
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

/*
 * Hops without a packet are tied to the journey of a packet hop: by thread (a VMM's write, a
 * guest application's send, a guest's kick) or by CPU (a guest's interrupt and NAPI poll, which
 * run where the packets are then received). A rule's hop comes before its anchor hops, or
 * after (the kick follows the driver's transmit).
 */
struct tie_rule {
	uint16_t hop;
	uint16_t anchor[2];
	uint8_t by_cpu, consume, after;
};

static const struct tie_rule tie_rules[] = {
    {VNL_HOP_GUEST_IRQ, {VNL_HOP_GUEST_GRO, VNL_HOP_GUEST_RECEIVE}, 1, 0, 0},
    {VNL_HOP_GUEST_NAPI, {VNL_HOP_GUEST_GRO, VNL_HOP_GUEST_RECEIVE}, 1, 0, 0},
    {VNL_HOP_GUEST_APP_SEND, {VNL_HOP_GUEST_QUEUE, VNL_HOP_GUEST_XMIT_START}, 0, 1, 0},
    {VNL_HOP_GUEST_KICK, {VNL_HOP_GUEST_XMIT_START, VNL_HOP_GUEST_XMIT_START}, 0, 1, 1},
    {VNL_HOP_VMM_WRITE, {VNL_HOP_TAP_RX, VNL_HOP_TAP_RECEIVE}, 0, 1, 0},
};

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
	size_t nopen;
	/*
	 * Per hop, the latest arrival there of a journey that has since moved on: a journey
	 * that arrived after it and is still there was overtaken (lost); one that was not
	 * overtaken waits where the whole path stalled.
	 */
	uint64_t progress[VNL_DIR_MAX][VNL_HOP_MAX];
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

void jpath_of(struct jpath *p, const int attached[VNL_HOP_MAX], const int roles[VNL_ROLE_MAX],
	      int guests)
{
	int host[VNL_HOP_MAX], h;

	for (h = 0; h < VNL_HOP_MAX; h++)
		host[h] = attached[h] && !hop_in_guest((unsigned int)h);
	first_hops(attached, roles, p->first);
	final_hops(attached, roles, p->final);
	first_hops(host, roles, p->host_first);
	final_hops(host, roles, p->host_final);
	p->guests = guests;
}

struct jengine *jengine_new(const struct jsink *sink, const struct jpath *path, uint64_t timeout_ns)
{
	struct jengine *e = calloc(1, sizeof(*e));

	if (!e)
		return NULL;
	e->sink = *sink;
	e->path = *path;
	e->timeout_ns = timeout_ns;
	e->max_stall_ns = MAX_STALL_NS;
	/* with guests a request may close after its response (its guest part comes later) */
	if (path->guests)
		e->pair_delay_ns = 2 * timeout_ns;
	return e;
}

void jengine_set_max_stall(struct jengine *e, uint64_t max_stall_ns)
{
	e->max_stall_ns = max_stall_ns > e->timeout_ns ? max_stall_ns : e->timeout_ns;
}

const struct jstats *jengine_stats(const struct jengine *e)
{
	return e ? &e->st : NULL;
}

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v;
	h *= 0x9e3779b97f4a7c15ULL;
	return h ^ (h >> 31);
}

static uint32_t bucket_of(uint64_t fp)
{
	return (uint32_t)(mix(0, fp) & (J_BUCKETS - 1));
}

static void list_unlink(struct jlist *l, struct journey *j)
{
	if (j->lprev)
		j->lprev->lnext = j->lnext;
	else
		l->head = j->lnext;
	if (j->lnext)
		j->lnext->lprev = j->lprev;
	else
		l->tail = j->lprev;
	j->lprev = j->lnext = NULL;
}

static void list_append(struct jlist *l, struct journey *j)
{
	j->lprev = l->tail;
	j->lnext = NULL;
	if (l->tail)
		l->tail->lnext = j;
	else
		l->head = j;
	l->tail = j;
}

static struct jlist *list_of(struct jengine *e, const struct journey *j)
{
	return j->held ? &e->held : &e->open;
}

static void hash_unlink(struct jengine *e, struct journey *j)
{
	struct journey **pp = &e->buckets[bucket_of(j->fp)];

	while (*pp && *pp != j)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = j->hnext;
}

/* ---- round trips ---- */

/*
 * The key a response carries, and the one a request expects of its response: addresses
 * and ports swapped (ICMP keeps its echo id), plus a discriminator: the echo sequence, for
 * UDP the payload's hash, for TCP the acknowledgement that covers the request's data.
 */
static uint64_t flow_key(const struct vnl_pkt *p, int as_request)
{
	const struct vnl_flow *f = &p->flow;
	const uint32_t *a = as_request ? f->daddr : f->saddr, *b = as_request ? f->saddr : f->daddr;
	uint16_t pa = as_request ? f->dport : f->sport, pb = as_request ? f->sport : f->dport;
	uint64_t h = mix(0, (uint64_t)f->family << 8 | f->proto);
	int i;

	if (f->proto == 1 || f->proto == 58) {
		pa = f->sport;
		pb = 0;
	}
	for (i = 0; i < 4; i++)
		h = mix(h, (uint64_t)a[i] << 32 | b[i]);
	return mix(h, (uint64_t)pa << 16 | pb);
}

static int is_icmp(const struct vnl_pkt *p)
{
	return p->flow.proto == 1 || p->flow.proto == 58;
}

static int is_tcp(const struct vnl_pkt *p)
{
	return p->flow.proto == 6;
}

/* Whether p may be a request, and the discriminator its response must carry. */
static int request_disc(const struct vnl_pkt *p, uint64_t *disc)
{
	if (is_icmp(p)) {
		*disc = p->seq;
		return !!(p->flags & VNL_PKT_ECHO_REQ);
	}
	if (is_tcp(p)) {
		uint32_t len = p->payload + !!(p->tcp_flags & 0x02) + !!(p->tcp_flags & 0x01);

		*disc = (uint32_t)(p->seq + len);
		return len > 0;
	}
	*disc = p->seq; /* UDP: the payload's hash */
	return p->flow.proto == 17;
}

static int response_disc(const struct vnl_pkt *p, uint64_t *disc)
{
	if (is_icmp(p)) {
		*disc = p->seq;
		return !!(p->flags & VNL_PKT_ECHO_REPLY);
	}
	if (is_tcp(p)) {
		*disc = p->ack;
		return !!(p->tcp_flags & 0x10);
	}
	*disc = p->seq;
	return p->flow.proto == 17;
}

/* A direction-free key of p's flow, for its flow_state. */
static uint64_t flow_id(const struct vnl_pkt *p)
{
	uint64_t a = flow_key(p, 0), b = flow_key(p, 1);

	return a < b ? a : b;
}

/* The slot of the direct-mapped flow table that flow id maps to. */
static struct flow_state *flow_at(struct jengine *e, uint64_t id)
{
	return &e->flows[mix(id, 1) & (FLOW_SLOTS - 1)];
}

static struct flow_state *flow_find(struct jengine *e, const struct vnl_pkt *p)
{
	uint64_t id = flow_id(p);
	struct flow_state *fs = flow_at(e, id);

	return fs->used && fs->key == id ? fs : NULL;
}

static struct flow_state *flow_learn(struct jengine *e, const struct vnl_pkt *p)
{
	uint64_t id = flow_id(p);
	struct flow_state *fs = flow_at(e, id);

	if (!fs->used || fs->key != id) /* a direct-mapped table: the newer flow takes the slot */
		*fs = (struct flow_state){.key = id, .used = 1};
	return fs;
}

static uint64_t req_end(const struct pending *pd)
{
	return pd->req.ts[pd->req.nhops - 1];
}

static uint64_t pair_window(struct jengine *e, const struct pending *pd)
{
	const struct flow_state *fs = flow_find(e, &pd->req.pkt);
	uint64_t w;

	/* TCP waits longer: a range sent again after a retransmission timeout must still
	 * find the first copy to be left out of the round trips (Karn) */
	if (!fs || !fs->max_rtt || is_tcp(&pd->req.pkt))
		return PAIR_WINDOW_NS;
	w = fs->max_rtt * PAIR_RTTS;
	if (w < PAIR_WINDOW_MIN_NS)
		return PAIR_WINDOW_MIN_NS;
	return w > PAIR_WINDOW_MAX_NS ? PAIR_WINDOW_MAX_NS : w;
}

static void pending_remove(struct jengine *e, struct pending *pd)
{
	uint32_t b = pd->key & (PENDING_BUCKETS - 1);
	struct pending **pp = &e->pbuckets[b], *prev = NULL;

	while (*pp && *pp != pd) {
		prev = *pp;
		pp = &(*pp)->next;
	}
	if (*pp)
		*pp = pd->next;
	if (e->ptails[b] == pd)
		e->ptails[b] = prev;
	if (pd->oprev)
		pd->oprev->onext = pd->onext;
	else
		e->ohead = pd->onext;
	if (pd->onext)
		pd->onext->oprev = pd->oprev;
	else
		e->otail = pd->oprev;
	e->npending--;
	free(pd->ack);
	free(pd);
}

/* A round trip: what the flow learns of it, its count, the sink. */
static void emit_pair(struct jengine *e, const struct pending *pd, const struct journey *resp,
		      int by_echo)
{
	struct flow_state *fs = flow_learn(e, &resp->pkt);
	uint64_t rtt = resp->ts[resp->nhops - 1] - pd->req.ts[0];

	fs->req_dir = pd->req.dir;
	fs->echo |= by_echo;
	if (rtt > fs->max_rtt)
		fs->max_rtt = rtt;
	e->st.round_trips++;
	e->st.pairs_by_echo += by_echo;
	if (e->sink.round_trip)
		e->sink.round_trip(e->sink.ctx, &pd->req, resp);
}

/* A request no reply with data will come for: paired with its pure ACK if one came. */
static void pending_done(struct jengine *e, struct pending *pd)
{
	if (pd->ack)
		emit_pair(e, pd, pd->ack, 0);
	else
		e->st.unpaired_expired++;
	pending_remove(e, pd);
}

/* Requests too old to get a response by now: the time pairing is at (see pair_now). */
static void pending_expire(struct jengine *e)
{
	while (e->ohead && (e->npending > PENDING_MAX ||
			    req_end(e->ohead) + pair_window(e, e->ohead) < e->pair_now))
		pending_done(e, e->ohead);
}

static int seq_before(uint64_t a, uint64_t b)
{
	return (int32_t)((uint32_t)a - (uint32_t)b) < 0;
}

/* TCP: requests this ACK covers besides the one it answers were acknowledged together. */
static void retire_covered(struct jengine *e, uint64_t key, uint64_t ack)
{
	struct pending *pd, *next;

	for (pd = e->pbuckets[key & (PENDING_BUCKETS - 1)]; pd; pd = next) {
		next = pd->next;
		if (pd->key != key || !seq_before(pd->disc, ack))
			continue;
		if (pd->ack) { /* its own ACK came first: that is its round trip */
			pending_done(e, pd);
			continue;
		}
		e->st.covered++;
		pending_remove(e, pd);
	}
}

/*
 * The request j answers: the latest outstanding one with the response's discriminator (a
 * lost response leaves its request behind; it never shifts the next pair). A UDP response
 * whose payload matches no request's is paired with the latest request of its flow, unless
 * the flow is known to echo.
 */
static struct pending *find_request(struct jengine *e, const struct journey *j, uint64_t key,
				    uint64_t disc, const struct flow_state *fs, int *by_echo)
{
	struct pending *pd, *same = NULL, *latest = NULL;

	for (pd = e->pbuckets[key & (PENDING_BUCKETS - 1)]; pd; pd = pd->next) {
		if (pd->key != key || pd->req.dir == j->dir || ts_diff(j->ts[0], req_end(pd)) < 0)
			continue;
		if (!latest || req_end(pd) >= req_end(latest))
			latest = pd;
		if (pd->disc == disc && (!same || req_end(pd) >= req_end(same)))
			same = pd;
	}
	*by_echo = same && j->pkt.flow.proto == 17;
	if (same || j->pkt.flow.proto != 17)
		return same;
	return fs && fs->echo ? NULL : latest;
}

/* 1 when j was a response (paired, or known to be one), 0 when it may be a request. */
static int try_pair(struct jengine *e, const struct journey *j)
{
	struct flow_state *fs = flow_find(e, &j->pkt);
	uint64_t key, disc;
	struct pending *pd;
	int by_echo;

	if (!is_tcp(&j->pkt) && fs && fs->req_dir == j->dir)
		return 0;
	if (!response_disc(&j->pkt, &disc))
		return 0;
	key = flow_key(&j->pkt, 0);
	pd = find_request(e, j, key, disc, fs, &by_echo);
	if (!pd) {
		if (fs && !is_tcp(&j->pkt)) {
			e->st.unmatched_replies++;
			return 1;
		}
		return 0;
	}
	if (pd->retransmitted) {
		e->st.retransmitted++;
		pending_remove(e, pd);
		return 1;
	}
	if (is_tcp(&j->pkt) && !j->pkt.payload && !(j->pkt.tcp_flags & 0x03)) {
		/* a pure ACK: the reply with data may still come, and is the round trip then
		 * (a request answered at once with an ACK, then with its reply); a stream's
		 * data gets no reply, and its ACK is its round trip when the request expires */
		if (!pd->ack)
			pd->ack = malloc(sizeof(*pd->ack));
		if (pd->ack)
			*pd->ack = *j;
		retire_covered(e, key, disc);
		return 1;
	}
	emit_pair(e, pd, j, by_echo);
	pending_remove(e, pd);
	if (is_tcp(&j->pkt))
		retire_covered(e, key, disc);
	return 1;
}

/* TCP: the same range sent again. Neither copy's ACK gives a round trip (Karn). */
static int mark_retransmission(struct jengine *e, uint64_t key, uint64_t disc)
{
	struct pending *pd;

	for (pd = e->pbuckets[key & (PENDING_BUCKETS - 1)]; pd; pd = pd->next) {
		if (pd->key == key && pd->disc == disc) {
			pd->retransmitted = 1;
			return 1;
		}
	}
	return 0;
}

static void add_request(struct jengine *e, const struct journey *j)
{
	struct pending *pd;
	uint64_t disc, key;
	uint32_t b;

	if (!request_disc(&j->pkt, &disc))
		return;
	key = flow_key(&j->pkt, 1);
	if (is_tcp(&j->pkt) && mark_retransmission(e, key, disc))
		return;
	pd = malloc(sizeof(*pd));
	if (!pd)
		return;
	pd->req = *j;
	pd->key = key;
	pd->disc = disc;
	pd->retransmitted = 0;
	pd->ack = NULL;
	pd->next = pd->onext = NULL;
	pd->oprev = e->otail;
	b = pd->key & (PENDING_BUCKETS - 1);
	if (e->ptails[b])
		e->ptails[b]->next = pd;
	else
		e->pbuckets[b] = pd;
	e->ptails[b] = pd;
	if (e->otail)
		e->otail->onext = pd;
	else
		e->ohead = pd;
	e->otail = pd;
	e->npending++;
	pending_expire(e);
}

/* ---- journeys ---- */

static void pair(struct jengine *e, struct journey *j)
{
	/* pairing runs at the time of the journey paired: now, or its start when delayed */
	e->pair_now = e->pair_delay_ns ? j->ts[0] : e->now;
	if (!try_pair(e, j))
		add_request(e, j);
	free(j);
}

/* ---- pairing in time order (guests: a request may close after its response) ---- */

static int earlier(const struct journey *a, const struct journey *b)
{
	return a->ts[0] < b->ts[0];
}

static int heap_push(struct jengine *e, struct journey *j)
{
	size_t i;

	if (e->nclosed == e->closed_cap) {
		size_t cap = e->closed_cap ? e->closed_cap * 2 : 1024;
		struct journey **p = realloc(e->closed, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		e->closed = p;
		e->closed_cap = cap;
	}
	for (i = e->nclosed++; i && earlier(j, e->closed[(i - 1) / 2]); i = (i - 1) / 2)
		e->closed[i] = e->closed[(i - 1) / 2];
	e->closed[i] = j;
	return 0;
}

static struct journey *heap_pop(struct jengine *e)
{
	struct journey *top = e->closed[0], *last = e->closed[--e->nclosed];
	size_t i = 0, c;

	while ((c = 2 * i + 1) < e->nclosed) {
		if (c + 1 < e->nclosed && earlier(e->closed[c + 1], e->closed[c]))
			c++;
		if (!earlier(e->closed[c], last))
			break;
		e->closed[i] = e->closed[c];
		i = c;
	}
	if (e->nclosed)
		e->closed[i] = last;
	return top;
}

/* Pairs the closed journeys that started long enough ago, oldest first. */
static void pair_due(struct jengine *e, int all)
{
	while (e->nclosed && (all || e->closed[0]->ts[0] + e->pair_delay_ns < e->now))
		pair(e, heap_pop(e));
}

static int same_stage(int hop, int ref)
{
	return ref >= 0 && hop < VNL_HOP_MAX && vnl_hops[hop].dir == vnl_hops[ref].dir &&
	       vnl_hops[hop].role == vnl_hops[ref].role && vnl_hops[hop].side == vnl_hops[ref].side;
}

/* Began where its direction begins: on the first device of the path, host's or guest's. */
static int starts_whole(const struct jengine *e, const struct journey *j)
{
	return same_stage(j->first_hop, e->path.first[j->dir]) ||
	       (e->path.guests && same_stage(j->first_hop, e->path.host_first[j->dir]));
}

static void classify(struct jengine *e, struct journey *j)
{
	if (j->dropped) {
		e->st.dropped++;
	} else if (j->reached && starts_whole(e, j)) {
		j->complete = 1;
		e->st.complete++;
	} else if (j->reached) {
		j->partial = 1;
		e->st.partial++;
	} else {
		e->st.lost++;
	}
}

static void close_journey(struct jengine *e, struct journey *j)
{
	hash_unlink(e, j);
	list_unlink(list_of(e, j), j);
	e->nopen--;
	classify(e, j);
	e->st.journeys++;
	if (j->host_hops && j->guest_hops)
		e->st.cross_kernel++;
	if (e->sink.journey)
		e->sink.journey(e->sink.ctx, j);
	/* a complete journey freed afterwards may still have had its response (Linux 6.1 frees
	 * an ICMPv6 echo request with kfree_skb(NOT_SPECIFIED) after answering it) */
	if (!j->complete && !j->partial) {
		free(j);
		return;
	}
	if (!e->pair_delay_ns) {
		pair(e, j);
		return;
	}
	if (heap_push(e, j))
		pair(e, j); /* out of memory: pair now, as a host-only recording does */
}

/* No journey that came to j's hop after it has moved on: the path stalled there. */
static int path_stalled(const struct jengine *e, const struct journey *j)
{
	return !j->reached && e->progress[j->dir][j->hops[j->nhops - 1]] <= j->last_ts;
}

static void expire(struct jengine *e)
{
	struct journey *j;

	while ((j = e->open.head) && j->last_ts + e->timeout_ns < e->now) {
		if (path_stalled(e, j) && e->nopen < OPEN_MAX && e->max_stall_ns > e->timeout_ns) {
			list_unlink(&e->open, j);
			j->held = 1;
			list_append(&e->held, j);
			e->st.held++;
			continue;
		}
		close_journey(e, j);
	}
	while ((j = e->held.head)) {
		if (j->last_ts + e->max_stall_ns < e->now)
			e->st.stall_ends++;
		else if (path_stalled(e, j))
			break;
		close_journey(e, j);
	}
	pair_due(e, 0);
	if (!e->pair_delay_ns)
		e->pair_now = e->now;
	pending_expire(e);
}

static int add_hop(struct journey *j, uint16_t hop, uint64_t ts)
{
	if (j->nhops == J_MAX_HOPS)
		return -1;
	j->hops[j->nhops] = hop;
	j->ts[j->nhops] = ts;
	j->nhops++;
	j->last_ts = ts;
	return 0;
}

static void refuse(struct jengine *e, uint16_t hop, int tie)
{
	if (tie)
		e->st.refused_ties++;
	else
		e->st.refused++;
	e->st.refused_by_hop[hop]++;
}

static void note_device(struct journey *j, const struct vnl_event *ev)
{
	int role = vnl_hops[ev->hop].role;

	if (role == VNL_ROLE_TAP)
		j->tap_ifindex = ev->ifindex;
	else if (role == VNL_ROLE_UPLINK)
		j->uplink_ifindex = ev->ifindex;
	if (ev->hop == VNL_HOP_VMM_READ)
		j->vmm_pid = ev->pid;
}

/* Whether ev can be j's next hop: its direction, further along, in the same kernel for a drop. */
static int continues(const struct journey *j, const struct vnl_event *ev)
{
	uint16_t last = j->hops[j->nhops - 1];
	int dir = vnl_hops[ev->hop].dir;

	if (dir == VNL_DIR_ANY)
		return hop_in_guest(last) == !!ev->kernel;
	return j->dir == dir && last < ev->hop;
}

/*
 * The open journey this event continues, or NULL. One that would make time run backwards is
 * no candidate; *refused says whether that is why there was none.
 */
static struct journey *find_journey(struct jengine *e, const struct vnl_event *ev, int *refused)
{
	struct journey *j, *oldest = NULL, *by_skb = NULL;
	int candidates = 0;

	*refused = 0;
	for (j = e->buckets[bucket_of(ev->pkt.fp)]; j; j = j->hnext) {
		if (j->fp != ev->pkt.fp || !continues(j, ev))
			continue;
		if (ts_diff(ev->ts_ns, j->last_ts) < 0) {
			*refused = 1;
			continue;
		}
		candidates++;
		/* an skb address is one packet's at a time: of journeys that held it, the
		 * latest holds it now (an older one is a packet gone whose address recycled) */
		if (j->last_skb == ev->skb && (!by_skb || by_skb->last_ts < j->last_ts))
			by_skb = j;
		if (!oldest || oldest->ts[0] > j->ts[0])
			oldest = j;
	}
	if (by_skb)
		return by_skb;
	if (candidates > 1)
		e->st.ambiguous++;
	return oldest;
}

static struct tie_slot *tie_slot(struct jengine *e, size_t rule, const struct vnl_event *ev)
{
	uint32_t id = tie_rules[rule].by_cpu ? ev->cpu : ev->tid;

	return &e->ties[rule][(id * 31u + ev->kernel) % TIE_SLOTS];
}

static int tie_matches(const struct tie_slot *t, size_t rule, const struct vnl_event *ev)
{
	uint32_t id = tie_rules[rule].by_cpu ? ev->cpu : ev->tid;

	return t->ts && t->id == id && t->kernel == ev->kernel && ts_diff(ev->ts_ns, t->ts) >= 0 &&
	       ts_diff(ev->ts_ns, t->ts) <= (int64_t)TIE_NS;
}

static int anchors(size_t rule, uint16_t hop)
{
	return tie_rules[rule].anchor[0] == hop || tie_rules[rule].anchor[1] == hop;
}

static void tie(struct jengine *e, struct journey *j, uint16_t hop, uint64_t ts)
{
	if (j->nhops && j->hops[j->nhops - 1] >= hop)
		return; /* the journey is past that point already */
	if (j->nhops && ts_diff(ts, j->last_ts) < 0) {
		refuse(e, hop, 1); /* an interrupt or poll of an earlier batch, not this packet's */
		return;
	}
	if (!add_hop(j, hop, ts))
		e->st.packetless_tied++;
}

/* Before ev's packet hop is added: the packetless hops that came before it on its thread/CPU. */
static void tie_before(struct jengine *e, struct journey *j, const struct vnl_event *ev)
{
	size_t r;

	for (r = 0; r < TIE_RULES; r++) {
		struct tie_slot *t;

		if (tie_rules[r].after || !anchors(r, ev->hop))
			continue;
		t = tie_slot(e, r, ev);
		if (!tie_matches(t, r, ev))
			continue;
		tie(e, j, tie_rules[r].hop, t->ts);
		if (tie_rules[r].consume)
			t->ts = 0;
	}
}

/* After ev's packet hop: the journey waits for a packetless hop that follows on its thread. */
static void await_tie(struct jengine *e, const struct journey *j, const struct vnl_event *ev)
{
	size_t r;

	for (r = 0; r < TIE_RULES; r++) {
		if (!tie_rules[r].after || !anchors(r, ev->hop))
			continue;
		*tie_slot(e, r, ev) = (struct tie_slot){tie_rules[r].by_cpu ? ev->cpu : ev->tid,
							ev->kernel, ev->ts_ns, j->id, j->fp};
	}
}

static struct journey *open_journey(struct jengine *e, uint64_t fp, uint64_t id)
{
	struct journey *j;

	for (j = e->buckets[bucket_of(fp)]; j; j = j->hnext)
		if (j->fp == fp && j->id == id)
			return j;
	return NULL;
}

static void on_packetless(struct jengine *e, const struct vnl_event *ev)
{
	size_t r;

	e->st.packetless++;
	for (r = 0; r < TIE_RULES; r++) {
		struct tie_slot *t;

		if (tie_rules[r].hop != ev->hop)
			continue;
		t = tie_slot(e, r, ev);
		if (!tie_rules[r].after) {
			*t = (struct tie_slot){tie_rules[r].by_cpu ? ev->cpu : ev->tid, ev->kernel,
					       ev->ts_ns, 0, 0};
			continue;
		}
		if (tie_matches(t, r, ev)) {
			struct journey *j = open_journey(e, t->fp, t->jid);

			if (j)
				tie(e, j, ev->hop, ev->ts_ns);
			t->ts = 0;
		}
	}
}

static struct journey *new_journey(struct jengine *e, const struct vnl_event *ev)
{
	struct journey *j = calloc(1, sizeof(*j));
	uint32_t b;

	if (!j)
		return NULL;
	j->id = ++e->next_id;
	j->fp = ev->pkt.fp;
	j->dir = (uint8_t)vnl_hops[ev->hop].dir;
	j->pkt = ev->pkt;
	j->first_hop = ev->hop;
	b = bucket_of(j->fp);
	j->hnext = e->buckets[b];
	e->buckets[b] = j;
	list_append(&e->open, j);
	e->nopen++;
	return j;
}

/* The hop that ends j: its direction's last, or the stack for a packet with no data. */
static int end_hop(const struct jengine *e, const struct journey *j)
{
	int final = e->path.final[j->dir];

	if (final >= 0 && is_tcp(&j->pkt) && !j->pkt.payload)
		return dataless_end(final);
	return final;
}

static void on_drop(struct jengine *e, struct journey *j, const struct vnl_event *ev)
{
	if (!j) {
		e->st.orphan_drops++;
		return;
	}
	e->st.joined++;
	j->dropped = 1;
	j->drop_hop = j->hops[j->nhops - 1];
	j->drop_reason = ev->reason;
	close_journey(e, j);
}

static void on_packet(struct jengine *e, const struct vnl_event *ev)
{
	struct journey *j;
	int refused;

	j = find_journey(e, ev, &refused);
	if (ev->hop == VNL_HOP_DROP) {
		on_drop(e, j, ev);
		return;
	}
	if (!j && refused) {
		refuse(e, ev->hop, 0);
		return;
	}
	if (!j)
		j = new_journey(e, ev);
	if (!j)
		return;
	if (j->nhops && e->progress[j->dir][j->hops[j->nhops - 1]] < j->last_ts)
		e->progress[j->dir][j->hops[j->nhops - 1]] = j->last_ts;
	tie_before(e, j, ev);
	if (add_hop(j, ev->hop, ev->ts_ns)) {
		e->st.overflow++;
		return;
	}
	e->st.joined++;
	j->last_skb = ev->skb;
	note_device(j, ev);
	if (ev->kernel) {
		j->kernel = ev->kernel;
		j->guest_hops++;
	} else {
		j->host_hops++;
	}
	list_unlink(list_of(e, j), j);
	j->held = 0;
	list_append(&e->open, j);
	if (e->path.guests && ev->hop == e->path.host_final[j->dir])
		j->reached = 1;
	if (ev->hop == end_hop(e, j)) {
		j->reached = 1;
		close_journey(e, j);
	} else {
		await_tie(e, j, ev);
	}
}

void jengine_event(struct jengine *e, const struct vnl_event *ev)
{
	e->st.events++;
	if (ev->ts_ns > e->now)
		e->now = ev->ts_ns;
	if (ev->hop >= VNL_HOP_MAX)
		e->st.bad_hop++;
	else if (ev->flags & VNL_EV_NO_PACKET)
		on_packetless(e, ev);
	else if (!ev->pkt.fp)
		e->st.unparsed++;
	else
		on_packet(e, ev);
	expire(e);
}

void jengine_flush(struct jengine *e)
{
	struct pending *pd;

	while (e->open.head)
		close_journey(e, e->open.head);
	while (e->held.head)
		close_journey(e, e->held.head);
	pair_due(e, 1);
	while ((pd = e->ohead))
		pending_done(e, pd);
}

void jengine_free(struct jengine *e)
{
	struct journey *j, *next;
	struct pending *pd, *pnext;
	struct jlist *lists[2];
	int i;

	if (!e)
		return;
	lists[0] = &e->open;
	lists[1] = &e->held;
	for (i = 0; i < 2; i++) {
		for (j = lists[i]->head; j; j = next) {
			next = j->lnext;
			free(j);
		}
	}
	for (pd = e->ohead; pd; pd = pnext) {
		pnext = pd->onext;
		free(pd->ack);
		free(pd);
	}
	while (e->nclosed)
		free(e->closed[--e->nclosed]);
	free(e->closed);
	free(e);
}

/*
 * ---- reordering ----
 * The ring buffer hands out events in the order they were reserved, which is time order but
 * for CPUs racing each other by a few microseconds: insertion from the tail of a sorted ring
 * costs only the (small) displacement of each late event.
 */

struct reorder {
	struct vnl_event *buf;
	size_t head, n, cap; /* cap is a power of two */
	uint64_t window_ns, max_ts, last_out, late;
};

struct reorder *reorder_new(uint64_t window_ns)
{
	struct reorder *r = calloc(1, sizeof(*r));

	if (r)
		r->window_ns = window_ns;
	return r;
}

static struct vnl_event *slot(struct reorder *r, size_t i)
{
	return &r->buf[(r->head + i) & (r->cap - 1)];
}

static int grow(struct reorder *r)
{
	size_t cap = r->cap ? r->cap * 2 : 4096, i;
	struct vnl_event *b = malloc(cap * sizeof(*b));

	if (!b)
		return -ENOMEM;
	for (i = 0; i < r->n; i++)
		b[i] = *slot(r, i);
	free(r->buf);
	r->buf = b;
	r->cap = cap;
	r->head = 0;
	return 0;
}

static void pop(struct reorder *r, void (*out)(void *, const struct vnl_event *), void *ctx)
{
	const struct vnl_event *ev = slot(r, 0);

	r->last_out = ev->ts_ns;
	r->head = (r->head + 1) & (r->cap - 1);
	r->n--;
	out(ctx, ev);
}

int reorder_push(struct reorder *r, const struct vnl_event *ev,
		 void (*out)(void *ctx, const struct vnl_event *ev), void *ctx)
{
	size_t i;

	if (ev->ts_ns < r->last_out)
		r->late++; /* handed out after newer ones: too late to reorder */
	if (r->n == r->cap && grow(r))
		return -ENOMEM;
	for (i = r->n; i > 0 && slot(r, i - 1)->ts_ns > ev->ts_ns; i--)
		*slot(r, i) = *slot(r, i - 1);
	*slot(r, i) = *ev;
	r->n++;
	if (ev->ts_ns > r->max_ts)
		r->max_ts = ev->ts_ns;
	while (r->n && slot(r, 0)->ts_ns + r->window_ns < r->max_ts)
		pop(r, out, ctx);
	return 0;
}

void reorder_drain(struct reorder *r, void (*out)(void *ctx, const struct vnl_event *ev), void *ctx)
{
	while (r->n)
		pop(r, out, ctx);
}

uint64_t reorder_late(const struct reorder *r)
{
	return r->late;
}

void reorder_free(struct reorder *r)
{
	if (!r)
		return;
	free(r->buf);
	free(r);
}
