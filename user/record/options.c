// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The options every recording command takes: record, agent, live and top. */
#include <errno.h>
#include <stdio.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include "hoptab.h"
#include "record.h"
#include "util.h"

/* --clock and --no-clock-events, shared with vnetlat agent. */
int parse_clock_opt(struct rec_opts *o, int c, const char *arg)
{
	if (c == 'N' || c == 'E') {
		o->clock_events = c == 'E' ? 1 : -1;
		return 0;
	}
	if (!strcmp(arg, "monotonic")) {
		o->clock_tai = 0;
	} else if (!strcmp(arg, "tai")) {
		o->clock_tai = 1;
	} else {
		vnl_err("--clock '%s': expected monotonic or tai", arg);
		return -EINVAL;
	}
	return 0;
}

/*
 * The options every recording command takes (record, agent, live, top): 0 when c was one of
 * them, 1 when it is not, < 0 (said) when its value is bad.
 */
int rec_common_opt(struct rec_opts *o, int c, const char *arg)
{
	uint32_t pid;

	switch (c) {
	case 'i':
		if (o->nifaces == VNL_MAX_DEVS) {
			vnl_err("too many --iface (at most %d)", VNL_MAX_DEVS);
			return -EINVAL;
		}
		o->ifaces[o->nifaces++] = (char *)arg;
		return 0;
	case 'V':
		if (parse_u32(arg, &pid) || pid == 0 || pid > 4194304) {
			vnl_err("--vm '%s': not a process id", arg);
			return -EINVAL;
		}
		if (o->nvms == VNL_MAX_VMS) {
			vnl_err("too many --vm (at most %d)", VNL_MAX_VMS);
			return -EINVAL;
		}
		o->vms[o->nvms++] = (pid_t)pid;
		return 0;
	case 'd':
		if (parse_duration_ns(arg, &o->duration_ns) || !o->duration_ns) {
			vnl_err("--duration '%s': not a duration (e.g. 30s, 500ms, 2m)", arg);
			return -EINVAL;
		}
		return 0;
	case 'f':
		o->filter = arg;
		return 0;
	case 'R':
		if (parse_size(arg, &o->ring_size) || o->ring_size < 4096 ||
		    o->ring_size > (1ULL << 31)) {
			vnl_err("--ring-size '%s': not a size between 4k and 2G (e.g. 64M)", arg);
			return -EINVAL;
		}
		return 0;
	case 'S':
		if (parse_u32(arg, &o->sample) || o->sample < 1) {
			vnl_err("--sample '%s': expected a number N >= 1 (one packet in N)", arg);
			return -EINVAL;
		}
		return 0;
	case 'T':
		o->no_kfunc = 1;
		return 0;
	case 'D':
		o->no_drops = 1;
		return 0;
	case 'Q':
		o->no_sched = 1;
		return 0;
	case 'N':
	case 'E':
	case 'C':
		return parse_clock_opt(o, c, arg);
	case 'v':
		vnl_verbose = true;
		return 0;
	default:
		return 1;
	}
}

int rec_other_opt(struct rec_opts *o, int c, const char *arg, void (*usage)(FILE *f, int top),
		  int top)
{
	int ret;

	if (c == 'h') {
		usage(stdout, top);
		return 1;
	}
	ret = rec_common_opt(o, c, arg);
	if (ret > 0)
		usage(stderr, top);
	return ret ? -EINVAL : 0;
}

int rec_no_operands(const char *cmd, int argc, char **argv)
{
	if (optind < argc) {
		vnl_err("%s: unexpected argument '%s'", cmd, argv[optind]);
		return -EINVAL;
	}
	return 0;
}

/*
 * A term of SEG+SEG>DUR: a segment's name (one name may be a row of each direction) or a
 * layer (host, vmm, guest: each segment whose name begins with it and a dot), as slots.
 */
static uint64_t keep_term_slots(const char *term, size_t len)
{
	unsigned int slot, from, to;
	const char *name;
	uint64_t mask = 0;

	for (slot = 1; slot < 64; slot++) {
		if (segment_of_slot(slot, &from, &to, &name))
			continue;
		if ((strlen(name) == len && !strncmp(name, term, len)) ||
		    (!memchr(term, '.', len) && !strncmp(name, term, len) && name[len] == '.'))
			mask |= 1ULL << slot;
	}
	return mask;
}

/* SEG+SEG>DUR: the slots whose times, summed along a packet's path, are compared to DUR. */
static int keep_segment(struct rec_opts *o, const char *spec, const char *gt)
{
	const char *term = spec, *end;
	uint64_t mask;

	while (term < gt) {
		end = memchr(term, '+', (size_t)(gt - term));
		if (!end)
			end = gt;
		mask = keep_term_slots(term, (size_t)(end - term));
		if (!mask) {
			vnl_err("--keep-slow '%s': '%.*s' is no segment or layer of one kernel's "
				"path (a segment name of the report, e.g. host.qdisc_wait or "
				"host.tap_queue, or a layer: host, vmm, guest)",
				spec, (int)(end - term), term);
			return -EINVAL;
		}
		o->keep_seg_mask |= mask;
		term = end + 1;
	}
	if (parse_duration_ns(gt + 1, &o->keep_ns) || !o->keep_ns) {
		vnl_err("--keep-slow '%s': '%s' is not a duration (e.g. 500us, 2ms)", spec, gt + 1);
		return -EINVAL;
	}
	return 0;
}

int parse_mode(struct rec_opts *o, const char *arg)
{
	if (!strcmp(arg, "packets")) {
		o->mode = VNL_MODE_PACKETS;
	} else if (!strcmp(arg, "aggregate")) {
		o->mode = VNL_MODE_AGGREGATE;
	} else {
		vnl_err("--mode '%s': expected packets or aggregate", arg);
		return -EINVAL;
	}
	return 0;
}

int check_keep_slow_mode(const struct rec_opts *o)
{
	if (o->keep_spec && o->mode != VNL_MODE_AGGREGATE) {
		vnl_err("--keep-slow needs --mode aggregate (packets mode keeps every packet)");
		return -EINVAL;
	}
	return 0;
}

int parse_keep_slow(struct rec_opts *o, const char *spec)
{
	const char *gt = strchr(spec, '>');
	char *end;

	o->keep_spec = spec;
	if (gt)
		return keep_segment(o, spec, gt);
	if (spec[0] == 'p') {
		o->keep_q = strtod(spec + 1, &end);
		if (end != spec + 1 && !*end && o->keep_q >= 50 && o->keep_q < 100)
			return 0;
		vnl_err("--keep-slow '%s': a quantile is p50 to p99.999 (e.g. p99.9)", spec);
		return -EINVAL;
	}
	if (parse_duration_ns(spec, &o->keep_ns) || !o->keep_ns) {
		vnl_err("--keep-slow '%s': expected a time (500us), a quantile (p99.9) or "
			"SEGMENT>TIME (host.tap_queue>2ms)",
			spec);
		return -EINVAL;
	}
	return 0;
}
