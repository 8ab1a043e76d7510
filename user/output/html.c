// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "hoptab.h"
#include "html.h"
#include "outputs.h"

#define W	960
#define PLOT_L	100
#define PLOT_R	20
#define CHART_H 260
#define NCOLORS 10

static const char *const colors[NCOLORS] = {"#4269d0", "#efb118", "#ff725c", "#6cc5b0", "#3ca951",
					    "#ff8ab7", "#a463f2", "#97bbf5", "#9c6b4e", "#9498a0"};

static void esc(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '<')
			fputs("&lt;", f);
		else if (*s == '>')
			fputs("&gt;", f);
		else if (*s == '&')
			fputs("&amp;", f);
		else if (*s == '"')
			fputs("&quot;", f);
		else
			fputc(*s, f);
	}
}

static void fmt_ns(double ns, char *buf, size_t size)
{
	if (ns < 1e4)
		snprintf(buf, size, "%.0f ns", ns);
	else if (ns < 1e7)
		snprintf(buf, size, "%.1f us", ns / 1e3);
	else
		snprintf(buf, size, "%.2f ms", ns / 1e6);
}

/* A segment's colour: its place in the direction's list, the same in every chart. */
static const char *seg_color(const struct dir_agg *d, const char *name)
{
	size_t i;

	for (i = 0; i < d->nsegs; i++)
		if (!strcmp(d->segs[i].name, name))
			return colors[i % NCOLORS];
	return "#777";
}

/* The legend below a chart: a swatch and a name for each segment, three to a line. */
static size_t legend_height(const struct dir_agg *d)
{
	return 18 * ((d->nsegs + 2) / 3) + 8;
}

static void legend(FILE *f, const struct dir_agg *d, int y0)
{
	size_t i;

	for (i = 0; i < d->nsegs; i++) {
		int x = PLOT_L + (int)(i % 3) * 280, y = y0 + 18 * (int)(i / 3);

		fprintf(f,
			"<rect x=\"%d\" y=\"%d\" width=\"14\" height=\"4\" fill=\"%s\"/>"
			"<text x=\"%d\" y=\"%d\" font-size=\"11\">",
			x, y + 5, colors[i % NCOLORS], x + 20, y + 10);
		esc(f, d->segs[i].name);
		fprintf(f, "</text>\n");
	}
}

/* Each segment's mean as a share of the row's total, stacked in path order. */
static void waterfall(FILE *f, const struct dir_agg *d)
{
	double total = 0, x = PLOT_L, width = W - PLOT_L - PLOT_R;
	size_t i;

	for (i = 0; i < d->nsegs; i++)
		total += (double)d->segs[i].h.sum;
	if (total <= 0)
		return;
	fprintf(f, "<svg class=\"waterfall\" width=\"%d\" height=\"%zu\" viewBox=\"0 0 %d %zu\">\n",
		W, 40 + 18 * d->nsegs, W, 40 + 18 * d->nsegs);
	for (i = 0; i < d->nsegs; i++) {
		const struct seg_agg *s = &d->segs[i];
		double w = width * (double)s->h.sum / total;
		char mean[24], p99[24];

		fmt_ns(s->h.count ? (double)s->h.sum / (double)s->h.count : 0, mean, sizeof(mean));
		fmt_ns((double)hist_percentile(&s->h, 99), p99, sizeof(p99));
		fprintf(f,
			"<rect x=\"%.1f\" y=\"8\" width=\"%.1f\" height=\"22\" fill=\"%s\">"
			"<title>",
			x, w < 0.5 ? 0.5 : w, colors[i % NCOLORS]);
		esc(f, s->name);
		fprintf(f, ": mean %s, p99 %s</title></rect>\n", mean, p99);
		fprintf(f, "<rect x=\"%d\" y=\"%zu\" width=\"10\" height=\"10\" fill=\"%s\"/>",
			PLOT_L, 38 + 18 * i, colors[i % NCOLORS]);
		fprintf(f, "<text x=\"%d\" y=\"%zu\" font-size=\"12\">", PLOT_L + 16, 47 + 18 * i);
		esc(f, s->name);
		fprintf(f, " — %.1f%%, mean %s, p99 %s</text>\n", 100.0 * (double)s->h.sum / total,
			mean, p99);
		x += w;
	}
	fprintf(f, "</svg>\n");
}

