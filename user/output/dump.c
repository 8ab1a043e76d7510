// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* vnetlat dump: every event, journey and round trip of a recording as JSON lines. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "commands.h"
#include "format.h"
#include "names.h"
#include "hoptab.h"
#include "journey.h"
#include "json.h"
#include "pcapng.h"
#include "recording.h"
#include "util.h"

struct dump {
	struct recording *rec;
	struct jengine *je;
	struct jw w;
	int oom;
	struct pcapng *pc; /* --pcapng: journeys' hops as packets there, no JSON lines */
	int pcap_err;
};

static void dump_pkt(struct jw *w, const struct vnl_pkt *p)
{
	char s[INET6_ADDRSTRLEN] = "", d[INET6_ADDRSTRLEN] = "", fp[20];
	int af = p->flow.family == 6 ? AF_INET6 : AF_INET;

	snprintf(fp, sizeof(fp), "%016" PRIx64, (uint64_t)p->fp);
	jw_str(w, "fp", fp);
	if (p->flags & VNL_PKT_PTP) {
		jw_obj_begin(w, "ptp");
		jw_str(w, "type", ptp_type_name(VNL_PTP_TYPE(p->ack)));
		jw_u64(w, "domain", VNL_PTP_DOMAIN(p->ack));
		jw_u64(w, "sequence_id", VNL_PTP_SEQ(p->ack));
		jw_obj_end(w);
	}
	if (!p->flow.family)
		return;
	inet_ntop(af, p->flow.saddr, s, sizeof(s));
	inet_ntop(af, p->flow.daddr, d, sizeof(d));
	jw_u64(w, "proto", p->flow.proto);
	jw_str(w, "src", s);
	jw_str(w, "dst", d);
	jw_u64(w, "sport", p->flow.sport);
	jw_u64(w, "dport", p->flow.dport);
	if (p->flow.proto == 6 && !(p->flags & VNL_PKT_PTP)) {
		jw_u64(w, "seq", p->seq);
		jw_u64(w, "ack", p->ack);
		jw_u64(w, "tcp_flags", p->tcp_flags);
	} else if (p->flow.proto == 1 || p->flow.proto == 58) {
		jw_u64(w, "echo_seq", p->seq);
	}
	jw_u64(w, "payload", p->payload);
}

static void dump_event(struct dump *d, const struct vnl_event *ev)
{
	const struct vnl_file_iface *dev = rec_iface(d->rec, ev->netns, ev->ifindex);
	char wall[40], skb[24];
	struct jw *w = &d->w;

	rec_wall_time(d->rec, ev->ts_ns, wall, sizeof(wall));
	snprintf(skb, sizeof(skb), "0x%" PRIx64, (uint64_t)ev->skb);
	jw_obj_begin(w, NULL);
	jw_str(w, "type", "event");
	jw_u64(w, "ts_ns", ev->ts_ns);
	jw_str(w, "time", wall);
	jw_str(w, "hop", hop_name(ev->hop));
	jw_u64(w, "kernel", ev->kernel);
	if (dev)
		jw_str(w, "iface", dev->name);
	jw_u64(w, "ifindex", ev->ifindex);
	jw_u64(w, "cpu", ev->cpu);
	jw_u64(w, "pid", ev->pid);
	jw_u64(w, "tid", ev->tid);
	if (!(ev->flags & VNL_EV_NO_PACKET)) {
		jw_str(w, "skb", skb);
		jw_u64(w, "len", ev->len);
		if (ev->flags & VNL_EV_CLASS) { /* the skb's priority and transmit queue here */
			jw_u64(w, "prio", ev->prio);
			jw_u64(w, "queue", ev->queue);
		}
		dump_pkt(w, &ev->pkt);
	}
	switch (ev->hop < VNL_HOP_MAX ? vnl_hops[ev->hop].reason : VNL_REASON_NONE) {
	case VNL_REASON_DROP:
		jw_str(w, "reason", rec_reason_of(d->rec, ev->kernel, ev->reason));
		break;
	case VNL_REASON_RC:
		jw_i64(w, "rc", (int32_t)ev->reason);
		break;
	case VNL_REASON_SYSCALL:
		jw_str(w, "syscall", clock_syscall_name(ev->reason));
		break;
	case VNL_REASON_QDISC: {
		char h[16];

		jw_str(w, "qdisc", tc_handle_str(ev->reason, h));
		jw_u64(w, "qdisc_parent_minor", ev->qparent);
		if (ev->batch)
			jw_u64(w, "batch", ev->batch);
		break;
	}
	case VNL_REASON_NONE:
		break;
	}
	jw_obj_end(w);
	jw_newline(w);
}

