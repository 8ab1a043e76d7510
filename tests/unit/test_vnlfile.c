// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The recording format: round trip, refusal to overwrite, and reading around damage. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "hoptab.h"
#include "loglin.h"
#include "recording.h"
#include "vnlfile.h"

static char dir[] = "/tmp/vnl-test-XXXXXX";

static int setup(void **state)
{
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

static void path(char *buf, const char *name)
{
	snprintf(buf, 256, "%s/%s", dir, name);
}

/* A file with a meta block and `blocks` event blocks of `per` events each. */
static void write_file(const char *p, int blocks, int per)
{
	struct vnl_writer w;
	int b, i;

	assert_int_equal(vnl_writer_open(&w, p, 0), 0);
	assert_int_equal(vnl_writer_block(&w, VNL_BLK_META, "clock=monotonic\nhostname=h\n", 27),
			 0);
	for (b = 0; b < blocks; b++) {
		for (i = 0; i < per; i++) {
			struct vnl_event e = {.ts_ns = (uint64_t)(b * per + i), .hop = 3};

			assert_int_equal(vnl_writer_event(&w, &e), 0);
		}
		assert_int_equal(vnl_writer_flush(&w), 0);
	}
	assert_int_equal(vnl_writer_close(&w), 0);
}

/* Reads p; returns the number of events in intact blocks, and the damage count. */
static int count_events(const char *p, size_t *ndamage)
{
	struct vnl_reader r;
	struct vnl_block b;
	char err[256];
	int n = 0;

	assert_int_equal(vnl_reader_open(&r, p, err, sizeof(err)), 0);
	while (vnl_reader_next(&r, &b) > 0)
		if (b.type == VNL_BLK_EVENTS)
			n += (int)(b.len / sizeof(struct vnl_event));
	*ndamage = r.ndamage;
	vnl_reader_close(&r);
	return n;
}

static void round_trip_and_meta(void **state)
{
	struct vnl_reader r;
	struct vnl_block b;
	char p[256], err[256], val[32];
	size_t nd;
	struct stat st;

	path(p, "a.vnl");
	write_file(p, 3, 100);
	assert_int_equal(count_events(p, &nd), 300);
	assert_int_equal(nd, 0);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(vnl_reader_open(&r, p, err, sizeof(err)), 0);
	assert_int_equal(vnl_reader_next(&r, &b), 1);
	assert_int_equal(b.type, VNL_BLK_META);
	assert_int_equal(vnl_meta_get(&b, "hostname", val, sizeof(val)), 0);
	assert_string_equal(val, "h");
	assert_int_equal(vnl_meta_get(&b, "host", val, sizeof(val)), -ENOENT);
	vnl_reader_close(&r);
}

static void refuses_existing_and_symlinks(void **state)
{
	struct vnl_writer w;
	char p[256], link[256];
	size_t nd;

	path(p, "b.vnl");
	write_file(p, 1, 10);
	assert_int_equal(vnl_writer_open(&w, p, 0), -EEXIST);
	assert_int_equal(count_events(p, &nd), 10); /* untouched */
	/* --force replaces it through a new file */
	assert_int_equal(vnl_writer_open(&w, p, 1), 0);
	assert_int_equal(vnl_writer_close(&w), 0);
	assert_int_equal(count_events(p, &nd), 0);
	path(link, "link.vnl");
	assert_int_equal(symlink("/tmp/vnl-elsewhere", link), 0);
	assert_true(vnl_writer_open(&w, link, 0) < 0);
	assert_int_equal(access("/tmp/vnl-elsewhere", F_OK), -1);
}

static void truncated_file_keeps_intact_blocks(void **state)
{
	char p[256];
	struct stat st;
	size_t nd;

	path(p, "c.vnl");
	write_file(p, 4, 100);
	assert_int_equal(stat(p, &st), 0);
	/* cut inside the last block, as a killed recorder would */
	assert_int_equal(truncate(p, st.st_size - 50), 0);
	assert_int_equal(count_events(p, &nd), 300);
	assert_int_equal(nd, 1);
}

static void corrupted_block_skipped(void **state)
{
	char p[256], err[256];
	struct vnl_reader r;
	struct vnl_block b;
	size_t nd;
	int fd;
	off_t where = (off_t)(sizeof(struct vnl_file_header) + 24 + 27 + 24 +
			      100 * sizeof(struct vnl_event) + 24 + 500);

	path(p, "d.vnl");
	write_file(p, 3, 100);
	fd = open(p, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, "XXXX", 4, where), 4); /* inside the second event block */
	close(fd);
	assert_int_equal(count_events(p, &nd), 200);
	assert_int_equal(nd, 1);
	assert_int_equal(vnl_reader_open(&r, p, err, sizeof(err)), 0);
	while (vnl_reader_next(&r, &b) > 0)
		;
	assert_string_equal(r.damage[0].what, "block checksum mismatch");
	vnl_reader_close(&r);
}

