# Scenario: tail capture in the guest. A UDP echo server on port 7 that is stopped for 30 ms
# every 2 s (SIGSTOP, as a preempted application), and vnetlat agent on "vnetlat0" keeping
# the guest's path of each packet that waited in the socket for more than 5 ms
# (--keep-slow guest.stack_rx>5ms).
(udp-rr --server --port 7 >/tmp/echo.log 2>&1 &)
(vnetlat agent --serial vnetlat0 --token-file /tmp/token --keep-slow 'guest.stack_rx>5ms' 2>&1 |
	sed 's/^/VNL-AGENT: /' &)
echo "VNL-AGENT-STARTED"
for _ in $(seq 100); do
	pid=$(pidof udp-rr) && break
	sleep 0.1
done
echo "VNL-ECHO $pid"
while :; do
	sleep 2
	kill -STOP "$pid"
	usleep 30000
	kill -CONT "$pid"
	echo "VNL-STALLED"
done
