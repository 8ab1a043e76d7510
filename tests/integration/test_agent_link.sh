#!/bin/bash
# The agent's link to the host under load, on this machine (no VM): vnetlat agent runs in the
# remote namespace, tracing vr0, and connects over TCP to the host's record --guests --listen.
#  1. Started while no host listens, its spool (--spool-size 1M) fills under a flood and it
#     lets events go, counted; when the host comes, the numbering of what it sends has no gap
#     (a gap makes the host ask again, and an agent that no longer holds those blocks would be
#     asked forever), and the host records the loss.
#  2. A recording stopped while the flood goes on: the agent's flush hands on what it holds up
#     to then and says so, and the recorder ends without waiting on it.
. "$(dirname "$0")/lib.sh"

topo up sink >/dev/null || { not_ok "topology up"; finish; }
ip -n "$host" addr add 198.18.0.3/24 dev br0
port=$((20000 + $$ % 20000))
echo "agentlinktoken$$" >"$work/token"
flood() { ip netns exec "$remote" "$build/udp-rr" --dst 198.18.0.2 --flood --duration "$1" >/dev/null; }

ip netns exec "$remote" "$vnetlat" agent --connect "198.18.0.3:$port" --token-file "$work/token" \
	-i vr0 --filter 'udp and host 198.18.0.2' --spool-size 1M >"$work/agent.log" 2>&1 &
agent_pid=$!
bg_pids+=("$agent_pid")
check "the agent starts with no host to take its events" \
	wait_for 30 grep -q "recording 1 interface(s) to the agent link" "$work/agent.log"
flood 2s
start_record "$work/a.vnl" --guests --listen "198.18.0.3:$port" --token-file "$work/token" ||
	{ not_ok "record --guests --listen started"; finish; }
check "the agent joins once the host listens" wait_for 30 grep -q "recorded as kernel" "$work/a.vnl.log"
flood 0.3s
check "the recording ends cleanly" stop_record
sed 's/^/# host: /' "$work/a.vnl.log" | sort | uniq -c | sort -rn | head -5
check "the host never found a block missing (no gap where the agent let events go)" \
	bash -c "! grep -q 'missing on the link' $work/a.vnl.log"
"$vnetlat" report --json "$work/a.vnl" >"$work/a.json" 2>"$work/a.err"
check "the report reads the recording" test -s "$work/a.json"
checker "spool" python3 - "$work/a.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
g = r.get("guests") or []
def ok(c, what):
    print(("ok - " if c else "not ok - ") + what)
ok(len(g) == 1, f"one guest kernel in the recording ({len(g)})")
if g:
    g = g[0]
    print(f"# guest: {json.dumps({k: v for k, v in g.items() if not isinstance(v, (dict, list))})}")
    ok(g.get("events", 0) >= 1000, f"the guest's events of a flood after it joined are recorded ({g.get('events', 0)})")
    ok(g.get("lost_link_spool", 0) > 0 and g.get("lost_events", 0) >= g.get("lost_link_spool", 0),
       "the events the full spool let go are counted lost (while the link was down)")
EOF

# ---- 2. a recording stopped while the flood goes on ----
start_record "$work/b.vnl" --guests --listen "198.18.0.3:$port" --token-file "$work/token" ||
	{ not_ok "record --guests --listen started again"; finish; }
check "the agent joins the next recording" wait_for 30 grep -q "recorded as kernel" "$work/b.vnl.log"
flood 12s &
flood_pid=$!
bg_pids+=("$flood_pid")

sleep 3 # the flood runs 3 s into the recording (a duration of the scenario, not a wait)
t0=$(date +%s%N)
check "a recording stopped during a flood ends" stop_record
t1=$(date +%s%N)
echo "# stopped in $(((t1 - t0) / 1000000)) ms"
check "the agent's flush answered within the host's wait (no 'did not send')" \
	bash -c "! grep -q 'did not send what it held' $work/b.vnl.log"
"$vnetlat" report --json "$work/b.vnl" >"$work/b.json" 2>"$work/b.err"
checker "flush" python3 - "$work/b.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
g = (r.get("guests") or [{}])[0]
ok = g.get("events", 0) > 10000
print(("ok - " if ok else "not ok - ") + f"the flood's guest events are in the recording ({g.get('events', 0)})")
EOF
wait "$flood_pid" # its own --duration ends it
kill -INT "$agent_pid"
check "the agent stops on Ctrl-C" wait_for 30 bash -c "! kill -0 $agent_pid 2>/dev/null"
finish
