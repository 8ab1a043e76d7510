// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Each CPU's softirq time into the recording, once a second (a SOFTIRQ block): what ran in
 * NET_TX, NET_RX and the other vectors in the interval, and the longest. The report puts it
 * beside the packets that crossed those CPUs then.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "recorder.h"
#include "util.h"
#include "vnlfile.h"

#define SOFTIRQ_INTERVAL_NS 1000000000ULL

int softirq_init(struct rec_state *st)
{
	int ncpu = libbpf_num_possible_cpus();

	if (ncpu <= 0)
		return 0;
	st->softirq_ncpu = (unsigned int)ncpu;
	st->softirq_prev = calloc((size_t)ncpu * VNL_SOFTIRQ_SLOTS, sizeof(*st->softirq_prev));
	st->softirq_cur = calloc((size_t)ncpu, sizeof(*st->softirq_cur));
	st->softirq_rows = calloc((size_t)ncpu * VNL_SOFTIRQ_SLOTS, sizeof(*st->softirq_rows));
	st->softirq_last_ns = event_now();
	return st->softirq_prev && st->softirq_cur && st->softirq_rows ? 0 : -ENOMEM;
}

void softirq_free(struct rec_state *st)
{
	free(st->softirq_prev);
	free(st->softirq_cur);
	free(st->softirq_rows);
}

static uint32_t u32_of(uint64_t v)
{
	return v > 0xffffffffULL ? 0xffffffffU : (uint32_t)v;
}

/* The interval's rows of one vector: what each CPU's running totals moved by. */
static size_t vector_rows(struct rec_state *st, __u32 vec, struct vnl_file_softirq *rows)
{
	struct vnl_softirq *prev, *cur = st->softirq_cur;
	unsigned int c;
	size_t n = 0;

	if (bpf_map_lookup_elem(bpf_map__fd(st->skel->maps.softirq_time), &vec, cur))
		return 0;
	for (c = 0; c < st->softirq_ncpu; c++) {
		prev = &st->softirq_prev[(size_t)vec * st->softirq_ncpu + c];
		if (cur[c].count > prev->count) {
			rows[n++] = (struct vnl_file_softirq){
			    .cpu = (uint16_t)c,
			    .vec = (uint8_t)vec,
			    .count = u32_of(cur[c].count - prev->count),
			    .ns = u32_of(cur[c].ns - prev->ns),
			    /* a max of an older epoch: the CPU's softirqs of that vector all ended
			     * before the interval's first */
			    .max_ns =
				cur[c].epoch == st->skel->bss->softirq_epoch ? cur[c].max_ns : 0,
			};
		}
		*prev = cur[c];
	}
	return n;
}

int softirq_write(struct rec_state *st, int force)
{
	uint64_t now = event_now();
	struct vnl_file_softirq_hdr hdr = {st->softirq_last_ns, now};
	size_t n = 0, len;
	uint8_t *buf;
	__u32 vec;
	int err;

	if (!st->softirq_prev || !st->skel->maps.softirq_time ||
	    (!force && now - st->softirq_last_ns < SOFTIRQ_INTERVAL_NS))
		return 0;
	for (vec = VNL_SOFTIRQ_NET_TX; vec < VNL_SOFTIRQ_SLOTS; vec++)
		n += vector_rows(st, vec, st->softirq_rows + n);
	st->skel->bss->softirq_epoch++;
	st->softirq_last_ns = now;
	if (!n)
		return 0;
	len = sizeof(hdr) + n * sizeof(*st->softirq_rows);
	buf = malloc(len);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, &hdr, sizeof(hdr));
	memcpy(buf + sizeof(hdr), st->softirq_rows, n * sizeof(*st->softirq_rows));
	err = vnl_writer_block(&st->w, VNL_BLK_SOFTIRQ, buf, len);
	free(buf);
	return err;
}
