#!/bin/bash
# Echo requests (ICMP and UDP) from the remote namespace to the VMM stand-in, recorded by
# vnetlat on the host: hops seen, segments add up, and the stand-in's delay D appears as the
# median of the round trip's vmm segment within 5%, for D = 5 and 20 ms.
. "$(dirname "$0")/lib.sh"
count=${ECHO_COUNT:-100}

topo up 0 >/dev/null || { not_ok "topology up"; finish; }
for delay in 5 20; do
	topo standin "${delay}ms" >/dev/null || { not_ok "stand-in with ${delay} ms"; continue; }
	rec=$work/echo-$delay.vnl
	start_record "$rec" --filter 'host 198.18.0.2 and (icmp or udp)' ||
		{ not_ok "record starts (D=$delay)"; continue; }
	# paced slower than one request per D
	interval=$(awk -v d="$delay" 'BEGIN { printf "%.3f", 2 * d / 1000 }')
	ip netns exec "$remote" ping -q -c "$count" -i "$interval" -W 1 198.18.0.2 >"$work/ping.txt"
	check "ping: $count replies (D=$delay)" grep -q " $count received" "$work/ping.txt"
	ip netns exec "$remote" "$build/udp-rr" --dst 198.18.0.2 --count "$count" \
		--interval "$((2 * delay))ms" >"$work/udp.json"
	check "udp-rr: $count replies (D=$delay)" grep -q "\"received\":$count," "$work/udp.json"
	check "record stops cleanly on SIGINT (D=$delay)" stop_record
	"$vnetlat" report --json "$rec" >"$rec.json"
	check "report --json exits 0" test $? = 0
	"$vnetlat" dump "$rec" >"$rec.jsonl"
	check "dump exits 0" test $? = 0
	while read -r line; do
		case $line in
		ok*) ok "D=$delay: ${line#ok * - }" ;;
		"not ok"*) not_ok "D=$delay: ${line#not ok * - }" ;;
		esac
	done < <(python3 "$(dirname "$0")/check_echo.py" "$rec.json" "$rec.jsonl" "$delay" \
		"$((2 * count))" 2>&1 || echo "not ok 0 - check_echo.py failed")
	# the text report names the layers
	"$vnetlat" report "$rec" >"$rec.txt"
	check "text report shows the vmm+guest segment (D=$delay)" grep -q 'vmm+guest' "$rec.txt"
done
finish
