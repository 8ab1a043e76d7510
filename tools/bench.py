#!/usr/bin/env python3
"""make bench: what vnetlat costs, measured side by side in one run, as ratios.

On the built-in topology (remote namespace -> veth -> bridge -> tap -> a reader standing in
for the VMM) it floods UDP and counts what the reader gets, alternating configurations so the
machine's drift cancels out: untraced, empty programs on the same tracepoints (the floor),
vnetlat per packet, in-kernel aggregate, sampled 1/64, and an equivalent bpftrace program.
Then: cost per hop from the kernel's BPF statistics, request/response latency added, the
report's speed and memory on a large recording, and events lost at the maximum rate.
Writes BUILD/bench/results.json and prints a table.
"""
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import time

BUILD = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build")
TOOLS = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(BUILD, "bench")
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
FLOOD_S = float(os.environ.get("BENCH_FLOOD_S", "2"))
# the run-time flood, with the kernel's BPF statistics on (the rate flood runs without them)
COST_S = float(os.environ.get("BENCH_COST_S", "1"))
# each configuration's warm-up flood, not measured: a tracer's maps and caches reach their
# steady state before the rate is taken (bpftrace runs ~25% slower for its first second)
WARM_S = float(os.environ.get("BENCH_WARM_S", "1.5"))
# a comma-separated subset of CONFIGS: measures only those, skips the rest (while tuning)
ONLY = [c for c in os.environ.get("BENCH_CONFIGS", "").split(",") if c]
PREFIX = f"vnlb{os.getpid() % 100000}"
HOST, REMOTE = PREFIX + "-host", PREFIX + "-remote"
VNETLAT = os.path.join(BUILD, "vnetlat")
HOPS_TP = ["net_dev_queue", "net_dev_start_xmit", "net_dev_xmit", "netif_rx", "netif_receive_skb",
           "skb_copy_datagram_iovec"]
BPFTRACE = """
tracepoint:net:netif_rx, tracepoint:net:netif_receive_skb, tracepoint:net:net_dev_queue,
tracepoint:net:net_dev_start_xmit, tracepoint:net:net_dev_xmit { @ts[args->skbaddr] = nsecs; }
tracepoint:skb:skb_copy_datagram_iovec { @lat = hist(nsecs - @ts[args->skbaddr]); delete(@ts[args->skbaddr]); }
"""
started = []  # processes we started, ended by PID


def sh(*args, **kw):
    return subprocess.run(args, check=True, capture_output=True, text=True, **kw).stdout


def topo(cmd, *rest):
    env = dict(os.environ, VNL_BUILD=BUILD)
    return subprocess.run([os.path.join(TOOLS, "topology.sh"), cmd, PREFIX, *rest], env=env,
                          check=True, capture_output=True, text=True).stdout


def standin_pid():
    return int(open(f"/tmp/{PREFIX}.topo/standin.pid").read())


def frames_read():
    """Asks the reader (SIGUSR1) how many frames it has read; waits for its answer."""
    log = f"/tmp/{PREFIX}.topo/standin.log"
    before = open(log).read().count("read ")
    os.kill(standin_pid(), signal.SIGUSR1)
    for _ in range(200):
        lines = [l for l in open(log).read().splitlines() if l.startswith("read ")]
        if len(lines) > before:
            return int(lines[-1].split()[1])
        time.sleep(0.01)
    raise RuntimeError("the reader did not answer SIGUSR1")


def flood_pps(seconds=FLOOD_S):
    c0 = frames_read()
    t0 = time.monotonic()
    sh("ip", "netns", "exec", REMOTE, os.path.join(BUILD, "udp-rr"), "--dst", "198.18.0.2",
       "--flood", "--duration", f"{seconds}s")
    c1 = frames_read()
    return (c1 - c0) / (time.monotonic() - t0)


def start(args, ready, name):
    """Starts a tracer; returns once `ready` shows in its output. vnetlat runs in the host
    namespace to find its devices; the others trace globally (and need the root namespace's
    tracefs, which `ip netns exec` does not mount)."""
    log = open(os.path.join(OUT, f"{name}.log"), "w+")
    cmd = ["ip", "netns", "exec", HOST, *args] if args[0] == VNETLAT else args
    p = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    started.append(p)
    for _ in range(600):
        log.seek(0)
        if ready in log.read():
            time.sleep(0.2)
            return p
        if p.poll() is not None:
            break
        time.sleep(0.05)
    log.seek(0)
    raise RuntimeError(f"{name} did not start: {log.read()[-2000:]}")


