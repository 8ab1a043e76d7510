// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Test entry points, run through bpf_prog_test_run_opts: the same fingerprint parser and
 * filter evaluator that the tracer runs, on a crafted packet, so tests can compare the
 * kernel-side results with user space's; and a writer of events into a ring buffer user
 * space put in place, as the tracer's hops write them, for the reader's tests.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "parse.bpf.h"
#include "filter_eval.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct vnl_filter_insn in_filter[VNL_FILTER_MAX] = {};
__u32 in_filter_len = 0;
int in_l3 = 0;
struct vnl_pkt out_pkt = {};
int out_pass = 0;

VNL_PARSE_SCRATCH(scratch);

/* A global function, as in vnetlat.bpf.c: the verifier checks the parser once, on its own. */
__noinline int parse_buf(struct frame_buf *fb, __u32 n, __u32 l3)
{
	return parse_into(fb, n, l3);
}

SEC("tc")
int fp_test(struct __sk_buff *skb)
{
	__u32 zero = 0;
	__u64 n = skb->len;
	struct frame_buf *fb = bpf_map_lookup_elem(&scratch, &zero);

	if (!fb)
		return 0;
	if (n > VNL_HDR_MAX)
		n = VNL_HDR_MAX;
	barrier_var(n);
	if (n == 0 || bpf_skb_load_bytes(skb, 0, fb->b, n))
		return 0;
	if (parse_buf(fb, (__u32)n, in_l3))
		return 0;
	out_pkt = fb->pkt;
	out_pass = vnl_filter_eval(in_filter, in_filter_len, &fb->pkt);
	return 0;
}

struct ring {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct ring);
} fill_rings SEC(".maps");

__u64 fill_seq = 0; /* the next event's skb: events are numbered in the order written */

SEC("tc")
int ring_fill(struct __sk_buff *skb)
{
	__u32 zero = 0;
	void *ring = bpf_map_lookup_elem(&fill_rings, &zero);
	struct vnl_event *e;

	if (!ring)
		return 0;
	e = bpf_ringbuf_reserve(ring, sizeof(*e), 0);
	if (!e)
		return 0;
	__builtin_memset(e, 0, sizeof(*e));
	e->skb = __sync_fetch_and_add(&fill_seq, 1);
	e->ts_ns = bpf_ktime_get_ns();
	bpf_ringbuf_submit(e, 0);
	return 0;
}
