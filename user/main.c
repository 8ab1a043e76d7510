// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* vnetlat: where a packet's latency goes on a VM host. One command table, bpftool style. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "commands.h"
#include "util.h"

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct cmd cmds[] = {
    {"record", cmd_record, "attach to the host's hops and record packets to a file"},
    {"agent", cmd_agent, "in a guest: record its hops and send them to the host's record --guests"},
    {"live", cmd_live, "serve each segment's latency as Prometheus metrics (/metrics)"},
    {"top", cmd_top, "each segment's latency in the terminal, refreshed every second"},
    {"diff", cmd_diff, "two recordings side by side: which segments changed, beyond noise"},
    {"merge", cmd_merge, "join a host's recording with guest-side ones (agent -o)"},
    {"report", cmd_report, "per-layer latency breakdown of a recording"},
    {"dump", cmd_dump, "every event, journey and round trip as JSON lines"},
    {"probe", cmd_probe, "which hops this kernel supports, by which mechanism"},
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: vnetlat [-j|--json] [-v] <command> [options]\n"
		   "       vnetlat --version | --help\n\nCommands:\n");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %-8s %s\n", cmds[i].name, cmds[i].summary);
	fprintf(f, "\n'vnetlat <command> --help' describes each. Exit codes: 0 ok, 1 failure,\n"
		   "2 bad usage, 3 damaged recording (intact parts used), 4 missing privileges.\n");
}

int main(int argc, char **argv)
{
	size_t i;
	int a = 1;

	vnl_start_ns = now_ns(CLOCK_MONOTONIC);
	for (; a < argc && argv[a][0] == '-'; a++) {
		if (!strcmp(argv[a], "-j") || !strcmp(argv[a], "--json")) {
			vnl_json = 1;
		} else if (!strcmp(argv[a], "-v") || !strcmp(argv[a], "--verbose")) {
			vnl_verbose = true;
		} else if (!strcmp(argv[a], "--version") || !strcmp(argv[a], "-V")) {
			printf("vnetlat %s\n", VNL_VERSION);
			return VNL_EXIT_OK;
		} else if (!strcmp(argv[a], "-h") || !strcmp(argv[a], "--help")) {
			usage(stdout);
			return VNL_EXIT_OK;
		} else {
			vnl_err("unknown option '%s'", argv[a]);
			usage(stderr);
			return VNL_EXIT_USAGE;
		}
	}
	if (a == argc) {
		usage(stderr);
		return VNL_EXIT_USAGE;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[a], cmds[i].name))
			return cmds[i].fn(argc - a, argv + a);
	vnl_err("unknown command '%s'", argv[a]);
	usage(stderr);
	return VNL_EXIT_USAGE;
}
