// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The breakdown as text for people: the default output of vnetlat report. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "breakdown.h"
#include "format.h"
#include "hoptab.h"
#include "journey.h"
#include "outputs.h"
#include "recording.h"

static void print_stats_row(FILE *f, const char *name, const char *from, const char *to,
			    const struct hist *h, double share)
{
	char v[6][16];
	size_t i;

	for (i = 0; i < 4; i++)
		fmt_ns(hist_percentile(h, vnl_pcts[i]), v[i], sizeof(v[i]));
	fmt_ns(h->max, v[4], sizeof(v[4]));
	fprintf(f, "  %-30s %-21s %-21s %8" PRIu64 " %9s %9s %9s %9s %9s", name, from, to, h->count,
		v[0], v[1], v[2], v[3], v[4]);
	if (share >= 0)
		fprintf(f, " %5.1f%%", share * 100.0);
	fputc('\n', f);
}

struct row_text {
	FILE *f;
	int row;
	const struct dir_agg *d;
};

static void text_begin(void *ctx, int row, const struct dir_agg *d)
{
	struct row_text *t = ctx;

	t->row = row;
	t->d = d;
	if (row >= ROW_RT_REMOTE)
		fprintf(t->f, "\nround_trip (initiator %s): %" PRIu64 " round trips\n",
			vnl_rows[row].initiator, d->packets);
	else
		fprintf(t->f,
			"\n%s: %" PRIu64 " packets (%" PRIu64 " complete, %" PRIu64
			" partial, %" PRIu64 " lost hops, %" PRIu64 " dropped)\n",
			vnl_rows[row].direction, d->packets, d->complete, d->partial, d->incomplete,
			d->dropped);
	if (d->complete)
		fprintf(t->f, "  %-30s %-21s %-21s %8s %9s %9s %9s %9s %9s %6s\n", "SEGMENT",
			"FROM", "TO", "COUNT", "P50", "P90", "P99", "P99.9", "MAX", "SHARE");
}

static void text_segment(void *ctx, const struct seg_view *v)
{
	struct row_text *t = ctx;
	char name[96];

	if (!t->d->complete)
		return;
	/* +: a packetless hop, tied by thread or CPU; ~: across kernels (clock offset) */
	snprintf(name, sizeof(name), "%s%s%s", v->s->name, v->tied ? "+" : "",
		 v->crosses ? "~" : "");
	print_stats_row(t->f, name, hop_name(v->s->from), hop_name(v->s->to), &v->s->h, v->share);
}

static void text_end_to_end(void *ctx, const struct hist *h)
{
	struct row_text *t = ctx;

	if (t->d->complete)
		print_stats_row(t->f, "end_to_end", "", "", h, -1);
}

static void text_boundary(void *ctx, const struct hist *h, uint64_t max_mismatch_ns)
{
	struct row_text *t = ctx;

	if (t->d->complete)
		print_stats_row(t->f, VNL_SEG_BOUNDARY " (exact)", "", "", h, -1);
}

static void text_table_end(void *ctx, int tied, int crosses)
{
	struct row_text *t = ctx;

	if (t->d->complete && (tied || crosses))
		fprintf(t->f, "  %s%s%s\n",
			tied ? "+ tied to the packet by thread or CPU (a hop without a packet)"
			     : "",
			tied && crosses ? "; " : "",
			crosses ? "~ crosses between kernels: as exact as the clock offset" : "");
}

static void text_lost_after(void *ctx, unsigned int hop, uint64_t count)
{
	struct row_text *t = ctx;

	fprintf(t->f, "  lost hops: %" PRIu64 " packets last seen at %s\n", count, hop_name(hop));
}

static void text_drop(void *ctx, unsigned int hop, const char *reason, uint64_t count)
{
	struct row_text *t = ctx;

	fprintf(t->f, "  dropped: %" PRIu64 " packets after %s, reason %s\n", count, hop_name(hop),
		reason);
}

static void text_nothing(void *ctx)
{
}

static const struct row_visitor text_rows = {
    .begin = text_begin,
    .segment = text_segment,
    .end_to_end = text_end_to_end,
    .boundary = text_boundary,
    .table_end = text_table_end,
    .lost_after = text_lost_after,
    .lost_end = text_nothing,
    .drop = text_drop,
    .end = text_nothing,
};

