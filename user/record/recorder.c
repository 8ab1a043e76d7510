// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The recorder: probe, open the BPF object, set it up, load, attach, then move events from
 * the rings into the output until stopped; a file is closed readable whatever stops it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "caps.h"
#include "filter.h"
#include "recorder.h"
#include "util.h"

#define FLUSH_INTERVAL_NS  200000000ULL
#define RESCAN_INTERVAL_NS 1000000000ULL
#define KEEP_HOLD_NS	   5000000000ULL /* a kept packet slower than this comes late */
#define AGG_INTERVAL_NS	   100000000ULL	 /* aggregate mode's base time resolution */
#define POLL_MS		   100
#define LINK_POLL_MS	   10

static volatile sig_atomic_t exiting;

static void on_signal(int sig)
{
	exiting = sig;
}

/*
 * A clock.adjust of a PHC names it by the caller's fd (FD_TO_CLOCKID): while the caller still
 * holds it, /proc says which /dev/ptpN it is; its N + 1 goes in the event's netns.
 */
static void name_phc(struct vnl_event *ev)
{
	int32_t clockid = (int32_t)ev->ifindex;
	char path[64], dev[64];
	unsigned int n;
	ssize_t len;

	if (ev->hop != VNL_HOP_CLOCK_ADJUST || clockid >= 0 || (clockid & 7) != 3)
		return;
	snprintf(path, sizeof(path), "%s/%u/fd/%u", vnl_procfs, ev->pid,
		 (unsigned int)~(clockid >> 3));
	len = readlink(path, dev, sizeof(dev) - 1);
	if (len <= 0)
		return;
	dev[len] = '\0';
	if (sscanf(dev, "/dev/ptp%u", &n) == 1 && n < 0xffff)
		ev->netns = n + 1;
}

