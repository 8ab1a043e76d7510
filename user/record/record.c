// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* vnetlat record: attach the hops, stream events into a recording file. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "vnetlat.h"
#include "vnetlat.skel.h"
#include "caps.h"
#include "loglin.h"
#include "devices.h"
#include "filter.h"
#include "probe.h"
#include "record.h"
#include "agent.h"
#include "guests.h"
#include "link.h"
#include "rings.h"
#include "util.h"

#define FLUSH_INTERVAL_NS  200000000ULL
#define RESCAN_INTERVAL_NS 1000000000ULL
#define AGG_INTERVAL_NS	   100000000ULL /* aggregate mode's base time resolution */
#define POLL_MS		   100
#define LINK_POLL_MS	   10
#define LINK_DRAIN_MS	   3000 /* at the end, how long agents may take to send what they hold */

static volatile sig_atomic_t exiting;

static void on_signal(int sig)
{
	exiting = sig;
}

struct rec_state {
	struct vnetlat_bpf *skel;
	struct rings rings;
	struct vnl_writer w;
	struct devset devs;
	struct probe_result probe;
	struct bpf_link *links[VNL_PT_MAX];
	enum vnl_mech attached[VNL_PT_MAX];
	uint64_t events, last_lost;
	int write_err;
	uint8_t present[VNL_MAX_DEVS]; /* st->devs[i] exists now (devices come and go) */
	struct devset fresh;	       /* scratch for rescans */
	int devs_full_warned;
	unsigned int part;  /* rotation: the number of the file being written, 0 for OUT itself */
	uint64_t *agg_prev; /* aggregate mode: counts already written, per slot and bucket */
	uint64_t agg_last_ns;
	uint64_t *agg_cpu; /* one slot's per-CPU values */
};

static void usage(FILE *f)
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
	    "      --token-file FILE   the token agents must present (with --guests)\n"
	    "  -v, --verbose           libbpf's debug output\n\n"
	    "Without --iface or --vm every tap of this network namespace is traced, with the\n"
	    "devices bridged to it. Ctrl-C stops and keeps everything collected.\n");
}

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

static char token_path[4096];
static int want_guests;

static int parse_guest_opt(struct rec_opts *o, int c, const char *arg)
{
	struct guests *g = o->guests;
	char err[256];

	switch (c) {
	case 'G':
		want_guests = 1;
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
		snprintf(token_path, sizeof(token_path), "%s", arg);
		break;
	}
	return 0;
}

/* The agents' TCP links are not traced. */
static int exclude_listen(struct rec_opts *o)
{
	static char filter[4096];
	char *f = link_exclude_filter(&o->guests->listen_addr, o->filter);

	if (!f || strlen(f) >= sizeof(filter)) {
		vnl_err("--filter: too long");
		free(f);
		return -EINVAL;
	}
	snprintf(filter, sizeof(filter), "%s", f);
	free(f);
	o->filter = filter;
	return 0;
}

