// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Joining: hop events into journeys, packetless hops tied to them, journeys closed. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "joiner.h"
#include "recording.h"

_Static_assert(J_MAX_HOPS <= 32, "a journey's classed hops are a 32-bit mask");
#define TO_GUEST(id, nm, dir, ...)   +(VNL_DIR_##dir == VNL_DIR_TO_GUEST)
#define FROM_GUEST(id, nm, dir, ...) +(VNL_DIR_##dir == VNL_DIR_FROM_GUEST)
_Static_assert(0 VNL_HOP_TABLE(TO_GUEST) <= J_MAX_HOPS && 0 VNL_HOP_TABLE(FROM_GUEST) <= J_MAX_HOPS,
	       "a journey has room for every hop of its direction");
#undef TO_GUEST
#undef FROM_GUEST

void jpath_of(struct jpath *p, const int attached[VNL_HOP_MAX], const int roles[VNL_ROLE_MAX],
	      int guests)
{
	int host[VNL_HOP_MAX], h, d;

	for (h = 0; h < VNL_HOP_MAX; h++)
		host[h] = attached[h] && !hop_in_guest((unsigned int)h);
	first_hops(attached, roles, p->first);
	final_hops(attached, roles, p->final);
	first_hops(host, roles, p->host_first);
	final_hops(host, roles, p->host_final);
	p->guests = guests;
	for (d = 0; d < VNL_DIR_MAX; d++) {
		size_t r;

		p->trailing[d] = 0;
		for (r = 0; r < TIE_RULES && p->final[d] >= 0; r++)
			if (tie_rules[r].after && attached[tie_rules[r].hop] &&
			    (tie_rules[r].anchor[0] == p->final[d] ||
			     tie_rules[r].anchor[1] == p->final[d]))
				p->trailing[d] = tie_rules[r].hop + 1;
	}
}

