// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include "hist.h"

_Static_assert(VNL_LL_BUCKETS % VNL_LL_SUB == 0, "buckets come in whole chunks");

/* Bucket i's counter, its chunk allocated if need be; NULL when out of memory. */
static uint64_t *bucket_ref(struct hist *h, uint32_t i)
{
	uint64_t **chunk;

	if (!h->chunks) {
		h->chunks = calloc(HIST_CHUNKS, sizeof(*h->chunks));
		if (!h->chunks)
			return NULL;
	}
	chunk = &h->chunks[i / VNL_LL_SUB];
	if (!*chunk) {
		*chunk = calloc(VNL_LL_SUB, sizeof(**chunk));
		if (!*chunk)
			return NULL;
	}
	return &(*chunk)[i % VNL_LL_SUB];
}

int hist_record(struct hist *h, uint64_t v)
{
	uint64_t *n = bucket_ref(h, vnl_ll_bucket(v));

	if (!n)
		return -ENOMEM;
	(*n)++;
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
	for (i = 0; h->chunks && i < VNL_LL_BUCKETS; i++) {
		if (!h->chunks[i / VNL_LL_SUB]) { /* a chunk never counted in */
			i += VNL_LL_SUB - 1;
			continue;
		}
		seen += h->chunks[i / VNL_LL_SUB][i % VNL_LL_SUB];
		if (seen >= rank)
			break;
	}
	if (!h->chunks || i >= VNL_LL_BUCKETS)
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
	uint64_t lo, hi, *n;

	if (bucket >= VNL_LL_BUCKETS || !count)
		return bucket >= VNL_LL_BUCKETS ? -EINVAL : 0;
	n = bucket_ref(h, bucket);
	if (!n)
		return -ENOMEM;
	lo = vnl_ll_low(bucket);
	hi = lo + vnl_ll_width(bucket) - 1;
	*n += count;
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
	uint32_t c, i;
	uint64_t *n;

	if (!src->count)
		return 0;
	for (c = 0; src->chunks && c < HIST_CHUNKS; c++) {
		if (!src->chunks[c])
			continue;
		for (i = 0; i < VNL_LL_SUB; i++) {
			if (!src->chunks[c][i])
				continue;
			n = bucket_ref(dst, c * VNL_LL_SUB + i);
			if (!n)
				return -ENOMEM;
			*n += src->chunks[c][i];
		}
	}
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
	uint32_t c;

	for (c = 0; h->chunks && c < HIST_CHUNKS; c++)
		free(h->chunks[c]);
	free(h->chunks);
	h->chunks = NULL;
	h->count = h->sum = h->min = h->max = 0;
}
