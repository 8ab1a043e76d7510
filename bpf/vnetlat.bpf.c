// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Per-hop timestamps of packets on traced devices. Every attach point exists in each of its
 * variants (tp_btf, raw_tp, fentry, kprobe); user space switches off the ones this kernel
 * cannot take, after probing, and fills hop_of[] so a point seen on a device of a role
 * becomes a hop.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "vnetlat.h"
#include "hops.h"
#include "parse.bpf.h"
#include "filter_eval.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* hop + 1 for each (point, role); 0 when the point is not a hop on that role. */
const volatile __u16 hop_of[VNL_PT_MAX][VNL_ROLE_MAX] = {};
const volatile struct vnl_config cfg = {
    .wakeup_bytes = 256 * 1024,
    .sched_min_ns = 20000,
    .send_nr = {-1, -1, -1, -1},
    .clock_nr = {-1, -1, -1, -1},
    .nrings = 1,
    .mode = VNL_MODE_PACKETS,
};

/*
 * One ring buffer per CPU (user space sizes them and puts them in place before attaching): a
 * shared one makes every hop take a lock and a cache line the CPUs pass back and forth, which
 * cost 100-200 ns a hop at two CPUs.
 */
struct ring {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct ring);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VNL_MAX_DEVS);
	__type(key, struct vnl_dev_key);
	__type(value, struct vnl_dev_val);
} devs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VNL_MAX_VMS);
	__type(key, __u32);
	__type(value, __u32);
} vms SEC(".maps");

/*
 * Most tasks the scheduler's programs see are not VMMs: one byte per tgid modulo the table,
 * set by user space with each VMM, turns them away before any map lookup.
 */
__u8 vmm_hint[VNL_VMM_HINT] = {};

static __always_inline int is_vmm(__u32 tgid)
{
	return vmm_hint[tgid & (VNL_VMM_HINT - 1)] && bpf_map_lookup_elem(&vms, &tgid);
}

/* Events the ring buffer had no room for, per hop. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VNL_HOP_MAX);
	__type(key, __u32);
	__type(value, __u64);
} lost SEC(".maps");

VNL_PARSE_SCRATCH(scratch);

/*
 * net_dev_xmit fires after the driver took the skb, which may be freed by then (a veth
 * forwards it, a VMM reads it on another CPU): the packet's slot is found at
 * net_dev_start_xmit, on the same CPU just before, and remembered here.
 */
struct pending_xmit {
	__u64 skb;
	__u64 head;
	__u32 idx;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pending_xmit);
} xmit_pending SEC(".maps");

/* This CPU's ring; NULL only when user space has not put one in place. */
static __always_inline void *cpu_ring(void)
{
	__u32 idx = bpf_get_smp_processor_id() % cfg.nrings;

	return bpf_map_lookup_elem(&events, &idx);
}

static __always_inline __u64 wakeup_flag(void *ring)
{
	return bpf_ringbuf_query(ring, BPF_RB_AVAIL_DATA) >= cfg.wakeup_bytes ? BPF_RB_FORCE_WAKEUP
									      : BPF_RB_NO_WAKEUP;
}

static __always_inline void count_lost(__u32 hop)
{
	__u64 *n = bpf_map_lookup_elem(&lost, &hop);

	if (n)
		*n += 1;
}

/* The events' clock: CLOCK_MONOTONIC, or CLOCK_TAI on PTP-synchronised hosts. */
static __always_inline __u64 event_now(void)
{
	return cfg.clock_tai ? bpf_ktime_get_tai_ns() : bpf_ktime_get_ns();
}

/* Room for one event in this CPU's ring, or NULL with the loss counted against hop. */
static __always_inline struct vnl_event *event_reserve(__u32 hop, void **ring)
{
	struct vnl_event *e = NULL;

	*ring = cpu_ring();
	if (*ring)
		e = bpf_ringbuf_reserve(*ring, sizeof(*e), 0);
	if (!e)
		count_lost(hop);
	return e;
}

/* What a packet's traffic class is made of, read at a hop (struct vnl_event's prio, queue). */
struct skb_class {
	__u32 prio;
	__u16 queue;
};

/* The qdisc of a qdisc hop (struct vnl_event's reason, qparent and batch). */
struct qdisc_at {
	__u32 handle;
	__u16 parent_minor;
	__u8 batch;
};

static __always_inline void emit(__u32 hop, const struct vnl_pkt *pkt, __u64 skb,
				 const struct vnl_dev_key *dev, __u32 len, __u32 reason, __u8 flags,
				 const struct skb_class *cls, const struct qdisc_at *qa)
{
	struct vnl_event *e;
	void *ring;
	__u64 id;

	e = event_reserve(hop, &ring);
	if (!e)
		return;
	id = bpf_get_current_pid_tgid();
	e->ts_ns = event_now();
	e->skb = skb;
	e->ifindex = dev ? dev->ifindex : 0;
	e->netns = dev ? dev->netns : 0;
	e->pid = id >> 32;
	e->tid = (__u32)id;
	e->len = len;
	e->reason = qa ? qa->handle : reason;
	e->hop = hop;
	e->cpu = bpf_get_smp_processor_id();
	e->kernel = 0; /* a guest's events: the host numbers them (guests.c) */
	e->flags = flags | (cls ? VNL_EV_CLASS : 0);
	e->prio = cls ? (cls->prio > 255 ? 255 : (__u8)cls->prio) : 0;
	e->queue = cls ? cls->queue : 0;
	e->batch = qa ? qa->batch : 0;
	e->qparent = qa ? qa->parent_minor : 0;
	if (pkt)
		e->pkt = *pkt;
	else
		__builtin_memset(&e->pkt, 0, sizeof(e->pkt));
	bpf_ringbuf_submit(e, wakeup_flag(ring));
}