void jpath_of_recording(struct jpath *path, const struct recording *rec)
{
	int attached[VNL_HOP_MAX], roles[VNL_ROLE_MAX] = {0}, h;
	unsigned int i, k;

	for (h = 0; h < VNL_HOP_MAX; h++)
		attached[h] = !rec->have_hops || rec->hops[h].mech != VNL_MECH_NONE;
	for (i = 0; i < rec->nifaces; i++)
		if (rec->ifaces[i].role < VNL_ROLE_MAX)
			roles[rec->ifaces[i].role] = 1;
	for (k = 1; k < rec->nkernels; k++)
		for (i = 0; i < rec->k[k].nifaces; i++)
			if (rec->k[k].ifaces[i].role < VNL_ROLE_MAX)
				roles[rec->k[k].ifaces[i].role] = 1;
	jpath_of(path, attached, roles, rec->nkernels > 1);
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

int journey_queued_at(const struct journey *j)
{
	int i;

	for (i = 0; i < j->nhops; i++)
		if ((j->classed & (1u << i)) && vnl_hops[j->hops[i]].point == VNL_PT_DEV_QUEUE)
			return i;
	return -1;
}

int journey_class(const struct journey *j, uint8_t *prio, uint16_t *queue)
{
	int pick = journey_queued_at(j);

	if (pick < 0 && j->classed)
		pick = __builtin_ctz(j->classed); /* the first hop that read one */
	if (pick < 0)
		return -1;
	*prio = j->prio[pick];
	*queue = j->queue[pick];
	return 0;
}

struct jengine *jengine_for(const struct recording *rec, const struct jsink *sink,
			    uint64_t max_stall_ns)
{
	struct jengine *e;
	struct jpath path;

	jpath_of_recording(&path, rec);
	e = jengine_new(sink, &path, JENGINE_TIMEOUT_NS);
	if (e && max_stall_ns)
		jengine_set_max_stall(e, max_stall_ns);
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
	return j->held == 2 ? &e->trailing : j->held ? &e->held : &e->open;
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

/* Where j waits now: its last hop, and in a qdisc its class there (see progress). */
static uint64_t *progress_of(struct jengine *e, const struct journey *j)
{
	int last = j->nhops - 1;
	unsigned int cls = 0;

	if (vnl_hops[j->hops[last]].point == VNL_PT_QDISC_ENQUEUE && (j->classed & (1u << last)))
		cls = (j->prio[last] & 15u) | (j->queue[last] & 15u) << 4;
	return &e->progress[j->dir][j->hops[last]][cls];
}

/* No journey that came to j's hop (and class) after it has moved on: the path stalled there. */
static int path_stalled(struct jengine *e, const struct journey *j)
{
	return !j->reached && *progress_of(e, j) <= j->last_ts;
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
	while ((j = e->trailing.head) && j->last_ts + TIE_NS < e->now)
		close_journey(e, j);
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
	else if (role == VNL_ROLE_GUEST && ev->ifindex)
		j->guest_ifindex = ev->ifindex;
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

static int is_overtaken_return(uint16_t hop)
{
#define VNL_IS_HOP(id) hop == VNL_HOP_##id ||
	return VNL_HOP_OVERTAKEN_RETURN(VNL_IS_HOP) 0;
#undef VNL_IS_HOP
}

/*
 * The journey's last hop is a driver return the reader overtook, recorded by the reader's own
 * thread at its read (VNL_HOP_OVERTAKEN_RETURN), and a packetless hop of that thread before
 * the read (a vhost worker's handle_rx) came earlier still: the worker had the packet then.
 */
static int return_overtaken_by(const struct journey *j, const struct vnl_event *anchor, uint64_t ts)
{
	return anchor && is_overtaken_return(j->hops[j->nhops - 1]) && j->last_tid == anchor->tid &&
	       (j->nhops < 2 || ts_diff(ts, j->ts[j->nhops - 2]) >= 0);
}

/* Adds packetless hop at ts; anchor: the packet hop it is tied before, NULL for one after. */
static void tie(struct jengine *e, struct journey *j, uint16_t hop, uint64_t ts,
		const struct vnl_event *anchor)
{
	if (j->nhops && j->hops[j->nhops - 1] >= hop)
		return; /* the journey is past that point already */
	if (j->nhops && ts_diff(ts, j->last_ts) < 0) {
		if (!return_overtaken_by(j, anchor, ts)) {
			refuse(e, hop, 1); /* an interrupt or poll of an earlier batch */
			return;
		}
		/* the ring held the packet for no time: its return ends where the worker began */
		j->ts[j->nhops - 1] = ts;
		j->last_ts = ts;
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
		tie(e, j, tie_rules[r].hop, t->ts, ev);
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
				tie(e, j, ev->hop, ev->ts_ns, NULL);
			if (j && j->held == 2)
				close_journey(e, j);
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
	j->drop_kernel = ev->kernel;
	close_journey(e, j);
}

static void on_packet(struct jengine *e, const struct vnl_event *ev)
{
	struct journey *j;
	int refused;

	j = find_journey(e, ev, &refused);
	if (ev->hop < VNL_HOP_MAX && vnl_hops[ev->hop].kind == VNL_KIND_DROP) {
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
	if (j->nhops && *progress_of(e, j) < j->last_ts)
		*progress_of(e, j) = j->last_ts;
	tie_before(e, j, ev);
	if (add_hop(j, ev->hop, ev->ts_ns)) {
		e->st.overflow++;
		return;
	}
	e->st.joined++;
	j->last_skb = ev->skb;
	j->last_tid = ev->tid;
	if (ev->flags & VNL_EV_CLASS) {
		j->prio[j->nhops - 1] = ev->prio;
		j->queue[j->nhops - 1] = ev->queue;
		j->classed |= 1u << (j->nhops - 1);
	}
	note_device(j, ev);
	j->cpus[!!ev->kernel] |= 1ULL << (ev->cpu & 63);
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
		if (!e->path.trailing[j->dir]) {
			close_journey(e, j);
			return;
		}
		list_unlink(&e->open, j);
		j->held = 2;
		list_append(&e->trailing, j);
	}
	await_tie(e, j, ev);
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
	while (e->trailing.head)
		close_journey(e, e->trailing.head);
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
	struct jlist *lists[3];
	int i;

	if (!e)
		return;
	lists[0] = &e->open;
	lists[1] = &e->held;
	lists[2] = &e->trailing;
	for (i = 0; i < 3; i++) {
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
