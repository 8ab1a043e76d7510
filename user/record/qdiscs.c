// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The traced devices' qdiscs, through rtnetlink (see qdiscs.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include "devices.h"
#include "qdiscs.h"
#include "record.h"
#include "util.h"

#define POLL_NS	   1000000000ULL
#define REWRITE_NS 10000000000ULL /* the set again, unchanged, for a reader joining late */

int qdiscs_open(struct qdisc_watch *q, const struct devset *devs)
{
	memset(q, 0, sizeof(*q));
	q->devs = devs;
	q->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
	return q->fd < 0 ? -errno : 0;
}

void qdiscs_close(struct qdisc_watch *q)
{
	if (q->fd >= 0)
		close(q->fd);
	q->fd = -1;
}

/* struct tc_mqprio_qopt: mqprio's options begin with it, taprio's carry it in PRIOMAP. */
static void take_mqprio(struct vnl_file_qdisc *out, const void *p, size_t len)
{
	struct tc_mqprio_qopt qopt;
	unsigned int c;

	if (len < sizeof(qopt))
		return;
	memcpy(&qopt, p, sizeof(qopt));
	if (!qopt.num_tc || qopt.num_tc > VNL_QDISC_CLASSES)
		return;
	out->nclasses = qopt.num_tc;
	out->queues = 1;
	memcpy(out->prio_map, qopt.prio_tc_map, sizeof(out->prio_map));
	for (c = 0; c < VNL_QDISC_CLASSES; c++) {
		out->count[c] = qopt.count[c];
		out->offset[c] = qopt.offset[c];
	}
}

/* struct tc_prio_qopt: pfifo_fast's and prio's bands. */
static void take_prio(struct vnl_file_qdisc *out, const void *p, size_t len)
{
	struct tc_prio_qopt qopt;

	if (len < sizeof(qopt))
		return;
	memcpy(&qopt, p, sizeof(qopt));
	if (qopt.bands < 1 || qopt.bands > VNL_QDISC_CLASSES)
		return;
	out->nclasses = (uint8_t)qopt.bands;
	memcpy(out->prio_map, qopt.priomap, sizeof(out->prio_map));
}

/* taprio's options are attributes; its priority map is one of them. */
static void take_taprio(struct vnl_file_qdisc *out, const struct rtattr *opts)
{
	const struct rtattr *a = RTA_DATA(opts);
	int left = (int)RTA_PAYLOAD(opts);

	for (; RTA_OK(a, left); a = RTA_NEXT(a, left))
		if ((a->rta_type & NLA_TYPE_MASK) == TCA_TAPRIO_ATTR_PRIOMAP)
			take_mqprio(out, RTA_DATA(a), RTA_PAYLOAD(a));
}

static void take_options(struct vnl_file_qdisc *out, const struct rtattr *opts)
{
	if (!strcmp(out->kind, "mqprio"))
		take_mqprio(out, RTA_DATA(opts), RTA_PAYLOAD(opts));
	else if (!strcmp(out->kind, "taprio"))
		take_taprio(out, opts);
	else if (!strcmp(out->kind, "pfifo_fast") || !strcmp(out->kind, "prio"))
		take_prio(out, RTA_DATA(opts), RTA_PAYLOAD(opts));
}

int qdisc_parse(const struct nlmsghdr *nh, size_t len, struct vnl_file_qdisc *out)
{
	const struct rtattr *a, *opts = NULL;
	const struct tcmsg *tcm;
	int left;

	if (len < NLMSG_LENGTH(sizeof(*tcm)) || nh->nlmsg_len < NLMSG_LENGTH(sizeof(*tcm)) ||
	    nh->nlmsg_len > len || nh->nlmsg_type != RTM_NEWQDISC)
		return -EINVAL;
	tcm = NLMSG_DATA(nh);
	memset(out, 0, sizeof(*out));
	out->ifindex = (uint32_t)tcm->tcm_ifindex;
	out->handle = tcm->tcm_handle;
	out->parent = tcm->tcm_parent;
	left = (int)(nh->nlmsg_len - NLMSG_LENGTH(sizeof(*tcm)));
	for (a = TCA_RTA(tcm); RTA_OK(a, left); a = RTA_NEXT(a, left)) {
		unsigned short type = a->rta_type & NLA_TYPE_MASK; /* taprio's nest is flagged */

		if (type == TCA_KIND && RTA_PAYLOAD(a) > 0)
			snprintf(out->kind, sizeof(out->kind), "%.*s", (int)RTA_PAYLOAD(a),
				 (const char *)RTA_DATA(a));
		else if (type == TCA_OPTIONS)
			opts = a;
	}
	if (!out->kind[0])
		return -EINVAL;
	if (opts)
		take_options(out, opts);
	return 0;
}