/*
 * Kernel memory is read directly where the verifier knows the pointer's type (tp_btf and
 * fentry programs, direct = 1: a plain load) and through bpf_probe_read_kernel otherwise
 * (raw_tp and kprobe: a helper call each, 10-20 ns). direct is a constant in each program,
 * so each keeps only its own branch.
 */
#define VNL_RD(direct, plain, core_read) ((direct) ? (plain) : (core_read))

/*
 * A program's direct: helper calls (raw_tp, kprobe), plain loads (fentry), or plain loads in
 * a program whose parser parser.bpf.c may stand in for (tp_btf: the kernel extends no fentry
 * program).
 */
enum { VNL_READ_HELPER = 0, VNL_READ_PLAIN = 1, VNL_READ_PLAIN_EXT = 2 };

/*
 * Most devices the hops see are not traced (the other ends of veths, the host's own): one
 * byte per ifindex modulo the table, set by user space with each traced device, turns them
 * away before the namespace is read and the device map looked up.
 */
__u8 dev_hint[VNL_DEV_HINT] = {};

/*
 * Traced devices as the hops last found them, by ifindex modulo the table: an entry whose
 * device address, ifindex and generation match spares the namespace's read and the map's
 * lookup at every hop. User space moves dev_gen on whenever the device map changes.
 */
struct vnl_dev_seen dev_cache[VNL_DEV_HINT] = {};
volatile __u32 dev_gen = 0;

/*
 * Untraced devices whose ifindex passed dev_hint, as the hops last found them: ifindex
 * numbers start again at 1 in every namespace, so a container's or a peer namespace's
 * device often shares a traced one's, and would otherwise cost a map lookup per packet.
 */
struct vnl_dev_miss dev_untraced[VNL_DEV_HINT] = {};

/* The traced device of this skb, and the hop this point is on it; NULL when not traced. */
static __always_inline struct vnl_dev_val *traced_dev(const struct net_device *dev,
						      struct vnl_dev_key *key, const int direct)
{
	__u32 idx, gen = dev_gen;
	struct vnl_dev_val *dv;
	struct vnl_dev_seen *seen;
	struct vnl_dev_miss *miss;

	key->ifindex = VNL_RD(direct, dev->ifindex, BPF_CORE_READ(dev, ifindex));
	idx = key->ifindex & (VNL_DEV_HINT - 1);
	if (!dev_hint[idx])
		return NULL;
	seen = &dev_cache[idx];
	if (seen->dev == (__u64)dev && seen->ifindex == key->ifindex && seen->gen == gen) {
		key->netns = seen->netns;
		return &seen->val;
	}
	miss = &dev_untraced[idx];
	if (miss->dev == (__u64)dev && miss->ifindex == key->ifindex && miss->gen == gen)
		return NULL;
	key->netns =
	    VNL_RD(direct, dev->nd_net.net->ns.inum, BPF_CORE_READ(dev, nd_net.net, ns.inum));
	dv = bpf_map_lookup_elem(&devs, key);
	if (!dv) { /* gen was read before the lookup: a device traced since makes it stale */
		miss->dev = 0;
		miss->ifindex = key->ifindex;
		miss->gen = gen;
		barrier();
		miss->dev = (__u64)dev;
	} else {
		seen->dev = 0; /* a hop on another CPU takes no half-written entry */
		seen->ifindex = key->ifindex;
		seen->netns = key->netns;
		seen->gen = gen;
		seen->val = *dv;
		barrier();
		seen->dev = (__u64)dev;
	}
	return dv;
}

static __always_inline __u32 hop_for(enum vnl_point pt, __u32 role)
{
	if (pt >= VNL_PT_MAX || role >= VNL_ROLE_MAX)
		return 0;
	return hop_of[pt][role];
}

/* Where the frame starts (the MAC header when there is one) and how much of it is linear. */
struct frame_ref {
	unsigned char *head;
	unsigned char *frame;
	__s64 frame_off; /* frame - skb->data */
	__u64 n;	 /* bytes to copy, at most VNL_HDR_MAX */
};

/*
 * skb->head and skb->data as numbers (offsets, hashing). Where the kernel types a plain load
 * of them as untrusted memory (cfg.skb_loads, a constant the verifier prunes by), a number is
 * what comes back from memory the pointer was stored to: this CPU's slot here, checked after
 * (a program that interrupted this one may have taken it in between).
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} as_number SEC(".maps");

struct head_data {
	unsigned char *head;
	unsigned char *data;
};

static __always_inline int head_data_untrusted(const struct sk_buff *skb, struct head_data *hd)
{
	const unsigned char *head = skb->head, *data = skb->data;
	__u32 zero = 0;
	__u64 *slot = bpf_map_lookup_elem(&as_number, &zero), n;

	if (!slot)
		return -1;
	*slot = (__u64)head;
	/* read back and compared in one asm: C would let the compiler use the pointer it then
	 * knows equal to the number; 0 when the slot no longer holds it */
	asm volatile("%[n] = *(u64 *)(%[slot] + 0)\n\t"
		     "if %[n] == %[head] goto +1\n\t"
		     "%[n] = 0"
		     : [n] "=&r"(n)
		     : [slot] "r"(slot), [head] "r"(head)
		     : "memory");
	if (!n)
		return -1;
	hd->head = (unsigned char *)n;
	hd->data = (unsigned char *)n + (data - head);
	return 0;
}