static void print_dir_text(FILE *f, const struct breakdown *b, int row, const struct dir_agg *d)
{
	struct row_text t = {.f = f};

	if (d->packets)
		breakdown_walk_row(b, row, d, &text_rows, &t);
}

/* " (+/- X)": how far the drift can be trusted; empty when no drift fits every sample */
static const char *drift_bound_text(const struct clk_est *c, char *buf, size_t size)
{
	buf[0] = 0;
	if (c->drift_bound >= 0)
		snprintf(buf, size, " (+/- %.2f)", c->drift_bound * 1e6);
	return buf;
}

static void print_clock_text(FILE *f, const struct recording *rec)
{
	char bound[32];
	unsigned int k;

	for (k = 1; k < rec->nkernels; k++) {
		const struct rec_kernel *g = &rec->k[k];

		fprintf(f,
			"guest %u: %s, kernel %s, %" PRIu64 " events, %" PRIu64 " lost (%" PRIu64
			" while its link was down)\n",
			k, g->hostname[0] ? g->hostname : "?", g->kernel[0] ? g->kernel : "?",
			g->events, g->lost_total, g->lost_spool);
		if (g->before_start)
			fprintf(f,
				"  %" PRIu64
				" events its agent held from before the recording began: "
				"left out\n",
				g->before_start);
		if (g->ptp && clock_ptp_disagrees(g))
			fprintf(
			    f,
			    "  WARNING: clocks said to be synchronised (CLOCK_TAI, PTP) but the "
			    "traffic puts the guest %+.3f ms +/- %.1f us off the host: journeys "
			    "crossing the boundary are wrong by that much\n",
			    (double)g->clock.offset_ns / 1e6, (double)g->clock.bound_ns / 1e3);
		else if (g->ptp)
			fprintf(
			    f,
			    "  clock: CLOCK_TAI on both sides (PTP); the traffic agrees (%+.1f us "
			    "+/- %.1f us)\n",
			    (double)g->clock.offset_ns / 1e3, (double)g->clock.bound_ns / 1e3);
		else if (g->clock.valid)
			fprintf(f,
				"  clock: guest - host = %+.3f ms +/- %.1f us, drift %+.2f ppm%s "
				"(from %" PRIu64 " link exchanges and %" PRIu64
				" packets); segments that cross "
				"the boundary are only as exact as that\n",
				(double)g->clock.offset_ns / 1e6, (double)g->clock.bound_ns / 1e3,
				g->clock.drift * 1e6,
				drift_bound_text(&g->clock, bound, sizeof(bound)), g->link_samples,
				g->traffic_samples);
		else
			fprintf(f, "  clock: offset unknown (no packets seen both ways, no link "
				   "exchanges): guest events are not joined\n");
		if (g->clock.valid && g->clock.loose_windows)
			fprintf(f,
				"  clock: %" PRIu64 " of %" PRIu64
				" windows said far less than the rest and are not covered by that "
				"bound (quiet moments; they still count in the estimate)\n",
				g->clock.loose_windows, g->clock.windows);
		if (g->clock.valid && g->clock.outliers)
			fprintf(f,
				"  clock: %" PRIu64
				" packets contradicted most of those around them (a packet paired "
				"with another of the same fingerprint) and were left out\n",
				g->clock.outliers);
	}
}

/* clock.adjust events of one caller on one clock, summed up: how often, the range of
 * frequencies it set, and each step. */
struct clock_run {
	const struct vnl_event *first, *last;
	size_t n, nfreq, nsteps;
	double ppm_lo, ppm_hi;
};

static int same_caller(const struct vnl_event *a, const struct vnl_event *b)
{
	return a->kernel == b->kernel && a->pid == b->pid && a->ifindex == b->ifindex &&
	       a->netns == b->netns && a->reason == b->reason;
}

#define STEPS_SHOWN 5

