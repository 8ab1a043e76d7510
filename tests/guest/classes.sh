# Scenario: traffic classes on the guest's transmit side, set up as a TSN user sets them. The
# virtio-net has two queue pairs; mqprio maps priority 7 to tc 1 (queue 1) and every other to
# tc 0 (queue 0), whose qdisc is shaped (tbf, 2 Mbit/s) so that bulk load waits there. Two PTP
# slaves (linuxptp's ptp4l, software timestamps, socket_priority 7): domain 1 over Ethernet, a
# real slave that steers the guest's clock (clock_adjtime), and domain 0 over UDP/IPv4, free
# running (ptp4l applies socket_priority to L2 only: its messages go at priority 0). An iperf3
# server, and an iperf3 client that sends bulk UDP at priority 0 as soon as the remote side
# serves on port 5202 (the test starts that server when the load is due), for 40 s. vnetlat agent on the
# virtio-serial port "vnetlat0", asking the L2 slave's ptp4l. Says VNL-CLASSES-UP once set up,
# VNL-CLASSES-FAILED otherwise.
# /bin/tc: iproute2's (busybox's shell would run its own tc applet, which knows no mqprio)
fail() {
	echo "VNL-CLASSES-FAILED: $*"
	exit 1
}
out=$(ethtool -L eth0 combined 2 2>&1) || fail "ethtool -L eth0 combined 2: $out"
out=$(/bin/tc qdisc add dev eth0 root handle 100: mqprio num_tc 2 map 0 0 0 0 0 0 0 1 0 0 0 0 0 0 0 0 \
	queues 1@0 1@1 hw 0 2>&1) || fail "mqprio: $out"
out=$(/bin/tc qdisc replace dev eth0 parent 100:1 handle 11: tbf rate 2mbit burst 8k latency 400ms \
	2>&1) || fail "tbf under tc 0: $out"
/bin/tc qdisc show dev eth0 | sed 's/^/VNL-QDISC: /'
(iperf3 -s -p 5201 >/tmp/iperf3.log 2>&1 &)
(vnetlat agent --serial vnetlat0 --token-file /tmp/token --ptp4l /run/ptp4l-L2 \
	--ptp4l-domain 1 2>&1 |
	sed 's/^/VNL-AGENT: /' &)
echo "VNL-AGENT-STARTED"
. /scenarios/lib-ptp.sh
start_ptp_slaves 1
# the bulk load: tries until the remote side serves, then sends for 40 s
( (while ! iperf3 -c 198.18.0.1 -p 5202 -u -b 6M -l 1200 -t 40 >/tmp/iperf3-load.log 2>&1; do
	sleep 0.5
done
echo "VNL-LOAD-DONE") &)
echo "VNL-CLASSES-UP $ptp_up"
while :; do sleep 60; done
