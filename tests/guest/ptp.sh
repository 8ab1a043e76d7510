# Scenario: two PTP slaves (linuxptp's ptp4l, software timestamps) on eth0, with vnetlat agent
# on the virtio-serial port "vnetlat0": domain 0 over UDP/IPv4, domain 1 over Ethernet (L2),
# both asking for socket_priority 7 (which ptp4l applies to L2 only). Both free-running: they
# exchange every message but never adjust the guest's clock. Says VNL-PTP-UP once both run.
(vnetlat agent --serial vnetlat0 --token-file /tmp/token --ptp4l /run/ptp4l-UDPv4 2>&1 |
	sed 's/^/VNL-AGENT: /' &)
echo "VNL-AGENT-STARTED"
. /scenarios/lib-ptp.sh
start_ptp_slaves 0
echo "VNL-PTP-UP $ptp_up"
while :; do sleep 60; done
