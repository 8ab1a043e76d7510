#!/bin/bash
# A VMM kept off its CPU: the stand-in pinned to CPU 0, and every 2 s a real-time busy loop
# (one we start, 300 ms) on that CPU. Packets then wait in the tap's queue (host.tap_queue
# spikes), and the report sets beside the spikes how long the VMM's threads waited for a CPU
# there (vmm.sched_delay).
. "$(dirname "$0")/lib.sh"

hog_pid=
trap '[[ -n $hog_pid ]] && kill "$hog_pid" 2>/dev/null; cleanup' EXIT
topo up 0 || { not_ok "topology"; finish; }
standin=$(cat "${TMPDIR:-/tmp}/$prefix.topo/standin.pid")
check "stand-in pinned to CPU 0" taskset -pc 0 "$standin"
start_record "$work/h.vnl" -f icmp || { not_ok "record started"; finish; }
(
	for _ in 1 2 3 4 5; do
		sleep 1.7
		# the loop ends itself: a timer process could not preempt it at equal priority
		chrt -f 10 taskset -c 0 python3 -c '
import time
end = time.monotonic() + 0.3
while time.monotonic() < end:
    pass'
	done
) &
hog_pid=$!
# open loop (ping sends every 10 ms whether answered or not): a stall holds many packets, so
# the window it falls in has the samples to show it
ip netns exec "$remote" taskset -c 1 ping -q -c 1000 -i 0.01 -W 1 198.18.0.2 >/dev/null
wait "$hog_pid"
hog_pid=
check "record stopped" stop_record
"$vnetlat" -j report --window 250ms "$work/h.vnl" >"$work/h.json"
"$vnetlat" report --window 250ms "$work/h.vnl" >"$work/h.txt"
grep -E "^SPIKES|near" "$work/h.txt" | head -4 | sed 's/^/# /'
checker "sched" python3 - "$work/h.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(("ok" if r["vmm_sched_delay"]["max_ns"] >= 100e6 else "not ok") +
      " - the stand-in waited %.0f ms at most for its CPU" % (r["vmm_sched_delay"]["max_ns"] / 1e6))
# packets wait in the tun queue while their VMM is kept off its CPU: the spikes are there
sp = [s for s in r["spikes"] if s["headline"]]
near = sp[0]["near"] if sp else []
hit = [n for n in near if n["vmm_sched_delay_ns"] >= 50e6 and n["vmm_sched_delay_ns"] > 10 * n["vmm_sched_delay_usual_ns"]]
print(("ok" if sp and sp[0]["segment"].endswith("host.tap_queue") else "not ok") +
      " - the headline spikes are in host.tap_queue (%s)" % (sp[0]["segment"] if sp else None))
print(("ok" if sp and len(hit) >= 2 else "not ok") +
      " - %d of its %d spikes have the VMM's CPU waits beside them" % (len(hit), len(near)))
PY
check "the text report says the VMM waited for a CPU near a spike" \
	grep -q "threads waited .* for a CPU" "$work/h.txt"
finish
