// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The probe's answer kept per kernel: a recorder started again on the same kernel, with the
 * same modules loaded, takes it from /var/cache/vnetlat instead of loading and attaching test
 * programs again (a second under emulation, most of a start). Keyed by the kernel's build id,
 * the loaded modules, this build and the switches that change the answer; trusted only when
 * it is ours (same owner, writable by no one else); a point that then fails to attach drops
 * it (probe_cache_forget), so the next start probes afresh.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "probe.h"
#include "util.h"

#define CACHE_DIR   "/var/cache/vnetlat"
#define CACHE_MAGIC 0x33425056u /* "VPB3": probe_result with parser_ext */

struct cache_file {
	uint32_t magic, size;
	struct probe_result r;
};

static uint64_t mix(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	while (n--) {
		h ^= *b++;
		h *= 0x100000001b3ULL; /* FNV-1a */
	}
	return h;
}

/* The kernel's build id, as bytes from its ELF notes; 0 bytes when it has none. */
static size_t kernel_build_id(unsigned char *id, size_t size)
{
	unsigned char notes[4096];
	size_t off = 0, len;
	int fd = open("/sys/kernel/notes", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return 0;
	n = read(fd, notes, sizeof(notes));
	close(fd);
	if (n <= 0)
		return 0;
	len = (size_t)n;
	while (off + 12 <= len) {
		uint32_t namesz, descsz, type;
		size_t name_at = off + 12, desc_at;

		memcpy(&namesz, notes + off, 4);
		memcpy(&descsz, notes + off + 4, 4);
		memcpy(&type, notes + off + 8, 4);
		desc_at = name_at + ((namesz + 3u) & ~3u);
		if (namesz > len || descsz > len || desc_at + descsz > len)
			return 0;
		if (type == 3 && namesz == 4 && !memcmp(notes + name_at, "GNU", 4)) {
			if (descsz > size)
				descsz = (uint32_t)size;
			memcpy(id, notes + desc_at, descsz);
			return descsz;
		}
		off = desc_at + ((descsz + 3u) & ~3u);
	}
	return 0;
}

/* The names of the loaded modules, in /proc/modules' order, hashed into h. */
static uint64_t mix_modules(uint64_t h)
{
	FILE *f = fopen("/proc/modules", "r");
	char line[512], name[128];

	if (!f)
		return h;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%127s", name) == 1)
			h = mix(h, name, strlen(name) + 1);
	fclose(f);
	return h;
}

/* The cache's file for this kernel and build; 0, or -1 when nothing may be cached. */
static int cache_path(int no_kfunc, char *path, size_t size)
{
	unsigned char id[64];
	size_t n = kernel_build_id(id, sizeof(id));
	uint64_t h = 0xcbf29ce484222325ULL;
	int p;

	if (!n || getenv("VNETLAT_NO_PROBE_CACHE") || getenv("VNETLAT_NO_FENTRY") ||
	    getenv("VNETLAT_NO_TP_BTF") || getenv("VNETLAT_SKB_LOADS") ||
	    getenv("VNETLAT_NO_PARSER_EXT"))
		return -1;
	h = mix(h, id, n);
	h = mix_modules(h);
	h = mix(h, VNL_VERSION, sizeof(VNL_VERSION));
	h = mix(h, &no_kfunc, sizeof(no_kfunc));
	for (p = 0; p < VNL_PT_MAX; p++) /* this build's points */
		h = mix(h, vnl_points[p].name, strlen(vnl_points[p].name) + 1);
	snprintf(path, size, "%s/probe-%016llx", CACHE_DIR, (unsigned long long)h);
	return 0;
}

static int cache_read(const char *path, struct probe_result *r)
{
	struct cache_file c;
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	ssize_t n;

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) || st.st_uid != geteuid() || (st.st_mode & 022) ||
	    !S_ISREG(st.st_mode)) {
		close(fd);
		return -1;
	}
	n = read(fd, &c, sizeof(c));
	close(fd);
	if (n != (ssize_t)sizeof(c) || c.magic != CACHE_MAGIC || c.size != sizeof(c))
		return -1;
	*r = c.r;
	return 0;
}

static void cache_write(const char *path, const struct probe_result *r)
{
	struct cache_file c = {.magic = CACHE_MAGIC, .size = sizeof(c), .r = *r};
	char tmp[PATH_MAX];
	int fd;

	/* a minimal root (an initramfs) may lack /var itself */
	mkdir("/var", 0755);
	mkdir("/var/cache", 0755);
	if (mkdir(CACHE_DIR, 0700) && errno != EEXIST)
		return;
	snprintf(tmp, sizeof(tmp), "%s.%d", path, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	if (write(fd, &c, sizeof(c)) != (ssize_t)sizeof(c) || close(fd) || rename(tmp, path))
		unlink(tmp);
}

int probe_kernel_cached(struct probe_result *r, int no_kfunc)
{
	char path[PATH_MAX];
	int err;

	r->cached = 0;
	if (cache_path(no_kfunc, path, sizeof(path)))
		return probe_kernel(r, no_kfunc, 0);
	if (!cache_read(path, r)) {
		r->cached = 1;
		vnl_debug("probe: the answer for this kernel from %s", path);
		return 0;
	}
	err = probe_kernel(r, no_kfunc, 0);
	if (!err)
		cache_write(path, r);
	return err;
}

void probe_cache_forget(int no_kfunc)
{
	char path[PATH_MAX];

	if (!cache_path(no_kfunc, path, sizeof(path)))
		unlink(path);
}
