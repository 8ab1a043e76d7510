#!/bin/bash
# PTP through the whole path, with linuxptp nobody here wrote: two ptp4l masters in the
# remote namespace (domain 0 over UDP/IPv4, domain 1 over Ethernet) and two free-running
# ptp4l slaves in the real guest (QEMU under TCG, vnetlat agent inside), all asking for
# socket_priority 7, through the uplink, the bridge and the tap. One recording: every message
# type in its direction with its hops' latency across both kernels; the class the slaves'
# Delay_Req had where the guest queued it (priority 7 over Ethernet; 0 over UDP, where ptp4l
# ignores socket_priority, and the report says so); the masters' messages at priority 0 at
# the tap (a veth resets a forwarded packet's priority); Delay_Req/Delay_Resp paired.
. "$(dirname "$0")/lib.sh"
here=$(dirname "$0")
masters=()

if ! command -v ptp4l >/dev/null; then
	not_ok "linuxptp is installed (tools/install-deps.sh)"
	finish
fi
guest_setup || finish
stop_masters() {
	local pid
	for pid in "${masters[@]}"; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; done
	masters=()
}
trap 'stop_masters; cleanup' EXIT
topo up vm || { not_ok "topology with a tap for the guest"; finish; }

vm vm-start ptp "$(cat "$token_file")" || { not_ok "guest with two ptp4l slaves booted"; finish; }
check "two ptp4l slaves run in the guest" wait_for 120 grep -q "VNL-PTP-UP 2" "$state/console.log"

start_ptp_masters masters
check "the guest's slaves took the masters" wait_for 120 guest_took_ptp_masters

rec=$work/ptp.vnl
# fifteen seconds of messages: Sync and Delay_Req four times a second, Announce twice
if start_record "$rec" --guests --serial-socket "$state/vnetlat0.sock" --token-file "$token_file" \
	-d 15s; then
	check "the agent joined the recording" wait_for 120 grep -q "recorded as kernel" "$rec.log"
	check "record ended after its 15 s" wait_for 60 bash -c "! kill -0 $rec_pid 2>/dev/null"
	check "record stopped cleanly" stop_record
	"$vnetlat" -j report "$rec" >"$work/ptp.json"
	"$vnetlat" report "$rec" >"$work/ptp.txt"
	"$vnetlat" dump "$rec" >"$work/ptp.dump"
	"$vnetlat" report --json --by priority "$rec" >"$work/ptp-prio.json"
	"$vnetlat" report --json --by flow "$rec" >"$work/ptp-flow.json"
	sed -n '/^PTP:/,/^$/p' "$work/ptp.txt" | sed 's/^/# /'
	checker "ptp" python3 "$here/check_ptp.py" "$work/ptp.json" "$work/ptp.dump" "$work/ptp.txt" \
		"$work/ptp-prio.json" "$work/ptp-flow.json"
else
	not_ok "record started"
fi
stop_masters
grep -E "VNL-PTP-(UDPv4|L2): " "$state/console.log" | grep -vE "rms|master offset" | head -20 |
	sed 's/^/# guest: /'

# ptp4l's own state on the timeline (record --ptp4l, as pmc asks it): a master that starts
# while the recording runs is seen listening for its announce timeout (6 s), then master
cat >"$work/late.cfg" <<CFG
[global]
domainNumber 2
network_transport UDPv4
time_stamping software
masterOnly 1
priority1 1
logAnnounceInterval 1
uds_address $work/ptp4l-late
CFG
rec=$work/ptp4l.vnl
if start_record "$rec" --ptp4l "$work/ptp4l-late" --ptp4l-domain 2 -d 12s; then
	check "record says it asks ptp4l" grep -q "asking ptp4l at $work/ptp4l-late" "$rec.log"
	ip netns exec "$remote" ptp4l -i vr0 -f "$work/late.cfg" -m >"$work/late.log" 2>&1 &
	masters+=($!)
	check "record --ptp4l ended after its 12 s" wait_for 60 bash -c "! kill -0 $rec_pid 2>/dev/null"
	check "record --ptp4l stopped cleanly" stop_record
	"$vnetlat" -j report "$rec" >"$work/ptp4l.json"
	"$vnetlat" report "$rec" | grep -A3 "^ptp4l" | sed 's/^/# /'
	checker "ptp4l" python3 - "$work/ptp4l.json" "$work/late.log" <<'PY'
import json, re, sys
r = json.load(open(sys.argv[1]))
own = open(sys.argv[2]).read()
p = [k for k in r.get("ptp4l", []) if k["kernel"] == 0]
p = p[0] if p else {}
print(("ok" if p.get("answers", 0) >= 5 else "not ok") +
      f" - ptp4l answered {p.get('answers', 0)} times (asked once a second, >= 5)")
changes = [(c["from"], c["to"]) for c in p.get("state_changes", [])]
said = bool(re.search(r"LISTENING to MASTER", own))
print(("ok" if ("LISTENING", "MASTER") in changes and p.get("port_state") == "MASTER" and said
       else "not ok") +
      f" - its port went LISTENING -> MASTER on the timeline ({changes}), as its own log says"
      f" ({said})")
PY
else
	not_ok "record --ptp4l started"
fi
# the same ptp4l, now master, as gauges from vnetlat live
port=$((20000 + $$ % 20000))
ip netns exec "$host" "$vnetlat" live --prometheus "127.0.0.1:$port" --ptp4l "$work/ptp4l-late" \
	--ptp4l-domain 2 2>"$work/live.log" &
rec_pid=$!
master_gauge() {
	ip netns exec "$host" python3 - "$port" <<'PY'
import sys, urllib.request
body = urllib.request.urlopen("http://127.0.0.1:%s/metrics" % sys.argv[1], timeout=5).read().decode()
sys.exit(0 if 'vnetlat_ptp4l_port_state{state="MASTER"} 6' in body and
         "vnetlat_ptp4l_master_offset_seconds" in body else 1)
PY
}
check "live serves" wait_for 60 grep -q "serving http://127.0.0.1:$port/metrics" "$work/live.log"
check "live: ptp4l's port state MASTER and its offset as gauges" wait_for 15 master_gauge
check "live stopped cleanly" stop_record
stop_masters
vm vm-stop
finish
