// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include "hist.h"

static int hist_alloc(struct hist *h)
{
	if (h->buckets)
		return 0;
	h->buckets = calloc(VNL_LL_BUCKETS, sizeof(*h->buckets));
	return h->buckets ? 0 : -ENOMEM;
}

int hist_record(struct hist *h, uint64_t v)
{
	if (hist_alloc(h))
		return -ENOMEM;
	h->buckets[vnl_ll_bucket(v)]++;
	if (!h->count || v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
	h->count++;
	h->sum += v;
	return 0;
}

uint64_t hist_percentile(const struct hist *h, double p)
{
	uint64_t rank, seen = 0, v;
	uint32_t i;

	if (!h->count)
		return 0;
	if (p >= 100.0)
		return h->max;
	rank = (uint64_t)ceil(p / 100.0 * (double)h->count);
	if (rank < 1)
		rank = 1;
	for (i = 0; i < VNL_LL_BUCKETS; i++) {
		seen += h->buckets[i];
		if (seen >= rank)
			break;
	}
	if (i == VNL_LL_BUCKETS)
		return h->max;
	v = vnl_ll_low(i) + vnl_ll_width(i) / 2;
	if (v < h->min)
		v = h->min;
	if (v > h->max)
		v = h->max;
	return v;
}

int hist_add_bucket(struct hist *h, uint32_t bucket, uint64_t count)
{
	uint64_t lo, hi;

	if (bucket >= VNL_LL_BUCKETS || !count)
		return bucket >= VNL_LL_BUCKETS ? -EINVAL : 0;
	if (hist_alloc(h))
		return -ENOMEM;
	lo = vnl_ll_low(bucket);
	hi = lo + vnl_ll_width(bucket) - 1;
	h->buckets[bucket] += count;
	if (!h->count || lo < h->min)
		h->min = lo;
	if (hi > h->max)
		h->max = hi;
	h->count += count;
	h->sum += count * (lo + vnl_ll_width(bucket) / 2);
	return 0;
}

double hist_mean(const struct hist *h)
{
	return h->count ? (double)h->sum / (double)h->count : 0.0;
}

int hist_merge(struct hist *dst, const struct hist *src)
{
	uint32_t i;

	if (!src->count)
		return 0;
	if (hist_alloc(dst))
		return -ENOMEM;
	for (i = 0; i < VNL_LL_BUCKETS; i++)
		dst->buckets[i] += src->buckets[i];
	if (!dst->count || src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
	dst->count += src->count;
	dst->sum += src->sum;
	return 0;
}

void hist_free(struct hist *h)
{
	free(h->buckets);
	h->buckets = NULL;
	h->count = h->sum = h->min = h->max = 0;
}