static __always_inline void skb_head_data(const struct sk_buff *skb, struct head_data *hd,
					  const int direct)
{
	if (direct && cfg.skb_loads == VNL_SKB_LOADS_NUMBERS) {
		hd->head = (unsigned char *)(__u64)skb->head;
		hd->data = (unsigned char *)(__u64)skb->data;
		return;
	}
	if (direct && cfg.skb_loads == VNL_SKB_LOADS_UNTRUSTED && !head_data_untrusted(skb, hd))
		return;
	/* side by side in every kernel's sk_buff: one helper call reads both */
	if (bpf_core_field_offset(skb->data) == bpf_core_field_offset(skb->head) + sizeof(void *)) {
		if (bpf_probe_read_kernel(hd, sizeof(*hd),
					  __builtin_preserve_access_index(&skb->head)))
			hd->head = hd->data = NULL;
		return;
	}
	hd->head = BPF_CORE_READ(skb, head);
	hd->data = BPF_CORE_READ(skb, data);
}

static __always_inline void frame_locate(const struct sk_buff *skb, int l3, struct frame_ref *fr,
					 const int direct)
{
	__u16 mac = VNL_RD(direct, skb->mac_header, BPF_CORE_READ(skb, mac_header));
	__u32 linear = VNL_RD(direct, skb->len, BPF_CORE_READ(skb, len)) -
		       VNL_RD(direct, skb->data_len, BPF_CORE_READ(skb, data_len));
	struct head_data hd;
	unsigned char *data;

	skb_head_data(skb, &hd, direct);
	data = hd.data;
	fr->head = hd.head;
	fr->frame = data;
	if (!l3 && mac != (__u16)~0U && fr->head + mac <= data)
		fr->frame = fr->head + mac;
	fr->frame_off = fr->frame - data;
	fr->n = (__u32)(linear + (__u32)(data - fr->frame));
	if (fr->n > VNL_HDR_MAX)
		fr->n = VNL_HDR_MAX;
}

/*
 * The 8 bytes at off in the frame, which tell a recycled skb's new packet from its last: a
 * plain load where the kernel makes it a fault-safe one (untrusted memory), a helper call
 * otherwise.
 */
static __always_inline __u64 frame_sig(const struct sk_buff *skb, const struct frame_ref *fr,
				       __u32 off, const int direct)
{
	__u64 sig = 0;

	if (direct && cfg.skb_loads == VNL_SKB_LOADS_UNTRUSTED) {
		const unsigned char *data = skb->data;

		return *(const __u64 *)(data + fr->frame_off + off);
	}
	bpf_probe_read_kernel(&sig, sizeof(sig), fr->frame + off);
	return sig;
}

/*
 * The parser as a global function: the verifier checks it once, on its own, instead of in
 * every path of every program that calls it (which ran past its 1M-instruction budget).
 */
__noinline int parse_buf(struct frame_buf *fb, __u32 n, __u32 l3)
{
	return parse_into(fb, n, l3);
}

/*
 * The tp_btf programs' parser. Where the kernel lets one program stand in for a global
 * function of others (freplace, cfg.parser_ext), parser.bpf.c's copy takes this one's place
 * in each of them and the verifier checks the parser once, not once a program; this body,
 * pruned by the constant, then never runs.
 */
__noinline int parse_buf_ext(struct frame_buf *fb, __u32 n, __u32 l3)
{
	if (cfg.parser_ext)
		return -1;
	return parse_into(fb, n, l3);
}

/* Copies the start of the frame and parses it; the fields are this CPU's until its next. */
static __always_inline struct vnl_pkt *parse_frame(const struct frame_ref *fr, int l3,
						   const int direct)
{
	struct frame_buf *fb;
	__u32 zero = 0;
	__u64 n = fr->n;

	barrier_var(n); /* keep the clamped copy: the verifier needs the bound on the size */
	if (n > VNL_HDR_MAX)
		return NULL;
	fb = bpf_map_lookup_elem(&scratch, &zero);
	if (!fb)
		return NULL;
	if (bpf_probe_read_kernel(fb->b, n, fr->frame))
		return NULL;
	if (direct == VNL_READ_PLAIN_EXT ? parse_buf_ext(fb, (__u32)n, (__u32)l3)
					 : parse_buf(fb, (__u32)n, (__u32)l3))
		return NULL;
	return &fb->pkt;
}

/*
 * Whether this packet's hops go to user space: all of them in packets mode, one in N with
 * --sample (the same packets at every hop and in every kernel, and a request with its
 * response: the choice is vnl_sample_key's), and in aggregate mode only the sampled ones.
 */
static __always_inline int sampled(__u64 key)
{
	if (cfg.sample_n > 1)
		return key % cfg.sample_n == 0;
	return cfg.mode == VNL_MODE_PACKETS;
}

static __always_inline int wanted(const struct vnl_pkt *pkt)
{
	if (!pkt->fp) /* neither IP nor PTP */
		return 0;
	return vnl_filter_eval((const struct vnl_filter_insn *)cfg.filter, cfg.filter_len, pkt);
}

#include "pktcache.bpf.h"
#include "aggregate.bpf.h"

