// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* PTP messages in the breakdown: by direction and type, with the classes they had. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "recording.h"
#include "util.h"
#include "breakdown.h"
#include "hoptab.h"
#include "journey.h"

/* The classes a PTP message had at the hops that read one. */
static void add_classes(struct breakdown *b, struct dir_agg *d, const struct journey *j)
{
	int i;
	size_t k;

	for (i = 0; i < j->nhops; i++) {
		struct class_agg *c = NULL;

		if (!(j->classed & (1u << i)))
			continue;
		for (k = 0; k < d->nclasses && !c; k++)
			if (d->classes[k].hop == j->hops[i] && d->classes[k].prio == j->prio[i] &&
			    d->classes[k].queue == j->queue[i])
				c = &d->classes[k];
		if (!c) {
			c = realloc(d->classes, (d->nclasses + 1) * sizeof(*c));
			if (!c) {
				b->oom = 1;
				return;
			}
			d->classes = c;
			c = &d->classes[d->nclasses++];
			*c = (struct class_agg){j->hops[i], j->queue[i], j->prio[i], 0};
		}
		c->count++;
	}
}

/* Whether a UDP event message was queued for transmit at priority 0 (-1: not queued there). */
static int udp_event_at_prio0(const struct journey *j)
{
	int i = journey_queued_at(j);

	if (!j->pkt.flow.family || VNL_PTP_TYPE(j->pkt.ack) >= VNL_PTP_FOLLOW_UP)
		return -1; /* over Ethernet, or a general message */
	return i < 0 ? -1 : j->prio[i] == 0;
}

/*
 * The class a PTP event message at priority 0 was queued in, and the highest priority its
 * device's qdisc puts in another class: priority 0 was a choice nobody made.
 */
static void note_prio0_class(struct breakdown *b, const struct journey *j)
{
	const struct vnl_file_qdisc *m;
	unsigned int kernel, p;
	int at = journey_queued_at(j);
	uint32_t ifindex;

	int origin = at >= 0 && vnl_hops[j->hops[at]].side ==
				    (j->dir == VNL_DIR_FROM_GUEST ? VNL_SIDE_GUEST : VNL_SIDE_HOST);

	/* the sender's own device says most; a later one (past a veth) only until it is seen */
	if (at < 0 || (b->ptp_prio0_class[0] && (b->ptp_prio0_origin || !origin)) ||
	    journey_class_name(b->rec, j, b->ptp_prio0_class, sizeof(b->ptp_prio0_class)))
		return;
	b->ptp_prio0_origin = origin;
	b->ptp_higher_class[0] = '\0';
	ifindex = journey_hop_device(j, j->hops[at], &kernel);
	m = rec_class_map(b->rec, kernel, ifindex, j->ts[at]);
	for (p = 15; m && p > 0; p--)
		if (m->prio_map[p] != m->prio_map[0]) {
			snprintf(b->ptp_higher_class, sizeof(b->ptp_higher_class),
				 m->queues ? "tc %u for priority %u" : "band %u for priority %u",
				 m->prio_map[p], p);
			break;
		}
}

void ptp_add(struct breakdown *b, const struct journey *j)
{
	struct dir_agg *d = &b->ptp[j->dir][VNL_PTP_TYPE(j->pkt.ack)];
	int prio0 = udp_event_at_prio0(j);

	b->ptp_messages++;
	b->ptp_udp_events_queued += prio0 >= 0;
	b->ptp_udp_events_prio0 += prio0 > 0;
	if (prio0 > 0)
		note_prio0_class(b, j);
	breakdown_add_journey(b, d, j);
	add_classes(b, d, j);
}

static uint64_t abs64(int64_t v)
{
	return v < 0 ? (uint64_t)-v : (uint64_t)v;
}

/* A sample's time on the host's clock, in seconds since the recording began. */
static double sample_time_s(const struct recording *rec, const struct rec_ptp4l *p)
{
	uint64_t ts = rec_host_time(rec, p->kernel, p->s.ts_ns);

	return (double)(int64_t)(ts - rec->monotonic_ns) / 1e9;
}

void ptp4l_near(const struct breakdown *b, uint64_t lo, uint64_t hi, struct near *n)
{
	const struct recording *rec = b->rec;
	double from = (double)(int64_t)(lo - rec->monotonic_ns) / 1e9;
	double to = (double)(int64_t)(hi - rec->monotonic_ns) / 1e9;
	unsigned int last[REC_MAX_KERNELS] = {0};
	size_t i;

	for (i = 0; i < rec->nptp4l; i++) {
		const struct rec_ptp4l *p = &rec->ptp4l[i];
		double t = sample_time_s(rec, p);
		unsigned int k = p->kernel < REC_MAX_KERNELS ? p->kernel : 0;
		int changed =
		    (p->s.have & VNL_PTP4L_STATE) && last[k] && p->s.port_state != last[k];

		if (p->s.have & VNL_PTP4L_STATE)
			last[k] = p->s.port_state;
		if (t < from || t >= to)
			continue;
		n->ptp4l_asked = 1;
		n->ptp4l_changes += changed;
		if ((p->s.have & VNL_PTP4L_OFFSET) &&
		    abs64(p->s.master_offset_ns) > n->ptp4l_offset_max_ns)
			n->ptp4l_offset_max_ns = abs64(p->s.master_offset_ns);
	}
}

int ptp4l_summarize(const struct breakdown *b, unsigned int k, struct ptp4l_summary *s)
{
	const struct recording *rec = b->rec;
	uint64_t *off = calloc(rec->nptp4l + 1, sizeof(*off));
	uint64_t *delay = calloc(rec->nptp4l + 1, sizeof(*delay));
	size_t i, ndelay = 0;

	memset(s, 0, sizeof(*s));
	for (i = 0; off && delay && i < rec->nptp4l; i++) {
		const struct rec_ptp4l *p = &rec->ptp4l[i];

		/* an agent sends what it asked before the recording began, too */
		if (p->kernel != k || sample_time_s(rec, p) < 0)
			continue;
		s->samples++;
		if ((p->s.have & VNL_PTP4L_STATE) && p->s.port_state != s->state) {
			if (s->state && s->nchanges < PTP4L_MAX_CHANGES) {
				s->changes[s->nchanges].time_s = sample_time_s(rec, p);
				s->changes[s->nchanges].from = s->state;
				s->changes[s->nchanges++].to = p->s.port_state;
			}
			s->state = p->s.port_state;
		}
		if (p->s.have & VNL_PTP4L_OFFSET) {
			off[s->offsets++] = abs64(p->s.master_offset_ns);
			if (abs64(p->s.master_offset_ns) >= s->offset_abs_max_ns) {
				s->offset_abs_max_ns = abs64(p->s.master_offset_ns);
				s->offset_abs_max_at_s = sample_time_s(rec, p);
			}
		}
		if (p->s.have & VNL_PTP4L_DELAY)
			delay[ndelay++] =
			    (uint64_t)(p->s.path_delay_ns < 0 ? 0 : p->s.path_delay_ns);
	}
	s->offset_abs_p50_ns = median_u64(off, s->offsets);
	s->path_delay_p50_ns = median_u64(delay, ndelay);
	free(off);
	free(delay);
	return s->samples ? 0 : -1;
}