/*
 * --keep-slow: each kept packet as a bar on a time axis from its first hop, its segments in
 * colour, the host's on one lane and the guest's below it; the slowest first.
 */
#define KEPT_DRAWN 20

static void kept_lanes(FILE *f, const struct html_input *in)
{
	double width = W - PLOT_L - PLOT_R, longest;
	size_t i, n = in->nkept < KEPT_DRAWN ? in->nkept : KEPT_DRAWN;
	char seg[80], v[24], e2e[24];
	int h;

	if (!n)
		return;
	longest = (double)ts_diff(in->kept[0].ts[in->kept[0].nhops - 1], in->kept[0].ts[0]);
	fprintf(f, "<h2>Kept slow packets (--keep-slow ");
	esc(f, in->rec->keep_slow);
	fprintf(f, "): the %zu slowest</h2>\n<svg width=\"%d\" height=\"%zu\">\n", n, W,
		30 * n + 10);
	for (i = 0; i < n; i++) {
		const struct journey *j = &in->kept[i];
		double y = 30.0 * (double)i + 4;

		fmt_ns((double)ts_diff(j->ts[j->nhops - 1], j->ts[0]), e2e, sizeof(e2e));
		fprintf(f, "<text x=\"0\" y=\"%.0f\" font-size=\"10\">%s<title>%s</title></text>\n",
			y + 11, e2e, dir_name(j->dir));
		for (h = 1; h < j->nhops; h++) {
			double x0 = (double)ts_diff(j->ts[h - 1], j->ts[0]) / longest * width;
			double dx = (double)ts_diff(j->ts[h], j->ts[h - 1]) / longest * width;
			int lane = hop_in_guest(j->hops[h]) ? 1 : 0;

			fmt_ns((double)ts_diff(j->ts[h], j->ts[h - 1]), v, sizeof(v));
			fprintf(f,
				"<rect x=\"%.1f\" y=\"%.0f\" width=\"%.1f\" height=\"11\" "
				"fill=\"%s\"><title>",
				PLOT_L + x0, y + 12.0 * lane, dx < 0.5 ? 0.5 : dx,
				colors[(size_t)h % NCOLORS]);
			esc(f, segment_name(j->hops[h - 1], j->hops[h], seg, sizeof(seg)));
			fprintf(f, " (%s): %s</title></rect>\n", lane ? "guest" : "host", v);
		}
	}
	fprintf(f, "</svg>\n<p class=\"note\">Each bar: one packet from its first hop; upper "
		   "lane the host's segments, lower the guest's. Hover for a segment.</p>\n");
}

/*
 * A typical (p50) and a slow (p99) packet of one direction, on one time scale: each its host
 * lane above its guest lane, each segment in its colour (the legend's).
 */
