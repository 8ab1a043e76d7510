#!/bin/bash
# Tail capture across kernels: the real guest's agent keeps the guest's part of each packet
# that waited in a socket (--keep-slow guest.stack_rx>5ms) while its UDP echo server is
# stopped for 30 ms every 2 s (tests/guest/keepslow.sh); the host records in aggregate mode
# with its own --keep-slow. The report lists the guest's parts, whole, and says which
# kernel's part it has.
. "$(dirname "$0")/lib.sh"

guest_setup || finish
topo up vm || { not_ok "topology with a tap for the guest"; finish; }
vm vm-start keepslow "$(cat "$token_file")" || { not_ok "guest booted"; finish; }
check "the guest's echo server runs" wait_for 60 grep -q "VNL-ECHO [0-9]" "$state/console.log"
rec=$work/ks.vnl
if start_record "$rec" --mode aggregate --keep-slow 50ms --guests \
	--serial-socket "$state/vnetlat0.sock" --token-file "$token_file" &&
	wait_for 120 grep -q "recorded as kernel" "$rec.log"; then
	ok "the host records in aggregate mode, the guest's agent keeps its slow packets"
	ip netns exec "$remote" "$build/udp-rr" --dst 198.18.0.2 --count 600 --interval 10ms \
		--timeout 2s >"$work/rr.json"
	# the recording runs from the agent's join until the traffic is over: an agent can take
	# seconds to join on a fresh machine, so no fixed duration
	check "it stopped cleanly" stop_record
else
	not_ok "the host records in aggregate mode, the guest's agent keeps its slow packets"
	grep "VNL-AGENT" "$state/console.log" | grep -v "^VNL-AGENT: [0-9]*:" | tail -12 | sed 's/^/# /'
fi
stalls=$(grep -c "VNL-STALLED" "$state/console.log")
"$vnetlat" report --json "$rec" >"$work/ks.json"
"$vnetlat" report "$rec" | sed -n '/^kept/,/^$/p' | head -7 | sed 's/^/# /'
checker "keep-slow in the guest" python3 - "$work/ks.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
k = r.get("kept", {})
pk = k.get("packets", [])
def seg(p, name):
    return sum(s["ns"] for s in p["segments"] if s["name"] == name)
guest = [p for p in pk if p.get("kernels") == "guest"]
slow = [p for p in guest if seg(p, "guest.stack_rx") > 5000000]
print(f"# kept: {len(pk)}, the guest's parts: {len(guest)}, waited > 5 ms in the socket: {len(slow)}")
print(("ok" if len(slow) >= 2 else "not ok") +
      f" - the guest kept the packets that waited for the stopped echo server ({len(slow)})")
print(("ok" if slow and len(slow) == len(guest) else "not ok") +
      f" - and only those ({len(guest) - len(slow)} others)")
names = {s["name"] for p in slow for s in p["segments"]}
print(("ok" if {"guest.gro", "guest.stack_rx"} <= names else "not ok") +
      f" - each with the guest's hops from the driver to the reader ({sorted(names)})")
e2e = [d for d in r["directions"] if d["direction"] == "to_guest"][0]["end_to_end"]
print(("ok" if e2e["count"] >= 500 else "not ok") +
      f" - the host's histograms count every packet ({e2e['count']})")
PY
"$vnetlat" report "$rec" >"$work/ks.txt"
check "the text says whose part it has" grep -q "the guest's part only" "$work/ks.txt"
vm vm-stop
finish
