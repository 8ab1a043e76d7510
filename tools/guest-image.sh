#!/bin/bash
# Builds the test guest: Debian's 6.1 cloud kernel (from the package archive, unpacked into
# the build folder, never installed) and a busybox initramfs holding the virtio modules, the
# static vnetlat and test tools, and the scenarios of tests/guest/.
#
# Usage: guest-image.sh BUILD_DIR      writes BUILD_DIR/guest/{vmlinuz,initrd.img,kernel-version}
# The kernel package is downloaded once and kept in BUILD_DIR/guest/dl.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
build=$(cd "${1:?usage: guest-image.sh BUILD_DIR}" && pwd)
out=$build/guest
modules="virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci failover
net_failover virtio_net virtio_console tun sch_mqprio sch_tbf"

mkdir -p "$out/dl"
busybox=/bin/busybox
if [[ ! -x $busybox ]] || readelf -d "$busybox" 2>/dev/null | grep -q NEEDED; then
	echo "guest-image: a static /bin/busybox is needed (apt-get install busybox-static)" >&2
	exit 1
fi

# the newest 6.1 cloud kernel the archive has; its number changes with Debian's updates
pkg=$(apt-cache search --names-only '^linux-image-6\.1\.0-[0-9]+-cloud-amd64$' | awk '{print $1}' |
	sort -V | tail -1)
[[ -n $pkg ]] || { echo "guest-image: no linux-image-6.1.0-*-cloud-amd64 in the package archive" >&2; exit 1; }
deb=$(ls "$out/dl/${pkg}_"*.deb 2>/dev/null | head -1 || true)
if [[ -z $deb ]]; then
	(cd "$out/dl" && apt-get download -q "$pkg" >/dev/null 2>&1) || {
		echo "guest-image: apt-get download $pkg failed" >&2
		exit 1
	}
	deb=$(ls "$out/dl/${pkg}_"*.deb | head -1)
fi
rm -rf "$out/kernel"
dpkg -x "$deb" "$out/kernel"
kver=${pkg#linux-image-}
cp "$out/kernel/boot/vmlinuz-$kver" "$out/vmlinuz"
echo "$kver" >"$out/kernel-version"

root=$out/root
rm -rf "$root"
mkdir -p "$root"/{bin,sbin,proc,sys,dev,tmp,run,mods,scenarios,etc}
cp "$busybox" "$root/bin/busybox"
for applet in $("$busybox" --list); do
	[[ $applet == busybox ]] || ln -sf busybox "$root/bin/$applet"
done
for m in $modules; do
	f=$(find "$out/kernel/lib/modules/$kver" -name "$m.ko" | head -1)
	[[ -n $f ]] || { echo "guest-image: module $m.ko not in $pkg" >&2; exit 1; }
	cp "$f" "$root/mods/"
done
echo "$modules" | tr '\n' ' ' >"$root/mods/order"
for tool in vnetlat udp-rr vmm-standin; do
	cp "$build/static/$tool" "$root/bin/$tool"
done
# real clients' servers for the guest (Debian's sockperf and iperf3), a PTP slave
# (linuxptp's ptp4l), and iproute2's tc and ethtool to give the guest's virtio-net its
# traffic classes, with the shared libraries they load, where the host has them
# (tools/install-deps.sh installs them)
for prog in sockperf iperf3 ptp4l tc ethtool; do
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
