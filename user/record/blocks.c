// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The blocks that describe a recording file and close it. */
#define _GNU_SOURCE
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <bpf/btf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "recorder.h"
#include "util.h"
#include "hoptab.h"

static int write_text_block(struct vnl_writer *w, uint32_t type, const char *text)
{
	return vnl_writer_block(w, type, text, strlen(text));
}

static int write_meta(struct rec_state *st, const struct rec_opts *o)
{
	char *buf = NULL, host[256] = "";
	struct utsname u;
	uint64_t rt1, mono, rt2;
	size_t size = 0;
	FILE *f;
	int i, ret;

	f = open_memstream(&buf, &size);
	if (!f)
		return -ENOMEM;
	uname(&u);
	gethostname(host, sizeof(host) - 1);
	/* the realtime/monotonic pair: read realtime on both sides of monotonic */
	rt1 = now_ns(CLOCK_REALTIME);
	mono = event_now();
	rt2 = now_ns(CLOCK_REALTIME);
	fprintf(f, "version=%s\nhostname=%s\nkernel=%s %s %s\nclock=%s\n", VNL_VERSION, host,
		u.sysname, u.release, u.machine,
		vnl_event_clock == CLOCK_TAI ? "tai" : "monotonic");
	fprintf(f, "realtime_ns=%llu\nmonotonic_ns=%llu\npair_error_ns=%llu\n",
		(unsigned long long)(rt1 + (rt2 - rt1) / 2), (unsigned long long)mono,
		(unsigned long long)(rt2 - rt1) / 2);
	fprintf(f, "side=%s\nguests=%d\n", o->side == VNL_SIDE_GUEST ? "guest" : "host",
		o->to.guests);
	fprintf(f, "mode=%s\nsample=%u\n", o->mode == VNL_MODE_AGGREGATE ? "aggregate" : "packets",
		o->sample);
	if (o->keep_spec)
		fprintf(f, "keep_slow=%s\n", o->keep_spec);
	fputs("vhost_workers=", f); /* TID:VM_PID:NAME, space-separated */
	for (i = 0; i < (int)st->devs.nworkers; i++)
		fprintf(f, "%s%u:%u:%s", i ? " " : "", st->devs.workers[i].tid,
			st->devs.workers[i].vm_pid, st->devs.workers[i].name);
	fputc('\n', f);
	fprintf(f, "netns=%u\nring_size=%llu\nfilter=%s\ncommand=", st->devs.netns,
		(unsigned long long)o->ring_size, o->filter ? o->filter : "");
	for (i = 0; i < o->argc; i++) {
		const char *a;

		fputs(i ? " " : "", f);
		for (a = o->argv[i]; *a; a++)
			fputc(*a == '\n' ? ' ' : *a, f);
	}
	fputc('\n', f);
	fclose(f);
	ret = buf ? write_text_block(&st->w, VNL_BLK_META, buf) : -ENOMEM;
	free(buf);
	return ret;
}

static int write_hops(struct rec_state *st, const struct rec_opts *o)
{
	struct vnl_file_hop hops[VNL_HOP_MAX];
	int h;

	memset(hops, 0, sizeof(hops));
	for (h = 0; h < VNL_HOP_MAX; h++) {
		int pt = st->probe.hop_point[h];

		hops[h].id = (uint16_t)h;
		hops[h].dir = (uint8_t)vnl_hops[h].dir;
		hops[h].packetless = (uint8_t)vnl_hops[h].packetless;
		hops[h].mech = hop_recorded(st, o, h) ? (uint8_t)st->attached[pt] : VNL_MECH_NONE;
		snprintf(hops[h].name, sizeof(hops[h].name), "%s", vnl_hops[h].name);
		if (pt >= 0 && hops[h].mech != VNL_MECH_NONE)
			attach_desc(pt, st->attached[pt], hops[h].attach, sizeof(hops[h].attach));
	}
	return vnl_writer_block(&st->w, VNL_BLK_HOPS, hops, sizeof(hops));
}

/* The kernel's drop reason names, from BTF: their numbers differ between kernels. */
static int write_reasons(struct rec_state *st)
{
	const struct btf_type *t;
	struct btf *btf;
	char *buf = NULL;
	size_t size = 0;
	FILE *f;
	int id, i, ret;

	btf = btf__load_vmlinux_btf();
	if (!btf)
		return 0;
	id = btf__find_by_name_kind(btf, "skb_drop_reason", BTF_KIND_ENUM);
	f = open_memstream(&buf, &size);
	if (id > 0 && f) {
		const struct btf_enum *e;

		t = btf__type_by_id(btf, (__u32)id);
		e = btf_enum(t);
		for (i = 0; i < btf_vlen(t); i++, e++)
			fprintf(f, "%d=%s\n", e->val, btf__name_by_offset(btf, e->name_off));
	}
	if (f)
		fclose(f);
	btf__free(btf);
	ret = buf && size ? write_text_block(&st->w, VNL_BLK_REASONS, buf) : 0;
	free(buf);
	return ret;
}

