// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* A recording read: its file, or the files of a rotated set, in one or two passes. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "hoptab.h"
#include "reader.h"
#include "util.h"

void (*rec_progress)(const char *path, int pass, uint64_t done, uint64_t total);

#define PROGRESS_NS 500000000ULL

static void progress(const struct read_ctx *rc, const char *path, const struct vnl_reader *r,
		     uint64_t *last)
{
	uint64_t now = now_ns(CLOCK_MONOTONIC);

	if (!rec_progress || (r->pos < r->size && now - *last < PROGRESS_NS))
		return;
	*last = now;
	rec_progress(path, rc->pass == PASS_EVENTS ? 2 : 1, r->pos, r->size);
}

static int read_file(struct recording *rec, struct read_ctx *rc, struct reorder *ro,
		     const char *path, char *err, size_t err_size)
{
	struct vnl_reader r;
	struct vnl_block b;
	uint64_t last = now_ns(CLOCK_MONOTONIC), n = 0;
	size_t i;
	int ret;

	ret = vnl_reader_open(&r, path, err, err_size);
	if (ret)
		return ret;
	if (rc->pass != PASS_EVENTS)
		rec->ended = 0;
	rc->cur_kernel = 0;
	rc->next[0] = '\0';
	while (!ret && vnl_reader_next(&r, &b) > 0) {
		ret = read_block(rec, rc, ro, &b);
		if (rec_progress && !(++n & 63))
			progress(rc, path, &r, &last);
	}
	if (rec_progress && n > 64) /* a file that took a while: say it is done */
		rec_progress(path, rc->pass == PASS_EVENTS ? 2 : 1, r.size, r.size);
	if (rc->pass != PASS_EVENTS &&
	    !reserve(&rec->damage, rec->ndamage, r.ndamage, sizeof(*rec->damage))) {
		for (i = 0; i < r.ndamage; i++) {
			rec->damage[rec->ndamage] = r.damage[i];
			rec->damage[rec->ndamage++].part = rec->nparts;
		}
	}
	vnl_reader_close(&r);
	rec->nparts++;
	if (ret)
		snprintf(err, err_size, "%s: %s", path, strerror(-ret));
	return ret;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* Every file of the recording (path, then path.1, path.2, ... of a rotated set), in order. */
static int read_parts(struct recording *rec, struct read_ctx *rc, struct reorder *ro,
		      const char *path, char *err, size_t err_size)
{
	char part[4096];
	int ret;

	rec->nparts = 0;
	ret = read_file(rec, rc, ro, path, err, err_size);
	while (!ret) {
		snprintf(part, sizeof(part), "%s.%u", path, rec->nparts);
		if (!rc->next[0] || strcmp(base_name(rc->next), base_name(part))) {
			/* only the files the END chain names: never a leftover of an earlier run */
			if (!access(part, F_OK) && rc->pass != PASS_EVENTS)
				vnl_warn(
				    "%s: not read, the recording's last file names no next one",
				    part);
			break;
		}
		if (access(part, F_OK)) {
			vnl_warn("%s: missing (named as the next file of the recording)", part);
			break;
		}
		ret = read_file(rec, rc, ro, part, err, err_size);
	}
	return ret;
}

int rec_read(struct recording *rec, const char *path, rec_event_fn on_event, void *ctx, char *err,
	     size_t err_size)
{
	return rec_read_windows(rec, path, on_event, NULL, ctx, err, err_size);
}

static void rec_init(struct recording *rec, const char *path)
{
	unsigned int k, i;

	memset(rec, 0, sizeof(*rec));
	rec->path = path;
	rec->nkernels = 1;
	for (k = 0; k < REC_MAX_KERNELS; k++) /* a file without a hop table: this build's ids */
		for (i = 0; i < REC_FILE_HOP_IDS; i++)
			rec->hop_map[k][i] = i < VNL_HOP_MAX ? (uint16_t)i : REC_HOP_UNKNOWN;
}

/* Lost events of the host and every guest, once their blocks were read. */
static void sum_lost(struct recording *rec)
{
	unsigned int k;

	rec->lost_total = rec->host_lost;
	for (k = 1; k < rec->nkernels; k++)
		rec->lost_total += rec->k[k].lost_total;
}

int rec_read_windows(struct recording *rec, const char *path, rec_event_fn on_event,
		     rec_window_fn on_window, void *ctx, char *err, size_t err_size)
{
	struct read_ctx rc = {.rec = rec, .fn = on_event, .ctx = ctx, .window_fn = on_window};
	struct reorder *ro;
	int ret;

	rec_init(rec, path);
	ro = reorder_new(REORDER_WINDOW_NS);
	if (!ro)
		return -ENOMEM;
	ret = read_parts(rec, &rc, ro, path, err, err_size);
	if (!ret && rc.pass == PASS_COLLECT) {
		ret = estimate_clocks(rec, &rc);
		place_guest_events(rec, &rc);
		rc.pass = PASS_EVENTS;
		if (!ret)
			ret = read_parts(rec, &rc, ro, path, err, err_size);
	}
	if (!ret)
		reorder_drain(ro, hand_out, &rc);
	while (!ret && rc.gev_next < rc.ngev)
		deliver(&rc, &rc.gev[rc.gev_next++]);
	rec->late_events = reorder_late(ro);
	sum_lost(rec);
	reorder_free(ro);
	free(rc.gev);
	free(rc.bnd);
	free(rc.clk);
	return ret;
}

void rec_free(struct recording *rec)
{
	int i;

	for (i = 0; i < REC_MAX_REASONS; i++)
		free(rec->reasons[i]);
	free(rec->ifaces);
	free(rec->damage);
	free(rec->devevents);
	free(rec->ptp4l);
	free(rec->qdiscs);
	free(rec->softirq);
	free(rec->agg_drops);
	for (i = 0; i < VNL_AGG_SLOTS; i++)
		hist_free(&rec->agg[i]);
	for (i = 0; i < REC_MAX_KERNELS; i++) {
		int r;

		for (r = 0; rec->k[i].reasons && r < REC_MAX_REASONS; r++)
			free(rec->k[i].reasons[r]);
		free(rec->k[i].reasons);
		free(rec->k[i].ifaces);
	}
	memset(rec, 0, sizeof(*rec));
}

uint32_t rec_vhost_worker(const struct recording *rec, uint32_t vm_pid, char *name, size_t size)
{
	const char *p = rec->vhost_workers;
	unsigned int tid, vm;
	char n[16];
	int used;

	while (sscanf(p, " %u:%u:%15[^ ]%n", &tid, &vm, n, &used) == 3) {
		if (vm == vm_pid) {
			snprintf(name, size, "%s", n);
			return tid;
		}
		p += used;
	}
	return 0;
}

const struct vnl_file_iface *rec_iface(const struct recording *rec, uint32_t netns,
				       uint32_t ifindex)
{
	unsigned int i;

	for (i = 0; i < rec->nifaces; i++)
		if (rec->ifaces[i].ifindex == ifindex && rec->ifaces[i].netns == netns)
			return &rec->ifaces[i];
	return NULL;
}

const char *rec_reason(const struct recording *rec, uint32_t reason)
{
	if (reason < REC_MAX_REASONS && rec->reasons[reason])
		return rec->reasons[reason];
	return "unknown";
}

const char *rec_reason_of(const struct recording *rec, unsigned int k, uint32_t reason)
{
	if (!k || k >= REC_MAX_KERNELS)
		return rec_reason(rec, reason);
	if (reason < REC_MAX_REASONS && rec->k[k].reasons && rec->k[k].reasons[reason])
		return rec->k[k].reasons[reason];
	return "unknown";
}

uint64_t rec_host_time(const struct recording *rec, unsigned int k, uint64_t ts)
{
	/* with PTP both kernels stamp with the same (synchronised) clock */
	if (k && k < REC_MAX_KERNELS && rec->k[k].clock.valid && !rec->k[k].ptp)
		return clk_to_host(&rec->k[k].clock, ts);
	return ts;
}

void rec_wall_time(const struct recording *rec, uint64_t ts, char *buf, size_t size)
{
	int64_t wall = (int64_t)rec->realtime_ns + ((int64_t)ts - (int64_t)rec->monotonic_ns);
	time_t sec = (time_t)(wall / 1000000000);
	struct tm tm;

	gmtime_r(&sec, &tm);
	snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%09lldZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (long long)(wall % 1000000000));
}

