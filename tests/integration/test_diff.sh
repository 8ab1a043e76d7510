#!/bin/bash
# vnetlat diff: the VMM stand-in holding echoes 2 ms, then 5 ms; diff names the segment
# outside the host kernel as changed by about +3 ms beyond noise, and a recording compared
# with itself shows no significant change.
. "$(dirname "$0")/lib.sh"

topo up 2ms || { not_ok "topology"; finish; }
record_rr() { # record_rr OUT: 600 UDP request/responses recorded
	start_record "$1" -f udp || return 1
	ip netns exec "$remote" "$build/udp-rr" --dst 198.18.0.2 --count 600 --interval 2ms >/dev/null
	stop_record
}
check "recording A (stand-in holds 2 ms)" record_rr "$work/a.vnl"
topo standin 5ms
check "recording B (stand-in holds 5 ms)" record_rr "$work/b.vnl"
"$vnetlat" diff --json "$work/a.vnl" "$work/b.vnl" >"$work/ab.json"
"$vnetlat" diff "$work/a.vnl" "$work/b.vnl" >"$work/ab.txt"
"$vnetlat" diff --json "$work/a.vnl" "$work/a.vnl" >"$work/aa.json"
grep -E "vmm\+guest|DIRECTION" "$work/ab.txt" | sed 's/^/# /'
checker "diff" python3 - "$work/ab.json" "$work/aa.json" <<'PY'
import json, sys
ab = json.load(open(sys.argv[1]))
aa = json.load(open(sys.argv[2]))
seg = [s for s in ab["segments"] if s["direction"] == "round_trip" and s.get("initiator") == "remote" and s["segment"] == "vmm+guest"]
p50 = seg[0]["p50"] if seg else {}
ok = seg and p50.get("significant") is True and 2.5e6 <= p50["change_ns"] <= 3.5e6
print(("ok" if ok else "not ok") + " - vmm+guest p50 changed by %s ns, significant: %s" %
      (p50.get("change_ns"), p50.get("significant")))
sig = [(s["direction"], s["segment"], k) for s in aa["segments"] for k in ("p50", "p99", "p999") if s[k]["significant"]]
print(("ok" if aa["segments"] and not sig else "not ok") + " - a recording against itself: nothing significant (%s)" % sig[:3])
PY
"$vnetlat" diff "$work/a.vnl" >/dev/null 2>&1
check "diff with one recording: exit 2" test $? -eq 2
finish
