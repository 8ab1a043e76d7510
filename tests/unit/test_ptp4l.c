// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * record --ptp4l: the questions asked on ptp4l's management socket, and what is made of its
 * answers, against a socket that answers as ptp4l's UDS port does (IEEE 1588 management
 * messages, linuxptp's TIME_STATUS_NP), and answers that are cut short or wrong.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include "ptp4l.h"
#include "vnlfile.h"

static char dir[] = "/tmp/vnl-ptp4l-XXXXXX";

static void put16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static void put64(uint8_t *b, int64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		b[i] = (uint8_t)((uint64_t)v >> (56 - 8 * i));
}

/* A RESPONSE to a GET of id, from port `port`, with `len` bytes of data. */
static size_t answer(uint8_t *m, uint16_t id, uint16_t port, const uint8_t *data, size_t len)
{
	memset(m, 0, 54 + len);
	m[0] = 0xd;
	m[1] = 2;
	put16(m + 2, (uint16_t)(54 + len));
	put16(m + 28, port);
	m[46] = 2; /* RESPONSE */
	put16(m + 48, 1);
	put16(m + 50, (uint16_t)(2 + len));
	put16(m + 52, id);
	memcpy(m + 54, data, len);
	return 54 + len;
}

/* Serves one round: reads the three questions, sends the answers (and some garbage). */
static void serve_round(int fd, int64_t offset, uint8_t state, int64_t delay_ns)
{
	uint8_t q[256], m[256], d[64];
	struct sockaddr_un from;
	socklen_t fl = sizeof(from);
	int i, asked = 0;

	for (i = 0; i < 3; i++) {
		ssize_t n = recvfrom(fd, q, sizeof(q), 0, (struct sockaddr *)&from, &fl);

		assert_true(n == 54);
		assert_int_equal(q[0] & 0xf, 0xd); /* management */
		assert_int_equal(q[46] & 0xf, 0);  /* GET */
		/* no boundary hops: ptp4l must not pass it on to its master, who would answer too
		 */
		assert_int_equal(q[44], 0);
		assert_int_equal(q[45], 0);
		asked |= 1 << (q[53] & 3); /* ids 0xc000, 0x2001, 0x2004 */
	}
	assert_int_equal(asked, 1 << 0 | 1 << 1 | 1 << 0x0);
	memset(d, 0, sizeof(d));
	put64(d, offset);
	d[8 + 8 + 4 + 4 + 2 + 12 + 3] = 1; /* gmPresent */
	sendto(fd, m, answer(m, 0xc000, 1, d, 50), 0, (struct sockaddr *)&from, fl);
	memset(d, 0, sizeof(d));
	put16(d + 8, 1);
	d[10] = state;
	sendto(fd, m, answer(m, 0x2004, 1, d, 26), 0, (struct sockaddr *)&from, fl);
	d[10] = 6; /* port 0, ptp4l's own UDS port: not taken */
	put16(d + 8, 0);
	sendto(fd, m, answer(m, 0x2004, 0, d, 26), 0, (struct sockaddr *)&from, fl);
	memset(d, 0, sizeof(d));
	put64(d + 10, delay_ns * 65536);
	sendto(fd, m, answer(m, 0x2001, 1, d, 18), 0, (struct sockaddr *)&from, fl);
	/* cut short, a TLV longer than its message, not management: all ignored */
	sendto(fd, m, 20, 0, (struct sockaddr *)&from, fl);
	answer(m, 0xc000, 1, d, 8);
	put16(m + 50, 200);
	sendto(fd, m, 62, 0, (struct sockaddr *)&from, fl);
	m[0] = 0x0;
	sendto(fd, m, 62, 0, (struct sockaddr *)&from, fl);
}

/* Polls until a round was asked and answered, then once more to close it. */
static void round_trip(struct ptp4l_poller *p, struct vnl_writer *w, int fd, int64_t offset,
		       uint8_t state, int64_t delay)
{
	assert_int_equal(ptp4l_poll(p, w), 0); /* asks */
	serve_round(fd, offset, state, delay);
	usleep(10000);
	p->next_ns = 0;			       /* the second is up */
	assert_int_equal(ptp4l_poll(p, w), 0); /* takes the answers, writes, asks again */
}

static void answers_kept(void **state)
{
	char sock[300], file[300], err[256];
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	struct ptp4l_poller p;
	struct vnl_writer w;
	struct vnl_reader r;
	struct vnl_block b;
	struct vnl_file_ptp4l got[4];
	int fd, n = 0;

	assert_non_null(mkdtemp(dir));
	snprintf(sock, sizeof(sock), "%s/ptp4l", dir);
	snprintf(file, sizeof(file), "%s/rec.vnl", dir);
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", sock);
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(ptp4l_open(&p, sock, 0, err, sizeof(err)), 0);
	assert_int_equal(vnl_writer_open(&w, file, 0), 0);
	round_trip(&p, &w, fd, -1234, 8, 4321);
	round_trip(&p, &w, fd, 77, 9, 4000);
	assert_int_equal(vnl_writer_close(&w), 0);
	ptp4l_close(&p);
	close(fd);
	assert_int_equal(vnl_reader_open(&r, file, err, sizeof(err)), 0);
	while (vnl_reader_next(&r, &b) > 0)
		if (b.type == VNL_BLK_PTP4L && n < 4)
			memcpy(&got[n++], b.payload, sizeof(got[0]));
	vnl_reader_close(&r);
	assert_int_equal(n, 2);
	assert_int_equal(got[0].master_offset_ns, -1234);
	assert_int_equal(got[0].port_state, 8); /* port 1's, not the UDS port's */
	assert_int_equal(got[0].path_delay_ns, 4321);
	assert_int_equal(got[0].gm_present, 1);
	assert_int_equal(got[0].have, VNL_PTP4L_OFFSET | VNL_PTP4L_STATE | VNL_PTP4L_DELAY);
	assert_int_equal(got[1].master_offset_ns, 77);
	assert_int_equal(got[1].port_state, 9);
	unlink(sock);
	unlink(file);
	rmdir(dir);
}

/* No ptp4l there: asked again each second, nothing written, nothing blocks. */
static void nobody_there(void **state)
{
	struct ptp4l_poller p;
	struct vnl_writer w;
	char err[256], file[] = "/tmp/vnl-ptp4l-none.vnl";

	unlink(file);
	assert_int_equal(ptp4l_open(&p, "/tmp/no-such-ptp4l-socket", 0, err, sizeof(err)), 0);
	assert_int_equal(vnl_writer_open(&w, file, 0), 0);
	assert_int_equal(ptp4l_poll(&p, &w), 0);
	p.next_ns = 0;
	assert_int_equal(ptp4l_poll(&p, &w), 0);
	assert_int_equal(p.samples, 0);
	assert_true(p.unanswered >= 1);
	assert_int_equal(vnl_writer_close(&w), 0);
	ptp4l_close(&p);
	unlink(file);
	assert_true(ptp4l_open(&p,
			       "/tmp/a-path-that-is-far-too-long-for-a-unix-socket-address-"
			       "so-it-is-refused-with-its-reason-said-aloud-xxxxxxxxxxxxxx",
			       0, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "--ptp4l"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(answers_kept),
	    cmocka_unit_test(nobody_there),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
