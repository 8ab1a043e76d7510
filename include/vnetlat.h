/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Records shared by the BPF programs and user space. Fixed-width types only. */
#ifndef VNETLAT_H
#define VNETLAT_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define VNL_HDR_MAX    256 /* bytes of a frame copied for parsing; power of two */
#define VNL_HDR_PAD    8   /* past a parse buffer's VNL_HDR_MAX: room for the last byte's word */
#define VNL_FILTER_MAX 32  /* instructions of a compiled --filter */
#define VNL_MAX_DEVS   1024
#define VNL_MAX_VMS    256
#define VNL_MAX_RINGS  64    /* BPF ring buffers: one per CPU, CPUs beyond share */
#define VNL_VMM_HINT   65536 /* a VMM's tgid marks entry tgid % VNL_VMM_HINT; power of two */
#define VNL_DEV_HINT   4096  /* a traced device marks entry ifindex % VNL_DEV_HINT; likewise */

/* What a traced device is to the host: decides which hop an attach point becomes. */
enum vnl_role {
	VNL_ROLE_NONE = 0,
	VNL_ROLE_UPLINK, /* bridged with a tap: the wire side */
	VNL_ROLE_TAP,	 /* a tun/tap device held by a VMM */
	VNL_ROLE_GUEST,	 /* a guest's virtio-net device, traced by vnetlat agent */
	VNL_ROLE_MAX,
};

/* Attach points: one BPF program per point and mechanism. */
enum vnl_point {
	VNL_PT_NONE = -1, /* a hop without a tracepoint (or without a function) */
	VNL_PT_NETIF_RX = 0,
	VNL_PT_NETIF_RECEIVE_SKB,
	VNL_PT_GRO_RECEIVE,
	VNL_PT_DEV_QUEUE,
	VNL_PT_DEV_START_XMIT,
	VNL_PT_DEV_XMIT,
	VNL_PT_COPY_DATAGRAM,
	VNL_PT_KFREE_SKB,
	VNL_PT_KVM_SET_IRQ,
	VNL_PT_KVM_MSI_SET_IRQ,
	VNL_PT_KVM_FAST_MMIO,
	VNL_PT_KVM_MMIO,
	VNL_PT_KVM_PIO,
	VNL_PT_TUN_NET_XMIT,
	VNL_PT_TUN_GET_USER,
	VNL_PT_VHOST_HANDLE_RX,
	VNL_PT_VHOST_HANDLE_TX,
	VNL_PT_VHOST_SIGNAL,
	VNL_PT_SYS_ENTER,	/* raw_syscalls:sys_enter: a guest application's send */
	VNL_PT_VIRTNET_XMIT,	/* virtio_net's start_xmit */
	VNL_PT_VQ_NOTIFY,	/* virtqueue_notify: the guest kicks the host */
	VNL_PT_VRING_INTERRUPT, /* vring_interrupt: the host's interrupt reaches the guest */
	VNL_PT_VIRTNET_POLL,	/* virtnet_poll: NAPI poll of a virtio-net queue */
	VNL_PT_SKB_CONSUME_UDP, /* skb_consume_udp: a UDP socket's reader is done with a packet */
	VNL_PT_SCHED_SWITCH,	/* sched:sched_switch: a VMM thread preempted, or back on a CPU */
	VNL_PT_SCHED_WAKEUP,	/* sched:sched_wakeup: a VMM thread made runnable */
	VNL_PT_QDISC_ENQUEUE,	/* qdisc:qdisc_enqueue: a device's root qdisc took the packet */
	VNL_PT_QDISC_DEQUEUE,	/* qdisc:qdisc_dequeue: it gave it (and a batch after it) back */
	VNL_PT_SOFTIRQ_ENTRY,	/* irq:softirq_entry: no hop; each CPU's softirq time */
	VNL_PT_SOFTIRQ_EXIT,	/* irq:softirq_exit */
	VNL_PT_MAX,
};

