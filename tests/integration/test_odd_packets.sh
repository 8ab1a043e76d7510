#!/bin/bash
# Packets with odd headers cross the host traced, fingerprinted consistently and never
# mis-joined: IPv4 fragments, IPv4 options (record route), IPv6 (with fragments), and
# VLAN-tagged frames.
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
finish
