#!/bin/bash
# The vhost-net data path, for real, inside the test guest (Debian's 6.1 kernel has vhost_net,
# fentry and kprobes; this host has none of them): vmm-standin --vhost sets up
# /dev/vhost-net's rings on a tap of the guest's own and answers from them, while the
# kernel's vhost worker moves the frames; the guest pings and echoes through it under
# vnetlat record, once with fentry and once with kprobes (tests/guest/vhost.sh).
. "$(dirname "$0")/lib.sh"

guest_setup || finish
topo up vm || { not_ok "topology with a tap for the guest"; finish; }
vm vm-start vhost "$token" || { not_ok "test guest booted"; finish; }
ok "test guest booted (kernel $(cat "$guest_image/kernel-version"))"
if wait_for 240 grep -q VNL-SCENARIO-DONE "$state/console.log"; then
	checker "vhost" python3 "$(dirname "$0")/check_guest.py" vhost "$state/console.log"
	grep -E "^VNL-TEXT-fentry +(host.tap_queue|vmm.vhost|vmm.write)|^VNL-TEXT-fentry interfaces" \
		"$state/console.log" | sed 's/^VNL-TEXT-fentry/#/'
else
	not_ok "vhost scenario finished in the guest within 240 s"
	tail -20 "$state/console.log"
fi
vm vm-stop
finish