/* Sends the hop of a packet whose fields were kept (sampled ones: all in packets mode). */
static __always_inline void emit_sampled(__u32 hop, const struct pkt_ref *ref,
					 const struct sk_buff *skb, const struct vnl_dev_key *dev,
					 __u32 len, __u32 reason, const struct qdisc_at *qa,
					 const int direct, const int live)
{
	struct skb_class cls;
	struct vnl_pkt *pkt;

	if (!sampled(ref->slot->skey))
		return;
	pkt = slot_fields(ref->idx);
	if (!pkt || pkt->fp != ref->slot->fp)
		return;
	if (live) { /* read only where the skb is surely still the packet's */
		cls.prio = VNL_RD(direct, skb->priority, BPF_CORE_READ(skb, priority));
		cls.queue = VNL_RD(direct, skb->queue_mapping, BPF_CORE_READ(skb, queue_mapping));
	}
	emit(hop, pkt, (__u64)skb, dev, len, reason, 0, live ? &cls : NULL, qa);
}

/*
 * A guest application's read: the socket's skb no longer says which device it came in on
 * (skb->dev shares its room with socket bookkeeping), so a packet is only recorded here when
 * a traced device saw it: its head and first bytes are still in the packet cache.
 */
static __always_inline int on_app_read(enum vnl_point pt, const struct sk_buff *skb,
				       const int direct)
{
	__u32 hop = hop_for(pt, VNL_ROLE_GUEST);
	struct pkt_ref ref;

	if (!hop || packet_seen(skb, hop - 1, &ref, direct))
		return 0;
	if (cfg.mode == VNL_MODE_AGGREGATE) { /* the guest's last hop closes its path */
		ref.old_ts = 0;
		agg_step(&ref, hop - 1, 0, NULL);
	}
	emit_sampled(hop - 1, &ref, skb, NULL, VNL_RD(direct, skb->len, BPF_CORE_READ(skb, len)), 0,
		     NULL, direct, 1);
	return 0;
}

/*
 * The driver return (VNL_HOP_OVERTAKEN_RETURN) the packet passed without this kernel seeing
 * it: the packet's last hop was the one just before the return and this one lies beyond it
 * on the packet's path (packetless hops, such as a vhost worker's handle_rx, may sit between
 * them in the table; a drop, which the driver itself makes, is no later hop); VNL_HOP_MAX
 * when none.
 */