/*
 * Each point's programs in bpf/vnetlat.bpf.c: a tracepoint has a tp_btf one (btf_NAME) and
 * a raw_tp one (raw_NAME), a kernel function an fentry one (fentry_NAME) and a kprobe one
 * (kprobe_NAME). User space finds them through the skeleton by these names, so a name that
 * does not match fails to compile.
 * X(point, NAME)
 */
#define VNL_TP_POINTS(X)                                                                           \
	X(NETIF_RX, netif_rx)                                                                      \
	X(NETIF_RECEIVE_SKB, netif_receive_skb)                                                    \
	X(GRO_RECEIVE, napi_gro_receive_entry)                                                     \
	X(DEV_QUEUE, net_dev_queue)                                                                \
	X(DEV_START_XMIT, net_dev_start_xmit)                                                      \
	X(DEV_XMIT, net_dev_xmit)                                                                  \
	X(COPY_DATAGRAM, skb_copy_datagram_iovec)                                                  \
	X(KFREE_SKB, kfree_skb)                                                                    \
	X(KVM_SET_IRQ, kvm_set_irq)                                                                \
	X(KVM_MSI_SET_IRQ, kvm_msi_set_irq)                                                        \
	X(KVM_FAST_MMIO, kvm_fast_mmio)                                                            \
	X(KVM_MMIO, kvm_mmio)                                                                      \
	X(KVM_PIO, kvm_pio)                                                                        \
	X(SYS_ENTER, sys_enter)                                                                    \
	X(SCHED_SWITCH, sched_switch)                                                              \
	X(SCHED_WAKEUP, sched_wakeup)                                                              \
	X(QDISC_ENQUEUE, qdisc_enqueue)                                                            \
	X(QDISC_DEQUEUE, qdisc_dequeue)                                                            \
	X(SOFTIRQ_ENTRY, softirq_entry)                                                            \
	X(SOFTIRQ_EXIT, softirq_exit)
#define VNL_FN_POINTS(X)                                                                           \
	X(TUN_NET_XMIT, tun_net_xmit)                                                              \
	X(TUN_GET_USER, tun_get_user)                                                              \
	X(VHOST_HANDLE_RX, handle_rx)                                                              \
	X(VHOST_HANDLE_TX, handle_tx)                                                              \
	X(VHOST_SIGNAL, vhost_add_used_and_signal_n)                                               \
	X(VIRTNET_XMIT, start_xmit)                                                                \
	X(VQ_NOTIFY, virtqueue_notify)                                                             \
	X(VRING_INTERRUPT, vring_interrupt)                                                        \
	X(VIRTNET_POLL, virtnet_poll)                                                              \
	X(SKB_CONSUME_UDP, skb_consume_udp)

/* Parsed header fields, enough for --filter, grouping per flow and round-trip pairing. */
struct vnl_flow {
	__u32 saddr[4]; /* network byte order; IPv4 in [0] */
	__u32 daddr[4];
	__u16 sport; /* host byte order; ICMP: id in sport */
	__u16 dport;
	__u8 family; /* 4, 6, or 0 when not IP */
	__u8 proto;
	__u8 pad[2];
};

enum vnl_pkt_flags {
	VNL_PKT_TRUNCATED = 1 << 0,  /* headers stopped before the end of what was parsed */
	VNL_PKT_FRAGMENT = 1 << 1,   /* an IP fragment */
	VNL_PKT_LATER_FRAG = 1 << 2, /* a non-first fragment: no transport header */
	VNL_PKT_VLAN = 1 << 3,
	VNL_PKT_ECHO_REQ = 1 << 4, /* ICMP/ICMPv6 echo request */
	VNL_PKT_ECHO_REPLY = 1 << 5,
	VNL_PKT_PTP = 1 << 6, /* a PTP message (UDP 319/320 or Ethernet 0x88F7): ack holds it */
};

/*
 * A PTP message's identity, in struct vnl_pkt's ack (which only TCP uses otherwise): its
 * messageType, domainNumber and sequenceId (IEEE 1588-2008, 13.3).
 */
