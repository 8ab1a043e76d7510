// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The fingerprint parser: fields, invariance, and safety on malformed frames. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <cmocka.h>
#include "fingerprint.h"
#include "pktbuild.h"

static const uint8_t payload[64] =
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ!";

static struct vnl_pkt parse(const struct pb *p, int l3)
{
	struct vnl_pkt out;

	vnl_fp_parse(p->b, (uint32_t)p->len, l3, &out);
	return out;
}

static void udp_fields(void **state)
{
	struct pb p;
	struct vnl_pkt k;
	uint32_t a;

	pb_udp4(&p, 0, 77, 64, payload, 40);
	k = parse(&p, 0);
	assert_int_equal(k.flow.family, 4);
	assert_int_equal(k.flow.proto, 17);
	assert_int_equal(k.flow.sport, 40000);
	assert_int_equal(k.flow.dport, 7);
	assert_int_equal(k.payload, 40);
	inet_pton(AF_INET, "198.18.0.1", &a);
	assert_int_equal(k.flow.saddr[0], a);
	assert_int_not_equal(k.fp, 0);
	assert_int_equal(k.flags & VNL_PKT_TRUNCATED, 0);
}

/* TTL, checksums and VLAN tags change on the way; the fingerprint must not. */
static void invariant_fields_left_out(void **state)
{
	struct pb a, b, c;
	struct vnl_pkt ka, kb, kc;

	pb_udp4(&a, 0, 77, 64, payload, 40);
	pb_udp4(&b, 0, 77, 3, payload, 40);
	pb_udp4(&c, 2, 77, 64, payload, 40);
	b.b[24] ^= 0xff; /* IP checksum */
	ka = parse(&a, 0);
	kb = parse(&b, 0);
	kc = parse(&c, 0);
	assert_int_equal(ka.fp, kb.fp);
	assert_int_equal(ka.fp, kc.fp);
	assert_true(kc.flags & VNL_PKT_VLAN);
	/* the same packet seen without its Ethernet header (a tun device) */
	{
		struct pb l3 = {.len = a.len - 14};

		memcpy(l3.b, a.b + 14, l3.len);
		assert_int_equal(parse(&l3, 1).fp, ka.fp);
	}
}

static void udp_payload_hash(void **state)
{
	uint8_t pl[64];
	struct pb a, b;

	memcpy(pl, payload, sizeof(pl));
	pb_udp4(&a, 0, 77, 64, pl, 64);
	pl[31] ^= 1; /* inside the hashed 32 bytes */
	pb_udp4(&b, 0, 77, 64, pl, 64);
	assert_int_not_equal(parse(&a, 0).fp, parse(&b, 0).fp);
	pl[31] ^= 1;
	pl[40] ^= 1; /* past them */
	pb_udp4(&b, 0, 77, 64, pl, 64);
	assert_int_equal(parse(&a, 0).fp, parse(&b, 0).fp);
	/* the IP ID tells two otherwise equal datagrams apart */
	pb_udp4(&b, 0, 78, 64, payload, 64);
	assert_int_not_equal(parse(&a, 0).fp, parse(&b, 0).fp);
}

static void ipv4_options(void **state)
{
	struct ip4opt o = {.proto = 17,
			   .id = 5,
			   .src = "198.18.0.1",
			   .dst = "198.18.0.2",
			   .optwords = 3,
			   .l4len = 12};
	struct pb p = {0};
	struct vnl_pkt k;

	pb_eth(&p, 0x0800, 0);
	pb_ipv4(&p, &o);
	pb_udp(&p, 1111, 2222, payload, 4);
	k = parse(&p, 0);
	assert_int_equal(k.flow.sport, 1111);
	assert_int_equal(k.flow.dport, 2222);
	assert_int_equal(k.payload, 4);
}

static void ipv4_fragments(void **state)
{
	struct ip4opt first = {.proto = 17,
			       .id = 9,
			       .frag = 0x2000,
			       .src = "198.18.0.1",
			       .dst = "198.18.0.2",
			       .l4len = 16};
	struct ip4opt later = first;
	struct pb a = {0}, b = {0};
	struct vnl_pkt ka, kb;

	later.frag = 0x0002; /* offset 16 bytes, last fragment */
	pb_eth(&a, 0x0800, 0);
	pb_ipv4(&a, &first);
	pb_udp(&a, 1000, 2000, payload, 8);
	pb_eth(&b, 0x0800, 0);
	pb_ipv4(&b, &later);
	pb_put(&b, payload, 16); /* a later fragment: payload bytes, no UDP header */
	ka = parse(&a, 0);
	kb = parse(&b, 0);
	assert_true(ka.flags & VNL_PKT_FRAGMENT);
	assert_false(ka.flags & VNL_PKT_LATER_FRAG);
	assert_int_equal(ka.flow.sport, 1000);
	assert_true(kb.flags & VNL_PKT_LATER_FRAG);
	assert_int_equal(kb.flow.sport, 0); /* never read ports out of payload bytes */
	assert_int_not_equal(ka.fp, kb.fp);
}

