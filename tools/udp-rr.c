// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * udp-rr: UDP request/response client (and flood sender) for vnetlat's tests and benchmark.
 * Each request carries its sequence number, so every packet has its own fingerprint.
 *
 *   udp-rr --dst ADDR [--port 7] [--count N] [--interval 10ms] [--size 64] [--timeout 1s]
 *   udp-rr --dst ADDR --flood --duration 2s      (send as fast as possible, no replies)
 *   udp-rr --server [--port 7]                   (echo every datagram back, IPv4 and IPv6)
 *   udp-rr --dst ADDR --gso 8 --size 1000 --count N  (each request one GSO super-packet of 8
 *                                                 datagrams of --size bytes: UDP_SEGMENT)
 * Prints one JSON line: sent, received, and the round-trip percentiles in microseconds.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int parse_time(const char *s, uint64_t *ns)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || v < 0)
		return -1;
	if (!strcmp(end, "ms"))
		*ns = (uint64_t)(v * 1e6);
	else if (!strcmp(end, "us"))
		*ns = (uint64_t)(v * 1e3);
	else if (!strcmp(end, "s") || !*end)
		*ns = (uint64_t)(v * 1e9);
	else
		return -1;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double pct(const uint64_t *v, size_t n, double p)
{
	size_t i;

	if (!n)
		return 0;
	i = (size_t)(p / 100.0 * (double)(n - 1) + 0.5);
	return (double)v[i] / 1e3;
}

