// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "devices.h"
#include "util.h"

const char *vnl_sysfs_net = "/sys/class/net";
const char *vnl_procfs = "/proc";

int devs_init(struct devset *s)
{
	char path[PATH_MAX];
	struct stat st;

	memset(s, 0, sizeof(*s));
	snprintf(path, sizeof(path), "%s/self/ns/net", vnl_procfs);
	if (stat(path, &st))
		return -errno;
	s->netns = (uint32_t)st.st_ino;
	return 0;
}

static struct vnl_file_iface *find_dev(struct devset *s, uint32_t ifindex)
{
	unsigned int i;

	for (i = 0; i < s->n; i++)
		if (s->dev[i].ifindex == ifindex && s->dev[i].netns == s->netns)
			return &s->dev[i];
	return NULL;
}

static int sysfs_read(const char *dev, const char *attr, char *buf, size_t size)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s/%s", vnl_sysfs_net, dev, attr);
	return read_small_file(path, buf, size);
}

static int is_tun(const char *name)
{
	char buf[32];

	return sysfs_read(name, "tun_flags", buf, sizeof(buf)) >= 0;
}

static int add_dev(struct devset *s, const char *name, uint8_t role, char *err, size_t err_size)
{
	struct vnl_file_iface *d;
	char buf[32];
	uint32_t ifindex, type = 1;

	if (sysfs_read(name, "ifindex", buf, sizeof(buf)) < 0 || parse_u32(buf, &ifindex)) {
		snprintf(err, err_size, "interface '%s': no such device in this network namespace",
			 name);
		return -ENODEV;
	}
	if (sysfs_read(name, "type", buf, sizeof(buf)) >= 0)
		parse_u32(buf, &type);
	d = find_dev(s, ifindex);
	if (d) {
		if (role == VNL_ROLE_TAP)
			d->role = role;
		return 0;
	}
	if (s->n == VNL_MAX_DEVS) {
		snprintf(err, err_size, "more than %d interfaces", VNL_MAX_DEVS);
		return -E2BIG;
	}
	d = &s->dev[s->n];
	memset(d, 0, sizeof(*d));
	d->ifindex = ifindex;
	d->netns = s->netns;
	d->id = (uint16_t)s->n;
	d->role = role;
	d->l3 = type != 1; /* ARPHRD_ETHER */
	snprintf(d->name, sizeof(d->name), "%s", name);
	s->n++;
	return 0;
}

int devs_exists(const struct vnl_file_iface *d)
{
	char buf[32];
	uint32_t ifindex;

	return sysfs_read(d->name, "ifindex", buf, sizeof(buf)) >= 0 && !parse_u32(buf, &ifindex) &&
	       ifindex == d->ifindex;
}

/* A name the kernel could give a device (and no path out of the sysfs folder). */
static int valid_ifname(const char *name, char *err, size_t err_size)
{
	if (!*name || strlen(name) >= IFNAMSIZ || strchr(name, '/') || !strcmp(name, ".") ||
	    !strcmp(name, "..")) {
		snprintf(err, err_size, "interface '%s': not a valid interface name", name);
		return -EINVAL;
	}
	return 0;
}

int devs_add_iface(struct devset *s, const char *name, char *err, size_t err_size)
{
	if (valid_ifname(name, err, err_size))
		return -EINVAL;
	return add_dev(s, name, is_tun(name) ? VNL_ROLE_TAP : VNL_ROLE_UPLINK, err, err_size);
}

int fdinfo_iff(const char *fdinfo, char name[16])
{
	const char *iff = strstr(fdinfo, "iff:");
	size_t len;

	if (!iff)
		return -ENOENT;
	iff += 4;
	while (*iff == ' ' || *iff == '\t')
		iff++;
	len = strcspn(iff, " \t\n");
	if (len == 0 || len >= 16)
		return -EINVAL;
	memcpy(name, iff, len);
	name[len] = '\0';
	return 0;
}

int cmdline_vm_name(char *cmd, size_t len, char *name, size_t size)
{
	char *p, *end;

	if (len == 0)
		return -ENOENT;
	/* /proc/PID/cmdline: NUL-separated; make sure the last argument ends */
	cmd[len - 1] = '\0';
	end = cmd + len;
	/* QEMU's "-name guest=NAME,..." or "-name NAME" names the VM */
	for (p = cmd; p < end; p += strlen(p) + 1) {
		if (strcmp(p, "-name") || p + strlen(p) + 1 >= end)
			continue;
		p += strlen(p) + 1;
		if (!strncmp(p, "guest=", 6))
			p += 6;
		snprintf(name, size, "%.*s", (int)strcspn(p, ","), p);
		return 0;
	}
	return -ENOENT;
}

/*
 * The tun character device (misc 10:200), whatever path it was opened by: a VMM in another
 * mount namespace or chroot shows another path, or none we can resolve.
 */
static int is_tun_chardev(const char *fd_path)
{
	struct stat st;

	return !stat(fd_path, &st) && S_ISCHR(st.st_mode) && major(st.st_rdev) == 10 &&
	       minor(st.st_rdev) == 200;
}

