# Scenario: how soon vnetlat agent records, three times over. The host pings this guest every
# 10 ms; each agent run says when its first packet was recorded after it started
# ("VNL-STARTUP recorded 0.31 s"), and is stopped. The first run probes the kernel; the others
# find its answer in /var/cache/vnetlat (an agent restarted). A fourth run with -v gives the
# phases (libbpf's debug output, written as it goes, makes that run itself slower).
start_agent() {
	vnetlat "$@" agent --serial vnetlat0 --token-file /tmp/token >/tmp/startup.log 2>&1 &
	pid=$!
	for _ in $(seq 300); do
		grep -q "first packet recorded" /tmp/startup.log && break
		sleep 0.1
	done
}

stop_agent() {
	kill -INT "$pid"
	wait "$pid"
}

for run in 1 2 3; do
	start_agent
	echo "VNL-STARTUP $(grep -o 'recorded [0-9.]* s' /tmp/startup.log || echo none)"
	stop_agent
done
start_agent -v
echo "VNL-STARTUP-VERBOSE $(grep -o 'recorded [0-9.]* s' /tmp/startup.log || echo none)"
grep -o "startup: .*" /tmp/startup.log | sed 's/^/VNL-STARTUP-PHASES /'
stop_agent
echo "VNL-STARTUP-DONE"
