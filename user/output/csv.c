// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* report --csv: the time view as one row per window, direction and segment. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include "breakdown.h"
#include "format.h"
#include "hoptab.h"
#include "outputs.h"
#include "recording.h"

static void csv_row(FILE *f, const char *start, uint64_t start_ns, int row, const char *name,
		    const char *from, const char *to, const struct hist *h)
{
	size_t i;

	fprintf(f, "%s,%" PRIu64 ",%s,%s,%s,%s,%s,%" PRIu64, start, start_ns,
		vnl_rows[row].direction, vnl_rows[row].initiator, name, from, to, h->count);
	for (i = 0; i < VNL_NPCTS; i++)
		fprintf(f, ",%" PRIu64, hist_percentile(h, vnl_pcts[i]));
	fprintf(f, ",%" PRIu64 ",%.1f\n", h->max, hist_mean(h));
}

/* --csv: one row per window, direction and segment (and the end-to-end line). */
int write_csv(const struct breakdown *b, FILE *f)
{
	size_t w, i;
	int row;

	fprintf(f, "window_start,window_start_ns,direction,initiator,segment,from,to,count,p50_ns,"
		   "p90_ns,p99_ns,p999_ns,p9999_ns,max_ns,mean_ns\n");
	for (w = 0; w < b->nwindows; w++) {
		const struct group *g = b->windows[w];
		uint64_t start_ns = breakdown_window_start_ns(b, w);
		char start[40];

		if (!g)
			continue;
		rec_wall_time(b->rec, start_ns, start, sizeof(start));
		for (row = 0; row < ROW_MAX; row++) {
			const struct dir_agg *d = &g->dirs[row];

			if (!d->complete)
				continue;
			for (i = 0; i < d->nsegs; i++)
				csv_row(f, start, start_ns, row, d->segs[i].name,
					hop_name(d->segs[i].from), hop_name(d->segs[i].to),
					&d->segs[i].h);
			csv_row(f, start, start_ns, row, "end_to_end", "", "", &d->e2e);
		}
	}
	return ferror(f) ? -EIO : 0;
}
