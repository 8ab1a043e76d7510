// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The traced devices: chosen by the options, put in the BPF maps, rescanned. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "recorder.h"
#include "util.h"

/* The devices the options select now. strict: any missing one is an error (at start). */
static int collect_devices(const struct rec_opts *o, struct devset *s, int strict, char *err,
			   size_t size)
{
	int i, ret;

	ret = devs_init(s);
	if (ret) {
		snprintf(err, size, "cannot read our network namespace: %s", strerror(-ret));
		return ret;
	}
	for (i = 0; i < o->nifaces; i++) {
		ret = o->side == VNL_SIDE_GUEST ? devs_add_guest_iface(s, o->ifaces[i], err, size)
						: devs_add_iface(s, o->ifaces[i], err, size);
		if (ret && strict)
			return ret;
	}
	if (o->side == VNL_SIDE_GUEST && !o->nifaces) {
		ret = devs_add_guest_default(s, err, size);
		if (!ret && !s->n && strict) {
			snprintf(err, size,
				 "no virtio-net device in this network namespace: name "
				 "devices with --iface");
			ret = -ENODEV;
		}
		return strict ? ret : 0;
	}
	for (i = 0; i < o->nvms; i++) {
		ret = devs_add_vm(s, o->vms[i], err, size);
		if (ret && strict)
			return ret;
	}
	if (!o->nifaces && !o->nvms) {
		ret = devs_add_default(s, err, size);
		if (ret && strict)
			return ret;
		if (!s->n && strict) {
			snprintf(err, size,
				 "no tap device in this network namespace: name devices "
				 "with --iface or a VMM with --vm");
			return -ENODEV;
		}
	}
	return 0;
}

int resolve_devices(struct rec_opts *o, struct devset *s)
{
	char err[512];
	int ret;

	ret = collect_devices(o, s, 1, err, sizeof(err));
	if (ret) {
		vnl_err("%s", err);
		return ret;
	}
	devs_find_owners(s);
	return 0;
}

/* A VMM's vhost workers are its tasks too: their hops (vhost.*, vmm.read) are the VMM's. */
static int trace_vhost_workers(struct rec_state *st, uint32_t vm_pid, __u32 vm)
{
	unsigned int i;

	for (i = 0; i < st->devs.nworkers; i++) {
		const struct vhost_worker *w = &st->devs.workers[i];

		if (w->vm_pid != vm_pid)
			continue;
		if (bpf_map_update_elem(bpf_map__fd(st->skel->maps.vms), &w->tid, &vm, BPF_ANY))
			return -errno;
		st->skel->bss->vmm_hint[w->tid & (VNL_VMM_HINT - 1)] = 1;
	}
	return 0;
}

/* Puts st->devs.dev[i] (and its VMM) in the BPF maps: from now on its packets are traced. */
static int trace_device(struct rec_state *st, unsigned int i)
{
	const struct vnl_file_iface *d = &st->devs.dev[i];
	struct vnl_dev_key key = {.netns = d->netns, .ifindex = d->ifindex};
	struct vnl_dev_val val = {.role = d->role, .l3 = d->l3, .id = d->id};
	__u32 vm = d->id;

	if (bpf_map_update_elem(bpf_map__fd(st->skel->maps.devs), &key, &val, BPF_ANY))
		return -errno;
	/* hints are never cleared: another device may share the entry */
	st->skel->bss->dev_hint[d->ifindex & (VNL_DEV_HINT - 1)] = 1;
	__atomic_add_fetch(&st->skel->bss->dev_gen, 1, __ATOMIC_RELEASE);
	if (d->vm_pid &&
	    bpf_map_update_elem(bpf_map__fd(st->skel->maps.vms), &d->vm_pid, &vm, BPF_ANY))
		return -errno;
	if (d->vm_pid)
		st->skel->bss->vmm_hint[(__u32)d->vm_pid & (VNL_VMM_HINT - 1)] = 1;
	st->present[i] = 1;
	return d->vm_pid ? trace_vhost_workers(st, d->vm_pid, vm) : 0;
}

int fill_maps(struct rec_state *st)
{
	unsigned int i;
	int err;

	for (i = 0; i < st->devs.n; i++) {
		err = trace_device(st, i);
		if (err)
			return err;
	}
	return 0;
}

