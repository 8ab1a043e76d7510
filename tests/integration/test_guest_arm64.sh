#!/bin/bash
# arm64, for real: the arm64 test guest (make guest ARCH=arm64: Debian's arm64 cloud kernel,
# busybox and the cross-built static vnetlat) under qemu-system-aarch64 (TCG, "virt" board).
#  1. an arm64 host: inside it, vnetlat record on a tap of its own held by vmm-standin,
#     pinged through; its function hops (tun_net_xmit, tun_get_user) by kprobes, as arm64's
#     6.1 cannot attach BPF trampolines (the fentry run falls back).
#  2. an x86-64 host and an arm64 guest in one recording: the guest prints its own
#     `vnetlat -j probe` and runs the agent over virtio-serial; the host records with --guests
#     while UDP echoes and pings cross.
# VNL_ARM64_BUILD: where make ARCH=arm64 built (default build/arm64).
. "$(dirname "$0")/lib.sh"

arm64_build=${VNL_ARM64_BUILD:-$(cd "$(dirname "$0")/../.." && pwd)/build/arm64}
trap 'cleanup' EXIT

command -v qemu-system-aarch64 >/dev/null || { not_ok "qemu-system-aarch64 is installed (tools/install-deps.sh)"; finish; }
guest_setup "$arm64_build/guest" || finish
topo up vm || { not_ok "topology with a tap for the guest"; finish; }
rr() { ip netns exec "$remote" "$build/udp-rr" --dst 198.18.0.2 "$@"; }

# ---- 1. the arm64 kernel as a host ----
if vm vm-start kfunc-tap "$token"; then
	if wait_for 240 grep -q VNL-SCENARIO-DONE "$state/console.log"; then
		checker "arm64 host" python3 "$(dirname "$0")/check_guest.py" kfunc "$state/console.log" \
			fentry=kprobe,kprobe=kprobe
	else
		not_ok "the host scenario finished in the arm64 guest within 240 s"
		tail -20 "$state/console.log"
	fi
else
	not_ok "the arm64 guest booted (host scenario)"
fi
vm vm-stop

# ---- 2. an x86-64 host with an arm64 guest ----
vm vm-start probe-agent "$token" || { not_ok "the arm64 guest booted"; finish; }
ok "the arm64 guest booted (kernel $(cat "$guest_image/kernel-version"))"
check "its probe finished (within 120 s)" wait_for 120 grep -q VNL-PROBE-DONE "$state/console.log"
start_record "$work/run.vnl" --guests --serial-socket "$state/vnetlat0.sock" --token-file "$token_file" ||
	{ not_ok "record --guests started"; finish; }
check "the arm64 agent connected (within 120 s)" wait_for 120 grep -q "recorded as kernel" "$work/run.vnl.log"
ip netns exec "$remote" ping -c 5 -i 0.2 198.18.0.2 >/dev/null 2>&1 # warm-up: TCG translates code
rr --count 100 --interval 20ms >"$work/rr.json"
ip netns exec "$remote" ping -c 20 -i 0.05 198.18.0.2 >/dev/null
check "all 100 requests answered" grep -q '"received":100' "$work/rr.json"
check "record --guests stopped cleanly" stop_record
"$vnetlat" -j report "$work/run.vnl" >"$work/report.json" 2>"$work/report.err"
check "report of the joined recording" test -s "$work/report.json"
"$vnetlat" -j probe >"$work/host-probe.json"
checker "arm64" python3 "$(dirname "$0")/check_guest.py" joined "$work/report.json" 100
checker "arm64" python3 "$(dirname "$0")/check_guest.py" arch "$work/report.json" \
	"$state/console.log" "$work/host-probe.json" aarch64
"$vnetlat" report "$work/run.vnl" 2>&1 | grep -E "^guest 1|clock:" | sed 's/^/# /'
vm vm-stop
finish
