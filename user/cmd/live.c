// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* vnetlat live / vnetlat top: running totals from the recorder's blocks (see live.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "hoptab.h"
#include "journey.h"
#include "link.h"
#include "ptp4l.h"
#include "live.h"
#include "record.h"
#include "util.h"

#define REORDER_NS 50000000ULL /* the reader's reorder window: a quiet link drains it after 4 */

const double live_le_seconds[LIVE_LE_N] = {
    1e-6,   2.5e-6, 5e-6,  10e-6, 25e-6, 50e-6, 100e-6, 250e-6, 500e-6, 1e-3,
    2.5e-3, 5e-3,   10e-3, 25e-3, 50e-3, 0.1,	0.25,	0.5,	1.0,	2.5,
};

static void to_engine(void *ctx, const struct recording *rec, const struct vnl_event *ev)
{
	struct live *l = ctx;

	l->events++;
	if (l->je)
		jengine_event(l->je, ev);
}

int live_init(struct live *l)
{
	memset(l, 0, sizeof(*l));
	if (pthread_mutex_init(&l->lock, NULL))
		return -ENOMEM;
	l->started_ns = now_ns(CLOCK_MONOTONIC);
	l->ptp4l.fd = -1;
	l->rs = rec_stream_new(&l->rec, "the recorder", to_engine, l);
	return l->rs ? 0 : -ENOMEM;
}

static struct live_series *series_get(struct live *l, const char *vm, const char *tap,
				      const char *direction, const char *segment)
{
	struct live_series *s;

	for (s = l->series; s; s = s->next)
		if (!strcmp(s->segment, segment) && !strcmp(s->direction, direction) &&
		    !strcmp(s->tap, tap) && !strcmp(s->vm, vm))
			return s;
	if (l->nseries >= 4096)
		return NULL; /* a bound on labels: 4096 series */
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	snprintf(s->vm, sizeof(s->vm), "%s", vm);
	snprintf(s->tap, sizeof(s->tap), "%s", tap);
	snprintf(s->direction, sizeof(s->direction), "%s", direction);
	snprintf(s->segment, sizeof(s->segment), "%s", segment);
	s->next = l->series;
	l->series = s;
	l->nseries++;
	return s;
}

/* count values of v seconds into s's Prometheus buckets, count and sum */
static void series_tally(struct live_series *s, double v, uint64_t count)
{
	int i;

	for (i = 0; i < LIVE_LE_N && v > live_le_seconds[i]; i++)
		;
	s->le[i] += count;
	s->count += count;
	s->sum_s += v * (double)count;
}

int live_add(struct live *l, const char *vm, const char *tap, const char *direction,
	     const char *segment, uint64_t ns)
{
	struct live_series *s = series_get(l, vm, tap, direction, segment);

	if (!s)
		return -ENOMEM;
	series_tally(s, (double)ns / 1e9, 1);
	if (hist_record(&s->h, ns) || hist_record(&s->last_h, ns))
		return -ENOMEM;
	return 0;
}

/* Aggregate mode: count packets of a slot in one in-kernel histogram bucket. */
static int live_add_bucket(struct live *l, unsigned int slot, uint32_t bucket, uint64_t count)
{
	const struct vnl_file_slot *sl = &l->rec.slots[slot];
	uint64_t mid = vnl_ll_low(bucket) + vnl_ll_width(bucket) / 2;
	struct live_series *s;

	if (!l->rec.have_slot[slot] || sl->dir >= VNL_DIR_ANY)
		return 0;
	s = series_get(l, "-", "-", dir_name(sl->dir), sl->name);
	if (!s)
		return -ENOMEM;
	/* the bucket's whole range on the side of the boundary its middle is on */
	series_tally(s, (double)mid / 1e9, count);
	if (hist_add_bucket(&s->h, bucket, count) || hist_add_bucket(&s->last_h, bucket, count))
		return -ENOMEM;
	return 0;
}

