// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "util.h"

uint64_t vnl_start_ns;
bool vnl_verbose;
int vnl_json;
const char *vnl_prog = "vnetlat";

static void vmsg(const char *level, const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: %s", vnl_prog, level);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void vnl_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("error: ", fmt, ap);
	va_end(ap);
}

void vnl_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("warning: ", fmt, ap);
	va_end(ap);
}

void vnl_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("", fmt, ap);
	va_end(ap);
}

void vnl_debug(const char *fmt, ...)
{
	va_list ap;

	if (!vnl_verbose)
		return;
	va_start(ap, fmt);
	vmsg("", fmt, ap);
	va_end(ap);
}

struct unit {
	const char *name;
	uint64_t mult;
};

static int parse_with_units(const char *s, const struct unit *units, uint64_t deflt, uint64_t *out)
{
	char *end;
	double v;

	if (!s || !*s)
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || v < 0 || v != v)
		return -EINVAL;
	for (; *end && units->name; units++)
		if (!strcmp(end, units->name))
			break;
	if (*end && !units->name)
		return -EINVAL;
	v *= (double)(*end ? units->mult : deflt);
	if (v >= 1.8e19)
		return -ERANGE;
	*out = (uint64_t)v;
	return 0;
}

int parse_duration_ns(const char *s, uint64_t *ns)
{
	static const struct unit units[] = {
	    {"ns", 1},
	    {"us", 1000ULL},
	    {"ms", 1000000ULL},
	    {"s", 1000000000ULL},
	    {"m", 60000000000ULL},
	    {"h", 3600000000000ULL},
	    {NULL, 0},
	};

	return parse_with_units(s, units, 1000000000ULL, ns);
}

int parse_size(const char *s, uint64_t *bytes)
{
	static const struct unit units[] = {
	    {"k", 1ULL << 10},	 {"K", 1ULL << 10},   {"M", 1ULL << 20},   {"G", 1ULL << 30},
	    {"KiB", 1ULL << 10}, {"MiB", 1ULL << 20}, {"GiB", 1ULL << 30}, {NULL, 0},
	};

	return parse_with_units(s, units, 1, bytes);
}

int parse_u32(const char *s, uint32_t *v)
{
	unsigned long long x;
	char *end;

	if (!s || !*s || *s == '-')
		return -EINVAL;
	errno = 0;
	x = strtoull(s, &end, 10);
	if (errno || *end || x > UINT32_MAX)
		return -EINVAL;
	*v = (uint32_t)x;
	return 0;
}

int vnl_event_clock = CLOCK_MONOTONIC;

uint64_t event_now(void)
{
	return now_ns(vnl_event_clock);
}

uint64_t now_ns(int clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

int read_small_file(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return (int)n;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

uint64_t median_u64(uint64_t *v, size_t n)
{
	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), cmp_u64);
	return v[n / 2];
}
