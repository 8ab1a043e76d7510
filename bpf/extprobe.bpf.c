// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * What the probe replaces parser.bpf.c into: a tp_btf program with a parse_buf_ext of the
 * same type as vnetlat.bpf.c's. Loaded, never attached.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "parse.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

VNL_PARSE_SCRATCH(scratch);

__noinline int parse_buf_ext(struct frame_buf *fb, __u32 n, __u32 l3)
{
	if (!fb)
		return -1;
	return (int)(n + l3) & 1;
}

SEC("tp_btf/net_dev_queue")
int BPF_PROG(ext_target, struct sk_buff *skb)
{
	__u32 zero = 0;

	return parse_buf_ext(bpf_map_lookup_elem(&scratch, &zero), 64, 0);
}
