// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * HdrHistogram's V2 encoding, written from its published description: a 40-byte big-endian
 * header (cookie, payload length, normalizing index offset, significant digits, lowest and
 * highest trackable value, integer-to-double ratio), then the counts array as ZigZag LEB128
 * varints with runs of zeros written as one negative count; the compressed form is a cookie,
 * the length, and that whole encoding through zlib.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "breakdown.h"
#include "hdrlog.h"
#include "outputs.h"
#include "recording.h"

#define V2_COOKIE	     0x1c849313u /* V2 encoding, word size bits 0x10 */
#define V2_COMPRESSED_COOKIE 0x1c849314u
#define HEADER_LEN	     40
#define SUB_BUCKET_HALF_MAG  10 /* 3 digits: 2 * 10^3 -> 2048 sub-buckets, half 1024 */
#define SUB_BUCKET_COUNT     (1u << (SUB_BUCKET_HALF_MAG + 1))
#define SUB_BUCKET_HALF	     (SUB_BUCKET_COUNT / 2)

static size_t bucket_count(void)
{
	uint64_t smallest_untrackable = SUB_BUCKET_COUNT;
	size_t n = 1;

	while (smallest_untrackable <= HDR_HIGHEST) {
		smallest_untrackable <<= 1;
		n++;
	}
	return n;
}

size_t hdr_counts_len(void)
{
	return (bucket_count() + 1) * SUB_BUCKET_HALF;
}

size_t hdr_index(uint64_t v)
{
	unsigned int bucket, sub;

	if (v > HDR_HIGHEST)
		v = HDR_HIGHEST;
	bucket = (unsigned int)(64 - __builtin_clzll(v | (SUB_BUCKET_COUNT - 1))) -
		 (SUB_BUCKET_HALF_MAG + 1);
	sub = (unsigned int)(v >> bucket);
	return ((size_t)(bucket + 1) << SUB_BUCKET_HALF_MAG) + sub - SUB_BUCKET_HALF;
}

