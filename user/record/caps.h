/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef VNL_CAPS_H
#define VNL_CAPS_H

#include <stddef.h>

/*
 * 0 when this process may load and attach tracing programs (CAP_BPF and CAP_PERFMON, or
 * CAP_SYS_ADMIN on kernels before 5.8); otherwise -EPERM and the missing ones named in buf.
 */
int caps_check_tracing(char *buf, size_t size);
/* Drops every capability for good: after attaching, map updates need none. */
int caps_drop_all(void);

#endif
