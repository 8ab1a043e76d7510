// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The recording's block checksums, which report reads once per byte of a file: zlib's
 * table-driven CRC-32 was a sixth of report's time. On x86-64 with PCLMULQDQ the message is
 * folded 64 bytes at a time by carry-less multiplication (Gopal et al., "Fast CRC Computation
 * for Generic Polynomials Using PCLMULQDQ Instruction", Intel, 2009: the bit-reflected form,
 * its constants x^k mod P for the fold distances, and a Barrett reduction to 32 bits at the
 * end); the tail under 16 bytes, short messages and other CPUs go to zlib.
 */
#include <zlib.h>
#include "crc32.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define FOLD_MIN 64 /* the four-lane fold needs one block of 64 to start */

/* x^(4*128+32) and x^(4*128-32) mod P, then the same for 128 (bit-reflected, shifted by one) */
static const uint64_t fold512[2] __attribute__((aligned(16))) = {0x0154442bd4, 0x01c6e41596};
static const uint64_t fold128[2] __attribute__((aligned(16))) = {0x01751997d0, 0x00ccaa009e};
static const uint64_t fold64[2] __attribute__((aligned(16))) = {0x0163cd6124, 0};
/* P' (the polynomial, reflected, with x^32) and mu = x^64 / P, for the Barrett reduction */
static const uint64_t barrett[2] __attribute__((aligned(16))) = {0x01db710641, 0x01f7011641};

__attribute__((target("pclmul,sse4.1"))) static inline __m128i fold(__m128i acc, __m128i k,
								    __m128i next)
{
	__m128i lo = _mm_clmulepi64_si128(acc, k, 0x00), hi = _mm_clmulepi64_si128(acc, k, 0x11);

	return _mm_xor_si128(_mm_xor_si128(lo, hi), next);
}

/* The CRC's register (not inverted) after n bytes, n >= FOLD_MIN and a multiple of 16. */
__attribute__((target("pclmul,sse4.1"))) static uint32_t fold_crc(uint32_t reg, const uint8_t *p,
								  size_t n)
{
	const __m128i low32 = _mm_setr_epi32(~0, 0, ~0, 0);
	__m128i a = _mm_loadu_si128((const __m128i *)p), b, c, d, k, t;

	b = _mm_loadu_si128((const __m128i *)(p + 16));
	c = _mm_loadu_si128((const __m128i *)(p + 32));
	d = _mm_loadu_si128((const __m128i *)(p + 48));
	a = _mm_xor_si128(a, _mm_cvtsi32_si128((int)reg));
	p += 64;
	n -= 64;
	k = _mm_load_si128((const __m128i *)fold512);
	for (; n >= 64; p += 64, n -= 64) {
		a = fold(a, k, _mm_loadu_si128((const __m128i *)p));
		b = fold(b, k, _mm_loadu_si128((const __m128i *)(p + 16)));
		c = fold(c, k, _mm_loadu_si128((const __m128i *)(p + 32)));
		d = fold(d, k, _mm_loadu_si128((const __m128i *)(p + 48)));
	}
	k = _mm_load_si128((const __m128i *)fold128);
	a = fold(a, k, b);
	a = fold(a, k, c);
	a = fold(a, k, d);
	for (; n >= 16; p += 16, n -= 16)
		a = fold(a, k, _mm_loadu_si128((const __m128i *)p));
	/* 128 bits to 64: the low half moved up by x^64, then the top 32 bits by x^32 */
	t = _mm_clmulepi64_si128(a, k, 0x10);
	a = _mm_xor_si128(_mm_srli_si128(a, 8), t);
	k = _mm_loadl_epi64((const __m128i *)fold64);
	t = _mm_srli_si128(a, 4);
	a = _mm_xor_si128(_mm_clmulepi64_si128(_mm_and_si128(a, low32), k, 0x00), t);
	/* Barrett: q = floor(a * mu), remainder a - q * P, in the reflected domain */
	k = _mm_load_si128((const __m128i *)barrett);
	t = _mm_clmulepi64_si128(_mm_and_si128(a, low32), k, 0x10);
	t = _mm_clmulepi64_si128(_mm_and_si128(t, low32), k, 0x00);
	return (uint32_t)_mm_extract_epi32(_mm_xor_si128(a, t), 1);
}

static int have_pclmul(void)
{
	static int have = -1;

	if (have < 0)
		have = __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1");
	return have;
}

uint32_t vnl_crc32(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	size_t n = len & ~(size_t)15;

	if (len < FOLD_MIN || !have_pclmul())
		return (uint32_t)crc32(crc, p, (uInt)len);
	crc = ~fold_crc(~crc, p, n);
	return (uint32_t)crc32(crc, p + n, (uInt)(len - n));
}
#else
uint32_t vnl_crc32(uint32_t crc, const void *buf, size_t len)
{
	return (uint32_t)crc32(crc, buf, (uInt)len);
}
#endif
