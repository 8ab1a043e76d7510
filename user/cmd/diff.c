// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * vnetlat diff A.vnl B.vnl: two recordings side by side, per direction and segment, with the
 * change in p50, p99 and p99.9 and whether it is larger than the runs' own noise. A quantile
 * estimated from n samples is uncertain by a few ranks: its 95% interval runs from the value
 * at rank nq - 1.96 sqrt(nq(1-q)) to the one at nq + 1.96 sqrt(nq(1-q)) (order statistics,
 * no assumption on the distribution). A change is called significant when the two runs'
 * intervals do not overlap. The interval needs samples on both sides of the quantile: with
 * fewer than 5 beyond it (p99 of fewer than 500 samples, say) a change is not judged.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "breakdown.h"
#include "hoptab.h"
#include "json.h"
#include "commands.h"
#include "util.h"

static const double diff_q[] = {50, 99, 99.9};
static const char *const diff_key[] = {"p50", "p99", "p999"};
#define NQ 3

struct quantile {
	uint64_t value, lo, hi; /* estimate and its 95% interval */
};

/* The value at percentile q and its 95% interval (order statistics of h->count samples). */
static struct quantile quantile_ci(const struct hist *h, double q)
{
	double n = (double)h->count, p = q / 100.0, half = 1.96 * sqrt(n * p * (1 - p));
	struct quantile r = {hist_percentile(h, q), 0, 0};
	double lo_rank = n * p - half, hi_rank = n * p + half + 1;

	r.lo = hist_percentile(h, lo_rank <= 0 ? 0 : 100.0 * lo_rank / n);
	r.hi = hi_rank >= n ? h->max : hist_percentile(h, 100.0 * hi_rank / n);
	return r;
}

static const struct seg_agg *find_seg(const struct dir_agg *d, const struct seg_agg *s)
{
	size_t i;

	for (i = 0; i < d->nsegs; i++)
		if (!strcmp(d->segs[i].name, s->name) && d->segs[i].part == s->part)
			return &d->segs[i];
	return NULL;
}

struct cmp {
	struct quantile a[NQ], b[NQ];
	int significant[NQ];
	int judged[NQ]; /* enough samples on both sides to tell */
};

static int enough(const struct hist *h, double q)
{
	double n = (double)h->count, p = q / 100.0;

	return n * (1 - p) >= 5 && n * p >= 5;
}

static void compare(const struct hist *a, const struct hist *b, struct cmp *c)
{
	int i;

	for (i = 0; i < NQ; i++) {
		c->a[i] = quantile_ci(a, diff_q[i]);
		c->b[i] = quantile_ci(b, diff_q[i]);
		c->judged[i] = enough(a, diff_q[i]) && enough(b, diff_q[i]);
		c->significant[i] =
		    c->judged[i] && (c->a[i].hi < c->b[i].lo || c->b[i].hi < c->a[i].lo);
	}
}

static void fmt(uint64_t ns, char *buf, size_t size)
{
	if (ns < 10000)
		snprintf(buf, size, "%" PRIu64 "ns", ns);
	else if (ns < 10000000)
		snprintf(buf, size, "%.1fus", (double)ns / 1e3);
	else
		snprintf(buf, size, "%.2fms", (double)ns / 1e6);
}

static void print_line(const char *group, int row, const char *name, const struct hist *a,
		       const struct hist *b, struct jw *w)
{
	struct cmp c;
	int i;

	compare(a, b, &c);
	if (vnl_json) {
		jw_obj_begin(w, NULL);
		if (group)
			jw_str(w, "group", group);
		jw_str(w, "direction", vnl_rows[row].direction);
		if (row >= ROW_RT_REMOTE)
			jw_str(w, "initiator", vnl_rows[row].initiator);
		jw_str(w, "segment", name);
		jw_u64(w, "count_a", a->count);
		jw_u64(w, "count_b", b->count);
		for (i = 0; i < NQ; i++) {
			jw_obj_begin(w, diff_key[i]);
			jw_u64(w, "a_ns", c.a[i].value);
			jw_u64(w, "b_ns", c.b[i].value);
			jw_i64(w, "change_ns", (int64_t)c.b[i].value - (int64_t)c.a[i].value);
			jw_u64(w, "a_lo_ns", c.a[i].lo);
			jw_u64(w, "a_hi_ns", c.a[i].hi);
			jw_u64(w, "b_lo_ns", c.b[i].lo);
			jw_u64(w, "b_hi_ns", c.b[i].hi);
			if (c.judged[i])
				jw_bool(w, "significant", c.significant[i]);
			else
				jw_null(w, "significant"); /* too few samples to tell */
			jw_obj_end(w);
		}
		jw_obj_end(w);
		return;
	}
	printf("  %-20s %-30s %7" PRIu64 " %7" PRIu64, vnl_rows[row].tag, name, a->count, b->count);
	for (i = 0; i < NQ; i++) {
		char va[16], vb[16], col[48];
		double pct = c.a[i].value ? 100.0 * ((double)c.b[i].value - (double)c.a[i].value) /
						(double)c.a[i].value
					  : 0;

		fmt(c.a[i].value, va, sizeof(va));
		fmt(c.b[i].value, vb, sizeof(vb));
		snprintf(col, sizeof(col), "%s->%s %+.0f%%%s", va, vb, pct,
			 !c.judged[i]	    ? "?"
			 : c.significant[i] ? "*"
					    : "");
		printf(" %-28s", col);
	}
	putchar('\n');
}

