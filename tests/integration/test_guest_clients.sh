#!/bin/bash
# Real clients nobody here wrote, against the real guest (QEMU under TCG, vnetlat agent inside):
# sockperf ping-pong over UDP and TCP, iperf3 streams into and out of the guest, and ping. One
# recording each, against the same running agent. For each: no segment negative or longer
# than the run, and the share of data packets whose journeys cross both kernels; for the
# request/response clients, vnetlat's round trip against the client's own RTT less what the
# remote host adds (measured apart: the same client against a server on the host's bridge).
. "$(dirname "$0")/lib.sh"
here=$(dirname "$0")
ref_pid=

if ! command -v sockperf >/dev/null || ! command -v iperf3 >/dev/null; then
	not_ok "sockperf and iperf3 are installed (tools/install-deps.sh)"
	finish
fi
guest_setup || finish
trap '[[ -n $ref_pid ]] && kill "$ref_pid" 2>/dev/null; cleanup' EXIT
topo up vm || { not_ok "topology with a tap for the guest"; finish; }
in_remote() { ip netns exec "$remote" "$@"; }

vm vm-start clients "$(cat "$token_file")" || { not_ok "guest with sockperf, iperf3 and the agent booted"; finish; }
check "sockperf (UDP, TCP) and iperf3 listen in the guest" \
	wait_for 120 grep -q "VNL-SERVERS-UP 3" "$state/console.log"
in_remote ping -c 20 -i 0.05 198.18.0.2 >/dev/null 2>&1 # warm-up: TCG translates code

# what the remote host adds to its client's RTT, beyond the host's path to the guest
ip -n "$host" addr add 198.18.0.3/24 dev br0
# reference NAME SS_FLAG SERVER_ARGS...: the remote client's RTT to a sockperf server on the
# host's bridge, by the same transport as the measured run (TCP's own stack costs more)
reference() {
	local name=$1 ss_flag=$2
	shift 2
	ip netns exec "$host" sockperf server -i 198.18.0.3 -p 11111 "$@" >"$work/$name-server.log" 2>&1 &
	ref_pid=$!
	wait_for 10 bash -c "ip netns exec $host ss -ln$ss_flag | grep -q ':11111 '"
	in_remote sockperf pp -i 198.18.0.3 -p 11111 "$@" -t 3 --mps 200 -m 64 --full-rtt \
		>"$work/$name.txt" 2>&1
	check "$name: RTT to the host's bridge measured" grep -q "percentile 50.000" "$work/$name.txt"
	kill "$ref_pid"
	wait "$ref_pid" 2>/dev/null
	ref_pid=
}
reference ref u
reference ref-tcp t --tcp

# record NAME CLIENT...: one recording of CLIENT's traffic, through the running agent
record() {
	local name=$1 rec=$work/$1.vnl
	shift
	start_record "$rec" --guests --serial-socket "$state/vnetlat0.sock" \
		--token-file "$token_file" -f 'host 198.18.0.2' || { not_ok "$name: record started"; return 1; }
	check "$name: the agent joined the recording" wait_for 120 grep -q "recorded as kernel" "$rec.log"
	"$@" >"$work/$name.out" 2>&1
	check "$name: the client ran ($1)" test $? = 0
	check "$name: record stopped cleanly" stop_record
	"$vnetlat" -j report "$rec" >"$work/$name.json"
	"$vnetlat" dump "$rec" >"$work/$name.dump"
	"$vnetlat" report "$rec" | grep -E "^journeys|^refused|^pairing|round_trip|end_to_end" | sed "s/^/# $name: /"
}

record sockperf-udp in_remote sockperf pp -i 198.18.0.2 -p 11111 -t 5 --mps 200 -m 64 --full-rtt &&
	checker "sockperf-udp" python3 "$here/check_clients.py" rr "$work/sockperf-udp.json" \
		"$work/sockperf-udp.dump" "$work/sockperf-udp.out" "$work/ref.txt"
record sockperf-tcp in_remote sockperf pp --tcp -i 198.18.0.2 -p 11112 -t 5 --mps 200 -m 64 --full-rtt &&
	checker "sockperf-tcp" python3 "$here/check_clients.py" rr "$work/sockperf-tcp.json" \
		"$work/sockperf-tcp.dump" "$work/sockperf-tcp.out" "$work/ref-tcp.txt"
record ping in_remote ping -c 100 -i 0.02 198.18.0.2 &&
	checker "ping" python3 "$here/check_clients.py" ping "$work/ping.json" "$work/ping.dump" \
		"$work/ping.out"
record iperf3-in in_remote iperf3 -c 198.18.0.2 -p 5201 -t 3 -J &&
	checker "iperf3-in" python3 "$here/check_clients.py" stream "$work/iperf3-in.json" \
		"$work/iperf3-in.dump" "$work/iperf3-in.out" to_guest
record iperf3-out in_remote iperf3 -c 198.18.0.2 -p 5201 -t 3 -R -J &&
	checker "iperf3-out" python3 "$here/check_clients.py" stream "$work/iperf3-out.json" \
		"$work/iperf3-out.dump" "$work/iperf3-out.out" from_guest
vm vm-stop
finish
