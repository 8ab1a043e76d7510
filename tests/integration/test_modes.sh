#!/bin/bash
# Record modes: in-kernel aggregation (--mode aggregate) counts every packet of every segment
# without sending events, and agrees with per-packet recording of the same traffic; --sample N
# keeps whole journeys of about one packet in N, chosen by fingerprint, in either mode.
. "$(dirname "$0")/lib.sh"
n=400

topo up 1ms >/dev/null || { not_ok "topology up"; finish; }
# two recorders at once on the same traffic: per packet, and aggregated in the kernel
start_record "$work/pk.vnl" --filter 'udp and host 198.18.0.2' || not_ok "packets recorder starts"
pk_pid=$rec_pid
start_record "$work/ag.vnl" --filter 'udp and host 198.18.0.2' --mode aggregate ||
	not_ok "aggregate recorder starts"
ip netns exec "$remote" "$build/udp-rr" --dst 198.18.0.2 --count $n --interval 3ms >"$work/rr.json"
check "aggregate recorder stops" stop_record
rec_pid=$pk_pid
check "packets recorder stops" stop_record
"$vnetlat" report --json "$work/pk.vnl" >"$work/pk.json"
"$vnetlat" report --json "$work/ag.vnl" >"$work/ag.json"
check "aggregate mode: every packet counted in every segment, no packet events, agrees with packets mode" \
	python3 - "$work/pk.json" "$work/ag.json" $n <<'PY'
import json, sys
pk, ag, n = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), int(sys.argv[3])
# no event per packet: only the rare ones that are not (a VMM waiting for a CPU, a clock step)
per_packet = {h: c for h, c in ag["recording"]["events_by_hop"].items()
              if h not in ("vmm.sched_delay", "clock.adjust")}
assert ag["mode"] == "aggregate" and not per_packet, per_packet
# what aggregate mode did not record is counted by cause; on this clean run: nothing
u = ag["aggregate_unrecorded"]
print(f"# not recorded: {u}")
assert u["evicted"] == 0 and u["unfinished"] == 0 and u["outside_table"] == 0, u
for name in ("to_guest", "from_guest"):
    a = [d for d in ag["directions"] if d["direction"] == name][0]
    p = [d for d in pk["directions"] if d["direction"] == name][0]
    segs_a = {s["name"]: s for s in a["segments"]}
    segs_p = {s["name"]: s for s in p["segments"]}
    assert set(segs_a) == set(segs_p), (name, set(segs_a), set(segs_p))
    for s in segs_a.values():
        assert s["count"] == n, (name, s["name"], s["count"])
    assert a["end_to_end"]["count"] == p["end_to_end"]["count"] == n, name
    # two recorders read the clock at slightly different instants: medians agree loosely
    ea, ep = a["end_to_end"]["p50_ns"], p["end_to_end"]["p50_ns"]
    print(f"# {name}: end-to-end p50 aggregate {ea} ns, packets {ep} ns")
    assert abs(ea - ep) <= 0.25 * ep + 500, (ea, ep)
PY

# --csv: the breakdown per time window, from journeys and from the in-kernel histograms alike
for f in pk ag; do
	"$vnetlat" report --csv "$work/$f.csv" --window 200ms "$work/$f.vnl" >/dev/null
	check "--csv per 200 ms window ($f): counts add up to the whole run" python3 - "$work/$f.csv" "$work/$f.json" <<'PY'
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1])))
r = json.load(open(sys.argv[2]))
for name in ("to_guest", "from_guest"):
    total = [d for d in r["directions"] if d["direction"] == name][0]["end_to_end"]["count"]
    e2e = [x for x in rows if x["direction"] == name and x["segment"] == "end_to_end"]
    assert sum(int(x["count"]) for x in e2e) == total, (name, total)
    starts = [int(x["window_start_ns"]) for x in e2e]
    assert starts == sorted(starts) and len(set(starts)) == len(starts) >= 3, starts
    assert all(int(x["p50_ns"]) <= int(x["p99_ns"]) <= int(x["max_ns"]) for x in rows)
