/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Reading a recording: its description blocks, then every event, in time order. */
#ifndef VNL_RECORDING_H
#define VNL_RECORDING_H

#include <stdint.h>
#include "vnlfile.h"
#include "hops.h"
#include "hist.h"
#include "clock.h"

#define REC_MAX_REASONS	 1024
#define REC_MAX_KERNELS	 16
#define REC_FILE_HOP_IDS 256
#define REC_HOP_UNKNOWN	 0xfffe /* above every hop id: the joiner counts it, a report skips it */

/* A guest's kernel, recorded through its agent (kernel ids 1..). */
/* --keep-slow's running totals of one kernel (its last KEPT block; keepsync.h says each) */
struct rec_keep {
	int present;
	uint64_t kept, ring_full, told, asked, served, already, gone;
	uint64_t over_rate; /* pQ: slow ones past twice the quantile's share (not sent) */
};

struct rec_kernel {
	int present, ended;
	char keep_slow[64];   /* a guest's agent --keep-slow SPEC, "" if not */
	struct rec_keep keep; /* [0]: the host's */
	char hostname[128], kernel[128], version[32], clock_name[32]; /* "monotonic" or "tai" */
	uint64_t realtime_ns, monotonic_ns, end_monotonic_ns;
	int ptp; /* host and guest stamped with CLOCK_TAI: PTP keeps them together, not us */
	uint64_t lost_total;   /* running total, spool drops included */
	uint64_t lost_spool;   /* events its agent could not keep while the link was down */
	uint64_t before_start; /* events from before the recording began: left out */
	uint64_t events;
	struct vnl_file_iface *ifaces;
	unsigned int nifaces;
	char **reasons;	      /* its drop reason names (REC_MAX_REASONS), NULL until read */
	struct clk_est clock; /* its clock against the host's */
	uint64_t link_samples, traffic_samples;
};

/* One CPU's softirq time of one vector over an interval, in kernel's clock. */
struct rec_softirq {
	uint64_t start_ns, end_ns;
	uint32_t count, ns, max_ns;
	uint16_t cpu;
	uint8_t vec, kernel;
};

/* A ptp4l sample, in the kernel that asked (0: the host; a guest's on its own clock). */
struct rec_ptp4l {
	struct vnl_file_ptp4l s;
	unsigned int kernel;
};

/* A qdisc of a traced device, in the kernel that has it (ts on that kernel's clock). */
struct rec_qdisc {
	struct vnl_file_qdisc s;
	unsigned int kernel;
};

struct recording {
	const char *path;
	char hostname[128], kernel[128], clock[32], version[32], filter[256], command[512];
	char vhost_workers[256]; /* META: the VMMs' vhost workers, "TID:VM_PID:NAME ..." */
	uint64_t realtime_ns, monotonic_ns, end_monotonic_ns;
	int have_hops, ended;
	struct vnl_file_hop hops[VNL_HOP_MAX];
	struct vnl_file_iface *ifaces;
	unsigned int nifaces;
	char *reasons[REC_MAX_REASONS];
	uint64_t lost_by_hop[VNL_HOP_MAX];
	uint64_t lost_total;
	uint64_t events;
	uint64_t late_events; /* out of order beyond the reordering window */
	struct vnl_damage *damage;
	size_t ndamage;
	struct vnl_file_devevent *devevents; /* devices that came and went while recording */
	size_t ndevevents;
	struct rec_ptp4l *ptp4l; /* ptp4l's state, as asked once a second (record --ptp4l) */
	size_t nptp4l;
	struct rec_softirq *softirq; /* each kernel's CPUs' softirq time, interval by interval */
	size_t nsoftirq, softirq_cap;
	struct rec_qdisc *qdiscs; /* each kernel's qdisc sets, as they changed */
	size_t nqdiscs;
	size_t qdisc_set_at[REC_MAX_KERNELS], qdisc_set_n[REC_MAX_KERNELS]; /* the last set read */
	unsigned int nparts; /* files read: FILE, then FILE.1, FILE.2, ... of a rotated set */
	/* aggregate mode */
	int aggregate;		  /* the recorder ran with --mode aggregate */
	uint32_t sample;	  /* --sample N, 0 if not */
	char keep_slow[64];	  /* --keep-slow SPEC, "" if not */
	uint64_t kept, kept_lost; /* slow packets sent whole; those the ring had no room for */
	uint64_t kept_over_rate;  /* pQ: slow ones past twice the quantile's share, not sent */
	struct vnl_file_slot slots[VNL_AGG_SLOTS];
	uint8_t have_slot[VNL_AGG_SLOTS];
	struct hist agg[VNL_AGG_SLOTS];
	uint64_t agg_windows;
	uint64_t agg_evicted; /* packets whose in-kernel state was taken over (slot collisions) */
	uint64_t agg_unfinished;    /* packets that never reached their last hop */
	uint64_t agg_outside_table; /* segments between hops the segment table does not name */
	struct vnl_file_drop *agg_drops;
	size_t nagg_drops;
	/* guests (record --guests, vnetlat merge): their events are on the host's clock */
	int guests;			      /* the host recorded with --guests */
	unsigned int nkernels;		      /* 1 + the highest guest kernel id seen */
	struct rec_kernel k[REC_MAX_KERNELS]; /* [0] unused: the host is described above */
	/*
	 * The file's hop ids as this build's, per kernel, from the names its HOPS blocks give:
	 * a recording made by a build with another hop table reads right (a hop this build
	 * does not know becomes REC_HOP_UNKNOWN, counted, never another hop's).
	 */
	uint16_t hop_map[REC_MAX_KERNELS][REC_FILE_HOP_IDS];
	uint64_t host_lost; /* the host's own lost events (lost_total adds the guests') */
};

