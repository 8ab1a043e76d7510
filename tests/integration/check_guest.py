#!/usr/bin/env python3
"""Checks the reports of the real-guest tests (test_guest.sh), as a user would. Prints TAP
lines (numbered from --first).

  check_guest.py kfunc CONSOLE_LOG [fentry=kprobe,kprobe=kprobe]
                                             fentry/kprobe hops run inside the guest (each
                                             run's expected mechanism)
  check_guest.py joined REPORT.json SENT     a recording with the guest's side joined in
  check_guest.py arch REPORT.json CONSOLE_LOG HOST_PROBE.json ARCH
                                              a guest of another architecture: its kernel, its
                                              probe (on the console) and the hops it attached
  check_guest.py vhost CONSOLE_LOG           vhost-net's worker, traced by fentry and kprobes
"""
import json
import re
import sys

TO_GUEST_SEGMENTS = ["host.tap_queue", "vmm.deliver", "guest.irq_to_poll", "guest.driver_rx",
                     "guest.gro", "guest.stack_rx"]
FROM_GUEST_SEGMENTS = ["guest.stack_tx", "guest.qdisc", "guest.driver_tx", "vmm.transmit",
                       "host.bridge"]
KVM_HOPS = ["kvm.irq", "kvm.msi", "kvm.kick_fast_mmio", "kvm.kick_mmio", "kvm.kick_pio"]

failed = 0


def check(ok, what):
    global failed
    if not ok:
        failed += 1
    print(("ok" if ok else "not ok") + " - " + what)


def direction(report, name):
    return next((d for d in report["directions"] if d["direction"] == name and "initiator" not in d),
                None)


def seg_names(d):
    return {s["name"] for s in d["segments"]} if d else set()


def kfunc(console, expect=None):
    """expect: per run (fentry, kprobe), the mechanism it must have attached by (a kernel
    without BPF trampolines, arm64's 6.1, falls back to kprobes in its fentry run)"""
    lines = open(console, errors="replace").read().splitlines()
    reports = {}
    expect = expect or {"fentry": "fentry", "kprobe": "kprobe"}
    for mech in ("fentry", "kprobe"):
        tag = "VNL-JSON-%s " % mech
        text = "".join(l[len(tag):] for l in lines if l.startswith(tag))
        try:
            reports[mech] = json.loads(text)
        except ValueError:
            reports[mech] = None
        check(reports[mech] is not None, "%s run in the guest gave a JSON report" % mech)
    probe = probe_from_console(console)
    loads = probe and probe.get("mechanisms", {}).get("skb_loads")
    check(loads in ("numbers", "untrusted memory"),
          "the guest's kernel (tp_btf, no untrusted memory yet) lets its programs read skb->head "
          "and ->data with plain loads, not helper calls (skb loads: %s)" % loads)
    mech = probe.get("mechanisms", {}) if probe else {}
    if mech.get("fentry"):  # BPF trampolines: one program may stand in for others' functions
        check(mech.get("parser_ext") is True,
              "the guest's kernel has BPF trampolines, so its tp_btf programs share one parser "
              "(freplace), verified once (parser_ext: %s, %s)"
              % (mech.get("parser_ext"), mech.get("parser_ext_why", "")))
        log = "\n".join(l for l in lines if l.startswith("VNL-LOG-kprobe "))
        check("cannot put one parser in place" in log and "loading the programs again" in log,
              "kprobe run, the shared parser refused (VNETLAT_PARSER_EXT_REFUSED): the recorder "
              "says so and loads the programs again, each with its own (its pings are checked "
              "below)")
    for run, r in reports.items():
        if not r:
            continue
        mech = expect[run]
        label = run if run == mech else "%s run, by %s" % (run, mech)
        att = r["recording"]["attached"]
        check(att.get("tap.xmit_start") == mech + "/tun_net_xmit",
              "%s: tap.xmit_start attached as %s/tun_net_xmit (got %s)" % (label, mech, att.get("tap.xmit_start")))
        check(att.get("vmm.write") == mech + "/tun_get_user",
              "%s: vmm.write attached as %s/tun_get_user (got %s)" % (label, mech, att.get("vmm.write")))
        tg, fg = direction(r, "to_guest"), direction(r, "from_guest")
        check(tg and tg["complete"] >= 19 and "host.tap_xmit" in seg_names(tg),
              "%s: 19+ of 20 pings went tap.xmit_start -> tap.xmit (tun_net_xmit fired)" % label)
        check(fg and fg["complete"] >= 19 and "vmm.write" in seg_names(fg),
              "%s: 19+ of 20 replies have the vmm.write segment (tun_get_user fired)" % label)
        rt = [d for d in r["directions"] if d.get("initiator")]
        check(rt and rt[0]["packets"] >= 19, "%s: 19+ round trips paired" % label)


