#!/bin/bash
# Shared by the integration tests: a private topology, the recorder in the background, TAP
# output. Everything a test starts is stopped by PID and every namespace removed on exit.
set -u
build=${VNL_BUILD:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../build" && pwd)}
tools=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../tools" && pwd)
vnetlat=$build/vnetlat
prefix=vnlt$$
host=$prefix-host
remote=$prefix-remote
work=$(mktemp -d /tmp/vnetlat-test.XXXXXX)
rec_pid=
bg_pids=() # helpers a test started in the background: ended on exit, by PID
ntest=0
nfail=0

cleanup() {
	((${#bg_pids[@]})) && kill "${bg_pids[@]}" 2>/dev/null
	[[ -n $rec_pid ]] && kill -INT "$rec_pid" 2>/dev/null && wait "$rec_pid" 2>/dev/null
	VNL_BUILD=$build "$tools/topology.sh" down "$prefix" >/dev/null 2>&1
	# file systems a test mounted under its work directory (a tiny tmpfs to fill)
	awk -v w="$work" 'index($2, w) == 1 {print $2}' /proc/mounts | sort -r | xargs -r umount -l
	# VNL_KEEP_WORK=1 keeps the recordings and reports for a look afterwards
	if [[ -n ${VNL_KEEP_WORK:-} ]]; then echo "# kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ok() { ntest=$((ntest + 1)); echo "ok $ntest - $*"; }
not_ok() { ntest=$((ntest + 1)); nfail=$((nfail + 1)); echo "not ok $ntest - $*"; }
check() { # check "description" command...
	local what=$1
	shift
	if "$@"; then ok "$what"; else not_ok "$what"; fi
}

# checker NAME COMMAND...: a checker that prints TAP lines ("ok - ...", "not ok - ...", "# ...")
# and exits 1 when one of them failed; each of its lines counts here. A checker that crashes
# (a traceback, any other exit) or prints no check at all is a failure of its own, never a
# silent pass.
checker() {
	local name=$1 out rc line n=0 nbad=0
	shift
	out=$("$@" 2>&1)
	rc=$?
	while IFS= read -r line; do
		case $line in
		"not ok"*) not_ok "${line#not ok*- }"; n=$((n + 1)); nbad=$((nbad + 1)) ;;
		ok*) ok "${line#ok*- }"; n=$((n + 1)) ;;
		*) echo "# $line" ;;
		esac
	done <<<"$out"
	if ((rc != 0)) && ! ((rc == 1 && nbad > 0)) || grep -q '^Traceback' <<<"$out"; then
		not_ok "$name: checker crashed (exit $rc)"
	fi
	((n > 0 || rc != 0)) || not_ok "$name: checker printed no check"
}

topo() { VNL_BUILD=$build "$tools/topology.sh" "$1" "$prefix" "${@:2}"; }

# guest_setup [IMAGE_DIR]: the test guest's image (default: the x86 one; a sanitizer build,
# build/san, boots the one built beside it), its state folder and a fresh token; 1 (said)
# when the image is not built
guest_setup() {
	guest_image=${1:-$build/guest}
	[[ -n ${1:-} || -f $guest_image/initrd.img ]] || guest_image=$(cd "$build/.." && pwd)/guest
	state=${TMPDIR:-/tmp}/$prefix.topo
	token_file=$work/token
	token=vnltest$$$RANDOM
	echo "$token" >"$token_file"
	if [[ ! -f $guest_image/initrd.img ]]; then
		not_ok "the test guest is built in $guest_image (make guest, or make guest ARCH=arm64)"
		return 1
	fi
	ln -sfn "$guest_image" "$work/guest"
}
# vm COMMAND...: topology.sh's guest commands (vm-start, vm-stop), finding the image in $work
vm() { VNL_BUILD=$work "$tools/topology.sh" "$1" "$prefix" "${@:2}"; }

# start_ptp_masters ARRAY: a ptp4l master per transport in the remote namespace (domain 0 over
# UDP/IPv4, domain 1 over Ethernet, socket_priority 7), their PIDs appended to the array named
# ARRAY, their management sockets $work/ptp4l-UDPv4 and $work/ptp4l-L2. Never slaves
# (masterOnly): nothing here ever adjusts this machine's clock.
start_ptp_masters() {
	local -n into=$1
	local transport domain
	for transport in UDPv4 L2; do
		domain=0
		[[ $transport == L2 ]] && domain=1
		cat >"$work/master-$transport.cfg" <<CFG
[global]
domainNumber $domain
network_transport $transport
time_stamping software
masterOnly 1
priority1 1
logSyncInterval -2
logAnnounceInterval -1
logMinDelayReqInterval -2
socket_priority 7
uds_address $work/ptp4l-$transport
CFG
		ip netns exec "$remote" ptp4l -i vr0 -f "$work/master-$transport.cfg" -m \
			>"$work/master-$transport.log" 2>&1 &
		into+=($!)
	done
}

# guest_took_ptp_masters: the guest's UDPv4 and L2 slaves each chose their master (a slave
# leaves LISTENING for UNCALIBRATED, then SLAVE)
guest_took_ptp_masters() {
	grep -q 'VNL-PTP-UDPv4: .*to UNCALIBRATED' "$state/console.log" &&
		grep -q 'VNL-PTP-L2: .*to UNCALIBRATED' "$state/console.log"
}

# wait_for SECONDS COMMAND...: polls until COMMAND succeeds, at most SECONDS
wait_for() {
	local limit=$1 i
	shift
	for ((i = 0; i < limit * 20; i++)); do
		"$@" && return 0
		sleep 0.05
	done
	return 1
}

# start_record OUT [ARGS...]: vnetlat record in the host namespace, returns once attached
start_record() {
	local out=$1
	shift
	ip netns exec "$host" "$vnetlat" record -o "$out" "$@" 2>"$out.log" &
	rec_pid=$!
	if ! wait_for 60 grep -q 'recording' "$out.log"; then
		cat "$out.log" >&2
		return 1
	fi
}

# stop_record: Ctrl-C, then wait (bounded) for it to write its file and exit
stop_record() {
	local rc=0
	kill -INT "$rec_pid" 2>/dev/null # it may have ended by itself (--duration)
	wait_for 30 bash -c "! kill -0 $rec_pid 2>/dev/null" || { kill -9 "$rec_pid"; rc=1; }
	wait "$rec_pid" || rc=$?
	rec_pid=
	return $rc
}

finish() {
	echo "# $ntest checks, $nfail failed"
	exit $((nfail != 0))
}
