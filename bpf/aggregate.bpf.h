/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Aggregate mode: each hop closes the segment from the packet's previous hop, whose time the
 * packet cache's slot keeps (pktcache.bpf.h: the slot is the packet's while its skb, head and
 * first bytes match). The segment's time goes into a per-CPU log-linear histogram; nothing is
 * sent to user space per packet.
 *
 * No insertion, deletion or locking per packet (an LRU hash cost 250-450 ns at the first and
 * last hop). Two packets in flight whose heads map to one slot cost the older one its
 * remaining segments, counted (agg_evicted, by cause); hops on two CPUs race on a slot only
 * for those colliding packets.
 */
#ifndef VNETLAT_AGGREGATE_BPF_H
#define VNETLAT_AGGREGATE_BPF_H

#include "loglin.h"

/* Segment slot of each (from hop, to hop), filled by user space from the segment table. */
const volatile __u8 seg_of[VNL_HOP_MAX][VNL_HOP_MAX] = {};
/* The hop that ends a journey in each direction (VNL_HOP_NONE: none traced). */
const volatile __u16 final_of[VNL_DIR_MAX] = {};

/*
 * What aggregate mode did not record, by cause (enum vnl_agg_unrecorded): a packet whose
 * state a colliding packet took over, one that never reached its last hop, a segment between
 * two hops the segment table does not name.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VNL_AGG_CAUSES);
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

/*
 * --keep-slow: each slot's path (same index as the packet cache), and the end-to-end
 * threshold per direction, which user space moves (a fixed value, or one that follows the
 * running histogram's quantile). ~0: keep nothing yet.
 */
/* pkt_path (pktcache.bpf.h): each slot's path */

/*
 * --keep-slow with another kernel (host and agents): the last packets each CPU finished,
 * oldest overwritten first (CPU n's at n << recent_bits), so that when the other kernel says
 * it kept a packet our part is still here to keep. Not the cache slot itself: a freed skb
 * head is the next one's (slab and page-fragment reuse), so a slot is taken again within a
 * packet or two. Sized by user space, mapped read-only there.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct vnl_kept);
} recent_paths SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} recent_next SEC(".maps");

volatile __u64 keep_ns[VNL_DIR_MAX] = {~0ULL, ~0ULL, ~0ULL};

/* Slow packets sent whole, and those not sent, by cause (VNL_KEPT_*). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VNL_KEPT_COUNTS);
	__type(key, __u32);
	__type(value, __u64);
} kept_count SEC(".maps");

static __always_inline void kept_counted(__u32 which)
{
	__u64 *n = bpf_map_lookup_elem(&kept_count, &which);

	if (n)
		*n += 1;
}

/*
 * --keep-slow pQ: packets finished and slow ones sent, per CPU. The threshold follows the
 * running histogram only as often as user space drains it (every 100 ms): when the latency
 * climbs faster (the first milliseconds of a flood), every packet is over the last threshold,
 * and "the slowest 0.1%" would keep one packet in fifty.
 */
struct keep_rate {
	__u64 finished, sent;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct keep_rate);
} keep_rates SEC(".maps");

/* Whether a slow packet that just finished may be sent: always, without a quantile's cap. */
static __always_inline int keep_within_rate(void)
{
	__u32 zero = 0;
	struct keep_rate *r;

	if (!cfg.keep_rate_ppm)
		return 1;
	r = bpf_map_lookup_elem(&keep_rates, &zero);
	if (!r)
		return 1;
	if (r->sent >= r->finished * cfg.keep_rate_ppm / 1000000 + VNL_KEEP_BURST) {
		kept_counted(VNL_KEPT_OVER_RATE);
		return 0;
	}
	r->sent++;
	return 1;
}

static __always_inline void keep_finished(void)
{
	__u32 zero = 0;
	struct keep_rate *r;

	if (!cfg.keep_rate_ppm)
		return;
	r = bpf_map_lookup_elem(&keep_rates, &zero);
	if (r)
		r->finished++;
}

static __always_inline void path_add(struct vnl_path *p, __u32 hop, __u64 now, __u32 ifindex)
{
	__u32 i = p->n;

	if (i >= VNL_PATH_MAX)
		return;
	p->h[i].hop = (__u8)hop;
	p->h[i].dt = now - p->t0 > 0xffffffffULL ? 0xffffffffU : (__u32)(now - p->t0);
	p->h[i].ifindex = ifindex;
	p->h[i].cpu = (__u16)bpf_get_smp_processor_id();
	p->n = (__u8)(i + 1);
}

/* The packet's whole path to user space (its fields were kept at its first hop). */
static __always_inline void path_send(__u32 idx, const struct vnl_path *p)
{
	struct vnl_slot *slot = bpf_map_lookup_elem(&pkt_cache, &idx);
	struct vnl_kept *k;
	void *ring = cpu_ring();

	if (!slot || p->pkt.fp != slot->fp)
		return;
	k = ring ? bpf_ringbuf_reserve(ring, sizeof(*k), 0) : NULL;
	if (!k) {
		kept_counted(VNL_KEPT_RING_FULL);
		return;
	}
	__builtin_memcpy(&k->path, p, sizeof(*p));
	k->skb = slot->skb;
	bpf_ringbuf_submit(k, wakeup_flag(ring));
	kept_counted(VNL_KEPT_SENT);
}