static void sleep_until(uint64_t t)
{
	struct timespec ts = {(time_t)(t / 1000000000ULL), (long)(t % 1000000000ULL)};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

/* Echoes every datagram to its sender, on IPv4 and IPv6, until killed. */
static int serve(unsigned long port)
{
	struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port)};
	int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0), off = 0;
	char buf[65536];

	if (fd < 0 || setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)) ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a))) {
		perror("udp-rr: server socket");
		return 1;
	}
	printf("udp-rr: serving on port %lu\n", port);
	fflush(stdout);
	for (;;) {
		struct sockaddr_storage from;
		socklen_t flen = sizeof(from);
		ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen);

		if (n < 0 && errno != EINTR)
			return 1;
		if (n >= 0)
			sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from, flen);
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"dst", required_argument, NULL, 'd'},   {"port", required_argument, NULL, 'p'},
	    {"count", required_argument, NULL, 'c'}, {"interval", required_argument, NULL, 'i'},
	    {"size", required_argument, NULL, 's'},  {"timeout", required_argument, NULL, 't'},
	    {"flood", no_argument, NULL, 'f'},	     {"duration", required_argument, NULL, 'D'},
	    {"server", no_argument, NULL, 'S'},	     {"gso", required_argument, NULL, 'G'},
	    {"help", no_argument, NULL, 'h'},	     {NULL, 0, NULL, 0},
	};
	struct sockaddr_storage dst = {0};
	uint64_t interval = 10000000, timeout = 1000000000, duration = 1000000000, *rtt;
	unsigned long count = 100, sent = 0, received = 0, size = 64, port = 7;
	const char *dst_s = NULL;
	socklen_t dlen;
	int c, fd, flood = 0, server = 0, gso = 0;
	char buf[65536];

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			dst_s = optarg;
			break;
		case 'p':
			port = strtoul(optarg, NULL, 10);
			break;
		case 'c':
			count = strtoul(optarg, NULL, 10);
			break;
		case 'i':
		case 't':
		case 'D':
			if (parse_time(optarg, c == 'i'	  ? &interval
					       : c == 't' ? &timeout
							  : &duration)) {
				fprintf(stderr, "udp-rr: '%s': not a time\n", optarg);
				return 2;
			}
			break;
		case 's':
			size = strtoul(optarg, NULL, 10);
			break;
		case 'f':
			flood = 1;
			break;
		case 'S':
			server = 1;
			break;
		case 'G':
			gso = atoi(optarg);
			break;
		default:
			fprintf(c == 'h' ? stdout : stderr,
				"Usage: udp-rr --dst ADDR [--port N] [--count N] [--interval T] "
				"[--size B] [--timeout T] [--flood --duration T]\n"
				"       udp-rr --server [--port N]\n");
			return c == 'h' ? 0 : 2;
		}
	}
	if (server)
		return port == 0 || port > 65535 ? 2 : serve(port);
	if (!dst_s || size < 8 || size > sizeof(buf) || port == 0 || port > 65535) {
		fprintf(stderr, "udp-rr: --dst is required; --size 8..65536; --port 1..65535\n");
		return 2;
	}
	if (inet_pton(AF_INET, dst_s, &((struct sockaddr_in *)&dst)->sin_addr) == 1) {
		((struct sockaddr_in *)&dst)->sin_family = AF_INET;
		((struct sockaddr_in *)&dst)->sin_port = htons((uint16_t)port);
		dlen = sizeof(struct sockaddr_in);
	} else if (inet_pton(AF_INET6, dst_s, &((struct sockaddr_in6 *)&dst)->sin6_addr) == 1) {
		((struct sockaddr_in6 *)&dst)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)&dst)->sin6_port = htons((uint16_t)port);
		dlen = sizeof(struct sockaddr_in6);
	} else {
		fprintf(stderr, "udp-rr: --dst '%s': not an address\n", dst_s);
		return 2;
	}
	fd = socket(dst.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&dst, dlen)) {
		perror("udp-rr: socket");
		return 1;
	}
	memset(buf, 0xa5, sizeof(buf));
	if (gso > 1) { /* one send, gso datagrams on the wire: no replies awaited */
		int seg = (int)size;
		unsigned long i;

		if (gso * size > sizeof(buf) - 8 ||
		    setsockopt(fd, IPPROTO_UDP, 103 /* UDP_SEGMENT */, &seg, sizeof(seg))) {
			perror("udp-rr: UDP_SEGMENT");
			return 1;
		}
		for (i = 0; i < count; i++) {
			uint64_t seq;
			int k;

			for (k = 0; k < gso; k++) { /* each datagram its own sequence number */
				seq = i * (uint64_t)gso + (uint64_t)k;
				memcpy(buf + (size_t)k * size, &seq, sizeof(seq));
			}
			if (send(fd, buf, (size_t)gso * size, 0) > 0)
				sent++;
			usleep((useconds_t)(interval / 1000));
		}
		printf("{\"sent\":%lu,\"datagrams\":%lu}\n", sent, sent * (unsigned long)gso);
		return sent == count ? 0 : 1;
	}
	if (flood) {
		uint64_t end = now_ns() + duration;

		while (now_ns() < end) {
			uint64_t seq = sent;
			int i;

			for (i = 0; i < 64; i++, seq++) {
				memcpy(buf, &seq, sizeof(seq));
				if (send(fd, buf, size, MSG_DONTWAIT) > 0)
					sent++;
			}
		}
		printf("{\"sent\":%lu,\"duration_s\":%.3f,\"pps\":%.0f}\n", sent,
		       (double)duration / 1e9, (double)sent / ((double)duration / 1e9));
		return 0;
	}
	rtt = calloc(count ? count : 1, sizeof(*rtt));
	if (!rtt)
		return 1;
	{
		uint64_t next = now_ns();
		unsigned long i;

		for (i = 0; i < count; i++) {
			uint64_t seq = i, t0, deadline;
			struct pollfd pfd = {.fd = fd, .events = POLLIN};

			sleep_until(next);
			next += interval;
			memcpy(buf, &seq, sizeof(seq));
			t0 = now_ns();
			if (send(fd, buf, size, 0) < 0) {
				perror("udp-rr: send");
				continue;
			}
			sent++;
			deadline = t0 + timeout;
			while (now_ns() < deadline) {
				int ms = (int)((deadline - now_ns()) / 1000000) + 1;
				char rbuf[65536];
				ssize_t n;
				uint64_t rseq;

				if (poll(&pfd, 1, ms) <= 0)
					break;
				n = recv(fd, rbuf, sizeof(rbuf), 0);
				if (n < 8)
					continue;
				memcpy(&rseq, rbuf, sizeof(rseq));
				if (rseq != seq)
					continue; /* a late reply to an earlier request */
				rtt[received++] = now_ns() - t0;
				break;
			}
		}
	}
	qsort(rtt, received, sizeof(*rtt), cmp_u64);
	printf("{\"sent\":%lu,\"received\":%lu,\"rtt_p50_us\":%.1f,\"rtt_p99_us\":%.1f,"
	       "\"rtt_max_us\":%.1f}\n",
	       sent, received, pct(rtt, received, 50), pct(rtt, received, 99),
	       pct(rtt, received, 100));
	free(rtt);
	close(fd);
	return received == sent ? 0 : 1;
}
