/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The recording file: a fixed header, then checksummed blocks, each self-describing, so a
 * reader keeps every intact block of a file that was cut short or damaged. See README
 * "File format".
 */
#ifndef VNL_FILE_H
#define VNL_FILE_H

#include <stddef.h>
#include <stdint.h>
#include "vnetlat.h"

#define VNL_FILE_MAGIC "VNETLAT\0"
/*
 * 2: every hop id in a file (events, lost counts, aggregate slots and drops) is the writer's,
 * named by the file's HOPS block; readers map them by name. 1: the same layout, ids were the
 * writer's table index; read the same way.
 */
#define VNL_FILE_VERSION     2
#define VNL_FILE_VERSION_MIN 1
#define VNL_BLOCK_MAGIC	     0x4b4c4256u /* "VBLK" */
#define VNL_BLOCK_MAX	     (64u << 20)

enum vnl_block_type {
	VNL_BLK_META = 1,	/* text, key=value lines */
	VNL_BLK_HOPS = 2,	/* struct vnl_file_hop[] */
	VNL_BLK_IFACES = 3,	/* struct vnl_file_iface[] */
	VNL_BLK_EVENTS = 4,	/* struct vnl_event[] */
	VNL_BLK_LOST = 5,	/* struct vnl_file_lost[]: running totals, the last block wins */
	VNL_BLK_REASONS = 6,	/* text, number=name lines: the kernel's drop reasons */
	VNL_BLK_END = 7,	/* text, key=value lines: the recorder closed the file */
	VNL_BLK_DEVEVENTS = 8,	/* struct vnl_file_devevent[]: devices that came or went */
	VNL_BLK_AGG_SLOTS = 9,	/* struct vnl_file_slot[]: what each histogram slot measures */
	VNL_BLK_HIST = 10,	/* struct vnl_file_hist_hdr, then struct vnl_file_hist_entry[] */
	VNL_BLK_AGG_DROPS = 11, /* struct vnl_file_drop[]: running totals, the last block wins */
	VNL_BLK_KERNEL = 12,	/* text "kernel=N": the description blocks that follow (META, HOPS,
				 * IFACES, REASONS, LOST, END) are of kernel N (0: the host; 1..:
				 * guests, through their agents) until the next KERNEL block */
	VNL_BLK_CLOCK = 13,	/* struct vnl_file_clock[]: host/guest clock exchanges */
	VNL_BLK_PTP4L = 14,	/* struct vnl_file_ptp4l[]: ptp4l's state, polled (--ptp4l) */
	VNL_BLK_QDISCS = 15,  /* struct vnl_file_qdisc[]: the traced devices' qdiscs at a moment */
	VNL_BLK_KEPT = 16,    /* text, key=value lines: --keep-slow's running totals, the last
			       * block of a kernel wins (kept, ring_full, told, asked, served,
			       * already, gone: keepsync.h) */
	VNL_BLK_SOFTIRQ = 17, /* struct vnl_file_softirq_hdr, then struct vnl_file_softirq[] */
	VNL_BLK_HIST_PACKED = 18, /* a HIST block packed: struct vnl_file_hist_hdr, then per
				   * entry two LEB128 numbers, the gap in slot * VNL_LL_BUCKETS +
				   * bucket from the entry before (+1; the first: the key itself)
				   * and the count (vnl_hist_pack) */
};

/* Guest events the agent could not keep (its spool was full): a LOST row with this hop. */
#define VNL_LOST_SPOOL 0xffffu

/*
 * One exchange over an agent's link: the host sent at host_tx (its CLOCK_MONOTONIC), the
 * guest answered at guest_ns (its own), the host got the answer at host_rx. The guest's
 * clock minus the host's lay in [guest_ns - host_rx, guest_ns - host_tx] then.
 */
struct vnl_file_clock {
	uint64_t host_tx;
	uint64_t guest_ns;
	uint64_t host_rx;
	uint32_t kernel;
	uint32_t pad;
};

/* What ptp4l said when asked (its management interface, as pmc asks), once a second. */
struct vnl_file_ptp4l {
	uint64_t ts_ns;		  /* when the answer came, on the recording's clock */
	int64_t master_offset_ns; /* TIME_STATUS_NP: this clock - its master */
	int64_t path_delay_ns;	  /* CURRENT_DATA_SET meanPathDelay */
	uint8_t port_state;	  /* PORT_DATA_SET: 1 INITIALIZING .. 9 SLAVE (IEEE 1588) */
	uint8_t gm_present;	  /* TIME_STATUS_NP gmPresent */
	uint8_t have;		  /* VNL_PTP4L_*: which of the above it answered */
	uint8_t pad[5];
};