/* Rewrites the header's version of file p. */
static void set_version(const char *p, uint32_t version)
{
	int fd = open(p, O_WRONLY);

	assert_true(fd >= 0);
	assert_int_equal(
	    pwrite(fd, &version, sizeof(version), offsetof(struct vnl_file_header, version)),
	    sizeof(version));
	close(fd);
}

/* Version 1 files are read as they are; a version from the future is refused, by name. */
static void format_versions(void **state)
{
	char p[256], err[512];
	struct vnl_reader r;
	size_t ndamage;

	path(p, "v1.vnl");
	write_file(p, 2, 10);
	set_version(p, 1);
	assert_int_equal(count_events(p, &ndamage), 20);
	assert_int_equal(ndamage, 0);
	path(p, "v3.vnl");
	write_file(p, 1, 1);
	set_version(p, VNL_FILE_VERSION + 1);
	assert_int_equal(vnl_reader_open(&r, p, err, sizeof(err)), -EPROTO);
	assert_non_null(strstr(err, "format version 3"));
	path(p, "v0.vnl");
	write_file(p, 1, 1);
	set_version(p, 0);
	assert_int_equal(vnl_reader_open(&r, p, err, sizeof(err)), -EPROTO);
}

static void not_a_recording(void **state)
{
	struct vnl_reader r;
	char p[256], err[256];
	FILE *f;

	path(p, "e.txt");
	f = fopen(p, "w");
	fputs("this is not a recording, but it is long enough", f);
	fclose(f);
	assert_int_equal(vnl_reader_open(&r, p, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "not a vnetlat recording"));
	path(p, "missing.vnl");
	assert_int_equal(vnl_reader_open(&r, p, err, sizeof(err)), -ENOENT);
	assert_int_equal(vnl_reader_open(&r, dir, err, sizeof(err)), -EINVAL);
}

static uint16_t seen_hops[8];
static int nseen;

static void on_ev(void *ctx, const struct recording *rec, const struct vnl_event *ev)
{
	if (nseen < 8)
		seen_hops[nseen++] = ev->hop;
}

/*
 * A recording made by a build with another hop table: its events' hop ids are read through
 * the names its HOPS block gives, and a hop this build does not know is none of ours.
 */
static void hop_ids_read_by_name(void **state)
{
	static const char *names[] = {"vmm.read", "future.hop", "uplink.rx"};
	struct vnl_file_hop table[3];
	struct recording rec;
	struct vnl_writer w;
	char p[256], err[256];
	int i;

	path(p, "otherbuild.vnl");
	memset(table, 0, sizeof(table));
	for (i = 0; i < 3; i++) {
		table[i].id = (uint16_t)(10 + i);
		table[i].mech = VNL_MECH_TP_BTF;
		snprintf(table[i].name, sizeof(table[i].name), "%s", names[i]);
	}
	assert_int_equal(vnl_writer_open(&w, p, 0), 0);
	assert_int_equal(vnl_writer_block(&w, VNL_BLK_META, "clock=monotonic\nhostname=h\n", 27),
			 0);
	assert_int_equal(vnl_writer_block(&w, VNL_BLK_HOPS, table, sizeof(table)), 0);
	for (i = 0; i < 3; i++) {
		struct vnl_event e = {.ts_ns = 1000 + (uint64_t)i, .hop = (uint16_t)(10 + i)};

		assert_int_equal(vnl_writer_event(&w, &e), 0);
	}
	assert_int_equal(vnl_writer_close(&w), 0);
	nseen = 0;
	assert_int_equal(rec_read(&rec, p, on_ev, NULL, err, sizeof(err)), 0);
	assert_int_equal(nseen, 3);
	assert_int_equal(seen_hops[0], VNL_HOP_VMM_READ);
	assert_true(seen_hops[1] >= VNL_HOP_MAX);
	assert_int_equal(seen_hops[2], VNL_HOP_UPLINK_RX);
	assert_int_equal(rec.hops[VNL_HOP_VMM_READ].id, VNL_HOP_VMM_READ);
	rec_free(&rec);
}

static void garbage_everywhere(void **state)
{
	unsigned int seed = 7;
	char p[256];
	size_t nd;
	int i, fd;
	struct stat st;

	path(p, "f.vnl");
	write_file(p, 5, 50);
	assert_int_equal(stat(p, &st), 0);
	fd = open(p, O_RDWR);
	for (i = 0; i < 200; i++) {
		off_t at = (off_t)(sizeof(struct vnl_file_header) +
				   (size_t)rand_r(&seed) %
				       ((size_t)st.st_size - sizeof(struct vnl_file_header)));
		char c = (char)rand_r(&seed);

		assert_int_equal(pwrite(fd, &c, 1, at), 1);
	}
	close(fd);
	assert_true(count_events(p, &nd) < 250);
	assert_true(nd >= 1);
}

