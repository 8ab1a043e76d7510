// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The breakdown: journeys and aggregate histograms into groups, rows and segments. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "breakdown.h"
#include "hoptab.h"
#include "journey.h"
#include "recording.h"
#include "util.h"

static int seg_is(const struct seg_agg *s, const char *name, const char *src, uint16_t from,
		  uint16_t to, uint8_t part)
{
	if (s->from != from || s->to != to || s->part != part)
		return 0;
	return (src && s->src == src) || !strcmp(s->name, name);
}

/*
 * The segment (from, to, part) named name; src: the hop table's string that name is, when it
 * is one (it then stands for the name without a comparison). A journey's segments come in
 * the order they were first met, so the search starts after the last one found: for every
 * segment of every journey, this finds it at the first look.
 */
static struct seg_agg *seg_find(struct dir_agg *d, const char *name, const char *src, uint16_t from,
				uint16_t to, uint8_t part)
{
	struct seg_agg *s;
	size_t k, i = d->seg_next;

	for (k = 0; k < d->nsegs; k++, i++) {
		if (i >= d->nsegs)
			i = 0;
		if (seg_is(&d->segs[i], name, src, from, to, part)) {
			d->seg_next = i + 1;
			return &d->segs[i];
		}
	}
	s = realloc(d->segs, (d->nsegs + 1) * sizeof(*s));
	if (!s)
		return NULL;
	d->segs = s;
	s = &d->segs[d->nsegs++];
	d->seg_next = d->nsegs;
	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->src = src;
	s->from = from;
	s->to = to;
	s->part = part;
	return s;
}

static struct seg_agg *seg_get(struct dir_agg *d, const char *name, uint16_t from, uint16_t to,
			       uint8_t part)
{
	return seg_find(d, name, NULL, from, to, part);
}

static void add_drops(struct dir_agg *d, uint16_t hop, uint32_t reason, uint8_t kernel, uint64_t n)
{
	struct drop_agg *a;
	size_t i;

	for (i = 0; i < d->ndrops; i++) {
		a = &d->drops[i];
		if (a->hop == hop && a->reason == reason && a->kernel == kernel) {
			a->count += n;
			return;
		}
	}
	a = realloc(d->drops, (d->ndrops + 1) * sizeof(*a));
	if (!a)
		return;
	d->drops = a;
	d->drops[d->ndrops++] = (struct drop_agg){hop, kernel, reason, n};
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
		struct seg_agg *s;

		/* this runs for every segment of every journey: no printf here */
		if (plen) {
			size_t slen = strlen(seg);

			if (plen + slen < sizeof(name))
				memcpy(name + plen, seg, slen + 1);
		}
		if (ts_diff(j->ts[i], j->ts[i - 1]) < 0)
			continue; /* the engine refuses these: never recorded as a huge value */
		s = plen ? seg_get(d, name, j->hops[i - 1], j->hops[i], part)
			 : seg_find(d, seg, seg == buf ? NULL : seg, j->hops[i - 1], j->hops[i],
				    part);
		if (!s || hist_record(&s->h, (uint64_t)ts_diff(j->ts[i], j->ts[i - 1])))
			return -ENOMEM;
	}
	return 0;
}

