// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The per-CPU ring buffers as user space sees them: how many and how large for a total, one
 * pass over them merged back into time order, and a flush while a BPF program keeps writing
 * (that one needs root).
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <time.h>
#include <cmocka.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "rings.h"
#include "util.h"
#include "fptest.skel.h"

static void plan(void **state)
{
	unsigned int n;
	uint64_t each;

	rings_plan(16u << 20, 2, &n, &each);
	assert_int_equal(n, 2);
	assert_int_equal(each, 8u << 20);
	rings_plan(16u << 20, 3, &n, &each); /* 5.3M rounded up to a power of two */
	assert_int_equal(n, 3);
	assert_int_equal(each, 8u << 20);
	rings_plan(16u << 20, 512, &n, &each); /* CPUs past the cap share rings */
	assert_int_equal(n, VNL_MAX_RINGS);
	assert_int_equal(each, (16u << 20) / VNL_MAX_RINGS);
	rings_plan(4096, 2, &n, &each); /* a page each at least */
	assert_int_equal(n, 2);
	assert_int_equal(each, 4096);
	rings_plan(1u << 20, 0, &n, &each);
	assert_int_equal(n, 1);
}

struct seen {
	uint64_t last_ts;
	size_t n, out_of_order;
	uint64_t next_in_run[VNL_MAX_RINGS]; /* each run's events come out in its own order */
	size_t run_disorder;
	size_t stop_after;
};

static int collect(void *ctx, const struct vnl_event *ev)
{
	struct seen *s = ctx;

	if (ev->ts_ns < s->last_ts)
		s->out_of_order++;
	s->last_ts = ev->ts_ns;
	if (ev->skb != s->next_in_run[ev->cpu])
		s->run_disorder++;
	s->next_in_run[ev->cpu] = ev->skb + 1;
	s->n++;
	return s->stop_after && s->n == s->stop_after ? -EIO : 0;
}

/* k runs of random lengths, each in time order (ties included), interleaved in time. */
static size_t fill_runs(struct ring_run *runs, unsigned int k, unsigned int *seed)
{
	size_t total = 0, i;
	unsigned int r;
	uint64_t ts;

	for (r = 0; r < k; r++) {
		runs[r].n = (size_t)(rand_r(seed) % 3 == 0 ? 0 : rand_r(seed) % 2000);
		runs[r].cap = runs[r].n ? runs[r].n : 1;
		runs[r].ev = calloc(runs[r].cap, sizeof(struct vnl_event));
		ts = (uint64_t)(rand_r(seed) % 1000);
		for (i = 0; i < runs[r].n; i++) {
			ts += (uint64_t)(rand_r(seed) % 4); /* 0: equal times */
			runs[r].ev[i].ts_ns = ts;
			runs[r].ev[i].cpu = (uint16_t)r;
			runs[r].ev[i].skb = i;
		}
		total += runs[r].n;
	}
	return total;
}

static void merge_orders_every_pass(void **state)
{
	unsigned int seed = 7, pass, k, r;
	struct ring_run runs[VNL_MAX_RINGS];

	for (pass = 0; pass < 200; pass++) {
		struct seen s = {0};
		size_t total;

		k = 1 + (unsigned int)rand_r(&seed) % VNL_MAX_RINGS;
		total = fill_runs(runs, k, &seed);
		assert_int_equal(rings_merge(runs, k, UINT64_MAX, collect, &s), 0);
		assert_int_equal(s.n, total);
		assert_int_equal(s.out_of_order, 0);
		assert_int_equal(s.run_disorder, 0);
		for (r = 0; r < k; r++) {
			assert_int_equal(runs[r].n, 0); /* emptied for the next pass */
			free(runs[r].ev);
		}
	}
}

/* A writer that fails stops the merge and its error comes back. */
static void merge_stops_on_error(void **state)
{
	struct vnl_event ev[4][5] = {0};
	struct ring_run runs[4];
	struct seen s = {.stop_after = 10};
	unsigned int r, i;

	for (r = 0; r < 4; r++) {
		for (i = 0; i < 5; i++) {
			ev[r][i].ts_ns = 10 * i + r;
			ev[r][i].cpu = (uint16_t)r;
			ev[r][i].skb = i;
		}
		runs[r] = (struct ring_run){.ev = ev[r], .n = 5, .cap = 5};
	}
	assert_int_equal(rings_merge(runs, 4, UINT64_MAX, collect, &s), -EIO);
	assert_int_equal(s.n, 10);
	assert_int_equal(s.out_of_order, 0);
}

/*
 * A pass hands on only what is older than its start; the rest waits at the front of its run
 * and comes out, in order, with the next pass.
 */
static void merge_holds_back_past_the_horizon(void **state)
{
	unsigned int seed = 5, r;
	struct ring_run runs[8];
	struct seen s = {0};
	size_t total = fill_runs(runs, 8, &seed), first;
	uint64_t horizon = 1500;

	assert_int_equal(rings_merge(runs, 8, horizon, collect, &s), 0);
	first = s.n;
	assert_true(s.last_ts <= horizon);
	for (r = 0; r < 8; r++)
		assert_true(!runs[r].n || runs[r].ev[0].ts_ns > horizon);
	assert_int_equal(rings_merge(runs, 8, UINT64_MAX, collect, &s), 0);
	assert_true(first > 0 && first < total);
	assert_int_equal(s.n, total);
	assert_int_equal(s.out_of_order, 0);
	assert_int_equal(s.run_disorder, 0);
	for (r = 0; r < 8; r++)
		free(runs[r].ev);
}

