/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * vnetlat record --guests: the host's side of the agent links (see link.h). Agents connect
 * (TCP, --listen) or are reached through the UNIX sockets of QEMU's virtio-serial chardevs
 * (--serial-socket, reconnected when they drop); an agent is accepted only with the shared
 * token. Each agent becomes a kernel of the recording (1, 2, ...; by its agent id, so a
 * reconnecting agent keeps its number) and its blocks are written under that kernel.
 */
#ifndef VNL_GUESTS_H
#define VNL_GUESTS_H

#include <stdint.h>
#include <sys/socket.h>
#include "keepsync.h"
#include "link.h"
#include "record.h"

#define GUESTS_MAX_SOCKETS 16
#define GUESTS_MAX_CONNS   64
#define GUESTS_MAX_KERNELS 64

struct guest_kernel {
	uint64_t agent_id;
	char hostname[128];
	uint64_t next_seq; /* the next block wanted from this agent */
	uint64_t blocks, events;
	int flushed;
	/* the description blocks, kept to start each file of a rotated recording with */
	struct link_buf *desc[4];
};

struct guest_conn {
	int fd;
	int socket_idx; /* which --serial-socket, -1 for TCP */
	int kernel;	/* 0 until HELLO was accepted */
	char peer[80];
	uint64_t last_ping_ns, last_ack_ns, acked;
	int resync; /* a block is missing: the agent was asked to send again from it */
	struct link_rx rx;
	struct link_tx tx;
};

struct guests {
	char token[VNL_TOKEN_MAX];
	const char *sockets[GUESTS_MAX_SOCKETS];
	int nsockets;
	int socket_connected[GUESTS_MAX_SOCKETS];
	uint64_t socket_retry_ns[GUESTS_MAX_SOCKETS];
	struct sockaddr_storage listen_addr;
	unsigned int listen_len;
	int listen_fd;
	struct guest_conn conns[GUESTS_MAX_CONNS];
	int nconns;
	struct guest_kernel kernels[GUESTS_MAX_KERNELS + 1]; /* [1..nkernels] */
	int nkernels;
	struct vnl_file_clock clocks[256]; /* exchanges not yet written */
	unsigned int nclocks;
	uint64_t refused;
	struct keep_inbox keep_in; /* agents kept these packets: keep the host's part */
	int started;		   /* guests_start ran: there is something to free */
};

struct vnl_writer;

/* Opens the listening socket; sockets are connected by guests_service. */
int guests_start(struct guests *g, char *err, size_t err_size);
/* Accepts, connects, reads and writes what the agents send into w; never blocks. */
int guests_service(struct guests *g, struct vnl_writer *w);
/* Asks every connected agent for what it holds and waits (at most timeout_ms) for it. */
int guests_flush(struct guests *g, struct vnl_writer *w, int timeout_ms);
/* Writes each guest's description again (the start of a new file of a rotated recording). */
int guests_describe(struct guests *g, struct vnl_writer *w);
/* record --guests as the recorder's output (record.h): the file takes the agents' blocks. */
struct rec_output guests_output(struct guests *g);
void guests_free(struct guests *g);

#endif
