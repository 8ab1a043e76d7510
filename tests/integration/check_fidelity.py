#!/usr/bin/env python3
"""Checks for test_fidelity.sh: exits non-zero, saying why, when a check fails.

lost REPORT DELAY_MS SENT   round trips pair their own requests despite unanswered ones
stall PACKETS AGGREGATE S   an S-second stall of the VMM is in host.tap_queue's tail, both modes
"""
import json
import sys


def direction(report, name, initiator=None):
    for d in report["directions"]:
        if d["direction"] == name and (initiator is None or d.get("initiator") == initiator):
            return d
    raise SystemExit(f"no direction {name} {initiator or ''} in the report")


def segment(d, name):
    for s in d["segments"]:
        if s["name"] == name:
            return s
    raise SystemExit(f"no segment {name} in {d['direction']}: {[s['name'] for s in d['segments']]}")


def lost(report_path, delay_ms, sent):
    r = json.load(open(report_path))
    rt = direction(r, "round_trip", "remote")
    vmm = segment(rt, "vmm+guest")
    p50, p90, p99 = (vmm[k] / 1e6 for k in ("p50_ns", "p90_ns", "p99_ns"))
    print(f"# vmm+guest p50 {p50:.3f} p90 {p90:.3f} p99 {p99:.3f} ms over {vmm['count']} round trips")
    acc = r["journeys"]
    print(f"# round trips {acc['round_trips']}, unanswered {acc['unanswered']}, "
          f"by echo {acc['pairs_by_echo']}, unmatched replies {acc['unmatched_replies']}")
    answered = sent - sent // 7
    assert abs(p50 - delay_ms) <= 0.05 * delay_ms, f"p50 {p50} not within 5% of {delay_ms}"
    assert abs(p90 - delay_ms) <= 0.05 * delay_ms, f"p90 {p90} not within 5% of {delay_ms}"
    assert p99 < 2 * delay_ms, f"p99 {p99}: some round trip paired the wrong request"
    assert answered - 3 <= rt["packets"] <= answered, f"{rt['packets']} round trips, {answered} answered"
    assert acc["unanswered"] >= sent // 7 - 3, f"{acc['unanswered']} unanswered of {sent // 7}"


def stall(pk_path, ag_path, seconds):
    maxes = {}
    for mode, path in (("packets", pk_path), ("aggregate", ag_path)):
        r = json.load(open(path))
        d = direction(r, "to_guest")
        q = segment(d, "host.tap_queue")
        maxes[mode] = q["max_ns"] / 1e9
        print(f"# {mode}: host.tap_queue max {maxes[mode]:.3f} s, p99 {q['p99_ns'] / 1e6:.3f} ms, "
              f"{d['complete']} complete, {d['lost_hops']} lost hops, {d.get('partial', 0)} partial")
        assert seconds * 0.9 <= maxes[mode] <= seconds * 1.3, f"{mode}: max {maxes[mode]} s"
        if mode == "packets":
            assert d["lost_hops"] == 0 and d["partial"] == 0, "a stalled journey was cut in two"
            assert r["journeys"]["held"] >= 1, "no journey was held through the stall"
            e2e = direction(r, "round_trip", "remote")["end_to_end"]["max_ns"] / 1e9
            assert e2e >= seconds * 0.9, f"round trip max {e2e} s misses the stall"
    assert abs(maxes["packets"] - maxes["aggregate"]) <= 0.05 * maxes["packets"], maxes


if __name__ == "__main__":
    what = sys.argv[1]
    if what == "lost":
        lost(sys.argv[2], float(sys.argv[3]), int(sys.argv[4]))
    elif what == "stall":
        stall(sys.argv[2], sys.argv[3], float(sys.argv[4]))
    else:
        raise SystemExit(f"unknown check {what}")
