/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The breakdown: a recording read once, its journeys joined, and per group (everything, a
 * VM, a tap, a flow, a time window) and row (direction, round trips by initiator) each
 * segment's histogram. Built and sorted once by breakdown_build(); every output reads it
 * through a const pointer and never changes it.
 */
#ifndef VNL_BREAKDOWN_H
#define VNL_BREAKDOWN_H

#include <stddef.h>
#include <stdint.h>
#include "groups.h"
#include "timeline.h"

struct recording;
struct jengine;
struct jstats;
struct vnl_event;

struct breakdown_opts {
	enum group_by by;
	uint64_t window_ns;    /* the time view's windows; 0: 1 s */
	uint64_t max_stall_ns; /* how long a journey is held through a stall; 0: the default */
	int show_windows;      /* the text shows each window's table (report --window) */
	/* report --time: only what began in [from, to) after the recording's start (to 0: to
	 * its end); the time view starts at from */
	uint64_t from_ns, to_ns;
};

#define BREAKDOWN_BUCKETS 4096

/* The time view's windows at most: a longer run's are merged two by two (window doubled). */
#define BREAKDOWN_WINDOWS_MAX 2048

struct breakdown {
	struct breakdown_opts o;
	struct recording *rec;
	struct jengine *je;
	const struct jstats *stats; /* the joiner's accounting; NULL when no event came */
	struct group all;
	struct group *buckets[BREAKDOWN_BUCKETS];
	struct group **order; /* --by groups in the order first seen */
	size_t ngroups;
	/* by the class packets were queued in (report --by class's groups), kept for the
	 * report's classes section whatever --by says */
	struct group *class_buckets[BREAKDOWN_BUCKETS];
	struct group **classes;
	size_t nclasses;
	struct { /* the last class found, by what its name is made of (class_get) */
		struct class_key key;
		size_t nqdiscs; /* the maps read by then: more may move them */
		struct group *g;
	} class_memo;
	struct group **windows; /* the time view; NULL where a window saw nothing */
	size_t nwindows;
	uint64_t window_asked_ns; /* the window before the run's length doubled it; 0: as asked */
	uint64_t in_view;	  /* journeys, round trips and windows within --time */
	uint64_t last_ts;	  /* the newest time read (events and windows) */
	uint64_t events_by_hop[VNL_HOP_MAX];
	struct vnl_event *clock_events; /* clock.adjust: steps and slews */
	size_t nclock_events;
	uint64_t sched_usual; /* the median window's VMM CPU waits */
	/* PTP messages, by direction and messageType (from sampled journeys in aggregate mode),
	 * and Delay_Req/Delay_Resp (Pdelay too) round trips */
	struct dir_agg ptp[VNL_DIR_ANY][16];
	struct dir_agg ptp_pairs;
	uint64_t ptp_messages;
	/* event messages (they carry the timestamps) over UDP queued for transmit: all, and at
	 * priority 0 (ptp4l's socket_priority applies to its L2 transport only) */
	uint64_t ptp_udp_events_queued, ptp_udp_events_prio0;
	/* the class those at priority 0 were queued in, and the one the device keeps for a
	 * higher priority ("tc 1 for priority 7"); "" when the recording has no class map */
	char ptp_prio0_class[128], ptp_higher_class[64];
	int ptp_prio0_origin; /* that class is the sender's own device's */
	/* --keep-slow: the slow packets kept whole, slowest first after the build */
	struct journey *kept;
	/* packets mode: a uniform sample of each direction's complete journeys (reservoir),
	 * from which the page draws a typical and a slow packet (breakdown_example) */
	struct journey *examples[VNL_DIR_ANY];
	size_t nexamples[VNL_DIR_ANY];
	uint64_t examples_seen[VNL_DIR_ANY], rng;
	size_t nkept, kept_seen;
	struct timeline tl; /* spikes and trends, across windows */
	int oom;
};

/* What happened around a spike: in the windows either side of it and in its own. */
struct near {
	uint64_t drops;
	size_t clocks;
	uint64_t sched_ns, sched_max_ns; /* the VMM threads' waits for a CPU around it */
	uint64_t sched_usual_ns;	 /* the median of the windows' totals */
	size_t ptp4l_changes;		 /* ptp4l's port state changes around it */
	uint64_t ptp4l_offset_max_ns;	 /* the largest |master offset| ptp4l said around it */
	int ptp4l_asked;		 /* ptp4l answered around it */
};

/*
 * Reads path and builds the breakdown: 0, or an exit code with the error said. A damaged
 * recording still builds (its intact blocks); b->rec->ndamage says so.
 */
