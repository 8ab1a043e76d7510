// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* vnetlat agent: the guest's side of the agent link (see agent.h, link.h). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include "agentlink.h"
#include "record.h"
#include "util.h"

#define RETRY_NS 500000000ULL

const char *vnl_virtio_ports = "/sys/class/virtio-ports";

/* The /dev node of the virtio-serial port named name (a minimal guest has no udev links). */
static int find_port(const char *name, char *path, size_t size, char *err, size_t err_size)
{
	struct dirent *de;
	DIR *d = opendir(vnl_virtio_ports);

	if (!d) {
		snprintf(err, err_size, "--serial %s: %s: %s (is virtio_console loaded?)", name,
			 vnl_virtio_ports, strerror(errno));
		return -ENOENT;
	}
	while ((de = readdir(d))) {
		char file[600], val[128];

		if (de->d_name[0] == '.')
			continue;
		snprintf(file, sizeof(file), "%s/%s/name", vnl_virtio_ports, de->d_name);
		if (read_small_file(file, val, sizeof(val)) < 0 || strcmp(val, name))
			continue;
		snprintf(path, size, "/dev/%s", de->d_name);
		closedir(d);
		return 0;
	}
	closedir(d);
	snprintf(err, err_size, "--serial %s: no virtio-serial port of that name in %s", name,
		 vnl_virtio_ports);
	return -ENOENT;
}

int agent_init(struct agent *a, char *err, size_t err_size)
{
	uint64_t r = now_ns(CLOCK_REALTIME) ^ ((uint64_t)getpid() << 32) ^ now_ns(CLOCK_MONOTONIC);
	int fd;

	a->fd = -1;
	fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (read(fd, &a->agent_id, sizeof(a->agent_id)) != sizeof(a->agent_id))
			a->agent_id = 0;
		close(fd);
	}
	if (!a->agent_id)
		a->agent_id = r | 1;
	if (!a->serial_name[0])
		return 0;
	if (find_port(a->serial_name, a->port_path, sizeof(a->port_path), err, err_size))
		return -ENOENT;
	a->fd = open(a->port_path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (a->fd < 0) {
		snprintf(err, err_size, "--serial %s: %s: %s", a->serial_name, a->port_path,
			 strerror(errno));
		return -errno;
	}
	return 0;
}

int agent_fd(const struct agent *a)
{
	return a->fd;
}

static void push_ctl(struct agent *a, uint32_t type, uint64_t seq, const void *p, size_t len)
{
	struct link_buf *b = link_frame(type, seq, p, len);

	if (b)
		link_tx_push(&a->ctl, b);
}

static void say_hello(struct agent *a)
{
	char hello[700], host[256] = "";
	struct utsname u;

	uname(&u);
	gethostname(host, sizeof(host) - 1);
	snprintf(hello, sizeof(hello),
		 "version=%d\ntoken=%s\nagent_id=%016llx\nhostname=%s\nkernel=%s %s %s\n",
		 VNL_LINK_VERSION, a->token, (unsigned long long)a->agent_id, host, u.sysname,
		 u.release, u.machine);
	link_tx_clear(&a->ctl);
	push_ctl(a, VNL_MSG_HELLO, 0, hello, strlen(hello));
	a->welcomed = 0;
}

static void rewind_spool(struct agent *a)
{
	struct link_buf *b;

	for (b = a->head; b; b = b->next)
		b->off = 0;
	a->cursor = a->head;
}

static void link_down(struct agent *a, const char *why)
{
	if (a->up)
		vnl_warn("agent link down (%s): keeping events in the spool (%llu bytes held)", why,
			 (unsigned long long)a->spool_bytes);
	a->up = a->welcomed = a->connecting = 0;
	link_rx_reset(&a->rx);
	link_tx_clear(&a->ctl);
	rewind_spool(a);
	if (!a->serial_name[0] && a->fd >= 0) {
		close(a->fd);
		a->fd = -1;
	}
	a->next_try_ns = now_ns(CLOCK_MONOTONIC) + RETRY_NS;
}

static void link_up(struct agent *a)
{
	a->up = 1;
	a->connecting = 0;
	if (a->reconnects++)
		vnl_info("agent link up again: resending what the host has not acknowledged");
	say_hello(a);
}

/* Frees the frames the host wrote (seq below ack). */
static void acked(struct agent *a, uint64_t ack)
{
	while (a->head && a->head->seq < ack) {
		struct link_buf *b = a->head;

		if (a->cursor == b)
			a->cursor = b->next;
		a->head = b->next;
		if (!a->head)
			a->tail = NULL;
		a->spool_bytes -= b->len;
		free(b);
	}
	if (ack > a->acked_seq)
		a->acked_seq = ack;
}

static uint64_t text_u64(const uint8_t *p, size_t len, const char *key)
{
	struct vnl_block b = {.type = VNL_BLK_META, .len = (uint32_t)len, .payload = p};
	char val[32];

	return vnl_meta_get(&b, key, val, sizeof(val)) ? 0 : strtoull(val, NULL, 10);
}