static int check_guest_opts(struct rec_opts *o)
{
	struct guests *g = o->guests;
	char err[512];

	if (!want_guests) {
		if (g->nsockets || g->listen_len || token_path[0]) {
			vnl_err("--serial-socket, --listen and --token-file go with --guests");
			return -EINVAL;
		}
		o->guests = NULL;
		return 0;
	}
	if (!g->nsockets && !g->listen_len) {
		vnl_err(
		    "--guests: name the agents' link: --serial-socket PATH or --listen ADDR:PORT");
		return -EINVAL;
	}
	if (!token_path[0]) {
		vnl_err("--guests: --token-file FILE is required (agents must present its token)");
		return -EINVAL;
	}
	if (link_read_token(token_path, g->token, sizeof(g->token), err, sizeof(err))) {
		vnl_err("%s", err);
		return -EINVAL;
	}
	return g->listen_len ? exclude_listen(o) : 0;
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

static int parse_opts(int argc, char **argv, struct rec_opts *o)
{
	static const struct option opts[] = {
	    REC_COMMON_LONGOPTS,
	    {"vm", required_argument, NULL, 'V'},
	    {"no-sched", no_argument, NULL, 'Q'},
	    {"output", required_argument, NULL, 'o'},
	    {"force", no_argument, NULL, 'F'},
	    {"max-size", required_argument, NULL, 'M'},
	    {"mode", required_argument, NULL, 'm'},
	    {"guests", no_argument, NULL, 'G'},
	    {"serial-socket", required_argument, NULL, 'U'},
	    {"listen", required_argument, NULL, 'L'},
	    {"token-file", required_argument, NULL, 'K'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct guests *g = o->guests;
	int c, ret;

	memset(o, 0, sizeof(*o));
	o->guests = g;
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
			if (!strcmp(optarg, "packets")) {
				o->mode = VNL_MODE_PACKETS;
			} else if (!strcmp(optarg, "aggregate")) {
				o->mode = VNL_MODE_AGGREGATE;
			} else {
				vnl_err("--mode '%s': expected packets or aggregate", optarg);
				return -EINVAL;
			}
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
			if (parse_guest_opt(o, c, optarg))
				return -EINVAL;
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			ret = rec_common_opt(o, c, optarg);
			if (ret < 0)
				return ret;
			if (ret > 0) {
				usage(stderr);
				return -EINVAL;
			}
		}
	}
	if (optind < argc) {
		vnl_err("record: unexpected argument '%s'", argv[optind]);
		return -EINVAL;
	}
	if (!o->out) {
		vnl_err("record: -o FILE is required");
		return -EINVAL;
	}
	return check_guest_opts(o);
}

/* The devices the options select now. strict: any missing one is an error (at start). */
static int collect_devices(const struct rec_opts *o, struct devset *s, int strict, char *err,
			   size_t size)
{
	int i, ret;

	ret = devs_init(s);
	if (ret) {
		snprintf(err, size, "cannot read our network namespace: %s", strerror(-ret));
		return ret;
	}
	for (i = 0; i < o->nifaces; i++) {
		ret = o->side == VNL_SIDE_GUEST ? devs_add_guest_iface(s, o->ifaces[i], err, size)
						: devs_add_iface(s, o->ifaces[i], err, size);
		if (ret && strict)
			return ret;
	}
	if (o->side == VNL_SIDE_GUEST && !o->nifaces) {
		ret = devs_add_guest_default(s, err, size);
		if (!ret && !s->n && strict) {
			snprintf(err, size,
				 "no virtio-net device in this network namespace: name "
				 "devices with --iface");
			ret = -ENODEV;
		}
		return strict ? ret : 0;
	}
	for (i = 0; i < o->nvms; i++) {
		ret = devs_add_vm(s, o->vms[i], err, size);
		if (ret && strict)
			return ret;
	}
	if (!o->nifaces && !o->nvms) {
		ret = devs_add_default(s, err, size);
		if (ret && strict)
			return ret;
		if (!s->n && strict) {
			snprintf(err, size,
				 "no tap device in this network namespace: name devices "
				 "with --iface or a VMM with --vm");
			return -ENODEV;
		}
	}
	return 0;
}

static int resolve_devices(struct rec_opts *o, struct devset *s)
{
	char err[512];
	int ret;

	ret = collect_devices(o, s, 1, err, sizeof(err));
	if (ret) {
		vnl_err("%s", err);
		return ret;
	}
	devs_find_owners(s);
	return 0;
}

/* The program attaching point p through mechanism m (bpf/vnetlat.bpf.c's VNL_VARIANT names). */
static struct bpf_program *point_prog(struct rec_state *st, int p, enum vnl_mech m, char *name,
				      size_t size)
{
	static const char *const prefix[] = {NULL, "btf_", "raw_", "fentry_", "kprobe_"};

	snprintf(name, size, "%s%s", prefix[m], vnl_points[p].prog);
	return bpf_object__find_program_by_name(st->skel->obj, name);
}

static int want_clock_events(const struct rec_opts *o)
{
	if (o->clock_events)
		return o->clock_events > 0;
	return o->side == VNL_SIDE_GUEST || o->clock_tai;
}

/* A point is attached if a hop uses it, through the mechanism the probe chose. */
static void choose_programs(struct rec_state *st, const struct rec_opts *o)
{
	struct bpf_object *obj = st->skel->obj;
	struct bpf_program *prog;
	int p, h;

	bpf_object__for_each_program(prog, obj) bpf_program__set_autoload(prog, false);
	for (h = 0; h < VNL_HOP_MAX; h++) {
		int pt = st->probe.hop_point[h];

		if (pt < 0 || (o->no_drops && h == VNL_HOP_DROP) ||
		    (h == VNL_HOP_CLOCK_ADJUST && !want_clock_events(o)) ||
		    (o->no_sched && h == VNL_HOP_VMM_SCHED) || !(vnl_hops[h].side & o->side))
			continue;
		st->attached[pt] = st->probe.pt[pt].mech;
		if (pt == vnl_hops[h].fn_point && hop_both_points((unsigned int)h) &&
		    vnl_hops[h].point >= 0)
			st->attached[vnl_hops[h].point] = st->probe.pt[vnl_hops[h].point].mech;
		/* a scheduling delay starts at a wakeup as well as at a preemption */
		if (h == VNL_HOP_VMM_SCHED)
			st->attached[VNL_PT_SCHED_WAKEUP] = st->probe.pt[VNL_PT_SCHED_WAKEUP].mech;
	}
	for (p = 0; p < VNL_PT_MAX; p++) {
		char name[64];

		if (st->attached[p] == VNL_MECH_NONE)
			continue;
		prog = point_prog(st, p, st->attached[p], name, sizeof(name));
		if (prog)
			bpf_program__set_autoload(prog, true);
		else
			st->attached[p] = VNL_MECH_NONE;
	}
}

/* Whether hop h is recorded: a hop of our side whose point is attached. */
static int hop_recorded(const struct rec_state *st, const struct rec_opts *o, int h)
{
	int pt = st->probe.hop_point[h];

	return pt >= 0 && st->attached[pt] != VNL_MECH_NONE && (vnl_hops[h].side & o->side);
}

static void fill_rodata(struct rec_state *st, const struct rec_opts *o,
			const struct vnl_filter_insn *filter, unsigned int filter_len)
{
	struct vnetlat_bpf__rodata *ro = st->skel->rodata;
	int h, r;

	for (h = 0; h < VNL_HOP_MAX; h++) {
		const struct hop_info *hi = &vnl_hops[h];
		int pt = st->probe.hop_point[h];

		if (!hop_recorded(st, o, h))
			continue;
		if (h == VNL_HOP_CLOCK_ADJUST) { /* shares sys_enter with guest.app_send */
			ro->targ_clock_hop = (__u16)(h + 1);
			ro->targ_clock_nr[0] = SYS_clock_settime;
			ro->targ_clock_nr[1] = SYS_clock_adjtime;
			ro->targ_clock_nr[2] = SYS_settimeofday;
			ro->targ_clock_nr[3] = SYS_adjtimex;
			continue;
		}
		if (hi->packetless) {
			ro->hop_of[pt][VNL_ROLE_NONE] = (__u16)(h + 1);
			continue;
		}
		if (pt == hi->fn_point && hop_both_points((unsigned int)h) && hi->point >= 0 &&
		    st->attached[hi->point] != VNL_MECH_NONE)
			ro->hop_of[hi->point][hi->role] = (__u16)(h + 1);
		for (r = VNL_ROLE_UPLINK; r < VNL_ROLE_MAX; r++)
			if (hi->role == VNL_ROLE_NONE || hi->role == r)
				ro->hop_of[pt][r] = (__u16)(h + 1);
	}
	for (h = 0; h < VNL_HOP_MAX; h++)
		for (r = 0; r < VNL_HOP_MAX; r++)
			ro->seg_of[h][r] = (__u8)segment_slot((unsigned int)h, (unsigned int)r);
	{
		int attached[VNL_HOP_MAX], roles[VNL_ROLE_MAX] = {0}, final[VNL_DIR_MAX], d;
		unsigned int i;

		for (h = 0; h < VNL_HOP_MAX; h++)
			attached[h] = hop_recorded(st, o, h);
		for (i = 0; i < st->devs.n; i++)
			roles[st->devs.dev[i].role] = 1;
		final_hops(attached, roles, final);
		for (d = 0; d < VNL_DIR_MAX; d++)
			ro->final_of[d] = final[d] < 0 ? VNL_HOP_NONE : (__u16) final[d];
	}
	ro->targ_mode = (__u8)o->mode;
	ro->targ_sample_n = o->sample;
	memcpy((void *)ro->targ_filter, filter, sizeof(*filter) * filter_len);
	ro->targ_filter_len = filter_len;
	ro->targ_filter_vms = o->side == VNL_SIDE_HOST;
	ro->targ_self_tgid = (__u32)getpid();
	ro->targ_clock_tai = vnl_event_clock == CLOCK_TAI;
	if (o->side == VNL_SIDE_GUEST) {
		ro->targ_send_nr[0] = SYS_sendto;
		ro->targ_send_nr[1] = SYS_sendmsg;
		ro->targ_send_nr[2] = SYS_sendmmsg;
	}
}

/* Puts st->devs.dev[i] (and its VMM) in the BPF maps: from now on its packets are traced. */
static int trace_device(struct rec_state *st, unsigned int i)
{
	const struct vnl_file_iface *d = &st->devs.dev[i];
	struct vnl_dev_key key = {.netns = d->netns, .ifindex = d->ifindex};
	struct vnl_dev_val val = {.role = d->role, .l3 = d->l3, .id = d->id};
	__u32 vm = d->id;

	if (bpf_map_update_elem(bpf_map__fd(st->skel->maps.devs), &key, &val, BPF_ANY))
		return -errno;
	/* hints are never cleared: another device may share the entry */
	st->skel->bss->dev_hint[d->ifindex & (VNL_DEV_HINT - 1)] = 1;
	__atomic_add_fetch(&st->skel->bss->dev_gen, 1, __ATOMIC_RELEASE);
	if (d->vm_pid &&
	    bpf_map_update_elem(bpf_map__fd(st->skel->maps.vms), &d->vm_pid, &vm, BPF_ANY))
		return -errno;
	if (d->vm_pid)
		st->skel->bss->vmm_hint[(__u32)d->vm_pid & (VNL_VMM_HINT - 1)] = 1;
	st->present[i] = 1;
	return 0;
}

static int fill_maps(struct rec_state *st)
{
	unsigned int i;
	int err;

	for (i = 0; i < st->devs.n; i++) {
		err = trace_device(st, i);
		if (err)
			return err;
	}
	return 0;
}

static int find_present(const struct rec_state *st, const struct vnl_file_iface *d)
{
	unsigned int i;

	for (i = 0; i < st->devs.n; i++)
		if (st->present[i] && st->devs.dev[i].ifindex == d->ifindex &&
		    st->devs.dev[i].netns == d->netns)
			return (int)i;
	return -1;
}

static int in_set(const struct devset *s, const struct vnl_file_iface *d)
{
	unsigned int i;

	for (i = 0; i < s->n; i++)
		if (s->dev[i].ifindex == d->ifindex && s->dev[i].netns == d->netns)
			return 1;
	return 0;
}

static void dev_event(struct vnl_file_devevent *ev, const struct vnl_file_iface *d, uint8_t kind)
{
	memset(ev, 0, sizeof(*ev));
	ev->ts_ns = event_now();
	ev->ifindex = d->ifindex;
	ev->netns = d->netns;
	ev->kind = kind;
	memcpy(ev->name, d->name, sizeof(ev->name));
}

/*
 * Devices come and go (a VM starts, a tap is deleted): what the options select is looked up
 * again, new devices are added to the BPF map (no capability needed: we hold its fd) and
 * gone ones removed, and both are written to the recording.
 */
static int rescan_devices(struct rec_state *st, const struct rec_opts *o)
{
	struct vnl_file_devevent evs[64];
	unsigned int i, first_new = st->devs.n, nev = 0;
	int devs_fd = bpf_map__fd(st->skel->maps.devs), err = 0;
	char msg[512];

	if (collect_devices(o, &st->fresh, 0, msg, sizeof(msg)))
		return 0;
	for (i = 0; i < st->devs.n && nev < 64; i++) {
		struct vnl_file_iface *d = &st->devs.dev[i];
		struct vnl_dev_key key = {.netns = d->netns, .ifindex = d->ifindex};

		/* a device no longer selected but still there (a bridge peer of a tap that
		 * went away) stays traced: only what is gone is removed */
		if (!st->present[i] || in_set(&st->fresh, d) || devs_exists(d))
			continue;
		bpf_map_delete_elem(devs_fd, &key);
		__atomic_add_fetch(&st->skel->bss->dev_gen, 1, __ATOMIC_RELEASE);
		st->present[i] = 0;
		dev_event(&evs[nev++], d, VNL_DEV_DISAPPEARED);
	}
	for (i = 0; i < st->fresh.n && nev < 64; i++) {
		struct vnl_file_iface *d;

		if (find_present(st, &st->fresh.dev[i]) >= 0)
			continue;
		if (st->devs.n == VNL_MAX_DEVS) {
			if (!st->devs_full_warned++)
				vnl_warn("more than %d devices seen: new ones are not traced",
					 VNL_MAX_DEVS);
			break;
		}
		d = &st->devs.dev[st->devs.n];
		*d = st->fresh.dev[i];
		d->id = (uint16_t)st->devs.n;
		st->devs.n++;
		dev_event(&evs[nev++], d, VNL_DEV_APPEARED);
	}
	if (!nev)
		return 0;
	if (st->devs.n > first_new) {
		devs_find_owners(&st->devs);
		for (i = first_new; i < st->devs.n; i++) {
			int terr = trace_device(st, i);

			if (terr)
				vnl_warn("interface '%s': cannot trace it: %s",
					 st->devs.dev[i].name, strerror(-terr));
			st->present[i] = 1; /* seen: not to be added again at the next rescan */
		}
		err = vnl_writer_block(&st->w, VNL_BLK_IFACES, &st->devs.dev[first_new],
				       (st->devs.n - first_new) * sizeof(st->devs.dev[0]));
	}
	if (!err)
		err = vnl_writer_block(&st->w, VNL_BLK_DEVEVENTS, evs, nev * sizeof(evs[0]));
	for (i = 0; i < nev; i++)
		vnl_info("interface %s (ifindex %u) %s", evs[i].name, evs[i].ifindex,
			 evs[i].kind == VNL_DEV_APPEARED ? "appeared: tracing it" : "disappeared");
	return err;
}

static int attach_programs(struct rec_state *st)
{
	int p, n = 0;

	for (p = 0; p < VNL_PT_MAX; p++) {
		struct bpf_program *prog;
		char name[64];

		if (st->attached[p] == VNL_MECH_NONE)
			continue;
		prog = point_prog(st, p, st->attached[p], name, sizeof(name));
		st->links[p] = prog ? bpf_program__attach(prog) : NULL;
		if (!st->links[p]) {
			vnl_warn("prog '%s': failed to attach: %s; hops on %s are not recorded",
				 name, strerror(errno), vnl_points[p].name);
			st->attached[p] = VNL_MECH_NONE;
			continue;
		}
		n++;
	}
	return n ? 0 : -ENOENT;
}

static int write_text_block(struct vnl_writer *w, uint32_t type, const char *text)
{
	return vnl_writer_block(w, type, text, strlen(text));
}

static int write_meta(struct rec_state *st, const struct rec_opts *o)
{
	char *buf = NULL, host[256] = "";
	struct utsname u;
	uint64_t rt1, mono, rt2;
	size_t size = 0;
	FILE *f;
	int i, ret;

	f = open_memstream(&buf, &size);
	if (!f)
		return -ENOMEM;
	uname(&u);
	gethostname(host, sizeof(host) - 1);
	/* the realtime/monotonic pair: read realtime on both sides of monotonic */
	rt1 = now_ns(CLOCK_REALTIME);
	mono = event_now();
	rt2 = now_ns(CLOCK_REALTIME);
	fprintf(f, "version=%s\nhostname=%s\nkernel=%s %s %s\nclock=%s\n", VNL_VERSION, host,
		u.sysname, u.release, u.machine,
		vnl_event_clock == CLOCK_TAI ? "tai" : "monotonic");
	fprintf(f, "realtime_ns=%llu\nmonotonic_ns=%llu\npair_error_ns=%llu\n",
		(unsigned long long)(rt1 + (rt2 - rt1) / 2), (unsigned long long)mono,
		(unsigned long long)(rt2 - rt1) / 2);
	fprintf(f, "side=%s\nguests=%d\n", o->side == VNL_SIDE_GUEST ? "guest" : "host",
		o->guests ? 1 : 0);
	fprintf(f, "mode=%s\nsample=%u\n", o->mode == VNL_MODE_AGGREGATE ? "aggregate" : "packets",
		o->sample);
	fprintf(f, "netns=%u\nring_size=%llu\nfilter=%s\ncommand=", st->devs.netns,
		(unsigned long long)o->ring_size, o->filter ? o->filter : "");
	for (i = 0; i < o->argc; i++) {
		const char *a;

		fputs(i ? " " : "", f);
		for (a = o->argv[i]; *a; a++)
			fputc(*a == '\n' ? ' ' : *a, f);
	}
	fputc('\n', f);
	fclose(f);
	ret = buf ? write_text_block(&st->w, VNL_BLK_META, buf) : -ENOMEM;
	free(buf);
	return ret;
}

static int write_hops(struct rec_state *st, const struct rec_opts *o)
{
	struct vnl_file_hop hops[VNL_HOP_MAX];
	int h;

	memset(hops, 0, sizeof(hops));
	for (h = 0; h < VNL_HOP_MAX; h++) {
		int pt = st->probe.hop_point[h];

		hops[h].id = (uint16_t)h;
		hops[h].dir = (uint8_t)vnl_hops[h].dir;
		hops[h].packetless = (uint8_t)vnl_hops[h].packetless;
		hops[h].mech = hop_recorded(st, o, h) ? (uint8_t)st->attached[pt] : VNL_MECH_NONE;
		snprintf(hops[h].name, sizeof(hops[h].name), "%s", vnl_hops[h].name);
		if (pt >= 0 && hops[h].mech != VNL_MECH_NONE)
			attach_desc(pt, st->attached[pt], hops[h].attach, sizeof(hops[h].attach));
	}
	return vnl_writer_block(&st->w, VNL_BLK_HOPS, hops, sizeof(hops));
}

/* The kernel's drop reason names, from BTF: their numbers differ between kernels. */
static int write_reasons(struct rec_state *st)
{
	const struct btf_type *t;
	struct btf *btf;
	char *buf = NULL;
	size_t size = 0;
	FILE *f;
	int id, i, ret;

	btf = btf__load_vmlinux_btf();
	if (!btf)
		return 0;
	id = btf__find_by_name_kind(btf, "skb_drop_reason", BTF_KIND_ENUM);
	f = open_memstream(&buf, &size);
	if (id > 0 && f) {
		const struct btf_enum *e;

		t = btf__type_by_id(btf, (__u32)id);
		e = btf_enum(t);
		for (i = 0; i < btf_vlen(t); i++, e++)
			fprintf(f, "%d=%s\n", e->val, btf__name_by_offset(btf, e->name_off));
	}
	if (f)
		fclose(f);
	btf__free(btf);
	ret = buf && size ? write_text_block(&st->w, VNL_BLK_REASONS, buf) : 0;
	free(buf);
	return ret;
}

/* Running totals of lost events per CPU and hop; a block only when they changed. */
static int write_lost(struct rec_state *st, const struct rec_opts *o, int force)
{
	int ncpu = libbpf_num_possible_cpus(), fd = bpf_map__fd(st->skel->maps.lost);
	struct vnl_file_lost rows[VNL_HOP_MAX * 8 + 1]; /* + the spool row */
	uint64_t *vals, total = 0;
	size_t n = 0;
	__u32 h;
	int c, ret;

	if (ncpu <= 0)
		return 0;
	vals = calloc((size_t)ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	for (h = 0; h < VNL_HOP_MAX; h++) {
		if (bpf_map_lookup_elem(fd, &h, vals))
			continue;
		for (c = 0; c < ncpu; c++) {
			if (!vals[c])
				continue;
			total += vals[c];
			if (n < sizeof(rows) / sizeof(rows[0]) - 1)
				rows[n++] = (struct vnl_file_lost){h, (uint32_t)c, vals[c]};
		}
	}
	free(vals);
	if (o->agent && o->agent->spool_dropped) {
		total += o->agent->spool_dropped;
		rows[n++] = (struct vnl_file_lost){VNL_LOST_SPOOL, 0, o->agent->spool_dropped};
	}
	if (!force && total == st->last_lost)
		return 0;
	st->last_lost = total;
	ret = vnl_writer_flush(&st->w);
	return ret ? ret : vnl_writer_block(&st->w, VNL_BLK_LOST, rows, n * sizeof(rows[0]));
}

/* ---- aggregate mode ---- */

static int write_slots(struct rec_state *st)
{
	struct vnl_file_slot slots[VNL_AGG_SLOTS];
	unsigned int i, n = 0, from, to;
	const char *name;

	memset(slots, 0, sizeof(slots));
	for (i = 0; i < VNL_AGG_SLOTS; i++) {
		struct vnl_file_slot *sl = &slots[n];

		sl->slot = (uint16_t)i;
		if (i >= VNL_AGG_E2E && i < VNL_AGG_E2E + VNL_DIR_ANY) {
			sl->from = sl->to = VNL_HOP_NONE;
			sl->dir = (uint8_t)(i - VNL_AGG_E2E);
			snprintf(sl->name, sizeof(sl->name), "end_to_end");
		} else if (!segment_of_slot(i, &from, &to, &name)) {
			sl->from = (uint16_t)from;
			sl->to = (uint16_t)to;
			sl->dir = (uint8_t)vnl_hops[from].dir;
			snprintf(sl->name, sizeof(sl->name), "%s", name);
		} else {
			continue;
		}
		n++;
	}
	return vnl_writer_block(&st->w, VNL_BLK_AGG_SLOTS, slots, n * sizeof(slots[0]));
}

/* Writes what the histograms gained since the last call, as one window. */
static int agg_drain(struct rec_state *st)
{
	int ncpu = libbpf_num_possible_cpus(), fd = bpf_map__fd(st->skel->maps.agg_hists);
	struct vnl_file_hist_entry *ents = NULL;
	struct vnl_file_hist_hdr hdr = {.start_ns = st->agg_last_ns};
	size_t n = 0, cap = 0;
	uint32_t slot, b;
	int c, err = 0;
	uint8_t *buf;

	hdr.end_ns = event_now();
	st->agg_last_ns = hdr.end_ns;
	if (ncpu <= 0)
		return 0;
	for (slot = 0; slot < VNL_AGG_SLOTS; slot++) {
		if (bpf_map_lookup_elem(fd, &slot, st->agg_cpu))
			continue;
		for (b = 0; b < VNL_LL_BUCKETS; b++) {
			uint64_t total = 0, *prev = &st->agg_prev[slot * VNL_LL_BUCKETS + b];

			for (c = 0; c < ncpu; c++)
				total += ((uint32_t *)st->agg_cpu)[(size_t)c * VNL_LL_BUCKETS + b];
			if (total == *prev)
				continue;
			if (n == cap) {
				struct vnl_file_hist_entry *e;

				cap = cap ? cap * 2 : 256;
				e = realloc(ents, cap * sizeof(*e));
				if (!e) {
					free(ents);
					return -ENOMEM;
				}
				ents = e;
			}
			/* per-CPU u32 counters wrap; the difference is still right mod 2^32 */
			ents[n++] =
			    (struct vnl_file_hist_entry){.slot = (uint16_t)slot,
							 .bucket = b,
							 .count = (uint32_t)(total - *prev)};
			*prev = total;
		}
	}
	hdr.n = (uint32_t)n;
	buf = malloc(sizeof(hdr) + n * sizeof(*ents));
	if (!buf) {
		free(ents);
		return -ENOMEM;
	}
	memcpy(buf, &hdr, sizeof(hdr));
	if (n)
		memcpy(buf + sizeof(hdr), ents, n * sizeof(*ents));
	err = vnl_writer_block(&st->w, VNL_BLK_HIST, buf, sizeof(hdr) + n * sizeof(*ents));
	free(buf);
	free(ents);
	return err;
}

static int agg_write_drops(struct rec_state *st)
{
	int fd = bpf_map__fd(st->skel->maps.agg_drops);
	struct vnl_file_drop rows[1024];
	__u32 key, next, *prev = NULL;
	size_t n = 0;

	while (n < 1024 && !bpf_map_get_next_key(fd, prev, &next)) {
		__u64 count;

		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &count))
			continue;
		rows[n++] = (struct vnl_file_drop){
		    .hop = (uint16_t)(key >> 16), .reason = key & 0xffff, .count = count};
	}
	return vnl_writer_block(&st->w, VNL_BLK_AGG_DROPS, rows, n * sizeof(rows[0]));
}