/* Aggregate mode: a window of the in-kernel histograms (a HIST block) into the series. */
static int live_add_window(struct live *l, uint32_t type, const void *payload, uint32_t len)
{
	struct vnl_file_hist_hdr hdr;
	struct vnl_file_hist_entry e;
	struct vnl_hist_cursor c;
	int err = 0;

	if (vnl_hist_begin(&c, type, payload, len, &hdr))
		return 0;
	while (!err && vnl_hist_next(&c, &e) > 0)
		if (e.slot < VNL_AGG_SLOTS && e.bucket < VNL_LL_BUCKETS)
			err = live_add_bucket(l, e.slot, e.bucket, e.count);
	return err;
}

static void labels_of(const struct live *l, const struct journey *j, const char **vm,
		      const char **tap)
{
	const struct vnl_file_iface *d =
	    rec_iface(&l->rec, l->rec.nifaces ? l->rec.ifaces[0].netns : 0, j->tap_ifindex);

	*tap = d ? d->name : "-";
	*vm = d && d->vm_name[0] ? d->vm_name : "-";
}

static void add_journey(struct live *l, const struct journey *j, const char *direction,
			const char *prefix)
{
	const char *vm, *tap;
	char buf[80], name[96];
	int i;

	labels_of(l, j, &vm, &tap);
	for (i = 1; i < j->nhops; i++) {
		snprintf(name, sizeof(name), "%s%s", prefix,
			 segment_name(j->hops[i - 1], j->hops[i], buf, sizeof(buf)));
		live_add(l, vm, tap, direction, name, j->ts[i] - j->ts[i - 1]);
	}
}

static void on_journey(void *ctx, const struct journey *j)
{
	struct live *l = ctx;
	const char *vm, *tap;

	l->journeys++;
	if (l->aggregate) { /* a kept packet: the histograms have it already */
		if (j->dir < VNL_DIR_ANY)
			l->kept[j->dir]++;
		return;
	}
	if (!j->complete || j->dropped || !j->nhops)
		return;
	labels_of(l, j, &vm, &tap);
	add_journey(l, j, dir_name(j->dir), "");
	live_add(l, vm, tap, dir_name(j->dir), "end_to_end", j->ts[j->nhops - 1] - j->ts[0]);
}

static void on_round_trip(void *ctx, const struct journey *req, const struct journey *resp)
{
	const char *direction = vnl_rows[row_of_round_trip(req->dir)].direction;
	struct live *l = ctx;
	const char *vm, *tap;

	l->round_trips++;
	if (l->aggregate)
		return;
	labels_of(l, req, &vm, &tap);
	if (req->complete && resp->complete) /* a partial one's end to end is not the whole */
		live_add(l, vm, tap, direction, "end_to_end",
			 resp->ts[resp->nhops - 1] - req->ts[0]);
	live_add(l, vm, tap, direction, outside_segment_name(req->dir, req->hops[req->nhops - 1]),
		 resp->ts[0] - req->ts[req->nhops - 1]);
}

static int start_engine(struct live *l)
{
	struct jsink sink = {on_journey, on_round_trip, l};

	l->je = jengine_for(&l->rec, &sink, 0);
	return l->je ? 0 : -ENOMEM;
}

/* vnl_sink_fn: the recorder's blocks, read as the reader reads a file's. */
int live_sink(void *ctx, const struct vnl_block_header *bh, const void *payload)
{
	struct live *l = ctx;
	int err = 0;

	pthread_mutex_lock(&l->lock);
	if (bh->type == VNL_BLK_EVENTS) {
		/* the description came first: the path is known */
		if (!l->je && start_engine(l))
			err = -ENOMEM;
		l->last_block_ns = now_ns(CLOCK_MONOTONIC);
	}
	if (!err)
		err = rec_stream_block(l->rs, bh->type, payload, bh->len);
	if (!err && l->aggregate && (bh->type == VNL_BLK_HIST || bh->type == VNL_BLK_HIST_PACKED))
		err = live_add_window(l, bh->type, payload, bh->len);
	pthread_mutex_unlock(&l->lock);
	return err;
}

