// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* vnetlat dump --pcapng (see pcapng.h); the format is IETF's draft-ietf-opsawg-pcapng. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include "format.h"
#include "hoptab.h"
#include "journey.h"
#include "pcapng.h"
#include "recording.h"

enum {
	BT_SHB = 0x0a0d0d0a,
	BT_IDB = 1,
	BT_EPB = 6,
	OPT_END = 0,
	OPT_COMMENT = 1,
	IF_NAME = 2,
	IF_DESCRIPTION = 3,
	IF_TSRESOL = 9,
	LINKTYPE_ETHERNET = 1,
};

#define FRAME_MAX 256

/* A block being built: its body, then options, each padded to 32 bits. */
struct block {
	uint8_t b[1024];
	size_t len;
	int overflow;
};

static void put(struct block *k, const void *p, size_t n)
{
	if (!n)
		return;
	if (k->len + n > sizeof(k->b)) {
		k->overflow = 1;
		return;
	}
	memcpy(k->b + k->len, p, n);
	k->len += n;
}

static void put32(struct block *k, uint32_t v)
{
	put(k, &v, 4);
}

static void pad(struct block *k)
{
	static const uint8_t zero[4];

	put(k, zero, (4 - k->len % 4) % 4);
}

static void option(struct block *k, uint16_t code, const void *v, size_t n)
{
	uint16_t h[2] = {code, (uint16_t)n};

	put(k, h, sizeof(h));
	put(k, v, n);
	pad(k);
}

/* Writes type, total length, the body, total length. */
static int emit(struct pcapng *pc, uint32_t type, struct block *k)
{
	uint32_t total = (uint32_t)(k->len + 12);

	if (k->overflow)
		return -EOVERFLOW;
	if (fwrite(&type, 4, 1, pc->f) != 1 || fwrite(&total, 4, 1, pc->f) != 1 ||
	    fwrite(k->b, 1, k->len, pc->f) != k->len || fwrite(&total, 4, 1, pc->f) != 1)
		return -EIO;
	return 0;
}

int pcapng_open(struct pcapng *pc, FILE *f)
{
	struct block k = {.len = 0};
	uint16_t version[2] = {1, 0};
	int64_t section_len = -1;
	uint32_t magic = 0x1a2b3c4d;
	const char *app = "vnetlat " VNL_VERSION;

	memset(pc, 0, sizeof(*pc));
	pc->f = f;
	put32(&k, magic);
	put(&k, version, sizeof(version));
	put(&k, &section_len, sizeof(section_len));
	option(&k, 4 /* shb_userappl */, app, strlen(app));
	option(&k, OPT_END, NULL, 0);
	return emit(pc, BT_SHB, &k);
}

/* The interface of a hop in a kernel (0: the host), described once. */
static int iface_of(struct pcapng *pc, unsigned int kernel, unsigned int hop, uint32_t *id)
{
	uint16_t *slot = &pc->ifid[kernel < 4 ? kernel : 3][hop];
	uint16_t link[2] = {LINKTYPE_ETHERNET, 0};
	struct block k = {.len = 0};
	char name[64], desc[128];
	uint8_t resol = 9; /* nanoseconds */
	int err;

	if (*slot) {
		*id = *slot - 1u;
		return 0;
	}
	if (pc->nifs >= PCAPNG_MAX_IFS)
		return -ENOSPC;
	if (kernel)
		snprintf(name, sizeof(name), "guest%u %s", kernel, hop_name(hop));
	else
		snprintf(name, sizeof(name), "host %s", hop_name(hop));
	snprintf(desc, sizeof(desc), "vnetlat hop %s in %s", hop_name(hop),
		 kernel ? "a guest's kernel" : "the host's kernel");
	put(&k, link, sizeof(link));
	put32(&k, 0); /* snaplen: no limit */
	option(&k, IF_NAME, name, strlen(name));
	option(&k, IF_DESCRIPTION, desc, strlen(desc));
	option(&k, IF_TSRESOL, &resol, 1);
	option(&k, OPT_END, NULL, 0);
	err = emit(pc, BT_IDB, &k);
	if (err)
		return err;
	*id = pc->nifs++;
	*slot = (uint16_t)(*id + 1);
	return 0;
}

static void be16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void be32(uint8_t *p, uint32_t v)
{
	be16(p, v >> 16);
	be16(p + 2, v);
}

/* The Internet checksum of n bytes (n even). */
static uint16_t inet_csum(const uint8_t *p, size_t n)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* The PTP common header (34 bytes) with what the hop decoded: type, domain, sequence id. */
static size_t ptp_header(const struct vnl_pkt *p, uint8_t *b)
{
	memset(b, 0, VNL_PTP_HDR_LEN);
	b[0] = (uint8_t)(VNL_PTP_TYPE(p->ack) & 0xf);
	b[1] = 2; /* versionPTP */
	be16(b + 2, VNL_PTP_HDR_LEN);
	b[4] = (uint8_t)VNL_PTP_DOMAIN(p->ack);
	be16(b + 30, VNL_PTP_SEQ(p->ack));
	return VNL_PTP_HDR_LEN;
}

