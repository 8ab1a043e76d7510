// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "hoptab.h"

#define HOP_INFO(id, nm, d, pt, rl, fpt, knd, sd, rsn)                                             \
	[VNL_HOP_##id] = {.name = nm,                                                              \
			  .dir = VNL_DIR_##d,                                                      \
			  .point = VNL_PT_##pt,                                                    \
			  .role = VNL_ROLE_##rl,                                                   \
			  .fn_point = VNL_PT_##fpt,                                                \
			  .kind = VNL_KIND_##knd,                                                  \
			  .packetless = VNL_KIND_##knd != VNL_KIND_PACKET &&                       \
					VNL_KIND_##knd != VNL_KIND_DROP,                           \
			  .side = VNL_SIDE_##sd,                                                   \
			  .reason = VNL_REASON_##rsn},
const struct hop_info vnl_hops[VNL_HOP_MAX] = {VNL_HOP_TABLE(HOP_INFO)};

#define KVM   .needs = VNL_NEEDS_KVM
#define VHOST .needs = VNL_NEEDS_VHOST

const struct point_info vnl_points[VNL_PT_MAX] = {
    [VNL_PT_NETIF_RX] = {.name = "netif_rx", .category = "net"},
    [VNL_PT_NETIF_RECEIVE_SKB] = {.name = "netif_receive_skb", .category = "net"},
    [VNL_PT_GRO_RECEIVE] = {.name = "napi_gro_receive_entry",
			    .category = "net",
			    .note = "only where a driver uses GRO: not a veth's or a tap's"},
    [VNL_PT_DEV_QUEUE] = {.name = "net_dev_queue", .category = "net"},
    [VNL_PT_DEV_START_XMIT] = {.name = "net_dev_start_xmit", .category = "net"},
    [VNL_PT_DEV_XMIT] = {.name = "net_dev_xmit", .category = "net"},
    [VNL_PT_COPY_DATAGRAM] = {.name = "skb_copy_datagram_iovec", .category = "skb"},
    [VNL_PT_KFREE_SKB] = {.name = "kfree_skb", .category = "skb"},
    [VNL_PT_KVM_SET_IRQ] = {.name = "kvm_set_irq", .category = "kvm", KVM},
    [VNL_PT_KVM_MSI_SET_IRQ] = {.name = "kvm_msi_set_irq", .category = "kvm", KVM},
    [VNL_PT_KVM_FAST_MMIO] = {.name = "kvm_fast_mmio", .category = "kvm", KVM},
    [VNL_PT_KVM_MMIO] = {.name = "kvm_mmio", .category = "kvm", KVM},
    [VNL_PT_KVM_PIO] = {.name = "kvm_pio", .category = "kvm", KVM},
    [VNL_PT_TUN_NET_XMIT] = {.name = "tun_net_xmit", .category = NULL},
    [VNL_PT_TUN_GET_USER] = {.name = "tun_get_user", .category = NULL},
    [VNL_PT_VHOST_HANDLE_RX] = {.name = "handle_rx", .category = NULL, VHOST},
    [VNL_PT_VHOST_HANDLE_TX] = {.name = "handle_tx", .category = NULL, VHOST},
    /* not vhost_signal, which its module's own callers have inlined (Debian's 6.1) */
    [VNL_PT_VHOST_SIGNAL] = {.name = "vhost_add_used_and_signal_n", .category = NULL, VHOST},
    [VNL_PT_SYS_ENTER] = {.name = "sys_enter", .category = "raw_syscalls"},
    [VNL_PT_VIRTNET_XMIT] = {.name = "start_xmit", .category = NULL},
    [VNL_PT_VQ_NOTIFY] = {.name = "virtqueue_notify", .category = NULL},
    [VNL_PT_VRING_INTERRUPT] = {.name = "vring_interrupt", .category = NULL},
    [VNL_PT_VIRTNET_POLL] = {.name = "virtnet_poll", .category = NULL},
    [VNL_PT_SKB_CONSUME_UDP] = {.name = "skb_consume_udp", .category = NULL},
    [VNL_PT_SCHED_SWITCH] = {.name = "sched_switch", .category = "sched"},
    [VNL_PT_SCHED_WAKEUP] = {.name = "sched_wakeup", .category = "sched"},
    [VNL_PT_QDISC_ENQUEUE] = {.name = "qdisc_enqueue",
			      .category = "qdisc",
			      .note = "not on the bypass path of an empty qdisc"},
    [VNL_PT_QDISC_DEQUEUE] = {.name = "qdisc_dequeue", .category = "qdisc"},
    [VNL_PT_SOFTIRQ_ENTRY] = {.name = "softirq_entry", .category = "irq"},
    [VNL_PT_SOFTIRQ_EXIT] = {.name = "softirq_exit", .category = "irq"},
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
_Static_assert(VNL_HOP_MAX < VNL_HOP_NONE, "hop ids stay below the 'no hop' mark");
_Static_assert(sizeof(segments) / sizeof(segments[0]) < 256, "seg_of (BPF) holds a slot in a byte");
#define ONE(...) +1
_Static_assert(0 VNL_TP_POINTS(ONE) VNL_FN_POINTS(ONE) == VNL_PT_MAX,
	       "every attach point has its programs (include/vnetlat.h)");
#undef ONE

#define BOTH_ROW(id) VNL_HOP_##id,
static const unsigned int both_points[] = {VNL_HOP_BOTH_POINTS(BOTH_ROW)};

int hop_companion(unsigned int hop)
{
#define COMPANION(id, pt)                                                                          \
	if (hop == VNL_HOP_##id)                                                                   \
		return VNL_PT_##pt;
	VNL_HOP_COMPANION(COMPANION)
#undef COMPANION
	return -1;
}

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

/* segment_slot's answers and the names of the pairs outside the table ("a..b"), made once:
 * the report asks for every segment of every journey */
static uint8_t slot_of[VNL_HOP_MAX][VNL_HOP_MAX];
static char pair_name[VNL_HOP_MAX][VNL_HOP_MAX][2 * 24 + 3];
static pthread_once_t slot_of_once = PTHREAD_ONCE_INIT;

static void fill_slot_of(void)
{
	size_t i, j;

	for (i = 0; i < VNL_HOP_MAX; i++)
		for (j = 0; j < VNL_HOP_MAX; j++)
			snprintf(pair_name[i][j], sizeof(pair_name[i][j]), "%s..%s",
				 vnl_hops[i].name, vnl_hops[j].name);
	for (i = sizeof(segments) / sizeof(segments[0]); i-- > 0;) /* the first entry wins */
		if (segments[i].from < VNL_HOP_MAX && segments[i].to < VNL_HOP_MAX)
			slot_of[segments[i].from][segments[i].to] = (uint8_t)(i + 1);
}

const char *segment_name(unsigned int from, unsigned int to, char *buf, size_t size)
{
	unsigned int slot = segment_slot(from, to);

	if (slot)
		return segments[slot - 1].name;
	if (from < VNL_HOP_MAX && to < VNL_HOP_MAX)
		return pair_name[from][to];
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
	if (from >= VNL_HOP_MAX || to >= VNL_HOP_MAX)
		return 0;
	pthread_once(&slot_of_once, fill_slot_of);
	return slot_of[from][to];
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
