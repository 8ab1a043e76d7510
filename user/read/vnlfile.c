// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "crc32.h"
#include "loglin.h"
#include "vnlfile.h"

#define EVENTS_PER_BLOCK 4096

static int write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

uint32_t vnl_block_crc(uint32_t type, uint32_t len, const void *payload)
{
	uint32_t crc = vnl_crc32(0, &type, sizeof(type));

	crc = vnl_crc32(crc, &len, sizeof(len));
	return len ? vnl_crc32(crc, payload, len) : crc;
}

int vnl_writer_open(struct vnl_writer *w, const char *path, int force)
{
	struct vnl_file_header hdr = {.version = VNL_FILE_VERSION,
				      .header_size = sizeof(hdr),
				      .event_size = sizeof(struct vnl_event)};
	int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
	const char *target = path;
	int err;

	memset(w, 0, sizeof(*w));
	w->fd = -1;
	if (force && access(path, F_OK) == 0) {
		if (asprintf(&w->tmp_path, "%s.vnl-tmp.%d", path, (int)getpid()) < 0)
			return -ENOMEM;
		target = w->tmp_path;
	}
	w->fd = open(target, flags, 0600);
	if (w->fd < 0) {
		err = -errno;
		goto fail;
	}
	w->cap = EVENTS_PER_BLOCK;
	w->events = malloc(w->cap * sizeof(*w->events));
	if (!w->events) {
		err = -ENOMEM;
		goto fail;
	}
	memcpy(hdr.magic, VNL_FILE_MAGIC, sizeof(hdr.magic));
	err = write_all(w->fd, &hdr, sizeof(hdr));
	if (err)
		goto fail;
	w->bytes = sizeof(hdr);
	/* replace the old file at once: a recorder killed later still leaves its data there */
	if (w->tmp_path && rename(w->tmp_path, path)) {
		err = -errno;
		goto fail;
	}
	return 0;
fail:
	if (w->fd >= 0) {
		close(w->fd);
		unlink(target);
	}
	free(w->events);
	free(w->tmp_path);
	memset(w, 0, sizeof(*w));
	w->fd = -1;
	return err;
}

int vnl_writer_open_sink(struct vnl_writer *w, vnl_sink_fn sink, void *ctx)
{
	memset(w, 0, sizeof(*w));
	w->fd = -1;
	w->sink = sink;
	w->sink_ctx = ctx;
	w->cap = EVENTS_PER_BLOCK;
	w->events = malloc(w->cap * sizeof(*w->events));
	return w->events ? 0 : -ENOMEM;
}

static int write_block(struct vnl_writer *w, uint32_t type, const void *payload, size_t len)
{
	struct vnl_block_header bh = {.magic = VNL_BLOCK_MAGIC, .type = type, .len = (uint32_t)len};
	int err;

	if (len > VNL_BLOCK_MAX)
		return -E2BIG;
	bh.crc = vnl_block_crc(type, (uint32_t)len, payload);
	bh.seq = w->seq++;
	if (w->sink) {
		err = w->sink(w->sink_ctx, &bh, payload);
		if (err != VNL_SINK_DROPPED)
			return err;
		w->seq--;
		return 0;
	}
	err = write_all(w->fd, &bh, sizeof(bh));
	if (!err && len)
		err = write_all(w->fd, payload, len);
	if (err) {
		/* a disk that filled up mid-block: cut the partial block, the file stays whole */
		if (ftruncate(w->fd, (off_t)w->bytes) == 0)
			lseek(w->fd, (off_t)w->bytes, SEEK_SET);
		return err;
	}
	w->bytes += sizeof(bh) + len;
	return 0;
}

int vnl_writer_block_of(struct vnl_writer *w, unsigned int kernel, uint32_t type,
			const void *payload, size_t len)
{
	if (kernel != w->kernel) {
		char ctx[32];
		int err;

		snprintf(ctx, sizeof(ctx), "kernel=%u\n", kernel);
		err = write_block(w, VNL_BLK_KERNEL, ctx, strlen(ctx));
		if (err)
			return err;
		w->kernel = kernel;
	}
	return write_block(w, type, payload, len);
}

int vnl_writer_block(struct vnl_writer *w, uint32_t type, const void *payload, size_t len)
{
	return vnl_writer_block_of(w, 0, type, payload, len);
}

int vnl_writer_flush(struct vnl_writer *w)
{
	int err;

	if (!w->nevents)
		return 0;
	err = vnl_writer_block(w, VNL_BLK_EVENTS, w->events, w->nevents * sizeof(*w->events));
	if (!err)
		w->nevents = 0;
	return err;
}

int vnl_writer_event(struct vnl_writer *w, const struct vnl_event *e)
{
	if (w->nevents == w->cap) {
		int err = vnl_writer_flush(w);

		if (err)
			return err;
	}
	w->events[w->nevents++] = *e;
	return 0;
}

