// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The programs: one per attach point and mechanism, their settings, attaching them. */
#define _GNU_SOURCE
#include <time.h>
#include <unistd.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "arch.h"
#include "recorder.h"
#include "util.h"
#include "hoptab.h"

/* The program attaching point p through mechanism m (VNL_TP_POINTS, VNL_FN_POINTS). */
static struct bpf_program *point_prog(const struct rec_state *st, int p, enum vnl_mech m)
{
	const struct vnetlat_bpf *skel = st->skel;

	switch (p) {
#define TP_PROG(id, fn)                                                                            \
	case VNL_PT_##id:                                                                          \
		return m == VNL_MECH_TP_BTF   ? skel->progs.btf_##fn                               \
		       : m == VNL_MECH_RAW_TP ? skel->progs.raw_##fn                               \
					      : NULL;
#define FN_PROG(id, fn)                                                                            \
	case VNL_PT_##id:                                                                          \
		return m == VNL_MECH_FENTRY   ? skel->progs.fentry_##fn                            \
		       : m == VNL_MECH_KPROBE ? skel->progs.kprobe_##fn                            \
					      : NULL;
		VNL_TP_POINTS(TP_PROG)
		VNL_FN_POINTS(FN_PROG)
#undef TP_PROG
#undef FN_PROG
	default:
		return NULL;
	}
}

static int want_clock_events(const struct rec_opts *o)
{
	if (o->clock_events)
		return o->clock_events > 0;
	return o->side == VNL_SIDE_GUEST || o->clock_tai;
}

/* Kinds of hop a switch turns off: drops, clock events, the VMM's CPU waits. */
static int kind_wanted(const struct rec_opts *o, enum vnl_hop_kind kind)
{
	switch (kind) {
	case VNL_KIND_DROP:
		return !o->no_drops;
	case VNL_KIND_CLOCK:
		return want_clock_events(o);
	case VNL_KIND_SCHED:
		return !o->no_sched;
	default:
		return 1;
	}
}

/* A point is attached if a hop uses it, through the mechanism the probe chose. */
void choose_programs(struct rec_state *st, const struct rec_opts *o)
{
	struct bpf_object *obj = st->skel->obj;
	struct bpf_program *prog;
	int p, h;

	bpf_object__for_each_program(prog, obj) bpf_program__set_autoload(prog, false);
	for (h = 0; h < VNL_HOP_MAX; h++) {
		int pt = st->probe.hop_point[h];

		int companion = hop_companion((unsigned int)h);

		if (pt < 0 || !kind_wanted(o, vnl_hops[h].kind) || !(vnl_hops[h].side & o->side))
			continue;
		st->attached[pt] = st->probe.pt[pt].mech;
		if (pt == vnl_hops[h].fn_point && hop_both_points((unsigned int)h) &&
		    vnl_hops[h].point >= 0)
			st->attached[vnl_hops[h].point] = st->probe.pt[vnl_hops[h].point].mech;
		if (companion >= 0)
			st->attached[companion] = st->probe.pt[companion].mech;
	}
	/* no hop: each CPU's softirq time, the context of the packets that crossed it */
	if (!o->no_sched) {
		st->attached[VNL_PT_SOFTIRQ_ENTRY] = st->probe.pt[VNL_PT_SOFTIRQ_ENTRY].mech;
		st->attached[VNL_PT_SOFTIRQ_EXIT] = st->probe.pt[VNL_PT_SOFTIRQ_EXIT].mech;
	}
	for (p = 0; p < VNL_PT_MAX; p++) {
		if (st->attached[p] == VNL_MECH_NONE)
			continue;
		prog = point_prog(st, p, st->attached[p]);
		if (prog)
			bpf_program__set_autoload(prog, true);
		else
			st->attached[p] = VNL_MECH_NONE;
	}
}

/* Whether hop h is recorded: a hop of our side whose point is attached. */
int hop_recorded(const struct rec_state *st, const struct rec_opts *o, int h)
{
	int pt = st->probe.hop_point[h];

	return pt >= 0 && st->attached[pt] != VNL_MECH_NONE && (vnl_hops[h].side & o->side);
}

