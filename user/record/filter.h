/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef VNL_FILTER_H
#define VNL_FILTER_H

#include <stddef.h>
#include "vnetlat.h"

/*
 * Compiles a filter expression into a postfix program for BPF:
 *   expr := expr "or" expr | expr "and" expr | "not" expr | "(" expr ")" | primitive
 *   primitive := tcp | udp | icmp | icmp6 | ip | ip6
 *              | [src|dst] host ADDR | [src|dst] net ADDR/LEN | [src|dst] port N[-M]
 * "&&", "||" and "!" are accepted too. On error returns -EINVAL and writes a message naming
 * the offending word, with a caret line under the expression, to err.
 */
int filter_compile(const char *expr, struct vnl_filter_insn *prog, unsigned int *len, char *err,
		   size_t err_size);

#endif