static void print_clock_run(FILE *f, const struct breakdown *b, const struct clock_run *r,
			    size_t from, size_t to)
{
	char first[40], last[40], clk[32], at[40], v[16];
	size_t i, shown = 0;

	rec_wall_time(b->rec, r->first->ts_ns, first, sizeof(first));
	rec_wall_time(b->rec, r->last->ts_ns, last, sizeof(last));
	fprintf(f, "clock adjusted: %s, pid %u, %s on %s: %zu time%s",
		r->first->kernel ? "guest" : "host", r->first->pid,
		clock_syscall_name(r->first->reason), clock_event_clock(r->first, clk), r->n,
		r->n == 1 ? "" : "s");
	fprintf(f, r->n == 1 ? " at %s" : " from %s to %s", first, last);
	if (r->nfreq)
		fprintf(f, "; frequency %+.3f to %+.3f ppm", r->ppm_lo, r->ppm_hi);
	if (r->nsteps)
		fprintf(f, "; %zu step%s", r->nsteps, r->nsteps == 1 ? "" : "s");
	fputc('\n', f);
	for (i = from; i < to && shown < STEPS_SHOWN; i++) {
		const struct vnl_event *e = &b->clock_events[i];
		int has;
		int64_t step = clock_event_step(e, &has);

		if (!has || !same_caller(e, r->first))
			continue;
		rec_wall_time(b->rec, e->ts_ns, at, sizeof(at));
		fmt_ns((uint64_t)(step < 0 ? -step : step), v, sizeof(v));
		fprintf(f, "  step at %s: %s%s\n", at, step < 0 ? "-" : "+", v);
		shown++;
	}
}

/* The first event of e's caller: e itself, or one before it. */
static size_t caller_first(const struct breakdown *b, size_t e)
{
	size_t i;

	for (i = 0; i < e; i++)
		if (same_caller(&b->clock_events[i], &b->clock_events[e]))
			return i;
	return e;
}

/* Who stepped or slewed which clock, when and by how much (one line per caller and clock,
 * each step below it): marked on the timeline. */
static void print_clock_events(FILE *f, const struct breakdown *b)
{
	size_t i, k;

	for (i = 0; i < b->nclock_events; i++) {
		struct clock_run r = {.first = &b->clock_events[i]};

		if (caller_first(b, i) != i)
			continue;
		for (k = i; k < b->nclock_events; k++) {
			const struct vnl_event *e = &b->clock_events[k];
			int has;
			double ppm;

			if (!same_caller(e, r.first))
				continue;
			r.last = e;
			r.n++;
			clock_event_step(e, &has);
			r.nsteps += has;
			ppm = clock_event_ppm(e, &has);
			if (has) {
				r.ppm_lo = r.nfreq && r.ppm_lo < ppm ? r.ppm_lo : ppm;
				r.ppm_hi = r.nfreq && r.ppm_hi > ppm ? r.ppm_hi : ppm;
				r.nfreq++;
			}
		}
		print_clock_run(f, b, &r, i, b->nclock_events);
	}
}

/* "0,1": the CPUs of a mask. */
static void cpu_list(uint64_t mask, char *buf, size_t size)
{
	size_t len = 0;
	int c;

	buf[0] = '\0';
	for (c = 0; c < 64 && len + 4 < size; c++)
		if (mask >> c & 1)
			len += (size_t)snprintf(buf + len, size - len, "%s%d", len ? "," : "", c);
}

/* The softirq time on the CPUs a kept packet crossed, in each kernel, over those seconds. */
static void print_softirq_near(FILE *f, const struct recording *rec, const struct journey *j)
{
	static const char *const side_name[2] = {"host", "guest"};
	char cpus[200], span[16], rx[16], rx_max[16], tx[16], other[16];
	struct softirq_near n[2];
	int side;

	softirq_near(rec, j, n);
	for (side = 0; side < 2; side++) {
		if (!n[side].cpus)
			continue;
		cpu_list(n[side].cpus, cpus, sizeof(cpus));
		fmt_ns(n[side].interval_ns, span, sizeof(span));
		fmt_ns(n[side].ns[VNL_SOFTIRQ_NET_RX], rx, sizeof(rx));
		fmt_ns(n[side].max_ns[VNL_SOFTIRQ_NET_RX], rx_max, sizeof(rx_max));
		fmt_ns(n[side].ns[VNL_SOFTIRQ_NET_TX], tx, sizeof(tx));
		fmt_ns(n[side].ns[VNL_SOFTIRQ_OTHER], other, sizeof(other));
		fprintf(
		    f,
		    "    softirq on the %s CPUs it ran on (%s), over the %s around it: NET_RX %s "
		    "(longest %s), NET_TX %s, others %s\n",
		    side_name[side], cpus, span, rx, rx_max, tx, other);
	}
}

