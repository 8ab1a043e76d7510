#!/usr/bin/env python3
"""Makes a long aggregate-mode recording out of a short real one, for measuring the report
on a day of it (make bench): the description blocks are copied once, then the recording's
histogram windows are played again and again, each moved to its place in time, until the
recording spans DURATION_S; then its drop totals and an END block. What each window holds is
what the real recorder wrote (the same slots, buckets and counts), so it is one busy VM's day.

Usage: vnl-stretch.py IN OUT DURATION_S
"""
import struct
import sys
import zlib

FILE_HDR = 32
BLOCK_HDR = struct.Struct("<IIIIQ")  # magic, type, len, crc, seq
BLOCK_MAGIC = 0x4B4C4256
META, EVENTS, LOST, END, HIST, AGG_DROPS, HIST_PACKED = 1, 4, 5, 7, 10, 11, 18
HIST_HDR = struct.Struct("<QQII")  # start_ns, end_ns, n, pad


def crc(btype, payload):
    return zlib.crc32(payload, zlib.crc32(struct.pack("<II", btype, len(payload))))


def blocks(data):
    pos = FILE_HDR
    while pos + BLOCK_HDR.size <= len(data):
        magic, btype, length, _, _ = BLOCK_HDR.unpack_from(data, pos)
        if magic != BLOCK_MAGIC or pos + BLOCK_HDR.size + length > len(data):
            sys.exit(f"damaged at byte {pos}")
        yield btype, data[pos + BLOCK_HDR.size:pos + BLOCK_HDR.size + length]
        pos += BLOCK_HDR.size + length


def meta_value(payload, key):
    for line in payload.decode().split("\n"):
        if line.startswith(key + "="):
            return int(line.split("=", 1)[1])
    return None


def main():
    src, dst, duration_s = sys.argv[1], sys.argv[2], float(sys.argv[3])
    data = open(src, "rb").read()
    if data[:8] != b"VNETLAT\0":
        sys.exit(f"{src}: not a vnetlat recording")
    desc, windows, tail = [], [], []
    start = None
    for btype, payload in blocks(data):
        if btype == META:
            start = meta_value(payload, "monotonic_ns")
        if btype in (HIST, HIST_PACKED):  # the entries follow the header as they are
            windows.append((btype, payload))
        elif btype in (LOST, AGG_DROPS):
            tail.append((btype, payload))
        elif btype not in (END, EVENTS):
            desc.append((btype, payload))
    if not windows or start is None:
        sys.exit(f"{src}: not an aggregate-mode recording (no histogram windows)")
    seq = 0
    with open(dst, "wb") as out:
        out.write(data[:FILE_HDR])

        def put(btype, payload):
            nonlocal seq
            out.write(BLOCK_HDR.pack(BLOCK_MAGIC, btype, len(payload), crc(btype, payload), seq))
            out.write(payload)
            seq += 1

        for btype, payload in desc:
            put(btype, payload)
        t, end, i = start, start + int(duration_s * 1e9), 0
        while t < end:
            btype, w = windows[i % len(windows)]
            s, e, n, pad = HIST_HDR.unpack_from(w)
            span = max(e - s, 1)
            put(btype, HIST_HDR.pack(t, t + span, n, pad) + w[HIST_HDR.size:])
            t += span
            i += 1
        for btype, payload in tail:
            put(btype, payload)
        put(END, f"events=0\nlost=0\nend_monotonic_ns={t}\n".encode())
    print(f"{dst}: {i} windows over {duration_s:.0f} s")


if __name__ == "__main__":
    main()
