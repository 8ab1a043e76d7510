// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * vmm-standin: stands in for a VMM on a tap device, for vnetlat's demo and tests. It opens the
 * tap the way QEMU does (IFF_TAP | IFF_NO_PI | IFF_VNET_HDR, 12-byte virtio-net header), so
 * the host kernel runs the same code as for a VM, and plays a guest: it answers ARP and IPv6
 * neighbour solicitations for its addresses, ICMP/ICMPv6 echo and UDP (echoed back to the
 * sender). Each echo is held for --delay before it is written back, which gives tests a
 * known truth for the time spent outside the host kernel.
 *
 *   vmm-standin --tap tap0 --ip 198.18.0.2 [--ip6 fd00:198:18::2] [--delay 5ms] [--mac ...]
 *               [--spike-every 2s --spike-extra 3ms [--spike-length 300ms]] [--lose N]
 *               [--vhost]
 * The spike options hold echoes longer for a while at a fixed period: a VMM that stalls every
 * few seconds, the pattern the report's spike analysis is to find.
 *
 * --vhost: the frames go through /dev/vhost-net instead, as for a VM with vhost=on. The
 * stand-in then plays the guest's virtio-net driver: it gives the kernel's vhost worker a
 * receive and a transmit virtqueue (split rings in its own memory, mapped one to one), and the
 * worker moves the frames between the tap and the rings (handle_rx, handle_tx), signalling an
 * eventfd where a VMM would inject an interrupt, as the kernel's own tools/virtio tests drive it.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/vhost.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#define VNET_HDR  12
#define FRAME_MAX 9216
#define QUEUE_MAX 4096

struct reply {
	uint64_t due_ns;
	size_t len;
	uint8_t buf[VNET_HDR + FRAME_MAX];
};

static struct reply *queue;
static size_t qhead, qlen;
static uint8_t my_mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
static uint32_t my_ip;
static struct in6_addr my_ip6;
static int have_ip6;
static uint64_t delay_ns;
static uint64_t spike_every_ns, spike_extra_ns, spike_length_ns = 300000000ULL, start_ns;

/* How long an echo taken now is held: --delay, plus --spike-extra during a spike. */
static uint64_t hold_ns(uint64_t now)
{
	if (spike_every_ns && (now - start_ns) % spike_every_ns < spike_length_ns)
		return delay_ns + spike_extra_ns;
	return delay_ns;
}
static volatile sig_atomic_t stop;
static int tap_fd;
static unsigned long long n_echo, n_arp, n_dropped, n_read, n_unanswered;
static unsigned long lose_every; /* --lose N: every Nth echo request gets no answer */

/* Whether this echo request is one --lose leaves unanswered (a lost reply). */
static int lose_this(void)
{
	static unsigned long seen;

	if (!lose_every || ++seen % lose_every)
		return 0;
	n_unanswered++;
	return 1;
}
/*
 * --stall-every N --stall D: after every Nth echo it answered, the stand-in reads nothing for
 * D, as a VMM whose thread was held: the next request (a client that waits for each answer
 * sends one) waits in the tap's queue for that long. One packet in N is slow.
 */
static unsigned long stall_every;
static uint64_t stall_ns;

static void stall_if_due(void)
{
	static unsigned long long last;
	struct timespec ts = {(time_t)(stall_ns / 1000000000ULL), (long)(stall_ns % 1000000000ULL)};

	if (!stall_every || n_echo == last || n_echo % stall_every)
		return;
	last = n_echo;
	nanosleep(&ts, NULL);
}

static int sink; /* --sink: read and discard, like a VMM under a flood; answers only ARP */
static volatile sig_atomic_t report_count;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += be16(p + i);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* A reply slot in the queue, or NULL when it is full (the request is dropped and counted). */
/* ---- --vhost: the guest's side of two virtqueues that the kernel's vhost worker serves ---- */

#define VQ_SIZE	   256
#define VQ_BUF	   (VNET_HDR + FRAME_MAX)
#define VQ_RX	   0
#define VQ_TX	   1
#define PAGE_UP(x) (((x) + 4095) & ~(size_t)4095)

