// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "json.h"
#include "probe.h"
#include "parser_ext.h"
#include "util.h"

static const struct bpf_insn ret0[] = {
    {.code = 0xb7, .dst_reg = 0, .imm = 0}, /* r0 = 0 */
    {.code = 0x95},			    /* exit */
};

const char *mech_name(enum vnl_mech m)
{
	static const char *const names[] = {"unavailable", "tp_btf", "raw_tp", "fentry", "kprobe"};

	return m <= VNL_MECH_KPROBE ? names[m] : "unknown";
}

const char *skb_loads_name(int loads)
{
	static const char *const names[] = {"helper", "numbers", "untrusted memory"};

	return loads >= 0 && loads <= VNL_SKB_LOADS_UNTRUSTED ? names[loads] : "unknown";
}

void attach_desc(int point, enum vnl_mech m, char *buf, size_t size)
{
	const struct point_info *pi = &vnl_points[point];

	if (pi->category)
		snprintf(buf, size, "%s/%s:%s", mech_name(m), pi->category, pi->name);
	else
		snprintf(buf, size, "%s/%s", mech_name(m), pi->name);
}

static int load_insns(enum bpf_attach_type type, __u32 btf_id, int btf_obj_fd,
		      const struct bpf_insn *insns, size_t n)
{
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = type, .attach_btf_id = btf_id,
		    .attach_btf_obj_fd = btf_obj_fd);

	return bpf_prog_load(BPF_PROG_TYPE_TRACING, NULL, "GPL", insns, n, &opts);
}

static int load_tracing(enum bpf_attach_type type, __u32 btf_id, int btf_obj_fd)
{
	return load_insns(type, btf_id, btf_obj_fd, ret0, ARRAY_SIZE(ret0));
}

/* The offset of skb->data in this kernel's struct sk_buff; -1 when not found. */
static int skb_data_offset(struct btf *vmlinux)
{
	int skb_id = btf__find_by_name_kind(vmlinux, "sk_buff", BTF_KIND_STRUCT);
	const struct btf_type *t = skb_id > 0 ? btf__type_by_id(vmlinux, (__u32)skb_id) : NULL;
	const struct btf_member *m = t ? btf_members(t) : NULL;
	int i;

	for (i = 0; t && i < btf_vlen(t); i++)
		if (!strcmp(btf__name_by_offset(vmlinux, m[i].name_off), "data"))
			return (int)(btf_member_bit_offset(t, (__u32)i) / 8);
	return -1;
}

/*
 * What a tp_btf program's plain load of skb->data gives (enum vnl_skb_loads): untrusted
 * memory when a byte may be loaded through it, a number when it may be multiplied and
 * stored in 4 bytes, neither otherwise.
 */
static int probe_skb_loads(struct btf *vmlinux, __u32 tp_id)
{
	int off = skb_data_offset(vmlinux), fd;
	const struct bpf_insn deref[] = {
	    {.code = 0x79, .dst_reg = 1, .src_reg = 1, .off = 0},	   /* r1 = ctx[0]: skb */
	    {.code = 0x79, .dst_reg = 1, .src_reg = 1, .off = (__s16)off}, /* r1 = r1->data */
	    {.code = 0x71, .dst_reg = 0, .src_reg = 1, .off = 0},	   /* r0 = *(u8 *)r1 */
	    {.code = 0xb7, .dst_reg = 0, .imm = 0},			   /* r0 = 0 */
	    {.code = 0x95},						   /* exit */
	};
	const struct bpf_insn number[] = {
	    {.code = 0x79, .dst_reg = 1, .src_reg = 1, .off = 0},
	    {.code = 0x79, .dst_reg = 1, .src_reg = 1, .off = (__s16)off},
	    {.code = 0x27, .dst_reg = 1, .imm = 3},		    /* r1 *= 3 */
	    {.code = 0x63, .dst_reg = 10, .src_reg = 1, .off = -4}, /* *(u32 *)(r10 - 4) = r1 */
	    {.code = 0xb7, .dst_reg = 0, .imm = 0},
	    {.code = 0x95},
	};

	if (off < 0)
		return VNL_SKB_LOADS_HELPER;
	fd = load_insns(BPF_TRACE_RAW_TP, tp_id, 0, deref, ARRAY_SIZE(deref));
	if (fd >= 0) {
		close(fd);
		return VNL_SKB_LOADS_UNTRUSTED;
	}
	fd = load_insns(BPF_TRACE_RAW_TP, tp_id, 0, number, ARRAY_SIZE(number));
	if (fd >= 0) {
		close(fd);
		return VNL_SKB_LOADS_NUMBERS;
	}
	return VNL_SKB_LOADS_HELPER;
}

