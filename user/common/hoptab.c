// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdio.h>
#include <string.h>
#include "hoptab.h"

#define HOP_INFO(id, nm, d, pt, rl, fpt, nopkt, sd)                                                \
	[VNL_HOP_##id] = {.name = nm,                                                              \
			  .dir = d,                                                                \
			  .point = pt,                                                             \
			  .role = rl,                                                              \
			  .fn_point = fpt,                                                         \
			  .packetless = nopkt,                                                     \
			  .side = sd},
const struct hop_info vnl_hops[VNL_HOP_MAX] = {VNL_HOP_TABLE(HOP_INFO)};

#define KVM_WHY	  "no KVM guest runs on the test machines (QEMU under TCG)"
#define VHOST_WHY "no vhost-net on the test machines"
#define KFN_WHY	  "needs fentry or kprobes, which the test host lacks"

const struct point_info vnl_points[VNL_PT_MAX] = {
    [VNL_PT_NETIF_RX] = {"netif_rx", "net", "netif_rx", NULL},
    [VNL_PT_NETIF_RECEIVE_SKB] = {"netif_receive_skb", "net", "netif_receive_skb", NULL},
    [VNL_PT_GRO_RECEIVE] = {"napi_gro_receive_entry", "net", "napi_gro_receive_entry",
			    "does not fire on a veth or tap at low rates"},
    [VNL_PT_DEV_QUEUE] = {"net_dev_queue", "net", "net_dev_queue", NULL},
    [VNL_PT_DEV_START_XMIT] = {"net_dev_start_xmit", "net", "net_dev_start_xmit", NULL},
    [VNL_PT_DEV_XMIT] = {"net_dev_xmit", "net", "net_dev_xmit", NULL},
    [VNL_PT_COPY_DATAGRAM] = {"skb_copy_datagram_iovec", "skb", "skb_copy_datagram_iovec", NULL},
    [VNL_PT_KFREE_SKB] = {"kfree_skb", "skb", "kfree_skb", NULL},
    [VNL_PT_KVM_SET_IRQ] = {"kvm_set_irq", "kvm", "kvm_set_irq", KVM_WHY},
    [VNL_PT_KVM_MSI_SET_IRQ] = {"kvm_msi_set_irq", "kvm", "kvm_msi_set_irq", KVM_WHY},
    [VNL_PT_KVM_FAST_MMIO] = {"kvm_fast_mmio", "kvm", "kvm_fast_mmio", KVM_WHY},
    [VNL_PT_KVM_MMIO] = {"kvm_mmio", "kvm", "kvm_mmio", KVM_WHY},
    [VNL_PT_KVM_PIO] = {"kvm_pio", "kvm", "kvm_pio", KVM_WHY},
    [VNL_PT_TUN_NET_XMIT] = {"tun_net_xmit", NULL, "tun_net_xmit", KFN_WHY},
    [VNL_PT_TUN_GET_USER] = {"tun_get_user", NULL, "tun_get_user", KFN_WHY},
    [VNL_PT_VHOST_HANDLE_RX] = {"handle_rx", NULL, "handle_rx", VHOST_WHY},
    [VNL_PT_VHOST_HANDLE_TX] = {"handle_tx", NULL, "handle_tx", VHOST_WHY},
    [VNL_PT_VHOST_SIGNAL] = {"vhost_signal", NULL, "vhost_signal", VHOST_WHY},
    [VNL_PT_SYS_ENTER] = {"sys_enter", "raw_syscalls", "sys_enter", NULL},
    [VNL_PT_VIRTNET_XMIT] = {"start_xmit", NULL, "start_xmit", NULL},
    [VNL_PT_VQ_NOTIFY] = {"virtqueue_notify", NULL, "virtqueue_notify", NULL},
    [VNL_PT_VRING_INTERRUPT] = {"vring_interrupt", NULL, "vring_interrupt", NULL},
    [VNL_PT_VIRTNET_POLL] = {"virtnet_poll", NULL, "virtnet_poll", NULL},
    [VNL_PT_SKB_CONSUME_UDP] = {"skb_consume_udp", NULL, "skb_consume_udp", NULL},
    [VNL_PT_SCHED_SWITCH] = {"sched_switch", "sched", "sched_switch", NULL},
    [VNL_PT_SCHED_WAKEUP] = {"sched_wakeup", "sched", "sched_wakeup", NULL},
};

#define SEG_ROW(a, b, nm) {VNL_HOP_##a, VNL_HOP_##b, nm},
static const struct {
	unsigned int from, to;
	const char *name;
} segments[] = {VNL_SEGMENT_TABLE(SEG_ROW)};

