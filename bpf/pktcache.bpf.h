/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Parse once per packet and kernel: the first hop of a packet parses its headers and runs
 * --filter; later hops of the same skb find the result here instead of copying and parsing
 * the frame again. A slot is the packet's while the skb address, its head pointer and the
 * frame's first bytes match and its hops move forward along one direction; a recycled skb
 * starts again at a first hop, so it is parsed again.
 *
 * A slot is one cache line and holds everything a hop touches in aggregate mode (the time of
 * the packet's last hop included): the first hop of a packet and the hop that reads it on
 * another CPU miss in the cache once, not once per map. The parsed fields, needed only for
 * the events sent to user space, live apart in pkt_fields at the same index.
 */
#ifndef VNETLAT_PKTCACHE_BPF_H
#define VNETLAT_PKTCACHE_BPF_H

#define PKT_CACHE_BITS 16

/* struct vnl_slot (vnetlat.h): user space reads the slots of --keep-slow's paths */

/* mmapable arrays start on a page: every slot sits on a line of its own */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1 << PKT_CACHE_BITS);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct vnl_slot);
} pkt_cache SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1 << PKT_CACHE_BITS);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct vnl_pkt);
} pkt_fields SEC(".maps");

/*
 * --keep-slow: the path of each slot's packet (aggregate.bpf.h), at the slot's index; its
 * parsed fields go there at the first hop, beside the lines the path writes anyway.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1 << PKT_CACHE_BITS);
	__type(key, __u32);
	__type(value, struct vnl_path);
} pkt_path SEC(".maps");

/* Where a hop found its packet. */
struct pkt_ref {
	struct vnl_slot *slot;
	__u32 idx;
	__u32 from;	/* the packet's previous hop in this kernel; VNL_HOP_MAX when first seen */
	__u64 old_ts;	/* the open segment of the packet whose slot this one took */
	__u32 old_same; /* that packet had this one's head: it never reached its last hop */
};

#define VNL_DIR_OF(id, nm, d, ...) [VNL_HOP_##id] = VNL_DIR_##d,
static const __u8 hop_dir_of[VNL_HOP_MAX] = {VNL_HOP_TABLE(VNL_DIR_OF)};
#undef VNL_DIR_OF

static __always_inline __u32 hop_dir(__u32 hop)
{
	__u64 h = hop;

	/* checked and used as one 64-bit copy: older verifiers lose a bound the compiler
	 * checked on a spilled 32-bit one */
	barrier_var(h);
	if (h >= VNL_HOP_MAX)
		return VNL_DIR_ANY;
	return hop_dir_of[h];
}

/* hop comes after last on one packet's path (the table is in path order per direction) */
static __always_inline int same_path(__u32 last, __u32 hop)
{
	if (hop == VNL_HOP_DROP)
		return 1;
	return last < hop && hop_dir(last) == hop_dir(hop);
}

static __always_inline __u32 slot_index(const unsigned char *head)
{
	return (__u32)(((__u64)head * 0x9e3779b97f4a7c15ULL) >> (64 - PKT_CACHE_BITS));
}

/* The parsed fields of a slot's packet: only packets whose hops are sent have them. */
static __always_inline struct vnl_pkt *slot_fields(__u32 idx)
{
	return bpf_map_lookup_elem(&pkt_fields, &idx);
}

/* The packet a slot holds, seen again at a later hop. */
static __always_inline void slot_reached(struct pkt_ref *ref, struct vnl_slot *slot, __u32 hop)
{
	ref->slot = slot;
	ref->from = slot->hop;
	ref->old_ts = 0;
	if (hop != VNL_HOP_DROP)
		slot->hop = hop;
}

/* A packet first seen here: parse it into the slot (its fields too, when they are sent). */
static __always_inline int slot_take(struct vnl_slot *slot, struct pkt_ref *ref, __u64 skb,
				     const struct frame_ref *fr, int l3, __u64 sig,
				     const int direct)
{
	struct vnl_pkt *pkt = parse_frame(fr, l3, direct), *fields;

	if (!pkt)
		return -1;
	if (slot->ts) {
		ref->old_ts = slot->ts;
		ref->old_same = slot->head == (__u64)fr->head;
	}
	slot->skb = skb;
	slot->head = (__u64)fr->head;
	slot->sig = sig;
	slot->fp = pkt->fp;
	slot->ts = 0;
	slot->pass = wanted(pkt);
	slot->skey = cfg.sample_n > 1 ? vnl_sample_key(pkt) : 0; /* sampled() reads it then only */
	if (slot->pass && sampled(slot->skey)) {
		fields = slot_fields(ref->idx);
		if (fields)
			*fields = *pkt;
	}
	if (slot->pass && cfg.keep_slow) {
		struct vnl_path *path = bpf_map_lookup_elem(&pkt_path, &ref->idx);

		if (path)
			path->pkt = *pkt;
	}
	return 0;
}

/* When the first packet was recorded (user space says how long after its start). */
volatile __u64 first_packet_ns;

static __always_inline int packet_recorded(const struct vnl_slot *slot)
{
	if (!slot->pass)
		return -1;
	if (!first_packet_ns)
		first_packet_ns = bpf_ktime_get_ns();
	return 0;
}

/* 0 with ref filled in when this hop is to be recorded. */
static __always_inline int packet_at_hop(const struct sk_buff *skb, int l3, __u32 hop,
					 struct pkt_ref *ref, const int direct)
{
	struct frame_ref fr;
	struct vnl_slot *slot;
	__u64 sig;

	frame_locate(skb, l3, &fr, direct);
	sig = frame_sig(skb, &fr, l3 ? 0 : 12, direct);
	ref->idx = slot_index(fr.head);
	slot = bpf_map_lookup_elem(&pkt_cache, &ref->idx);
	if (!slot)
		return -1;
	if (slot->skb == (__u64)skb && slot->head == (__u64)fr.head && slot->sig == sig &&
	    same_path(slot->hop, hop)) {
		slot_reached(ref, slot, hop);
	} else if (slot->skb == (__u64)skb && slot->head == (__u64)fr.head && slot->sig == sig &&
		   slot->hop == hop) {
		/* the same hop again on the same packet: a VMM's read in pieces (tun_put_user
		 * copies around a VLAN tag held in metadata), never a new packet, which would
		 * have come through the hops before this one first */
		return -1;
	} else {
		ref->old_ts = 0;
		if (slot_take(slot, ref, (__u64)skb, &fr, l3, sig, direct))
			return -1;
		ref->slot = slot;
		ref->from = VNL_HOP_MAX;
		if (hop != VNL_HOP_DROP)
			slot->hop = hop;
	}
	return packet_recorded(slot);
}

/*
 * 0 with the packet's slot when a traced device already saw this packet: the cache slot of
 * its head holds the same first bytes. A socket may hold a clone (another skb address on the
 * same data), so the skb address is not compared.
 */
static __always_inline int packet_seen(const struct sk_buff *skb, __u32 hop, struct pkt_ref *ref,
				       const int direct)
{
	struct frame_ref fr;
	struct vnl_slot *slot;
	__u64 sig;

	frame_locate(skb, 0, &fr, direct);
	sig = frame_sig(skb, &fr, 12, direct);
	ref->idx = slot_index(fr.head);
	slot = bpf_map_lookup_elem(&pkt_cache, &ref->idx);
	if (!slot || slot->head != (__u64)fr.head || slot->sig != sig || !slot->pass ||
	    !same_path(slot->hop, hop))
		return -1;
	slot_reached(ref, slot, hop);
	return 0;
}

#endif /* VNETLAT_PKTCACHE_BPF_H */
