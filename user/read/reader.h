/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The reader's parts, inside user/read only: applying a block to the recording (apply.c),
 * each guest's clock against the host's (guestclock.c), files and sets of files
 * (recording.c).
 */
#ifndef VNL_READER_H
#define VNL_READER_H

#include "recording.h"
#include "reorder.h"
#include "vnlfile.h"

#define REORDER_WINDOW_NS 50000000ULL
#define CLOCK_WINDOW_NS	  2000000000ULL /* the clock filter's window (see clock.h) */

/*
 * A recording of the host alone is read in one pass. With guests it takes two: the first
 * reads the descriptions, keeps the guests' events and the packets seen on both sides of the
 * boundary, from which each guest's clock offset is estimated; the second hands out the
 * host's events with the guests' (now on the host's clock) merged in, in time order.
 */
enum read_pass {
	PASS_ALL,     /* descriptions and events: a host-only recording */
	PASS_COLLECT, /* descriptions; guests' events and boundary packets kept */
	PASS_EVENTS,  /* the host's events, merged with the guests' */
	PASS_STREAM,  /* blocks as the recorder makes them (live): the host's alone */
};

/* A packet seen next to the host/guest boundary, to relate the two clocks. */
struct boundary {
	uint64_t fp, ts;
	uint16_t hop;
	uint8_t kernel;
};

struct read_ctx {
	struct recording *rec;
	rec_event_fn fn;
	void *ctx;
	rec_window_fn window_fn;
	enum read_pass pass;
	unsigned int cur_kernel; /* the kernel the description blocks are of (KERNEL blocks) */
	char next[4096];	 /* the next file of the set, as the last END block read names it */
	struct vnl_event *gev;	 /* guests' events */
	size_t ngev, gev_cap, gev_next;
	struct boundary *bnd;
	size_t nbnd, bnd_cap;
	struct vnl_file_clock *clk; /* exchanges over the agents' links */
	size_t nclk, clk_cap;
	uint64_t host_first_ts; /* the host's earliest event; 0 before any */
};

/* apply.c */
int read_block(struct recording *rec, struct read_ctx *rc, struct reorder *ro,
	       const struct vnl_block *b);
/* an event to the reader's user, counted */
void deliver(struct read_ctx *rc, const struct vnl_event *ev);
/* an event in time order to the reader's user; the guests' events up to its time first */
void hand_out(void *ctx, const struct vnl_event *ev);
void meta_str(const struct vnl_block *b, const char *key, char *dst, size_t size);
/* room for n more records of elem bytes after the len that *arr holds */
int reserve(void *arr, size_t len, size_t n, size_t elem);
int append(void *arr, size_t *len, size_t *cap, const void *src, size_t n, size_t elem);

/* guestclock.c */
int is_boundary_hop(unsigned int hop);
/* each guest's clock from its link exchanges and the packets seen both sides (first pass) */
int estimate_clocks(struct recording *rec, struct read_ctx *rc);
/* the guests' events on the host's clock, in time order, for the second pass */
void place_guest_events(struct recording *rec, struct read_ctx *rc);

#endif
