#!/bin/bash
# Traffic classes, as a TSN user sets them, with real clients nobody here wrote: a ptp4l
# master per transport in the remote namespace (domain 0 over UDP/IPv4, domain 1 over
# Ethernet), their slaves in the real guest (QEMU under TCG, vnetlat agent inside; the L2 one
# steers the guest's clock), and bulk UDP load from iperf3 both ways, started between two
# recordings.
#   host:  the uplink's ingress gives PTP priority 7 (nftables, as a NIC's PCP map would;
#          a veth resets it), tap0 is shaped (tbf 2 Mbit/s) with pfifo_fast under it: priority
#          7 goes in band 0, the load in band 1.
#   guest: two queue pairs, mqprio gives priority 7 tc 1 (queue 1) and the rest tc 0
#          (queue 0), shaped (tbf 2 Mbit/s) (tests/guest/classes.sh).
# Checked: the classes are named from the devices' qdiscs; diff --by class says the loaded
# class's qdisc wait rose with the load and the priority class's did not; PTP's UDP event
# messages went at priority 0 in the loaded class, and the report says so; ptp4l's state and
# the guest's clock adjustments are on the timeline.
. "$(dirname "$0")/lib.sh"
here=$(dirname "$0")
pids=()

for tool in ptp4l iperf3 nft; do
	if ! command -v "$tool" >/dev/null; then
		not_ok "$tool is installed (tools/install-deps.sh)"
		finish
	fi
done
guest_setup || finish
stop_pids() {
	local pid
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; done
	pids=()
}
trap 'stop_pids; cleanup' EXIT
export VNL_TAP_QUEUES=2
topo up vm || { not_ok "topology with a multiqueue tap for the guest"; finish; }

# the host's classes
ip netns exec "$host" nft -f - <<NFT || not_ok "nftables gives PTP priority 7 at the uplink"
table netdev vnl_classes {
	chain ingress {
		type filter hook ingress device vh0 priority 0;
		ether type 0x88f7 meta priority set 0:7
		udp dport { 319, 320 } meta priority set 0:7
	}
}
NFT
# pfifo_fast holds txqueuelen packets: 100 of 1242 bytes wait up to 0.5 s at 2 Mbit/s
check "tap0 shaped, pfifo_fast under it" bash -c "
	ip -n '$host' link set tap0 txqueuelen 100 &&
	tc -n '$host' qdisc add dev tap0 root handle 1: tbf rate 2mbit burst 8k latency 400ms &&
	tc -n '$host' qdisc add dev tap0 parent 1:1 handle 10: pfifo_fast"

vm vm-start classes "$(cat "$token_file")" || { not_ok "guest with its classes booted"; finish; }
guest_said() { grep -qE "VNL-CLASSES-(UP|FAILED)" "$state/console.log"; }
wait_for 120 guest_said
grep -E "VNL-QDISC|VNL-CLASSES-FAILED" "$state/console.log" | sed 's/^/# guest: /'
if ! grep -q "VNL-CLASSES-UP 2" "$state/console.log"; then
	not_ok "the guest set up its classes and two ptp4l slaves"
	grep -E "VNL-CLASSES|VNL-AGENT|VNL-LOAD" "$state/console.log" | tail -15 | sed 's/^/# guest: /'
	vm vm-stop
	finish
fi
ok "the guest set up its classes and two ptp4l slaves"

start_ptp_masters pids
check "the guest's slaves took the masters" wait_for 120 guest_took_ptp_masters

record_guest() { # record_guest OUT SECONDS: the host and the guest's agent
	start_record "$1" --guests --serial-socket "$state/vnetlat0.sock" \
		--token-file "$token_file" -d "$2s" &&
		wait_for 120 grep -q "recorded as kernel" "$1.log"
}

quiet=$work/quiet.vnl loaded=$work/loaded.vnl
check "a quiet recording (PTP alone)" record_guest "$quiet" 10
check "it ended after its 10 s" wait_for 60 bash -c "! kill -0 $rec_pid 2>/dev/null"
check "it stopped cleanly" stop_record

# the load, both ways: the guest's client sends once this server is there (under TCG it
# takes a while to begin), then the remote's to the guest's server
ip netns exec "$remote" iperf3 -s -p 5202 -1 --forceflush >"$work/iperf3-server.log" 2>&1 &
pids+=($!)
check "the guest's load reaches the remote side" \
	wait_for 90 grep -q "bits/sec" "$work/iperf3-server.log"
ip netns exec "$remote" iperf3 -c 198.18.0.2 -p 5201 -u -b 6M -l 1200 -t 20 --forceflush \
	>"$work/iperf3-client.log" 2>&1 &
pids+=($!)
check "the remote's load reaches the guest" \
	wait_for 30 grep -q "bits/sec" "$work/iperf3-client.log"
check "a loaded recording (PTP beside bulk UDP both ways)" record_guest "$loaded" 8
check "it ended after its 8 s" wait_for 90 bash -c "! kill -0 $rec_pid 2>/dev/null"
check "it stopped cleanly" stop_record
check "the guest's load ran" wait_for 60 grep -q "VNL-LOAD-DONE" "$state/console.log"
stop_pids

"$vnetlat" report --json "$loaded" >"$work/loaded.json"
"$vnetlat" report "$loaded" >"$work/loaded.txt"
"$vnetlat" report --json "$quiet" >"$work/quiet.json"
"$vnetlat" report "$quiet" >"$work/quiet.txt"
"$vnetlat" diff --json --by class "$quiet" "$loaded" >"$work/diff.json"
"$vnetlat" diff --by class "$quiet" "$loaded" | grep -E "===|qdisc_wait" | sed 's/^/# /'
sed -n '/^PTP:/,/^$/p' "$work/loaded.txt" | sed 's/^/# /'
checker "classes" python3 "$here/check_classes.py" "$work/loaded.json" "$work/diff.json" \
	"$work/loaded.txt" "$work/quiet.json" "$work/quiet.txt"
vm vm-stop
finish