static void example_lanes(FILE *f, const struct dir_agg *d, const struct journey *const ex[2])
{
	static const char *const label[2] = {"a typical packet (p50)", "a slow packet (p99)"};
	double width = W - PLOT_L - PLOT_R, longest = 0;
	char seg[80], v[24], e2e[24];
	int k, h;

	for (k = 0; k < 2; k++)
		if (ex[k])
			longest = fmax(longest,
				       (double)ts_diff(ex[k]->ts[ex[k]->nhops - 1], ex[k]->ts[0]));
	if (longest <= 0)
		return;
	fprintf(f,
		"<h3>The journey of a typical and of a slow packet</h3>\n"
		"<svg class=\"journeys\" width=\"%d\" height=\"%zu\">\n",
		W, 2 * 46 + 8 + legend_height(d));
	for (k = 0; k < 2; k++) {
		const struct journey *j = ex[k];
		double y = 46.0 * k + 4;

		if (!j)
			continue;
		fmt_ns((double)ts_diff(j->ts[j->nhops - 1], j->ts[0]), e2e, sizeof(e2e));
		fprintf(f,
			"<text x=\"0\" y=\"%.0f\" font-size=\"11\">%s</text>"
			"<text x=\"0\" y=\"%.0f\" font-size=\"10\" fill=\"#555\">%s: host</text>"
			"<text x=\"0\" y=\"%.0f\" font-size=\"10\" fill=\"#555\">guest</text>\n",
			y + 8, label[k], y + 22, e2e, y + 36);
		for (h = 1; h < j->nhops; h++) {
			double x0 = (double)ts_diff(j->ts[h - 1], j->ts[0]) / longest * width;
			double dx = (double)ts_diff(j->ts[h], j->ts[h - 1]) / longest * width;
			int lane = hop_in_guest(j->hops[h]) ? 1 : 0;

			const char *name =
			    segment_name(j->hops[h - 1], j->hops[h], seg, sizeof(seg));

			fmt_ns((double)ts_diff(j->ts[h], j->ts[h - 1]), v, sizeof(v));
			fprintf(f,
				"<rect x=\"%.1f\" y=\"%.0f\" width=\"%.1f\" height=\"12\" "
				"fill=\"%s\"><title>",
				PLOT_L + x0, y + 12 + 14.0 * lane, dx < 0.5 ? 0.5 : dx,
				seg_color(d, name));
			esc(f, name);
			fprintf(f, ": %s</title></rect>\n", v);
		}
	}
	legend(f, d, 2 * 46 + 8);
	fprintf(f, "</svg>\n");
}

/*
 * Each segment's p99 window by window, as a strip of cells from pale (its lowest) to dark
 * red (its highest), on a log scale: where in time each layer was slow.
 */
static void heat_strip(FILE *f, const struct html_input *in, const struct dir_agg *all, int row)
{
	double width = W - PLOT_L - PLOT_R, cw = width / (double)(in->nwindows ? in->nwindows : 1);
	size_t s, w, k;

	if (!in->nwindows || !all->nsegs)
		return;
	fprintf(f,
		"<h3>When each layer was slow (p99 per window)</h3>\n"
		"<svg class=\"heat\" width=\"%d\" height=\"%zu\">\n",
		W, 16 * all->nsegs + 40);
	for (s = 0; s < all->nsegs; s++) {
		double lo = 1e300, hi = 0, v[1];
		const char *name = all->segs[s].name;

		for (w = 0; w < in->nwindows; w++) {
			const struct dir_agg *d =
			    in->windows[w] ? &in->windows[w]->dirs[row] : NULL;

			for (k = 0; d && k < d->nsegs; k++)
				if (!strcmp(d->segs[k].name, name) && d->segs[k].h.count) {
					v[0] = (double)hist_percentile(&d->segs[k].h, 99);
					lo = fmin(lo, v[0] > 1 ? v[0] : 1);
					hi = fmax(hi, v[0]);
				}
		}
		fprintf(f, "<text x=\"%d\" y=\"%zu\" font-size=\"10\" text-anchor=\"end\">",
			PLOT_L - 4, 16 * s + 12);
		esc(f, name);
		fprintf(f, "</text>\n");
		for (w = 0; hi > 0 && w < in->nwindows; w++) {
			const struct dir_agg *d =
			    in->windows[w] ? &in->windows[w]->dirs[row] : NULL;

			for (k = 0; d && k < d->nsegs; k++) {
				double p, heat;

				if (strcmp(d->segs[k].name, name) || !d->segs[k].h.count)
					continue;
				p = fmax((double)hist_percentile(&d->segs[k].h, 99), 1);
				heat = hi > lo ? (log(p) - log(lo)) / (log(hi) - log(lo)) : 0;
				fprintf(f,
					"<rect x=\"%.1f\" y=\"%zu\" width=\"%.2f\" height=\"14\" "
					"fill=\"rgb(%d,%d,%d)\"/>",
					PLOT_L + cw * (double)w, 16 * s + 2, cw < 0.6 ? 0.6 : cw,
					255 - (int)(40 * heat), 245 - (int)(215 * heat),
					200 - (int)(170 * heat));
			}
		}
		fputc('\n', f);
	}
	fprintf(f,
		"<text x=\"%d\" y=\"%zu\" font-size=\"11\">%.1f s</text>"
		"<text x=\"%d\" y=\"%zu\" font-size=\"11\" text-anchor=\"end\">%.1f s</text>"
		"<text x=\"%d\" y=\"%zu\" font-size=\"11\" text-anchor=\"middle\">pale: the "
		"segment's lowest p99 of a window; dark red: its highest (log scale)</text>\n",
		PLOT_L, 16 * all->nsegs + 16, in->from_s, W - PLOT_R, 16 * all->nsegs + 16,
		in->from_s + (double)in->nwindows * (double)in->window_ns / 1e9, (W + PLOT_L) / 2,
		16 * all->nsegs + 34);
	fprintf(f, "</svg>\n");
}

