#!/usr/bin/env python3
"""test_classes.sh's checks: the classes named from the devices' qdiscs, the loaded class's
qdisc wait rising with the load while the priority class's does not (diff --by class), PTP at
priority 0 in the loaded class said so, ptp4l and the guest's clock on the timeline.

Usage: check_classes.py LOADED.json DIFF.json LOADED.txt QUIET.json QUIET.txt"""
import json
import sys

from taplib import check, exit_code

MS = 1000000

loaded = json.load(open(sys.argv[1]))
diff = json.load(open(sys.argv[2]))
loaded_txt = open(sys.argv[3]).read()
quiet = json.load(open(sys.argv[4]))
quiet_txt = open(sys.argv[5]).read()

HOST_LOAD, HOST_PRIO = "band 1 on tap0 (host)", "band 0 on tap0 (host)"
GUEST_LOAD, GUEST_PRIO = "tc 0, queue 0 on eth0 (guest)", "tc 1, queue 1 on eth0 (guest)"

names = [c["class"] for c in loaded.get("classes", [])]
for want in (HOST_LOAD, HOST_PRIO, GUEST_LOAD, GUEST_PRIO):
    check(want in names, f"the report names the class '{want}' (seen: {names})")


def seg(group, direction, name):
    for s in diff["segments"]:
        if s.get("group") == group and s["direction"] == direction and s["segment"] == name:
            return s
    return None


def rose(group, direction, name):
    s = seg(group, direction, name)
    if not s:
        check(False, f"diff --by class has {group} {direction} {name}")
        return
    p50 = s["p50"]
    check(s["count_b"] >= 100 and p50["b_ns"] > 50 * MS and p50["significant"] is True,
          f"the loaded class {group}: {name} p50 rose with the load "
          f"({p50['a_ns'] / 1e3:.1f}us -> {p50['b_ns'] / 1e6:.1f}ms, {s['count_b']} packets, "
          f"significant: {p50['significant']})")


def stayed(group, direction, prefix):
    rows = [s for s in diff["segments"] if s.get("group") == group and
            s["direction"] == direction and s["segment"].startswith(prefix) and s["count_b"]]
    worst = max((s["p99"]["b_ns"] for s in rows), default=None)
    check(worst is not None and worst < 20 * MS,
          f"the priority class {group}: its {prefix}* segments' p99 under load stayed below 20 ms "
          f"({[(s['segment'], s['count_b'], s['p99']['b_ns']) for s in rows]})")


rose(HOST_LOAD, "to_guest", "host.qdisc_wait")
stayed(HOST_PRIO, "to_guest", "host.qdisc")
rose(GUEST_LOAD, "from_guest", "guest.qdisc_wait")
stayed(GUEST_PRIO, "from_guest", "guest.qdisc")

# PTP by message type in both directions, across both kernels
types = {(t["direction"], t["type"]): t for t in loaded["ptp"]["types"]}
for key in (("to_guest", "Sync"), ("to_guest", "Follow_Up"), ("to_guest", "Delay_Resp"),
            ("from_guest", "Delay_Req")):
    t = types.get(key, {})
    check(t.get("complete", 0) >= 10 and any(s["name"].startswith("guest.") for s in t.get("segments", [])),
          f"PTP {key[1]} {key[0]}: {t.get('complete', 0)} complete with per-hop segments in the guest")
dreq = types.get(("from_guest", "Delay_Req"), {})
check(dreq.get("dropped", -1) == 0,
      f"no Delay_Req counted dropped: a transmit timestamp's clone freed after ptp4l read it is "
      f"no loss ({dreq.get('dropped')})")
classes = {(c["hop"], c["prio"]) for c in dreq.get("classes", [])}
check(("guest.queue", 7) in classes,
      f"Delay_Req over Ethernet queued at priority 7 in the guest ({sorted(classes)})")

# the UDP slave's event messages at priority 0, in the loaded class, said in words
qp = quiet["ptp"]
check(qp.get("udp_event_messages_at_priority_0", 0) > 0 and
      qp.get("priority_0_class") == GUEST_LOAD and qp.get("higher_class") == "tc 1 for priority 7",
      f"UDP event messages at priority 0: {qp.get('udp_event_messages_at_priority_0')}, in "
      f"'{qp.get('priority_0_class')}', the device keeping '{qp.get('higher_class')}' apart")
check("queued in tc 0, queue 0 on eth0 (guest), while that device keeps tc 1 for priority 7 apart"
      in quiet_txt, "the text report says where those went and what they missed")

# the synchroniser on the timeline: the guest's ptp4l through the agent, its clock steered
p4 = [p for p in loaded.get("ptp4l", []) if p["kernel"] == 1]
check(p4 and p4[0]["answers"] >= 3 and p4[0]["port_state"] in ("SLAVE", "UNCALIBRATED"),
      f"the guest's ptp4l answered through the agent: {p4}")
adj = [e for e in loaded.get("clock_events", []) + quiet.get("clock_events", [])
       if e["kernel"] == 1 and e["syscall"] == "clock_adjtime" and e.get("clock") == "CLOCK_REALTIME"]
check(sum("frequency_ppm" in e for e in adj) >= 3,
      f"the guest's clock steered by its ptp4l: {len(adj)} clock_adjtime calls on CLOCK_REALTIME, "
      f"{sum('frequency_ppm' in e for e in adj)} with a frequency")
check("clock adjusted: guest, pid" in loaded_txt and "clock_adjtime on CLOCK_REALTIME" in loaded_txt,
      "the text report sums the guest's clock adjustments up by caller and clock")
sys.exit(exit_code())
