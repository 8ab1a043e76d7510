// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* ptp4l's management interface, asked as pmc asks it (see ptp4l.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "ptp4l.h"
#include "record.h"
#include "util.h"

#define POLL_NS 1000000000ULL

/* IEEE 1588-2008 15.5: a management message; linuxptp's TIME_STATUS_NP is its own id */
#define MGMT_HDR_LEN	48 /* the common header, target port, hops, action */
#define TLV_MANAGEMENT	0x0001
#define ACTION_GET	0
#define ACTION_RESPONSE 2
#define ID_CURRENT_DS	0x2001
#define ID_PORT_DS	0x2004
#define ID_TIME_STATUS	0xc000

static const uint16_t asked_ids[] = {ID_TIME_STATUS, ID_PORT_DS, ID_CURRENT_DS};

static void put16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

static int64_t get64(const uint8_t *b)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | b[i];
	return (int64_t)v;
}

int ptp4l_open(struct ptp4l_poller *p, const char *path, uint8_t domain, char *err, size_t size)
{
	struct sockaddr_un me = {.sun_family = AF_UNIX};

	memset(p, 0, sizeof(*p));
	p->fd = -1;
	if (strlen(path) >= sizeof(p->to.sun_path)) {
		snprintf(err, size, "--ptp4l '%s': a UNIX socket path is at most %zu bytes", path,
			 sizeof(p->to.sun_path) - 1);
		return -EINVAL;
	}
	p->to.sun_family = AF_UNIX;
	snprintf(p->to.sun_path, sizeof(p->to.sun_path), "%s", path);
	p->domain = domain;
	p->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (p->fd < 0)
		goto fail;
	/* a path, as pmc's: an abstract name would not reach a ptp4l in another network
	 * namespace; removed again on close */
	snprintf(me.sun_path, sizeof(me.sun_path), "%s/vnetlat-pmc.%d",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (int)getpid());
	unlink(me.sun_path);
	if (bind(p->fd, (struct sockaddr *)&me, sizeof(me)))
		goto fail;
	p->me = me;
	return 0;
fail:
	snprintf(err, size, "--ptp4l: %s", strerror(errno));
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
	return -errno;
}

/* One GET of a management id, to every port (the wildcard target). */
static void ask(struct ptp4l_poller *p, uint16_t id)
{
	uint8_t m[MGMT_HDR_LEN + 6];

	memset(m, 0, sizeof(m));
	m[0] = 0xd; /* messageType MANAGEMENT */
	m[1] = 2;   /* versionPTP */
	put16(m + 2, sizeof(m));
	m[4] = p->domain;
	put16(m + 28, (uint16_t)getpid()); /* our source port number: anything */
	put16(m + 30, p->seq++);
	m[32] = 4;		  /* controlField: management */
	m[33] = 0x7f;		  /* logMessageInterval */
	memset(m + 34, 0xff, 10); /* targetPortIdentity: all clocks, all ports */
	/* boundary hops 0: ptp4l answers itself and never passes the question on to the network,
	 * where its master would answer too */
	m[44] = m[45] = 0;
	m[46] = ACTION_GET;
	put16(m + 48, TLV_MANAGEMENT); /* the TLV: type, length, managementId */
	put16(m + 50, 2);
	put16(m + 52, id);
	if (sendto(p->fd, m, sizeof(m), 0, (struct sockaddr *)&p->to, sizeof(p->to)) < 0)
		p->unanswered++;
}

/* An answer: the fields of the sample it carries. Port 0 is ptp4l's own UDS port. */
static void take(struct ptp4l_poller *p, const uint8_t *m, size_t n)
{
	size_t len;
	uint16_t id;

	if (n < MGMT_HDR_LEN + 6 || (m[0] & 0xf) != 0xd || (m[46] & 0xf) != ACTION_RESPONSE ||
	    get16(m + 48) != TLV_MANAGEMENT)
		return;
	len = get16(m + 50);
	id = get16(m + 52);
	if (len < 2 || MGMT_HDR_LEN + 4 + len > n)
		return;
	m += 54;
	len -= 2;
	if (id == ID_TIME_STATUS && len >= 8) {
		p->cur.master_offset_ns = get64(m);
		if (len >= 8 + 8 + 4 + 4 + 2 + 12 + 4)
			p->cur.gm_present = get16(m + 8 + 8 + 4 + 4 + 2 + 12 + 2) != 0;
		p->cur.have |= VNL_PTP4L_OFFSET;
	} else if (id == ID_PORT_DS && len >= 11 && get16(m + 8)) {
		p->cur.port_state = m[10];
		p->cur.have |= VNL_PTP4L_STATE;
	} else if (id == ID_CURRENT_DS && len >= 18) {
		/* a TimeInterval: nanoseconds scaled by 2^16 */
		p->cur.path_delay_ns = get64(m + 10) / 65536;
		p->cur.have |= VNL_PTP4L_DELAY;
	}
}

int ptp4l_poll(void *ctx, struct vnl_writer *w)
{
	struct ptp4l_poller *p = ctx;
	uint64_t now = now_ns(CLOCK_MONOTONIC);
	uint8_t m[512];
	ssize_t n;
	size_t i;
	int err = 0;

	if (p->fd < 0)
		return 0;
	while ((n = recv(p->fd, m, sizeof(m), 0)) > 0)
		take(p, m, (size_t)n);
	if (now < p->next_ns)
		return 0;
	/* a round is over: what it answered is a sample */
	if (p->cur.have) {
		err = vnl_writer_block(w, VNL_BLK_PTP4L, &p->cur, sizeof(p->cur));
		p->samples++;
	} else if (p->asked) {
		p->unanswered++;
	}
	memset(&p->cur, 0, sizeof(p->cur));
	p->cur.ts_ns = event_now();
	for (i = 0; i < sizeof(asked_ids) / sizeof(asked_ids[0]); i++)
		ask(p, asked_ids[i]);
	p->asked++;
	p->next_ns = now + POLL_NS;
	return err;
}

void ptp4l_close(struct ptp4l_poller *p)
{
	if (p->fd >= 0) {
		close(p->fd);
		unlink(p->me.sun_path);
	}
	p->fd = -1;
}

int ptp4l_opt(int c, const char *arg, const char **path, uint32_t *domain)
{
	if (c == 'Z') {
		*path = arg;
		return 0;
	}
	if (parse_u32(arg, domain) || *domain > 255) {
		vnl_err("--ptp4l-domain '%s': a PTP domain is 0 to 255", arg);
		return -EINVAL;
	}
	return 0;
}

int ptp4l_source(struct ptp4l_poller *p, const char *path, uint32_t domain, struct rec_opts *o)
{
	const char *at = path ? path : PTP4L_DEFAULT_SOCKET;
	char err[256];

	if (path && !strcmp(path, "none"))
		return 0;
	if (!path && access(at, F_OK))
		return 0;
	if (o->nsources == REC_MAX_SOURCES)
		return -ENOSPC;
	if (ptp4l_open(p, at, (uint8_t)domain, err, sizeof(err))) {
		vnl_err("%s", err);
		return -EINVAL;
	}
	vnl_info("asking ptp4l at %s (domain %u) for its state once a second", at, domain);
	o->sources[o->nsources++] = (struct rec_source){p, ptp4l_poll};
	return 0;
}
