/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * vnetlat agent: records the guest's hops like vnetlat record, and hands its blocks to the
 * host over the agent link (see link.h) instead of a file. Blocks wait in a bounded spool
 * until the host acknowledges them, so a link that breaks and comes back loses nothing the
 * spool could hold; events it could not hold are counted and reported as lost.
 */
#ifndef VNL_AGENTLINK_H
#define VNL_AGENTLINK_H

#include <stdint.h>
#include <sys/socket.h>
#include "keepsync.h"
#include "link.h"
#include "record.h"

#define AGENT_DESC_MAX 16

struct agent {
	/* the link: a virtio-serial port found by name, or a TCP address */
	char serial_name[64];
	char port_path[300];
	struct sockaddr_storage addr;
	unsigned int addr_len;
	char token[VNL_TOKEN_MAX];
	uint64_t agent_id;
	int fd, connecting, up, welcomed;
	uint32_t kernel_id;
	uint64_t next_try_ns;
	struct link_rx rx;
	struct link_tx ctl; /* control frames: go out before data */
	/* the spool: data frames, oldest first, until acknowledged; cursor: next to send */
	struct link_buf *head, *tail, *cursor;
	uint64_t spool_bytes, spool_max;
	uint64_t spool_dropped; /* events */
	uint64_t acked_seq;	/* everything below was written by the host */
	uint64_t sent_frames, reconnects;
	int flush_requested, refused;
	/*
	 * Copies of the blocks that describe this guest (its META, hop table, interfaces, drop
	 * reasons): every new recording gets them first, as the first recording did.
	 */
	struct link_buf *desc[AGENT_DESC_MAX];
	int ndesc;
	uint64_t recordings;	   /* hosts' recordings served */
	struct keep_inbox keep_in; /* the host kept these packets: keep the guest's part */
};

int agent_init(struct agent *a, char *err, size_t err_size);
/* vnl_sink_fn: a block of the agent's recording into the spool. */
int agent_sink(void *ctx, const struct vnl_block_header *bh, const void *payload);
/* Connects when down, reads the host's messages, sends what the link takes; never blocks. */
int agent_service(struct agent *a);
/* Whether everything spooled was acknowledged. */
int agent_drained(const struct agent *a);
/* The fd to poll for link activity, -1 when none. */
int agent_fd(const struct agent *a);
void agent_free(struct agent *a);
/* The agent link as the recorder's output (record.h): blocks into the spool, FLUSH served. */
struct rec_output agent_output(struct agent *a);

#endif
