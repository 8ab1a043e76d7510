# Scenario: the vhost-net data path, for real. vmm-standin --vhost plays a VM whose
# virtio-net the kernel's vhost worker serves: it sets up /dev/vhost-net's rings on tap tapv
# and answers from them, while the worker (a kernel thread, vhost-PID) moves the frames
# between the tap and the rings. Pinged and echoed from the guest's own stack, recorded once
# with fentry and once with kprobes (VNETLAT_NO_FENTRY=1).
for m in tap vhost_iotlb vhost vhost_net; do
	insmod /mods/extra/$m.ko || echo "VNL-VHOST: insmod $m failed"
done
vmm-standin --vhost --tap tapv --ip 198.18.1.2 >/tmp/standin.log 2>&1 &
i=0
while ! grep -q ready /tmp/standin.log 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
sed 's/^/VNL-STANDIN: /' /tmp/standin.log
grep -q ready /tmp/standin.log || exit 1
ip addr add 198.18.1.1/24 dev tapv
ip link set tapv up
ping -c 3 -W 2 198.18.1.2 >/dev/null 2>&1 # warm up (TCG translates code on first use)
vnetlat -j probe | sed 's/^/VNL-JSON-probe /'
for mech in fentry kprobe; do
	[ $mech = kprobe ] && export VNETLAT_NO_FENTRY=1
	vnetlat record -i tapv -o /tmp/$mech.vnl >/tmp/$mech.log 2>&1 &
	pid=$!
	i=0
	while ! grep -q recording /tmp/$mech.log && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
	ping -c 20 -i 0.1 -W 2 198.18.1.2 | tail -2
	udp-rr --dst 198.18.1.2 --count 50 --interval 10ms | sed "s/^/VNL-RR-$mech /"
	kill -INT $pid
	wait $pid
	sed "s/^/VNL-LOG-$mech /" /tmp/$mech.log
	vnetlat -j report /tmp/$mech.vnl | sed "s/^/VNL-JSON-$mech /"
	vnetlat report /tmp/$mech.vnl | sed "s/^/VNL-TEXT-$mech /"
done
exit 0
