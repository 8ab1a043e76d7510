// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Applying a block to the recording: the one path for files and for live's stream. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hoptab.h"
#include "reader.h"

void meta_str(const struct vnl_block *b, const char *key, char *dst, size_t size)
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
	meta_str(b, "vhost_workers", rec->vhost_workers, sizeof(rec->vhost_workers));
	char mode[32];

	if (!rec->nparts) { /* a rotated set keeps its first file's time base throughout */
		rec->realtime_ns = meta_u64(b, "realtime_ns");
		rec->monotonic_ns = meta_u64(b, "monotonic_ns");
	}
	meta_str(b, "mode", mode, sizeof(mode));
	rec->aggregate = !strcmp(mode, "aggregate");
	rec->sample = (uint32_t)meta_u64(b, "sample");
	meta_str(b, "keep_slow", rec->keep_slow, sizeof(rec->keep_slow));
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
	meta_str(b, "keep_slow", k->keep_slow, sizeof(k->keep_slow));
}

static void read_kept(struct recording *rec, unsigned int kernel, const struct vnl_block *b)
{
	struct rec_keep *k = &rec->k[kernel].keep;

	k->present = 1;
	k->kept = meta_u64(b, "kept");
	k->ring_full = meta_u64(b, "ring_full");
	k->over_rate = meta_u64(b, "over_rate");
	k->told = meta_u64(b, "told");
	k->asked = meta_u64(b, "asked");
	k->served = meta_u64(b, "served");
	k->already = meta_u64(b, "already");
	k->gone = meta_u64(b, "gone");
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
int reserve(void *arr, size_t len, size_t n, size_t elem)
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

/* A block whose checksum held but whose content does not (a writer's fault): said, not fatal. */
static void note_damage(struct recording *rec, const struct vnl_block *b, const char *what)
{
	if (reserve(&rec->damage, rec->ndamage, 1, sizeof(*rec->damage)))
		return;
	rec->damage[rec->ndamage++] =
	    (struct vnl_damage){.offset = b->offset, .what = what, .part = rec->nparts};
}

static int read_hist(struct recording *rec, struct read_ctx *rc, const struct vnl_block *b)
{
	struct vnl_file_hist_entry *all = NULL, e;
	struct vnl_file_hist_hdr hdr;
	struct vnl_hist_cursor c;
	size_t n = 0;
	int more;

	if (vnl_hist_begin(&c, b->type, b->payload, b->len, &hdr))
		return 0;
	if (rc->window_fn && c.left) {
		all = malloc(c.left * sizeof(*all));
		if (!all)
			return -ENOMEM;
	}
	while ((more = vnl_hist_next(&c, &e)) > 0) {
		if (e.slot >= VNL_AGG_SLOTS || e.bucket >= VNL_LL_BUCKETS)
			e.count = 0; /* damaged: counted nowhere */
		else if (hist_add_bucket(&rec->agg[e.slot], e.bucket, e.count))
			break; /* out of memory: stop here, the window gets what was added */
		if (all)
			all[n] = e;
		n++;
	}
	if (more < 0)
		note_damage(rec, b, "a histogram window whose entries do not decode: cut short");
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
int append(void *arr, size_t *len, size_t *cap, const void *src, size_t n, size_t elem)
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

void deliver(struct read_ctx *rc, const struct vnl_event *ev)
{
	rc->rec->events++;
	if (ev->kernel && ev->kernel < REC_MAX_KERNELS)
		rc->rec->k[ev->kernel].events++;
	rc->fn(rc->ctx, rc->rec, ev);
}

/* A host event, in time order; the guests' events up to its time go first. */
void hand_out(void *ctx, const struct vnl_event *ev)
{
	struct read_ctx *rc = ctx;

	while (rc->gev_next < rc->ngev && rc->gev[rc->gev_next].ts_ns <= ev->ts_ns)
		deliver(rc, &rc->gev[rc->gev_next++]);
	deliver(rc, ev);
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
		if (!ev.kernel && (!rc->host_first_ts || ev.ts_ns < rc->host_first_ts))
			rc->host_first_ts = ev.ts_ns;
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

static int read_ptp4l(struct recording *rec, unsigned int kernel, const struct vnl_block *b)
{
	size_t n = b->len / sizeof(struct vnl_file_ptp4l), i;

	if (reserve(&rec->ptp4l, rec->nptp4l, n, sizeof(*rec->ptp4l)))
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		struct rec_ptp4l *r = &rec->ptp4l[rec->nptp4l++];

		memcpy(&r->s, b->payload + i * sizeof(r->s), sizeof(r->s));
		r->kernel = kernel;
	}
	return 0;
}

/* Whether a QDISCS block says what kernel's last set said (the recorder repeats it). */
static int same_qdiscs(const struct recording *rec, unsigned int kernel, const struct vnl_block *b,
		       size_t n)
{
	size_t i, at = rec->qdisc_set_at[kernel];

	if (n != rec->qdisc_set_n[kernel] || !n)
		return 0;
	for (i = 0; i < n; i++) {
		struct vnl_file_qdisc q;

		memcpy(&q, b->payload + i * sizeof(q), sizeof(q));
		q.ts_ns = rec->qdiscs[at + i].s.ts_ns;
		if (memcmp(&q, &rec->qdiscs[at + i].s, sizeof(q)))
			return 0;
	}
	return 1;
}

static int read_qdiscs(struct recording *rec, unsigned int kernel, const struct vnl_block *b)
{
	size_t n = b->len / sizeof(struct vnl_file_qdisc), i;

	if (kernel >= REC_MAX_KERNELS || same_qdiscs(rec, kernel, b, n))
		return 0;
	if (reserve(&rec->qdiscs, rec->nqdiscs, n, sizeof(*rec->qdiscs)))
		return -ENOMEM;
	rec->qdisc_set_at[kernel] = rec->nqdiscs;
	rec->qdisc_set_n[kernel] = n;
	for (i = 0; i < n; i++) {
		struct rec_qdisc *q = &rec->qdiscs[rec->nqdiscs++];

		memcpy(&q->s, b->payload + i * sizeof(q->s), sizeof(q->s));
		q->s.kind[sizeof(q->s.kind) - 1] = '\0';
		q->kernel = kernel;
	}
	return 0;
}

static int read_softirq(struct recording *rec, unsigned int kernel, const struct vnl_block *b)
{
	struct vnl_file_softirq_hdr hdr;
	struct vnl_file_softirq e;
	size_t n, i, cap;
	void *p;

	if (b->len < sizeof(hdr))
		return 0;
	memcpy(&hdr, b->payload, sizeof(hdr));
	n = (b->len - sizeof(hdr)) / sizeof(e);
	if (rec->nsoftirq + n > rec->softirq_cap) {
		cap = rec->softirq_cap ? rec->softirq_cap * 2 : 1024;
		while (cap < rec->nsoftirq + n)
			cap *= 2;
		p = realloc(rec->softirq, cap * sizeof(*rec->softirq));
		if (!p)
			return -ENOMEM;
		rec->softirq = p;
		rec->softirq_cap = cap;
	}
	for (i = 0; i < n; i++) {
		memcpy(&e, b->payload + sizeof(hdr) + i * sizeof(e), sizeof(e));
		if (e.vec >= VNL_SOFTIRQ_SLOTS || hdr.end_ns < hdr.start_ns)
			continue; /* damaged: counted nowhere */
		rec->softirq[rec->nsoftirq++] =
		    (struct rec_softirq){hdr.start_ns, hdr.end_ns, e.count, e.ns,
					 e.max_ns,     e.cpu,	   e.vec,   (uint8_t)kernel};
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

int read_block(struct recording *rec, struct read_ctx *rc, struct reorder *ro,
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
	if (b->type == VNL_BLK_PTP4L)
		return read_ptp4l(rec, rc->cur_kernel, b);
	if (b->type == VNL_BLK_QDISCS)
		return read_qdiscs(rec, rc->cur_kernel, b);
	if (b->type == VNL_BLK_SOFTIRQ)
		return read_softirq(rec, rc->cur_kernel, b);
	if (b->type == VNL_BLK_KEPT) {
		read_kept(rec, rc->cur_kernel, b);
		return 0;
	}
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
	case VNL_BLK_HIST_PACKED:
		return read_hist(rec, rc, b);
	case VNL_BLK_AGG_DROPS:
		return read_agg_drops(rec, b);
	case VNL_BLK_END:
		rec->ended = 1;
		rec->end_monotonic_ns = meta_u64(b, "end_monotonic_ns");
		rec->agg_evicted = meta_u64(b, "agg_evicted"); /* running totals */
		rec->agg_unfinished = meta_u64(b, "agg_unfinished");
		rec->agg_outside_table = meta_u64(b, "agg_outside_table");
		rec->kept = meta_u64(b, "kept");
		rec->kept_lost = meta_u64(b, "kept_lost");
		rec->kept_over_rate = meta_u64(b, "kept_over_rate");
		meta_str(b, "next", rc->next, sizeof(rc->next));
		break;
	default:
		break; /* a block type from a newer vnetlat: skipped */
	}
	return 0;
}
