// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The parser is most of what the verifier checks in a packet program, once in each: a global
 * function is verified once per program that calls it, not once per object. Where the kernel
 * lets one program stand in for a global function of others (BPF_PROG_TYPE_EXT, "freplace",
 * on kernels with BPF trampolines), parser.bpf.c is verified once and put in place of each
 * tp_btf program's parse_buf_ext, whose own body the verifier then prunes (cfg.parser_ext).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include "parser_ext.h"
#include "parser.skel.h"
#include "extprobe.skel.h"
#include "util.h"

#define EXT_FUNC "parse_buf_ext"

static int quiet(enum libbpf_print_level level, const char *fmt, va_list args)
{
	(void)level;
	(void)fmt;
	(void)args;
	return 0;
}

/* Whether the program behind fd calls the function of type func_id (its BTF's). */
static int calls_func(int fd, __u32 func_id)
{
	struct bpf_func_info funcs[64];
	struct bpf_prog_info info = {
	    .nr_func_info = ARRAY_SIZE(funcs),
	    .func_info_rec_size = sizeof(funcs[0]),
	    .func_info = (__u64)(unsigned long)funcs,
	};
	__u32 len = sizeof(info), i;

	/* one call: the kernel fills up to funcs' size and says how many the program has */
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return 0;
	for (i = 0; i < info.nr_func_info && i < ARRAY_SIZE(funcs); i++)
		if (funcs[i].type_id == func_id)
			return 1;
	return 0;
}

/* Loads parser.bpf.c against the program target_fd; NULL with errno set on failure. */
static struct parser_bpf *load_against(int target_fd)
{
	struct parser_bpf *skel = parser_bpf__open();
	int err;

	if (!skel)
		return NULL;
	err = bpf_program__set_attach_target(skel->progs.parse_buf_ext, target_fd, EXT_FUNC);
	if (!err)
		err = parser_bpf__load(skel);
	if (err) {
		parser_bpf__destroy(skel);
		errno = -err;
		return NULL;
	}
	return skel;
}

static int link_to(struct parser_bpf *skel, int target_fd, __u32 func_id)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts, .target_btf_id = func_id);

	return bpf_link_create(bpf_program__fd(skel->progs.parse_buf_ext), target_fd,
			       bpf_program__expected_attach_type(skel->progs.parse_buf_ext), &opts);
}

int parser_ext_probe(char *why, size_t size)
{
	libbpf_print_fn_t old = libbpf_set_print(quiet); /* a refusal is an answer here */
	struct extprobe_bpf *target = extprobe_bpf__open_and_load();
	struct parser_bpf *skel = NULL;
	int fd = -1, ok = 0;
	__s32 func_id;

	if (!target) {
		snprintf(why, size, "cannot load the probe's target: %s", strerror(errno));
		goto out;
	}
	skel = load_against(bpf_program__fd(target->progs.ext_target));
	if (!skel) {
		snprintf(why, size, "cannot load an extension program: %s", strerror(errno));
		goto out;
	}
	func_id = btf__find_by_name_kind(bpf_object__btf(target->obj), EXT_FUNC, BTF_KIND_FUNC);
	fd = func_id > 0 ? link_to(skel, bpf_program__fd(target->progs.ext_target), (__u32)func_id)
			 : -ENOENT;
	if (fd < 0)
		snprintf(why, size, "cannot replace a function: %s", strerror(-fd));
	ok = fd >= 0;
out:
	if (fd >= 0)
		close(fd);
	parser_bpf__destroy(skel);
	extprobe_bpf__destroy(target);
	libbpf_set_print(old);
	return ok;
}

int parser_ext_put(struct parser_ext *px, struct bpf_object *obj)
{
	__s32 func_id = btf__find_by_name_kind(bpf_object__btf(obj), EXT_FUNC, BTF_KIND_FUNC);
	struct bpf_program *prog;
	int fd;

	if (func_id <= 0)
		return -ENOENT;
	if (getenv("VNETLAT_PARSER_EXT_REFUSED")) /* as if a program refused it (tests) */
		return -EPERM;
	bpf_object__for_each_program(prog, obj)
	{
		fd = bpf_program__fd(prog);
		if (fd < 0 || !calls_func(fd, (__u32)func_id))
			continue;
		if (!px->skel) {
			px->skel = load_against(fd);
			if (!px->skel)
				return -errno;
		}
		if (px->nlinks == ARRAY_SIZE(px->link_fd))
			return -E2BIG;
		fd = link_to(px->skel, fd, (__u32)func_id);
		if (fd < 0)
			return fd;
		px->link_fd[px->nlinks++] = fd;
	}
	return 0;
}

void parser_ext_close(struct parser_ext *px)
{
	while (px->nlinks)
		close(px->link_fd[--px->nlinks]);
	parser_bpf__destroy(px->skel);
	px->skel = NULL;
}
