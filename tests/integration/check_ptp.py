#!/usr/bin/env python3
"""Checks a recording of PTP between masters in the remote namespace and slaves in the guest,
domain 0 over UDP and domain 1 over Ethernet, all asking for socket_priority 7, and report
--by priority of it. Prints TAP lines; exits 1 when a check failed."""
import json
import sys

from taplib import check, exit_code


def main():
    report = json.load(open(sys.argv[1]))
    lines = [json.loads(l) for l in open(sys.argv[2])]
    text = open(sys.argv[3]).read()
    ptp = report.get("ptp", {})
    types = {(t["direction"], t["type"]): t for t in ptp.get("types", [])}
    # Sync 4/s and Announce 2/s per master, over 15 s less the agent's joining
    want = [("to_guest", "Sync", 20), ("to_guest", "Follow_Up", 20), ("to_guest", "Announce", 10),
            ("from_guest", "Delay_Req", 20), ("to_guest", "Delay_Resp", 20)]
    for direction, name, least in want:
        t = types.get((direction, name))
        count = t["messages"] if t else 0
        check(count >= least, f"{name} {direction}: {count} messages (>= {least})")
    sync = types.get(("to_guest", "Sync"))
    segs = {s["name"] for s in sync["segments"]} if sync else set()
    need = {"host.tap_queue", "vmm.deliver"}
    check(need <= segs, f"Sync's hops timed through the tap into the guest (segments {sorted(segs)})")
    check(sync and sync["complete"] >= 0.9 * sync["messages"],
          f"Sync journeys complete across both kernels: {sync['complete'] if sync else 0} of "
          f"{sync['messages'] if sync else 0}")
    dreq = types.get(("from_guest", "Delay_Req"))
    segs = {s["name"] for s in dreq["segments"]} if dreq else set()
    check("vmm.transmit" in segs, f"Delay_Req's hops from the guest out (segments {sorted(segs)})")
    journeys = [l for l in lines if l["type"] == "journey" and "ptp" in l]
    def prios(domain, kind, hop):
        return [h.get("prio") for j in journeys
                if j["ptp"]["domain"] == domain and j["ptp"]["type"] == kind
                for h in j["hops"] if h["hop"] == hop and "prio" in h]

    # the slaves' socket_priority 7, where the guest queues their Delay_Req: applied over
    # Ethernet; over UDP ptp4l never applies it
    for domain, want_prio, transport in ((0, 0, "UDP"), (1, 7, "Ethernet")):
        seen = prios(domain, "Delay_Req", "guest.queue")
        check(seen and all(p == want_prio for p in seen),
              f"domain {domain} ({transport}): Delay_Req queued in the guest with priority "
              f"{want_prio} ({len(seen)} messages, seen {sorted(set(seen))})")
    # the masters' messages came through the remote's veth, which resets a forwarded
    # packet's priority (dev_forward_skb): 0 at the tap whatever the master asked
    for domain in (0, 1):
        seen = prios(domain, "Sync", "tap.queue")
        check(seen and all(p == 0 for p in seen),
              f"domain {domain}: Sync queued at the tap with priority 0 ({len(seen)} messages, "
              f"seen {sorted(set(seen))})")
    check(ptp.get("udp_event_messages_at_priority_0", 0) > 0 and "socket_priority" in text,
          f"the report says UDP event messages went at priority 0 "
          f"({ptp.get('udp_event_messages_at_priority_0')} of {ptp.get('udp_event_messages_queued')})")
    pairs = ptp.get("delay_pairs", {}).get("count", 0)
    check(pairs >= 20, f"Delay_Req paired with its Delay_Resp: {pairs} round trips")
    # the guest's UDP slave, asked by the agent (agent --ptp4l) as record asks the host's
    g = [k for k in report.get("ptp4l", []) if k["kernel"] == 1]
    g = g[0] if g else {}
    check(g.get("answers", 0) >= 10 and g.get("port_state") in ("UNCALIBRATED", "SLAVE")
          and g.get("master_offsets", 0) >= 10,
          f"the guest's ptp4l, asked through the agent: {g.get('answers', 0)} answers, port "
          f"{g.get('port_state')}, {g.get('master_offsets', 0)} master offsets")
    # report --by priority: the Ethernet slave's Delay_Req in a table of its own
    by = json.load(open(sys.argv[4]))
    keys = {g["key"]: g for g in by.get("groups", [])}
    p7 = keys.get("priority 7", {})
    rt7 = [d for d in p7.get("directions", []) if d["direction"] == "from_guest"]
    check(by.get("by") == "priority" and "priority 0" in keys and rt7 and rt7[0]["packets"] >= 20,
          f"report --by priority: groups {sorted(keys)}, priority 7 holds "
          f"{rt7[0]['packets'] if rt7 else 0} packets from the guest")
    # report --by flow: PTP over Ethernet named as such, not as an address of zeros
    flows = {g["key"] for g in json.load(open(sys.argv[5])).get("groups", [])}
    check("ptp ethernet domain 1" in flows and not any("0.0.0.0" in f for f in flows),
          f"report --by flow names the Ethernet PTP flow ({sorted(flows)})")
    neg = [s for t in types.values() for s in t["segments"] if s["min_ns"] > s["max_ns"]]
    check(not neg, "every PTP segment's min below its max")
    return exit_code()


if __name__ == "__main__":
    sys.exit(main())