#define VNL_PTP_INFO(type, domain, seq) ((__u32)(type) << 24 | (__u32)(domain) << 16 | (seq))
#define VNL_PTP_TYPE(info)		((info) >> 24 & 0xf)
#define VNL_PTP_DOMAIN(info)		((info) >> 16 & 0xff)
#define VNL_PTP_SEQ(info)		((info)&0xffff)
#define VNL_PTP_HDR_LEN			34 /* the common header: up to logMessageInterval */
#define VNL_PTP_EVENT_PORT		319
#define VNL_PTP_GENERAL_PORT		320
#define VNL_PTP_ETHERTYPE		0x88f7

enum vnl_ptp_type {
	VNL_PTP_SYNC = 0x0,
	VNL_PTP_DELAY_REQ = 0x1,
	VNL_PTP_PDELAY_REQ = 0x2,
	VNL_PTP_PDELAY_RESP = 0x3,
	VNL_PTP_FOLLOW_UP = 0x8,
	VNL_PTP_DELAY_RESP = 0x9,
	VNL_PTP_PDELAY_RESP_FOLLOW_UP = 0xa,
	VNL_PTP_ANNOUNCE = 0xb,
	VNL_PTP_SIGNALING = 0xc,
	VNL_PTP_MANAGEMENT = 0xd,
};

struct vnl_pkt {
	struct vnl_flow flow;
	__u64 fp;      /* fingerprint: invariant header fields hashed; 0 = not a packet we parse */
	__u32 seq;     /* TCP seq; ICMP echo sequence; UDP a hash of the payload's first bytes */
	__u32 ack;     /* TCP ack */
	__u32 payload; /* transport payload length from the headers */
	__u16 flags;   /* enum vnl_pkt_flags */
	__u8 tcp_flags;
	__u8 pad;
};

enum vnl_ev_flags {
	VNL_EV_NO_PACKET = 1 << 0, /* a hop without a packet (kick, interrupt, VMM write start) */
	VNL_EV_CLASS = 1 << 1,	   /* prio and queue were read from the packet at this hop */
};

/* One timestamped hop, written to the ring buffer and to the recording as is. */
struct vnl_event {
	__u64 ts_ns; /* CLOCK_MONOTONIC of the kernel that saw it */
	__u64 skb;   /* skb address: identifies a packet inside one kernel while it lives */
	__u32 ifindex;
	__u32 netns;
	__u32 pid; /* tgid */
	__u32 tid;
	__u32 len;    /* skb->len */
	__u32 reason; /* kfree_skb drop reason; net_dev_xmit return code */
	__u16 hop;
	__u16 cpu;
	__u8 kernel;   /* 0 = host; guests get their own ids */
	__u8 flags;    /* enum vnl_ev_flags */
	__u16 queue;   /* skb->queue_mapping: the transmit queue the stack chose (0 before one) */
	__u8 prio;     /* skb->priority, 255 for anything above (VNL_EV_CLASS: read) */
	__u8 batch;    /* qdisc dequeue: packets the qdisc gave the driver at once (255: more) */
	__u16 qparent; /* qdisc hops: the minor of the qdisc's parent (reason: its handle) */
	struct vnl_pkt pkt;
};

/* Device map entry, keyed by (netns inode, ifindex): ifindex numbers repeat across namespaces. */
struct vnl_dev_key {
	__u32 netns;
	__u32 ifindex;
};

struct vnl_dev_val {
	__u8 role; /* enum vnl_role */
	__u8 l3;   /* no Ethernet header (tun mode) */
	__u16 id;  /* index in the recording's interface table */
};

/* A traced device as the hops last found it (a BPF cache; user space only invalidates it). */
struct vnl_dev_seen {
	__u64 dev; /* the net_device's address */
	__u32 ifindex;
	__u32 netns;
	__u32 gen; /* dev_gen when it was filled */
	struct vnl_dev_val val;
};