struct virtqueue {
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	uint8_t *bufs;		/* VQ_SIZE buffers of VQ_BUF bytes, one per descriptor */
	uint16_t avail_idx;	/* entries published in avail */
	uint16_t last_used;	/* entries of used taken back */
	uint16_t free[VQ_SIZE]; /* transmit: descriptors not in flight */
	unsigned int nfree;
	int kick_fd, call_fd;
};

static struct {
	int fd; /* /dev/vhost-net; -1: frames are read and written on the tap itself */
	uint8_t *mem;
	size_t mem_size;
	struct virtqueue vq[2];
} vhost = {.fd = -1};

static size_t vq_bytes(void)
{
	return PAGE_UP(sizeof(struct vring_desc) * VQ_SIZE) +
	       PAGE_UP(sizeof(struct vring_avail) + sizeof(uint16_t) * (VQ_SIZE + 1)) +
	       PAGE_UP(sizeof(struct vring_used) + sizeof(struct vring_used_elem) * VQ_SIZE + 2) +
	       (size_t)VQ_SIZE * VQ_BUF;
}

/* Lays queue q out at p: descriptor table, available ring, used ring, then its buffers. */
static void vq_layout(struct virtqueue *q, uint8_t *p)
{
	q->desc = (struct vring_desc *)p;
	p += PAGE_UP(sizeof(struct vring_desc) * VQ_SIZE);
	q->avail = (struct vring_avail *)p;
	p += PAGE_UP(sizeof(struct vring_avail) + sizeof(uint16_t) * (VQ_SIZE + 1));
	q->used = (struct vring_used *)p;
	p += PAGE_UP(sizeof(struct vring_used) + sizeof(struct vring_used_elem) * VQ_SIZE + 2);
	q->bufs = p;
}

static void vq_kick(struct virtqueue *q)
{
	uint64_t one = 1;

	if (write(q->kick_fd, &one, sizeof(one)) < 0)
		perror("vmm-standin: vhost kick");
}

/* Makes descriptor id (its buffer, len bytes) available to the vhost worker. */
static void vq_publish(struct virtqueue *q, uint16_t id, uint32_t len, uint16_t flags)
{
	q->desc[id].addr = (uint64_t)(uintptr_t)(q->bufs + (size_t)id * VQ_BUF);
	q->desc[id].len = len;
	q->desc[id].flags = flags;
	q->desc[id].next = 0;
	q->avail->ring[q->avail_idx % VQ_SIZE] = id;
	__atomic_store_n(&q->avail->idx, ++q->avail_idx, __ATOMIC_RELEASE);
}

/* The next entry the worker put in q's used ring; 0 when there is none. */
static int vq_take_used(struct virtqueue *q, struct vring_used_elem *e)
{
	if (q->last_used == __atomic_load_n(&q->used->idx, __ATOMIC_ACQUIRE))
		return 0;
	*e = q->used->ring[q->last_used % VQ_SIZE];
	q->last_used++;
	return 1;
}

static int vq_setup(unsigned int index, struct virtqueue *q)
{
	struct vhost_vring_state num = {.index = index, .num = VQ_SIZE};
	struct vhost_vring_state base = {.index = index, .num = 0};
	struct vhost_vring_addr addr = {
	    .index = index,
	    .desc_user_addr = (uint64_t)(uintptr_t)q->desc,
	    .avail_user_addr = (uint64_t)(uintptr_t)q->avail,
	    .used_user_addr = (uint64_t)(uintptr_t)q->used,
	};
	struct vhost_vring_file kick = {.index = index}, call = {.index = index};

	q->kick_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	q->call_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	kick.fd = q->kick_fd;
	call.fd = q->call_fd;
	if (q->kick_fd < 0 || q->call_fd < 0 || ioctl(vhost.fd, VHOST_SET_VRING_NUM, &num) ||
	    ioctl(vhost.fd, VHOST_SET_VRING_BASE, &base) ||
	    ioctl(vhost.fd, VHOST_SET_VRING_ADDR, &addr) ||
	    ioctl(vhost.fd, VHOST_SET_VRING_KICK, &kick) ||
	    ioctl(vhost.fd, VHOST_SET_VRING_CALL, &call))
		return -1;
	return 0;
}

