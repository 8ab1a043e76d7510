// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* vnetlat record --guests: the host's side of the agent links (see guests.h, link.h). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include "guests.h"
#include "record.h"
#include "util.h"
#include "vnlfile.h"

#define RETRY_NS       500000000ULL
#define ACK_NS	       200000000ULL
#define PING_NS	       1000000000ULL
#define HELLO_LIMIT_NS 5000000000ULL /* a connection that says nothing valid is closed */
#define HELLO_MAX      1024

enum { DESC_META, DESC_HOPS, DESC_IFACES, DESC_REASONS, DESC_N };

int guests_start(struct guests *g, char *err, size_t err_size)
{
	int one = 1, fd;

	g->listen_fd = -1;
	g->started = 1;
	if (!g->listen_len)
		return 0;
	fd = socket(g->listen_addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&g->listen_addr, g->listen_len) || listen(fd, 16)) {
		close(fd);
		goto fail;
	}
	g->listen_fd = fd;
	return 0;
fail:
	snprintf(err, err_size, "--listen: %s", strerror(errno));
	return -errno;
}

static void send_frame(struct guest_conn *c, uint32_t type, uint64_t seq, const void *p, size_t len)
{
	struct link_buf *b = link_frame(type, seq, p, len);

	if (b)
		link_tx_push(&c->tx, b);
}

static void add_conn(struct guests *g, int fd, int socket_idx, const char *peer)
{
	struct guest_conn *c;

	if (g->nconns == GUESTS_MAX_CONNS) {
		vnl_warn("guest link: %s refused: already %d connections", peer, GUESTS_MAX_CONNS);
		close(fd);
		return;
	}
	c = &g->conns[g->nconns++];
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	c->socket_idx = socket_idx;
	c->last_ping_ns = now_ns(CLOCK_MONOTONIC); /* also when it opened */
	snprintf(c->peer, sizeof(c->peer), "%s", peer);
	if (socket_idx >= 0)
		g->socket_connected[socket_idx] = 1;
	send_frame(c, VNL_MSG_WHO, 0, NULL, 0);
}

static void close_conn(struct guests *g, int i, const char *why)
{
	struct guest_conn *c = &g->conns[i];

	vnl_info("guest link %s closed: %s", c->peer, why);
	close(c->fd);
	link_rx_free(&c->rx);
	link_tx_clear(&c->tx);
	if (c->socket_idx >= 0) {
		g->socket_connected[c->socket_idx] = 0;
		g->socket_retry_ns[c->socket_idx] = now_ns(CLOCK_MONOTONIC) + RETRY_NS;
	}
	g->conns[i] = g->conns[--g->nconns];
}

static void connect_sockets(struct guests *g, uint64_t now)
{
	int i;

	for (i = 0; i < g->nsockets; i++) {
		struct sockaddr_un sun = {.sun_family = AF_UNIX};
		int fd;

		if (g->socket_connected[i] || now < g->socket_retry_ns[i])
			continue;
		g->socket_retry_ns[i] = now + RETRY_NS;
		snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", g->sockets[i]);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			continue;
		if (connect(fd, (struct sockaddr *)&sun, sizeof(sun))) {
			close(fd);
			continue;
		}
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
		add_conn(g, fd, i, g->sockets[i]);
	}
}

static void accept_conns(struct guests *g)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char addr[64] = "?", peer[80];
	int fd;

	if (g->listen_fd < 0)
		return;
	while ((fd = accept4(g->listen_fd, (struct sockaddr *)&ss, &len,
			     SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		if (ss.ss_family == AF_INET)
			inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, addr,
				  sizeof(addr));
		else if (ss.ss_family == AF_INET6)
			inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, addr,
				  sizeof(addr));
		snprintf(peer, sizeof(peer), "%s", addr);
		add_conn(g, fd, -1, peer);
		len = sizeof(ss);
	}
}

static int text_get(const uint8_t *p, size_t len, const char *key, char *val, size_t size)
{
	struct vnl_block b = {.type = VNL_BLK_META, .len = (uint32_t)len, .payload = p};

	return vnl_meta_get(&b, key, val, size);
}

static void refuse(struct guest_conn *c, const char *why)
{
	vnl_warn("guest link %s: agent refused: %s", c->peer, why);
	send_frame(c, VNL_MSG_REFUSED, 0, why, strlen(why));
	link_tx_send(&c->tx, c->fd);
}

