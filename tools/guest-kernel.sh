#!/bin/bash
# Fetches the test guest's kernel: Debian's newest 6.1 cloud kernel for ARCH (x86 or arm64),
# downloaded from the package archive into BUILD_DIR/guest/dl once and unpacked into the build
# folder, never installed. arm64 needs `dpkg --add-architecture arm64` (tools/install-deps.sh).
#
# Usage: guest-kernel.sh BUILD_DIR [ARCH]   writes BUILD_DIR/guest/{kernel/,vmlinuz,kernel-version}
set -euo pipefail

mkdir -p "${1:?usage: guest-kernel.sh BUILD_DIR [ARCH]}"
build=$(cd "$1" && pwd)
arch=${2:-x86}
case $arch in
x86) flavour=cloud-amd64 ;;
arm64) flavour=cloud-arm64 ;;
*) echo "guest-kernel: no guest kernel for ARCH=$arch (x86 or arm64)" >&2; exit 2 ;;
esac
out=$build/guest
mkdir -p "$out/dl"

# the newest 6.1 cloud kernel the archive has; its number changes with Debian's updates
pkg=$(apt-cache search --names-only "^linux-image-6\.1\.0-[0-9]+-$flavour\$" | awk '{print $1}' |
	sort -V | tail -1)
[[ -n $pkg ]] || { echo "guest-kernel: no linux-image-6.1.0-*-$flavour in the package archive" >&2; exit 1; }
kver=${pkg#linux-image-}
if [[ -f $out/kernel-version && $(cat "$out/kernel-version") == "$kver" && -f $out/vmlinuz ]]; then
	exit 0
fi
deb=$(ls "$out/dl/${pkg}_"*.deb 2>/dev/null | head -1 || true)
if [[ -z $deb ]]; then
	(cd "$out/dl" && apt-get download -q "$pkg" >/dev/null 2>&1) || {
		echo "guest-kernel: apt-get download $pkg failed" >&2
		exit 1
	}
	deb=$(ls "$out/dl/${pkg}_"*.deb | head -1)
fi
rm -rf "$out/kernel"
dpkg -x "$deb" "$out/kernel"
cp "$out/kernel/boot/vmlinuz-$kver" "$out/vmlinuz"
echo "$kver" >"$out/kernel-version"
