/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The hop table: every place a packet is timestamped, in path order per direction.
 * A hop is an attach point seen on a device of a given role; where the kernel allows it,
 * a function (fentry, else kprobe) replaces the tracepoint. Hops marked packetless carry
 * no packet (a kick, an interrupt, the start of a VMM write) and are tied to a journey by
 * thread or by VM and time.
 *
 * Hops of the guest side run in the guest's kernel (vnetlat agent); the host side records
 * the rest.
 *
 * X(id, name, direction, point, role, function point, kind, side, reason):
 *   direction       VNL_DIR_*: the way the packet goes (ANY: not of one direction)
 *   point           VNL_PT_*: the tracepoint; NONE when only a function can see it
 *   role            VNL_ROLE_*: the device the packet must be on (NONE: any, or no device)
 *   function point  VNL_PT_*: the kernel function that replaces the tracepoint where fentry or
 *                   kprobes exist (NONE: the tracepoint alone)
 *   kind            VNL_KIND_*: what the event is (see enum vnl_hop_kind)
 *   side            VNL_SIDE_*: the kernel it runs in
 *   reason          VNL_REASON_*: what the event's reason field holds
 */
#ifndef VNETLAT_HOPS_H
#define VNETLAT_HOPS_H

#include "vnetlat.h"

enum vnl_dir {
	VNL_DIR_TO_GUEST = 0,
	VNL_DIR_FROM_GUEST,
	VNL_DIR_ANY, /* drops */
	VNL_DIR_MAX,
};

/* What a hop's event is. */
enum vnl_hop_kind {
	VNL_KIND_PACKET, /* a packet at a point of its path */
	VNL_KIND_TIED,	 /* no packet: tied to one by thread, CPU or time (a kick, an interrupt) */
	VNL_KIND_DROP,	 /* a packet freed before the end of its path */
	VNL_KIND_CLOCK,	 /* a clock stepped or slewed (clock_settime, adjtimex...): no packet's */
	VNL_KIND_SCHED,	 /* a VMM thread's wait for a CPU, in len: no packet's */
};

/* What an event's reason field holds. */
enum vnl_reason_kind {
	VNL_REASON_NONE,
	VNL_REASON_DROP,    /* the kernel's skb_drop_reason (names: the recording's REASONS) */
	VNL_REASON_RC,	    /* the driver's return code (netdev_tx_t) */
	VNL_REASON_SYSCALL, /* the syscall's number; see on_clock in bpf/ for the other fields */
	VNL_REASON_QDISC,   /* the qdisc's handle (the event's qparent: its parent's minor) */
};

/* Which kernel a hop runs in: the host's, the guest's (through the agent), or either. */
enum vnl_side {
	VNL_SIDE_HOST = 1,
	VNL_SIDE_GUEST = 2,
	VNL_SIDE_BOTH = 3,
};

