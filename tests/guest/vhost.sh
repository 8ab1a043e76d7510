# Scenario: the vhost-net data path, for real. vmm-standin --vhost plays a VM whose
# virtio-net the kernel's vhost worker serves: it sets up /dev/vhost-net's rings on tap tapv
# and answers from them, while the worker (a kernel thread, vhost-PID) moves the frames
# between the tap and the rings. Pinged and echoed from the guest's own stack, recorded once
# with fentry and once with kprobes (VNETLAT_NO_FENTRY=1).
. /scenarios/lib-tap.sh
for m in tap vhost_iotlb vhost vhost_net; do
	insmod /mods/extra/$m.ko || echo "VNL-VHOST: insmod $m failed"
done
pings_and_echoes() {
	ping -c 20 -i 0.1 -W 2 198.18.1.2 | tail -2
	udp-rr --dst 198.18.1.2 --count 50 --interval 10ms | sed "s/^/VNL-RR-$1 /"
}
tap_up tapv --vhost || exit 1
record_each_way tapv pings_and_echoes
exit 0
