// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "hoptab.h"
#include "reorder.h"
#include "recording.h"
#include "util.h"

#define REORDER_WINDOW_NS 50000000ULL
#define CLOCK_WINDOW_NS	  2000000000ULL /* the clock filter's window (see clock.h) */

/*
 * A recording of the host alone is read in one pass. With guests it takes two: the first
 * reads the descriptions, keeps the guests' events and the packets seen on both sides of the
 * boundary, from which each guest's clock offset is estimated; the second hands out the
 * host's events with the guests' (now on the host's clock) merged in, in time order.
 */
enum read_pass {
	PASS_ALL,     /* descriptions and events: a host-only recording */
	PASS_COLLECT, /* descriptions; guests' events and boundary packets kept */
	PASS_EVENTS,  /* the host's events, merged with the guests' */
	PASS_STREAM,  /* blocks as the recorder makes them (live): the host's alone */
};

/* A packet seen next to the host/guest boundary, to relate the two clocks. */
struct boundary {
	uint64_t fp, ts;
	uint16_t hop;
	uint8_t kernel;
};

struct read_ctx {
	struct recording *rec;
	rec_event_fn fn;
	void *ctx;
	rec_window_fn window_fn;
	enum read_pass pass;
	unsigned int cur_kernel; /* the kernel the description blocks are of (KERNEL blocks) */
	char next[4096];	 /* the next file of the set, as the last END block read names it */
	struct vnl_event *gev;	 /* guests' events */
	size_t ngev, gev_cap, gev_next;
	struct boundary *bnd;
	size_t nbnd, bnd_cap;
	struct vnl_file_clock *clk; /* exchanges over the agents' links */
	size_t nclk, clk_cap;
};

static void meta_str(const struct vnl_block *b, const char *key, char *dst, size_t size)
{
	if (vnl_meta_get(b, key, dst, size))
		dst[0] = '\0';
}

static uint64_t meta_u64(const struct vnl_block *b, const char *key)
{
	char buf[32];

	return vnl_meta_get(b, key, buf, sizeof(buf)) ? 0 : strtoull(buf, NULL, 10);
}

static void read_meta(struct recording *rec, const struct vnl_block *b)
{
	meta_str(b, "hostname", rec->hostname, sizeof(rec->hostname));
	meta_str(b, "kernel", rec->kernel, sizeof(rec->kernel));
	meta_str(b, "clock", rec->clock, sizeof(rec->clock));
	meta_str(b, "version", rec->version, sizeof(rec->version));
	meta_str(b, "filter", rec->filter, sizeof(rec->filter));
	meta_str(b, "command", rec->command, sizeof(rec->command));
	char mode[32];

	if (!rec->nparts) { /* a rotated set keeps its first file's time base throughout */
		rec->realtime_ns = meta_u64(b, "realtime_ns");
		rec->monotonic_ns = meta_u64(b, "monotonic_ns");
	}
	meta_str(b, "mode", mode, sizeof(mode));
	rec->aggregate = !strcmp(mode, "aggregate");
	rec->sample = (uint32_t)meta_u64(b, "sample");
	rec->guests = meta_u64(b, "guests") != 0;
}

static void read_guest_meta(struct rec_kernel *k, const struct vnl_block *b)
{
	meta_str(b, "hostname", k->hostname, sizeof(k->hostname));
	meta_str(b, "kernel", k->kernel, sizeof(k->kernel));
	meta_str(b, "version", k->version, sizeof(k->version));
	meta_str(b, "clock", k->clock_name, sizeof(k->clock_name));
	k->realtime_ns = meta_u64(b, "realtime_ns");
	k->monotonic_ns = meta_u64(b, "monotonic_ns");
}

/* A hop id of the file (kernel's) as this build's. */
static uint16_t hop_of(const struct recording *rec, unsigned int kernel, uint32_t file_id)
{
	if (file_id == VNL_HOP_NONE)
		return VNL_HOP_NONE;
	if (kernel >= REC_MAX_KERNELS || file_id >= REC_FILE_HOP_IDS)
		return REC_HOP_UNKNOWN;
	return rec->hop_map[kernel][file_id];
}

static uint16_t hop_by_name(const char *name)
{
	unsigned int h;

	for (h = 0; h < VNL_HOP_MAX; h++)
		if (!strcmp(vnl_hops[h].name, name))
			return (uint16_t)h;
	return REC_HOP_UNKNOWN;
}

