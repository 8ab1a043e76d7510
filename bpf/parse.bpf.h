/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The parse buffer and the parser's body: vnetlat.bpf.c calls it, parser.bpf.c stands in for
 * it (freplace) and fptest.bpf.c runs it in the unit tests.
 */
#ifndef VNETLAT_PARSE_BPF_H
#define VNETLAT_PARSE_BPF_H

#include "vnetlat.h"
#include "fingerprint.h"

struct frame_buf {
	__u8 b[VNL_HDR_MAX + VNL_HDR_PAD];
	struct vnl_pkt pkt; /* what parsing it gave */
};

/* A program's parse buffer, one a CPU (too big for its stack), named name */
#define VNL_PARSE_SCRATCH(name)                                                                    \
	struct {                                                                                   \
		__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);                                           \
		__uint(max_entries, 1);                                                            \
		__type(key, __u32);                                                                \
		__type(value, struct frame_buf);                                                   \
	} name SEC(".maps")

static __always_inline int parse_into(struct frame_buf *fb, __u32 n, __u32 l3)
{
	if (!fb)
		return -1;
	vnl_fp_parse(fb->b, n, (int)l3, &fb->pkt);
	return 0;
}

#endif /* VNETLAT_PARSE_BPF_H */