struct rec_stream {
	struct read_ctx rc;
	struct reorder *ro;
};

struct rec_stream *rec_stream_new(struct recording *rec, const char *what, rec_event_fn on_event,
				  void *ctx)
{
	struct rec_stream *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	rec_init(rec, what);
	s->rc = (struct read_ctx){.rec = rec, .fn = on_event, .ctx = ctx, .pass = PASS_STREAM};
	s->ro = reorder_new(REORDER_WINDOW_NS);
	if (!s->ro) {
		free(s);
		return NULL;
	}
	return s;
}

int rec_stream_block(struct rec_stream *s, uint32_t type, const void *payload, uint32_t len)
{
	struct vnl_block b = {.type = type, .len = len, .payload = payload};
	int err = read_block(s->rc.rec, &s->rc, s->ro, &b);

	sum_lost(s->rc.rec);
	return err;
}

void rec_stream_drain(struct rec_stream *s)
{
	reorder_drain(s->ro, hand_out, &s->rc);
}

void rec_stream_free(struct rec_stream *s)
{
	if (!s)
		return;
	reorder_free(s->ro);
	free(s);
}

/* Of one kernel's qdisc sets, the time of the one read last before ts (else the first's). */
static uint64_t qdisc_set_ts(const struct recording *rec, unsigned int k, uint64_t ts)
{
	uint64_t best = 0, first = 0;
	int have_best = 0, have_first = 0;
	size_t i;

	for (i = 0; i < rec->nqdiscs; i++) {
		const struct rec_qdisc *q = &rec->qdiscs[i];

		if (q->kernel != k)
			continue;
		if (!have_first)
			first = q->s.ts_ns, have_first = 1;
		if (rec_host_time(rec, k, q->s.ts_ns) <= ts)
			best = q->s.ts_ns, have_best = 1;
	}
	return have_best ? best : first;
}

/* mqprio or taprio (a class is its queues) before a band map (its children's pfifo_fast). */
const struct vnl_file_qdisc *rec_class_map(const struct recording *rec, unsigned int k,
					   uint32_t ifindex, uint64_t ts)
{
	const struct vnl_file_qdisc *pick = NULL;
	uint64_t set_ts = qdisc_set_ts(rec, k, ts);
	size_t i;

	for (i = 0; i < rec->nqdiscs; i++) {
		const struct rec_qdisc *q = &rec->qdiscs[i];

		if (q->kernel != k || q->s.ts_ns != set_ts || !q->s.nclasses ||
		    (ifindex && q->s.ifindex != ifindex))
			continue;
		if (!pick || (q->s.queues && !pick->queues))
			pick = &q->s;
	}
	return pick;
}
