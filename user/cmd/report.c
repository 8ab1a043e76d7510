// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* vnetlat report: a recording's breakdown, as text or JSON, and its exports. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "breakdown.h"
#include "commands.h"
#include "outputs.h"
#include "recording.h"
#include "util.h"

/* export i is asked for with the option value OPT_EXPORT + i */
#define OPT_EXPORT  0x100
#define MAX_EXPORTS 16

struct report_args {
	struct breakdown_opts o;
	const char *export_path[MAX_EXPORTS];
	const char *file;
};

static void usage(void)
{
	size_t i;

	printf(
	    "Usage: vnetlat report [--json] [--by vm|iface|flow|priority|queue|class]\n"
	    "                      [--window T] [--time FROM,TO] [--max-stall T]\n"
	    "                      [--EXPORT OUT]... FILE\n"
	    "Per direction and segment: count, p50, p90, p99, p99.9, max and share of the\n"
	    "total; end to end; round trips; lost hops and drops; spikes (their period) and\n"
	    "trends found across time windows (--window, default 1s; in aggregate mode\n"
	    "windows are made of the recording's 100 ms ones). --window also prints each\n"
	    "window's percentiles. --by priority|queue|class: a table per class the packets had\n"
	    "where they were queued for transmit (skb priority; the queue the stack chose; the\n"
	    "traffic class or band the device's qdisc maps that priority to: mqprio, taprio,\n"
	    "pfifo_fast, prio).\n"
	    "--time FROM,TO: only what began that long after the recording's start (either\n"
	    "may be left out: 2h,150m; 90m,; ,10m), in windows of their own: a long run's\n"
	    "time view merges its windows, which hides spikes a few seconds apart. In\n"
	    "aggregate mode its drops (whole-run totals) are left out.\n"
	    "--max-stall T: how long a packet is followed while the path it waits on moves\n"
	    "nothing at all (a paused VM; default 30s).\n"
	    "Exports (each to its own file, beside the report):\n");
	for (i = 0; i < vnl_nexports; i++)
		printf("  --%-8s OUT %s\n", vnl_exports[i].option, vnl_exports[i].help);
}

/* --time FROM,TO: durations after the recording's start, either one left out. */
static int parse_time_range(const char *arg, struct breakdown_opts *o)
{
	const char *comma = strchr(arg, ',');
	char from[64];
	size_t n = comma ? (size_t)(comma - arg) : 0;

	if (!comma || n >= sizeof(from) || (!n && !comma[1])) {
		vnl_err("--time '%s': expected FROM,TO (durations after the start: 2h,150m; "
			"90m,; ,10m)",
			arg);
		return -1;
	}
	memcpy(from, arg, n);
	from[n] = '\0';
	o->from_ns = o->to_ns = 0;
	if ((n && parse_duration_ns(from, &o->from_ns)) ||
	    (comma[1] && parse_duration_ns(comma + 1, &o->to_ns))) {
		vnl_err("--time '%s': FROM and TO are durations (e.g. 90s, 150m, 2h)", arg);
		return -1;
	}
	if (o->to_ns && o->to_ns <= o->from_ns) {
		vnl_err("--time '%s': TO must come after FROM", arg);
		return -1;
	}
	return 0;
}