/* What else happened around a kept packet (its windows and the ones either side). */
static void print_kept_near(FILE *f, const struct breakdown *b, const struct journey *j)
{
	char waited[16], longest[16];
	struct near n;

	breakdown_near_journey(b, j, &n);
	fmt_ns(n.sched_ns, waited, sizeof(waited));
	fmt_ns(n.sched_max_ns, longest, sizeof(longest));
	fprintf(f,
		"\n    around it: VMM threads waited %s for a CPU (longest %s), %" PRIu64
		" drops, %zu clock changes\n",
		waited, longest, n.drops, n.clocks);
	print_softirq_near(f, b->rec, j);
}

/* --keep-slow: what each kernel kept on its own and at the other's word. */
static void print_keep_counts(FILE *f, const struct recording *rec)
{
	unsigned int k;

	for (k = 0; k < rec->nkernels && k < REC_MAX_KERNELS; k++) {
		const struct rec_keep *n = &rec->k[k].keep;

		if (!n->present)
			continue;
		fprintf(f,
			"  %-6s %s: %" PRIu64 " kept as slow there (%" PRIu64
			" the ring had no room for, %" PRIu64
			" past twice the quantile's share), the other side told of %" PRIu64
			"; at the other side's word: %" PRIu64 " asked, %" PRIu64 " kept, %" PRIu64
			" kept anyway, %" PRIu64 " no longer held\n",
			k ? "guest" : "host", k ? rec->k[k].hostname : rec->hostname, n->kept,
			n->ring_full, n->over_rate, n->told, n->asked, n->served, n->already,
			n->gone);
	}
}

/* --keep-slow: the kept packets, slowest first, each with its segments. */
#define KEPT_SHOWN 20

static void print_kept_text(FILE *f, const struct breakdown *b)
{
	const struct recording *rec = b->rec;
	char e2e[16], wall[40], flow[128], seg[80], v[16];
	const char *missing;
	size_t i;
	int h;

	if (!rec->keep_slow[0])
		return;
	fprintf(f,
		"\nkept (--keep-slow %s): %" PRIu64 " slow packets sent whole, %" PRIu64
		" more the ring had no room for",
		rec->keep_slow, rec->kept, rec->kept_lost);
	if (rec->keep_slow[0] == 'p') /* a quantile's: its rate is capped */
		fprintf(f,
			", %" PRIu64 " more past twice the quantile's share (its threshold lags a "
			"fast climb)",
			rec->kept_over_rate);
	fprintf(f, "; %zu complete here%s\n", b->kept_seen, b->nkept ? ", the slowest:" : "");
	if (rec->guests)
		print_keep_counts(f, rec);
	for (i = 0; i < b->nkept && i < KEPT_SHOWN; i++) {
		const struct journey *j = &b->kept[i];

		fmt_ns((uint64_t)ts_diff(j->ts[j->nhops - 1], j->ts[0]), e2e, sizeof(e2e));
		rec_wall_time(rec, j->ts[0], wall, sizeof(wall));
		group_key(BY_FLOW, rec, j, flow, sizeof(flow));
		missing = kept_missing(rec, j);
		fprintf(f, "  %9s %-10s %s %s%s%s%s\n   ", e2e, dir_name(j->dir), wall, flow,
			missing ? " (" : "", missing ? missing : "", missing ? ")" : "");
		for (h = 1; h < j->nhops; h++) {
			fmt_ns((uint64_t)ts_diff(j->ts[h], j->ts[h - 1]), v, sizeof(v));
			fprintf(f, " %s %s",
				segment_name(j->hops[h - 1], j->hops[h], seg, sizeof(seg)), v);
		}
		print_kept_near(f, b, j);
	}
}

static const char *finding_name(const struct finding *f)
{
	return f->seg ? f->seg->name : "end_to_end";
}

