// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* bench-floor: attaches bpf/floor.bpf.c's empty programs until SIGINT/SIGTERM. */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "floor.skel.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = sig;
}

int main(void)
{
	struct sigaction sa = {.sa_handler = on_signal};
	struct floor_bpf *skel;

	skel = floor_bpf__open_and_load();
	if (!skel || floor_bpf__attach(skel)) {
		perror("bench-floor: load/attach");
		floor_bpf__destroy(skel);
		return 1;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	printf("bench-floor: attached\n");
	fflush(stdout);
	while (!stop)
		pause();
	floor_bpf__destroy(skel);
	return 0;
}
