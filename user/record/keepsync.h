/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * --keep-slow across kernels: a kernel that keeps a slow packet tells the other (the host
 * its guests' agents, an agent its host), and the other keeps its own part of the same
 * packet, found by fingerprint among the paths its CPUs finished last (recent_paths, in
 * aggregate.bpf.h), so that a kept journey is whole on both sides. A part is found while its
 * CPU has not overwritten it: one overwritten (or never seen) before the word came is
 * counted as gone, never guessed.
 */
#ifndef VNL_KEEPSYNC_H
#define VNL_KEEPSYNC_H

#include <stddef.h>
#include <stdint.h>
#include "vnetlat.h"

#define KEEP_PENDING 256
#define KEEP_RECENT  1024

/* One kernel's word to the other (a VNL_MSG_KEEP frame's payload). */
struct vnl_keep_req {
	uint64_t fp;
	uint32_t dir;
	uint32_t pad;
};

/* Words that came over an agent link, until the recorder's next turn takes them. */
struct keep_inbox {
	struct vnl_keep_req req[64];
	unsigned int n;
	uint64_t overflow; /* counted gone when taken */
};

/* A VNL_MSG_KEEP frame's payload into the inbox (a short one is passed over). */
void keep_inbox_add(struct keep_inbox *box, const void *payload, size_t len);

/* What was asked and kept, running totals (the recording's KEPT block). */
struct keep_counts {
	uint64_t told;	  /* packets kept here whose other part was asked for */
	uint64_t asked;	  /* the other kernel asked for our part of one */
	uint64_t served;  /* ... and it was found here and kept */
	uint64_t already; /* ... kept here anyway: slow here too */
	uint64_t gone;	  /* ... not found within KEEP_WAIT_NS: its slot was taken, or it
			   * never crossed this kernel */
};

struct keep_pending {
	struct vnl_keep_req req;
	uint64_t until_ns;
};

struct keep_sync {
	const struct vnl_kept *recent; /* recent_paths, mapped read-only */
	size_t recent_len;
	uint32_t nrecent;
	struct keep_pending pending[KEEP_PENDING];
	unsigned int npending;
	uint64_t kept_fps[KEEP_RECENT]; /* fingerprints kept lately, either way */
	unsigned int kept_pos;
	uint64_t last_scan_ns;
	struct keep_counts n;
};

/* How many of its last finished paths each of ncpus CPUs keeps: 1 << this. */
unsigned int keep_sync_bits(unsigned int ncpus);
/* Maps recent_paths (fd, n entries); 0 or -errno. */
int keep_sync_open(struct keep_sync *ks, int recent_fd, uint32_t n);
void keep_sync_close(struct keep_sync *ks);
/* A packet this kernel kept: 1 with *req filled in when the other kernel is to be told. */
int keep_sync_own(struct keep_sync *ks, const struct vnl_kept *k, struct vnl_keep_req *req);
/* The other kernel kept a packet: look for our part (until now_ns + KEEP_WAIT_NS). */
void keep_sync_ask(struct keep_sync *ks, const struct vnl_keep_req *req, uint64_t now_ns);
/*
 * Looks for the parts asked for: each found whole (its last hop passed) goes to take(ctx,
 * kept); those not found in time are counted gone. Returns what take returned, if not 0.
 */
int keep_sync_serve(struct keep_sync *ks, uint64_t now_ns,
		    int (*take)(void *ctx, const struct vnl_kept *k), void *ctx);

#endif