/* A window's entries in slot then bucket order, some far apart, some large counts. */
static size_t random_window(unsigned int *seed, struct vnl_file_hist_entry *e, size_t max)
{
	uint64_t key = (uint64_t)rand_r(seed) % 50;
	size_t n = 0;

	while (n < max && key < (uint64_t)VNL_AGG_SLOTS * VNL_LL_BUCKETS) {
		e[n] = (struct vnl_file_hist_entry){.slot = (uint16_t)(key / VNL_LL_BUCKETS),
						    .bucket = (uint32_t)(key % VNL_LL_BUCKETS),
						    .count = rand_r(seed) % 16
								 ? (uint64_t)rand_r(seed) % 300
								 : (uint64_t)rand_r(seed) << 20};
		n++;
		key += 1 + (rand_r(seed) % 3 ? (uint64_t)rand_r(seed) % 4
					     : (uint64_t)rand_r(seed) % 9000);
	}
	return n;
}

static int decode(uint32_t type, const uint8_t *block, size_t len, struct vnl_file_hist_entry *out,
		  size_t *n)
{
	struct vnl_file_hist_hdr hdr;
	struct vnl_hist_cursor c;
	int more;

	*n = 0;
	if (vnl_hist_begin(&c, type, block, len, &hdr))
		return -2;
	while ((more = vnl_hist_next(&c, &out[*n])) > 0)
		(*n)++;
	return more;
}

/*
 * Aggregate mode's windows, packed (LEB128 gaps and counts) and plain: the same entries come
 * back from both, the packed ones in a quarter of the room or less; a packed block cut short or
 * holding a gap past every slot says so and keeps what came before.
 */
static void histogram_windows_packed(void **state)
{
	static struct vnl_file_hist_entry e[2000], got[2000];
	static uint8_t packed[sizeof(struct vnl_file_hist_hdr) + VNL_HIST_PACKED_MAX(2000)];
	static uint8_t plain[sizeof(struct vnl_file_hist_hdr) + sizeof(e)];
	struct vnl_file_hist_hdr hdr = {.start_ns = 5, .end_ns = 100000005};
	unsigned int seed = 3;
	size_t n, m, len, bytes_packed = 0, bytes_plain = 0;
	int round;

	for (round = 0; round < 200; round++) {
		n = random_window(&seed, e, round % 7 ? 300 : 2000);
		hdr.n = (uint32_t)n;
		memcpy(packed, &hdr, sizeof(hdr));
		len = sizeof(hdr) + vnl_hist_pack(e, n, packed + sizeof(hdr));
		assert_int_equal(decode(VNL_BLK_HIST_PACKED, packed, len, got, &m), 0);
		assert_int_equal(m, n);
		assert_memory_equal(got, e, n * sizeof(*e));
		memcpy(plain, &hdr, sizeof(hdr));
		memcpy(plain + sizeof(hdr), e, n * sizeof(*e));
		assert_int_equal(decode(VNL_BLK_HIST, plain, sizeof(hdr) + n * sizeof(*e), got, &m),
				 0);
		assert_int_equal(m, n);
		assert_memory_equal(got, e, n * sizeof(*e));
		bytes_packed += len - sizeof(hdr);
		bytes_plain += n * sizeof(*e);
		if (n > 1) { /* cut inside the last entry: all but it come back, then the damage */
			assert_int_equal(decode(VNL_BLK_HIST_PACKED, packed, len - 1, got, &m), -1);
			assert_int_equal(m, n - 1);
			assert_memory_equal(got, e, m * sizeof(*e));
		}
	}
	assert_true(bytes_packed * 4 <= bytes_plain);
	/* a gap that runs past every key, and one past a 16-bit slot */
	hdr.n = 2;
	memcpy(packed, &hdr, sizeof(hdr));
	memcpy(packed + sizeof(hdr), "\x05\x01\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01\x01", 13);
	assert_int_equal(decode(VNL_BLK_HIST_PACKED, packed, sizeof(hdr) + 13, got, &m), -1);
	assert_int_equal(m, 1);
	memcpy(packed + sizeof(hdr), "\xff\xff\xff\xff\x0f\x01", 6);
	assert_int_equal(decode(VNL_BLK_HIST_PACKED, packed, sizeof(hdr) + 6, got, &m), -1);
	assert_int_equal(m, 0);
	assert_int_equal(decode(VNL_BLK_HIST_PACKED, packed, sizeof(hdr) - 1, got, &m), -2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(round_trip_and_meta),
	    cmocka_unit_test(refuses_existing_and_symlinks),
	    cmocka_unit_test(truncated_file_keeps_intact_blocks),
	    cmocka_unit_test(corrupted_block_skipped),
	    cmocka_unit_test(not_a_recording),
	    cmocka_unit_test(format_versions),
	    cmocka_unit_test(garbage_everywhere),
	    cmocka_unit_test(hop_ids_read_by_name),
	    cmocka_unit_test(histogram_windows_packed),
	};

	return cmocka_run_group_tests_name("vnlfile", tests, setup, teardown);
}
