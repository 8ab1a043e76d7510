#!/bin/bash
# Installs every build and test dependency of vnetlat from Debian's archive (apt-get),
# only what is missing (qemu-system-x86, busybox-static and cpio build and boot the test
# guest; sockperf, iperf3 and linuxptp are the real clients the guest tests drive;
# nftables and ethtool set up the traffic classes of test_classes; prometheus scrapes
# vnetlat live in test_prometheus and its promtool checks the shipped rules; tshark reads
# dump --pcapng's files in test_pcapng; debootstrap makes the fresh root test_install puts
# the .deb in). Needs root.
set -euo pipefail
pkgs=(make gcc clang llvm libclang-rt-14-dev libbpf-dev bpftool libelf-dev zlib1g-dev libcmocka-dev pkg-config
	iproute2 iputils-ping procps python3 kmod
	qemu-system-x86 busybox-static cpio libc6-dev libmicrohttpd-dev chromium sockperf iperf3 linuxptp nftables ethtool
	prometheus tshark debootstrap man-db systemd)
# node and npm read the HdrHistogram logs in the tests (hdr-histogram-js): Debian's where the
# machine has none of its own
command -v node >/dev/null && command -v npm >/dev/null || pkgs+=(nodejs npm)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
((${#missing[@]})) || exit 0
if [[ $(id -u) != 0 ]]; then
	echo "install-deps: missing ${missing[*]}; run as root or: sudo apt-get install ${missing[*]}" >&2
	exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