/* Label values escape backslash, double quote and newline (the exposition format's rule). */
static void label(FILE *f, const char *key, const char *v, int last)
{
	fprintf(f, "%s=\"", key);
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fputc('\\', f);
		if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
	fputs(last ? "\"" : "\",", f);
}

static void series_labels(FILE *f, const struct live_series *s)
{
	label(f, "vm", s->vm, 0);
	label(f, "tap", s->tap, 0);
	label(f, "direction", s->direction, 0);
	label(f, "segment", s->segment, 1);
}

static double cpu_seconds(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru))
		return 0;
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* ptp4l's last answer (record --ptp4l), as gauges. */
static void render_ptp4l(const struct live *l, FILE *f)
{
	const struct vnl_file_ptp4l *s;

	if (!l->rec.nptp4l)
		return;
	s = &l->rec.ptp4l[l->rec.nptp4l - 1].s;
	if (s->have & VNL_PTP4L_STATE)
		fprintf(f,
			"# HELP vnetlat_ptp4l_port_state ptp4l's port state (IEEE 1588: 6 MASTER, "
			"8 UNCALIBRATED, 9 SLAVE).\n# TYPE vnetlat_ptp4l_port_state gauge\n"
			"vnetlat_ptp4l_port_state{state=\"%s\"} %u\n",
			ptp_state_name(s->port_state), s->port_state);
	if (s->have & VNL_PTP4L_OFFSET)
		fprintf(
		    f,
		    "# HELP vnetlat_ptp4l_master_offset_seconds ptp4l's clock less its master's.\n"
		    "# TYPE vnetlat_ptp4l_master_offset_seconds gauge\n"
		    "vnetlat_ptp4l_master_offset_seconds %.9f\n",
		    (double)s->master_offset_ns / 1e9);
	if (s->have & VNL_PTP4L_DELAY)
		fprintf(f,
			"# HELP vnetlat_ptp4l_path_delay_seconds ptp4l's mean path delay.\n"
			"# TYPE vnetlat_ptp4l_path_delay_seconds gauge\n"
			"vnetlat_ptp4l_path_delay_seconds %.9f\n",
			(double)s->path_delay_ns / 1e9);
}

/* Aggregate mode: the packets --keep-slow kept, and those its ring had no room for. */
static void render_kept(const struct live *l, FILE *f)
{
	int d;

	fputs("# HELP vnetlat_kept_packets_total Slow packets kept whole (--keep-slow), by "
	      "direction.\n# TYPE vnetlat_kept_packets_total counter\n",
	      f);
	for (d = 0; d < VNL_DIR_ANY; d++)
		fprintf(f, "vnetlat_kept_packets_total{direction=\"%s\"} %" PRIu64 "\n",
			dir_name(d), l->kept[d]);
	fprintf(f,
		"# HELP vnetlat_kept_lost_total Slow packets --keep-slow had no ring room for.\n"
		"# TYPE vnetlat_kept_lost_total counter\nvnetlat_kept_lost_total %" PRIu64 "\n",
		l->rec.k[0].keep.ring_full);
	fprintf(
	    f,
	    "# HELP vnetlat_kept_over_rate_total Slow packets --keep-slow pQ did not send: past "
	    "twice the quantile's share.\n# TYPE vnetlat_kept_over_rate_total counter\n"
	    "vnetlat_kept_over_rate_total %" PRIu64 "\n",
	    l->rec.k[0].keep.over_rate);
}