/* x position of value v on a log axis [lo, hi]. */
static double logx(double v, double lo, double hi)
{
	if (v < lo)
		v = lo;
	return PLOT_L + (W - PLOT_L - PLOT_R) * (log10(v) - log10(lo)) / (log10(hi) - log10(lo));
}

static void axes(FILE *f, const char *xlabel, const char *ylabel)
{
	fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>\n", PLOT_L,
		CHART_H - 30, W - PLOT_R, CHART_H - 30);
	fprintf(f, "<line x1=\"%d\" y1=\"10\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>\n", PLOT_L,
		PLOT_L, CHART_H - 30);
	fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"12\" text-anchor=\"middle\">%s</text>\n",
		(W + PLOT_L) / 2, CHART_H - 2, xlabel);
	fprintf(f,
		"<text x=\"14\" y=\"%d\" font-size=\"12\" transform=\"rotate(-90 14 %d)\" "
		"text-anchor=\"middle\">%s</text>\n",
		(CHART_H - 30) / 2, (CHART_H - 30) / 2, ylabel);
}

/* Each segment's cumulative distribution, on a log time axis. */
static void cdfs(FILE *f, const struct dir_agg *d)
{
	double lo = 1e18, hi = 1, decade;
	size_t i;

	for (i = 0; i < d->nsegs; i++) {
		const struct hist *h = &d->segs[i].h;

		if (!h->count)
			continue;
		if ((double)h->min < lo)
			lo = (double)h->min;
		if ((double)h->max > hi)
			hi = (double)h->max;
	}
	if (lo >= hi || !d->nsegs)
		return;
	lo = pow(10, floor(log10(lo > 1 ? lo : 1)));
	hi = pow(10, ceil(log10(hi)));
	fprintf(f, "<svg class=\"cdf\" width=\"%d\" height=\"%zu\" viewBox=\"0 0 %d %zu\">\n", W,
		CHART_H + legend_height(d), W, CHART_H + legend_height(d));
	axes(f, "latency (log scale)", "share of packets");
	for (decade = lo; decade <= hi * 1.01; decade *= 10) {
		char label[24];

		fmt_ns(decade, label, sizeof(label));
		fprintf(f,
			"<line x1=\"%.1f\" y1=\"10\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>"
			"<text x=\"%.1f\" y=\"%d\" font-size=\"11\" text-anchor=\"%s\">%s</text>\n",
			logx(decade, lo, hi), logx(decade, lo, hi), CHART_H - 30,
			logx(decade, lo, hi), CHART_H - 16,
			decade * 10 > hi * 1.01 ? "end" : "middle", label);
	}
	for (i = 0; i <= 4; i++)
		fprintf(f,
			"<text x=\"%d\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\">%.2f"
			"</text>\n",
			PLOT_L - 4, (double)(CHART_H - 30) - (CHART_H - 40) * (double)i / 4 + 4,
			(double)i / 4);
	for (i = 0; i < d->nsegs; i++) {
		const struct hist *h = &d->segs[i].h;
		uint64_t cum = 0;
		uint32_t b;

		if (!h->count || !h->chunks)
			continue;
		fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" points=\"",
			colors[i % NCOLORS]);
		for (b = 0; b < VNL_LL_BUCKETS; b++) {
			if (!hist_bucket(h, b))
				continue;
			cum += hist_bucket(h, b);
			fprintf(f, "%.1f,%.1f ",
				logx((double)(vnl_ll_low(b) + vnl_ll_width(b)), lo, hi),
				(double)(CHART_H - 30) -
				    (CHART_H - 40) * (double)cum / (double)h->count);
		}
		fprintf(f, "\"><title>");
		esc(f, d->segs[i].name);
		fprintf(f, "</title></polyline>\n");
	}
	legend(f, d, CHART_H + 4);
	fprintf(f, "</svg>\n");
}

