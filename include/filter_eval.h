/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Evaluates a compiled --filter (postfix, see user/filter.c) on parsed header fields.
 * A bit stack holds intermediate results: bit 0 is the top. Compiles for BPF and user space.
 */
#ifndef VNETLAT_FILTER_EVAL_H
#define VNETLAT_FILTER_EVAL_H

#include "vnetlat.h"

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

static __always_inline int vnl_addr_match(const __u32 *addr, const struct vnl_filter_insn *in)
{
	__u32 i, words = in->family == 6 ? 4 : 1;

	for (i = 0; i < 4; i++) {
		if (i >= words)
			break;
		if ((addr[i] & in->mask[i]) != in->addr[i])
			return 0;
	}
	return 1;
}

static __always_inline int vnl_port_match(__u32 port, const struct vnl_filter_insn *in)
{
	return port >= in->arg && port <= in->arg2;
}

static __always_inline int vnl_leaf(const struct vnl_filter_insn *in, const struct vnl_pkt *p)
{
	const struct vnl_flow *f = &p->flow;
	int has_ports = (f->proto == 6 || f->proto == 17) && !(p->flags & VNL_PKT_LATER_FRAG);

	switch (in->op) {
	case VNL_F_TRUE:
		return 1;
	case VNL_F_FAMILY:
		return f->family == in->arg;
	case VNL_F_PROTO:
		return f->proto == in->arg;
	case VNL_F_ADDR:
		if (f->family != in->family)
			return 0;
		return (in->dir != VNL_F_DST && vnl_addr_match(f->saddr, in)) ||
		       (in->dir != VNL_F_SRC && vnl_addr_match(f->daddr, in));
	case VNL_F_PORT:
		if (!has_ports)
			return 0;
		return (in->dir != VNL_F_DST && vnl_port_match(f->sport, in)) ||
		       (in->dir != VNL_F_SRC && vnl_port_match(f->dport, in));
	case VNL_F_FLAGS:
		return (p->flags & in->arg) != 0;
	}
	return 0;
}

/* Returns 1 when the packet passes. An empty program passes everything. */
static __always_inline int vnl_filter_eval(const struct vnl_filter_insn *prog, __u32 n,
					   const struct vnl_pkt *p)
{
	__u32 stack = 0, i, a, b;

	if (n == 0)
		return 1;
	for (i = 0; i < VNL_FILTER_MAX; i++) {
		const struct vnl_filter_insn *in = &prog[i];

		if (i >= n)
			break;
		switch (in->op) {
		case VNL_F_AND:
		case VNL_F_OR:
			a = stack & 1;
			b = (stack >> 1) & 1;
			stack = (stack >> 2) << 1 | (in->op == VNL_F_AND ? (a & b) : (a | b));
			break;
		case VNL_F_NOT:
			stack ^= 1;
			break;
		default:
			stack = stack << 1 | vnl_leaf(in, p);
		}
	}
	return stack & 1;
}

#endif /* VNETLAT_FILTER_EVAL_H */
