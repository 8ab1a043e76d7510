// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "link.h"
#include "util.h"

#define RX_CHUNK 65536

ssize_t link_rx_read(struct link_rx *rx, int fd)
{
	ssize_t n;

	if (rx->used) {
		memmove(rx->buf, rx->buf + rx->used, rx->len - rx->used);
		rx->len -= rx->used;
		rx->used = 0;
	}
	if (rx->cap - rx->len < RX_CHUNK) {
		size_t cap = rx->cap ? rx->cap * 2 : 4 * RX_CHUNK;
		uint8_t *p;

		if (cap > 2 * (VNL_LINK_FRAME_MAX + sizeof(struct vnl_block_header)) + RX_CHUNK)
			cap = 2 * (VNL_LINK_FRAME_MAX + sizeof(struct vnl_block_header)) + RX_CHUNK;
		if (cap - rx->len < RX_CHUNK)
			return -ENOBUFS; /* cannot happen: link_rx_next consumes whole frames */
		p = realloc(rx->buf, cap);
		if (!p)
			return -ENOMEM;
		rx->buf = p;
		rx->cap = cap;
	}
	n = read(fd, rx->buf + rx->len, rx->cap - rx->len);
	if (n < 0)
		return errno == EINTR || errno == EWOULDBLOCK ? -EAGAIN : -errno;
	rx->len += (size_t)n;
	return n;
}

/* Skips to the next place the frame magic could start. */
static void rx_skip(struct link_rx *rx, size_t from)
{
	uint32_t magic = VNL_LINK_MAGIC;
	size_t i;

	for (i = from; i + sizeof(magic) <= rx->len; i++)
		if (!memcmp(rx->buf + i, &magic, sizeof(magic)))
			break;
	if (i + sizeof(magic) > rx->len)
		i = rx->len > 3 ? rx->len - 3 : 0; /* keep a magic that may be cut in two */
	rx->skipped += i;
	memmove(rx->buf, rx->buf + i, rx->len - i);
	rx->len -= i;
}

int link_rx_next(struct link_rx *rx, struct vnl_block_header *h, const uint8_t **payload)
{
	if (rx->used) {
		memmove(rx->buf, rx->buf + rx->used, rx->len - rx->used);
		rx->len -= rx->used;
		rx->used = 0;
	}
	for (;;) {
		if (rx->len < sizeof(*h))
			return 0;
		memcpy(h, rx->buf, sizeof(*h));
		if (h->magic != VNL_LINK_MAGIC || h->len > VNL_LINK_FRAME_MAX) {
			rx_skip(rx, 1);
			continue;
		}
		if (rx->len - sizeof(*h) < h->len)
			return 0;
		if (vnl_block_crc(h->type, h->len, rx->buf + sizeof(*h)) != h->crc) {
			rx_skip(rx, 1);
			continue;
		}
		*payload = rx->buf + sizeof(*h);
		rx->used = sizeof(*h) + h->len;
		return 1;
	}
}

void link_rx_reset(struct link_rx *rx)
{
	rx->len = rx->used = 0;
}

void link_rx_free(struct link_rx *rx)
{
	free(rx->buf);
	memset(rx, 0, sizeof(*rx));
}

struct link_buf *link_frame(uint32_t type, uint64_t seq, const void *payload, size_t len)
{
	struct vnl_block_header h = {
	    .magic = VNL_LINK_MAGIC, .type = type, .len = (uint32_t)len, .seq = seq};
	struct link_buf *b;

	if (len > VNL_LINK_FRAME_MAX)
		return NULL;
	b = malloc(sizeof(*b) + sizeof(h) + len);
	if (!b)
		return NULL;
	h.crc = vnl_block_crc(type, (uint32_t)len, payload);
	memcpy(b->data, &h, sizeof(h));
	if (len)
		memcpy(b->data + sizeof(h), payload, len);
	b->next = NULL;
	b->len = sizeof(h) + len;
	b->off = 0;
	b->seq = seq;
	b->type = type;
	b->nevents = type == VNL_BLK_EVENTS ? (uint32_t)(len / sizeof(struct vnl_event)) : 0;
	return b;
}

void link_tx_push(struct link_tx *tx, struct link_buf *b)
{
	if (tx->tail)
		tx->tail->next = b;
	else
		tx->head = b;
	tx->tail = b;
	tx->bytes += b->len;
}

