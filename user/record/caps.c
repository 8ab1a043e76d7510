// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <linux/capability.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "caps.h"
#include "util.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

static int effective(uint64_t *caps)
{
	char status[4096], *line;
	unsigned long long v;

	if (read_small_file("/proc/self/status", status, sizeof(status)) < 0)
		return -EIO;
	line = strstr(status, "CapEff:");
	if (!line || sscanf(line + 7, "%llx", &v) != 1)
		return -EIO;
	*caps = v;
	return 0;
}

static int has(uint64_t caps, int cap)
{
	return (caps >> cap) & 1;
}

int caps_check_tracing(char *buf, size_t size)
{
	uint64_t caps;

	buf[0] = '\0';
	if (effective(&caps))
		return 0; /* cannot tell: let the kernel decide */
	if ((has(caps, CAP_BPF) && has(caps, CAP_PERFMON)) || has(caps, CAP_SYS_ADMIN))
		return 0;
	snprintf(buf, size, "%s%s%s", has(caps, CAP_BPF) ? "" : "CAP_BPF",
		 !has(caps, CAP_BPF) && !has(caps, CAP_PERFMON) ? ", " : "",
		 has(caps, CAP_PERFMON) ? "" : "CAP_PERFMON");
	return -EPERM;
}

int caps_drop_all(void)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct data[2];

	memset(data, 0, sizeof(data));
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -errno;
	if (syscall(SYS_capset, &hdr, data))
		return -errno;
	return 0;
}
