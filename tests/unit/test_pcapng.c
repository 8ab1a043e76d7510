// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* dump --pcapng's packets: the headers rebuilt from a hop's parsed fields. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>
#include "fingerprint.h"
#include "pcapng.h"

static struct vnl_pkt udp4(void)
{
	struct vnl_pkt p = {0};

	p.flow.family = 4;
	p.flow.proto = 17;
	p.flow.saddr[0] = 0x010012c6; /* 198.18.0.1 in network order */
	p.flow.daddr[0] = 0x020012c6;
	p.flow.sport = 40000;
	p.flow.dport = 7;
	p.payload = 64;
	return p;
}

/* What our own parser makes of the frame: the same flow, so the same packet. */
static void parses_back(void **state)
{
	struct vnl_pkt p = udp4(), back;
	uint8_t buf[256];
	uint32_t orig;
	size_t n = pcapng_frame(&p, buf, sizeof(buf), &orig);

	assert_int_equal(n, 14 + 20 + 8);
	assert_int_equal(orig, 14 + 20 + 8 + 64);
	vnl_fp_parse(buf, (uint32_t)n, 0, &back);
	assert_memory_equal(&back.flow, &p.flow, sizeof(p.flow));
	assert_int_equal(back.payload, 64);
}

static void ptp_over_udp_and_ethernet(void **state)
{
	struct vnl_pkt p = udp4(), back;
	uint8_t buf[256];
	uint32_t orig;
	size_t n;

	p.flow.dport = VNL_PTP_EVENT_PORT;
	p.flags = VNL_PKT_PTP;
	p.ack = VNL_PTP_INFO(VNL_PTP_DELAY_REQ, 3, 4242);
	p.payload = 44;
	n = pcapng_frame(&p, buf, sizeof(buf), &orig);
	assert_int_equal(n, 14 + 20 + 8 + VNL_PTP_HDR_LEN);
	vnl_fp_parse(buf, (uint32_t)n, 0, &back);
	assert_true(back.flags & VNL_PKT_PTP);
	assert_int_equal(back.ack, p.ack);  /* type, domain and sequence id read back */
	memset(&p.flow, 0, sizeof(p.flow)); /* over Ethernet: no IP */
	n = pcapng_frame(&p, buf, sizeof(buf), &orig);
	assert_int_equal(n, 14 + VNL_PTP_HDR_LEN);
	assert_int_equal(buf[12] << 8 | buf[13], VNL_PTP_ETHERTYPE);
	vnl_fp_parse(buf, (uint32_t)n, 0, &back);
	assert_int_equal(back.ack, p.ack);
}

static void tcp6_and_icmp(void **state)
{
	struct vnl_pkt p = {0}, back;
	uint8_t buf[256];
	uint32_t orig;
	size_t n;

	p.flow.family = 6;
	p.flow.proto = 6;
	p.flow.saddr[0] = 0xfd;
	p.flow.daddr[0] = 0xfd;
	p.flow.daddr[3] = 0x02000000;
	p.flow.sport = 5201;
	p.flow.dport = 40000;
	p.seq = 123456789;
	p.ack = 987654321;
	p.tcp_flags = 0x10;
	n = pcapng_frame(&p, buf, sizeof(buf), &orig);
	assert_int_equal(n, 14 + 40 + 20);
	vnl_fp_parse(buf, (uint32_t)n, 0, &back);
	assert_memory_equal(&back.flow, &p.flow, sizeof(p.flow));
	assert_int_equal(back.seq, p.seq);
	assert_int_equal(back.ack, p.ack);
	memset(&p, 0, sizeof(p)); /* an ICMP echo reply: its id and sequence */
	p.flow.family = 4;
	p.flow.proto = 1;
	p.flow.sport = 77;
	p.seq = 5;
	p.flags = VNL_PKT_ECHO_REPLY;
	n = pcapng_frame(&p, buf, sizeof(buf), &orig);
	vnl_fp_parse(buf, (uint32_t)n, 0, &back);
	assert_true(back.flags & VNL_PKT_ECHO_REPLY);
	assert_int_equal(back.flow.sport, 77);
	assert_int_equal(back.seq, 5);
	memset(&p, 0, sizeof(p)); /* neither IP nor PTP: no packet */
	assert_int_equal(pcapng_frame(&p, buf, sizeof(buf), &orig), 0);
	assert_int_equal(pcapng_frame(&p, buf, 10, &orig), 0); /* no room */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(parses_back),
	    cmocka_unit_test(ptp_over_udp_and_ethernet),
	    cmocka_unit_test(tcp6_and_icmp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