typedef void (*rec_event_fn)(void *ctx, const struct recording *rec, const struct vnl_event *ev);
/* One 100 ms window of the in-kernel histograms (aggregate mode): the buckets that grew. */
typedef void (*rec_window_fn)(void *ctx, const struct recording *rec, uint64_t start_ns,
			      uint64_t end_ns, const struct vnl_file_hist_entry *e, size_t n);

/*
 * Reads path (and path.1, path.2, ... when the recorder rotated), calling on_event for every event
 * in timestamp order. Description blocks are read before the first event is handed out. Returns 0,
 * or a negative errno with a message in err; damage does not fail the read (see rec->damage).
 */
int rec_read(struct recording *rec, const char *path, rec_event_fn on_event, void *ctx, char *err,
	     size_t err_size);
/* The same, also handing out each histogram window (in file order) to on_window. */
int rec_read_windows(struct recording *rec, const char *path, rec_event_fn on_event,
		     rec_window_fn on_window, void *ctx, char *err, size_t err_size);
void rec_free(struct recording *rec);

const struct vnl_file_iface *rec_iface(const struct recording *rec, uint32_t netns,
				       uint32_t ifindex);
const char *rec_reason(const struct recording *rec, uint32_t reason);
/* A drop reason of kernel k (0: the host), whose numbers may differ from the host's. */
const char *rec_reason_of(const struct recording *rec, unsigned int k, uint32_t reason);
/* ts (CLOCK_MONOTONIC) as ISO 8601 UTC wall-clock time. */
/* A timestamp of kernel k on the host's clock: a guest's through its estimated offset (with
 * PTP, or with no estimate, as it is). */
/*
 * The qdisc of device ifindex (0: any) in kernel k that maps priorities to classes as it was
 * at ts (the host's clock): from the set read last before ts, else the first; NULL if none.
 */
const struct vnl_file_qdisc *rec_class_map(const struct recording *rec, unsigned int k,
					   uint32_t ifindex, uint64_t ts);
uint64_t rec_host_time(const struct recording *rec, unsigned int k, uint64_t ts);
void rec_wall_time(const struct recording *rec, uint64_t ts, char *buf, size_t size);
/* The vhost worker of the VMM vm_pid (its name, tid); 0 if it had none (no vhost=on). */
uint32_t rec_vhost_worker(const struct recording *rec, uint32_t vm_pid, char *name, size_t size);

/*
 * A recording read as the recorder makes it, block by block (vnetlat live): the same reader
 * as for files. Events go to on_event in time order, held up to the reorder window; drain
 * hands out what is held (when no block came for a while). what: the name messages use.
 */
/*
 * Set by a command that shows progress (report on a terminal): called about twice a second
 * while a file is read, with the bytes of it read so far (pass: 1, or 2 of a recording with
 * guests, read twice), and once with done == total at each file's end.
 */
extern void (*rec_progress)(const char *path, int pass, uint64_t done, uint64_t total);

struct rec_stream;
struct rec_stream *rec_stream_new(struct recording *rec, const char *what, rec_event_fn on_event,
				  void *ctx);
int rec_stream_block(struct rec_stream *s, uint32_t type, const void *payload, uint32_t len);
void rec_stream_drain(struct rec_stream *s);
void rec_stream_free(struct rec_stream *s);

#endif