/* 0 with c->kernel set, -1 when the agent was refused (the connection is to be closed). */
static int on_hello(struct guests *g, struct guest_conn *c, const uint8_t *p, size_t len)
{
	char version[16], token[VNL_TOKEN_MAX], id[32], welcome[64];
	struct guest_kernel *k = NULL;
	uint64_t agent_id;
	int i;

	if (len > HELLO_MAX || text_get(p, len, "version", version, sizeof(version)) ||
	    text_get(p, len, "token", token, sizeof(token)) ||
	    text_get(p, len, "agent_id", id, sizeof(id))) {
		refuse(c, "malformed HELLO");
		return -1;
	}
	if (atoi(version) != VNL_LINK_VERSION) {
		refuse(c, "link protocol version not supported (this host speaks version 1)");
		return -1;
	}
	if (!link_token_equal(token, g->token)) {
		g->refused++;
		refuse(c, "wrong token");
		return -1;
	}
	agent_id = strtoull(id, NULL, 16);
	for (i = 1; i <= g->nkernels; i++)
		if (g->kernels[i].agent_id == agent_id)
			k = &g->kernels[i];
	if (!k) {
		if (g->nkernels == GUESTS_MAX_KERNELS) {
			refuse(c, "too many guests");
			return -1;
		}
		k = &g->kernels[++g->nkernels];
		k->agent_id = agent_id;
		text_get(p, len, "hostname", k->hostname, sizeof(k->hostname));
		vnl_info("guest %s (agent %016llx, link %s) recorded as kernel %d", k->hostname,
			 (unsigned long long)agent_id, c->peer, (int)(k - g->kernels));
	} else {
		vnl_info("guest %s is back (link %s): resuming at block %llu", k->hostname, c->peer,
			 (unsigned long long)k->next_seq);
	}
	c->kernel = (int)(k - g->kernels);
	c->resync = 0;
	snprintf(welcome, sizeof(welcome), "kernel=%d\nnext_seq=%llu\n", c->kernel,
		 (unsigned long long)k->next_seq);
	send_frame(c, VNL_MSG_WELCOME, 0, welcome, strlen(welcome));
	c->acked = k->next_seq;
	return 0;
}

static void keep_desc(struct guest_kernel *k, const struct vnl_block_header *h, const uint8_t *p)
{
	int slot = h->type == VNL_BLK_META	? DESC_META
		   : h->type == VNL_BLK_HOPS	? DESC_HOPS
		   : h->type == VNL_BLK_IFACES	? DESC_IFACES
		   : h->type == VNL_BLK_REASONS ? DESC_REASONS
						: -1;

	if (slot < 0 || (slot == DESC_IFACES && k->desc[slot]))
		return; /* interfaces that appear later are in the blocks already written */
	free(k->desc[slot]);
	k->desc[slot] = link_frame(h->type, h->seq, p, h->len);
}

/* A block of the agent's recording: written under its kernel, once (resent ones are skipped). */
static int on_block(struct guests *g, struct guest_conn *c, const struct vnl_block_header *h,
		    const uint8_t *p, struct vnl_writer *w)
{
	struct guest_kernel *k = &g->kernels[c->kernel];
	struct vnl_event *evs;
	size_t n, i;
	int err;

	if (h->seq < k->next_seq || c->resync)
		return 0;
	if (h->seq > k->next_seq && k->blocks) {
		/* a block went missing on the link (a damaged frame): the agent still holds
		 * it; its HELLO brings a WELCOME that has it send again from there */
		vnl_warn("guest %s: block %llu missing on the link (got %llu): asking again",
			 k->hostname, (unsigned long long)k->next_seq, (unsigned long long)h->seq);
		c->resync = 1;
		send_frame(c, VNL_MSG_WHO, 0, NULL, 0);
		return 0;
	}
	k->next_seq = h->seq + 1;
	k->blocks++;
	if (h->type == VNL_MSG_FLUSHED) {
		k->flushed = 1;
		return 0;
	}
	if (h->type == VNL_BLK_KERNEL || h->type >= VNL_MSG_HELLO)
		return 0;
	if (h->type != VNL_BLK_EVENTS) {
		keep_desc(k, h, p);
		return vnl_writer_block_of(w, (unsigned int)c->kernel, h->type, p, h->len);
	}
	n = h->len / sizeof(*evs);
	evs = malloc(n * sizeof(*evs) + 1);
	if (!evs)
		return -ENOMEM;
	memcpy(evs, p, n * sizeof(*evs));
	for (i = 0; i < n; i++)
		evs[i].kernel = (uint8_t)c->kernel;
	err =
	    vnl_writer_block_of(w, (unsigned int)c->kernel, VNL_BLK_EVENTS, evs, n * sizeof(*evs));
	free(evs);
	k->events += n;
	return err;
}