/* End-to-end p50 and p99 per window; spikes (red) and clock changes (blue) marked. */
static void series(FILE *f, const struct html_input *in, int row)
{
	double ymax = 1, y, t0 = -1;
	double tmax = in->from_s + (double)in->nwindows * (double)in->window_ns / 1e9;
	const struct finding *worst = timeline_worst(in->tl);
	size_t w, k;
	int pass;

	for (w = 0; w < in->nwindows; w++)
		if (in->windows[w] && in->windows[w]->dirs[row].e2e.count) {
			ymax =
			    fmax(ymax, (double)hist_percentile(&in->windows[w]->dirs[row].e2e, 99));
			if (t0 < 0) /* the axis starts where the traffic does */
				t0 = in->from_s + (double)w * (double)in->window_ns / 1e9;
		}
	if (tmax <= 0 || t0 < 0 || t0 >= tmax)
		return;
	fprintf(f, "<svg class=\"series\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">\n", W,
		CHART_H + 24, W, CHART_H + 24);
	axes(f, "seconds since the recording began", "end to end");
	fprintf(f,
		"<g font-size=\"11\"><line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
		"stroke=\"%s\" stroke-width=\"1.5\"/><text x=\"%d\" y=\"%d\">p50</text>"
		"<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"1.5\" "
		"stroke-dasharray=\"4 3\"/><text x=\"%d\" y=\"%d\">p99</text>"
		"<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#d62728\"/>"
		"<text x=\"%d\" y=\"%d\">spike</text>"
		"<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#1f77b4\" "
		"stroke-dasharray=\"2 2\"/><text x=\"%d\" y=\"%d\">clock adjusted</text>"
		"<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#2ca02c\" "
		"stroke-dasharray=\"4 2\"/><text x=\"%d\" y=\"%d\">ptp4l state</text></g>\n",
		PLOT_L, CHART_H + 16, PLOT_L + 20, CHART_H + 16, colors[0], PLOT_L + 24,
		CHART_H + 20, PLOT_L + 70, CHART_H + 16, PLOT_L + 90, CHART_H + 16, colors[0],
		PLOT_L + 94, CHART_H + 20, PLOT_L + 140, CHART_H + 10, PLOT_L + 140, CHART_H + 20,
		PLOT_L + 146, CHART_H + 20, PLOT_L + 200, CHART_H + 10, PLOT_L + 200, CHART_H + 20,
		PLOT_L + 206, CHART_H + 20, PLOT_L + 300, CHART_H + 10, PLOT_L + 300, CHART_H + 20,
		PLOT_L + 306, CHART_H + 20);
	for (y = 0; y <= 4; y++) {
		char label[24];
		double py = (double)(CHART_H - 30) - (CHART_H - 40) * y / 4;

		fmt_ns(ymax * y / 4, label, sizeof(label));
		fprintf(
		    f, "<text x=\"%d\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\">%s</text>\n",
		    PLOT_L - 4, py + 4, label);
	}
#define TX(t) (PLOT_L + (W - PLOT_L - PLOT_R) * ((t)-t0) / (tmax - t0))
#define TY(v) ((double)(CHART_H - 30) - (CHART_H - 40) * (v) / ymax)
	for (k = 0; k <= 5; k++)
		fprintf(f,
			"<text x=\"%.1f\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\">%.1f"
			"</text>\n",
			TX(t0 + (tmax - t0) * (double)k / 5), CHART_H - 16,
			t0 + (tmax - t0) * (double)k / 5);
	for (pass = 0; pass < 2; pass++) {
		fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\"%s points=\"",
			colors[0], pass ? " stroke-dasharray=\"4 3\"" : "");
		for (w = 0; w < in->nwindows; w++) {
			const struct hist *h =
			    in->windows[w] ? &in->windows[w]->dirs[row].e2e : NULL;

			if (h && h->count)
				fprintf(f, "%.1f,%.1f ",
					TX(in->from_s +
					   ((double)w + 0.5) * (double)in->window_ns / 1e9),
					TY((double)hist_percentile(h, pass ? 99 : 50)));
		}
		fprintf(f, "\"/>\n");
	}
	for (k = 0; worst && k < worst->spikes.n; k++) {
		double t =
		    in->from_s + ((double)worst->spikes.at[k] + 0.5) * (double)in->window_ns / 1e9;

		fprintf(f,
			"<line class=\"spike\" x1=\"%.1f\" y1=\"10\" x2=\"%.1f\" y2=\"%d\" "
			"stroke=\"#d62728\" stroke-width=\"1\"><title>spike in ",
			TX(t), TX(t), CHART_H - 30);
		esc(f, worst->seg->name);
		fprintf(f, " at %.1f s</title></line>\n", t);
	}
	for (k = 0; k < in->nclock; k++) {
		double t = (double)(in->clock_ts[k] - in->rec->monotonic_ns) / 1e9;

		if (t < t0 || t > tmax)
			continue;
		fprintf(f,
			"<line class=\"clock\" x1=\"%.1f\" y1=\"10\" x2=\"%.1f\" y2=\"%d\" "
			"stroke=\"#1f77b4\" stroke-dasharray=\"2 2\"><title>clock adjusted at "
			"%.1f s</title></line>\n",
			TX(t), TX(t), CHART_H - 30, t);
	}
	for (k = 0; k < in->nmarks; k++) {
		double t = in->marks[k].time_s;

		if (t < t0 || t > tmax)
			continue;
		fprintf(f,
			"<line class=\"ptp\" x1=\"%.1f\" y1=\"10\" x2=\"%.1f\" y2=\"%d\" "
			"stroke=\"#2ca02c\" stroke-dasharray=\"4 2\"><title>",
			TX(t), TX(t), CHART_H - 30);
		esc(f, in->marks[k].what);
		fprintf(f, " at %.1f s</title></line>\n", t);
	}
