/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Packet fingerprint: a hash of header fields that no hop between the wire and the guest
 * changes, so copies of one packet (clones, the guest's own skb) hash alike.
 *   IPv4: addresses, protocol, IP ID (and fragment offset); IPv6: addresses, flow label,
 *   next protocol (and fragment id/offset); TCP: ports, seq, ack, flags but PSH; UDP: ports and
 *   the first 32 payload bytes; ICMP/ICMPv6: type, code, id, sequence.
 *   PTP (UDP 319/320, or Ethernet 0x88F7 behind up to two VLAN tags): its message type,
 *   domain and sequence id decoded into the packet (VNL_PTP_INFO in ack); over Ethernet the
 *   fingerprint hashes those and the source port identity.
 * Left out: VLAN tags (parsed through), TTL/hop limit and checksums (forwarding and offloads
 * change them).
 *
 * Compiles for BPF and for user space. The buffer holds at most VNL_HDR_MAX bytes and every
 * read is bounds-checked against len first; the mask only convinces the verifier.
 */
#ifndef VNETLAT_FINGERPRINT_H
#define VNETLAT_FINGERPRINT_H

#include "vnetlat.h"

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

#define FP_UDP_HASH_BYTES 32
#define FP_MAX_VLANS	  2
#define FP_MAX_V6_EXT	  6

#define FP_B(b, off) ((__u32)(b)[(off) & (VNL_HDR_MAX - 1)])

#if defined(__bpf__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/*
 * In BPF a field is one load (and a byte swap), not a load, shift and or a byte: the verifier
 * follows each of those instructions on every path, and the parser is most of what it
 * follows in a program. The buffer has VNL_HDR_PAD bytes past VNL_HDR_MAX, so a word at a
 * masked offset stays inside it; what lies past the frame is never used (every field is
 * checked against len first, and fp_bytes64 masks off what lies past n).
 */
#define FP_LOAD(b, off, type) (*(const type *)((b) + ((off) & (VNL_HDR_MAX - 1))))

static __always_inline __u32 fp_be16(const __u8 *b, __u32 off)
{
	return __builtin_bswap16(FP_LOAD(b, off, __u16));
}

static __always_inline __u32 fp_be32(const __u8 *b, __u32 off)
{
	return __builtin_bswap32(FP_LOAD(b, off, __u32));
}

/* Bytes as they sit in memory: addresses stay in network order, like the kernel's. */
static __always_inline __u32 fp_raw32(const __u8 *b, __u32 off)
{
	return FP_LOAD(b, off, __u32);
}

/* Up to eight bytes from off as one number, the first in the low byte; zeros past n. */
static __always_inline __u64 fp_bytes64(const __u8 *b, __u32 off, __u32 n)
{
	__u64 v = FP_LOAD(b, off, __u64);

	if (n < 8)
		v &= (1ULL << (8 * (n & 7))) - 1;
	return v;
}
#else
static __always_inline __u32 fp_be16(const __u8 *b, __u32 off)
{
	return FP_B(b, off) << 8 | FP_B(b, off + 1);
}

static __always_inline __u32 fp_be32(const __u8 *b, __u32 off)
{
	return FP_B(b, off) << 24 | FP_B(b, off + 1) << 16 | FP_B(b, off + 2) << 8 |
	       FP_B(b, off + 3);
}

static __always_inline __u32 fp_raw32(const __u8 *b, __u32 off)
{
	return FP_B(b, off) | FP_B(b, off + 1) << 8 | FP_B(b, off + 2) << 16 |
	       FP_B(b, off + 3) << 24;
}

/* Never past n: user space passes exactly the frame. */
static __always_inline __u64 fp_bytes64(const __u8 *b, __u32 off, __u32 n)
{
	__u64 v = 0;
	__u32 i;

	for (i = 0; i < 8 && i < n; i++)
		v |= (__u64)FP_B(b, off + i) << (8 * i);
	return v;
}
#endif

/*
 * The parser's offsets go through p's memory and back: the verifier keeps no value stored
 * there, so the paths that reach this point (a VLAN tag or two, IPv4 or IPv6 and its
 * extension headers) go on as one state, bounded by the check that follows, instead of one
 * state each for every later step (it verified 760k instructions a program, 0.6 s each).
 * For user space it is a store and a load. The slot is left 0, as the parser found it.
 */
#define FP_FORGET(slot, v)                                                                         \
	do {                                                                                       \
		(slot) = (v);                                                                      \
		asm volatile("" ::: "memory");                                                     \
		(v) = (slot);                                                                      \
		(slot) = 0;                                                                        \
	} while (0)

static __always_inline __u64 fp_mix(__u64 h, __u64 v)
{
	h ^= v;
	h *= 0x9e3779b97f4a7c15ULL;
	h ^= h >> 29;
	return h;
}

static __always_inline int fp_has(__u32 off, __u32 n, __u32 len)
{
	return off <= len && n <= len - off;
}

/* Returns the transport header offset, or 0 when there is none to parse. */
static __always_inline __u32 fp_ipv4(const __u8 *b, __u32 off, __u32 len, struct vnl_pkt *p,
				     __u64 *h, __u32 *end)
{
	__u32 ihl, frag, i;

	if (!fp_has(off, 20, len) || (FP_B(b, off) >> 4) != 4) {
		p->flags |= VNL_PKT_TRUNCATED;
		return 0;
	}
	ihl = (FP_B(b, off) & 0xf) * 4;
	if (ihl < 20)
		return 0;
	p->flow.family = 4;
	p->flow.proto = FP_B(b, off + 9);
	p->flow.saddr[0] = fp_raw32(b, off + 12);
	p->flow.daddr[0] = fp_raw32(b, off + 16);
	for (i = 1; i < 4; i++)
		p->flow.saddr[i] = p->flow.daddr[i] = 0;
	*end = off + fp_be16(b, off + 2);
	frag = fp_be16(b, off + 6);
	*h = fp_mix(*h, (__u64)p->flow.saddr[0] << 32 | p->flow.daddr[0]);
	*h = fp_mix(*h, (__u64)p->flow.proto << 32 | fp_be16(b, off + 4));
	if (frag & 0x3fff) {
		p->flags |= VNL_PKT_FRAGMENT;
		*h = fp_mix(*h, frag & 0x1fff);
		if (frag & 0x1fff) {
			p->flags |= VNL_PKT_LATER_FRAG;
			return 0;
		}
	}
	return off + ihl;
}

/*
 * Hop-by-hop options 0, routing 43, fragment 44, AH 51, destination options 60: a bit each,
 * one test for all (five comparisons were five paths for the verifier, one for each value).
 */
#define FP_V6_EXT_BITS (1ULL << 0 | 1ULL << 43 | 1ULL << 44 | 1ULL << 51 | 1ULL << 60)

static __always_inline int fp_v6_ext(__u32 nexthdr)
{
	return nexthdr < 64 && (FP_V6_EXT_BITS >> nexthdr) & 1;
}

static __always_inline __u32 fp_ipv6(const __u8 *b, __u32 off, __u32 len, struct vnl_pkt *p,
				     __u64 *h, __u32 *end)
{
	__u32 nexthdr, i, fl;

	if (!fp_has(off, 40, len) || (FP_B(b, off) >> 4) != 6) {
		p->flags |= VNL_PKT_TRUNCATED;
		return 0;
	}
	p->flow.family = 6;
	fl = (FP_B(b, off + 1) & 0xf) << 16 | FP_B(b, off + 2) << 8 | FP_B(b, off + 3);
	nexthdr = FP_B(b, off + 6);
	*end = off + 40 + fp_be16(b, off + 4);
	for (i = 0; i < 4; i++) {
		p->flow.saddr[i] = fp_raw32(b, off + 8 + 4 * i);
		p->flow.daddr[i] = fp_raw32(b, off + 24 + 4 * i);
		*h = fp_mix(*h, (__u64)p->flow.saddr[i] << 32 | p->flow.daddr[i]);
	}
	*h = fp_mix(*h, fl);
	off += 40;
	for (i = 0; i < FP_MAX_V6_EXT && fp_v6_ext(nexthdr); i++) {
		__u32 hdr = nexthdr, frag;

		FP_FORGET(p->payload, off); /* one state a header, whichever kinds came before */
		if (off > VNL_HDR_MAX || !fp_has(off, 8, len)) {
			p->flags |= VNL_PKT_TRUNCATED;
			return 0;
		}
		nexthdr = FP_B(b, off);
		if (hdr == 44) {
			frag = fp_be16(b, off + 2);
			p->flags |= VNL_PKT_FRAGMENT;
			*h = fp_mix(*h, (__u64)fp_be32(b, off + 4) << 16 | (frag & 0xfff8));
			off += 8;
			if (frag & 0xfff8) {
				p->flow.proto = nexthdr;
				p->flags |= VNL_PKT_LATER_FRAG;
				return 0;
			}
		} else if (hdr == 51) {
			off += (FP_B(b, off + 1) + 2) * 4;
		} else {
			off += (FP_B(b, off + 1) + 1) * 8;
		}
	}
	if (fp_v6_ext(nexthdr)) {
		p->flags |= VNL_PKT_TRUNCATED; /* more extension headers than we walk */
		return 0;
	}
	p->flow.proto = nexthdr;
	*h = fp_mix(*h, nexthdr);
	return off;
}

static __always_inline void fp_tcp(const __u8 *b, __u32 off, __u32 len, __u32 end,
				   struct vnl_pkt *p, __u64 *h)
{
	__u32 doff;

	if (!fp_has(off, 20, len)) {
		p->flags |= VNL_PKT_TRUNCATED;
		return;
	}
	p->flow.sport = fp_be16(b, off);
	p->flow.dport = fp_be16(b, off + 2);
	p->seq = fp_be32(b, off + 4);
	p->ack = fp_be32(b, off + 8);
	p->tcp_flags = FP_B(b, off + 13);
	doff = (FP_B(b, off + 12) >> 4) * 4;
	p->payload = end > off + doff ? end - off - doff : 0;
	*h = fp_mix(*h, (__u64)p->flow.sport << 16 | p->flow.dport);
	*h = fp_mix(*h, (__u64)p->seq << 32 | p->ack);
	/* PSH left out: GRO ORs it into a merged skb, GSO clears it on all segments but the last */
	*h = fp_mix(*h, p->tcp_flags & ~0x08u);
}

/* The PTP common header at off: 1 when it was whole and decoded into p (and into *h). */
static __always_inline int fp_ptp(const __u8 *b, __u32 off, __u32 len, struct vnl_pkt *p, __u64 *h)
{
	__u32 type, domain, seq, peer;

	if (!fp_has(off, VNL_PTP_HDR_LEN, len)) {
		p->flags |= VNL_PKT_TRUNCATED;
		return 0;
	}
	if ((FP_B(b, off + 1) & 0xf) != 2) /* versionPTP 2: what 1588-2008 and 2019 send */
		return 0;
	type = FP_B(b, off) & 0xf;
	domain = FP_B(b, off + 4);
	seq = fp_be16(b, off + 30);
	p->flags |= VNL_PKT_PTP;
	p->ack = VNL_PTP_INFO(type, domain, seq);
	/* the port the message is about, hashed into seq: a response's requesting port, else
	 * its sender; a Delay_Req and its Delay_Resp carry the same (pairing, sampling) */
	peer = type == VNL_PTP_DELAY_RESP || type == VNL_PTP_PDELAY_RESP ? 44 : 20;
	p->seq = fp_has(off + peer, 10, len)
		     ? (__u32)fp_mix(fp_bytes64(b, off + peer, 8), fp_be16(b, off + peer + 8))
		     : 0;
	*h = fp_mix(*h, (__u64)p->ack << 32 | fp_be32(b, off + 20));
	*h = fp_mix(*h, fp_bytes64(b, off + 24, 6)); /* the rest of the source port identity */
	return 1;
}

static __always_inline void fp_udp(const __u8 *b, __u32 off, __u32 len, struct vnl_pkt *p, __u64 *h)
{
	__u32 ulen, n, i;
	__u64 ph = 0;

	if (!fp_has(off, 8, len)) {
		p->flags |= VNL_PKT_TRUNCATED;
		return;
	}
	p->flow.sport = fp_be16(b, off);
	p->flow.dport = fp_be16(b, off + 2);
	ulen = fp_be16(b, off + 4);
	p->payload = ulen > 8 ? ulen - 8 : 0;
	*h = fp_mix(*h, (__u64)p->flow.sport << 16 | p->flow.dport);
	n = p->payload < FP_UDP_HASH_BYTES ? p->payload : FP_UDP_HASH_BYTES;
	off += 8;
	if (!fp_has(off, n, len)) {
		p->flags |= VNL_PKT_TRUNCATED;
		n = off < len ? len - off : 0;
	}
	FP_FORGET(p->seq, n);
	if (n > FP_UDP_HASH_BYTES)
		return;
	/* eight bytes a mix (the first hop parses on every packet's path) */
	for (i = 0; i < FP_UDP_HASH_BYTES; i += 8)
		if (i < n)
			ph = fp_mix(ph, fp_bytes64(b, off + i, n - i));
	*h = fp_mix(*h, ph);
	/* the payload's own hash, which an echo's response carries too: pairs the two */
	p->seq = (__u32)(ph ^ (ph >> 32));
	if (p->flow.dport == VNL_PTP_EVENT_PORT || p->flow.dport == VNL_PTP_GENERAL_PORT ||
	    p->flow.sport == VNL_PTP_EVENT_PORT || p->flow.sport == VNL_PTP_GENERAL_PORT) {
		__u64 unused = 0;

		/* the fingerprint already holds these bytes (the payload's first 32) */
		fp_ptp(b, off, len, p, &unused);
	}
}

static __always_inline void fp_icmp(const __u8 *b, __u32 off, __u32 len, struct vnl_pkt *p,
				    __u64 *h)
{
	__u32 type;

	if (!fp_has(off, 8, len)) {
		p->flags |= VNL_PKT_TRUNCATED;
		return;
	}
	type = FP_B(b, off);
	if (type == 8 || type == 128)
		p->flags |= VNL_PKT_ECHO_REQ;
	else if (type == 0 || type == 129)
		p->flags |= VNL_PKT_ECHO_REPLY;
	p->flow.sport = fp_be16(b, off + 4); /* echo id; pairs a request with its reply */
	p->seq = fp_be16(b, off + 6);
	*h = fp_mix(*h, (__u64)type << 40 | (__u64)FP_B(b, off + 1) << 32 | fp_be32(b, off + 4));
}

/*
 * Parses a frame (from its Ethernet header, or from the IP header when l3) into p.
 * len must not exceed VNL_HDR_MAX. p->fp is 0 for frames that are neither IP nor PTP.
 */
static __always_inline void vnl_fp_parse(const __u8 *b, __u32 len, int l3, struct vnl_pkt *p)
{
	__u32 off = 0, proto, l4 = 0, end = 0, i;
	__u64 h = 0x6a09e667f3bcc908ULL;

	__builtin_memset(p, 0, sizeof(*p));
	if (len > VNL_HDR_MAX)
		len = VNL_HDR_MAX;
	FP_FORGET(p->payload, len); /* one state from here, not one for a clamped len */
	if (len > VNL_HDR_MAX)
		return;
	if (l3) {
		if (!fp_has(0, 1, len))
			return;
		proto = (FP_B(b, 0) >> 4) == 6 ? 0x86dd : 0x0800;
	} else {
		if (!fp_has(0, 14, len)) {
			p->flags |= VNL_PKT_TRUNCATED;
			return;
		}
		proto = fp_be16(b, 12);
		off = 14;
		for (i = 0; i < FP_MAX_VLANS; i++) {
			if (proto != 0x8100 && proto != 0x88a8)
				break;
			if (!fp_has(off, 4, len)) {
				p->flags |= VNL_PKT_TRUNCATED;
				return;
			}
			p->flags |= VNL_PKT_VLAN;
			proto = fp_be16(b, off + 2);
			off += 4;
		}
	}
	FP_FORGET(p->payload, off);
	if (off > VNL_HDR_MAX)
		return;
	if (proto == 0x0800)
		l4 = fp_ipv4(b, off, len, p, &h, &end);
	else if (proto == 0x86dd)
		l4 = fp_ipv6(b, off, len, p, &h, &end);
	else if (proto == VNL_PTP_ETHERTYPE && fp_ptp(b, off, len, p, &h))
		p->fp = h ? h : 1;
	if (!p->flow.family)
		return;
	FP_FORGET(p->payload, l4);
	FP_FORGET(p->payload, end);
	if (l4 > VNL_HDR_MAX)
		return;
	if (l4) {
		proto = p->flow.proto;
		if (proto == 6)
			fp_tcp(b, l4, len, end, p, &h);
		else if (proto == 17)
			fp_udp(b, l4, len, p, &h);
		else if (proto == 1 || proto == 58)
			fp_icmp(b, l4, len, p, &h);
	}
	p->fp = h ? h : 1;
}

/*
 * What --sample decides by: the same for a request and its response, in either kernel, so
 * sampled round trips pair whole. ICMP echo: its id and sequence; UDP: the payload's hash,
 * which an echo's reply carries too; TCP: the flow (both directions); PTP: the message's
 * domain, sequence id and port. Addresses and ports enter symmetrically (a response has them
 * swapped).
 */
static __always_inline __u64 vnl_sample_key(const struct vnl_pkt *p)
{
	const struct vnl_flow *f = &p->flow;
	__u64 h = fp_mix(0x9ae16a3b2f90404fULL, f->proto);
	__u32 i;

	/* PTP goes to a multicast address: a Delay_Req and its Delay_Resp share the domain,
	 * the sequence id and the port they are about, never the addresses */
	if (p->flags & VNL_PKT_PTP)
		return fp_mix(fp_mix(h, p->ack & 0xffffff), p->seq);
	for (i = 0; i < 4; i++)
		h = fp_mix(h, f->saddr[i] ^ f->daddr[i]);
	h = fp_mix(h, (__u64)(f->sport ^ f->dport) << 32 | (__u32)(f->sport + f->dport));
	if (f->proto != 6)
		h = fp_mix(h, p->seq);
	return h;
}

#endif /* VNETLAT_FINGERPRINT_H */