static int find_present(const struct rec_state *st, const struct vnl_file_iface *d)
{
	unsigned int i;

	for (i = 0; i < st->devs.n; i++)
		if (st->present[i] && st->devs.dev[i].ifindex == d->ifindex &&
		    st->devs.dev[i].netns == d->netns)
			return (int)i;
	return -1;
}

static int in_set(const struct devset *s, const struct vnl_file_iface *d)
{
	unsigned int i;

	for (i = 0; i < s->n; i++)
		if (s->dev[i].ifindex == d->ifindex && s->dev[i].netns == d->netns)
			return 1;
	return 0;
}

static void dev_event(struct vnl_file_devevent *ev, const struct vnl_file_iface *d, uint8_t kind)
{
	memset(ev, 0, sizeof(*ev));
	ev->ts_ns = event_now();
	ev->ifindex = d->ifindex;
	ev->netns = d->netns;
	ev->kind = kind;
	memcpy(ev->name, d->name, sizeof(ev->name));
}

/*
 * Devices come and go (a VM starts, a tap is deleted): what the options select is looked up
 * again, new devices are added to the BPF map (no capability needed: we hold its fd) and
 * gone ones removed, and both are written to the recording.
 */
int rescan_devices(struct rec_state *st, const struct rec_opts *o)
{
	struct vnl_file_devevent evs[64];
	unsigned int i, first_new = st->devs.n, nev = 0;
	int devs_fd = bpf_map__fd(st->skel->maps.devs), err = 0;
	char msg[512];

	if (collect_devices(o, &st->fresh, 0, msg, sizeof(msg)))
		return 0;
	for (i = 0; i < st->devs.n && nev < 64; i++) {
		struct vnl_file_iface *d = &st->devs.dev[i];
		struct vnl_dev_key key = {.netns = d->netns, .ifindex = d->ifindex};

		/* a device no longer selected but still there (a bridge peer of a tap that
		 * went away) stays traced: only what is gone is removed */
		if (!st->present[i] || in_set(&st->fresh, d) || devs_exists(d))
			continue;
		bpf_map_delete_elem(devs_fd, &key);
		__atomic_add_fetch(&st->skel->bss->dev_gen, 1, __ATOMIC_RELEASE);
		st->present[i] = 0;
		dev_event(&evs[nev++], d, VNL_DEV_DISAPPEARED);
	}
	for (i = 0; i < st->fresh.n && nev < 64; i++) {
		struct vnl_file_iface *d;

		if (find_present(st, &st->fresh.dev[i]) >= 0)
			continue;
		if (st->devs.n == VNL_MAX_DEVS) {
			if (!st->devs_full_warned++)
				vnl_warn("more than %d devices seen: new ones are not traced",
					 VNL_MAX_DEVS);
			break;
		}
		d = &st->devs.dev[st->devs.n];
		*d = st->fresh.dev[i];
		d->id = (uint16_t)st->devs.n;
		st->devs.n++;
		dev_event(&evs[nev++], d, VNL_DEV_APPEARED);
	}
	if (!nev)
		return 0;
	if (st->devs.n > first_new) {
		devs_find_owners(&st->devs);
		for (i = first_new; i < st->devs.n; i++) {
			int terr = trace_device(st, i);

			if (terr)
				vnl_warn("interface '%s': cannot trace it: %s",
					 st->devs.dev[i].name, strerror(-terr));
			st->present[i] = 1; /* seen: not to be added again at the next rescan */
		}
		err = vnl_writer_block(&st->w, VNL_BLK_IFACES, &st->devs.dev[first_new],
				       (st->devs.n - first_new) * sizeof(st->devs.dev[0]));
	}
	if (!err)
		err = vnl_writer_block(&st->w, VNL_BLK_DEVEVENTS, evs, nev * sizeof(evs[0]));
	for (i = 0; i < nev; i++)
		vnl_info("interface %s (ifindex %u) %s", evs[i].name, evs[i].ifindex,
			 evs[i].kind == VNL_DEV_APPEARED ? "appeared: tracing it" : "disappeared");
	return err;
}
