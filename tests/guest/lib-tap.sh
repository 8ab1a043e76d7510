# Shared by the scenarios that play a host inside the guest (kfunc-tap, vhost): a tap held
# by vmm-standin at 198.18.1.2, and a recording of it made once with fentry and once with
# kprobes (VNETLAT_NO_FENTRY=1), each printed with its log, JSON and text report.

# tap_up TAP [standin options]: the stand-in on TAP, the tap addressed and up, warmed up
tap_up() {
	local tap=$1 i=0
	shift
	vmm-standin "$@" --tap "$tap" --ip 198.18.1.2 >/tmp/standin.log 2>&1 &
	while ! grep -q ready /tmp/standin.log 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	sed 's/^/VNL-STANDIN: /' /tmp/standin.log
	grep -q ready /tmp/standin.log || return 1
	ip addr add 198.18.1.1/24 dev "$tap"
	ip link set "$tap" up
	ping -c 3 -W 2 198.18.1.2 >/dev/null 2>&1 # warm up (TCG translates code on first use)
}

# record_each_way TAP TRAFFIC: TRAFFIC (a function, given the mechanism) run while TAP is
# recorded, once by each mechanism; the kprobe run also as if the kernel had refused the
# shared parser (the programs loaded again, each with its own)
record_each_way() {
	local tap=$1 traffic=$2 mech pid i
	vnetlat -j probe | sed 's/^/VNL-JSON-probe /'
	for mech in fentry kprobe; do
		[ $mech = kprobe ] && export VNETLAT_NO_FENTRY=1 VNETLAT_PARSER_EXT_REFUSED=1
		vnetlat record -i "$tap" -o /tmp/$mech.vnl >/tmp/$mech.log 2>&1 &
		pid=$!
		i=0
		while ! grep -q recording /tmp/$mech.log && [ $i -lt 300 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		"$traffic" $mech
		kill -INT $pid
		wait $pid
		sed "s/^/VNL-LOG-$mech /" /tmp/$mech.log
		vnetlat -j report /tmp/$mech.vnl | sed "s/^/VNL-JSON-$mech /"
		vnetlat report /tmp/$mech.vnl | sed "s/^/VNL-TEXT-$mech /"
	done
	unset VNETLAT_NO_FENTRY VNETLAT_PARSER_EXT_REFUSED
}
