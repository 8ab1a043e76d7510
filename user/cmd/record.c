// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* vnetlat record: the host's hops (and with --guests its agents') into a recording file. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "commands.h"
#include "guests.h"
#include "link.h"
#include "ptp4l.h"
#include "record.h"
#include "util.h"

struct record_cmd {
	struct rec_opts o;
	struct guests g;
	char token_path[4096];
	char filter[4096]; /* --filter, with the agents' own TCP link left out */
	int want_guests;
	const char *ptp4l_path; /* --ptp4l; NULL: ptp4l's usual socket when present */
	uint32_t ptp4l_domain;
	struct ptp4l_poller ptp4l;
};

static void usage(FILE *f, int unused)
{
	fprintf(
	    f,
	    "Usage: vnetlat record -o FILE [options]\n"
	    "Timestamps packets at every hop of the host's path to and from its VMs.\n\n"
	    "  -o, --output FILE       recording to write (refused if it exists, see --force)\n"
	    "  -i, --iface NAME        trace this device (repeatable): tap, veth, bridge port, "
	    "uplink\n"
	    "      --vm PID            trace the taps this QEMU process holds open (repeatable)\n"
	    "  -d, --duration TIME     stop after TIME (30s, 500ms, 2m); default: until Ctrl-C\n"
	    "  -f, --filter EXPR       only packets matching EXPR, e.g. 'udp and port 5001'\n"
	    "      --ring-size SIZE    BPF ring buffers, one per CPU: their total (default 16M)\n"
	    "      --force             replace FILE if it exists\n"
	    "      --max-size SIZE     go on in FILE.1, FILE.2, ... when a file reaches SIZE\n"
	    "      --mode MODE         packets (every hop of every packet, the default) or\n"
	    "                          aggregate (in-kernel histograms, 100 ms windows)\n"
	    "      --sample N          keep one packet in N, chosen by fingerprint (with\n"
	    "                          aggregate: journeys of one packet in N beside the "
	    "histograms)\n"
	    "      --keep-slow SPEC    with aggregate: the whole path of each slow packet too;\n"
	    "                          SPEC: a time (500us: end to end), a quantile (p99.9: of\n"
	    "                          the running end-to-end histogram) or SEGMENT>TIME\n"
	    "                          (host.tap_queue>2ms)\n"
	    "      --tracepoints-only  do not use fentry or kprobes even where available\n"
	    "      --no-drops          do not attach skb:kfree_skb (saves its cost on busy hosts)\n"
	    "      --clock-events      record clock steps and slews (clock.adjust: a program on\n"
	    "                          raw_syscalls:sys_enter, so on every syscall; on by default\n"
	    "                          with --clock tai and in vnetlat agent; --no-clock-events)\n"
	    "      --no-sched          do not record the VMM threads' waits for a CPU\n"
	    "                          (vmm.sched_delay: sched_switch and sched_wakeup)\n"
	    "      --clock CLOCK       monotonic (default) or tai: stamp events with CLOCK_TAI,\n"
	    "                          for hosts and guests synchronised by PTP (ptp4l/phc2sys)\n"
	    "      --guests            also record the guests' hops, from their vnetlat agents:\n"
	    "      --serial-socket PATH  the UNIX socket of a QEMU virtio-serial chardev whose\n"
	    "                          port an agent uses (repeatable; reconnected if it drops)\n"
	    "      --listen ADDR:PORT  take agents' TCP connections here (no default address)\n"
	    "      --token-file FILE   the token agents must present (with --guests)\n" PTP4L_USAGE
	    "  -v, --verbose           libbpf's debug output\n\n"
	    "Without --iface or --vm every tap of this network namespace is traced, with the\n"
	    "devices bridged to it. Ctrl-C stops and keeps everything collected.\n");
}

static int parse_guest_opt(struct record_cmd *rc, int c, const char *arg)
{
	struct guests *g = &rc->g;
	char err[256];

	switch (c) {
	case 'G':
		rc->want_guests = 1;
		break;
	case 'U':
		if (g->nsockets == GUESTS_MAX_SOCKETS) {
			vnl_err("too many --serial-socket (at most %d)", GUESTS_MAX_SOCKETS);
			return -EINVAL;
		}
		if (strlen(arg) >= 108) {
			vnl_err("--serial-socket '%s': a UNIX socket path is at most 107 bytes",
				arg);
			return -EINVAL;
		}
		g->sockets[g->nsockets++] = arg;
		break;
	case 'L':
		if (link_parse_addr(arg, &g->listen_addr, &g->listen_len, err, sizeof(err))) {
			vnl_err("--listen %s", err);
			return -EINVAL;
		}
		break;
	case 'K':
		snprintf(rc->token_path, sizeof(rc->token_path), "%s", arg);
		break;
	}
	return 0;
}

