#!/bin/bash
# Packets with odd headers cross the host traced, fingerprinted consistently and never
# mis-joined: IPv4 fragments, IPv4 options (record route), IPv6 (with fragments),
# VLAN-tagged frames, and GSO super-packets cut into datagrams at the tap.
. "$(dirname "$0")/lib.sh"

topo up 0 >/dev/null || { not_ok "topology up"; finish; }
# VLAN-tagged frames (two tags) written on the remote veth with a packet socket: the bridge
# passes them to the tap untouched (no 8021q module needed)
send_tagged() {
	ip netns exec "$remote" python3 - <<'PY'
import socket, struct, time
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("vr0", 0))
src = s.getsockname()[4]
for seq in range(5):
    icmp = struct.pack("!BBHHH", 8, 0, 0, 0x4242, seq) + b"tagged" * 4
    icmp = icmp[:2] + struct.pack("!H", csum(icmp)) + icmp[4:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(icmp), 1000 + seq, 0, 64, 1, 0,
                     bytes([198, 19, 42, 1]), bytes([198, 19, 42, 2]))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    frame = (bytes.fromhex("525400123456") + src + struct.pack("!HHHH", 0x88a8, 7, 0x8100, 42)
             + struct.pack("!H", 0x0800) + ip + icmp)
    s.send(frame)
    time.sleep(0.02)
PY
}

start_record "$work/odd.vnl" --filter 'host 198.18.0.2 or host fd00:198:18::2 or host 198.19.42.2' ||
	{ not_ok "record starts"; finish; }
ip netns exec "$remote" ping -q -c 5 -i 0.05 -s 3000 198.18.0.2 >/dev/null   # 3 fragments each
ip netns exec "$remote" ping -q -c 5 -i 0.05 -R 198.18.0.2 >"$work/rr.txt"    # IP options
ip netns exec "$remote" ping -q -c 5 -i 0.05 fd00:198:18::2 >"$work/v6.txt"
ip netns exec "$remote" ping -q -c 5 -i 0.05 -s 3000 fd00:198:18::2 >/dev/null # IPv6 fragments
send_tagged                                                                     # QinQ, unanswered
check "record stops" stop_record
check "IPv4 with options is answered" grep -q ' 5 received' "$work/rr.txt"
check "IPv6 is answered" grep -q ' 5 received' "$work/v6.txt"
"$vnetlat" dump "$work/odd.vnl" >"$work/odd.jsonl"
while read -r line; do
	case $line in
	ok*) ok "${line#ok - }" ;;
	"not ok"*) not_ok "${line#not ok - }" ;;
	*) echo "$line" ;;
	esac
done < <(python3 - "$work/odd.jsonl" <<'PY' 2>&1 || echo "not ok - check script failed"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
js = [l for l in lines if l["type"] == "journey" and l["direction"] == "to_guest"]
full = ["uplink.rx", "uplink.receive", "tap.queue", "tap.xmit_start", "tap.xmit", "vmm.read"]
def hops(j): return [h["hop"] for h in j["hops"]]
def report(ok, what): print(("ok - " if ok else "not ok - ") + what)
v4 = [j for j in js if j["dst"] == "198.18.0.2"]
v6 = [j for j in js if j["dst"] == "fd00:198:18::2" and j.get("proto") in (58, 44)]
vlan = [j for j in js if j["dst"] == "198.19.42.2"]
report(len(v4) >= 5 * 3 + 5, f"IPv4: {len(v4)} journeys for 15 fragments and 5 packets with options")
report(all(hops(j) == full for j in v4), "every IPv4 fragment and optioned packet has the whole path, in order")
report(len(v6) >= 5 + 5 * 3, f"IPv6: {len(v6)} journeys for 5 plain and 15 fragmented packets")
report(all(hops(j) == full for j in v6), "every IPv6 packet and fragment has the whole path")
report(len(vlan) == 5 and all(hops(j)[-1] == "vmm.read" for j in vlan), f"VLAN-tagged: {len(vlan)} journeys to the VMM")
fps = [j["fp"] for j in v4 + v6 + vlan]
report(len(fps) == len(set(fps)), "no two packets share a fingerprint (never mis-joined)")
bad = [j["id"] for j in js if sum(s["ns"] for s in j["segments"]) != j["end_to_end_ns"]]
report(not bad, "segments add up in every journey")
PY
)

# GSO super-packets: each send is one skb of 8 UDP datagrams (UDP_SEGMENT) through the veth and
# the bridge, cut into 8 at the tap (which offers no offload): the super-packet's journey goes
# on in its first datagram, each datagram has its own journey to the VMM and back
start_record "$work/gso.vnl" -f 'udp and port 7' || { not_ok "record (GSO) started"; finish; }
ip netns exec "$remote" "$build/udp-rr" --dst 198.18.0.2 --gso 8 --size 1000 --count 20 \
	--interval 20ms >"$work/gso.out"
check "20 GSO sends of 8 datagrams each" grep -q '"datagrams":160' "$work/gso.out"
# the stand-in echoes as it reads: once it read all 160 (and what it answers besides), the
# last echoes are on their way out
standin_read() {
	local pid
	pid=$(cat "${TMPDIR:-/tmp}/$prefix.topo/standin.pid")
	kill -USR1 "$pid" && sleep 0.05
	(($(grep '^read' "${TMPDIR:-/tmp}/$prefix.topo/standin.log" | tail -1 | cut -d' ' -f2) >= 160))
}
check "the stand-in read every datagram" wait_for 10 standin_read
check "record (GSO) stopped" stop_record
"$vnetlat" -j report "$work/gso.vnl" >"$work/gso.json"
checker "odd_packets" python3 - "$work/gso.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
ev = r["recording"]["events_by_hop"]
tg = next(d for d in r["directions"] if d["direction"] == "to_guest")
segs = {s["name"]: s["count"] for s in tg["segments"]}
rt = next((d for d in r["directions"] if d.get("initiator") == "remote"), {"packets": 0})
def check(ok, what):
    print(("ok" if ok else "not ok") + " - GSO: " + what)
check(ev.get("uplink.rx") == 20 and ev.get("tap.queue") == 20,
      "one event per super-packet before the tap (uplink.rx %s, tap.queue %s)" % (ev.get("uplink.rx"), ev.get("tap.queue")))
check(ev.get("tap.xmit_start") == 160 and ev.get("vmm.read") == 160,
      "one per datagram from the tap on (tap.xmit_start %s, vmm.read %s)" % (ev.get("tap.xmit_start"), ev.get("vmm.read")))
check(segs.get("host.backlog") == 20 and segs.get("host.qdisc") == 20 and segs.get("host.tap_queue") == 160,
      "each super-packet's journey goes on in its first datagram to the VMM: %s" % segs)
check(tg.get("complete") == 20 and tg.get("partial") == 140,
      "the 7 datagrams cut from each super-packet begin at the tap: partial, not end to end (%s complete, %s partial)"
      % (tg.get("complete"), tg.get("partial")))
check(tg["end_to_end"]["count"] == 20, "end to end only of whole journeys (%s)" % tg["end_to_end"]["count"])
check(rt["packets"] == 160 and rt.get("complete") == 20 and r["lost_events"] == 0,
      "160 round trips paired, 20 whole, nothing lost (%s, %s)" % (rt["packets"], rt.get("complete")))
PY
finish