/* The device's features, the memory it may touch (all of ours, one to one), both queues. */
static int vhost_configure(void)
{
	struct {
		struct vhost_memory hdr;
		struct vhost_memory_region region;
	} table = {.hdr.nregions = 1};
	uint64_t features;
	unsigned int i;

	if (ioctl(vhost.fd, VHOST_SET_OWNER, NULL) ||
	    ioctl(vhost.fd, VHOST_GET_FEATURES, &features))
		return -1;
	/* a 12-byte header, as the tap's: VERSION_1 without VHOST_NET_F_VIRTIO_NET_HDR */
	if (!(features & (1ULL << VIRTIO_F_VERSION_1))) {
		errno = ENOTSUP;
		return -1;
	}
	features = 1ULL << VIRTIO_F_VERSION_1;
	if (ioctl(vhost.fd, VHOST_SET_FEATURES, &features))
		return -1;
	table.region.guest_phys_addr = (uint64_t)(uintptr_t)vhost.mem;
	table.region.userspace_addr = (uint64_t)(uintptr_t)vhost.mem;
	table.region.memory_size = vhost.mem_size;
	if (ioctl(vhost.fd, VHOST_SET_MEM_TABLE, &table))
		return -1;
	for (i = 0; i < 2; i++)
		if (vq_setup(i, &vhost.vq[i]))
			return -1;
	return 0;
}