#undef TX
#undef TY
	fprintf(f, "</svg>\n");
}

int html_write(FILE *f, const struct html_input *in)
{
	const struct finding *worst = timeline_worst(in->tl);
	int row;

	fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
		   "<title>vnetlat: ");
	esc(f, in->rec->path);
	fprintf(f, "</title>\n<style>body{font-family:sans-serif;margin:24px;color:#222}"
		   "h2{margin-top:32px}svg{display:block;margin:8px 0}"
		   ".note{color:#555}</style>\n</head><body>\n<h1>vnetlat: ");
	esc(f, in->rec->path);
	fprintf(f, "</h1>\n<p class=\"note\">host ");
	esc(f, in->rec->hostname);
	fprintf(f, ", kernel ");
	esc(f, in->rec->kernel);
	fprintf(f, "; %" PRIu64 " events, %" PRIu64 " lost.</p>\n", in->rec->events,
		in->rec->lost_total);
	if (worst) {
		fprintf(f, "<p class=\"spikes\"><b>Spikes:</b> ");
		esc(f, worst->seg->name);
		fprintf(f, " (%s) p99 +%.0f us", vnl_rows[worst->row].title,
			worst->spikes.magnitude / 1e3);
		if (worst->spikes.period > 0)
			fprintf(f, ", every %.1f s",
				worst->spikes.period * (double)in->window_ns / 1e9);
		fprintf(f, "</p>\n");
	}
	for (row = 0; row < ROW_MAX; row++) {
		const struct dir_agg *d = &in->all->dirs[row];

		if (!d->complete)
			continue;
		fprintf(f,
			"<h2>%s: %" PRIu64 " complete</h2>\n<h3>Where the time goes (mean per "
			"segment)</h3>\n",
			vnl_rows[row].title, d->complete);
		waterfall(f, d);
		fprintf(f, "<h3>Distribution of each segment</h3>\n");
		cdfs(f, d);
		if (row < VNL_DIR_ANY)
			example_lanes(f, d, in->example[row]);
		fprintf(f, "<h3>Over time (windows of %.3g s)</h3>\n", (double)in->window_ns / 1e9);
		series(f, in, row);
		heat_strip(f, in, d, row);
	}
	kept_lanes(f, in);
	fprintf(f,
		"<p class=\"note\">Written by vnetlat %s. Red lines: spikes; blue dashed: "
		"clock adjustments.</p>\n</body></html>\n",
		VNL_VERSION);
	return ferror(f) ? -1 : 0;
}

