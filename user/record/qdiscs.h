/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The traced devices' qdiscs and their priority -> class -> queue maps, asked of the kernel
 * (rtnetlink, as tc qdisc show asks) once a second and written into the recording
 * (VNL_BLK_QDISCS) when they change, so the report names the class each packet had.
 */
#ifndef VNL_QDISCS_H
#define VNL_QDISCS_H

#include <stddef.h>
#include <stdint.h>
#include "vnlfile.h"

struct devset;
struct vnl_writer;
struct nlmsghdr;

#define QDISC_MAX 128

struct qdisc_watch {
	int fd; /* NETLINK_ROUTE */
	const struct devset *devs;
	uint32_t seq;
	uint64_t next_ns, written_ns; /* when to ask again; when the set was last written */
	struct vnl_file_qdisc set[QDISC_MAX], last[QDISC_MAX];
	size_t nset, nlast;
	int written; /* the set was written at least once */
};

int qdiscs_open(struct qdisc_watch *q, const struct devset *devs);
/* Asks when due; writes the set when it changed, or a while after it was last written. */
int qdiscs_poll(void *ctx, struct vnl_writer *w);
void qdiscs_close(struct qdisc_watch *q);

/*
 * One RTM_NEWQDISC message of len bytes into *out (ts and netns not set): 0, or -EINVAL for
 * a message that is not a whole qdisc. Options this build does not know leave no map.
 */
int qdisc_parse(const struct nlmsghdr *nh, size_t len, struct vnl_file_qdisc *out);

#endif