print(f"# {len(rows)} rows")
PY
done
check "--window below 1ms is refused" bash -c "'$vnetlat' report --csv '$work/x.csv' --window 10us '$work/pk.vnl' 2>&1 | grep -q \"window '10us'\""

for mode in packets aggregate; do
	start_record "$work/s-$mode.vnl" --filter 'udp and host 198.18.0.2' --mode $mode --sample 4 ||
		not_ok "recorder starts ($mode, sampled)"
	ip netns exec "$remote" "$build/udp-rr" --dst 198.18.0.2 --count $n --interval 2ms >/dev/null
	check "recorder stops ($mode, sampled)" stop_record
	"$vnetlat" dump "$work/s-$mode.vnl" >"$work/s-$mode.jsonl"
	check "--sample 4 ($mode): whole journeys of about a quarter of the packets, with their replies" \
		python3 - "$work/s-$mode.jsonl" $n <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
n = int(sys.argv[2])
js = [l for l in lines if l["type"] == "journey"]
to = [j for j in js if j["direction"] == "to_guest"]
print(f"# {len(to)} of {n} requests sampled, {sum(1 for l in lines if l['type'] == 'round_trip')} round trips")
assert 0.12 * n <= len(to) <= 0.40 * n, len(to)
assert all(len(j["hops"]) == 6 and j["complete"] for j in to), "a sampled packet lost hops"
rts = [l for l in lines if l["type"] == "round_trip"]
# a request and its reply are sampled together: the sampled round trips pair whole
assert len(rts) >= 0.95 * len(to), ("sampled requests without their reply", len(rts), len(to))
PY
done
"$vnetlat" report --json "$work/s-aggregate.vnl" >"$work/s-ag.json"
check "aggregate + sample: histograms still count every packet" python3 -c "
import json; r = json.load(open('$work/s-ag.json'))
d = [d for d in r['directions'] if d['direction'] == 'to_guest'][0]
assert d['end_to_end']['count'] == $n and r['sample'] == 4, (d['end_to_end']['count'], r['sample'])"
check "--mode with a bad value: exit 2" bash -c "'$vnetlat' record -o '$work/x.vnl' --mode fast 2>&1 | grep -q \"expected packets or aggregate\""
# a run longer than the time view's windows: merged windows, said, and --time for a part in
# windows of the asked size (the aggregate recording's 100 ms windows played for 2200 s)
python3 "$tools/vnl-stretch.py" "$work/ag.vnl" "$work/long.vnl" 2200 >/dev/null
"$vnetlat" report "$work/long.vnl" >"$work/long.txt"
check "a 2200 s run: the time view says its windows were merged to 2 s, and how to see 1 s ones" \
	grep -q "^time view: windows of 2 s (the run is too long for windows of 1 s.*--time FROM,TO looks at a part in windows of 1 s" "$work/long.txt"
"$vnetlat" -j report "$work/long.vnl" >"$work/long.json"
"$vnetlat" -j report --time 1000s,1100s "$work/long.vnl" >"$work/part.json"
check "--time 1000s,1100s of it: 1 s windows in the range, and whole-run figures that are theirs" \
	python3 - "$work/long.json" "$work/part.json" <<'PY'
import json, sys
full, part = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert full["window_ns"] == 2000000000 and full["window_asked_ns"] == 1000000000, full["window_ns"]
assert part["window_ns"] == 1000000000 and "window_asked_ns" not in part
starts = [w["start_s"] for w in part["windows"]]
assert starts and min(starts) >= 1000 and max(starts) < 1100 and len(starts) >= 95, starts[:3]
def e2e(r):
    return [d for d in r["directions"] if d["direction"] == "to_guest"][0]["end_to_end"]["count"]
in_windows = sum(d["end_to_end"]["count"] for w in part["windows"] for d in w["directions"]
                 if d["direction"] == "to_guest")
full_in_range = sum(d["end_to_end"]["count"] for w in full["windows"] if 1000 <= w["start_s"] < 1100
                    for d in w["directions"] if d["direction"] == "to_guest")
print(f"# to_guest packets: {e2e(part)} in the range, {e2e(full)} in the run; windows: {in_windows}, {full_in_range}")
assert e2e(part) == in_windows == full_in_range and 0 < e2e(part) < e2e(full)
PY
finish