/* What aggregate mode did not record, of one cause (enum vnl_agg_unrecorded), so far. */
static uint64_t agg_unrecorded(struct rec_state *st, __u32 cause)
{
	int ncpu = libbpf_num_possible_cpus(), c;
	uint64_t vals[512], total = 0;

	if (ncpu <= 0 || ncpu > 512 || !st->agg_prev ||
	    bpf_map_lookup_elem(bpf_map__fd(st->skel->maps.agg_evicted), &cause, vals))
		return 0;
	for (c = 0; c < ncpu; c++)
		total += vals[c];
	return total;
}

static int agg_init(struct rec_state *st)
{
	int ncpu = libbpf_num_possible_cpus();

	if (ncpu <= 0)
		return -EINVAL;
	st->agg_prev = calloc((size_t)VNL_AGG_SLOTS * VNL_LL_BUCKETS, sizeof(uint64_t));
	st->agg_cpu = calloc((size_t)ncpu * VNL_LL_BUCKETS, sizeof(uint32_t));
	st->agg_last_ns = event_now();
	return st->agg_prev && st->agg_cpu ? 0 : -ENOMEM;
}

/* What makes a file readable on its own: written at the start of each file of a run. */
static int write_description(struct rec_state *st, const struct rec_opts *o)
{
	int err = write_meta(st, o);

	if (!err)
		err = write_hops(st, o);
	if (!err)
		err = vnl_writer_block(&st->w, VNL_BLK_IFACES, st->devs.dev,
				       st->devs.n * sizeof(st->devs.dev[0]));
	if (!err)
		err = write_reasons(st);
	if (!err && o->mode == VNL_MODE_AGGREGATE)
		err = write_slots(st);
	return err;
}