/* clang-format off */
#define VNL_HOP_TABLE(X) \
	X(UPLINK_RX         , "uplink.rx"         , TO_GUEST  , NETIF_RX         , UPLINK, NONE           , PACKET, HOST , NONE) \
	X(UPLINK_GRO        , "uplink.gro"        , TO_GUEST  , GRO_RECEIVE      , UPLINK, NONE           , PACKET, HOST , NONE) \
	X(UPLINK_RECEIVE    , "uplink.receive"    , TO_GUEST  , NETIF_RECEIVE_SKB, UPLINK, NONE           , PACKET, HOST , NONE) \
	X(TAP_QUEUE         , "tap.queue"         , TO_GUEST  , DEV_QUEUE        , TAP   , NONE           , PACKET, HOST , NONE) \
	X(TAP_QDISC_ENQ     , "tap.qdisc_enqueue" , TO_GUEST  , QDISC_ENQUEUE    , TAP   , NONE           , PACKET, HOST , QDISC) \
	X(TAP_QDISC_DEQ     , "tap.qdisc_dequeue" , TO_GUEST  , QDISC_DEQUEUE    , TAP   , NONE           , PACKET, HOST , QDISC) \
	X(TAP_XMIT_START    , "tap.xmit_start"    , TO_GUEST  , DEV_START_XMIT   , TAP   , TUN_NET_XMIT   , PACKET, HOST , NONE) \
	X(TAP_XMIT          , "tap.xmit"          , TO_GUEST  , DEV_XMIT         , TAP   , NONE           , PACKET, HOST , RC) \
	X(VHOST_RX          , "vhost.handle_rx"   , TO_GUEST  , NONE             , NONE  , VHOST_HANDLE_RX, TIED  , HOST , NONE) \
	X(VMM_READ          , "vmm.read"          , TO_GUEST  , COPY_DATAGRAM    , TAP   , NONE           , PACKET, HOST , NONE) \
	X(VHOST_SIGNAL      , "vhost.signal"      , TO_GUEST  , NONE             , NONE  , VHOST_SIGNAL   , TIED  , HOST , NONE) \
	X(KVM_IRQ           , "kvm.irq"           , TO_GUEST  , KVM_SET_IRQ      , NONE  , NONE           , TIED  , HOST , NONE) \
	X(KVM_MSI           , "kvm.msi"           , TO_GUEST  , KVM_MSI_SET_IRQ  , NONE  , NONE           , TIED  , HOST , NONE) \
	X(GUEST_IRQ         , "guest.irq"         , TO_GUEST  , NONE             , NONE  , VRING_INTERRUPT, TIED  , GUEST, NONE) \
	X(GUEST_NAPI        , "guest.napi_poll"   , TO_GUEST  , NONE             , NONE  , VIRTNET_POLL   , TIED  , GUEST, NONE) \
	X(GUEST_GRO         , "guest.gro"         , TO_GUEST  , GRO_RECEIVE      , GUEST , NONE           , PACKET, GUEST, NONE) \
	X(GUEST_RECEIVE     , "guest.receive"     , TO_GUEST  , NETIF_RECEIVE_SKB, GUEST , NONE           , PACKET, GUEST, NONE) \
	X(GUEST_APP_READ    , "guest.app_read"    , TO_GUEST  , COPY_DATAGRAM    , GUEST , SKB_CONSUME_UDP, PACKET, GUEST, NONE) \
	X(GUEST_APP_SEND    , "guest.app_send"    , FROM_GUEST, SYS_ENTER        , NONE  , NONE           , TIED  , GUEST, NONE) \
	X(GUEST_QUEUE       , "guest.queue"       , FROM_GUEST, DEV_QUEUE        , GUEST , NONE           , PACKET, GUEST, NONE) \
	X(GUEST_QDISC_ENQ   , "guest.qdisc_enqueue", FROM_GUEST, QDISC_ENQUEUE    , GUEST , NONE           , PACKET, GUEST, QDISC) \
	X(GUEST_QDISC_DEQ   , "guest.qdisc_dequeue", FROM_GUEST, QDISC_DEQUEUE    , GUEST , NONE           , PACKET, GUEST, QDISC) \
	X(GUEST_XMIT_START  , "guest.xmit_start"  , FROM_GUEST, DEV_START_XMIT   , GUEST , VIRTNET_XMIT   , PACKET, GUEST, NONE) \
	X(GUEST_KICK        , "guest.kick"        , FROM_GUEST, NONE             , NONE  , VQ_NOTIFY      , TIED  , GUEST, NONE) \
	X(KVM_KICK_FAST_MMIO, "kvm.kick_fast_mmio", FROM_GUEST, KVM_FAST_MMIO    , NONE  , NONE           , TIED  , HOST , NONE) \
	X(KVM_KICK_MMIO     , "kvm.kick_mmio"     , FROM_GUEST, KVM_MMIO         , NONE  , NONE           , TIED  , HOST , NONE) \
	X(KVM_KICK_PIO      , "kvm.kick_pio"      , FROM_GUEST, KVM_PIO          , NONE  , NONE           , TIED  , HOST , NONE) \
	X(VHOST_TX          , "vhost.handle_tx"   , FROM_GUEST, NONE             , NONE  , VHOST_HANDLE_TX, TIED  , HOST , NONE) \
	X(VMM_WRITE         , "vmm.write"         , FROM_GUEST, NONE             , NONE  , TUN_GET_USER   , TIED  , HOST , NONE) \
	X(TAP_RX            , "tap.rx"            , FROM_GUEST, NETIF_RX         , TAP   , NONE           , PACKET, HOST , NONE) \
	X(TAP_RECEIVE       , "tap.receive"       , FROM_GUEST, NETIF_RECEIVE_SKB, TAP   , NONE           , PACKET, HOST , NONE) \
	X(UPLINK_QUEUE      , "uplink.queue"      , FROM_GUEST, DEV_QUEUE        , UPLINK, NONE           , PACKET, HOST , NONE) \
	X(UPLINK_QDISC_ENQ  , "uplink.qdisc_enqueue", FROM_GUEST, QDISC_ENQUEUE    , UPLINK, NONE           , PACKET, HOST , QDISC) \
	X(UPLINK_QDISC_DEQ  , "uplink.qdisc_dequeue", FROM_GUEST, QDISC_DEQUEUE    , UPLINK, NONE           , PACKET, HOST , QDISC) \
	X(UPLINK_XMIT_START , "uplink.xmit_start" , FROM_GUEST, DEV_START_XMIT   , UPLINK, NONE           , PACKET, HOST , NONE) \
	X(UPLINK_XMIT       , "uplink.xmit"       , FROM_GUEST, DEV_XMIT         , UPLINK, NONE           , PACKET, HOST , RC) \
	X(DROP              , "drop"              , ANY       , KFREE_SKB        , NONE  , NONE           , DROP  , BOTH , DROP) \
	X(CLOCK_ADJUST      , "clock.adjust"      , ANY       , SYS_ENTER        , NONE  , NONE           , CLOCK , BOTH , SYSCALL) \
	X(VMM_SCHED         , "vmm.sched_delay"   , ANY       , SCHED_SWITCH     , NONE  , NONE           , SCHED , HOST , NONE)
