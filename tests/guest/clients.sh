# Scenario: a guest serving real clients nobody here wrote, with vnetlat agent on the
# virtio-serial port "vnetlat0": sockperf servers (UDP on 11111, TCP on 11112) and an iperf3
# server (5201). Says VNL-SERVERS-UP once all three listen.
(sockperf server -i 0.0.0.0 -p 11111 >/tmp/sockperf-udp.log 2>&1 &)
(sockperf server --tcp -i 0.0.0.0 -p 11112 >/tmp/sockperf-tcp.log 2>&1 &)
(iperf3 -s -p 5201 >/tmp/iperf3.log 2>&1 &)
(vnetlat agent --serial vnetlat0 --token-file /tmp/token 2>&1 | sed 's/^/VNL-AGENT: /' &)
echo "VNL-AGENT-STARTED"
for _ in $(seq 100); do
	n=$(netstat -lnut 2>/dev/null | grep -cE ':(11111|11112|5201) ')
	[ "$n" -ge 3 ] && break
	sleep 0.1
done
netstat -lnut | grep -E ':(11111|11112|5201) ' | sed 's/^/VNL-LISTEN: /'
echo "VNL-SERVERS-UP $n"
while :; do sleep 60; done
