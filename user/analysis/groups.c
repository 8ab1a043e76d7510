// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Groups of a breakdown: what key a journey is counted under, and freeing one. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "groups.h"
#include "hoptab.h"
#include "journey.h"
#include "recording.h"

static void flow_str(const struct vnl_pkt *p, char *buf, size_t size)
{
	char s[INET6_ADDRSTRLEN] = "?", d[INET6_ADDRSTRLEN] = "?";
	int af = p->flow.family == 6 ? AF_INET6 : AF_INET;
	const char *proto;

	if (!p->flow.family) { /* not IP: PTP over Ethernet, the only such packet followed */
		snprintf(buf, size, "ptp ethernet domain %u", VNL_PTP_DOMAIN(p->ack));
		return;
	}
	inet_ntop(af, p->flow.saddr, s, sizeof(s));
	inet_ntop(af, p->flow.daddr, d, sizeof(d));
	switch (p->flow.proto) {
	case 6:
		proto = "tcp";
		break;
	case 17:
		proto = "udp";
		break;
	case 1:
		proto = "icmp";
		break;
	case 58:
		proto = "icmp6";
		break;
	default:
		proto = "ip";
	}
	if (p->flow.proto == 6 || p->flow.proto == 17)
		snprintf(buf, size, af == AF_INET6 ? "%s [%s]:%u > [%s]:%u" : "%s %s:%u > %s:%u",
			 proto, s, p->flow.sport, d, p->flow.dport);
	else if (p->flow.proto == 1 || p->flow.proto == 58)
		snprintf(buf, size, "%s %s > %s id %u", proto, s, d, p->flow.sport);
	else
		snprintf(buf, size, "%s %s > %s proto %u", proto, s, d, p->flow.proto);
}

/* A device of kernel k by its ifindex: the host's from the interface table, a guest's from its. */
static const char *iface_name(const struct recording *rec, unsigned int k, uint32_t ifindex)
{
	const struct vnl_file_iface *d = NULL;
	unsigned int i;

	if (!k && rec->nifaces)
		d = rec_iface(rec, rec->ifaces[0].netns, ifindex);
	for (i = 0; k && k < REC_MAX_KERNELS && i < rec->k[k].nifaces; i++)
		if (rec->k[k].ifaces[i].ifindex == ifindex)
			d = &rec->k[k].ifaces[i];
	return d ? d->name : "?";
}

uint32_t journey_hop_device(const struct journey *j, unsigned int hop, unsigned int *kernel)
{
	*kernel = 0;
	switch (vnl_hops[hop].role) {
	case VNL_ROLE_TAP:
		return j->tap_ifindex;
	case VNL_ROLE_UPLINK:
		return j->uplink_ifindex;
	case VNL_ROLE_GUEST:
		*kernel = j->kernel;
		return j->guest_ifindex;
	default:
		return 0;
	}
}

static void class_of_map(const struct vnl_file_qdisc *m, unsigned int prio, char *buf, size_t size)
{
	unsigned int c = m->prio_map[prio & 15];

	if (!m->queues)
		snprintf(buf, size, "band %u", c);
	else if (c >= VNL_QDISC_CLASSES || m->count[c] <= 1)
		snprintf(buf, size, "tc %u, queue %u", c, c < VNL_QDISC_CLASSES ? m->offset[c] : 0);
	else
		snprintf(buf, size, "tc %u, queues %u-%u", c, m->offset[c],
			 m->offset[c] + m->count[c] - 1);
}

int journey_class_key(const struct recording *rec, const struct journey *j, struct class_key *k)
{
	uint16_t queue;

	*k = (struct class_key){.at = journey_queued_at(j)};
	if (journey_class(j, &k->prio, &queue))
		return -1;
	if (k->at < 0 || k->prio == 255)
		return 0;
	k->ifindex = journey_hop_device(j, j->hops[k->at], &k->kernel);
	k->map = rec_class_map(rec, k->kernel, k->ifindex, j->ts[k->at]);
	return 0;
}

void class_key_name(const struct recording *rec, const struct class_key *k, char *buf, size_t size)
{
	char cls[48];

	if (k->at < 0 || k->prio == 255) {
		snprintf(buf, size, k->prio == 255 ? "priority 255+" : "priority %u", k->prio);
		return;
	}
	if (!k->map) { /* a device whose qdisc has no priority map (noqueue, htb, tbf...) */
		snprintf(buf, size, "priority %u on %s (%s)", k->prio,
			 iface_name(rec, k->kernel, k->ifindex), k->kernel ? "guest" : "host");
		return;
	}
	class_of_map(k->map, k->prio, cls, sizeof(cls));
	snprintf(buf, size, "%s on %s (%s)", cls, iface_name(rec, k->kernel, k->map->ifindex),
		 k->kernel ? "guest" : "host");
}

int journey_class_name(const struct recording *rec, const struct journey *j, char *buf, size_t size)
{
	struct class_key k;

	if (journey_class_key(rec, j, &k)) {
		snprintf(buf, size, "unknown");
		return -1;
	}
	class_key_name(rec, &k, buf, size);
	return 0;
}

void group_key(enum group_by by, const struct recording *rec, const struct journey *j, char *buf,
	       size_t size)
{
	const struct vnl_file_iface *tap;
	struct vnl_pkt p;

	tap = j->tap_ifindex
		  ? rec_iface(rec, rec->ifaces ? rec->ifaces[0].netns : 0, j->tap_ifindex)
		  : NULL;
	switch (by) {
	case BY_VM:
		if (tap && tap->vm_pid)
			snprintf(buf, size, "%s (pid %u)", tap->vm_name, tap->vm_pid);
		else
			snprintf(buf, size, "unknown");
		break;
	case BY_IFACE:
		snprintf(buf, size, "%s", tap ? tap->name : "unknown");
		break;
	case BY_FLOW:
		/* one key for both directions of a conversation: written as seen towards the guest
		 */
		p = j->pkt;
		if (j->dir == VNL_DIR_FROM_GUEST) {
			uint32_t a[4];
			uint16_t port = p.flow.sport;

			memcpy(a, p.flow.saddr, sizeof(a));
			memcpy(p.flow.saddr, p.flow.daddr, sizeof(a));
			memcpy(p.flow.daddr, a, sizeof(a));
			if (p.flow.proto != 1 && p.flow.proto != 58) {
				p.flow.sport = p.flow.dport;
				p.flow.dport = port;
			}
		}
		flow_str(&p, buf, size);
		break;
	case BY_PRIO:
	case BY_QUEUE: {
		uint16_t queue;
		uint8_t prio;

		if (journey_class(j, &prio, &queue))
			snprintf(buf, size, "unknown");
		else if (by == BY_PRIO)
			snprintf(buf, size, prio == 255 ? "priority 255+" : "priority %u", prio);
		else
			snprintf(buf, size, "queue %u", queue);
		break;
	}
	case BY_CLASS:
		journey_class_name(rec, j, buf, size);
		break;
	default:
		snprintf(buf, size, "all");
	}
}

void dir_agg_free(struct dir_agg *d)
{
	size_t i;

	for (i = 0; i < d->nsegs; i++)
		hist_free(&d->segs[i].h);
	free(d->segs);
	free(d->drops);
	free(d->classes);
	hist_free(&d->e2e);
	hist_free(&d->boundary);
}

void group_free(struct group *g)
{
	int row;

	if (!g)
		return;
	for (row = 0; row < ROW_MAX; row++)
		dir_agg_free(&g->dirs[row]);
}
