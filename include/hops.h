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
 * VNL_HOP(id, name, direction, point, role, function point, packetless, side)
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

/* Which kernel a hop runs in: the host's, the guest's (through the agent), or either. */
enum vnl_side {
	VNL_SIDE_HOST = 1,
	VNL_SIDE_GUEST = 2,
	VNL_SIDE_BOTH = 3,
};

#define VNL_HOP_TABLE(X)                                                                           \
	X(UPLINK_RX, "uplink.rx", VNL_DIR_TO_GUEST, VNL_PT_NETIF_RX, VNL_ROLE_UPLINK, -1, 0,       \
	  VNL_SIDE_HOST)                                                                           \
	X(UPLINK_GRO, "uplink.gro", VNL_DIR_TO_GUEST, VNL_PT_GRO_RECEIVE, VNL_ROLE_UPLINK, -1, 0,  \
	  VNL_SIDE_HOST)                                                                           \
	X(UPLINK_RECEIVE, "uplink.receive", VNL_DIR_TO_GUEST, VNL_PT_NETIF_RECEIVE_SKB,            \
	  VNL_ROLE_UPLINK, -1, 0, VNL_SIDE_HOST)                                                   \
	X(TAP_QUEUE, "tap.queue", VNL_DIR_TO_GUEST, VNL_PT_DEV_QUEUE, VNL_ROLE_TAP, -1, 0,         \
	  VNL_SIDE_HOST)                                                                           \
	X(TAP_XMIT_START, "tap.xmit_start", VNL_DIR_TO_GUEST, VNL_PT_DEV_START_XMIT, VNL_ROLE_TAP, \
	  VNL_PT_TUN_NET_XMIT, 0, VNL_SIDE_HOST)                                                   \
	X(TAP_XMIT, "tap.xmit", VNL_DIR_TO_GUEST, VNL_PT_DEV_XMIT, VNL_ROLE_TAP, -1, 0,            \
	  VNL_SIDE_HOST)                                                                           \
	X(VMM_READ, "vmm.read", VNL_DIR_TO_GUEST, VNL_PT_COPY_DATAGRAM, VNL_ROLE_TAP, -1, 0,       \
	  VNL_SIDE_HOST)                                                                           \
	X(VHOST_RX, "vhost.handle_rx", VNL_DIR_TO_GUEST, -1, VNL_ROLE_NONE,                        \
	  VNL_PT_VHOST_HANDLE_RX, 1, VNL_SIDE_HOST)                                                \
	X(VHOST_SIGNAL, "vhost.signal", VNL_DIR_TO_GUEST, -1, VNL_ROLE_NONE, VNL_PT_VHOST_SIGNAL,  \
	  1, VNL_SIDE_HOST)                                                                        \
	X(KVM_IRQ, "kvm.irq", VNL_DIR_TO_GUEST, VNL_PT_KVM_SET_IRQ, VNL_ROLE_NONE, -1, 1,          \
	  VNL_SIDE_HOST)                                                                           \
	X(KVM_MSI, "kvm.msi", VNL_DIR_TO_GUEST, VNL_PT_KVM_MSI_SET_IRQ, VNL_ROLE_NONE, -1, 1,      \
	  VNL_SIDE_HOST)                                                                           \
	X(GUEST_IRQ, "guest.irq", VNL_DIR_TO_GUEST, -1, VNL_ROLE_NONE, VNL_PT_VRING_INTERRUPT, 1,  \
	  VNL_SIDE_GUEST)                                                                          \
	X(GUEST_NAPI, "guest.napi_poll", VNL_DIR_TO_GUEST, -1, VNL_ROLE_NONE, VNL_PT_VIRTNET_POLL, \
	  1, VNL_SIDE_GUEST)                                                                       \
	X(GUEST_GRO, "guest.gro", VNL_DIR_TO_GUEST, VNL_PT_GRO_RECEIVE, VNL_ROLE_GUEST, -1, 0,     \
	  VNL_SIDE_GUEST)                                                                          \
	X(GUEST_RECEIVE, "guest.receive", VNL_DIR_TO_GUEST, VNL_PT_NETIF_RECEIVE_SKB,              \
	  VNL_ROLE_GUEST, -1, 0, VNL_SIDE_GUEST)                                                   \
	X(GUEST_APP_READ, "guest.app_read", VNL_DIR_TO_GUEST, VNL_PT_COPY_DATAGRAM,                \
	  VNL_ROLE_GUEST, VNL_PT_SKB_CONSUME_UDP, 0, VNL_SIDE_GUEST)                               \
	X(GUEST_APP_SEND, "guest.app_send", VNL_DIR_FROM_GUEST, VNL_PT_SYS_ENTER, VNL_ROLE_NONE,   \
	  -1, 1, VNL_SIDE_GUEST)                                                                   \
	X(GUEST_QUEUE, "guest.queue", VNL_DIR_FROM_GUEST, VNL_PT_DEV_QUEUE, VNL_ROLE_GUEST, -1, 0, \
	  VNL_SIDE_GUEST)                                                                          \
	X(GUEST_XMIT_START, "guest.xmit_start", VNL_DIR_FROM_GUEST, VNL_PT_DEV_START_XMIT,         \
	  VNL_ROLE_GUEST, VNL_PT_VIRTNET_XMIT, 0, VNL_SIDE_GUEST)                                  \
	X(GUEST_KICK, "guest.kick", VNL_DIR_FROM_GUEST, -1, VNL_ROLE_NONE, VNL_PT_VQ_NOTIFY, 1,    \
	  VNL_SIDE_GUEST)                                                                          \
	X(KVM_KICK_FAST_MMIO, "kvm.kick_fast_mmio", VNL_DIR_FROM_GUEST, VNL_PT_KVM_FAST_MMIO,      \
	  VNL_ROLE_NONE, -1, 1, VNL_SIDE_HOST)                                                     \
	X(KVM_KICK_MMIO, "kvm.kick_mmio", VNL_DIR_FROM_GUEST, VNL_PT_KVM_MMIO, VNL_ROLE_NONE, -1,  \
	  1, VNL_SIDE_HOST)                                                                        \
	X(KVM_KICK_PIO, "kvm.kick_pio", VNL_DIR_FROM_GUEST, VNL_PT_KVM_PIO, VNL_ROLE_NONE, -1, 1,  \
	  VNL_SIDE_HOST)                                                                           \
	X(VHOST_TX, "vhost.handle_tx", VNL_DIR_FROM_GUEST, -1, VNL_ROLE_NONE,                      \
	  VNL_PT_VHOST_HANDLE_TX, 1, VNL_SIDE_HOST)                                                \
	X(VMM_WRITE, "vmm.write", VNL_DIR_FROM_GUEST, -1, VNL_ROLE_NONE, VNL_PT_TUN_GET_USER, 1,   \
	  VNL_SIDE_HOST)                                                                           \
	X(TAP_RX, "tap.rx", VNL_DIR_FROM_GUEST, VNL_PT_NETIF_RX, VNL_ROLE_TAP, -1, 0,              \
	  VNL_SIDE_HOST)                                                                           \
	X(TAP_RECEIVE, "tap.receive", VNL_DIR_FROM_GUEST, VNL_PT_NETIF_RECEIVE_SKB, VNL_ROLE_TAP,  \
	  -1, 0, VNL_SIDE_HOST)                                                                    \
	X(UPLINK_QUEUE, "uplink.queue", VNL_DIR_FROM_GUEST, VNL_PT_DEV_QUEUE, VNL_ROLE_UPLINK, -1, \
	  0, VNL_SIDE_HOST)                                                                        \
	X(UPLINK_XMIT_START, "uplink.xmit_start", VNL_DIR_FROM_GUEST, VNL_PT_DEV_START_XMIT,       \
	  VNL_ROLE_UPLINK, -1, 0, VNL_SIDE_HOST)                                                   \
	X(UPLINK_XMIT, "uplink.xmit", VNL_DIR_FROM_GUEST, VNL_PT_DEV_XMIT, VNL_ROLE_UPLINK, -1, 0, \
	  VNL_SIDE_HOST)                                                                           \
	X(DROP, "drop", VNL_DIR_ANY, VNL_PT_KFREE_SKB, VNL_ROLE_NONE, -1, 0, VNL_SIDE_BOTH)        \
	X(CLOCK_ADJUST, "clock.adjust", VNL_DIR_ANY, VNL_PT_SYS_ENTER, VNL_ROLE_NONE, -1, 1,       \
	  VNL_SIDE_BOTH)                                                                           \
	X(VMM_SCHED, "vmm.sched_delay", VNL_DIR_ANY, VNL_PT_SCHED_SWITCH, VNL_ROLE_NONE, -1, 1,    \
	  VNL_SIDE_HOST)

/*
 * Hops whose function and tracepoint see different packets, so both are attached when the
 * function is available: a UDP socket copies a linear packet to its reader without
 * skb_copy_datagram_iovec (skb_consume_udp sees it), TCP through it.
 */
#define VNL_HOP_BOTH_POINTS(X) X(GUEST_APP_READ)

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
	X(TAP_XMIT_START, TAP_XMIT, "host.tap_xmit")                                               \
	X(TAP_XMIT, VMM_READ, "host.tap_queue")                                                    \
	X(TAP_XMIT, VHOST_RX, "host.tap_queue")                                                    \
	X(VHOST_RX, VHOST_SIGNAL, "vmm.vhost_rx")                                                  \
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
