// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* vnetlat report and vnetlat dump: journeys, the per-layer breakdown, JSON and JSON lines. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <sys/syscall.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hist.h"
#include "hoptab.h"
#include "journey.h"
#include "json.h"
#include "recording.h"
#include "report.h"
#include "breakdown.h"
#include "timeline.h"
#include "hdrlog.h"
#include "html.h"
#include "util.h"

#define JOURNEY_TIMEOUT_NS 1000000000ULL
#define GROUP_BUCKETS	   4096

enum group_by { BY_NONE = 0, BY_VM, BY_IFACE, BY_FLOW };

struct report {
	struct recording *rec;
	struct jengine *je;
	enum group_by by;
	struct group all;
	struct group *buckets[GROUP_BUCKETS];
	struct group **order; /* groups in the order first seen */
	size_t ngroups;
	int dump;	       /* JSON lines of every event and journey */
	uint64_t max_stall_ns; /* --max-stall; 0: the engine's default */
	uint64_t events_by_hop[VNL_HOP_MAX];
	/* --csv: the breakdown per time window (by the journey's first hop) */
	const char *csv_path;
	const char *hdr_path;  /* --hdr-log: the same as an HdrHistogram interval log */
	const char *html_path; /* --html: one self-contained page with SVG charts */
	uint64_t window_ns;
	struct group **windows;
	size_t nwindows;
	int oom;
	struct jw w;
	struct vnl_event *clock_events; /* clock.adjust: steps and slews, for the timeline */
	size_t nclock_events;
	int window_given;     /* --window: per-window tables in the text report too */
	uint64_t sched_usual; /* the median window's VMM CPU waits, once computed */
	int sched_usual_known;
	struct timeline tl; /* spikes and trends, across windows */
};

/* ---- aggregation ---- */

static struct seg_agg *seg_get(struct dir_agg *d, const char *name, uint16_t from, uint16_t to,
			       uint8_t part)
{
	struct seg_agg *s;
	size_t i;

	for (i = 0; i < d->nsegs; i++) {
		s = &d->segs[i];
		if (s->from == from && s->to == to && s->part == part && !strcmp(s->name, name))
			return s;
	}
	s = realloc(d->segs, (d->nsegs + 1) * sizeof(*s));
	if (!s)
		return NULL;
	d->segs = s;
	s = &d->segs[d->nsegs++];
	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->from = from;
	s->to = to;
	s->part = part;
	return s;
}

static void add_drops(struct dir_agg *d, uint16_t hop, uint32_t reason, uint64_t n)
{
	struct drop_agg *a;
	size_t i;

	for (i = 0; i < d->ndrops; i++) {
		if (d->drops[i].hop == hop && d->drops[i].reason == reason) {
			d->drops[i].count += n;
			return;
		}
	}
	a = realloc(d->drops, (d->ndrops + 1) * sizeof(*a));
	if (!a)
		return;
	d->drops = a;
	d->drops[d->ndrops++] = (struct drop_agg){hop, reason, n};
}

static int add_segments(struct dir_agg *d, const struct journey *j, const char *prefix,
			uint8_t part)
{
	size_t plen = strlen(prefix);
	char buf[80], name[96];
	int i;

	memcpy(name, prefix, plen + 1);
	for (i = 1; i < j->nhops; i++) {
		const char *seg = segment_name(j->hops[i - 1], j->hops[i], buf, sizeof(buf));
		size_t slen = strlen(seg);
		struct seg_agg *s;

		/* this runs for every segment of every journey: no printf here */
		if (plen && plen + slen < sizeof(name))
			memcpy(name + plen, seg, slen + 1);
		if (ts_diff(j->ts[i], j->ts[i - 1]) < 0)
			continue; /* the engine refuses these: never recorded as a huge value */
		s = seg_get(d, plen ? name : seg, j->hops[i - 1], j->hops[i], part);
		if (!s || hist_record(&s->h, (uint64_t)ts_diff(j->ts[i], j->ts[i - 1])))
			return -ENOMEM;
	}
	return 0;
}

static void add_journey(struct report *r, struct dir_agg *d, const struct journey *j)
{
	d->packets++;
	if (j->dropped) {
		d->dropped++;
		add_drops(d, j->drop_hop, j->drop_reason, 1);
		return;
	}
	if (j->partial) {
		/* began mid-path (a clone, a GSO tail): its layers count, never its end to end */
		d->partial++;
		if (add_segments(d, j, "", 0))
			r->oom = 1;
		return;
	}
	if (!j->complete) {
		d->incomplete++;
		if (j->nhops)
			d->incomplete_after[j->hops[j->nhops - 1]]++;
		return;
	}
	d->complete++;
	if (hist_record(&d->e2e, (uint64_t)ts_diff(j->ts[j->nhops - 1], j->ts[0])) ||
	    add_segments(d, j, "", 0))
		r->oom = 1;
}

static const char *dir_prefix(int dir)
{
	return dir == VNL_DIR_TO_GUEST ? "to_guest." : "from_guest.";
}

/* Where a journey crosses between host and guest: the hops either side, -1 if it does not. */
static int crossing(const struct journey *j, int *before, int *after)
{
	int i;

	for (i = 1; i < j->nhops; i++) {
		if (hop_in_guest(j->hops[i - 1]) != hop_in_guest(j->hops[i])) {
			*before = i - 1;
			*after = i;
			return 0;
		}
	}
	return -1;
}

/*
 * A round trip into the guest crosses twice. (host after the reply) - (host before the request)
 * minus (guest's reply) - (guest's request) is the time of both crossings: differences on one
 * clock each, so the offset between the clocks falls out (the drift's share is taken out).
 */
static void add_boundary(struct report *r, struct dir_agg *d, const struct journey *req,
			 const struct journey *resp)
{
	const struct rec_kernel *k = &r->rec->k[req->kernel < REC_MAX_KERNELS ? req->kernel : 0];
	int h1, g1, g2, h2;
	double guest_span, exact, split;

	if (req->dir != VNL_DIR_TO_GUEST || !req->kernel || crossing(req, &h1, &g1) ||
	    crossing(resp, &g2, &h2) || !k->clock.valid)
		return;
	guest_span = (double)ts_diff(resp->ts[g2], req->ts[g1]) / (1.0 - k->clock.drift);
	exact = (double)ts_diff(resp->ts[h2], req->ts[h1]) - guest_span;
	split =
	    (double)ts_diff(req->ts[g1], req->ts[h1]) + (double)ts_diff(resp->ts[h2], resp->ts[g2]);
	if (exact < 0)
		return;
	if (hist_record(&d->boundary, (uint64_t)(exact + 0.5)))
		r->oom = 1;
	if (fabs(exact - split) > (double)d->boundary_mismatch_max)
		d->boundary_mismatch_max = (uint64_t)(fabs(exact - split) + 0.5);
}

static void add_round_trip(struct report *r, struct dir_agg *d, const struct journey *req,
			   const struct journey *resp)
{
	uint64_t gap = (uint64_t)ts_diff(resp->ts[0], req->ts[req->nhops - 1]);
	const char *outside = req->dir != VNL_DIR_TO_GUEST		? VNL_SEG_OUTSIDE_REMOTE
			      : hop_in_guest(req->hops[req->nhops - 1]) ? VNL_SEG_TURNAROUND
									: VNL_SEG_OUTSIDE_GUEST;
	struct seg_agg *s;

	add_boundary(r, d, req, resp);

	d->packets++;
	if (req->complete && resp->complete) {
		d->complete++;
		if (hist_record(&d->e2e, (uint64_t)ts_diff(resp->ts[resp->nhops - 1], req->ts[0])))
			r->oom = 1;
	} else {
		d->partial++; /* a GSO tail's echo: its layers, not its end to end */
	}
	if (add_segments(d, req, dir_prefix(req->dir), PART_REQ) ||
	    add_segments(d, resp, dir_prefix(resp->dir), PART_RESP)) {
		r->oom = 1;
		return;
	}
	s = seg_get(d, outside, req->hops[req->nhops - 1], resp->hops[0], PART_OUTSIDE);
	if (!s || hist_record(&s->h, gap))
		r->oom = 1;
}

static void flow_str(const struct vnl_pkt *p, char *buf, size_t size)
{
	char s[INET6_ADDRSTRLEN] = "?", d[INET6_ADDRSTRLEN] = "?";
	int af = p->flow.family == 6 ? AF_INET6 : AF_INET;
	const char *proto;

	inet_ntop(af, p->flow.saddr, s, sizeof(s));
	inet_ntop(af, p->flow.daddr, d, sizeof(d));
	switch (p->flow.proto) {
	case 6:
		proto = "tcp";
		break;
	case 17:
		proto = "udp";
		break;
	case 1:
		proto = "icmp";
		break;
	case 58:
		proto = "icmp6";
		break;
	default:
		proto = "ip";
	}
	if (p->flow.proto == 6 || p->flow.proto == 17)
		snprintf(buf, size, af == AF_INET6 ? "%s [%s]:%u > [%s]:%u" : "%s %s:%u > %s:%u",
			 proto, s, p->flow.sport, d, p->flow.dport);
	else if (p->flow.proto == 1 || p->flow.proto == 58)
		snprintf(buf, size, "%s %s > %s id %u", proto, s, d, p->flow.sport);
	else
		snprintf(buf, size, "%s %s > %s proto %u", proto, s, d, p->flow.proto);
}

