#!/bin/bash
# The command line as a user meets it: help, version, exit codes, errors that name what is
# wrong, probe, --force, --vm, --filter, grouping, and reading a damaged recording.
. "$(dirname "$0")/lib.sh"

expect_exit() { # expect_exit CODE PATTERN COMMAND...: exit code and a stderr/stdout pattern
	local code=$1 pattern=$2 out rc
	shift 2
	out=$("$@" 2>&1)
	rc=$?
	[[ $rc == "$code" ]] || { echo "# exit $rc, wanted $code: $out"; return 1; }
	[[ -z $pattern ]] || grep -qE -- "$pattern" <<<"$out" || { echo "# no '$pattern' in: $out"; return 1; }
}

check "--version" expect_exit 0 '^vnetlat [0-9]+\.[0-9]+' "$vnetlat" --version
check "--help lists the commands" expect_exit 0 'record.*report.*dump.*probe' bash -c "'$vnetlat' --help | tr '\n' ' '"
for c in record report dump probe; do
	check "$c --help" expect_exit 0 "Usage: vnetlat $c" "$vnetlat" "$c" --help
done
check "unknown command: exit 2" expect_exit 2 "unknown command 'frobnicate'" "$vnetlat" frobnicate
check "record without -o: exit 2" expect_exit 2 '-o FILE is required' "$vnetlat" record
check "bad filter points at the word" expect_exit 2 "at 'prot' \(word 3\)" "$vnetlat" record -o "$work/x.vnl" -f 'udp and prot 5001'
check "bad duration names the value" expect_exit 2 "--duration '5 parsecs'" "$vnetlat" record -o "$work/x.vnl" -d '5 parsecs'
check "bad ring size" expect_exit 2 "--ring-size '1T'" "$vnetlat" record -o "$work/x.vnl" --ring-size 1T
check "unknown interface is named" expect_exit 2 "interface 'nosuch0'" "$vnetlat" record -o "$work/x.vnl" -i nosuch0
check "--by takes vm|iface|flow" expect_exit 2 "--by 'cpu'" "$vnetlat" report --by cpu "$work/x.vnl"
check "report of a missing file: exit 1" expect_exit 1 'No such file' "$vnetlat" report "$work/none.vnl"
echo "not a recording but long enough to have a header" >"$work/text.vnl"
check "report of a non-recording: exit 3" expect_exit 3 'not a vnetlat recording' "$vnetlat" report "$work/text.vnl"

unpriv=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all)
if "${unpriv[@]}" "$vnetlat" --version >/dev/null 2>&1; then
	check "unprivileged record: exit 4 naming the missing capabilities" expect_exit 4 \
		'CAP_BPF, CAP_PERFMON' "${unpriv[@]}" "$vnetlat" record -o "$work/unpriv.vnl" -i lo
else
	ok "# skip unprivileged record: user nobody cannot run $vnetlat here (a private directory)"
fi

# probe names every hop with its mechanism, and why the unavailable ones are
"$vnetlat" -j probe >"$work/probe.json"
check "probe --json" python3 - "$work/probe.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
hops = {h["hop"]: h for h in p["hops"]}
need = ["uplink.rx", "uplink.receive", "tap.queue", "tap.xmit_start", "tap.xmit", "vmm.read",
        "tap.receive", "uplink.queue", "uplink.xmit_start", "uplink.xmit", "drop", "kvm.irq",
        "vhost.handle_rx", "vmm.write"]
missing = [h for h in need if h not in hops]
assert not missing, missing
for h in p["hops"]:
    assert h["mechanism"] in ("tp_btf", "raw_tp", "fentry", "kprobe", "unavailable"), h
    if h["mechanism"] == "unavailable":
        assert h.get("why"), h
    else:
        assert h["attach"], h
assert hops["tap.queue"]["mechanism"] in ("tp_btf", "raw_tp")
assert p["mechanisms"]["skb_loads"] in ("helper", "numbers", "untrusted memory"), p["mechanisms"]
PY
VNETLAT_SKB_LOADS=helper "$vnetlat" -j probe >"$work/probe-helper.json"
check "VNETLAT_SKB_LOADS=helper: probe says so" python3 -c "
import json; assert json.load(open('$work/probe-helper.json'))['mechanisms']['skb_loads'] == 'helper'"
check "probe text lists every hop" bash -c "[ \$('$vnetlat' probe | grep -cE '^(uplink|tap|vmm|vhost|kvm|drop)') -ge 22 ]"

topo up 0 >/dev/null || { not_ok "topology up"; finish; }
standin=$(cat "${TMPDIR:-/tmp}/$prefix.topo/standin.pid")