static void dump_hops(struct jw *w, const struct journey *j, const char *prefix)
{
	char buf[80], name[96];
	int i;

	for (i = 1; i < j->nhops; i++) {
		snprintf(name, sizeof(name), "%s%s", prefix,
			 segment_name(j->hops[i - 1], j->hops[i], buf, sizeof(buf)));
		jw_obj_begin(w, NULL);
		jw_str(w, "name", name);
		jw_str(w, "from", hop_name(j->hops[i - 1]));
		jw_str(w, "to", hop_name(j->hops[i]));
		jw_i64(w, "ns", ts_diff(j->ts[i], j->ts[i - 1]));
		jw_obj_end(w);
	}
}

static void dump_journey(struct dump *d, const struct journey *j)
{
	struct jw *w = &d->w;
	int i;

	jw_obj_begin(w, NULL);
	jw_str(w, "type", "journey");
	jw_u64(w, "id", j->id);
	jw_str(w, "direction", dir_name(j->dir));
	jw_bool(w, "complete", j->complete);
	jw_bool(w, "partial", j->partial);
	if (j->dropped) {
		jw_str(w, "dropped_after", hop_name(j->drop_hop));
		jw_str(w, "drop_reason", rec_reason_of(d->rec, j->drop_kernel, j->drop_reason));
	}
	dump_pkt(w, &j->pkt);
	jw_arr_begin(w, "hops");
	for (i = 0; i < j->nhops; i++) {
		jw_obj_begin(w, NULL);
		jw_str(w, "hop", hop_name(j->hops[i]));
		jw_u64(w, "ts_ns", j->ts[i]);
		if (j->classed & (1u << i)) {
			jw_u64(w, "prio", j->prio[i]);
			jw_u64(w, "queue", j->queue[i]);
		}
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_arr_begin(w, "segments");
	dump_hops(w, j, "");
	jw_arr_end(w);
	jw_i64(w, "end_to_end_ns", j->nhops ? ts_diff(j->ts[j->nhops - 1], j->ts[0]) : 0);
	jw_obj_end(w);
	jw_newline(w);
}

static void dump_round_trip(struct dump *d, const struct journey *req, const struct journey *resp)
{
	struct jw *w = &d->w;

	jw_obj_begin(w, NULL);
	jw_str(w, "type", "round_trip");
	jw_str(w, "initiator", vnl_rows[row_of_round_trip(req->dir)].initiator);
	jw_u64(w, "request", req->id);
	jw_u64(w, "response", resp->id);
	jw_arr_begin(w, "segments");
	dump_hops(w, req, round_trip_prefix(req->dir));
	jw_obj_begin(w, NULL);
	jw_str(w, "name", outside_segment_name(req->dir, req->hops[req->nhops - 1]));
	jw_str(w, "from", hop_name(req->hops[req->nhops - 1]));
	jw_str(w, "to", hop_name(resp->hops[0]));
	jw_i64(w, "ns", ts_diff(resp->ts[0], req->ts[req->nhops - 1]));
	jw_obj_end(w);
	dump_hops(w, resp, round_trip_prefix(resp->dir));
	jw_arr_end(w);
	jw_i64(w, "end_to_end_ns", ts_diff(resp->ts[resp->nhops - 1], req->ts[0]));
	jw_obj_end(w);
	jw_newline(w);
}

static void on_journey(void *ctx, const struct journey *j)
{
	struct dump *d = ctx;

	if (d->pc) {
		if (!d->pcap_err)
			d->pcap_err = pcapng_journey(d->pc, d->rec, j);
		return;
	}
	dump_journey(ctx, j);
}

static void on_round_trip(void *ctx, const struct journey *req, const struct journey *resp)
{
	struct dump *d = ctx;

	if (!d->pc)
		dump_round_trip(ctx, req, resp);
}

static void on_event(void *ctx, const struct recording *rec, const struct vnl_event *ev)
{
	struct dump *d = ctx;

	if (!d->je) { /* the description came before the first event */
		struct jsink sink = {on_journey, on_round_trip, d};

		d->je = jengine_for(rec, &sink, 0);
		if (!d->je) {
			d->oom = 1;
			return;
		}
	}
	if (!d->pc)
		dump_event(d, ev);
	jengine_event(d->je, ev);
}

static int dump_file(const char *path, const char *pcap_path)
{
	struct recording rec;
	struct dump d = {.rec = &rec};
	struct pcapng pc;
	FILE *pcap = NULL;
	char err[512];
	int ret;

	jw_init(&d.w, stdout);
	if (pcap_path) {
		pcap = fopen(pcap_path, "wbx"); /* never over an existing file */
		if (!pcap || pcapng_open(&pc, pcap)) {
			vnl_err("--pcapng %s: %s", pcap_path, strerror(errno));
			if (pcap)
				fclose(pcap);
			return errno == EEXIST ? VNL_EXIT_USAGE : VNL_EXIT_FAIL;
		}
		d.pc = &pc;
	}
	ret = rec_read_windows(&rec, path, on_event, NULL, &d, err, sizeof(err));
	if (ret) {
		vnl_err("%s", err);
		jengine_free(d.je);
		rec_free(&rec);
		return ret == -EINVAL || ret == -EPROTO ? VNL_EXIT_DATA : VNL_EXIT_FAIL;
	}
	if (d.je)
		jengine_flush(d.je);
	ret = VNL_EXIT_OK;
	if (d.oom) {
		vnl_err("out of memory while joining journeys");
		ret = VNL_EXIT_FAIL;
	}
	if (pcap && (d.pcap_err || fclose(pcap))) {
		vnl_err("--pcapng %s: %s; what was written is readable up to there", pcap_path,
			strerror(d.pcap_err ? -d.pcap_err : errno));
		ret = VNL_EXIT_FAIL;
	} else if (pcap) {
		vnl_info("%" PRIu64 " hops of journeys written to %s (%u interfaces)", pc.packets,
			 pcap_path, pc.nifs);
	}
	fflush(stdout);
	if (rec.ndamage) {
		vnl_warn("%s: %zu damaged region(s) skipped; every intact block was read", path,
			 rec.ndamage);
		if (ret == VNL_EXIT_OK)
			ret = VNL_EXIT_DATA;
	}
	jengine_free(d.je);
	rec_free(&rec);
	return ret;
}

int cmd_dump(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"help", no_argument, NULL, 'h'},
	    {"pcapng", required_argument, NULL, 'p'},
	    {NULL, 0, NULL, 0},
	};
	const char *pcap_path = NULL;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'p') {
			pcap_path = optarg;
			continue;
		}
		if (c == 'h') {
			printf(
			    "Usage: vnetlat dump [--pcapng OUT] FILE\n"
			    "Every event, journey and round trip as JSON lines, in time order.\n"
			    "--pcapng OUT: instead, every hop of every journey as a packet of a\n"
			    "pcapng file for Wireshark (an interface per kernel and hop, ns\n"
			    "timestamps, the headers rebuilt from the parsed fields, a comment\n"
			    "naming the journey, the hop and the segment to the next).\n");
			return VNL_EXIT_OK;
		}
		return VNL_EXIT_USAGE;
	}
	if (optind != argc - 1) {
		vnl_err("dump: expected one recording file");
		return VNL_EXIT_USAGE;
	}
	return dump_file(argv[optind], pcap_path);
}
