// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include "format.h"
#include "recording.h"

const double vnl_pcts[VNL_NPCTS] = {50, 90, 99, 99.9, 99.99};
const char *const vnl_pct_keys[VNL_NPCTS] = {"p50_ns", "p90_ns", "p99_ns", "p999_ns", "p9999_ns"};

void fmt_ns(uint64_t ns, char *buf, size_t size)
{
	if (ns < 10000)
		snprintf(buf, size, "%" PRIu64 "ns", ns);
	else if (ns < 1000000)
		snprintf(buf, size, "%.1fus", (double)ns / 1e3);
	else if (ns < 10000000000ULL)
		snprintf(buf, size, "%.2fms", (double)ns / 1e6);
	else
		snprintf(buf, size, "%.2fs", (double)ns / 1e9);
}

const char *clock_syscall_name(uint32_t nr)
{
	switch (nr) {
	case SYS_clock_settime:
		return "clock_settime";
	case SYS_clock_adjtime:
		return "clock_adjtime";
	case SYS_settimeofday:
		return "settimeofday";
	case SYS_adjtimex:
		return "adjtimex";
	default:
		return "unknown";
	}
}

int clock_ptp_disagrees(const struct rec_kernel *k)
{
	return k->ptp && k->clock.valid && llabs(k->clock.offset_ns) > k->clock.bound_ns;
}