/* 0 to go on, else an exit code (help printed, or a bad argument said). */
static int parse_args(int argc, char **argv, struct report_args *a)
{
	static const struct option fixed[] = {
	    {"by", required_argument, NULL, 'b'}, {"window", required_argument, NULL, 'w'},
	    {"json", no_argument, NULL, 'j'},	  {"max-stall", required_argument, NULL, 'S'},
	    {"help", no_argument, NULL, 'h'},	  {"time", required_argument, NULL, 't'},
	};
	struct option opts[sizeof(fixed) / sizeof(fixed[0]) + MAX_EXPORTS + 1];
	size_t nfixed = sizeof(fixed) / sizeof(fixed[0]), i;
	int c;

	_Static_assert(sizeof(opts) / sizeof(opts[0]) > sizeof(fixed) / sizeof(fixed[0]) + 3,
		       "room for the exports");
	memset(opts, 0, sizeof(opts));
	memcpy(opts, fixed, sizeof(fixed));
	for (i = 0; i < vnl_nexports && i < MAX_EXPORTS; i++)
		opts[nfixed + i] = (struct option){vnl_exports[i].option, required_argument, NULL,
						   OPT_EXPORT + (int)i};
	optind = 1;
	while ((c = getopt_long(argc, argv, "b:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'w':
			a->o.show_windows = 1;
			if (parse_duration_ns(optarg, &a->o.window_ns) ||
			    a->o.window_ns < 1000000) {
				vnl_err("--window '%s': not a duration of at least 1ms (e.g. 1s, "
					"100ms)",
					optarg);
				return VNL_EXIT_USAGE;
			}
			break;
		case 'S':
			if (parse_duration_ns(optarg, &a->o.max_stall_ns) ||
			    a->o.max_stall_ns < 1000000000ULL) {
				vnl_err(
				    "--max-stall '%s': not a duration of at least 1s (e.g. 30s, "
				    "2m)",
				    optarg);
				return VNL_EXIT_USAGE;
			}
			break;
		case 't':
			if (parse_time_range(optarg, &a->o))
				return VNL_EXIT_USAGE;
			break;
		case 'b':
			if (group_by_parse(optarg, &a->o.by))
				return VNL_EXIT_USAGE;
			break;
		case 'j':
			vnl_json = 1;
			break;
		case 'h':
			usage();
			return VNL_EXIT_OK;
		default:
			if (c >= OPT_EXPORT && c < OPT_EXPORT + MAX_EXPORTS) {
				a->export_path[c - OPT_EXPORT] = optarg;
				break;
			}
			return VNL_EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		vnl_err("report: expected one recording file");
		return VNL_EXIT_USAGE;
	}
	a->file = argv[optind];
	return 0;
}

/* One export into its file; every export is tried even when another failed. */
static int export_to(const struct breakdown *b, const struct export *e, const char *path)
{
	FILE *f = fopen(path, "w");
	int err;

	if (!f) {
		vnl_err("--%s %s: %s", e->option, path, strerror(errno));
		return -1;
	}
	err = e->write(b, f);
	if (fclose(f) && !err)
		err = -EIO;
	if (err)
		vnl_err("--%s %s: %s", e->option, path, strerror(-err));
	return err ? -1 : 0;
}

/* On a terminal: "reading run.vnl: 45% (1.2 of 2.6 GB)", rewritten in place. */
static void show_progress(const char *path, int pass, uint64_t done, uint64_t total)
{
	double gb = 1024.0 * 1024 * 1024;

	if (done >= total) {
		fprintf(stderr, "\r\033[K");
		return;
	}
	fprintf(stderr, "\rreading %s%s: %.0f%% (%.1f of %.1f GB)\033[K", path,
		pass == 2 ? " again (its guests' events on the host's clock)" : "",
		total ? 100.0 * (double)done / (double)total : 0.0, (double)done / gb,
		(double)total / gb);
}

int cmd_report(int argc, char **argv)
{
	struct report_args a = {0};
	struct breakdown b;
	size_t i;
	int ret;

	ret = parse_args(argc, argv, &a);
	if (ret || !a.file)
		return ret;
	/* a terminal waiting on a large recording is told how far it is; pipes and files are not */
	if (isatty(STDERR_FILENO) && isatty(STDOUT_FILENO) && !vnl_json)
		rec_progress = show_progress;
	ret = breakdown_build(&b, a.file, &a.o);
	if (ret) {
		breakdown_free(&b);
		return ret;
	}
	if ((vnl_json ? write_json : write_text)(&b, stdout))
		ret = VNL_EXIT_FAIL;
	for (i = 0; i < vnl_nexports && i < MAX_EXPORTS; i++)
		if (a.export_path[i] && export_to(&b, &vnl_exports[i], a.export_path[i]))
			ret = VNL_EXIT_FAIL;
	fflush(stdout);
	if (b.rec->ndamage) {
		vnl_warn("%s: %zu damaged region(s) skipped; every intact block was read", a.file,
			 b.rec->ndamage);
		if (ret == VNL_EXIT_OK)
			ret = VNL_EXIT_DATA;
	}
	breakdown_free(&b);
	return ret;
}