/*
 * The kernel's BTF as the probe reads it: vmlinux's, and the loaded modules' (read once, on
 * the first function vmlinux lacks: each is a parse of its own).
 */
#define PROBE_MAX_MODS 256

struct probe_btf {
	struct btf *vmlinux;
	struct btf *mod[PROBE_MAX_MODS];
	int mod_fd[PROBE_MAX_MODS];
	int nmods, mods_read;
	char *kallsyms; /* the text symbols' names, "\nNAME\n..." (kprobes), read once */
};

static void read_module_btfs(struct probe_btf *pb)
{
	__u32 id = 0;

	pb->mods_read = 1;
	while (pb->nmods < PROBE_MAX_MODS && !bpf_btf_get_next_id(id, &id)) {
		struct bpf_btf_info info = {};
		__u32 len = sizeof(info);
		char name[64] = "";
		struct btf *mod;
		int fd;

		fd = bpf_btf_get_fd_by_id(id);
		if (fd < 0)
			continue;
		info.name = (__u64)(unsigned long)name;
		info.name_len = sizeof(name);
		if (bpf_obj_get_info_by_fd(fd, &info, &len) || !info.kernel_btf || !name[0] ||
		    !strcmp(name, "vmlinux")) {
			close(fd);
			continue;
		}
		mod = btf__load_from_kernel_by_id_split(id, pb->vmlinux);
		if (!mod) {
			close(fd);
			continue;
		}
		pb->mod[pb->nmods] = mod;
		pb->mod_fd[pb->nmods++] = fd;
	}
}

static void probe_btf_free(struct probe_btf *pb)
{
	int i;

	for (i = 0; i < pb->nmods; i++) {
		btf__free(pb->mod[i]);
		close(pb->mod_fd[i]);
	}
	btf__free(pb->vmlinux);
	free(pb->kallsyms);
}

/* Finds a function in vmlinux or module BTF; *obj_fd is the module's BTF fd (0: vmlinux). */
static int find_func(struct probe_btf *pb, const char *fn, int *obj_fd)
{
	int ret, i;

	*obj_fd = 0;
	ret = btf__find_by_name_kind(pb->vmlinux, fn, BTF_KIND_FUNC);
	if (ret > 0)
		return ret;
	if (!pb->mods_read)
		read_module_btfs(pb);
	for (i = 0; i < pb->nmods; i++) {
		ret = btf__find_by_name_kind(pb->mod[i], fn, BTF_KIND_FUNC);
		if (ret > 0) {
			*obj_fd = pb->mod_fd[i];
			return ret;
		}
	}
	return -ENOENT;
}

#define VNL_ENOTSUPP 524 /* the kernel's own, which libc does not name */

/*
 * fentry on fn: loaded against its BTF id (the verifier checks the target). attach: also
 * attached once, which the mechanism's own probe does; a function's own probe does not, as
 * every attach and detach rewrites a trampoline (seconds for ten under emulation).
 */
static int try_fentry(struct probe_btf *pb, const char *fn, int attach, char *why, size_t size)
{
	int obj_fd, id, fd, link = 0;

	id = find_func(pb, fn, &obj_fd);
	if (id < 0) {
		snprintf(why, size, "function %s not in the kernel's BTF", fn);
		return 0;
	}
	fd = load_tracing(BPF_TRACE_FENTRY, (__u32)id, obj_fd);
	if (fd < 0) {
		snprintf(why, size, "fentry load failed: %s", strerror(errno));
		return 0;
	}
	if (attach) {
		link = bpf_raw_tracepoint_open(NULL, fd);
		if (link < 0 && errno == VNL_ENOTSUPP)
			snprintf(why, size,
				 "fentry attach failed: the kernel cannot attach BPF "
				 "trampolines here (ENOTSUPP; arm64 before 6.4)");
		else if (link < 0)
			snprintf(why, size, "fentry attach failed: %s", strerror(errno));
		else
			close(link);
	}
	close(fd);
	return link >= 0;
}

