/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * vnetlat live and vnetlat top: the recorder's blocks, taken in memory instead of a file,
 * joined into journeys as they come, and kept as running totals per VM, tap, direction and
 * segment: served as Prometheus metrics (live --prometheus) or shown in the terminal (top).
 */
#ifndef VNL_LIVE_H
#define VNL_LIVE_H

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include "hist.h"
#include "journey.h"
#include "ptp4l.h"
#include "recording.h"
#include "vnlfile.h"

#define LIVE_LE_N 20 /* classic histogram buckets, 1 us .. 1 s, then +Inf */

extern const double live_le_seconds[LIVE_LE_N];

struct live_series {
	char vm[32], tap[16], direction[16], segment[80];
	uint64_t le[LIVE_LE_N + 1]; /* counts per bucket (not cumulative); [LIVE_LE_N]: above */
	uint64_t count;
	double sum_s;
	struct hist h, last_h; /* since start; since the last top refresh */
	struct live_series *next;
};

struct live {
	pthread_mutex_t lock;
	struct live_series *series;
	size_t nseries;
	struct recording rec;  /* what the recorder's blocks said, read as a file is */
	struct rec_stream *rs; /* the reader, fed block by block */
	uint64_t events, journeys, round_trips;
	uint64_t started_ns;
	struct jengine *je;
	int mode_top;
	int aggregate;		    /* --mode aggregate: series from the in-kernel histograms */
	uint64_t kept[VNL_DIR_MAX]; /* aggregate mode: kept packets' journeys, per direction */
	struct ptp4l_poller ptp4l;  /* --ptp4l: its answers come back through the stream */
	const char *prom_addr;	/* live: where to serve, started once capabilities are dropped */
	uint64_t last_block_ns; /* when events last came: a quiet link drains the reorder buffer */
	void *server;
};

int live_init(struct live *l);
/* vnl_sink_fn: a block of the recorder's output. */
int live_sink(void *ctx, const struct vnl_block_header *bh, const void *payload);
/* Adds one value (ns) to a series; exposed for the exposition's unit test. */
int live_add(struct live *l, const char *vm, const char *tap, const char *direction,
	     const char *segment, uint64_t ns);
/* The Prometheus text exposition (format 0.0.4) of everything so far. */
void live_render_metrics(struct live *l, FILE *f);
void live_free(struct live *l);

/* The HTTP endpoint (libmicrohttpd): GET /metrics. NULL with a message in err on failure. */
void *prom_start(struct live *l, const char *addr_port, char *err, size_t err_size);
void prom_stop(void *server);

int cmd_live(int argc, char **argv);
int cmd_top(int argc, char **argv);

#endif
