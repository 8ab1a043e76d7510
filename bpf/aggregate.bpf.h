/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Aggregate mode: each hop closes the segment from the packet's previous hop, whose time and
 * fingerprint are kept per skb address (an skb keeps its address through one kernel while it
 * lives; the fingerprint tells a reused address from the same packet). The segment's time goes
 * into a per-CPU log-linear histogram; nothing is sent to user space per packet.
 *
 * The state lives in a direct-mapped table indexed by the fingerprint: no insertion,
 * deletion or locking per packet (an LRU hash cost 250-450 ns at the first and last hop). Two
 * packets in flight that map to one slot cost the older one its remaining segments, counted
 * in agg_evicted; hops on two CPUs race on a slot only for those colliding packets.
 */
#ifndef VNETLAT_AGGREGATE_BPF_H
#define VNETLAT_AGGREGATE_BPF_H

#include "loglin.h"

/* Segment slot of each (from hop, to hop), filled by user space from the segment table. */
const volatile __u8 seg_of[VNL_HOP_MAX][VNL_HOP_MAX] = {};
/* The hop that ends a journey in each direction (VNL_HOP_NONE: none traced). */
const volatile __u16 final_of[VNL_DIR_MAX] = {};

#define AGG_FLOW_BITS 16

struct agg_state {
	__u64 skb; /* 0: free */
	__u64 fp;
	__u64 first_ts;
	__u64 ts;
	__u32 hop;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1 << AGG_FLOW_BITS);
	__type(key, __u32);
	__type(value, struct agg_state);
} agg_flows SEC(".maps");

/* Packets whose state was overwritten by another's before their last hop. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} agg_evicted SEC(".maps");

struct agg_hist {
	__u32 b[VNL_LL_BUCKETS];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VNL_AGG_SLOTS);
	__type(key, __u32);
	__type(value, struct agg_hist);
} agg_hists SEC(".maps");

/* Drops in aggregate mode, per (last hop << 16 | reason). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u64);
} agg_drops SEC(".maps");

static __always_inline void agg_add(__u32 slot, __u64 delta)
{
	struct agg_hist *h = bpf_map_lookup_elem(&agg_hists, &slot);
	__u32 b = vnl_ll_bucket(delta);

	if (h && b < VNL_LL_BUCKETS)
		h->b[b]++;
}

static __always_inline void agg_drop(__u16 last_hop, __u32 reason)
{
	__u32 key = (__u32)last_hop << 16 | (reason & 0xffff);
	__u64 one = 1, *n = bpf_map_lookup_elem(&agg_drops, &key);

	if (n)
		__sync_fetch_and_add(n, 1);
	else
		bpf_map_update_elem(&agg_drops, &key, &one, BPF_NOEXIST);
}

static __always_inline __u32 hop_dir(__u32 hop)
{
	/* the hop table is in path order: to_guest hops first, then from_guest, then drop */
	return hop < VNL_HOP_GUEST_APP_SEND ? VNL_DIR_TO_GUEST
	       : hop < VNL_HOP_DROP		? VNL_DIR_FROM_GUEST
						: VNL_DIR_ANY;
}

static __always_inline void agg_step(__u32 hop, __u64 skb, __u64 fp, __u32 reason)
{
	/* the slot comes from the fingerprint (already a hash; pointer arithmetic on a tp_btf
	 * skb is refused), the skb address tells reused fingerprints apart */
	__u32 idx = (__u32)(fp >> (64 - AGG_FLOW_BITS)), zero = 0;
	struct agg_state *st = bpf_map_lookup_elem(&agg_flows, &idx);
	__u64 now = bpf_ktime_get_ns(), *evicted;
	__u32 dir = hop_dir(hop);

	if (!st)
		return;
	if (hop == VNL_HOP_DROP) {
		if (st->skb == skb && st->fp == fp) {
			agg_drop((__u16)st->hop, reason);
			st->skb = 0;
		}
		return;
	}
	if (st->skb == skb && st->fp == fp && st->hop < hop && hop_dir(st->hop) == dir) {
		__u32 from = st->hop, to = hop;

		/* bounds checked one by one: the compiler would fold two checks against a power
		 * of two into one of (from | to), which tells the verifier nothing of either */
		if (from >= VNL_HOP_MAX)
			return;
		barrier_var(to);
		if (to >= VNL_HOP_MAX)
			return;
		agg_add(seg_of[from][to], now - st->ts);
		if (dir < VNL_DIR_ANY && hop == final_of[dir]) {
			agg_add(VNL_AGG_E2E + dir, now - st->first_ts);
			st->skb = 0;
			return;
		}
		st->ts = now;
		st->hop = hop;
		return;
	}
	if (st->skb && st->skb != skb && now - st->ts < 1000000000ULL) {
		evicted = bpf_map_lookup_elem(&agg_evicted, &zero);
		if (evicted)
			*evicted += 1;
	}
	st->skb = skb;
	st->fp = fp;
	st->first_ts = now;
	st->ts = now;
	st->hop = hop;
}

#endif /* VNETLAT_AGGREGATE_BPF_H */