static __always_inline __u32 overtaken_return(__u32 from, __u32 hop)
{
#define VNL_PASSED(id)                                                                             \
	if (from + 1 == VNL_HOP_##id && hop > VNL_HOP_##id && hop_dir(hop) == hop_dir(from))       \
		return VNL_HOP_##id;
	VNL_HOP_OVERTAKEN_RETURN(VNL_PASSED)
#undef VNL_PASSED
	return VNL_HOP_MAX;
}

/* The packet's driver return, overtaken by this hop (see VNL_HOP_OVERTAKEN_RETURN): recorded now.
 */
static __always_inline void return_overtaken(struct pkt_ref *ref, __u32 hop,
					     const struct sk_buff *skb,
					     const struct vnl_dev_key *dev, __u32 len,
					     const int direct)
{
	__u32 ret;

	if (ref->from >= VNL_HOP_MAX)
		return;
	ret = overtaken_return(ref->from, hop);
	if (ret >= VNL_HOP_MAX)
		return;
	if (cfg.mode == VNL_MODE_AGGREGATE)
		agg_step(ref, ret, 0, dev);
	emit_sampled(ret, ref, skb, dev, len, 0, NULL, direct, 1);
	ref->from = ret;
}

static __always_inline int on_skb(enum vnl_point pt, const struct sk_buff *skb,
				  const struct net_device *dev, __u32 reason,
				  const struct qdisc_at *qa, const int direct)
{
	struct vnl_dev_key key;
	struct vnl_dev_val *dv;
	struct pkt_ref ref;
	__u32 hop, len;

	if (pt == VNL_PT_COPY_DATAGRAM && hop_for(pt, VNL_ROLE_GUEST))
		return on_app_read(pt, skb, direct);
	if (!dev)
		dev = VNL_RD(direct, skb->dev, BPF_CORE_READ(skb, dev));
	dv = traced_dev(dev, &key, direct);
	if (!dv)
		return 0;
	hop = hop_for(pt, dv->role);
	if (!hop)
		return 0;
	if (packet_at_hop(skb, dv->l3, hop - 1, &ref, direct))
		return 0; /* not parsed, or excluded by --filter */
	if (pt == VNL_PT_DEV_START_XMIT || pt == VNL_PT_TUN_NET_XMIT || pt == VNL_PT_VIRTNET_XMIT) {
		__u32 zero = 0;
		struct pending_xmit *px = bpf_map_lookup_elem(&xmit_pending, &zero);

		if (px) {
			px->skb = (__u64)skb;
			px->head = ref.slot->head;
			px->idx = ref.idx;
		}
	}
	len = VNL_RD(direct, skb->len, BPF_CORE_READ(skb, len));
	return_overtaken(&ref, hop - 1, skb, &key, len, direct);
	if (cfg.mode == VNL_MODE_AGGREGATE)
		agg_step(&ref, hop - 1, reason, &key);
	emit_sampled(hop - 1, &ref, skb, &key, len, reason, qa, direct, 1);
	return 0;
}

static __always_inline int on_xmit(const struct sk_buff *skb, const struct net_device *dev,
				   __u32 rc, __u32 len, const int direct)
{
	struct pending_xmit *px;
	struct vnl_dev_key key;
	struct vnl_dev_val *dv;
	struct vnl_slot *slot;
	struct pkt_ref ref;
	__u32 zero = 0, hop;

	px = bpf_map_lookup_elem(&xmit_pending, &zero);
	if (!px || px->skb != (__u64)skb)
		return 0;
	px->skb = 0;
	dv = traced_dev(dev, &key, direct);
	if (!dv)
		return 0;
	hop = hop_for(VNL_PT_DEV_XMIT, dv->role);
	if (!hop)
		return 0;
	/* the skb may be gone: its slot, still the packet's since start_xmit, stands for it */
	ref.idx = px->idx;
	slot = bpf_map_lookup_elem(&pkt_cache, &ref.idx);
	if (!slot || slot->skb != (__u64)skb || slot->head != px->head ||
	    !same_path(slot->hop, hop - 1))
		return 0;
	slot_reached(&ref, slot, hop - 1);
	if (cfg.mode == VNL_MODE_AGGREGATE)
		agg_step(&ref, hop - 1, 0, &key);
	emit_sampled(hop - 1, &ref, skb, &key, len, rc, NULL, direct, 0); /* the skb may be freed */
	return 0;
}

/*
 * A transmit timestamp handed to its socket (SO_TIMESTAMPING: ptp4l's software stamps) is a
 * clone of the packet on the socket's error queue; the kernel frees it with kfree_skb once the
 * application read it (6.1 does), which is no loss of the packet.
 */
#define VNL_ENOMSG		   42
#define VNL_EE_ORIGIN_TIMESTAMPING 4

static __always_inline int tx_timestamp_report(const struct sk_buff *skb)
{
	const struct sock_exterr_skb *serr = (const void *)skb->cb;
	__u32 err = 0;
	__u8 origin = 0;

	if (!BPF_CORE_READ(skb, sk))
		return 0;
	bpf_probe_read_kernel(&err, sizeof(err), &serr->ee.ee_errno);
	bpf_probe_read_kernel(&origin, sizeof(origin), &serr->ee.ee_origin);
	return err == VNL_ENOMSG && origin == VNL_EE_ORIGIN_TIMESTAMPING;
}

/* SKB_CONSUMED came in 6.2; a vmlinux.h of an older kernel (6.1's, for arm64) has no such name */
enum skb_drop_reason___vnl { SKB_CONSUMED___vnl = 0 };

static __always_inline int on_kfree(const struct sk_buff *skb, __u32 reason, const int direct)
{
	struct pending_xmit *px;
	__u32 zero = 0;

	if (bpf_core_enum_value_exists(enum skb_drop_reason___vnl, SKB_CONSUMED___vnl) &&
	    reason == bpf_core_enum_value(enum skb_drop_reason___vnl, SKB_CONSUMED___vnl))
		return 0;
	if (tx_timestamp_report(skb))
		return 0;
	/* dropped inside the driver (a full tun ring): no net_dev_xmit hop for it */
	px = bpf_map_lookup_elem(&xmit_pending, &zero);
	if (px && px->skb == (__u64)skb)
		px->skb = 0;
	return on_skb(VNL_PT_KFREE_SKB, skb, NULL, reason, NULL, direct);
}

/* Hops without a packet: only from the VMMs whose taps are traced. */
static __always_inline int on_nopkt(enum vnl_point pt, __u32 arg)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__u32 hop = hop_for(pt, VNL_ROLE_NONE);

	if (!hop || (cfg.mode == VNL_MODE_AGGREGATE && cfg.sample_n <= 1))
		return 0;
	if (cfg.filter_vms && !is_vmm(tgid))
		return 0;
	emit(hop - 1, NULL, 0, NULL, 0, arg, VNL_EV_NO_PACKET, NULL, NULL);
	return 0;
}

/*
 * A syscall: a guest application's send (a packetless hop tied to its packet by thread), or
 * a clock being stepped or slewed (clock.adjust: applications stamping with the realtime or
 * TAI clock see it as latency).
 */
/* The start of struct __kernel_timex (include/uapi/linux/timex.h), as the caller passed it. */
struct user_timex {
	__u32 modes;
	__u32 pad;
	__s64 offset;
	__s64 freq; /* ppm << 16 */
	__s64 maxerror, esterror;
	__s32 status, pad2;
	__s64 constant, precision, tolerance;
	__s64 tv_sec, tv_usec; /* ADJ_SETOFFSET: the step; tv_usec in ns with ADJ_NANO */
};

#define ADJ_OFFSET    0x0001
#define ADJ_FREQUENCY 0x0002
#define ADJ_SETOFFSET 0x0100
#define ADJ_NANO      0x2000

/*
 * clock.adjust: the clock (ifindex: a clockid, negative for a PHC's fd), the timex modes
 * (len), the step in ns (pkt.fp), the frequency in ppm << 16 (pkt.seq) and the offset given
 * to the kernel's PLL (pkt.ack). A timex call with no mode bits only reads (chronyc,
 * timedatectl): not sent.
 */
