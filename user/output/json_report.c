// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The breakdown as one JSON document: vnetlat report --json (the README lists its keys). */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "breakdown.h"
#include "format.h"
#include "hoptab.h"
#include "journey.h"
#include "json.h"
#include "outputs.h"
#include "recording.h"

static void json_stats(struct jw *w, const struct hist *h)
{
	size_t i;

	jw_u64(w, "count", h->count);
	for (i = 0; i < VNL_NPCTS; i++)
		jw_u64(w, vnl_pct_keys[i], hist_percentile(h, vnl_pcts[i]));
	jw_u64(w, "min_ns", h->min);
	jw_u64(w, "max_ns", h->max);
	jw_f64(w, "mean_ns", hist_mean(h));
}

static const char *finding_name(const struct finding *f)
{
	return f->seg ? f->seg->name : "end_to_end";
}

/* Which clock, and by how much: a step, a frequency. */
static void print_clock_change(struct jw *w, const struct vnl_event *e)
{
	char clk[32];
	int has;
	int64_t step = clock_event_step(e, &has);
	double ppm;

	jw_str(w, "clock", clock_event_clock(e, clk));
	if (has)
		jw_i64(w, "step_ns", step);
	ppm = clock_event_ppm(e, &has);
	if (has)
		jw_f64(w, "frequency_ppm", ppm);
}

/* Who stepped or slewed a clock, and when. */
static void print_clock_events(struct jw *w, const struct breakdown *b)
{
	size_t i;

	for (i = 0; i < b->nclock_events; i++) {
		const struct vnl_event *e = &b->clock_events[i];
		char wall[40];

		rec_wall_time(b->rec, e->ts_ns, wall, sizeof(wall));
		jw_obj_begin(w, NULL);
		jw_str(w, "time", wall);
		jw_u64(w, "ts_ns", e->ts_ns);
		jw_u64(w, "kernel", e->kernel);
		jw_u64(w, "pid", e->pid);
		jw_str(w, "syscall", clock_syscall_name(e->reason));
		print_clock_change(w, e);
		jw_obj_end(w);
	}
}

/* Each kernel's CPUs' softirq time over the whole recording, per vector. */
static void print_softirq_json(const struct recording *rec, struct jw *w)
{
	static const char *const vec_name[VNL_SOFTIRQ_SLOTS] = {[VNL_SOFTIRQ_NET_TX] = "net_tx",
								[VNL_SOFTIRQ_NET_RX] = "net_rx",
								[VNL_SOFTIRQ_OTHER] = "other"};
	struct total {
		uint64_t count, ns, max_ns;
	} * t;
	unsigned int k, cpu, v, ncpu = 0;
	size_t i;

	for (i = 0; i < rec->nsoftirq; i++)
		if (rec->softirq[i].cpu >= ncpu)
			ncpu = rec->softirq[i].cpu + 1u;
	if (!ncpu)
		return;
	t = calloc((size_t)ncpu * VNL_SOFTIRQ_SLOTS, sizeof(*t));
	if (!t)
		return;
	jw_arr_begin(w, "softirq");
	for (k = 0; k < (rec->nkernels ? rec->nkernels : 1) && k < REC_MAX_KERNELS; k++) {
		memset(t, 0, (size_t)ncpu * VNL_SOFTIRQ_SLOTS * sizeof(*t));
		for (i = 0; i < rec->nsoftirq; i++) {
			const struct rec_softirq *s = &rec->softirq[i];
			struct total *x = &t[(size_t)s->cpu * VNL_SOFTIRQ_SLOTS + s->vec];

			if (s->kernel != k)
				continue;
			x->count += s->count;
			x->ns += s->ns;
			x->max_ns = s->max_ns > x->max_ns ? s->max_ns : x->max_ns;
		}
		for (cpu = 0; cpu < ncpu; cpu++) {
			struct total *row = &t[(size_t)cpu * VNL_SOFTIRQ_SLOTS];

			if (!row[VNL_SOFTIRQ_NET_TX].count && !row[VNL_SOFTIRQ_NET_RX].count &&
			    !row[VNL_SOFTIRQ_OTHER].count)
				continue;
			jw_obj_begin(w, NULL);
			jw_u64(w, "kernel", k);
			jw_u64(w, "cpu", cpu);
			for (v = VNL_SOFTIRQ_NET_TX; v < VNL_SOFTIRQ_SLOTS; v++) {
				jw_obj_begin(w, vec_name[v]);
				jw_u64(w, "count", row[v].count);
				jw_u64(w, "ns", row[v].ns);
				jw_u64(w, "max_ns", row[v].max_ns);
				jw_obj_end(w);
			}
			jw_obj_end(w);
		}
	}
	jw_arr_end(w);
	free(t);
}

