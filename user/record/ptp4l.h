/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * record --ptp4l SOCKET: asks linuxptp's ptp4l, on its management UNIX socket, what pmc
 * asks (TIME_STATUS_NP, PORT_DATA_SET, CURRENT_DATA_SET) once a second, and writes each
 * answer into the recording (VNL_BLK_PTP4L), on the recording's clock: the report puts the
 * synchroniser's state and offset beside the latency. A ptp4l that is not there (yet) is
 * asked again each second; nothing blocks.
 */
#ifndef VNL_PTP4L_H
#define VNL_PTP4L_H

#include <stdint.h>
#include <sys/un.h>
#include "vnlfile.h"

#define PTP4L_DEFAULT_SOCKET "/var/run/ptp4l"

struct ptp4l_poller {
	int fd;
	struct sockaddr_un to, me;
	uint8_t domain;
	uint16_t seq;
	uint64_t next_ns;	   /* when to ask again */
	struct vnl_file_ptp4l cur; /* answers to the last round of questions */
	uint64_t samples, asked, unanswered;
};

/* Opens our own (abstract) socket towards path; 0, or -errno with err filled in. */
int ptp4l_open(struct ptp4l_poller *p, const char *path, uint8_t domain, char *err, size_t size);
/* Reads what came, writes a finished sample into w, asks again when due. Never blocks. */
int ptp4l_poll(void *ctx, struct vnl_writer *w);
void ptp4l_close(struct ptp4l_poller *p);

/* The options record and agent take: --ptp4l SOCKET (Z) and --ptp4l-domain N (Y). */
#define PTP4L_LONGOPTS                                                                             \
	{"ptp4l", required_argument, NULL, 'Z'},                                                   \
	{                                                                                          \
		"ptp4l-domain", required_argument, NULL, 'Y'                                       \
	}
#define PTP4L_USAGE                                                                                \
	"      --ptp4l SOCKET      ask linuxptp's ptp4l for its state once a second (port\n"       \
	"                          state, master offset, path delay), as pmc does; default:\n"     \
	"                          " PTP4L_DEFAULT_SOCKET " when present; none: never\n"           \
	"      --ptp4l-domain N    the domain of those questions (ptp4l's domainNumber; 0)\n"
/* c: 'Z' or 'Y'; 0 taken, -EINVAL said. */
int ptp4l_opt(int c, const char *arg, const char **path, uint32_t *domain);
struct rec_opts;
/* Adds the poller to o's sources when asked (or by default, ptp4l's socket being there). */
int ptp4l_source(struct ptp4l_poller *p, const char *path, uint32_t domain, struct rec_opts *o);

#endif