/* The fds of pid that are /dev/net/tun, with the interface their fdinfo names. */
int vm_taps(pid_t pid, char names[][16], int max)
{
	char path[PATH_MAX], target[64], info[1024];
	struct dirent *de;
	int n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "%s/%d/fd", vnl_procfs, (int)pid);
	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d)) && n < max) {
		ssize_t len;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%d/fd/%s", vnl_procfs, (int)pid, de->d_name);
		len = readlink(path, target, sizeof(target) - 1);
		if (len < 0)
			continue;
		target[len] = '\0';
		if (strcmp(target, "/dev/net/tun") && !is_tun_chardev(path))
			continue;
		snprintf(path, sizeof(path), "%s/%d/fdinfo/%s", vnl_procfs, (int)pid, de->d_name);
		if (read_small_file(path, info, sizeof(info)) < 0)
			continue;
		if (fdinfo_iff(info, names[n]) == 0)
			n++;
	}
	closedir(d);
	return n;
}

static void vm_name(pid_t pid, char *name, size_t size)
{
	char path[PATH_MAX], cmd[4096];
	int fd;
	ssize_t len;

	snprintf(name, size, "pid%d", (int)pid);
	snprintf(path, sizeof(path), "%s/%d/cmdline", vnl_procfs, (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	len = read(fd, cmd, sizeof(cmd) - 1);
	close(fd);
	if (len > 0 && cmdline_vm_name(cmd, (size_t)len, name, size) == 0)
		return;
	snprintf(path, sizeof(path), "%s/%d/comm", vnl_procfs, (int)pid);
	read_small_file(path, name, size);
}

static int same_netns(struct devset *s, pid_t pid)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%d/ns/net", vnl_procfs, (int)pid);
	return stat(path, &st) == 0 && (uint32_t)st.st_ino == s->netns;
}

int devs_add_vm(struct devset *s, pid_t pid, char *err, size_t err_size)
{
	char names[64][16];
	int n, i, ret;

	n = vm_taps(pid, names, 64);
	if (n < 0) {
		snprintf(err, err_size, "--vm %d: cannot read its file descriptors: %s%s", (int)pid,
			 strerror(-n), n == -EACCES ? " (needs CAP_SYS_PTRACE)" : "");
		return n;
	}
	if (n == 0) {
		snprintf(err, err_size, "--vm %d: the process holds no tap device open", (int)pid);
		return -ENODEV;
	}
	if (!same_netns(s, pid)) {
		snprintf(err, err_size,
			 "--vm %d: its taps are in another network namespace; run "
			 "vnetlat there (nsenter --net=/proc/%d/ns/net vnetlat ...)",
			 (int)pid, (int)pid);
		return -EXDEV;
	}
	for (i = 0; i < n; i++) {
		struct vnl_file_iface *d;

		ret = add_dev(s, names[i], VNL_ROLE_TAP, err, err_size);
		if (ret)
			return ret;
		d = &s->dev[s->n - 1];
		if (strcmp(d->name, names[i]))
			continue;
		d->vm_pid = (uint32_t)pid;
		vm_name(pid, d->vm_name, sizeof(d->vm_name));
	}
	return 0;
}

/* Adds the other ports of the bridge a tap is enslaved to, as uplinks. */
static int add_bridge_peers(struct devset *s, const char *tap, char *err, size_t err_size)
{
	char path[PATH_MAX], target[PATH_MAX];
	const char *bridge;
	struct dirent *de;
	ssize_t len;
	DIR *d;
	int ret = 0;

	snprintf(path, sizeof(path), "%s/%s/brport/bridge", vnl_sysfs_net, tap);
	len = readlink(path, target, sizeof(target) - 1);
	if (len < 0)
		return 0;
	target[len] = '\0';
	bridge = strrchr(target, '/');
	bridge = bridge ? bridge + 1 : target;
	snprintf(path, sizeof(path), "%s/%s/brif", vnl_sysfs_net, bridge);
	d = opendir(path);
	if (!d)
		return 0;
	while (!ret && (de = readdir(d))) {
		if (de->d_name[0] == '.' || is_tun(de->d_name))
			continue;
		ret = add_dev(s, de->d_name, VNL_ROLE_UPLINK, err, err_size);
	}
	closedir(d);
	return ret;
}

/* Adds every device of this namespace that keep() selects, through add(). */
static int scan_devices(struct devset *s, int (*keep)(const char *name),
			int (*add)(struct devset *s, const char *name, char *err, size_t err_size),
			char *err, size_t err_size)
{
	struct dirent *de;
	int ret = 0;
	DIR *d;

	d = opendir(vnl_sysfs_net);
	if (!d) {
		snprintf(err, err_size, "%s: %s", vnl_sysfs_net, strerror(errno));
		return -errno;
	}
	while (!ret && (de = readdir(d)))
		if (de->d_name[0] != '.' && keep(de->d_name))
			ret = add(s, de->d_name, err, err_size);
	closedir(d);
	return ret;
}

static int add_tap_and_peers(struct devset *s, const char *name, char *err, size_t err_size)
{
	int ret = add_dev(s, name, VNL_ROLE_TAP, err, err_size);

	return ret ? ret : add_bridge_peers(s, name, err, err_size);
}

int devs_add_default(struct devset *s, char *err, size_t err_size)
{
	return scan_devices(s, is_tun, add_tap_and_peers, err, err_size);
}

uint32_t vhost_worker_of(const struct devset *s, const char *comm)
{
	unsigned int i, pid;
	int end = 0;

	if (sscanf(comm, "vhost-%u%n", &pid, &end) != 1 || comm[end] != '\0' || !pid)
		return 0;
	for (i = 0; i < s->n; i++)
		if (s->dev[i].vm_pid == pid)
			return pid;
	return 0;
}

/* Tasks named "vhost-N" seen while looking for the taps' owners, matched once those are known. */
struct vhost_seen {
	struct vhost_worker *w;
	size_t n, cap;
};

static void note_vhost_name(struct vhost_seen *seen, const char *pid_dir)
{
	char path[PATH_MAX], comm[32];
	struct vhost_worker *w;

	snprintf(path, sizeof(path), "%s/%s/comm", vnl_procfs, pid_dir);
	if (read_small_file(path, comm, sizeof(comm)) < 0 || strncmp(comm, "vhost-", 6))
		return;
	comm[strcspn(comm, "\n")] = '\0';
	if (seen->n == seen->cap) {
		size_t cap = seen->cap ? seen->cap * 2 : 16;

		w = realloc(seen->w, cap * sizeof(*w));
		if (!w)
			return;
		seen->w = w;
		seen->cap = cap;
	}
	w = &seen->w[seen->n++];
	w->tid = (uint32_t)strtoul(pid_dir, NULL, 10);
	snprintf(w->name, sizeof(w->name), "%s", comm);
}

/*
 * Of the tasks named "vhost-PID", those of the VMMs found: before 6.4, vhost-net's worker is a
 * kernel thread of its own, outside the VMM's thread group, so the programs that see only
 * the VMMs' tasks would miss it (from 6.4 it is a thread of the VMM, whose tgid covers it).
 */
static void keep_vhost_workers(struct devset *s, const struct vhost_seen *seen)
{
	size_t k;
	unsigned int i;

	for (k = 0; k < seen->n && s->nworkers < VNL_MAX_DEVS; k++) {
		const struct vhost_worker *c = &seen->w[k];
		uint32_t vm = vhost_worker_of(s, c->name);

		if (!vm || c->tid == vm)
			continue;
		for (i = 0; i < s->nworkers && s->workers[i].tid != c->tid; i++)
			;
		if (i < s->nworkers)
			continue;
		s->workers[s->nworkers] = *c;
		s->workers[s->nworkers++].vm_pid = vm;
	}
}

/* The VMM of each tap (the process holding it open), and the VMMs' vhost workers: one pass. */
void devs_find_owners(struct devset *s)
{
	struct vhost_seen seen = {0};
	struct dirent *de;
	DIR *d;

	d = opendir(vnl_procfs);
	if (!d)
		return;
	while ((de = readdir(d))) {
		char names[64][16];
		unsigned int i;
		int n, j;
		pid_t pid;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		note_vhost_name(&seen, de->d_name); /* kernel threads: in any namespace */
		pid = (pid_t)atoi(de->d_name);
		if (!same_netns(s, pid))
			continue;
		n = vm_taps(pid, names, 64);
		for (j = 0; j < n; j++) {
			for (i = 0; i < s->n; i++) {
				struct vnl_file_iface *dv = &s->dev[i];

				if (dv->vm_pid || strcmp(dv->name, names[j]))
					continue;
				dv->vm_pid = (uint32_t)pid;
				vm_name(pid, dv->vm_name, sizeof(dv->vm_name));
			}
		}
	}
	closedir(d);
	keep_vhost_workers(s, &seen);
	free(seen.w);
}

/* Whether the device's driver is virtio_net (sysfs: device/driver links to it). */
static int is_virtio_net(const char *name)
{
	char path[PATH_MAX], target[PATH_MAX];
	const char *base;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s/device/driver", vnl_sysfs_net, name);
	n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0)
		return 0;
	target[n] = '\0';
	base = strrchr(target, '/');
	return !strcmp(base ? base + 1 : target, "virtio_net");
}

int devs_add_guest_iface(struct devset *s, const char *name, char *err, size_t err_size)
{
	if (valid_ifname(name, err, err_size))
		return -EINVAL;
	return add_dev(s, name, VNL_ROLE_GUEST, err, err_size);
}

static int add_guest_dev(struct devset *s, const char *name, char *err, size_t err_size)
{
	return add_dev(s, name, VNL_ROLE_GUEST, err, err_size);
}

int devs_add_guest_default(struct devset *s, char *err, size_t err_size)
{
	return scan_devices(s, is_virtio_net, add_guest_dev, err, err_size);
}
