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
finish
