// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Each guest's clock against the host's: samples from link exchanges and boundary packets. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hoptab.h"
#include "reader.h"

/* The boundary hops of the hop table (VNL_HOP_BOUNDARY): host and guest, each direction. */
struct boundary_hops {
	unsigned int host[2], guest[2]; /* the hop nearest the boundary, then its stand-in */
};

#define BOUNDARY_ROW(d, h, h2, g, g2)                                                              \
	[VNL_DIR_##d] = {{VNL_HOP_##h, VNL_HOP_##h2}, {VNL_HOP_##g, VNL_HOP_##g2}},
static const struct boundary_hops boundary_hops[2] = {VNL_HOP_BOUNDARY(BOUNDARY_ROW)};
#undef BOUNDARY_ROW

int is_boundary_hop(unsigned int hop)
{
	int d, i;

	for (d = 0; d < 2; d++)
		for (i = 0; i < 2; i++)
			if (boundary_hops[d].host[i] == hop || boundary_hops[d].guest[i] == hop)
				return 1;
	return 0;
}

static int by_fp_ts(const void *a, const void *b)
{
	const struct boundary *x = a, *y = b;

	if (x->fp != y->fp)
		return x->fp < y->fp ? -1 : 1;
	return x->ts < y->ts ? -1 : x->ts > y->ts;
}

static int by_ts(const void *a, const void *b)
{
	const struct vnl_event *x = a, *y = b;

	return x->ts_ns < y->ts_ns ? -1 : x->ts_ns > y->ts_ns;
}

/* Of candidate hops (closest to the boundary first), the first that has packets. */
static unsigned int pick_hop(const size_t count[VNL_HOP_MAX], const unsigned int hop[2])
{
	return count[hop[0]] ? hop[0] : hop[1];
}

/*
 * One clock sample per packet seen exactly once on each side of guest k's boundary: going in
 * (host hop_h, then guest hop_g: an upper bound) or coming out (guest, then host: a lower one).
 */
static size_t traffic_samples(const struct read_ctx *rc, unsigned int k, const unsigned int hops[4],
			      struct clk_sample *out)
{
	size_t i = 0, n = 0;

	while (i < rc->nbnd) {
		size_t j = i, at[4] = {0};
		uint64_t ts[4] = {0};
		int c;

		while (j < rc->nbnd && rc->bnd[j].fp == rc->bnd[i].fp)
			j++;
		for (; i < j; i++) {
			const struct boundary *bd = &rc->bnd[i];

			for (c = 0; c < 4; c++) {
				if (bd->hop != hops[c] || bd->kernel != (c == 0 || c == 3 ? 0 : k))
					continue;
				at[c]++;
				ts[c] = bd->ts;
			}
		}
		if (at[0] == 1 && at[1] == 1) /* host hop_h, then guest hop_g */
			out[n++] = (struct clk_sample){ts[1], (int64_t)(ts[1] - ts[0]), 1};
		if (at[2] == 1 && at[3] == 1) /* guest, then host */
			out[n++] = (struct clk_sample){ts[2], (int64_t)(ts[2] - ts[3]), 0};
	}
	return n;
}

/* Each guest's clock against the host's, from its link exchanges and boundary packets. */
int estimate_clocks(struct recording *rec, struct read_ctx *rc)
{
	size_t count[VNL_HOP_MAX] = {0}, i, n;
	struct clk_sample *s;
	unsigned int hops[4], k;

	for (i = 0; i < rc->nbnd; i++)
		count[rc->bnd[i].hop]++;
	hops[0] = pick_hop(count, boundary_hops[VNL_DIR_TO_GUEST].host);
	hops[1] = pick_hop(count, boundary_hops[VNL_DIR_TO_GUEST].guest);
	hops[2] = pick_hop(count, boundary_hops[VNL_DIR_FROM_GUEST].guest);
	hops[3] = pick_hop(count, boundary_hops[VNL_DIR_FROM_GUEST].host);
	if (rc->nbnd)
		qsort(rc->bnd, rc->nbnd, sizeof(*rc->bnd), by_fp_ts);
	s = malloc((2 * rc->nclk + rc->nbnd + 1) * sizeof(*s));
	if (!s)
		return -ENOMEM;
	for (k = 1; k < rec->nkernels; k++) {
		struct rec_kernel *rk = &rec->k[k];

		n = 0;
		for (i = 0; i < rc->nclk; i++) {
			const struct vnl_file_clock *c = &rc->clk[i];

			if (c->kernel != k || c->host_rx < c->host_tx)
				continue;
			s[n++] = (struct clk_sample){c->guest_ns,
						     (int64_t)(c->guest_ns - c->host_tx), 1};
			s[n++] = (struct clk_sample){c->guest_ns,
						     (int64_t)(c->guest_ns - c->host_rx), 0};
		}
		rk->link_samples = n / 2;
		n += traffic_samples(rc, k, hops, s + n);
		rk->traffic_samples = n - 2 * rk->link_samples;
		clk_estimate(s, n, CLOCK_WINDOW_NS, &rk->clock);
		rk->ptp = !strcmp(rec->clock, "tai") && !strcmp(rk->clock_name, "tai");
		if (getenv("VNETLAT_DEBUG_CLOCK"))
			for (i = 0; i < n; i++)
				fprintf(stderr, "clock k=%u t=%llu %s %lld\n", k,
					(unsigned long long)s[i].t, s[i].upper ? "upper" : "lower",
					(long long)s[i].bound);
	}
	free(s);
	return 0;
}

/* The guests' events on the host's clock, in time order, for the second pass. */
/*
 * An agent sends everything it recorded since it last handed events over, so a first
 * recording gets the guest's events from before it began: those, earlier than the host's
 * own start (less the clock's bound), are no part of it. They are counted, and left out.
 */
static uint64_t recording_start(const struct recording *rec, const struct read_ctx *rc,
				const struct rec_kernel *k)
{
	uint64_t start = rec->monotonic_ns;

	if (rc->host_first_ts && rc->host_first_ts < start)
		start = rc->host_first_ts;
	return k->clock.valid && start > (uint64_t)k->clock.bound_ns
		   ? start - (uint64_t)k->clock.bound_ns
		   : start;
}

void place_guest_events(struct recording *rec, struct read_ctx *rc)
{
	size_t i, n = 0;

	for (i = 0; i < rc->ngev; i++) {
		struct vnl_event *ev = &rc->gev[i];
		struct rec_kernel *k = &rec->k[ev->kernel];

		ev->ts_ns = rec_host_time(rec, ev->kernel, ev->ts_ns);
		if (rec->monotonic_ns && (k->clock.valid || k->ptp) &&
		    ev->ts_ns < recording_start(rec, rc, k)) {
			k->before_start++;
			continue;
		}
		rc->gev[n++] = *ev;
	}
	rc->ngev = n;
	if (rc->ngev)
		qsort(rc->gev, rc->ngev, sizeof(*rc->gev), by_ts);
}