static __always_inline void on_clock(const struct pt_regs *regs, long nr)
{
	int by_id = nr == cfg.clock_nr[0] || nr == cfg.clock_nr[1]; /* clock_settime, _adjtime */
	struct user_timex tx = {};
	struct vnl_event *e;
	void *ring;
	__s32 clockid = by_id ? (__s32)PT_REGS_PARM1_CORE(regs) : 0;

	if (nr == cfg.clock_nr[1] || nr == cfg.clock_nr[3]) {
		const void *utx = nr == cfg.clock_nr[1] ? (const void *)PT_REGS_PARM2_CORE(regs)
							: (const void *)PT_REGS_PARM1_CORE(regs);

		if (bpf_probe_read_user(&tx, sizeof(tx), utx) || !tx.modes)
			return;
	}
	e = event_reserve(cfg.clock_hop - 1, &ring);
	if (!e)
		return;
	__builtin_memset(e, 0, sizeof(*e));
	e->ts_ns = event_now();
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->tid = (__u32)bpf_get_current_pid_tgid();
	e->ifindex = (__u32)clockid;
	e->len = tx.modes;
	e->reason = (__u32)nr;
	e->hop = cfg.clock_hop - 1;
	e->cpu = bpf_get_smp_processor_id();
	e->flags = VNL_EV_NO_PACKET;
	if (tx.modes & ADJ_SETOFFSET)
		e->pkt.fp = (__u64)(tx.tv_sec * 1000000000LL +
				    (tx.modes & ADJ_NANO ? tx.tv_usec : tx.tv_usec * 1000));
	if (tx.modes & ADJ_FREQUENCY)
		e->pkt.seq = (__u32)(__s32)tx.freq;
	if (tx.modes & ADJ_OFFSET)
		e->pkt.ack = (__u32)(__s32)tx.offset;
	bpf_ringbuf_submit(e, wakeup_flag(ring));
}

static __always_inline int on_send(const struct pt_regs *regs, long nr)
{
	if (cfg.clock_hop && (nr == cfg.clock_nr[0] || nr == cfg.clock_nr[1] ||
			      nr == cfg.clock_nr[2] || nr == cfg.clock_nr[3])) {
		on_clock(regs, nr);
		return 0;
	}
	if (nr != cfg.send_nr[0] && nr != cfg.send_nr[1] && nr != cfg.send_nr[2] &&
	    nr != cfg.send_nr[3])
		return 0;
	if ((bpf_get_current_pid_tgid() >> 32) == cfg.self_tgid)
		return 0; /* the agent's own writes to its link */
	return on_nopkt(VNL_PT_SYS_ENTER, (__u32)nr);
}

/*
 * A virtqueue kick or interrupt: only those of a virtio-net device (virtio-serial, carrying
 * the agent's own events, would feed back into itself), transmit queues (odd) for kicks and
 * receive queues (even) for interrupts.
 */
#define VIRTIO_ID_NET 1

static __always_inline int on_vq(enum vnl_point pt, const struct virtqueue *vq, __u32 want_tx)
{
	__u32 device = BPF_CORE_READ(vq, vdev, id.device);
	__u32 index = BPF_CORE_READ(vq, index);

	if (device != VIRTIO_ID_NET || (index & 1) != want_tx)
		return 0;
	return on_nopkt(pt, index);
}

static __always_inline int on_napi(const struct napi_struct *napi)
{
	struct vnl_dev_key key;
	struct vnl_dev_val *dv;

	dv = traced_dev(BPF_CORE_READ(napi, dev), &key, 0); /* a scalar: read through helpers */
	if (!dv || dv->role != VNL_ROLE_GUEST)
		return 0;
	return on_nopkt(VNL_PT_VIRTNET_POLL, key.ifindex);
}

/*
 * A device's root qdisc took a packet, or gave it back to be sent: the time between is its
 * wait in the qdisc's queue, apart from the driver's. An empty qdisc that may be bypassed
 * sends at once, and neither fires (the packet goes from net_dev_queue to the driver).
 */
static __always_inline void qdisc_of(const struct Qdisc *q, struct qdisc_at *qa, int packets,
				     const int direct)
{
	qa->handle = VNL_RD(direct, q->handle, BPF_CORE_READ(q, handle));
	qa->parent_minor = (__u16)VNL_RD(direct, q->parent, BPF_CORE_READ(q, parent));
	qa->batch = packets > 255 ? 255 : (packets < 0 ? 0 : (__u8)packets);
}

static __always_inline int on_enqueue(const struct Qdisc *q, const struct sk_buff *skb,
				      const int direct)
{
	struct qdisc_at qa;

	qdisc_of(q, &qa, 0, direct);
	return on_skb(VNL_PT_QDISC_ENQUEUE, skb, NULL, 0, &qa, direct);
}

/*
 * A bulk dequeue hands the driver a list (skb->next) and reports its head only; the rest of
 * the list leaves with it but gets no dequeue hop (following the list costs the verifier of
 * older kernels more than it allows): its qdisc_wait ends at the driver instead, and batch
 * says how many left together.
 */
static __always_inline int on_dequeue(const struct Qdisc *q, int packets, const struct sk_buff *skb,
				      const int direct)
{
	struct qdisc_at qa;

	if (!skb)
		return 0;
	qdisc_of(q, &qa, packets, direct);
	return on_skb(VNL_PT_QDISC_DEQUEUE, skb, NULL, 0, &qa, direct);
}

/*
 * vmm.sched_delay: how long a VMM thread that could run waited for a CPU (woken, or preempted
 * while runnable, until switched in). A VMM descheduled stalls its guest's packets as surely
 * as a slow path does; the report sets these beside its spikes.
 */
#define SCHED_SLOTS 16384

