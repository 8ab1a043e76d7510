#!/bin/bash
# make demo: builds the test topology (remote namespace -> veth -> bridge -> tap), boots the
# test guest on the tap (QEMU under TCG, Debian's kernel, vnetlat agent over virtio-serial)
# when it can, else puts the VMM stand-in there (each echo held 2 ms); records ICMP and UDP
# echoes, prints the breakdown, leaves build/demo/run.vnl and build/demo/report.json, and
# removes everything else it created.
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
tools=$(cd "$(dirname "$0")" && pwd)
prefix=vnldemo$$
prefix=${prefix:0:12}
out=$build/demo
state=${TMPDIR:-/tmp}/$prefix.topo
rec_pid=
cleanup() {
	[[ -n $rec_pid ]] && kill -INT "$rec_pid" 2>/dev/null && wait "$rec_pid" 2>/dev/null || true
	VNL_BUILD=$build "$tools/topology.sh" down "$prefix" >/dev/null 2>&1 || true
}
trap cleanup EXIT
topo() { VNL_BUILD=$build "$tools/topology.sh" "$1" "$prefix" "${@:2}"; }
rm -rf "$out"
mkdir -p "$out"

guest=
image=${VNL_GUEST:-$build/guest} # make demo ARCH=arm64: the arm64 guest's image
qemu=qemu-system-x86_64
[[ -f $image/kernel-version && $(cat "$image/kernel-version") == *arm64 ]] && qemu=qemu-system-aarch64
if command -v $qemu >/dev/null && [[ -f $image/initrd.img ]]; then
	echo "demo: topology: $prefix-remote -> vh0 -> br0 -> tap0 -> QEMU (TCG) running the test guest"
	echo "      (Debian kernel $(cat "$image/kernel-version"), vnetlat agent on virtio-serial port vnetlat0)"
	topo up vm
	token=demo$RANDOM$RANDOM$$
	echo "$token" >"$out/token"
	if topo vm-start agent "$token"; then
		guest=1
	else
		echo "demo: the test guest did not boot; using the VMM stand-in instead"
		topo down
	fi
fi
if [[ -z $guest ]]; then
	echo "demo: topology: $prefix-remote -> vh0 -> br0 -> tap0 -> vmm-standin (holds each echo 2 ms)"
	[[ -f $image/initrd.img ]] || echo "      (no test guest: make guest builds one)"
	topo up 2ms
fi

args=(--filter 'host 198.18.0.2')
[[ -n $guest ]] && args+=(--guests --serial-socket "$state/vnetlat0.sock" --token-file "$out/token")
ip netns exec "$prefix-host" "$build/vnetlat" record -o "$out/run.vnl" --force "${args[@]}" \
	2>"$out/record.log" &
rec_pid=$!
ready=recording
[[ -n $guest ]] && ready="recorded as kernel"
for _ in $(seq 2400); do grep -q "$ready" "$out/record.log" && break; sleep 0.05; done
grep -q "$ready" "$out/record.log" || { cat "$out/record.log"; exit 1; }
[[ -n $guest ]] && ip netns exec "$prefix-remote" ping -q -c 5 -i 0.2 198.18.0.2 >/dev/null # warm-up
echo "demo: 50 pings and 200 UDP echoes from the remote namespace"
ip netns exec "$prefix-remote" ping -q -c 50 -i 0.01 198.18.0.2 >/dev/null
ip netns exec "$prefix-remote" "$build/udp-rr" --dst 198.18.0.2 --count 200 --interval 5ms >/dev/null
kill -INT "$rec_pid"
wait "$rec_pid"
rec_pid=
echo
"$build/vnetlat" report "$out/run.vnl"
"$build/vnetlat" report --json "$out/run.vnl" >"$out/report.json"
echo
echo "demo: left $out/run.vnl and $out/report.json; try: $build/vnetlat dump $out/run.vnl | head"