/*
 * What closes a file: the last histogram window and drop totals, lost-event totals, and the
 * END block (running totals; for a rotated file, the name of the next).
 */
static int write_trailer(struct rec_state *st, const struct rec_opts *o, const char *next)
{
	char end[4300];
	int err = 0;

	if (o->mode == VNL_MODE_AGGREGATE)
		err = agg_drain(st);
	if (!err && o->mode == VNL_MODE_AGGREGATE)
		err = agg_write_drops(st);
	if (!err)
		err = write_lost(st, o, 1);
	if (err)
		return err;
	snprintf(end, sizeof(end),
		 "events=%llu\nlost=%llu\nend_monotonic_ns=%llu\nagg_evicted=%llu\n"
		 "agg_unfinished=%llu\nagg_outside_table=%llu\n%s%s%s",
		 (unsigned long long)st->events, (unsigned long long)st->last_lost,
		 (unsigned long long)event_now(),
		 (unsigned long long)agg_unrecorded(st, VNL_AGG_EVICTED),
		 (unsigned long long)agg_unrecorded(st, VNL_AGG_UNFINISHED),
		 (unsigned long long)agg_unrecorded(st, VNL_AGG_OUTSIDE_TABLE), next ? "next=" : "",
		 next ? next : "", next ? "\n" : "");
	return write_text_block(&st->w, VNL_BLK_END, end);
}

