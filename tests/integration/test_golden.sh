#!/bin/bash
# The recordings kept in tests/data (version-1 files the tests made from the topology and the
# guest) read the same as when they were kept: every output of report and dump, byte for
# byte. A change on purpose is recorded with tools/golden.sh update, in the same commit.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
data=$(cd "$here/../data" && pwd)

for gz in "$data"/*.vnl.gz; do
	name=$(basename "$gz" .vnl.gz)
	gzip -dc "$gz" >"$work/$name.vnl"
	"$tools/golden.sh" render "$vnetlat" "$work/$name.vnl" "$work/$name"
	check "$name: the file is a version-1 recording" \
		bash -c "head -c 16 '$work/$name.vnl' | od -An -tu4 | awk '{exit \$3 != 1}'"
	while read -r sum out; do
		got=$(cd "$work/$name" && sha256sum -- "$out" 2>/dev/null | cut -d' ' -f1)
		if [[ $got == "$sum" ]]; then
			ok "$name: $out as kept"
		else
			not_ok "$name: $out differs from the kept one (tools/golden.sh show $name)"
		fi
	done <"$data/$name.sums"
done

# aggregate mode's windows as recorders write them now (HIST_PACKED, LEB128) read exactly as
# the kept file's plain ones: the kept recording with its windows packed renders the same
mkdir -p "$work/packed"
python3 - "$work/aggregate.vnl" "$work/packed/aggregate.vnl" <<'PY'
import struct, sys, zlib
HDR, BH, HH = 32, struct.Struct("<IIIIQ"), struct.Struct("<QQII")
data, out, pos, windows = open(sys.argv[1], "rb").read(), bytearray(), 32, 0
out += data[:HDR]
def leb(v):
    b = bytearray()
    while True:
        b.append((v & 0x7f) | (0x80 if v > 0x7f else 0))
        v >>= 7
        if not v:
            return bytes(b)
while pos + BH.size <= len(data):
    magic, t, n, crc, seq = BH.unpack_from(data, pos)
    p = data[pos + BH.size:pos + BH.size + n]
    pos += BH.size + n
    if t == 10:
        s, e, cnt, pad = HH.unpack_from(p)
        body, prev = bytearray(), None
        for i in range(cnt):
            slot, _, bucket, count = struct.unpack_from("<HHIQ", p, HH.size + 16 * i)
            key = slot * 4352 + bucket
            body += leb(key if prev is None else key - prev - 1) + leb(count)
            prev = key
        t, p, windows = 18, p[:HH.size] + bytes(body), windows + 1
        crc = zlib.crc32(p, zlib.crc32(struct.pack("<II", t, len(p))))
    out += BH.pack(magic, t, len(p), crc, seq) + p
open(sys.argv[2], "wb").write(out)
print(f"# {windows} windows packed: {len(data)} -> {len(out)} bytes")
PY
"$tools/golden.sh" render "$vnetlat" "$work/packed/aggregate.vnl" "$work/packed/out"
check "aggregate: the same recording with its windows packed reads the same (every output)" \
	diff -r "$work/aggregate" "$work/packed/out"
finish
