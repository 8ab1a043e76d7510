/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Parse once per packet and kernel: the first hop of a packet parses its headers and runs
 * --filter; later hops of the same skb find the result here instead of copying and parsing
 * 256 bytes again (about 90 ns a hop). A slot is the packet's while the skb address, its
 * head pointer and the frame's first bytes match and its hops move forward along one
 * direction; a recycled skb starts again at a first hop, so it is parsed again.
 */
#ifndef VNETLAT_PKTCACHE_BPF_H
#define VNETLAT_PKTCACHE_BPF_H

#define PKT_CACHE_BITS 16

struct pkt_slot {
	__u64 skb;
	__u64 head;
	__u64 sig;  /* the frame's first bytes after the MAC addresses */
	__u32 hop;  /* the last hop this packet was seen at */
	__u32 pass; /* --filter's verdict */
	struct vnl_pkt pkt;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1 << PKT_CACHE_BITS);
	__type(key, __u32);
	__type(value, struct pkt_slot);
} pkt_cache SEC(".maps");

static __always_inline int same_path(__u32 last, __u32 hop)
{
	if (hop == VNL_HOP_DROP)
		return 1;
	return last < hop && hop_dir(last) == hop_dir(hop);
}

/* 0 with the packet's fields in pkt when this hop is to be recorded. */
static __always_inline int packet_at_hop(const struct sk_buff *skb, int l3, __u32 hop,
					 struct vnl_pkt *pkt, const int direct)
{
	struct frame_ref fr;
	struct pkt_slot *slot;
	__u64 sig = 0;
	__u32 idx;

	frame_locate(skb, l3, &fr, direct);
	bpf_probe_read_kernel(&sig, sizeof(sig), fr.frame + (l3 ? 0 : 12));
	idx = (__u32)(((__u64)fr.head * 0x9e3779b97f4a7c15ULL) >> (64 - PKT_CACHE_BITS));
	slot = bpf_map_lookup_elem(&pkt_cache, &idx);
	if (!slot)
		return -1;
	if (slot->skb != (__u64)skb || slot->head != (__u64)fr.head || slot->sig != sig ||
	    !same_path(slot->hop, hop)) {
		/* parsed straight into the map value: past this point every path looks alike to
		 * the verifier, which keeps the program well inside its instruction budget */
		if (parse_frame(&fr, l3, &slot->pkt))
			return -1;
		slot->skb = (__u64)skb;
		slot->head = (__u64)fr.head;
		slot->sig = sig;
		slot->pass = wanted(&slot->pkt);
	}
	if (hop != VNL_HOP_DROP)
		slot->hop = hop;
	if (!slot->pass)
		return -1;
	*pkt = slot->pkt;
	return 0;
}

/*
 * 0 with the packet's fields when a traced device already saw this packet: the cache slot of
 * its head holds the same first bytes. A socket may hold a clone (another skb address on the
 * same data), so the skb address is not compared.
 */
static __always_inline int packet_seen(const struct sk_buff *skb, __u32 hop, struct vnl_pkt *pkt,
				       const int direct)
{
	struct frame_ref fr;
	struct pkt_slot *slot;
	__u64 sig = 0;
	__u32 idx;

	frame_locate(skb, 0, &fr, direct);
	bpf_probe_read_kernel(&sig, sizeof(sig), fr.frame + 12);
	idx = (__u32)(((__u64)fr.head * 0x9e3779b97f4a7c15ULL) >> (64 - PKT_CACHE_BITS));
	slot = bpf_map_lookup_elem(&pkt_cache, &idx);
	if (!slot || slot->head != (__u64)fr.head || slot->sig != sig || !slot->pass ||
	    !same_path(slot->hop, hop))
		return -1;
	slot->hop = hop;
	*pkt = slot->pkt;
	return 0;
}

#endif /* VNETLAT_PKTCACHE_BPF_H */