static int kprobe_pmu_type(uint32_t *type)
{
	char buf[32];

	return read_small_file("/sys/bus/event_source/devices/kprobe/type", buf, sizeof(buf)) < 0 ||
		       parse_u32(buf, type)
		   ? -1
		   : 0;
}

/* A kprobe on fn, registered and a program loaded: whether kprobes work here at all. */
static int try_kprobe(const char *fn, char *why, size_t size)
{
	struct perf_event_attr attr = {.size = sizeof(attr)};
	uint32_t type;
	int pfd, fd;

	if (kprobe_pmu_type(&type)) {
		snprintf(why, size, "no kprobe PMU (CONFIG_KPROBES off)");
		return 0;
	}
	attr.type = type;
	attr.config1 = (__u64)(unsigned long)fn;
	pfd = (int)syscall(SYS_perf_event_open, &attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
	if (pfd < 0) {
		snprintf(why, size, "kprobe on %s: %s", fn, strerror(errno));
		return 0;
	}
	fd = bpf_prog_load(BPF_PROG_TYPE_KPROBE, NULL, "GPL", ret0, 2, NULL);
	if (fd < 0)
		snprintf(why, size, "kprobe program load failed: %s", strerror(errno));
	close(fd);
	close(pfd);
	return fd >= 0;
}

/* The kernel's text symbols (module ones too), as "\nNAME\n" lines, from /proc/kallsyms. */
static void read_kallsyms(struct probe_btf *pb)
{
	FILE *f = fopen("/proc/kallsyms", "r");
	char line[512], name[256], kind;
	size_t len = 1, cap = 1 << 20;
	char *buf = malloc(cap);

	if (!f || !buf) {
		if (f)
			fclose(f);
		free(buf);
		return;
	}
	buf[0] = '\n';
	while (fgets(line, sizeof(line), f)) {
		size_t n;

		if (sscanf(line, "%*s %c %255s", &kind, name) != 2 || (kind != 't' && kind != 'T'))
			continue;
		n = strlen(name);
		if (len + n + 2 > cap) {
			char *more = realloc(buf, cap * 2);

			if (!more)
				break;
			buf = more;
			cap *= 2;
		}
		memcpy(buf + len, name, n);
		buf[len + n] = '\n';
		len += n + 1;
	}
	buf[len] = '\0';
	fclose(f);
	pb->kallsyms = buf;
}

/* A function a kprobe can take, where kprobes work: the kernel has it as text. */
static int kprobe_target(struct probe_btf *pb, const char *fn, char *why, size_t size)
{
	char needle[260];

	if (!pb->kallsyms)
		read_kallsyms(pb);
	snprintf(needle, sizeof(needle), "\n%s\n", fn);
	if (pb->kallsyms && strstr(pb->kallsyms, needle))
		return 1;
	snprintf(why, size, "kprobe: no function %s in /proc/kallsyms", fn);
	return 0;
}

static enum vnl_mech probe_tracepoint(struct btf *vmlinux, const char *tp, int tp_btf_ok, char *why,
				      size_t size)
{
	char name[96];
	int fd, link, id;

	snprintf(name, sizeof(name), "btf_trace_%s", tp);
	id = btf__find_by_name_kind(vmlinux, name, BTF_KIND_TYPEDEF);
	if (id > 0 && tp_btf_ok) {
		fd = load_tracing(BPF_TRACE_RAW_TP, (__u32)id, 0);
		if (fd >= 0) {
			close(fd);
			return VNL_MECH_TP_BTF;
		}
	}
	fd = bpf_prog_load(BPF_PROG_TYPE_RAW_TRACEPOINT, NULL, "GPL", ret0, 2, NULL);
	if (fd < 0) {
		snprintf(why, size, "raw tracepoint programs do not load: %s", strerror(errno));
		return VNL_MECH_NONE;
	}
	link = bpf_raw_tracepoint_open(tp, fd);
	close(fd);
	if (link < 0) {
		snprintf(why, size, "tracepoint %s not in this kernel (%s)", tp, strerror(errno));
		return VNL_MECH_NONE;
	}
	close(link);
	return VNL_MECH_RAW_TP;
}

static void choose_hops(struct probe_result *r)
{
	unsigned int h;

	for (h = 0; h < VNL_HOP_MAX; h++) {
		const struct hop_info *hi = &vnl_hops[h];

		r->hop_point[h] = -1;
		r->hop_mech[h] = VNL_MECH_NONE;
		if (hi->fn_point >= 0 && r->pt[hi->fn_point].mech != VNL_MECH_NONE)
			r->hop_point[h] = hi->fn_point;
		else if (hi->point >= 0 && r->pt[hi->point].mech != VNL_MECH_NONE)
			r->hop_point[h] = hi->point;
		if (r->hop_point[h] >= 0)
			r->hop_mech[h] = r->pt[r->hop_point[h]].mech;
	}
}

int probe_kernel(struct probe_result *r, int no_kfunc, int thorough)
{
	struct probe_btf pb = {0};
	struct btf *vmlinux;
	int p, id;

	memset(r, 0, sizeof(*r));
	vmlinux = pb.vmlinux = btf__load_vmlinux_btf();
	if (!vmlinux) {
		vnl_err("cannot read the kernel's BTF (/sys/kernel/btf/vmlinux): %s",
			strerror(errno));
		return -errno;
	}
	id = btf__find_by_name_kind(vmlinux, "btf_trace_net_dev_queue", BTF_KIND_TYPEDEF);
	/* VNETLAT_NO_TP_BTF=1 takes the raw_tp fallback, as on kernels without tp_btf (tests) */
	if (id > 0 && !getenv("VNETLAT_NO_TP_BTF")) {
		int fd = load_tracing(BPF_TRACE_RAW_TP, (__u32)id, 0);

		r->tp_btf_ok = fd >= 0;
		if (fd >= 0)
			close(fd);
		/* VNETLAT_SKB_LOADS=helper reads skb->head, ->data and packet bytes by helper
		 * calls in every program, as on kernels that give plain loads nothing (tests) */
		if (r->tp_btf_ok && !getenv("VNETLAT_SKB_LOADS"))
			r->skb_loads = probe_skb_loads(vmlinux, (__u32)id);
	}
	/* VNETLAT_NO_PARSER_EXT=1: each program its own parser, as without trampolines (tests) */
	if (!r->tp_btf_ok)
		snprintf(r->parser_ext_why, sizeof(r->parser_ext_why), "no tp_btf programs");
	else if (getenv("VNETLAT_NO_PARSER_EXT"))
		snprintf(r->parser_ext_why, sizeof(r->parser_ext_why),
			 "switched off (VNETLAT_NO_PARSER_EXT)");
	else
		r->parser_ext = parser_ext_probe(r->parser_ext_why, sizeof(r->parser_ext_why));
	if (no_kfunc) {
		snprintf(r->fentry_why, sizeof(r->fentry_why), "switched off (--tracepoints-only)");
		snprintf(r->kprobe_why, sizeof(r->kprobe_why), "switched off (--tracepoints-only)");
	} else {
		/* VNETLAT_NO_FENTRY=1 takes kprobes where fentry would do (tests of that path) */
		if (getenv("VNETLAT_NO_FENTRY"))
			snprintf(r->fentry_why, sizeof(r->fentry_why),
				 "switched off (VNETLAT_NO_FENTRY)");
		else
			r->fentry_ok = try_fentry(&pb, "bpf_fentry_test1", 1, r->fentry_why,
						  sizeof(r->fentry_why));
		r->kprobe_ok = try_kprobe("bpf_fentry_test1", r->kprobe_why, sizeof(r->kprobe_why));
	}
	for (p = 0; p < VNL_PT_MAX; p++) {
		struct point_probe *pp = &r->pt[p];
		const struct point_info *pi = &vnl_points[p];

		if (pi->category) {
			pp->mech = probe_tracepoint(vmlinux, pi->name, r->tp_btf_ok, pp->why,
						    sizeof(pp->why));
		} else if (r->fentry_ok &&
			   try_fentry(&pb, pi->name, thorough, pp->why, sizeof(pp->why))) {
			pp->mech = VNL_MECH_FENTRY;
		} else if (r->kprobe_ok &&
			   (thorough ? try_kprobe(pi->name, pp->why, sizeof(pp->why))
				     : kprobe_target(&pb, pi->name, pp->why, sizeof(pp->why)))) {
			pp->mech = VNL_MECH_KPROBE;
		} else if (!r->fentry_ok && !r->kprobe_ok) {
			snprintf(pp->why, sizeof(pp->why), "%s; %s", r->fentry_why, r->kprobe_why);
		}
	}
	probe_btf_free(&pb);
	choose_hops(r);
	return 0;
}

#ifdef VNL_ARCH_VIRT_FLAGS
/* Whether /proc/cpuinfo's flags name one of the words in flags (" vmx ", " svm "). */
static int cpu_has_flag(const char *const flags[], size_t n)
{
	char line[4096];
	FILE *f = fopen("/proc/cpuinfo", "r");
	int found = 0;
	size_t i;

	while (f && !found && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "flags", 5))
			continue;
		for (i = 0; i < n && !found; i++)
			found = strstr(line, flags[i]) != NULL;
	}
	if (f)
		fclose(f);
	return found;
}
#endif

