/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * vnetlat dump --pcapng: every hop of every journey as a packet, for Wireshark and tshark.
 * One interface per kernel and hop ("host uplink.rx", "guest1 guest.gro"), nanosecond
 * timestamps (wall-clock, the host's), and the packet's headers rebuilt from what the hop
 * parsed (addresses, ports, TCP sequence numbers, ICMP echo ids, the PTP header): the payload
 * is not recorded, so a packet is its headers, its original length the IP one. Each packet's
 * comment names its journey, its hop and the segment to the next hop.
 */
#ifndef VNL_PCAPNG_H
#define VNL_PCAPNG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "hops.h"
#include "vnetlat.h"

struct recording;
struct journey;

#define PCAPNG_MAX_IFS 512

struct pcapng {
	FILE *f;
	int err;
	/* interface ids, by kernel and hop: 0 for none yet, else id + 1 */
	uint16_t ifid[4][VNL_HOP_MAX];
	unsigned int nifs;
	uint64_t packets;
};

/* The headers a packet's parsed fields describe: Ethernet, IP, the transport's; 0 if none. */
size_t pcapng_frame(const struct vnl_pkt *p, uint8_t *buf, size_t size, uint32_t *orig_len);
int pcapng_open(struct pcapng *pc, FILE *f);
/* Every hop of j as a packet. */
int pcapng_journey(struct pcapng *pc, const struct recording *rec, const struct journey *j);

#endif