/* "host.tap_queue (to_guest) p99 spikes every 20.1 s, +3.2 ms over its 120 us": the layer. */
static void print_timeline_text(FILE *f, const struct breakdown *b)
{
	const struct finding *worst = timeline_worst(&b->tl);
	char mag[16], base[16];
	size_t i, k;

	if (worst) {
		fmt_ns((uint64_t)worst->spikes.magnitude, mag, sizeof(mag));
		fmt_ns((uint64_t)worst->spikes.baseline, base, sizeof(base));
		fprintf(f, "SPIKES: %s (%s) p99 spikes ", worst->seg->name,
			vnl_rows[worst->row].label);
		if (worst->spikes.period > 0)
			fprintf(f, "every %.1f s",
				worst->spikes.period * (double)b->o.window_ns / 1e9);
		else
			fprintf(f, worst->spikes.n == 1 ? "once" : "%zu times, not periodically",
				worst->spikes.n);
		fprintf(f, ", +%s over its usual %s (windows of %.3g s; at", mag, base,
			(double)b->o.window_ns / 1e9);
		for (k = 0; k < worst->spikes.n && k < 8; k++)
			fprintf(f, " %.1f", breakdown_window_mid_s(b, worst->spikes.at[k]));
		fprintf(f, "%s s)\n", worst->spikes.n > 8 ? " ..." : "");
		for (k = 0; k < worst->spikes.n; k++) {
			struct near n;

			breakdown_near(b, worst->spikes.at[k], worst->spikes.end[k], &n);
			if (n.ptp4l_asked) {
				char off[16];

				fmt_ns(n.ptp4l_offset_max_ns, off, sizeof(off));
				fprintf(f,
					"  near %.1f s: ptp4l %zu port state changes, |master "
					"offset| up to %s\n",
					breakdown_window_mid_s(b, worst->spikes.at[k]),
					n.ptp4l_changes, off);
			}
			if (n.drops || n.clocks ||
			    (n.sched_ns > 2 * n.sched_usual_ns && n.sched_ns > 100000)) {
				char total[16], longest[16], usual[16];

				fmt_ns(n.sched_ns, total, sizeof(total));
				fmt_ns(n.sched_max_ns, longest, sizeof(longest));
				fmt_ns(n.sched_usual_ns, usual, sizeof(usual));
				fprintf(f,
					"  near %.1f s: %" PRIu64
					" drops, %zu clock changes; the VMM's "
					"threads waited %s for a CPU (longest %s; usually %s a "
					"window)\n",
					breakdown_window_mid_s(b, worst->spikes.at[k]), n.drops,
					n.clocks, total, longest, usual);
			}
		}
	}
	for (i = 0; i < b->tl.n; i++) {
		const struct finding *fd = &b->tl.f[i];

		if (fd == worst || !fd->seg || !fd->spikes.n)
			continue;
		fmt_ns((uint64_t)fd->spikes.magnitude, mag, sizeof(mag));
		fprintf(f, "  also spiking: %s (%s) %zu times, +%s", fd->seg->name,
			vnl_rows[fd->row].label, fd->spikes.n, mag);
		if (fd->spikes.period > 0)
			fprintf(f, ", every %.1f s",
				fd->spikes.period * (double)b->o.window_ns / 1e9);
		fputc('\n', f);
	}
	for (i = 0; i < b->tl.n; i++) {
		const struct finding *fd = &b->tl.f[i];
		char slope[16];

		if (!timeline_trend_notable(&b->tl, fd))
			continue;
		fmt_ns((uint64_t)fabs(fd->slope_ns_per_min), slope, sizeof(slope));
		fprintf(f, "TREND: %s (%s) p50 %s %s per minute (%+.0f%% over the run)\n",
			finding_name(fd), vnl_rows[fd->row].label,
			fd->slope_ns_per_min > 0 ? "creeps up" : "falls", slope,
			100.0 * fd->slope_ns_per_min * (double)b->o.window_ns *
			    (double)fd->windows / 60e9 / fd->median_p50_ns);
	}
}

