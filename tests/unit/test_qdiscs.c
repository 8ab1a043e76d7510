// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The class map: RTM_NEWQDISC messages as the kernel sends them for mqprio, taprio, pfifo_fast
 * and a qdisc without a priority map, into the recording's vnl_file_qdisc; messages cut short
 * or of another kind; and the class a priority gets from such a map in a recording.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netlink.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <cmocka.h>
#include "groups.h"
#include "journey.h"
#include "qdiscs.h"
#include "recording.h"

struct msg {
	union {
		struct nlmsghdr nh;
		char buf[1024];
	};
	size_t len;
};

static void msg_init(struct msg *m, uint32_t ifindex, uint32_t handle, uint32_t parent)
{
	struct tcmsg *tcm;

	memset(m, 0, sizeof(*m));
	m->nh.nlmsg_type = RTM_NEWQDISC;
	m->len = NLMSG_LENGTH(sizeof(*tcm));
	tcm = NLMSG_DATA(&m->nh);
	tcm->tcm_ifindex = (int)ifindex;
	tcm->tcm_handle = handle;
	tcm->tcm_parent = parent;
	m->nh.nlmsg_len = (uint32_t)m->len;
}

/* Appends an attribute (or, with nest, opens one whose length is fixed by nest_end). */
static struct rtattr *put_attr(struct msg *m, unsigned short type, const void *data, size_t n)
{
	struct rtattr *a = (struct rtattr *)(m->buf + NLMSG_ALIGN(m->len));

	a->rta_type = type;
	a->rta_len = (unsigned short)RTA_LENGTH(n);
	if (n)
		memcpy(RTA_DATA(a), data, n);
	m->len = NLMSG_ALIGN(m->len) + RTA_ALIGN(a->rta_len);
	m->nh.nlmsg_len = (uint32_t)m->len;
	return a;
}

static void nest_end(struct msg *m, struct rtattr *a)
{
	a->rta_len = (unsigned short)(m->buf + m->len - (char *)a);
}

static struct tc_mqprio_qopt two_classes(void)
{
	struct tc_mqprio_qopt q = {.num_tc = 2};

	q.prio_tc_map[7] = 1;
	q.count[0] = 2, q.offset[0] = 0; /* tc 0: queues 0-1 */
	q.count[1] = 1, q.offset[1] = 2; /* tc 1: queue 2 */
	return q;
}

static void test_mqprio(void **state)
{
	struct tc_mqprio_qopt q = two_classes();
	struct vnl_file_qdisc out;
	struct msg m;

	(void)state;
	msg_init(&m, 2, 0x80010000, TC_H_ROOT);
	put_attr(&m, TCA_KIND, "mqprio", 7);
	put_attr(&m, TCA_OPTIONS, &q, sizeof(q));
	assert_int_equal(qdisc_parse(&m.nh, m.len, &out), 0);
	assert_string_equal(out.kind, "mqprio");
	assert_int_equal(out.ifindex, 2);
	assert_int_equal(out.handle, 0x80010000);
	assert_int_equal(out.parent, TC_H_ROOT);
	assert_int_equal(out.nclasses, 2);
	assert_int_equal(out.queues, 1);
	assert_int_equal(out.prio_map[7], 1);
	assert_int_equal(out.prio_map[0], 0);
	assert_int_equal(out.count[0], 2);
	assert_int_equal(out.offset[1], 2);
}

static void test_taprio(void **state)
{
	struct tc_mqprio_qopt q = two_classes();
	struct vnl_file_qdisc out;
	struct rtattr *opts;
	uint32_t base = 0;
	struct msg m;

	(void)state;
	msg_init(&m, 3, 0x00640000, TC_H_ROOT);
	put_attr(&m, TCA_KIND, "taprio", 7);
	opts = put_attr(&m, TCA_OPTIONS | NLA_F_NESTED, NULL, 0);
	put_attr(&m, TCA_TAPRIO_ATTR_SCHED_BASE_TIME, &base, sizeof(base));
	put_attr(&m, TCA_TAPRIO_ATTR_PRIOMAP, &q, sizeof(q));
	nest_end(&m, opts); /* the kernel flags taprio's nest: TCA_OPTIONS | NLA_F_NESTED */
	assert_int_equal(qdisc_parse(&m.nh, m.len, &out), 0);
	assert_string_equal(out.kind, "taprio");
	assert_int_equal(out.nclasses, 2);
	assert_int_equal(out.prio_map[7], 1);
	assert_int_equal(out.count[1], 1);
}

static void test_pfifo_fast(void **state)
{
	struct tc_prio_qopt q = {.bands = 3,
				 .priomap = {1, 2, 2, 2, 1, 2, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1}};
	struct vnl_file_qdisc out;
	struct msg m;

	(void)state;
	msg_init(&m, 4, 0, 0x00010001);
	put_attr(&m, TCA_KIND, "pfifo_fast", 11);
	put_attr(&m, TCA_OPTIONS, &q, sizeof(q));
	assert_int_equal(qdisc_parse(&m.nh, m.len, &out), 0);
	assert_int_equal(out.nclasses, 3);
	assert_int_equal(out.queues, 0);
	assert_int_equal(out.prio_map[7], 0);
	assert_int_equal(out.prio_map[0], 1);
}