/* The host's hops; a guest's HOPS block says how the guest-side hops were attached. */
static void read_hops(struct recording *rec, const struct vnl_block *b, unsigned int kernel)
{
	size_t i, n = b->len / sizeof(struct vnl_file_hop);

	for (i = 0; i < n; i++) {
		struct vnl_file_hop h;
		uint16_t id;

		memcpy(&h, b->payload + i * sizeof(h), sizeof(h));
		h.name[sizeof(h.name) - 1] = '\0';
		h.attach[sizeof(h.attach) - 1] = '\0';
		id = hop_by_name(h.name);
		if (h.id < REC_FILE_HOP_IDS && kernel < REC_MAX_KERNELS)
			rec->hop_map[kernel][h.id] = id;
		if (id >= VNL_HOP_MAX)
			continue;
		h.id = id;
		if (!kernel || (hop_in_guest(id) && h.mech != VNL_MECH_NONE))
			rec->hops[id] = h;
	}
	rec->have_hops = 1;
}

/* Room for n more records of elem bytes after the len that *arr holds. */
static int reserve(void *arr, size_t len, size_t n, size_t elem)
{
	void *p;

	if (!n)
		return 0;
	p = realloc(*(void **)arr, (len + n) * elem);
	if (!p)
		return -ENOMEM;
	*(void **)arr = p;
	return 0;
}

static int read_guest_ifaces(struct rec_kernel *k, const struct vnl_block *b)
{
	size_t n = b->len / sizeof(struct vnl_file_iface), i;

	if (reserve(&k->ifaces, k->nifaces, n, sizeof(*k->ifaces)))
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		struct vnl_file_iface *f = &k->ifaces[k->nifaces++];

		memcpy(f, b->payload + i * sizeof(*f), sizeof(*f));
		f->name[sizeof(f->name) - 1] = '\0';
		f->vm_name[sizeof(f->vm_name) - 1] = '\0';
	}
	return 0;
}

static int read_ifaces(struct recording *rec, const struct vnl_block *b)
{
	size_t n = b->len / sizeof(struct vnl_file_iface), i;

	if (reserve(&rec->ifaces, rec->nifaces, n, sizeof(*rec->ifaces)))
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		struct vnl_file_iface f;

		memcpy(&f, b->payload + i * sizeof(f), sizeof(f));
		f.name[sizeof(f.name) - 1] = '\0';
		f.vm_name[sizeof(f.vm_name) - 1] = '\0';
		/* each file of a rotated set repeats the interfaces seen so far */
		if (!rec_iface(rec, f.netns, f.ifindex))
			rec->ifaces[rec->nifaces++] = f;
	}
	return 0;
}

static void read_reasons(char **reasons, const struct vnl_block *b)
{
	const char *p = (const char *)b->payload, *end = p + b->len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *eq;
		const char *line_end = nl ? nl : end;
		unsigned long num;
		char *numend;

		eq = memchr(p, '=', (size_t)(line_end - p));
		num = strtoul(p, &numend, 10);
		if (eq && numend == eq && num < REC_MAX_REASONS && !reasons[num])
			reasons[num] = strndup(eq + 1, (size_t)(line_end - eq - 1));
		p = line_end + 1;
	}
}

/* Running totals: the last LOST block of a kernel replaces what came before. */
static void read_lost(struct recording *rec, const struct vnl_block *b, unsigned int kernel)
{
	size_t n = b->len / sizeof(struct vnl_file_lost), i;
	struct rec_kernel *k = &rec->k[kernel];
	uint64_t total = 0;
	int h;

	for (h = 0; h < VNL_HOP_MAX; h++) /* each hop is of one side: the other kernel's stay */
		if (hop_in_guest((unsigned int)h) == !!kernel)
			rec->lost_by_hop[h] = 0;
	k->lost_spool = 0;
	for (i = 0; i < n; i++) {
		struct vnl_file_lost l;

		memcpy(&l, b->payload + i * sizeof(l), sizeof(l));
		if (l.hop != VNL_LOST_SPOOL)
			l.hop = hop_of(rec, kernel, l.hop);
		if (l.hop < VNL_HOP_MAX)
			rec->lost_by_hop[l.hop] += l.count;
		else if (l.hop == VNL_LOST_SPOOL)
			k->lost_spool += l.count;
		total += l.count;
	}
	if (kernel)
		k->lost_total = total;
	else
		rec->host_lost = total;
}