static int desc_type(uint32_t type)
{
	return type == VNL_BLK_META || type == VNL_BLK_HOPS || type == VNL_BLK_IFACES ||
	       type == VNL_BLK_REASONS || type == VNL_BLK_AGG_SLOTS;
}

/* Keeps a copy of a describing block: the latest of each kind, every interface block. */
static void keep_desc(struct agent *a, const struct vnl_block_header *bh, const void *payload)
{
	struct link_buf *b;
	int i;

	if (!desc_type(bh->type))
		return;
	b = link_frame(bh->type, bh->seq, payload, bh->len);
	if (!b)
		return;
	for (i = 0; i < a->ndesc; i++) {
		if (a->desc[i]->type == bh->type && bh->type != VNL_BLK_IFACES) {
			free(a->desc[i]);
			a->desc[i] = b;
			return;
		}
	}
	if (a->ndesc == AGENT_DESC_MAX) {
		free(b);
		return;
	}
	a->desc[a->ndesc++] = b;
}

/*
 * A host recording that starts after the spool let go of the describing blocks: they go
 * out again first, numbered just below the spool's first frame, so that the host sees no
 * gap in the sequence.
 */
static void replay_desc(struct agent *a)
{
	uint64_t seq = a->head ? a->head->seq : a->acked_seq;
	const size_t hdr = sizeof(struct vnl_block_header);
	int i;

	for (i = a->ndesc - 1; i >= 0; i--) {
		struct link_buf *b, *orig = a->desc[i];
		int spooled = 0;

		for (b = a->head; b; b = b->next)
			spooled |= b->seq == orig->seq;
		if (spooled)
			continue; /* not acknowledged yet: still in the spool */
		b = link_frame(orig->type, seq - 1, orig->data + hdr, orig->len - hdr);
		if (!b)
			continue;
		seq--;
		b->next = a->head;
		a->head = b;
		if (!a->tail)
			a->tail = b;
		a->spool_bytes += b->len;
	}
	a->cursor = a->head;
}

static void on_frame(struct agent *a, const struct vnl_block_header *h, const uint8_t *p)
{
	struct link_ping ping;
	uint64_t next;

	switch (h->type) {
	case VNL_MSG_WHO:
		say_hello(a);
		break;
	case VNL_MSG_WELCOME:
		a->kernel_id = (uint32_t)text_u64(p, h->len, "kernel");
		next = text_u64(p, h->len, "next_seq");
		if (next < a->acked_seq || !a->recordings++)
			replay_desc(a); /* a recording that has not seen this guest yet */
		acked(a, next);
		rewind_spool(a);
		a->welcomed = 1;
		vnl_info("agent link: the host records this guest as kernel %u", a->kernel_id);
		break;
	case VNL_MSG_ACK:
		acked(a, h->seq);
		break;
	case VNL_MSG_PING:
		if (h->len < sizeof(ping))
			break;
		memcpy(&ping, p, sizeof(ping));
		ping.guest_ns = event_now();
		push_ctl(a, VNL_MSG_PONG, 0, &ping, sizeof(ping));
		break;
	case VNL_MSG_FLUSH:
		a->flush_requested = 1;
		break;
	case VNL_MSG_KEEP:
		keep_inbox_add(&a->keep_in, p, h->len);
		break;
	case VNL_MSG_REFUSED:
		vnl_err("the host refused this agent: %.*s", (int)(h->len > 200 ? 200 : h->len),
			(const char *)p);
		a->refused = 1;
		break;
	default:
		break; /* from a newer host: ignored */
	}
}

