#!/bin/bash
# The built-in test topology: a "remote" host and a VM host in network namespaces.
#
#   remote ns:  vr0 198.18.0.1/24, fd00:198:18::1/64
#       | veth
#   host ns:    vh0 (uplink) -- br0 -- tap0 -- vmm-standin (plays the VMM and the guest:
#                                               198.18.0.2, fd00:198:18::2)
#
# Usage: topology.sh up PREFIX [DELAY]   create it; vmm-standin holds echoes for DELAY
#        topology.sh down PREFIX         remove it, ending only the processes it started
#        topology.sh standin PREFIX DELAY  restart vmm-standin with another delay ("sink":
#                                         read and discard, for floods)
#        topology.sh tap-del PREFIX       stop vmm-standin and delete tap0 (a VM going away)
#        topology.sh tap-add PREFIX [DELAY]  create tap0 again and start vmm-standin on it
#        topology.sh up PREFIX vm         the same, with tap0 left for a real guest:
#        topology.sh vm-start PREFIX SCENARIO TOKEN [CMDLINE...]  boot the test guest (QEMU
#                                         under TCG, build/guest or VNL_GUEST=DIR (an arm64
#                                         image boots on qemu-system-aarch64), SCENARIO.sh) on
#                                         tap0; its virtio-serial port "vnetlat0" is the UNIX
#                                         socket $state/vnetlat0.sock, its console $state/console.log
#        topology.sh vm-stop PREFIX       end the guest's QEMU
#                                         (VNL_VIRTIO_OPTS: more virtio-net-pci properties,
#                                         e.g. guest_tso4=off: the host must cut TSO packets;
#                                         VNL_TAP_QUEUES=N, given to up and vm-start: a
#                                         multiqueue tap and virtio-net with N queue pairs)
# Namespaces are PREFIX-host and PREFIX-remote. Traffic stays inside them (198.18.0.0/15
# and ULA addresses only). State (PIDs) lives in ${TMPDIR:-/tmp}/PREFIX.topo.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
build=${VNL_BUILD:-$here/../build}
cmd=${1:-}
prefix=${2:-}
[[ -n $cmd && -n $prefix ]] || { sed -n '2,24p' "$0"; exit 2; }
[[ $prefix =~ ^[a-zA-Z0-9_-]{1,12}$ ]] || { echo "topology: PREFIX must be 1-12 of [a-zA-Z0-9_-]" >&2; exit 2; }
host=$prefix-host
remote=$prefix-remote
state=${TMPDIR:-/tmp}/$prefix.topo

stop_pid() { # stop_pid FILE: ends the process whose PID FILE holds (one we started)
	local pid
	[[ -f $1 ]] || return 0
	pid=$(cat "$1")
	if kill -0 "$pid" 2>/dev/null; then
		kill "$pid" 2>/dev/null || true
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$pid" 2>/dev/null || true
	fi
	rm -f "$1"
}

vm_start() {
	local scenario=$1 token=$2 log=$state/console.log guest=${VNL_GUEST:-$build/guest}
	shift 2
	[[ -f $guest/initrd.img ]] || { echo "topology: no test guest in $guest; run make guest" >&2; return 1; }
	mkdir -p "$state"
	rm -f "$log" "$state/vnetlat0.sock"
	# the image's kernel says its architecture (tools/guest-kernel.sh): an arm64 guest runs on
	# QEMU's "virt" board, emulated as the x86 one is (TCG), with the same devices on PCI
	local machine=(qemu-system-x86_64 -m 512) console="console=ttyS0 tsc=reliable"
	if [[ $(cat "$guest/kernel-version") == *arm64 ]]; then
		machine=(qemu-system-aarch64 -M virt -cpu cortex-a72 -m 1024)
		console="console=ttyAMA0"
	fi
	ip netns exec "$host" "${machine[@]}" -accel tcg -smp 1 -nodefaults -no-reboot \
		-display none -monitor none -serial "file:$log" \
		-kernel "$guest/vmlinuz" -initrd "$guest/initrd.img" \
		-append "$console quiet panic=-1 vnl.scenario=$scenario vnl.token=$token $*" \
		-netdev "tap,id=n0,ifname=tap0,script=no,downscript=no,vhost=off${VNL_TAP_QUEUES:+,queues=$VNL_TAP_QUEUES}" \
		-device "virtio-net-pci,netdev=n0,mac=52:54:00:12:34:56${VNL_TAP_QUEUES:+,mq=on,vectors=$((2 * VNL_TAP_QUEUES + 2))}${VNL_VIRTIO_OPTS:+,$VNL_VIRTIO_OPTS}" \
		-device virtio-serial-pci \
		-chardev "socket,id=vnl0,path=$state/vnetlat0.sock,server=on,wait=off" \
		-device virtserialport,chardev=vnl0,name=vnetlat0 \
		>"$state/qemu.log" 2>&1 &
	echo $! >"$state/vm.pid"
	# the guest is up when its init says so (under TCG: about 5 s; arm64: about 25 s)
	for _ in $(seq 1200); do
		grep -q VNL-GUEST-UP "$log" 2>/dev/null && return 0
		kill -0 "$(cat "$state/vm.pid")" 2>/dev/null || break
		sleep 0.1
	done
	echo "topology: the test guest did not boot:" >&2
	cat "$state/qemu.log" "$log" >&2 2>/dev/null
	return 1
}

