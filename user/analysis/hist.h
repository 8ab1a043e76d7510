/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef VNL_HIST_H
#define VNL_HIST_H

#include <stdint.h>
#include "loglin.h"

/*
 * A latency distribution: log-linear buckets, exact count, sum, min and max. The buckets are
 * kept in chunks of VNL_LL_SUB (one power of two's), each allocated when first counted in: a
 * segment's values span a few powers of two, so a window's histogram holds a few kilobytes,
 * not the 43 KB of every bucket (a long recording has one per window, segment and direction).
 */
#define HIST_CHUNKS (VNL_LL_BUCKETS / VNL_LL_SUB)

struct hist {
	uint64_t count;
	uint64_t sum;
	uint64_t min;
	uint64_t max;
	uint64_t **chunks; /* HIST_CHUNKS pointers, allocated on first record; NULL: none yet */
};

/* The count in bucket i (0 for one never counted in). */
static inline uint64_t hist_bucket(const struct hist *h, uint32_t i)
{
	const uint64_t *c = h->chunks && i < VNL_LL_BUCKETS ? h->chunks[i / VNL_LL_SUB] : NULL;

	return c ? c[i % VNL_LL_SUB] : 0;
}

int hist_record(struct hist *h, uint64_t v);
/* p in [0, 100]; the midpoint of the bucket holding that rank, clamped to [min, max]. */
uint64_t hist_percentile(const struct hist *h, double p);
double hist_mean(const struct hist *h);
int hist_merge(struct hist *dst, const struct hist *src);
/*
 * Adds count values known only by their bucket (in-kernel histograms): the sum uses the
 * bucket's midpoint, min and max its bounds, so they are exact to the bucket's width.
 */
int hist_add_bucket(struct hist *h, uint32_t bucket, uint64_t count);
void hist_free(struct hist *h);

#endif
