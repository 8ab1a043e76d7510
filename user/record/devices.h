/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef VNL_DEVICES_H
#define VNL_DEVICES_H

#include <stddef.h>
#include <sys/types.h>
#include "vnlfile.h"

/* A VMM's vhost-net worker: the task that moves its taps' packets when vhost=on. */
struct vhost_worker {
	uint32_t tid, vm_pid;
	char name[16]; /* "vhost-PID" */
};

struct devset {
	struct vnl_file_iface dev[VNL_MAX_DEVS];
	unsigned int n;
	uint32_t netns; /* inode of the network namespace we run in */
	struct vhost_worker workers[VNL_MAX_DEVS];
	unsigned int nworkers;
};

/* sysfs and procfs roots, replaceable so unit tests read fixtures. */
extern const char *vnl_sysfs_net;
extern const char *vnl_procfs;

int devs_init(struct devset *s);
/* Adds a device by name; tun/tap devices become taps, anything else an uplink. */
int devs_add_iface(struct devset *s, const char *name, char *err, size_t err_size);
/* Adds the taps a VMM process holds open (the iff: line of its tun fds' fdinfo). */
int devs_add_vm(struct devset *s, pid_t pid, char *err, size_t err_size);
/* Every tap of this namespace, and the devices bridged with them. */
int devs_add_default(struct devset *s, char *err, size_t err_size);
/* Guest side (vnetlat agent): a named device, or every virtio-net device. */
int devs_add_guest_iface(struct devset *s, const char *name, char *err, size_t err_size);
int devs_add_guest_default(struct devset *s, char *err, size_t err_size);
/* Whether the device still exists under its name and ifindex in this namespace. */
int devs_exists(const struct vnl_file_iface *d);
/* Names the VMM holding each tap that has none yet, and finds the VMMs' vhost workers. */
void devs_find_owners(struct devset *s);
/* Whether comm names the vhost worker of a VMM with a tap in s ("vhost-PID"): its pid, or 0. */
uint32_t vhost_worker_of(const struct devset *s, const char *comm);
/* The interface named by a tun fd's fdinfo ("iff:\tNAME"); -ENOENT or -EINVAL otherwise. */
int fdinfo_iff(const char *fdinfo, char name[16]);
/* The VM's name from QEMU's "-name guest=NAME,..." in a NUL-separated cmdline of len bytes
 * (the last byte is overwritten with NUL); -ENOENT without one. */
int cmdline_vm_name(char *cmd, size_t len, char *name, size_t size);
/* The tap names a process holds open; returns how many (at most max). */
int vm_taps(pid_t pid, char names[][16], int max);

#endif