def stop(p):
    if p.poll() is None:
        p.send_signal(signal.SIGINT)
        try:
            p.wait(timeout=60)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    started.remove(p)


def prog_stats(prefixes):
    """(run_time_ns, run_cnt) per tracepoint for programs whose names start with a prefix."""
    out = {}
    if not prefixes:
        return out
    for p in json.loads(sh("bpftool", "prog", "show", "-j")):
        name = p.get("name", "")
        for pre in prefixes:
            if not name.startswith(pre) or not p.get("run_cnt"):
                continue
            tp = name[len(pre):]
            full = next((t for t in HOPS_TP if t.startswith(tp) and tp), None)
            if full:
                out[full] = (p["run_time_ns"], p["run_cnt"])
    return out


def per_packet_ns(stats):
    """Run time of all six hops' programs per packet: every packet of the flood passes
    netif_rx once, while the transmit tracepoints also fire, untraced, on the sender's veth."""
    packets = stats.get("netif_rx", (0, 0))[1]
    if not packets or len(stats) < len(HOPS_TP):
        return None
    return sum(t for t, _ in stats.values()) / packets


def vnetlat_args(path, *extra):
    return [VNETLAT, "record", "-o", path, "--force", "--filter", "udp and host 198.18.0.2", *extra]


CONFIGS = {
    "untraced": None,
    "floor": ([os.path.join(BUILD, "bench-floor")], "attached", ["floor_"]),
    "packets": (None, "recording", ["btf_"]),
    "aggregate": (["--mode", "aggregate"], "recording", ["btf_"]),
    "sample64": (["--sample", "64"], "recording", ["btf_"]),
    # tail capture: aggregate mode keeping the whole path of the slowest 0.1%
    "keepslow": (["--mode", "aggregate", "--keep-slow", "p99.9"], "recording", ["btf_"]),
    "bpftrace": (["bpftrace", "-e", BPFTRACE], "Attaching", [""]),
}


def ppk_keys(r):
    return set(r["per_packet_ns"])


class bpf_stats:
    """kernel.bpf_stats_enabled for the run-time flood only: the statistics read the clock
    twice around every program run, a cost no deployment pays, so rates are measured without."""

    def __enter__(self):
        sh("sysctl", "-qw", "kernel.bpf_stats_enabled=1")

    def __exit__(self, *exc):
        sh("sysctl", "-qw", "kernel.bpf_stats_enabled=0")


def floods(prefixes):
    """Warm-up, then the packet rate without the statistics, then with them and the run time
    of the programs whose names start with a prefix: (pps, pps with statistics, run times)."""
    flood_pps(WARM_S)
    pps = flood_pps()
    with bpf_stats():
        return pps, flood_pps(COST_S), prog_stats(prefixes)


def run_config(name):
    cfg = CONFIGS[name]
    if cfg is None:
        return (*floods([]), None)
    args, ready, prefixes = cfg
    rec = None
    if name in ("packets", "aggregate", "sample64", "keepslow"):
        rec = os.path.join(OUT, f"{name}.vnl")
        args = vnetlat_args(rec, *(args or []))
    p = start(args, ready, name)
    try:
        pps, pps_stats, stats = floods(prefixes)
    finally:
        stop(p)
    lost = None
    if rec:
        r = json.loads(sh(VNETLAT, "report", "--json", rec))
        lost = {"lost": r["lost_events"], "recorded": r["recording"]["events"]}
    return pps, pps_stats, stats, lost


def rr_latency(tracer_args, name):
    p = start(tracer_args, "recording", name) if tracer_args else None
    try:
        out = sh("ip", "netns", "exec", REMOTE, os.path.join(BUILD, "udp-rr"), "--dst",
                 "198.18.0.2", "--count", "2000", "--interval", "500us")
    finally:
        if p:
            stop(p)
    return json.loads(out)