/* --max-size: close this file (its END block names the next) and go on in OUT.<n+1>. */
static int rotate(struct rec_state *st, const struct rec_opts *o)
{
	char next[4096];
	int err;

	snprintf(next, sizeof(next), "%s.%u", o->out, st->part + 1);
	err = write_trailer(st, o, next);
	if (!err)
		err = vnl_writer_close(&st->w);
	if (err)
		return err;
	err = vnl_writer_open(&st->w, next, o->force);
	if (err) {
		vnl_err("%s: %s%s", next, strerror(-err),
			err == -EEXIST ? " (use --force to replace it)" : "");
		return err;
	}
	st->part++;
	err = write_description(st, o);
	if (!err && o->guests)
		err = guests_describe(o->guests, &st->w);
	return err;
}

static int on_event(void *ctx, const struct vnl_event *ev)
{
	struct rec_state *st = ctx;
	int err;

	err = vnl_writer_event(&st->w, ev);
	if (err) {
		st->write_err = err;
		return err;
	}
	st->events++;
	return 0;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_DEBUG && !vnl_verbose)
		return 0;
	if (level == LIBBPF_INFO && !vnl_verbose)
		return 0;
	return vfprintf(stderr, fmt, args);
}

/*
 * The agent: answers the host, and on its FLUSH sends every event taken so far. The host:
 * writes what agents send.
 */
