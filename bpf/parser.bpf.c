// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The parser, once for all of vnetlat.bpf.c's tp_btf programs: loaded against the first of
 * them and put in place of parse_buf_ext in each (freplace), so the verifier checks it once
 * instead of once a program. Where the kernel refuses (no BPF trampolines), each program keeps
 * its own copy (cfg.parser_ext 0).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "parse.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("freplace/parse_buf_ext")
int parse_buf_ext(struct frame_buf *fb, __u32 n, __u32 l3)
{
	return parse_into(fb, n, l3);
}