def report_speed():
    """vnetlat report on a large recording: events per second on one core, peak memory."""
    rec = os.path.join(OUT, "big.vnl")
    p = start(vnetlat_args(rec, "--ring-size", "256M"), "recording", "big")
    try:
        for _ in range(3):
            sh("ip", "netns", "exec", REMOTE, os.path.join(BUILD, "udp-rr"), "--dst", "198.18.0.2",
               "--flood", "--duration", "1s")
    finally:
        stop(p)
    # wait4 gives this child's own usage (RUSAGE_CHILDREN would include the recorders)
    t0 = time.monotonic()
    with open(os.path.join(OUT, "big.json"), "w") as out:
        p = subprocess.Popen(["taskset", "-c", "0", VNETLAT, "report", "--json", rec], stdout=out)
        _, status, usage = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    if status:
        raise RuntimeError(f"vnetlat report failed ({status})")
    events = json.load(open(os.path.join(OUT, "big.json")))["recording"]["events"]
    cpu = usage.ru_utime + usage.ru_stime
    return {"events": events, "seconds": round(wall, 3), "cpu_seconds": round(cpu, 3),
            "events_per_s": round(events / max(cpu, 1e-9)), "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
            "file_mb": round(os.path.getsize(rec) / 2**20, 1)}


FIRST_RE = re.compile(r"first packet recorded ([0-9.]+) s after start")


def first_packet_s(args, name):
    """Starts a recorder while packets flow; seconds from its start to its first packet."""
    p = start(args, "first packet recorded", name)
    try:
        log = open(os.path.join(OUT, f"{name}.log")).read()
    finally:
        stop(p)
    m = FIRST_RE.search(log)
    return float(m.group(1)) if m else None