# -o onto an existing file is refused, --force replaces it
echo keep >"$work/exists.vnl"
check "-o onto an existing file: refused" expect_exit 2 'use --force' ip netns exec "$host" "$vnetlat" record -o "$work/exists.vnl" -d 1s
check "... and left alone" grep -q keep "$work/exists.vnl"

# --vm finds the stand-in's tap; a filter keeps only UDP; --force replaces the file
start_record "$work/exists.vnl" --vm "$standin" --force --filter udp
check "the recorder holds no capability once attached" grep -qE '^CapEff:[[:space:]]+0+$' "/proc/$rec_pid/status"
ip netns exec "$remote" ping -q -c 5 -i 0.02 198.18.0.2 >/dev/null
ip netns exec "$remote" "$build/udp-rr" --dst 198.18.0.2 --count 5 --interval 10ms >/dev/null
sleep 0.5 # a second burst lands in later blocks of the file
ip netns exec "$remote" "$build/udp-rr" --dst 198.18.0.2 --count 20 --interval 5ms >/dev/null
check "record --vm stops cleanly" stop_record
"$vnetlat" report --json --by vm "$work/exists.vnl" >"$work/vm.json"
check "--vm traced the stand-in's tap, --filter udp kept only UDP, --by vm groups" python3 - "$work/vm.json" "$standin" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
ifs = r["recording"]["interfaces"]
assert [i["name"] for i in ifs] == ["tap0"], ifs
assert ifs[0]["vm_pid"] == int(sys.argv[2]), ifs
to = [d for d in r["directions"] if d["direction"] == "to_guest"][0]
assert to["packets"] == 25, to["packets"]         # 25 UDP requests, no ICMP
assert r["by"] == "vm" and len(r["groups"]) == 1 and "vmm-standin" in r["groups"][0]["key"], r.get("groups")
PY

# the raw_tp fallback (kernels without tp_btf) records the same path
VNETLAT_NO_TP_BTF=1 "$vnetlat" -j probe >"$work/probe-raw.json"
check "VNETLAT_NO_TP_BTF=1: probe chooses raw_tp" python3 -c "
import json; h = {x['hop']: x for x in json.load(open('$work/probe-raw.json'))['hops']}
assert h['tap.queue']['mechanism'] == 'raw_tp' and h['vmm.read']['mechanism'] == 'raw_tp', h['tap.queue']"

# the same pings through each way of reading the skb: raw_tp (helper calls), tp_btf with
# helper calls (VNETLAT_SKB_LOADS=helper), and tp_btf as this kernel's probe chose
pings_both_ways() { # pings_both_ways NAME MECHANISM VAR=VALUE
	local name=$1 mech=$2
	local -x "$3"
	start_record "$work/$name.vnl" --filter 'icmp and host 198.18.0.2' ||
		{ not_ok "$name: record starts"; return; }
	ip netns exec "$remote" ping -q -c 10 -i 0.02 198.18.0.2 >/dev/null
	check "$name: record stops" stop_record
	check "$name: every ping has the whole path both ways" python3 - "$work/$name.vnl" "$vnetlat" "$mech" <<'PY'
import json, subprocess, sys
lines = [json.loads(l) for l in subprocess.run([sys.argv[2], "dump", sys.argv[1]], capture_output=True, text=True, check=True).stdout.splitlines()]
js = [l for l in lines if l["type"] == "journey"]
to = [j for j in js if j["direction"] == "to_guest" and len(j["hops"]) == 6]
back = [j for j in js if j["direction"] == "from_guest" and len(j["hops"]) == 4]
assert len(to) == 10 and len(back) == 10, (len(to), len(back))
r = json.loads(subprocess.run([sys.argv[2], "report", "--json", sys.argv[1]], capture_output=True, text=True, check=True).stdout)
assert r["recording"]["attached"]["tap.queue"] == sys.argv[3] + "/net:net_dev_queue", r["recording"]["attached"]
PY
}
pings_both_ways raw_tp raw_tp VNETLAT_NO_TP_BTF=1
pings_both_ways tp_btf-helper tp_btf VNETLAT_SKB_LOADS=helper
pings_both_ways tp_btf tp_btf VNETLAT_NO_PROBE_CACHE=1

# a cut recording is read up to the damage, with a warning and exit 3
size=$(stat -c %s "$work/exists.vnl")
head -c $((size * 3 / 4)) "$work/exists.vnl" >"$work/cut.vnl"
check "truncated recording: exit 3 and a warning" expect_exit 3 'damaged' "$vnetlat" report "$work/cut.vnl"
check "truncated recording: intact blocks still reported" bash -c "'$vnetlat' report --json '$work/cut.vnl' 2>/dev/null | python3 -c 'import json,sys; r=json.load(sys.stdin); assert r[\"recording\"][\"damage\"] and 0 < r[\"journeys\"][\"total\"] < 50'"
finish