/* clang-format on */

/*
 * Hops whose function and tracepoint see different packets, so both are attached when the
 * function is available: a UDP socket copies a linear packet to its reader without
 * skb_copy_datagram_iovec (skb_consume_udp sees it), TCP through it.
 */
#define VNL_HOP_BOTH_POINTS(X) X(GUEST_APP_READ)

/*
 * How a tied hop (VNL_KIND_TIED) finds its packet: by the thread that ran it (a VMM's write, a
 * guest application's send, a guest's kick) or by the CPU (a guest's interrupt and NAPI poll,
 * which run where the packets are then received), at one of two anchor hops of the packet
 * that come after it (BEFORE) or before it (AFTER: the kick follows the driver's transmit);
 * ONCE: one tied hop is one packet's (a send, a kick); SHARED: it stands for every packet
 * that follows on that CPU (an interrupt, a poll). vhost-net's worker runs handle_rx, reads
 * the packets from the tap (vmm.read) and signals the guest once for the batch, whose last
 * packet the signal is tied to; its handle_tx writes a batch into the tap on its own thread.
 * A tied hop not listed here (kvm.*) is counted, not joined to a packet.
 * X(hop, anchor, anchor, THREAD|CPU, ONCE|SHARED, BEFORE|AFTER)
 */
enum { VNL_TIE_THREAD, VNL_TIE_CPU, VNL_TIE_SHARED, VNL_TIE_ONCE, VNL_TIE_BEFORE, VNL_TIE_AFTER };
/* clang-format off */
#define VNL_HOP_TIES(X) \
	X(GUEST_IRQ,      GUEST_GRO,        GUEST_RECEIVE,    CPU,    SHARED, BEFORE) \
	X(GUEST_NAPI,     GUEST_GRO,        GUEST_RECEIVE,    CPU,    SHARED, BEFORE) \
	X(GUEST_APP_SEND, GUEST_QUEUE,      GUEST_XMIT_START, THREAD, ONCE,   BEFORE) \
	X(GUEST_KICK,     GUEST_XMIT_START, GUEST_XMIT_START, THREAD, ONCE,   AFTER)  \
	X(VMM_WRITE,      TAP_RX,           TAP_RECEIVE,      THREAD, ONCE,   BEFORE) \
	X(VHOST_RX,       VMM_READ,         VMM_READ,         THREAD, SHARED, BEFORE) \
	X(VHOST_SIGNAL,   VMM_READ,         VMM_READ,         THREAD, ONCE,   AFTER)  \
	X(VHOST_TX,       TAP_RX,           TAP_RECEIVE,      THREAD, SHARED, BEFORE)
/* clang-format on */

/*
 * The hops nearest the host/guest boundary, each side, per direction (with the one taken when
 * it saw no packet): a packet seen at both relates the guest's clock to the host's.
 * X(direction, host hop, else, guest hop, else)
 */