/* When a VMM thread became runnable, by thread id modulo the table (no insert or delete). */
struct sched_slot {
	__u32 tid;
	__u32 pad;
	__u64 since; /* 0: not waiting */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SCHED_SLOTS);
	__type(key, __u32);
	__type(value, struct sched_slot);
} sched_since SEC(".maps");

/* The thread id of a VMM's thread; 0 for other tasks (the clock is read only for VMMs). */
static __always_inline __u32 vmm_tid(const struct task_struct *t, const int direct)
{
	__u32 tgid = VNL_RD(direct, t->tgid, BPF_CORE_READ(t, tgid));

	if (!is_vmm(tgid))
		return 0;
	return VNL_RD(direct, t->pid, BPF_CORE_READ(t, pid));
}

static __always_inline void sched_wait_starts(__u32 tid)
{
	__u32 idx = tid & (SCHED_SLOTS - 1);
	struct sched_slot *ss = bpf_map_lookup_elem(&sched_since, &idx);

	if (ss) {
		ss->tid = tid;
		ss->since = event_now();
	}
}

static __always_inline int on_wakeup(const struct task_struct *p, const int direct)
{
	__u32 tid = vmm_tid(p, direct);

	if (tid)
		sched_wait_starts(tid);
	return 0;
}

static __always_inline void send_sched_delay(__u32 hop, __u32 tgid, __u32 tid, __u64 now,
					     __u64 delay)
{
	void *ring;
	struct vnl_event *e = event_reserve(hop, &ring);

	if (!e)
		return;
	__builtin_memset(e, 0, sizeof(*e));
	e->ts_ns = now;
	e->pid = tgid;
	e->tid = tid;
	e->len = delay > 0xffffffffULL ? 0xffffffffU : (__u32)delay;
	e->hop = hop;
	e->cpu = bpf_get_smp_processor_id();
	e->kernel = 0; /* a guest's events: the host numbers them (guests.c) */
	e->flags = VNL_EV_NO_PACKET;
	bpf_ringbuf_submit(e, wakeup_flag(ring));
}

static __always_inline int on_switch(const struct task_struct *prev, const struct task_struct *next,
				     __u32 prev_state, const int direct)
{
	__u32 hop = hop_for(VNL_PT_SCHED_SWITCH, VNL_ROLE_NONE), tid, idx;
	struct sched_slot *ss;
	__u64 now, delay;

	if (!hop)
		return 0;
	if (prev_state == 0) { /* TASK_RUNNING: preempted, still waiting for a CPU */
		tid = vmm_tid(prev, direct);
		if (tid)
			sched_wait_starts(tid);
	}
	tid = vmm_tid(next, direct);
	if (!tid)
		return 0;
	idx = tid & (SCHED_SLOTS - 1);
	ss = bpf_map_lookup_elem(&sched_since, &idx);
	if (!ss || ss->tid != tid || !ss->since)
		return 0;
	now = event_now();
	delay = now - ss->since;
	ss->since = 0;
	if (delay >= cfg.sched_min_ns)
		send_sched_delay(hop - 1, VNL_RD(direct, next->tgid, BPF_CORE_READ(next, tgid)),
				 tid, now, delay);
	return 0;
}

/* Each CPU's softirq time (struct vnl_softirq): context for the packets that crossed it. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VNL_SOFTIRQ_SLOTS);
	__type(key, __u32);
	__type(value, struct vnl_softirq);
} softirq_time SEC(".maps");

volatile __u32 softirq_epoch;

static __always_inline int on_softirq(__u32 vec, const int entry)
{
	__u32 slot =
	    vec == VNL_SOFTIRQ_NET_TX || vec == VNL_SOFTIRQ_NET_RX ? vec : VNL_SOFTIRQ_OTHER;
	struct vnl_softirq *s = bpf_map_lookup_elem(&softirq_time, &slot);
	__u64 now = bpf_ktime_get_ns(), d;

	if (!s)
		return 0;
	if (entry) {
		s->since = now;
		return 0;
	}
	if (!s->since)
		return 0;
	d = now - s->since;
	s->since = 0;
	s->ns += d;
	s->count++;
	if (s->epoch != softirq_epoch) {
		s->epoch = softirq_epoch;
		s->max_ns = 0;
	}
	if (d > s->max_ns)
		s->max_ns = d > 0xffffffffULL ? 0xffffffffU : (__u32)d;
	return 0;
}

/*
 * One program of an attach point; direct says whether plain loads may read kernel memory.
 * The program's arguments come last, so the commas VNL_COMMA stands for in them may expand.
 */
#define VNL_VARIANT(sec, name, progmacro, is_direct, body, ...)                                    \
	SEC(sec) int progmacro(name, __VA_ARGS__)                                                  \
	{                                                                                          \
		const int direct __attribute__((unused)) = is_direct;                              \
		return body;                                                                       \
	}