def joined(path, sent):
    r = json.load(open(path))
    j = r["journeys"]
    check(j["total"] > 0 and j["cross_kernel"] >= 0.95 * j["total"],
          "%d of %d journeys cover both kernels (>= 95%%)" % (j["cross_kernel"], j["total"]))
    tg, fg = direction(r, "to_guest"), direction(r, "from_guest")
    for d, want, name in ((tg, TO_GUEST_SEGMENTS, "to_guest"), (fg, FROM_GUEST_SEGMENTS, "from_guest")):
        have = seg_names(d)
        missing = [s for s in want if s not in have]
        check(not missing, "%s: every segment that fires here is present (missing: %s)" % (name, missing))
        check(d and d["complete"] >= sent, "%s: %d journeys complete (sent %d requests)" %
              (name, d["complete"] if d else 0, sent))
    not_observed = set(r["recording"]["not_observed"])
    check(all(h in not_observed for h in KVM_HOPS if h in r["recording"]["attached"]),
          "kvm hops, which cannot fire under TCG, are marked not observed")
    c = r.get("clock", {})
    check(c.get("source") == "estimated" and c.get("offset_ns") is not None and
          0 < c.get("bound_ns", 0) < 5000000,
          "clock offset estimated with a bound (%s ns +/- %s ns)" % (c.get("offset_ns"), c.get("bound_ns")))
    g = r.get("guests", [{}])[0]
    check(g.get("hostname") not in (None, "", "?") and g.get("kernel") not in (None, "", "?"),
          "the guest is described: host %s, kernel %s" % (g.get("hostname"), g.get("kernel")))
    check(g.get("lost_events") == 0 and g.get("lost_link_spool") == 0 and r["lost_events"] == 0,
          "no event lost, in the host, the guest or the link")
    rt = next((d for d in r["directions"] if d.get("initiator") == "remote"), None)
    b = rt.get("boundary_exact") if rt else None
    check(b is not None and b["count"] >= sent,
          "offset-free round-trip boundary sum for %s round trips" % (b["count"] if b else 0))
    check(b is not None and b["max_mismatch_ns"] <= 2000,
          "deliver + transmit from the estimated offset match the offset-free sum (max %s ns)" %
          (b["max_mismatch_ns"] if b else None))
    return r


def probe_from_console(console):
    tag = "VNL-JSON-probe "
    lines = open(console, errors="replace").read().splitlines()
    try:
        return json.loads("".join(l[len(tag):] for l in lines if l.startswith(tag)))
    except ValueError:
        return None


def arch(path, console, host_probe_path, want_machine):
    r = json.load(open(path))
    g = r.get("guests", [{}])[0]
    host_kernel, guest_kernel = r["recording"].get("kernel", ""), g.get("kernel", "")
    check(guest_kernel.endswith(" " + want_machine) and not host_kernel.endswith(" " + want_machine),
          "one recording of two architectures: host %s, guest %s" % (host_kernel, guest_kernel))
    probe, host_probe = probe_from_console(console), json.load(open(host_probe_path))
    check(probe is not None, "vnetlat -j probe ran in the %s guest and printed JSON" % want_machine)
    if probe is None:
        return
    hops = probe["hops"]
    want = [h["hop"] for h in host_probe["hops"]]
    listed = [h["hop"] for h in hops]
    unsaid = [h["hop"] for h in hops if not h.get("mechanism") or
              (h["mechanism"] == "unavailable" and not h.get("why")) or
              (h["mechanism"] != "unavailable" and not h.get("attach"))]
    check(listed == want and not unsaid,
          "its probe lists every hop (%d) with its mechanism, or why none (not said: %s)" %
          (len(listed), unsaid))
    mechs = {}
    for h in hops:
        mechs[h["mechanism"]] = mechs.get(h["mechanism"], 0) + 1
    print("# guest probe: " + ", ".join("%s %d" % kv for kv in sorted(mechs.items())) +
          "; mechanisms: " + json.dumps(probe.get("mechanisms")))
    attached = r["recording"]["attached"]
    usable = {h["hop"]: h["attach"] for h in hops
              if h["hop"].startswith("guest.") and h["mechanism"] != "unavailable"}
    wrong = {h: (a, attached.get(h)) for h, a in usable.items() if attached.get(h) != a}
    check(usable and not wrong,
          "every guest hop its probe offers (%d) was attached by the mechanism the probe named "
          "(differing: %s)" % (len(usable), wrong))
    by_fn = sorted(h for h, a in usable.items() if a.split("/")[0] in ("fentry", "kprobe"))
    print("# guest hops attached to kernel functions: " +
          ", ".join("%s (%s)" % (h, usable[h]) for h in by_fn))
    check(by_fn, "the guest's function hops attach there (fentry or kprobe): %d" % len(by_fn))