static void test_no_map(void **state)
{
	uint8_t junk[20] = {0xff, 0xff, 0xff, 0xff};
	struct vnl_file_qdisc out;
	struct msg m;

	(void)state;
	msg_init(&m, 4, 0x00010000, TC_H_ROOT);
	put_attr(&m, TCA_KIND, "tbf", 4);
	put_attr(&m, TCA_OPTIONS, junk, sizeof(junk));
	assert_int_equal(qdisc_parse(&m.nh, m.len, &out), 0);
	assert_string_equal(out.kind, "tbf");
	assert_int_equal(out.nclasses, 0);
}

/* Cut short anywhere, or odd: an error or no map, never a read past the message. */
static void test_bad_messages(void **state)
{
	struct tc_mqprio_qopt q = two_classes();
	struct vnl_file_qdisc out;
	struct msg m;
	size_t cut;

	(void)state;
	msg_init(&m, 2, 0x80010000, TC_H_ROOT);
	put_attr(&m, TCA_KIND, "mqprio", 7);
	put_attr(&m, TCA_OPTIONS, &q, sizeof(q));
	for (cut = 0; cut < m.len; cut++) {
		struct msg c = m;

		c.nh.nlmsg_len = (uint32_t)cut;
		if (qdisc_parse(&c.nh, cut, &out) == 0)
			assert_true(out.nclasses == 0 || cut >= m.len - 3); /* only alignment cut */
	}
	msg_init(&m, 2, 0, TC_H_ROOT); /* no kind */
	assert_int_equal(qdisc_parse(&m.nh, m.len, &out), -EINVAL);
	msg_init(&m, 2, 0, TC_H_ROOT);
	m.nh.nlmsg_type = RTM_NEWLINK;
	put_attr(&m, TCA_KIND, "mqprio", 7);
	assert_int_equal(qdisc_parse(&m.nh, m.len, &out), -EINVAL);
	q.num_tc = 17; /* more classes than a map has */
	msg_init(&m, 2, 0, TC_H_ROOT);
	put_attr(&m, TCA_KIND, "mqprio", 7);
	put_attr(&m, TCA_OPTIONS, &q, sizeof(q));
	assert_int_equal(qdisc_parse(&m.nh, m.len, &out), 0);
	assert_int_equal(out.nclasses, 0);
}

/* A journey queued in the guest at priority 7 and one at 0, against the guest's mqprio. */
static void test_class_names(void **state)
{
	struct recording rec;
	struct rec_qdisc q[2];
	struct vnl_file_iface guest_if = {.ifindex = 2, .name = "eth0"};
	struct journey j;
	char name[128];

	(void)state;
	memset(&rec, 0, sizeof(rec));
	memset(q, 0, sizeof(q));
	q[0].kernel = 1;
	q[0].s.ifindex = 2;
	q[0].s.nclasses = 2;
	q[0].s.queues = 1;
	q[0].s.prio_map[7] = 1;
	q[0].s.count[0] = 2, q[0].s.offset[0] = 0;
	q[0].s.count[1] = 1, q[0].s.offset[1] = 2;
	snprintf(q[0].s.kind, sizeof(q[0].s.kind), "mqprio");
	q[1] = q[0]; /* a child's band map, after it in the same set: mqprio's map wins */
	q[1].s.queues = 0;
	q[1].s.nclasses = 3;
	rec.qdiscs = q;
	rec.nqdiscs = 2;
	rec.nkernels = 2;
	rec.k[1].present = 1;
	rec.k[1].ifaces = &guest_if;
	rec.k[1].nifaces = 1;
	rec.k[1].clock.valid = 0;

	memset(&j, 0, sizeof(j));
	j.dir = VNL_DIR_FROM_GUEST;
	j.kernel = 1;
	j.guest_ifindex = 2;
	j.nhops = 1;
	j.hops[0] = VNL_HOP_GUEST_QUEUE;
	j.classed = 1;
	j.prio[0] = 7;
	j.queue[0] = 2;
	assert_int_equal(journey_class_name(&rec, &j, name, sizeof(name)), 0);
	assert_string_equal(name, "tc 1, queue 2 on eth0 (guest)");
	j.prio[0] = 0;
	assert_int_equal(journey_class_name(&rec, &j, name, sizeof(name)), 0);
	assert_string_equal(name, "tc 0, queues 0-1 on eth0 (guest)");
	j.classed = 0; /* no hop read a class */
	assert_int_equal(journey_class_name(&rec, &j, name, sizeof(name)), -1);
	j.classed = 1;
	rec.nqdiscs = 0; /* no map: the priority alone */
	assert_int_equal(journey_class_name(&rec, &j, name, sizeof(name)), 0);
	assert_string_equal(name, "priority 0 on eth0 (guest)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mqprio),	 cmocka_unit_test(test_taprio),
	    cmocka_unit_test(test_pfifo_fast),	 cmocka_unit_test(test_no_map),
	    cmocka_unit_test(test_bad_messages), cmocka_unit_test(test_class_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
