// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Aggregate mode: the in-kernel histograms drained into the file as windows. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "recorder.h"
#include "util.h"
#include "hoptab.h"
#include "loglin.h"

int write_slots(struct rec_state *st)
{
	struct vnl_file_slot slots[VNL_AGG_SLOTS];
	unsigned int i, n = 0, from, to;
	const char *name;

	memset(slots, 0, sizeof(slots));
	for (i = 0; i < VNL_AGG_SLOTS; i++) {
		struct vnl_file_slot *sl = &slots[n];

		sl->slot = (uint16_t)i;
		if (i >= VNL_AGG_E2E && i < VNL_AGG_E2E + VNL_DIR_ANY) {
			sl->from = sl->to = VNL_HOP_NONE;
			sl->dir = (uint8_t)(i - VNL_AGG_E2E);
			snprintf(sl->name, sizeof(sl->name), "end_to_end");
		} else if (!segment_of_slot(i, &from, &to, &name)) {
			sl->from = (uint16_t)from;
			sl->to = (uint16_t)to;
			sl->dir = (uint8_t)vnl_hops[from].dir;
			snprintf(sl->name, sizeof(sl->name), "%s", name);
		} else {
			continue;
		}
		n++;
	}
	return vnl_writer_block(&st->w, VNL_BLK_AGG_SLOTS, slots, n * sizeof(slots[0]));
}

/*
 * --keep-slow pQ: the end-to-end threshold of each direction follows the running histogram,
 * the top of the bucket that holds its quantile, once it has a thousand packets.
 */
#define KEEP_WARMUP 1000

static void keep_follow(struct rec_state *st)
{
	unsigned int dir;
	uint32_t b;

	for (dir = 0; dir < VNL_DIR_ANY && st->keep_q > 0; dir++) {
		const uint64_t *h = &st->agg_prev[(VNL_AGG_E2E + dir) * VNL_LL_BUCKETS];
		uint64_t total = 0, cum = 0, want;

		for (b = 0; b < VNL_LL_BUCKETS; b++)
			total += h[b];
		if (total < KEEP_WARMUP)
			continue;
		want = (uint64_t)((double)total * st->keep_q / 100.0);
		for (b = 0; b < VNL_LL_BUCKETS && cum + h[b] < want; b++)
			cum += h[b];
		if (b < VNL_LL_BUCKETS)
			st->skel->data->keep_ns[dir] = vnl_ll_low(b) + vnl_ll_width(b);
	}
}

/* Writes what the histograms gained since the last call, as one window. */
int agg_drain(struct rec_state *st)
{
	int ncpu = libbpf_num_possible_cpus(), fd = bpf_map__fd(st->skel->maps.agg_hists);
	struct vnl_file_hist_entry *ents = NULL;
	struct vnl_file_hist_hdr hdr = {.start_ns = st->agg_last_ns};
	size_t n = 0, cap = 0;
	uint32_t slot, b;
	int c, err = 0;
	uint8_t *buf;

	hdr.end_ns = event_now();
	st->agg_last_ns = hdr.end_ns;
	if (ncpu <= 0)
		return 0;
	for (slot = 0; slot < VNL_AGG_SLOTS; slot++) {
		if (bpf_map_lookup_elem(fd, &slot, st->agg_cpu))
			continue;
		for (b = 0; b < VNL_LL_BUCKETS; b++) {
			uint64_t total = 0, *prev = &st->agg_prev[slot * VNL_LL_BUCKETS + b];

			for (c = 0; c < ncpu; c++)
				total += ((uint32_t *)st->agg_cpu)[(size_t)c * VNL_LL_BUCKETS + b];
			if (total == *prev)
				continue;
			if (n == cap) {
				struct vnl_file_hist_entry *e;

				cap = cap ? cap * 2 : 256;
				e = realloc(ents, cap * sizeof(*e));
				if (!e) {
					free(ents);
					return -ENOMEM;
				}
				ents = e;
			}
			/* per-CPU u32 counters wrap; the difference is still right mod 2^32 */
			ents[n++] =
			    (struct vnl_file_hist_entry){.slot = (uint16_t)slot,
							 .bucket = b,
							 .count = (uint32_t)(total - *prev)};
			*prev = total;
		}
	}
	keep_follow(st);
	hdr.n = (uint32_t)n;
	buf = malloc(sizeof(hdr) + VNL_HIST_PACKED_MAX(n));
	if (!buf) {
		free(ents);
		return -ENOMEM;
	}
	memcpy(buf, &hdr, sizeof(hdr));
	/* packed: 3-4 bytes an entry instead of 16, a quarter of a day's recording */
	err = vnl_writer_block(&st->w, VNL_BLK_HIST_PACKED, buf,
			       sizeof(hdr) + vnl_hist_pack(ents, n, buf + sizeof(hdr)));
	free(buf);
	free(ents);
	return err;
}

int agg_write_drops(struct rec_state *st)
{
	int fd = bpf_map__fd(st->skel->maps.agg_drops);
	struct vnl_file_drop rows[1024];
	__u32 key, next, *prev = NULL;
	size_t n = 0;

	while (n < 1024 && !bpf_map_get_next_key(fd, prev, &next)) {
		__u64 count;

		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &count))
			continue;
		rows[n++] = (struct vnl_file_drop){
		    .hop = (uint16_t)(key >> 16), .reason = key & 0xffff, .count = count};
	}
	return vnl_writer_block(&st->w, VNL_BLK_AGG_DROPS, rows, n * sizeof(rows[0]));
}

/* What aggregate mode did not record, of one cause (enum vnl_agg_unrecorded), so far. */
uint64_t agg_unrecorded(struct rec_state *st, __u32 cause)
{
	int ncpu = libbpf_num_possible_cpus(), c;
	uint64_t vals[512], total = 0;

	if (ncpu <= 0 || ncpu > 512 || !st->agg_prev ||
	    bpf_map_lookup_elem(bpf_map__fd(st->skel->maps.agg_evicted), &cause, vals))
		return 0;
	for (c = 0; c < ncpu; c++)
		total += vals[c];
	return total;
}

uint64_t agg_kept(struct rec_state *st, unsigned int which)
{
	int ncpu = libbpf_num_possible_cpus(), c;
	uint64_t vals[512], total = 0;

	if (ncpu <= 0 || ncpu > 512 ||
	    bpf_map_lookup_elem(bpf_map__fd(st->skel->maps.kept_count), &which, vals))
		return 0;
	for (c = 0; c < ncpu; c++)
		total += vals[c];
	return total;
}

int agg_init(struct rec_state *st)
{
	int ncpu = libbpf_num_possible_cpus();

	if (ncpu <= 0)
		return -EINVAL;
	st->agg_prev = calloc((size_t)VNL_AGG_SLOTS * VNL_LL_BUCKETS, sizeof(uint64_t));
	st->agg_cpu = calloc((size_t)ncpu * VNL_LL_BUCKETS, sizeof(uint32_t));
	st->agg_last_ns = event_now();
	return st->agg_prev && st->agg_cpu ? 0 : -ENOMEM;
}
