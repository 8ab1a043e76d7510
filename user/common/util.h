/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef VNL_UTIL_H
#define VNL_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

/* Exit codes, documented in the README and the man page. */
enum vnl_exit {
	VNL_EXIT_OK = 0,
	VNL_EXIT_FAIL = 1,   /* runtime failure: kernel, file system, I/O */
	VNL_EXIT_USAGE = 2,  /* bad command line or filter expression */
	VNL_EXIT_DATA = 3,   /* a recording was damaged: what was intact was used */
	VNL_EXIT_NOPERM = 4, /* missing privileges to load or attach */
};

extern bool vnl_verbose;
/* CLOCK_MONOTONIC when the process began (main's first step): startup is measured from it */
extern uint64_t vnl_start_ns;
extern int vnl_json; /* -j: every printer emits JSON */
extern const char *vnl_prog;

void vnl_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void vnl_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void vnl_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* only with -v */
void vnl_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "30s", "500ms", "2m", "1h", a bare number is seconds. Returns -EINVAL on bad input. */
int parse_duration_ns(const char *s, uint64_t *ns);
/* "64M", "1G", "4096", "512k": bytes, powers of 1024. */
int parse_size(const char *s, uint64_t *bytes);
int parse_u32(const char *s, uint32_t *v);

uint64_t now_ns(int clock);
/* The clock events are stamped with: CLOCK_MONOTONIC, or CLOCK_TAI (--clock tai). */
extern int vnl_event_clock;
uint64_t event_now(void);
/* Reads a whole small file (sysfs, procfs) into buf, trailing newline removed. */
int read_small_file(const char *path, char *buf, size_t size);
/* The median of v[0..n) (sorted in place: the upper one of an even count); 0 when n is 0. */
uint64_t median_u64(uint64_t *v, size_t n);

#endif
