#!/bin/bash
# Tail capture: aggregate mode with --keep-slow keeps the whole path of the slow packets only.
# The VMM stand-in stalls after every 300th echo (reads nothing for 3 ms) while the client
# sends a request every 2 ms: the request after each stall waits about a millisecond in the
# tap's queue, every other one tens of microseconds. Three recorders on the same traffic: a
# fixed end-to-end threshold, a segment's threshold, and the running p99.
. "$(dirname "$0")/lib.sh"
n=3000 every=300

VNL_STANDIN_ARGS="--stall-every $every --stall 3ms" topo up 0 >/dev/null ||
	{ not_ok "topology up"; finish; }
filter='udp and host 198.18.0.2'
pids=()
for spec in 500us host.tap_queue'>'500us p99; do
	out=$work/keep-${#pids[@]}.vnl
	start_record "$out" --filter "$filter" --mode aggregate --keep-slow "$spec" ||
		not_ok "recorder with --keep-slow $spec starts"
	pids+=("$rec_pid")
done
ip netns exec "$remote" "$build/udp-rr" --dst 198.18.0.2 --count $n --interval 2ms \
	>"$work/rr.json"
for pid in "${pids[@]}"; do
	rec_pid=$pid
	check "recorder $pid stops" stop_record
done
for i in 0 1 2; do
	"$vnetlat" report --json "$work/keep-$i.vnl" >"$work/keep-$i.json"
done
"$vnetlat" report "$work/keep-0.vnl" | sed -n '/^kept/,/^$/p' | head -8 | sed 's/^/# /'
checker "keep-slow" python3 - "$work" $n $every <<'PY'
import json, sys
work, n, every = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
stalls = n // every
def load(i):
    return json.load(open(f"{work}/keep-{i}.json"))
def ok(cond, what):
    print(("ok" if cond else "not ok") + " - " + what)
def tap_queue(p):
    return sum(s["ns"] for s in p["segments"] if s["name"] == "host.tap_queue")

for i, spec in enumerate(("500us", "host.tap_queue>500us")):
    r = load(i)
    k = r.get("kept", {})
    pk = k.get("packets", [])
    stalled = [p for p in pk if tap_queue(p) > 500000]
    ok(k.get("spec") == spec and k.get("ring_full") == 0, f"{spec}: the report says what was kept ({k.get('spec')}, ring full {k.get('ring_full')})")
    # each stall holds the next request; the client may be early or late by a little
    ok(stalls - 2 <= len(stalled) <= stalls + 1,
       f"{spec}: the packets held behind the {stalls} stalls are kept ({len(stalled)})")
    ok(len(pk) - len(stalled) <= 3,
       f"{spec}: almost no other packet is kept ({len(pk) - len(stalled)} of {n * 2 - len(stalled)})")
    hops = {tuple(s["name"] for s in p["segments"]) for p in stalled}
    ok(all("host.tap_queue" in h and "host.backlog" in h for h in hops) and
       all(p["direction"] == "to_guest" for p in stalled),
       f"{spec}: each kept packet has its every hop, uplink to the VMM's read ({hops})")
    e2e = [d for d in r["directions"] if d["direction"] == "to_guest"][0]["end_to_end"]
    ok(e2e["count"] == n, f"{spec}: the histograms still count every packet ({e2e['count']} of {n})")
r = load(2)
k = r.get("kept", {})
# p99 of what came after the first thousand packets: about 1% of the rest
ok(k.get("spec") == "p99" and 5 <= k.get("sent", 0) <= 0.05 * 2 * n,
   f"p99: about one packet in a hundred kept once the histogram had a thousand ({k.get('sent')} of {2 * n})")
PY
finish
