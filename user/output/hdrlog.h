/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * HdrHistogram export: a histogram as HdrHistogram's compressed V2 encoding (base64, as the
 * interval log carries it), readable by the HdrHistogram libraries and tools
 * (HistogramLogProcessor, hdr-histogram-js, HdrHistogram.NET, ...). Values are nanoseconds,
 * tracked from 1 ns to one hour with 3 significant digits; each of vnetlat's log-linear buckets
 * is recorded at its midpoint.
 */
#ifndef VNL_HDRLOG_H
#define VNL_HDRLOG_H

#include <stddef.h>
#include <stdint.h>
#include "hist.h"

#define HDR_LOWEST  1ULL
#define HDR_HIGHEST 3600000000000ULL
#define HDR_DIGITS  3

/* The counts array index of value v (clamped to the trackable range). */
size_t hdr_index(uint64_t v);
/* The lowest value at counts index i. */
uint64_t hdr_value_at(size_t i);
size_t hdr_counts_len(void);

/* h as a compressed V2 encoded histogram in base64 (malloc'd, NUL-terminated); NULL on error. */
char *hdr_encode_base64(const struct hist *h);

/* Decodes what hdr_encode_base64 wrote into counts[hdr_counts_len()] (tests; 0 or -1). */
int hdr_decode_base64(const char *b64, uint64_t *counts, size_t ncounts);

#endif