/* Running totals of lost events per CPU and hop; a block only when they changed. */
int write_lost(struct rec_state *st, const struct rec_opts *o, int force)
{
	int ncpu = libbpf_num_possible_cpus(), fd = bpf_map__fd(st->skel->maps.lost);
	struct vnl_file_lost rows[VNL_HOP_MAX * 8 + 1]; /* + the spool row */
	uint64_t *vals, total = 0, past_rings;
	size_t n = 0;
	__u32 h;
	int c, ret;

	if (ncpu <= 0)
		return 0;
	vals = calloc((size_t)ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	for (h = 0; h < VNL_HOP_MAX; h++) {
		if (bpf_map_lookup_elem(fd, &h, vals))
			continue;
		for (c = 0; c < ncpu; c++) {
			if (!vals[c])
				continue;
			total += vals[c];
			if (n < sizeof(rows) / sizeof(rows[0]) - 1)
				rows[n++] = (struct vnl_file_lost){h, (uint32_t)c, vals[c]};
		}
	}
	free(vals);
	past_rings = o->to.lost ? o->to.lost(o->to.ctx) : 0;
	if (past_rings) {
		total += past_rings;
		rows[n++] = (struct vnl_file_lost){VNL_LOST_SPOOL, 0, past_rings};
	}
	if (!force && total == st->last_lost)
		return 0;
	st->last_lost = total;
	ret = vnl_writer_flush(&st->w);
	return ret ? ret : vnl_writer_block(&st->w, VNL_BLK_LOST, rows, n * sizeof(rows[0]));
}

int write_kept(struct rec_state *st, const struct rec_opts *o, int force)
{
	const struct keep_counts *n = &st->keep.n;
	char text[sizeof(st->last_kept)];

	if (!o->keep_spec)
		return 0;
	snprintf(text, sizeof(text),
		 "kept=%llu\nring_full=%llu\nover_rate=%llu\ntold=%llu\nasked=%llu\nserved=%llu\n"
		 "already=%llu\ngone=%llu\n",
		 (unsigned long long)agg_kept(st, VNL_KEPT_SENT),
		 (unsigned long long)agg_kept(st, VNL_KEPT_RING_FULL),
		 (unsigned long long)agg_kept(st, VNL_KEPT_OVER_RATE), (unsigned long long)n->told,
		 (unsigned long long)n->asked, (unsigned long long)n->served,
		 (unsigned long long)n->already, (unsigned long long)n->gone);
	if (!force && !strcmp(text, st->last_kept))
		return 0;
	memcpy(st->last_kept, text, sizeof(text));
	return write_text_block(&st->w, VNL_BLK_KEPT, text);
}

/* What makes a file readable on its own: written at the start of each file of a run. */
int write_description(struct rec_state *st, const struct rec_opts *o)
{
	int err = write_meta(st, o);

	if (!err)
		err = write_hops(st, o);
	if (!err)
		err = vnl_writer_block(&st->w, VNL_BLK_IFACES, st->devs.dev,
				       st->devs.n * sizeof(st->devs.dev[0]));
	if (!err)
		err = write_reasons(st);
	if (!err && o->mode == VNL_MODE_AGGREGATE)
		err = write_slots(st);
	return err;
}

/*
 * What closes a file: the last histogram window and drop totals, lost-event totals, and the
 * END block (running totals; for a rotated file, the name of the next).
 */
int write_trailer(struct rec_state *st, const struct rec_opts *o, const char *next)
{
	char end[4300];
	int err = 0;

	if (o->mode == VNL_MODE_AGGREGATE)
		err = agg_drain(st);
	if (!err && o->mode == VNL_MODE_AGGREGATE)
		err = agg_write_drops(st);
	if (!err)
		err = softirq_write(st, 1);
	if (!err)
		err = write_lost(st, o, 1);
	if (!err)
		err = write_kept(st, o, 1);
	if (err)
		return err;
	snprintf(end, sizeof(end),
		 "events=%llu\nlost=%llu\nend_monotonic_ns=%llu\nagg_evicted=%llu\n"
		 "agg_unfinished=%llu\nagg_outside_table=%llu\nkept=%llu\nkept_lost=%llu\n"
		 "kept_over_rate=%llu\n%s%s%s",
		 (unsigned long long)st->events, (unsigned long long)st->last_lost,
		 (unsigned long long)event_now(),
		 (unsigned long long)agg_unrecorded(st, VNL_AGG_EVICTED),
		 (unsigned long long)agg_unrecorded(st, VNL_AGG_UNFINISHED),
		 (unsigned long long)agg_unrecorded(st, VNL_AGG_OUTSIDE_TABLE),
		 (unsigned long long)agg_kept(st, VNL_KEPT_SENT),
		 (unsigned long long)agg_kept(st, VNL_KEPT_RING_FULL),
		 (unsigned long long)agg_kept(st, VNL_KEPT_OVER_RATE), next ? "next=" : "",
		 next ? next : "", next ? "\n" : "");
	return write_text_block(&st->w, VNL_BLK_END, end);
}

/* --max-size: close this file (its END block names the next) and go on in OUT.<n+1>. */
int rotate(struct rec_state *st, const struct rec_opts *o)
{
	char next[4096];
	int err;

	snprintf(next, sizeof(next), "%s.%u", o->out, st->part + 1);
	err = write_trailer(st, o, next);
	if (!err)
		err = vnl_writer_close(&st->w);
	if (err)
		return err;
	err = vnl_writer_open(&st->w, next, o->force);
	if (err) {
		vnl_err("%s: %s%s", next, strerror(-err),
			err == -EEXIST ? " (use --force to replace it)" : "");
		return err;
	}
	st->part++;
	st->qdiscs.written = 0; /* the next file names the classes too */
	st->qdiscs.next_ns = 0;
	err = write_description(st, o);
	if (!err && o->to.rotated)
		err = o->to.rotated(o->to.ctx, &st->w);
	return err;
}
