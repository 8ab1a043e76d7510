// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The fingerprint parser and filter evaluator as the kernel runs them: fptest.bpf.c drives
 * the same code on crafted packets through bpf_prog_test_run_opts, and every result must equal
 * user space's. Needs root (CAP_BPF).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <unistd.h>
#include <cmocka.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "vnetlat.h"
#include "fptest.skel.h"
#include "filter.h"
#include "filter_eval.h"
#include "fingerprint.h"
#include "pktbuild.h"

static struct fptest_bpf *skel;

static int setup(void **state)
{
	skel = fptest_bpf__open_and_load();
	if (!skel) {
		fprintf(stderr, "test_bpf: cannot load fptest.bpf.o (needs root): %m\n");
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	fptest_bpf__destroy(skel);
	return 0;
}

/* Runs the kernel side on frame; checks it agrees with user space. */
static void agree(const uint8_t *frame, uint32_t len, int l3, const char *filter)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = len, .repeat = 1);
	struct vnl_filter_insn prog[VNL_FILTER_MAX];
	struct vnl_pkt user;
	unsigned int n = 0;
	char err[256];

	if (filter)
		assert_int_equal(filter_compile(filter, prog, &n, err, sizeof(err)), 0);
	memcpy(skel->bss->in_filter, prog, sizeof(prog[0]) * n);
	skel->bss->in_filter_len = n;
	skel->bss->in_l3 = l3;
	memset(&skel->bss->out_pkt, 0xee, sizeof(skel->bss->out_pkt));
	if (bpf_prog_test_run_opts(bpf_program__fd(skel->progs.fp_test), &opts))
		fail_msg("test run of a %u-byte frame (l3 %d) failed: %m", len, l3);
	vnl_fp_parse(frame, len, l3, &user);
	if (memcmp(&user, &skel->bss->out_pkt, sizeof(user)))
		fail_msg(
		    "kernel and user space parse a %u-byte frame differently (fp %llx vs %llx)",
		    len, (unsigned long long)skel->bss->out_pkt.fp, (unsigned long long)user.fp);
	assert_int_equal(skel->bss->out_pass, vnl_filter_eval(prog, n, &user));
}

static void crafted_frames(void **state)
{
	static const uint8_t pl[40] = "kernel and user space agree on this one";
	struct ip4opt o = {.proto = 6,
			   .id = 1,
			   .src = "198.18.0.1",
			   .dst = "198.18.0.2",
			   .optwords = 2,
			   .l4len = 30};
	struct pb p;
	uint32_t n;
	int vlans;

	pb_udp4(&p, 0, 9, 64, pl, 40);
	agree(p.b, (uint32_t)p.len, 0, NULL);
	agree(p.b, (uint32_t)p.len, 0, "udp and dst port 7 and host 198.18.0.2");
	agree(p.b, (uint32_t)p.len, 0, "tcp or not net 198.18.0.0/15");
	pb_udp4(&p, 2, 9, 64, pl, 40);
	agree(p.b, (uint32_t)p.len, 0, "port 40000");
	p.len = 0;
	pb_eth(&p, 0x0800, 0);
	pb_ipv4(&p, &o);
	pb_tcp(&p, 1, 2, 3, 4, 0x18, 10);
	agree(p.b, (uint32_t)p.len, 0, "tcp and src port 1");
	p.len = 0;
	pb_eth(&p, 0x86dd, 1);
	pb_ipv6(&p, 58, 12, 5, "fd00:198:18::1", "fd00:198:18::2");
	pb_icmp_echo(&p, 128, 3, 4);
	agree(p.b, (uint32_t)p.len, 0, "icmp6 and net fd00:198:18::/48");
	/* tun (l3) frames and every truncation of a UDP frame */
	agree(p.b + 18, (uint32_t)p.len - 18, 1, NULL);
	pb_udp4(&p, 1, 9, 64, pl, 40);
	for (n = 14; n <= p.len; n++)
		agree(p.b, n, 0, "udp");
	/* PTP over UDP and over Ethernet, behind 0 to 2 VLAN tags, and every truncation */
	pb_ptp_udp(&p, 1, 0x9, 3, 77);
	agree(p.b, (uint32_t)p.len, 0, NULL);
	pb_ptp_udp(&p, 0, 0x1, 0, 7);
	/* from a whole IPv4 header: the kernel's test run refuses an IPv4 frame without one */
	for (n = 14 + 20; n <= p.len; n++)
		agree(p.b, n, 0, "udp");
	for (vlans = 0; vlans < 3; vlans++) {
		pb_ptp_l2(&p, vlans, (uint8_t)(vlans ? 0xb : 0x0), 0, (uint16_t)vlans);
		for (n = 14 + 4 * (uint32_t)vlans; n <= p.len; n++)
			agree(p.b, n, 0, NULL);
	}
}

