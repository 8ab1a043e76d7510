# Scenario: two PTP slaves (linuxptp's ptp4l, software timestamps) on eth0, with vnetlat agent
# on the virtio-serial port "vnetlat0": domain 0 over UDP/IPv4, domain 1 over Ethernet (L2),
# both asking for socket_priority 7 (which ptp4l applies to L2 only). Both free-running: they
# exchange every message but never adjust the guest's clock. Says VNL-PTP-UP once both run.
(vnetlat agent --serial vnetlat0 --token-file /tmp/token --ptp4l /run/ptp4l-UDPv4 2>&1 |
	sed 's/^/VNL-AGENT: /' &)
echo "VNL-AGENT-STARTED"
for transport in UDPv4 L2; do
	domain=0
	[ $transport = L2 ] && domain=1
	cat >/tmp/ptp-$transport.cfg <<CFG
[global]
domainNumber $domain
network_transport $transport
time_stamping software
slaveOnly 1
free_running 1
socket_priority 7
logMinDelayReqInterval -2
uds_address /run/ptp4l-$transport
CFG
	(ptp4l -i eth0 -f /tmp/ptp-$transport.cfg -m 2>&1 | sed "s/^/VNL-PTP-$transport: /" &)
done
for _ in $(seq 100); do
	[ "$(pidof ptp4l | wc -w)" -ge 2 ] && break
	sleep 0.1
done
echo "VNL-PTP-UP $(pidof ptp4l | wc -w)"
while :; do sleep 60; done