static int read_devevents(struct recording *rec, const struct vnl_block *b)
{
	size_t n = b->len / sizeof(struct vnl_file_devevent), i;

	if (reserve(&rec->devevents, rec->ndevevents, n, sizeof(*rec->devevents)))
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		struct vnl_file_devevent *e = &rec->devevents[rec->ndevevents++];

		memcpy(e, b->payload + i * sizeof(*e), sizeof(*e));
		e->name[sizeof(e->name) - 1] = '\0';
	}
	return 0;
}

static void read_slots(struct recording *rec, const struct vnl_block *b)
{
	size_t n = b->len / sizeof(struct vnl_file_slot), i;

	for (i = 0; i < n; i++) {
		struct vnl_file_slot sl;

		memcpy(&sl, b->payload + i * sizeof(sl), sizeof(sl));
		sl.name[sizeof(sl.name) - 1] = '\0';
		sl.from = hop_of(rec, 0, sl.from);
		sl.to = hop_of(rec, 0, sl.to);
		if (sl.slot >= VNL_AGG_SLOTS ||
		    (sl.from != VNL_HOP_NONE && sl.from >= VNL_HOP_MAX) ||
		    (sl.to != VNL_HOP_NONE && sl.to >= VNL_HOP_MAX) || sl.dir >= VNL_DIR_ANY)
			continue;
		rec->slots[sl.slot] = sl;
		rec->have_slot[sl.slot] = 1;
	}
}

static int read_hist(struct recording *rec, struct read_ctx *rc, const struct vnl_block *b)
{
	struct vnl_file_hist_entry *all = NULL;
	struct vnl_file_hist_hdr hdr;
	size_t i, n;

	if (b->len < sizeof(hdr))
		return 0;
	memcpy(&hdr, b->payload, sizeof(hdr));
	n = (b->len - sizeof(hdr)) / sizeof(struct vnl_file_hist_entry);
	if (hdr.n < n)
		n = hdr.n;
	if (rc->window_fn && n) {
		all = malloc(n * sizeof(*all));
		if (!all)
			return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		struct vnl_file_hist_entry e;

		memcpy(&e, b->payload + sizeof(hdr) + i * sizeof(e), sizeof(e));
		if (e.slot >= VNL_AGG_SLOTS || e.bucket >= VNL_LL_BUCKETS)
			e.count = 0; /* damaged: counted nowhere */
		else if (hist_add_bucket(&rec->agg[e.slot], e.bucket, e.count))
			n = i; /* out of memory: stop here, the window gets what was added */
		if (all)
			all[i] = e;
	}
	rec->agg_windows++;
	if (rc->window_fn)
		rc->window_fn(rc->ctx, rec, hdr.start_ns, hdr.end_ns, all, n);
	free(all);
	return 0;
}

static int read_agg_drops(struct recording *rec, const struct vnl_block *b)
{
	size_t n = b->len / sizeof(struct vnl_file_drop), i;
	struct vnl_file_drop *d = NULL;

	/* running totals: the last block replaces what came before */
	if (n) {
		d = malloc(n * sizeof(*d));
		if (!d)
			return -ENOMEM;
		memcpy(d, b->payload, n * sizeof(*d));
		for (i = 0; i < n; i++)
			d[i].hop = hop_of(rec, 0, d[i].hop);
	}
	free(rec->agg_drops);
	rec->agg_drops = d;
	rec->nagg_drops = n;
	return 0;
}

/* Appends n records of elem bytes to *arr (length *len, capacity *cap). */
static int append(void *arr, size_t *len, size_t *cap, const void *src, size_t n, size_t elem)
{
	if (*len + n > *cap) {
		size_t c = *cap ? *cap * 2 : 4096;
		void *p;

		while (c < *len + n)
			c *= 2;
		p = realloc(*(void **)arr, c * elem);
		if (!p)
			return -ENOMEM;
		*(void **)arr = p;
		*cap = c;
	}
	memcpy((uint8_t *)*(void **)arr + *len * elem, src, n * elem);
	*len += n;
	return 0;
}

