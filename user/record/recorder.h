/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The recorder's parts, inside user/record only: the traced devices (traced.c), the
 * programs and their settings (attach.c), the blocks that describe and close a file
 * (blocks.c), aggregate mode's histograms (aggregate.c) and the loop (record.c).
 */
#ifndef VNL_RECORDER_H
#define VNL_RECORDER_H

#include <bpf/libbpf.h>
#include "devices.h"
#include "keepsync.h"
#include "parser_ext.h"
#include "probe.h"
#include "record.h"
#include "qdiscs.h"
#include "rings.h"
#include "vnetlat.h"
#include "vnetlat.skel.h"
#include "vnlfile.h"

struct vnl_file_softirq;

struct rec_state {
	struct vnetlat_bpf *skel;
	struct rings rings;
	struct vnl_writer w;
	struct devset devs;
	struct probe_result probe;
	struct bpf_link *links[VNL_PT_MAX];
	enum vnl_mech attached[VNL_PT_MAX];
	uint64_t events, last_lost;
	int write_err;
	uint8_t present[VNL_MAX_DEVS]; /* st->devs[i] exists now (devices come and go) */
	struct devset fresh;	       /* scratch for rescans */
	int devs_full_warned;
	unsigned int part;  /* rotation: the number of the file being written, 0 for OUT itself */
	uint64_t *agg_prev; /* aggregate mode: counts already written, per slot and bucket */
	uint64_t agg_last_ns;
	uint64_t *agg_cpu;	   /* one slot's per-CPU values */
	struct qdisc_watch qdiscs; /* the traced devices' qdiscs, into the recording */
	double keep_q;		   /* --keep-slow pQ: the quantile the threshold follows; 0: none */
	struct keep_sync keep;	   /* --keep-slow: the other kernel's part of kept packets */
	const struct rec_output *to;
	char last_kept[512]; /* the KEPT block last written */
	/* softirq.c: each CPU's running totals per vector as last written, a read's scratch */
	struct vnl_softirq *softirq_prev, *softirq_cur;
	struct vnl_file_softirq *softirq_rows;
	unsigned int softirq_ncpu;
	uint64_t softirq_last_ns;
	int first_said;	   /* the first packet's time was said */
	int attach_failed; /* a point the probe offered did not attach */
	int parser_ext;	   /* the tp_btf programs' parser is parser.bpf.c's (cfg.parser_ext) */
	struct parser_ext parser;
};

/* traced.c: the devices the options select, in the BPF maps; rescanned as they come and go */
int resolve_devices(struct rec_opts *o, struct devset *s);
int fill_maps(struct rec_state *st);
int rescan_devices(struct rec_state *st, const struct rec_opts *o);

/* attach.c: which program each point gets (after the probe), their settings, attaching */
void choose_programs(struct rec_state *st, const struct rec_opts *o);
int hop_recorded(const struct rec_state *st, const struct rec_opts *o, int h);
void fill_rodata(struct rec_state *st, const struct rec_opts *o,
		 const struct vnl_filter_insn *filter, unsigned int filter_len);
int attach_programs(struct rec_state *st);
void detach_all(struct rec_state *st);

/* blocks.c: what makes a file readable on its own, what closes it, the next of a run */
int write_description(struct rec_state *st, const struct rec_opts *o);
int write_lost(struct rec_state *st, const struct rec_opts *o, int force);
/* --keep-slow's totals (a KEPT block) when they changed, or force */
int write_kept(struct rec_state *st, const struct rec_opts *o, int force);
int write_trailer(struct rec_state *st, const struct rec_opts *o, const char *next);
int rotate(struct rec_state *st, const struct rec_opts *o);

/* softirq.c: each CPU's softirq time, a SOFTIRQ block a second (force: now) */
int softirq_init(struct rec_state *st);
int softirq_write(struct rec_state *st, int force);
void softirq_free(struct rec_state *st);

/* aggregate.c: the in-kernel histograms, as windows */
int agg_init(struct rec_state *st);
int write_slots(struct rec_state *st);
/* --keep-slow: slow packets sent whole [0], and those the ring had no room for [1] */
uint64_t agg_kept(struct rec_state *st, unsigned int which);
int agg_drain(struct rec_state *st);
int agg_write_drops(struct rec_state *st);
uint64_t agg_unrecorded(struct rec_state *st, __u32 cause);

#endif
