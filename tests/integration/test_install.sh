#!/bin/bash
# Installing: make install (PREFIX, DESTDIR) puts the binary, the man page, bash completion
# and the systemd units where Debian expects them; systemd-analyze verifies the units (and
# rates their sandboxing); make deb builds a package that apt-get installs, with its
# dependencies, into a freshly bootstrapped Debian 12 root, where the tool then runs.
. "$(dirname "$0")/lib.sh"
repo=$(cd "$(dirname "$0")/../.." && pwd)
prefix=$work/usr

check "make install PREFIX=... puts everything under it" \
	make -s -C "$repo" OUTPUT="$build" install PREFIX="$prefix"
for f in sbin/vnetlat share/man/man8/vnetlat.8 share/bash-completion/completions/vnetlat \
	lib/systemd/system/vnetlat-agent.service lib/systemd/system/vnetlat-live.service; do
	check "installed: $f" test -s "$prefix/$f"
done
check "the installed binary runs" bash -c "'$prefix/sbin/vnetlat' --version | grep -q '^vnetlat '"
check "man finds its page" bash -c "MANPATH='$prefix/share/man' man -w vnetlat | grep -q vnetlat.8"
check "bash completes its commands" bash -c "
	. '$prefix/share/bash-completion/completions/vnetlat'
	COMP_WORDS=(vnetlat re); COMP_CWORD=1; _vnetlat
	[[ \"\${COMPREPLY[*]}\" == 'record report' ]]"
check "and a command's options, from its --help" bash -c "
	PATH='$prefix/sbin':\$PATH; . '$prefix/share/bash-completion/completions/vnetlat'
	COMP_WORDS=(vnetlat dump --pc); COMP_CWORD=2; _vnetlat
	[[ \"\${COMPREPLY[*]}\" == '--pcapng' ]]"
units=("$prefix"/lib/systemd/system/vnetlat-*.service)
check "systemd-analyze verify takes both units" \
	env MANPATH="$prefix/share/man" systemd-analyze verify "${units[@]}"
for u in "${units[@]}"; do
	level=$(systemd-analyze security --offline=yes --no-pager "$u" 2>/dev/null |
		awk '/Overall exposure level/ {print $(NF-2)}')
	check "$(basename "$u") is sandboxed: exposure $level (systemd-analyze security; <= 5.0)" \
		awk -v l="$level" 'BEGIN {exit !(l != "" && l <= 5.0)}'
done

check "make deb builds the package" make -s -C "$repo" OUTPUT="$build" deb
deb=$(ls "$build"/vnetlat_*.deb)
dpkg-deb -I "$deb" control >"$work/control"
check "its Depends name the libraries it links (libbpf1, libmicrohttpd12)" \
	grep -Eq '^Depends:.*libbpf1.*libmicrohttpd12' "$work/control"
# a fresh Debian 12 root, from the archive this machine uses
mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
[[ -n $mirror ]] || mirror=$(awk '/^deb / && !/security/ {print $2; exit}' /etc/apt/sources.list)
root=$work/root
if debootstrap --variant=minbase bookworm "$root" "$mirror" >"$work/debootstrap.log" 2>&1; then
	ok "a fresh Debian 12 root (debootstrap --variant=minbase)"
	cp "$deb" "$root/tmp/"
	mount -t proc proc "$root/proc"
	check "apt-get install ./$(basename "$deb") in it, with its dependencies" \
		chroot "$root" bash -c "apt-get install -y -qq /tmp/$(basename "$deb") >/tmp/apt.log 2>&1"
	check "vnetlat runs there" bash -c "chroot '$root' vnetlat --version | grep -q '^vnetlat '"
	check "with its man page and units in place" bash -c \
		"chroot '$root' test -s /usr/share/man/man8/vnetlat.8.gz -a -s /lib/systemd/system/vnetlat-live.service"
	umount "$root/proc"
else
	not_ok "a fresh Debian 12 root (debootstrap --variant=minbase)"
	tail -5 "$work/debootstrap.log" | sed 's/^/# /'
fi
finish
