#!/bin/bash
# Installs every build and test dependency of vnetlat from Debian's archive (apt-get),
# only what is missing (qemu-system-x86, busybox-static and cpio build and boot the test
# guest; sockperf, iperf3 and linuxptp are the real clients the guest tests drive;
# nftables and ethtool set up the traffic classes of test_classes; prometheus scrapes
# vnetlat live in test_prometheus and its promtool checks the shipped rules; tshark reads
# dump --pcapng's files in test_pcapng; debootstrap makes the fresh root test_install puts
# the .deb in; the arm64 ones below cross-build arm64 and boot its guest). Needs root.
set -euo pipefail
pkgs=(make gcc clang llvm libclang-rt-14-dev libbpf-dev bpftool libelf-dev zlib1g-dev libcmocka-dev pkg-config
	iproute2 iputils-ping procps python3 kmod
	qemu-system-x86 busybox-static cpio libc6-dev libmicrohttpd-dev chromium sockperf iperf3 linuxptp nftables ethtool
	prometheus tshark debootstrap man-db systemd)
# an x86-64 host cross-builds arm64 (make cross) and boots the arm64 test guest: Debian's
# cross compiler, arm64's libraries beside its own (multiarch), and qemu-system-aarch64
if [[ $(dpkg --print-architecture) == amd64 ]]; then
	pkgs+=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross libbpf-dev:arm64 libelf-dev:arm64 zlib1g-dev:arm64
		libmicrohttpd-dev:arm64 qemu-system-arm)
	if ! dpkg --print-foreign-architectures | grep -qx arm64; then
		[[ $(id -u) == 0 ]] || { echo "install-deps: run as root: dpkg --add-architecture arm64" >&2; exit 1; }
		dpkg --add-architecture arm64
	fi
fi
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
