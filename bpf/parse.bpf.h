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

static __always_inline int parse_into(struct frame_buf *fb, __u32 n, __u32 l3)
{
	if (!fb)
		return -1;
	vnl_fp_parse(fb->b, n, (int)l3, &fb->pkt);
	return 0;
}

#endif /* VNETLAT_PARSE_BPF_H */
