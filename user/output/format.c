// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include "format.h"
#include "recording.h"
#include "vnetlat.h"

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

#define ADJ_FREQUENCY 0x0002
#define ADJ_SETOFFSET 0x0100

const char *clock_event_clock(const struct vnl_event *e, char buf[32])
{
	int32_t id = (int32_t)e->ifindex;

	switch (id) {
	case 0:
		return "CLOCK_REALTIME";
	case 11:
		return "CLOCK_TAI";
	default:
		break;
	}
	if (id < 0 && e->netns)
		snprintf(buf, 32, "/dev/ptp%u", e->netns - 1);
	else if (id < 0 && (id & 7) == 3)
		snprintf(buf, 32, "a PHC (fd %u)", (unsigned int)~(id >> 3));
	else
		snprintf(buf, 32, "clock %d", id);
	return buf;
}

int64_t clock_event_step(const struct vnl_event *e, int *has)
{
	*has = (e->len & ADJ_SETOFFSET) != 0;
	return *has ? (int64_t)e->pkt.fp : 0;
}

double clock_event_ppm(const struct vnl_event *e, int *has)
{
	*has = (e->len & ADJ_FREQUENCY) &&
	       (e->reason == SYS_clock_adjtime || e->reason == SYS_adjtimex);
	return *has ? (double)(int32_t)e->pkt.seq / 65536.0 : 0;
}