#define VNL_HOP_BOUNDARY(X)                                                                        \
	X(TO_GUEST, VMM_READ, TAP_XMIT, GUEST_GRO, GUEST_RECEIVE)                                  \
	X(FROM_GUEST, TAP_RX, TAP_RECEIVE, GUEST_XMIT_START, GUEST_QUEUE)

/*
 * Hops that need a second attach point beside their own: a VMM thread's wait for a CPU
 * begins at a wakeup as well as at a preemption.
 * X(hop, point)
 */
#define VNL_HOP_COMPANION(X) X(VMM_SCHED, SCHED_WAKEUP)

/*
 * A packet that carries nothing for a socket (a pure TCP ACK, a SYN's answer) never reaches
 * the application's read: its journey ends, complete, at the stack's receive.
 * X(final hop, where such a packet ends)
 */
#define VNL_HOP_DATALESS_END(X) X(GUEST_APP_READ, GUEST_RECEIVE)

/*
 * Driver returns the next hop can overtake: a tap's driver queues the packet in its ring and
 * wakes the VMM, which may read it on another CPU before the driver call returns here. The
 * return is then recorded with the read, just before it: the packet waited in the ring for
 * no time, and the driver's segment ends when the packet was taken.
 * X(return hop)
 */
#define VNL_HOP_OVERTAKEN_RETURN(X) X(TAP_XMIT)

#define VNL_HOP_ENUM(id, ...) VNL_HOP_##id,
enum vnl_hop { VNL_HOP_TABLE(VNL_HOP_ENUM) VNL_HOP_MAX };
#undef VNL_HOP_ENUM

#define VNL_HOP_NONE 0xffff

/*
 * Segments: the time between two consecutive observed hops of one journey. Names are part
 * of the interface (reports, exports, tests): see the README. A pair not listed here is named
 * "<from hop>..<to hop>".
 *
 * VNL_SEG(from hop, to hop, name)
 */