/* An untraced device whose ifindex shares a traced one's hint (a BPF cache). */
struct vnl_dev_miss {
	__u64 dev; /* the net_device's address */
	__u32 ifindex;
	__u32 gen; /* dev_gen when it was found untraced */
};

/* --filter, compiled to a postfix program; evaluated with a bit stack in BPF. */
enum vnl_filter_op {
	VNL_F_END = 0,
	VNL_F_TRUE,
	VNL_F_FAMILY, /* arg = 4 or 6 */
	VNL_F_PROTO,  /* arg = IP protocol */
	VNL_F_ADDR,   /* addr/plen against src, dst or either (dir) */
	VNL_F_PORT,   /* port range [arg, arg2] against src, dst or either */
	VNL_F_AND,
	VNL_F_OR,
	VNL_F_NOT,
	VNL_F_FLAGS, /* any of the packet flags in arg (enum vnl_pkt_flags): "ptp" */
};

enum vnl_filter_dir {
	VNL_F_EITHER = 0,
	VNL_F_SRC,
	VNL_F_DST,
};

struct vnl_filter_insn {
	__u8 op;
	__u8 dir;
	__u8 family;
	__u8 plen;
	__u16 arg;
	__u16 arg2;
	__u32 addr[4];
	__u32 mask[4];
};

/*
 * What a plain load of skb->head or skb->data gives a program that may load from the skb
 * (tp_btf, fentry), which the probe finds out: nothing usable (each is read by a helper
 * call), a number (kernels before untrusted memory), or untrusted memory (newer kernels: a
 * pointer that reads the packet's bytes with fault-safe loads, but a number only once it has
 * passed through memory).
 */
enum vnl_skb_loads {
	VNL_SKB_LOADS_HELPER = 0,
	VNL_SKB_LOADS_NUMBERS = 1,
	VNL_SKB_LOADS_UNTRUSTED = 2,
};

/*
 * The BPF programs' settings: one read-only struct that user space fills between opening
 * the object and loading it (the verifier then knows every value). The hop and segment
 * tables beside it (hop_of, seg_of, final_of) are filled from include/hops.h.
 */
/* --keep-slow pQ: how far the packets kept may run ahead of the quantile's rate */
#define VNL_KEEP_BURST 64

/* kept_count: slow packets sent, ones the ring had no room for, ones over the rate */
enum { VNL_KEPT_SENT, VNL_KEPT_RING_FULL, VNL_KEPT_OVER_RATE, VNL_KEPT_COUNTS };

struct vnl_config {
	__u64 wakeup_bytes;  /* a ring wakes its reader once this much waits in it */
	__u64 sched_min_ns;  /* VMM threads' waits for a CPU shorter than this are not sent */
	__s64 send_nr[4];    /* guest.app_send: the send syscalls' numbers (-1: none) */
	__s64 clock_nr[4];   /* clock.adjust: the clock-setting syscalls' numbers (-1: none) */
	__u32 nrings;	     /* rings: one per CPU, up to this many */
	__u32 sample_n;	     /* keep one packet in N, chosen by fingerprint; 0 or 1: all */
	__u32 self_tgid;     /* vnetlat itself: its syscalls are not the applications' */
	__u32 filter_len;    /* instructions in filter; 0: every packet */
	__u16 clock_hop;     /* clock.adjust's hop + 1; 0 when not recorded */
	__u8 mode;	     /* enum vnl_mode */
	__u8 filter_vms;     /* tied hops only from the VMMs of traced devices */
	__u8 clock_tai;	     /* stamp events with CLOCK_TAI (PTP-synchronised hosts) */
	__u8 keep_slow;	     /* aggregate mode --keep-slow: send the whole path of slow packets */
	__u8 recent_bits;    /* --keep-slow with another kernel: each CPU keeps the paths of its
			      * last 1 << recent_bits finished packets (recent_paths); 0: none */
	__u8 skb_loads;	     /* enum vnl_skb_loads: what plain loads of skb->head, ->data give */
	__u8 parser_ext;     /* tp_btf programs' parse_buf_ext is parser.bpf.c's (freplace) */
	__u64 keep_seg_mask; /* --keep-slow SEG>T: the aggregate slots of SEG; 0: end to end */
	/* --keep-slow pQ: slow packets sent at most at this rate, per million finished, plus
	 * VNL_KEEP_BURST (twice the quantile's share); 0: no cap (a fixed threshold) */
	__u32 keep_rate_ppm;
	struct vnl_filter_insn filter[VNL_FILTER_MAX]; /* the compiled --filter */
};

