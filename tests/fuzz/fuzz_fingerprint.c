// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* libFuzzer: the fingerprint parser on arbitrary frames (the first byte picks tun/tap mode). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "fingerprint.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vnl_pkt p;
	uint8_t *frame;
	size_t n;

	if (size < 1)
		return 0;
	n = size - 1 > VNL_HDR_MAX ? VNL_HDR_MAX : size - 1;
	frame = malloc(n ? n : 1); /* exactly n bytes: ASan catches any overread */
	memcpy(frame, data + 1, n);
	vnl_fp_parse(frame, (uint32_t)n, data[0] & 1, &p);
	if (p.flow.family != 0 && p.flow.family != 4 && p.flow.family != 6)
		abort();
	free(frame);
	return 0;
}
