/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Log-linear (HDR-style) histogram buckets, shared by user space and, for the in-kernel
 * aggregate mode, BPF: values below 256 get a bucket each; above, every power of two is split
 * into 128 buckets, so a bucket is at most 1/128 (0.8%) of its values wide. Covers 0 .. 2^40 ns
 * (18 minutes); larger values land in the last bucket.
 * log2 is computed with shifts: clang 14's BPF backend crashes on __builtin_clzll.
 */
#ifndef VNETLAT_LOGLIN_H
#define VNETLAT_LOGLIN_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define VNL_LL_SUB_BITS 7
#define VNL_LL_SUB	(1u << VNL_LL_SUB_BITS) /* 128 */
#define VNL_LL_LINEAR	(2 * VNL_LL_SUB)	/* 256 */
#define VNL_LL_MAX_BITS 40
#define VNL_LL_BUCKETS	(VNL_LL_LINEAR + (VNL_LL_MAX_BITS - 8) * VNL_LL_SUB)

static inline __u32 vnl_ll_log2(__u64 v)
{
	__u32 r = 0, s;

	s = (v > 0xffffffffULL) << 5;
	v >>= s;
	r |= s;
	s = (v > 0xffff) << 4;
	v >>= s;
	r |= s;
	s = (v > 0xff) << 3;
	v >>= s;
	r |= s;
	s = (v > 0xf) << 2;
	v >>= s;
	r |= s;
	s = (v > 0x3) << 1;
	v >>= s;
	r |= s;
	r |= (v >> 1);
	return r;
}

static inline __u32 vnl_ll_bucket(__u64 v)
{
	__u32 shift;

	if (v < VNL_LL_LINEAR)
		return (__u32)v;
	if (v >> VNL_LL_MAX_BITS)
		return VNL_LL_BUCKETS - 1;
	shift = vnl_ll_log2(v) - VNL_LL_SUB_BITS;
	return VNL_LL_LINEAR + (shift - 1) * VNL_LL_SUB + (__u32)(v >> shift) - VNL_LL_SUB;
}

/* Lowest value of a bucket, and its width. */
static inline __u64 vnl_ll_low(__u32 idx)
{
	__u32 shift;

	if (idx < VNL_LL_LINEAR)
		return idx;
	shift = (idx - VNL_LL_LINEAR) / VNL_LL_SUB + 1;
	return (__u64)((idx - VNL_LL_LINEAR) % VNL_LL_SUB + VNL_LL_SUB) << shift;
}

static inline __u64 vnl_ll_width(__u32 idx)
{
	if (idx < VNL_LL_LINEAR)
		return 1;
	return 1ULL << ((idx - VNL_LL_LINEAR) / VNL_LL_SUB + 1);
}

#endif /* VNETLAT_LOGLIN_H */
