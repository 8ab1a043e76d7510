// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* --keep-slow across kernels (see keepsync.h). */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "hoptab.h"
#include "keepsync.h"

#define KEEP_WAIT_NS 2000000000ULL  /* the other kernel's part may still be on its way */
#define KEEP_AGE_NS  10000000000ULL /* a path older than this is another packet's */
#define KEEP_SCAN_NS 50000000ULL    /* a scan reads the whole cache: not more often */

unsigned int keep_sync_bits(unsigned int ncpus)
{
	unsigned int bits = 13; /* 8192 paths of ~250 bytes: 2 MB a CPU, 64 MB at most */

	while (bits > 8 && ((size_t)ncpus << bits) > (1u << 18))
		bits--;
	return bits;
}

int keep_sync_open(struct keep_sync *ks, int recent_fd, uint32_t n)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t len = (size_t)n * sizeof(struct vnl_kept);
	void *p;

	memset(ks, 0, sizeof(*ks));
	len = (len + (size_t)page - 1) / (size_t)page * (size_t)page;
	p = mmap(NULL, len, PROT_READ, MAP_SHARED, recent_fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	ks->recent = p;
	ks->recent_len = len;
	ks->nrecent = n;
	return 0;
}

void keep_sync_close(struct keep_sync *ks)
{
	if (ks->recent)
		munmap((void *)ks->recent, ks->recent_len);
	ks->recent = NULL;
}

static int recently_kept(const struct keep_sync *ks, uint64_t fp)
{
	unsigned int i;

	for (i = 0; i < KEEP_RECENT; i++)
		if (ks->kept_fps[i] == fp)
			return 1;
	return 0;
}

static void remember(struct keep_sync *ks, uint64_t fp)
{
	ks->kept_fps[ks->kept_pos++ % KEEP_RECENT] = fp;
}

void keep_inbox_add(struct keep_inbox *box, const void *payload, size_t len)
{
	if (len < sizeof(box->req[0]))
		return;
	if (box->n == sizeof(box->req) / sizeof(box->req[0])) {
		box->overflow++;
		return;
	}
	memcpy(&box->req[box->n++], payload, sizeof(box->req[0]));
}

int keep_sync_own(struct keep_sync *ks, const struct vnl_kept *k, struct vnl_keep_req *req)
{
	unsigned int i;

	remember(ks, k->path.pkt.fp);
	/* asked for by the other kernel and slow here too: kept once, by whoever came first */
	for (i = 0; i < ks->npending; i++)
		if (ks->pending[i].req.fp == k->path.pkt.fp) {
			ks->pending[i] = ks->pending[--ks->npending];
			ks->n.already++;
			return 0;
		}
	if (!ks->recent)
		return 0;
	memset(req, 0, sizeof(*req));
	req->fp = k->path.pkt.fp;
	req->dir = k->path.n && k->path.h[0].hop < VNL_HOP_MAX ? vnl_hops[k->path.h[0].hop].dir
							       : VNL_DIR_ANY;
	ks->n.told++;
	return 1;
}

void keep_sync_ask(struct keep_sync *ks, const struct vnl_keep_req *req, uint64_t now_ns)
{
	ks->n.asked++;
	if (recently_kept(ks, req->fp)) {
		ks->n.already++;
		return;
	}
	if (!ks->recent || ks->npending == KEEP_PENDING) {
		ks->n.gone++;
		return;
	}
	ks->pending[ks->npending++] = (struct keep_pending){*req, now_ns + KEEP_WAIT_NS};
}

/* Entry i, if it is fp's path: 1 with *k filled in. */
static int part_at(const struct keep_sync *ks, uint32_t i, uint64_t fp, uint64_t now_ns,
		   struct vnl_kept *k)
{
	const volatile struct vnl_kept *e = &ks->recent[i];

	memcpy(k, (const void *)e, sizeof(*k));
	/* read again: its CPU may have overwritten it while we copied */
	if (e->path.pkt.fp != fp || k->path.pkt.fp != fp || !k->path.n || k->path.t0 > now_ns ||
	    now_ns - k->path.t0 > KEEP_AGE_NS)
		return 0;
	return 1;
}

static int pending_index(const struct keep_sync *ks, uint64_t fp)
{
	unsigned int i;

	for (i = 0; i < ks->npending; i++)
		if (ks->pending[i].req.fp == fp)
			return (int)i;
	return -1;
}

int keep_sync_serve(struct keep_sync *ks, uint64_t now_ns,
		    int (*take)(void *ctx, const struct vnl_kept *k), void *ctx)
{
	uint8_t maybe[512] = {0}; /* a bit per fp hash: most slots are passed over on one load */
	struct vnl_kept k;
	unsigned int i;
	uint32_t idx;
	int p, err;

	if (!ks->npending || now_ns - ks->last_scan_ns < KEEP_SCAN_NS)
		return 0;
	ks->last_scan_ns = now_ns;
	for (i = 0; i < ks->npending; i++)
		maybe[(ks->pending[i].req.fp >> 3) & 511] |=
		    (uint8_t)(1u << (ks->pending[i].req.fp & 7));
	for (idx = 0; idx < ks->nrecent && ks->npending; idx++) {
		uint64_t fp = ks->recent[idx].path.pkt.fp;

		if (!(maybe[(fp >> 3) & 511] & (1u << (fp & 7))))
			continue;
		p = pending_index(ks, fp);
		if (p < 0 || !part_at(ks, idx, fp, now_ns, &k))
			continue;
		ks->pending[p] = ks->pending[--ks->npending];
		remember(ks, fp);
		ks->n.served++;
		err = take(ctx, &k);
		if (err)
			return err;
	}
	for (i = 0; i < ks->npending;) {
		if (ks->pending[i].until_ns <= now_ns) {
			ks->pending[i] = ks->pending[--ks->npending];
			ks->n.gone++;
		} else {
			i++;
		}
	}
	return 0;
}