/* A kept packet's path becomes its events, each in its place in time among the run's. */
static void kept_path_becomes_events(void **state)
{
	struct ring_run run = {0};
	struct vnl_event ev = {.ts_ns = 1500, .hop = 1};
	struct vnl_kept k = {.path = {.t0 = 1000, .n = 3, .netns = 7}, .skb = 0xabc};
	size_t i;

	(void)state;
	k.path.pkt.fp = 42;
	k.path.h[0].hop = 0, k.path.h[0].dt = 0, k.path.h[0].ifindex = 2;
	k.path.h[1].hop = 2, k.path.h[1].dt = 400, k.path.h[1].ifindex = 3;
	k.path.h[2].hop = 4, k.path.h[2].dt = 900, k.path.h[2].ifindex = 3;
	assert_int_equal(rings_take(&run, &ev, sizeof(ev)), 0);
	assert_int_equal(rings_take(&run, &k, sizeof(k)), 0);
	assert_int_equal(run.n, 4);
	for (i = 1; i < run.n; i++)
		assert_true(run.ev[i - 1].ts_ns <= run.ev[i].ts_ns);
	assert_int_equal(run.ev[0].ts_ns, 1000);
	assert_int_equal(run.ev[1].ts_ns, 1400);
	assert_int_equal(run.ev[2].ts_ns, 1500); /* the event sent before the path was */
	assert_int_equal(run.ev[3].ts_ns, 1900);
	assert_int_equal(run.ev[3].hop, 4);
	assert_int_equal(run.ev[3].ifindex, 3);
	assert_int_equal(run.ev[3].netns, 7);
	assert_int_equal(run.ev[3].skb, 0xabc);
	assert_int_equal(run.ev[3].pkt.fp, 42);
	k.path.n = 200; /* a path claims more hops than it holds: only what it holds */
	assert_int_equal(rings_take(&run, &k, sizeof(k)), 0);
	assert_int_equal(run.n, 4 + VNL_PATH_MAX);
	assert_int_equal(rings_take(&run, &k, 3), 0); /* neither record: ignored */
	assert_int_equal(run.n, 4 + VNL_PATH_MAX);
	free(run.ev);
}

struct flood {
	int prog_fd;
	volatile int stop;
	uint64_t runs;
};

/* Writes events into the ring as fast as the kernel runs the program, until told to stop. */
static void *flood_ring(void *arg)
{
	struct flood *f = arg;
	char frame[64] = {0};
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = sizeof(frame),
		    .repeat = 200);
	uint64_t end = now_ns(CLOCK_MONOTONIC) + 10000000000ULL; /* bound: 10 s */

	while (!f->stop && now_ns(CLOCK_MONOTONIC) < end) {
		if (bpf_prog_test_run_opts(f->prog_fd, &opts))
			break;
		f->runs++;
	}
	return NULL;
}

struct handed {
	uint64_t n, max_ts, min_ts, seq_gaps;
};

static int count_handed(void *ctx, const struct vnl_event *ev)
{
	struct handed *h = ctx;

	if (ev->skb != h->n)
		h->seq_gaps++;
	if (ev->ts_ns > h->max_ts)
		h->max_ts = ev->ts_ns;
	if (!h->min_ts || ev->ts_ns < h->min_ts)
		h->min_ts = ev->ts_ns;
	h->n++;
	return 0;
}

/*
 * The host's FLUSH asks an agent for every event taken so far. While a flood refills its
 * ring as fast as it is read, the flush hands on what was stamped up to its time, every event
 * of it and no later one, and returns; the rest comes with the next pass, in order.
 */
static void flush_does_not_chase_a_flood(void **state)
{
	struct fptest_bpf *skel = fptest_bpf__open_and_load();
	struct flood f = {0};
	struct handed h = {0}, rest = {0};
	struct rings r;
	pthread_t writer;
	uint64_t until, deadline;

	(void)state;
	if (!skel) {
		print_message(
		    "flush_does_not_chase_a_flood: cannot load fptest.bpf.o (needs root)\n");
		skip();
	}
	assert_int_equal(
	    rings_open(&r, bpf_map__fd(skel->maps.fill_rings), 1, 256 * 1024, count_handed, &h), 0);
	f.prog_fd = bpf_program__fd(skel->progs.ring_fill);
	assert_int_equal(pthread_create(&writer, NULL, flood_ring, &f), 0);
	deadline = now_ns(CLOCK_MONOTONIC) + 5000000000ULL;
	while (skel->bss->fill_seq < 1000 && now_ns(CLOCK_MONOTONIC) < deadline)
		sched_yield();
	assert_true(skel->bss->fill_seq >= 1000); /* the ring holds ~2000 */
	until = now_ns(CLOCK_MONOTONIC);
	assert_int_equal(rings_flush(&r, until), 0);
	assert_true(!f.stop && f.runs > 0); /* still flooding when the flush returned */
	f.stop = 1;
	pthread_join(writer, NULL);
	assert_true(h.n > 0);
	assert_int_equal(h.seq_gaps, 0);
	assert_true(h.max_ts <= until);
	/* what the flush left is all later, and follows on without a gap */
	rest.n = h.n;
	r.ctx = &rest;
	assert_int_equal(rings_drain(&r), 0);
	assert_int_equal(rest.seq_gaps, 0);
	assert_true(rest.n > h.n);
	assert_true(rest.min_ts > until);
	rings_close(&r);
	fptest_bpf__destroy(skel);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(plan),
	    cmocka_unit_test(merge_orders_every_pass),
	    cmocka_unit_test(merge_stops_on_error),
	    cmocka_unit_test(merge_holds_back_past_the_horizon),
	    cmocka_unit_test(kept_path_becomes_events),
	    cmocka_unit_test(flush_does_not_chase_a_flood),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