/* ptp4l's port state changes, in every kernel that asked it, as marks. */
static size_t ptp4l_marks(const struct breakdown *b, struct html_mark *marks, size_t max)
{
	struct ptp4l_summary s;
	unsigned int k;
	size_t i, n = 0;

	for (k = 0; k < b->rec->nkernels; k++) {
		if (ptp4l_summarize(b, k, &s))
			continue;
		for (i = 0; i < s.nchanges && n < max; i++, n++) {
			marks[n].time_s = s.changes[i].time_s;
			snprintf(marks[n].what, sizeof(marks[n].what), "ptp4l%s: %s -> %s",
				 k ? " (guest)" : "", ptp_state_name(s.changes[i].from),
				 ptp_state_name(s.changes[i].to));
		}
	}
	return n;
}

int write_html(const struct breakdown *b, FILE *f)
{
	static struct html_mark marks[2 * PTP4L_MAX_CHANGES];
	struct html_input in = {.rec = b->rec,
				.all = &b->all,
				.windows = b->windows,
				.nwindows = b->nwindows,
				.window_ns = b->o.window_ns,
				.from_s = breakdown_window_start_s(b, 0),
				.tl = &b->tl,
				.nclock = b->nclock_events};
	uint64_t *clock_ts = calloc(b->nclock_events + 1, sizeof(*clock_ts));
	size_t i;
	int err;

	if (!clock_ts)
		return -ENOMEM;
	for (i = 0; i < b->nclock_events; i++)
		clock_ts[i] = b->clock_events[i].ts_ns;
	in.clock_ts = clock_ts;
	in.marks = marks;
	in.nmarks = ptp4l_marks(b, marks, sizeof(marks) / sizeof(marks[0]));
	in.kept = b->kept;
	in.nkept = b->nkept;
	for (i = 0; i < VNL_DIR_ANY; i++) {
		in.example[i][0] = breakdown_example(b, (unsigned int)i, 50);
		in.example[i][1] = breakdown_example(b, (unsigned int)i, 99);
	}
	err = html_write(f, &in);
	free(clock_ts);
	return err ? -EIO : ferror(f) ? -EIO : 0;
}