static int serve_links(struct rec_state *st, const struct rec_opts *o)
{
	int err = 0;

	if (o->guests)
		return guests_service(o->guests, &st->w);
	if (!o->agent)
		return 0;
	err = agent_service(o->agent);
	if (err == -EACCES)
		return err;
	if (o->agent->flush_requested) {
		o->agent->flush_requested = 0;
		rings_drain(&st->rings);
		err = vnl_writer_flush(&st->w);
		if (!err)
			err = write_lost(st, o, 0);
		if (!err)
			err = vnl_writer_block(&st->w, VNL_MSG_FLUSHED, NULL, 0);
		if (!err)
			err = agent_service(o->agent);
	}
	return err == -EACCES ? err : 0;
}

static int record_loop(struct rec_state *st, const struct rec_opts *o)
{
	uint64_t start = now_ns(CLOCK_MONOTONIC), last_flush = start, last_scan = start, now;
	int err = 0;

	while (!exiting) {
		/* a link is served between polls: poll more often while one is up */
		err = rings_poll(&st->rings, o->agent || o->guests ? LINK_POLL_MS : POLL_MS);
		if (err < 0)
			break;
		err = serve_links(st, o);
		if (err)
			break;
		now = now_ns(CLOCK_MONOTONIC);
		if (o->duration_ns && now - start >= o->duration_ns)
			break;
		if (o->tick)
			o->tick(o->sink_ctx);
		if (o->max_size && !o->agent && !o->sink &&
		    st->w.bytes + st->w.nevents * sizeof(struct vnl_event) >= o->max_size) {
			err = vnl_writer_flush(&st->w);
			if (!err)
				err = rotate(st, o);
			if (err)
				break;
		}
		if (now - last_flush >= FLUSH_INTERVAL_NS) {
			err = vnl_writer_flush(&st->w);
			if (!err)
				err = write_lost(st, o, 0);
			if (err)
				break;
			last_flush = now;
		}
		if (o->mode == VNL_MODE_AGGREGATE &&
		    event_now() - st->agg_last_ns >= AGG_INTERVAL_NS) {
			err = agg_drain(st);
			if (err)
				break;
		}
		if (now - last_scan >= RESCAN_INTERVAL_NS) {
			err = vnl_writer_flush(&st->w);
			if (!err)
				err = rescan_devices(st, o);
			if (err)
				break;
			last_scan = now;
		}
	}
	if (st->write_err)
		err = st->write_err;
	return err;
}