/* The transport header at b; its length, *data the payload it announces. */
static size_t l4_header(const struct vnl_pkt *p, uint8_t *b, uint32_t *data)
{
	const struct vnl_flow *f = &p->flow;
	size_t n = 0;

	*data = p->payload;
	switch (f->proto) {
	case 6:
		memset(b, 0, 20);
		be16(b, f->sport);
		be16(b + 2, f->dport);
		be32(b + 4, p->seq);
		be32(b + 8, p->ack);
		b[12] = 5 << 4;
		b[13] = p->tcp_flags;
		return 20;
	case 17:
		memset(b, 0, 8);
		be16(b, f->sport);
		be16(b + 2, f->dport);
		be16(b + 4, 8 + p->payload);
		n = 8;
		if (p->flags & VNL_PKT_PTP) {
			n += ptp_header(p, b + 8);
			*data = p->payload > VNL_PTP_HDR_LEN ? p->payload - VNL_PTP_HDR_LEN : 0;
		}
		return n;
	case 1:
	case 58:
		memset(b, 0, 8);
		b[0] = f->proto == 1 ? (p->flags & VNL_PKT_ECHO_REPLY ? 0 : 8)
				     : (p->flags & VNL_PKT_ECHO_REPLY ? 129 : 128);
		be16(b + 4, f->sport); /* echo id */
		be16(b + 6, p->seq);
		*data = 0;
		if (f->proto == 1)
			be16(b + 2, inet_csum(b, 8));
		return 8;
	default:
		*data = 0;
		return 0;
	}
}

size_t pcapng_frame(const struct vnl_pkt *p, uint8_t *buf, size_t size, uint32_t *orig_len)
{
	static const uint8_t macs[12] = {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1};
	const struct vnl_flow *f = &p->flow;
	size_t l3 = f->family == 6 ? 40 : 20, l4;
	uint32_t data;
	uint8_t *ip = buf + 14;

	if (size < FRAME_MAX)
		return 0;
	memset(buf, 0, FRAME_MAX);
	memcpy(buf, macs, sizeof(macs));
	if (!f->family) {
		if (!(p->flags & VNL_PKT_PTP))
			return 0;
		be16(buf + 12, VNL_PTP_ETHERTYPE);
		*orig_len = (uint32_t)(14 + ptp_header(p, ip));
		return *orig_len;
	}
	l4 = l4_header(p, ip + l3, &data);
	if (f->family == 4) {
		be16(buf + 12, 0x0800);
		ip[0] = 0x45;
		be16(ip + 2, (uint32_t)(l3 + l4 + data));
		ip[8] = 64;
		ip[9] = f->proto;
		memcpy(ip + 12, f->saddr, 4);
		memcpy(ip + 16, f->daddr, 4);
		be16(ip + 10, inet_csum(ip, 20));
	} else {
		be16(buf + 12, 0x86dd);
		ip[0] = 0x60;
		be16(ip + 4, (uint32_t)(l4 + data));
		ip[6] = f->proto;
		ip[7] = 64;
		memcpy(ip + 8, f->saddr, 16);
		memcpy(ip + 24, f->daddr, 16);
	}
	*orig_len = (uint32_t)(14 + l3 + l4 + data);
	return 14 + l3 + l4;
}

/* "journey 12 to_guest, hop 3 of 7: host.tap_xmit; next host.tap_queue 1.18ms" */
static void comment(const struct journey *j, int i, char *buf, size_t size)
{
	char seg[80], v[16];
	int n;

	n = snprintf(buf, size, "journey %" PRIu64 " %s, hop %d of %d: %s", j->id, dir_name(j->dir),
		     i + 1, j->nhops, hop_name(j->hops[i]));
	if (n < 0 || (size_t)n >= size)
		return;
	if (i + 1 < j->nhops) {
		fmt_ns((uint64_t)ts_diff(j->ts[i + 1], j->ts[i]), v, sizeof(v));
		snprintf(buf + n, size - (size_t)n, "; next %s %s",
			 segment_name(j->hops[i], j->hops[i + 1], seg, sizeof(seg)), v);
	} else {
		fmt_ns((uint64_t)ts_diff(j->ts[i], j->ts[0]), v, sizeof(v));
		snprintf(buf + n, size - (size_t)n, "; end to end %s", v);
	}
}

int pcapng_journey(struct pcapng *pc, const struct recording *rec, const struct journey *j)
{
	uint8_t frame[FRAME_MAX];
	uint32_t orig = 0, id;
	size_t cap = pcapng_frame(&j->pkt, frame, sizeof(frame), &orig);
	int i, err;

	if (!cap)
		return 0; /* neither IP nor PTP: nothing to show */
	for (i = 0; i < j->nhops; i++) {
		unsigned int hop = j->hops[i], kernel = hop_in_guest(hop) ? j->kernel : 0;
		uint64_t wall = rec->realtime_ns + (j->ts[i] - rec->monotonic_ns);
		struct block k = {.len = 0};
		char text[256];

		if (hop >= VNL_HOP_MAX)
			continue;
		err = iface_of(pc, kernel, hop, &id);
		if (err)
			return err;
		comment(j, i, text, sizeof(text));
		put32(&k, id);
		put32(&k, (uint32_t)(wall >> 32));
		put32(&k, (uint32_t)wall);
		put32(&k, (uint32_t)cap);
		put32(&k, orig > cap ? orig : (uint32_t)cap);
		put(&k, frame, cap);
		pad(&k);
		option(&k, OPT_COMMENT, text, strlen(text));
		option(&k, OPT_END, NULL, 0);
		err = emit(pc, BT_EPB, &k);
		if (err)
			return err;
		pc->packets++;
	}
	return 0;
}
