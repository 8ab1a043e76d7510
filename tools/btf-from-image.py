#!/usr/bin/env python3
"""Cut a kernel's BTF out of its boot image, for a vmlinux.h of another architecture.

Usage: btf-from-image.py IMAGE OUT

A kernel built with CONFIG_DEBUG_INFO_BTF carries its .BTF section in the loaded image (it is
what /sys/kernel/btf/vmlinux shows), so an uncompressed arm64 Image (or a gzip'd one) holds it
whole: the header's magic 0xeb9f, version 1, and the type and string lengths give its size.
The largest well-formed blob is the kernel's (others are stray byte patterns).
"""
import gzip
import struct
import sys

HDR = struct.Struct("<HBBIIIII")  # magic, version, flags, hdr_len, type_off/len, str_off/len


def candidates(img):
    at = img.find(b"\x9f\xeb\x01")
    while at >= 0:
        if at + HDR.size <= len(img):
            magic, ver, _, hdr_len, type_off, type_len, str_off, str_len = HDR.unpack_from(img, at)
            size = hdr_len + max(type_off + type_len, str_off + str_len)
            if (hdr_len == HDR.size and type_off == 0 and str_off == type_len and str_len > 0 and
                    at + size <= len(img) and img[at + hdr_len + str_off] == 0 and
                    img[at + size - 1] == 0):
                yield at, size
        at = img.find(b"\x9f\xeb\x01", at + 1)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip().splitlines()[2])
    img = open(sys.argv[1], "rb").read()
    if img[:2] == b"\x1f\x8b":
        img = gzip.decompress(img)
    best = max(candidates(img), key=lambda c: c[1], default=None)
    if best is None:
        sys.exit(f"btf-from-image: no BTF in {sys.argv[1]} (a kernel without CONFIG_DEBUG_INFO_BTF?)")
    at, size = best
    with open(sys.argv[2], "wb") as out:
        out.write(img[at:at + size])
    print(f"btf-from-image: {size} bytes of BTF at offset {at} of {sys.argv[1]}")


if __name__ == "__main__":
    main()
