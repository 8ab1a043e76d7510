// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The benchmark's floor: empty programs on the tracepoints vnetlat uses on the receive path,
 * the price of being attached at all.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define EMPTY(tp)                                                                                  \
	SEC("tp_btf/" #tp) int BPF_PROG(floor_##tp)                                                \
	{                                                                                          \
		return 0;                                                                          \
	}

EMPTY(net_dev_queue)
EMPTY(net_dev_start_xmit)
EMPTY(net_dev_xmit)
EMPTY(netif_rx)
EMPTY(netif_receive_skb)
EMPTY(skb_copy_datagram_iovec)
