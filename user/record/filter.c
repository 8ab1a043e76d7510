// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "filter.h"

#define MAX_TOKENS 128
#define MAX_DEPTH  16

struct token {
	const char *s;
	size_t len;
	size_t pos; /* byte offset in the expression */
};

struct parser {
	const char *expr;
	struct token tok[MAX_TOKENS];
	int ntok, cur, depth;
	struct vnl_filter_insn *prog;
	unsigned int len;
	char *err;
	size_t err_size;
};

static const struct {
	const char *name;
	__u8 op;
	__u16 arg;
} protos[] = {
    {"tcp", VNL_F_PROTO, 6},	       {"udp", VNL_F_PROTO, 17}, {"icmp", VNL_F_PROTO, 1},
    {"icmp6", VNL_F_PROTO, 58},	       {"ip", VNL_F_FAMILY, 4},	 {"ip6", VNL_F_FAMILY, 6},
    {"ptp", VNL_F_FLAGS, VNL_PKT_PTP},
};

static int fail(struct parser *p, const struct token *t, const char *what)
{
	size_t pos = t ? t->pos : strlen(p->expr);
	int n;

	if (t)
		n = snprintf(p->err, p->err_size, "filter: %s at '%.*s' (word %d):\n  %s\n  %*s^",
			     what, (int)t->len, t->s, (int)(t - p->tok) + 1, p->expr, (int)pos, "");
	else
		n = snprintf(p->err, p->err_size,
			     "filter: %s at the end of the expression:\n  %s\n  %*s^", what,
			     p->expr, (int)pos, "");
	(void)n;
	return -EINVAL;
}

static int tokenize(struct parser *p)
{
	const char *s = p->expr;
	size_t i = 0;

	while (s[i]) {
		struct token *t;

		if (s[i] == ' ' || s[i] == '\t' || s[i] == '\n') {
			i++;
			continue;
		}
		if (p->ntok == MAX_TOKENS) {
			snprintf(p->err, p->err_size, "filter: more than %d words", MAX_TOKENS);
			return -EINVAL;
		}
		t = &p->tok[p->ntok++];
		t->s = s + i;
		t->pos = i;
		if (strchr("()!", s[i])) {
			t->len = 1;
		} else if ((s[i] == '&' && s[i + 1] == '&') || (s[i] == '|' && s[i + 1] == '|')) {
			t->len = 2;
		} else {
			t->len = 0;
			while (s[i + t->len] && !strchr(" \t\n()!&|", s[i + t->len]))
				t->len++;
			if (!t->len) {
				p->ntok--;
				return fail(p, &(struct token){s + i, 1, i},
					    "unexpected character");
			}
		}
		i += t->len;
	}
	return 0;
}

static const struct token *peek(struct parser *p)
{
	return p->cur < p->ntok ? &p->tok[p->cur] : NULL;
}

static int is(const struct token *t, const char *word)
{
	return t && strlen(word) == t->len && !strncmp(t->s, word, t->len);
}

static int emit(struct parser *p, const struct token *t, struct vnl_filter_insn in)
{
	if (p->len == VNL_FILTER_MAX)
		return fail(p, t, "expression too long (at most 32 terms and operators)");
	p->prog[p->len++] = in;
	return 0;
}

static void prefix_mask(__u32 *mask, int plen, int words)
{
	int i;

	for (i = 0; i < 4; i++) {
		int bits = plen - 32 * i;

		if (i >= words || bits <= 0)
			mask[i] = 0;
		else if (bits >= 32)
			mask[i] = 0xffffffff;
		else
			mask[i] = htonl(0xffffffffu << (32 - bits));
	}
}

static int parse_addr(struct parser *p, const struct token *t, int is_net,
		      struct vnl_filter_insn *in)
{
	char buf[64], *slash;
	long plen;
	int i, words;

	if (!t)
		return fail(p, t, "expected an address");
	if (t->len >= sizeof(buf))
		return fail(p, t, "address too long");
	memcpy(buf, t->s, t->len);
	buf[t->len] = '\0';
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = '\0';
	if (slash && !is_net)
		return fail(p, t, "a prefix needs 'net', not 'host'");
	if (inet_pton(AF_INET, buf, in->addr) == 1)
		in->family = 4;
	else if (inet_pton(AF_INET6, buf, in->addr) == 1)
		in->family = 6;
	else
		return fail(p, t, "not an IPv4 or IPv6 address");
	plen = in->family == 4 ? 32 : 128;
	if (slash) {
		char *end;

		plen = strtol(slash, &end, 10);
		if (*end || end == slash || plen < 0 || plen > (in->family == 4 ? 32 : 128))
			return fail(p, t, "bad prefix length");
	} else if (is_net) {
		return fail(p, t, "'net' needs ADDR/LEN");
	}
	words = in->family == 4 ? 1 : 4;
	prefix_mask(in->mask, (int)plen, words);
	for (i = 0; i < 4; i++)
		in->addr[i] &= in->mask[i];
	in->plen = (__u8)plen;
	return 0;
}