/* --window: each window's end-to-end percentiles, per row. */
static void print_windows_text(FILE *f, const struct breakdown *b)
{
	size_t i;
	int row;

	for (row = 0; row < ROW_MAX; row++) {
		if (!b->all.dirs[row].complete)
			continue;
		fprintf(f, "\n%s per %.3g s window:\n  %-10s %8s %9s %9s %9s %8s\n",
			vnl_rows[row].label, (double)b->o.window_ns / 1e9, "START_S", "COUNT",
			"P50", "P99", "MAX", "DROPPED");
		for (i = 0; i < b->nwindows; i++) {
			const struct dir_agg *d = b->windows[i] ? &b->windows[i]->dirs[row] : NULL;
			char v[3][16];

			if (!d || !d->e2e.count)
				continue;
			fmt_ns(hist_percentile(&d->e2e, 50), v[0], sizeof(v[0]));
			fmt_ns(hist_percentile(&d->e2e, 99), v[1], sizeof(v[1]));
			fmt_ns(d->e2e.max, v[2], sizeof(v[2]));
			fprintf(f, "  %-10.3f %8" PRIu64 " %9s %9s %9s %8" PRIu64 "\n",
				breakdown_window_start_s(b, i), d->e2e.count, v[0], v[1], v[2],
				d->dropped);
		}
	}
}

/* report --time: the part of the run the report is about. */
static void print_time_range(FILE *f, const struct breakdown *b)
{
	char wall[40];

	rec_wall_time(b->rec, b->rec->monotonic_ns + b->o.from_ns, wall, sizeof(wall));
	fprintf(f, "time range (--time): what began from %.3f s", (double)b->o.from_ns / 1e9);
	if (b->o.to_ns)
		fprintf(f, " to %.3f s", (double)b->o.to_ns / 1e9);
	else
		fprintf(f, " to the end");
	fprintf(f, " after the start (%s); the counts above are the whole file's%s\n", wall,
		b->rec->aggregate ? "; drops (whole-run totals) left out" : "");
}

/* One line for the text report: what did not make it into the breakdown, and why. */
static void print_accounting_text(FILE *f, const struct jstats *js)
{
	int h, first = 1;

	fprintf(f,
		"journeys: %" PRIu64 " complete, %" PRIu64 " partial (began mid-path), %" PRIu64
		" lost hops, %" PRIu64 " dropped; %" PRIu64 " kept open through a stall\n",
		js->complete, js->partial, js->lost, js->dropped, js->held);
	if (js->refused || js->refused_ties) {
		fprintf(f, "refused (time would run backwards): %" PRIu64 " hops,",
			js->refused + js->refused_ties);
		for (h = 0; h < VNL_HOP_MAX; h++)
			if (js->refused_by_hop[h]) {
				fprintf(f, "%s %s %" PRIu64, first ? "" : ",",
					hop_name((unsigned int)h), js->refused_by_hop[h]);
				first = 0;
			}
		fputc('\n', f);
	}
	if (js->round_trips || js->unpaired_expired)
		fprintf(f,
			"pairing: %" PRIu64 " round trips (%" PRIu64 " by echoed payload), %" PRIu64
			" requests unanswered, %" PRIu64 " replies matching no request, %" PRIu64
			" retransmitted (left out)\n",
			js->round_trips, js->pairs_by_echo, js->unpaired_expired,
			js->unmatched_replies, js->retransmitted);
}

/* The classes a PTP message type had where it was queued: "prio 0 queue 0 at tap.queue (100)". */
static void print_classes(FILE *f, const struct dir_agg *d)
{
	size_t i;
	int n = 0;

	for (i = 0; i < d->nclasses; i++)
		if (vnl_hops[d->classes[i].hop].point == VNL_PT_DEV_QUEUE)
			fprintf(f, "%sprio %u queue %u at %s (%" PRIu64 ")", n++ ? ", " : "  ",
				d->classes[i].prio, d->classes[i].queue,
				hop_name(d->classes[i].hop), d->classes[i].count);
}