VHOST_FNS = {"vhost.handle_rx": "handle_rx", "vhost.signal": "vhost_add_used_and_signal_n",
             "vhost.handle_tx": "handle_tx"}


def vhost(console):
    text = open(console, errors="replace").read()
    check("ready on tapv through vhost-net" in text,
          "vmm-standin set up /dev/vhost-net's rings on the tap (%s)" %
          next((l for l in text.splitlines() if l.startswith("VNL-STANDIN")), "no word from it"))
    probe = probe_from_console(console)
    hops = {h["hop"]: h for h in probe["hops"]} if probe else {}
    offered = {h: hops.get(h, {}).get("attach") for h in VHOST_FNS}
    check(all(offered[h] == "fentry/" + fn for h, fn in VHOST_FNS.items()) and
          not any(hops[h].get("silent_here") for h in VHOST_FNS if h in hops),
          "the probe offers the vhost hops by fentry, able to fire (%s)" % offered)
    for mech in ("fentry", "kprobe"):
        tag = "VNL-JSON-%s " % mech
        try:
            r = json.loads("".join(l[len(tag):] for l in text.splitlines() if l.startswith(tag)))
        except ValueError:
            check(False, "%s: a JSON report of the recording in the guest" % mech)
            continue
        att, seen = r["recording"]["attached"], r["recording"]["events_by_hop"]
        wrong = {h: att.get(h) for h, fn in VHOST_FNS.items() if att.get(h) != mech + "/" + fn}
        check(not wrong and all(seen.get(h, 0) > 0 for h in VHOST_FNS),
              "%s: the vhost hops attached by %s and fired (%s)" %
              (mech, mech, {h: seen.get(h, 0) for h in VHOST_FNS}))
        rr = re.search(r"VNL-RR-%s (\{.*\})" % mech, text)
        answered = json.loads(rr.group(1))["received"] if rr else 0
        sent = answered + 20  # the echoes and 20 pings
        tg, fg = direction(r, "to_guest"), direction(r, "from_guest")
        segs = {s["name"]: s["count"] for s in tg["segments"]} if tg else {}
        want = ("host.tap_queue", "vmm.vhost_rx", "vmm.vhost_signal")
        through = tg and tg["complete"] >= sent and all(segs.get(n, 0) >= 0.95 * sent for n in want)
        check(through,
              "%s: to_guest journeys through the worker, tap.xmit -> vhost.handle_rx -> vmm.read "
              "-> vhost.signal, for %d of %d packets (segments %s)" %
              (mech, min(segs.get(n, 0) for n in want), sent,
               {n: segs.get(n, 0) for n in want} if through else
               (segs, {h: n for h, n in seen.items() if h.startswith(("tap.", "vhost.", "vmm."))})))
        fsegs = {(s["from"], s["to"]): s["count"] for s in fg["segments"]} if fg else {}
        n_tx = fsegs.get(("vhost.handle_tx", "tap.receive"), 0)
        check(fg and fg["complete"] >= sent and n_tx >= 0.95 * sent,
              "%s: from_guest journeys begin at the worker's handle_tx (%d of %d packets)" %
              (mech, n_tx, sent))
        iface = r["recording"]["interfaces"][0] if r["recording"]["interfaces"] else {}
        worker = iface.get("vhost_worker", {})
        check(worker.get("name") == "vhost-%s" % iface.get("vm_pid") and worker.get("pid"),
              "%s: the report names the vhost worker as the VMM side of %s: %s pid %s" %
              (mech, iface.get("name"), worker.get("name"), worker.get("pid")))


def main():
    mode = sys.argv[1]
    if mode == "kfunc":  # kfunc CONSOLE [RUN=MECH,...]
        kfunc(sys.argv[2], dict(kv.split("=") for kv in sys.argv[3].split(",")) if len(sys.argv) > 3 else None)
    elif mode == "joined":
        joined(sys.argv[2], int(sys.argv[3]))
    elif mode == "vhost":
        vhost(sys.argv[2])
    elif mode == "arch":
        arch(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5])
    elif mode == "count":  # count REPORT.json HOP: events at a hop
        r = json.load(open(sys.argv[2]))
        print(r["recording"]["events_by_hop"].get(sys.argv[3], 0))
        return 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