/* Why point pt attaches but cannot fire on this host; NULL if it can. */
static const char *silent_here(int pt)
{
	switch (vnl_points[pt].needs) {
	case VNL_NEEDS_KVM:
		if (access("/dev/kvm", F_OK))
			return "no KVM on this host (/dev/kvm is absent): guests are emulated";
#ifdef VNL_ARCH_VIRT_FLAGS
		static const char *const virt_flags[] = VNL_ARCH_VIRT_FLAGS;

		if (!cpu_has_flag(virt_flags, ARRAY_SIZE(virt_flags)))
			return "this CPU offers no hardware virtualisation (no vmx or svm flag): "
			       "guests are emulated";
#endif
		return NULL;
	case VNL_NEEDS_VHOST:
		if (access("/sys/module/vhost_net", F_OK))
			return "vhost_net is not loaded: the VMM moves the packets itself";
		return NULL;
	default:
		return NULL;
	}
}

static void print_hop_json(struct jw *w, const struct probe_result *r, unsigned int h)
{
	const struct hop_info *hi = &vnl_hops[h];
	int pt = r->hop_point[h];
	char desc[96];

	jw_obj_begin(w, NULL);
	jw_str(w, "hop", hi->name);
	jw_str(w, "direction", dir_name(hi->dir));
	jw_str(w, "mechanism", mech_name(r->hop_mech[h]));
	if (pt >= 0) {
		attach_desc(pt, r->hop_mech[h], desc, sizeof(desc));
		jw_str(w, "attach", desc);
	} else {
		jw_null(w, "attach");
	}
	if (pt < 0) {
		int why_pt = hi->point >= 0 ? hi->point : hi->fn_point;

		jw_str(w, "why", r->pt[why_pt].why);
	}
	if (hi->fn_point >= 0 && pt != hi->fn_point && hi->point >= 0)
		jw_str(w, "fallback_from", vnl_points[hi->fn_point].name);
	jw_bool(w, "packetless", hi->packetless);
	if (pt >= 0 && silent_here(pt))
		jw_str(w, "silent_here", silent_here(pt));
	if (pt >= 0 && vnl_points[pt].note)
		jw_str(w, "note", vnl_points[pt].note);
	jw_obj_end(w);
}