static void ipv6_extension_headers(void **state)
{
	struct pb p = {0};
	struct vnl_pkt k;

	pb_eth(&p, 0x86dd, 0);
	pb_ipv6(&p, 0, 8 + 16 + 8 + 4, 0x12345, "fd00:198:18::1", "fd00:198:18::2");
	/* hop-by-hop (8 bytes), then destination options (16 bytes), then UDP */
	pb_u8(&p, 60);
	pb_u8(&p, 0);
	pb_u32(&p, 0x01040000);
	pb_u16(&p, 0);
	pb_u8(&p, 17);
	pb_u8(&p, 1);
	for (int i = 0; i < 14; i++)
		pb_u8(&p, i == 0 ? 1 : 0);
	pb_udp(&p, 5353, 5001, payload, 4);
	k = parse(&p, 0);
	assert_int_equal(k.flow.family, 6);
	assert_int_equal(k.flow.proto, 17);
	assert_int_equal(k.flow.sport, 5353);
	assert_int_equal(k.flow.dport, 5001);
	assert_int_equal(k.flags & VNL_PKT_TRUNCATED, 0);
}

static void ipv6_fragment(void **state)
{
	struct pb first = {0}, later = {0};
	struct vnl_pkt k1, k2;

	pb_eth(&first, 0x86dd, 0);
	pb_ipv6(&first, 44, 8 + 8 + 8, 0, "fd00::1", "fd00::2");
	pb_u8(&first, 17);
	pb_u8(&first, 0);
	pb_u16(&first, 0x0001); /* offset 0, more fragments */
	pb_u32(&first, 0xabcdef);
	pb_udp(&first, 1, 2, payload, 8);
	pb_eth(&later, 0x86dd, 0);
	pb_ipv6(&later, 44, 8 + 8, 0, "fd00::1", "fd00::2");
	pb_u8(&later, 17);
	pb_u8(&later, 0);
	pb_u16(&later, 16 << 3); /* offset 16 */
	pb_u32(&later, 0xabcdef);
	pb_put(&later, payload, 8);
	k1 = parse(&first, 0);
	k2 = parse(&later, 0);
	assert_int_equal(k1.flow.sport, 1);
	assert_true(k2.flags & VNL_PKT_LATER_FRAG);
	assert_int_equal(k2.flow.sport, 0);
	assert_int_not_equal(k1.fp, k2.fp);
}

static void tcp_fields(void **state)
{
	struct ip4opt o = {
	    .proto = 6, .id = 1, .src = "198.18.0.1", .dst = "198.18.0.2", .l4len = 20 + 100};
	struct pb a = {0}, b = {0};
	struct vnl_pkt ka;

	pb_eth(&a, 0x0800, 0);
	pb_ipv4(&a, &o);
	pb_tcp(&a, 33000, 5001, 1000, 2000, 0x18, 100);
	ka = parse(&a, 0);
	assert_int_equal(ka.seq, 1000);
	assert_int_equal(ka.ack, 2000);
	assert_int_equal(ka.tcp_flags, 0x18);
	assert_int_equal(ka.payload, 100);
	pb_eth(&b, 0x0800, 0);
	pb_ipv4(&b, &o);
	pb_tcp(&b, 33000, 5001, 1100, 2000, 0x18, 100);
	assert_int_not_equal(parse(&b, 0).fp, ka.fp);
}