static void group_key(const struct report *r, const struct journey *j, char *buf, size_t size)
{
	const struct vnl_file_iface *tap;
	struct vnl_pkt p;

	tap = j->tap_ifindex
		  ? rec_iface(r->rec, r->rec->ifaces ? r->rec->ifaces[0].netns : 0, j->tap_ifindex)
		  : NULL;
	switch (r->by) {
	case BY_VM:
		if (tap && tap->vm_pid)
			snprintf(buf, size, "%s (pid %u)", tap->vm_name, tap->vm_pid);
		else
			snprintf(buf, size, "unknown");
		break;
	case BY_IFACE:
		snprintf(buf, size, "%s", tap ? tap->name : "unknown");
		break;
	case BY_FLOW:
		/* one key for both directions of a conversation: written as seen towards the guest
		 */
		p = j->pkt;
		if (j->dir == VNL_DIR_FROM_GUEST) {
			uint32_t a[4];
			uint16_t port = p.flow.sport;

			memcpy(a, p.flow.saddr, sizeof(a));
			memcpy(p.flow.saddr, p.flow.daddr, sizeof(a));
			memcpy(p.flow.daddr, a, sizeof(a));
			if (p.flow.proto != 1 && p.flow.proto != 58) {
				p.flow.sport = p.flow.dport;
				p.flow.dport = port;
			}
		}
		flow_str(&p, buf, size);
		break;
	default:
		snprintf(buf, size, "all");
	}
}

static struct group *group_get(struct report *r, const struct journey *j)
{
	struct group *g, **order;
	char key[128];
	uint32_t h = 2166136261u;
	const char *p;