int link_tx_send(struct link_tx *tx, int fd)
{
	while (tx->head) {
		struct link_buf *b = tx->head;
		ssize_t n = write(fd, b->data + b->off, b->len - b->off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
		}
		b->off += (size_t)n;
		if (b->off < b->len)
			return 0;
		tx->head = b->next;
		if (!tx->head)
			tx->tail = NULL;
		tx->bytes -= b->len;
		free(b);
	}
	return 0;
}

void link_tx_clear(struct link_tx *tx)
{
	while (tx->head) {
		struct link_buf *b = tx->head;

		tx->head = b->next;
		free(b);
	}
	memset(tx, 0, sizeof(*tx));
}

int link_read_token(const char *path, char *token, size_t size, char *err, size_t err_size)
{
	char buf[VNL_TOKEN_MAX + 2];
	ssize_t n;
	size_t i;

	n = read_small_file(path, buf, sizeof(buf));
	if (n < 0) {
		snprintf(err, err_size, "token file %s: %s", path, strerror((int)-n));
		return (int)n;
	}
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	if (n < 8 || (size_t)n >= size || n > VNL_TOKEN_MAX - 1) {
		snprintf(err, err_size,
			 "token file %s: the token must be 8 to %d bytes on one line", path,
			 VNL_TOKEN_MAX - 1);
		return -EINVAL;
	}
	for (i = 0; i < (size_t)n; i++) {
		if (!isgraph((unsigned char)buf[i])) {
			snprintf(err, err_size,
				 "token file %s: byte %zu is not a printable character", path, i);
			return -EINVAL;
		}
	}
	memcpy(token, buf, (size_t)n + 1);
	return 0;
}

int link_token_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i;
	unsigned char diff = la != lb;

	for (i = 0; i < la; i++)
		diff |= (unsigned char)(a[i] ^ b[i < lb ? i : 0]);
	return !diff;
}

char *link_exclude_filter(const void *sa, const char *filter)
{
	const struct sockaddr_storage *ss = sa;
	char addr[64] = "", host[80] = "", *out = NULL;
	unsigned int port;

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a6 = sa;

		inet_ntop(AF_INET6, &a6->sin6_addr, addr, sizeof(addr));
		port = ntohs(a6->sin6_port);
	} else {
		const struct sockaddr_in *a4 = sa;

		inet_ntop(AF_INET, &a4->sin_addr, addr, sizeof(addr));
		port = ntohs(a4->sin_port);
	}
	/* listening on every address: the port alone says it is ours */
	if (strcmp(addr, "0.0.0.0") && strcmp(addr, "::"))
		snprintf(host, sizeof(host), "host %s and ", addr);
	if (asprintf(&out, "%s%s%snot (tcp and %sport %u)", filter ? "(" : "", filter ? filter : "",
		     filter ? ") and " : "", host, port) < 0)
		return NULL;
	return out;
}

int link_parse_addr(const char *s, void *sa, unsigned int *salen, char *err, size_t err_size)
{
	char host[64];
	const char *colon, *hs = s;
	size_t hl;
	uint32_t port;

	if (*s == '[') {
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':')
			goto bad;
		hs = s + 1;
		hl = (size_t)(close - hs);
		colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			goto bad;
		hl = (size_t)(colon - s);
	}
	if (!hl || hl >= sizeof(host) || parse_u32(colon + 1, &port) || !port || port > 65535)
		goto bad;
	memcpy(host, hs, hl);
	host[hl] = '\0';
	if (strchr(host, ':')) {
		struct sockaddr_in6 *a6 = sa;

		memset(a6, 0, sizeof(*a6));
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, host, &a6->sin6_addr) != 1)
			goto bad;
		*salen = sizeof(*a6);
	} else {
		struct sockaddr_in *a4 = sa;

		memset(a4, 0, sizeof(*a4));
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)port);
		if (inet_pton(AF_INET, host, &a4->sin_addr) != 1)
			goto bad;
		*salen = sizeof(*a4);
	}
	return 0;
bad:
	snprintf(err, err_size, "'%s': expected ADDR:PORT or [ADDR6]:PORT with a numeric address",
		 s);
	return -EINVAL;
}