static void on_pong(struct guests *g, struct guest_conn *c, const uint8_t *p, size_t len)
{
	struct link_ping ping;

	if (len < sizeof(ping) || g->nclocks == sizeof(g->clocks) / sizeof(g->clocks[0]))
		return;
	memcpy(&ping, p, sizeof(ping));
	g->clocks[g->nclocks++] = (struct vnl_file_clock){.host_tx = ping.host_tx,
							  .guest_ns = ping.guest_ns,
							  .host_rx = event_now(),
							  .kernel = (uint32_t)c->kernel};
}

/* Reads and handles what the connection has; 0, or -1 when it is to be closed (why set). */
static int read_conn(struct guests *g, struct guest_conn *c, struct vnl_writer *w, const char **why,
		     int *werr)
{
	struct vnl_block_header h;
	const uint8_t *p;
	ssize_t n;

	while ((n = link_rx_read(&c->rx, c->fd)) > 0) {
		while (link_rx_next(&c->rx, &h, &p) > 0) {
			if (h.type == VNL_MSG_HELLO) {
				if (on_hello(g, c, p, h.len)) {
					*why = "agent refused";
					return -1;
				}
			} else if (!c->kernel) {
				continue; /* nothing counts before a valid HELLO */
			} else if (h.type == VNL_MSG_PONG) {
				on_pong(g, c, p, h.len);
			} else if (h.type == VNL_MSG_KEEP) {
				keep_inbox_add(&g->keep_in, p, h.len);
			} else {
				*werr = on_block(g, c, &h, p, w);
				if (*werr)
					return 0;
			}
		}
	}
	if (n == 0) {
		*why = "end of stream";
		return -1;
	}
	if (n != -EAGAIN) {
		*why = strerror((int)-n);
		return -1;
	}
	return 0;
}

static void tick_conn(struct guests *g, struct guest_conn *c, uint64_t now)
{
	struct guest_kernel *k = &g->kernels[c->kernel];

	if (!c->kernel)
		return;
	if (k->next_seq != c->acked && now - c->last_ack_ns >= ACK_NS) {
		send_frame(c, VNL_MSG_ACK, k->next_seq, NULL, 0);
		c->acked = k->next_seq;
		c->last_ack_ns = now;
	}
	if (now - c->last_ping_ns >= PING_NS) {
		struct link_ping ping = {.host_tx = event_now()};

		send_frame(c, VNL_MSG_PING, 0, &ping, sizeof(ping));
		c->last_ping_ns = now;
	}
}

int guests_service(struct guests *g, struct vnl_writer *w)
{
	uint64_t now;
	int i, err = 0;

	connect_sockets(g, now_ns(CLOCK_MONOTONIC));
	accept_conns(g);
	now = now_ns(CLOCK_MONOTONIC);
	for (i = 0; i < g->nconns && !err; i++) {
		struct guest_conn *c = &g->conns[i];
		const char *why = NULL;

		/* a TCP peer must introduce itself; behind a virtio-serial socket the agent may
		 * start any time */
		if (read_conn(g, c, w, &why, &err) ||
		    (!c->kernel && c->socket_idx < 0 && now - c->last_ping_ns > HELLO_LIMIT_NS &&
		     (why = "no HELLO"))) {
			close_conn(g, i--, why);
			continue;
		}
		tick_conn(g, c, now);
		if (link_tx_send(&c->tx, c->fd) < 0)
			close_conn(g, i--, "write failed");
	}
	if (!err && g->nclocks) {
		err = vnl_writer_block(w, VNL_BLK_CLOCK, g->clocks,
				       g->nclocks * sizeof(g->clocks[0]));
		g->nclocks = 0;
	}
	return err;
}

