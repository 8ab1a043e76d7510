// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * One BPF ring buffer per CPU. A pass reads each ring to its end in turn, so one ring's newest
 * events would come before another's older ones: each pass is gathered per ring and merged
 * back into time order. Only events from before the pass began are handed on: a ring read
 * later in the pass may have taken newer ones, but none older will come, while the rest wait
 * for the next pass (the readers' reordering would otherwise move each late event past all
 * those newer ones). A pass reads each ring for a while at most (budget_ns): under a flood a
 * ring fills as fast as it is read, and the recorder's other work (aggregate windows,
 * --keep-slow's threshold, flushes, --duration, a signal) would wait for the flood to end.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>
#include <sys/epoll.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "rings.h"
#include "util.h"

static uint64_t pow2_at_least(uint64_t v)
{
	uint64_t r = 4096;

	while (r < v)
		r <<= 1;
	return r;
}

void rings_plan(uint64_t total, unsigned int ncpus, unsigned int *n, uint64_t *each)
{
	*n = ncpus == 0 ? 1 : ncpus > VNL_MAX_RINGS ? VNL_MAX_RINGS : ncpus;
	*each = pow2_at_least(total / *n);
}

/* Room for one more event in a run; its place is kept in time order by the caller. */
static struct vnl_event *run_slot(struct ring_run *run)
{
	struct vnl_event *ev;
	size_t cap;

	if (run->n == run->cap) {
		cap = run->cap ? run->cap * 2 : 1024;
		ev = realloc(run->ev, cap * sizeof(*ev));
		if (!ev)
			return NULL;
		run->ev = ev;
		run->cap = cap;
	}
	return &run->ev[run->n++];
}

/* The last event added moves back to its place in time (a kept path's are older). */
static void run_sink(struct ring_run *run)
{
	size_t i = run->n - 1;

	while (i > 0 && run->ev[i - 1].ts_ns > run->ev[i].ts_ns) {
		struct vnl_event t = run->ev[i - 1];

		run->ev[i - 1] = run->ev[i];
		run->ev[i] = t;
		i--;
	}
}

/* --keep-slow: a slow packet's whole path, as the events its hops would have sent. */
static int run_add_kept(struct ring_run *run, const struct vnl_kept *k)
{
	unsigned int i, n = k->path.n < VNL_PATH_MAX ? k->path.n : VNL_PATH_MAX;

	for (i = 0; i < n; i++) {
		struct vnl_event *ev = run_slot(run);

		if (!ev)
			return -ENOMEM;
		memset(ev, 0, sizeof(*ev));
		ev->ts_ns = k->path.t0 + k->path.h[i].dt;
		ev->skb = k->skb;
		ev->ifindex = k->path.h[i].ifindex;
		ev->cpu = k->path.h[i].cpu;
		ev->netns = k->path.netns;
		ev->hop = k->path.h[i].hop;
		ev->pkt = k->path.pkt;
		run_sink(run);
	}
	return 0;
}

int rings_take(struct ring_run *run, const void *data, size_t size)
{
	struct vnl_event *ev;

	if (size == sizeof(struct vnl_kept))
		return run_add_kept(run, data);
	if (size < sizeof(*ev))
		return 0;
	ev = run_slot(run);
	if (!ev)
		return -ENOMEM;
	memcpy(ev, data, sizeof(*ev));
	return 0;
}

/* What run_add returns to stop reading a ring for this pass (libbpf keeps that record read). */
#define RING_BUDGET_SPENT  (-EINPROGRESS)
#define BUDGET_CHECK_EVERY 256 /* records between looks at the clock */

static int run_add(void *ctx, void *data, size_t size)
{
	struct ring_run *run = ctx;
	struct rings *r = run->owner;
	int err;

	if (size == sizeof(struct vnl_kept) && r && r->on_kept)
		r->on_kept(r->ctx, data);
	err = rings_take(run, data, size);
	if (err)
		return err;
	if (run->n && run->ev[run->n - 1].ts_ns > run->last_ts)
		run->last_ts = run->ev[run->n - 1].ts_ns;
	if (r && r->pass_until && run->last_ts > r->pass_until)
		return RING_BUDGET_SPENT;
	if (r && r->pass_deadline && ++run->taken % BUDGET_CHECK_EVERY == 0 &&
	    now_ns(CLOCK_MONOTONIC) >= r->pass_deadline)
		return RING_BUDGET_SPENT;
	return 0;
}

static int ring_add(struct rings *r, unsigned int i)
{
	struct epoll_event ev = {.events = EPOLLIN};

	r->run[i].rb = ring_buffer__new(r->fds[i], run_add, &r->run[i], NULL);
	if (!r->run[i].rb)
		return -errno;
	return epoll_ctl(r->epfd, EPOLL_CTL_ADD, r->fds[i], &ev) ? -errno : 0;
}

int rings_open(struct rings *r, int outer_fd, unsigned int n, uint64_t each, rings_out_fn out,
	       void *ctx)
{
	unsigned int i;
	int fd, err;

	memset(r, 0, sizeof(*r));
	r->out = out;
	r->ctx = ctx;
	r->budget_ns = RINGS_BUDGET_NS;
	r->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (r->epfd < 0)
		return -errno;
	for (i = 0; i < n && i < VNL_MAX_RINGS; i++) {
		fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "vnetlat_ring", 0, 0, (__u32)each, NULL);
		if (fd < 0)
			return -errno;
		r->fds[i] = fd;
		r->n = i + 1;
		r->run[i].owner = r;
		if (bpf_map_update_elem(outer_fd, &i, &fd, BPF_ANY))
			return -errno;
		err = ring_add(r, i);
		if (err)
			return err;
	}
	return 0;
}

