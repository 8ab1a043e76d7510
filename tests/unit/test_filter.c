// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The --filter language: what matches, precedence, and errors that point at the word. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "filter.h"
#include "filter_eval.h"
#include "fingerprint.h"
#include "pktbuild.h"

static const uint8_t payload[8] = "abcdefgh";

static struct vnl_pkt udp4(const char *src, const char *dst, uint16_t sport, uint16_t dport)
{
	struct ip4opt o = {.proto = 17, .id = 1, .src = src, .dst = dst, .l4len = 16};
	struct pb p = {0};
	struct vnl_pkt k;

	pb_eth(&p, 0x0800, 0);
	pb_ipv4(&p, &o);
	pb_udp(&p, sport, dport, payload, 8);
	vnl_fp_parse(p.b, (uint32_t)p.len, 0, &k);
	return k;
}

static struct vnl_pkt tcp6(const char *src, const char *dst, uint16_t sport, uint16_t dport)
{
	struct pb p = {0};
	struct vnl_pkt k;

	pb_eth(&p, 0x86dd, 0);
	pb_ipv6(&p, 6, 20, 0, src, dst);
	pb_tcp(&p, sport, dport, 1, 0, 0x02, 0);
	vnl_fp_parse(p.b, (uint32_t)p.len, 0, &k);
	return k;
}

static int match(const char *expr, const struct vnl_pkt *k)
{
	struct vnl_filter_insn prog[VNL_FILTER_MAX];
	unsigned int n;
	char err[512];

	assert_int_equal(filter_compile(expr, prog, &n, err, sizeof(err)), 0);
	return vnl_filter_eval(prog, n, k);
}

static void primitives(void **state)
{
	struct vnl_pkt u = udp4("198.18.0.1", "198.18.0.2", 40000, 5001);
	struct vnl_pkt t = tcp6("fd00::1", "fd00:198:18::2", 33000, 80);

	assert_true(match("udp", &u));
	assert_false(match("tcp", &u));
	assert_true(match("ip", &u));
	assert_false(match("ip6", &u));
	assert_true(match("ip6 and tcp", &t));
	assert_true(match("port 5001", &u));
	assert_true(match("dst port 5001", &u));
	assert_false(match("src port 5001", &u));
	assert_true(match("portrange 5000-5010", &u));
	assert_false(match("port 5002-6000", &u));
	assert_true(match("host 198.18.0.2", &u));
	assert_true(match("src host 198.18.0.1", &u));
	assert_false(match("dst host 198.18.0.1", &u));
	assert_true(match("net 198.18.0.0/15", &u));
	assert_false(match("net 198.20.0.0/16", &u));
	assert_true(match("net fd00:198:18::/48", &t));
	assert_false(match("src net fd00:198:18::/48", &t));
	assert_false(match("host 198.18.0.2", &t)); /* an IPv4 host never matches IPv6 */
	assert_true(match("net 0.0.0.0/0", &u));
}

static void operators(void **state)
{
	struct vnl_pkt u = udp4("198.18.0.1", "198.18.0.2", 40000, 5001);

	assert_true(match("not tcp", &u));
	assert_true(match("! tcp", &u));
	assert_true(match("tcp or udp", &u));
	assert_true(match("tcp || udp", &u));
	assert_false(match("tcp and udp", &u));
	/* "and" binds tighter than "or" */
	assert_true(match("udp or tcp and port 1", &u));
	assert_false(match("(udp or tcp) and port 1", &u));
	assert_true(match("not (tcp or port 1)", &u));
	assert_true(match("udp && !port 1 && (host 198.18.0.2 || host 198.18.0.3)", &u));
}

static void expect_error(const char *expr, const char *word)
{
	struct vnl_filter_insn prog[VNL_FILTER_MAX];
	unsigned int n;
	char err[512];

	assert_int_equal(filter_compile(expr, prog, &n, err, sizeof(err)), -EINVAL);
	if (word && !strstr(err, word))
		fail_msg("error for '%s' does not name '%s': %s", expr, word, err);
	assert_non_null(strchr(err, '^'));
}

static void errors_name_the_word(void **state)
{
	expect_error("udp and prot 5001", "'prot'");
	expect_error("udp and", "end of the expression");
	expect_error("port 70000", "'70000'");
	expect_error("host 198.18.0.300", "'198.18.0.300'");
	expect_error("net 198.18.0.0", "ADDR/LEN");
	expect_error("net 198.18.0.0/33", "prefix");
	expect_error("(udp", "')'");
	expect_error("udp tcp", "'tcp'");
	expect_error("src udp", "'udp'");
	expect_error("udp # x", "'#'");
	expect_error("port 9-3", "range");
}

static void errors_limits(void **state)
{
	struct vnl_filter_insn prog[VNL_FILTER_MAX];
	char expr[4096] = "udp", err[512];
	unsigned int n;
	int i;

	assert_int_equal(filter_compile("   ", prog, &n, err, sizeof(err)), -EINVAL);
	for (i = 0; i < 40; i++)
		strcat(expr, " or udp");
	assert_int_equal(filter_compile(expr, prog, &n, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "too long"));
	strcpy(expr, "");
	for (i = 0; i < 40; i++)
		strcat(expr, "(");
	strcat(expr, "udp");
	assert_int_equal(filter_compile(expr, prog, &n, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "nested"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(primitives),
	    cmocka_unit_test(operators),
	    cmocka_unit_test(errors_name_the_word),
	    cmocka_unit_test(errors_limits),
	};

	return cmocka_run_group_tests_name("filter", tests, NULL, NULL);
}