static void icmp_echo(void **state)
{
	struct ip4opt o = {
	    .proto = 1, .id = 3, .src = "198.18.0.1", .dst = "198.18.0.2", .l4len = 12};
	struct pb req = {0}, rep = {0};
	struct vnl_pkt kq, kr;

	pb_eth(&req, 0x0800, 0);
	pb_ipv4(&req, &o);
	pb_icmp_echo(&req, 8, 0x77, 5);
	pb_eth(&rep, 0x0800, 0);
	pb_ipv4(&rep, &o);
	pb_icmp_echo(&rep, 0, 0x77, 5);
	kq = parse(&req, 0);
	kr = parse(&rep, 0);
	assert_true(kq.flags & VNL_PKT_ECHO_REQ);
	assert_true(kr.flags & VNL_PKT_ECHO_REPLY);
	assert_int_equal(kq.flow.sport, 0x77);
	assert_int_equal(kq.seq, 5);
	assert_int_not_equal(kq.fp, kr.fp);
	assert_true(vnl_sample_key(&kq) == vnl_sample_key(&kr)); /* sampled together */
}

/* An echo's reply: the same payload hash, and the same --sample key, as its request. */
static void echo_reply_keeps_payload_hash_and_sample_key(void **state)
{
	struct ip4opt fwd = {.ttl = 64,
			     .proto = 17,
			     .id = 9,
			     .src = "198.18.0.1",
			     .dst = "198.18.0.2",
			     .l4len = 8 + 64};
	struct ip4opt back = {.ttl = 64,
			      .proto = 17,
			      .id = 10,
			      .src = "198.18.0.2",
			      .dst = "198.18.0.1",
			      .l4len = 8 + 64};
	struct pb req = {0}, rep = {0}, other = {0};
	struct vnl_pkt a, b, c;
	uint8_t pl[64];

	memcpy(pl, payload, sizeof(pl));
	pb_eth(&req, 0x0800, 0);
	pb_ipv4(&req, &fwd);
	pb_udp(&req, 40000, 7, pl, 64);
	pb_eth(&rep, 0x0800, 0);
	pb_ipv4(&rep, &back);
	pb_udp(&rep, 7, 40000, pl, 64);
	pl[0] ^= 0x55;
	pb_eth(&other, 0x0800, 0);
	pb_ipv4(&other, &fwd);
	pb_udp(&other, 40000, 7, pl, 64);
	a = parse(&req, 0);
	b = parse(&rep, 0);
	c = parse(&other, 0);
	assert_int_not_equal(a.fp, b.fp);
	assert_int_equal(a.seq, b.seq);
	assert_int_not_equal(a.seq, c.seq);
	assert_true(vnl_sample_key(&a) == vnl_sample_key(&b));
	assert_true(vnl_sample_key(&a) != vnl_sample_key(&c));
}

/* Every prefix of every kind of frame: no read past the end, truncation flagged. */
/* Every message type, over UDP (v4, v6) and Ethernet (with 0 to 2 VLAN tags), decoded. */
static void ptp_messages(void **state)
{
	static const uint8_t types[] = {0x0, 0x1, 0x2, 0x3, 0x8, 0x9, 0xa, 0xb, 0xc, 0xd};
	uint64_t fps[10 * 5];
	size_t t, i, k, n = 0;
	struct pb p;

	for (t = 0; t < sizeof(types); t++) {
		for (k = 0; k < 5; k++) {
			struct vnl_pkt v;

			if (k < 2)
				pb_ptp_udp(&p, (int)k, types[t], 24, (uint16_t)(1000 + t));
			else
				pb_ptp_l2(&p, (int)k - 2, types[t], 24, (uint16_t)(1000 + t));
			v = parse(&p, 0);
			assert_true(v.flags & VNL_PKT_PTP);
			assert_false(v.flags & VNL_PKT_TRUNCATED);
			assert_int_equal(VNL_PTP_TYPE(v.ack), types[t]);
			assert_int_equal(VNL_PTP_DOMAIN(v.ack), 24);
			assert_int_equal(VNL_PTP_SEQ(v.ack), 1000 + t);
			assert_int_not_equal(v.fp, 0);
			assert_int_equal(v.flow.family, k < 2 ? (k ? 6 : 4) : 0);
			if (k >= 3)
				assert_true(v.flags & VNL_PKT_VLAN);
			fps[n++] = v.fp;
		}
	}
	/* one message, one fingerprint: types and sequence ids tell them apart; over Ethernet
	 * VLAN tags are left out, as for IP */
	for (i = 0; i < n; i++)
		for (k = i + 1; k < n; k++)
			if (i / 5 != k / 5 || i % 5 < 2 || k % 5 < 2)
				assert_int_not_equal(fps[i], fps[k]);
			else
				assert_int_equal(fps[i], fps[k]);
}