/*
 * A qdisc of a traced device as tc shows it, with the map that gives a packet its class from
 * its priority: mqprio and taprio map priority to a traffic class and the class to its
 * transmit queues, pfifo_fast and prio to a band. A QDISCS block is every qdisc of the
 * kernel's traced devices at one moment: at the start, on a change, and now and then again
 * (a reader that starts mid-run, an agent's next recording).
 */
#define VNL_QDISC_CLASSES 16

struct vnl_file_qdisc {
	uint64_t ts_ns; /* when it was read, on the recording's clock */
	uint32_t ifindex;
	uint32_t netns;
	uint32_t handle; /* major:minor as tc prints them, 0xffffffff: root */
	uint32_t parent;
	char kind[16];			     /* "mqprio", "pfifo_fast", "htb", ... */
	uint8_t nclasses;		     /* classes of the map below; 0: no priority map */
	uint8_t prio_map[VNL_QDISC_CLASSES]; /* skb->priority & 15 -> class */
	uint8_t queues;			     /* 1: count and offset name each class's queues */
	uint8_t pad[6];
	uint16_t count[VNL_QDISC_CLASSES]; /* class c's queues: offset[c] .. offset[c]+count[c]-1 */
	uint16_t offset[VNL_QDISC_CLASSES];
};

/*
 * Each CPU's softirq time over one interval (about a second): per CPU and vector (NET_TX,
 * NET_RX, the rest as VNL_SOFTIRQ_OTHER), what ran in it; CPUs and vectors without any are
 * left out.
 */
struct vnl_file_softirq_hdr {
	uint64_t start_ns, end_ns; /* on the recording's clock */
};

struct vnl_file_softirq {
	uint16_t cpu;
	uint8_t vec;
	uint8_t pad;
	uint32_t count;
	uint32_t ns;	 /* time in softirqs of that vector in the interval */
	uint32_t max_ns; /* the longest one (that ended in the interval) */
};

enum {
	VNL_PTP4L_OFFSET = 1 << 0,
	VNL_PTP4L_STATE = 1 << 1,
	VNL_PTP4L_DELAY = 1 << 2,
};

/* Aggregate mode: histogram slot descriptions, window counts and drop totals. */
struct vnl_file_slot {
	uint16_t slot;
	uint16_t from; /* hop ids; VNL_HOP_NONE for end to end */
	uint16_t to;
	uint8_t dir;
	uint8_t pad;
	char name[40];
};

struct vnl_file_hist_hdr {
	uint64_t start_ns; /* CLOCK_MONOTONIC window the counts fell in */
	uint64_t end_ns;
	uint32_t n;
	uint32_t pad;
};

struct vnl_file_hist_entry {
	uint16_t slot;
	uint16_t pad;
	uint32_t bucket; /* include/loglin.h */
	uint64_t count;
};

/* The entries of a HIST or HIST_PACKED block, one at a time (vnl_hist_begin, vnl_hist_next). */
struct vnl_hist_cursor {
	const uint8_t *p, *end;
	uint32_t left; /* entries still to come: as the header says, or as many as fit */
	uint64_t key;  /* the last entry's slot * VNL_LL_BUCKETS + bucket */
	int packed;
};

/* The largest a packed block's entries can be: two LEB128 numbers of 64 bits each. */
#define VNL_HIST_PACKED_MAX(n) ((n)*20)

/* Packs n entries, in slot then bucket order, into out; returns the bytes written. */
size_t vnl_hist_pack(const struct vnl_file_hist_entry *e, size_t n, uint8_t *out);
/* 0 with the header read, -1 when the block is too short for one. */
int vnl_hist_begin(struct vnl_hist_cursor *c, uint32_t type, const void *payload, size_t len,
		   struct vnl_file_hist_hdr *hdr);
/* 1 with the next entry, 0 at the end, -1 where the block is damaged (what came before stands). */
int vnl_hist_next(struct vnl_hist_cursor *c, struct vnl_file_hist_entry *e);

struct vnl_file_drop {
	uint16_t hop; /* the last hop before the drop */
	uint16_t pad;
	uint32_t reason;
	uint64_t count;
};

struct vnl_file_header {
	char magic[8];
	uint32_t version;
	uint32_t header_size;
	uint32_t event_size; /* sizeof(struct vnl_event) when written */
	uint32_t reserved[3];
};