/* Opens /dev/vhost-net and makes it the tap's reader and writer. */
static int vhost_open(int tap)
{
	struct virtqueue *rx = &vhost.vq[VQ_RX], *tx = &vhost.vq[VQ_TX];
	unsigned int i;

	vhost.mem_size = 2 * vq_bytes();
	vhost.mem =
	    mmap(NULL, vhost.mem_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (vhost.mem == MAP_FAILED) {
		vhost.mem = NULL;
		return -1;
	}
	vq_layout(rx, vhost.mem);
	vq_layout(tx, vhost.mem + vq_bytes());
	vhost.fd = open("/dev/vhost-net", O_RDWR | O_CLOEXEC);
	if (vhost.fd < 0 || vhost_configure())
		return -1;
	for (i = 0; i < VQ_SIZE; i++) {
		vq_publish(rx, (uint16_t)i, VQ_BUF, VRING_DESC_F_WRITE);
		tx->free[tx->nfree++] = (uint16_t)i;
	}
	for (i = 0; i < 2; i++) {
		struct vhost_vring_file backend = {.index = i, .fd = tap};

		if (ioctl(vhost.fd, VHOST_NET_SET_BACKEND, &backend))
			return -1;
	}
	vq_kick(rx);
	return 0;
}

static void vhost_close(void)
{
	unsigned int i;

	if (vhost.fd >= 0)
		close(vhost.fd);
	for (i = 0; i < 2; i++) {
		if (vhost.vq[i].kick_fd > 0)
			close(vhost.vq[i].kick_fd);
		if (vhost.vq[i].call_fd > 0)
			close(vhost.vq[i].call_fd);
	}
	if (vhost.mem)
		munmap(vhost.mem, vhost.mem_size);
}

/* One frame the worker wrote into the receive queue, its buffer given back; -1/EAGAIN: none. */
static ssize_t vhost_recv(uint8_t *buf, size_t size)
{
	struct virtqueue *rx = &vhost.vq[VQ_RX];
	struct vring_used_elem e;
	size_t len;

	if (!vq_take_used(rx, &e) || e.id >= VQ_SIZE) {
		errno = EAGAIN;
		return -1;
	}
	len = e.len < size ? e.len : size;
	memcpy(buf, rx->bufs + (size_t)e.id * VQ_BUF, len);
	vq_publish(rx, (uint16_t)e.id, VQ_BUF, VRING_DESC_F_WRITE);
	vq_kick(rx);
	return (ssize_t)len;
}

static ssize_t vhost_send(const uint8_t *frame, size_t len)
{
	struct virtqueue *tx = &vhost.vq[VQ_TX];
	struct vring_used_elem e;
	uint16_t id;

	while (vq_take_used(tx, &e))
		if (e.id < VQ_SIZE)
			tx->free[tx->nfree++] = (uint16_t)e.id;
	if (!tx->nfree || len > VQ_BUF) {
		errno = EAGAIN;
		return -1;
	}
	id = tx->free[--tx->nfree];
	memcpy(tx->bufs + (size_t)id * VQ_BUF, frame, len);
	vq_publish(tx, id, (uint32_t)len, 0);
	vq_kick(tx);
	return (ssize_t)len;
}

/* A frame out and in: through vhost's rings with --vhost, else on the tap. */
static ssize_t frame_send(const uint8_t *frame, size_t len)
{
	return vhost.fd >= 0 ? vhost_send(frame, len) : write(tap_fd, frame, len);
}

static ssize_t frame_recv(uint8_t *buf, size_t size)
{
	return vhost.fd >= 0 ? vhost_recv(buf, size) : read(tap_fd, buf, size);
}

static struct reply *queue_slot(void)
{
	struct reply *r;

	if (qlen == QUEUE_MAX) {
		n_dropped++;
		return NULL;
	}
	r = &queue[(qhead + qlen) % QUEUE_MAX];
	memset(r->buf, 0, VNET_HDR);
	return r;
}

/* Queues a built reply; one due now (ARP, ND, or no --delay) is written at once. */
static void commit(struct reply *r)
{
	if (r->due_ns > now_ns()) {
		qlen++;
		return;
	}
	if (frame_send(r->buf, r->len) < 0 && errno != EAGAIN && errno != EIO)
		perror("vmm-standin: write");
}

static void swap_eth(uint8_t *eth)
{
	memcpy(eth, eth + 6, 6);
	memcpy(eth + 6, my_mac, 6);
}

static void answer_arp(uint8_t *f, size_t len, uint64_t now)
{
	uint8_t *arp = f + 14;
	struct reply *r;

	if (len < 42 || be16(arp + 6) != 1 || memcmp(arp + 24, &my_ip, 4))
		return;
	r = queue_slot();
	if (!r)
		return;
	memcpy(r->buf + VNET_HDR, f, 42);
	f = r->buf + VNET_HDR;
	arp = f + 14;
	swap_eth(f);
	put16(arp + 6, 2);
	memcpy(arp + 18, arp + 8, 10); /* target = sender */
	memcpy(arp + 8, my_mac, 6);
	memcpy(arp + 14, &my_ip, 4);
	r->len = VNET_HDR + 42;
	r->due_ns = now;
	commit(r);
	n_arp++;
}

static void answer_ipv4(uint8_t *f, size_t len, uint64_t now)
{
	uint8_t *ip = f + 14, *l4, tmp[4];
	size_t ihl, tot;
	struct reply *r;

	if (len < 34 || (ip[0] >> 4) != 4 || memcmp(ip + 16, &my_ip, 4))
		return;
	ihl = (size_t)(ip[0] & 0xf) * 4;
	tot = be16(ip + 2);
	if (ihl < 20 || tot < ihl + 8 || 14 + tot > len || (be16(ip + 6) & 0x3fff))
		return;
	if (ip[9] != 1 && ip[9] != 17)
		return;
	l4 = ip + ihl;
	if (ip[9] == 1 && l4[0] != 8)
		return;
	if (lose_this())
		return;
	r = queue_slot();
	if (!r)
		return;
	memcpy(r->buf + VNET_HDR, f, 14 + tot);
	f = r->buf + VNET_HDR;
	ip = f + 14;
	l4 = ip + ihl;
	swap_eth(f);
	memcpy(tmp, ip + 12, 4);
	memcpy(ip + 12, ip + 16, 4);
	memcpy(ip + 16, tmp, 4);
	ip[8] = 64;
	put16(ip + 4, (uint16_t)(be16(ip + 4) ^ 0x8000)); /* a new IP ID, as a guest would send */
	put16(ip + 10, 0);
	put16(ip + 10, csum_fold(csum_add(0, ip, ihl)));
	if (ip[9] == 1) {
		l4[0] = 0;
		put16(l4 + 2, 0);
		put16(l4 + 2, csum_fold(csum_add(0, l4, tot - ihl)));
	} else {
		memcpy(tmp, l4, 2);
		memcpy(l4, l4 + 2, 2);
		memcpy(l4 + 2, tmp, 2);
		put16(l4 + 6, 0); /* UDP over IPv4: no checksum is valid */
	}
	r->len = VNET_HDR + 14 + tot;
	r->due_ns = now + hold_ns(now);
	commit(r);
	n_echo++;
}

static uint32_t pseudo6(const uint8_t *ip, uint32_t len, uint8_t proto)
{
	uint32_t sum = csum_add(0, ip + 8, 32);

	sum += len >> 16;
	sum += len & 0xffff;
	return sum + proto;
}

static void answer_ipv6(uint8_t *f, size_t len, uint64_t now)
{
	uint8_t *ip = f + 14, *l4, tmp[16];
	size_t plen;
	struct reply *r;
	int ns;

	if (!have_ip6 || len < 62 || (ip[0] >> 4) != 6)
		return;
	plen = be16(ip + 4);
	if (54 + plen > len || plen < 8)
		return;
	l4 = ip + 40;
	ns = ip[6] == 58 && l4[0] == 135 && plen >= 24 && !memcmp(l4 + 8, &my_ip6, 16);
	if (!ns && memcmp(ip + 24, &my_ip6, 16))
		return;
	if (!ns && !(ip[6] == 58 && l4[0] == 128) && ip[6] != 17)
		return;
	r = queue_slot();
	if (!r)
		return;
	f = r->buf + VNET_HDR;
	if (ns) {
		/* neighbour advertisement with our link-layer address */
		memcpy(f, ((uint8_t *)ip) - 14, 14);
		swap_eth(f);
		ip = f + 14;
		memcpy(ip, ((uint8_t *)l4) - 40, 8);
		memcpy(ip + 8, &my_ip6, 16);
		memcpy(ip + 24, l4 - 40 + 8, 16);
		put16(ip + 4, 32);
		ip[7] = 255;
		l4 = ip + 40;
		memset(l4, 0, 32);
		l4[0] = 136;
		l4[4] = 0x60; /* solicited, override */
		memcpy(l4 + 8, &my_ip6, 16);
		l4[24] = 2;
		l4[25] = 1;
		memcpy(l4 + 26, my_mac, 6);
		put16(l4 + 2, csum_fold(csum_add(pseudo6(ip, 32, 58), l4, 32)));
		r->len = VNET_HDR + 14 + 40 + 32;
		r->due_ns = now;
		commit(r);
		n_arp++;
		return;
	}
	memcpy(f, ip - 14, 14 + 40 + plen);
	ip = f + 14;
	l4 = ip + 40;
	swap_eth(f);
	memcpy(tmp, ip + 8, 16);
	memcpy(ip + 8, ip + 24, 16);
	memcpy(ip + 24, tmp, 16);
	ip[7] = 64;
	if (ip[6] == 58) {
		l4[0] = 129;
	} else {
		memcpy(tmp, l4, 2);
		memcpy(l4, l4 + 2, 2);
		memcpy(l4 + 2, tmp, 2);
	}
	put16(l4 + (ip[6] == 58 ? 2 : 6), 0);
	put16(l4 + (ip[6] == 58 ? 2 : 6),
	      csum_fold(csum_add(pseudo6(ip, (uint32_t)plen, ip[6]), l4, plen)));
	r->len = VNET_HDR + 14 + 40 + plen;
	r->due_ns = now + hold_ns(now);
	commit(r);
	n_echo++;
}

static void handle_frame(uint8_t *buf, size_t n, uint64_t now)
{
	n_read++;
	uint8_t *f = buf + VNET_HDR;
	size_t len;
	uint16_t type;

	if (n < VNET_HDR + 14)
		return;
	len = n - VNET_HDR;
	type = be16(f + 12);
	if (type == 0x0806)
		answer_arp(f, len, now); /* a sink still answers ARP, so senders can reach it */
	else if (sink)
		return;
	else if (type == 0x0800)
		answer_ipv4(f, len, now);
	else if (type == 0x86dd)
		answer_ipv6(f, len, now);
}

static int send_due(uint64_t now)
{
	while (qlen && queue[qhead].due_ns <= now) {
		struct reply *r = &queue[qhead];

		if (frame_send(r->buf, r->len) < 0 && errno != EAGAIN && errno != EIO) {
			perror("vmm-standin: write");
			return -1;
		}
		qhead = (qhead + 1) % QUEUE_MAX;
		qlen--;
	}
	return 0;
}

static int open_tap(const char *name)
{
	struct ifreq ifr = {0};
	int fd, hdr = VNET_HDR;

	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		perror("vmm-standin: /dev/net/tun");
		return -1;
	}
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) || ioctl(fd, TUNSETVNETHDRSZ, &hdr)) {
		fprintf(stderr, "vmm-standin: tap '%s': %s\n", name, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int parse_mac(const char *s, uint8_t *mac)
{
	unsigned int b[6];
	int i;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) != 6)
		return -1;
	for (i = 0; i < 6; i++) {
		if (b[i] > 255)
			return -1;
		mac[i] = (uint8_t)b[i];
	}
	return 0;
}