#define VNL_SEGMENT_TABLE(X)                                                                       \
	X(UPLINK_RX, UPLINK_RECEIVE, "host.backlog")                                               \
	X(UPLINK_RX, UPLINK_GRO, "host.backlog")                                                   \
	X(UPLINK_GRO, UPLINK_RECEIVE, "host.gro")                                                  \
	X(UPLINK_RECEIVE, TAP_QUEUE, "host.bridge")                                                \
	X(TAP_QUEUE, TAP_XMIT_START, "host.qdisc")                                                 \
	X(TAP_QUEUE, TAP_QDISC_ENQ, "host.qdisc_enqueue")                                          \
	X(TAP_QDISC_ENQ, TAP_QDISC_DEQ, "host.qdisc_wait")                                         \
	X(TAP_QDISC_ENQ, TAP_XMIT_START, "host.qdisc_wait")                                        \
	X(TAP_QDISC_DEQ, TAP_XMIT_START, "host.qdisc_dequeue")                                     \
	X(TAP_XMIT_START, TAP_XMIT, "host.tap_xmit")                                               \
	X(TAP_XMIT, VMM_READ, "host.tap_queue")                                                    \
	X(TAP_XMIT, VHOST_RX, "host.tap_queue")                                                    \
	X(VHOST_RX, VMM_READ, "vmm.vhost_rx")                                                      \
	X(VHOST_RX, VHOST_SIGNAL, "vmm.vhost_rx")                                                  \
	X(VMM_READ, VHOST_SIGNAL, "vmm.vhost_signal")                                              \
	X(VMM_READ, KVM_IRQ, "vmm.notify")                                                         \
	X(VMM_READ, KVM_MSI, "vmm.notify")                                                         \
	X(VHOST_SIGNAL, KVM_IRQ, "vmm.notify")                                                     \
	X(VHOST_SIGNAL, KVM_MSI, "vmm.notify")                                                     \
	X(KVM_KICK_FAST_MMIO, VMM_WRITE, "vmm.kick")                                               \
	X(KVM_KICK_MMIO, VMM_WRITE, "vmm.kick")                                                    \
	X(KVM_KICK_PIO, VMM_WRITE, "vmm.kick")                                                     \
	X(KVM_KICK_FAST_MMIO, VHOST_TX, "vmm.kick")                                                \
	X(VHOST_TX, TAP_RECEIVE, "vmm.write")                                                      \
	X(VMM_WRITE, TAP_RX, "vmm.write")                                                          \
	X(VMM_WRITE, TAP_RECEIVE, "vmm.write")                                                     \
	X(TAP_RX, TAP_RECEIVE, "host.backlog")                                                     \
	X(TAP_RECEIVE, UPLINK_QUEUE, "host.bridge")                                                \
	X(UPLINK_QUEUE, UPLINK_XMIT_START, "host.qdisc")                                           \
	X(UPLINK_QUEUE, UPLINK_QDISC_ENQ, "host.qdisc_enqueue")                                    \
	X(UPLINK_QDISC_ENQ, UPLINK_QDISC_DEQ, "host.qdisc_wait")                                   \
	X(UPLINK_QDISC_ENQ, UPLINK_XMIT_START, "host.qdisc_wait")                                  \
	X(UPLINK_QDISC_DEQ, UPLINK_XMIT_START, "host.qdisc_dequeue")                               \
	X(UPLINK_XMIT_START, UPLINK_XMIT, "host.uplink_xmit")                                      \
	X(VMM_READ, GUEST_IRQ, "vmm.deliver")                                                      \
	X(VMM_READ, GUEST_NAPI, "vmm.deliver")                                                     \
	X(VMM_READ, GUEST_GRO, "vmm.deliver")                                                      \
	X(VMM_READ, GUEST_RECEIVE, "vmm.deliver")                                                  \
	X(GUEST_IRQ, GUEST_NAPI, "guest.irq_to_poll")                                              \
	X(GUEST_NAPI, GUEST_GRO, "guest.driver_rx")                                                \
	X(GUEST_NAPI, GUEST_RECEIVE, "guest.driver_rx")                                            \
	X(GUEST_GRO, GUEST_RECEIVE, "guest.gro")                                                   \
	X(GUEST_RECEIVE, GUEST_APP_READ, "guest.stack_rx")                                         \
	X(GUEST_APP_SEND, GUEST_QUEUE, "guest.stack_tx")                                           \
	X(GUEST_QUEUE, GUEST_XMIT_START, "guest.qdisc")                                            \
	X(GUEST_QUEUE, GUEST_QDISC_ENQ, "guest.qdisc_enqueue")                                     \
	X(GUEST_QDISC_ENQ, GUEST_QDISC_DEQ, "guest.qdisc_wait")                                    \
	X(GUEST_QDISC_ENQ, GUEST_XMIT_START, "guest.qdisc_wait")                                   \
	X(GUEST_QDISC_DEQ, GUEST_XMIT_START, "guest.qdisc_dequeue")                                \
	X(GUEST_XMIT_START, GUEST_KICK, "guest.driver_tx")                                         \
	X(GUEST_KICK, VMM_WRITE, "vmm.transmit")                                                   \
	X(GUEST_KICK, TAP_RX, "vmm.transmit")                                                      \
	X(GUEST_KICK, TAP_RECEIVE, "vmm.transmit")                                                 \
	X(GUEST_XMIT_START, VMM_WRITE, "vmm.transmit")                                             \
	X(GUEST_XMIT_START, TAP_RX, "vmm.transmit")                                                \
	X(GUEST_XMIT_START, TAP_RECEIVE, "vmm.transmit")

/*
 * Segments that cross between the host's and a guest's kernel: their length depends on the
 * estimated offset between the two clocks (see the report's "clock").
 */
#define VNL_SEG_DELIVER	 "vmm.deliver"
#define VNL_SEG_TRANSMIT "vmm.transmit"

/* Round trips: the time spent outside the host kernel between a request and its response. */
#define VNL_SEG_OUTSIDE_GUEST "vmm+guest" /* VMM read of the request .. VMM write of the reply */
#define VNL_SEG_OUTSIDE_REMOTE                                                                     \
	"network+remote" /* uplink transmit .. uplink receive of the reply                         \
			  */
#define VNL_SEG_TURNAROUND                                                                         \
	"guest.turnaround" /* guest: the request's last hop .. the reply's first */
/* deliver + transmit of a round trip, from same-clock differences only: needs no offset */
#define VNL_SEG_BOUNDARY "vmm.deliver+transmit"

#endif /* VNETLAT_HOPS_H */
