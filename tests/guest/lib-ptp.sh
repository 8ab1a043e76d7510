# Sourced by the PTP scenarios (ptp.sh, classes.sh), not a scenario itself.
#
# start_ptp_slaves STEER_L2: a ptp4l slave per transport on eth0 (software timestamps, all
# asking for socket_priority 7): domain 0 over UDP/IPv4, free running; domain 1 over
# Ethernet, free running too unless STEER_L2 is 1 (then it steers the guest's clock). Each
# answers management queries on /run/ptp4l-TRANSPORT; its log goes to the console as
# VNL-PTP-TRANSPORT. Sets ptp_up to how many ptp4l run once both do (or after 10 s); not
# to be called in $(...), whose output the slaves' logs would hold open.
start_ptp_slaves() {
	for transport in UDPv4 L2; do
		domain=0 role="slaveOnly 1
free_running 1"
		[ $transport = L2 ] && domain=1
		[ $transport = L2 ] && [ "$1" = 1 ] && role="slaveOnly 1"
		cat >/tmp/ptp-$transport.cfg <<CFG
[global]
domainNumber $domain
network_transport $transport
time_stamping software
$role
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
	ptp_up=$(pidof ptp4l | wc -w)
}
