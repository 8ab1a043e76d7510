/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef VNL_PROBE_H
#define VNL_PROBE_H

#include "hoptab.h"
#include "vnlfile.h"

struct point_probe {
	enum vnl_mech mech;
	char why[256]; /* why unavailable */
};

struct probe_result {
	struct point_probe pt[VNL_PT_MAX];
	enum vnl_mech hop_mech[VNL_HOP_MAX];
	int hop_point[VNL_HOP_MAX]; /* the point a hop is attached through, -1 if unavailable */
	int fentry_ok, kprobe_ok, tp_btf_ok;
	int skb_loads;	/* enum vnl_skb_loads, for tp_btf and fentry programs */
	int parser_ext; /* one parser for all tp_btf programs (parser_ext.c) */
	char fentry_why[128], kprobe_why[96], parser_ext_why[96];
	int cached; /* taken from the probe cache (probecache.c) */
};

/*
 * Tries each mechanism by loading and attaching a tiny program, then each point's: a
 * tracepoint by loading (raw_tp: attaching) one, a function by loading an fentry program
 * against it, or finding it in /proc/kallsyms for a kprobe. thorough (vnetlat probe): each
 * function's fentry program is attached too, and its kprobe registered. no_kfunc: tracepoints
 * only.
 */
int probe_kernel(struct probe_result *r, int no_kfunc, int thorough);
/* probe_kernel's answer from the cache for this kernel and its modules, or probed and kept */
int probe_kernel_cached(struct probe_result *r, int no_kfunc);
/* A cached answer proved wrong (a point did not attach): the next start probes again. */
void probe_cache_forget(int no_kfunc);
const char *mech_name(enum vnl_mech m);
/* enum vnl_skb_loads as the probe prints it */
const char *skb_loads_name(int loads);
/* "tp_btf/net:net_dev_queue", "fentry/tun_net_xmit" */
void attach_desc(int point, enum vnl_mech m, char *buf, size_t size);
int cmd_probe(int argc, char **argv);

#endif
