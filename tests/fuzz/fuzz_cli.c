// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* libFuzzer: the command-line value parsers (durations, sizes, numbers). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	uint64_t v;
	uint32_t u;

	memcpy(s, data, size);
	s[size] = '\0';
	parse_duration_ns(s, &v);
	parse_size(s, &v);
	parse_u32(s, &u);
	free(s);
	return 0;
}