/* What happened around a kept packet: the VMM's CPU waits, drops, clock changes, softirqs. */
static void print_kept_around_json(const struct breakdown *b, const struct journey *j, struct jw *w)
{
	struct softirq_near s[2];
	struct near n;
	int side, c;

	breakdown_near_journey(b, j, &n);
	softirq_near(b->rec, j, s);
	jw_obj_begin(w, "around");
	jw_u64(w, "vmm_cpu_wait_ns", n.sched_ns);
	jw_u64(w, "vmm_cpu_wait_max_ns", n.sched_max_ns);
	jw_u64(w, "drops", n.drops);
	jw_u64(w, "clock_changes", n.clocks);
	jw_arr_begin(w, "softirq");
	for (side = 0; side < 2; side++) {
		if (!s[side].cpus)
			continue;
		jw_obj_begin(w, NULL);
		jw_str(w, "kernel", side ? "guest" : "host");
		jw_arr_begin(w, "cpus");
		for (c = 0; c < 64; c++)
			if (s[side].cpus >> c & 1)
				jw_u64(w, NULL, (uint64_t)c);
		jw_arr_end(w);
		jw_u64(w, "interval_ns", s[side].interval_ns);
		jw_u64(w, "net_rx_ns", s[side].ns[VNL_SOFTIRQ_NET_RX]);
		jw_u64(w, "net_rx_max_ns", s[side].max_ns[VNL_SOFTIRQ_NET_RX]);
		jw_u64(w, "net_tx_ns", s[side].ns[VNL_SOFTIRQ_NET_TX]);
		jw_u64(w, "net_tx_max_ns", s[side].max_ns[VNL_SOFTIRQ_NET_TX]);
		jw_u64(w, "other_ns", s[side].ns[VNL_SOFTIRQ_OTHER]);
		jw_u64(w, "other_max_ns", s[side].max_ns[VNL_SOFTIRQ_OTHER]);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_obj_end(w);
}

/* --keep-slow: what each kernel kept on its own and at the other's word. */
static void print_keep_counts_json(const struct recording *rec, struct jw *w)
{
	unsigned int k;

	jw_arr_begin(w, "by_kernel");
	for (k = 0; k < (rec->nkernels ? rec->nkernels : 1) && k < REC_MAX_KERNELS; k++) {
		const struct rec_keep *n = &rec->k[k].keep;

		if (!n->present)
			continue;
		jw_obj_begin(w, NULL);
		jw_u64(w, "kernel", k);
		jw_str(w, "hostname", k ? rec->k[k].hostname : rec->hostname);
		jw_str(w, "spec", k ? rec->k[k].keep_slow : rec->keep_slow);
		jw_u64(w, "kept", n->kept);
		jw_u64(w, "ring_full", n->ring_full);
		jw_u64(w, "over_rate", n->over_rate);
		jw_u64(w, "told", n->told);
		jw_u64(w, "asked", n->asked);
		jw_u64(w, "served", n->served);
		jw_u64(w, "already", n->already);
		jw_u64(w, "gone", n->gone);
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

/* --keep-slow: the kept packets, slowest first (up to 100), each with its segments. */
static void print_kept_json(const struct breakdown *b, struct jw *w)
{
	char wall[40], flow[128], seg[80], fp[20];
	size_t i;
	int h;

	if (!b->rec->keep_slow[0])
		return;
	jw_obj_begin(w, "kept");
	jw_str(w, "spec", b->rec->keep_slow);
	jw_u64(w, "sent", b->rec->kept);
	jw_u64(w, "ring_full", b->rec->kept_lost);
	jw_u64(w, "over_rate", b->rec->kept_over_rate);
	jw_u64(w, "complete", b->kept_seen);
	print_keep_counts_json(b->rec, w);
	jw_arr_begin(w, "packets");
	for (i = 0; i < b->nkept && i < 100; i++) {
		const struct journey *j = &b->kept[i];

		rec_wall_time(b->rec, j->ts[0], wall, sizeof(wall));
		group_key(BY_FLOW, b->rec, j, flow, sizeof(flow));
		jw_obj_begin(w, NULL);
		jw_str(w, "direction", dir_name(j->dir));
		jw_str(w, "time", wall);
		jw_u64(w, "ts_ns", j->ts[0]);
		jw_str(w, "flow", flow);
		snprintf(fp, sizeof(fp), "%016" PRIx64, j->fp);
		jw_str(w, "fp", fp); /* as dump spells it */
		jw_str(w, "kernels", kept_kernels(j));
		if (kept_missing(b->rec, j))
			jw_str(w, "missing", kept_missing(b->rec, j));
		jw_i64(w, "end_to_end_ns", ts_diff(j->ts[j->nhops - 1], j->ts[0]));
		print_kept_around_json(b, j, w);
		jw_arr_begin(w, "segments");
		for (h = 1; h < j->nhops; h++) {
			jw_obj_begin(w, NULL);
			jw_str(w, "name",
			       segment_name(j->hops[h - 1], j->hops[h], seg, sizeof(seg)));
			jw_i64(w, "ns", ts_diff(j->ts[h], j->ts[h - 1]));
			jw_obj_end(w);
		}
		jw_arr_end(w);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_obj_end(w);
}

static void json_row_keys(struct jw *w, int row)
{
	jw_str(w, "direction", vnl_rows[row].direction);
	if (row >= ROW_RT_REMOTE)
		jw_str(w, "initiator", vnl_rows[row].initiator);
}

static void json_begin(void *ctx, int row, const struct dir_agg *d)
{
	struct jw *w = ctx;

	jw_obj_begin(w, NULL);
	json_row_keys(w, row);
	jw_u64(w, "packets", d->packets);
	jw_u64(w, "complete", d->complete);
	jw_u64(w, "partial", d->partial);
	jw_u64(w, "lost_hops", d->incomplete);
	jw_u64(w, "dropped", d->dropped);
	jw_arr_begin(w, "segments");
}

static void json_segment(void *ctx, const struct seg_view *v)
{
	struct jw *w = ctx;

	jw_obj_begin(w, NULL);
	jw_str(w, "name", v->s->name);
	jw_str(w, "from", hop_name(v->s->from));
	jw_str(w, "to", hop_name(v->s->to));
	jw_bool(w, "tied", v->tied);
	jw_bool(w, "cross_kernel", v->crosses);
	json_stats(w, &v->s->h);
	jw_f64(w, "share", v->share);
	jw_obj_end(w);
}

static void json_end_to_end(void *ctx, const struct hist *h)
{
	struct jw *w = ctx;

	jw_arr_end(w);
	jw_obj_begin(w, "end_to_end");
	json_stats(w, h);
	jw_obj_end(w);
}

static void json_boundary(void *ctx, const struct hist *h, uint64_t max_mismatch_ns)
{
	struct jw *w = ctx;

	jw_obj_begin(w, "boundary_exact");
	jw_str(w, "name", VNL_SEG_BOUNDARY);
	json_stats(w, h);
	jw_u64(w, "max_mismatch_ns", max_mismatch_ns);
	jw_obj_end(w);
}

static void json_table_end(void *ctx, int tied, int crosses)
{
	jw_arr_begin(ctx, "lost_hops_after");
}

static void json_lost_after(void *ctx, unsigned int hop, uint64_t count)
{
	struct jw *w = ctx;

	jw_obj_begin(w, NULL);
	jw_str(w, "hop", hop_name(hop));
	jw_u64(w, "count", count);
	jw_obj_end(w);
}

static void json_lost_end(void *ctx)
{
	jw_arr_end(ctx);
	jw_arr_begin(ctx, "drops");
}

static void json_drop(void *ctx, unsigned int hop, const char *reason, uint64_t count)
{
	struct jw *w = ctx;

	jw_obj_begin(w, NULL);
	jw_str(w, "after", hop_name(hop));
	jw_str(w, "reason", reason);
	jw_u64(w, "count", count);
	jw_obj_end(w);
}

static void json_end(void *ctx)
{
	struct jw *w = ctx;

	jw_arr_end(w);
	jw_obj_end(w);
}

static const struct row_visitor json_rows = {
    .begin = json_begin,
    .segment = json_segment,
    .end_to_end = json_end_to_end,
    .boundary = json_boundary,
    .table_end = json_table_end,
    .lost_after = json_lost_after,
    .lost_end = json_lost_end,
    .drop = json_drop,
    .end = json_end,
};

static void print_group_json(const struct breakdown *b, struct jw *w, const struct group *g)
{
	int row;

	jw_arr_begin(w, "directions");
	for (row = 0; row < ROW_MAX; row++)
		if (g->dirs[row].packets || row < ROW_RT_REMOTE)
			breakdown_walk_row(b, row, &g->dirs[row], &json_rows, w);
	jw_arr_end(w);
}

static void json_guest_clock(struct jw *w, const char *key, const struct rec_kernel *k)
{
	jw_obj_begin(w, key);
	jw_str(w, "source", k->ptp ? "ptp" : "estimated");
	if (k->ptp) {
		jw_i64(w, "offset_ns", 0);
		jw_bool(w, "estimate_agrees", k->clock.valid && !clock_ptp_disagrees(k));
		if (k->clock.valid) {
			jw_i64(w, "estimated_offset_ns", k->clock.offset_ns);
			jw_u64(w, "bound_ns", (uint64_t)k->clock.bound_ns);
			jw_f64(w, "drift_ppm", k->clock.drift * 1e6);
		}
	} else if (k->clock.valid) {
		jw_i64(w, "offset_ns", k->clock.offset_ns);
		jw_u64(w, "bound_ns", (uint64_t)k->clock.bound_ns);
		jw_f64(w, "drift_ppm", k->clock.drift * 1e6);
		if (k->clock.drift_bound >= 0) /* the drifts every sample allows */
			jw_f64(w, "drift_bound_ppm", k->clock.drift_bound * 1e6);
		else
			jw_null(w, "drift_bound_ppm");
	} else {
		jw_null(w, "offset_ns");
		jw_null(w, "bound_ns");
		jw_null(w, "drift_ppm");
		jw_null(w, "drift_bound_ppm");
	}
	jw_u64(w, "link_exchanges", k->link_samples);
	jw_u64(w, "packet_samples", k->traffic_samples);
	jw_u64(w, "windows", k->clock.windows);
	jw_u64(w, "windows_not_bounded", k->clock.loose_windows); /* outside bound_ns */
	jw_u64(w, "samples_contradicting", k->clock.outliers);	  /* left out */
	jw_obj_end(w);
}

static void print_clock_json(struct jw *w, const struct recording *rec)
{
	unsigned int k;

	if (rec->nkernels < 2) {
		jw_obj_begin(w, "clock");
		jw_str(w, "source", rec->clock[0] ? rec->clock : "monotonic");
		jw_obj_end(w);
		return;
	}
	json_guest_clock(w, "clock", &rec->k[1]); /* the first guest; all of them below */
	jw_arr_begin(w, "guests");
	for (k = 1; k < rec->nkernels; k++) {
		const struct rec_kernel *g = &rec->k[k];

		jw_obj_begin(w, NULL);
		jw_u64(w, "kernel_id", k);
		jw_str(w, "hostname", g->hostname);
		jw_str(w, "kernel", g->kernel);
		jw_u64(w, "events", g->events);
		jw_u64(w, "lost_events", g->lost_total);
		jw_u64(w, "lost_link_spool", g->lost_spool);
		jw_u64(w, "events_before_start", g->before_start); /* left out */
		jw_bool(w, "closed_cleanly", g->ended);
		json_guest_clock(w, "clock", g);
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

static void print_spikes_json(const struct breakdown *b, struct jw *w)
{
	const struct finding *worst = timeline_worst(&b->tl);
	size_t i, k;

	jw_arr_begin(w, "spikes");
	for (i = 0; i < b->tl.n; i++) {
		const struct finding *f = &b->tl.f[i];

		if (!f->seg || !f->spikes.n)
			continue;
		jw_obj_begin(w, NULL);
		json_row_keys(w, f->row);
		jw_str(w, "segment", f->seg->name);
		jw_bool(w, "headline", f == worst); /* the layer the text's SPIKES line names */
		jw_str(w, "from", hop_name(f->seg->from));
		jw_str(w, "to", hop_name(f->seg->to));
		if (f->spikes.period > 0)
			jw_f64(w, "period_s", f->spikes.period * (double)b->o.window_ns / 1e9);
		else
			jw_null(w, "period_s");
		jw_u64(w, "magnitude_ns", (uint64_t)f->spikes.magnitude);
		jw_u64(w, "baseline_p99_ns", (uint64_t)f->spikes.baseline);
		jw_arr_begin(w, "times_s");
		for (k = 0; k < f->spikes.n; k++)
			jw_f64(w, NULL, breakdown_window_mid_s(b, f->spikes.at[k]));
		jw_arr_end(w);
		jw_arr_begin(w, "near");
		for (k = 0; k < f->spikes.n; k++) {
			struct near n;

			breakdown_near(b, f->spikes.at[k], f->spikes.end[k], &n);
			jw_obj_begin(w, NULL);
			jw_f64(w, "time_s", breakdown_window_mid_s(b, f->spikes.at[k]));
			jw_u64(w, "drops", n.drops);
			jw_u64(w, "clock_events", n.clocks);
			jw_u64(w, "vmm_sched_delay_ns", n.sched_ns);
			jw_u64(w, "vmm_sched_delay_max_ns", n.sched_max_ns);
			jw_u64(w, "vmm_sched_delay_usual_ns", n.sched_usual_ns);
			if (n.ptp4l_asked) {
				jw_u64(w, "ptp4l_state_changes", n.ptp4l_changes);
				jw_u64(w, "ptp4l_master_offset_abs_max_ns", n.ptp4l_offset_max_ns);
			}
			jw_obj_end(w);
		}
		jw_arr_end(w);
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

static void print_trends_json(const struct breakdown *b, struct jw *w)
{
	size_t i;

	jw_arr_begin(w, "trend");
	for (i = 0; i < b->tl.n; i++) {
		const struct finding *f = &b->tl.f[i];

		if (!f->have_trend)
			continue;
		jw_obj_begin(w, NULL);
		json_row_keys(w, f->row);
		jw_str(w, "segment", finding_name(f));
		jw_f64(w, "slope_ns_per_min", f->slope_ns_per_min);
		jw_f64(w, "r2", f->r2);
		jw_bool(w, "notable", timeline_trend_notable(&b->tl, f));
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

static void json_window_stats(struct jw *w, const struct hist *h)
{
	jw_u64(w, "count", h->count);
	jw_u64(w, "p50_ns", hist_percentile(h, 50));
	jw_u64(w, "p99_ns", hist_percentile(h, 99));
	jw_u64(w, "max_ns", h->max);
}

static void print_windows_json(const struct breakdown *b, struct jw *w)
{
	size_t i, k;
	int row;

	jw_u64(w, "window_ns", b->o.window_ns);
	if (b->o.from_ns || b->o.to_ns) { /* report --time: only what began in this range */
		jw_obj_begin(w, "time_range");
		jw_f64(w, "from_s", (double)b->o.from_ns / 1e9);
		if (b->o.to_ns)
			jw_f64(w, "to_s", (double)b->o.to_ns / 1e9);
		else
			jw_null(w, "to_s");
		jw_obj_end(w);
	}
	if (b->window_asked_ns) /* the run was too long for that many: windows merged */
		jw_u64(w, "window_asked_ns", b->window_asked_ns);
	jw_arr_begin(w, "windows");
	for (i = 0; i < b->nwindows; i++) {
		const struct group *g = b->windows[i];
		char wall[40];

		if (!g)
			continue;
		rec_wall_time(b->rec, breakdown_window_start_ns(b, i), wall, sizeof(wall));
		jw_obj_begin(w, NULL);
		jw_str(w, "start", wall);
		jw_f64(w, "start_s", breakdown_window_start_s(b, i));
		jw_arr_begin(w, "directions");
		for (row = 0; row < ROW_MAX; row++) {
			const struct dir_agg *d = &g->dirs[row];

			if (!d->packets)
				continue;
			jw_obj_begin(w, NULL);
			json_row_keys(w, row);
			jw_u64(w, "dropped", d->dropped);
			jw_obj_begin(w, "end_to_end");
			json_window_stats(w, &d->e2e);
			jw_obj_end(w);
			jw_arr_begin(w, "segments");
			for (k = 0; k < d->nsegs; k++) {
				jw_obj_begin(w, NULL);
				jw_str(w, "name", d->segs[k].name);
				json_window_stats(w, &d->segs[k].h);
				jw_obj_end(w);
			}
			jw_arr_end(w);
			jw_obj_end(w);
		}
		jw_arr_end(w);
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

/* An object of per-hop counts, the hops with none left out. */
static void json_per_hop(struct jw *w, const char *key, const uint64_t counts[VNL_HOP_MAX])
{
	unsigned int h;

	jw_obj_begin(w, key);
	for (h = 0; h < VNL_HOP_MAX; h++)
		if (counts[h])
			jw_u64(w, hop_name(h), counts[h]);
	jw_obj_end(w);
}

/* What became of every event and every journey: the counts the README explains. */
static void print_accounting_json(struct jw *w, const struct jstats *js)
{
	static const struct {
		const char *key;
		size_t off;
	} counts[] = {
#define JS(f) {#f, offsetof(struct jstats, f)}
	    JS(complete),      JS(partial),    JS(lost),	  JS(dropped),
	    JS(joined),	       JS(refused),    JS(refused_ties),  JS(unparsed),
	    JS(held),	       JS(stall_ends), JS(pairs_by_echo), JS(unmatched_replies),
	    JS(retransmitted), JS(covered),    JS(overflow),
#undef JS
	};
	size_t i;

	for (i = 0; i < sizeof(counts) / sizeof(counts[0]); i++)
		jw_u64(w, counts[i].key, *(const uint64_t *)((const char *)js + counts[i].off));
	jw_u64(w, "unanswered", js->unpaired_expired);
	json_per_hop(w, "refused_by_hop", js->refused_by_hop);
}

/* ptp4l's state per kernel that asked it: answers, state changes, master offset, path delay. */
static void print_ptp4l_json(const struct breakdown *b, struct jw *w)
{
	struct ptp4l_summary s;
	unsigned int k;
	size_t i;

	jw_arr_begin(w, "ptp4l");
	for (k = 0; k < b->rec->nkernels; k++) {
		if (ptp4l_summarize(b, k, &s))
			continue;
		jw_obj_begin(w, NULL);
		jw_u64(w, "kernel", k);
		jw_u64(w, "answers", s.samples);
		jw_str(w, "port_state", ptp_state_name(s.state));
		jw_arr_begin(w, "state_changes");
		for (i = 0; i < s.nchanges; i++) {
			jw_obj_begin(w, NULL);
			jw_f64(w, "time_s", s.changes[i].time_s);
			jw_str(w, "from", ptp_state_name(s.changes[i].from));
			jw_str(w, "to", ptp_state_name(s.changes[i].to));
			jw_obj_end(w);
		}
		jw_arr_end(w);
		jw_u64(w, "master_offsets", s.offsets);
		jw_u64(w, "master_offset_abs_p50_ns", s.offset_abs_p50_ns);
		jw_u64(w, "master_offset_abs_max_ns", s.offset_abs_max_ns);
		jw_f64(w, "master_offset_abs_max_at_s", s.offset_abs_max_at_s);
		jw_u64(w, "path_delay_p50_ns", s.path_delay_p50_ns);
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

/* PTP: per direction and message type, the hops' latency and the classes its messages had. */
static void print_ptp_json(const struct breakdown *b, struct jw *w)
{
	int dir, type;
	size_t i;

	jw_obj_begin(w, "ptp");
	jw_u64(w, "messages", b->ptp_messages);
	jw_bool(w, "sampled", b->rec->aggregate);
	jw_u64(w, "udp_event_messages_queued", b->ptp_udp_events_queued);
	jw_u64(w, "udp_event_messages_at_priority_0", b->ptp_udp_events_prio0);
	if (b->ptp_prio0_class[0])
		jw_str(w, "priority_0_class", b->ptp_prio0_class);
	if (b->ptp_higher_class[0])
		jw_str(w, "higher_class", b->ptp_higher_class);
	jw_arr_begin(w, "types");
	for (dir = 0; dir < VNL_DIR_ANY; dir++) {
		for (type = 0; type < 16; type++) {
			const struct dir_agg *d = &b->ptp[dir][type];

			if (!d->packets)
				continue;
			jw_obj_begin(w, NULL);
			jw_str(w, "direction", dir_name(dir));
			jw_str(w, "type", ptp_type_name((unsigned int)type));
			jw_u64(w, "messages", d->packets);
			jw_u64(w, "complete", d->complete);
			jw_u64(w, "dropped", d->dropped);
			jw_obj_begin(w, "end_to_end");
			json_stats(w, &d->e2e);
			jw_obj_end(w);
			jw_arr_begin(w, "segments");
			for (i = 0; i < d->nsegs; i++) {
				jw_obj_begin(w, NULL);
				jw_str(w, "name", d->segs[i].name);
				jw_str(w, "from", hop_name(d->segs[i].from));
				jw_str(w, "to", hop_name(d->segs[i].to));
				json_stats(w, &d->segs[i].h);
				jw_obj_end(w);
			}
			jw_arr_end(w);
			jw_arr_begin(w, "classes");
			for (i = 0; i < d->nclasses; i++) {
				jw_obj_begin(w, NULL);
				jw_str(w, "hop", hop_name(d->classes[i].hop));
				jw_u64(w, "prio", d->classes[i].prio);
				jw_u64(w, "queue", d->classes[i].queue);
				jw_u64(w, "count", d->classes[i].count);
				jw_obj_end(w);
			}
			jw_arr_end(w);
			jw_obj_end(w);
		}
	}
	jw_arr_end(w);
	jw_obj_begin(w, "delay_pairs"); /* Delay_Req/Delay_Resp (and Pdelay) round trips */
	json_stats(w, &b->ptp_pairs.e2e);
	jw_obj_end(w);
	jw_obj_end(w);
	print_ptp4l_json(b, w);
}

/* What the recording is: packets or aggregate, and what aggregate mode did not record. */
static void json_mode(struct jw *w, const struct recording *rec)
{
	jw_str(w, "mode", rec->aggregate ? "aggregate" : "packets");
	jw_u64(w, "sample", rec->sample);
	if (rec->aggregate) {
		jw_obj_begin(w,
			     "aggregate_unrecorded"); /* samples not in the histograms, by cause */
		jw_u64(w, "evicted", rec->agg_evicted);
		jw_u64(w, "unfinished", rec->agg_unfinished);
		jw_u64(w, "outside_table", rec->agg_outside_table);
		jw_obj_end(w);
		jw_u64(w, "aggregate_evicted", rec->agg_evicted); /* as before: evicted alone */
	}
}

/* The recording itself: its file, host, interfaces, hops, what changed and what was damaged. */
static void json_recording(struct jw *w, const struct breakdown *b)
{
	const struct recording *rec = b->rec;
	size_t i;
	int h;

	jw_obj_begin(w, "recording");
	jw_str(w, "file", rec->path);
	jw_u64(w, "files", rec->nparts);
	jw_str(w, "hostname", rec->hostname);
	jw_str(w, "kernel", rec->kernel);
	jw_str(w, "vnetlat_version", rec->version);
	jw_str(w, "filter", rec->filter);
	jw_u64(w, "realtime_ns", rec->realtime_ns);
	jw_u64(w, "monotonic_ns", rec->monotonic_ns);
	jw_bool(w, "closed_cleanly", rec->ended);
	jw_u64(w, "events", rec->events);
	jw_u64(w, "late_events", rec->late_events);
	json_per_hop(w, "events_by_hop", b->events_by_hop);
	jw_arr_begin(w, "interfaces");
	for (i = 0; i < rec->nifaces; i++) {
		const struct vnl_file_iface *d = &rec->ifaces[i];

		jw_obj_begin(w, NULL);
		jw_str(w, "name", d->name);
		jw_u64(w, "ifindex", d->ifindex);
		jw_str(w, "role", role_name(d->role));
		if (d->vm_pid) {
			char worker[16];
			uint32_t wtid = rec_vhost_worker(rec, d->vm_pid, worker, sizeof(worker));

			jw_u64(w, "vm_pid", d->vm_pid);
			jw_str(w, "vm_name", d->vm_name);
			if (wtid) {
				jw_obj_begin(w, "vhost_worker");
				jw_str(w, "name", worker);
				jw_u64(w, "pid", wtid);
				jw_obj_end(w);
			}
		}
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_obj_begin(w, "attached");
	for (h = 0; h < VNL_HOP_MAX; h++)
		if (rec->have_hops && rec->hops[h].mech != VNL_MECH_NONE)
			jw_str(w, hop_name((unsigned int)h), rec->hops[h].attach);
	jw_obj_end(w);
	/* attached, yet never fired (kvm.* under software emulation, say) */
	jw_arr_begin(w, "not_observed");
	for (h = 0; h < VNL_HOP_MAX; h++)
		if (rec->have_hops && rec->hops[h].mech != VNL_MECH_NONE && !b->events_by_hop[h])
			jw_str(w, NULL, hop_name((unsigned int)h));
	jw_arr_end(w);
	jw_arr_begin(w, "device_changes");
	for (i = 0; i < rec->ndevevents; i++) {
		const struct vnl_file_devevent *d = &rec->devevents[i];
		char wall[40];

		rec_wall_time(rec, d->ts_ns, wall, sizeof(wall));
		jw_obj_begin(w, NULL);
		jw_str(w, "time", wall);
		jw_u64(w, "ts_ns", d->ts_ns);
		jw_str(w, "iface", d->name);
		jw_u64(w, "ifindex", d->ifindex);
		jw_str(w, "change", d->kind == VNL_DEV_APPEARED ? "appeared" : "disappeared");
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_arr_begin(w, "damage");
	for (i = 0; i < rec->ndamage; i++) {
		jw_obj_begin(w, NULL);
		jw_u64(w, "file", rec->damage[i].part);
		jw_u64(w, "offset", rec->damage[i].offset);
		jw_u64(w, "skipped_bytes", rec->damage[i].skipped);
		jw_str(w, "what", rec->damage[i].what);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_obj_end(w);
}

/* What became of the events and journeys. */
static void json_journeys(struct jw *w, const struct jstats *js)
{
	jw_obj_begin(w, "journeys");
	jw_u64(w, "total", js ? js->journeys : 0);
	jw_u64(w, "cross_kernel", js ? js->cross_kernel : 0);
	jw_u64(w, "round_trips", js ? js->round_trips : 0);
	jw_u64(w, "ambiguous_joins", js ? js->ambiguous : 0);
	jw_u64(w, "drops_without_journey", js ? js->orphan_drops : 0);
	jw_u64(w, "packetless_hops", js ? js->packetless : 0);
	jw_u64(w, "packetless_tied", js ? js->packetless_tied : 0);
	if (js)
		print_accounting_json(w, js);
	jw_obj_end(w);
}

int write_json(const struct breakdown *b, FILE *f)
{
	const struct recording *rec = b->rec;
	struct jw jw, *w = &jw;
	size_t i;

	jw_init(w, f);
	jw_obj_begin(w, NULL);
	jw_u64(w, "version", 1);
	json_mode(w, rec);
	jw_u64(w, "lost_events", rec->lost_total);
	json_per_hop(w, "lost_by_hop", rec->lost_by_hop);
	json_recording(w, b);
	print_clock_json(w, rec);
	jw_arr_begin(w, "clock_events");
	print_clock_events(w, b);
	jw_arr_end(w);
	json_journeys(w, b->stats);
	jw_obj_begin(w, "vmm_sched_delay"); /* the VMM threads' waits for a CPU, >= 20 us each */
	jw_u64(w, "count", b->all.sched_n);
	jw_u64(w, "total_ns", b->all.sched_ns);
	jw_u64(w, "max_ns", b->all.sched_max_ns);
	jw_obj_end(w);
	print_group_json(b, w, &b->all);
	print_ptp_json(b, w);
	print_kept_json(b, w);
	print_softirq_json(b->rec, w);
	print_spikes_json(b, w);
	print_trends_json(b, w);
	print_windows_json(b, w);
	if (b->nclasses > 1) { /* the class each packet was queued in, named by the qdisc */
		jw_arr_begin(w, "classes");
		for (i = 0; i < b->nclasses; i++) {
			jw_obj_begin(w, NULL);
			jw_str(w, "class", b->classes[i]->key);
			print_group_json(b, w, b->classes[i]);
			jw_obj_end(w);
		}
		jw_arr_end(w);
	}
	if (b->o.by != BY_NONE) {
		jw_str(w, "by", group_by_name(b->o.by));
		jw_arr_begin(w, "groups");
		for (i = 0; i < b->ngroups; i++) {
			jw_obj_begin(w, NULL);
			jw_str(w, "key", b->order[i]->key);
			print_group_json(b, w, b->order[i]);
			jw_obj_end(w);
		}
		jw_arr_end(w);
	}
	jw_obj_end(w);
	jw_newline(w);
	return ferror(f) ? -EIO : 0;
}