void breakdown_add_journey(struct breakdown *b, struct dir_agg *d, const struct journey *j)
{
	d->packets++;
	if (j->dropped) {
		d->dropped++;
		add_drops(d, j->drop_hop, j->drop_reason, j->drop_kernel, 1);
		return;
	}
	if (j->partial) {
		/* began mid-path (a clone, a GSO tail): its layers count, never its end to end */
		d->partial++;
		if (add_segments(d, j, "", 0))
			b->oom = 1;
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
		b->oom = 1;
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
static void add_boundary(struct breakdown *b, struct dir_agg *d, const struct journey *req,
			 const struct journey *resp)
{
	const struct rec_kernel *k = &b->rec->k[req->kernel < REC_MAX_KERNELS ? req->kernel : 0];
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
		b->oom = 1;
	if (fabs(exact - split) > (double)d->boundary_mismatch_max)
		d->boundary_mismatch_max = (uint64_t)(fabs(exact - split) + 0.5);
}

static void add_round_trip(struct breakdown *b, struct dir_agg *d, const struct journey *req,
			   const struct journey *resp)
{
	uint64_t gap = (uint64_t)ts_diff(resp->ts[0], req->ts[req->nhops - 1]);
	const char *outside = outside_segment_name(req->dir, req->hops[req->nhops - 1]);
	struct seg_agg *s;

	add_boundary(b, d, req, resp);

	d->packets++;
	if (req->complete && resp->complete) {
		d->complete++;
		if (hist_record(&d->e2e, (uint64_t)ts_diff(resp->ts[resp->nhops - 1], req->ts[0])))
			b->oom = 1;
	} else {
		d->partial++; /* a GSO tail's echo: its layers, not its end to end */
	}
	if (add_segments(d, req, round_trip_prefix(req->dir), PART_REQ) ||
	    add_segments(d, resp, round_trip_prefix(resp->dir), PART_RESP)) {
		b->oom = 1;
		return;
	}
	s = seg_get(d, outside, req->hops[req->nhops - 1], resp->hops[0], PART_OUTSIDE);
	if (!s || hist_record(&s->h, gap))
		b->oom = 1;
}

/* The group of key in a set (a hash of buckets, and the order first seen), made if new. */
static struct group *set_get(struct breakdown *b, struct group **buckets, struct group ***order,
			     size_t *n, const char *key)
{
	struct group *g, **grown;
	uint32_t h = 2166136261u;
	const char *p;

	for (p = key; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	h %= BREAKDOWN_BUCKETS;
	for (g = buckets[h]; g; g = g->next)
		if (!strcmp(g->key, key))
			return g;
	g = calloc(1, sizeof(*g));
	grown = realloc(*order, (*n + 1) * sizeof(*grown));
	if (!g || !grown) {
		free(g);
		*order = grown ? grown : *order;
		b->oom = 1;
		return NULL;
	}
	snprintf(g->key, sizeof(g->key), "%s", key);
	g->next = buckets[h];
	buckets[h] = g;
	*order = grown;
	(*order)[(*n)++] = g;
	return g;
}

static struct group *group_get(struct breakdown *b, const struct journey *j)
{
	char key[128];

	if (b->o.by == BY_NONE)
		return NULL;
	group_key(b->o.by, b->rec, j, key, sizeof(key));
	return set_get(b, b->buckets, &b->order, &b->ngroups, key);
}

/*
 * The group of the class j was queued in; NULL for a journey never queued for transmit. Its
 * name (journey_class_name) is made of the priority, the device and its priority map at the
 * time: the journeys of a run mostly share one, which is not named again for each.
 */
static struct group *class_get(struct breakdown *b, const struct journey *j)
{
	const struct class_key *last = &b->class_memo.key;
	struct class_key k;
	char name[128];

	if (journey_class_key(b->rec, j, &k) || k.at < 0)
		return NULL;
	if (b->class_memo.g && b->class_memo.nqdiscs == b->rec->nqdiscs && last->map == k.map &&
	    last->ifindex == k.ifindex && last->kernel == k.kernel && last->prio == k.prio)
		return b->class_memo.g;
	class_key_name(b->rec, &k, name, sizeof(name));
	b->class_memo.g = set_get(b, b->class_buckets, &b->classes, &b->nclasses, name);
	b->class_memo.key = k;
	b->class_memo.nqdiscs = b->rec->nqdiscs;
	return b->class_memo.g;
}

/* Adds what window src counted to dst (its neighbour, as the time view coarsens). */
static int dir_merge(struct dir_agg *dst, const struct dir_agg *src)
{
	struct seg_agg *s;
	size_t i;
	int h;

	dst->packets += src->packets;
	dst->complete += src->complete;
	dst->partial += src->partial;
	dst->incomplete += src->incomplete;
	dst->dropped += src->dropped;
	if (src->boundary_mismatch_max > dst->boundary_mismatch_max)
		dst->boundary_mismatch_max = src->boundary_mismatch_max;
	for (h = 0; h < VNL_HOP_MAX; h++)
		dst->incomplete_after[h] += src->incomplete_after[h];
	if (hist_merge(&dst->boundary, &src->boundary) || hist_merge(&dst->e2e, &src->e2e))
		return -ENOMEM;
	for (i = 0; i < src->nsegs; i++) {
		const struct seg_agg *from = &src->segs[i];

		s = seg_get(dst, from->name, from->from, from->to, from->part);
		if (!s || hist_merge(&s->h, &from->h))
			return -ENOMEM;
	}
	for (i = 0; i < src->ndrops; i++)
		add_drops(dst, src->drops[i].hop, src->drops[i].reason, src->drops[i].kernel,
			  src->drops[i].count);
	return 0;
}

static int group_merge(struct group *dst, const struct group *src)
{
	int row;

	for (row = 0; row < ROW_MAX; row++)
		if (dir_merge(&dst->dirs[row], &src->dirs[row]))
			return -ENOMEM;
	dst->sched_ns += src->sched_ns;
	dst->sched_n += src->sched_n;
	if (src->sched_max_ns > dst->sched_max_ns)
		dst->sched_max_ns = src->sched_max_ns;
	return 0;
}

/*
 * The time view keeps at most BREAKDOWN_WINDOWS_MAX windows: a longer run (a day of 1 s windows is
 * 86400 of them, a few kilobytes of histograms each) has its windows merged two by two, the
 * window doubling, as often as it takes. The whole-run figures are not touched.
 */
static int coarsen_windows(struct breakdown *b)
{
	size_t i, n = (b->nwindows + 1) / 2;

	for (i = 0; i < n; i++) {
		struct group *a = b->windows[2 * i];
		struct group *c = 2 * i + 1 < b->nwindows ? b->windows[2 * i + 1] : NULL;

		if (a && c) {
			if (group_merge(a, c))
				return -ENOMEM;
			group_free(c);
			free(c);
		}
		b->windows[i] = a ? a : c;
	}
	if (b->nwindows) /* none yet: a first time far from the start */
		memset(b->windows + n, 0, (b->nwindows - n) * sizeof(*b->windows));
	b->nwindows = n;
	b->o.window_ns *= 2;
	return 0;
}

/* Where the time view begins: the recording's start, or --time's from. */
static uint64_t view_base(const struct breakdown *b)
{
	return b->rec->monotonic_ns + b->o.from_ns;
}

/* Whether something that began at ts is within --time (everything is, without it). */
static int in_view(struct breakdown *b, uint64_t ts)
{
	if (b->o.from_ns && ts < view_base(b))
		return 0;
	if (b->o.to_ns && ts >= b->rec->monotonic_ns + b->o.to_ns)
		return 0;
	b->in_view++;
	return 1;
}

/* The group of the time window ts falls in. */
static struct group *window_at(struct breakdown *b, uint64_t ts)
{
	uint64_t base = view_base(b), idx;

	idx = ts > base ? (ts - base) / b->o.window_ns : 0;
	while (idx >= BREAKDOWN_WINDOWS_MAX) {
		if (!b->window_asked_ns)
			b->window_asked_ns = b->o.window_ns;
		if (coarsen_windows(b)) {
			b->oom = 1;
			return NULL;
		}
		idx = ts > base ? (ts - base) / b->o.window_ns : 0;
	}
	if (idx >= b->nwindows) {
		size_t n = (size_t)idx + 1;
		struct group **w = realloc(b->windows, n * sizeof(*w));

		if (!w) {
			b->oom = 1;
			return NULL;
		}
		memset(w + b->nwindows, 0, (n - b->nwindows) * sizeof(*w));
		b->windows = w;
		b->nwindows = n;
	}
	if (!b->windows[idx]) {
		b->windows[idx] = calloc(1, sizeof(struct group));
		if (!b->windows[idx])
			b->oom = 1;
	}
	return b->windows[idx];
}

/* The histogram of group g an aggregate-mode slot feeds: a segment's, or end to end. */
static struct hist *slot_hist(struct breakdown *b, struct group *g, unsigned int slot,
			      struct dir_agg **dir)
{
	const struct vnl_file_slot *sl = &b->rec->slots[slot];
	struct dir_agg *d = &g->dirs[row_of_dir(sl->dir)];
	struct seg_agg *seg;

	*dir = d;
	if (sl->from == VNL_HOP_NONE)
		return &d->e2e;
	seg = seg_get(d, sl->name, sl->from, sl->to, 0);
	if (!seg)
		b->oom = 1;
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

static void add_window_entries(struct breakdown *b, const struct recording *rec, struct group *g,
			       const struct vnl_file_hist_entry *e, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct dir_agg *d;
		struct hist *h;

		if (!rec->have_slot[e[i].slot] || !e[i].count)
			continue;
		h = slot_hist(b, g, e[i].slot, &d);
		if (!h || hist_add_bucket(h, e[i].bucket, e[i].count))
			b->oom = 1;
		else
			count_e2e(d, h, e[i].count);
	}
}

static void on_window(void *ctx, const struct recording *rec, uint64_t start, uint64_t end,
		      const struct vnl_file_hist_entry *e, size_t n)
{
	struct breakdown *b = ctx;
	uint64_t mid = start + (end - start) / 2;
	struct group *g;

	if (end > b->last_ts)
		b->last_ts = end;
	if (!in_view(b, mid))
		return;
	g = window_at(b, mid);
	if (g)
		add_window_entries(b, rec, g, e, n);
	/* under --time the whole-run figures are the windows' in the range, not the file's */
	if (b->o.from_ns || b->o.to_ns)
		add_window_entries(b, rec, &b->all, e, n);
}

/* --keep-slow: the slowest KEPT_MAX complete journeys of the kept packets. */
#define KEPT_MAX 1000

static uint64_t journey_e2e(const struct journey *j)
{
	return j->nhops ? (uint64_t)ts_diff(j->ts[j->nhops - 1], j->ts[0]) : 0;
}

static void keep_journey(struct breakdown *b, const struct journey *j)
{
	size_t i, fastest = 0;

	if (!j->complete && !j->partial) /* partial: one kernel's part of a kept packet */
		return;
	b->kept_seen++;
	if (!b->kept)
		b->kept = calloc(KEPT_MAX, sizeof(*b->kept));
	if (!b->kept) {
		b->oom = 1;
		return;
	}
	if (b->nkept < KEPT_MAX) {
		b->kept[b->nkept++] = *j;
		return;
	}
	for (i = 1; i < b->nkept; i++)
		if (journey_e2e(&b->kept[i]) < journey_e2e(&b->kept[fastest]))
			fastest = i;
	if (journey_e2e(j) > journey_e2e(&b->kept[fastest]))
		b->kept[fastest] = *j;
}

#define EXAMPLES_MAX 256

/* A uniform sample of each direction's complete journeys (reservoir sampling, seeded alike
 * every run so that a page is reproducible). */
static void keep_example(struct breakdown *b, const struct journey *j)
{
	unsigned int d = j->dir;
	uint64_t seen = ++b->examples_seen[d], r;

	if (!b->examples[d])
		b->examples[d] = calloc(EXAMPLES_MAX, sizeof(*b->examples[d]));
	if (!b->examples[d]) {
		b->oom = 1;
		return;
	}
	if (b->nexamples[d] < EXAMPLES_MAX) {
		b->examples[d][b->nexamples[d]++] = *j;
		return;
	}
	b->rng = b->rng * 6364136223846793005ULL + 1442695040888963407ULL;
	r = (b->rng >> 33) % seen;
	if (r < EXAMPLES_MAX)
		b->examples[d][r] = *j;
}

const struct journey *breakdown_example(const struct breakdown *b, unsigned int dir, double q)
{
	const struct journey *best = NULL;
	uint64_t want, gap, best_gap = UINT64_MAX;
	size_t i;

	if (dir >= VNL_DIR_ANY || !b->nexamples[dir])
		return NULL;
	want = hist_percentile(&b->all.dirs[dir].e2e, q);
	for (i = 0; i < b->nexamples[dir]; i++) {
		uint64_t e2e = journey_e2e(&b->examples[dir][i]);

		gap = e2e > want ? e2e - want : want - e2e;
		if (gap < best_gap) {
			best_gap = gap;
			best = &b->examples[dir][i];
		}
	}
	return best;
}

const char *kept_kernels(const struct journey *j)
{
	return j->host_hops && j->guest_hops ? "both" : j->guest_hops ? "guest" : "host";
}

void softirq_near(const struct recording *rec, const struct journey *j, struct softirq_near out[2])
{
	uint64_t lo = j->ts[0], hi = j->ts[j->nhops - 1], start, end, last_end[2] = {0, 0};
	size_t i;

	memset(out, 0, 2 * sizeof(*out));
	for (i = 0; i < rec->nsoftirq; i++) {
		const struct rec_softirq *s = &rec->softirq[i];
		unsigned int side = s->kernel != 0;
		struct softirq_near *n = &out[side];

		if (side && s->kernel != j->kernel)
			continue; /* another guest's */
		n->seen = 1;
		start = rec_host_time(rec, s->kernel, s->start_ns);
		end = rec_host_time(rec, s->kernel, s->end_ns);
		if (end < lo || start > hi || !(j->cpus[side] >> (s->cpu & 63) & 1))
			continue;
		n->cpus |= 1ULL << (s->cpu & 63);
		if (end != last_end[side]) { /* the next interval: each is counted once */
			n->interval_ns += end - start;
			last_end[side] = end;
		}
		n->ns[s->vec] += s->ns;
		if (s->max_ns > n->max_ns[s->vec])
			n->max_ns[s->vec] = s->max_ns;
	}
}

/* The first guest that recorded with --keep-slow, NULL if none did. */
static const struct rec_kernel *keeping_guest(const struct recording *rec)
{
	unsigned int k;

	for (k = 1; k < rec->nkernels && k < REC_MAX_KERNELS; k++)
		if (rec->k[k].keep_slow[0])
			return &rec->k[k];
	return NULL;
}

const char *kept_missing(const struct recording *rec, const struct journey *j)
{
	const struct rec_kernel *g = keeping_guest(rec);

	if (!rec->guests || !strcmp(kept_kernels(j), "both"))
		return NULL;
	if (j->guest_hops) {
		if (!rec->keep_slow[0])
			return "the host's part is not kept: the host recorded without --keep-slow";
		if (!rec->k[0].keep.asked)
			return "the host's part is not kept: the agent's word never reached it";
		return "the host's part was no longer in its packet cache when the guest's word "
		       "came";
	}
	if (!g)
		return "the guest's part is not kept: no agent ran with --keep-slow";
	if (!g->keep.asked)
		return "the guest's part is not kept: the host's word never reached the agent";
	return "the guest's part was not in the guest's packet cache (taken before the host's word "
	       "came, or the packet never reached that guest)";
}

static int slower_first(const void *a, const void *b)
{
	uint64_t x = journey_e2e(a), y = journey_e2e(b);

	return x < y ? 1 : x > y ? -1 : 0;
}

static void on_journey(void *ctx, const struct journey *j)
{
	struct breakdown *b = ctx;
	struct group *g;

	if (j->nhops && !in_view(b, j->ts[0]))
		return;
	if (j->dir < VNL_DIR_ANY && b->rec->aggregate && b->rec->keep_slow[0])
		keep_journey(b, j);
	if (j->dir < VNL_DIR_ANY && (j->pkt.flags & VNL_PKT_PTP))
		ptp_add(b, j);
	/* in aggregate mode the in-kernel histograms hold every packet; journeys are a sample */
	if (j->dir >= VNL_DIR_ANY || b->rec->aggregate)
		return;
	breakdown_add_journey(b, &b->all.dirs[j->dir], j);
	if (j->complete && j->nhops > 1)
		keep_example(b, j);
	g = group_get(b, j);
	if (g)
		breakdown_add_journey(b, &g->dirs[j->dir], j);
	g = class_get(b, j);
	if (g)
		breakdown_add_journey(b, &g->dirs[j->dir], j);
	g = j->nhops ? window_at(b, j->ts[0]) : NULL;
	if (g)
		breakdown_add_journey(b, &g->dirs[j->dir], j);
}

static void on_round_trip(void *ctx, const struct journey *req, const struct journey *resp)
{
	struct breakdown *b = ctx;
	int row = row_of_round_trip(req->dir);
	struct group *g;

	if (!in_view(b, req->ts[0]))
		return;
	if (req->pkt.flags & VNL_PKT_PTP)
		add_round_trip(b, &b->ptp_pairs, req, resp);
	add_round_trip(b, &b->all.dirs[row], req, resp);
	g = group_get(b, req);
	if (g)
		add_round_trip(b, &g->dirs[row], req, resp);
	g = class_get(b, req);
	if (g)
		add_round_trip(b, &g->dirs[row], req, resp);
	g = window_at(b, req->ts[0]);
	if (g)
		add_round_trip(b, &g->dirs[row], req, resp);
}

/*
 * A VMM thread's wait for a CPU, [start, end): each window gets the part it overlaps (and
 * only the part within --time counts).
 */
static void add_sched_wait(struct breakdown *b, uint64_t start, uint64_t end)
{
	uint64_t base = view_base(b), t;

	if (b->o.from_ns && start < base)
		start = base;
	if (b->o.to_ns && end > b->rec->monotonic_ns + b->o.to_ns)
		end = b->rec->monotonic_ns + b->o.to_ns;
	if (end <= start)
		return;
	t = start;

	b->all.sched_ns += end - start;
	b->all.sched_n++;
	if (end - start > b->all.sched_max_ns)
		b->all.sched_max_ns = end - start;
	while (t < end) {
		uint64_t wend =
		    t < base ? base : base + ((t - base) / b->o.window_ns + 1) * b->o.window_ns;
		struct group *g = window_at(b, t);

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
	struct breakdown *b = ctx;

	if (!b->je) { /* the description came before the first event */
		struct jsink sink = {on_journey, on_round_trip, b};

		b->je = jengine_for(rec, &sink, b->o.max_stall_ns);
		if (!b->je) {
			b->oom = 1;
			return;
		}
	}
	if (ev->ts_ns > b->last_ts)
		b->last_ts = ev->ts_ns;
	if (ev->hop < VNL_HOP_MAX)
		b->events_by_hop[ev->hop]++;
	if (ev->hop < VNL_HOP_MAX && vnl_hops[ev->hop].kind == VNL_KIND_SCHED)
		add_sched_wait(b, ev->ts_ns - ev->len, ev->ts_ns);
	if (ev->hop < VNL_HOP_MAX && vnl_hops[ev->hop].kind == VNL_KIND_CLOCK &&
	    b->nclock_events < 100000) {
		struct vnl_event *p = realloc(b->clock_events, (b->nclock_events + 1) * sizeof(*p));

		if (p) {
			b->clock_events = p;
			p[b->nclock_events++] = *ev;
		}
	}
	jengine_event(b->je, ev);
}

/* In aggregate mode: the directions' segments from the in-kernel histograms. */
static void add_aggregate(struct breakdown *b)
{
	const struct recording *rec = b->rec;
	unsigned int slot;
	size_t i;

	for (slot = 0; slot < VNL_AGG_SLOTS; slot++) {
		struct dir_agg *d;
		struct hist *h;

		if (!rec->have_slot[slot] || !rec->agg[slot].count)
			continue;
		if (b->o.from_ns || b->o.to_ns)
			break; /* --time: the windows in the range made them (on_window) */
		h = slot_hist(b, &b->all, slot, &d);
		if (!h || hist_merge(h, &rec->agg[slot]))
			b->oom = 1;
		else
			count_e2e(d, h, rec->agg[slot].count);
	}
	for (i = 0; !b->o.from_ns && !b->o.to_ns && i < rec->nagg_drops; i++) {
		const struct vnl_file_drop *dr = &rec->agg_drops[i];
		struct dir_agg *d;

		if (dr->hop >= VNL_HOP_MAX)
			continue;
		d = &b->all.dirs[row_of_dir(vnl_hops[dr->hop].dir)];
		d->packets += dr->count;
		d->dropped += dr->count;
		add_drops(d, dr->hop, dr->reason, 0, dr->count); /* the host's histograms */
	}
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

static void sort_row(struct dir_agg *d)
{
	if (d->nsegs)
		qsort(d->segs, d->nsegs, sizeof(*d->segs), seg_cmp);
}

static void sort_group(struct group *g)
{
	int row;

	for (row = 0; row < ROW_MAX; row++)
		sort_row(&g->dirs[row]);
}

/* The median window's total of VMM CPU waits: what "usual" means near a spike. */
static int find_sched_usual(struct breakdown *b)
{
	uint64_t *tot = calloc(b->nwindows + 1, sizeof(*tot));
	size_t i, n = 0;

	if (!tot)
		return -ENOMEM;
	for (i = 0; i < b->nwindows; i++)
		if (b->windows[i])
			tot[n++] = b->windows[i]->sched_ns;
	b->sched_usual = median_u64(tot, n);
	free(tot);
	return 0;
}

/* Everything built: segments sorted in path order once, spikes and trends found. */
static void finish(struct breakdown *b)
{
	size_t i;

	if (b->je) {
		jengine_flush(b->je);
		b->stats = jengine_stats(b->je);
	}
	if (b->rec->aggregate)
		add_aggregate(b);
	sort_group(&b->all);
	if (b->nkept)
		qsort(b->kept, b->nkept, sizeof(*b->kept), slower_first);
	for (i = 0; i < VNL_DIR_ANY * 16; i++)
		sort_row(&b->ptp[0][0] + i);
	sort_row(&b->ptp_pairs);
	for (i = 0; i < b->ngroups; i++)
		sort_group(b->order[i]);
	for (i = 0; i < b->nclasses; i++)
		sort_group(b->classes[i]);
	for (i = 0; i < b->nwindows; i++)
		if (b->windows[i])
			sort_group(b->windows[i]);
	if (timeline_build(&b->tl, &b->all, b->windows, b->nwindows, b->o.window_ns) ||
	    find_sched_usual(b))
		b->oom = 1;
}

int breakdown_build(struct breakdown *b, const char *path, const struct breakdown_opts *o)
{
	char err[512];
	int ret;

	memset(b, 0, sizeof(*b));
	b->o = *o;
	if (!b->o.window_ns)
		b->o.window_ns = 1000000000ULL;
	b->rec = calloc(1, sizeof(*b->rec));
	if (!b->rec)
		return VNL_EXIT_FAIL;
	ret = rec_read_windows(b->rec, path, on_event, on_window, b, err, sizeof(err));
	if (ret) {
		vnl_err("%s", err);
		rec_free(b->rec);
		free(b->rec);
		b->rec = NULL;
		return ret == -EINVAL || ret == -EPROTO ? VNL_EXIT_DATA : VNL_EXIT_FAIL;
	}
	finish(b);
	if ((b->o.from_ns || b->o.to_ns) && !b->in_view && !b->oom) {
		vnl_err("%s: nothing began in --time's range (the recording spans %.1f s)", path,
			b->last_ts > b->rec->monotonic_ns
			    ? (double)(b->last_ts - b->rec->monotonic_ns) / 1e9
			    : 0.0);
		return VNL_EXIT_DATA;
	}
	if (b->oom) {
		vnl_err("%s: out of memory while building the breakdown", path);
		return VNL_EXIT_FAIL;
	}
	return 0;
}

void breakdown_free(struct breakdown *b)
{
	size_t i;

	jengine_free(b->je);
	group_free(&b->all);
	for (i = 0; i < VNL_DIR_ANY * 16; i++)
		dir_agg_free(&b->ptp[0][0] + i);
	dir_agg_free(&b->ptp_pairs);
	for (i = 0; i < b->ngroups; i++) {
		group_free(b->order[i]);
		free(b->order[i]);
	}
	free(b->order);
	for (i = 0; i < b->nclasses; i++) {
		group_free(b->classes[i]);
		free(b->classes[i]);
	}
	free(b->classes);
	free(b->kept);
	for (i = 0; i < VNL_DIR_ANY; i++)
		free(b->examples[i]);
	free(b->clock_events);
	timeline_free(&b->tl);
	for (i = 0; i < b->nwindows; i++) {
		if (b->windows[i])
			group_free(b->windows[i]);
		free(b->windows[i]);
	}
	free(b->windows);
	if (b->rec)
		rec_free(b->rec);
	free(b->rec);
	memset(b, 0, sizeof(*b));
}

/* Moves b's groups (everything, or --by's) into a new array of n. */
static struct group *take_groups(struct breakdown *b, size_t *n)
{
	struct group *g;
	size_t i;

	*n = b->o.by == BY_NONE ? 1 : b->ngroups;
	g = calloc(*n ? *n : 1, sizeof(*g));
	if (!g)
		return NULL;
	if (b->o.by == BY_NONE) {
		g[0] = b->all;
		snprintf(g[0].key, sizeof(g[0].key), "all");
		memset(&b->all, 0, sizeof(b->all));
		return g;
	}
	for (i = 0; i < b->ngroups; i++) {
		g[i] = *b->order[i]; /* moved: what it points to is the caller's now */
		g[i].next = NULL;
		memset(b->order[i], 0, sizeof(*b->order[i]));
	}
	return g;
}

int breakdown_of_file(const char *path, enum group_by by, struct group **out, size_t *n,
		      uint64_t *events)
{
	struct breakdown_opts o = {.by = by};
	struct breakdown *b = calloc(1, sizeof(*b));
	int ret;

	*out = NULL;
	*n = 0;
	if (!b)
		return VNL_EXIT_FAIL;
	ret = breakdown_build(b, path, &o);
	if (!ret) {
		*out = take_groups(b, n);
		if (!*out) {
			vnl_err("%s: out of memory", path);
			ret = VNL_EXIT_FAIL;
		} else {
			*events = b->rec->events;
		}
	}
	if (!ret && b->rec->ndamage) {
		vnl_warn("%s: %zu damaged region(s) skipped", path, b->rec->ndamage);
		ret = VNL_EXIT_DATA;
	}
	breakdown_free(b);
	free(b);
	return ret;
}

double breakdown_window_mid_s(const struct breakdown *b, size_t w)
{
	return ((double)b->o.from_ns + ((double)w + 0.5) * (double)b->o.window_ns) / 1e9;
}

double breakdown_window_start_s(const struct breakdown *b, size_t w)
{
	return ((double)b->o.from_ns + (double)w * (double)b->o.window_ns) / 1e9;
}

uint64_t breakdown_window_start_ns(const struct breakdown *b, size_t w)
{
	return view_base(b) + w * b->o.window_ns;
}

void breakdown_near(const struct breakdown *b, size_t w, size_t end, struct near *n)
{
	size_t first = w ? w - 1 : 0, last = end + 1, i;
	uint64_t lo = breakdown_window_start_ns(b, first);
	uint64_t hi = breakdown_window_start_ns(b, last + 1);
	int row;

	memset(n, 0, sizeof(*n));
	for (i = first; i <= last && i < b->nwindows; i++) {
		if (!b->windows[i])
			continue;
		for (row = 0; row < ROW_MAX; row++)
			n->drops += b->windows[i]->dirs[row].dropped;
		n->sched_ns += b->windows[i]->sched_ns;
		if (b->windows[i]->sched_max_ns > n->sched_max_ns)
			n->sched_max_ns = b->windows[i]->sched_max_ns;
	}
	for (i = 0; i < b->nclock_events; i++)
		if (b->clock_events[i].ts_ns >= lo && b->clock_events[i].ts_ns < hi)
			n->clocks++;
	n->sched_usual_ns = b->sched_usual;
	ptp4l_near(b, lo, hi, n);
}

static size_t window_of(const struct breakdown *b, uint64_t ts)
{
	uint64_t base = view_base(b);

	return ts > base ? (size_t)((ts - base) / b->o.window_ns) : 0;
}

void breakdown_near_journey(const struct breakdown *b, const struct journey *j, struct near *n)
{
	breakdown_near(b, window_of(b, j->ts[0]), window_of(b, j->ts[j->nhops - 1]), n);
}

const char *group_by_name(enum group_by by)
{
	static const char *const names[BY_MAX] = {"none",     "vm",    "iface", "flow",
						  "priority", "queue", "class"};

	return names[by];
}

int group_by_parse(const char *arg, enum group_by *by)
{
	int i;

	for (i = BY_VM; i < BY_MAX; i++)
		if (!strcmp(arg, group_by_name(i))) {
			*by = i;
			return 0;
		}
	vnl_err("--by '%s': expected vm, iface, flow, priority, queue or class", arg);
	return -1;
}

static uint64_t segs_sum(const struct dir_agg *d)
{
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < d->nsegs; i++)
		sum += d->segs[i].h.sum;
	return sum;
}

void breakdown_walk_row(const struct breakdown *b, int row, const struct dir_agg *d,
			const struct row_visitor *v, void *ctx)
{
	uint64_t total = segs_sum(d);
	int tied = 0, crosses = 0;
	unsigned int h;
	size_t i;

	v->begin(ctx, row, d);
	for (i = 0; i < d->nsegs; i++) {
		const struct seg_agg *s = &d->segs[i];
		struct seg_view sv = {
		    s,
		    total ? (double)s->h.sum / (double)total : 0,
		    vnl_hops[s->from].packetless || vnl_hops[s->to].packetless,
		    hop_in_guest(s->from) != hop_in_guest(s->to),
		};

		tied |= sv.tied;
		crosses |= sv.crosses;
		v->segment(ctx, &sv);
	}
	v->end_to_end(ctx, &d->e2e);
	if (d->boundary.count)
		v->boundary(ctx, &d->boundary, d->boundary_mismatch_max);
	v->table_end(ctx, tied, crosses);
	for (h = 0; h < VNL_HOP_MAX; h++)
		if (d->incomplete_after[h])
			v->lost_after(ctx, h, d->incomplete_after[h]);
	v->lost_end(ctx);
	for (i = 0; i < d->ndrops; i++)
		v->drop(ctx, d->drops[i].hop,
			rec_reason_of(b->rec, d->drops[i].kernel, d->drops[i].reason),
			d->drops[i].count);
	v->end(ctx);
}