/* what other code assumes of the tables: checked here, where they grow */
_Static_assert(sizeof(segments) / sizeof(segments[0]) < VNL_AGG_E2E,
	       "aggregate slots 1.. hold the segment rows, below the end-to-end slots");
_Static_assert(VNL_AGG_E2E + VNL_DIR_ANY <= VNL_AGG_SLOTS, "end-to-end slots fit");
_Static_assert(VNL_HOP_MAX <= 64, "live.h keeps 64 hops of a recording's table");
_Static_assert(VNL_HOP_MAX < 256, "a recording's hop ids are mapped through 256 entries");

#define BOTH_ROW(id) VNL_HOP_##id,
static const unsigned int both_points[] = {VNL_HOP_BOTH_POINTS(BOTH_ROW)};

int hop_both_points(unsigned int hop)
{
	size_t i;

	for (i = 0; i < sizeof(both_points) / sizeof(both_points[0]); i++)
		if (both_points[i] == hop)
			return 1;
	return 0;
}

const char *hop_name(unsigned int hop)
{
	return hop < VNL_HOP_MAX ? vnl_hops[hop].name : "unknown";
}

int hop_in_guest(unsigned int hop)
{
	return hop < VNL_HOP_MAX && vnl_hops[hop].side == VNL_SIDE_GUEST;
}

const char *outside_segment_name(enum vnl_dir request_dir, unsigned int request_last_hop)
{
	if (request_dir != VNL_DIR_TO_GUEST)
		return VNL_SEG_OUTSIDE_REMOTE;
	return hop_in_guest(request_last_hop) ? VNL_SEG_TURNAROUND : VNL_SEG_OUTSIDE_GUEST;
}

const char *round_trip_prefix(enum vnl_dir dir)
{
	return dir == VNL_DIR_TO_GUEST ? "to_guest." : "from_guest.";
}

const char *segment_name(unsigned int from, unsigned int to, char *buf, size_t size)
{
	unsigned int slot = segment_slot(from, to);

	if (slot)
		return segments[slot - 1].name;
	snprintf(buf, size, "%s..%s", hop_name(from), hop_name(to));
	return buf;
}

static int path_hop(const int attached[VNL_HOP_MAX], const int role_traced[VNL_ROLE_MAX], int h)
{
	const struct hop_info *hi = &vnl_hops[h];

	if (hi->packetless || hi->dir == VNL_DIR_ANY || !attached[h])
		return 0;
	return hi->role == VNL_ROLE_NONE || role_traced[hi->role];
}

void final_hops(const int attached[VNL_HOP_MAX], const int role_traced[VNL_ROLE_MAX],
		int final_hop[VNL_DIR_MAX])
{
	int h, d;

	for (d = 0; d < VNL_DIR_MAX; d++)
		final_hop[d] = -1;
	for (h = 0; h < VNL_HOP_MAX; h++)
		if (path_hop(attached, role_traced, h))
			final_hop[vnl_hops[h].dir] = h; /* the table is in path order */
}

void first_hops(const int attached[VNL_HOP_MAX], const int role_traced[VNL_ROLE_MAX],
		int first_hop[VNL_DIR_MAX])
{
	int h, d;

	for (d = 0; d < VNL_DIR_MAX; d++)
		first_hop[d] = -1;
	for (h = VNL_HOP_MAX - 1; h >= 0; h--)
		if (path_hop(attached, role_traced, h))
			first_hop[vnl_hops[h].dir] = h;
}

int dataless_end(int final)
{
#define VNL_DATALESS(last, end)                                                                    \
	if (final == VNL_HOP_##last)                                                               \
		return VNL_HOP_##end;
	VNL_HOP_DATALESS_END(VNL_DATALESS)
#undef VNL_DATALESS
	return final;
}

unsigned int segment_slot(unsigned int from, unsigned int to)
{
	size_t i;

	for (i = 0; i < sizeof(segments) / sizeof(segments[0]); i++)
		if (segments[i].from == from && segments[i].to == to)
			return (unsigned int)i + 1;
	return 0;
}

int segment_of_slot(unsigned int slot, unsigned int *from, unsigned int *to, const char **name)
{
	if (slot == 0 || slot > sizeof(segments) / sizeof(segments[0]))
		return -1;
	*from = segments[slot - 1].from;
	*to = segments[slot - 1].to;
	*name = segments[slot - 1].name;
	return 0;
}