/* A binary heap of run indices, ordered by each run's next event time. */
struct merge_heap {
	unsigned int idx[VNL_MAX_RINGS];
	size_t pos[VNL_MAX_RINGS];
	unsigned int n;
	struct ring_run *runs;
};

static uint64_t head_ts(const struct merge_heap *h, unsigned int k)
{
	unsigned int run = h->idx[k];

	return h->runs[run].ev[h->pos[run]].ts_ns;
}

static void heap_swap(struct merge_heap *h, unsigned int a, unsigned int b)
{
	unsigned int t = h->idx[a];

	h->idx[a] = h->idx[b];
	h->idx[b] = t;
}

static void sift_down(struct merge_heap *h, unsigned int k)
{
	unsigned int least, c;

	for (;;) {
		least = k;
		for (c = 2 * k + 1; c <= 2 * k + 2 && c < h->n; c++)
			if (head_ts(h, c) < head_ts(h, least))
				least = c;
		if (least == k)
			return;
		heap_swap(h, k, least);
		k = least;
	}
}

/* Drops the first `used` events of a run, keeping the rest for the next pass. */
static void run_shift(struct ring_run *run, size_t used)
{
	if (used < run->n)
		memmove(run->ev, run->ev + used, (run->n - used) * sizeof(*run->ev));
	run->n -= used;
}

int rings_merge(struct ring_run *runs, unsigned int n, uint64_t horizon, rings_out_fn out,
		void *ctx)
{
	struct merge_heap h = {.runs = runs};
	unsigned int i, run;
	int err = 0;

	if (n > VNL_MAX_RINGS)
		n = VNL_MAX_RINGS;
	for (i = 0; i < n; i++) {
		h.pos[i] = 0;
		if (runs[i].n && runs[i].ev[0].ts_ns <= horizon)
			h.idx[h.n++] = i;
	}
	for (i = h.n; i-- > 0;)
		sift_down(&h, i);
	while (h.n && !err) {
		run = h.idx[0];
		err = out(ctx, &runs[run].ev[h.pos[run]]);
		h.pos[run]++;
		if (h.pos[run] == runs[run].n || runs[run].ev[h.pos[run]].ts_ns > horizon)
			h.idx[0] = h.idx[--h.n];
		sift_down(&h, 0);
	}
	for (i = 0; i < n; i++)
		run_shift(&runs[i], h.pos[i]);
	return err;
}

static int hand_on(struct rings *r, int err, uint64_t horizon)
{
	int merr = rings_merge(r->run, r->n, horizon, r->out, r->ctx);

	return err >= 0 && merr ? merr : err;
}

/*
 * Reads every ring, each for budget_ns at most (0: to its end); *horizon comes down to what a
 * ring read only in part may still hold: events from before the newest it gave, by the hold
 * and a margin for a CPU's events stamped out of order (a program interrupted between
 * reserve and stamp).
 */
#define PART_READ_MARGIN_NS 1000000ULL

static int consume_all(struct rings *r, uint64_t budget_ns, uint64_t *horizon)
{
	uint64_t behind = r->hold_ns + PART_READ_MARGIN_NS;
	unsigned int i;
	int err;

	r->pass_deadline = budget_ns ? now_ns(CLOCK_MONOTONIC) + budget_ns : 0;
	for (i = 0; i < r->n; i++) {
		struct ring_run *run = &r->run[i];

		run->taken = 0;
		err = ring_buffer__consume(run->rb);
		if (err == RING_BUDGET_SPENT) {
			uint64_t held = run->last_ts > behind ? run->last_ts - behind : 0;

			if (held < *horizon)
				*horizon = held;
		} else if (err < 0) {
			return err;
		}
	}
	return 0;
}

int rings_drain(struct rings *r)
{
	uint64_t horizon = UINT64_MAX;

	if (!r->n)
		return 0;
	return hand_on(r, consume_all(r, 0, &horizon), UINT64_MAX);
}

int rings_flush(struct rings *r, uint64_t until)
{
	uint64_t horizon = UINT64_MAX;
	int err;

	if (!r->n)
		return 0;
	r->pass_until = until;
	err = consume_all(r, 0, &horizon);
	r->pass_until = 0;
	return hand_on(r, err, until);
}

int rings_poll(struct rings *r, int timeout_ms)
{
	struct epoll_event ev[VNL_MAX_RINGS];
	uint64_t horizon;
	int err;

	if (!r->n)
		return 0;
	err = epoll_wait(r->epfd, ev, (int)r->n, timeout_ms);
	if (err < 0 && errno != EINTR)
		return -errno;
	/* BPF wakes us only when a ring fills up: take what every ring holds each time */
	horizon = now_ns(vnl_event_clock) - r->hold_ns;
	err = consume_all(r, r->budget_ns, &horizon);
	return hand_on(r, err, horizon);
}

void rings_close(struct rings *r)
{
	unsigned int i;

	for (i = 0; i < r->n; i++) {
		ring_buffer__free(r->run[i].rb);
		r->run[i].rb = NULL;
		close(r->fds[i]);
	}
	if (r->epfd > 0)
		close(r->epfd);
	r->epfd = -1;
	for (i = 0; i < VNL_MAX_RINGS; i++) {
		free(r->run[i].ev);
		r->run[i] = (struct ring_run){0};
	}
	r->n = 0;
}