/* Each tracepoint twice: tp_btf where the kernel has it, raw_tp otherwise. */
#define VNL_TP(tp, args, body)                                                                     \
	VNL_VARIANT("tp_btf/" #tp, btf_##tp, BPF_PROG, VNL_READ_PLAIN_EXT, body, args)             \
	VNL_VARIANT("raw_tp/" #tp, raw_##tp, BPF_PROG, VNL_READ_HELPER, body, args)
#define VNL_COMMA ,

VNL_TP(netif_rx, struct sk_buff *skb, on_skb(VNL_PT_NETIF_RX, skb, NULL, 0, NULL, direct))
VNL_TP(netif_receive_skb, struct sk_buff *skb,
       on_skb(VNL_PT_NETIF_RECEIVE_SKB, skb, NULL, 0, NULL, direct))
VNL_TP(napi_gro_receive_entry, const struct sk_buff *skb,
       on_skb(VNL_PT_GRO_RECEIVE, skb, NULL, 0, NULL, direct))
VNL_TP(net_dev_queue, struct sk_buff *skb, on_skb(VNL_PT_DEV_QUEUE, skb, NULL, 0, NULL, direct))
VNL_TP(net_dev_start_xmit, const struct sk_buff *skb VNL_COMMA const struct net_device *dev,
       on_skb(VNL_PT_DEV_START_XMIT, skb, dev, 0, NULL, direct))
VNL_TP(net_dev_xmit,
       struct sk_buff *skb VNL_COMMA int rc VNL_COMMA struct net_device *dev
	   VNL_COMMA unsigned int len,
       on_xmit(skb, dev, rc, len, direct))
VNL_TP(skb_copy_datagram_iovec, const struct sk_buff *skb VNL_COMMA int len,
       on_skb(VNL_PT_COPY_DATAGRAM, skb, NULL, 0, NULL, direct))
VNL_TP(kfree_skb, struct sk_buff *skb VNL_COMMA void *location VNL_COMMA int reason,
       on_kfree(skb, reason, direct))
VNL_TP(kvm_set_irq, unsigned int gsi, on_nopkt(VNL_PT_KVM_SET_IRQ, gsi))
VNL_TP(kvm_msi_set_irq, __u64 address VNL_COMMA __u64 data,
       on_nopkt(VNL_PT_KVM_MSI_SET_IRQ, (__u32)data))
VNL_TP(kvm_fast_mmio, __u64 gpa, on_nopkt(VNL_PT_KVM_FAST_MMIO, (__u32)gpa))
VNL_TP(kvm_mmio, int type VNL_COMMA int len VNL_COMMA __u64 gpa,
       on_nopkt(VNL_PT_KVM_MMIO, (__u32)gpa))
VNL_TP(kvm_pio, unsigned int rw VNL_COMMA unsigned int port, on_nopkt(VNL_PT_KVM_PIO, port))
VNL_TP(sys_enter, struct pt_regs *regs VNL_COMMA long id, on_send(regs, id))
VNL_TP(qdisc_enqueue,
       struct Qdisc *qdisc VNL_COMMA const struct netdev_queue *txq VNL_COMMA struct sk_buff *skb,
       on_enqueue(qdisc, skb, direct))
VNL_TP(qdisc_dequeue,
       struct Qdisc *qdisc VNL_COMMA const struct netdev_queue *txq VNL_COMMA int packets
	   VNL_COMMA struct sk_buff *skb,
       on_dequeue(qdisc, packets, skb, direct))
VNL_TP(sched_wakeup, struct task_struct *p, on_wakeup(p, direct))
VNL_TP(softirq_entry, unsigned int vec, on_softirq(vec, 1))
VNL_TP(softirq_exit, unsigned int vec, on_softirq(vec, 0))
VNL_TP(sched_switch,
       bool preempt VNL_COMMA struct task_struct *prev VNL_COMMA struct task_struct *next
	   VNL_COMMA unsigned int prev_state,
       on_switch(prev, next, prev_state, direct))

/* Kernel functions, where the kernel allows: fentry first, kprobe otherwise. */
#define VNL_FN(fn, args, body)                                                                     \
	VNL_VARIANT("fentry/" #fn, fentry_##fn, BPF_PROG, VNL_READ_PLAIN, body, args)              \
	VNL_VARIANT("kprobe/" #fn, kprobe_##fn, BPF_KPROBE, VNL_READ_HELPER, body, args)

VNL_FN(tun_net_xmit, struct sk_buff *skb VNL_COMMA struct net_device *dev,
       on_skb(VNL_PT_TUN_NET_XMIT, skb, dev, 0, NULL, direct))
VNL_FN(tun_get_user, void *tun, on_nopkt(VNL_PT_TUN_GET_USER, 0))
VNL_FN(handle_rx, void *net, on_nopkt(VNL_PT_VHOST_HANDLE_RX, 0))
VNL_FN(handle_tx, void *net, on_nopkt(VNL_PT_VHOST_HANDLE_TX, 0))
VNL_FN(vhost_add_used_and_signal_n, void *dev, on_nopkt(VNL_PT_VHOST_SIGNAL, 0))
VNL_FN(start_xmit, struct sk_buff *skb VNL_COMMA struct net_device *dev,
       on_skb(VNL_PT_VIRTNET_XMIT, skb, dev, 0, NULL, direct))
VNL_FN(virtqueue_notify, struct virtqueue *vq, on_vq(VNL_PT_VQ_NOTIFY, vq, 1))
VNL_FN(vring_interrupt, int irq VNL_COMMA void *vq,
       on_vq(VNL_PT_VRING_INTERRUPT, (const struct virtqueue *)vq, 0))
VNL_FN(skb_consume_udp, struct sock *sk VNL_COMMA struct sk_buff *skb VNL_COMMA int len,
       on_app_read(VNL_PT_SKB_CONSUME_UDP, skb, direct))
VNL_FN(virtnet_poll, struct napi_struct *napi VNL_COMMA int budget, on_napi(napi))