void live_render_metrics(struct live *l, FILE *f)
{
	const struct live_series *s;
	int i;

	pthread_mutex_lock(&l->lock);
	fprintf(f, "# HELP vnetlat_segment_latency_seconds Time a packet spent in each segment of "
		   "its path (between two hops).\n"
		   "# TYPE vnetlat_segment_latency_seconds histogram\n");
	for (s = l->series; s; s = s->next) {
		uint64_t cum = 0;

		for (i = 0; i <= LIVE_LE_N; i++) {
			cum += s->le[i];
			fputs("vnetlat_segment_latency_seconds_bucket{", f);
			series_labels(f, s);
			if (i < LIVE_LE_N)
				fprintf(f, ",le=\"%g\"} %" PRIu64 "\n", live_le_seconds[i], cum);
			else
				fprintf(f, ",le=\"+Inf\"} %" PRIu64 "\n", cum);
		}
		fputs("vnetlat_segment_latency_seconds_sum{", f);
		series_labels(f, s);
		fprintf(f, "} %.9g\n", s->sum_s);
		fputs("vnetlat_segment_latency_seconds_count{", f);
		series_labels(f, s);
		fprintf(f, "} %" PRIu64 "\n", s->count);
	}
	fprintf(f,
		"# HELP vnetlat_events_total Hop events received from the kernel.\n"
		"# TYPE vnetlat_events_total counter\nvnetlat_events_total %" PRIu64 "\n",
		l->events);
	fprintf(f,
		"# HELP vnetlat_lost_events_total Hop events the ring buffer had no room for.\n"
		"# TYPE vnetlat_lost_events_total counter\nvnetlat_lost_events_total %" PRIu64 "\n",
		l->rec.lost_total);
	fprintf(f,
		"# HELP vnetlat_journeys_total Packet journeys closed.\n"
		"# TYPE vnetlat_journeys_total counter\nvnetlat_journeys_total %" PRIu64 "\n",
		l->journeys);
	fprintf(f,
		"# HELP vnetlat_round_trips_total Requests paired with their response.\n"
		"# TYPE vnetlat_round_trips_total counter\nvnetlat_round_trips_total %" PRIu64 "\n",
		l->round_trips);
	fprintf(f,
		"# HELP vnetlat_tracer_cpu_seconds_total CPU time of the vnetlat process "
		"(user and system).\n"
		"# TYPE vnetlat_tracer_cpu_seconds_total counter\n"
		"vnetlat_tracer_cpu_seconds_total %.6f\n",
		cpu_seconds());
	render_ptp4l(l, f);
	if (l->aggregate)
		render_kept(l, f);
	pthread_mutex_unlock(&l->lock);
}

void live_free(struct live *l)
{
	struct live_series *s, *next;

	for (s = l->series; s; s = next) {
		next = s->next;
		hist_free(&s->h);
		hist_free(&s->last_h);
		free(s);
	}
	jengine_free(l->je);
	rec_stream_free(l->rs);
	rec_free(&l->rec);
	pthread_mutex_destroy(&l->lock);
}

/*
 * Every loop of the recorder: events are held back to be put in time order until newer ones
 * come; when none came for a while, what is held goes on to the journeys.
 */
static int live_tick(void *ctx, struct rec_io *io)
{
	struct live *l = ctx;

	pthread_mutex_lock(&l->lock);
	if (l->je && l->last_block_ns &&
	    now_ns(CLOCK_MONOTONIC) - l->last_block_ns > 4 * REORDER_NS) {
		rec_stream_drain(l->rs);
		l->last_block_ns = 0;
	}
	pthread_mutex_unlock(&l->lock);
	return 0;
}

/* ---- vnetlat top ---- */

static int by_name(const void *a, const void *b)
{
	const struct live_series *x = *(const struct live_series *const *)a;
	const struct live_series *y = *(const struct live_series *const *)b;
	int c = strcmp(x->direction, y->direction);

	if (!c)
		c = strcmp(x->tap, y->tap);
	return c ? c : strcmp(x->segment, y->segment);
}