static int traced(const struct devset *s, uint32_t ifindex)
{
	unsigned int i;

	for (i = 0; i < s->n; i++)
		if (s->dev[i].ifindex == ifindex && s->dev[i].netns == s->netns)
			return 1;
	return 0;
}

static int ask(struct qdisc_watch *q)
{
	struct {
		struct nlmsghdr nh;
		struct tcmsg tcm;
	} req = {
	    .nh = {.nlmsg_len = sizeof(req),
		   .nlmsg_type = RTM_GETQDISC,
		   .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
		   .nlmsg_seq = ++q->seq},
	    .tcm = {.tcm_family = AF_UNSPEC},
	};

	return send(q->fd, &req, sizeof(req), 0) < 0 ? -errno : 0;
}

/* Takes the answer's messages; 1 once the dump is done, 0 while more is to come. */
static int take(struct qdisc_watch *q, const void *buf, size_t n, uint64_t ts)
{
	const struct nlmsghdr *nh = buf;
	int left = (int)n;

	for (; NLMSG_OK(nh, left); nh = NLMSG_NEXT(nh, left)) {
		struct vnl_file_qdisc *d = &q->set[q->nset];

		if (nh->nlmsg_seq != q->seq)
			continue;
		if (nh->nlmsg_type == NLMSG_DONE || nh->nlmsg_type == NLMSG_ERROR)
			return 1;
		if (q->nset == QDISC_MAX || qdisc_parse(nh, (size_t)left, d) ||
		    !traced(q->devs, d->ifindex))
			continue;
		d->ts_ns = ts;
		d->netns = q->devs->netns;
		q->nset++;
	}
	return 0;
}

static int same_set(const struct qdisc_watch *q)
{
	size_t i;

	if (q->nset != q->nlast)
		return 0;
	for (i = 0; i < q->nset; i++) {
		struct vnl_file_qdisc a = q->set[i], b = q->last[i];

		a.ts_ns = b.ts_ns = 0;
		if (memcmp(&a, &b, sizeof(a)))
			return 0;
	}
	return 1;
}

/* Reads the whole dump now: a few messages per device, answered at once. */
static int dump(struct qdisc_watch *q, uint64_t ts)
{
	static char buf[32768];
	int done = 0, tries = 0;
	ssize_t n;

	q->nset = 0;
	if (ask(q))
		return -1;
	while (!done && tries < 1000) {
		n = recv(q->fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == EAGAIN) {
			struct timespec ms = {0, 1000000};

			nanosleep(&ms, NULL);
			tries++;
			continue;
		}
		if (n <= 0)
			return -1;
		done = take(q, buf, (size_t)n, ts);
	}
	return done ? 0 : -1;
}

int qdiscs_poll(void *ctx, struct vnl_writer *w)
{
	struct qdisc_watch *q = ctx;
	uint64_t now = now_ns(CLOCK_MONOTONIC);
	int err;

	if (q->fd < 0 || now < q->next_ns)
		return 0;
	q->next_ns = now + POLL_NS;
	if (dump(q, event_now()))
		return 0; /* asked again in a second; the last set written stands */
	if (q->written && same_set(q) && now - q->written_ns < REWRITE_NS)
		return 0;
	err =
	    q->nset ? vnl_writer_block(w, VNL_BLK_QDISCS, q->set, q->nset * sizeof(q->set[0])) : 0;
	memcpy(q->last, q->set, q->nset * sizeof(q->set[0]));
	q->nlast = q->nset;
	q->written = 1;
	q->written_ns = now;
	return err;
}