void fill_rodata(struct rec_state *st, const struct rec_opts *o,
		 const struct vnl_filter_insn *filter, unsigned int filter_len)
{
	struct vnetlat_bpf__rodata *ro = st->skel->rodata;
	int h, r;

	for (h = 0; h < VNL_HOP_MAX; h++) {
		const struct hop_info *hi = &vnl_hops[h];
		int pt = st->probe.hop_point[h];

		if (!hop_recorded(st, o, h))
			continue;
		if (hi->kind == VNL_KIND_CLOCK) { /* shares sys_enter with guest.app_send */
			static const long clock_nrs[] = VNL_ARCH_CLOCK_NRS;

			ro->cfg.clock_hop = (__u16)(h + 1);
			for (r = 0; r < (int)ARRAY_SIZE(clock_nrs); r++)
				ro->cfg.clock_nr[r] = clock_nrs[r];
			continue;
		}
		if (hi->packetless) {
			ro->hop_of[pt][VNL_ROLE_NONE] = (__u16)(h + 1);
			continue;
		}
		if (pt == hi->fn_point && hop_both_points((unsigned int)h) && hi->point >= 0 &&
		    st->attached[hi->point] != VNL_MECH_NONE)
			ro->hop_of[hi->point][hi->role] = (__u16)(h + 1);
		for (r = VNL_ROLE_UPLINK; r < VNL_ROLE_MAX; r++)
			if (hi->role == VNL_ROLE_NONE || hi->role == r)
				ro->hop_of[pt][r] = (__u16)(h + 1);
	}
	for (h = 0; h < VNL_HOP_MAX; h++)
		for (r = 0; r < VNL_HOP_MAX; r++)
			ro->seg_of[h][r] = (__u8)segment_slot((unsigned int)h, (unsigned int)r);
	{
		int attached[VNL_HOP_MAX], roles[VNL_ROLE_MAX] = {0}, final[VNL_DIR_MAX], d;
		unsigned int i;

		for (h = 0; h < VNL_HOP_MAX; h++)
			attached[h] = hop_recorded(st, o, h);
		for (i = 0; i < st->devs.n; i++)
			roles[st->devs.dev[i].role] = 1;
		final_hops(attached, roles, final);
		for (d = 0; d < VNL_DIR_MAX; d++)
			ro->final_of[d] = final[d] < 0 ? VNL_HOP_NONE : (__u16) final[d];
	}
	ro->cfg.mode = (__u8)o->mode;
	ro->cfg.sample_n = o->sample;
	ro->cfg.keep_slow = o->keep_spec != NULL;
	ro->cfg.keep_seg_mask = o->keep_seg_mask;
	/* pQ keeps 100 - Q percent: twice that (a burst aside) is the most it sends */
	ro->cfg.keep_rate_ppm = o->keep_q > 0 ? (__u32)(2 * (100.0 - o->keep_q) * 10000.0) : 0;
	for (r = 0; r < VNL_DIR_MAX; r++) /* a quantile's threshold waits for its histogram */
		st->skel->data->keep_ns[r] = o->keep_q > 0 ? ~0ULL : o->keep_ns;
	memcpy((void *)ro->cfg.filter, filter, sizeof(*filter) * filter_len);
	ro->cfg.filter_len = filter_len;
	ro->cfg.filter_vms = o->side == VNL_SIDE_HOST;
	ro->cfg.self_tgid = (__u32)getpid();
	ro->cfg.clock_tai = vnl_event_clock == CLOCK_TAI;
	ro->cfg.skb_loads = (__u8)st->probe.skb_loads;
	ro->cfg.parser_ext = (__u8)st->parser_ext;
	if (o->side == VNL_SIDE_GUEST) {
		static const long send_nrs[] = VNL_ARCH_SEND_NRS;

		for (r = 0; r < (int)ARRAY_SIZE(send_nrs); r++)
			ro->cfg.send_nr[r] = send_nrs[r];
	}
}

int attach_programs(struct rec_state *st)
{
	int p, n = 0;

	for (p = 0; p < VNL_PT_MAX; p++) {
		struct bpf_program *prog;

		if (st->attached[p] == VNL_MECH_NONE)
			continue;
		prog = point_prog(st, p, st->attached[p]);
		st->links[p] = prog ? bpf_program__attach(prog) : NULL;
		if (!st->links[p]) {
			vnl_warn("prog '%s': failed to attach: %s; hops on %s are not recorded",
				 prog ? bpf_program__name(prog) : "?", strerror(errno),
				 vnl_points[p].name);
			st->attached[p] = VNL_MECH_NONE;
			st->attach_failed = 1;
			continue;
		}
		n++;
	}
	return n ? 0 : -ENOENT;
}

void detach_all(struct rec_state *st)
{
	int p;

	for (p = 0; p < VNL_PT_MAX; p++) {
		bpf_link__destroy(st->links[p]);
		st->links[p] = NULL;
	}
}