/* PTP: per direction and message type, how long its messages took and the class they had. */
static void print_ptp_text(FILE *f, const struct breakdown *b)
{
	char v[3][16];
	int dir, type;

	fprintf(f, "\nPTP: %" PRIu64 " messages%s\n", b->ptp_messages,
		b->rec->aggregate ? " (of the sampled journeys)" : "");
	fprintf(f, "  %-10s %-22s %8s %9s %9s %9s  %s\n", "DIRECTION", "TYPE", "COUNT", "P50",
		"P99", "MAX", "CLASS WHERE QUEUED");
	for (dir = 0; dir < VNL_DIR_ANY; dir++) {
		for (type = 0; type < 16; type++) {
			const struct dir_agg *d = &b->ptp[dir][type];

			if (!d->packets)
				continue;
			fmt_ns(hist_percentile(&d->e2e, 50), v[0], sizeof(v[0]));
			fmt_ns(hist_percentile(&d->e2e, 99), v[1], sizeof(v[1]));
			fmt_ns(d->e2e.max, v[2], sizeof(v[2]));
			fprintf(f, "  %-10s %-22s %8" PRIu64 " %9s %9s %9s", dir_name(dir),
				ptp_type_name((unsigned int)type), d->packets, v[0], v[1], v[2]);
			print_classes(f, d);
			fputc('\n', f);
		}
	}
	if (b->ptp_udp_events_prio0)
		fprintf(
		    f,
		    "  event messages over UDP queued at priority 0: %" PRIu64 " of %" PRIu64
		    " (ptp4l applies socket_priority to its L2 transport only; over UDP a DSCP, "
		    "dscp_event, gives a priority through ip_tos2prio)\n",
		    b->ptp_udp_events_prio0, b->ptp_udp_events_queued);
	if (b->ptp_udp_events_prio0 && b->ptp_prio0_class[0])
		fprintf(f, "    queued in %s%s%s%s\n", b->ptp_prio0_class,
			b->ptp_higher_class[0] ? ", while that device keeps " : "",
			b->ptp_higher_class, b->ptp_higher_class[0] ? " apart" : "");
	if (b->ptp_pairs.complete) {
		fmt_ns(hist_percentile(&b->ptp_pairs.e2e, 50), v[0], sizeof(v[0]));
		fmt_ns(hist_percentile(&b->ptp_pairs.e2e, 99), v[1], sizeof(v[1]));
		fmt_ns(b->ptp_pairs.e2e.max, v[2], sizeof(v[2]));
		fprintf(f,
			"  delay request/response round trips: %" PRIu64
			", p50 %s, p99 %s, max %s\n",
			b->ptp_pairs.complete, v[0], v[1], v[2]);
	}
}

/* ptp4l's state over the recording, per kernel that asked it (record --ptp4l). */
static void print_ptp4l_text(FILE *f, const struct breakdown *b)
{
	struct ptp4l_summary s;
	char v[3][16];
	unsigned int k;
	size_t i;

	for (k = 0; k < b->rec->nkernels; k++) {
		if (ptp4l_summarize(b, k, &s))
			continue;
		fmt_ns(s.offset_abs_p50_ns, v[0], sizeof(v[0]));
		fmt_ns(s.offset_abs_max_ns, v[1], sizeof(v[1]));
		fmt_ns(s.path_delay_p50_ns, v[2], sizeof(v[2]));
		if (k)
			fprintf(f, "ptp4l (guest %u): ", k);
		else
			fprintf(f, "ptp4l (host): ");
		fprintf(f, "%" PRIu64 " answers, port %s", s.samples, ptp_state_name(s.state));
		if (s.offsets)
			fprintf(f, "; master offset |p50| %s, max %s at %.1f s; path delay p50 %s",
				v[0], v[1], s.offset_abs_max_at_s, v[2]);
		fputc('\n', f);
		for (i = 0; i < s.nchanges; i++)
			fprintf(f, "  at %.1f s: %s -> %s\n", s.changes[i].time_s,
				ptp_state_name(s.changes[i].from), ptp_state_name(s.changes[i].to));
	}
}

