// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* vnetlat agent: in a guest, its hops to the host's record --guests (or to a file). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "agentlink.h"
#include "commands.h"
#include "link.h"
#include "ptp4l.h"
#include "record.h"
#include "util.h"

static void usage(FILE *f, int unused)
{
	fprintf(
	    f,
	    "Usage: vnetlat agent (--serial NAME | --connect ADDR:PORT) --token-file FILE "
	    "[options]\n"
	    "       vnetlat agent -o FILE [options]\n"
	    "Runs in a guest: timestamps the guest's hops and sends them to vnetlat record\n"
	    "--guests on the host, which joins them with the host's into one journey; with -o,\n"
	    "writes them to FILE instead, for vnetlat merge HOST.vnl FILE -o RUN.vnl.\n\n"
	    "  -o, --output FILE       write a guest-side recording (no link, no token)\n"
	    "      --force             replace FILE if it exists\n"
	    "      --serial NAME       the virtio-serial port of that name (QEMU: virtserialport\n"
	    "                          name=NAME), found through /sys/class/virtio-ports\n"
	    "      --connect ADDR:PORT the host's --listen address, over TCP\n"
	    "      --token-file FILE   the token the host expects (one line, 8-255 bytes)\n"
	    "  -i, --iface NAME        trace this device (repeatable); default: every virtio-net\n"
	    "  -f, --filter EXPR       only packets matching EXPR\n"
	    "  -d, --duration TIME     stop after TIME; default: until Ctrl-C\n"
	    "      --sample N          keep one packet in N, chosen by fingerprint (as the host)\n"
	    "      --keep-slow SPEC    send only the whole guest path of each slow packet (as\n"
	    "                          the host's record --mode aggregate --keep-slow SPEC)\n"
	    "      --spool-size SIZE   events kept while the link is down (default 64M)\n"
	    "      --ring-size SIZE    BPF ring buffers, one per CPU: their total (default 16M)\n"
	    "      --tracepoints-only  do not use fentry or kprobes\n"
	    "      --clock CLOCK       monotonic (default) or tai, as the host's record --clock\n"
	    "      --no-clock-events   do not record clock steps and slews "
	    "(clock.adjust)\n" PTP4L_USAGE "  -v, --verbose           libbpf's debug output\n");
}

/* The agent's own TCP link is not traced (a virtio-serial port carries no packets). */
static char *exclude_link(const struct agent *a, const char *filter)
{
	if (a->serial_name[0])
		return filter ? strdup(filter) : NULL;
	return link_exclude_filter(&a->addr, filter);
}

/* The guest's ptp4l, asked as the host's record asks its own (record --ptp4l). */
struct agent_ptp4l {
	const char *path;
	uint32_t domain;
	struct ptp4l_poller poller;
};

static struct agent_ptp4l ptp4l = {.poller.fd = -1};

static int parse_agent_opts(int argc, char **argv, struct rec_opts *o, struct agent *a,
			    char **token_file)
{
	static const struct option opts[] = {
	    REC_COMMON_LONGOPTS,
	    PTP4L_LONGOPTS,
	    {"serial", required_argument, NULL, 's'},
	    {"connect", required_argument, NULL, 'c'},
	    {"token-file", required_argument, NULL, 'K'},
	    {"output", required_argument, NULL, 'o'},
	    {"force", no_argument, NULL, 'F'},
	    {"spool-size", required_argument, NULL, 'P'},
	    {"keep-slow", required_argument, NULL, 'k'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	char err[256];
	int c, ret;

	optind = 1;
	while ((c = getopt_long(argc, argv, REC_COMMON_SHORTOPTS "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			o->out = optarg;
			break;
		case 'F':
			o->force = 1;
			break;
		case 's':
			if (strlen(optarg) >= sizeof(a->serial_name) || strchr(optarg, '/')) {
				vnl_err("--serial '%s': not a port name", optarg);
				return -EINVAL;
			}
			snprintf(a->serial_name, sizeof(a->serial_name), "%s", optarg);
			break;
		case 'c':
			if (link_parse_addr(optarg, &a->addr, &a->addr_len, err, sizeof(err))) {
				vnl_err("--connect %s", err);
				return -EINVAL;
			}
			break;
		case 'Z':
		case 'Y':
			if (ptp4l_opt(c, optarg, &ptp4l.path, &ptp4l.domain))
				return -EINVAL;
			break;
		case 'K':
			*token_file = optarg;
			break;
		case 'k': /* the guest's part of slow packets only: no histograms leave it */
			if (parse_keep_slow(o, optarg))
				return -EINVAL;
			o->mode = VNL_MODE_AGGREGATE;
			break;
		case 'P':
			if (parse_size(optarg, &a->spool_max) || a->spool_max < (1u << 20)) {
				vnl_err("--spool-size '%s': not a size of at least 1M", optarg);
				return -EINVAL;
			}
			break;
		default: /* help, an option every recording command takes, or none */
			ret = rec_other_opt(o, c, optarg, usage, 0);
			if (ret)
				return ret;
		}
	}
	if (rec_no_operands("agent", argc, argv))
		return -EINVAL;
	if (o->out) {
		if (a->serial_name[0] || a->addr_len) {
			vnl_err("agent: -o writes a file: no --serial or --connect with it");
			return -EINVAL;
		}
		return 0;
	}
	if (!!a->serial_name[0] == !!a->addr_len) {
		vnl_err("agent: name one link: --serial NAME or --connect ADDR:PORT");
		return -EINVAL;
	}
	if (!*token_file) {
		vnl_err("agent: --token-file FILE is required");
		return -EINVAL;
	}
	if (link_read_token(*token_file, a->token, sizeof(a->token), err, sizeof(err))) {
		vnl_err("%s", err);
		return -EINVAL;
	}
	return 0;
}

int cmd_agent(int argc, char **argv)
{
	struct rec_opts *o = calloc(1, sizeof(*o));
	struct agent *a = calloc(1, sizeof(*a));
	char *token_file = NULL, *filter = NULL, err[512];
	int ret = VNL_EXIT_FAIL;

	if (!o || !a) {
		vnl_err("out of memory");
		goto out;
	}
	a->fd = -1;
	a->spool_max = 64u << 20;
	o->ring_size = 16u << 20;
	o->side = VNL_SIDE_GUEST;
	o->argc = argc;
	o->argv = argv;
	ret = parse_agent_opts(argc, argv, o, a, &token_file);
	if (!ret && ptp4l_source(&ptp4l.poller, ptp4l.path, ptp4l.domain, o))
		ret = -EINVAL;
	if (ret) {
		ret = ret > 0 ? VNL_EXIT_OK : VNL_EXIT_USAGE;
		goto out;
	}
	if (o->out) { /* offline: a guest-side recording file */
		ret = record_run(o);
		goto out;
	}
	o->out = "the agent link"; /* what messages call the destination */
	o->to = agent_output(a);
	filter = exclude_link(a, o->filter);
	o->filter = filter;
	if (agent_init(a, err, sizeof(err))) {
		vnl_err("%s", err);
		ret = VNL_EXIT_USAGE;
		goto out;
	}
	ret = record_run(o);
out:
	ptp4l_close(&ptp4l.poller);
	if (a)
		agent_free(a);
	free(filter);
	free(a);
	free(o);
	return ret;
}
