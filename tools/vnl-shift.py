#!/usr/bin/env python3
"""Moves a recording's clock by a known offset, and optionally makes it run fast or slow:
every event's timestamp and the META's monotonic_ns (so wall-clock times stay right), each
block's CRC recomputed. For tests: a guest recording shifted by D must come out of
`vnetlat merge` with its estimated offset moved by D and every segment as before; one whose
clock runs P ppm fast (time stretched around its first event) must be estimated to drift by P.

Usage: vnl-shift.py IN OUT OFFSET_NS [DRIFT_PPM]   (either may be negative)
"""
import struct
import sys
import zlib

FILE_HDR = 32
BLOCK_HDR = struct.Struct("<IIIIQ")  # magic, type, len, crc, seq
BLOCK_MAGIC = 0x4B4C4256
META, EVENTS = 1, 4


def crc(btype, payload):
    return zlib.crc32(payload, zlib.crc32(struct.pack("<II", btype, len(payload))))


class Clock:
    """t -> t + offset + drift * (t - the first time seen)"""

    def __init__(self, off, ppm):
        self.off, self.rate, self.t0 = off, ppm * 1e-6, None

    def __call__(self, t):
        if self.t0 is None:
            self.t0 = t
        return (t + self.off + round((t - self.t0) * self.rate)) % (1 << 64)


def shift_meta(payload, clock):
    lines = payload.decode().split("\n")
    for i, line in enumerate(lines):
        if line.startswith("monotonic_ns="):
            lines[i] = "monotonic_ns=%d" % clock(int(line.split("=", 1)[1]))
    return "\n".join(lines).encode()


def shift_events(payload, clock, size):
    out = bytearray(payload)
    for at in range(0, len(out) - size + 1, size):
        ts, = struct.unpack_from("<Q", out, at)
        struct.pack_into("<Q", out, at, clock(ts))
    return bytes(out)


def main():
    src, dst, off = sys.argv[1], sys.argv[2], int(sys.argv[3])
    clock = Clock(off, float(sys.argv[4]) if len(sys.argv) > 4 else 0.0)
    data = open(src, "rb").read()
    if data[:8] != b"VNETLAT\0":
        sys.exit(f"{src}: not a vnetlat recording")
    event_size, = struct.unpack_from("<I", data, 16)
    out = bytearray(data[:FILE_HDR])
    pos = FILE_HDR
    while pos + BLOCK_HDR.size <= len(data):
        magic, btype, length, _, seq = BLOCK_HDR.unpack_from(data, pos)
        if magic != BLOCK_MAGIC or pos + BLOCK_HDR.size + length > len(data):
            sys.exit(f"{src}: damaged at byte {pos}")
        payload = data[pos + BLOCK_HDR.size:pos + BLOCK_HDR.size + length]
        if btype == META:
            payload = shift_meta(payload, clock)
        elif btype == EVENTS:
            payload = shift_events(payload, clock, event_size)
        out += BLOCK_HDR.pack(BLOCK_MAGIC, btype, len(payload), crc(btype, payload), seq)
        out += payload
        pos += BLOCK_HDR.size + length
    open(dst, "wb").write(out)


if __name__ == "__main__":
    main()