static void diff_rows(const char *group, const struct group *a, const struct group *b, struct jw *w)
{
	int row;
	size_t i;

	for (row = 0; row < ROW_MAX; row++) {
		const struct dir_agg *da = &a->dirs[row], *db = &b->dirs[row];

		if (!da->complete && !db->complete)
			continue;
		for (i = 0; i < da->nsegs; i++) {
			const struct seg_agg *sb = find_seg(db, &da->segs[i]);
			struct hist empty = {0};

			print_line(group, row, da->segs[i].name, &da->segs[i].h,
				   sb ? &sb->h : &empty, w);
		}
		for (i = 0; i < db->nsegs; i++) {
			struct hist empty = {0};

			if (!find_seg(da, &db->segs[i]))
				print_line(group, row, db->segs[i].name, &empty, &db->segs[i].h, w);
		}
		print_line(group, row, "end_to_end", &da->e2e, &db->e2e, w);
	}
}

static const struct group *find_group(const struct group *g, size_t n, const char *key)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(g[i].key, key))
			return &g[i];
	return NULL;
}

/* Each group of A beside B's of the same key (an empty one where B has none), then B's own. */
static void diff_groups(enum group_by by, const struct group *a, size_t na, const struct group *b,
			size_t nb, struct jw *w)
{
	static const struct group empty;
	const char *label = by == BY_NONE ? NULL : group_by_name(by);
	size_t i;

	for (i = 0; i < na + nb; i++) {
		const struct group *ga = i < na ? &a[i] : find_group(a, na, b[i - na].key);
		const struct group *gb = i < na ? find_group(b, nb, a[i].key) : &b[i - na];

		if (i >= na && ga)
			continue; /* B's group of a key A has: done with A's */
		if (label && !vnl_json)
			printf("\n=== %s %s ===\n", label, ga ? ga->key : gb->key);
		diff_rows(label ? (ga ? ga->key : gb->key) : NULL, ga ? ga : &empty,
			  gb ? gb : &empty, w);
	}
}

static void free_groups(struct group *g, size_t n)
{
	size_t i;

	for (i = 0; g && i < n; i++)
		group_free(&g[i]);
	free(g);
}

int cmd_diff(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"json", no_argument, NULL, 'j'},
	    {"by", required_argument, NULL, 'b'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct group *a = NULL, *b = NULL;
	enum group_by by = BY_NONE;
	uint64_t ea = 0, eb = 0;
	size_t na = 0, nb = 0;
	struct jw w;
	int c, ret;

	optind = 1;
	while ((c = getopt_long(argc, argv, "jb:h", opts, NULL)) != -1) {
		if (c == 'j') {
			vnl_json = 1;
		} else if (c == 'b') {
			if (group_by_parse(optarg, &by))
				return VNL_EXIT_USAGE;
		} else if (c == 'h') {
			printf("Usage: vnetlat diff [--json] [--by "
			       "vm|iface|flow|priority|queue|class] "
			       "A.vnl B.vnl\n"
			       "Per direction and segment, p50, p99 and p99.9 of A and B and the "
			       "change;\n"
			       "* marks a change larger than the runs' own noise (the 95%% "
			       "intervals of\n"
			       "the two estimates do not overlap); ? too few samples to tell.\n"
			       "--by: the same per group, A's and B's of one key side by side (per "
			       "class:\n"
			       "did the load's class wait longer, and the priority class not?).\n");
			return VNL_EXIT_OK;
		} else {
			return VNL_EXIT_USAGE;
		}
	}
	if (argc - optind != 2) {
		vnl_err("diff: expected two recordings, A and B");
		return VNL_EXIT_USAGE;
	}
	ret = breakdown_of_file(argv[optind], by, &a, &na, &ea);
	if (ret == VNL_EXIT_OK || ret == VNL_EXIT_DATA) {
		int rb = breakdown_of_file(argv[optind + 1], by, &b, &nb, &eb);

		if (rb != VNL_EXIT_OK)
			ret = rb;
	}
	if (a && b) {
		jw_init(&w, stdout);
		if (vnl_json) {
			jw_obj_begin(&w, NULL);
			jw_u64(&w, "version", 1);
			jw_str(&w, "a", argv[optind]);
			jw_str(&w, "b", argv[optind + 1]);
			if (by != BY_NONE)
				jw_str(&w, "by", group_by_name(by));
			jw_arr_begin(&w, "segments");
		} else {
			printf(
			    "A: %s (%" PRIu64 " events)\nB: %s (%" PRIu64 " events)\n"
			    "* : a change larger than the runs' own noise (95%% intervals apart); "
			    "? : too few samples to tell\n\n",
			    argv[optind], ea, argv[optind + 1], eb);
			printf("  %-20s %-30s %7s %7s %-28s %-28s %-28s\n", "DIRECTION", "SEGMENT",
			       "N(A)", "N(B)", "P50 A->B", "P99 A->B", "P99.9 A->B");
		}
		diff_groups(by, a, na, b, nb, &w);
		if (vnl_json) {
			jw_arr_end(&w);
			jw_obj_end(&w);
			jw_newline(&w);
		}
	}
	free_groups(a, na);
	free_groups(b, nb);
	return ret;
}
