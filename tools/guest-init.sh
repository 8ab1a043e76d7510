#!/bin/busybox sh
# /init of the test guest (tools/guest-image.sh): mounts, loads the virtio modules, brings
# eth0 up as 198.18.0.2 / fd00:198:18::2, runs the scenario the kernel command line names
# (vnl.scenario=NAME runs /scenarios/NAME.sh), then powers off. PID 1 never exits.
/bin/busybox mount -t proc proc /proc
/bin/busybox --install -s # the applets' links (it finds itself through /proc), not over tc etc.
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
for m in $(cat /mods/order); do
	insmod /mods/$m.ko 2>/dev/null
done
ip link set lo up
hostname vnl-guest
# the NIC shows up once virtio_net probed it
i=0
while [ ! -e /sys/class/net/eth0 ] && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
echo 0 >/proc/sys/net/ipv6/conf/all/accept_ra 2>/dev/null
ip link set eth0 up
ip addr add 198.18.0.2/24 dev eth0
ip -6 addr add fd00:198:18::2/64 dev eth0
scenario=
for word in $(cat /proc/cmdline); do
	case $word in
	vnl.scenario=*) scenario=${word#vnl.scenario=} ;;
	vnl.token=*) echo "${word#vnl.token=}" >/tmp/token ;;
	esac
done
echo "VNL-GUEST-UP $(uname -r)"
rc=1
if [ -n "$scenario" ] && [ -f "/scenarios/$scenario.sh" ]; then
	sh "/scenarios/$scenario.sh"
	rc=$?
else
	echo "VNL-GUEST: no scenario '$scenario'"
fi
echo "VNL-SCENARIO-DONE rc=$rc"
poweroff -f
while :; do sleep 60; done