static int try_connect(struct agent *a)
{
	uint64_t now = now_ns(CLOCK_MONOTONIC);
	int fd, soerr = 0;
	socklen_t len = sizeof(soerr);
	struct pollfd pfd;

	if (a->connecting) {
		pfd = (struct pollfd){.fd = a->fd, .events = POLLOUT};
		if (poll(&pfd, 1, 0) <= 0)
			return 0;
		getsockopt(a->fd, SOL_SOCKET, SO_ERROR, &soerr, &len);
		if (soerr) {
			link_down(a, strerror(soerr));
			return 0;
		}
		link_up(a);
		return 0;
	}
	if (now < a->next_try_ns)
		return 0;
	fd = socket(a->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	a->fd = fd;
	if (!connect(fd, (struct sockaddr *)&a->addr, a->addr_len)) {
		link_up(a);
	} else if (errno == EINPROGRESS) {
		a->connecting = 1;
	} else {
		a->up = 1; /* so link_down says why once */
		link_down(a, strerror(errno));
		a->up = 0;
	}
	return 0;
}

/* virtio-serial: the port stays open; the host side comes and goes (POLLHUP while away). */
static void watch_port(struct agent *a)
{
	struct pollfd pfd = {.fd = a->fd, .events = POLLIN | POLLOUT};

	if (poll(&pfd, 1, 0) < 0)
		return;
	if (pfd.revents & POLLHUP) {
		if (a->up)
			link_down(a, "the host side closed the port");
	} else if (!a->up && (pfd.revents & POLLOUT)) {
		link_up(a);
	}
}

/* Sends spooled frames while the link takes them; only the one begun, with finish_only. */
static void send_data(struct agent *a, int finish_only)
{
	while (a->cursor) {
		struct link_buf *b = a->cursor;
		ssize_t n = write(a->fd, b->data + b->off, b->len - b->off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				link_down(a, strerror(errno));
			return;
		}
		b->off += (size_t)n;
		if (b->off < b->len)
			return;
		a->sent_frames++;
		a->cursor = b->next;
		if (finish_only)
			return;
	}
}

int agent_service(struct agent *a)
{
	struct vnl_block_header h;
	const uint8_t *p;
	ssize_t n;
	int err;

	if (a->serial_name[0])
		watch_port(a);
	else if (!a->up && try_connect(a))
		return -errno;
	if (!a->up)
		return 0;
	while ((n = link_rx_read(&a->rx, a->fd)) > 0)
		while (link_rx_next(&a->rx, &h, &p) > 0)
			on_frame(a, &h, p);
	if (n == 0 || (n < 0 && n != -EAGAIN)) {
		link_down(a, n == 0 ? "the host closed the link" : strerror((int)-n));
		return 0;
	}
	if (a->refused)
		return -EACCES;
	/* a control frame never goes out inside a data frame half written (it would break that
	 * frame's CRC and the host would drop it): a frame begun is finished first */
	if (a->cursor && a->cursor->off)
		send_data(a, 1);
	if (!a->up)
		return 0;
	if (!a->cursor || !a->cursor->off) {
		err = link_tx_send(&a->ctl, a->fd);
		if (err) {
			link_down(a, strerror(-err));
			return 0;
		}
	}
	if (a->welcomed && !a->ctl.head)
		send_data(a, 0);
	return 0;
}

int agent_sink(void *ctx, const struct vnl_block_header *bh, const void *payload)
{
	struct agent *a = ctx;
	struct link_buf *b;

	if (bh->type == VNL_BLK_EVENTS && a->spool_bytes + sizeof(*bh) + bh->len > a->spool_max) {
		a->spool_dropped += bh->len / sizeof(struct vnl_event);
		return VNL_SINK_DROPPED;
	}
	keep_desc(a, bh, payload);
	b = link_frame(bh->type, bh->seq, payload, bh->len);
	if (!b) {
		if (bh->type != VNL_BLK_EVENTS)
			return -ENOMEM;
		a->spool_dropped += bh->len / sizeof(struct vnl_event);
		return VNL_SINK_DROPPED;
	}
	if (a->tail)
		a->tail->next = b;
	else
		a->head = b;
	a->tail = b;
	if (!a->cursor)
		a->cursor = b;
	a->spool_bytes += b->len;
	return 0;
}

int agent_drained(const struct agent *a)
{
	return !a->head;
}

void agent_free(struct agent *a)
{
	while (a->ndesc)
		free(a->desc[--a->ndesc]);
	acked(a, UINT64_MAX);
	link_tx_clear(&a->ctl);
	link_rx_free(&a->rx);
	if (a->fd >= 0)
		close(a->fd);
	a->fd = -1;
}

/* ---- vnetlat agent [options] ---- */

#define AGENT_DRAIN_MS 3000 /* at the end, how long the host may take to take what we hold */

/* On the host's FLUSH: every event taken so far, then FLUSHED to say that was all. */
static int serve_output(void *ctx, struct rec_io *io)
{
	struct agent *a = ctx;
	int err = agent_service(a);

	if (err == -EACCES)
		return err;
	if (a->keep_in.n)
		rec_io_keep_ask(io, &a->keep_in);
	if (a->flush_requested) {
		a->flush_requested = 0;
		err = rec_io_flush(io);
		if (!err)
			err = vnl_writer_block(rec_io_writer(io), VNL_MSG_FLUSHED, NULL, 0);
		if (!err)
			err = agent_service(a);
	}
	return err == -EACCES ? err : 0;
}

static uint64_t spool_lost(void *ctx)
{
	const struct agent *a = ctx;

	return a->spool_dropped;
}

/* Stopping: hands the host what the spool holds, for at most AGENT_DRAIN_MS. */
static void drain_output(void *ctx)
{
	uint64_t end = now_ns(CLOCK_MONOTONIC) + AGENT_DRAIN_MS * 1000000ULL;
	struct agent *a = ctx;

	while (!agent_drained(a) && now_ns(CLOCK_MONOTONIC) < end && !agent_service(a))
		usleep(10000);
	if (!agent_drained(a))
		vnl_warn("agent: the host did not take %llu bytes of events before we stopped",
			 (unsigned long long)a->spool_bytes);
}

static void keep_tell(void *ctx, const struct vnl_keep_req *req)
{
	struct agent *a = ctx;

	if (a->up && a->welcomed)
		push_ctl(a, VNL_MSG_KEEP, 0, req, sizeof(*req));
}

struct rec_output agent_output(struct agent *a)
{
	return (struct rec_output){
	    .ctx = a,
	    .sink = agent_sink,
	    .fast_poll = 1,
	    .serve = serve_output,
	    .lost = spool_lost,
	    .keep_tell = keep_tell,
	    .closed = drain_output,
	};
}
