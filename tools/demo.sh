#!/bin/bash
# make demo: builds the test topology (remote namespace -> veth -> bridge -> tap -> VMM
# stand-in holding each echo 2 ms), records ICMP and UDP echoes with vnetlat, prints the
# breakdown, and removes everything it created.
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
tools=$(cd "$(dirname "$0")" && pwd)
prefix=vnldemo$$
prefix=${prefix:0:12}
out=$(mktemp -d /tmp/vnetlat-demo.XXXXXX)
rec_pid=
cleanup() {
	[[ -n $rec_pid ]] && kill -INT "$rec_pid" 2>/dev/null && wait "$rec_pid" 2>/dev/null || true
	VNL_BUILD=$build "$tools/topology.sh" down "$prefix" >/dev/null 2>&1 || true
}
trap cleanup EXIT
echo "demo: building the namespace topology ($prefix-remote -> vh0 -> br0 -> tap0 -> vmm-standin, 2 ms)"
VNL_BUILD=$build "$tools/topology.sh" up "$prefix" 2ms
ip netns exec "$prefix-host" "$build/vnetlat" record -o "$out/demo.vnl" \
	--filter 'host 198.18.0.2' 2>"$out/record.log" &
rec_pid=$!
for _ in $(seq 600); do grep -q recording "$out/record.log" && break; sleep 0.05; done
grep -q recording "$out/record.log" || { cat "$out/record.log"; exit 1; }
echo "demo: 50 pings and 50 UDP echoes from the remote namespace"
ip netns exec "$prefix-remote" ping -q -c 50 -i 0.01 198.18.0.2 >/dev/null
ip netns exec "$prefix-remote" "$build/udp-rr" --dst 198.18.0.2 --count 50 --interval 5ms >/dev/null
kill -INT "$rec_pid"
wait "$rec_pid"
rec_pid=
echo
"$build/vnetlat" report "$out/demo.vnl"
echo
echo "demo: the recording is $out/demo.vnl; try: $build/vnetlat dump $out/demo.vnl | head"