static void print_hop_text(const struct probe_result *r, unsigned int h)
{
	const struct hop_info *hi = &vnl_hops[h];
	int pt = r->hop_point[h];
	char desc[96] = "-";

	if (pt >= 0)
		attach_desc(pt, r->hop_mech[h], desc, sizeof(desc));
	printf("%-20s %-10s %-12s %-40s", hi->name, dir_name(hi->dir), mech_name(r->hop_mech[h]),
	       desc);
	if (pt < 0)
		printf(" why: %s", r->pt[hi->point >= 0 ? hi->point : hi->fn_point].why);
	else if (hi->fn_point >= 0 && pt != hi->fn_point)
		printf(" (fallback: %s %s)", vnl_points[hi->fn_point].name,
		       r->pt[hi->fn_point].why);
	if (pt >= 0 && silent_here(pt))
		printf(" [silent here: %s]", silent_here(pt));
	else if (pt >= 0 && vnl_points[pt].note)
		printf(" [%s]", vnl_points[pt].note);
	putchar('\n');
}

int cmd_probe(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"help", no_argument, NULL, 'h'},
	    {"tracepoints-only", no_argument, NULL, 'T'},
	    {NULL, 0, NULL, 0},
	};
	struct probe_result r;
	int c, no_kfunc = 0;
	unsigned int h;

	optind = 1;
	while ((c = getopt_long(argc, argv, "hT", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			printf(
			    "Usage: vnetlat probe [--tracepoints-only] [-j|--json]\n"
			    "Lists every hop, the mechanism this kernel supports for it (fentry,\n"
			    "kprobe, tp_btf, raw_tp), and why the unavailable ones are.\n");
			return VNL_EXIT_OK;
		case 'T':
			no_kfunc = 1;
			break;
		default:
			return VNL_EXIT_USAGE;
		}
	}
	if (probe_kernel(&r, no_kfunc, 1))
		return VNL_EXIT_FAIL;
	if (vnl_json) {
		struct jw w;

		jw_init(&w, stdout);
		jw_obj_begin(&w, NULL);
		jw_obj_begin(&w, "mechanisms");
		jw_bool(&w, "tp_btf", r.tp_btf_ok);
		jw_str(&w, "skb_loads", skb_loads_name(r.skb_loads));
		jw_bool(&w, "parser_ext", r.parser_ext);
		if (!r.parser_ext)
			jw_str(&w, "parser_ext_why", r.parser_ext_why);
		jw_bool(&w, "fentry", r.fentry_ok);
		if (!r.fentry_ok)
			jw_str(&w, "fentry_why", r.fentry_why);
		jw_bool(&w, "kprobe", r.kprobe_ok);
		if (!r.kprobe_ok)
			jw_str(&w, "kprobe_why", r.kprobe_why);
		jw_obj_end(&w);
		jw_arr_begin(&w, "hops");
		for (h = 0; h < VNL_HOP_MAX; h++)
			print_hop_json(&w, &r, h);
		jw_arr_end(&w);
		jw_obj_end(&w);
		jw_newline(&w);
		return VNL_EXIT_OK;
	}
	printf("mechanisms: tp_btf %s (skb loads: %s; parser: %s%s%s), fentry %s%s%s, kprobe "
	       "%s%s%s\n\n",
	       r.tp_btf_ok ? "yes" : "no", skb_loads_name(r.skb_loads),
	       r.parser_ext ? "one for all (freplace)" : "in each program",
	       r.parser_ext ? "" : " - ", r.parser_ext ? "" : r.parser_ext_why,
	       r.fentry_ok ? "yes" : "no", r.fentry_ok ? "" : " - ",
	       r.fentry_ok ? "" : r.fentry_why, r.kprobe_ok ? "yes" : "no",
	       r.kprobe_ok ? "" : " - ", r.kprobe_ok ? "" : r.kprobe_why);
	printf("%-20s %-10s %-12s %-40s\n", "HOP", "DIRECTION", "MECHANISM", "ATTACH");
	for (h = 0; h < VNL_HOP_MAX; h++)
		print_hop_text(&r, h);
	return VNL_EXIT_OK;
}
