#!/bin/bash
# Builds the test guest: Debian's 6.1 cloud kernel (tools/guest-kernel.sh) and a busybox
# initramfs holding the virtio modules, the static vnetlat and test tools, and the scenarios
# of tests/guest/. ARCH arm64 takes Debian's arm64 kernel and busybox (downloaded, never
# installed) and the cross-built tools of BUILD_DIR/static (make static ARCH=arm64).
#
# Usage: guest-image.sh BUILD_DIR [ARCH]   writes BUILD_DIR/guest/{vmlinuz,initrd.img,kernel-version}
# The packages are downloaded once and kept in BUILD_DIR/guest/dl.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
build=$(cd "${1:?usage: guest-image.sh BUILD_DIR [ARCH]}" && pwd)
arch=${2:-x86}
host_arch=$(uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')
out=$build/guest
modules="virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci failover
net_failover virtio_net virtio_console tun sch_mqprio sch_tbf"

# static_busybox: the host's own for its architecture, else Debian's busybox-static for ARCH
static_busybox() {
	local deb
	if [[ $arch == "$host_arch" ]]; then
		if [[ ! -x /bin/busybox ]] || readelf -d /bin/busybox 2>/dev/null | grep -q NEEDED; then
			echo "guest-image: a static /bin/busybox is needed (apt-get install busybox-static)" >&2
			return 1
		fi
		echo /bin/busybox
		return 0
	fi
	deb=$(ls "$out/dl/busybox-static_"*"_$arch.deb" 2>/dev/null | head -1 || true)
	if [[ -z $deb ]]; then
		(cd "$out/dl" && apt-get download -q "busybox-static:$arch" >/dev/null 2>&1) || {
			echo "guest-image: apt-get download busybox-static:$arch failed" >&2
			return 1
		}
		deb=$(ls "$out/dl/busybox-static_"*"_$arch.deb" | head -1)
	fi
	rm -rf "$out/busybox" && dpkg -x "$deb" "$out/busybox"
	echo "$out/busybox/bin/busybox"
}

"$here/guest-kernel.sh" "$build" "$arch"
kver=$(cat "$out/kernel-version")
pkg=linux-image-$kver
busybox=$(static_busybox)
readelf -h "$busybox" | grep -q "$(readelf -h "$build/static/vnetlat" | grep Machine:)" || {
	echo "guest-image: $build/static holds no $arch build (make static ARCH=$arch)" >&2
	exit 1
}

root=$out/root
rm -rf "$root"
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,run,mods,scenarios,etc}
cp "$busybox" "$root/bin/busybox" # its applets are linked by /init (busybox --install -s)
for m in $modules; do
	f=$(find "$out/kernel/lib/modules/$kver" -name "$m.ko" | head -1)
	[[ -n $f ]] || { echo "guest-image: module $m.ko not in $pkg" >&2; exit 1; }
	cp "$f" "$root/mods/"
done
echo "$modules" | tr '\n' ' ' >"$root/mods/order"
# loaded by the scenarios that need them (vhost.sh), not at boot
mkdir -p "$root/mods/extra"
for m in tap vhost_iotlb vhost vhost_net; do
	f=$(find "$out/kernel/lib/modules/$kver" -name "$m.ko" | head -1)
	[[ -z $f ]] || cp "$f" "$root/mods/extra/"
done
for tool in vnetlat udp-rr vmm-standin; do
	cp "$build/static/$tool" "$root/bin/$tool"
done
# real clients' servers for the guest (Debian's sockperf and iperf3), a PTP slave
# (linuxptp's ptp4l), and iproute2's tc and ethtool to give the guest's virtio-net its
# traffic classes, with the shared libraries they load, where the host has them
# (tools/install-deps.sh installs them)
for prog in sockperf iperf3 ptp4l tc ethtool; do
	[[ $arch == "$host_arch" ]] || break # the host's builds run on its own architecture only
	bin=$(command -v "$prog" || true)
	[[ -n $bin ]] || continue
	rm -f "$root/bin/$prog" # busybox's own applet (its tc knows no mqprio)
	cp "$bin" "$root/bin/$prog"
	for lib in $(ldd "$bin" | awk '/=> \//{print $3} /^\t\/lib/{print $1}'); do
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
done
cp "$repo"/tests/guest/*.sh "$root/scenarios/"
cp "$here/guest-init.sh" "$root/init"
chmod +x "$root/init" "$root"/scenarios/*.sh
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$out/initrd.img"
echo "guest-image: $out (kernel $kver)"