static int parse_port(struct parser *p, const struct token *t, struct vnl_filter_insn *in)
{
	char buf[32], *end, *dash;
	unsigned long lo, hi;

	if (!t || t->len >= sizeof(buf))
		return fail(p, t, "expected a port number");
	memcpy(buf, t->s, t->len);
	buf[t->len] = '\0';
	dash = strchr(buf, '-');
	if (dash)
		*dash++ = '\0';
	lo = strtoul(buf, &end, 10);
	if (*end || end == buf || lo > 65535)
		return fail(p, t, "not a port number (0-65535)");
	hi = lo;
	if (dash) {
		hi = strtoul(dash, &end, 10);
		if (*end || end == dash || hi > 65535 || hi < lo)
			return fail(p, t, "bad port range");
	}
	in->arg = (__u16)lo;
	in->arg2 = (__u16)hi;
	return 0;
}

static int parse_primitive(struct parser *p)
{
	const struct token *t = peek(p), *what;
	struct vnl_filter_insn in = {0};
	size_t i;
	int err;

	if (!t)
		return fail(p, NULL, "expected a primitive (tcp, udp, host, net, port, ...)");
	for (i = 0; i < sizeof(protos) / sizeof(protos[0]); i++) {
		if (is(t, protos[i].name)) {
			p->cur++;
			in.op = protos[i].op;
			in.arg = protos[i].arg;
			return emit(p, t, in);
		}
	}
	in.dir = VNL_F_EITHER;
	if (is(t, "src") || is(t, "dst")) {
		in.dir = is(t, "src") ? VNL_F_SRC : VNL_F_DST;
		p->cur++;
	}
	what = peek(p);
	if (is(what, "host") || is(what, "net")) {
		p->cur++;
		in.op = VNL_F_ADDR;
		err = parse_addr(p, peek(p), is(what, "net"), &in);
	} else if (is(what, "port") || is(what, "portrange")) {
		p->cur++;
		in.op = VNL_F_PORT;
		err = parse_port(p, peek(p), &in);
	} else {
		return fail(p, what, what == t ? "unknown word" : "expected host, net or port");
	}
	if (err)
		return err;
	t = peek(p);
	p->cur++;
	return emit(p, t, in);
}

static int parse_or(struct parser *p);

static int parse_unary(struct parser *p)
{
	const struct token *t = peek(p);
	int err;

	if (++p->depth > MAX_DEPTH)
		return fail(p, t, "nested too deeply");
	if (is(t, "not") || is(t, "!")) {
		p->cur++;
		err = parse_unary(p);
		if (!err)
			err = emit(p, t, (struct vnl_filter_insn){.op = VNL_F_NOT});
	} else if (is(t, "(")) {
		p->cur++;
		err = parse_or(p);
		if (!err && !is(peek(p), ")"))
			err = fail(p, peek(p), "expected ')'");
		if (!err)
			p->cur++;
	} else {
		err = parse_primitive(p);
	}
	p->depth--;
	return err;
}

static int parse_binary(struct parser *p, const char *word, const char *sym, __u8 op,
			int (*operand)(struct parser *))
{
	int err = operand(p);

	while (!err && (is(peek(p), word) || is(peek(p), sym))) {
		const struct token *t = peek(p);

		p->cur++;
		err = operand(p);
		if (!err)
			err = emit(p, t, (struct vnl_filter_insn){.op = op});
	}
	return err;
}

static int parse_and(struct parser *p)
{
	return parse_binary(p, "and", "&&", VNL_F_AND, parse_unary);
}

static int parse_or(struct parser *p)
{
	return parse_binary(p, "or", "||", VNL_F_OR, parse_and);
}

int filter_compile(const char *expr, struct vnl_filter_insn *prog, unsigned int *len, char *err,
		   size_t err_size)
{
	struct parser p = {.expr = expr, .prog = prog, .err = err, .err_size = err_size};
	int ret;

	*len = 0;
	if (err_size)
		err[0] = '\0';
	ret = tokenize(&p);
	if (ret)
		return ret;
	if (p.ntok == 0) {
		snprintf(err, err_size, "filter: the expression is empty");
		return -EINVAL;
	}
	ret = parse_or(&p);
	if (!ret && p.cur < p.ntok)
		ret = fail(&p, peek(&p), "expected 'and', 'or' or the end");
	if (ret)
		return ret;
	*len = p.len;
	return 0;
}