static void detach_all(struct rec_state *st)
{
	int p;

	for (p = 0; p < VNL_PT_MAX; p++) {
		bpf_link__destroy(st->links[p]);
		st->links[p] = NULL;
	}
}

/* The agent, stopping: hands the host what the spool holds, for at most LINK_DRAIN_MS. */
static void agent_drain(struct agent *a)
{
	uint64_t end = now_ns(CLOCK_MONOTONIC) + LINK_DRAIN_MS * 1000000ULL;

	while (!agent_drained(a) && now_ns(CLOCK_MONOTONIC) < end && !agent_service(a))
		usleep(10000);
	if (!agent_drained(a))
		vnl_warn("agent: the host did not take %llu bytes of events before we stopped",
			 (unsigned long long)a->spool_bytes);
}

static int finish(struct rec_state *st, const struct rec_opts *o)
{
	int err;

	/* take what the ring still holds after detaching */
	rings_drain(&st->rings);
	if (st->write_err)
		return st->write_err;
	if (o->guests) {
		err = guests_flush(o->guests, &st->w, LINK_DRAIN_MS);
		if (err)
			return err;
	}
	err = write_trailer(st, o, NULL);
	if (!err && o->agent) {
		err = vnl_writer_flush(&st->w);
		agent_drain(o->agent);
	}
	return err;
}

int cmd_record(int argc, char **argv)
{
	struct rec_opts *o = calloc(1, sizeof(*o));
	struct guests *g = calloc(1, sizeof(*g));
	int ret = VNL_EXIT_FAIL;

	if (!o || !g) {
		vnl_err("out of memory");
		goto out;
	}
	o->guests = g;
	ret = parse_opts(argc, argv, o);
	if (ret) {
		ret = ret > 0 ? VNL_EXIT_OK : VNL_EXIT_USAGE;
		goto out;
	}
	ret = record_run(o);
out:
	if (g)
		guests_free(g);
	free(g);
	free(o);
	return ret;
}

