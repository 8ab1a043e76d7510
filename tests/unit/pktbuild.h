/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Crafts frames for the tests: Ethernet, VLAN, IPv4 (options, fragments), IPv6 (extension
 * headers), TCP, UDP, ICMP. Header-only: each test includes it once. */
#ifndef VNL_TEST_PKTBUILD_H
#define VNL_TEST_PKTBUILD_H

#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

struct pb {
	uint8_t b[512];
	size_t len;
};

static inline void pb_put(struct pb *p, const void *d, size_t n)
{
	memcpy(p->b + p->len, d, n);
	p->len += n;
}

static inline void pb_u8(struct pb *p, uint8_t v)
{
	pb_put(p, &v, 1);
}

static inline void pb_u16(struct pb *p, uint16_t v)
{
	uint16_t n = htons(v);

	pb_put(p, &n, 2);
}

static inline void pb_u32(struct pb *p, uint32_t v)
{
	uint32_t n = htonl(v);

	pb_put(p, &n, 4);
}

static inline void pb_eth(struct pb *p, uint16_t type, int vlans)
{
	static const uint8_t macs[12] = {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2};

	pb_put(p, macs, 12);
	while (vlans-- > 0) {
		pb_u16(p, 0x8100);
		pb_u16(p, (uint16_t)(100 + vlans));
	}
	pb_u16(p, type);
}

struct ip4opt {
	uint8_t ttl, proto;
	uint16_t id, frag; /* frag: flags and offset field as on the wire */
	const char *src, *dst;
	int optwords;	/* 32-bit words of IP options */
	uint16_t l4len; /* bytes that follow the IP header */
};

static inline void pb_ipv4(struct pb *p, const struct ip4opt *o)
{
	uint32_t a;
	int i;

	pb_u8(p, (uint8_t)(0x45 + o->optwords));
	pb_u8(p, 0);
	pb_u16(p, (uint16_t)(20 + 4 * o->optwords + o->l4len));
	pb_u16(p, o->id);
	pb_u16(p, o->frag);
	pb_u8(p, o->ttl ? o->ttl : 64);
	pb_u8(p, o->proto);
	pb_u16(p, 0xbeef); /* checksum: left out of the fingerprint */
	inet_pton(AF_INET, o->src, &a);
	pb_put(p, &a, 4);
	inet_pton(AF_INET, o->dst, &a);
	pb_put(p, &a, 4);
	for (i = 0; i < o->optwords; i++)
		pb_u32(p, 0x01010101); /* NOPs */
}

static inline void pb_ipv6(struct pb *p, uint8_t nexthdr, uint16_t plen, uint32_t flow,
			   const char *src, const char *dst)
{
	struct in6_addr a;

	pb_u32(p, 0x60000000u | (flow & 0xfffff));
	pb_u16(p, plen);
	pb_u8(p, nexthdr);
	pb_u8(p, 64);
	inet_pton(AF_INET6, src, &a);
	pb_put(p, &a, 16);
	inet_pton(AF_INET6, dst, &a);
	pb_put(p, &a, 16);
}

static inline void pb_udp(struct pb *p, uint16_t sport, uint16_t dport, const uint8_t *payload,
			  uint16_t n)
{
	pb_u16(p, sport);
	pb_u16(p, dport);
	pb_u16(p, (uint16_t)(8 + n));
	pb_u16(p, 0x1234);
	pb_put(p, payload, n);
}

static inline void pb_tcp(struct pb *p, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
			  uint8_t flags, uint16_t payload)
{
	pb_u16(p, sport);
	pb_u16(p, dport);
	pb_u32(p, seq);
	pb_u32(p, ack);
	pb_u8(p, 5 << 4);
	pb_u8(p, flags);
	pb_u16(p, 65535);
	pb_u16(p, 0x4321);
	pb_u16(p, 0);
	while (payload--)
		pb_u8(p, 'x');
}

static inline void pb_icmp_echo(struct pb *p, uint8_t type, uint16_t id, uint16_t seq)
{
	pb_u8(p, type);
	pb_u8(p, 0);
	pb_u16(p, 0xaaaa);
	pb_u16(p, id);
	pb_u16(p, seq);
	pb_u32(p, 0xdeadbeef);
}

/*
 * A PTP v2 message's common header and body (44 bytes in all, as Sync and Delay_Req are):
 * type, domain, sequence id; clock identity and port number of the sender.
 */
static inline void pb_ptp_msg(uint8_t out[44], uint8_t type, uint8_t domain, uint16_t seq,
			      uint64_t clock, uint16_t port)
{
	int i;

	memset(out, 0, 44);
	out[0] = type & 0xf; /* transportSpecific 0 */
	out[1] = 2;	     /* versionPTP */
	out[2] = 0;
	out[3] = 44;
	out[4] = domain;
	for (i = 0; i < 8; i++)
		out[20 + i] = (uint8_t)(clock >> (56 - 8 * i));
	out[28] = (uint8_t)(port >> 8);
	out[29] = (uint8_t)port;
	out[30] = (uint8_t)(seq >> 8);
	out[31] = (uint8_t)seq;
	out[33] = 0x7f;
}

/* PTP over Ethernet (0x88F7), behind vlans VLAN tags. */
static inline void pb_ptp_l2(struct pb *p, int vlans, uint8_t type, uint8_t domain, uint16_t seq)
{
	uint8_t msg[44];

	p->len = 0;
	pb_eth(p, 0x88f7, vlans);
	pb_ptp_msg(msg, type, domain, seq, 0x0011223344556677ULL, 1);
	pb_put(p, msg, sizeof(msg));
}

/* A UDP over IPv4 frame, the common case. */
static inline void pb_udp4(struct pb *p, int vlans, uint16_t id, uint8_t ttl, const uint8_t *pl,
			   uint16_t n)
{
	struct ip4opt o = {.ttl = ttl,
			   .proto = 17,
			   .id = id,
			   .src = "198.18.0.1",
			   .dst = "198.18.0.2",
			   .l4len = (uint16_t)(8 + n)};

	p->len = 0;
	pb_eth(p, 0x0800, vlans);
	pb_ipv4(p, &o);
	pb_udp(p, 40000, 7, pl, n);
}

/* PTP over UDP: to port 319 (event messages) or 320 (general), IPv4 or IPv6. */
static inline void pb_ptp_udp(struct pb *p, int v6, uint8_t type, uint8_t domain, uint16_t seq)
{
	struct ip4opt o = {
	    .proto = 17, .id = 7, .src = "198.18.0.1", .dst = "198.18.0.2", .l4len = 8 + 44};
	int event = type < 8;
	uint8_t msg[44];

	p->len = 0;
	pb_ptp_msg(msg, type, domain, seq, 0x0011223344556677ULL, 1);
	pb_eth(p, v6 ? 0x86dd : 0x0800, 0);
	if (v6)
		pb_ipv6(p, 17, 8 + 44, 0, "fd00:198:18::1", "fd00:198:18::2");
	else
		pb_ipv4(p, &o);
	pb_udp(p, event ? 319 : 320, event ? 319 : 320, msg, 44);
}

#endif