stop_standin() { stop_pid "$state/standin.pid"; }

start_standin() {
	local delay=$1 log=$state/standin.log extra=()
	stop_standin
	[[ $delay == sink ]] && { extra=(--sink); delay=0; }
	# VNL_STANDIN_ARGS: more options for it (a test's --spike-every ...)
	# shellcheck disable=SC2086
	ip netns exec "$host" "$build/vmm-standin" --tap tap0 --ip 198.18.0.2 \
		--ip6 fd00:198:18::2 --delay "$delay" "${extra[@]}" ${VNL_STANDIN_ARGS:-} >"$log" 2>&1 &
	echo $! >"$state/standin.pid"
	# ready when it says so, within 5 s
	for _ in $(seq 50); do
		grep -q ready "$log" && return 0
		kill -0 "$(cat "$state/standin.pid")" 2>/dev/null || break
		sleep 0.1
	done
	echo "topology: vmm-standin did not start:" >&2
	cat "$log" >&2
	return 1
}

add_tap() {
	# VNL_TAP_QUEUES=N: a multiqueue tap, for a guest whose virtio-net has N queue pairs
	ip -n "$host" tuntap add dev tap0 mode tap vnet_hdr ${VNL_TAP_QUEUES:+multi_queue}
	ip -n "$host" link set tap0 master br0
	ip -n "$host" link set tap0 up
}

up() {
	local delay=${1:-0}
	mkdir -p "$state"
	ip netns add "$host"
	ip netns add "$remote"
	for ns in "$host" "$remote"; do
		ip -n "$ns" link set lo up
		# no router solicitations or DAD chatter from our links
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.accept_ra=0 net.ipv6.conf.all.accept_ra=0
	done
	ip -n "$host" link add vh0 type veth peer name vr0 netns "$remote"
	ip -n "$host" link add br0 type bridge
	ip -n "$host" link set br0 type bridge stp_state 0 forward_delay 0
	ip -n "$host" link set vh0 master br0
	for dev in br0 vh0; do ip -n "$host" link set "$dev" up; done
	add_tap
	ip -n "$remote" addr add 198.18.0.1/24 dev vr0
	ip -n "$remote" addr add fd00:198:18::1/64 dev vr0 nodad
	ip -n "$remote" link set vr0 up
	[[ $delay == vm ]] && return 0 # tap0 waits for the test guest (vm-start)
	start_standin "$delay"
	[[ $delay == sink ]] && return 0 # a sink answers nothing
	# the path is up when the "guest" answers
	for _ in $(seq 50); do
		ip netns exec "$remote" ping -c1 -W1 198.18.0.2 >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "topology: 198.18.0.2 does not answer" >&2
	return 1
}

down() {
	stop_pid "$state/vm.pid"
	stop_standin
	ip netns del "$host" 2>/dev/null || true
	ip netns del "$remote" 2>/dev/null || true
	rm -rf "$state"
}

case $cmd in
up) up "${3:-0}" ;;
down) down ;;
standin) mkdir -p "$state"; start_standin "${3:-0}" ;;
tap-del) stop_standin; ip -n "$host" link del tap0 ;;
tap-add) add_tap; start_standin "${3:-0}" ;;
vm-start) vm_start "${@:3}" ;;
vm-stop) stop_pid "$state/vm.pid" ;;
*) sed -n '2,24p' "$0"; exit 2 ;;
esac
