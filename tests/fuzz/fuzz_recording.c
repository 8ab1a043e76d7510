// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer: a recording file, read the way `vnetlat report --json --by flow` and `vnetlat dump`
 * read it: blocks, checksums, resynchronisation, events, journeys, round trips, printing.
 */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include "commands.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	char path[64];
	char *report_argv[] = { "report", "--json", "--by", "flow", path, NULL };
	char *dump_argv[] = { "dump", path, NULL };

	if (fd < 0) {
		fd = memfd_create("recording", 0);
		if (!freopen("/dev/null", "w", stdout))
			abort();
	}
	if (ftruncate(fd, 0) || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	cmd_report(5, report_argv);
	if (size && (data[size - 1] & 1))
		cmd_dump(2, dump_argv);
	return 0;
}