/* A PTP header cut short, or of another version, is not decoded; the frame stays parsed. */
static void ptp_truncated_or_other(void **state)
{
	struct pb p, cut;
	struct vnl_pkt v;
	size_t n;

	pb_ptp_l2(&p, 1, 0x0, 0, 7);
	for (n = 0; n < 14 + 4 + VNL_PTP_HDR_LEN; n++) {
		cut = p;
		cut.len = n;
		v = parse(&cut, 0);
		assert_false(v.flags & VNL_PKT_PTP);
		assert_int_equal(v.fp,
				 0); /* not IP, not a whole PTP header: not a packet of ours */
	}
	pb_ptp_udp(&p, 0, 0x1, 0, 7);
	for (n = 14 + 20 + 8; n < 14 + 20 + 8 + VNL_PTP_HDR_LEN; n++) {
		cut = p;
		cut.len = n;
		v = parse(&cut, 0);
		assert_false(v.flags & VNL_PKT_PTP);
		assert_true(v.flags & VNL_PKT_TRUNCATED);
		assert_int_not_equal(v.fp, 0); /* still a UDP packet */
	}
	pb_ptp_udp(&p, 0, 0x1, 0, 7);
	p.b[14 + 20 + 8 + 1] = 1; /* versionPTP 1 */
	v = parse(&p, 0);
	assert_false(v.flags & VNL_PKT_PTP);
	assert_int_not_equal(v.fp, 0);
}

static void truncated_prefixes(void **state)
{
	struct pb frames[3];
	struct ip4opt o = {
	    .proto = 6, .id = 1, .src = "198.18.0.1", .dst = "198.18.0.2", .l4len = 20};
	size_t f, n;

	pb_udp4(&frames[0], 1, 1, 64, payload, 40);
	frames[1].len = 0;
	pb_eth(&frames[1], 0x0800, 0);
	pb_ipv4(&frames[1], &o);
	pb_tcp(&frames[1], 1, 2, 3, 4, 0x10, 0);
	frames[2].len = 0;
	pb_eth(&frames[2], 0x86dd, 0);
	pb_ipv6(&frames[2], 17, 8 + 32, 7, "fd00::1", "fd00::2");
	pb_udp(&frames[2], 9, 10, payload, 32);
	for (f = 0; f < 3; f++) {
		for (n = 0; n < frames[f].len; n++) {
			/* a heap copy of exactly n bytes, so ASan sees any overread */
			uint8_t *copy = malloc(n ? n : 1);
			struct vnl_pkt k;

			memcpy(copy, frames[f].b, n);
			vnl_fp_parse(copy, (uint32_t)n, 0, &k);
			if (n < frames[f].len)
				assert_true(k.flags & VNL_PKT_TRUNCATED || k.fp != 0 || n < 14);
			free(copy);
		}
	}
}

static void random_bytes(void **state)
{
	unsigned int seed = 12345;
	int i;

	for (i = 0; i < 200000; i++) {
		uint32_t n = (uint32_t)(rand_r(&seed) % (VNL_HDR_MAX + 1));
		uint8_t *buf = malloc(n ? n : 1);
		struct vnl_pkt k;
		uint32_t j;

		for (j = 0; j < n; j++)
			buf[j] = (uint8_t)rand_r(&seed);
		/* bias towards IP so deeper parsing is reached */
		if (n > 14 && (i & 1)) {
			buf[12] = (i & 2) ? 0x86 : 0x08;
			buf[13] = (i & 2) ? 0xdd : 0x00;
			buf[14] = (uint8_t)((i & 2) ? 0x60 : 0x45 + (i % 11));
		}
		vnl_fp_parse(buf, n, i % 7 == 0, &k);
		assert_true(k.flow.family == 0 || k.flow.family == 4 || k.flow.family == 6);
		free(buf);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(udp_fields),
	    cmocka_unit_test(invariant_fields_left_out),
	    cmocka_unit_test(udp_payload_hash),
	    cmocka_unit_test(ipv4_options),
	    cmocka_unit_test(ipv4_fragments),
	    cmocka_unit_test(ipv6_extension_headers),
	    cmocka_unit_test(ipv6_fragment),
	    cmocka_unit_test(tcp_fields),
	    cmocka_unit_test(icmp_echo),
	    cmocka_unit_test(echo_reply_keeps_payload_hash_and_sample_key),
	    cmocka_unit_test(ptp_messages),
	    cmocka_unit_test(ptp_truncated_or_other),
	    cmocka_unit_test(truncated_prefixes),
	    cmocka_unit_test(random_bytes),
	};

	return cmocka_run_group_tests_name("fingerprint", tests, NULL, NULL);
}
