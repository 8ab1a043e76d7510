// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* libFuzzer: what vnetlat reads from /proc (a tun fd's fdinfo, a VMM's cmdline). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "devices.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *cmd = malloc(size ? size : 1), name[16], vm[32];

	memcpy(text, data, size);
	text[size] = '\0';
	if (fdinfo_iff(text, name) == 0 && (strlen(name) == 0 || strlen(name) >= 16))
		abort();
	memcpy(cmd, data, size);
	if (cmdline_vm_name(cmd, size, vm, sizeof(vm)) == 0 && strlen(vm) >= sizeof(vm))
		abort();
	free(text);
	free(cmd);
	return 0;
}
