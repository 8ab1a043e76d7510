// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * vnetlat merge HOST.vnl GUEST.vnl... -o RUN.vnl: a host's recording and guest-side ones
 * (vnetlat agent -o), made apart, as one recording with guests: what record --guests writes
 * when the agents send over a link. The clocks are related later, by report, from the packets
 * both sides saw.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "merge.h"
#include "util.h"
#include "vnlfile.h"

#define MERGE_MAX_GUESTS 15

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: vnetlat merge HOST.vnl GUEST.vnl [GUEST.vnl...] -o OUT.vnl [--force]\n"
		"Joins a host's recording (vnetlat record) and guest-side recordings (vnetlat\n"
		"agent -o, one per guest) into one, as record --guests would have written it.\n");
}

/* The host's META, its guests= line made guests=1, so that report joins the guests' events. */
static int write_host_meta(struct vnl_writer *w, const struct vnl_block *b)
{
	const char *p = (const char *)b->payload, *end = p + b->len;
	char *text = malloc(b->len + 16);
	size_t len = 0;
	int err;

	if (!text)
		return -ENOMEM;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);

		if (strncmp(p, "guests=", 7)) {
			memcpy(text + len, p, n);
			len += n;
		}
		p += n;
	}
	if (len && text[len - 1] != '\n')
		text[len++] = '\n';
	memcpy(text + len, "guests=1\n", 9);
	err = vnl_writer_block(w, VNL_BLK_META, text, len + 9);
	free(text);
	return err;
}

static int write_guest_events(struct vnl_writer *w, unsigned int kernel, const struct vnl_block *b)
{
	size_t n = b->len / sizeof(struct vnl_event), i;
	struct vnl_event *evs = malloc(b->len + 1);
	int ret;

	if (!evs)
		return -ENOMEM;
	memcpy(evs, b->payload, n * sizeof(*evs));
	for (i = 0; i < n; i++)
		evs[i].kernel = (uint8_t)kernel;
	ret = vnl_writer_block_of(w, kernel, VNL_BLK_EVENTS, evs, n * sizeof(*evs));
	free(evs);
	return ret;
}

/* Copies a file's blocks; kernel 0: the host's, else a guest's under that kernel id. */
static int copy_file(struct vnl_writer *w, const char *path, unsigned int kernel,
		     unsigned int *max_kernel)
{
	struct vnl_reader r;
	struct vnl_block b;
	char err[512], side[16] = "";
	unsigned int cur = 0;
	int ret, first = 1;

	ret = vnl_reader_open(&r, path, err, sizeof(err));
	if (ret) {
		vnl_err("%s", err);
		return ret;
	}
	while (!ret && vnl_reader_next(&r, &b) > 0) {
		if (first && b.type == VNL_BLK_META && kernel) {
			vnl_meta_get(&b, "side", side, sizeof(side));
			if (strcmp(side, "guest")) {
				vnl_err("%s: not a guest-side recording (made by vnetlat agent -o)",
					path);
				ret = -EINVAL;
				break;
			}
		}
		first = 0;
		if (b.type == VNL_BLK_KERNEL) {
			/* the host file's own guests (record --guests): the writer marks the
			 * context again itself when the blocks change kernels */
			char k[16] = "";

			if (kernel) {
				vnl_err("%s: a guest's recording holding other kernels", path);
				ret = -EINVAL;
				break;
			}
			vnl_meta_get(&b, "kernel", k, sizeof(k));
			cur = (unsigned int)atoi(k);
			if (cur > *max_kernel)
				*max_kernel = cur;
		} else if (!kernel && !cur && b.type == VNL_BLK_META) {
			ret = write_host_meta(w, &b);
		} else if (kernel && b.type == VNL_BLK_EVENTS) {
			ret = write_guest_events(w, kernel, &b);
		} else {
			ret =
			    vnl_writer_block_of(w, kernel ? kernel : cur, b.type, b.payload, b.len);
		}
	}
	if (r.ndamage)
		vnl_warn("%s: %zu damaged stretch(es) skipped; the intact blocks were merged", path,
			 r.ndamage);
	vnl_reader_close(&r);
	return ret;
}

int cmd_merge(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"output", required_argument, NULL, 'o'},
	    {"force", no_argument, NULL, 'F'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct vnl_writer w = {.fd = -1};
	const char *out = NULL;
	unsigned int max_kernel = 0, k;
	int c, force = 0, i, err;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'F':
			force = 1;
			break;
		case 'h':
			usage(stdout);
			return VNL_EXIT_OK;
		default:
			usage(stderr);
			return VNL_EXIT_USAGE;
		}
	}
	if (!out || argc - optind < 2 || argc - optind > MERGE_MAX_GUESTS + 1) {
		vnl_err("merge: -o OUT, a host recording and 1 to %d guest recordings are needed",
			MERGE_MAX_GUESTS);
		usage(stderr);
		return VNL_EXIT_USAGE;
	}
	err = vnl_writer_open(&w, out, force);
	if (err) {
		vnl_err("%s: %s%s", out, strerror(-err),
			err == -EEXIST ? " (use --force to replace it)" : "");
		return err == -EEXIST ? VNL_EXIT_USAGE : VNL_EXIT_FAIL;
	}
	err = copy_file(&w, argv[optind], 0, &max_kernel);
	for (i = optind + 1, k = max_kernel + 1; !err && i < argc; i++, k++) {
		if (k > MERGE_MAX_GUESTS) {
			vnl_err("merge: at most %d guests in one recording", MERGE_MAX_GUESTS);
			err = -E2BIG;
			break;
		}
		err = copy_file(&w, argv[i], k, &max_kernel);
	}
	if (vnl_writer_close(&w) && !err)
		err = -EIO;
	if (err) {
		vnl_err("merge: %s: %s; %s is incomplete", out, strerror(-err), out);
		return err == -EINVAL ? VNL_EXIT_USAGE : VNL_EXIT_FAIL;
	}
	vnl_info("merged %d recording(s) into %s", argc - optind, out);
	return VNL_EXIT_OK;
}
