// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "reorder.h"

/*
 * The ring buffer hands out events in the order they were reserved, which is time order but
 * for CPUs racing each other by a few microseconds: insertion from the tail of a sorted ring
 * costs only the (small) displacement of each late event.
 */

struct reorder {
	struct vnl_event *buf;
	size_t head, n, cap; /* cap is a power of two */
	uint64_t window_ns, max_ts, last_out, late;
};

struct reorder *reorder_new(uint64_t window_ns)
{
	struct reorder *r = calloc(1, sizeof(*r));

	if (r)
		r->window_ns = window_ns;
	return r;
}

static struct vnl_event *slot(struct reorder *r, size_t i)
{
	return &r->buf[(r->head + i) & (r->cap - 1)];
}

static int grow(struct reorder *r)
{
	size_t cap = r->cap ? r->cap * 2 : 4096, i;
	struct vnl_event *b = malloc(cap * sizeof(*b));

	if (!b)
		return -ENOMEM;
	for (i = 0; i < r->n; i++)
		b[i] = *slot(r, i);
	free(r->buf);
	r->buf = b;
	r->cap = cap;
	r->head = 0;
	return 0;
}

static void pop(struct reorder *r, void (*out)(void *, const struct vnl_event *), void *ctx)
{
	const struct vnl_event *ev = slot(r, 0);

	r->last_out = ev->ts_ns;
	r->head = (r->head + 1) & (r->cap - 1);
	r->n--;
	out(ctx, ev);
}

int reorder_push(struct reorder *r, const struct vnl_event *ev,
		 void (*out)(void *ctx, const struct vnl_event *ev), void *ctx)
{
	size_t i;

	if (ev->ts_ns < r->last_out)
		r->late++; /* handed out after newer ones: too late to reorder */
	if (r->n == r->cap && grow(r))
		return -ENOMEM;
	for (i = r->n; i > 0 && slot(r, i - 1)->ts_ns > ev->ts_ns; i--)
		*slot(r, i) = *slot(r, i - 1);
	*slot(r, i) = *ev;
	r->n++;
	if (ev->ts_ns > r->max_ts)
		r->max_ts = ev->ts_ns;
	while (r->n && slot(r, 0)->ts_ns + r->window_ns < r->max_ts)
		pop(r, out, ctx);
	return 0;
}

void reorder_drain(struct reorder *r, void (*out)(void *ctx, const struct vnl_event *ev), void *ctx)
{
	while (r->n)
		pop(r, out, ctx);
}

uint64_t reorder_late(const struct reorder *r)
{
	return r->late;
}

void reorder_free(struct reorder *r)
{
	if (!r)
		return;
	free(r->buf);
	free(r);
}
