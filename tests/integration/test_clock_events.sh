#!/bin/bash
# Clock steps and slews (clock.adjust, --clock-events): a frequency "adjustment" to the value
# the clock already has is recorded, with the process that made it; a read-only query is not;
# by default the host does not pay for a program on every syscall.
. "$(dirname "$0")/lib.sh"

topo up 0 || { not_ok "topology"; finish; }
start_record "$work/c.vnl" --clock-events || { not_ok "record started"; finish; }
python3 - >"$work/adj.out" <<'PY'
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
tx = ctypes.create_string_buffer(256)            # struct timex: modes at 0, freq at 16
libc.adjtimex(tx)                                # a query: modes = 0
ctypes.c_uint.from_buffer(tx, 0).value = 0x0002  # ADJ_FREQUENCY, to the frequency it has
rc = libc.adjtimex(tx)
print(os.getpid(), rc, ctypes.c_long.from_buffer(tx, 16).value / 65536)
PY
check "record stopped" stop_record
read -r adj_pid adj_rc adj_ppm <"$work/adj.out"
"$vnetlat" -j report "$work/c.vnl" >"$work/c.json"
check "the frequency set was allowed (adjtimex returned $adj_rc)" test "${adj_rc:--1}" -ge 0
checker "clock_events" python3 - "$work/c.json" "$adj_pid" "$adj_ppm" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
ev = [e for e in r["clock_events"] if e["pid"] == int(sys.argv[2])]
ok = len(ev) == 1 and ev[0]["syscall"] in ("adjtimex", "clock_adjtime") and ev[0]["kernel"] == 0 and ev[0]["time"] \
    and ev[0].get("clock") == "CLOCK_REALTIME" \
    and abs(ev[0].get("frequency_ppm", 1e9) - float(sys.argv[3])) < 0.001
print(("ok" if ok else "not ok") + " - one clock adjustment by pid %s on CLOCK_REALTIME at the frequency it set (%s ppm), the query not counted: %s" % (sys.argv[2], sys.argv[3], ev))
PY
"$vnetlat" report "$work/c.vnl" | grep -Eq "clock adjusted: host, pid $adj_pid, (clock_)?adj(timex|time) on CLOCK_REALTIME: 1 time at .*; frequency"
check "the text report marks it" test $? -eq 0
# a program on every syscall of the host: only when asked for (or with --clock tai)
start_record "$work/n.vnl" || { not_ok "record (default)"; finish; }
check "record (default) stopped" stop_record
start_record "$work/t.vnl" --clock tai --no-clock-events || { not_ok "record --no-clock-events"; finish; }
check "record --clock tai --no-clock-events stopped" stop_record
for f in n t; do
	"$vnetlat" -j report "$work/$f.vnl" | python3 -c '
import json, sys
r = json.load(sys.stdin)
ok = "clock.adjust" not in r["recording"]["attached"]
print(("ok" if ok else "not ok") + " - %s: raw_syscalls:sys_enter left alone" % sys.argv[1])' "$f"
done
finish