/* The destination of the blocks: the file, or the agent's spool. */
static int open_output(struct rec_state *st, const struct rec_opts *o, int *ret)
{
	char err_msg[256];
	int err;

	if (o->agent)
		return vnl_writer_open_sink(&st->w, agent_sink, o->agent);
	if (o->sink)
		return vnl_writer_open_sink(&st->w, o->sink, o->sink_ctx);
	if (o->guests && guests_start(o->guests, err_msg, sizeof(err_msg))) {
		vnl_err("%s", err_msg);
		*ret = VNL_EXIT_USAGE;
		return -EINVAL;
	}
	err = vnl_writer_open(&st->w, o->out, o->force);
	if (err) {
		vnl_err("%s: %s%s", o->out, strerror(-err),
			err == -EEXIST ? " (use --force to replace it)" : "");
		*ret = err == -EEXIST ? VNL_EXIT_USAGE : VNL_EXIT_FAIL;
	}
	return err;
}

int record_run(struct rec_opts *op)
{
	struct vnl_filter_insn filter[VNL_FILTER_MAX];
	unsigned int filter_len = 0;
	struct rec_state st = {.w = {.fd = -1}};
	struct sigaction sa = {.sa_handler = on_signal};
	struct rec_opts o = *op;
	char err_msg[1024];
	unsigned int nrings;
	uint64_t ring_each;
	int err, ret = VNL_EXIT_FAIL;

	vnl_event_clock = o.clock_tai ? CLOCK_TAI : CLOCK_MONOTONIC;
	if (o.filter && filter_compile(o.filter, filter, &filter_len, err_msg, sizeof(err_msg))) {
		vnl_err("%s", err_msg);
		return VNL_EXIT_USAGE;
	}
	if (resolve_devices(&o, &st.devs))
		return VNL_EXIT_USAGE;
	libbpf_set_print(libbpf_print);
	if (caps_check_tracing(err_msg, sizeof(err_msg))) {
		vnl_err("missing capabilities to load and attach BPF programs: %s (run as root, or "
			"grant them: setcap cap_bpf,cap_perfmon,cap_sys_resource+ep vnetlat)",
			err_msg);
		return VNL_EXIT_NOPERM;
	}
	if (probe_kernel(&st.probe, o.no_kfunc))
		return VNL_EXIT_FAIL;

	st.skel = vnetlat_bpf__open();
	if (!st.skel) {
		vnl_err("cannot open the BPF object: %s", strerror(errno));
		goto cleanup;
	}
	rings_plan(o.ring_size, (unsigned int)libbpf_num_possible_cpus(), &nrings, &ring_each);
	bpf_map__set_max_entries(st.skel->maps.events, nrings);
	st.skel->rodata->targ_nrings = nrings;
	st.skel->rodata->targ_wakeup_bytes = ring_each / 8;
	choose_programs(&st, &o);
	fill_rodata(&st, &o, filter, filter_len);
	err = vnetlat_bpf__load(st.skel);
	if (err) {
		vnl_err("cannot load the BPF programs: %s%s", strerror(-err),
			geteuid() ? " (run as root, or with CAP_BPF and CAP_PERFMON)"
				  : " (-v shows the verifier's log)");
		ret = err == -EPERM ? VNL_EXIT_NOPERM : VNL_EXIT_FAIL;
		goto cleanup;
	}
	err = fill_maps(&st);
	if (err) {
		vnl_err("cannot fill the device map: %s", strerror(-err));
		goto cleanup;
	}
	if (open_output(&st, &o, &ret))
		goto cleanup;
	err = rings_open(&st.rings, bpf_map__fd(st.skel->maps.events), nrings, ring_each, on_event,
			 &st);
	if (err) {
		vnl_err("cannot make the ring buffers (%u of %llu bytes): %s", nrings,
			(unsigned long long)ring_each, strerror(-err));
		goto cleanup;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (attach_programs(&st)) {
		vnl_err("no hop could be attached");
		goto cleanup;
	}
	err = write_description(&st, &o);
	if (!err && o.mode == VNL_MODE_AGGREGATE)
		err = agg_init(&st);
	if (err) {
		vnl_err("%s: %s", o.out, strerror(-err));
		goto cleanup;
	}
	/* everything privileged is done: maps and the ring are used through fds we hold */
	err = caps_drop_all();
	if (err)
		vnl_warn("could not drop capabilities: %s", strerror(-err));
	if (o.ready && o.ready(o.sink_ctx))
		goto cleanup;
	vnl_info("recording %u interface(s) to %s; Ctrl-C to stop", st.devs.n, o.out);
	err = record_loop(&st, &o);
	detach_all(&st);
	if (!err)
		err = finish(&st, &o);
	if (err) {
		vnl_err("%s: %s; recording stopped, what was written is readable", o.out,
			strerror(-err));
		goto cleanup;
	}
	vnl_info("recorded %llu events (%llu lost) to %s", (unsigned long long)st.events,
		 (unsigned long long)st.last_lost, o.out);
	ret = VNL_EXIT_OK;
cleanup:
	detach_all(&st);
	rings_close(&st.rings);
	vnetlat_bpf__destroy(st.skel);
	free(st.agg_prev);
	free(st.agg_cpu);
	if ((st.w.fd >= 0 || st.w.sink) && vnl_writer_close(&st.w) && ret == VNL_EXIT_OK) {
		vnl_err("%s: closing failed", o.out);
		ret = VNL_EXIT_FAIL;
	}
	return ret;
}