/* The agents' TCP links are not traced. */
static int exclude_listen(struct record_cmd *rc)
{
	char *f = link_exclude_filter(&rc->g.listen_addr, rc->o.filter);

	if (!f || strlen(f) >= sizeof(rc->filter)) {
		vnl_err("--filter: too long");
		free(f);
		return -EINVAL;
	}
	snprintf(rc->filter, sizeof(rc->filter), "%s", f);
	free(f);
	rc->o.filter = rc->filter;
	return 0;
}

static int check_guest_opts(struct record_cmd *rc)
{
	struct guests *g = &rc->g;
	char err[512];

	if (!rc->want_guests) {
		if (g->nsockets || g->listen_len || rc->token_path[0]) {
			vnl_err("--serial-socket, --listen and --token-file go with --guests");
			return -EINVAL;
		}
		return 0;
	}
	if (!g->nsockets && !g->listen_len) {
		vnl_err(
		    "--guests: name the agents' link: --serial-socket PATH or --listen ADDR:PORT");
		return -EINVAL;
	}
	if (!rc->token_path[0]) {
		vnl_err("--guests: --token-file FILE is required (agents must present its token)");
		return -EINVAL;
	}
	if (link_read_token(rc->token_path, g->token, sizeof(g->token), err, sizeof(err))) {
		vnl_err("%s", err);
		return -EINVAL;
	}
	rc->o.to = guests_output(g);
	return g->listen_len ? exclude_listen(rc) : 0;
}

static int parse_opts(int argc, char **argv, struct record_cmd *rc)
{
	static const struct option opts[] = {
	    REC_COMMON_LONGOPTS,
	    {"vm", required_argument, NULL, 'V'},
	    {"no-sched", no_argument, NULL, 'Q'},
	    {"output", required_argument, NULL, 'o'},
	    {"force", no_argument, NULL, 'F'},
	    {"max-size", required_argument, NULL, 'M'},
	    {"mode", required_argument, NULL, 'm'},
	    {"keep-slow", required_argument, NULL, 'k'},
	    {"guests", no_argument, NULL, 'G'},
	    {"serial-socket", required_argument, NULL, 'U'},
	    {"listen", required_argument, NULL, 'L'},
	    {"token-file", required_argument, NULL, 'K'},
	    PTP4L_LONGOPTS,
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct rec_opts *o = &rc->o;
	int c, ret;

	o->side = VNL_SIDE_HOST;
	o->ring_size = 16u << 20;
	o->argc = argc;
	o->argv = argv;
	optind = 1;
	while ((c = getopt_long(argc, argv, REC_COMMON_SHORTOPTS "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			o->out = optarg;
			break;
		case 'F':
			o->force = 1;
			break;
		case 'm':
			if (parse_mode(o, optarg))
				return -EINVAL;
			break;
		case 'k':
			if (parse_keep_slow(o, optarg))
				return -EINVAL;
			break;
		case 'M':
			if (parse_size(optarg, &o->max_size) || o->max_size < (64u << 10)) {
				vnl_err("--max-size '%s': not a size of at least 64k (e.g. 1G)",
					optarg);
				return -EINVAL;
			}
			break;
		case 'G':
		case 'U':
		case 'L':
		case 'K':
			if (parse_guest_opt(rc, c, optarg))
				return -EINVAL;
			break;
		case 'Z':
		case 'Y':
			if (ptp4l_opt(c, optarg, &rc->ptp4l_path, &rc->ptp4l_domain))
				return -EINVAL;
			break;
		default: /* help, an option every recording command takes, or none */
			ret = rec_other_opt(o, c, optarg, usage, 0);
			if (ret)
				return ret;
		}
	}
	if (rec_no_operands("record", argc, argv))
		return -EINVAL;
	if (!o->out) {
		vnl_err("record: -o FILE is required");
		return -EINVAL;
	}
	if (check_guest_opts(rc))
		return -EINVAL;
	if (check_keep_slow_mode(o))
		return -EINVAL;
	return ptp4l_source(&rc->ptp4l, rc->ptp4l_path, rc->ptp4l_domain, o);
}

int cmd_record(int argc, char **argv)
{
	struct record_cmd *rc = calloc(1, sizeof(*rc));
	int ret;

	if (!rc) {
		vnl_err("out of memory");
		return VNL_EXIT_FAIL;
	}
	rc->ptp4l.fd = -1;
	ret = parse_opts(argc, argv, rc);
	if (ret)
		ret = ret > 0 ? VNL_EXIT_OK : VNL_EXIT_USAGE;
	else
		ret = record_run(&rc->o);
	guests_free(&rc->g);
	ptp4l_close(&rc->ptp4l);
	free(rc);
	return ret;
}