int breakdown_build(struct breakdown *b, const char *path, const struct breakdown_opts *o);
void breakdown_free(struct breakdown *b);
/* Around the spike of windows [w, end]: from the window before it to the one after. */
void breakdown_near(const struct breakdown *b, size_t w, size_t end, struct near *n);
/* Around a journey (a kept packet): the windows of its first to its last hop, and one each side. */
void breakdown_near_journey(const struct breakdown *b, const struct journey *j, struct near *n);
double breakdown_window_mid_s(const struct breakdown *b, size_t w);
/* Where window w of the time view begins: seconds since the recording's start, and on the
 * recording's clock. */
double breakdown_window_start_s(const struct breakdown *b, size_t w);
uint64_t breakdown_window_start_ns(const struct breakdown *b, size_t w);
const char *group_by_name(enum group_by by);
/* --by's argument: 0, or -1 with the error said. */
int group_by_parse(const char *arg, enum group_by *by);

/*
 * One walk over a row, for every writer of the breakdown: the same segments in the same
 * order with the same derived values, so text and JSON cannot disagree.
 */
struct seg_view {
	const struct seg_agg *s;
	double share; /* of the sum of the row's segments */
	int tied;     /* a packetless hop: tied to the packet by thread, CPU or time */
	int crosses;  /* between kernels: as exact as the clock offset */
};

struct row_visitor {
	void (*begin)(void *ctx, int row, const struct dir_agg *d);
	void (*segment)(void *ctx, const struct seg_view *v);
	void (*end_to_end)(void *ctx, const struct hist *h);
	void (*boundary)(void *ctx, const struct hist *h, uint64_t max_mismatch_ns);
	void (*table_end)(void *ctx, int tied, int crosses); /* any segment tied, any crossing */
	void (*lost_after)(void *ctx, unsigned int hop, uint64_t count);
	void (*lost_end)(void *ctx);
	void (*drop)(void *ctx, unsigned int hop, const char *reason, uint64_t count);
	void (*end)(void *ctx);
};

void breakdown_walk_row(const struct breakdown *b, int row, const struct dir_agg *d,
			const struct row_visitor *v, void *ctx);

/* Inside the analysis: a journey counted in a row; a PTP message in the PTP section. */
struct journey;
void breakdown_add_journey(struct breakdown *b, struct dir_agg *d, const struct journey *j);
void ptp_add(struct breakdown *b, const struct journey *j);

/*
 * Whose part of a kept packet the recording has: "both", "host" or "guest". A kernel keeps
 * what was slow on its own path and tells the other, which keeps its part of the same
 * packet while its packet cache still holds it.
 */
const char *kept_kernels(const struct journey *j);
/*
 * The softirq time on the CPUs a packet's hops ran on, in one kernel ([0] the host, [1] its
 * guest), over the recorder's intervals (about a second) that its journey overlaps.
 */
struct softirq_near {
	uint64_t cpus;	      /* bit cpu % 64 */
	uint64_t interval_ns; /* the intervals' length (per CPU) */
	uint64_t ns[VNL_SOFTIRQ_SLOTS], max_ns[VNL_SOFTIRQ_SLOTS];
	int seen; /* the kernel recorded softirq time at all */
};
void softirq_near(const struct recording *rec, const struct journey *j, struct softirq_near out[2]);
/*
 * Of the sampled complete journeys of direction dir, the one whose end to end is nearest
 * the whole run's quantile q (50: a typical packet; 99: a slow one); NULL if none.
 */
const struct journey *breakdown_example(const struct breakdown *b, unsigned int dir, double q);
/* Why the other kernel's part of a kept packet is missing; NULL when it is not. */
const char *kept_missing(const struct recording *rec, const struct journey *j);

/* What ptp4l said in one kernel over the recording (record --ptp4l). */
#define PTP4L_MAX_CHANGES 64
struct ptp4l_summary {
	uint64_t samples;
	unsigned int state; /* the last answered, 0 if none */
	struct {
		double time_s; /* since the recording began */
		unsigned int from, to;
	} changes[PTP4L_MAX_CHANGES];
	size_t nchanges;
	uint64_t offsets; /* samples with a master offset */
	uint64_t offset_abs_p50_ns, offset_abs_max_ns;
	double offset_abs_max_at_s;
	uint64_t path_delay_p50_ns;
};

/* What ptp4l said between lo and hi (the recording's clock): into n. */
void ptp4l_near(const struct breakdown *b, uint64_t lo, uint64_t hi, struct near *n);
/* 0 with s filled in when kernel k's ptp4l was asked; -1 otherwise. */
int ptp4l_summarize(const struct breakdown *b, unsigned int k, struct ptp4l_summary *s);

/*
 * The whole-run breakdown of a recording alone (for diff): its groups by by (BY_NONE: one,
 * everything, keyed "all") into *out, an array of *n the caller frees (group_free each);
 * 0 or an exit code.
 */
int breakdown_of_file(const char *path, enum group_by by, struct group **out, size_t *n,
		      uint64_t *events);
#endif
