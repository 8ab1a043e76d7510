#!/bin/bash
# The outputs of report and dump for the recordings kept in tests/data, as digests: a change
# in any of them shows in tests/integration/test_golden.sh, on purpose or not.
#   tools/golden.sh render VNETLAT FILE.vnl OUTDIR   every output of FILE into OUTDIR
#   tools/golden.sh update [BUILD]                   write tests/data/*.sums anew (on purpose)
#   tools/golden.sh show NAME [BUILD]                the outputs of tests/data/NAME, to look at
set -u
here=$(cd "$(dirname "$0")/.." && pwd)

# Paths inside the outputs (the JSON's "file", the HDR log's header) are the file's name
# alone: render runs in the file's directory.
render() {
	local bin=$1 file=$2 out=$3 name
	name=$(basename "$file" .vnl)
	mkdir -p "$out"
	(
		cd "$(dirname "$file")" || exit 1
		f=$name.vnl
		"$bin" report "$f" >"$out/report.txt" 2>&1
		"$bin" report --json "$f" >"$out/report.json" 2>&1
		"$bin" report --window 1s "$f" >"$out/window.txt" 2>&1
		"$bin" report --json --window 500ms --by flow "$f" >"$out/flow.json" 2>&1
		"$bin" report --by vm "$f" >"$out/vm.txt" 2>&1
		"$bin" report --by iface --json "$f" >"$out/iface.json" 2>&1
		"$bin" report --csv "$out/windows.csv" --hdr-log "$out/windows.hlog" \
			--html "$out/page.html" "$f" >/dev/null 2>&1
		"$bin" dump "$f" >"$out/dump.jsonl" 2>&1
	)
}

# unpack NAME.vnl.gz WORKDIR: the kept recording, as a file
unpack() {
	gzip -dc "$1" >"$2/$(basename "$1" .gz)"
}

sums() { (cd "$1" && sha256sum -- *); }

case ${1:-} in
render)
	render "$2" "$3" "$4"
	;;
update | show)
	if [[ $1 == update ]]; then
		name= build=${2:-$here/build}
	else
		name=${2:?NAME} build=${3:-$here/build}
	fi
	build=$(cd "$build" && pwd) || exit 1
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	for gz in "$here"/tests/data/*.vnl.gz; do
		n=$(basename "$gz" .vnl.gz)
		[[ -n $name && $n != "$name" ]] && continue
		unpack "$gz" "$tmp"
		render "$build/vnetlat" "$tmp/$n.vnl" "$tmp/$n"
		if [[ $1 == update ]]; then
			sums "$tmp/$n" >"$here/tests/data/$n.sums"
			echo "tests/data/$n.sums"
		else
			trap - EXIT
			echo "$tmp/$n"
		fi
	done
	;;
*)
	sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'
	exit 2
	;;
esac
