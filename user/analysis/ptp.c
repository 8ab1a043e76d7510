// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* PTP messages in the breakdown: by direction and type, with the classes they had. */
#include <stdlib.h>
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
	int i;

	if (!j->pkt.flow.family || VNL_PTP_TYPE(j->pkt.ack) >= VNL_PTP_FOLLOW_UP)
		return -1; /* over Ethernet, or a general message */
	for (i = 0; i < j->nhops; i++)
		if ((j->classed & (1u << i)) && vnl_hops[j->hops[i]].point == VNL_PT_DEV_QUEUE)
			return j->prio[i] == 0;
	return -1;
}

void ptp_add(struct breakdown *b, const struct journey *j)
{
	struct dir_agg *d = &b->ptp[j->dir][VNL_PTP_TYPE(j->pkt.ack)];
	int prio0 = udp_event_at_prio0(j);

	b->ptp_messages++;
	b->ptp_udp_events_queued += prio0 >= 0;
	b->ptp_udp_events_prio0 += prio0 > 0;
	breakdown_add_journey(b, d, j);
	add_classes(b, d, j);
}