static int all_flushed(const struct guests *g)
{
	int i;

	for (i = 0; i < g->nconns; i++)
		if (g->conns[i].kernel && !g->kernels[g->conns[i].kernel].flushed)
			return 0;
	return 1;
}

int guests_flush(struct guests *g, struct vnl_writer *w, int timeout_ms)
{
	uint64_t end = now_ns(CLOCK_MONOTONIC) + (uint64_t)timeout_ms * 1000000ULL;
	int i, err = 0;

	for (i = 0; i < g->nconns; i++) {
		if (!g->conns[i].kernel)
			continue;
		g->kernels[g->conns[i].kernel].flushed = 0;
		send_frame(&g->conns[i], VNL_MSG_FLUSH, 0, NULL, 0);
	}
	while (!err && !all_flushed(g) && now_ns(CLOCK_MONOTONIC) < end) {
		struct pollfd pfd[GUESTS_MAX_CONNS];

		for (i = 0; i < g->nconns; i++)
			pfd[i] = (struct pollfd){.fd = g->conns[i].fd, .events = POLLIN};
		poll(pfd, (nfds_t)g->nconns, 20);
		err = guests_service(g, w);
	}
	if (!err && !all_flushed(g))
		vnl_warn("guest link: an agent did not send what it held within %d ms", timeout_ms);
	/* what was written is acknowledged, so agents may free it */
	for (i = 0; i < g->nconns; i++) {
		struct guest_conn *c = &g->conns[i];

		if (c->kernel)
			send_frame(c, VNL_MSG_ACK, g->kernels[c->kernel].next_seq, NULL, 0);
		link_tx_send(&c->tx, c->fd);
	}
	return err;
}

int guests_describe(struct guests *g, struct vnl_writer *w)
{
	int k, d, err = 0;

	for (k = 1; k <= g->nkernels && !err; k++) {
		for (d = 0; d < DESC_N && !err; d++) {
			struct link_buf *b = g->kernels[k].desc[d];
			struct vnl_block_header h;

			if (!b)
				continue;
			memcpy(&h, b->data, sizeof(h));
			err = vnl_writer_block_of(w, (unsigned int)k, h.type, b->data + sizeof(h),
						  h.len);
		}
	}
	return err;
}

#define GUESTS_DRAIN_MS 3000 /* at the end, how long agents may take to send what they hold */

static int start_output(void *ctx)
{
	char err[256];

	if (guests_start(ctx, err, sizeof(err))) {
		vnl_err("%s", err);
		return -EINVAL;
	}
	return 0;
}

static int serve_output(void *ctx, struct rec_io *io)
{
	struct guests *g = ctx;
	int err = guests_service(g, rec_io_writer(io));

	if (g->keep_in.n)
		rec_io_keep_ask(io, &g->keep_in);
	return err;
}

/* Every agent is told: the packet's own guest has its part, the others count it gone. */
static void keep_tell(void *ctx, const struct vnl_keep_req *req)
{
	struct guests *g = ctx;
	int i;

	for (i = 0; i < g->nconns; i++)
		if (g->conns[i].kernel)
			send_frame(&g->conns[i], VNL_MSG_KEEP, 0, req, sizeof(*req));
}

static int close_output(void *ctx, struct vnl_writer *w)
{
	return guests_flush(ctx, w, GUESTS_DRAIN_MS);
}

static int rotated_output(void *ctx, struct vnl_writer *w)
{
	return guests_describe(ctx, w);
}

struct rec_output guests_output(struct guests *g)
{
	return (struct rec_output){
	    .ctx = g,
	    .guests = 1,
	    .fast_poll = 1,
	    .start = start_output,
	    .serve = serve_output,
	    .rotated = rotated_output,
	    .closing = close_output,
	    .keep_tell = keep_tell,
	};
}

void guests_free(struct guests *g)
{
	int k, d;

	if (!g->started)
		return;
	while (g->nconns)
		close_conn(g, g->nconns - 1, "recording ended");
	for (k = 1; k <= g->nkernels; k++)
		for (d = 0; d < DESC_N; d++)
			free(g->kernels[k].desc[d]);
	if (g->listen_fd >= 0)
		close(g->listen_fd);
	g->listen_fd = -1;
}
