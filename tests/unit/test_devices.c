// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Device discovery against fixture sysfs and procfs trees: taps, bridge peers, --vm. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "devices.h"

static char root[] = "/tmp/vnl-devs-XXXXXX";
static char sys_net[256], proc[256];

static void put_bytes(const char *rel, const char *content, size_t len)
{
	char p[512], cmd[600];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname %s)\"", p);
	assert_int_equal(system(cmd), 0);
	f = fopen(p, "w");
	assert_non_null(f);
	fwrite(content, 1, len, f);
	fclose(f);
}

static void put(const char *rel, const char *content)
{
	put_bytes(rel, content, strlen(content));
}

static void link_to(const char *rel, const char *target)
{
	char p[512], cmd[600];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname %s)\"", p);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(symlink(target, p), 0);
}

static void netdev(const char *name, int ifindex, int tun, const char *bridge)
{
	char rel[128], val[16];

	snprintf(rel, sizeof(rel), "net/%s/ifindex", name);
	snprintf(val, sizeof(val), "%d\n", ifindex);
	put(rel, val);
	snprintf(rel, sizeof(rel), "net/%s/type", name);
	put(rel, "1\n");
	if (tun) {
		snprintf(rel, sizeof(rel), "net/%s/tun_flags", name);
		put(rel, "0x1002\n");
	}
	if (bridge) {
		char target[128];

		snprintf(rel, sizeof(rel), "net/%s/brport/bridge", name);
		snprintf(target, sizeof(target), "../../%s", bridge);
		link_to(rel, target);
		snprintf(rel, sizeof(rel), "net/%s/brif/%s", bridge, name);
		snprintf(target, sizeof(target), "../../%s/brport", name);
		link_to(rel, target);
	}
}

static int setup(void **state)
{
	struct stat st;
	char ns[64];

	if (!mkdtemp(root))
		return -1;
	snprintf(sys_net, sizeof(sys_net), "%s/net", root);
	snprintf(proc, sizeof(proc), "%s/proc", root);
	netdev("br0", 10, 0, NULL);
	netdev("eth0", 2, 0, "br0");
	netdev("vnet0", 11, 1, "br0");
	netdev("vnet1", 12, 1, NULL);
	netdev("lo", 1, 0, NULL);
	/* a QEMU with two tun fds and a plain file */
	link_to("proc/4242/fd/3", "/dev/net/tun");
	put("proc/4242/fdinfo/3", "pos:\t0\nflags:\t0104002\nmnt_id:\t25\niff:\tvnet0\n");
	link_to("proc/4242/fd/4", "/dev/net/tun");
	put("proc/4242/fdinfo/4", "pos:\t0\nflags:\t0104002\nmnt_id:\t25\niff:\tvnet1\n");
	link_to("proc/4242/fd/5", "/var/lib/disk.img");
	put("proc/4242/fdinfo/5", "pos:\t0\n");
	put_bytes("proc/4242/cmdline", "qemu-system-x86_64\0-name\0guest=web1,debug-threads=on\0",
		  53);
	/* its vhost-net worker, a kernel thread of its own (before 6.4); another VM's; and a
	 * thread whose name only looks like one */
	put("proc/4250/comm", "vhost-4242\n");
	put("proc/5000/comm", "vhost-777\n");
	put("proc/5001/comm", "vhost-4242x\n");
	/* same netns as "self" */
	stat("/proc/self/ns/net", &st);
	snprintf(ns, sizeof(ns), "/proc/%d/ns/net", (int)getpid());
	link_to("proc/self/ns/net", ns);
	link_to("proc/4242/ns/net", ns);
	vnl_sysfs_net = sys_net;
	vnl_procfs = proc;
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	return system(cmd);
}

static const struct vnl_file_iface *by_name(const struct devset *s, const char *name)
{
	unsigned int i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->dev[i].name, name))
			return &s->dev[i];
	return NULL;
}

static void default_set_is_taps_and_bridge_peers(void **state)
{
	static struct devset s;
	char err[256];

	assert_int_equal(devs_init(&s), 0);
	assert_int_equal(devs_add_default(&s, err, sizeof(err)), 0);
	assert_int_equal(s.n, 3);
	assert_int_equal(by_name(&s, "vnet0")->role, VNL_ROLE_TAP);
	assert_int_equal(by_name(&s, "vnet1")->role, VNL_ROLE_TAP);
	assert_int_equal(by_name(&s, "eth0")->role, VNL_ROLE_UPLINK);
	assert_int_equal(by_name(&s, "eth0")->ifindex, 2);
	assert_null(by_name(&s, "lo"));
	devs_find_owners(&s);
	assert_int_equal(by_name(&s, "vnet0")->vm_pid, 4242);
	assert_string_equal(by_name(&s, "vnet0")->vm_name, "web1");
	assert_int_equal(s.nworkers, 1); /* found once, though two of its taps are traced */
	assert_int_equal(s.workers[0].tid, 4250);
	assert_int_equal(s.workers[0].vm_pid, 4242);
	assert_string_equal(s.workers[0].name, "vhost-4242");
	devs_find_owners(&s); /* a rescan adds no duplicate */
	assert_int_equal(s.nworkers, 1);
}

static void vhost_worker_names(void **state)
{
	static struct devset s;

	s.n = 1;
	s.dev[0].vm_pid = 4242;
	assert_int_equal(vhost_worker_of(&s, "vhost-4242"), 4242);
	assert_int_equal(vhost_worker_of(&s, "vhost-424"), 0);
	assert_int_equal(vhost_worker_of(&s, "vhost-4242x"), 0);
	assert_int_equal(vhost_worker_of(&s, "vhost-"), 0);
	assert_int_equal(vhost_worker_of(&s, "kworker/0:1"), 0);
}

static void vm_pid_finds_its_taps(void **state)
{
	static struct devset s;
	char names[8][16], err[256];

	assert_int_equal(vm_taps(4242, names, 8), 2);
	assert_int_equal(devs_init(&s), 0);
	assert_int_equal(devs_add_vm(&s, 4242, err, sizeof(err)), 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.dev[0].vm_pid, 4242);
	assert_int_equal(devs_add_vm(&s, 999, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "999"));
}

static void bad_iface_names(void **state)
{
	static struct devset s;
	char err[256];

	assert_int_equal(devs_init(&s), 0);
	assert_int_equal(devs_add_iface(&s, "nope0", err, sizeof(err)), -ENODEV);
	assert_non_null(strstr(err, "nope0"));
	assert_int_equal(devs_add_iface(&s, "../../etc", err, sizeof(err)), -EINVAL);
	assert_int_equal(devs_add_iface(&s, "a-very-long-interface-name", err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(devs_add_iface(&s, "eth0", err, sizeof(err)), 0);
	assert_int_equal(devs_add_iface(&s, "eth0", err, sizeof(err)), 0); /* no duplicate */
	assert_int_equal(s.n, 1);
	assert_int_equal(s.dev[0].role, VNL_ROLE_UPLINK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(default_set_is_taps_and_bridge_peers),
	    cmocka_unit_test(vm_pid_finds_its_taps),
	    cmocka_unit_test(vhost_worker_names),
	    cmocka_unit_test(bad_iface_names),
	};

	return cmocka_run_group_tests_name("devices", tests, setup, teardown);
}