static void random_frames(void **state)
{
	unsigned int seed = 99;
	uint8_t buf[VNL_HDR_MAX];
	int i;

	for (i = 0; i < 3000; i++) {
		/* the kernel refuses IPv6 test frames shorter than the IPv6 header */
		uint32_t n = 54 + (uint32_t)rand_r(&seed) % (VNL_HDR_MAX - 53), j;

		for (j = 0; j < n; j++)
			buf[j] = (uint8_t)rand_r(&seed);
		buf[12] = (i & 1) ? 0x86 : 0x08;
		buf[13] = (i & 1) ? 0xdd : 0x00;
		buf[14] = (uint8_t)((i & 1) ? 0x60 : 0x45 + (i % 11));
		if (i % 3 == 0)
			buf[23] = (i & 4) ? 17 : 6; /* IPv4 protocol */
		agree(buf, n, 0, "udp or tcp");
	}
}

/*
 * Frames that take the parser down every branch at once: 0-2 VLAN tags, IPv6 with a chain of
 * 0-7 extension headers of every kind (fragments first or later), UDP (PTP ports too), TCP,
 * ICMPv6 or another protocol, cut at any length. Each field is read as a word in BPF and byte
 * by byte in user space; the two must agree wherever a frame ends.
 */
static const uint8_t v6_ext_kinds[] = {0, 43, 44, 51, 60};
static const uint8_t v6_last_kinds[] = {6, 17, 58, 132};

static uint8_t pick_next(unsigned int *seed, int ext_left)
{
	if (ext_left)
		return v6_ext_kinds[rand_r(seed) % sizeof(v6_ext_kinds)];
	return v6_last_kinds[rand_r(seed) % sizeof(v6_last_kinds)];
}

static void put_v6_ext(struct pb *p, unsigned int *seed, uint8_t kind, uint8_t next)
{
	uint8_t units = (uint8_t)(rand_r(seed) % 3), i, n;

	pb_u8(p, next);
	if (kind == 44) { /* fragment: 8 bytes, offset 0 (first) or later */
		pb_u8(p, 0);
		pb_u16(p, (uint16_t)(rand_r(seed) & 1 ? 0x0001 : (rand_r(seed) & 0xfff8)));
		pb_u32(p, (uint32_t)rand_r(seed));
		return;
	}
	pb_u8(p, units); /* AH counts 4-byte words (+2), the others 8-byte units (+1) */
	n = (uint8_t)(kind == 51 ? (units + 2) * 4 - 2 : (units + 1) * 8 - 2);
	for (i = 0; i < n; i++)
		pb_u8(p, (uint8_t)rand_r(seed));
}

static void random_ipv6_chains(void **state)
{
	static const uint16_t ports[] = {319, 320, 53, 5001};
	unsigned int seed = 7;
	int i;

	for (i = 0; i < 2000; i++) {
		int vlans = i % 3, exts = rand_r(&seed) % 8, k;
		uint8_t next = pick_next(&seed, exts), kind;
		uint32_t min, n;
		struct pb p = {.len = 0};

		pb_eth(&p, 0x86dd, vlans);
		pb_ipv6(&p, next, 200, (uint32_t)rand_r(&seed), "fd00:198:18::1", "fd00:198:18::2");
		for (k = 0; k < exts; k++) {
			kind = next;
			next = pick_next(&seed, exts - k - 1);
			put_v6_ext(&p, &seed, kind, next);
		}
		if (next == 17 || next == 6) {
			pb_u16(&p, ports[rand_r(&seed) % 4]);
			pb_u16(&p, ports[rand_r(&seed) % 4]);
			pb_u16(&p, (uint16_t)(rand_r(&seed) % 80)); /* UDP length or TCP seq */
		}
		while (p.len < 300)
			pb_u8(&p, (uint8_t)rand_r(&seed));
		/* the kernel refuses IPv6 test frames shorter than the IPv6 header */
		min = 14 + 4 * (uint32_t)vlans + 40;
		n = min + (uint32_t)rand_r(&seed) % (uint32_t)(p.len - min + 1);
		agree(p.b, n, 0, "udp or tcp or icmp6");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(crafted_frames),
	    cmocka_unit_test(random_frames),
	    cmocka_unit_test(random_ipv6_chains),
	};

	return cmocka_run_group_tests_name("bpf", tests, setup, teardown);
}