static int on_event(void *ctx, const struct vnl_event *in)
{
	struct rec_state *st = ctx;
	struct vnl_event copy;
	const struct vnl_event *ev = in;
	int err;

	if (in->hop == VNL_HOP_CLOCK_ADJUST) {
		copy = *in;
		name_phc(&copy);
		ev = &copy;
	}
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

struct rec_io {
	struct rec_state *st;
	const struct rec_opts *o;
};

struct vnl_writer *rec_io_writer(struct rec_io *io)
{
	return &io->st->w;
}

void rec_io_keep_ask(struct rec_io *io, struct keep_inbox *box)
{
	uint64_t now = now_ns(CLOCK_MONOTONIC);
	unsigned int i;

	for (i = 0; i < box->n; i++)
		keep_sync_ask(&io->st->keep, &box->req[i], now);
	io->st->keep.n.asked += box->overflow;
	io->st->keep.n.gone += box->overflow;
	box->n = 0;
	box->overflow = 0;
}

/* A packet kept here (the ring's record): the other kernels keep their part of it. */
static void on_kept(void *ctx, const struct vnl_kept *k)
{
	struct rec_state *st = ctx;
	struct vnl_keep_req req;

	if (keep_sync_own(&st->keep, k, &req) && st->to->keep_tell)
		st->to->keep_tell(st->to->ctx, &req);
}

/* Our part of a packet another kernel kept: its events, in time order among the ring's. */
static int take_part(void *ctx, const struct vnl_kept *k)
{
	struct rec_state *st = ctx;

	return rings_take(&st->rings.run[0], k, sizeof(*k));
}

int rec_io_flush(struct rec_io *io)
{
	int err;

	rings_flush(&io->st->rings, now_ns(vnl_event_clock));
	err = vnl_writer_flush(&io->st->w);
	return err ? err : write_lost(io->st, io->o, 0);
}

/* Once: how long after the process began the first packet was recorded. */
static void say_first_packet(struct rec_state *st)
{
	uint64_t first = st->skel->bss->first_packet_ns;

	if (st->first_said || !first)
		return;
	st->first_said = 1;
	vnl_info("first packet recorded %.3f s after start",
		 first > vnl_start_ns ? (double)(first - vnl_start_ns) / 1e9 : 0.0);
}

static int record_loop(struct rec_state *st, const struct rec_opts *o)
{
	uint64_t start = now_ns(CLOCK_MONOTONIC), last_flush = start, last_scan = start, now;
	struct rec_io io = {st, o};
	int err = 0, i;

	while (!exiting) {
		/* a link is served between polls: poll more often while one is up */
		err = rings_poll(&st->rings, o->to.fast_poll ? LINK_POLL_MS : POLL_MS);
		if (err < 0)
			break;
		err = o->to.serve ? o->to.serve(o->to.ctx, &io) : 0;
		if (!err)
			err = keep_sync_serve(&st->keep, now_ns(CLOCK_MONOTONIC), take_part, st);
		for (i = 0; !err && i < o->nsources; i++)
			err = o->sources[i].poll(o->sources[i].ctx, &st->w);
		if (!err)
			err = qdiscs_poll(&st->qdiscs, &st->w);
		if (err)
			break;
		now = now_ns(CLOCK_MONOTONIC);
		say_first_packet(st);
		if (o->duration_ns && now - start >= o->duration_ns)
			break;
		if (o->max_size && !o->to.sink &&
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
			if (!err)
				err = write_kept(st, o, 0);
			if (err)
				break;
			last_flush = now;
		}
		err = softirq_write(st, 0);
		if (err)
			break;
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

static int finish(struct rec_state *st, const struct rec_opts *o)
{
	int err;

	/* take what the ring still holds after detaching */
	rings_drain(&st->rings);
	if (st->write_err)
		return st->write_err;
	if (o->to.closing) {
		err = o->to.closing(o->to.ctx, &st->w);
		if (err)
			return err;
	}
	err = write_trailer(st, o, NULL);
	if (!err)
		err = vnl_writer_flush(&st->w);
	if (!err && o->to.closed)
		o->to.closed(o->to.ctx);
	return err;
}

/* The destination of the blocks: the file OUT, or the output's sink. */
static int open_output(struct rec_state *st, const struct rec_opts *o, int *ret)
{
	int err;

	if (o->to.start && o->to.start(o->to.ctx)) {
		*ret = VNL_EXIT_USAGE;
		return -EINVAL;
	}
	if (o->to.sink)
		return vnl_writer_open_sink(&st->w, o->to.sink, o->to.ctx);
	err = vnl_writer_open(&st->w, o->out, o->force);
	if (err) {
		vnl_err("%s: %s%s", o->out, strerror(-err),
			err == -EEXIST ? " (use --force to replace it)" : "");
		*ret = err == -EEXIST ? VNL_EXIT_USAGE : VNL_EXIT_FAIL;
	}
	return err;
}

/* Opens, sets up and loads the programs, with parser.bpf.c in place when st->parser_ext. */
static int load_programs(struct rec_state *st, const struct rec_opts *o,
			 const struct vnl_filter_insn *filter, unsigned int filter_len,
			 unsigned int nrings, uint64_t ring_each, uint64_t *t_load)
{
	int err;

	st->skel = vnetlat_bpf__open();
	if (!st->skel) {
		err = -errno;
		vnl_err("cannot open the BPF object: %s", strerror(errno));
		return err;
	}
	bpf_map__set_max_entries(st->skel->maps.events, nrings);
	st->keep_q = o->keep_q;
	if (!o->keep_spec) /* the paths of --keep-slow: 10 MB for nothing otherwise */
		bpf_map__set_max_entries(st->skel->maps.pkt_path, 1);
	if (o->keep_spec && o->to.keep_tell) { /* another kernel may ask for our part */
		st->skel->rodata->cfg.recent_bits =
		    (__u8)keep_sync_bits((unsigned int)libbpf_num_possible_cpus());
		bpf_map__set_max_entries(st->skel->maps.recent_paths,
					 (__u32)libbpf_num_possible_cpus()
					     << st->skel->rodata->cfg.recent_bits);
	}
	st->skel->rodata->cfg.nrings = nrings;
	st->skel->rodata->cfg.wakeup_bytes = ring_each / 8;
	choose_programs(st, o);
	fill_rodata(st, o, filter, filter_len);
	if (getenv("VNETLAT_VERIFIER_STATS")) { /* each program's verifier statistics, with -v */
		struct bpf_program *prog;

		bpf_object__for_each_program(prog, st->skel->obj)
		    bpf_program__set_log_level(prog, 4);
	}
	*t_load = now_ns(CLOCK_MONOTONIC);
	err = vnetlat_bpf__load(st->skel);
	if (err) {
		vnl_err("cannot load the BPF programs: %s%s", strerror(-err),
			geteuid() ? " (run as root, or with CAP_BPF and CAP_PERFMON)"
				  : " (-v shows the verifier's log)");
		return err;
	}
	if (!st->parser_ext)
		return 0;
	err = parser_ext_put(&st->parser, st->skel->obj);
	if (!err)
		return 0;
	vnl_warn("cannot put one parser in place of each program's (freplace): %s; loading the "
		 "programs again, each with its own",
		 strerror(-err));
	parser_ext_close(&st->parser);
	vnetlat_bpf__destroy(st->skel);
	st->skel = NULL;
	st->parser_ext = 0;
	st->attach_failed = 1; /* the probe's answer was wrong: the next start probes again */
	return load_programs(st, o, filter, filter_len, nrings, ring_each, t_load);
}

int record_run(struct rec_opts *op)
{
	struct vnl_filter_insn filter[VNL_FILTER_MAX];
	unsigned int filter_len = 0;
	struct rec_state st = {.w = {.fd = -1}, .qdiscs = {.fd = -1}};
	struct sigaction sa = {.sa_handler = on_signal};
	struct rec_opts o = *op;
	char err_msg[1024];
	unsigned int nrings;
	uint64_t ring_each, t_probe, t_open, t_load, t_loaded = 0, t_attach, t_attached;
	int err, ret = VNL_EXIT_FAIL;

	st.to = &o.to;
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
	t_probe = now_ns(CLOCK_MONOTONIC);
	if (probe_kernel_cached(&st.probe, o.no_kfunc))
		return VNL_EXIT_FAIL;
	t_open = now_ns(CLOCK_MONOTONIC);

	rings_plan(o.ring_size, (unsigned int)libbpf_num_possible_cpus(), &nrings, &ring_each);
	st.parser_ext = st.probe.parser_ext;
	err = load_programs(&st, &o, filter, filter_len, nrings, ring_each, &t_load);
	t_loaded = now_ns(CLOCK_MONOTONIC);
	if (err) {
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
	if (o.keep_spec) {
		st.rings.hold_ns = KEEP_HOLD_NS;
		st.rings.on_kept = on_kept;
		err = o.to.keep_tell
			  ? keep_sync_open(&st.keep, bpf_map__fd(st.skel->maps.recent_paths),
					   bpf_map__max_entries(st.skel->maps.recent_paths))
			  : 0;
		if (err)
			vnl_warn(
			    "--keep-slow: cannot map the recent paths (%s): the other kernel's "
			    "part of a kept packet is not kept here",
			    strerror(-err));
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	t_attach = now_ns(CLOCK_MONOTONIC);
	err = attach_programs(&st);
	if (st.probe.cached && st.attach_failed)
		probe_cache_forget(o.no_kfunc);
	if (err) {
		vnl_err("no hop could be attached");
		goto cleanup;
	}
	t_attached = now_ns(CLOCK_MONOTONIC);
	vnl_debug("startup: %.3f s before the probe, probe %.3f s, open and set up %.3f s, load "
		  "(verifier) %.3f s, attach %.3f s",
		  (double)(t_probe - vnl_start_ns) / 1e9, (double)(t_open - t_probe) / 1e9,
		  (double)(t_load - t_open) / 1e9, (double)(t_loaded - t_load) / 1e9,
		  (double)(t_attached - t_attach) / 1e9);
	err = write_description(&st, &o);
	if (!err)
		err = softirq_init(&st);
	if (!err && o.mode == VNL_MODE_AGGREGATE)
		err = agg_init(&st);
	if (!err && qdiscs_open(&st.qdiscs, &st.devs))
		vnl_warn("cannot ask the kernel for the devices' qdiscs: %s; classes go unnamed",
			 strerror(errno));
	if (!err)
		err = qdiscs_poll(&st.qdiscs, &st.w);
	if (err) {
		vnl_err("%s: %s", o.out, strerror(-err));
		goto cleanup;
	}
	/* everything privileged is done: maps and the ring are used through fds we hold */
	err = caps_drop_all();
	if (err)
		vnl_warn("could not drop capabilities: %s", strerror(-err));
	if (o.to.ready && o.to.ready(o.to.ctx))
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
	qdiscs_close(&st.qdiscs);
	keep_sync_close(&st.keep);
	softirq_free(&st);
	detach_all(&st);
	parser_ext_close(&st.parser);
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