def startup_host():
    """record (both modes) and live, each started while a ping every 10 ms flows."""
    ping = subprocess.Popen(["ip", "netns", "exec", REMOTE, "ping", "-q", "-i", "0.01",
                             "198.18.0.2"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    started.append(ping)
    port = 20000 + os.getpid() % 20000
    configs = {
        "record": [VNETLAT, "record", "-o", os.path.join(OUT, "st-pk.vnl"), "--force"],
        # the probe's answer is kept per kernel (/var/cache/vnetlat): this is a first start
        "record, probing afresh": ["ip", "netns", "exec", HOST, "env", "VNETLAT_NO_PROBE_CACHE=1",
                                   VNETLAT, "record", "-o", os.path.join(OUT, "st-pk.vnl"),
                                   "--force"],
        "record --mode aggregate": [VNETLAT, "record", "-o", os.path.join(OUT, "st-agg.vnl"),
                                    "--force", "--mode", "aggregate"],
        "live": ["ip", "netns", "exec", HOST, VNETLAT, "live", "--prometheus",
                 f"127.0.0.1:{port}"],
    }
    out = {}
    try:
        for rnd in range(ROUNDS):
            for name, args in configs.items():
                out.setdefault(name, []).append(first_packet_s(args, "startup"))
    finally:
        stop(ping)
    return out


def startup_guest():
    """vnetlat agent in the test guest (QEMU under TCG), three runs, while the host pings it."""
    guest = os.path.join(BUILD, "guest", "initrd.img")
    if not os.path.exists(guest):
        return {"skipped": "no test guest (make guest)"}
    topo("down")
    topo("up", "vm")
    topo("vm-start", "startup", f"vnlbench{os.getpid()}")
    ping = subprocess.Popen(["ip", "netns", "exec", REMOTE, "ping", "-q", "-i", "0.01",
                             "198.18.0.2"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    started.append(ping)
    console = f"/tmp/{PREFIX}.topo/console.log"
    try:
        for _ in range(1600):  # four runs, each up to 30 s to say
            if "VNL-STARTUP-DONE" in open(console, errors="replace").read():
                break
            time.sleep(0.1)
    finally:
        stop(ping)
        topo("vm-stop")
    text = open(console, errors="replace").read()
    runs = re.findall(r"VNL-STARTUP (?:recorded ([0-9.]+) s|none)", text)
    runs = [float(r) if r else None for r in runs]
    verbose = re.findall(r"VNL-STARTUP-VERBOSE (?:recorded ([0-9.]+) s|none)", text)
    phases = re.findall(r"VNL-STARTUP-PHASES startup: (.*)", text)
    # the first run probes (and its binary is read in for the first time since boot); the
    # others take the probe's answer from the cache, as an agent restarted does; the last,
    # with -v, says where its time went (and is slower for libbpf's debug output)
    return {"agent, probing afresh": runs[:1], "agent": runs[1:],
            "agent -v": [float(v) if v else None for v in verbose],
            "phases with -v": [p.strip() for p in phases]}


def report_day():
    """vnetlat report on a day of aggregate mode: the request/response run's recording (a
    busy VM's windows, 100 ms each) played for 24 h by tools/vnl-stretch.py."""
    src, day = os.path.join(OUT, "rr-agg.vnl"), os.path.join(OUT, "day.vnl")
    try:
        sh(sys.executable, os.path.join(TOOLS, "vnl-stretch.py"), src, day, "86400")
        out = {"file_gb": round(os.path.getsize(day) / 2**30, 2)}
        for name, extra in (("report", []), ("report --window 10m", ["--window", "10m"])):
            t0 = time.monotonic()
            with open(os.path.join(OUT, "day.txt"), "w") as f:
                p = subprocess.Popen([VNETLAT, "report", *extra, day], stdout=f)
                _, status, usage = os.wait4(p.pid, 0)
            if status:
                raise RuntimeError(f"vnetlat {name} on a day failed ({status})")
            out[name] = {"seconds": round(time.monotonic() - t0, 2),
                         "peak_rss_mb": round(usage.ru_maxrss / 1024, 1)}
        return out
    finally:
        if os.path.exists(day):
            os.unlink(day)


def ensure_tracefs():
    """bpftrace finds tracepoints through tracefs, which a new machine may not have mounted
    (vnetlat itself needs none)."""
    if not os.path.isdir("/sys/kernel/tracing/events"):
        subprocess.run(["mount", "-t", "tracefs", "nodev", "/sys/kernel/tracing"], check=False)


def main():
    os.makedirs(OUT, exist_ok=True)
    ensure_tracefs()
    old_stats = sh("sysctl", "-n", "kernel.bpf_stats_enabled").strip()
    sh("sysctl", "-qw", "kernel.bpf_stats_enabled=0")
    results = {"rounds": ROUNDS, "flood_s": FLOOD_S, "cost_s": COST_S, "pps": {}, "pps_stats": {},
               "per_hop_ns": {}, "per_packet_ns": {}, "lost": {}}
    try:
        topo("up", "sink")
        flood_pps(0.5)  # warm up
        order = ONLY or list(CONFIGS)
        for rnd in range(ROUNDS):
            for name in (order if rnd % 2 == 0 else order[::-1]):
                pps, pps_stats, stats, lost = run_config(name)
                results["pps"].setdefault(name, []).append(round(pps))
                results["pps_stats"].setdefault(name, []).append(round(pps_stats))
                for tp, (ns, cnt) in stats.items():
                    results["per_hop_ns"].setdefault(name, {}).setdefault(tp, []).append(round(ns / cnt, 1))
                ppk = per_packet_ns(stats)
                if ppk is not None:
                    results["per_packet_ns"].setdefault(name, []).append(round(ppk, 1))
                if lost:
                    results["lost"].setdefault(name, []).append(lost)
                print(f"  round {rnd + 1} {name:10s} {pps / 1000:8.1f} kpps", flush=True)
        if ONLY:
            return print_partial(results)
        topo("standin", "0")
        rr_configs = {
            "untraced": None,
            "aggregate": vnetlat_args(os.path.join(OUT, "rr-agg.vnl"), "--mode", "aggregate"),
            "packets": vnetlat_args(os.path.join(OUT, "rr-pk.vnl")),
        }
        results["rr"] = {}
        for rnd in range(ROUNDS):  # alternated too: idle CPUs' wake-up time drifts as much
            names = list(rr_configs) if rnd % 2 == 0 else list(rr_configs)[::-1]
            for name in names:
                results["rr"].setdefault(name, []).append(rr_latency(rr_configs[name], f"rr-{name}"))
        topo("standin", "sink")
        results["report"] = report_speed()
        results["day"] = report_day()
        results["startup"] = startup_host()
        results["startup_guest"] = startup_guest()
    finally:
        for p in list(started):
            stop(p)
        subprocess.run([os.path.join(TOOLS, "topology.sh"), "down", PREFIX], capture_output=True,
                       env=dict(os.environ, VNL_BUILD=BUILD))
        sh("sysctl", "-qw", f"kernel.bpf_stats_enabled={old_stats}")
    summarize(results)
    with open(os.path.join(OUT, "results.json"), "w") as f:
        json.dump(results, f, indent=1)
    print(f"\nresults: {os.path.join(OUT, 'results.json')}")


def print_partial(r):
    for k, v in r["pps"].items():
        hop = {tp: med(ns) for tp, ns in r["per_hop_ns"].get(k, {}).items()}
        ppk = r["per_packet_ns"].get(k)
        print(f"  {k:10s} {med(v) / 1000:8.1f} kpps ({med(r['pps_stats'][k]) / 1000:.1f} with statistics)  " +
              (f"per packet {med(ppk):.0f} ns  " if ppk else "") +
              ", ".join(f"{tp} {ns:.0f}" for tp, ns in sorted(hop.items())))


def med(xs):
    return statistics.median(xs) if xs else float("nan")


def summarize(r):
    pps = {k: med(v) for k, v in r["pps"].items()}
    base = pps["untraced"]
    loss = {k: 1 - v / base for k, v in pps.items()}
    pps_stats = {k: med(v) for k, v in r["pps_stats"].items()}
    loss_stats = {k: 1 - v / pps_stats["untraced"] for k, v in pps_stats.items()}
    hop = {k: {tp: med(v) for tp, v in d.items()} for k, d in r["per_hop_ns"].items()}
    floor = hop.get("floor", {})

    def net(cfg):
        d = hop.get(cfg, {})
        tps = [tp for tp in d if tp in floor]
        return med([d[tp] - floor[tp] for tp in tps]) if tps else float("nan")

    per_hop_median = {k: net(k) for k in ("packets", "aggregate", "sample64", "keepslow", "bpftrace")
                      if k in ppk_keys(r)}
    # the targets' figure: all six hops' run time per packet, net of the floor's, over six
    ppk = {k: med(v) for k, v in r["per_packet_ns"].items()}
    per_hop = {k: (ppk[k] - ppk["floor"]) / len(HOPS_TP) for k in per_hop_median}
    rr = {m: {q: med([x[q] for x in runs]) for q in ("rtt_p50_us", "rtt_p99_us")}
          for m, runs in r["rr"].items()}
    add = {m: {"p50_us": round(rr[m]["rtt_p50_us"] - rr["untraced"]["rtt_p50_us"], 1),
               "p99_us": round(rr[m]["rtt_p99_us"] - rr["untraced"]["rtt_p99_us"], 1)} for m in ("aggregate", "packets")}
    lost = {k: [f"{x['lost']}/{x['lost'] + x['recorded']}" for x in v] for k, v in r["lost"].items()}
    startup = {k: med([x for x in v if x is not None]) if all(x is not None for x in v) else float("nan")
               for k, v in {**r.get("startup", {}), **{k: v for k, v in r.get("startup_guest", {}).items()
                                                       if isinstance(v, list) and not k.startswith("phases")}}.items()}
    targets = [
        ("first packet recorded <= 1 s after start: record, record --mode aggregate, live, and "
         "record probing afresh (host)",
         all(startup.get(k, 99) <= 1.0 for k in ("record", "record --mode aggregate", "live",
                                                 "record, probing afresh"))),
        ("first packet recorded <= 1 s after start: agent, probe cached (test guest, TCG)",
         startup.get("agent", 99) <= 1.0),
        ("aggregate per-hop cost <= 1/2 of bpftrace's (net of floor)", per_hop["aggregate"] <= 0.5 * per_hop["bpftrace"]),
        ("packets per-hop cost <= 0.8x bpftrace's (net of floor)", per_hop["packets"] <= 0.8 * per_hop["bpftrace"]),
        ("aggregate rate loss <= 1/2 of bpftrace's", loss["aggregate"] <= 0.5 * loss["bpftrace"]),
        ("aggregate rate loss <= 2x the floor's", loss["aggregate"] <= 2 * max(loss["floor"], 0.005)),
        ("packets rate loss <= 0.8x bpftrace's", loss["packets"] <= 0.8 * loss["bpftrace"]),
        ("sampled 1/64 rate loss <= 1.5x the floor's", loss["sample64"] <= 1.5 * max(loss["floor"], 0.005)),
        ("aggregate adds <= 2 us at p50 (request/response)", add["aggregate"]["p50_us"] <= 2.0),
        ("report reads >= 5 M events/s on one core", r["report"]["events_per_s"] >= 5e6),
        ("report of a day of aggregate mode in <= 200 MB (and with --window 10m)",
         all(v["peak_rss_mb"] <= 200 for k, v in r["day"].items() if isinstance(v, dict))),
        ("no event lost in aggregate mode", all(x["lost"] == 0 for x in r["lost"].get("aggregate", []))),
        ("no event lost sampled 1/64", all(x["lost"] == 0 for x in r["lost"].get("sample64", []))),
        ("keep-slow p99.9 per-packet cost within 10% of aggregate's (net of floor)",
         "keepslow" in per_hop and per_hop["keepslow"] <= 1.1 * per_hop["aggregate"]),
    ]
    r["summary"] = {"pps_median": pps, "rate_loss": loss, "pps_stats_median": pps_stats,
                    "rate_loss_stats": loss_stats, "per_hop_net_ns": per_hop,
                    "per_packet_ns": ppk, "per_hop_median_net_ns": per_hop_median, "rr": rr,
                    "per_hop_ns": hop, "rr_added": add, "lost_events": lost,
                    "startup_s": startup,
                    "targets": [{"target": t, "met": bool(m)} for t, m in targets]}
    print(f"\nPacket rate (median of {r['rounds']} alternated rounds; untraced {base / 1000:.0f} kpps;"
          " then with kernel.bpf_stats_enabled, as in the cost flood):")
    for k in CONFIGS:
        print(f"  {k:10s} {pps[k] / 1000:8.1f} kpps  loss {loss[k] * 100:5.1f}%    with statistics "
              f"{pps_stats[k] / 1000:8.1f} kpps  loss {loss_stats[k] * 100:5.1f}%")
    print("\nCost per hop (kernel.bpf_stats_enabled): the six hops' run time per packet, net of the "
          "floor's, over six;\nthen the median hop's net run time per invocation, and each hop's raw:")
    for k, v in per_hop.items():
        print(f"  {k:10s} {v:6.0f} ns  (per packet {ppk[k]:5.0f} ns; median hop {per_hop_median[k]:4.0f} ns)  raw: " +
              ", ".join(f"{tp} {ns:.0f}" for tp, ns in sorted(hop.get(k, {}).items())))
    print(f"  floor      per packet {ppk['floor']:5.0f} ns  raw: " + ", ".join(f"{tp} {ns:.0f}" for tp, ns in sorted(floor.items())))
    print(f"\nRequest/response (udp-rr, 2000 x 64 B, median of {r['rounds']} alternated rounds): "
          f"untraced p50 {rr['untraced']['rtt_p50_us']} us, p99 {rr['untraced']['rtt_p99_us']} us; added:")
    for m, v in add.items():
        print(f"  {m:10s} p50 {v['p50_us']:+.1f} us  p99 {v['p99_us']:+.1f} us")
    rep = r["report"]
    print(f"\nvnetlat report: {rep['events']} events in {rep['cpu_seconds']} s CPU = "
          f"{rep['events_per_s'] / 1e6:.2f} M events/s, peak RSS {rep['peak_rss_mb']} MB "
          f"(file {rep['file_mb']} MB; untraced rate this run {base / 1000:.0f} kpps)")
    day = r["day"]
    print(f"\nvnetlat report on 24 h of aggregate mode ({day['file_gb']} GB, the request/response "
          "run's windows played for a day): " +
          ", ".join(f"{k} {v['seconds']} s, peak RSS {v['peak_rss_mb']} MB"
                    for k, v in day.items() if isinstance(v, dict)))
    print(f"\nStart to the first packet recorded (median of {r['rounds']}; a ping every 10 ms flowing): " +
          ", ".join(f"{k} {v:.3f} s" for k, v in startup.items()) +
          (f"; guest: {r['startup_guest']['skipped']}" if "skipped" in r.get("startup_guest", {}) else
           " (agent: in the test guest under TCG)"))
    for phases in r.get("startup_guest", {}).get("phases with -v", []):
        print(f"  agent -v in the guest: {phases}")
    print(f"\nEvents lost at the maximum rate (lost/total, default 16M ring): {lost}")
    print("\nTargets:")
    for t, m in targets:
        print(f"  [{'met' if m else 'MISSED'}] {t}")


if __name__ == "__main__":
    main()
