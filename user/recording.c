// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "hoptab.h"
#include "journey.h"
#include "recording.h"

#define REORDER_WINDOW_NS 50000000ULL

struct read_ctx {
	struct recording *rec;
	rec_event_fn fn;
	void *ctx;
	rec_window_fn window_fn;
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

	rec->realtime_ns = meta_u64(b, "realtime_ns");
	rec->monotonic_ns = meta_u64(b, "monotonic_ns");
	meta_str(b, "mode", mode, sizeof(mode));
	rec->aggregate = !strcmp(mode, "aggregate");
	rec->sample = (uint32_t)meta_u64(b, "sample");
}

static void read_hops(struct recording *rec, const struct vnl_block *b)
{
	size_t i, n = b->len / sizeof(struct vnl_file_hop);

	for (i = 0; i < n; i++) {
		struct vnl_file_hop h;

		memcpy(&h, b->payload + i * sizeof(h), sizeof(h));
		h.name[sizeof(h.name) - 1] = '\0';
		h.attach[sizeof(h.attach) - 1] = '\0';
		if (h.id < VNL_HOP_MAX)
			rec->hops[h.id] = h;
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

static void read_reasons(struct recording *rec, const struct vnl_block *b)
{
	const char *p = (const char *)b->payload, *end = p + b->len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *eq;
		const char *line_end = nl ? nl : end;
		unsigned long num;
		char *numend;

		eq = memchr(p, '=', (size_t)(line_end - p));
		num = strtoul(p, &numend, 10);
		if (eq && numend == eq && num < REC_MAX_REASONS && !rec->reasons[num])
			rec->reasons[num] = strndup(eq + 1, (size_t)(line_end - eq - 1));
		p = line_end + 1;
	}
}

static void read_lost(struct recording *rec, const struct vnl_block *b)
{
	size_t n = b->len / sizeof(struct vnl_file_lost), i;

	/* running totals: the last block replaces what came before */
	memset(rec->lost_by_hop, 0, sizeof(rec->lost_by_hop));
	rec->lost_total = 0;
	for (i = 0; i < n; i++) {
		struct vnl_file_lost l;

		memcpy(&l, b->payload + i * sizeof(l), sizeof(l));
		if (l.hop < VNL_HOP_MAX)
			rec->lost_by_hop[l.hop] += l.count;
		rec->lost_total += l.count;
	}
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
		if (sl.slot >= VNL_AGG_SLOTS || (sl.from != VNL_HOP_NONE && sl.from >= VNL_HOP_MAX) ||
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
	size_t n = b->len / sizeof(struct vnl_file_drop);
	struct vnl_file_drop *d = NULL;

	/* running totals: the last block replaces what came before */
	if (n) {
		d = malloc(n * sizeof(*d));
		if (!d)
			return -ENOMEM;
		memcpy(d, b->payload, n * sizeof(*d));
	}
	free(rec->agg_drops);
	rec->agg_drops = d;
	rec->nagg_drops = n;
	return 0;
}

static void hand_out(void *ctx, const struct vnl_event *ev)
{
	struct read_ctx *rc = ctx;

	rc->rec->events++;
	rc->fn(rc->ctx, rc->rec, ev);
}

static int read_events(struct read_ctx *rc, struct reorder *ro, const struct vnl_block *b)
{
	size_t n = b->len / sizeof(struct vnl_event), i;

	for (i = 0; i < n; i++) {
		struct vnl_event ev;

		memcpy(&ev, b->payload + i * sizeof(ev), sizeof(ev));
		if (reorder_push(ro, &ev, hand_out, rc))
			return -ENOMEM;
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
	rec->ended = 0;
	while (!ret && vnl_reader_next(&r, &b) > 0) {
		switch (b.type) {
		case VNL_BLK_META:
			read_meta(rec, &b);
			break;
		case VNL_BLK_HOPS:
			read_hops(rec, &b);
			break;
		case VNL_BLK_IFACES:
			ret = read_ifaces(rec, &b);
			break;
		case VNL_BLK_REASONS:
			read_reasons(rec, &b);
			break;
		case VNL_BLK_LOST:
			read_lost(rec, &b);
			break;
		case VNL_BLK_EVENTS:
			ret = read_events(rc, ro, &b);
			break;
		case VNL_BLK_DEVEVENTS:
			ret = read_devevents(rec, &b);
			break;
		case VNL_BLK_AGG_SLOTS:
			read_slots(rec, &b);
			break;
		case VNL_BLK_HIST:
			ret = read_hist(rec, rc, &b);
			break;
		case VNL_BLK_AGG_DROPS:
			ret = read_agg_drops(rec, &b);
			break;
		case VNL_BLK_END:
			rec->ended = 1;
			rec->end_monotonic_ns = meta_u64(&b, "end_monotonic_ns");
			rec->agg_evicted = meta_u64(&b, "agg_evicted"); /* running total */
			break;
		default:
			break; /* a block type from a newer vnetlat: skipped */
		}
	}
	if (!reserve(&rec->damage, rec->ndamage, r.ndamage, sizeof(*rec->damage))) {
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

int rec_read(struct recording *rec, const char *path, rec_event_fn on_event, void *ctx, char *err,
	     size_t err_size)
{
	return rec_read_windows(rec, path, on_event, NULL, ctx, err, err_size);
}

int rec_read_windows(struct recording *rec, const char *path, rec_event_fn on_event,
		     rec_window_fn on_window, void *ctx, char *err, size_t err_size)
{
	struct read_ctx rc = { rec, on_event, ctx, on_window };
	struct reorder *ro;
	char part[4096];
	int ret;

	memset(rec, 0, sizeof(*rec));
	rec->path = path;
	ro = reorder_new(REORDER_WINDOW_NS);
	if (!ro)
		return -ENOMEM;
	ret = read_file(rec, &rc, ro, path, err, err_size);
	/* a rotated recording goes on in path.1, path.2, ...: one stream of events */
	while (!ret) {
		snprintf(part, sizeof(part), "%s.%u", path, rec->nparts);
		if (access(part, F_OK))
			break;
		ret = read_file(rec, &rc, ro, part, err, err_size);
	}
	if (!ret)
		reorder_drain(ro, hand_out, &rc);
	rec->late_events = reorder_late(ro);
	reorder_free(ro);
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

void rec_final_hops(const struct recording *rec, int final_hop[VNL_DIR_MAX])
{
	int attached[VNL_HOP_MAX], roles[VNL_ROLE_MAX] = { 0 }, h;
	unsigned int i;

	for (h = 0; h < VNL_HOP_MAX; h++)
		attached[h] = !rec->have_hops || rec->hops[h].mech != VNL_MECH_NONE;
	for (i = 0; i < rec->nifaces; i++)
		if (rec->ifaces[i].role < VNL_ROLE_MAX)
			roles[rec->ifaces[i].role] = 1;
	final_hops(attached, roles, final_hop);
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
