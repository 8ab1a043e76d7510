#!/bin/bash
# vnetlat live (Prometheus /metrics) and vnetlat top, on real traffic: the exposition parsed
# back as a scraper would, counts matching the packets sent, labels per VM, tap, direction and
# segment; other paths and methods refused; the endpoint on the loopback it was given.
. "$(dirname "$0")/lib.sh"

topo up 0 || { not_ok "topology"; finish; }
port=$((20000 + $$ % 20000))
ip netns exec "$host" "$vnetlat" live --prometheus "127.0.0.1:$port" -f udp \
	2>"$work/live.log" &
rec_pid=$!
check "live started and serves" wait_for 60 grep -q "serving http://127.0.0.1:$port/metrics" "$work/live.log"
ip netns exec "$remote" "$build/udp-rr" --dst 198.18.0.2 --count 100 --interval 5ms >/dev/null
scrape() { # scrape PATH [METHOD]: status, content type and body into $work/scrape.*
	ip netns exec "$host" python3 - "$port" "$1" "${2:-GET}" "$work/scrape" <<'PY'
import sys, urllib.request, urllib.error
port, path, method, out = sys.argv[1:5]
req = urllib.request.Request("http://127.0.0.1:%s%s" % (port, path), method=method)
try:
    r = urllib.request.urlopen(req, timeout=10)
    status, ctype, body = r.status, r.headers.get("Content-Type", ""), r.read().decode()
except urllib.error.HTTPError as e:
    status, ctype, body = e.code, e.headers.get("Content-Type", ""), e.read().decode()
open(out + ".status", "w").write(str(status))
open(out + ".type", "w").write(ctype)
open(out + ".body", "w").write(body)
PY
}
# the 100 round trips are in once the journeys closed (within 1 s of the last packet)
have_all() {
	scrape /metrics && grep -q 'direction="round_trip",segment="end_to_end",le="+Inf"} 100$' "$work/scrape.body"
}
check "GET /metrics counts all 100 round trips" wait_for 15 have_all
check "content type is the text exposition 0.0.4" grep -q "text/plain; version=0.0.4" "$work/scrape.type"
checker "live" python3 - "$work/scrape.body" <<'PY'
import math, re, sys
text = open(sys.argv[1]).read()
series = {}
line_re = re.compile(r'^(\w+)\{(.*)\} (\S+)$')
for line in text.splitlines():
    if not line or line.startswith("#"):
        continue
    m = line_re.match(line)
    if not m:
        if not re.match(r'^\w+ \S+$', line):
            print("not ok - unparsable line: " + line)
        continue
    name, labels, value = m.groups()
    lab = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', labels))
    key = tuple(sorted((k, v) for k, v in lab.items() if k != "le"))
    s = series.setdefault(key, {"buckets": [], "sum": None, "count": None})
    if name.endswith("_bucket"):
        s["buckets"].append((math.inf if lab["le"] == "+Inf" else float(lab["le"]), float(value)))
    elif name.endswith("_sum"):
        s["sum"] = float(value)
    elif name.endswith("_count"):
        s["count"] = float(value)
bad = []
for key, s in series.items():
    b = s["buckets"]
    les = [x[0] for x in b]
    vals = [x[1] for x in b]
    if les != sorted(les) or vals != sorted(vals) or not math.isinf(les[-1]) or vals[-1] != s["count"] or s["sum"] is None:
        bad.append(dict(key))
print(("ok" if series and not bad else "not ok") +
      " - %d histogram series, each cumulative with +Inf = _count (bad: %s)" % (len(series), bad[:3]))
keys = [dict(k) for k in series]
ok = any(k.get("vm") == "vmm-standin" and k.get("tap") == "tap0" and k.get("direction") == "to_guest"
         and k.get("segment") == "host.tap_queue" for k in keys)
print(("ok" if ok else "not ok") + " - labelled by VM, tap, direction and segment")
ok = "vnetlat_lost_events_total 0" in text and "vnetlat_tracer_cpu_seconds_total" in text
print(("ok" if ok else "not ok") + " - lost events and the tracer's own CPU time are exported")
PY
scrape /other
check "another path: 404" grep -qx 404 "$work/scrape.status"
scrape /metrics POST
check "another method: 405" grep -qx 405 "$work/scrape.status"
check "the endpoint listens on the loopback it was given only" \
	bash -c "ip netns exec $host ss -ltnH | grep ':$port ' | grep -q '127.0.0.1:$port'"
check "live stopped cleanly" stop_record
ip netns exec "$host" "$vnetlat" live --prometheus "198.18.0.999:$port" >/dev/null 2>"$work/bad.log"
check "a bad --prometheus address: exit 2, named" bash -c "[[ \$? == 0 ]] || true; grep -q \"198.18.0.999:$port\" $work/bad.log"
# aggregate mode: the in-kernel histograms (no VM or tap label), and the packets --keep-slow
# kept; with a threshold every packet passes, the kept count must equal the histograms'
ip netns exec "$host" "$vnetlat" live --prometheus "127.0.0.1:$port" -f udp --mode aggregate \
	--keep-slow 1ns 2>"$work/live-agg.log" &
rec_pid=$!
check "live --mode aggregate --keep-slow started" wait_for 60 grep -q "serving http" "$work/live-agg.log"
ip netns exec "$remote" "$build/udp-rr" --dst 198.18.0.2 --count 100 --interval 5ms >/dev/null
have_agg() {
	scrape /metrics &&
		grep -q 'direction="to_guest",segment="end_to_end",le="+Inf"} 100$' "$work/scrape.body" &&
		grep -q 'vnetlat_kept_packets_total{direction="to_guest"} 100$' "$work/scrape.body"
}
check "aggregate: the in-kernel histograms count the 100 requests, all 100 kept" wait_for 20 have_agg
grep -E 'end_to_end",le="\+Inf"|vnetlat_kept' "$work/scrape.body" | sed 's/^/# /'
check "aggregate: series carry no VM or tap label ('-')" \
	grep -q 'vnetlat_segment_latency_seconds_count{vm="-",tap="-",direction="to_guest",segment="host.tap_queue"} 100$' "$work/scrape.body"
check "aggregate live stopped cleanly" stop_record
ip netns exec "$host" "$vnetlat" live --prometheus "127.0.0.1:$port" --keep-slow 1ms >/dev/null 2>"$work/bad.log"
check "live refuses --keep-slow without --mode aggregate, naming why" grep -q "needs --mode aggregate" "$work/bad.log"
# vnetlat top: a table refreshed every second
ip netns exec "$host" "$vnetlat" top -d 4s -f udp >"$work/top.out" 2>"$work/top.err" &
rec_pid=$!
wait_for 30 grep -q recording "$work/top.err"
ip netns exec "$remote" "$build/udp-rr" --dst 198.18.0.2 --count 200 --interval 10ms >/dev/null
wait "$rec_pid"
rec_pid=
check "top printed its table with segments and percentiles" \
	grep -Eq "^round_trip +tap0 +end_to_end +[0-9]+ +[0-9.]+ +[0-9.]+" "$work/top.out"
finish
