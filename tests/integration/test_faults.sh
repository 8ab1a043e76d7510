#!/bin/bash
# Faults a tracer must survive: packets dropped at a full tap queue show where they died,
# a full ring buffer loses events that are all counted, and a recorder killed with SIGKILL
# leaves nothing attached and a readable file.
. "$(dirname "$0")/lib.sh"

topo up 0 >/dev/null || { not_ok "topology up"; finish; }
standin=$(cat "${TMPDIR:-/tmp}/$prefix.topo/standin.pid")

# --- drops: the VMM stops reading, the tun queue fills, the kernel drops (FULL_RING)
start_record "$work/drops.vnl" --filter 'udp and host 198.18.0.2' || not_ok "record starts"
kill -STOP "$standin"
ip netns exec "$remote" "$build/udp-rr" --dst 198.18.0.2 --flood --duration 0.3s >"$work/flood.json"
kill -CONT "$standin"
# the VMM has read its backlog once a ping queued behind it is answered
wait_for 10 ip netns exec "$remote" ping -q -c1 -W1 198.18.0.2 >/dev/null
check "record stops (drops)" stop_record
"$vnetlat" report --json "$work/drops.vnl" >"$work/drops.json"
check "drops at the full tap queue are reported with their hop and reason" python3 - "$work/drops.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
to = [d for d in r["directions"] if d["direction"] == "to_guest"][0]
drops = {(d["after"], d["reason"]): d["count"] for d in to["drops"]}
full = drops.get(("tap.xmit_start", "SKB_DROP_REASON_FULL_RING"), 0)
print(f"# to_guest packets {to['packets']}, complete {to['complete']}, dropped {to['dropped']}, drops {drops}")
assert full > 100, drops
# a dropped packet is not also reported as having lost its later hops
assert sum(h["count"] for h in to["lost_hops_after"] if h["hop"] == "tap.xmit") == 0, to["lost_hops_after"]
PY
"$vnetlat" report "$work/drops.vnl" >"$work/drops.txt"
check "text report lists the drop" grep -q 'dropped: .* after tap.xmit_start, reason SKB_DROP_REASON_FULL_RING' "$work/drops.txt"

# --- a ring buffer far too small: every event is either recorded or counted as lost
start_record "$work/lost.vnl" --filter 'udp and host 198.18.0.2' --ring-size 4k || not_ok "record starts"
ip netns exec "$remote" "$build/udp-rr" --dst 198.18.0.2 --flood --duration 0.5s >"$work/flood.json"
check "record stops (ring overflow)" stop_record
"$vnetlat" report --json "$work/lost.vnl" >"$work/lost.json"
check "lost events: recorded + lost = sent, at the first hop" python3 - "$work/lost.json" "$work/flood.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
sent = json.load(open(sys.argv[2]))["sent"]
recorded = r["recording"]["events_by_hop"].get("uplink.rx", 0)
lost = r["lost_by_hop"].get("uplink.rx", 0)
print(f"# sent {sent}, uplink.rx recorded {recorded}, lost {lost}, all lost {r['lost_events']}")
assert r["lost_events"] > 0
assert recorded + lost == sent, (recorded, lost, sent)
PY
"$vnetlat" report "$work/lost.vnl" >"$work/lost.txt"
check "a report with losses says so on its first line" bash -c "head -1 '$work/lost.txt' | grep -q 'WARNING: [0-9]* events lost'"

