# Scenario: how soon vnetlat agent records, three times over. The host pings this guest every
# 10 ms; each agent run says when its first packet was recorded after it started
# ("VNL-STARTUP recorded 0.31 s", with -v's phases), and is stopped. The first run probes the
# kernel; the others find its answer in /var/cache/vnetlat (an agent restarted).
for run in 1 2 3; do
	vnetlat -v agent --serial vnetlat0 --token-file /tmp/token >/tmp/startup.log 2>&1 &
	pid=$!
	for _ in $(seq 300); do
		grep -q "first packet recorded" /tmp/startup.log && break
		sleep 0.1
	done
	echo "VNL-STARTUP $(grep -o 'recorded [0-9.]* s' /tmp/startup.log || echo none)"
	grep -o "startup: .*" /tmp/startup.log | sed 's/^/VNL-STARTUP-PHASES /'
	kill -INT "$pid"
	wait "$pid"
done
echo "VNL-STARTUP-DONE"
