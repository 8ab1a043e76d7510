# Scenario: a guest-side recording made apart (vnetlat agent -o), for vnetlat merge. A UDP
# echo server on port 7; the agent records to a file for 25 s, then the file goes out over the
# virtio-serial port "vnetlat0" (the host reads its socket), followed by VNL-SENT <bytes>.
# vnl.agent_clock=tai on the kernel command line: stamp with CLOCK_TAI (agent --clock tai)
clock=monotonic
for word in $(cat /proc/cmdline); do
	case $word in
	vnl.agent_clock=*) clock=${word#vnl.agent_clock=} ;;
	esac
done
(udp-rr --server --port 7 >/tmp/echo.log 2>&1 &)
vnetlat agent -o /tmp/guest.vnl -d 25s --clock "$clock" >/tmp/agent.log 2>&1 &
pid=$!
i=0
while ! grep -q recording /tmp/agent.log && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
echo "VNL-OFFLINE-RECORDING"
wait $pid
sed 's/^/VNL-AGENT: /' /tmp/agent.log
port=
for p in /sys/class/virtio-ports/*; do
	[ "$(cat $p/name 2>/dev/null)" = vnetlat0 ] && port=/dev/${p##*/}
done
cat /tmp/guest.vnl >"$port"
echo "VNL-SENT $(wc -c </tmp/guest.vnl)"
while :; do sleep 60; done
