// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer: the journey engine on arbitrary event streams (in any order, any hop, any
 * clock): it must never crash, and what it emits must keep the invariants of jcheck.h.
 * Each 12 bytes make one event: hop, flags, kernel, cpu, a time step, fingerprint, skb, flow.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../unit/jcheck.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jcheck c = {0};
	struct jsink sink = {jc_journey, jc_round_trip, &c};
	struct jpath path = jc_guest_path;
	struct jengine *e;
	uint64_t t = 1000000000ULL;
	size_t i;

	path.guests = size & 1;
	e = jengine_new(&sink, &path, 1000000000ULL);
	if (!e)
		return 0;
	for (i = 0; i + 12 <= size; i += 12) {
		const uint8_t *b = data + i;
		struct vnl_event ev = {0};
		int16_t step = (int16_t)(b[4] | b[5] << 8);

		/* mostly forward in time, by up to ~8 s; sometimes back */
		t += (uint64_t)(int64_t)step * (b[3] & 0x80 ? 250000 : 50);
		ev.ts_ns = t;
		ev.hop = b[0] % (VNL_HOP_MAX + 2);
		ev.flags = b[1] & 1;
		ev.kernel = b[1] >> 7;
		ev.cpu = b[3] & 3;
		ev.tid = b[3] >> 2 & 7;
		ev.pkt.fp = b[6] & 31;
		ev.skb = b[7] & 7;
		ev.pkt.flow.proto = b[8] & 1 ? 17 : b[8] & 2 ? 6 : 1;
		ev.pkt.flags = b[8] >> 2 & (VNL_PKT_ECHO_REQ | VNL_PKT_ECHO_REPLY);
		ev.pkt.flow.saddr[0] = b[2] & 1 ? 1 : 2;
		ev.pkt.flow.daddr[0] = b[2] & 1 ? 2 : 1;
		ev.pkt.flow.sport = b[2] & 1 ? 1000 : 7;
		ev.pkt.flow.dport = b[2] & 1 ? 7 : 1000;
		ev.pkt.seq = b[9];
		ev.pkt.ack = b[10];
		ev.pkt.payload = b[11] & 3;
		ev.pkt.tcp_flags = b[11] >> 2;
		jengine_event(e, &ev);
	}
	jengine_flush(e);
	if (jc_verify(&c, jengine_stats(e))) {
		fprintf(stderr, "invariant broken: %s\n", c.why);
		abort();
	}
	jengine_free(e);
	return 0;
}