# --- SIGKILL: the kernel drops our programs with the process; the file reads to its last block
max_prog_id() { bpftool prog show -j | python3 -c 'import json,sys; print(max([p["id"] for p in json.load(sys.stdin)] or [0]))'; }
# the programs loaded after id $1 with our names: the recorder's
new_progs() { bpftool prog show -j | python3 -c "
import json, sys, re
print(' '.join(str(p['id']) for p in json.load(sys.stdin)
      if p['id'] > $1 and re.match(r'(btf|raw|fentry|kprobe)_', p.get('name', ''))))"; }
gone() { local id; for id in "$@"; do bpftool prog show id "$id" >/dev/null 2>&1 && return 1; done; return 0; }
base=$(max_prog_id)
start_record "$work/killed.vnl" --filter 'host 198.18.0.2' || not_ok "record starts"
ip netns exec "$remote" ping -q -c 20 -i 0.01 198.18.0.2 >/dev/null
progs=$(new_progs "$base")
check "programs attached while recording ($progs)" test -n "$progs"
journeys_at_least() { # FILE N: the report of FILE (even one being written) has N journeys
	local n
	n=$("$vnetlat" report --json "$1" 2>/dev/null |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["journeys"]["total"])' 2>/dev/null)
	[[ ${n:-0} -ge $2 ]]
}
# the recorder flushes a block at least every 200 ms: the 20 pings' 40 journeys are in the file
check "events reach the file while recording" wait_for 10 journeys_at_least "$work/killed.vnl" 40
kill -KILL "$rec_pid"
wait "$rec_pid" 2>/dev/null
rec_pid=
check "after SIGKILL no program of ours stays loaded" wait_for 10 gone $progs
check "after SIGKILL no link of ours stays" bash -c "! bpftool link show 2>/dev/null | grep -qE 'prog_name (btf|raw)_(net_dev_queue|netif_rx)'"
"$vnetlat" report --json "$work/killed.vnl" >"$work/killed.json" 2>"$work/killed.err"
check "the killed recorder's file reads: journeys up to its last block" python3 -c "
import json; r = json.load(open('$work/killed.json'))
assert r['journeys']['total'] >= 40 and not r['recording']['closed_cleanly'], r['journeys']"
# --- --max-size: the recording rotates to numbered files, read back as one
start_record "$work/rot.vnl" --max-size 64k --filter 'udp and host 198.18.0.2' || not_ok "record starts"
ip netns exec "$remote" "$build/udp-rr" --dst 198.18.0.2 --count 500 --interval 2ms >"$work/rr.json"
check "record stops (rotation)" stop_record
parts=$(ls "$work"/rot.vnl.[0-9]* 2>/dev/null | wc -l)
check "rotation wrote numbered files ($parts)" test "$parts" -ge 3
check "every file of the set reads on its own" bash -c "for f in '$work'/rot.vnl.[0-9]*; do '$vnetlat' report --json \"\$f\" >/dev/null || exit 1; done"
"$vnetlat" report --json "$work/rot.vnl" >"$work/rot.json"
check "report reads the rotated set as one recording" python3 - "$work/rot.json" "$work/rr.json" "$parts" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
received = json.load(open(sys.argv[2]))["received"]
rt = [d for d in r["directions"] if d["direction"] == "round_trip"][0]
print(f"# files {r['recording']['files']}, round trips {rt['packets']}, echoes received {received}")
assert r["recording"]["files"] == int(sys.argv[3]) + 1
assert rt["packets"] == received == 500, (rt["packets"], received)
assert r["recording"]["closed_cleanly"] and not r["recording"]["damage"]
PY
# a leftover of an earlier, longer run beside the set: not part of this recording
cp "$work/rot.vnl.1" "$work/rot.vnl.$((parts + 1))"
"$vnetlat" report --json "$work/rot.vnl" >"$work/rot2.json" 2>"$work/rot2.err"
check "only the files the END chain names are read (a stale rot.vnl.$((parts + 1)) is not)" \
	python3 -c "
import json; r = json.load(open('$work/rot2.json'))
rt = [d for d in r['directions'] if d['direction'] == 'round_trip'][0]
assert r['recording']['files'] == $parts + 1 and rt['packets'] == 500, (r['recording']['files'], rt['packets'])"
check "and the report says why it left that file out" grep -q "rot.vnl.$((parts + 1)): not read" "$work/rot2.err"
"$vnetlat" report --csv "$work/rot.csv" --window 100ms "$work/rot.vnl" >/dev/null 2>&1
check "windows run across the files of the set: one time base, no window twice" python3 -c "
import csv; rows = [r for r in csv.DictReader(open('$work/rot.csv')) if r['segment'] == 'end_to_end' and r['direction'] == 'to_guest']
starts = [int(r['window_start_ns']) for r in rows]
assert starts == sorted(starts) and len(set(starts)) == len(starts) >= 5, starts
assert sum(int(r['count']) for r in rows) == 500, sum(int(r['count']) for r in rows)"

# --- the disk fills up: a clear error, the programs detached, what was written readable
mkdir -p "$work/small"
mount -t tmpfs -o size=2m vnetlat-test "$work/small"
base=$(max_prog_id)
ip netns exec "$host" "$vnetlat" record -o "$work/small/full.vnl" --filter 'udp and host 198.18.0.2' \
	2>"$work/full.log" &
rec_pid=$!
wait_for 60 grep -q recording "$work/full.log"
progs=$(new_progs "$base")
ip netns exec "$remote" "$build/udp-rr" --dst 198.18.0.2 --flood --duration 1s >/dev/null
check "a full disk stops the recorder by itself" wait_for 20 bash -c "! kill -0 $rec_pid 2>/dev/null"
wait "$rec_pid"
rc=$?
rec_pid=
check "... with exit code 1 ($rc)" test "$rc" = 1
check "... and an error naming the file and the cause" grep -q "full.vnl: No space left on device; recording stopped" "$work/full.log"
check "... with its programs detached" wait_for 10 gone $progs
"$vnetlat" report --json "$work/small/full.vnl" >"$work/full.json"
check "... and what was written readable, without damage" python3 -c "
import json; r = json.load(open('$work/full.json'))
assert r['journeys']['total'] > 100 and not r['recording']['damage'], (r['journeys'], r['recording']['damage'])"

# --- a tap that goes away and comes back (a VM restarting): recording goes on, the new
# tap is picked up, and the report says when each change happened
device_change() { # FILE CHANGE: the live recording lists a device change of that kind for tap0
	"$vnetlat" report --json "$1" 2>/dev/null | python3 -c "
import json, sys
r = json.load(sys.stdin)
sys.exit(0 if any(c['iface'] == 'tap0' and c['change'] == '$2' for c in r['recording']['device_changes']) else 1)"
}
start_record "$work/hotplug.vnl" --filter 'icmp and host 198.18.0.2' || not_ok "record starts"
ip netns exec "$remote" ping -q -c 10 -i 0.01 198.18.0.2 >/dev/null
topo tap-del
check "a deleted tap is noticed" wait_for 10 device_change "$work/hotplug.vnl" disappeared
topo tap-add 0 >/dev/null
check "a new tap is picked up" wait_for 10 device_change "$work/hotplug.vnl" appeared
wait_for 10 ip netns exec "$remote" ping -q -c1 -W1 198.18.0.2 >/dev/null
ip netns exec "$remote" ping -q -c 10 -i 0.01 198.18.0.2 >/dev/null
check "record stops (hot-plug)" stop_record
"$vnetlat" report --json "$work/hotplug.vnl" >"$work/hotplug.json"
check "packets before and after the tap came back are all recorded" python3 - "$work/hotplug.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
rt = [d for d in r["directions"] if d["direction"] == "round_trip"]
pings = rt[0]["packets"] if rt else 0
ifs = [i for i in r["recording"]["interfaces"] if i["name"] == "tap0"]
print(f"# round trips {pings}, tap0 entries {[(i['ifindex']) for i in ifs]}, changes {r['recording']['device_changes']}")
assert pings >= 21, pings                      # 10 + 10 + the probe ping(s)
assert len(ifs) == 2 and ifs[0]["ifindex"] != ifs[1]["ifindex"], ifs
PY
finish
