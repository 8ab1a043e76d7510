#!/bin/bash
# Tail capture across kernels, with the real guest. Slow packets are made on both sides:
# inside the guest, its UDP echo server is stopped for 30 ms every 2 s (tests/guest/
# keepslow.sh; its agent keeps --keep-slow 'guest.stack_rx>5ms'), and on the host the
# guest's QEMU is stopped for 40 ms every 1.5 s, so requests wait in the tap's queue (the
# host keeps --keep-slow 'host.tap_queue>10ms'). Each side tells the other what it kept and
# the other keeps its part of the same packet: every kept journey covers both kernels.
. "$(dirname "$0")/lib.sh"

guest_setup || finish
topo up vm || { not_ok "topology with a tap for the guest"; finish; }
vm vm-start keepslow "$(cat "$token_file")" || { not_ok "guest booted"; finish; }
check "the guest's echo server runs" wait_for 60 grep -q "VNL-ECHO [0-9]" "$state/console.log"
qemu_pid=$(cat "$state/vm.pid")

# stops QEMU (every thread: the tap is not read) for 40 ms, every 1.5 s, until ended
stop_qemu_now_and_then() {
	trap 'kill -CONT "$qemu_pid"; exit 0' TERM
	while :; do
		sleep 1.5
		kill -STOP "$qemu_pid" && sleep 0.04
		kill -CONT "$qemu_pid"
		echo stopped >>"$work/qemu-stops"
	done
}

rec=$work/ks.vnl
if start_record "$rec" --mode aggregate --keep-slow 'host.tap_queue>10ms' --guests \
	--serial-socket "$state/vnetlat0.sock" --token-file "$token_file" &&
	wait_for 120 grep -q "recorded as kernel" "$rec.log"; then
	ok "the host records in aggregate mode, the guest's agent keeps its slow packets"
	stop_qemu_now_and_then &
	bg_pids+=($!)
	ip netns exec "$remote" "$build/udp-rr" --dst 198.18.0.2 --count 800 --interval 10ms \
		--timeout 2s >"$work/rr.json"
	kill "${bg_pids[-1]}" && wait "${bg_pids[-1]}"
	# the recording runs from the agent's join until the traffic is over: an agent can take
	# seconds to join on a fresh machine, so no fixed duration
	check "it stopped cleanly" stop_record
else
	not_ok "the host records in aggregate mode, the guest's agent keeps its slow packets"
	grep "VNL-AGENT" "$state/console.log" | grep -v "^VNL-AGENT: [0-9]*:" | tail -12 | sed 's/^/# /'
fi
echo "# QEMU stopped $(wc -l <"$work/qemu-stops" 2>/dev/null || echo 0) times," \
	"the echo server $(grep -c "VNL-STALLED" "$state/console.log") times"
"$vnetlat" report --json "$rec" >"$work/ks.json"
"$vnetlat" report "$rec" >"$work/ks.txt"
sed -n '/^kept/,/^$/p' "$work/ks.txt" | head -12 | sed 's/^/# /'
checker "keep-slow across kernels" python3 - "$work/ks.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
k = r.get("kept", {})
pk = k.get("packets", [])
def seg(p, name):
    return sum(s["ns"] for s in p["segments"] if s["name"] == name)
def say(good, what):
    print(("ok" if good else "not ok") + " - " + what)
by = {b["kernel"]: b for b in k.get("by_kernel", [])}
host, guest = by.get(0, {}), by.get(1, {})
print(f"# kept: {len(pk)}; host {host}; guest {guest}")
in_socket = [p for p in pk if seg(p, "guest.stack_rx") > 5000000]
in_tap = [p for p in pk if seg(p, "host.tap_queue") > 10000000]
say(len(in_socket) >= 2, f"packets that waited for the stopped echo server were kept ({len(in_socket)})")
say(len(in_tap) >= 2, f"packets that waited in the tap for the stopped QEMU were kept ({len(in_tap)})")
for name, ps in (("the guest's", in_socket), ("the host's", in_tap)):
    whole = [p for p in ps if p["kernels"] == "both"]
    say(ps and len(whole) == len(ps),
        f"each kept at {name} word has both kernels' parts ({len(whole)} of {len(ps)}; "
        f"missing: {sorted({p.get('missing', '') for p in ps if p['kernels'] != 'both'})})")
names = {s["name"] for p in in_tap + in_socket for s in p["segments"]}
say({"host.tap_queue", "guest.gro", "guest.stack_rx"} <= names,
    f"with the hops of the host and of the guest ({sorted(names)})")
# a packet slow on both sides (it waited for both stops) each side keeps on its own
both_slow = [p for p in in_socket if p in in_tap]
say(host.get("served", 0) >= len(in_socket) - len(both_slow) - host.get("already", 0) and
    host.get("told", 0) >= 2,
    f"the host kept its part at the guest's word ({host.get('served', 0)} served; "
    f"{len(in_socket)} slow in the guest, {len(both_slow)} of them slow in the host too) "
    f"and told the guest of its own ({host.get('told', 0)})")
say(guest.get("served", 0) >= 2, f"the guest kept its part at the host's word ({guest.get('served')})")
sides = [{a["kernel"] for a in p.get("around", {}).get("softirq", [])} for p in in_tap + in_socket]
say(sides and all(s == {"host", "guest"} for s in sides),
    f"each has the softirq time of the CPUs it ran on in both kernels around it ({sides})")
others = [p for p in pk if p not in in_socket and p not in in_tap]
print(f"# kept for neither stop: {len(others)}")
say(len(others) <= len(pk) // 4, f"almost no others are kept ({len(others)} of {len(pk)})")
e2e = [d for d in r["directions"] if d["direction"] == "to_guest"][0]["end_to_end"]
say(e2e["count"] >= 780, f"the host's histograms count every packet ({e2e['count']})")
PY
vm vm-stop
finish