struct vnl_block_header {
	uint32_t magic;
	uint32_t type;
	uint32_t len; /* payload bytes */
	uint32_t crc; /* crc32 of type, len and payload */
	uint64_t seq;
};

enum vnl_mech {
	VNL_MECH_NONE = 0, /* unavailable on this kernel */
	VNL_MECH_TP_BTF,
	VNL_MECH_RAW_TP,
	VNL_MECH_FENTRY,
	VNL_MECH_KPROBE,
};

struct vnl_file_hop {
	uint16_t id;
	uint8_t dir;
	uint8_t mech;
	uint8_t packetless;
	uint8_t pad[3];
	char name[32];
	char attach[48]; /* "tp_btf/net:net_dev_queue", "fentry/tun_net_xmit" */
};

struct vnl_file_iface {
	uint32_t ifindex;
	uint32_t netns;
	uint32_t vm_pid;
	uint16_t id;
	uint8_t role;
	uint8_t l3;
	char name[16];
	char vm_name[32];
};

enum vnl_devevent_kind {
	VNL_DEV_APPEARED = 1,
	VNL_DEV_DISAPPEARED = 2,
};

struct vnl_file_devevent {
	uint64_t ts_ns; /* CLOCK_MONOTONIC, as the events */
	uint32_t ifindex;
	uint32_t netns;
	uint8_t kind; /* enum vnl_devevent_kind */
	uint8_t pad[7];
	char name[16];
};

struct vnl_file_lost {
	uint32_t hop;
	uint32_t cpu;
	uint64_t count;
};

struct vnl_block_header;
/*
 * Where a writer without a file hands each block (vnetlat agent: its spool). VNL_SINK_DROPPED:
 * the block was let go (counted by the sink): its number goes to the next block, so that
 * whoever reads the numbers sees no gap where nothing is missing.
 */
typedef int (*vnl_sink_fn)(void *ctx, const struct vnl_block_header *bh, const void *payload);
#define VNL_SINK_DROPPED 1

struct vnl_writer {
	int fd;
	vnl_sink_fn sink;
	void *sink_ctx;
	unsigned int kernel; /* the kernel the last KERNEL block named (0 until one) */
	uint64_t seq;
	struct vnl_event *events;
	size_t nevents, cap;
	uint64_t bytes;
	char *tmp_path; /* --force: written here, renamed over the target */
};

/* Creates path (0600, O_NOFOLLOW); an existing file is refused unless force. */
int vnl_writer_open(struct vnl_writer *w, const char *path, int force);
/* A writer handing its blocks to sink instead of a file. */
int vnl_writer_open_sink(struct vnl_writer *w, vnl_sink_fn sink, void *ctx);
int vnl_writer_block(struct vnl_writer *w, uint32_t type, const void *payload, size_t len);
/* A block of another kernel's (a guest's): preceded by a KERNEL block when it changes. */
int vnl_writer_block_of(struct vnl_writer *w, unsigned int kernel, uint32_t type,
			const void *payload, size_t len);
uint32_t vnl_block_crc(uint32_t type, uint32_t len, const void *payload);
int vnl_writer_event(struct vnl_writer *w, const struct vnl_event *e);
int vnl_writer_flush(struct vnl_writer *w);
int vnl_writer_close(struct vnl_writer *w);

struct vnl_damage {
	uint64_t offset;
	uint64_t skipped; /* bytes passed over before the next intact block */
	const char *what;
	unsigned int part; /* which file of a rotated set (0: the first) */
};

struct vnl_reader {
	const uint8_t *map;
	size_t size, pos;
	size_t released; /* pages before this offset were handed back (memory stays bounded) */
	uint32_t event_size;
	struct vnl_damage *damage;
	size_t ndamage;
};

struct vnl_block {
	uint32_t type;
	uint32_t len;
	uint64_t offset;
	const uint8_t *payload;
};

/* Returns 0, or a negative errno with a message in err naming what is wrong. */
int vnl_reader_open(struct vnl_reader *r, const char *path, char *err, size_t err_size);
/* 1 with the next intact block, 0 at the end. Damage is skipped and listed in r->damage. */
int vnl_reader_next(struct vnl_reader *r, struct vnl_block *b);
void vnl_reader_close(struct vnl_reader *r);

/* Looks up key in a key=value text block; copies the value. */
int vnl_meta_get(const struct vnl_block *b, const char *key, char *val, size_t size);

#endif