static void fmt_us(uint64_t ns, char *buf, size_t size)
{
	snprintf(buf, size, "%.1f", (double)ns / 1e3);
}

static int top_tick(void *ctx, struct rec_io *io)
{
	static uint64_t last;
	struct live *l = ctx;
	uint64_t now = now_ns(CLOCK_MONOTONIC);
	struct live_series **v;
	size_t n = 0, i;

	live_tick(l, io);
	if (now - last < 1000000000ULL)
		return 0;
	pthread_mutex_lock(&l->lock);
	v = calloc(l->nseries + 1, sizeof(*v));
	for (struct live_series *s = l->series; v && s; s = s->next)
		v[n++] = s;
	if (v)
		qsort(v, n, sizeof(*v), by_name);
	printf("\033[H\033[2Jvnetlat top  %.0f s  events %" PRIu64 "  lost %" PRIu64
	       "  journeys %" PRIu64 "  round trips %" PRIu64,
	       (double)(now - l->started_ns) / 1e9, l->events, l->rec.lost_total, l->journeys,
	       l->round_trips);
	if (l->aggregate)
		printf("  kept %" PRIu64, l->kept[VNL_DIR_TO_GUEST] + l->kept[VNL_DIR_FROM_GUEST]);
	printf("   (last second; us)\n\n");
	printf("%-11s %-8s %-30s %8s %9s %9s %9s %10s\n", "DIRECTION", "TAP", "SEGMENT", "COUNT",
	       "P50", "P99", "MAX", "TOTAL");
	for (i = 0; i < n; i++) {
		struct live_series *s = v[i];
		char p50[16] = "-", p99[16] = "-", mx[16] = "-";

		if (s->last_h.count) {
			fmt_us(hist_percentile(&s->last_h, 50), p50, sizeof(p50));
			fmt_us(hist_percentile(&s->last_h, 99), p99, sizeof(p99));
			fmt_us(s->last_h.max, mx, sizeof(mx));
		}
		printf("%-11s %-8s %-30s %8" PRIu64 " %9s %9s %9s %10" PRIu64 "\n", s->direction,
		       s->tap, s->segment, s->last_h.count, p50, p99, mx, s->count);
		hist_free(&s->last_h);
		memset(&s->last_h, 0, sizeof(s->last_h));
	}
	fflush(stdout);
	free(v);
	pthread_mutex_unlock(&l->lock);
	last = now;
	return 0;
}

/* ---- options shared by live and top ---- */

static void live_usage(FILE *f, int top)
{
	fprintf(f, "Usage: vnetlat %s [options]\n", top ? "top" : "live --prometheus ADDR:PORT");
	fprintf(f, "%s",
		top ? "Shows each segment's latency, refreshed every second.\n"
		    : "Serves each segment's latency histogram, per VM, tap and direction,\n"
		      "as Prometheus metrics at http://ADDR:PORT/metrics (give a loopback\n"
		      "address unless the scraper is elsewhere: e.g. 127.0.0.1:9464).\n");
	fprintf(f, "  -i, --iface NAME, --vm PID, -f, --filter EXPR, -d, --duration TIME,\n"
		   "  --sample N, --ring-size SIZE, --tracepoints-only, --no-drops, --no-sched,\n"
		   "  --clock CLOCK, --ptp4l SOCKET, --ptp4l-domain N, --mode MODE,\n"
		   "  --keep-slow SPEC, -v: as vnetlat record\n"
		   "  (live serves ptp4l's port state, master offset and path delay as gauges;\n"
		   "  in aggregate mode, the in-kernel histograms without VM and tap labels, and\n"
		   "  the packets --keep-slow kept as vnetlat_kept_packets_total)\n");
}

static const char *ptp4l_path; /* --ptp4l, as record's */
static uint32_t ptp4l_domain;

