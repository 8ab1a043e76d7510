// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Pairing: closed journeys into round trips, a request with its response. ICMP by id and
 * sequence, UDP by the echoed payload (else the flow's latest outstanding request), TCP by
 * the acknowledgement of the segment's end, never a range sent twice (Karn).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "joiner.h"

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
	/* PTP: a Delay_Req goes to a multicast address and port 319, its Delay_Resp comes from
	 * the master to port 320: the domain, sequence id and port pair them (the discriminator) */
	if (p->flags & VNL_PKT_PTP)
		return mix(h, VNL_PTP_EVENT_PORT);
	for (i = 0; i < 4; i++)
		h = mix(h, (uint64_t)a[i] << 32 | b[i]);
	return mix(h, (uint64_t)pa << 16 | pb);
}

static int is_icmp(const struct vnl_pkt *p)
{
	return p->flow.proto == 1 || p->flow.proto == 58;
}

static int is_ptp(const struct vnl_pkt *p)
{
	return !!(p->flags & VNL_PKT_PTP);
}

int is_tcp(const struct vnl_pkt *p)
{
	return p->flow.proto == 6;
}

/*
 * Whether p may be a request, and the discriminator its response must carry. PTP: a
 * Delay_Req (Pdelay_Req) and its Delay_Resp (Pdelay_Resp) share domain and sequence id; no
 * other message is a request or a response (a Sync and the Delay_Req that follows it are
 * not one).
 */
static int request_disc(const struct vnl_pkt *p, uint64_t *disc)
{
	if (is_ptp(p)) {
		*disc = (uint64_t)p->seq << 32 | (p->ack & 0xffffff);
		return VNL_PTP_TYPE(p->ack) == VNL_PTP_DELAY_REQ ||
		       VNL_PTP_TYPE(p->ack) == VNL_PTP_PDELAY_REQ;
	}
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
	if (is_ptp(p)) {
		*disc = (uint64_t)p->seq << 32 | (p->ack & 0xffffff);
		return VNL_PTP_TYPE(p->ack) == VNL_PTP_DELAY_RESP ||
		       VNL_PTP_TYPE(p->ack) == VNL_PTP_PDELAY_RESP;
	}
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
	const struct flow_state *fs = flow_at(e, pd->flow);
	uint64_t w;

	if (!fs->used || fs->key != pd->flow)
		fs = NULL;

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
void pending_done(struct jengine *e, struct pending *pd)
{
	if (pd->ack)
		emit_pair(e, pd, pd->ack, 0);
	else
		e->st.unpaired_expired++;
	pending_remove(e, pd);
}

/* Requests too old to get a response by now: the time pairing is at (see pair_now). */
void pending_expire(struct jengine *e)
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
	*by_echo = same && j->pkt.flow.proto == 17 && !is_ptp(&j->pkt);
	if (same || j->pkt.flow.proto != 17 || is_ptp(&j->pkt))
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
	pd->flow = flow_id(&j->pkt);
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

void pair(struct jengine *e, struct journey *j)
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

int heap_push(struct jengine *e, struct journey *j)
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
void pair_due(struct jengine *e, int all)
{
	while (e->nclosed && (all || e->closed[0]->ts[0] + e->pair_delay_ns < e->now))
		pair(e, heap_pop(e));
}