/* A finished packet's path into this CPU's part of recent_paths. */
static __always_inline void path_remember(__u32 idx, const struct vnl_path *p)
{
	struct vnl_slot *slot = bpf_map_lookup_elem(&pkt_cache, &idx);
	__u32 zero = 0, at, bits = cfg.recent_bits & 31;
	__u64 *next = bpf_map_lookup_elem(&recent_next, &zero);
	struct vnl_kept *k;

	if (!slot || !next || p->pkt.fp != slot->fp)
		return;
	at = (bpf_get_smp_processor_id() << bits) | (__u32)(*next & ((1ULL << bits) - 1));
	*next += 1;
	k = bpf_map_lookup_elem(&recent_paths, &at);
	if (!k)
		return;
	__builtin_memcpy(&k->path, p, sizeof(*p));
	k->skb = slot->skb;
}

enum { PATH_FIRST = 1, PATH_END = 2 };

/*
 * --keep-slow's part of a hop, a global function: the verifier checks it once, not in every
 * path of every program (the aggregate programs would pass the older verifiers' budget).
 * what: hop | segment slot << 8 | PATH_* << 16 | ifindex << 32; arg: the segment's time
 * (the namespace at a first hop); e2e: the end-to-end time at the last hop.
 */
__noinline int path_step(__u32 idx, __u64 what, __u64 now, __u64 arg, __u64 e2e)
{
	struct vnl_path *path = bpf_map_lookup_elem(&pkt_path, &idx);
	__u32 hop = what & 0xff, slot = (what >> 8) & 0xff, flags = (what >> 16) & 0xff;
	__u32 dir = hop_dir(hop);
	__u64 sum;

	if (!path)
		return 0;
	if (flags & PATH_FIRST) {
		path->t0 = now;
		path->n = 0;
		path->slow = 0;
		path->seg_ns = 0;
		path->netns = (__u32)arg;
		path_add(path, hop, now, (__u32)(what >> 32));
		return 0;
	}
	path_add(path, hop, now, (__u32)(what >> 32));
	if (dir >= VNL_DIR_ANY)
		return 0;
	if (cfg.keep_seg_mask && slot < 64 && ((cfg.keep_seg_mask >> slot) & 1)) {
		sum = path->seg_ns + arg;
		path->seg_ns = sum > 0xffffffffULL ? 0xffffffffU : (__u32)sum;
		if (sum > keep_ns[dir])
			path->slow = 1;
	}
	if (!(flags & PATH_END))
		return 0;
	keep_finished();
	if ((path->slow || (!cfg.keep_seg_mask && e2e > keep_ns[dir])) && keep_within_rate())
		path_send(idx, path);
	else if (cfg.recent_bits)
		path_remember(idx, path);
	return 0;
}

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

static __always_inline void agg_unrecorded(__u32 cause)
{
	__u64 *n = bpf_map_lookup_elem(&agg_evicted, &cause);

	if (n)
		*n += 1;
}

static __always_inline void agg_step(const struct pkt_ref *ref, __u32 hop, __u32 reason,
				     const struct vnl_dev_key *dev)
{
	struct vnl_slot *st = ref->slot;
	__u32 from = ref->from, to = hop, dir = hop_dir(hop), slot;
	__u64 ifindex = dev ? dev->ifindex : 0, now, row, col;

	if (hop == VNL_HOP_DROP) {
		if (from < VNL_HOP_MAX && st->ts) {
			agg_drop((__u16)from, reason);
			st->ts = 0;
		}
		return;
	}
	now = bpf_ktime_get_ns();
	/* a slot left open over a second ago was abandoned, whoever takes it now */
	if (ref->old_ts)
		agg_unrecorded(!ref->old_same && now - ref->old_ts < 1000000000ULL
				   ? VNL_AGG_EVICTED
				   : VNL_AGG_UNFINISHED);
	if (from >= VNL_HOP_MAX || !st->ts) {
		st->first_ts = now;
		st->ts = now;
		if (cfg.keep_slow)
			path_step(ref->idx, hop | (__u64)PATH_FIRST << 16 | ifindex << 32, now,
				  dev ? dev->netns : 0, 0);
		return;
	}
	/* bounds checked one by one on 64-bit copies the compiler cannot re-derive: it would
	 * fold two checks against a power of two into one of (from | to), or check one
	 * zero-extended copy and index with another, which tells the verifier nothing */
	row = from;
	col = to;
	barrier_var(row);
	if (row >= VNL_HOP_MAX)
		return;
	barrier_var(col);
	if (col >= VNL_HOP_MAX)
		return;
	slot = seg_of[row][col];
	if (slot)
		agg_add(slot, now - st->ts);
	else
		agg_unrecorded(VNL_AGG_OUTSIDE_TABLE);
	row = dir; /* the same care as above: one 64-bit copy checked and used */
	barrier_var(row);
	if (row < VNL_DIR_ANY && hop == final_of[row]) {
		agg_add(VNL_AGG_E2E + dir, now - st->first_ts);
		if (cfg.keep_slow)
			path_step(ref->idx,
				  hop | (__u64)slot << 8 | (__u64)PATH_END << 16 | ifindex << 32,
				  now, now - st->ts, now - st->first_ts);
		st->ts = 0;
		return;
	}
	if (cfg.keep_slow)
		path_step(ref->idx, hop | (__u64)slot << 8 | ifindex << 32, now, now - st->ts, 0);
	st->ts = now;
}

#endif /* VNETLAT_AGGREGATE_BPF_H */