uint64_t hdr_value_at(size_t i)
{
	size_t bucket = (i >> SUB_BUCKET_HALF_MAG) - 1;
	uint64_t sub = (i & (SUB_BUCKET_HALF - 1)) + SUB_BUCKET_HALF;

	if (i < SUB_BUCKET_HALF) { /* bucket 0's lower half */
		bucket = 0;
		sub = i;
	}
	return sub << bucket;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void put_be64(uint8_t *p, uint64_t v)
{
	put_be32(p, (uint32_t)(v >> 32));
	put_be32(p + 4, (uint32_t)v);
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* ZigZag, then LEB128: at most 9 bytes (the 9th carries 8 bits). */
static size_t put_zigzag(uint8_t *p, int64_t v)
{
	uint64_t u = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
	size_t n = 0;

	while (n < 8 && u >= 0x80) {
		p[n++] = (uint8_t)(u | 0x80);
		u >>= 7;
	}
	p[n++] = (uint8_t)u;
	return n;
}

static size_t get_zigzag(const uint8_t *p, size_t len, int64_t *v)
{
	uint64_t u = 0;
	size_t n = 0;
	int shift = 0;

	while (n < len) {
		uint8_t b = p[n++];

		if (n == 9) {
			u |= (uint64_t)b << 56;
			break;
		}
		u |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
		if (!(b & 0x80))
			break;
	}
	*v = (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
	return n;
}

/* The uncompressed V2 encoding of counts[0..len); returns its length, 0 on error. */
static size_t encode_v2(const uint64_t *counts, size_t len, uint8_t **out)
{
	size_t last = 0, i, n = HEADER_LEN;
	uint8_t *buf;
	double one = 1.0;
	uint64_t bits;

	for (i = 0; i < len; i++)
		if (counts[i])
			last = i + 1;
	buf = malloc(HEADER_LEN + 9 * (last + 1));
	if (!buf)
		return 0;
	for (i = 0; i < last; i++) {
		size_t zeros = 0;

		while (i + zeros < last && !counts[i + zeros])
			zeros++;
		if (zeros > 1) {
			n += put_zigzag(buf + n, -(int64_t)zeros);
			i += zeros - 1;
		} else {
			n += put_zigzag(buf + n, (int64_t)counts[i]);
		}
	}
	memcpy(&bits, &one, sizeof(bits));
	put_be32(buf, V2_COOKIE);
	put_be32(buf + 4, (uint32_t)(n - HEADER_LEN));
	put_be32(buf + 8, 0); /* normalizing index offset */
	put_be32(buf + 12, HDR_DIGITS);
	put_be64(buf + 16, HDR_LOWEST);
	put_be64(buf + 24, HDR_HIGHEST);
	put_be64(buf + 32, bits);
	*out = buf;
	return n;
}

static const char b64chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static char *base64(const uint8_t *p, size_t len)
{
	char *out = malloc((len + 2) / 3 * 4 + 1), *o = out;
	size_t i;

	if (!out)
		return NULL;
	for (i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < len ? (uint32_t)p[i + 1] << 8 : 0) |
			     (i + 2 < len ? p[i + 2] : 0);

		*o++ = b64chars[v >> 18 & 63];
		*o++ = b64chars[v >> 12 & 63];
		*o++ = i + 1 < len ? b64chars[v >> 6 & 63] : '=';
		*o++ = i + 2 < len ? b64chars[v & 63] : '=';
	}
	*o = '\0';
	return out;
}

char *hdr_encode_base64(const struct hist *h)
{
	size_t len = hdr_counts_len(), i, raw_len;
	uint64_t *counts = calloc(len, sizeof(*counts));
	uint8_t *raw = NULL, *packed = NULL;
	uLongf packed_len;
	char *out = NULL;

	if (!counts)
		return NULL;
	for (i = 0; h->chunks && i < VNL_LL_BUCKETS; i++)
		if (hist_bucket(h, (uint32_t)i))
			counts[hdr_index(vnl_ll_low((uint32_t)i) +
					 vnl_ll_width((uint32_t)i) / 2)] +=
			    hist_bucket(h, (uint32_t)i);
	raw_len = encode_v2(counts, len, &raw);
	if (!raw_len)
		goto out;
	packed_len = compressBound(raw_len);
	packed = malloc(8 + packed_len);
	if (!packed || compress2(packed + 8, &packed_len, raw, raw_len, Z_BEST_COMPRESSION) != Z_OK)
		goto out;
	put_be32(packed, V2_COMPRESSED_COOKIE);
	put_be32(packed + 4, (uint32_t)packed_len);
	out = base64(packed, 8 + packed_len);
out:
	free(counts);
	free(raw);
	free(packed);
	return out;
}

static int unbase64(const char *s, uint8_t **out, size_t *len)
{
	size_t n = strlen(s), i, k = 0;
	uint8_t *p = malloc(n / 4 * 3 + 3);
	uint32_t acc = 0;
	int bits = 0;

	if (!p)
		return -1;
	for (i = 0; i < n && s[i] != '='; i++) {
		const char *c = strchr(b64chars, s[i]);

		if (!c || !s[i]) {
			free(p);
			return -1;
		}
		acc = acc << 6 | (uint32_t)(c - b64chars);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			p[k++] = (uint8_t)(acc >> bits);
		}
	}
	*out = p;
	*len = k;
	return 0;
}

int hdr_decode_base64(const char *b64, uint64_t *counts, size_t ncounts)
{
	uint8_t *packed = NULL, *raw = NULL;
	size_t packed_len, pos, idx = 0;
	uLongf raw_len = 64u << 20;
	int ret = -1;

	if (unbase64(b64, &packed, &packed_len) || packed_len < 8 ||
	    get_be32(packed) != V2_COMPRESSED_COOKIE || get_be32(packed + 4) != packed_len - 8)
		goto out;
	raw = malloc(raw_len);
	if (!raw || uncompress(raw, &raw_len, packed + 8, packed_len - 8) != Z_OK ||
	    raw_len < HEADER_LEN || get_be32(raw) != V2_COOKIE ||
	    get_be32(raw + 4) != raw_len - HEADER_LEN)
		goto out;
	memset(counts, 0, ncounts * sizeof(*counts));
	for (pos = HEADER_LEN; pos < raw_len;) {
		int64_t v;

		pos += get_zigzag(raw + pos, raw_len - pos, &v);
		if (v < 0) {
			idx += (size_t)-v;
			continue;
		}
		if (idx >= ncounts)
			goto out;
		counts[idx++] = (uint64_t)v;
	}
	ret = 0;
out:
	free(packed);
	free(raw);
	return ret;
}

/* One interval log line: Tag=ROW.SEGMENT,start,length,max (ms),histogram. */
static int hdr_line(FILE *f, int row, const char *name, double start_s, double len_s,
		    const struct hist *h)
{
	char *b64 = hdr_encode_base64(h);

	if (!b64)
		return -ENOMEM;
	fprintf(f, "Tag=%s.%s,%.3f,%.3f,%.3f,%s\n", vnl_rows[row].tag, name, start_s, len_s,
		(double)h->max / 1e6, b64);
	free(b64);
	return 0;
}

/*
 * --hdr-log: HdrHistogram's interval log (format 1.3): one tagged histogram per window, row
 * and segment (and end to end); values in ns, Interval_Max in ms as HistogramLogProcessor
 * expects by default.
 */
int write_hdr_log(const struct breakdown *b, FILE *f)
{
	double len_s = (double)b->o.window_ns / 1e9, start = (double)b->rec->realtime_ns / 1e9;
	char wall[40];
	size_t w, i;
	int row, err = 0;

	rec_wall_time(b->rec, b->rec->monotonic_ns, wall, sizeof(wall));
	fprintf(f, "#[Written by vnetlat %s from %s]\n", VNL_VERSION, b->rec->path);
	fprintf(f, "#[Histogram log format version 1.3]\n");
	fprintf(f, "#[StartTime: %.3f (seconds since epoch), %s]\n", start, wall);
	fprintf(f, "\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\","
		   "\"Interval_Compressed_Histogram\"\n");
	for (w = 0; w < b->nwindows && !err; w++) {
		const struct group *g = b->windows[w];

		for (row = 0; g && row < ROW_MAX && !err; row++) {
			const struct dir_agg *d = &g->dirs[row];

			if (!d->e2e.count)
				continue;
			for (i = 0; i < d->nsegs && !err; i++)
				err =
				    hdr_line(f, row, d->segs[i].name,
					     breakdown_window_start_s(b, w), len_s, &d->segs[i].h);
			if (!err)
				err = hdr_line(f, row, "end_to_end", breakdown_window_start_s(b, w),
					       len_s, &d->e2e);
		}
	}
	return err ? err : ferror(f) ? -EIO : 0;
}