	if (r->by == BY_NONE)
		return NULL;
	group_key(r, j, key, sizeof(key));
	for (p = key; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	h %= GROUP_BUCKETS;
	for (g = r->buckets[h]; g; g = g->next)
		if (!strcmp(g->key, key))
			return g;
	g = calloc(1, sizeof(*g));
	order = realloc(r->order, (r->ngroups + 1) * sizeof(*order));
	if (!g || !order) {
		free(g);
		r->order = order ? order : r->order;
		r->oom = 1;
		return NULL;
	}
	snprintf(g->key, sizeof(g->key), "%s", key);
	g->next = r->buckets[h];
	r->buckets[h] = g;
	r->order = order;
	r->order[r->ngroups++] = g;
	return g;
}

/* ---- dump: JSON lines ---- */

static void dump_pkt(struct jw *w, const struct vnl_pkt *p)
{
	char s[INET6_ADDRSTRLEN] = "", d[INET6_ADDRSTRLEN] = "", fp[20];
	int af = p->flow.family == 6 ? AF_INET6 : AF_INET;

	snprintf(fp, sizeof(fp), "%016" PRIx64, (uint64_t)p->fp);
	jw_str(w, "fp", fp);
	if (!p->flow.family)
		return;
	inet_ntop(af, p->flow.saddr, s, sizeof(s));
	inet_ntop(af, p->flow.daddr, d, sizeof(d));
	jw_u64(w, "proto", p->flow.proto);
	jw_str(w, "src", s);
	jw_str(w, "dst", d);
	jw_u64(w, "sport", p->flow.sport);
	jw_u64(w, "dport", p->flow.dport);
	if (p->flow.proto == 6) {
		jw_u64(w, "seq", p->seq);
		jw_u64(w, "ack", p->ack);
		jw_u64(w, "tcp_flags", p->tcp_flags);
	} else if (p->flow.proto == 1 || p->flow.proto == 58) {
		jw_u64(w, "echo_seq", p->seq);
	}
	jw_u64(w, "payload", p->payload);
}

static void dump_event(struct report *r, const struct vnl_event *ev)
{
	const struct vnl_file_iface *dev = rec_iface(r->rec, ev->netns, ev->ifindex);
	char wall[40], skb[24];
	struct jw *w = &r->w;

	rec_wall_time(r->rec, ev->ts_ns, wall, sizeof(wall));
	snprintf(skb, sizeof(skb), "0x%" PRIx64, (uint64_t)ev->skb);
	jw_obj_begin(w, NULL);
	jw_str(w, "type", "event");
	jw_u64(w, "ts_ns", ev->ts_ns);
	jw_str(w, "time", wall);
	jw_str(w, "hop", hop_name(ev->hop));
	jw_u64(w, "kernel", ev->kernel);
	if (dev)
		jw_str(w, "iface", dev->name);
	jw_u64(w, "ifindex", ev->ifindex);
	jw_u64(w, "cpu", ev->cpu);
	jw_u64(w, "pid", ev->pid);
	jw_u64(w, "tid", ev->tid);
	if (!(ev->flags & VNL_EV_NO_PACKET)) {
		jw_str(w, "skb", skb);
		jw_u64(w, "len", ev->len);
		dump_pkt(w, &ev->pkt);
	}
	if (ev->hop == VNL_HOP_DROP)
		jw_str(w, "reason", rec_reason_of(r->rec, ev->kernel, ev->reason));
	else if (ev->hop == VNL_HOP_TAP_XMIT || ev->hop == VNL_HOP_UPLINK_XMIT)
		jw_i64(w, "rc", (int32_t)ev->reason);
	jw_obj_end(w);
	jw_newline(w);
}

static void dump_hops(struct jw *w, const struct journey *j, const char *prefix)
{
	char buf[80], name[96];
	int i;

	for (i = 1; i < j->nhops; i++) {
		snprintf(name, sizeof(name), "%s%s", prefix,
			 segment_name(j->hops[i - 1], j->hops[i], buf, sizeof(buf)));
		jw_obj_begin(w, NULL);
		jw_str(w, "name", name);
		jw_str(w, "from", hop_name(j->hops[i - 1]));
		jw_str(w, "to", hop_name(j->hops[i]));
		jw_i64(w, "ns", ts_diff(j->ts[i], j->ts[i - 1]));
		jw_obj_end(w);
	}
}

static void dump_journey(struct report *r, const struct journey *j)
{
	struct jw *w = &r->w;
	int i;

	jw_obj_begin(w, NULL);
	jw_str(w, "type", "journey");
	jw_u64(w, "id", j->id);
	jw_str(w, "direction", dir_name(j->dir));
	jw_bool(w, "complete", j->complete);
	jw_bool(w, "partial", j->partial);
	if (j->dropped) {
		jw_str(w, "dropped_after", hop_name(j->drop_hop));
		jw_str(
		    w, "drop_reason",
		    rec_reason_of(r->rec, rec_kernel_of_hop(r->rec, j->drop_hop), j->drop_reason));
	}
	dump_pkt(w, &j->pkt);
	jw_arr_begin(w, "hops");
	for (i = 0; i < j->nhops; i++) {
		jw_obj_begin(w, NULL);
		jw_str(w, "hop", hop_name(j->hops[i]));
		jw_u64(w, "ts_ns", j->ts[i]);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_arr_begin(w, "segments");
	dump_hops(w, j, "");
	jw_arr_end(w);
	jw_i64(w, "end_to_end_ns", j->nhops ? ts_diff(j->ts[j->nhops - 1], j->ts[0]) : 0);
	jw_obj_end(w);
	jw_newline(w);
}

static void dump_round_trip(struct report *r, const struct journey *req, const struct journey *resp)
{
	struct jw *w = &r->w;

	jw_obj_begin(w, NULL);
	jw_str(w, "type", "round_trip");
	jw_str(w, "initiator", req->dir == VNL_DIR_TO_GUEST ? "remote" : "guest");
	jw_u64(w, "request", req->id);
	jw_u64(w, "response", resp->id);
	jw_arr_begin(w, "segments");
	dump_hops(w, req, dir_prefix(req->dir));
	jw_obj_begin(w, NULL);
	jw_str(w, "name",
	       req->dir == VNL_DIR_TO_GUEST ? VNL_SEG_OUTSIDE_GUEST : VNL_SEG_OUTSIDE_REMOTE);
	jw_str(w, "from", hop_name(req->hops[req->nhops - 1]));
	jw_str(w, "to", hop_name(resp->hops[0]));
	jw_i64(w, "ns", ts_diff(resp->ts[0], req->ts[req->nhops - 1]));
	jw_obj_end(w);
	dump_hops(w, resp, dir_prefix(resp->dir));
	jw_arr_end(w);
	jw_i64(w, "end_to_end_ns", ts_diff(resp->ts[resp->nhops - 1], req->ts[0]));
	jw_obj_end(w);
	jw_newline(w);
}

/* ---- sinks ---- */

/* The group of the time window ts falls in (NULL for dump). */
static struct group *window_at(struct report *r, uint64_t ts)
{
	uint64_t base = r->rec->monotonic_ns, idx;

	if (r->dump)
		return NULL;
	idx = ts > base ? (ts - base) / r->window_ns : 0;
	if (idx > (1u << 24)) {
		r->oom = 1; /* a run of more than 16 M windows: choose a longer --window */
		return NULL;
	}
	if (idx >= r->nwindows) {
		size_t n = (size_t)idx + 1;
		struct group **w = realloc(r->windows, n * sizeof(*w));

		if (!w) {
			r->oom = 1;
			return NULL;
		}
		memset(w + r->nwindows, 0, (n - r->nwindows) * sizeof(*w));
		r->windows = w;
		r->nwindows = n;
	}
	if (!r->windows[idx]) {
		r->windows[idx] = calloc(1, sizeof(struct group));
		if (!r->windows[idx])
			r->oom = 1;
	}
	return r->windows[idx];
}

/* The histogram of group g an aggregate-mode slot feeds: a segment's, or end to end. */
static struct hist *slot_hist(struct report *r, struct group *g, unsigned int slot,
			      struct dir_agg **dir)
{
	const struct vnl_file_slot *sl = &r->rec->slots[slot];
	struct dir_agg *d = &g->dirs[sl->dir == VNL_DIR_TO_GUEST ? ROW_TO_GUEST : ROW_FROM_GUEST];
	struct seg_agg *seg;

	*dir = d;
	if (sl->from == VNL_HOP_NONE)
		return &d->e2e;
	seg = seg_get(d, sl->name, sl->from, sl->to, 0);
	if (!seg)
		r->oom = 1;
	return seg ? &seg->h : NULL;
}

/* Counts end-to-end values as complete packets. */
static void count_e2e(struct dir_agg *d, const struct hist *h, uint64_t n)
{
	if (h != &d->e2e)
		return;
	d->packets += n;
	d->complete += n;
}

static void on_window(void *ctx, const struct recording *rec, uint64_t start, uint64_t end,
		      const struct vnl_file_hist_entry *e, size_t n)
{
	struct report *r = ctx;
	struct group *g = window_at(r, start + (end - start) / 2);
	size_t i;

	for (i = 0; g && i < n; i++) {
		struct dir_agg *d;
		struct hist *h;

		if (!rec->have_slot[e[i].slot] || !e[i].count)
			continue;
		h = slot_hist(r, g, e[i].slot, &d);
		if (!h || hist_add_bucket(h, e[i].bucket, e[i].count))
			r->oom = 1;
		else
			count_e2e(d, h, e[i].count);
	}
}

static void on_journey(void *ctx, const struct journey *j)
{
	struct report *r = ctx;
	struct group *g;

	if (r->dump) {
		dump_journey(r, j);
		return;
	}
	/* in aggregate mode the in-kernel histograms hold every packet; journeys are a sample */
	if (j->dir >= VNL_DIR_ANY || r->rec->aggregate)
		return;
	add_journey(r, &r->all.dirs[j->dir], j);
	g = group_get(r, j);
	if (g)
		add_journey(r, &g->dirs[j->dir], j);
	g = j->nhops ? window_at(r, j->ts[0]) : NULL;
	if (g)
		add_journey(r, &g->dirs[j->dir], j);
}

static void on_round_trip(void *ctx, const struct journey *req, const struct journey *resp)
{
	struct report *r = ctx;
	int row = req->dir == VNL_DIR_TO_GUEST ? ROW_RT_REMOTE : ROW_RT_GUEST;
	struct group *g;

	if (r->dump) {
		dump_round_trip(r, req, resp);
		return;
	}
	add_round_trip(r, &r->all.dirs[row], req, resp);
	g = group_get(r, req);
	if (g)
		add_round_trip(r, &g->dirs[row], req, resp);
	g = window_at(r, req->ts[0]);
	if (g)
		add_round_trip(r, &g->dirs[row], req, resp);
}

/* A VMM thread's wait for a CPU, [start, end): each window gets the part it overlaps. */
static void add_sched_wait(struct report *r, uint64_t start, uint64_t end)
{
	uint64_t base = r->rec->monotonic_ns, t = start;

	r->all.sched_ns += end - start;
	r->all.sched_n++;
	if (end - start > r->all.sched_max_ns)
		r->all.sched_max_ns = end - start;
	while (t < end) {
		uint64_t wend =
		    t < base ? base : base + ((t - base) / r->window_ns + 1) * r->window_ns;
		struct group *g = window_at(r, t);

		if (wend > end)
			wend = end;
		if (!g)
			break;
		g->sched_ns += wend - t;
		g->sched_n++;
		if (end - start > g->sched_max_ns)
			g->sched_max_ns = end - start;
		t = wend;
	}
}

static void on_event(void *ctx, const struct recording *rec, const struct vnl_event *ev)
{
	struct report *r = ctx;

	if (!r->je) {
		struct jsink sink = {on_journey, on_round_trip, r};
		struct jpath path;

		rec_path(rec, &path);
		r->je = jengine_new(&sink, &path, JOURNEY_TIMEOUT_NS);
		if (r->je && r->max_stall_ns)
			jengine_set_max_stall(r->je, r->max_stall_ns);
		if (!r->je) {
			r->oom = 1;
			return;
		}
	}
	if (ev->hop < VNL_HOP_MAX)
		r->events_by_hop[ev->hop]++;
	if (ev->hop == VNL_HOP_VMM_SCHED && !r->dump)
		add_sched_wait(r, ev->ts_ns - ev->len, ev->ts_ns);
	if (ev->hop == VNL_HOP_CLOCK_ADJUST && r->nclock_events < 100000) {
		struct vnl_event *p = realloc(r->clock_events, (r->nclock_events + 1) * sizeof(*p));

		if (p) {
			r->clock_events = p;
			p[r->nclock_events++] = *ev;
		}
	}
	if (r->dump)
		dump_event(r, ev);
	jengine_event(r->je, ev);
}

/* In aggregate mode: the directions' segments from the in-kernel histograms. */
static void add_aggregate(struct report *r)
{
	const struct recording *rec = r->rec;
	unsigned int slot;
	size_t i;

	for (slot = 0; slot < VNL_AGG_SLOTS; slot++) {
		struct dir_agg *d;
		struct hist *h;

		if (!rec->have_slot[slot] || !rec->agg[slot].count)
			continue;
		h = slot_hist(r, &r->all, slot, &d);
		if (!h || hist_merge(h, &rec->agg[slot]))
			r->oom = 1;
		else
			count_e2e(d, h, rec->agg[slot].count);
	}
	for (i = 0; i < rec->nagg_drops; i++) {
		const struct vnl_file_drop *dr = &rec->agg_drops[i];
		struct dir_agg *d;

		if (dr->hop >= VNL_HOP_MAX)
			continue;
		d = &r->all.dirs[vnl_hops[dr->hop].dir == VNL_DIR_FROM_GUEST ? ROW_FROM_GUEST
									     : ROW_TO_GUEST];
		d->packets += dr->count;
		d->dropped += dr->count;
		add_drops(d, dr->hop, dr->reason, dr->count);
	}
}

/* ---- printing ---- */

static const char *row_name(int row)
{
	return row == ROW_TO_GUEST     ? "to_guest"
	       : row == ROW_FROM_GUEST ? "from_guest"
				       : "round_trip";
}

static int seg_cmp(const void *a, const void *b)
{
	const struct seg_agg *x = a, *y = b;

	if (x->part != y->part)
		return x->part - y->part;
	if (x->from != y->from)
		return x->from - y->from;
	return x->to - y->to;
}

static void fmt_ns(uint64_t ns, char *buf, size_t size)
{
	if (ns < 10000)
		snprintf(buf, size, "%" PRIu64 "ns", ns);
	else if (ns < 1000000)
		snprintf(buf, size, "%.1fus", (double)ns / 1e3);
	else if (ns < 10000000000ULL)
		snprintf(buf, size, "%.2fms", (double)ns / 1e6);
	else
		snprintf(buf, size, "%.2fs", (double)ns / 1e9);
}

static const double pcts[] = {50, 90, 99, 99.9, 99.99};
static const char *const pct_keys[] = {"p50_ns", "p90_ns", "p99_ns", "p999_ns", "p9999_ns"};

static void print_stats_row(const char *name, const char *from, const char *to,
			    const struct hist *h, double share)
{
	char v[6][16];
	size_t i;

	for (i = 0; i < 4; i++)
		fmt_ns(hist_percentile(h, pcts[i]), v[i], sizeof(v[i]));
	fmt_ns(h->max, v[4], sizeof(v[4]));
	printf("  %-28s %-18s %-18s %8" PRIu64 " %9s %9s %9s %9s %9s", name, from, to, h->count,
	       v[0], v[1], v[2], v[3], v[4]);
	if (share >= 0)
		printf(" %5.1f%%", share * 100.0);
	putchar('\n');
}

static uint64_t segs_sum(const struct dir_agg *d)
{
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < d->nsegs; i++)
		sum += d->segs[i].h.sum;
	return sum;
}

static void print_dir_text(const struct report *r, int row, struct dir_agg *d)
{
	uint64_t total = segs_sum(d);
	int h, tied = 0, crosses = 0;
	size_t i;

	if (!d->packets)
		return;
	if (d->nsegs)
		qsort(d->segs, d->nsegs, sizeof(*d->segs), seg_cmp);
	if (row >= ROW_RT_REMOTE)
		printf("\nround_trip (initiator %s): %" PRIu64 " round trips\n",
		       row == ROW_RT_REMOTE ? "remote" : "guest", d->packets);
	else
		printf("\n%s: %" PRIu64 " packets (%" PRIu64 " complete, %" PRIu64
		       " partial, %" PRIu64 " lost hops, %" PRIu64 " dropped)\n",
		       row_name(row), d->packets, d->complete, d->partial, d->incomplete,
		       d->dropped);
	if (!d->complete)
		goto problems;
	printf("  %-28s %-18s %-18s %8s %9s %9s %9s %9s %9s %6s\n", "SEGMENT", "FROM", "TO",
	       "COUNT", "P50", "P90", "P99", "P99.9", "MAX", "SHARE");
	for (i = 0; i < d->nsegs; i++) {
		const struct seg_agg *s = &d->segs[i];
		char name[96];

		/* +: a packetless hop, tied by thread or CPU; ~: across kernels (clock offset) */
		snprintf(name, sizeof(name), "%s%s%s", s->name,
			 vnl_hops[s->from].packetless || vnl_hops[s->to].packetless ? "+" : "",
			 hop_in_guest(s->from) != hop_in_guest(s->to) ? "~" : "");
		if (vnl_hops[s->from].packetless || vnl_hops[s->to].packetless)
			tied = 1;
		if (hop_in_guest(s->from) != hop_in_guest(s->to))
			crosses = 1;
		print_stats_row(name, hop_name(s->from), hop_name(s->to), &s->h,
				total ? (double)s->h.sum / (double)total : 0);
	}
	print_stats_row("end_to_end", "", "", &d->e2e, -1);
	if (d->boundary.count)
		print_stats_row(VNL_SEG_BOUNDARY " (exact)", "", "", &d->boundary, -1);
	if (tied || crosses)
		printf("  %s%s%s\n",
		       tied ? "+ tied to the packet by thread or CPU (a hop without a packet)" : "",
		       tied && crosses ? "; " : "",
		       crosses ? "~ crosses between kernels: as exact as the clock offset" : "");
problems:
	for (h = 0; h < VNL_HOP_MAX; h++)
		if (d->incomplete_after[h])
			printf("  lost hops: %" PRIu64 " packets last seen at %s\n",
			       d->incomplete_after[h], hop_name((unsigned int)h));
	for (i = 0; i < d->ndrops; i++)
		printf("  dropped: %" PRIu64 " packets after %s, reason %s\n", d->drops[i].count,
		       hop_name(d->drops[i].hop),
		       rec_reason_of(r->rec, rec_kernel_of_hop(r->rec, d->drops[i].hop),
				     d->drops[i].reason));
}

static void json_stats(struct jw *w, const struct hist *h)
{
	size_t i;

	jw_u64(w, "count", h->count);
	for (i = 0; i < sizeof(pcts) / sizeof(pcts[0]); i++)
		jw_u64(w, pct_keys[i], hist_percentile(h, pcts[i]));
	jw_u64(w, "min_ns", h->min);
	jw_u64(w, "max_ns", h->max);
	jw_f64(w, "mean_ns", hist_mean(h));
}

static void print_dir_json(const struct report *r, struct jw *w, int row, struct dir_agg *d)
{
	uint64_t total = segs_sum(d);
	size_t i;
	int h;

	if (d->nsegs)
		qsort(d->segs, d->nsegs, sizeof(*d->segs), seg_cmp);
	jw_obj_begin(w, NULL);
	jw_str(w, "direction", row_name(row));
	if (row >= ROW_RT_REMOTE)
		jw_str(w, "initiator", row == ROW_RT_REMOTE ? "remote" : "guest");
	jw_u64(w, "packets", d->packets);
	jw_u64(w, "complete", d->complete);
	jw_u64(w, "partial", d->partial);
	jw_u64(w, "lost_hops", d->incomplete);
	jw_u64(w, "dropped", d->dropped);
	jw_arr_begin(w, "segments");
	for (i = 0; i < d->nsegs; i++) {
		const struct seg_agg *s = &d->segs[i];

		jw_obj_begin(w, NULL);
		jw_str(w, "name", s->name);
		jw_str(w, "from", hop_name(s->from));
		jw_str(w, "to", hop_name(s->to));
		/* a packetless hop was tied to the packet by thread, CPU or time, not seen on it */
		jw_bool(w, "tied", vnl_hops[s->from].packetless || vnl_hops[s->to].packetless);
		jw_bool(w, "cross_kernel", hop_in_guest(s->from) != hop_in_guest(s->to));
		json_stats(w, &s->h);
		jw_f64(w, "share", total ? (double)s->h.sum / (double)total : 0);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_obj_begin(w, "end_to_end");
	json_stats(w, &d->e2e);
	jw_obj_end(w);
	if (d->boundary.count) {
		jw_obj_begin(w, "boundary_exact");
		jw_str(w, "name", VNL_SEG_BOUNDARY);
		json_stats(w, &d->boundary);
		jw_u64(w, "max_mismatch_ns", d->boundary_mismatch_max);
		jw_obj_end(w);
	}
	jw_arr_begin(w, "lost_hops_after");
	for (h = 0; h < VNL_HOP_MAX; h++) {
		if (!d->incomplete_after[h])
			continue;
		jw_obj_begin(w, NULL);
		jw_str(w, "hop", hop_name((unsigned int)h));
		jw_u64(w, "count", d->incomplete_after[h]);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_arr_begin(w, "drops");
	for (i = 0; i < d->ndrops; i++) {
		jw_obj_begin(w, NULL);
		jw_str(w, "after", hop_name(d->drops[i].hop));
		jw_str(w, "reason",
		       rec_reason_of(r->rec, rec_kernel_of_hop(r->rec, d->drops[i].hop),
				     d->drops[i].reason));
		jw_u64(w, "count", d->drops[i].count);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_obj_end(w);
}

static void print_group_json(const struct report *r, struct jw *w, struct group *g)
{
	int row;

	jw_arr_begin(w, "directions");
	for (row = 0; row < ROW_MAX; row++)
		if (g->dirs[row].packets || row < ROW_RT_REMOTE)
			print_dir_json(r, w, row, &g->dirs[row]);
	jw_arr_end(w);
}

/* A guest's clock against the host's (see clock.h): offset, its bound and drift. */
/* With PTP the clocks are taken as one; our estimate checks them. */
static int ptp_disagrees(const struct rec_kernel *k)
{
	return k->ptp && k->clock.valid && llabs(k->clock.offset_ns) > k->clock.bound_ns;
}

static void json_guest_clock(struct jw *w, const char *key, const struct rec_kernel *k)
{
	jw_obj_begin(w, key);
	jw_str(w, "source", k->ptp ? "ptp" : "estimated");
	if (k->ptp) {
		jw_i64(w, "offset_ns", 0);
		jw_bool(w, "estimate_agrees", k->clock.valid && !ptp_disagrees(k));
		if (k->clock.valid) {
			jw_i64(w, "estimated_offset_ns", k->clock.offset_ns);
			jw_u64(w, "bound_ns", (uint64_t)k->clock.bound_ns);
			jw_f64(w, "drift_ppm", k->clock.drift * 1e6);
		}
	} else if (k->clock.valid) {
		jw_i64(w, "offset_ns", k->clock.offset_ns);
		jw_u64(w, "bound_ns", (uint64_t)k->clock.bound_ns);
		jw_f64(w, "drift_ppm", k->clock.drift * 1e6);
	} else {
		jw_null(w, "offset_ns");
		jw_null(w, "bound_ns");
		jw_null(w, "drift_ppm");
	}
	jw_u64(w, "link_exchanges", k->link_samples);
	jw_u64(w, "packet_samples", k->traffic_samples);
	jw_u64(w, "windows", k->clock.windows);
	jw_u64(w, "windows_not_bounded", k->clock.loose_windows); /* outside bound_ns */
	jw_obj_end(w);
}

static const char *clock_syscall(uint32_t nr)
{
	switch (nr) {
	case SYS_clock_settime:
		return "clock_settime";
	case SYS_clock_adjtime:
		return "clock_adjtime";
	case SYS_settimeofday:
		return "settimeofday";
	case SYS_adjtimex:
		return "adjtimex";
	default:
		return "unknown";
	}
}

/* Who stepped or slewed a clock, and when: marked on the timeline. */
static void print_clock_events(struct report *r)
{
	size_t i;

	for (i = 0; i < r->nclock_events; i++) {
		const struct vnl_event *e = &r->clock_events[i];
		char wall[40];

		rec_wall_time(r->rec, e->ts_ns, wall, sizeof(wall));
		if (vnl_json) {
			jw_obj_begin(&r->w, NULL);
			jw_str(&r->w, "time", wall);
			jw_u64(&r->w, "ts_ns", e->ts_ns);
			jw_u64(&r->w, "kernel", e->kernel);
			jw_u64(&r->w, "pid", e->pid);
			jw_str(&r->w, "syscall", clock_syscall(e->reason));
			jw_obj_end(&r->w);
		} else {
			printf("clock adjusted: %s, %s, pid %u (%s)\n", wall,
			       e->kernel ? "guest" : "host", e->pid, clock_syscall(e->reason));
		}
	}
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
		jw_bool(w, "closed_cleanly", g->ended);
		json_guest_clock(w, "clock", g);
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

static void print_clock_text(const struct recording *rec)
{
	unsigned int k;

	for (k = 1; k < rec->nkernels; k++) {
		const struct rec_kernel *g = &rec->k[k];

		printf("guest %u: %s, kernel %s, %" PRIu64 " events, %" PRIu64 " lost (%" PRIu64
		       " while its link was down)\n",
		       k, g->hostname[0] ? g->hostname : "?", g->kernel[0] ? g->kernel : "?",
		       g->events, g->lost_total, g->lost_spool);
		if (g->ptp && ptp_disagrees(g))
			printf("  WARNING: clocks said to be synchronised (CLOCK_TAI, PTP) but the "
			       "traffic puts the guest %+.3f ms +/- %.1f us off the host: journeys "
			       "crossing the boundary are wrong by that much\n",
			       (double)g->clock.offset_ns / 1e6, (double)g->clock.bound_ns / 1e3);
		else if (g->ptp)
			printf(
			    "  clock: CLOCK_TAI on both sides (PTP); the traffic agrees (%+.1f us "
			    "+/- %.1f us)\n",
			    (double)g->clock.offset_ns / 1e3, (double)g->clock.bound_ns / 1e3);
		else if (g->clock.valid)
			printf("  clock: guest - host = %+.3f ms +/- %.1f us, drift %+.2f ppm "
			       "(from %" PRIu64 " link exchanges and %" PRIu64
			       " packets); segments that cross "
			       "the boundary are only as exact as that\n",
			       (double)g->clock.offset_ns / 1e6, (double)g->clock.bound_ns / 1e3,
			       g->clock.drift * 1e6, g->link_samples, g->traffic_samples);
		else
			printf("  clock: offset unknown (no packets seen both ways, no link "
			       "exchanges): guest events are not joined\n");
		if (g->clock.valid && g->clock.loose_windows)
			printf("  clock: %" PRIu64 " of %" PRIu64
			       " windows said far less than the rest and are not covered by that "
			       "bound (quiet moments; they still count in the estimate)\n",
			       g->clock.loose_windows, g->clock.windows);
	}
}

/* ---- the time view: windows, spikes, trends ---- */

static double window_mid_s(const struct report *r, size_t w)
{
	return ((double)w + 0.5) * (double)r->window_ns / 1e9;
}

static const char *finding_name(const struct finding *f)
{
	return f->seg ? f->seg->name : "end_to_end";
}

static const char *row_label(int row)
{
	return row == ROW_RT_REMOTE  ? "round trips from the remote side"
	       : row == ROW_RT_GUEST ? "round trips from the guest"
				     : row_name(row);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* What happened around a spike: in the windows either side of it and in its own. */
struct near {
	uint64_t drops;
	size_t clocks;
	uint64_t sched_ns, sched_max_ns; /* the VMM threads' waits for a CPU around it */
	uint64_t sched_usual_ns;	 /* the median of the windows' totals */
};

static uint64_t sched_usual(struct report *r)
{
	uint64_t *tot;
	size_t i, n = 0;

	if (r->sched_usual_known)
		return r->sched_usual;
	r->sched_usual_known = 1;
	tot = calloc(r->nwindows + 1, sizeof(*tot));
	if (!tot)
		return 0;
	for (i = 0; i < r->nwindows; i++)
		if (r->windows[i])
			tot[n++] = r->windows[i]->sched_ns;
	qsort(tot, n, sizeof(*tot), cmp_u64);
	r->sched_usual = n ? tot[n / 2] : 0;
	free(tot);
	return r->sched_usual;
}

/* Around the spike of windows [w, end]: from the window before it to the one after. */
static void near_of(struct report *r, size_t w, size_t end, struct near *n)
{
	size_t first = w ? w - 1 : 0, last = end + 1, i;
	uint64_t lo = r->rec->monotonic_ns + first * r->window_ns;
	uint64_t hi = r->rec->monotonic_ns + (last + 1) * r->window_ns;
	int row;

	memset(n, 0, sizeof(*n));
	for (i = first; i <= last && i < r->nwindows; i++) {
		if (!r->windows[i])
			continue;
		for (row = 0; row < ROW_MAX; row++)
			n->drops += r->windows[i]->dirs[row].dropped;
		n->sched_ns += r->windows[i]->sched_ns;
		if (r->windows[i]->sched_max_ns > n->sched_max_ns)
			n->sched_max_ns = r->windows[i]->sched_max_ns;
	}
	for (i = 0; i < r->nclock_events; i++)
		if (r->clock_events[i].ts_ns >= lo && r->clock_events[i].ts_ns < hi)
			n->clocks++;
	n->sched_usual_ns = sched_usual(r);
}

static void json_row_keys(struct jw *w, int row)
{
	jw_str(w, "direction", row_name(row));
	if (row >= ROW_RT_REMOTE)
		jw_str(w, "initiator", row == ROW_RT_REMOTE ? "remote" : "guest");
}

static void print_spikes_json(struct report *r, struct jw *w)
{
	const struct finding *worst = timeline_worst(&r->tl);
	size_t i, k;

	jw_arr_begin(w, "spikes");
	for (i = 0; i < r->tl.n; i++) {
		const struct finding *f = &r->tl.f[i];

		if (!f->seg || !f->spikes.n)
			continue;
		jw_obj_begin(w, NULL);
		json_row_keys(w, f->row);
		jw_str(w, "segment", f->seg->name);
		jw_bool(w, "headline", f == worst); /* the layer the text's SPIKES line names */
		jw_str(w, "from", hop_name(f->seg->from));
		jw_str(w, "to", hop_name(f->seg->to));
		if (f->spikes.period > 0)
			jw_f64(w, "period_s", f->spikes.period * (double)r->window_ns / 1e9);
		else
			jw_null(w, "period_s");
		jw_u64(w, "magnitude_ns", (uint64_t)f->spikes.magnitude);
		jw_u64(w, "baseline_p99_ns", (uint64_t)f->spikes.baseline);
		jw_arr_begin(w, "times_s");
		for (k = 0; k < f->spikes.n; k++)
			jw_f64(w, NULL, window_mid_s(r, f->spikes.at[k]));
		jw_arr_end(w);
		jw_arr_begin(w, "near");
		for (k = 0; k < f->spikes.n; k++) {
			struct near n;

			near_of(r, f->spikes.at[k], f->spikes.end[k], &n);
			jw_obj_begin(w, NULL);
			jw_f64(w, "time_s", window_mid_s(r, f->spikes.at[k]));
			jw_u64(w, "drops", n.drops);
			jw_u64(w, "clock_events", n.clocks);
			jw_u64(w, "vmm_sched_delay_ns", n.sched_ns);
			jw_u64(w, "vmm_sched_delay_max_ns", n.sched_max_ns);
			jw_u64(w, "vmm_sched_delay_usual_ns", n.sched_usual_ns);
			jw_obj_end(w);
		}
		jw_arr_end(w);
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

static void print_trends_json(struct report *r, struct jw *w)
{
	size_t i;

	jw_arr_begin(w, "trend");
	for (i = 0; i < r->tl.n; i++) {
		const struct finding *f = &r->tl.f[i];

		if (!f->have_trend)
			continue;
		jw_obj_begin(w, NULL);
		json_row_keys(w, f->row);
		jw_str(w, "segment", finding_name(f));
		jw_f64(w, "slope_ns_per_min", f->slope_ns_per_min);
		jw_f64(w, "r2", f->r2);
		jw_bool(w, "notable", timeline_trend_notable(&r->tl, f));
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

static void print_windows_json(struct report *r, struct jw *w)
{
	size_t i, k;
	int row;

	jw_u64(w, "window_ns", r->window_ns);
	jw_arr_begin(w, "windows");
	for (i = 0; i < r->nwindows; i++) {
		const struct group *g = r->windows[i];
		char wall[40];

		if (!g)
			continue;
		rec_wall_time(r->rec, r->rec->monotonic_ns + i * r->window_ns, wall, sizeof(wall));
		jw_obj_begin(w, NULL);
		jw_str(w, "start", wall);
		jw_f64(w, "start_s", (double)i * (double)r->window_ns / 1e9);
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

/* "host.tap_queue (to_guest) p99 spikes every 20.1 s, +3.2 ms over its 120 us": the layer. */
static void print_timeline_text(struct report *r)
{
	const struct finding *worst = timeline_worst(&r->tl);
	char mag[16], base[16];
	size_t i, k;

	if (worst) {
		fmt_ns((uint64_t)worst->spikes.magnitude, mag, sizeof(mag));
		fmt_ns((uint64_t)worst->spikes.baseline, base, sizeof(base));
		printf("SPIKES: %s (%s) p99 spikes ", worst->seg->name, row_label(worst->row));
		if (worst->spikes.period > 0)
			printf("every %.1f s", worst->spikes.period * (double)r->window_ns / 1e9);
		else
			printf(worst->spikes.n == 1 ? "once" : "%zu times, not periodically",
			       worst->spikes.n);
		printf(", +%s over its usual %s (windows of %.3g s; at", mag, base,
		       (double)r->window_ns / 1e9);
		for (k = 0; k < worst->spikes.n && k < 8; k++)
			printf(" %.1f", window_mid_s(r, worst->spikes.at[k]));
		printf("%s s)\n", worst->spikes.n > 8 ? " ..." : "");
		for (k = 0; k < worst->spikes.n; k++) {
			struct near n;

			near_of(r, worst->spikes.at[k], worst->spikes.end[k], &n);
			if (n.drops || n.clocks ||
			    (n.sched_ns > 2 * n.sched_usual_ns && n.sched_ns > 100000)) {
				char a[16], b[16], c[16];

				fmt_ns(n.sched_ns, a, sizeof(a));
				fmt_ns(n.sched_max_ns, b, sizeof(b));
				fmt_ns(n.sched_usual_ns, c, sizeof(c));
				printf("  near %.1f s: %" PRIu64
				       " drops, %zu clock changes; the VMM's "
				       "threads waited %s for a CPU (longest %s; usually %s a "
				       "window)\n",
				       window_mid_s(r, worst->spikes.at[k]), n.drops, n.clocks, a,
				       b, c);
			}
		}
	}
	for (i = 0; i < r->tl.n; i++) {
		const struct finding *f = &r->tl.f[i];

		if (f == worst || !f->seg || !f->spikes.n)
			continue;
		fmt_ns((uint64_t)f->spikes.magnitude, mag, sizeof(mag));
		printf("  also spiking: %s (%s) %zu times, +%s", f->seg->name, row_label(f->row),
		       f->spikes.n, mag);
		if (f->spikes.period > 0)
			printf(", every %.1f s", f->spikes.period * (double)r->window_ns / 1e9);
		putchar('\n');
	}
	for (i = 0; i < r->tl.n; i++) {
		const struct finding *f = &r->tl.f[i];
		char slope[16];

		if (!timeline_trend_notable(&r->tl, f))
			continue;
		fmt_ns((uint64_t)fabs(f->slope_ns_per_min), slope, sizeof(slope));
		printf("TREND: %s (%s) p50 %s %s per minute (%+.0f%% over the run)\n",
		       finding_name(f), row_label(f->row),
		       f->slope_ns_per_min > 0 ? "creeps up" : "falls", slope,
		       100.0 * f->slope_ns_per_min * (double)r->window_ns * (double)f->windows /
			   60e9 / f->median_p50_ns);
	}
}

/* --window: each window's end-to-end percentiles, per row. */
static void print_windows_text(struct report *r)
{
	size_t i;
	int row;

	for (row = 0; row < ROW_MAX; row++) {
		if (!r->all.dirs[row].complete)
			continue;
		printf("\n%s per %.3g s window:\n  %-10s %8s %9s %9s %9s %8s\n", row_label(row),
		       (double)r->window_ns / 1e9, "START_S", "COUNT", "P50", "P99", "MAX",
		       "DROPPED");
		for (i = 0; i < r->nwindows; i++) {
			const struct dir_agg *d = r->windows[i] ? &r->windows[i]->dirs[row] : NULL;
			char v[3][16];

			if (!d || !d->e2e.count)
				continue;
			fmt_ns(hist_percentile(&d->e2e, 50), v[0], sizeof(v[0]));
			fmt_ns(hist_percentile(&d->e2e, 99), v[1], sizeof(v[1]));
			fmt_ns(d->e2e.max, v[2], sizeof(v[2]));
			printf("  %-10.3f %8" PRIu64 " %9s %9s %9s %8" PRIu64 "\n",
			       (double)i * (double)r->window_ns / 1e9, d->e2e.count, v[0], v[1],
			       v[2], d->dropped);
		}
	}
}

static const char *by_name(enum group_by by)
{
	static const char *const names[] = {"none", "vm", "iface", "flow"};

	return names[by];
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
	int h;

	for (i = 0; i < sizeof(counts) / sizeof(counts[0]); i++)
		jw_u64(w, counts[i].key, *(const uint64_t *)((const char *)js + counts[i].off));
	jw_u64(w, "unanswered", js->unpaired_expired);
	jw_obj_begin(w, "refused_by_hop");
	for (h = 0; h < VNL_HOP_MAX; h++)
		if (js->refused_by_hop[h])
			jw_u64(w, hop_name((unsigned int)h), js->refused_by_hop[h]);
	jw_obj_end(w);
}

/* One line for the text report: what did not make it into the breakdown, and why. */
static void print_accounting_text(const struct jstats *js)
{
	int h, first = 1;

	printf("journeys: %" PRIu64 " complete, %" PRIu64 " partial (began mid-path), %" PRIu64
	       " lost hops, %" PRIu64 " dropped; %" PRIu64 " kept open through a stall\n",
	       js->complete, js->partial, js->lost, js->dropped, js->held);
	if (js->refused || js->refused_ties) {
		printf("refused (time would run backwards): %" PRIu64 " hops,",
		       js->refused + js->refused_ties);
		for (h = 0; h < VNL_HOP_MAX; h++)
			if (js->refused_by_hop[h]) {
				printf("%s %s %" PRIu64, first ? "" : ",",
				       hop_name((unsigned int)h), js->refused_by_hop[h]);
				first = 0;
			}
		putchar('\n');
	}
	if (js->round_trips || js->unpaired_expired)
		printf("pairing: %" PRIu64 " round trips (%" PRIu64 " by echoed payload), %" PRIu64
		       " requests unanswered, %" PRIu64 " replies matching no request, %" PRIu64
		       " retransmitted (left out)\n",
		       js->round_trips, js->pairs_by_echo, js->unpaired_expired,
		       js->unmatched_replies, js->retransmitted);
}

static void print_json(struct report *r)
{
	const struct jstats *js = jengine_stats(r->je);
	const struct recording *rec = r->rec;
	struct jw *w = &r->w;
	size_t i;
	int h;

	jw_obj_begin(w, NULL);
	jw_u64(w, "version", 1);
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
	jw_u64(w, "lost_events", rec->lost_total);
	jw_obj_begin(w, "lost_by_hop");
	for (h = 0; h < VNL_HOP_MAX; h++)
		if (rec->lost_by_hop[h])
			jw_u64(w, hop_name((unsigned int)h), rec->lost_by_hop[h]);
	jw_obj_end(w);
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
	jw_obj_begin(w, "events_by_hop");
	for (h = 0; h < VNL_HOP_MAX; h++)
		if (r->events_by_hop[h])
			jw_u64(w, hop_name((unsigned int)h), r->events_by_hop[h]);
	jw_obj_end(w);
	jw_arr_begin(w, "interfaces");
	for (i = 0; i < rec->nifaces; i++) {
		const struct vnl_file_iface *d = &rec->ifaces[i];

		jw_obj_begin(w, NULL);
		jw_str(w, "name", d->name);
		jw_u64(w, "ifindex", d->ifindex);
		jw_str(w, "role", d->role == VNL_ROLE_TAP ? "tap" : "uplink");
		if (d->vm_pid) {
			jw_u64(w, "vm_pid", d->vm_pid);
			jw_str(w, "vm_name", d->vm_name);
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
		if (rec->have_hops && rec->hops[h].mech != VNL_MECH_NONE && !r->events_by_hop[h])
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
	print_clock_json(w, rec);
	jw_arr_begin(w, "clock_events");
	print_clock_events(r);
	jw_arr_end(w);
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
	jw_obj_begin(w, "vmm_sched_delay"); /* the VMM threads' waits for a CPU, >= 20 us each */
	jw_u64(w, "count", r->all.sched_n);
	jw_u64(w, "total_ns", r->all.sched_ns);
	jw_u64(w, "max_ns", r->all.sched_max_ns);
	jw_obj_end(w);
	print_group_json(r, w, &r->all);
	print_spikes_json(r, w);
	print_trends_json(r, w);
	print_windows_json(r, w);
	if (r->by != BY_NONE) {
		jw_str(w, "by", by_name(r->by));
		jw_arr_begin(w, "groups");
		for (i = 0; i < r->ngroups; i++) {
			jw_obj_begin(w, NULL);
			jw_str(w, "key", r->order[i]->key);
			print_group_json(r, w, r->order[i]);
			jw_obj_end(w);
		}
		jw_arr_end(w);
	}
	jw_obj_end(w);
	jw_newline(w);
}

static void print_text(struct report *r)
{
	const struct jstats *js = jengine_stats(r->je);
	const struct recording *rec = r->rec;
	char wall[40];
	unsigned int i;
	size_t g;
	int row;

	if (rec->lost_total)
		printf("WARNING: %" PRIu64 " events lost (ring buffer full): some journeys lack "
		       "hops; record with a larger --ring-size or a --filter\n",
		       rec->lost_total);
	for (i = 0; i < rec->ndamage; i++)
		printf("WARNING: damaged recording at byte %" PRIu64 " of file %u (%s): %" PRIu64
		       " bytes skipped\n",
		       rec->damage[i].offset, rec->damage[i].part, rec->damage[i].what,
		       rec->damage[i].skipped);
	rec_wall_time(rec, rec->monotonic_ns, wall, sizeof(wall));
	printf("%s: host %s, kernel %s, started %s, clock %s%s\n", rec->path, rec->hostname,
	       rec->kernel, wall, rec->clock, rec->ended ? "" : " (recorder did not close it)");
	printf("%" PRIu64 " events, %" PRIu64 " journeys, %" PRIu64 " round trips, %" PRIu64
	       " lost events, %" PRIu64 " ambiguous joins\n",
	       rec->events, js ? js->journeys : 0, js ? js->round_trips : 0, rec->lost_total,
	       js ? js->ambiguous : 0);
	if (js && js->journeys)
		print_accounting_text(js);
	if (rec->aggregate)
		printf("mode: aggregate (in-kernel histograms, %" PRIu64
		       " windows of 100 ms); not recorded: %" PRIu64
		       " packets whose state a colliding one took, %" PRIu64
		       " that never reached their last hop, %" PRIu64
		       " segments outside the segment table%s\n",
		       rec->agg_windows, rec->agg_evicted, rec->agg_unfinished,
		       rec->agg_outside_table,
		       rec->sample > 1 ? "; round trips from sampled journeys" : "");
	if (rec->sample > 1)
		printf("sampled: one packet in %u, a request with its response (ICMP and UDP "
		       "echoes by their payload, TCP by flow)\n",
		       rec->sample);
	print_clock_text(rec);
	print_clock_events(r);
	printf("interfaces:");
	for (i = 0; i < rec->nifaces; i++) {
		const struct vnl_file_iface *d = &rec->ifaces[i];

		printf(" %s (%s", d->name, d->role == VNL_ROLE_TAP ? "tap" : "uplink");
		if (d->vm_pid)
			printf(", vm %s pid %u", d->vm_name, d->vm_pid);
		printf(")");
	}
	putchar('\n');
	for (i = 0; i < rec->ndevevents; i++) {
		const struct vnl_file_devevent *d = &rec->devevents[i];

		rec_wall_time(rec, d->ts_ns, wall, sizeof(wall));
		printf("device change: %s %s (ifindex %u) %s\n", wall, d->name, d->ifindex,
		       d->kind == VNL_DEV_APPEARED ? "appeared" : "disappeared");
	}
	print_timeline_text(r);
	for (row = 0; row < ROW_MAX; row++)
		print_dir_text(r, row, &r->all.dirs[row]);
	if (r->window_given)
		print_windows_text(r);
	for (g = 0; g < r->ngroups; g++) {
		printf("\n=== %s %s ===", by_name(r->by), r->order[g]->key);
		for (row = 0; row < ROW_MAX; row++)
			print_dir_text(r, row, &r->order[g]->dirs[row]);
	}
}

static void csv_row(FILE *f, const char *start, uint64_t start_ns, int row, const char *name,
		    const char *from, const char *to, const struct hist *h)
{
	size_t i;

	fprintf(f, "%s,%" PRIu64 ",%s,%s,%s,%s,%s,%" PRIu64, start, start_ns, row_name(row),
		row == ROW_RT_REMOTE  ? "remote"
		: row == ROW_RT_GUEST ? "guest"
				      : "",
		name, from, to, h->count);
	for (i = 0; i < sizeof(pcts) / sizeof(pcts[0]); i++)
		fprintf(f, ",%" PRIu64, hist_percentile(h, pcts[i]));
	fprintf(f, ",%" PRIu64 ",%.1f\n", h->max, hist_mean(h));
}

/* --csv: one row per window, direction and segment (and the end-to-end line). */
static int write_csv(struct report *r)
{
	FILE *f = fopen(r->csv_path, "w");
	size_t w, i;
	int row;

	if (!f) {
		vnl_err("--csv %s: %s", r->csv_path, strerror(errno));
		return -errno;
	}
	fprintf(f, "window_start,window_start_ns,direction,initiator,segment,from,to,count,p50_ns,"
		   "p90_ns,p99_ns,p999_ns,p9999_ns,max_ns,mean_ns\n");
	for (w = 0; w < r->nwindows; w++) {
		struct group *g = r->windows[w];
		uint64_t start_ns = r->rec->monotonic_ns + w * r->window_ns;
		char start[40];

		if (!g)
			continue;
		rec_wall_time(r->rec, start_ns, start, sizeof(start));
		for (row = 0; row < ROW_MAX; row++) {
			struct dir_agg *d = &g->dirs[row];

			if (!d->complete)
				continue;
			if (d->nsegs)
				qsort(d->segs, d->nsegs, sizeof(*d->segs), seg_cmp);
			for (i = 0; i < d->nsegs; i++)
				csv_row(f, start, start_ns, row, d->segs[i].name,
					hop_name(d->segs[i].from), hop_name(d->segs[i].to),
					&d->segs[i].h);
			csv_row(f, start, start_ns, row, "end_to_end", "", "", &d->e2e);
		}
	}
	if (fclose(f)) {
		vnl_err("--csv %s: %s", r->csv_path, strerror(errno));
		return -EIO;
	}
	return 0;
}

static const char *row_tag(int row)
{
	static const char *const tags[] = {"to_guest", "from_guest", "round_trip_remote",
					   "round_trip_guest"};

	return tags[row];
}

/* One interval log line: Tag=ROW.SEGMENT,start,length,max (ms),histogram. */
static int hdr_line(FILE *f, int row, const char *name, double start_s, double len_s,
		    const struct hist *h)
{
	char *b64 = hdr_encode_base64(h);

	if (!b64)
		return -ENOMEM;
	fprintf(f, "Tag=%s.%s,%.3f,%.3f,%.3f,%s\n", row_tag(row), name, start_s, len_s,
		(double)h->max / 1e6, b64);
	free(b64);
	return 0;
}

/*
 * --hdr-log: HdrHistogram's interval log (format 1.3): one tagged histogram per window, row
 * and segment (and end to end); values in ns, Interval_Max in ms as HistogramLogProcessor
 * expects by default.
 */
static int write_hdr_log(struct report *r)
{
	FILE *f = fopen(r->hdr_path, "w");
	double len_s = (double)r->window_ns / 1e9, start = (double)r->rec->realtime_ns / 1e9;
	char wall[40];
	size_t w, i;
	int row, err = 0;

	if (!f) {
		vnl_err("--hdr-log %s: %s", r->hdr_path, strerror(errno));
		return -errno;
	}
	rec_wall_time(r->rec, r->rec->monotonic_ns, wall, sizeof(wall));
	fprintf(f, "#[Written by vnetlat %s from %s]\n", VNL_VERSION, r->rec->path);
	fprintf(f, "#[Histogram log format version 1.3]\n");
	fprintf(f, "#[StartTime: %.3f (seconds since epoch), %s]\n", start, wall);
	fprintf(f, "\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\","
		   "\"Interval_Compressed_Histogram\"\n");
	for (w = 0; w < r->nwindows && !err; w++) {
		struct group *g = r->windows[w];

		for (row = 0; g && row < ROW_MAX && !err; row++) {
			struct dir_agg *d = &g->dirs[row];

			if (!d->e2e.count)
				continue;
			if (d->nsegs)
				qsort(d->segs, d->nsegs, sizeof(*d->segs), seg_cmp);
			for (i = 0; i < d->nsegs && !err; i++)
				err = hdr_line(f, row, d->segs[i].name, (double)w * len_s, len_s,
					       &d->segs[i].h);
			if (!err)
				err = hdr_line(f, row, "end_to_end", (double)w * len_s, len_s,
					       &d->e2e);
		}
	}
	if (fclose(f) && !err)
		err = -EIO;
	if (err)
		vnl_err("--hdr-log %s: %s", r->hdr_path, strerror(-err));
	return err;
}

static int write_html(struct report *r)
{
	struct html_input in = {r->rec,	      &r->all, r->windows, r->nwindows,
				r->window_ns, &r->tl,  NULL,	   r->nclock_events};
	uint64_t *clock_ts = calloc(r->nclock_events + 1, sizeof(*clock_ts));
	FILE *f = fopen(r->html_path, "w");
	size_t i;
	int row, err;

	if (!f || !clock_ts) {
		vnl_err("--html %s: %s", r->html_path, strerror(errno));
		if (f)
			fclose(f);
		free(clock_ts);
		return -EIO;
	}
	for (i = 0; i < r->nclock_events; i++)
		clock_ts[i] = r->clock_events[i].ts_ns;
	in.clock_ts = clock_ts;
	for (row = 0; row < ROW_MAX; row++)
		if (r->all.dirs[row].nsegs)
			qsort(r->all.dirs[row].segs, r->all.dirs[row].nsegs,
			      sizeof(*r->all.dirs[row].segs), seg_cmp);
	err = html_write(f, &in);
	if (fclose(f) || err) {
		vnl_err("--html %s: write failed", r->html_path);
		err = -EIO;
	}
	free(clock_ts);
	return err;
}

static void free_group(struct group *g)
{
	int row;
	size_t i;

	for (row = 0; row < ROW_MAX; row++) {
		struct dir_agg *d = &g->dirs[row];

		for (i = 0; i < d->nsegs; i++)
			hist_free(&d->segs[i].h);
		free(d->segs);
		free(d->drops);
		hist_free(&d->e2e);
		hist_free(&d->boundary);
	}
}

static void report_free(struct report *r)
{
	size_t i;

	jengine_free(r->je);
	free_group(&r->all);
	for (i = 0; i < r->ngroups; i++) {
		free_group(r->order[i]);
		free(r->order[i]);
	}
	free(r->order);
	free(r->clock_events);
	timeline_free(&r->tl);
	for (i = 0; i < r->nwindows; i++) {
		if (r->windows[i])
			free_group(r->windows[i]);
		free(r->windows[i]);
	}
	free(r->windows);
}

/* Reads path into rec and builds the breakdown; 0, or an exit code (the reader's error said). */
static int build(struct report *r, struct recording *rec, const char *path)
{
	char err[512];
	int ret;

	r->rec = rec;
	ret =
	    rec_read_windows(rec, path, on_event, r->dump ? NULL : on_window, r, err, sizeof(err));
	if (ret) {
		vnl_err("%s", err);
		rec_free(rec);
		return ret == -EINVAL || ret == -EPROTO ? VNL_EXIT_DATA : VNL_EXIT_FAIL;
	}
	if (r->je)
		jengine_flush(r->je);
	if (rec->aggregate && !r->dump)
		add_aggregate(r);
	if (!r->dump && timeline_build(&r->tl, &r->all, r->windows, r->nwindows, r->window_ns))
		r->oom = 1;
	return 0;
}

int report_breakdown(const char *path, struct group **out, uint64_t *events)
{
	struct report *r = calloc(1, sizeof(*r));
	struct recording rec;
	int ret;

	*out = NULL;
	if (!r)
		return VNL_EXIT_FAIL;
	r->window_ns = 1000000000ULL;
	ret = build(r, &rec, path);
	if (ret) {
		free(r);
		return ret;
	}
	ret = VNL_EXIT_OK;
	*out = malloc(sizeof(**out));
	if (!*out || r->oom) {
		vnl_err("%s: out of memory", path);
		ret = VNL_EXIT_FAIL;
	} else {
		**out = r->all; /* moved: what it points to is the caller's now */
		memset(&r->all, 0, sizeof(r->all));
		*events = rec.events;
	}
	if (rec.ndamage && ret == VNL_EXIT_OK) {
		vnl_warn("%s: %zu damaged region(s) skipped", path, rec.ndamage);
		ret = VNL_EXIT_DATA;
	}
	rec_free(&rec);
	report_free(r);
	free(r);
	return ret;
}

void report_breakdown_free(struct group *g)
{
	if (g)
		free_group(g);
	free(g);
}

static int run(struct report *r, const char *path)
{
	struct recording rec;
	int ret;

	jw_init(&r->w, stdout);
	ret = build(r, &rec, path);
	if (ret)
		return ret;
	if (r->oom) {
		vnl_err("out of memory while building the report");
		ret = VNL_EXIT_FAIL;
	} else {
		if (!r->dump && vnl_json)
			print_json(r);
		else if (!r->dump)
			print_text(r);
		ret = VNL_EXIT_OK;
		if (r->csv_path && write_csv(r))
			ret = VNL_EXIT_FAIL;
		if (r->hdr_path && write_hdr_log(r))
			ret = VNL_EXIT_FAIL;
		if (r->html_path && write_html(r))
			ret = VNL_EXIT_FAIL;
	}
	fflush(stdout);
	if (rec.ndamage) {
		vnl_warn("%s: %zu damaged region(s) skipped; every intact block was read", path,
			 rec.ndamage);
		if (ret == VNL_EXIT_OK)
			ret = VNL_EXIT_DATA;
	}
	rec_free(&rec);
	return ret;
}

int cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"by", required_argument, NULL, 'b'},
	    {"csv", required_argument, NULL, 'c'},
	    {"hdr-log", required_argument, NULL, 'H'},
	    {"html", required_argument, NULL, 'W'},
	    {"window", required_argument, NULL, 'w'},
	    {"json", no_argument, NULL, 'j'},
	    {"max-stall", required_argument, NULL, 'S'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct report *r;
	int c, ret;

	r = calloc(1, sizeof(*r));
	if (!r)
		return VNL_EXIT_FAIL;
	r->window_ns = 1000000000ULL;
	optind = 1;
	while ((c = getopt_long(argc, argv, "b:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			r->csv_path = optarg;
			break;
		case 'H':
			r->hdr_path = optarg;
			break;
		case 'W':
			r->html_path = optarg;
			break;
		case 'w':
			r->window_given = 1;
			if (parse_duration_ns(optarg, &r->window_ns) || r->window_ns < 1000000) {
				vnl_err("--window '%s': not a duration of at least 1ms (e.g. 1s, "
					"100ms)",
					optarg);
				free(r);
				return VNL_EXIT_USAGE;
			}
			break;
		case 'S':
			if (parse_duration_ns(optarg, &r->max_stall_ns) ||
			    r->max_stall_ns < 1000000000ULL) {
				vnl_err(
				    "--max-stall '%s': not a duration of at least 1s (e.g. 30s, "
				    "2m)",
				    optarg);
				free(r);
				return VNL_EXIT_USAGE;
			}
			break;
		case 'b':
			if (!strcmp(optarg, "vm"))
				r->by = BY_VM;
			else if (!strcmp(optarg, "iface"))
				r->by = BY_IFACE;
			else if (!strcmp(optarg, "flow"))
				r->by = BY_FLOW;
			else {
				vnl_err("--by '%s': expected vm, iface or flow", optarg);
				free(r);
				return VNL_EXIT_USAGE;
			}
			break;
		case 'j':
			vnl_json = 1;
			break;
		case 'h':
			printf(
			    "Usage: vnetlat report [--json] [--by vm|iface|flow] [--window T] "
			    "[--max-stall T] [--csv OUT] "
			    "[--hdr-log OUT] [--html OUT] FILE\n"
			    "Per direction and segment: count, p50, p90, p99, p99.9, max and "
			    "share\n"
			    "of the total; end to end; round trips; lost hops and drops; spikes\n"
			    "(their period) and trends found across time windows (--window, "
			    "default\n"
			    "1s; in aggregate mode windows are made of the recording's 100 ms "
			    "ones).\n"
			    "--window also prints each window's percentiles; --csv writes them "
			    "per\n"
			    "window, direction and segment; --hdr-log FILE as an HdrHistogram\n"
			    "interval log (one tagged histogram per window, direction and "
			    "segment);\n"
			    "--html OUT one self-contained page: the layers' waterfall, CDFs and\n"
			    "the time series with spikes and clock changes marked (SVG, no "
			    "script).\n"
			    "--max-stall T: how long a packet is followed while the path it "
			    "waits on\n"
			    "moves nothing at all (a paused VM; default 30s).\n");
			free(r);
			return VNL_EXIT_OK;
		default:
			free(r);
			return VNL_EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		vnl_err("report: expected one recording file");
		free(r);
		return VNL_EXIT_USAGE;
	}
	ret = run(r, argv[optind]);
	report_free(r);
	free(r);
	return ret;
}

int cmd_dump(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct report *r;
	int c, ret;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			printf(
			    "Usage: vnetlat dump FILE\n"
			    "Every event, journey and round trip as JSON lines, in time order.\n");
			return VNL_EXIT_OK;
		}
		return VNL_EXIT_USAGE;
	}
	if (optind != argc - 1) {
		vnl_err("dump: expected one recording file");
		return VNL_EXIT_USAGE;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return VNL_EXIT_FAIL;
	r->dump = 1;
	ret = run(r, argv[optind]);
	report_free(r);
	free(r);
	return ret;
}
