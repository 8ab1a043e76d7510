/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The agent link: vnetlat agent (in a guest) and vnetlat record --guests (on the host) over a
 * byte stream (a virtio-serial port, or TCP). Every message is a frame: the recording's block
 * header (with its own magic), then the payload; the crc covers type, length and payload. A
 * reader that meets a bad frame skips to the next magic, so a link cut mid-frame resyncs.
 *
 * Agent -> host: HELLO (text: version, token, agent id, host name), then the recording's own
 * blocks (META, HOPS, IFACES, REASONS, EVENTS, LOST, END) with increasing seq, PONG, FLUSHED.
 * Host -> agent: WELCOME (text: kernel id, next seq wanted), ACK (seq: everything below is
 * written), PING (host time), FLUSH (send what you hold), REFUSED (text: why), WHO (a new
 * connection: say HELLO). Either way: KEEP (--keep-slow: a kept packet's fingerprint).
 */
#ifndef VNL_LINK_H
#define VNL_LINK_H

#include <stddef.h>
#include <stdint.h>
#include "vnlfile.h"

#define VNL_LINK_MAGIC	   0x4b4e4c56u /* "VLNK" */
#define VNL_LINK_VERSION   1
#define VNL_LINK_FRAME_MAX (4u << 20) /* bytes of payload; a bigger frame is refused */
#define VNL_TOKEN_MAX	   256

enum vnl_msg {
	VNL_MSG_HELLO = 100,
	VNL_MSG_WELCOME,
	VNL_MSG_ACK,
	VNL_MSG_PING,
	VNL_MSG_PONG,
	VNL_MSG_FLUSH,
	VNL_MSG_FLUSHED,
	VNL_MSG_REFUSED,
	VNL_MSG_WHO,  /* host -> agent on a new connection: say HELLO */
	VNL_MSG_KEEP, /* either way: a packet kept as slow; keep your part (keepsync.h) */
};

struct link_ping {
	uint64_t host_tx;
	uint64_t guest_ns; /* PONG only */
};

/* Incoming bytes, cut into frames. */
struct link_rx {
	uint8_t *buf;
	size_t len, cap, used; /* used: bytes of the frame handed out last, dropped on next */
	uint64_t skipped;      /* bytes passed over to find a frame (damage, a cut) */
};

/* Reads what fd has: >0 bytes read, 0 at end of stream, -EAGAIN when nothing, -errno. */
ssize_t link_rx_read(struct link_rx *rx, int fd);
/* 1 with the next whole frame (valid until the next call), 0 when more bytes are needed. */
int link_rx_next(struct link_rx *rx, struct vnl_block_header *h, const uint8_t **payload);
void link_rx_reset(struct link_rx *rx);
void link_rx_free(struct link_rx *rx);

/* Outgoing frames, written without blocking. */
struct link_buf {
	struct link_buf *next;
	size_t len, off;
	uint64_t seq;
	uint32_t type, nevents;
	uint8_t data[];
};

struct link_tx {
	struct link_buf *head, *tail;
	size_t bytes;
};

/* A frame of type with payload; NULL when out of memory. */
struct link_buf *link_frame(uint32_t type, uint64_t seq, const void *payload, size_t len);
void link_tx_push(struct link_tx *tx, struct link_buf *b);
/* Writes what fits; 0 when all is out or fd is full, -errno when the link broke. */
int link_tx_send(struct link_tx *tx, int fd);
void link_tx_clear(struct link_tx *tx);

/* Reads a token file: one line, 8 to 255 printable bytes; a message in err otherwise. */
int link_read_token(const char *path, char *token, size_t size, char *err, size_t err_size);
/* Compares two tokens in time that does not depend on where they differ. */
int link_token_equal(const char *a, const char *b);
/*
 * The filter that leaves a TCP link out of what is traced: "(FILTER) and not (tcp and host A
 * and port P)" (just the port when A is a wildcard). A malloc'd string, NULL if out of memory.
 */
char *link_exclude_filter(const void *sa, const char *filter);
/* "ADDR:PORT" or "[ADDR6]:PORT" into a socket address. */
int link_parse_addr(const char *s, void *sa, unsigned int *salen, char *err, size_t err_size);

#endif