static void deliver(struct read_ctx *rc, const struct vnl_event *ev)
{
	rc->rec->events++;
	if (ev->kernel && ev->kernel < REC_MAX_KERNELS)
		rc->rec->k[ev->kernel].events++;
	rc->fn(rc->ctx, rc->rec, ev);
}

/* A host event, in time order; the guests' events up to its time go first. */
static void hand_out(void *ctx, const struct vnl_event *ev)
{
	struct read_ctx *rc = ctx;

	while (rc->gev_next < rc->ngev && rc->gev[rc->gev_next].ts_ns <= ev->ts_ns)
		deliver(rc, &rc->gev[rc->gev_next++]);
	deliver(rc, ev);
}

/* The boundary hops of the hop table (VNL_HOP_BOUNDARY): host and guest, each direction. */
struct boundary_hops {
	unsigned int host[2], guest[2]; /* the hop nearest the boundary, then its stand-in */
};

#define BOUNDARY_ROW(d, h, h2, g, g2)                                                              \
	[VNL_DIR_##d] = {{VNL_HOP_##h, VNL_HOP_##h2}, {VNL_HOP_##g, VNL_HOP_##g2}},
static const struct boundary_hops boundary_hops[2] = {VNL_HOP_BOUNDARY(BOUNDARY_ROW)};
#undef BOUNDARY_ROW

static int is_boundary_hop(unsigned int hop)
{
	int d, i;

	for (d = 0; d < 2; d++)
		for (i = 0; i < 2; i++)
			if (boundary_hops[d].host[i] == hop || boundary_hops[d].guest[i] == hop)
				return 1;
	return 0;
}

static int collect_events(struct read_ctx *rc, const struct vnl_block *b, size_t n)
{
	const struct vnl_event *evs = (const struct vnl_event *)b->payload;
	size_t i;

	for (i = 0; i < n; i++) {
		struct vnl_event ev;

		memcpy(&ev, &evs[i], sizeof(ev));
		if (ev.kernel >= REC_MAX_KERNELS)
			continue;
		ev.hop = hop_of(rc->rec, ev.kernel, ev.hop);
		if (ev.kernel && append(&rc->gev, &rc->ngev, &rc->gev_cap, &ev, 1, sizeof(ev)))
			return -ENOMEM;
		if (ev.kernel >= rc->rec->nkernels)
			rc->rec->nkernels = ev.kernel + 1u;
		if (ev.pkt.fp && !(ev.flags & VNL_EV_NO_PACKET) && is_boundary_hop(ev.hop)) {
			struct boundary bd = {ev.pkt.fp, ev.ts_ns, ev.hop, ev.kernel};

			if (append(&rc->bnd, &rc->nbnd, &rc->bnd_cap, &bd, 1, sizeof(bd)))
				return -ENOMEM;
		}
	}
	return 0;
}

static int read_events(struct read_ctx *rc, struct reorder *ro, const struct vnl_block *b)
{
	size_t n = b->len / sizeof(struct vnl_event), i;
	struct vnl_event ev;

	if (rc->pass == PASS_COLLECT)
		return collect_events(rc, b, n);
	for (i = 0; i < n; i++) {
		memcpy(&ev, b->payload + i * sizeof(ev), sizeof(ev));
		if (rc->pass == PASS_EVENTS && ev.kernel)
			continue; /* handed out from rc->gev, on the host's clock */
		ev.hop = hop_of(rc->rec, ev.kernel, ev.hop);
		if (reorder_push(ro, &ev, hand_out, rc))
			return -ENOMEM;
	}
	return 0;
}

static int read_clock(struct read_ctx *rc, const struct vnl_block *b)
{
	size_t n = b->len / sizeof(struct vnl_file_clock);

	return append(&rc->clk, &rc->nclk, &rc->clk_cap, b->payload, n,
		      sizeof(struct vnl_file_clock));
}

/* A description block of a guest's kernel (after a KERNEL block naming it). */
static int read_guest_block(struct recording *rec, unsigned int kernel, const struct vnl_block *b)
{
	struct rec_kernel *k = &rec->k[kernel];

	k->present = 1;
	if (kernel >= rec->nkernels)
		rec->nkernels = kernel + 1;
	switch (b->type) {
	case VNL_BLK_META:
		read_guest_meta(k, b);
		break;
	case VNL_BLK_HOPS:
		read_hops(rec, b, kernel);
		break;
	case VNL_BLK_IFACES:
		return read_guest_ifaces(k, b);
	case VNL_BLK_LOST:
		read_lost(rec, b, kernel);
		break;
	case VNL_BLK_REASONS:
		if (!k->reasons)
			k->reasons = calloc(REC_MAX_REASONS, sizeof(*k->reasons));
		if (!k->reasons)
			return -ENOMEM;
		read_reasons(k->reasons, b);
		break;
	case VNL_BLK_END:
		k->ended = 1;
		k->end_monotonic_ns = meta_u64(b, "end_monotonic_ns");
		break;
	default:
		break; /* no more: an agent records packets only, never aggregate blocks */
	}
	return 0;
}

static int read_block(struct recording *rec, struct read_ctx *rc, struct reorder *ro,
		      const struct vnl_block *b)
{
	if (b->type == VNL_BLK_EVENTS)
		return read_events(rc, ro, b);
	if (rc->pass == PASS_EVENTS)
		return 0; /* the first pass read everything else */
	if (b->type == VNL_BLK_KERNEL) {
		unsigned int k = (unsigned int)meta_u64(b, "kernel");

		rc->cur_kernel = k < REC_MAX_KERNELS ? k : 0;
		return 0;
	}
	if (b->type == VNL_BLK_CLOCK)
		return read_clock(rc, b);
	if (rc->cur_kernel)
		return read_guest_block(rec, rc->cur_kernel, b);
	switch (b->type) {
	case VNL_BLK_META:
		read_meta(rec, b);
		/* a recording with guests is read in two passes (see enum read_pass) */
		if (rec->guests && rc->pass == PASS_ALL && !rec->events)
			rc->pass = PASS_COLLECT;
		break;
	case VNL_BLK_HOPS:
		read_hops(rec, b, 0);
		break;
	case VNL_BLK_IFACES:
		return read_ifaces(rec, b);
	case VNL_BLK_REASONS:
		read_reasons(rec->reasons, b);
		break;
	case VNL_BLK_LOST:
		read_lost(rec, b, 0);
		break;
	case VNL_BLK_DEVEVENTS:
		return read_devevents(rec, b);
	case VNL_BLK_AGG_SLOTS:
		read_slots(rec, b);
		break;
	case VNL_BLK_HIST:
		return read_hist(rec, rc, b);
	case VNL_BLK_AGG_DROPS:
		return read_agg_drops(rec, b);
	case VNL_BLK_END:
		rec->ended = 1;
		rec->end_monotonic_ns = meta_u64(b, "end_monotonic_ns");
		rec->agg_evicted = meta_u64(b, "agg_evicted"); /* running totals */
		rec->agg_unfinished = meta_u64(b, "agg_unfinished");
		rec->agg_outside_table = meta_u64(b, "agg_outside_table");
		meta_str(b, "next", rc->next, sizeof(rc->next));
		break;
	default:
		break; /* a block type from a newer vnetlat: skipped */
	}
	return 0;
}

static int read_file(struct recording *rec, struct read_ctx *rc, struct reorder *ro,
		     const char *path, char *err, size_t err_size)
{
	struct vnl_reader r;
	struct vnl_block b;
	size_t i;
	int ret;

	ret = vnl_reader_open(&r, path, err, err_size);
	if (ret)
		return ret;
	if (rc->pass != PASS_EVENTS)
		rec->ended = 0;
	rc->cur_kernel = 0;
	rc->next[0] = '\0';
	while (!ret && vnl_reader_next(&r, &b) > 0)
		ret = read_block(rec, rc, ro, &b);
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

static int by_fp_ts(const void *a, const void *b)
{
	const struct boundary *x = a, *y = b;

	if (x->fp != y->fp)
		return x->fp < y->fp ? -1 : 1;
	return x->ts < y->ts ? -1 : x->ts > y->ts;
}

static int by_ts(const void *a, const void *b)
{
	const struct vnl_event *x = a, *y = b;

	return x->ts_ns < y->ts_ns ? -1 : x->ts_ns > y->ts_ns;
}

/* Of candidate hops (closest to the boundary first), the first that has packets. */
static unsigned int pick_hop(const size_t count[VNL_HOP_MAX], const unsigned int hop[2])
{
	return count[hop[0]] ? hop[0] : hop[1];
}

/*
 * One clock sample per packet seen exactly once on each side of guest k's boundary: going in
 * (host hop_h, then guest hop_g: an upper bound) or coming out (guest, then host: a lower one).
 */
static size_t traffic_samples(const struct read_ctx *rc, unsigned int k, const unsigned int hops[4],
			      struct clk_sample *out)
{
	size_t i = 0, n = 0;

	while (i < rc->nbnd) {
		size_t j = i, at[4] = {0};
		uint64_t ts[4] = {0};
		int c;

		while (j < rc->nbnd && rc->bnd[j].fp == rc->bnd[i].fp)
			j++;
		for (; i < j; i++) {
			const struct boundary *bd = &rc->bnd[i];

			for (c = 0; c < 4; c++) {
				if (bd->hop != hops[c] || bd->kernel != (c == 0 || c == 3 ? 0 : k))
					continue;
				at[c]++;
				ts[c] = bd->ts;
			}
		}
		if (at[0] == 1 && at[1] == 1) /* host hop_h, then guest hop_g */
			out[n++] = (struct clk_sample){ts[1], (int64_t)(ts[1] - ts[0]), 1};
		if (at[2] == 1 && at[3] == 1) /* guest, then host */
			out[n++] = (struct clk_sample){ts[2], (int64_t)(ts[2] - ts[3]), 0};
	}
	return n;
}

/* Each guest's clock against the host's, from its link exchanges and boundary packets. */
static int estimate_clocks(struct recording *rec, struct read_ctx *rc)
{
	size_t count[VNL_HOP_MAX] = {0}, i, n;
	struct clk_sample *s;
	unsigned int hops[4], k;

	for (i = 0; i < rc->nbnd; i++)
		count[rc->bnd[i].hop]++;
	hops[0] = pick_hop(count, boundary_hops[VNL_DIR_TO_GUEST].host);
	hops[1] = pick_hop(count, boundary_hops[VNL_DIR_TO_GUEST].guest);
	hops[2] = pick_hop(count, boundary_hops[VNL_DIR_FROM_GUEST].guest);
	hops[3] = pick_hop(count, boundary_hops[VNL_DIR_FROM_GUEST].host);
	if (rc->nbnd)
		qsort(rc->bnd, rc->nbnd, sizeof(*rc->bnd), by_fp_ts);
	s = malloc((2 * rc->nclk + rc->nbnd + 1) * sizeof(*s));
	if (!s)
		return -ENOMEM;
	for (k = 1; k < rec->nkernels; k++) {
		struct rec_kernel *rk = &rec->k[k];

		n = 0;
		for (i = 0; i < rc->nclk; i++) {
			const struct vnl_file_clock *c = &rc->clk[i];

			if (c->kernel != k || c->host_rx < c->host_tx)
				continue;
			s[n++] = (struct clk_sample){c->guest_ns,
						     (int64_t)(c->guest_ns - c->host_tx), 1};
			s[n++] = (struct clk_sample){c->guest_ns,
						     (int64_t)(c->guest_ns - c->host_rx), 0};
		}
		rk->link_samples = n / 2;
		n += traffic_samples(rc, k, hops, s + n);
		rk->traffic_samples = n - 2 * rk->link_samples;
		clk_estimate(s, n, CLOCK_WINDOW_NS, &rk->clock);
		rk->ptp = !strcmp(rec->clock, "tai") && !strcmp(rk->clock_name, "tai");
		if (getenv("VNETLAT_DEBUG_CLOCK"))
			for (i = 0; i < n; i++)
				fprintf(stderr, "clock k=%u t=%llu %s %lld\n", k,
					(unsigned long long)s[i].t, s[i].upper ? "upper" : "lower",
					(long long)s[i].bound);
	}
	free(s);
	return 0;
}

/* The guests' events on the host's clock, in time order, for the second pass. */
static void place_guest_events(struct recording *rec, struct read_ctx *rc)
{
	size_t i;

	for (i = 0; i < rc->ngev; i++) {
		struct vnl_event *ev = &rc->gev[i];

		/* with PTP both kernels stamp with the same (synchronised) clock */
		if (rec->k[ev->kernel].clock.valid && !rec->k[ev->kernel].ptp)
			ev->ts_ns = clk_to_host(&rec->k[ev->kernel].clock, ev->ts_ns);
	}
	if (rc->ngev)
		qsort(rc->gev, rc->ngev, sizeof(*rc->gev), by_ts);
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
