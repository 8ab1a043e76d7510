#!/bin/bash
# Numbers that stay right off the happy path, against a truth injected at a known layer:
#  - an echo server (the VMM stand-in) that holds each echo D and leaves every 7th request
#    unanswered: every round trip pairs its own request, so the round trip's vmm+guest
#    segment is D (within 5%) at p50 and p90 alike, and the unanswered are counted;
#  - the VMM stopped (SIGSTOP) for S seconds under a steady ping: the stall lands in the
#    tail of host.tap_queue in packet and aggregate mode alike (recorded at once), the two
#    agree, and no journey is cut in two.
. "$(dirname "$0")/lib.sh"
here=$(dirname "$0")
delay=10
stall=3

topo up 0 >/dev/null || { not_ok "topology up"; finish; }
state=${TMPDIR:-/tmp}/$prefix.topo

# ---- lost replies ----
VNL_STANDIN_ARGS="--lose 7" topo standin "${delay}ms" >/dev/null || not_ok "stand-in with --lose 7"
start_record "$work/lose.vnl" --filter 'host 198.18.0.2 and (icmp or udp)' ||
	not_ok "record starts (lost replies)"
ip netns exec "$remote" "$build/udp-rr" --dst 198.18.0.2 --count 140 --interval 25ms \
	--timeout 200ms >"$work/udp.json"
ip netns exec "$remote" ping -q -c 70 -i 0.03 -W 1 198.18.0.2 >"$work/ping.txt"
check "record stops (lost replies)" stop_record
check "udp-rr: 120 of 140 answered, as --lose 7 makes it" grep -q '"received":120,' "$work/udp.json"
"$vnetlat" report --json "$work/lose.vnl" >"$work/lose.json"
check "report --json exits 0 (lost replies)" test $? = 0
check "every round trip pairs its own request: vmm+guest = ${delay} ms at p50 and p90" \
	python3 "$here/check_fidelity.py" lost "$work/lose.json" "$delay" 210
"$vnetlat" report "$work/lose.vnl" >"$work/lose.txt"
check "the text report counts the unanswered requests" grep -Eq 'pairing: .* [1-9][0-9]* requests unanswered' "$work/lose.txt"

# ---- a VMM stopped for seconds ----
topo standin 1ms >/dev/null || not_ok "stand-in with 1 ms"
start_record "$work/stall-pk.vnl" --filter 'host 198.18.0.2 and icmp' || not_ok "packets recorder starts"
pk_pid=$rec_pid
start_record "$work/stall-ag.vnl" --filter 'host 198.18.0.2 and icmp' --mode aggregate ||
	not_ok "aggregate recorder starts"
ip netns exec "$remote" ping -c 300 -i 0.02 -W 10 198.18.0.2 >"$work/ping-stall.txt" &
ping_pid=$!
# stop the VMM once replies flow (bounded), resume it after the stall
wait_for 20 bash -c "[[ \$(grep -c 'bytes from' '$work/ping-stall.txt') -ge 50 ]]" ||
	not_ok "pings flow before the stall"
standin_pid=$(cat "$state/standin.pid")
kill -STOP "$standin_pid"
sleep "$stall" # the injected stall itself, not a wait for anything
kill -CONT "$standin_pid"
wait_for 30 bash -c "! kill -0 $ping_pid 2>/dev/null" || kill "$ping_pid"
wait "$ping_pid"
check "ping: 300 replies, the stalled ones late" grep -q ' 300 received' "$work/ping-stall.txt"
check "aggregate recorder stops" stop_record
rec_pid=$pk_pid
check "packets recorder stops" stop_record
"$vnetlat" report --json "$work/stall-pk.vnl" >"$work/stall-pk.json"
"$vnetlat" report --json "$work/stall-ag.vnl" >"$work/stall-ag.json"
check "a ${stall} s stall is in host.tap_queue's tail in both modes, and they agree" \
	python3 "$here/check_fidelity.py" stall "$work/stall-pk.json" "$work/stall-ag.json" "$stall"
finish
