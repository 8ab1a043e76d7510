/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef VNL_PARSER_EXT_H
#define VNL_PARSER_EXT_H

#include <stddef.h>
#include <bpf/libbpf.h>
#include "vnetlat.h"

/*
 * The fingerprint parser verified once for all tp_btf programs: bpf/parser.bpf.c, loaded
 * against the first program that calls parse_buf_ext and put in its place in each (freplace).
 */
struct parser_ext {
	struct parser_bpf *skel;
	int link_fd[VNL_PT_MAX * 2];
	unsigned int nlinks;
};

/* 1 when this kernel lets a program replace a tp_btf program's function; 0 and why if not */
int parser_ext_probe(char *why, size_t size);
/* parser.bpf.c in place of parse_buf_ext in every program of obj that calls it; -errno */
int parser_ext_put(struct parser_ext *px, struct bpf_object *obj);
void parser_ext_close(struct parser_ext *px);

#endif
