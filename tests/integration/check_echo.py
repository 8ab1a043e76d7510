#!/usr/bin/env python3
"""Checks a recording of echo traffic through the built-in topology, as a user would:
every hop that fires on this path is seen for at least 99% of the packets, the segments of
each journey and round trip add up to its end-to-end time, and the VMM stand-in's delay shows
as the median of the round trip's vmm segment. Prints TAP lines."""
import json
import sys

TO_GUEST = ["uplink.rx", "uplink.receive", "tap.queue", "tap.xmit_start", "tap.xmit", "vmm.read"]
FROM_GUEST = ["tap.receive", "uplink.queue", "uplink.xmit_start", "uplink.xmit"]


def main():
    report_path, dump_path, delay_ms, sent = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
    report = json.load(open(report_path))
    lines = [json.loads(l) for l in open(dump_path)]
    journeys = [l for l in lines if l["type"] == "journey"]
    trips = [l for l in lines if l["type"] == "round_trip"]
    n = 0
    failed = 0

    def check(ok, what):
        nonlocal n, failed
        n += 1
        if not ok:
            failed += 1
        print(("ok" if ok else "not ok") + f" {n} - {what}")

    check(report["version"] == 1 and "lost_events" in report and "directions" in report,
          "JSON report has version, lost_events, directions")
    check(report["lost_events"] == 0, f"no lost events ({report['lost_events']})")
    for direction, hops in (("to_guest", TO_GUEST), ("from_guest", FROM_GUEST)):
        js = [j for j in journeys if j["direction"] == direction]
        check(len(js) >= 0.99 * sent, f"{direction}: {len(js)} journeys for {sent} packets sent")
        for hop in hops:
            seen = sum(1 for j in js if any(h["hop"] == hop for h in j["hops"]))
            check(seen >= 0.99 * sent, f"{direction}: hop {hop} seen for {seen}/{sent} packets")
    bad = [j["id"] for j in journeys
           if sum(s["ns"] for s in j["segments"]) != j["end_to_end_ns"]]
    check(not bad and journeys, f"segments add up to end-to-end in every journey ({len(journeys)})")
    bad = [t for t in trips if sum(s["ns"] for s in t["segments"]) != t["end_to_end_ns"]]
    check(not bad and trips, f"segments add up to end-to-end in every round trip ({len(trips)})")
    rt = [d for d in report["directions"] if d["direction"] == "round_trip" and d.get("initiator") == "remote"]
    check(len(rt) == 1 and rt[0]["packets"] >= 0.99 * sent,
          f"round trips paired: {rt[0]['packets'] if rt else 0} of {sent}")
    if rt:
        vmm = [s for s in rt[0]["segments"] if "vmm" in s["name"]]
        check(len(vmm) == 1, f"one vmm segment in the round trip: {[s['name'] for s in vmm]}")
        if vmm:
            p50 = vmm[0]["p50_ns"] / 1e6
            check(abs(p50 - delay_ms) <= 0.05 * delay_ms,
                  f"vmm segment median {p50:.3f} ms is within 5% of the {delay_ms} ms delay")
        total_share = sum(s["share"] for s in rt[0]["segments"])
        check(abs(total_share - 1.0) < 0.01, f"shares sum to 1 ({total_share:.4f})")
    for d in report["directions"]:
        for s in d["segments"] + [d["end_to_end"]]:
            if s["count"]:
                order = [s[k] for k in ("p50_ns", "p90_ns", "p99_ns", "p999_ns", "p9999_ns", "max_ns")]
                if order != sorted(order):
                    check(False, f"{d['direction']} {s.get('name', 'end_to_end')}: percentiles ordered {order}")
    return failed


if __name__ == "__main__":
    sys.exit(1 if main() else 0)