int vnl_writer_close(struct vnl_writer *w)
{
	int err = 0;

	if (w->sink)
		err = vnl_writer_flush(w);
	if (w->fd >= 0) {
		err = vnl_writer_flush(w);
		if (fsync(w->fd) && !err && errno != EINVAL)
			err = -errno;
		if (close(w->fd) && !err)
			err = -errno;
	}
	free(w->events);
	free(w->tmp_path);
	memset(w, 0, sizeof(*w));
	w->fd = -1;
	return err;
}

int vnl_reader_open(struct vnl_reader *r, const char *path, char *err, size_t err_size)
{
	const struct vnl_file_header *hdr;
	struct stat st;
	int fd, ret;

	memset(r, 0, sizeof(*r));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, err_size, "%s: %s", path, strerror(errno));
		return ret;
	}
	if (fstat(fd, &st)) {
		ret = -errno;
		snprintf(err, err_size, "%s: %s", path, strerror(errno));
		close(fd);
		return ret;
	}
	if (!S_ISREG(st.st_mode) || (size_t)st.st_size < sizeof(*hdr)) {
		snprintf(err, err_size, "%s: not a vnetlat recording (%s)", path,
			 S_ISREG(st.st_mode) ? "shorter than the file header"
					     : "not a regular file");
		close(fd);
		return -EINVAL;
	}
	r->map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (r->map == MAP_FAILED) {
		r->map = NULL;
		snprintf(err, err_size, "%s: mmap: %s", path, strerror(errno));
		return -EIO;
	}
	r->size = (size_t)st.st_size;
	hdr = (const struct vnl_file_header *)r->map;
	if (memcmp(hdr->magic, VNL_FILE_MAGIC, sizeof(hdr->magic))) {
		snprintf(err, err_size, "%s: not a vnetlat recording (bad magic)", path);
		vnl_reader_close(r);
		return -EINVAL;
	}
	if (hdr->version < VNL_FILE_VERSION_MIN || hdr->version > VNL_FILE_VERSION ||
	    hdr->header_size < sizeof(*hdr) || hdr->header_size > r->size ||
	    hdr->event_size != sizeof(struct vnl_event)) {
		snprintf(err, err_size,
			 "%s: recording format version %u (event size %u) is not one "
			 "this vnetlat reads (%u to %u, %zu)",
			 path, hdr->version, hdr->event_size, VNL_FILE_VERSION_MIN,
			 VNL_FILE_VERSION, sizeof(struct vnl_event));
		vnl_reader_close(r);
		return -EPROTO;
	}
	r->event_size = hdr->event_size;
	r->pos = hdr->header_size;
	return 0;
}

static int add_damage(struct vnl_reader *r, uint64_t offset, const char *what)
{
	struct vnl_damage *d = realloc(r->damage, (r->ndamage + 1) * sizeof(*d));

	if (!d)
		return -ENOMEM;
	r->damage = d;
	d[r->ndamage++] = (struct vnl_damage){.offset = offset, .what = what};
	return 0;
}

/* Why the block at pos is not intact, or NULL when it is. Blocks need not be aligned. */
static const char *check_block(const struct vnl_reader *r, size_t pos)
{
	struct vnl_block_header bh;

	if (r->size - pos < sizeof(bh))
		return "file ends inside a block header";
	memcpy(&bh, r->map + pos, sizeof(bh));
	if (bh.magic != VNL_BLOCK_MAGIC)
		return "no block header where one should start";
	if (bh.len > VNL_BLOCK_MAX)
		return "block length out of range";
	if (r->size - pos - sizeof(bh) < bh.len)
		return "file ends inside a block (truncated)";
	if (vnl_block_crc(bh.type, bh.len, r->map + pos + sizeof(bh)) != bh.crc)
		return "block checksum mismatch";
	return NULL;
}

static uint32_t magic_at(const struct vnl_reader *r, size_t pos)
{
	uint32_t m;

	memcpy(&m, r->map + pos, sizeof(m));
	return m;
}

/*
 * Blocks already handed out are not looked at again (events are copied out of them): give
 * their pages back every 8 MiB, so reading a long recording does not grow the process.
 */
static void release_before(struct vnl_reader *r, size_t offset)
{
	size_t page = 4096, end = offset & ~(page - 1);

	if (end < r->released + (8u << 20))
		return;
	madvise((void *)(r->map + r->released), end - r->released, MADV_DONTNEED);
	r->released = end;
}

