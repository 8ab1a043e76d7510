/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* What the breakdown's writers share: the percentiles shown, durations for people. */
#ifndef VNL_FORMAT_H
#define VNL_FORMAT_H

#include <stddef.h>
#include <stdint.h>

struct rec_kernel;

#define VNL_NPCTS 5
extern const double vnl_pcts[VNL_NPCTS];	  /* 50, 90, 99, 99.9, 99.99 */
extern const char *const vnl_pct_keys[VNL_NPCTS]; /* "p50_ns", ... */

/* 950ns, 12.3us, 4.56ms, 12.34s */
void fmt_ns(uint64_t ns, char *buf, size_t size);
/* The clock syscall a clock.adjust event stands for. */
const char *clock_syscall_name(uint32_t nr);
/* The clock a clock.adjust event set: "CLOCK_REALTIME", "/dev/ptp0", ... (buf: 32 bytes). */
struct vnl_event;
const char *clock_event_clock(const struct vnl_event *e, char buf[32]);
/* Its step (ADJ_SETOFFSET) in ns; 0 with *has 0 when it set no step. */
int64_t clock_event_step(const struct vnl_event *e, int *has);
/* Its frequency (ADJ_FREQUENCY) in ppm; *has 0 when it set none. */
double clock_event_ppm(const struct vnl_event *e, int *has);
/* With PTP the clocks are taken as one; whether the traffic says otherwise. */
int clock_ptp_disagrees(const struct rec_kernel *k);

#endif
