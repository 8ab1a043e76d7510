# Scenario: the host-side hops that need fentry or kprobes (tun_net_xmit, tun_get_user), run
# for real inside the guest, whose kernel has both: a tap held by vmm-standin, pinged
# through; recorded once with fentry and once with kprobes (VNETLAT_NO_FENTRY=1).
vmm-standin --tap tapg --ip 198.18.1.2 >/tmp/standin.log 2>&1 &
i=0
while ! grep -q ready /tmp/standin.log 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
ip addr add 198.18.1.1/24 dev tapg
ip link set tapg up
ping -c 3 -W 2 198.18.1.2 >/dev/null 2>&1 # warm up (TCG translates code on first use)
vnetlat -j probe | sed 's/^/VNL-JSON-probe /'
for mech in fentry kprobe; do
	[ $mech = kprobe ] && export VNETLAT_NO_FENTRY=1
	vnetlat record -i tapg -o /tmp/$mech.vnl >/tmp/$mech.log 2>&1 &
	pid=$!
	i=0
	while ! grep -q recording /tmp/$mech.log && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
	ping -c 20 -i 0.1 -W 2 198.18.1.2 | tail -2
	kill -INT $pid
	wait $pid
	sed "s/^/VNL-LOG-$mech /" /tmp/$mech.log
	vnetlat -j report /tmp/$mech.vnl | sed "s/^/VNL-JSON-$mech /"
done
exit 0
