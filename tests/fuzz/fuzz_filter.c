// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* libFuzzer: the --filter compiler on arbitrary text, and evaluating what it accepts. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "filter.h"
#include "filter_eval.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vnl_filter_insn prog[VNL_FILTER_MAX];
	struct vnl_pkt pkt = { .flow = { .family = 4, .proto = 17, .sport = 5001, .dport = 7 } };
	char *expr = malloc(size + 1), err[512];
	unsigned int n;

	memcpy(expr, data, size);
	expr[size] = '\0';
	if (filter_compile(expr, prog, &n, err, sizeof(err)) == 0) {
		if (n > VNL_FILTER_MAX)
			abort();
		vnl_filter_eval(prog, n, &pkt);
	} else if (!err[0]) {
		abort(); /* every rejection explains itself */
	}
	free(expr);
	return 0;
}