int write_text(const struct breakdown *b, FILE *f)
{
	const struct jstats *js = b->stats;
	const struct recording *rec = b->rec;
	char wall[40];
	unsigned int i;
	size_t g;
	int row;

	if (rec->lost_total)
		fprintf(f,
			"WARNING: %" PRIu64 " events lost (ring buffer full): some journeys lack "
			"hops; record with a larger --ring-size or a --filter\n",
			rec->lost_total);
	for (i = 0; i < rec->ndamage; i++)
		fprintf(f,
			"WARNING: damaged recording at byte %" PRIu64 " of file %u (%s): %" PRIu64
			" bytes skipped\n",
			rec->damage[i].offset, rec->damage[i].part, rec->damage[i].what,
			rec->damage[i].skipped);
	rec_wall_time(rec, rec->monotonic_ns, wall, sizeof(wall));
	fprintf(f, "%s: host %s, kernel %s, started %s, clock %s%s\n", rec->path, rec->hostname,
		rec->kernel, wall, rec->clock, rec->ended ? "" : " (recorder did not close it)");
	fprintf(f,
		"%" PRIu64 " events, %" PRIu64 " journeys, %" PRIu64 " round trips, %" PRIu64
		" lost events, %" PRIu64 " ambiguous joins\n",
		rec->events, js ? js->journeys : 0, js ? js->round_trips : 0, rec->lost_total,
		js ? js->ambiguous : 0);
	if (js && js->journeys)
		print_accounting_text(f, js);
	if (rec->aggregate)
		fprintf(f,
			"mode: aggregate (in-kernel histograms, %" PRIu64
			" windows of 100 ms); not recorded: %" PRIu64
			" packets whose state a colliding one took, %" PRIu64
			" that never reached their last hop, %" PRIu64
			" segments outside the segment table%s\n",
			rec->agg_windows, rec->agg_evicted, rec->agg_unfinished,
			rec->agg_outside_table,
			rec->sample > 1 ? "; round trips from sampled journeys" : "");
	if (rec->sample > 1)
		fprintf(f,
			"sampled: one packet in %u, a request with its response (ICMP and UDP "
			"echoes by their payload, TCP by flow)\n",
			rec->sample);
	if (b->o.from_ns || b->o.to_ns)
		print_time_range(f, b);
	if (b->window_asked_ns)
		fprintf(
		    f,
		    "time view: windows of %.3g s (the run is too long for windows of %.3g s: at "
		    "most %d are kept, neighbours merged); the whole-run figures are exact; "
		    "spikes less than a few windows apart cannot show: --time FROM,TO looks at a "
		    "part in windows of %.3g s\n",
		    (double)b->o.window_ns / 1e9, (double)b->window_asked_ns / 1e9,
		    BREAKDOWN_WINDOWS_MAX, (double)b->window_asked_ns / 1e9);
	print_clock_text(f, rec);
	print_clock_events(f, b);
	fprintf(f, "interfaces:");
	for (i = 0; i < rec->nifaces; i++) {
		const struct vnl_file_iface *d = &rec->ifaces[i];
		char worker[16];
		uint32_t wtid;

		fprintf(f, " %s (%s", d->name, role_name(d->role));
		if (d->vm_pid)
			fprintf(f, ", vm %s pid %u", d->vm_name, d->vm_pid);
		wtid = d->vm_pid ? rec_vhost_worker(rec, d->vm_pid, worker, sizeof(worker)) : 0;
		if (wtid) /* vhost=on: the worker, not the VMM, reads and writes the tap */
			fprintf(f, ", its vhost-net worker %s pid %u reads and writes the tap",
				worker, wtid);
		fprintf(f, ")");
	}
	fputc('\n', f);
	for (i = 0; i < rec->ndevevents; i++) {
		const struct vnl_file_devevent *d = &rec->devevents[i];

		rec_wall_time(rec, d->ts_ns, wall, sizeof(wall));
		fprintf(f, "device change: %s %s (ifindex %u) %s\n", wall, d->name, d->ifindex,
			d->kind == VNL_DEV_APPEARED ? "appeared" : "disappeared");
	}
	print_timeline_text(f, b);
	for (row = 0; row < ROW_MAX; row++)
		print_dir_text(f, b, row, &b->all.dirs[row]);
	print_kept_text(f, b);
	if (b->ptp_messages)
		print_ptp_text(f, b);
	print_ptp4l_text(f, b);
	if (b->o.show_windows)
		print_windows_text(f, b);
	if (b->nclasses > 1 && b->o.by != BY_CLASS) {
		fprintf(f,
			"\nclasses: %zu, where packets were queued for transmit (the class their "
			"priority has in that device's qdisc)\n",
			b->nclasses);
		for (g = 0; g < b->nclasses; g++) {
			fprintf(f, "\n=== class %s ===", b->classes[g]->key);
			for (row = 0; row < ROW_MAX; row++)
				print_dir_text(f, b, row, &b->classes[g]->dirs[row]);
		}
	}
	for (g = 0; g < b->ngroups; g++) {
		fprintf(f, "\n=== %s %s ===", group_by_name(b->o.by), b->order[g]->key);
		for (row = 0; row < ROW_MAX; row++)
			print_dir_text(f, b, row, &b->order[g]->dirs[row]);
	}
	return ferror(f) ? -EIO : 0;
}
