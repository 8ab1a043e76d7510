#!/bin/bash
# vnetlat dump --pcapng: a stored guest recording's journeys as a pcapng file that tshark
# (Debian's Wireshark) reads; every hop is a packet on its kernel's and hop's interface at the
# hop's time to the nanosecond, with the journey's addresses and ports, and a comment naming
# the journey, the hop and the segment to the next; one journey is found by a display filter.
. "$(dirname "$0")/lib.sh"
data=$(cd "$(dirname "$0")/../data" && pwd)

zcat "$data/guest.vnl.gz" >"$work/g.vnl"
"$vnetlat" dump "$work/g.vnl" >"$work/g.jsonl"
check "dump --pcapng writes the file" "$vnetlat" dump --pcapng "$work/g.pcapng" "$work/g.vnl"
"$vnetlat" dump --pcapng "$work/g.pcapng" "$work/g.vnl" 2>"$work/again.err"
check "and will not write over an existing one (exit $?), naming it" grep -q "g.pcapng" "$work/again.err"
tshark -r "$work/g.pcapng" -T fields -E separator='|' -e frame.comment -e frame.time_epoch \
	-e frame.interface_name -e ip.src -e ip.dst -e udp.srcport -e udp.dstport -e tcp.srcport \
	-e tcp.dstport >"$work/g.fields" 2>"$work/tshark.err"
check "tshark reads it" test -s "$work/g.fields"
checker "pcapng against dump" python3 - "$work/g.jsonl" "$work/g.fields" <<'PY'
import datetime, json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
journeys = {j["id"]: j for j in lines if j["type"] == "journey" and "src" in j}
# the recording's wall clock: an event's ISO time less its monotonic ts
ev = next(l for l in lines if l["type"] == "event")
sec, frac = ev["time"].rstrip("Z").split(".")
wall0 = int(datetime.datetime.fromisoformat(sec).replace(tzinfo=datetime.timezone.utc).timestamp()) * 10**9 + int(frac.ljust(9, "0")[:9])
offset = wall0 - ev["ts_ns"]
pk = {}
for row in open(sys.argv[2]):
    c, t, ifname, src, dst, us, ud, ts_, td = row.rstrip("\n").split("|")
    jid = int(c.split()[1])
    s, f = t.split(".")
    pk.setdefault(jid, []).append((int(s) * 10**9 + int(f.ljust(9, "0")[:9]), ifname, src, dst, us or ts_, ud or td, c))
bad_n = [j for j in journeys if len(pk.get(j, [])) != len(journeys[j]["hops"])]
print(("ok" if journeys and not bad_n else "not ok") +
      f" - every hop of each of {len(journeys)} journeys is a packet (wrong count for {bad_n[:5]})")
bad_t, bad_f, bad_if, bad_c = [], [], [], []
for jid, j in journeys.items():
    for h, p in zip(j["hops"], pk.get(jid, [])):
        if p[0] != h["ts_ns"] + offset:
            bad_t.append((jid, h["hop"], p[0] - h["ts_ns"] - offset))
        if (p[2], p[3], int(p[4] or 0), int(p[5] or 0)) != (j["src"], j["dst"], j["sport"], j["dport"]):
            bad_f.append((jid, p[2:6]))
        if not p[1].endswith(" " + h["hop"]):
            bad_if.append((jid, p[1], h["hop"]))
        if f"journey {jid} {j['direction']}" not in p[6] or f": {h['hop']}" not in p[6]:
            bad_c.append((jid, p[6]))
n = sum(len(v) for v in pk.values())  # the checks below are over these packets: none is a failure
print(("ok" if n and not bad_t else "not ok") + f" - each of {n} packets' time is its hop's, to the nanosecond ({bad_t[:3]})")
print(("ok" if n and not bad_f else "not ok") + f" - addresses and ports are the journey's ({bad_f[:3]})")
print(("ok" if n and not bad_if else "not ok") + f" - each on its kernel's and hop's interface ({bad_if[:3]})")
print(("ok" if n and not bad_c else "not ok") + f" - each comment names the journey and the hop ({bad_c[:2]})")
PY
jid=$(python3 -c 'import json,sys; print(next(json.loads(l)["id"] for l in open(sys.argv[1]) if json.loads(l)["type"]=="journey" and json.loads(l)["complete"] and "src" in json.loads(l)))' "$work/g.jsonl")
hops=$(python3 -c 'import json,sys; print(next(len(j["hops"]) for j in map(json.loads, open(sys.argv[1])) if j["type"]=="journey" and j["id"]==int(sys.argv[2])))' "$work/g.jsonl" "$jid")
n=$(tshark -r "$work/g.pcapng" -Y "frame.comment contains \"journey $jid \"" 2>/dev/null | wc -l)
check "the display filter frame.comment contains \"journey $jid \" finds its $hops hops ($n)" test "$n" = "$hops"
tshark -r "$work/g.pcapng" -Y "frame.comment contains \"journey $jid \"" -T fields -e frame.comment 2>/dev/null | head -3 | sed 's/^/# /'
finish
