/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef VNL_RECORD_H
#define VNL_RECORD_H

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include "hops.h"

struct vnl_block_header;
struct vnl_writer;
struct rec_io;
struct vnl_keep_req;

/*
 * Where a recording's blocks go besides or instead of the file OUT: the agent's link, the
 * agents' blocks a host's file takes in (record --guests), live's running totals. The
 * recorder knows none of them by name: each fills this in. All members are optional.
 */
struct rec_output {
	void *ctx;
	/* the blocks go here instead of the file OUT */
	int (*sink)(void *ctx, const struct vnl_block_header *bh, const void *payload);
	int guests;    /* the file also takes agents' blocks (its META says so) */
	int fast_poll; /* a link to serve: the loop turns every 10 ms, not every 100 */
	/* before the file is opened; nonzero (the error said) is a usage error */
	int (*start)(void *ctx);
	/* attached and capabilities dropped: threads started here have none */
	int (*ready)(void *ctx);
	/* every turn of the loop; an error stops the recording */
	int (*serve)(void *ctx, struct rec_io *io);
	/* a --max-size run began its next file (after that file's own description) */
	int (*rotated)(void *ctx, struct vnl_writer *w);
	/* --keep-slow: this kernel kept a slow packet; the other kernels are to keep their part */
	void (*keep_tell)(void *ctx, const struct vnl_keep_req *req);
	/* events lost after the rings (the agent's spool), counted with the rings' */
	uint64_t (*lost)(void *ctx);
	/* stopping: before the file's trailer (the last blocks), and once it is written */
	int (*closing)(void *ctx, struct vnl_writer *w);
	void (*closed)(void *ctx);
};

/*
 * What else the recorder asks, every turn of its loop, and writes into the recording
 * (ptp4l's state). A source never blocks.
 */
struct rec_source {
	void *ctx;
	int (*poll)(void *ctx, struct vnl_writer *w);
};

#define REC_MAX_SOURCES 4

/* What an output may do with the recording in its serve: */
struct vnl_writer *rec_io_writer(struct rec_io *io);
/* everything the rings hold written out now, with the lost counts */
int rec_io_flush(struct rec_io *io);
/* another kernel kept a slow packet: keep this kernel's part of it (keepsync.h) */
struct keep_inbox;
void rec_io_keep_ask(struct rec_io *io, struct keep_inbox *box);

struct rec_opts {
	const char *out;
	const char *filter;
	uint64_t duration_ns;
	uint64_t ring_size;
	uint64_t max_size; /* rotate to OUT.1, OUT.2, ... past this many bytes; 0: never */
	int mode;	   /* enum vnl_mode */
	uint32_t sample;   /* keep one packet in N (0: all in packets mode, none in aggregate) */
	int force, no_kfunc, no_drops;
	/*
	 * clock.adjust costs a program on every syscall: on by default in a guest (its
	 * applications' clock) and on a host stamping with CLOCK_TAI (steps move our own
	 * timestamps there); --clock-events / --no-clock-events say otherwise. 0: default.
	 */
	int clock_events; /* 1 on, -1 off */
	int no_sched;	  /* do not record vmm.sched_delay (sched_switch, sched_wakeup) */
	int clock_tai;	  /* stamp events with CLOCK_TAI: clocks synchronised by PTP */
	/*
	 * aggregate mode --keep-slow SPEC: the whole path of each packet slower than a fixed
	 * end-to-end time (keep_ns), than a quantile of the running histogram (keep_q, e.g.
	 * 99.9), or with a segment of the mask's slots slower than keep_ns
	 */
	const char *keep_spec;
	uint64_t keep_ns, keep_seg_mask;
	double keep_q;
	char *ifaces[VNL_MAX_DEVS];
	int nifaces;
	pid_t vms[VNL_MAX_VMS];
	int nvms;
	int argc;
	char **argv;
	enum vnl_side side;   /* HOST: vnetlat record; GUEST: vnetlat agent */
	struct rec_output to; /* all zero: the file OUT alone */
	struct rec_source sources[REC_MAX_SOURCES];
	int nsources;
};

/* Records with options already parsed; returns an exit code (enum vnl_exit). */
int record_run(struct rec_opts *o);
/* The options every recording command takes (their letters below): 0 taken, 1 not one. */
int rec_common_opt(struct rec_opts *o, int c, const char *arg);
#define REC_COMMON_SHORTOPTS "i:d:f:v"
#define REC_COMMON_LONGOPTS                                                                        \
	{"iface", required_argument, NULL, 'i'}, {"duration", required_argument, NULL, 'd'},       \
	    {"clock-events", no_argument, NULL, 'E'}, {"filter", required_argument, NULL, 'f'},    \
	    {"ring-size", required_argument, NULL, 'R'}, {"sample", required_argument, NULL, 'S'}, \
	    {"tracepoints-only", no_argument, NULL, 'T'}, {"no-drops", no_argument, NULL, 'D'},    \
	    {"no-clock-events", no_argument, NULL, 'N'}, {"clock", required_argument, NULL, 'C'},  \
	{                                                                                          \
		"verbose", no_argument, NULL, 'v'                                                  \
	}

/*
 * The end of a recording command's option switch: 'h' prints usage(stdout, top) and gives 1;
 * an option every recording command takes gives 0; any other prints usage(stderr, top) and
 * gives -EINVAL (as does a bad value, said).
 */
int rec_other_opt(struct rec_opts *o, int c, const char *arg, void (*usage)(FILE *f, int top),
		  int top);
/* After the options: no operand is taken; -EINVAL said when one is there. */
/* --keep-slow SPEC into o (said when bad). */
int parse_keep_slow(struct rec_opts *o, const char *spec);
/* --mode packets|aggregate into o (said when bad). */
int parse_mode(struct rec_opts *o, const char *arg);
/* After the options: --keep-slow without --mode aggregate is said and refused. */
int check_keep_slow_mode(const struct rec_opts *o);
int rec_no_operands(const char *cmd, int argc, char **argv);
/* --clock (c = 'C') and --no-clock-events (c = 'N'). */
int parse_clock_opt(struct rec_opts *o, int c, const char *arg);

#endif
