# Scenario: the host-side hops that need fentry or kprobes (tun_net_xmit, tun_get_user), run
# for real inside the guest, whose kernel has both: a tap held by vmm-standin, pinged
# through; recorded once with fentry and once with kprobes (VNETLAT_NO_FENTRY=1).
. /scenarios/lib-tap.sh
pings() {
	ping -c 20 -i 0.1 -W 2 198.18.1.2 | tail -2
}
tap_up tapg || exit 1
record_each_way tapg pings
exit 0