static int parse_live_opts(int argc, char **argv, struct rec_opts *o, const char **prom, int top)
{
	static const struct option opts[] = {
	    REC_COMMON_LONGOPTS,
	    {"vm", required_argument, NULL, 'V'},
	    {"no-sched", no_argument, NULL, 'Q'},
	    {"prometheus", required_argument, NULL, 'P'},
	    {"mode", required_argument, NULL, 'm'},
	    {"keep-slow", required_argument, NULL, 'k'},
	    PTP4L_LONGOPTS,
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c, ret;

	optind = 1;
	while ((c = getopt_long(argc, argv, REC_COMMON_SHORTOPTS "h", opts, NULL)) != -1) {
		switch (c) {
		case 'P':
			if (top) {
				live_usage(stderr, top);
				return -EINVAL;
			}
			*prom = optarg;
			break;
		case 'm':
			if (parse_mode(o, optarg))
				return -EINVAL;
			break;
		case 'k':
			if (parse_keep_slow(o, optarg))
				return -EINVAL;
			break;
		case 'Z':
		case 'Y':
			if (ptp4l_opt(c, optarg, &ptp4l_path, &ptp4l_domain))
				return -EINVAL;
			break;
		default: /* help, an option every recording command takes, or none */
			ret = rec_other_opt(o, c, optarg, live_usage, top);
			if (ret)
				return ret;
		}
	}
	if (rec_no_operands(top ? "top" : "live", argc, argv) || check_keep_slow_mode(o))
		return -EINVAL;
	if (!top && !*prom) {
		vnl_err("live: --prometheus ADDR:PORT is required (e.g. 127.0.0.1:9464)");
		return -EINVAL;
	}
	if (!top) {
		struct sockaddr_storage ss;
		unsigned int len;
		char err[200];

		if (link_parse_addr(*prom, &ss, &len, err, sizeof(err))) {
			vnl_err("--prometheus %s", err);
			return -EINVAL;
		}
	}
	return 0;
}

/* Serves /metrics from a thread started without capabilities (they are per thread). */
static int start_server(void *ctx)
{
	struct live *l = ctx;
	char err[256];

	l->server = prom_start(l, l->prom_addr, err, sizeof(err));
	if (!l->server) {
		vnl_err("--prometheus %s", err);
		return -1;
	}
	vnl_info("serving http://%s/metrics", l->prom_addr);
	return 0;
}

static int run_live(int argc, char **argv, int top)
{
	struct rec_opts *o = calloc(1, sizeof(*o));
	struct live *l = calloc(1, sizeof(*l));
	const char *prom = NULL;
	int ret = VNL_EXIT_FAIL;

	if (!o || !l || live_init(l))
		goto out;
	o->ring_size = 16u << 20;
	o->side = VNL_SIDE_HOST;
	o->argc = argc;
	o->argv = argv;
	o->out = top ? "the terminal" : "the Prometheus endpoint";
	o->to.sink = live_sink;
	o->to.ctx = l;
	o->clock_events = -1;
	ret = parse_live_opts(argc, argv, o, &prom, top);
	l->aggregate = o->mode == VNL_MODE_AGGREGATE;
	if (!ret && ptp4l_source(&l->ptp4l, ptp4l_path, ptp4l_domain, o))
		ret = -EINVAL;
	if (ret) {
		ret = ret > 0 ? VNL_EXIT_OK : VNL_EXIT_USAGE;
		goto out;
	}
	if (top) {
		o->to.serve = top_tick;
	} else {
		l->prom_addr = prom;
		o->to.ready = start_server;
		o->to.serve = live_tick;
	}
	ret = record_run(o);
out:
	if (l)
		ptp4l_close(&l->ptp4l);
	if (l && l->server)
		prom_stop(l->server);
	if (l && l->rs)
		live_free(l);
	free(l);
	free(o);
	return ret;
}

int cmd_live(int argc, char **argv)
{
	return run_live(argc, argv, 0);
}

int cmd_top(int argc, char **argv)
{
	return run_live(argc, argv, 1);
}