/*
 * Each CPU's softirq time, by vector (NET_TX 2, NET_RX 3; the rest summed in
 * VNL_SOFTIRQ_OTHER): running totals the recorder reads once a second (the SOFTIRQ block);
 * max_ns is the longest since user space last moved softirq_epoch.
 */
#define VNL_SOFTIRQ_NET_TX 2
#define VNL_SOFTIRQ_NET_RX 3
#define VNL_SOFTIRQ_OTHER  4
#define VNL_SOFTIRQ_SLOTS  5
struct vnl_softirq {
	__u64 ns;
	__u64 count;
	__u64 since; /* the softirq running on this CPU began; 0 when none */
	__u32 max_ns;
	__u32 epoch;
};

/*
 * In-kernel aggregate mode: per-CPU log-linear histograms (include/loglin.h buckets) of each
 * segment, indexed by slot: 0 for a pair of hops not in the segment table, 1.. for the table's
 * rows in order, and VNL_AGG_E2E + direction for end to end.
 */
#define VNL_AGG_SLOTS 64
#define VNL_AGG_E2E   61

/*
 * --keep-slow: the path of the packet a cache slot holds (its hops and their times, in one
 * kernel), and what is sent at its last hop when it was slow: the path with its parsed
 * fields, which user space turns back into one event per hop.
 */
#define VNL_PATH_MAX 16

/* A slot of the BPF packet cache (pktcache.bpf.h), one cache line. */
struct vnl_slot {
	__u64 skb;
	__u64 head;
	__u64 sig; /* the frame's first bytes after the MAC addresses */
	__u64 fp;
	__u64 ts;	/* aggregate mode: the packet's last hop; 0 when no segment is open */
	__u64 first_ts; /* aggregate mode: its first hop */
	__u32 hop;	/* the last hop this packet was seen at */
	__u32 pass;	/* --filter's verdict */
	__u64 skey;	/* --sample's key (vnl_sample_key) */
};

_Static_assert(sizeof(struct vnl_slot) == 64, "a slot is one cache line");

/* One hop of a path: its fields side by side, so that a hop writes one cache line. */
struct vnl_path_hop {
	__u32 dt; /* ns after the path's t0 */
	__u32 ifindex;
	__u16 cpu;
	__u8 hop;
	__u8 pad;
};

struct vnl_path {
	__u64 t0;  /* its first hop's time */
	__u8 n;	   /* hops in hop[] (the first VNL_PATH_MAX) */
	__u8 slow; /* its --keep-slow segments passed the threshold */
	__u16 pad;
	__u32 netns;
	__u32 seg_ns; /* --keep-slow SEG+SEG>T: the time in those segments so far */
	__u32 pad2;
	struct vnl_pkt pkt; /* its parsed fields, written at its first hop beside the path */
	struct vnl_path_hop h[VNL_PATH_MAX];
};

struct vnl_kept {
	struct vnl_path path;
	__u64 skb;
};

/* Why aggregate mode did not record a sample: the agg_evicted map's index. */
enum vnl_agg_unrecorded {
	VNL_AGG_EVICTED = 0,   /* a colliding packet took over the packet's state */
	VNL_AGG_UNFINISHED,    /* it never reached its last hop (its slot was taken again) */
	VNL_AGG_OUTSIDE_TABLE, /* a segment between two hops the segment table does not name */
	VNL_AGG_CAUSES,
};

enum vnl_mode {
	VNL_MODE_PACKETS = 0,
	VNL_MODE_AGGREGATE,
};

#endif /* VNETLAT_H */