int vnl_reader_next(struct vnl_reader *r, struct vnl_block *b)
{
	struct vnl_block_header bh;
	const char *bad;
	size_t start;

	if (r->pos >= r->size)
		return 0;
	bad = check_block(r, r->pos);
	if (bad) {
		start = r->pos;
		add_damage(r, start, bad);
		/* resynchronise on the next intact block */
		for (r->pos = start + 1; r->pos + sizeof(bh) <= r->size; r->pos++) {
			if (magic_at(r, r->pos) == VNL_BLOCK_MAGIC && !check_block(r, r->pos))
				break;
		}
		if (r->pos + sizeof(bh) > r->size)
			r->pos = r->size;
		if (r->ndamage)
			r->damage[r->ndamage - 1].skipped = r->pos - start;
		if (r->pos >= r->size)
			return 0;
	}
	release_before(r, r->pos);
	memcpy(&bh, r->map + r->pos, sizeof(bh));
	b->type = bh.type;
	b->len = bh.len;
	b->offset = r->pos;
	b->payload = r->map + r->pos + sizeof(bh);
	r->pos += sizeof(bh) + bh.len;
	return 1;
}

void vnl_reader_close(struct vnl_reader *r)
{
	if (r->map)
		munmap((void *)r->map, r->size);
	free(r->damage);
	memset(r, 0, sizeof(*r));
}

int vnl_meta_get(const struct vnl_block *b, const char *key, char *val, size_t size)
{
	const char *p = (const char *)b->payload, *end = p + b->len;
	size_t klen = strlen(key);

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *line_end = nl ? nl : end;

		if ((size_t)(line_end - p) > klen && !memcmp(p, key, klen) && p[klen] == '=') {
			size_t n = (size_t)(line_end - p) - klen - 1;

			if (n >= size)
				n = size - 1;
			memcpy(val, p + klen + 1, n);
			val[n] = '\0';
			return 0;
		}
		p = line_end + 1;
	}
	return -ENOENT;
}

static uint8_t *put_leb128(uint8_t *out, uint64_t v)
{
	do {
		*out++ = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		v >>= 7;
	} while (v);
	return out;
}

static int get_leb128(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	unsigned int shift = 0;

	*v = 0;
	while (*p < end && shift < 64) {
		uint8_t byte = *(*p)++;

		*v |= (uint64_t)(byte & 0x7f) << shift;
		if (!(byte & 0x80))
			return 0;
		shift += 7;
	}
	return -1;
}

static uint64_t hist_key(const struct vnl_file_hist_entry *e)
{
	return (uint64_t)e->slot * VNL_LL_BUCKETS + e->bucket;
}

size_t vnl_hist_pack(const struct vnl_file_hist_entry *e, size_t n, uint8_t *out)
{
	uint8_t *p = out;
	uint64_t prev = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		uint64_t key = hist_key(&e[i]);

		p = put_leb128(p, i ? key - prev - 1 : key);
		p = put_leb128(p, e[i].count);
		prev = key;
	}
	return (size_t)(p - out);
}

int vnl_hist_begin(struct vnl_hist_cursor *c, uint32_t type, const void *payload, size_t len,
		   struct vnl_file_hist_hdr *hdr)
{
	size_t room;

	if (len < sizeof(*hdr))
		return -1;
	memcpy(hdr, payload, sizeof(*hdr));
	c->p = (const uint8_t *)payload + sizeof(*hdr);
	c->end = (const uint8_t *)payload + len;
	c->key = UINT64_MAX; /* none yet */
	c->packed = type == VNL_BLK_HIST_PACKED;
	/* no more entries than the block has room for (a packed one takes 2 bytes at least),
	 * whatever its header says */
	room = (len - sizeof(*hdr)) / (c->packed ? 2 : sizeof(struct vnl_file_hist_entry));
	c->left = hdr->n < room ? hdr->n : (uint32_t)room;
	return 0;
}

int vnl_hist_next(struct vnl_hist_cursor *c, struct vnl_file_hist_entry *e)
{
	uint64_t gap, count;

	if (!c->left)
		return 0;
	if (!c->packed) { /* left counts only whole entries: the bytes are there */
		memcpy(e, c->p, sizeof(*e));
		c->p += sizeof(*e);
		c->left--;
		return 1;
	}
	if (get_leb128(&c->p, c->end, &gap) || get_leb128(&c->p, c->end, &count))
		return -1;
	/* the first entry's gap is its key; each later one lies past the one before */
	if (c->key != UINT64_MAX && gap >= UINT64_MAX - 1 - c->key)
		return -1;
	c->key = c->key == UINT64_MAX ? gap : c->key + gap + 1;
	if (c->key / VNL_LL_BUCKETS > UINT16_MAX)
		return -1;
	e->slot = (uint16_t)(c->key / VNL_LL_BUCKETS);
	e->pad = 0;
	e->bucket = (uint32_t)(c->key % VNL_LL_BUCKETS);
	e->count = count;
	c->left--;
	return 1;
}
