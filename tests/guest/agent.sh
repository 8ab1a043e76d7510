# Scenario: the guest side of a recording. A UDP echo server on port 7 and vnetlat agent on
# the virtio-serial port "vnetlat0" (or over TCP when vnl.agent_tcp=ADDR:PORT is given).
link="--serial vnetlat0"
for word in $(cat /proc/cmdline); do
	case $word in
	vnl.agent_tcp=*) link="--connect ${word#vnl.agent_tcp=}" ;;
	esac
done
(udp-rr --server --port 7 >/tmp/echo.log 2>&1 &)
(vnetlat agent $link --token-file /tmp/token 2>&1 | sed 's/^/VNL-AGENT: /' &)
echo "VNL-AGENT-STARTED"
# the test ends the VM when it is done
while :; do sleep 60; done