static int parse_delay(const char *s, uint64_t *ns)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || v < 0)
		return -1;
	if (!strcmp(end, "ms") || !*end)
		*ns = (uint64_t)(v * 1e6);
	else if (!strcmp(end, "us"))
		*ns = (uint64_t)(v * 1e3);
	else if (!strcmp(end, "s"))
		*ns = (uint64_t)(v * 1e9);
	else
		return -1;
	return 0;
}

static void on_signal(int sig)
{
	stop = sig;
}

static void on_usr1(int sig)
{
	report_count = sig;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: vmm-standin --tap NAME --ip ADDR [--ip6 ADDR] [--mac MAC] [--delay TIME] "
		"[--sink]\n"
		"Answers ARP/ND, ICMP echo and UDP on a tap like a guest, holding each echo\n"
		"for TIME (5ms, 200us; default 0). --sink reads and discards (a VMM under a\n"
		"flood). --spike-every T --spike-extra D [--spike-length L] hold echoes D longer\n"
		"for L (default 300ms) every T. --lose N leaves every Nth IPv4 echo request\n"
		"unanswered (a lost reply). --stall-every N --stall D reads nothing for D after\n"
		"every Nth echo answered. --vhost moves the frames through /dev/vhost-net's\n"
		"rings (the kernel's vhost worker does the tap's I/O, as for vhost=on).\n"
		"SIGUSR1 prints the frames read so far;\n"
		"SIGTERM/SIGINT stop it.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"tap", required_argument, NULL, 't'},
	    {"ip", required_argument, NULL, 'i'},
	    {"ip6", required_argument, NULL, '6'},
	    {"mac", required_argument, NULL, 'm'},
	    {"delay", required_argument, NULL, 'd'},
	    {"help", no_argument, NULL, 'h'},
	    {"sink", no_argument, NULL, 's'},
	    {"spike-every", required_argument, NULL, 'E'},
	    {"spike-extra", required_argument, NULL, 'X'},
	    {"spike-length", required_argument, NULL, 'L'},
	    {"lose", required_argument, NULL, 'l'},
	    {"stall-every", required_argument, NULL, 'S'},
	    {"stall", required_argument, NULL, 'D'},
	    {"vhost", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	static uint8_t buf[VNET_HDR + FRAME_MAX];
	struct sigaction sa = {.sa_handler = on_signal};
	const char *tap = NULL;
	int c, fd, use_vhost = 0, wait_fd;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			tap = optarg;
			break;
		case 'i':
			if (inet_pton(AF_INET, optarg, &my_ip) != 1) {
				fprintf(stderr, "vmm-standin: --ip '%s': not an IPv4 address\n",
					optarg);
				return 2;
			}
			break;
		case '6':
			if (inet_pton(AF_INET6, optarg, &my_ip6) != 1) {
				fprintf(stderr, "vmm-standin: --ip6 '%s': not an IPv6 address\n",
					optarg);
				return 2;
			}
			have_ip6 = 1;
			break;
		case 'm':
			if (parse_mac(optarg, my_mac)) {
				fprintf(stderr, "vmm-standin: --mac '%s': not a MAC address\n",
					optarg);
				return 2;
			}
			break;
		case 'd':
			if (parse_delay(optarg, &delay_ns)) {
				fprintf(stderr, "vmm-standin: --delay '%s': not a time\n", optarg);
				return 2;
			}
			break;
		case 's':
			sink = 1;
			break;
		case 'l': {
			char *end;

			errno = 0;
			lose_every = strtoul(optarg, &end, 10);
			if (errno || *end || !*optarg || lose_every < 2) {
				fprintf(stderr,
					"vmm-standin: --lose '%s': not a count of 2 or more\n",
					optarg);
				return 2;
			}
			break;
		}
		case 'S': {
			char *end;

			errno = 0;
			stall_every = strtoul(optarg, &end, 10);
			if (errno || *end || !*optarg || stall_every < 1) {
				fprintf(stderr, "vmm-standin: --stall-every '%s': not a count\n",
					optarg);
				return 2;
			}
			break;
		}
		case 'D':
			if (parse_delay(optarg, &stall_ns)) {
				fprintf(stderr, "vmm-standin: '%s': not a time\n", optarg);
				return 2;
			}
			break;
		case 'E':
		case 'X':
		case 'L':
			if (parse_delay(optarg, c == 'E'   ? &spike_every_ns
						: c == 'X' ? &spike_extra_ns
							   : &spike_length_ns)) {
				fprintf(stderr, "vmm-standin: '%s': not a time\n", optarg);
				return 2;
			}
			break;
		case 'V':
			use_vhost = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!tap || !my_ip) {
		usage(stderr);
		return 2;
	}
	queue = calloc(QUEUE_MAX, sizeof(*queue));
	if (!queue)
		return 1;
	prctl(PR_SET_TIMERSLACK, 1UL); /* wake when the delay is up, not 50 us later */
	start_ns = now_ns();
	fd = open_tap(tap);
	if (fd < 0)
		return 1;
	tap_fd = fd;
	wait_fd = fd;
	if (use_vhost) {
		if (vhost_open(fd)) {
			fprintf(stderr,
				"vmm-standin: /dev/vhost-net on %s: %s (modprobe vhost_net)\n", tap,
				strerror(errno));
			vhost_close();
			close(fd);
			return 1;
		}
		wait_fd = vhost.vq[VQ_RX].call_fd; /* the worker's "interrupt" */
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	printf("vmm-standin: ready on %s%s\n", tap, use_vhost ? " through vhost-net" : "");
	fflush(stdout);
	while (!stop) {
		struct pollfd pfd = {.fd = wait_fd, .events = POLLIN};
		struct timespec ts, *tsp = NULL;
		uint64_t now = now_ns();
		ssize_t n;

		if (report_count) {
			report_count = 0;
			printf("read %llu\n", n_read); /* SIGUSR1: frames read so far */
			fflush(stdout);
		}
		if (send_due(now))
			break;
		if (qlen) {
			uint64_t wait = queue[qhead].due_ns > now ? queue[qhead].due_ns - now : 0;

			ts.tv_sec = (time_t)(wait / 1000000000ULL);
			ts.tv_nsec = (long)(wait % 1000000000ULL);
			tsp = &ts;
		}
		if (ppoll(&pfd, 1, tsp, NULL) < 0) {
			if (errno == EINTR)
				continue;
			perror("vmm-standin: poll");
			break;
		}
		if (use_vhost && (pfd.revents & POLLIN)) {
			uint64_t signals;

			if (read(wait_fd, &signals, sizeof(signals)) < 0 && errno != EAGAIN)
				perror("vmm-standin: vhost call");
		}
		while ((n = frame_recv(buf, sizeof(buf))) > 0) {
			handle_frame(buf, (size_t)n, now_ns());
			if (send_due(now_ns()))
				break;
			stall_if_due();
		}
	}
	fprintf(stderr,
		"vmm-standin: %llu echoes, %llu ARP/ND answers, %llu dropped (queue full), %llu "
		"left unanswered (--lose)\n",
		n_echo, n_arp, n_dropped, n_unanswered);
	vhost_close();
	close(fd);
	free(queue);
	return 0;
}
